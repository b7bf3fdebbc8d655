/* Parameter sweeps: a grid over request size, queue depth, page size,
 * engine, threads (replay points), or over policy, memory budget, page size,
 * request size, queue depth and engine (simulate points), run point by point
 * in a shuffled order (so slow drift — thermal, garbage collection, other
 * tenants — spreads over the grid instead of biasing one corner), each point
 * repeated R times and summarised by its median and min/max.
 *
 * The grid knows nothing about how a point is measured: the caller passes a
 * run callback (the replay loop, or a simulation: cli/cmd_sweep.c). */
#ifndef SR_SWEEP_H
#define SR_SWEEP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"

enum sr_sweep_dim {
	SR_DIM_BS, SR_DIM_QD, SR_DIM_PAGE, SR_DIM_ENGINE, SR_DIM_THREADS, SR_DIM_POLICY, SR_DIM_MEM,
	SR_DIM_NR
};
extern const char *const sr_sweep_dim_names[SR_DIM_NR]; /* "bs", "qd", ... */

#define SR_SWEEP_MAX_VALUES 256   /* per dimension */
#define SR_SWEEP_MAX_RUNS 100000  /* points x repeat */

struct sr_sweep_val {
	uint64_t n;   /* numeric dimensions */
	char s[128];  /* engine, policy; n printed (mem: "25%" as given) for numeric ones */
};

struct sr_sweep_axis {
	struct sr_sweep_val v[SR_SWEEP_MAX_VALUES];
	size_t n;
	int given;    /* set by sr_sweep_parse; defaults are not "given" */
};

/* Parse a dimension's values: a comma list of items, each a value or a
 * range A..B[:STEP] with STEP xN (geometric) or +N (arithmetic); the range
 * stops at the last value <= B. Defaults: x2 for sizes, +1 for counts.
 * Sizes take suffixes (4k, 1M); bs, qd, threads, page, mem must be >= 1;
 * page must be a power of two. Bad specs are bad input naming opt.
 * Policies are separated by ';' instead (a policy spec holds ':' and ',':
 * "lru;pinned:*norm*,token_embd*;oracle"); their names are checked by the
 * caller. */
int sr_sweep_parse(enum sr_sweep_dim d, const char *spec, struct sr_sweep_axis *out,
		   struct sr_err *e);
/* --mem: like sr_sweep_parse's sizes, and also percentages of base bytes
 * (the model): "25%,100%", "10%..100%:+30" (the label keeps the "%"). */
int sr_sweep_parse_mem(const char *spec, uint64_t base, struct sr_sweep_axis *out, struct sr_err *e);
/* Set a single default value (not marked given). */
void sr_sweep_default(struct sr_sweep_axis *a, uint64_t n, const char *s);

/* One measurement of one point. Overall latency is over all ops. */
struct sr_sweep_op {
	double bw_bytes, iops, clat_mean_ns, clat_p50_ns, clat_p99_ns;
	uint64_t bytes, ios;
};
/* What a simulate point measured (zero for replay points). */
struct sr_sweep_sim {
	double tokens_per_s;      /* decode tokens / (compute + stall) */
	double stall_p50_ns, stall_p99_ns; /* per decode token */
	double hit_rate;          /* 1 - pages read / pages accessed */
	double read_bytes;        /* demand + prefetch bytes read from the device */
	double demand_bytes, prefetch_bytes;
	double steady_read_bytes; /* read by the decode tokens after the warmup half */
	uint64_t tokens, steady_tokens;
};

struct sr_sweep_sample {
	double bw_bytes;          /* read + write bytes per second (simulate: read_bytes / wall time) */
	double clat_p99_ns;       /* over all requests (simulate: stall per token p99) */
	double runtime_s;
	struct sr_sweep_op op[2]; /* SR_OP_READ, SR_OP_WRITE */
	uint64_t errors;
	struct sr_sweep_sim sim;
};

/* Summaries over a point's samples: index with SR_SM_*. */
enum { SR_SM_BW, SR_SM_P99, SR_SM_RBW, SR_SM_RIOPS, SR_SM_RMEAN, SR_SM_RP50, SR_SM_RP99,
       SR_SM_WBW, SR_SM_WIOPS, SR_SM_WMEAN, SR_SM_WP50, SR_SM_WP99,
       SR_SM_TPS, SR_SM_STALL50, SR_SM_STALL99, SR_SM_HIT, SR_SM_READ, SR_SM_STEADY, SR_SM_DEMAND,
       SR_SM_PREFETCH, SR_SM_NR };

struct sr_sweep_point {
	size_t idx[SR_DIM_NR];    /* value index in each dimension */
	size_t n;                 /* samples taken (<= repeat) */
	struct sr_sweep_sample *samples;
	double med[SR_SM_NR], min[SR_SM_NR], max[SR_SM_NR]; /* after sr_sweep_summarize */
};

struct sr_sweep {
	struct sr_sweep_axis ax[SR_DIM_NR];
	unsigned repeat;
	size_t npoints, nruns, done;
	struct sr_sweep_point *pt;
	size_t *order;            /* run r measures point order[r] / repeat */
	int stopped;              /* the stop flag ended it early */
	int sim;                  /* points are simulations: reports show tokens/s, stall, hit rate */
};

/* After filling every s->ax (each with >= 1 value): lay out the points and
 * the run order (shuffled with seed unless shuffle is 0). */
int sr_sweep_init(struct sr_sweep *s, unsigned repeat, uint64_t seed, int shuffle, struct sr_err *e);
void sr_sweep_free(struct sr_sweep *s);

uint64_t sr_sweep_num(const struct sr_sweep *s, const struct sr_sweep_point *p, enum sr_sweep_dim d);
const char *sr_sweep_str(const struct sr_sweep *s, const struct sr_sweep_point *p, enum sr_sweep_dim d);

/* Measure one point: 0 and *out filled, 1 when stopped part way (the
 * sample is dropped), or -errno with e set (ends the sweep). */
typedef int (*sr_sweep_run_fn)(void *arg, const struct sr_sweep *s, const struct sr_sweep_point *p,
			       struct sr_sweep_sample *out, struct sr_err *e);
/* After each run: runs done, of total, since the first started. */
typedef void (*sr_sweep_progress_fn)(void *arg, const struct sr_sweep *s, const struct sr_sweep_point *p,
				     const struct sr_sweep_sample *last, uint64_t elapsed_ns);

/* Run the grid in order until done, *stop is set, or a run fails. Returns 0
 * (s->stopped tells an early stop) or the run's -errno; then summarises. */
int sr_sweep_execute(struct sr_sweep *s, sr_sweep_run_fn run, void *arg, sr_sweep_progress_fn progress,
		     void *parg, volatile sig_atomic_t *stop, struct sr_err *e);
void sr_sweep_summarize(struct sr_sweep *s);

/* The knee: among points whose median bandwidth reaches frac of the best
 * point's, the one with the smallest request size, then queue depth, then
 * grid position. Returns its index, or -1 when no point has data; *best is
 * the best point's index. */
long sr_sweep_knee(const struct sr_sweep *s, double frac, long *best);

/* What the reports print besides the grid. */
struct sr_sweep_info {
	const char *target, *source;
	double runtime_s;         /* per point */
	uint64_t seed;
	int shuffle;
	double spec_Bps;          /* sequential read spec of the target; 0: unknown */
	const char *spec_source;
	/* simulate points */
	const char *model;        /* model name, NULL: a trace alone */
	uint64_t model_bytes, tokens;
	uint64_t max_folio;       /* the largest page-cache folio assumed, bytes */
	const char *max_folio_why; /* where it came from */
};

/* One row per point with data, medians, min/max of bandwidth and p99
 * (simulate: tokens/s, stall per token p50/p99, hit rate, bytes, GB/s). */
int sr_sweep_write_csv(FILE *f, const struct sr_sweep *s, const struct sr_sweep_info *in);
/* fio's keys per point: read/write .bw_bytes, .iops, .clat_ns.mean,
 * .clat_ns.percentile."50.000000"/"99.000000"; plus spread and samples. */
int sr_sweep_write_json(FILE *f, const struct sr_sweep *s, const struct sr_sweep_info *in);
/* bandwidth.svg (+ a dashed spec line), p99.svg, and pct_spec.svg when the
 * spec is known; x is bs when it varies (else the first dimension that
 * does), one series per combination of the other varying dimensions (per
 * queue depth in a bs x qd grid). PNGs too when term is set. Simulate:
 * tokens.svg, stall.svg and hit_rate.svg over mem (when it varies), one line
 * per policy (and other varying dimensions). */
int sr_sweep_plots(const char *dir, const struct sr_sweep *s, const struct sr_sweep_info *in,
		   const char *term, struct sr_err *e);

#endif
