/* I/O engines behind one ops table, in the shape of fio's ioengine_ops.
 * Engines know nothing about traces; the replay loop knows nothing about
 * io_uring. */
#ifndef SR_ENGINE_H
#define SR_ENGINE_H

#include <stdint.h>
#include <stddef.h>

#include "base/err.h"

/* One in-flight request slot. The replay loop owns qd of them, each with a
 * buffer of buf_size bytes at a fixed index (registered buffers). */
struct sr_io {
	uint64_t off;
	uint32_t len;
	uint8_t op;          /* SR_OP_READ or SR_OP_WRITE */
	uint32_t target;     /* index into sr_engine_cfg.fds */
	uint32_t idx;        /* slot index == registered buffer index */
	uint32_t tag;        /* the record's tag, for per-tag stats */
	void *buf;
	uint64_t issue_ns;   /* set by the replay loop before queue() */
	int64_t res;         /* bytes transferred or -errno, set by the engine */
	struct sr_io *next;  /* free list / engine-private queues */
	/* Set by the replay loop: a short completion's remainder is resubmitted
	 * with off, buf advanced and len reduced by the bytes done so far. */
	uint32_t done;       /* bytes of the request already transferred */
	uint32_t tries;      /* retries after errors (--on-error retry:N) */
	int64_t expect;      /* the res that needs no second look: len, or
			      * INT64_MIN once the request was resubmitted */
};

/* --engine faulty:INNER (engine_faulty.c): faults injected into completions
 * of the inner engine, decided per completion from a counter and a seed, so
 * a single-threaded run injects the same faults every time. */
#define SR_FAULT_AT_MAX 16
struct sr_faults {
	const struct sr_engine_ops *inner;
	double eio;          /* probability a completion becomes -EIO */
	double short_rate;   /* ... comes back short (a multiple of align, never 0) */
	double delay_rate;   /* ... is held back delay_ns */
	uint64_t delay_ns;
	uint64_t fail_at[SR_FAULT_AT_MAX]; /* these completions (1 = the first) become -EIO */
	unsigned nr_fail_at;
	uint64_t seed;
	uint32_t align;      /* short completions are multiples of this (logical block size) */
	/* Shared by every engine instance of a run (replay threads); atomics. */
	uint64_t seq;        /* completions seen so far */
	uint64_t injected_eio, injected_short, injected_delay;
};

struct sr_engine_cfg {
	const int *fds;      /* open targets */
	unsigned nr_fds;
	unsigned qd;         /* max requests in flight */
	struct sr_io *ios;   /* qd slots, idx 0..qd-1 */
	size_t buf_size;     /* bytes per slot buffer */
	void *buf_base;      /* one allocation: slot i's buffer at buf_base + i*buf_size */
	unsigned threads;    /* psync worker threads */
	int sqpoll;          /* io_uring: kernel submission thread */
	int hipri;           /* polled completions (io_uring IOPOLL, libaio/psync RWF_HIPRI) */
	int no_register;     /* io_uring: don't register files and buffers */
	struct sr_faults *faults; /* faulty engine only: what to inject, and into what */
};

enum {
	SR_Q_COMPLETED = 0, /* done synchronously: io->res is set */
	SR_Q_QUEUED = 1,    /* will come back from reap() */
	SR_Q_BUSY = 2,      /* cannot take more now: submit and reap first */
};

struct sr_engine;

/* What an engine is, so callers test a capability, not an identity. */
#define SR_ENGINE_SYNCIO 0x1 /* requests in flight are blocked worker threads (fio's FIO_SYNCIO):
			      * a queue deeper than the threads only queues */
#define SR_ENGINE_NODATA 0x2 /* moves no data: nothing to read back or verify */
#define SR_ENGINE_REAP_SUBMITS 0x4 /* reap() first submits what queue() staged, in the same
				    * system call when it waits: the loop leaves the last
				    * submit before a wait to it */

struct sr_engine_ops {
	const char *name;
	const char *help;
	unsigned flags;      /* SR_ENGINE_* */
	int (*init)(struct sr_engine *eng, struct sr_err *e);
	/* Stage io; returns SR_Q_* or -errno. */
	int (*queue)(struct sr_engine *eng, struct sr_io *io);
	/* Hand staged requests to the kernel; returns how many or -errno. */
	int (*submit)(struct sr_engine *eng);
	/* Wait for at least min completions (0: don't wait) but no longer than
	 * timeout_ns (0: forever, when min > 0); store up to max of them in out.
	 * Returns how many or -errno (-ETIME/-EINTR are not errors: return 0). */
	int (*reap)(struct sr_engine *eng, unsigned min, unsigned max, uint64_t timeout_ns,
		    struct sr_io **out);
	void (*cleanup)(struct sr_engine *eng);
};

struct sr_engine {
	const struct sr_engine_ops *ops;
	struct sr_engine_cfg cfg;
	void *priv;
};

extern const struct sr_engine_ops sr_engine_uring, sr_engine_aio, sr_engine_psync,
	sr_engine_null;
/* Not in sr_engines[]: it wraps one of them (cfg.faults->inner). */
extern const struct sr_engine_ops sr_engine_faulty;

/* Add one --fault argument to f: a comma list of eio:RATE, short:RATE,
 * delay:MS:RATE, fail-at:N (RATE 0..1, MS up to an hour, N >= 1). cmd names
 * the command in messages. 0 or -EINVAL with e set (bad input). */
int sr_faults_parse(const char *cmd, const char *arg, struct sr_faults *f, struct sr_err *e);
extern const struct sr_engine_ops *const sr_engines[]; /* NULL-terminated */

const struct sr_engine_ops *sr_engine_find(const char *name);
/* The names in sr_engines[] without those with any of the flags in skip,
 * "io_uring, libaio, psync" + last + "null" (last: " or ", ", "), in buf. */
const char *sr_engine_list(char *buf, size_t n, unsigned skip, const char *last);
/* Slots a run needs: a SYNCIO engine's threads bound what is in flight. */
static inline unsigned sr_engine_qd(const struct sr_engine_ops *o, unsigned qd, unsigned threads)
{
	return (o->flags & SR_ENGINE_SYNCIO) && threads > 1 && qd > threads ? threads : qd;
}

#endif
