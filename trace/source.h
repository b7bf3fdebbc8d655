/* A source yields access records one batch at a time: trace readers, the
 * built-in patterns and (later) synthetic schedules all implement it. Nothing
 * loads a whole trace into memory. */
#ifndef SR_SOURCE_H
#define SR_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "replay/err.h"
#include "replay/record.h"

struct sr_source {
	const char *name;   /* for messages: the trace path or "pattern:seq" */
	const char *format; /* the trace format it was read as ("csv"), or "pattern" */
	/* Fill up to max records; return how many (0 at end) or -errno with e set. */
	int (*next)(struct sr_source *s, struct sr_rec *out, size_t max, struct sr_err *e);
	/* Start again from the first record (for --loops). */
	int (*rewind)(struct sr_source *s, struct sr_err *e);
	void (*close)(struct sr_source *s); /* frees s */
};

static inline int sr_source_next(struct sr_source *s, struct sr_rec *out, size_t max,
				 struct sr_err *e)
{
	return s->next(s, out, max, e);
}

/* Trace formats: one ops table entry each (trace/formats.c). */
struct sr_trace_format {
	const char *name; /* "csv", "fio-iolog" */
	const char *help;
	/* Score how likely the first bytes of a file are this format: 0 = no, 100 = certain. */
	int (*probe)(const char *head, size_t len);
	/* Open path as this format. */
	int (*open)(const char *path, struct sr_source **out, struct sr_err *e);
};

extern const struct sr_trace_format *const sr_trace_formats[];

/* Open a trace; fmt is a format name or "auto" (probe the first 4 KiB). */
int sr_trace_open(const char *path, const char *fmt, struct sr_source **out, struct sr_err *e);

/* Built-in generators, like fio's rw=read / rw=randread over [0, size). Each
 * request is bs bytes; rand visits every bs block once per loop in a
 * pseudo-random order fixed by seed (a full-period permutation, no memory). */
enum sr_pattern { SR_PAT_SEQ, SR_PAT_RAND };
int sr_pattern_open(enum sr_pattern p, uint64_t size, uint64_t bs, uint64_t seed,
		    struct sr_source **out, struct sr_err *e);

#endif
