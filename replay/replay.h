/* The replay loop: pulls records from a source, shapes them, keeps up to qd
 * requests in flight on an engine, times them, and accumulates stats. It
 * allocates everything before the first request and nothing after. */
#ifndef SR_REPLAY_H
#define SR_REPLAY_H

#include <signal.h>
#include <stdint.h>

#include "replay/engine.h"
#include "replay/err.h"
#include "replay/shape.h"
#include "replay/stats.h"
#include "trace/source.h"

enum sr_timing { SR_TIMING_AFAP, SR_TIMING_RECORDED };

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
};

/* Returns 0, or -errno with e set. Stats are valid (maybe partial) either way. */
int sr_replay_run(const struct sr_replay_cfg *c, struct sr_source *src, const int *fds,
		  unsigned nr_fds, struct sr_stats *st, struct sr_err *e);

#endif
