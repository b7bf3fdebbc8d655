/* The verdict rows of `ssdreplay study` from its run table, the predictor
 * fit over its runs, and the notes that qualify them (study/study_rows.h). */
#include "study/study_rows.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sr_study_note(struct sr_study_state *s, const char *fmt, ...)
{
	va_list ap;

	if (s->nnotes == SR_STUDY_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(s->notes[s->nnotes++], sizeof(s->notes[0]), fmt, ap);
	va_end(ap);
}

void sr_study_model_init(struct sr_study_model *m)
{
	m->r_ram = m->r_50 = m->r_0 = m->r_cold = m->r_s100 = m->r_s50 = m->r_s0 = -1;
	m->r_p64 = m->r_p2m = m->r_sw[0] = m->r_sw[1] = m->r_sw[2] = m->r_huge = -1;
	m->r_pr50 = m->r_pr0 = -1;
	m->seq[0] = m->seq[1] = m->seq[2] = -1;
}


struct sr_study_run *sr_study_new_run(struct sr_study_state *s, const struct sr_study_model *mc, const char *hyp,
				      const char *kind, const char *what)
{
	struct sr_study_run *u;

	if (s->nruns == SR_STUDY_MAX_RUNS)
		return NULL;
	u = &s->runs[s->nruns];
	memset(u, 0, sizeof(*u));
	snprintf(u->id, sizeof(u->id), "r%02zu", s->nruns + 1);
	snprintf(u->hyp, sizeof(u->hyp), "%s", hyp);
	snprintf(u->kind, sizeof(u->kind), "%s", kind);
	snprintf(u->what, sizeof(u->what), "%s", what);
	if (mc) {
		snprintf(u->model, sizeof(u->model), "%s", mc->name);
		u->moe = mc->moe;
		u->model_bytes = mc->bytes;
	}
	u->swappiness = -1;
	u->tps = u->wall_s = u->compute_s = u->bytes_read = u->resident_end = u->majflt = u->amp = -1;
	u->swap_in = u->swap_out = -1;
	u->seq_pct = u->fwd_pct = u->back_pct = u->mean_req = u->pc_seq_pct = u->pc_mean_req = -1;
	u->dev_Bps = u->pct_spec = u->pct_link = u->pct_cal = u->pct_sweep = -1;
	return u;
}

long sr_study_commit(struct sr_study_state *s, struct sr_study_run *u)
{
	if (u->dev_Bps > 0) {
		if (s->ds.seq_read_Bps > 0)
			u->pct_spec = 100 * u->dev_Bps / s->ds.seq_read_Bps;
		if (s->ds.link_Bps > 0)
			u->pct_link = 100 * u->dev_Bps / s->ds.link_Bps;
		if (s->ds.cal_seq_read_Bps > 0)
			u->pct_cal = 100 * u->dev_Bps / s->ds.cal_seq_read_Bps;
		if (s->sweep_best > 0)
			u->pct_sweep = 100 * u->dev_Bps / s->sweep_best;
	}
	return (long)s->nruns++;
}

/* src at dst's end, cut to fit n bytes with its terminator. */
static void put(char *dst, size_t n, const char *src)
{
	size_t len = strlen(dst), k = strlen(src);

	if (len + 1 >= n)
		return;
	if (k > n - len - 1)
		k = n - len - 1;
	memcpy(dst + len, src, k);
	dst[len + k] = 0;
}

static struct sr_study_row *row(struct sr_study_state *s, const char *hyp, const char *title, const struct sr_study_model *mc,
				const char *basis)
{
	struct sr_study_row *w = &s->rows[s->nrows++];

	memset(w, 0, sizeof(*w));
	put(w->hyp, sizeof(w->hyp), hyp);
	put(w->title, sizeof(w->title), title);
	put(w->model, sizeof(w->model), mc ? mc->name : "");
	put(w->basis, sizeof(w->basis), basis);
	return w;
}

static const struct sr_study_run *R(const struct sr_study_state *s, long i)
{
	return i >= 0 && s->runs[i].ok ? &s->runs[i] : NULL;
}

static void src_add(struct sr_study_row *w, const struct sr_study_state *s, long i)
{
	size_t l = strlen(w->sources);

	if (i >= 0 && l + 5 < sizeof(w->sources)) {
		put(w->sources, sizeof(w->sources), l ? " " : "");
		put(w->sources, sizeof(w->sources), s->runs[i].id);
	}
}

static void why_add(struct sr_study_row *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void why_add(struct sr_study_row *w, const char *fmt, ...)
{
	size_t l = strlen(w->j.why);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->j.why + l, sizeof(w->j.why) - l, fmt, ap);
	va_end(ap);
}

static double tps_of(const struct sr_study_state *s, long i)
{
	const struct sr_study_run *u = R(s, i);

	return u ? u->tps : -1;
}

/* H1: the access pattern per model and level (page faults, page-cache
 * insertions, block requests); also finds the first dense and MoE model. */
static void verdict_h1(struct sr_study_state *s, const struct sr_study_model **dense,
		       const struct sr_study_model **moe)
{
	static const char *const lv[3] = { "page faults", "page-cache insertions", "block requests" };
	struct sr_study_row *w;
	size_t i, l;
	char t[96];

	for (i = 0; i < s->nm; i++) {
		struct sr_study_model *mc = &s->mod[i];
		/* the streamed run's capture; if it failed, the cold pass's, or the 50% run's */
		const struct sr_study_run *u0 = R(s, mc->r_0) ? R(s, mc->r_0) : R(s, mc->r_cold) ? R(s, mc->r_cold) : R(s, mc->r_50);

		if (mc->moe && !*moe)
			*moe = mc;
		if (!mc->moe && !*dense)
			*dense = mc;
		if (u0) {
			mc->seq[2] = u0->level[0] && !strcmp(u0->level, "block") ? u0->seq_pct : -1;
			mc->seq[1] = u0->pc_seq_pct;
			for (l = 1; l < 3; l++) {
				snprintf(mc->seq_runs[l], sizeof(mc->seq_runs[l]), "%s", u0->id);
				snprintf(mc->seq_basis[l], sizeof(mc->seq_basis[l]), "%s",
					 u0->mem ? "real-mmap" : "real-mmap, cold, no cgroup");
				if (mc->seq[l] < 0)
					snprintf(mc->seq_missing[l], sizeof(mc->seq_missing[l]), "%s",
						 u0->note[0] ? u0->note : "no events of this level in the capture");
			}
		}
		for (l = 0; l < 3; l++) {
			snprintf(t, sizeof(t), "access pattern (%s): %s", mc->moe ? "MoE 40-60%" : "dense > 80%", lv[l]);
			w = row(s, "H1", t, mc, mc->seq_basis[l][0] ? mc->seq_basis[l] : "not measured");
			sr_study_h1(mc->moe, mc->seq[l], mc->seq_missing[l][0] ? mc->seq_missing[l] : "no traced run",
				    &w->j);
			if (mc->seq_runs[l][0])
				snprintf(w->sources, sizeof(w->sources), "%s", mc->seq_runs[l]);
		}
	}
}

/* H2a/H2b: streamed and half-in-RAM against RAM-resident. */
static void verdict_h2(struct sr_study_state *s)
{
	struct sr_study_row *w;
	size_t i;

	for (i = 0; i < s->nm; i++) {
		struct sr_study_model *mc = &s->mod[i];
		int real = R(s, mc->r_ram) && (R(s, mc->r_0) || R(s, mc->r_50));
		double ram_sim = mc->compute_ns > 0 ? 1e9 / mc->compute_ns : -1;
		int half;

		for (half = 0; half < 2; half++) {
			long ri = half ? mc->r_50 : mc->r_0, si = half ? mc->r_s50 : mc->r_s0;

			w = row(s, half ? "H2b" : "H2a", half ? "50% in RAM is 1.3-1.8x slower than RAM-resident" :
				"streamed from the SSD is 2-5x slower than RAM-resident", mc,
				real && R(s, ri) ? "real-mmap" : "simulated only");
			if (real && R(s, ri)) {
				sr_study_h2(half, tps_of(s, mc->r_ram), tps_of(s, ri), &w->j);
				src_add(w, s, mc->r_ram);
				src_add(w, s, ri);
				if (R(s, si))
					why_add(w, "; pagecache simulation: %.2fx", ram_sim / tps_of(s, si));
			} else {
				sr_study_h2(half, ram_sim, tps_of(s, si), &w->j);
				why_add(w, "; RAM-resident = compute only (%.3g ms/token)", mc->compute_ns / 1e6);
			}
			src_add(w, s, si);
		}
	}
}

/* H3: swappiness per memory cgroup. */
static void verdict_h3(struct sr_study_state *s)
{
	struct sr_study_row *w;
	size_t i;

	for (i = 0; i < s->nm; i++) {
		struct sr_study_model *mc = &s->mod[i];
		struct sr_h3_figs f = { .have_swap = s->have_swap, .per_cgroup = 1 };
		int k;

		for (k = 0; k < 3; k++) {
			const struct sr_study_run *u = R(s, mc->r_sw[k]);

			f.tps[k] = tps_of(s, mc->r_sw[k]);
			f.read[k] = u ? u->bytes_read : -1;
			f.swapout[k] = u ? u->swap_out : -1;
		}
		if (R(s, mc->r_sw[0]))
			f.per_cgroup = strstr(R(s, mc->r_sw[0])->note, "swappiness could not") == NULL;
		w = row(s, "H3", "swappiness 0/60/100 per memory cgroup, anonymous set beside the model", mc,
			R(s, mc->r_sw[0]) ? "real-mmap" : "not run (no memory cgroup): simulated only has no swap");
		if (!R(s, mc->r_sw[0]) && s->cg == 0) {
			w->j.v = SR_V_INCONCLUSIVE;
			snprintf(w->j.why, sizeof(w->j.why), "no memory cgroup here (%.300s)", s->cg_why);
		} else {
			sr_study_h3(&f, &w->j);
		}
		for (k = 0; k < 3; k++) {
			const struct sr_study_run *u = R(s, mc->r_sw[k]);

			src_add(w, s, mc->r_sw[k]);
			if (u)
				why_add(w, "%s swappiness %d: %.0f major faults, %.1f MiB swapped in, %.1f%% seq (block)",
					k ? ";" : ". Also:", u->swappiness, u->majflt, u->swap_in > 0 ? u->swap_in / 1048576.0 : 0,
					u->seq_pct);
		}
	}
}

/* H4: share of the device spec reached, dense against MoE. */
static void verdict_h4(struct sr_study_state *s, const struct sr_study_model *dense, const struct sr_study_model *moe)
{
	struct sr_study_row *w;
	const struct sr_study_run *d = NULL, *m = NULL;
	const char *basis = "real-mmap";

	if (dense)
		d = R(s, dense->r_0) ? R(s, dense->r_0) : R(s, dense->r_s0);
	if (moe)
		m = R(s, moe->r_0) ? R(s, moe->r_0) : R(s, moe->r_s0);
	if ((d && !strcmp(d->kind, "simulated")) || (m && !strcmp(m->kind, "simulated")))
		basis = "simulated only";
	w = row(s, "H4", "streamed runs reach 40-70% of spec, dense closer than MoE", NULL, basis);
	if (!dense || !moe) {
		w->j.v = SR_V_INCONCLUSIVE;
		snprintf(w->j.why, sizeof(w->j.why), "needs a dense and an MoE model");
	} else {
		sr_study_h4(d ? d->pct_spec : -1, m ? m->pct_spec : -1, &w->j);
	}
	if (d) {
		src_add(w, s, d - s->runs);
		why_add(w, ". Dense %.2f GB/s = %.0f%% of the sweep's best %.2f GB/s", d->dev_Bps / 1e9, d->pct_sweep,
			s->sweep_best / 1e9);
		if (d->pct_link >= 0)
			why_add(w, ", %.0f%% of link", d->pct_link);
		if (d->pct_cal >= 0)
			why_add(w, ", %.0f%% of calibrated", d->pct_cal);
	}
	if (m) {
		src_add(w, s, m - s->runs);
		why_add(w, "; MoE %.2f GB/s = %.0f%% of the sweep's best", m->dev_Bps / 1e9, m->pct_sweep);
		if (m->pct_link >= 0)
			why_add(w, ", %.0f%% of link", m->pct_link);
	}
}

/* H5: page size per architecture. */
static void verdict_h5(struct sr_study_state *s, const struct sr_study_model *dense, const struct sr_study_model *moe)
{
	struct sr_study_row *w;
	size_t i;
	double ed = -1, em = -1;

	w = row(s, "H5", "page size 4K vs 64K vs 2M matters per architecture", NULL, "simulated (+ real-mmap MADV_HUGEPAGE)");
	if (dense && tps_of(s, dense->r_s50) > 0 && tps_of(s, dense->r_p2m) > 0)
		ed = tps_of(s, dense->r_p2m) / tps_of(s, dense->r_s50);
	if (moe && tps_of(s, moe->r_s50) > 0 && tps_of(s, moe->r_p2m) > 0)
		em = tps_of(s, moe->r_p2m) / tps_of(s, moe->r_s50);
	sr_study_h5(ed, em, &w->j);
	for (i = 0; i < s->nm; i++) {
		const struct sr_study_model *mc = &s->mod[i];
		const struct sr_study_run *a = R(s, mc->r_s50), *b = R(s, mc->r_p64), *c = R(s, mc->r_p2m);
		const struct sr_study_run *h = R(s, mc->r_huge), *p = R(s, mc->r_50);

		src_add(w, s, mc->r_s50);
		src_add(w, s, mc->r_p64);
		src_add(w, s, mc->r_p2m);
		if (a && b && c)
			why_add(w, ". %s at 50%% RAM, 4K/64K/2M: %.3g/%.3g/%.3g tok/s, read amplification %.2f/%.2f/%.2f",
				mc->name, a->tps, b->tps, c->tps, a->amp, b->amp, c->amp);
		if (h && p) {
			src_add(w, s, mc->r_huge);
			why_add(w, "; real-mmap MADV_HUGEPAGE %s: %.2fx tokens/s of plain, page-cache insertions %.0f KiB vs %.0f KiB on average",
				h->hugepage > 0 ? "accepted" : "refused", h->tps / p->tps, h->pc_mean_req / 1024,
				p->pc_mean_req / 1024);
		}
	}
}

/* P: the tokens/s predictor, fitted on every streamed run. */
static void verdict_pred(struct sr_study_state *s)
{
	struct sr_study_row *w;
	struct sr_pred_run pr[SR_STUDY_MAX_RUNS];
	long pidx[SR_STUDY_MAX_RUNS];
	size_t i, np = 0;

	/* the predictor: every streamed run with reads and a curve time */
	for (i = 0; i < s->nruns; i++) {
		struct sr_study_run *u = &s->runs[i];
		const struct sr_study_model *mc = NULL;
		size_t k;

		for (k = 0; k < s->nm; k++)
			if (!strcmp(s->mod[k].name, u->model))
				mc = &s->mod[k];
		if (!mc || !u->ok || !(u->tps > 0) || !(u->bytes_read > 0) || !u->tokens || !s->curve.n ||
		    (strcmp(u->kind, "simulated") && strcmp(u->kind, "real-mmap")) || sr_mix_total(&u->mix) <= 0)
			continue;
		memset(&pr[np], 0, sizeof(pr[np]));
		pr[np].tps = u->tps;
		if (!strcmp(u->kind, "real-mmap"))
			pr[np].compute_s = R(s, mc->r_ram) ? 1 / R(s, mc->r_ram)->tps : mc->compute_ns / 1e9;
		else
			pr[np].compute_s = mc->compute_ns / 1e9;
		/* the mix's shape, scaled to the run's bytes per token */
		pr[np].io_s = sr_mix_seconds(&u->mix, &s->curve) * (u->bytes_read / sr_mix_total(&u->mix)) /
			      (double)u->tokens;
		pr[np].seq = u->seq_pct >= 0 ? u->seq_pct / 100 : 0;
		u->compute_s = pr[np].compute_s;
		pidx[np++] = (long)i;
	}
	sr_pred_fit(pr, np, &s->pred_fit);
	for (i = 0; i < np; i++) {
		s->runs[pidx[i]].predictor = 1;
		s->runs[pidx[i]].pred_tps = pr[i].pred_tps;
		s->runs[pidx[i]].loo_tps = pr[i].loo_tps;
	}
	w = row(s, "P", "tokens/s predicted within 25% from seq share, request sizes, device curve", NULL,
		"fit on the runs above");
	sr_study_pred(&s->pred_fit, &w->j);
	for (i = 0; i < np; i++)
		src_add(w, s, pidx[i]);
}

static double bpt_of(const struct sr_study_run *u)
{
	return u && u->tokens && u->bytes_read > 0 ? u->bytes_read / (double)u->tokens : -1;
}

/* P2: simulate's page-cache predictions (study_run.c's run_preds) against
 * the real runs they predict, per model. */
static void verdict_p2(struct sr_study_state *s)
{
	size_t i, k;

	for (i = 0; i < s->nm; i++) {
		struct sr_study_model *mc = &s->mod[i];
		long pr[2] = { mc->r_pr50, mc->r_pr0 }, re[2] = { mc->r_50, mc->r_0 };
		struct sr_p2_fig f[2];
		struct sr_study_row *w;
		char missing[600] = "";
		size_t n = 0;

		if (s->cg == 0)
			snprintf(missing, sizeof(missing), "no memory cgroup here (%.500s)", s->cg_why);
		for (k = 0; k < s->nruns; k++) /* why no prediction was made */
			if (!strcmp(s->runs[k].kind, "predicted") && !strcmp(s->runs[k].model, mc->name) && s->runs[k].note[0])
				snprintf(missing, sizeof(missing), "%.500s", s->runs[k].note);
		w = row(s, "P2", "simulated page cache predicts the real runs: tok/s +-25%, bytes/token +-15%", mc,
			"simulated vs real-mmap");
		for (k = 0; k < 2; k++) {
			const struct sr_study_run *p = R(s, pr[k]), *r = R(s, re[k]);

			if (!p || !r)
				continue;
			f[n] = (struct sr_p2_fig){ .what = k ? "streamed" : "50%", .pred_tps = p->tps, .real_tps = r->tps,
						  .pred_bpt = bpt_of(p), .real_bpt = bpt_of(r) };
			n++;
			src_add(w, s, pr[k]);
			src_add(w, s, re[k]);
		}
		sr_study_p2(f, n, missing, &w->j);
		if (n)
			src_add(w, s, mc->r_ram);
	}
}

void sr_study_verdicts(struct sr_study_state *s)
{
	const struct sr_study_model *dense = NULL, *moe = NULL;

	verdict_h1(s, &dense, &moe);
	verdict_h2(s);
	verdict_h3(s);
	verdict_h4(s, dense, moe);
	verdict_h5(s, dense, moe);
	verdict_pred(s);
	verdict_p2(s);
}

void sr_study_final_notes(struct sr_study_state *s, const char *mode)
{
	size_t i;

	if (!s->have_swap)
		sr_study_note(s, "No swap here (/proc/swaps lists no area): swappiness has nothing to act on, so H3 is inconclusive; "
			"its runs still show what an unswappable anonymous set does to the model's page cache. --swap-file SIZE "
			"makes a swap area for the study's duration (host-wide while on).");
	for (i = 0; i < s->nm && !s->have_swap; i++) {
		const struct sr_study_run *a = R(s, s->mod[i].r_sw[0]), *b = R(s, s->mod[i].r_sw[1]), *c = R(s, s->mod[i].r_sw[2]);
		double lo, hi;

		if (!a || !b || !c)
			continue;
		lo = fmin(a->tps, fmin(b->tps, c->tps));
		hi = fmax(a->tps, fmax(b->tps, c->tps));
		sr_study_note(s, "Run-to-run noise: without swap the three H3 runs of %s are one experiment repeated; their tokens/s "
			"span %.3g-%.3g (%.2fx). Single runs here differ by that much (a shared 2-core machine).",
		     s->mod[i].name, lo, hi, hi / lo);
	}
	if (s->cg == 0)
		sr_study_note(s, "Real-mmap rows skipped, simulated only: %s. H2 and H4 use the pagecache simulation, H3 did not run, "
			"H1 page-cache/block levels come from one cold pass without a memory limit.", s->cg_why);
	if (s->ds.seq_read_Bps <= 0)
		sr_study_note(s, "No vendor spec for this device (%s): %% of spec is unknown, H4 is inconclusive; %% of the sweep's best "
			"is given instead. --spec seq_read=...MB/s supplies one.", s->ds.disk[0] ? s->ds.disk : "unknown");
	for (i = 0; i < s->nruns; i++)
		if (!strncmp(s->runs[i].note, "not recorded", 12)) {
			sr_study_note(s, "tracefs capture failed (%s: %s): the page-cache and block levels of those runs are missing.",
			     s->runs[i].id, s->runs[i].note);
			break;
		}
	sr_study_note(s, "Levels: page faults = the schedule at 4 KiB pages (what mmap touches); page-cache insertions = "
		"filemap/mm_filemap_add_to_page_cache of the run's child; block requests = block/block_rq_issue reads on "
		"the target's disk inside the model file (FIEMAP). Simulated runs carry the page-fault level.");
	sr_study_note(s, "Compute model: the real-mmap child loads every byte of each access (memory-bound decode); the "
		"simulated runs charge bytes/token at the measured %.2f GB/s.", s->mem_Bps / 1e9);
	if (strcmp(mode, "full"))
		sr_study_note(s, "%s models keep the full model's architecture, per-layer shapes and quant recipe, with fewer "
			"layers and the vocabulary scaled by the same factor (profiles/models/*-%s.ini).", mode,
		     mode);
}
