/* The replay loop: pulls records from a source, shapes them, keeps up to qd
 * requests in flight on an engine, times them, and accumulates stats. It
 * allocates everything before the first request and nothing after.
 *
 * One target and one worker: the loop runs in the calling thread, as it
 * always did. Several targets (cfg.targets) or cfg.workers > 1: the calling
 * thread reads and shapes the source and cuts requests into per-device
 * pieces (striping); each device gets `workers` threads, each with its own
 * engine instance (ring) and qd slots, pinned to the device's CPUs. */
#ifndef SR_REPLAY_H
#define SR_REPLAY_H

#include <sched.h>
#include <signal.h>
#include <stdint.h>

#include "replay/engine.h"
#include "base/err.h"
#include "replay/shape.h"
#include "base/stats.h"
#include "base/source.h"

enum sr_timing { SR_TIMING_AFAP, SR_TIMING_RECORDED };

/* What a request that fails (an errno, or a transfer of 0 bytes) does to the
 * run, after cfg.retries retries: stop it (the default) or be counted and
 * let it go on. Short transfers that make progress are always resubmitted
 * for the rest, as fio does. */
enum sr_on_error { SR_ON_ERROR_STOP = 0, SR_ON_ERROR_CONTINUE };

/* --on-error stop|continue|retry:N[,continue] (N 1..1000); cmd names the
 * command in messages. 0 or -EINVAL with e set (bad input). */
int sr_on_error_parse(const char *cmd, const char *arg, int *on_error, unsigned *retries,
		      struct sr_err *e);

/* How records find their device among several targets. */
enum sr_layout {
	SR_LAYOUT_NONE = 0, /* one target: everything goes to it; else the record's target indexes fds */
	SR_LAYOUT_STRIPE,   /* one address space striped over the targets in `stripe` chunks (RAID-0) */
	SR_LAYOUT_BY_TARGET /* the record's target column picks the device; out of range = bad input */
};

/* What the loop needs to know about each target (cfg.targets[i] goes with fds[i]). */
struct sr_replay_target {
	const char *name;     /* path, for messages and the report */
	uint64_t size;        /* bytes; by-target: the shaping extent of its records */
	uint32_t lbs;         /* logical block size */
	uint64_t run_id;      /* --verify: the prep run id reads must carry */
	const cpu_set_t *cpus; /* run this device's replay threads here; NULL: don't pin */
	int numa_node;        /* bind its buffers to this node (hwloc); -1: don't */
};

struct sr_replay_cfg {
	const struct sr_engine_ops *engine;
	unsigned qd;             /* requests in flight */
	unsigned batch;          /* submit after this many queued (1..qd) */
	unsigned threads;        /* psync workers */
	int sqpoll, hipri, no_register;
	struct sr_shape_cfg shape;
	int timing;              /* enum sr_timing */
	double time_scale;       /* --timing scale:X multiplies trace times */
	uint64_t runtime_ns;     /* 0: until the source ends */
	uint64_t loops;          /* passes over the source; 0: until runtime_ns */
	int verify;              /* check reads against the prep layout */
	uint64_t run_id;         /* prep run id: verified on reads, written by writes */
	const char *tgt_name;
	volatile sig_atomic_t *stop; /* set by a signal handler: drain and stop */
	/* Called about once a second from the loop (never from the hot path). */
	void (*progress)(void *arg, const struct sr_stats *st, uint64_t elapsed_ns);
	void *progress_arg;

	/* Added for several targets, pinning and tags; zero keeps the single
	 * target behaviour above (shape, tgt_name, run_id describe fds[0]). */
	const struct sr_replay_target *targets; /* nr_fds entries, or NULL */
	int layout;           /* enum sr_layout */
	uint64_t stripe;      /* SR_LAYOUT_STRIPE chunk, a multiple of every target's lbs */
	unsigned workers;     /* replay threads per target, each with its own engine (0: 1) */
	int tag_stats;        /* per-tag counters into st->tags */
	uint32_t tag_cap;     /* distinct tags tracked (0: SR_TAG_DEFAULT_CAP) */
	/* When set, a request's bytes are charged to the tags of the pieces
	 * [off, off + len) splits into (tensors, expert slices of a model) instead
	 * of all to its start's tag; each piece counts the request and its
	 * latency once. Returns the pieces written (at most max; 0: no split). */
	uint32_t (*tag_split)(const void *ctx, uint64_t off, uint64_t len, uint32_t *tags, uint64_t *bytes,
			      uint32_t max);
	const void *tag_split_ctx;

	/* Added for fault handling; zero keeps stop-at-the-first-failure. */
	int on_error;         /* enum sr_on_error */
	unsigned retries;     /* retries of a failed request before it counts as failed */
	struct sr_faults *faults; /* engine sr_engine_faulty: what it injects */
};

/* Returns 0, or -errno with e set. Stats are valid (maybe partial) either way;
 * st->fates accounts for every request (see stats.h). With on_error continue,
 * failed requests do not make it return an error: check st->fates.failed.
 * With cfg.targets, st->tgt gets one entry per target; with cfg.tag_stats,
 * st->tags the per-tag table (both freed by sr_stats_free). In stripe and
 * by-target layouts c->shape describes the logical space (stripe: its size;
 * by-target: each target's size and lbs come from targets[]). */
int sr_replay_run(const struct sr_replay_cfg *c, struct sr_source *src, const int *fds,
		  unsigned nr_fds, struct sr_stats *st, struct sr_err *e);

#endif
