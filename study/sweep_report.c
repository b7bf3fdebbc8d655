/* Sweep reports: CSV, JSON and the plots, for replay and simulate points
 * alike (study/sweep.h). Keys follow README "Units in reports": the unit is
 * the suffix (_Bps bytes per second, _ns, _pct 0-100), integers are integers;
 * replay points are also fio-shaped jobs[] with fio's own names. */
#include "study/sweep.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/plot.h"
#include "replay/report_fio.h"

/* ---- reports ---- */

/* A point's dimension as a report key: mem is bytes (simulate's mem_bytes);
 * bs, qd, page, threads, engine and policy echo their options. */
static const char *dim_key(int d)
{
	return d == SR_DIM_MEM ? "mem_bytes" : sr_sweep_dim_names[d];
}

static json_t *json_int(double v)
{
	return json_integer((json_int_t)llround(v));
}

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
		fprintf(f, "%s,", dim_key(d));
	fputs("mem_pct,repeats,tokens,tokens_per_s,tokens_per_s_min,tokens_per_s_max,stall_p50_ns,stall_p99_ns,"
	      "hit_pct,read_bytes,demand_bytes,prefetch_bytes,steady_read_bytes,read_Bps\n", f);
	for (i = 0; i < s->npoints; i++) {
		const struct sr_sweep_point *p = &s->pt[i];

		if (!p->n)
			continue;
		csv_dims(f, s, p);
		if (in->model_bytes)
			fprintf(f, "%.1f,", 100.0 * (double)sr_sweep_num(s, p, SR_DIM_MEM) / (double)in->model_bytes);
		else
			fputc(',', f);
		fprintf(f, "%zu,%" PRIu64 ",%.3f,%.3f,%.3f,%.0f,%.0f,%.4f,%.0f,%.0f,%.0f,%.0f,%.0f\n", p->n,
			p->samples[0].sim.tokens, p->med[SR_SM_TPS], p->min[SR_SM_TPS], p->max[SR_SM_TPS],
			p->med[SR_SM_STALL50], p->med[SR_SM_STALL99], 100 * p->med[SR_SM_HIT], p->med[SR_SM_READ],
			p->med[SR_SM_DEMAND], p->med[SR_SM_PREFETCH], p->med[SR_SM_STEADY], p->med[SR_SM_BW]);
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
		fprintf(f, "%s,", dim_key(d));
	fputs("repeats,bw_Bps,bw_Bps_min,bw_Bps_max,clat_p99_ns,clat_p99_ns_min,clat_p99_ns_max,"
	      "read_Bps,read_iops,read_clat_mean_ns,read_clat_p50_ns,read_clat_p99_ns,"
	      "write_Bps,write_iops,write_clat_mean_ns,write_clat_p50_ns,write_clat_p99_ns,spec_pct\n", f);
	for (i = 0; i < s->npoints; i++) {
		const struct sr_sweep_point *p = &s->pt[i];
		int m;

		if (!p->n)
			continue;
		csv_dims(f, s, p);
		fprintf(f, "%zu,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f", p->n, p->med[SR_SM_BW], p->min[SR_SM_BW],
			p->max[SR_SM_BW], p->med[SR_SM_P99], p->min[SR_SM_P99], p->max[SR_SM_P99]);
		for (m = SR_SM_RBW; m <= SR_SM_WP99; m++) /* replay metrics only */
			fprintf(f, m == SR_SM_RIOPS || m == SR_SM_WIOPS ? ",%.1f" : ",%.0f", p->med[m]);
		if (in->spec_Bps > 0)
			fprintf(f, ",%.1f\n", 100 * p->med[SR_SM_BW] / in->spec_Bps);
		else
			fputs(",\n", f);
	}
	return ferror(f) ? -EIO : 0;
}

/* One direction's medians (fio's own shape is in jobs[]). */
static json_t *json_op(const struct sr_sweep_point *p, int base)
{
	return json_pack("{s:o, s:f, s:f, s:o, s:o}", "bw_Bps", json_int(p->med[base]), "iops",
			 p->med[base + 1], "clat_mean_ns", p->med[base + 2], "clat_p50_ns",
			 json_int(p->med[base + 3]), "clat_p99_ns", json_int(p->med[base + 4]));
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
			json_object_set_new(o, dim_key(d), json_integer(d == SR_DIM_PAGE && !s->ax[d].given ? 0 :
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
		json_object_set_new(o, "stall_p50_ns", json_int(p->med[SR_SM_STALL50]));
		json_object_set_new(o, "stall_p99_ns", json_int(p->med[SR_SM_STALL99]));
		json_object_set_new(o, "hit_pct", json_real(100 * p->med[SR_SM_HIT]));
		json_object_set_new(o, "read_bytes", json_int(p->med[SR_SM_READ]));
		json_object_set_new(o, "demand_bytes", json_int(p->med[SR_SM_DEMAND]));
		json_object_set_new(o, "prefetch_bytes", json_int(p->med[SR_SM_PREFETCH]));
		json_object_set_new(o, "steady_read_bytes", json_int(p->med[SR_SM_STEADY]));
		json_object_set_new(o, "steady_tokens", json_integer((json_int_t)p->samples[0].sim.steady_tokens));
		json_object_set_new(o, "read_Bps", json_int(p->med[SR_SM_BW]));
		json_object_set_new(o, "spread", json_pack("{s:f, s:f, s:o, s:o}", "tokens_per_s_min",
							   p->min[SR_SM_TPS], "tokens_per_s_max", p->max[SR_SM_TPS],
							   "stall_p99_ns_min", json_int(p->min[SR_SM_STALL99]),
							   "stall_p99_ns_max", json_int(p->max[SR_SM_STALL99])));
		for (k = 0; k < p->n; k++)
			json_array_append_new(arr, json_pack("{s:f, s:o, s:o, s:o, s:f}", "tokens_per_s",
							     p->samples[k].sim.tokens_per_s, "stall_p99_ns",
							     json_int(p->samples[k].sim.stall_p99_ns), "read_bytes",
							     json_int(p->samples[k].sim.read_bytes), "read_Bps",
							     json_int(p->samples[k].bw_bytes), "runtime_s", p->samples[k].runtime_s));
		json_object_set_new(o, "samples", arr);
		return o;
	}
	json_object_set_new(o, "bw_Bps", json_int(p->med[SR_SM_BW]));
	json_object_set_new(o, "read", json_op(p, SR_SM_RBW));
	json_object_set_new(o, "write", json_op(p, SR_SM_WBW));
	json_object_set_new(o, "spread", json_pack("{s:o, s:o, s:o, s:o}", "bw_Bps_min", json_int(p->min[SR_SM_BW]),
						   "bw_Bps_max", json_int(p->max[SR_SM_BW]), "clat_p99_ns_min",
						   json_int(p->min[SR_SM_P99]), "clat_p99_ns_max", json_int(p->max[SR_SM_P99])));
	if (in->spec_Bps > 0)
		json_object_set_new(o, "spec_pct", json_real(100 * p->med[SR_SM_BW] / in->spec_Bps));
	for (k = 0; k < p->n; k++)
		json_array_append_new(arr, json_pack("{s:o, s:o, s:f, s:I}", "bw_Bps", json_int(p->samples[k].bw_bytes),
						     "clat_p99_ns", json_int(p->samples[k].clat_p99_ns), "runtime_s",
						     p->samples[k].runtime_s, "errors",
						     (json_int_t)p->samples[k].errors));
	json_object_set_new(o, "samples", arr);
	return o;
}

/* The point's run whose bandwidth is the median: one real run, so its bytes,
 * requests, runtime and latencies agree as fio's figures do. */
static const struct sr_sweep_sample *median_sample(const struct sr_sweep_point *p)
{
	const struct sr_sweep_sample *best = &p->samples[0];
	size_t k;

	for (k = 1; k < p->n; k++)
		if (fabs(p->samples[k].bw_bytes - p->med[SR_SM_BW]) < fabs(best->bw_bytes - p->med[SR_SM_BW]))
			best = &p->samples[k];
	return best;
}

static json_t *fio_dir(const struct sr_sweep_op *o, double runtime_s)
{
	json_t *d = sr_fio_dir(o->bytes, o->ios, runtime_s);

	json_object_set_new(d, "clat_ns", json_pack("{s:f, s:{s:o, s:o}}", "mean", o->clat_mean_ns, "percentile",
						     "50.000000", json_int(o->clat_p50_ns), "99.000000",
						     json_int(o->clat_p99_ns)));
	return d;
}

/* fio's shape, a job per replay point (the median run), so fio's tools and
 * fio-plot read sweep.json as they read a set of fio runs. */
static json_t *json_jobs(const struct sr_sweep *s, const struct sr_sweep_info *in)
{
	json_t *jobs = json_array();
	size_t i;

	for (i = 0; i < s->npoints; i++) {
		const struct sr_sweep_point *p = &s->pt[i];
		const struct sr_sweep_sample *x;
		char name[256], bs[32], qd[16], th[16];

		if (!p->n)
			continue;
		x = median_sample(p);
		sr_fio_bs(bs, sizeof(bs), sr_sweep_num(s, p, SR_DIM_BS));
		snprintf(qd, sizeof(qd), "%" PRIu64, sr_sweep_num(s, p, SR_DIM_QD));
		snprintf(th, sizeof(th), "%" PRIu64, sr_sweep_num(s, p, SR_DIM_THREADS));
		snprintf(name, sizeof(name), "bs=%s,iodepth=%s,ioengine=%s,numjobs=%s,page=%" PRIu64, bs, qd,
			 sr_sweep_str(s, p, SR_DIM_ENGINE), th, s->ax[SR_DIM_PAGE].given ? sr_sweep_num(s, p, SR_DIM_PAGE) : 0);
		json_array_append_new(jobs, json_pack("{s:s, s:i, s:i, s:{s:s, s:s, s:s, s:s, s:s, s:s}, s:o, s:o}",
			"jobname", name, "groupid", 0, "error", x->errors ? 1 : 0, "job options",
			"rw", sr_fio_rw(in->source, x->op[0].ios, x->op[1].ios), "bs", bs, "iodepth", qd,
			"ioengine", sr_sweep_str(s, p, SR_DIM_ENGINE), "numjobs", th, "filename",
			in->target ? in->target : "", "read", fio_dir(&x->op[0], x->runtime_s), "write",
			fio_dir(&x->op[1], x->runtime_s)));
	}
	return jobs;
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
		json_object_set_new(meta, "max_folio_bytes", json_integer((json_int_t)in->max_folio));
		json_object_set_new(meta, "max_folio_source", json_string(in->max_folio_why ? in->max_folio_why : ""));
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
		json_object_set_new(grid, dim_key(d), vals);
	}
	json_object_set_new(meta, "grid", grid);
	if (in->spec_Bps > 0)
		json_object_set_new(meta, "spec", json_pack("{s:o, s:s}", "seq_read_Bps", json_int(in->spec_Bps),
							    "source", in->spec_source ? in->spec_source : ""));
	if (knee >= 0 && !s->sim)
		json_object_set_new(meta, "knee", json_pack("{s:f, s:I, s:I, s:o, s:o, s:I, s:I}", "of_best_ratio", 0.9,
				     "bs", (json_int_t)sr_sweep_num(s, &s->pt[knee], SR_DIM_BS),
				     "qd", (json_int_t)sr_sweep_num(s, &s->pt[knee], SR_DIM_QD),
				     "bw_Bps", json_int(s->pt[knee].med[SR_SM_BW]),
				     "best_Bps", json_int(s->pt[best].med[SR_SM_BW]),
				     "best_bs", (json_int_t)sr_sweep_num(s, &s->pt[best], SR_DIM_BS),
				     "best_qd", (json_int_t)sr_sweep_num(s, &s->pt[best], SR_DIM_QD)));
	json_object_set_new(root, "ssdreplay", meta);
	for (i = 0; i < s->npoints; i++)
		if (s->pt[i].n)
			json_array_append_new(pts, json_point(s, &s->pt[i], in));
	json_object_set_new(root, "points", pts);
	if (!s->sim)
		json_object_set_new(root, "jobs", json_jobs(s, in));
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
