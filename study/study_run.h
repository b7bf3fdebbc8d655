/* The study's runs: the page-fault schedule, simulated runs (the pagecache
 * policy), real page-cache runs through mmap in a memory cgroup
 * (study_mmap.c), the device curve (a child `ssdreplay sweep`), and one
 * model's whole matrix. Each run is committed to the state's table (study_rows.h)
 * and handed to the caller's progress callback; nothing here prints. A
 * stop (sr_stop_requested, base/err.h) ends the matrix early with what ran. */
#ifndef SR_STUDY_RUN_H
#define SR_STUDY_RUN_H

#include <stdint.h>

#include "base/err.h"
#include "devices/target.h"
#include "study/study_levels.h"
#include "study/study_rows.h"
#include "synth/model.h"

/* One model of the matrix: v holds its figures and runs (study/study_rows.h). */
struct sr_study_mctx {
	struct sr_study_model *v;
	struct sr_model m;
	int loaded, opened;
	char path[4096];        /* what is read: its scratch GGUF or --target */
	struct sr_target tgt;   /* O_DIRECT, for the simulated runs */
	double bytes_per_token; /* schedule bytes per token (tensor granularity) */
	uint64_t max_folio;     /* the largest page-cache folio the simulated runs assume; 0: not yet found */
};

/* What the runs share: the caller fills the settings, set-up the figures. */
struct sr_study_ctx {
	struct sr_study_state x;
	struct sr_study_mctx mc[SR_STUDY_MAX_MODELS];
	char dir[4096];         /* the report directory (traces/, sweep/ under it) */
	char exe[4096];         /* this binary: the sweep runs it */
	const char *cgroot;     /* where memory cgroups are made */
	const char *spec;       /* --spec for the sweep, or NULL */
	const char *sweep_bs, *sweep_qd, *sweep_runtime; /* the sweep's lists */
	uint64_t tokens, seed;
	int keep;               /* keep the tracefs captures */
	uint64_t ra_kb;         /* the target's read_ahead_kb */
	double ns_per_byte;     /* compute per schedule byte (memory bandwidth) */
	struct sr_study_disk disk; /* the target's */
	/* called once per committed run (progress lines are the caller's) */
	void (*progress)(void *arg, const struct sr_study_run *u);
	void *progress_arg;
	/* called (with progress_arg) when a run starts: its id, kind, model, what */
	void (*start)(void *arg, const struct sr_study_run *u);
};

/* Bytes per token of mc's tensor-granularity schedule, and its compute time. */
int sr_study_schedule_bytes(struct sr_study_ctx *s, struct sr_study_mctx *mc, struct sr_err *e);
/* Seconds the matrix should take at best sequential bandwidth bw; with_writes:
 * add writing each model's scratch file. */
double sr_study_estimate(const struct sr_study_ctx *s, double bw, int with_writes);
/* Seconds one run of kind ("schedule", "ram", "real-mmap", "simulated",
 * "sweep") of mc should take at bw, the terms of sr_study_estimate shared
 * among the runs that read them; limited: a real-mmap run in a memory
 * cgroup (else the one cold pass). The weights of the progress line. */
double sr_study_run_estimate(const struct sr_study_ctx *s, const struct sr_study_mctx *mc, const char *kind, int limited,
			     double bw);
/* The device curve from a child sweep over mc's file; 0 also when the sweep
 * failed (its run says why), -errno when it could not be started. */
int sr_study_run_sweep(struct sr_study_ctx *s, struct sr_study_mctx *mc, struct sr_err *e);
/* mc's runs of the matrix: 0 (also when stopped), or -errno on a failure
 * that ends the study (e says why). */
int sr_study_run_model(struct sr_study_ctx *s, struct sr_study_mctx *mc, struct sr_err *e);

#endif
