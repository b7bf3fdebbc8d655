/* What `ssdreplay study` writes into its report directory: summary.md (the
 * verdict table, then every run with the command that reproduces it),
 * runs.csv and runs.json (one row per run), and SVG plots through
 * base/plot.h: tokens/s vs RAM share per model (tokens_vs_ram.svg),
 * sequential share per measurement level (seq_share.svg), achieved
 * bandwidth vs spec, link and the sweep's best (bandwidth_vs_spec.svg). */
#ifndef SR_STUDY_REPORT_H
#define SR_STUDY_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "study/study.h"
#include "base/err.h"

/* One measurement. Figures < 0 are unknown. */
struct sr_study_run {
	char id[8];            /* "r07" */
	char hyp[16];          /* the hypothesis it serves first: "H1", "H2", ... "sweep" */
	char model[64];
	int moe;
	char kind[16];         /* "schedule", "simulated", "predicted", "real-mmap", "ram", "sweep" */
	char what[96];         /* "streamed (~0% RAM)", "swappiness 60", "page 2 MiB" */
	uint64_t model_bytes, mem, page, anon;
	double ram_share;      /* mem / model bytes (RAM-resident: 1) */
	int swappiness;        /* -1: not set */
	int hugepage;          /* MADV_HUGEPAGE asked: 1 accepted, -1 refused, 0 no */
	uint64_t tokens;
	double tps, wall_s, compute_s;  /* compute_s per token */
	double bytes_read;     /* from the device (the run's own reads) */
	double resident_end;   /* bytes of the model the page cache held when a real run ended */
	double majflt;
	double swap_in, swap_out; /* bytes swapped during the run (host-wide /proc/vmstat), < 0 unknown */
	double amp;            /* bytes read / bytes the schedule accessed */
	double seq_pct, fwd_pct, back_pct, mean_req; /* at `level` */
	char level[16];        /* level of the gap figures: "fault", "page-cache", "block" */
	double pc_seq_pct, pc_mean_req; /* page-cache level of a traced run */
	double dev_Bps;        /* achieved read bandwidth over the run */
	double pct_spec, pct_link, pct_cal, pct_sweep;
	int predictor;         /* used by the predictor fit */
	double pred_tps, loo_tps;
	struct sr_mix mix;     /* request-size mix of its device reads (not written out) */
	char cmd[1024];        /* how to reproduce it */
	char note[256];
	int ok;                /* ran to completion */
};

/* One verdict row. */
struct sr_study_row {
	char hyp[16];          /* "H1", "H2a", ... "P" */
	char title[96];        /* "access pattern, block requests" */
	char model[64];        /* "" when the row spans models */
	char basis[48];        /* "real-mmap", "simulated only", "schedule", ... */
	char sources[96];      /* run ids: "r03 r04" */
	struct sr_judgement j;
};

struct sr_study_report {
	const char *dir, *cmdline, *target_desc, *device_desc, *mode;
	double mem_Bps;        /* compute model: the child's load loop over RAM */
	double sweep_best_Bps, spec_Bps, link_Bps, cal_Bps;
	double elapsed_s, expected_s;
	int stopped;           /* SIGINT: partial */
	const char *const *notes;
	size_t nnotes;
	struct sr_study_run *runs;
	size_t nruns;
	struct sr_study_row *rows;
	size_t nrows;
	struct sr_pred pred;
	/* sequential share per model and level (fault, page-cache, block), < 0 unknown */
	size_t nmodels;
	const char *models[8];
	double seq[8][3];
};

/* summary.md, runs.csv, runs.json and the plots into rep->dir. */
int sr_study_write(const struct sr_study_report *rep, struct sr_err *e);

#endif
