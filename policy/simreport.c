#include "policy/simreport.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/plot.h"

double sr_mmap_tokens_per_s(const struct sr_mmap_result *m)
{
	return m->wall_ns ? (double)m->tokens * 1e9 / (double)m->wall_ns : 0;
}

/* Every figure of a row, once: the three renderers walk the same list. */
enum {
	F_MEM, F_TOKENS, F_TPS, F_PP_TPS, F_STALL_MEAN, F_STALL_P50, F_STALL_P99, F_HIT, F_SERVED, F_DEMAND,
	F_PREFETCH, F_WASTED, F_UNUSED, F_READ, F_BUSY, F_GBPS, F_BUSY_GBPS, F_SPEC_PCT, F_CAL_PCT, F_FAULTS,
	F_MAJFLT, F_WALL, F_NR
};

static const struct {
	const char *key;   /* JSON/CSV */
	const char *head;  /* text column, NULL: not in the text table */
	int width, prec;
	int bytes;         /* render as MiB in text */
	int integer;       /* a JSON integer (README "Units in reports") */
} fields[F_NR] = {
	[F_MEM] = { "mem_bytes", "mem", 9, 0, 1, 1 },
	[F_TOKENS] = { "tokens", NULL, 0, 0, 0, 1 },
	[F_TPS] = { "tokens_per_s", "tok/s", 8, 2, 0 },
	[F_PP_TPS] = { "prefill_tokens_per_s", "pp tok/s", 8, 1, 0 },
	[F_STALL_MEAN] = { "stall_ms_per_token_mean", "stall ms", 9, 2, 0 },
	[F_STALL_P50] = { "stall_ms_per_token_p50", "p50", 8, 2, 0 },
	[F_STALL_P99] = { "stall_ms_per_token_p99", "p99", 8, 2, 0 },
	[F_HIT] = { "hit_pct", "hit%", 6, 1, 0 },
	[F_SERVED] = { "served_pct", "served%", 7, 1, 0 },
	[F_DEMAND] = { "demand_bytes", "demand", 9, 0, 1, 1 },
	[F_PREFETCH] = { "prefetch_bytes", "prefetch", 9, 0, 1, 1 },
	[F_WASTED] = { "wasted_prefetch_bytes", "wasted", 9, 0, 1, 1 },
	[F_UNUSED] = { "unused_prefetch_bytes", NULL, 0, 0, 1, 1 },
	[F_READ] = { "read_bytes", "read", 9, 0, 1, 1 },
	[F_BUSY] = { "device_busy_pct", "busy%", 6, 1, 0 },
	[F_GBPS] = { "read_Bps", "GB/s", 6, 3, 0, 1 },
	[F_BUSY_GBPS] = { "busy_Bps", NULL, 0, 0, 0, 1 },
	[F_SPEC_PCT] = { "spec_pct", "%spec", 6, 1, 0 },
	[F_CAL_PCT] = { "calibrated_pct", NULL, 0, 0, 0 },
	[F_FAULTS] = { "faults", "faults", 8, 0, 0, 1 },
	[F_MAJFLT] = { "major_faults", NULL, 0, 0, 0, 1 },
	[F_WALL] = { "wall_s", NULL, 0, 0, 0 },
};

/* --engine null reads nothing: the rows count pages, their times measure
 * only how fast the simulator ran. */
static int accounting_only(const struct sr_sim_report *rep)
{
	return rep->engine && !strcmp(rep->engine, "null");
}

/* A simulated row's stalls and tokens/s mean something: timed on a device,
 * or charged by the page-cache cost model (with any engine). */
static int timed_row(const struct sr_sim_report *rep, const struct sr_sim_result *r)
{
	return !accounting_only(rep) || r->costed;
}

static void figures(const struct sr_sim_report *rep, const struct sr_sim_row *w, double *v)
{
	int i;

	for (i = 0; i < F_NR; i++)
		v[i] = NAN;
	v[F_MEM] = (double)w->mem;
	if (w->kind == SR_ROW_SIM) {
		const struct sr_sim_result *r = &w->res;
		double wall = (double)r->wall_ns / 1e9, busy = (double)r->busy_ns / 1e9;
		double rd = (double)(r->demand_bytes + r->prefetch_bytes);

		v[F_TOKENS] = (double)r->tokens;
		v[F_TPS] = sr_sim_tokens_per_s(r);
		if (r->prefill_tokens && rep->prefill_tokens)
			v[F_PP_TPS] = sr_sim_prefill_tokens_per_s(r, rep->prefill_tokens);
		if (r->faults)
			v[F_FAULTS] = (double)r->faults; /* simulated: fault-style policies only */
		v[F_STALL_MEAN] = sr_hist_mean(&r->token_stall) / 1e6;
		v[F_STALL_P50] = (double)sr_hist_pct(&r->token_stall, 50) / 1e6;
		v[F_STALL_P99] = (double)sr_hist_pct(&r->token_stall, 99) / 1e6;
		v[F_HIT] = 100 * sr_sim_hit_rate(r);
		v[F_SERVED] = 100 * sr_sim_served_rate(r);
		v[F_DEMAND] = (double)r->demand_bytes;
		v[F_PREFETCH] = (double)r->prefetch_bytes;
		v[F_WASTED] = (double)r->wasted_prefetch_bytes;
		v[F_UNUSED] = (double)r->unused_prefetch_bytes;
		v[F_READ] = rd;
		v[F_BUSY] = wall > 0 ? 100 * busy / wall : 0;
		v[F_GBPS] = wall > 0 ? rd / wall : 0;
		v[F_BUSY_GBPS] = busy > 0 ? rd / busy : 0;
		/* while busy: what the device delivered when the run asked it for data */
		if (rep->spec_Bps > 0)
			v[F_SPEC_PCT] = 100 * v[F_BUSY_GBPS] / rep->spec_Bps;
		if (rep->cal_Bps > 0)
			v[F_CAL_PCT] = 100 * v[F_BUSY_GBPS] / rep->cal_Bps;
		v[F_WALL] = wall;
		if (accounting_only(rep)) /* the simulator's own speed, not a device's */
			v[F_BUSY] = v[F_GBPS] = v[F_BUSY_GBPS] = v[F_SPEC_PCT] = v[F_CAL_PCT] = NAN;
		if (!timed_row(rep, r))
			v[F_TPS] = v[F_PP_TPS] = v[F_STALL_MEAN] = v[F_STALL_P50] = v[F_STALL_P99] = NAN;
	} else {
		const struct sr_mmap_result *m = &w->mm;
		double rd = (double)m->read_bytes; /* the child's own: the device may be shared */
		double stall = m->tokens ? (double)(m->wall_ns - (m->compute_ns < m->wall_ns ? m->compute_ns : m->wall_ns)) /
						   (double)m->tokens / 1e6 : 0;
		double all = (double)(m->wall_ns + m->prefill_ns + m->load_ns) / 1e9;

		v[F_TOKENS] = (double)m->tokens;
		v[F_TPS] = sr_mmap_tokens_per_s(m);
		if (m->prefill_tokens && m->prefill_ns)
			v[F_PP_TPS] = (double)m->prefill_tokens * 1e9 / (double)m->prefill_ns;
		v[F_STALL_MEAN] = stall;
		v[F_DEMAND] = (double)m->demand_bytes;
		v[F_PREFETCH] = (double)m->prefetch_bytes;
		v[F_READ] = rd;
		v[F_GBPS] = all > 0 ? rd / all : 0;
		if (m->busy_ns && all > 0)
			v[F_BUSY] = 100 * (double)m->busy_ns / 1e9 / all;
		v[F_FAULTS] = (double)m->majflt;
		v[F_MAJFLT] = (double)m->majflt;
		v[F_WALL] = all;
	}
}

static const char *kind_name(int k)
{
	return k == SR_ROW_SIM ? "simulated" : k == SR_ROW_MMAP ? "real-mmap" : "ram";
}

/* A pagecache row whose budget holds under four readahead windows:
 * there the kernel re-read up to four times what the simulation reads
 * (README, "Rooms under four readahead windows"). */
static int under_four_windows(const struct sr_sim_row *w)
{
	return w->kind == SR_ROW_SIM && w->res.ra_window_bytes && w->mem < 4 * w->res.ra_window_bytes;
}

/* The least and most of a --mem-spread's figures; NAN when not run. */
static void spread_range(const struct sr_sim_spread *sp, const double *v, double *lo, double *hi)
{
	unsigned k;

	*lo = *hi = NAN;
	for (k = 0; k < sp->n; k++) {
		if (isnan(*lo) || v[k] < *lo)
			*lo = v[k];
		if (isnan(*hi) || v[k] > *hi)
			*hi = v[k];
	}
}

static void text_cell(FILE *f, int i, double v)
{
	if (isnan(v))
		fprintf(f, " %*s", fields[i].width, "-");
	else if (fields[i].bytes)
		fprintf(f, " %*.1f", fields[i].width - 1, v / 1048576.0), fputc('M', f);
	else if (i == F_GBPS) /* bytes/s in JSON and CSV, GB/s (10^9) in the table */
		fprintf(f, " %*.*f", fields[i].width, fields[i].prec, v / 1e9);
	else
		fprintf(f, " %*.*f", fields[i].width, fields[i].prec, v);
}

static void write_text(FILE *f, const struct sr_sim_report *rep)
{
	double v[F_NR], best_ram = 0;
	size_t r;
	int i;

	fprintf(f, "simulate: %s on %s (%s, qd %u, page %" PRIu64 ", max read %" PRIu64 "; page-cache folios up to %" PRIu64 ", %s)\n",
		rep->source, rep->target, rep->engine, rep->qd, rep->page, rep->max_req, rep->max_folio,
		rep->max_folio_why ? rep->max_folio_why : "");
	if (rep->partial)
		fprintf(f, "PARTIAL: stopped by a signal; the rows below are the ones that completed\n");
	fprintf(f, "model %s: %.1f MiB; compute %s", rep->model ? rep->model : "-",
		(double)rep->model_bytes / 1048576.0, rep->compute_ms_per_token < 0 ? "from the schedule" : "");
	if (rep->compute_ms_per_token >= 0)
		fprintf(f, "%.3f ms per token", rep->compute_ms_per_token);
	if (rep->spec_Bps > 0)
		fprintf(f, "; device spec %.2f GB/s (%s)", rep->spec_Bps / 1e9, rep->spec_source ? rep->spec_source : "");
	if (rep->cal_Bps > 0)
		fprintf(f, "; calibrated %.2f GB/s", rep->cal_Bps / 1e9);
	if (rep->pccost)
		fprintf(f, "\nmmap rows charged the page-cache cost (%s, %u threads): %.2f ns/B streaming, %.2f reclaiming, %.2f scattered, %.0f ns per page activated",
			rep->pccost->file, rep->pccost->threads, rep->pccost->seq_ns_per_B, rep->pccost->seq_press_ns_per_B,
			rep->pccost->scat_press_ns_per_B, rep->pccost->act_ns_per_page);
	fprintf(f, "\n%-22s", "policy");
	for (i = 0; i < F_NR; i++)
		if (fields[i].head)
			fprintf(f, " %*s", fields[i].width, fields[i].head);
	fputc('\n', f);
	for (r = 0; r < rep->n; r++) {
		const struct sr_sim_row *w = &rep->rows[r];

		figures(rep, w, v);
		fprintf(f, "%-22.22s", w->policy);
		for (i = 0; i < F_NR; i++)
			if (fields[i].head)
				text_cell(f, i, v[i]);
		fprintf(f, "%s\n", w->kind == SR_ROW_SIM && w->res.partial ? " (partial)" : "");
		if (w->kind == SR_ROW_RAM)
			best_ram = v[F_TPS];
	}
	for (r = 0; r < rep->n; r++) {
		const struct sr_sim_row *w = &rep->rows[r];
		double wall = (double)w->res.wall_ns / 1e9;

		if (w->kind != SR_ROW_SIM || w->res.nr_dev < 2 || wall <= 0 || accounting_only(rep))
			continue;
		fprintf(f, "%s at mem %.1f MiB over %s:", w->policy, (double)w->mem / 1048576.0, rep->layout ? rep->layout : "stripe");
		for (unsigned k = 0; k < w->res.nr_dev; k++)
			fprintf(f, " %s %.3f GB/s (busy %.0f%%)", rep->devs ? rep->devs[k] : "?",
				(double)w->res.dev_bytes[k] / wall / 1e9, 100 * (double)w->res.dev_busy_ns[k] / 1e9 / wall);
		fputc('\n', f);
	}
	for (r = 0; r < rep->n; r++) {
		const struct sr_sim_spread *sp = &rep->rows[r].spread;
		double blo, bhi, tlo, thi;

		if (rep->rows[r].kind != SR_ROW_SIM || !sp->n)
			continue;
		spread_range(sp, sp->read_per_token, &blo, &bhi);
		spread_range(sp, sp->tps, &tlo, &thi);
		fprintf(f, "%s at mem %.1f MiB, spread %.3g%% (%.1f-%.1f MiB, %u budgets): %.1f-%.1f MiB/token",
			rep->rows[r].policy, (double)rep->rows[r].mem / 1048576.0, sp->pct, (double)sp->mem[0] / 1048576.0,
			(double)sp->mem[sp->n - 1] / 1048576.0, sp->n, blo / 1048576.0, bhi / 1048576.0);
		if (timed_row(rep, &rep->rows[r].res))
			fprintf(f, ", %.2f-%.2f tok/s", tlo, thi);
		fputc('\n', f);
	}
	for (r = 0; r < rep->n; r++)
		if (under_four_windows(&rep->rows[r]))
			fprintf(f, "%s at mem %.1f MiB: under four readahead windows of %.1f MiB, where the kernel re-read more "
				"than the simulation does (README, \"Rooms under four readahead windows\")\n", rep->rows[r].policy,
				(double)rep->rows[r].mem / 1048576.0, (double)rep->rows[r].res.ra_window_bytes / 1048576.0);
	if (best_ram > 0)
		for (r = 0; r < rep->n; r++)
			if (rep->rows[r].kind == SR_ROW_MMAP) {
				double t = sr_mmap_tokens_per_s(&rep->rows[r].mm);

				if (t > 0)
					fprintf(f, "real-mmap at mem %.1f MiB: %.2fx slower than RAM-resident (%.2f vs %.2f tok/s)\n",
						(double)rep->rows[r].mem / 1048576.0, best_ram / t, t, best_ram);
			}
	if (accounting_only(rep))
		fprintf(f, "engine null: accounting only (nothing was read): pages, hits and bytes are exact; tok/s, stall, busy%%, GB/s and %%spec are not measured ('-')%s\n",
			rep->pccost ? ", except the tok/s and stall of rows charged the page-cache cost (--mmap-cost): the model's" : "");
	fprintf(f, "GB/s = 10^9 bytes/s, MiB = 2^20 bytes; hit%% = 1 - pages read / pages accessed (MIN maximizes it); served%% = accesses that found the page resident or in flight; faults: simulated for mmap policies, measured major faults for real rows\n");
}

/* A row's per-token figures as a JSON array, divided by div (ns -> ms). */
static json_t *per_token(const uint64_t *v, uint64_t n, double div)
{
	json_t *a = json_array();
	uint64_t i;

	for (i = 0; a && i < n; i++)
		json_array_append_new(a, div == 1 ? json_integer((json_int_t)v[i]) : json_real((double)v[i] / div));
	return a;
}

/* The run's settings: what every row shares. */
static void json_head(json_t *root, const struct sr_sim_report *rep)
{
	json_object_set_new(root, "partial", json_boolean(rep->partial));
	json_object_set_new(root, "source", json_string(rep->source));
	json_object_set_new(root, "target", json_string(rep->target));
	json_object_set_new(root, "model", rep->model ? json_string(rep->model) : json_null());
	json_object_set_new(root, "model_bytes", json_integer((json_int_t)rep->model_bytes));
	json_object_set_new(root, "engine", json_string(rep->engine));
	json_object_set_new(root, "qd", json_integer(rep->qd));
	json_object_set_new(root, "page", json_integer((json_int_t)rep->page));
	json_object_set_new(root, "max_request", json_integer((json_int_t)rep->max_req));
	json_object_set_new(root, "max_folio_bytes", json_integer((json_int_t)rep->max_folio));
	json_object_set_new(root, "max_folio_source", json_string(rep->max_folio_why ? rep->max_folio_why : ""));
	json_object_set_new(root, "compute_ms_per_token",
			    rep->compute_ms_per_token < 0 ? json_null() : json_real(rep->compute_ms_per_token));
	json_object_set_new(root, "prefill_tokens", json_integer((json_int_t)rep->prefill_tokens));
	json_object_set_new(root, "layout", rep->layout ? json_string(rep->layout) : json_null());
	if (rep->nr_dev > 1) {
		json_t *d = json_array();

		for (unsigned k = 0; k < rep->nr_dev; k++)
			json_array_append_new(d, json_string(rep->devs[k]));
		json_object_set_new(root, "targets", d);
	}
	json_object_set_new(root, "spec_read_Bps", rep->spec_Bps > 0 ? json_integer(llround(rep->spec_Bps)) : json_null());
	if (rep->pccost) {
		const struct sr_pccost *c = rep->pccost;
		json_t *o = json_object();

		json_object_set_new(o, "file", json_string(c->file));
		json_object_set_new(o, "cached", json_boolean(c->cached));
		json_object_set_new(o, "threads", json_integer(c->threads));
		json_object_set_new(o, "region_bytes", json_integer((json_int_t)c->region));
		json_object_set_new(o, "memcg_pressure_measured", json_boolean(c->pressure));
		json_object_set_new(o, "seq_ns_per_byte", json_real(c->seq_ns_per_B));
		json_object_set_new(o, "seq_pressure_ns_per_byte", json_real(c->seq_press_ns_per_B));
		json_object_set_new(o, "scattered_pressure_ns_per_byte", json_real(c->scat_press_ns_per_B));
		json_object_set_new(o, "activate_ns_per_page", json_real(c->act_ns_per_page));
		json_object_set_new(root, "pagecache_cost", o);
	} else {
		json_object_set_new(root, "pagecache_cost", json_null());
	}
	json_object_set_new(root, "calibrated_read_Bps", rep->cal_Bps > 0 ? json_integer(llround(rep->cal_Bps)) : json_null());
}

/* --mem-spread: each budget run and what it gave, and their least and most. */
static json_t *json_spread(const struct sr_sim_report *rep, const struct sr_sim_row *w)
{
	const struct sr_sim_spread *sp = &w->spread;
	json_t *o = json_object(), *m = json_array(), *b = json_array(), *t = json_array();
	double blo, bhi, tlo, thi;
	int acc = !timed_row(rep, &w->res);
	unsigned k;

	spread_range(sp, sp->read_per_token, &blo, &bhi);
	spread_range(sp, sp->tps, &tlo, &thi);
	for (k = 0; k < sp->n; k++) {
		json_array_append_new(m, json_integer((json_int_t)sp->mem[k]));
		json_array_append_new(b, json_integer(llround(sp->read_per_token[k])));
		json_array_append_new(t, acc ? json_null() : json_real(sp->tps[k]));
	}
	json_object_set_new(o, "spread_pct", json_real(sp->pct));
	json_object_set_new(o, "mem_bytes", m);
	json_object_set_new(o, "read_bytes_per_token", b);
	json_object_set_new(o, "tokens_per_s", t);
	json_object_set_new(o, "read_bytes_per_token_min", json_integer(llround(blo)));
	json_object_set_new(o, "read_bytes_per_token_max", json_integer(llround(bhi)));
	json_object_set_new(o, "tokens_per_s_min", acc ? json_null() : json_real(tlo));
	json_object_set_new(o, "tokens_per_s_max", acc ? json_null() : json_real(thi));
	return o;
}

/* The counters of a simulated row. */
static void json_sim_row(json_t *o, const struct sr_sim_report *rep, const struct sr_sim_result *s)
{

	json_object_set_new(o, "pages", json_integer((json_int_t)s->pages));
	json_object_set_new(o, "hits", json_integer((json_int_t)s->hits));
	json_object_set_new(o, "late", json_integer((json_int_t)s->late));
	json_object_set_new(o, "misses", json_integer((json_int_t)s->misses));
	json_object_set_new(o, "pages_read", json_integer((json_int_t)s->pages_read));
	json_object_set_new(o, "demand_ios", json_integer((json_int_t)s->demand_ios));
	json_object_set_new(o, "prefetch_ios", json_integer((json_int_t)s->prefetch_ios));
	json_object_set_new(o, "prefetch_used_bytes", json_integer((json_int_t)s->prefetch_used_bytes));
	json_object_set_new(o, "prefetch_dropped", json_integer((json_int_t)s->prefetch_dropped));
	json_object_set_new(o, "evictions", json_integer((json_int_t)s->evictions));
	json_object_set_new(o, "pinned_pages", json_integer((json_int_t)s->pinned_pages));
	json_object_set_new(o, "compute_s", json_real((double)s->compute_ns / 1e9));
	json_object_set_new(o, "stall_s", json_real((double)s->stall_ns / 1e9));
	json_object_set_new(o, "partial", json_boolean(s->partial));
	json_object_set_new(o, "prefill_s", json_real((double)s->prefill_ns / 1e9));
	json_object_set_new(o, "pinned_read_bytes", json_integer((json_int_t)s->pinned_read_bytes));
	json_object_set_new(o, "max_prefetch_inflight", json_integer((json_int_t)s->max_pf_inflight));
	json_object_set_new(o, "pgactivate", json_integer((json_int_t)s->pgactivate));
	json_object_set_new(o, "load_pgactivate", json_integer((json_int_t)s->load_pgactivate));
	json_object_set_new(o, "load_read_bytes", json_integer((json_int_t)s->load_read_bytes));
	json_object_set_new(o, "pgdeactivate", json_integer((json_int_t)s->pgdeactivate));
	json_object_set_new(o, "workingset_refault", json_integer((json_int_t)s->refaults));
	json_object_set_new(o, "workingset_activate", json_integer((json_int_t)s->ws_activate));
	json_object_set_new(o, "large_folio_read_bytes", json_integer((json_int_t)s->large_folio_bytes));
	json_object_set_new(o, "max_folio_read_bytes", json_integer((json_int_t)s->max_folio_bytes));
	json_object_set_new(o, "last_token_read_bytes", json_integer((json_int_t)s->last_token_read_bytes));
	json_object_set_new(o, "steady_tokens", json_integer((json_int_t)s->steady_tokens));
	json_object_set_new(o, "per_token_read_bytes", per_token(s->tok_read, s->tok_n, 1));
	json_object_set_new(o, "per_token_stall_ms", per_token(s->tok_stall, s->tok_n, 1e6));
	json_object_set_new(o, "per_token_faults", per_token(s->tok_faults, s->tok_n, 1));
	json_object_set_new(o, "per_token_activations", per_token(s->tok_act, s->tok_n, 1));
	json_object_set_new(o, "per_token_deactivations", per_token(s->tok_deact, s->tok_n, 1));
	json_object_set_new(o, "per_token_active_file", s->tok_lists ? per_token(s->tok_active, s->tok_n, 1) : json_null());
	json_object_set_new(o, "per_token_inactive_file", s->tok_lists ? per_token(s->tok_inactive, s->tok_n, 1) : json_null());
	json_object_set_new(o, "steady_read_bytes_per_token",
			    s->steady_tokens ? json_integer(llround((double)s->steady_read_bytes / (double)s->steady_tokens)) :
			    json_null());
	if (s->nr_dev > 1) {
		json_t *d = json_array();
		double wall = (double)s->wall_ns / 1e9;

		for (unsigned k = 0; k < s->nr_dev; k++) {
			json_t *x = json_object();

			json_object_set_new(x, "target", json_string(rep->devs ? rep->devs[k] : ""));
			json_object_set_new(x, "read_bytes", json_integer((json_int_t)s->dev_bytes[k]));
			json_object_set_new(x, "ios", json_integer((json_int_t)s->dev_ios[k]));
			json_object_set_new(x, "busy_pct", json_real(wall > 0 ? 100 * (double)s->dev_busy_ns[k] / 1e9 / wall : 0));
			json_object_set_new(x, "read_Bps", json_integer(wall > 0 ? llround((double)s->dev_bytes[k] / wall) : 0));
			json_object_set_new(x, "busy_Bps", json_integer(s->dev_busy_ns[k] ?
					    llround((double)s->dev_bytes[k] / ((double)s->dev_busy_ns[k] / 1e9)) : 0));
			json_array_append_new(d, x);
		}
		json_object_set_new(o, "devices", d);
	}
}

/* The counters of a real-kernel (mmap-family) row. */
static void json_mmap_row(json_t *o, const struct sr_mmap_result *m)
{

	json_object_set_new(o, "minor_faults", json_integer((json_int_t)m->minflt));
	json_object_set_new(o, "proc_read_bytes", json_integer((json_int_t)m->read_bytes));
	json_object_set_new(o, "device_read_bytes", json_integer((json_int_t)m->dev_read_bytes));
	json_object_set_new(o, "cgroup", json_string(m->cgroup));
	/* what the page cache held of the file at the end: the room the run
	 * really had, the cgroup's own pages and kernel memory taken off */
	json_object_set_new(o, "resident_end_bytes", m->resident_bytes ? json_integer((json_int_t)m->resident_bytes) : json_null());
	json_object_set_new(o, "advise", json_string(m->advise));
	json_object_set_new(o, "compute_s", json_real((double)m->compute_ns / 1e9));
	json_object_set_new(o, "strategy", json_string(m->strategy[0] ? m->strategy : "mmap"));
	json_object_set_new(o, "prefill_s", json_real((double)m->prefill_ns / 1e9));
	json_object_set_new(o, "load_s", json_real((double)m->load_ns / 1e9));
	json_object_set_new(o, "load_read_bytes", json_integer((json_int_t)m->load_read_bytes));
	json_object_set_new(o, "last_token_read_bytes", json_integer((json_int_t)m->last_token_read_bytes));
	json_object_set_new(o, "per_token_read_bytes", per_token(m->tok_read, m->tok_n, 1));
	json_object_set_new(o, "per_token_active_file", m->tok_lists ? per_token(m->tok_active, m->tok_n, 1) : json_null());
	json_object_set_new(o, "per_token_inactive_file", m->tok_lists ? per_token(m->tok_inactive, m->tok_n, 1) : json_null());
	json_object_set_new(o, "advised_bytes", json_integer((json_int_t)m->advised_bytes));
	json_object_set_new(o, "willneed_read_bytes", json_integer((json_int_t)m->willneed_read_bytes));
	json_object_set_new(o, "dropped_bytes", json_integer((json_int_t)m->dropped_bytes));
	json_object_set_new(o, "pread_threads", json_integer(m->pread_threads));
	json_object_set_new(o, "pread_max_inflight", json_integer(m->pread_max_inflight));
	json_object_set_new(o, "pread_bytes", json_integer((json_int_t)m->pread_bytes));
	json_object_set_new(o, "pread_jobs", json_integer((json_int_t)m->pread_jobs));
	json_object_set_new(o, "pread_dropped", json_integer((json_int_t)m->pread_dropped));
	json_object_set_new(o, "private_bytes", json_integer((json_int_t)m->private_bytes));
	json_object_set_new(o, "private_read_bytes", json_integer((json_int_t)m->private_read_bytes));
	json_object_set_new(o, "private_tensors", json_integer((json_int_t)m->private_tensors));
	json_object_set_new(o, "device_busy_s", json_real((double)m->busy_ns / 1e9));
}

static int write_json(FILE *f, const struct sr_sim_report *rep)
{
	json_t *root = json_object(), *rows = json_array();
	double v[F_NR];
	size_t r;
	int i, ret;

	json_head(root, rep);
	for (r = 0; r < rep->n; r++) {
		const struct sr_sim_row *w = &rep->rows[r];
		json_t *o = json_object();

		figures(rep, w, v);
		json_object_set_new(o, "policy", json_string(w->policy));
		json_object_set_new(o, "kind", json_string(kind_name(w->kind)));
		for (i = 0; i < F_NR; i++)
			json_object_set_new(o, fields[i].key,
					    isnan(v[i]) ? json_null() : fields[i].integer ?
					    json_integer((json_int_t)llround(v[i])) : json_real(v[i]));
		if (w->kind == SR_ROW_SIM) {
			json_sim_row(o, rep, &w->res);
			json_object_set_new(o, "readahead_window_bytes", w->res.ra_window_bytes ?
					    json_integer((json_int_t)w->res.ra_window_bytes) : json_null());
			json_object_set_new(o, "under_four_readahead_windows", json_boolean(under_four_windows(w)));
			if (w->spread.n)
				json_object_set_new(o, "mem_spread", json_spread(rep, w));
		} else
			json_mmap_row(o, &w->mm);
		json_array_append_new(rows, o);
	}
	json_object_set_new(root, "rows", rows);
	ret = json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	fputc('\n', f);
	json_decref(root);
	return ret ? -EIO : 0;
}

static void write_csv(FILE *f, const struct sr_sim_report *rep)
{
	double v[F_NR];
	size_t r;
	int i;

	fprintf(f, "policy,kind,page,qd");
	for (i = 0; i < F_NR; i++)
		fprintf(f, ",%s", fields[i].key);
	/* a stopped run: rows missing, the last cut short; then --mem-spread's range */
	fputs(",partial,read_bytes_per_token_min,read_bytes_per_token_max,tokens_per_s_min,tokens_per_s_max\n", f);
	for (r = 0; r < rep->n; r++) {
		const struct sr_sim_row *w = &rep->rows[r];

		figures(rep, w, v);
		/* policy specs may hold commas (pinned:a,b): quote */
		fprintf(f, "\"%s\",%s,%" PRIu64 ",%u", w->policy,
			kind_name(w->kind), rep->page, rep->qd);
		for (i = 0; i < F_NR; i++) {
			if (isnan(v[i]))
				fputc(',', f);
			else if (fields[i].integer)
				fprintf(f, ",%lld", llround(v[i]));
			else if (v[i] == floor(v[i]) && fabs(v[i]) < 9e15)
				fprintf(f, ",%.0f", v[i]);
			else
				fprintf(f, ",%.6g", v[i]);
		}
		fprintf(f, ",%d", rep->partial || (w->kind == SR_ROW_SIM && w->res.partial));
		if (w->kind == SR_ROW_SIM && w->spread.n) {
			double blo, bhi, tlo, thi;

			spread_range(&w->spread, w->spread.read_per_token, &blo, &bhi);
			spread_range(&w->spread, w->spread.tps, &tlo, &thi);
			fprintf(f, ",%lld,%lld", llround(blo), llround(bhi));
			if (!timed_row(rep, &w->res))
				fputs(",,", f);
			else
				fprintf(f, ",%.6g,%.6g", tlo, thi);
			fputc('\n', f);
		} else {
			fputs(",,,,\n", f);
		}
	}
}

int sr_sim_report_write(FILE *f, enum sr_out_fmt fmt, const struct sr_sim_report *rep)
{
	switch (fmt) {
	case SR_OUT_JSON:
		return write_json(f, rep);
	case SR_OUT_CSV:
		write_csv(f, rep);
		break;
	default:
		write_text(f, rep);
	}
	return ferror(f) ? -EIO : 0;
}

/* ---- plots ---- */

static double row_y(const struct sr_sim_report *rep, const struct sr_sim_row *w, int stall)
{
	double v[F_NR];

	figures(rep, w, v);
	return stall ? v[F_STALL_MEAN] : v[F_TPS];
}

/* One series per row name (policy, real:strategy, real-mmap, ram) over --mem. */
static int plot_one(const char *dir, const char *term, const char *name,
		    const struct sr_sim_report *rep, int stall, struct sr_err *e)
{
	struct sr_plot_series *s = calloc(rep->n ? rep->n : 1, sizeof(*s));
	double *xy = calloc(2 * (rep->n ? rep->n : 1), sizeof(*xy));
	size_t i, j, ns = 0, used = 0;
	char title[512];
	int ret;

	if (!s || !xy) {
		free(s);
		free(xy);
		return sr_errf(e, -ENOMEM, "out of memory");
	}
	for (i = 0; i < rep->n; i++) {
		double *x = xy + 2 * used, *y;
		size_t n = 0;

		for (j = 0; j < i && strcmp(rep->rows[j].policy, rep->rows[i].policy); j++)
			;
		if (j < i)
			continue;
		for (j = i; j < rep->n; j++)
			if (!strcmp(rep->rows[j].policy, rep->rows[i].policy))
				n++;
		y = x + n;
		n = 0;
		for (j = i; j < rep->n; j++) {
			if (strcmp(rep->rows[j].policy, rep->rows[i].policy))
				continue;
			x[n] = (double)rep->rows[j].mem;
			y[n] = row_y(rep, &rep->rows[j], stall);
			if (isnan(y[n]))
				y[n] = 0;
			n++;
		}
		used += n;
		s[ns++] = (struct sr_plot_series){ .name = rep->rows[i].policy, .x = x, .y = y, .n = n,
						   .style = n > 1 ? SR_SERIES_LINE : SR_SERIES_MARKERS };
	}
	snprintf(title, sizeof(title), "%s: %s vs memory budget", rep->model ? rep->model : rep->source,
		 stall ? "stall per decode token" : "decode tokens/s");
	ret = sr_plot_lines_files(dir, name, term,
				  &(struct sr_plot_lines){
					  .title = title, .s = s, .ns = ns,
					  .x = { .label = "--mem (RAM budget)", .fmt = SR_AXIS_BYTES },
					  .y = { .label = stall ? "stall ms per token" : "tokens/s" },
					  .note = "simulated rows by policy name; real:NAME and real-mmap measured through mmap in a memory cgroup",
				  }, e);
	free(s);
	free(xy);
	return ret;
}

int sr_sim_plot(const char *dir, const struct sr_sim_report *rep, struct sr_err *e)
{
	const char *term = sr_plot_png_terminal();
	int ret = plot_one(dir, term, "simulate-tokens", rep, 0, e);

	return ret ? ret : plot_one(dir, term, "simulate-stall", rep, 1, e);
}
