/* The simulate report: one row per (policy, --mem) simulated, plus the
 * measured --real-mmap rows, rendered as text, JSON or CSV, and an SVG of
 * tokens/s and stall per token against the memory budget. */
#ifndef SR_SIMREPORT_H
#define SR_SIMREPORT_H

#include <stdio.h>

#include "policy/pccost.h"
#include "policy/policy.h"
#include "replay/report.h"

/* What --real-mmap measured in a child process. */
struct sr_mmap_result {
	uint64_t tokens;       /* decode tokens (or trace passes) */
	uint64_t wall_ns;      /* their touching loop, compute included */
	uint64_t compute_ns;   /* emulated compute inside it */
	uint64_t prefill_tokens, prefill_ns; /* the prefill batch: prompt tokens, its wall time */
	uint64_t load_ns;      /* before the first token: tensor-rule's private reads */
	uint64_t load_read_bytes; /* --load populate: what the load (its advice, the walk, WILLNEED) read */
	uint64_t busy_ns;      /* the device's io_ticks over the run (every process's), 0 unknown */
	uint64_t last_token_read_bytes; /* the child's read_bytes during the last token */
	uint64_t tok_read[SR_SIM_MAX_TOK]; /* the first decode tokens' read_bytes, one by one */
	/* memory.stat's active_file and inactive_file at each of those tokens'
	 * end (tok_lists: read, with --stat-flush token) */
	uint64_t tok_active[SR_SIM_MAX_TOK], tok_inactive[SR_SIM_MAX_TOK];
	int tok_lists;
	unsigned tok_n;
	/* strategy counters */
	uint64_t advised_bytes;   /* routed-willneed: bytes given MADV_WILLNEED */
	uint64_t dropped_bytes;   /* MADV_DONTNEED / MADV_COLD after use */
	uint64_t pread_bytes, pread_jobs, pread_dropped;
	unsigned pread_threads, pread_max_inflight; /* the pool and the most preads seen at once */
	uint64_t private_bytes;   /* tensor-rule: bytes read with O_DIRECT into private buffers */
	/* read_bytes (/proc/.../io) split by cause: demand = the main thread's
	 * faults; prefetch = its WILLNEED calls plus the pread workers' own;
	 * private = tensor-rule's loads. read_bytes is the process total. */
	uint64_t demand_bytes, prefetch_bytes, private_read_bytes;
	uint64_t willneed_read_bytes; /* the part of prefetch_bytes read inside WILLNEED calls */
	uint64_t private_tensors;
	char strategy[32];
	uint64_t majflt, minflt;
	uint64_t read_bytes;   /* the child's /proc/self/io read_bytes */
	uint64_t dev_read_bytes; /* the device's sectors read x 512 over the run (every process's), 0 unknown */
	uint64_t limit;        /* cgroup memory limit, 0: none (RAM baseline) */
	uint64_t resident_bytes; /* the file's bytes in the page cache when the run ended (mincore), 0 unknown */
	char cgroup[8];        /* "v1", "v2", "none" */
	char advise[16];
};
double sr_mmap_tokens_per_s(const struct sr_mmap_result *m);

enum { SR_ROW_SIM, SR_ROW_MMAP, SR_ROW_RAM };

/* --mem-spread: a simulated row's budget also run a little below and above
 * itself, in order of budget (the row's own among them), and what each read
 * and ran. Near the model's size the page cache's outcome can flip with a
 * few MiB of room, so the least and most of these are the prediction. */
#define SR_SIM_SPREAD 5
struct sr_sim_spread {
	unsigned n;            /* budgets run, 0: no --mem-spread */
	double pct;            /* the widest, in % of the row's budget */
	uint64_t mem[SR_SIM_SPREAD];
	double read_per_token[SR_SIM_SPREAD]; /* sr_sim_read_per_token */
	double tps[SR_SIM_SPREAD];
};

struct sr_sim_row {
	int kind;              /* SR_ROW_* */
	char policy[300];      /* spec, or "real-mmap", "real:SPEC", "ram" */
	uint64_t mem;
	struct sr_sim_result res;
	struct sr_mmap_result mm;
	struct sr_sim_spread spread;
};

struct sr_sim_report {
	const char *source, *target, *model, *engine;
	uint64_t model_bytes, target_size, page, max_req;
	uint64_t max_folio;          /* the largest page-cache folio (--max-folio) */
	const char *max_folio_why;   /* where it came from */
	unsigned qd;
	uint64_t tokens;
	double compute_ms_per_token; /* < 0: from the schedule */
	uint64_t prefill_tokens;     /* --prefill */
	const char *layout;          /* "stripe:128k" over several targets, NULL: one */
	const char *const *devs;     /* the striped targets */
	unsigned nr_dev;
	double spec_Bps;       /* device spec sequential read, 0 unknown */
	double cal_Bps;        /* calibrated here (devices --calibrate), 0 unknown */
	const char *spec_source;
	const struct sr_pccost *pccost; /* --mmap-cost: what the mmap rows were charged, NULL: O_DIRECT time */
	struct sr_sim_row *rows;
	size_t n;
	int partial;           /* stopped by a signal: rows are what completed */
};

int sr_sim_report_write(FILE *f, enum sr_out_fmt fmt, const struct sr_sim_report *rep);
/* DIR/simulate-tokens.svg and DIR/simulate-stall.svg: one line per policy over --mem, each with
 * its .csv data, .gp script and .png where gnuplot can (DIR is created when missing). */
int sr_sim_plot(const char *dir, const struct sr_sim_report *rep, struct sr_err *e);

#endif
