/* Sweep grids: the specs of each dimension, the points and their shuffled
 * run order, running them and the medians (study/sweep.h). */
#include "study/sweep.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/units.h"
#include "base/checked.h"

const char *const sr_sweep_dim_names[SR_DIM_NR] = { "bs", "qd", "page", "engine", "threads", "policy", "mem" };

enum kind { K_SIZE, K_COUNT, K_NAME };
static const struct {
	enum kind kind;
	uint64_t max;
	int pow2;
} dims[SR_DIM_NR] = {
	[SR_DIM_BS] = { K_SIZE, 1ull << 30, 0 },
	[SR_DIM_QD] = { K_COUNT, 32768, 0 }, /* io_uring's IORING_MAX_ENTRIES */
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
	return d == SR_DIM_QD ? "expected integers from 1 to 32768" : "expected integers from 1 to 1024";
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
	if (geo ? sr_mul_u64(lo, step, &v) : sr_add_u64(lo, step, &v)) {
		*dots = '.';
		*colon = ':';
		return bad_spec(d, item, spec, "expected a step that does not overflow 64 bits", e);
	}
	for (v = lo;;) { /* checked: a step that wraps ends the range (it made 0 values, SIGFPE) */
		int ret = push(d, a, v, NULL, spec, e);

		if (ret)
			return ret;
		if (sr_range_next(v, step, geo, hi, &v) != 1)
			break;
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
			size_t j = (size_t)(sr_splitmix64(&seed) % r), t = s->order[r - 1];

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
