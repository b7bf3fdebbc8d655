#include "replay/sweep.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "replay/plot.h"
#include "replay/units.h"

const char *const sr_sweep_dim_names[SR_DIM_NR] = { "bs", "qd", "page", "engine", "threads", "policy", "mem" };

enum kind { K_SIZE, K_COUNT, K_NAME };
static const struct {
	enum kind kind;
	uint64_t max;
	int pow2;
} dims[SR_DIM_NR] = {
	[SR_DIM_BS] = { K_SIZE, 1ull << 30, 0 },
	[SR_DIM_QD] = { K_COUNT, 65536, 0 },
	[SR_DIM_PAGE] = { K_SIZE, 1ull << 30, 1 },
	[SR_DIM_ENGINE] = { K_NAME, 0, 0 },
	[SR_DIM_THREADS] = { K_COUNT, 1024, 0 },
	[SR_DIM_POLICY] = { K_NAME, 0, 0 },
	[SR_DIM_MEM] = { K_SIZE, UINT64_MAX, 0 },
};

/* ---- grid specs ---- */

static int bad_spec(enum sr_sweep_dim d, const char *item, const char *spec, const char *why,
		    struct sr_err *e)
{
	if (dims[d].kind == K_NAME)
		return sr_inputf(e, "sweep: --%s: %s, found '%s' in '%s'", sr_sweep_dim_names[d], why, item, spec);
	return sr_inputf(e, "sweep: --%s: %s (a comma list of %s or ranges like %s), found '%s' in '%s'",
			 sr_sweep_dim_names[d], why, dims[d].kind == K_SIZE ? "sizes" : "integers",
			 dims[d].kind == K_SIZE ? "4k..4m:x2" : "1..32:+4", item, spec);
}

static int parse_num(enum sr_sweep_dim d, const char *s, uint64_t *v)
{
	int ret = dims[d].kind == K_SIZE ? sr_parse_size(s, v) : sr_parse_u64(s, v);

	if (ret)
		return ret;
	if (*v < 1 || *v > dims[d].max || (dims[d].pow2 && (*v & (*v - 1))))
		return -ERANGE;
	return 0;
}

static int push(enum sr_sweep_dim d, struct sr_sweep_axis *a, uint64_t n, const char *s,
		const char *spec, struct sr_err *e)
{
	struct sr_sweep_val *v;

	if (a->n == SR_SWEEP_MAX_VALUES)
		return sr_inputf(e, "sweep: --%s: more than %d values in '%s'", sr_sweep_dim_names[d],
				 SR_SWEEP_MAX_VALUES, spec);
	v = &a->v[a->n++];
	v->n = n;
	if (s)
		snprintf(v->s, sizeof(v->s), "%s", s);
	else
		snprintf(v->s, sizeof(v->s), "%" PRIu64, n);
	return 0;
}

static const char *range_why(enum sr_sweep_dim d)
{
	if (d == SR_DIM_PAGE)
		return "expected powers of two from 1 to 1G";
	if (dims[d].kind == K_SIZE)
		return d == SR_DIM_BS ? "expected sizes from 1 byte to 1G" : "expected sizes of at least 1 byte";
	return d == SR_DIM_QD ? "expected integers from 1 to 65536" : "expected integers from 1 to 1024";
}

static int parse_item(enum sr_sweep_dim d, char *item, const char *spec, struct sr_sweep_axis *a,
		      struct sr_err *e)
{
	char *dots, *colon;
	uint64_t lo, hi, step = dims[d].kind == K_SIZE ? 2 : 1, v;
	int geo = dims[d].kind == K_SIZE;

	if (!*item)
		return bad_spec(d, item, spec, "empty item", e);
	if (d == SR_DIM_POLICY) { /* NAME[:ARGS], ARGS may hold ',' ':' '.' '*' */
		if (strlen(item) >= sizeof(a->v[0].s) || strpbrk(item, " \t\"\\"))
			return bad_spec(d, item, spec, "expected ';'-separated policy specs of up to 127 characters without blanks or quotes", e);
		return push(d, a, 0, item, spec, e);
	}
	if (dims[d].kind == K_NAME) {
		if (strlen(item) > 31 || strpbrk(item, " .:\"\\"))
			return bad_spec(d, item, spec, "expected names of up to 31 characters", e);
		return push(d, a, 0, item, spec, e);
	}
	dots = strstr(item, "..");
	if (!dots) {
		int ret = parse_num(d, item, &v);

		if (ret)
			return bad_spec(d, item, spec, ret == -ERANGE ? range_why(d) : "expected a value", e);
		return push(d, a, v, NULL, spec, e);
	}
	*dots = 0;
	colon = strchr(dots + 2, ':');
	if (colon) {
		*colon = 0;
		if (colon[1] == 'x' || colon[1] == '*')
			geo = 1;
		else if (colon[1] == '+')
			geo = 0;
		else
			colon = NULL, step = 0;
		if (colon && (sr_parse_u64(colon + 2, &step) || step < (uint64_t)(geo ? 2 : 1)))
			step = 0;
	}
	if (!step) {
		*dots = '.';
		return bad_spec(d, item, spec, "expected a step xN (N >= 2) or +N (N >= 1) after ':'", e);
	}
	if (parse_num(d, item, &lo) || parse_num(d, dots + 2, &hi) || lo > hi) {
		*dots = '.';
		if (colon)
			*colon = ':';
		return bad_spec(d, item, spec, "expected A..B with A <= B, both valid", e);
	}
	for (v = lo; v <= hi;) {
		int ret = push(d, a, v, NULL, spec, e);

		if (ret)
			return ret;
		if (geo ? v > hi / step : v > hi - step)
			break;
		v = geo ? v * step : v + step;
	}
	return 0;
}

int sr_sweep_parse(enum sr_sweep_dim d, const char *spec, struct sr_sweep_axis *out,
		   struct sr_err *e)
{
	char *copy = strdup(spec), *p, *item;
	int ret = 0, sep = d == SR_DIM_POLICY ? ';' : ',';

	if (!copy)
		return sr_errf(e, -ENOMEM, "out of memory");
	out->n = 0;
	out->given = 1;
	p = copy;
	do {
		item = p;
		p = strchr(p, sep);
		if (p)
			*p++ = 0;
		ret = parse_item(d, item, spec, out, e);
	} while (!ret && p);
	free(copy);
	return ret;
}

/* "P%" or "A%..B%[:+N|xN]": percentages of base. */
static int parse_pct_item(char *item, uint64_t base, const char *spec, struct sr_sweep_axis *a,
			  struct sr_err *e)
{
	static const char why[] = "expected sizes (2G), percentages of the model (25%) or ranges (25%..100%:+25)";
	char *dots = strstr(item, ".."), *end, *colon;
	double lo, hi, step = 0, v;
	int geo = 0, n = 0;

	lo = strtod(item, &end);
	if (end == item || *end != '%' || (dots ? end + 1 != dots : end[1]) || !(lo > 0 && lo <= 100000))
		goto bad;
	hi = lo;
	if (dots) {
		hi = strtod(dots + 2, &end);
		if (end == dots + 2 || *end != '%' || !(hi >= lo && hi <= 100000))
			goto bad;
		colon = end + 1;
		if (*colon && *colon != ':')
			goto bad;
		if (*colon) {
			geo = colon[1] == 'x' || colon[1] == '*';
			if (!geo && colon[1] != '+')
				goto bad;
			step = strtod(colon + 2, &end);
			if (end == colon + 2 || *end || !(geo ? step > 1 : step > 0))
				goto bad;
		} else {
			step = 1e300; /* A%..B% alone: both ends */
		}
	}
	for (v = lo; n == 0 || v <= hi * (1 + 1e-9); n++) {
		char label[32];
		uint64_t bytes = (uint64_t)(v / 100.0 * (double)base);
		int ret;

		if (!bytes)
			return sr_inputf(e, "sweep: --mem: expected a budget of at least 1 byte (the model is too small for that %%), found '%s' in '%s'",
					 item, spec);
		snprintf(label, sizeof(label), "%g%%", v);
		ret = push(SR_DIM_MEM, a, bytes, label, spec, e);
		if (ret)
			return ret;
		if (!dots)
			break;
		if (step >= 1e300) {
			if (v == hi)
				break;
			v = hi;
			continue;
		}
		v = geo ? v * step : v + step;
	}
	return 0;
bad:
	return sr_inputf(e, "sweep: --mem: %s, found '%s' in '%s'", why, item, spec);
}

int sr_sweep_parse_mem(const char *spec, uint64_t base, struct sr_sweep_axis *out, struct sr_err *e)
{
	char *copy = strdup(spec), *p, *item;
	int ret = 0;

	if (!copy)
		return sr_errf(e, -ENOMEM, "out of memory");
	out->n = 0;
	out->given = 1;
	p = copy;
	do {
		item = p;
		p = strchr(p, ',');
		if (p)
			*p++ = 0;
		if (strchr(item, '%'))
			ret = parse_pct_item(item, base, spec, out, e);
		else
			ret = parse_item(SR_DIM_MEM, item, spec, out, e);
	} while (!ret && p);
	free(copy);
	return ret;
}

void sr_sweep_default(struct sr_sweep_axis *a, uint64_t n, const char *s)
{
	a->n = 0;
	a->given = 0;
	a->v[a->n].n = n;
	if (s)
		snprintf(a->v[a->n].s, sizeof(a->v[0].s), "%s", s);
	else
		snprintf(a->v[a->n].s, sizeof(a->v[0].s), "%" PRIu64, n);
	a->n = 1;
}

/* ---- the grid ---- */

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int sr_sweep_init(struct sr_sweep *s, unsigned repeat, uint64_t seed, int shuffle, struct sr_err *e)
{
	size_t i, r, d, rem;

	s->npoints = 1;
	for (d = 0; d < SR_DIM_NR; d++) {
		if (!s->ax[d].n)
			return sr_inputf(e, "sweep: --%s: no values", sr_sweep_dim_names[d]);
		if (s->npoints > SR_SWEEP_MAX_RUNS / s->ax[d].n)
			return sr_inputf(e, "sweep: the grid has more than %d points", SR_SWEEP_MAX_RUNS);
		s->npoints *= s->ax[d].n;
	}
	if (!repeat || s->npoints > SR_SWEEP_MAX_RUNS / repeat)
		return sr_inputf(e, "sweep: %zu points x --repeat %u: expected 1 to %d runs", s->npoints,
				 repeat, SR_SWEEP_MAX_RUNS);
	s->repeat = repeat;
	s->nruns = s->npoints * repeat;
	s->done = 0;
	s->stopped = 0;
	s->pt = calloc(s->npoints, sizeof(*s->pt));
	s->order = calloc(s->nruns, sizeof(*s->order));
	if (!s->pt || !s->order)
		goto nomem;
	for (i = 0; i < s->npoints; i++) {
		/* bs varies fastest, so grid order reads bs x qd row by row */
		for (rem = i, d = 0; d < SR_DIM_NR; d++) {
			s->pt[i].idx[d] = rem % s->ax[d].n;
			rem /= s->ax[d].n;
		}
		s->pt[i].samples = calloc(repeat, sizeof(*s->pt[i].samples));
		if (!s->pt[i].samples)
			goto nomem;
	}
	for (r = 0; r < s->nruns; r++)
		s->order[r] = r;
	if (shuffle)
		for (r = s->nruns; r > 1; r--) { /* Fisher-Yates */
			size_t j = (size_t)(splitmix(&seed) % r), t = s->order[r - 1];

			s->order[r - 1] = s->order[j];
			s->order[j] = t;
		}
	return 0;
nomem:
	sr_sweep_free(s);
	return sr_errf(e, -ENOMEM, "out of memory for the sweep grid");
}

void sr_sweep_free(struct sr_sweep *s)
{
	size_t i;

	if (s->pt)
		for (i = 0; i < s->npoints; i++)
			free(s->pt[i].samples);
	free(s->pt);
	free(s->order);
	s->pt = NULL;
	s->order = NULL;
}

uint64_t sr_sweep_num(const struct sr_sweep *s, const struct sr_sweep_point *p, enum sr_sweep_dim d)
{
	return s->ax[d].v[p->idx[d]].n;
}

const char *sr_sweep_str(const struct sr_sweep *s, const struct sr_sweep_point *p, enum sr_sweep_dim d)
{
	return s->ax[d].v[p->idx[d]].s;
}

int sr_sweep_execute(struct sr_sweep *s, sr_sweep_run_fn run, void *arg, sr_sweep_progress_fn progress,
		     void *parg, volatile sig_atomic_t *stop, struct sr_err *e)
{
	uint64_t t0 = sr_now_ns();
	int ret = 0;

	for (; s->done < s->nruns; s->done++) {
		struct sr_sweep_point *p = &s->pt[s->order[s->done] / s->repeat];
		struct sr_sweep_sample smp;

		if (stop && *stop) {
			s->stopped = 1;
			break;
		}
		memset(&smp, 0, sizeof(smp));
		ret = run(arg, s, p, &smp, e);
		if (ret < 0)
			break;
		if (ret > 0 || (stop && *stop)) {
			ret = 0;
			s->stopped = 1;
			break;
		}
		p->samples[p->n++] = smp;
		if (progress)
			progress(parg, s, p, &smp, sr_now_ns() - t0);
	}
	sr_sweep_summarize(s);
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double metric(const struct sr_sweep_sample *x, int m)
{
	const struct sr_sweep_op *o = &x->op[m >= SR_SM_WBW];

	switch (m) {
	case SR_SM_TPS: return x->sim.tokens_per_s;
	case SR_SM_STALL50: return x->sim.stall_p50_ns;
	case SR_SM_STALL99: return x->sim.stall_p99_ns;
	case SR_SM_HIT: return x->sim.hit_rate;
	case SR_SM_READ: return x->sim.read_bytes;
	case SR_SM_STEADY: return x->sim.steady_read_bytes;
	case SR_SM_DEMAND: return x->sim.demand_bytes;
	case SR_SM_PREFETCH: return x->sim.prefetch_bytes;
	case SR_SM_BW: return x->bw_bytes;
	case SR_SM_P99: return x->clat_p99_ns;
	case SR_SM_RBW: case SR_SM_WBW: return o->bw_bytes;
	case SR_SM_RIOPS: case SR_SM_WIOPS: return o->iops;
	case SR_SM_RMEAN: case SR_SM_WMEAN: return o->clat_mean_ns;
	case SR_SM_RP50: case SR_SM_WP50: return o->clat_p50_ns;
	default: return o->clat_p99_ns;
	}
}

void sr_sweep_summarize(struct sr_sweep *s)
{
	double v[1024]; /* --repeat is at most 1000 */
	size_t i, k, n;
	int m;

	for (i = 0; i < s->npoints; i++) {
		struct sr_sweep_point *p = &s->pt[i];

		n = p->n < 1024 ? p->n : 1024;
		for (m = 0; m < SR_SM_NR; m++) {
			if (!n) {
				p->med[m] = p->min[m] = p->max[m] = 0;
				continue;
			}
			for (k = 0; k < n; k++)
				v[k] = metric(&p->samples[k], m);
			qsort(v, n, sizeof(v[0]), cmp_double);
			p->min[m] = v[0];
			p->max[m] = v[n - 1];
			p->med[m] = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
		}
	}
}

long sr_sweep_knee(const struct sr_sweep *s, double frac, long *best)
{
	long b = -1, k = -1;
	size_t i;

	for (i = 0; i < s->npoints; i++)
		if (s->pt[i].n && (b < 0 || s->pt[i].med[SR_SM_BW] > s->pt[b].med[SR_SM_BW]))
			b = (long)i;
	if (best)
		*best = b;
	if (b < 0)
		return -1;
	for (i = 0; i < s->npoints; i++) {
		const struct sr_sweep_point *p = &s->pt[i], *q;

		if (!p->n || p->med[SR_SM_BW] < frac * s->pt[b].med[SR_SM_BW])
			continue;
		if (k < 0) {
			k = (long)i;
			continue;
		}
		q = &s->pt[k];
		if (sr_sweep_num(s, p, SR_DIM_BS) < sr_sweep_num(s, q, SR_DIM_BS) ||
		    (sr_sweep_num(s, p, SR_DIM_BS) == sr_sweep_num(s, q, SR_DIM_BS) &&
		     sr_sweep_num(s, p, SR_DIM_QD) < sr_sweep_num(s, q, SR_DIM_QD)))
			k = (long)i;
	}
	return k;
}

/* ---- reports ---- */

static void csv_dims(FILE *f, const struct sr_sweep *s, const struct sr_sweep_point *p)
{
	int d;

	for (d = 0; d < SR_DIM_NR; d++) {
		const char *v = sr_sweep_str(s, p, (enum sr_sweep_dim)d), *c;

		if (d == SR_DIM_PAGE && !s->ax[d].given)
			fputs("0,", f); /* no page rounding */
		else if (d == SR_DIM_MEM)
			fprintf(f, "%" PRIu64 ",", sr_sweep_num(s, p, SR_DIM_MEM)); /* bytes, not "25%" */
		else if (!strpbrk(v, ",\""))
			fprintf(f, "%s,", v);
		else { /* a policy's pattern list: RFC 4180 quoting */
			fputc('"', f);
			for (c = v; *c; c++)
				fputs(*c == '"' ? "\"\"" : (char[]){ *c, 0 }, f);
			fputs("\",", f);
		}
	}
}

static int write_csv_sim(FILE *f, const struct sr_sweep *s, const struct sr_sweep_info *in)
{
	size_t i;
	int d;

	for (d = 0; d < SR_DIM_NR; d++)
		fprintf(f, "%s,", sr_sweep_dim_names[d]);
	fputs("mem_pct,repeats,tokens,tokens_per_s,tokens_per_s_min,tokens_per_s_max,stall_p50_ns,stall_p99_ns,"
	      "hit_rate,read_bytes,demand_bytes,prefetch_bytes,steady_read_bytes,read_bw_bytes,read_gb_s\n", f);
	for (i = 0; i < s->npoints; i++) {
		const struct sr_sweep_point *p = &s->pt[i];

		if (!p->n)
			continue;
		csv_dims(f, s, p);
		if (in->model_bytes)
			fprintf(f, "%.1f,", 100.0 * (double)sr_sweep_num(s, p, SR_DIM_MEM) / (double)in->model_bytes);
		else
			fputc(',', f);
		fprintf(f, "%zu,%" PRIu64 ",%.3f,%.3f,%.3f,%.0f,%.0f,%.6f,%.0f,%.0f,%.0f,%.0f,%.0f,%.3f\n", p->n,
			p->samples[0].sim.tokens, p->med[SR_SM_TPS], p->min[SR_SM_TPS], p->max[SR_SM_TPS],
			p->med[SR_SM_STALL50], p->med[SR_SM_STALL99], p->med[SR_SM_HIT], p->med[SR_SM_READ],
			p->med[SR_SM_DEMAND], p->med[SR_SM_PREFETCH], p->med[SR_SM_STEADY], p->med[SR_SM_BW],
			p->med[SR_SM_BW] / 1e9);
	}
	return ferror(f) ? -EIO : 0;
}

int sr_sweep_write_csv(FILE *f, const struct sr_sweep *s, const struct sr_sweep_info *in)
{
	size_t i;
	int d;

	if (s->sim)
		return write_csv_sim(f, s, in);
	for (d = 0; d < SR_DIM_NR; d++)
		fprintf(f, "%s,", sr_sweep_dim_names[d]);
	fputs("repeats,bw_bytes,bw_bytes_min,bw_bytes_max,clat_p99_ns,clat_p99_ns_min,clat_p99_ns_max,"
	      "read_bw_bytes,read_iops,read_clat_mean_ns,read_clat_p50_ns,read_clat_p99_ns,"
	      "write_bw_bytes,write_iops,write_clat_mean_ns,write_clat_p50_ns,write_clat_p99_ns,pct_spec\n", f);
	for (i = 0; i < s->npoints; i++) {
		const struct sr_sweep_point *p = &s->pt[i];
		int m;

		if (!p->n)
			continue;
		csv_dims(f, s, p);
		fprintf(f, "%zu,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f", p->n, p->med[SR_SM_BW], p->min[SR_SM_BW],
			p->max[SR_SM_BW], p->med[SR_SM_P99], p->min[SR_SM_P99], p->max[SR_SM_P99]);
		for (m = SR_SM_RBW; m < SR_SM_NR; m++)
			fprintf(f, m == SR_SM_RIOPS || m == SR_SM_WIOPS ? ",%.1f" : ",%.0f", p->med[m]);
		if (in->spec_Bps > 0)
			fprintf(f, ",%.1f\n", 100 * p->med[SR_SM_BW] / in->spec_Bps);
		else
			fputs(",\n", f);
	}
	return ferror(f) ? -EIO : 0;
}

static json_t *json_op(const struct sr_sweep_point *p, int base)
{
	return json_pack("{s:f, s:f, s:{s:f, s:{s:f, s:f}}}", "bw_bytes", p->med[base], "iops",
			 p->med[base + 1], "clat_ns", "mean", p->med[base + 2], "percentile",
			 "50.000000", p->med[base + 3], "99.000000", p->med[base + 4]);
}

static json_t *json_point(const struct sr_sweep *s, const struct sr_sweep_point *p,
			  const struct sr_sweep_info *in)
{
	json_t *o = json_object(), *arr = json_array();
	size_t k;
	int d;

	for (d = 0; d < SR_DIM_NR; d++) {
		const char *name = sr_sweep_dim_names[d];

		if (d == SR_DIM_ENGINE || d == SR_DIM_POLICY)
			json_object_set_new(o, name, json_string(sr_sweep_str(s, p, (enum sr_sweep_dim)d)));
		else
			json_object_set_new(o, name, json_integer(d == SR_DIM_PAGE && !s->ax[d].given ? 0 :
					    (json_int_t)sr_sweep_num(s, p, (enum sr_sweep_dim)d)));
	}
	json_object_set_new(o, "repeats", json_integer((json_int_t)p->n));
	if (s->sim) {
		json_object_set_new(o, "mem_label", json_string(sr_sweep_str(s, p, SR_DIM_MEM)));
		if (in->model_bytes)
			json_object_set_new(o, "mem_pct", json_real(100.0 * (double)sr_sweep_num(s, p, SR_DIM_MEM) /
								   (double)in->model_bytes));
		json_object_set_new(o, "tokens", json_integer((json_int_t)p->samples[0].sim.tokens));
		json_object_set_new(o, "tokens_per_s", json_real(p->med[SR_SM_TPS]));
		json_object_set_new(o, "stall_ns", json_pack("{s:f, s:f}", "p50", p->med[SR_SM_STALL50],
							     "p99", p->med[SR_SM_STALL99]));
		json_object_set_new(o, "hit_rate", json_real(p->med[SR_SM_HIT]));
		json_object_set_new(o, "read_bytes", json_real(p->med[SR_SM_READ]));
		json_object_set_new(o, "demand_bytes", json_real(p->med[SR_SM_DEMAND]));
		json_object_set_new(o, "prefetch_bytes", json_real(p->med[SR_SM_PREFETCH]));
		json_object_set_new(o, "steady_read_bytes", json_real(p->med[SR_SM_STEADY]));
		json_object_set_new(o, "steady_tokens", json_integer((json_int_t)p->samples[0].sim.steady_tokens));
		json_object_set_new(o, "read_bw_bytes", json_real(p->med[SR_SM_BW]));
		json_object_set_new(o, "read_gb_s", json_real(p->med[SR_SM_BW] / 1e9));
		json_object_set_new(o, "spread", json_pack("{s:f, s:f, s:f, s:f}", "tokens_per_s_min",
							   p->min[SR_SM_TPS], "tokens_per_s_max", p->max[SR_SM_TPS],
							   "stall_p99_ns_min", p->min[SR_SM_STALL99],
							   "stall_p99_ns_max", p->max[SR_SM_STALL99]));
		for (k = 0; k < p->n; k++)
			json_array_append_new(arr, json_pack("{s:f, s:f, s:f, s:f, s:f}", "tokens_per_s",
							     p->samples[k].sim.tokens_per_s, "stall_p99_ns",
							     p->samples[k].sim.stall_p99_ns, "read_bytes",
							     p->samples[k].sim.read_bytes, "read_bw_bytes",
							     p->samples[k].bw_bytes, "runtime_s", p->samples[k].runtime_s));
		json_object_set_new(o, "samples", arr);
		return o;
	}
	json_object_set_new(o, "bw_bytes", json_real(p->med[SR_SM_BW]));
	json_object_set_new(o, "read", json_op(p, SR_SM_RBW));
	json_object_set_new(o, "write", json_op(p, SR_SM_WBW));
	json_object_set_new(o, "spread", json_pack("{s:f, s:f, s:f, s:f}", "bw_bytes_min", p->min[SR_SM_BW],
						   "bw_bytes_max", p->max[SR_SM_BW], "clat_p99_ns_min",
						   p->min[SR_SM_P99], "clat_p99_ns_max", p->max[SR_SM_P99]));
	if (in->spec_Bps > 0)
		json_object_set_new(o, "pct_spec", json_real(100 * p->med[SR_SM_BW] / in->spec_Bps));
	for (k = 0; k < p->n; k++)
		json_array_append_new(arr, json_pack("{s:f, s:f, s:f, s:I}", "bw_bytes", p->samples[k].bw_bytes,
						     "clat_p99_ns", p->samples[k].clat_p99_ns, "runtime_s",
						     p->samples[k].runtime_s, "errors",
						     (json_int_t)p->samples[k].errors));
	json_object_set_new(o, "samples", arr);
	return o;
}

int sr_sweep_write_json(FILE *f, const struct sr_sweep *s, const struct sr_sweep_info *in)
{
	json_t *root = json_object(), *meta = json_object(), *pts = json_array(), *grid = json_object();
	long best, knee = sr_sweep_knee(s, 0.9, &best);
	size_t i, k;
	int d, ret;

	json_object_set_new(meta, "version", json_string(SR_VERSION));
	json_object_set_new(meta, "cmd", json_string("sweep"));
	json_object_set_new(meta, "mode", json_string(s->sim ? "simulate" : "replay"));
	if (s->sim) {
		json_object_set_new(meta, "model", in->model ? json_string(in->model) : json_null());
		json_object_set_new(meta, "model_bytes", json_integer((json_int_t)in->model_bytes));
		json_object_set_new(meta, "tokens", json_integer((json_int_t)in->tokens));
	}
	json_object_set_new(meta, "target", json_string(in->target ? in->target : ""));
	json_object_set_new(meta, "source", json_string(in->source ? in->source : ""));
	if (!s->sim)
		json_object_set_new(meta, "runtime_s", json_real(in->runtime_s));
	json_object_set_new(meta, "repeat", json_integer(s->repeat));
	json_object_set_new(meta, "order", json_string(in->shuffle ? "shuffled" : "grid"));
	json_object_set_new(meta, "seed", json_integer((json_int_t)in->seed));
	json_object_set_new(meta, "points", json_integer((json_int_t)s->npoints));
	json_object_set_new(meta, "runs", json_integer((json_int_t)s->nruns));
	json_object_set_new(meta, "runs_done", json_integer((json_int_t)s->done));
	json_object_set_new(meta, "complete", json_boolean(!s->stopped && s->done == s->nruns));
	for (d = 0; d < SR_DIM_NR; d++) {
		json_t *vals;

		if (!s->ax[d].given)
			continue;
		vals = json_array();
		for (k = 0; k < s->ax[d].n; k++)
			json_array_append_new(vals, d == SR_DIM_ENGINE || d == SR_DIM_POLICY ?
					      json_string(s->ax[d].v[k].s) : json_integer((json_int_t)s->ax[d].v[k].n));
		json_object_set_new(grid, sr_sweep_dim_names[d], vals);
	}
	json_object_set_new(meta, "grid", grid);
	if (in->spec_Bps > 0)
		json_object_set_new(meta, "spec", json_pack("{s:f, s:s}", "seq_read_bw_bytes", in->spec_Bps,
							    "source", in->spec_source ? in->spec_source : ""));
	if (knee >= 0 && !s->sim)
		json_object_set_new(meta, "knee", json_pack("{s:f, s:I, s:I, s:f, s:f, s:I, s:I}", "fraction", 0.9,
				     "bs", (json_int_t)sr_sweep_num(s, &s->pt[knee], SR_DIM_BS),
				     "qd", (json_int_t)sr_sweep_num(s, &s->pt[knee], SR_DIM_QD),
				     "bw_bytes", s->pt[knee].med[SR_SM_BW],
				     "best_bw_bytes", s->pt[best].med[SR_SM_BW],
				     "best_bs", (json_int_t)sr_sweep_num(s, &s->pt[best], SR_DIM_BS),
				     "best_qd", (json_int_t)sr_sweep_num(s, &s->pt[best], SR_DIM_QD)));
	json_object_set_new(root, "ssdreplay", meta);
	for (i = 0; i < s->npoints; i++)
		if (s->pt[i].n)
			json_array_append_new(pts, json_point(s, &s->pt[i], in));
	json_object_set_new(root, "points", pts);
	ret = json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	json_decref(root);
	fputc('\n', f);
	return ret || ferror(f) ? -EIO : 0;
}

/* ---- plots ---- */

struct plot_series {
	double *x, *y, *ylo, *yhi;
	size_t n;
	char name[160];
};

/* The x dimension: bs when it varies, else the first numeric one that does. */
static enum sr_sweep_dim x_dim(const struct sr_sweep *s)
{
	static const enum sr_sweep_dim pref[] = { SR_DIM_BS, SR_DIM_QD, SR_DIM_THREADS, SR_DIM_PAGE, SR_DIM_MEM };
	static const enum sr_sweep_dim sim[] = { SR_DIM_MEM, SR_DIM_PAGE, SR_DIM_BS, SR_DIM_QD };
	size_t i;

	for (i = 0; s->sim && i < sizeof(sim) / sizeof(sim[0]); i++)
		if (s->ax[sim[i]].n > 1)
			return sim[i];
	for (i = 0; !s->sim && i < sizeof(pref) / sizeof(pref[0]); i++)
		if (s->ax[pref[i]].n > 1)
			return pref[i];
	return s->sim ? SR_DIM_MEM : SR_DIM_BS;
}

/* Series id of p: its indices in the varying dimensions other than xd. */
static size_t series_of(const struct sr_sweep *s, const struct sr_sweep_point *p, enum sr_sweep_dim xd,
			size_t *nseries)
{
	size_t id = 0, mul = 1;
	int d;

	for (d = 0; d < SR_DIM_NR; d++) {
		if (d == (int)xd)
			continue;
		id += p->idx[d] * mul;
		mul *= s->ax[d].n;
	}
	*nseries = mul;
	return id;
}

static void series_name(const struct sr_sweep *s, const struct sr_sweep_point *p, enum sr_sweep_dim xd,
			char *buf, size_t n)
{
	size_t len = 0;
	int d;

	buf[0] = 0;
	for (d = 0; d < SR_DIM_NR; d++)
		if (d != (int)xd && s->ax[d].n > 1 && len < n) /* a policy goes by its name alone */
			len += (size_t)snprintf(buf + len, n - len, "%s%s%s%s", len ? " " : "",
						s->sim && d == SR_DIM_POLICY ? "" : sr_sweep_dim_names[d],
						s->sim && d == SR_DIM_POLICY ? "" : "=", sr_sweep_str(s, p, (enum sr_sweep_dim)d));
	if (!buf[0] && s->sim) /* nothing else varies: name it by its policy */
		snprintf(buf, n, "%s", sr_sweep_str(s, p, SR_DIM_POLICY));
	else if (!buf[0]) /* nothing else varies: name it by its queue depth (or bs) */
		snprintf(buf, n, "%s=%s", xd == SR_DIM_QD ? "bs" : "qd",
			 sr_sweep_str(s, p, xd == SR_DIM_QD ? SR_DIM_BS : SR_DIM_QD));
}

/* Sort one series' points by x (insertion sort: a few dozen points). */
static void sort_series(struct plot_series *ps)
{
	size_t i, j;

	for (i = 1; i < ps->n; i++)
		for (j = i; j > 0 && ps->x[j - 1] > ps->x[j]; j--) {
			double t;
#define SWAP(a) (t = ps->a[j], ps->a[j] = ps->a[j - 1], ps->a[j - 1] = t)
			SWAP(x);
			SWAP(y);
			SWAP(ylo);
			SWAP(yhi);
#undef SWAP
		}
}

/* Build series of metric m (scaled by mul) over the x dimension. */
static size_t build(const struct sr_sweep *s, enum sr_sweep_dim xd, int m, double mul,
		    struct plot_series *ps, size_t nseries, struct sr_plot_series *out)
{
	size_t i, id, ns, k = 0;

	for (i = 0; i < nseries; i++)
		ps[i].n = 0;
	for (i = 0; i < s->npoints; i++) {
		const struct sr_sweep_point *p = &s->pt[i];
		struct plot_series *q;

		if (!p->n)
			continue;
		id = series_of(s, p, xd, &ns);
		q = &ps[id];
		if (!q->n)
			series_name(s, p, xd, q->name, sizeof(q->name));
		q->x[q->n] = (double)sr_sweep_num(s, p, xd);
		q->y[q->n] = p->med[m] * mul;
		q->ylo[q->n] = p->min[m] * mul;
		q->yhi[q->n] = p->max[m] * mul;
		q->n++;
	}
	for (i = 0; i < nseries; i++) {
		if (!ps[i].n)
			continue;
		sort_series(&ps[i]);
		out[k++] = (struct sr_plot_series){ .name = ps[i].name, .x = ps[i].x, .y = ps[i].y,
						    .ylo = s->repeat > 1 ? ps[i].ylo : NULL,
						    .yhi = s->repeat > 1 ? ps[i].yhi : NULL, .n = ps[i].n };
	}
	return k;
}

/* Simulate points: tokens/s, stall per token and hit rate over x (mem). */
static int plots_sim(const char *dir, const struct sr_sweep *s, const struct sr_sweep_info *in, const char *term,
		     enum sr_sweep_dim xd, struct sr_plot_axis xa, struct plot_series *ps, size_t nseries,
		     struct sr_plot_series *out, struct sr_err *e)
{
	static const struct {
		const char *file, *title, *ylabel;
		int m;
		double mul;
	} fig[] = {
		{ "tokens", "Decode tokens/s", "tokens/s", SR_SM_TPS, 1 },
		{ "stall", "p99 stall per token", "p99 stall per token (ms)", SR_SM_STALL99, 1e-6 },
		{ "hit_rate", "Page hit rate", "hit rate (%)", SR_SM_HIT, 100 },
	};
	char title[256], note[256];
	size_t i, k;
	int ret = 0;

	snprintf(note, sizeof(note), "median of %u run%s of %" PRIu64 " token%s per point%s; %s%s%s", s->repeat,
		 s->repeat > 1 ? "s" : "", in->tokens, in->tokens == 1 ? "" : "s",
		 s->repeat > 1 ? ", whiskers min..max" : "", in->source ? in->source : "?",
		 in->target ? " on " : "", in->target ? in->target : "");
	for (i = 0; i < sizeof(fig) / sizeof(fig[0]) && !ret; i++) {
		k = build(s, xd, fig[i].m, fig[i].mul, ps, nseries, out);
		snprintf(title, sizeof(title), "%s vs %s (%s)", fig[i].title, xa.label,
			 in->model ? in->model : in->source ? in->source : "?");
		ret = sr_plot_lines_files(dir, fig[i].file, term,
					  &(struct sr_plot_lines){ .title = title, .x = xa, .s = out, .ns = k,
								   .y = { .label = fig[i].ylabel }, .note = note }, e);
	}
	return ret;
}

int sr_sweep_plots(const char *dir, const struct sr_sweep *s, const struct sr_sweep_info *in,
		   const char *term, struct sr_err *e)
{
	enum sr_sweep_dim xd = x_dim(s);
	size_t nseries, nx = s->ax[xd].n, i, k;
	struct plot_series *ps;
	struct sr_plot_series *out;
	double *mem, spec_x[2], spec_y[2];
	char title[256], xlabel[64], note[256];
	struct sr_plot_axis xa;
	int ret = -ENOMEM;

	series_of(s, &s->pt[0], xd, &nseries);
	ps = calloc(nseries, sizeof(*ps));
	out = calloc(nseries + 1, sizeof(*out));
	mem = calloc(nseries * nx * 4, sizeof(*mem));
	if (!ps || !out || !mem) {
		sr_errf(e, -ENOMEM, "out of memory for the plots");
		goto out;
	}
	for (i = 0; i < nseries; i++) {
		ps[i].x = mem + i * nx * 4;
		ps[i].y = ps[i].x + nx;
		ps[i].ylo = ps[i].y + nx;
		ps[i].yhi = ps[i].ylo + nx;
	}
	snprintf(xlabel, sizeof(xlabel), "%s", xd == SR_DIM_BS ? "request size" : xd == SR_DIM_QD ?
		 "queue depth" : xd == SR_DIM_MEM ? "memory budget" : sr_sweep_dim_names[xd]);
	xa = (struct sr_plot_axis){ .label = xlabel, .scale = SR_AXIS_LOG2,
				    .fmt = xd == SR_DIM_BS || xd == SR_DIM_PAGE || xd == SR_DIM_MEM ?
					   SR_AXIS_BYTES : SR_AXIS_NUM };
	if (s->sim) {
		ret = plots_sim(dir, s, in, term, xd, xa, ps, nseries, out, e);
		goto out;
	}
	snprintf(note, sizeof(note), "median of %u run%s of %.3g s per point%s; source %s", s->repeat,
		 s->repeat > 1 ? "s" : "", in->runtime_s, s->repeat > 1 ? ", whiskers min..max" : "",
		 in->source ? in->source : "?");

	k = build(s, xd, SR_SM_BW, 1 / 1048576.0, ps, nseries, out);
	if (in->spec_Bps > 0 && k) {
		spec_x[0] = s->ax[xd].v[0].n;
		spec_x[1] = s->ax[xd].v[0].n;
		for (i = 0; i < nx; i++) {
			spec_x[0] = fmin(spec_x[0], (double)s->ax[xd].v[i].n);
			spec_x[1] = fmax(spec_x[1], (double)s->ax[xd].v[i].n);
		}
		spec_y[0] = spec_y[1] = in->spec_Bps / 1048576.0;
		out[k++] = (struct sr_plot_series){ .name = "spec sequential read", .x = spec_x, .y = spec_y,
						    .n = 2, .style = SR_SERIES_DASHED };
	}
	snprintf(title, sizeof(title), "Bandwidth vs %s on %s", xlabel, in->target ? in->target : "?");
	ret = sr_plot_lines_files(dir, "bandwidth", term,
				  &(struct sr_plot_lines){ .title = title, .x = xa, .s = out, .ns = k,
							   .y = { .label = "MiB/s" }, .note = note }, e);
	if (ret)
		goto out;

	k = build(s, xd, SR_SM_P99, 1e-3, ps, nseries, out);
	snprintf(title, sizeof(title), "p99 completion latency vs %s on %s", xlabel, in->target ? in->target : "?");
	ret = sr_plot_lines_files(dir, "p99", term,
				  &(struct sr_plot_lines){ .title = title, .x = xa, .s = out, .ns = k,
							   .y = { .label = "p99 latency (us)", .scale = SR_AXIS_LOG10 },
							   .note = note }, e);
	if (ret || !(in->spec_Bps > 0))
		goto out;

	k = build(s, xd, SR_SM_BW, 100 / in->spec_Bps, ps, nseries, out);
	snprintf(title, sizeof(title), "%% of spec sequential read vs %s on %s", xlabel, in->target ? in->target : "?");
	ret = sr_plot_lines_files(dir, "pct_spec", term,
				  &(struct sr_plot_lines){ .title = title, .x = xa, .s = out, .ns = k,
							   .y = { .label = "% of spec sequential read" }, .note = note }, e);
out:
	free(ps);
	free(out);
	free(mem);
	return ret;
}
