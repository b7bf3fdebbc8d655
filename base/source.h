/* A source yields access records one batch at a time: trace readers, the
 * built-in patterns and (later) synthetic schedules all implement it. Nothing
 * loads a whole trace into memory. */
#ifndef SR_SOURCE_H
#define SR_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/record.h"

struct sr_source {
	const char *name;   /* for messages: the trace path or "pattern:seq" */
	const char *format; /* the trace format it was read as ("csv"), or "pattern" */
	/* Fill up to max records; return how many (0 at end) or -errno with e set. */
	int (*next)(struct sr_source *s, struct sr_rec *out, size_t max, struct sr_err *e);
	/* Start again from the first record (for --loops). */
	int (*rewind)(struct sr_source *s, struct sr_err *e);
	void (*close)(struct sr_source *s); /* frees s */
	/* Optional (NULL: not known): how far the reader is, for a progress
	 * line: *done bytes of its input consumed, of *total (0 when not known:
	 * a pipe, stdin). A .gz/.zst trace counts its decompressed copy, which
	 * it reads (trace/decomp.h). Cheap: no system call, any time. */
	void (*pos)(struct sr_source *s, uint64_t *done, uint64_t *total);
};

static inline int sr_source_next(struct sr_source *s, struct sr_rec *out, size_t max,
				 struct sr_err *e)
{
	return s->next(s, out, max, e);
}

/* s->pos, or 0 of 0 (not known) when s has none. */
static inline void sr_source_pos(struct sr_source *s, uint64_t *done, uint64_t *total)
{
	*done = 0;
	*total = 0;
	if (s->pos)
		s->pos(s, done, total);
}

/* Set up w, a source that wraps inner (a filter, a labeller, a meter):
 * inner's name and format, w's own methods. */
static inline void sr_source_wrap(struct sr_source *w, const struct sr_source *inner,
				  int (*next)(struct sr_source *, struct sr_rec *, size_t, struct sr_err *),
				  int (*rewind)(struct sr_source *, struct sr_err *),
				  void (*close)(struct sr_source *),
				  void (*pos)(struct sr_source *, uint64_t *, uint64_t *))
{
	w->name = inner->name;
	w->format = inner->format;
	w->next = next;
	w->rewind = rewind;
	w->close = close;
	w->pos = pos;
}

struct sr_blklat; /* trace/blklat.h */

/* What a reader keeps (--event, --dev, --pid, --comm, --rw, --time). The
 * op and time filters apply to every format (trace/filter.c wraps the
 * reader); dev, pid and comm only to formats that carry them (caps). */
struct sr_trace_opts {
	char event;          /* blktrace/blkparse/ftrace: 'D' issue (default), 'Q' queue, 'C' complete */
	int have_dev;
	uint32_t dev_major, dev_minor;
	int have_pid;
	uint32_t pid;
	const char *comm;    /* NULL: any */
	unsigned rw;         /* SR_RW_READ | SR_RW_WRITE; 0: both */
	uint64_t t_start_ns; /* keep records with t_start_ns <= t_ns < t_end_ns */
	uint64_t t_end_ns;   /* 0: no end */
	/* blktrace, blkparse: pair each request's Q, D and C events here
	 * (trace/blklat.h) besides the records; NULL: don't. Unlike the
	 * records, only --dev filters what is paired. */
	struct sr_blklat *lat;
};
#define SR_RW_READ 1u
#define SR_RW_WRITE 2u

enum { SR_CAP_DEV = 1, SR_CAP_PID = 2, SR_CAP_COMM = 4, SR_CAP_EVENT = 8 };

/* Trace formats: one ops table entry each (trace/formats.c). Readers put
 * record times relative to the trace's first event (t_ns 0), so recorded
 * timing and --time work the same for every format. */
struct sr_trace_format {
	const char *name; /* "csv", "fio-iolog" */
	const char *help;
	unsigned caps;    /* SR_CAP_*: which of the opts filters this reader can apply */
	/* Score how likely the first bytes of a file are this format: 0 = no, 100 = certain. */
	int (*probe)(const char *head, size_t len);
	/* Open path as this format; o is never NULL. Readers with caps apply
	 * those filters (sr_trace_keep) and o->event themselves. */
	int (*open)(const char *path, const struct sr_trace_opts *o, struct sr_source **out,
		    struct sr_err *e);
};

extern const struct sr_trace_format *const sr_trace_formats[];

/* Open a trace; fmt is a format name or "auto" (probe the first 4 KiB). */
int sr_trace_open(const char *path, const char *fmt, struct sr_source **out, struct sr_err *e);
/* The same with filters; o may be NULL. A filter the format cannot apply
 * (--pid on a CSV) is bad input. */
int sr_trace_open_opts(const char *path, const char *fmt, const struct sr_trace_opts *o,
		       struct sr_source **out, struct sr_err *e);

/* For readers: does an event from this device/pid/comm pass o's filters? */
int sr_trace_keep(const struct sr_trace_opts *o, uint32_t dev_major, uint32_t dev_minor,
		  uint32_t pid, const char *comm);

/* Built-in generators, like fio's rw=read / rw=randread over [0, size). Each
 * request is bs bytes; rand visits every bs block once per loop in a
 * pseudo-random order fixed by seed (a full-period permutation, no memory). */
enum sr_pattern { SR_PAT_SEQ, SR_PAT_RAND, SR_PAT_WRITE = 4 /* flag: writes (fio's write, randwrite) */ };
int sr_pattern_open(enum sr_pattern p, uint64_t size, uint64_t bs, uint64_t seed,
		    struct sr_source **out, struct sr_err *e);

#endif
