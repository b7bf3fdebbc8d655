/* `ssdreplay study`: the experiment matrix's figures, the verdict per
 * hypothesis, and the fitted tokens/s predictor. The runs themselves are
 * made by study/study_run.c (simulate's library, study/study_mmap.c for the
 * real page-cache runs, trace/analyze.c for access patterns); this part
 * only judges figures, so it is unit-tested on made-up ones.
 *
 * Hypotheses (issue 11; thresholds are the and
 * the published studies', stated once in study_verdict.c):
 *   H1  dense > 80% sequential gaps, MoE 40-60%, at each measurement level
 *   H2a 100% streamed from the SSD is 2-5x slower than RAM-resident
 *   H2b 50% in RAM is sub-linear: 1.3-1.8x slower than RAM-resident
 *   H3  swappiness 60 or 100 vs 0 (per memory cgroup, anonymous set beside
 *       the model) changes the model's bytes read by > 10% or its tokens/s by
 *       > 25% (identical real-mmap runs differ by up to ~14% on a shared
 *       2-core VM, so a smaller tokens/s change is not told from noise)
 *   H4  streamed runs reach 40-70% of the spec's sequential read, dense
 *       closer than MoE
 *   H5  page granularity (4 KiB vs 2 MiB) matters per architecture: the
 *       2M/4K effect differs between dense and MoE by > 10%
 *   P   tokens/s is predicted within 25% (leave-one-out) from sequential
 *       share, request-size mix and the device curve */
#ifndef SR_STUDY_H
#define SR_STUDY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"

enum sr_verdict { SR_V_INCONCLUSIVE = 0, SR_V_SUPPORTED, SR_V_REFUTED };
const char *sr_verdict_name(enum sr_verdict v); /* "supported", ... */

/* A verdict with the reason (one sentence, figures included). */
struct sr_judgement {
	enum sr_verdict v;
	char why[1024];
};

/* ---- H1: sequential share of gaps at one level ---- */
#define SR_H1_DENSE_MIN 80.0
#define SR_H1_MOE_LO 40.0
#define SR_H1_MOE_HI 60.0
/* seq_pct < 0: the level was not measured (reason in `missing`). */
void sr_study_h1(int moe, double seq_pct, const char *missing, struct sr_judgement *j);

/* ---- H2: slowdown vs RAM-resident ---- */
#define SR_H2_SSD_LO 2.0
#define SR_H2_SSD_HI 5.0
#define SR_H2_HALF_LO 1.3
#define SR_H2_HALF_HI 1.8
/* ram and other tokens/s; <= 0: not measured. half: the 50% sub-hypothesis. */
void sr_study_h2(int half, double ram_tps, double tps, struct sr_judgement *j);

/* ---- H3: swappiness ---- */
#define SR_H3_EFFECT 0.10     /* bytes read */
#define SR_H3_TPS_EFFECT 0.25 /* tokens/s */
struct sr_h3_figs {
	int have_swap;          /* /proc/swaps lists a device or file */
	int per_cgroup;         /* memory.swappiness exists (cgroup v1) */
	/* at swappiness 0, 60, 100 */
	double tps[3];          /* tokens/s (<= 0: missing) */
	double read[3];         /* model bytes read from the device */
	double swapout[3];      /* bytes swapped out during the run (< 0: unknown) */
};
void sr_study_h3(const struct sr_h3_figs *f, struct sr_judgement *j);

/* ---- H4: % of spec ---- */
#define SR_H4_LO 40.0
#define SR_H4_HI 70.0
/* pct_* < 0: unknown (no spec). */
void sr_study_h4(double pct_dense, double pct_moe, struct sr_judgement *j);

/* ---- H5: page granularity ---- */
#define SR_H5_EFFECT 0.10
/* effect = figure at 2 MiB / figure at 4 KiB (tokens/s), per architecture;
 * <= 0: missing. */
void sr_study_h5(double eff_dense, double eff_moe, struct sr_judgement *j);

/* ---- the device curve and the predictor ---- */

#define SR_CURVE_MAX 64
/* Bandwidth against request size at one queue depth (a sweep's rows). */
struct sr_curve {
	size_t n;
	uint64_t bs[SR_CURVE_MAX];  /* ascending */
	double Bps[SR_CURVE_MAX];
};
/* Add a point (keeps bs ascending; the same bs keeps the higher bandwidth). */
void sr_curve_add(struct sr_curve *c, uint64_t bs, double Bps);
/* Bandwidth at bs: linear in log2(bs) between points, flat beyond the ends; 0 when empty. */
double sr_curve_at(const struct sr_curve *c, uint64_t bs);

/* Request sizes in bytes moved per power-of-two class: bin k holds requests
 * of (2^(k-1), 2^k] bytes, as sr_size_hist; bytes, not counts. */
#define SR_MIX_BINS 32
struct sr_mix {
	double bytes[SR_MIX_BINS];
};
void sr_mix_add(struct sr_mix *m, uint64_t len);
/* bytes moved in requests of len bytes each */
void sr_mix_add_bytes(struct sr_mix *m, uint64_t len, double bytes);
double sr_mix_total(const struct sr_mix *m);
/* Seconds to move the mix's bytes on the curve (each bin at its upper size). */
double sr_mix_seconds(const struct sr_mix *m, const struct sr_curve *c);

/* One run the predictor learns from: T = compute + io * (a*s + b*(1-s)),
 * per token, where io = sr_mix_seconds of the run's bytes per token. */
struct sr_pred_run {
	double tps;          /* measured tokens/s */
	double compute_s;    /* compute per token (the RAM-resident time) */
	double io_s;         /* device-curve seconds per token */
	double seq;          /* sequential share 0..1 */
	double pred_tps;     /* out: fitted prediction (in sample) */
	double loo_tps;      /* out: prediction with this run left out of the fit */
};
struct sr_pred {
	double a, b;         /* curve-time multipliers for sequential and other bytes */
	size_t n;
	double mape, loo_mape; /* mean |pred - tps| / tps, percent; < 0 when not fitted */
	int one_coef;        /* sequential shares too alike: a = b fitted */
};
/* Least squares over the runs (a, b >= 0). Fewer than 2 usable runs
 * (io_s > 0, tps > 0): -EINVAL, p->mape = -1. */
int sr_pred_fit(struct sr_pred_run *r, size_t n, struct sr_pred *p);
double sr_pred_tps(const struct sr_pred *p, double compute_s, double io_s, double seq);
#define SR_PRED_MAX_ERR 25.0
void sr_study_pred(const struct sr_pred *p, struct sr_judgement *j);

/* P2: simulate --policy pagecache with the page-cache cost model against
 * the real page-cache runs it predicts (the goal of scripts/
 * llamacpp_validate.sh): supported when every prediction is within
 * SR_P2_TPS of the real tokens/s and SR_P2_BYTES of its bytes per token. */
#define SR_P2_TPS 0.25
#define SR_P2_BYTES 0.15
struct sr_p2_fig {
	const char *what;       /* "50%", "streamed" */
	double pred_tps, real_tps, pred_bpt, real_bpt;
};
void sr_study_p2(const struct sr_p2_fig *f, size_t n, const char *missing, struct sr_judgement *j);

#endif
