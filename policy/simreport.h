/* The simulate report: one row per (policy, --mem) simulated, plus the
 * measured --real-mmap rows, rendered as text, JSON or CSV, and an SVG of
 * tokens/s and stall per token against the memory budget. */
#ifndef SR_SIMREPORT_H
#define SR_SIMREPORT_H

#include <stdio.h>

#include "policy/policy.h"
#include "replay/report.h"

/* What --real-mmap measured in a child process. */
struct sr_mmap_result {
	uint64_t tokens;
	uint64_t wall_ns;      /* the touching loop, compute included */
	uint64_t compute_ns;   /* emulated compute inside it */
	uint64_t majflt, minflt;
	uint64_t read_bytes;   /* the child's /proc/self/io read_bytes */
	uint64_t dev_read_bytes; /* the device's sectors read x 512 over the run (every process's), 0 unknown */
	uint64_t limit;        /* cgroup memory limit, 0: none (RAM baseline) */
	char cgroup[8];        /* "v1", "v2", "none" */
	char advise[16];
};
double sr_mmap_tokens_per_s(const struct sr_mmap_result *m);

enum { SR_ROW_SIM, SR_ROW_MMAP, SR_ROW_RAM };

struct sr_sim_row {
	int kind;              /* SR_ROW_* */
	char policy[300];      /* spec, or "real-mmap", "ram" */
	uint64_t mem;
	struct sr_sim_result res;
	struct sr_mmap_result mm;
};

struct sr_sim_report {
	const char *source, *target, *model, *engine;
	uint64_t model_bytes, target_size, page, max_req;
	unsigned qd;
	uint64_t tokens;
	double compute_ms_per_token; /* < 0: from the schedule */
	double spec_Bps;       /* device spec sequential read, 0 unknown */
	double cal_Bps;        /* calibrated here (devices --calibrate), 0 unknown */
	const char *spec_source;
	struct sr_sim_row *rows;
	size_t n;
};

int sr_sim_report_write(FILE *f, enum sr_out_fmt fmt, const struct sr_sim_report *rep);
/* DIR/simulate-tokens.svg and DIR/simulate-stall.svg: one line per policy over --mem. */
int sr_sim_plot(const char *dir, const struct sr_sim_report *rep, struct sr_err *e);

#endif
