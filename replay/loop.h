/* Internal to replay/: the feed and the I/O loop (loop.c), which replay.c
 * (one target, inline) and fanout.c (queues and threads for several targets)
 * both run. */
#ifndef SR_LOOP_H
#define SR_LOOP_H

#include <pthread.h>
#include <sched.h>

#include "replay/replay.h"

#define SR_TICK_NS 1000000000ull /* progress and timeline tick: one second */
#define SR_IN_BATCH 256
#define SR_QBATCH 64 /* pieces a worker takes from its queue at once, at most */

/* Records -> shaped, merged requests -> device pieces (stripe/by-target
 * placement, split to max_req and chunk boundaries). Counts shaping in st. */
struct sr_feed {
	const struct sr_replay_cfg *c;
	struct sr_source *src;
	struct sr_stats *st;
	struct sr_err *e;
	const struct sr_shape_cfg *shapes; /* per target (by-target), else one */
	unsigned nr_shapes, nr_tgt;

	struct sr_rec in[SR_IN_BATCH];
	int in_n, in_pos;
	struct sr_merger merger;
	uint64_t loops_done;
	uint64_t loop_base_ns; /* recorded timing: where this pass's clock starts */
	uint64_t last_t_ns;    /* latest trace time seen in this pass */
	int src_done;
	struct sr_rec cur;     /* logical request being cut into pieces */
	int have_cur;
};

/* Next device piece (target index, device offset, len <= max_req): 1, 0 at
 * the end, or -errno with e set. */
int sr_feed_next(struct sr_feed *f, struct sr_rec *piece);

/* Bounded queue of pieces from the dispatcher to one device's workers. */
struct sr_queue {
	pthread_mutex_t mu;
	pthread_cond_t nonempty, nonfull;
	struct sr_rec *ring;
	unsigned cap, head, count;
	unsigned consumers; /* workers still taking from it */
	int closed;         /* no more pieces will come */
};

/* Pop up to max pieces; wait up to wait_ns when empty (0: don't). Returns
 * how many, or -1 when closed and empty. */
int sr_queue_pop(struct sr_queue *q, struct sr_rec *out, unsigned max, uint64_t wait_ns);
void sr_queue_leave(struct sr_queue *q);

/* One target, several workers: each takes its pieces from the one feed,
 * under mu, instead of from a dispatcher thread's queue. A dispatcher would
 * be a third busy thread, woken (futex) every few requests to refill the
 * queue: on a 2-core machine it took CPU time from the workers. */
struct sr_shared_feed {
	pthread_mutex_t mu;
	struct sr_feed *feed;
	int done;                 /* the feed ended or failed: take no more */
};

/* One I/O loop: an engine instance, its slots and buffers, its stats. */
struct sr_loop {
	const struct sr_replay_cfg *c;
	struct sr_stats *st;      /* inline: the caller's; worker: own */
	struct sr_tag_stats *tags;
	struct sr_err *e;
	const char *name;         /* target name for messages */
	unsigned tgt;             /* worker: its target index */
	uint64_t run_id;
	int multi;                /* several targets: name the target in verify errors */
	struct sr_engine eng;

	struct sr_io *ios, *free_ios;
	void *bufs;
	void *map;
	size_t map_len;
	size_t buf_size;
	struct sr_io **done;
	unsigned inflight;        /* requests the engine holds */
	struct sr_io *resub;      /* requests to send again: rest of a short transfer, retries */

	struct sr_feed *feed;     /* inline: pieces straight from the source */
	struct sr_queue *q;       /* worker: pieces from the dispatcher */
	struct sr_shared_feed *shared; /* worker: pieces straight from the shared feed */
	struct sr_rec qbuf[SR_QBATCH];
	unsigned qn, qpos;

	struct sr_rec cur;        /* piece being issued */
	int have_cur;
	uint64_t start_ns;
	const int *stopped;       /* worker: another thread failed, stop */

	/* worker: progress counters the dispatcher reads (relaxed atomics) */
	uint64_t pub_bytes[2];
	cpu_set_t cpus;           /* where this loop's thread was allowed to run */
	int have_cpus;
};

/* Allocate slots and buffers and start the engine (fds/nr_fds for it). */
int sr_loop_setup(struct sr_loop *l, const int *fds, unsigned nr_fds, int numa_node);
/* Run until the feed/queue ends, runtime passes, a signal or an error. */
int sr_loop_run(struct sr_loop *l);
void sr_loop_teardown(struct sr_loop *l);

#endif
