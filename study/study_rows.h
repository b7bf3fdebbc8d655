/* The state of one `ssdreplay study` and what is derived from it once the
 * runs are made (cli/cmd_study.c makes them): the run table, per model the
 * runs that serve each hypothesis, the verdict rows with the figures they
 * cite, the predictor fit, and the notes that qualify the report. One
 * hypothesis is judged from its figures in study_verdict.c; the files are
 * written by study_report.c. */
#ifndef SR_STUDY_ROWS_H
#define SR_STUDY_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "devices/spec.h"
#include "study/study.h"
#include "study/study_report.h"

#define SR_STUDY_MAX_MODELS 4
#define SR_STUDY_MAX_RUNS 128
#define SR_STUDY_MAX_ROWS 64
#define SR_STUDY_MAX_NOTES 32

/* One model of the matrix. Runs are indices into the run table, -1: not run. */
struct sr_study_model {
	char name[64];
	int moe;
	uint64_t bytes;         /* model bytes from offset 0 */
	double compute_ns;      /* per token, at the measured memory bandwidth */
	double seq[3];          /* H1: fault, page-cache, block; < 0 unknown */
	char seq_runs[3][16], seq_missing[3][256], seq_basis[3][48];
	long r_ram, r_50, r_0, r_cold, r_s100, r_s50, r_s0, r_p64, r_p2m, r_sw[3], r_huge;
	long r_pr50, r_pr0;     /* P2: simulate's page-cache prediction of r_50, r_0 */
};

struct sr_study_state {
	struct sr_study_model mod[SR_STUDY_MAX_MODELS];
	size_t nm;
	struct sr_study_run runs[SR_STUDY_MAX_RUNS];
	size_t nruns;
	struct sr_study_row rows[SR_STUDY_MAX_ROWS];
	size_t nrows;
	char notes[SR_STUDY_MAX_NOTES][512];
	size_t nnotes;
	double mem_Bps;         /* the compute model's load loop over RAM */
	struct sr_curve curve;  /* the sweep at its lowest queue depth */
	double sweep_best;
	struct sr_devspec ds;
	int cg;                 /* 1 cgroups work, 0 not (cg_why), -1 not tried */
	char cg_why[512];
	int have_swap;
	struct sr_pred pred_fit;
};

/* Marks every run and figure of the model unknown (-1). */
void sr_study_model_init(struct sr_study_model *m);
/* A cleared run with every figure unknown, id "rNN"; NULL when the table is
 * full. It counts once sr_study_commit is called. mc may be NULL. */
struct sr_study_run *sr_study_new_run(struct sr_study_state *s, const struct sr_study_model *mc, const char *hyp,
				      const char *kind, const char *what);
/* Its bandwidth as % of spec, link, calibration and sweep; returns its index. */
long sr_study_commit(struct sr_study_state *s, struct sr_study_run *u);
void sr_study_note(struct sr_study_state *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The rows of H1-H5 and P from the runs; also fills each model's H1 levels
 * and the runs' predictor figures. */
void sr_study_verdicts(struct sr_study_state *s);
/* The notes that qualify the verdicts (no swap, no cgroup, no spec, noise,
 * what the levels and the compute model are). mode: "full", "quick", ... */
void sr_study_final_notes(struct sr_study_state *s, const char *mode);

#endif
