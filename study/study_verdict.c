/* Verdicts of `ssdreplay study` from figures: each hypothesis's thresholds
 * (study/study.h) applied once, here, with the figures in the reason. */
#include "study/study.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *sr_verdict_name(enum sr_verdict v)
{
	switch (v) {
	case SR_V_SUPPORTED: return "supported";
	case SR_V_REFUTED: return "refuted";
	default: return "inconclusive";
	}
}

static void set(struct sr_judgement *j, enum sr_verdict v, const char *why)
{
	j->v = v;
	snprintf(j->why, sizeof(j->why), "%s", why);
}

void sr_study_h1(int moe, double seq_pct, const char *missing, struct sr_judgement *j)
{
	char b[1024];
	int in;

	if (seq_pct < 0) {
		snprintf(b, sizeof(b), "not measured: %s", missing && *missing ? missing : "no run");
		set(j, SR_V_INCONCLUSIVE, b);
		return;
	}
	if (moe) {
		in = seq_pct >= SR_H1_MOE_LO && seq_pct <= SR_H1_MOE_HI;
		snprintf(b, sizeof(b), "%.1f%% sequential gaps, %s the MoE range %.0f-%.0f%%", seq_pct,
			 in ? "inside" : "outside", SR_H1_MOE_LO, SR_H1_MOE_HI);
	} else {
		in = seq_pct > SR_H1_DENSE_MIN;
		snprintf(b, sizeof(b), "%.1f%% sequential gaps, %s the dense threshold > %.0f%%", seq_pct,
			 in ? "above" : "not above", SR_H1_DENSE_MIN);
	}
	set(j, in ? SR_V_SUPPORTED : SR_V_REFUTED, b);
}

void sr_study_h2(int half, double ram_tps, double tps, struct sr_judgement *j)
{
	double lo = half ? SR_H2_HALF_LO : SR_H2_SSD_LO, hi = half ? SR_H2_HALF_HI : SR_H2_SSD_HI, r;
	char b[1024];

	if (!(ram_tps > 0) || !(tps > 0)) {
		snprintf(b, sizeof(b), "not measured (RAM-resident %.3g tokens/s, %s %.3g tokens/s)", ram_tps,
			 half ? "50%" : "streamed", tps);
		set(j, SR_V_INCONCLUSIVE, b);
		return;
	}
	r = ram_tps / tps;
	snprintf(b, sizeof(b), "%.2fx slower than RAM-resident (%.3g vs %.3g tokens/s), %s %.1f-%.1fx", r, tps,
		 ram_tps, r >= lo && r <= hi ? "inside" : "outside", lo, hi);
	set(j, r >= lo && r <= hi ? SR_V_SUPPORTED : SR_V_REFUTED, b);
}

void sr_study_h3(const struct sr_h3_figs *f, struct sr_judgement *j)
{
	static const int val[3] = { 0, 60, 100 };
	char b[768], figs[384] = "";
	int k, eff = 0, measured = 0, swapped = 0;
	size_t l;

	for (k = 0; k < 3; k++)
		if (f->tps[k] > 0 && f->read[k] > 0) {
			l = strlen(figs);
			snprintf(figs + l, sizeof(figs) - l, "%s%d: %.3g tokens/s, %.1f MiB read", l ? "; " : "", val[k],
				 f->tps[k], f->read[k] / 1048576.0);
			l = strlen(figs);
			if (f->swapout[k] >= 0)
				snprintf(figs + l, sizeof(figs) - l, ", %.1f MiB swapped out", f->swapout[k] / 1048576.0);
		}
	if (!f->have_swap) {
		snprintf(b, sizeof(b), "no swap device (/proc/swaps is empty; study --swap-file SIZE makes one): swappiness "
			 "has nothing to act on%s%s%s", figs[0] ? " (measured anyway: " : "", figs, figs[0] ? ")" : "");
		set(j, SR_V_INCONCLUSIVE, b);
		return;
	}
	if (!f->per_cgroup) {
		snprintf(b, sizeof(b), "no per-cgroup swappiness here (cgroup v2 has no memory.swappiness)%s%s%s",
			 figs[0] ? " (measured anyway: " : "", figs, figs[0] ? ")" : "");
		set(j, SR_V_INCONCLUSIVE, b);
		return;
	}
	if (!(f->tps[0] > 0 && f->read[0] > 0) || !(f->tps[1] > 0 || f->tps[2] > 0)) {
		set(j, SR_V_INCONCLUSIVE, "not measured (no real-mmap runs at swappiness 0 and 60 or 100)");
		return;
	}
	b[0] = 0;
	for (k = 1; k < 3; k++) {
		double dt, dr;

		if (!(f->tps[k] > 0 && f->read[k] > 0))
			continue;
		measured++;
		swapped |= f->swapout[k] != 0;
		dt = f->tps[k] / f->tps[0] - 1;
		dr = f->read[k] / f->read[0] - 1;
		eff |= fabs(dt) > SR_H3_TPS_EFFECT || fabs(dr) > SR_H3_EFFECT;
		l = strlen(b);
		snprintf(b + l, sizeof(b) - l, "%s%d vs 0: tokens/s %+.0f%%, bytes read %+.0f%%", l ? "; " : "", val[k],
			 dt * 100, dr * 100);
	}
	if (!swapped) {
		snprintf(b, sizeof(b), "nothing was swapped out at swappiness 60 or 100: the anonymous set never came under "
			 "pressure (%s)", figs);
		set(j, SR_V_INCONCLUSIVE, b);
		return;
	}
	l = strlen(b);
	snprintf(b + l, sizeof(b) - l, ": %s (%.0f%% tokens/s, %.0f%% bytes). %s", eff ? "an effect above" : "no effect above",
		 SR_H3_TPS_EFFECT * 100, SR_H3_EFFECT * 100, figs);
	set(j, eff ? SR_V_SUPPORTED : SR_V_REFUTED, b);
}

void sr_study_h4(double pct_dense, double pct_moe, struct sr_judgement *j)
{
	int din, min;
	char b[1024];

	if (pct_dense < 0 || pct_moe < 0) {
		set(j, SR_V_INCONCLUSIVE, "no spec for this device (give --spec seq_read=...MB/s): % of spec unknown");
		return;
	}
	din = pct_dense >= SR_H4_LO && pct_dense <= SR_H4_HI;
	min = pct_moe >= SR_H4_LO && pct_moe <= SR_H4_HI;
	snprintf(b, sizeof(b), "dense %.0f%%, MoE %.0f%% of spec: %s %.0f-%.0f%%, dense %s MoE", pct_dense, pct_moe,
		 din && min ? "both inside" : din || min ? "one outside" : "both outside", SR_H4_LO, SR_H4_HI,
		 pct_dense > pct_moe ? "closer than" : "not closer than");
	set(j, din && min && pct_dense > pct_moe ? SR_V_SUPPORTED : SR_V_REFUTED, b);
}

void sr_study_h5(double eff_dense, double eff_moe, struct sr_judgement *j)
{
	int md, mm, differ;
	char b[1024];

	if (!(eff_dense > 0) || !(eff_moe > 0)) {
		set(j, SR_V_INCONCLUSIVE, "not measured for both architectures");
		return;
	}
	md = fabs(eff_dense - 1) > SR_H5_EFFECT;
	mm = fabs(eff_moe - 1) > SR_H5_EFFECT;
	differ = fabs(eff_dense - eff_moe) > SR_H5_EFFECT;
	snprintf(b, sizeof(b), "tokens/s at 2 MiB / 4 KiB pages: dense %.2fx, MoE %.2fx: %s, %s", eff_dense, eff_moe,
		 md || mm ? "page size matters" : "page size changes little (within 10%)",
		 differ ? "differently per architecture" : "alike for both architectures");
	set(j, (md || mm) && differ ? SR_V_SUPPORTED : SR_V_REFUTED, b);
}

void sr_study_pred(const struct sr_pred *p, struct sr_judgement *j)
{
	double err = p->n >= 3 ? p->loo_mape : p->mape;
	char b[1024];

	if (p->mape < 0 || p->n < 3) {
		snprintf(b, sizeof(b), "too few streamed runs to fit and check (%zu, need 3)", p->n);
		set(j, SR_V_INCONCLUSIVE, b);
		return;
	}
	snprintf(b, sizeof(b), "T = compute + curve time x (%.2f seq + %.2f other) over %zu runs: error %.0f%% in sample, %.0f%% left-one-out, %s %.0f%%",
		 p->a, p->b, p->n, p->mape, p->loo_mape, err <= SR_PRED_MAX_ERR ? "within" : "above",
		 SR_PRED_MAX_ERR);
	set(j, err <= SR_PRED_MAX_ERR ? SR_V_SUPPORTED : SR_V_REFUTED, b);
}

static int within(double r, double band)
{
	return r >= 1 - band && r <= 1 + band;
}

void sr_study_p2(const struct sr_p2_fig *f, size_t n, const char *missing, struct sr_judgement *j)
{
	char b[1024];
	size_t i, l = 0;
	int in = 1;

	for (i = 0; i < n; i++)
		if (!(f[i].real_tps > 0) || !(f[i].pred_tps > 0) || !(f[i].real_bpt > 0) || !(f[i].pred_bpt > 0))
			break;
	if (!n || i < n) {
		snprintf(b, sizeof(b), "not measured: %s", missing && *missing ? missing : "no real run to predict");
		set(j, SR_V_INCONCLUSIVE, b);
		return;
	}
	for (i = 0; i < n && l < sizeof(b); i++) {
		double rt = f[i].pred_tps / f[i].real_tps, rb = f[i].pred_bpt / f[i].real_bpt;

		in &= within(rt, SR_P2_TPS) && within(rb, SR_P2_BYTES);
		l += (size_t)snprintf(b + l, sizeof(b) - l, "%s%s: tokens/s %.2fx (%.3g predicted, %.3g real), MiB/token %.2fx (%.1f, %.1f)",
				      i ? "; " : "", f[i].what, rt, f[i].pred_tps, f[i].real_tps, rb,
				      f[i].pred_bpt / 1048576, f[i].real_bpt / 1048576);
	}
	if (l < sizeof(b))
		snprintf(b + l, sizeof(b) - l, "; %s the band (tokens/s +-%.0f%%, bytes/token +-%.0f%%)",
			 in ? "all within" : "not all within", SR_P2_TPS * 100, SR_P2_BYTES * 100);
	set(j, in ? SR_V_SUPPORTED : SR_V_REFUTED, b);
}
