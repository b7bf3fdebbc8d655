/* What the line-based capture readers share (blkparse, ftrace, filemap,
 * cheops-csv): one source skeleton around sr_lines that owns batching, the
 * kept error, rewind and the "time since the first kept event" rule, plus
 * scanners for the fields these formats print and the ftrace line prefix.
 * Internal to trace/. */
#ifndef SR_TRACE_TEXTPARSE_H
#define SR_TRACE_TEXTPARSE_H

#include "trace/devseen.h"
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "trace/lines.h"

struct sr_tsrc;

/* Turn one NUL-terminated, writable line into at most one record: 1 with
 * op, off, len and t_ns filled in (t_ns absolute, or SR_T_NONE), tag when
 * known; 0 for a line that carries no record (or is filtered out); -errno
 * with e set. The skeleton fills in seq and target and makes t_ns relative. */
typedef int (*sr_tsrc_parse_fn)(struct sr_tsrc *t, char *line, size_t len, struct sr_rec *r,
				struct sr_err *e);

struct sr_tsrc {
	struct sr_source src;
	struct sr_lines lines;
	struct sr_err err;         /* kept error, see sr_err_forward() */
	struct sr_trace_opts o;    /* a copy; o.comm points at our own copy */
	int filters;               /* o sets dev, pid or comm */
	char event;                /* o->event, 'D' when unset */
	int kind;                  /* for the reader: what open chose */
	unsigned state;            /* for the reader: 0 after open and rewind */
	sr_tsrc_parse_fn parse;
	uint64_t t0;               /* absolute time of the first record */
	int have_t0;
	int parallel;              /* set by a reader whose parse keeps no state */
	int pl_tried;
	struct sr_plines *pl;      /* parallel reader of a large file, or NULL */
};

/* Open path as a line source that hands each line to parse. */
int sr_tsrc_open(const char *path, const struct sr_trace_opts *o, sr_tsrc_parse_fn parse,
		 struct sr_tsrc **out, struct sr_err *e);

/* "FILE:LINE: expected WHAT, found 'TOKEN'" for the token that starts at p
 * (up to the next blank), or "found end of line" when p is at the end.
 * Returns -EINVAL. */
int sr_tsrc_bad(struct sr_tsrc *t, const char *what, const char *p, struct sr_err *e);
/* The same, quoting p[0, n). */
int sr_tsrc_bad_n(struct sr_tsrc *t, const char *what, const char *p, size_t n,
		  struct sr_err *e);

/* Does an event pass o's dev, pid and comm filters? comm: NUL-terminated or NULL. */
static inline int sr_tsrc_keep(const struct sr_tsrc *t, uint32_t maj, uint32_t min, uint32_t pid,
			       const char *comm)
{
	sr_trace_dev_seen(maj, min); /* analyze tells several devices apart */
	return !t->filters || sr_trace_keep(&t->o, maj, min, pid, comm);
}

/* ---- scanners over NUL-terminated text: each advances *pp past what it read ---- */

static inline int sr_tp_digit(char c)
{
	return (unsigned)(c - '0') <= 9;
}

static inline const char *sr_tp_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* End of the token at p: the next blank or the end of the line. */
static inline const char *sr_tp_tok_end(const char *p)
{
	while (*p && *p != ' ' && *p != '\t')
		p++;
	return p;
}

/* Decimal digits: 0, -EINVAL (no digit) or -ERANGE (more than 64 bits). */
static inline int sr_tp_u64(const char **pp, uint64_t *out)
{
	const char *p = *pp, *q;
	uint64_t v = 0;
	unsigned d;

	/* Up to 19 digits cannot overflow: no check per digit then (a longer
	 * run wraps here and is read again with checks below). */
	for (q = p; (d = (unsigned)(unsigned char)*q - '0') <= 9; q++)
		v = v * 10 + d;
	if (q == p)
		return -EINVAL;
	if (q - p <= 19) {
		*pp = q;
		*out = v;
		return 0;
	}
	v = 0;
	do {
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
			return -ERANGE;
		p++;
	} while (sr_tp_digit(*p));
	*pp = p;
	*out = v;
	return 0;
}

static inline int sr_tp_u32(const char **pp, uint32_t *out)
{
	const char *p = *pp;
	uint64_t v;

	if (sr_tp_u64(&p, &v) || v > UINT32_MAX)
		return -EINVAL;
	*pp = p;
	*out = (uint32_t)v;
	return 0;
}

/* Is c the end of a field: a blank or the end of the line? */
static inline int sr_tp_sep(char c)
{
	return c == ' ' || c == '\t' || !c;
}

/* "SECONDS.FRACTION" with 1 to 9 fraction digits, in nanoseconds. */
int sr_tp_time(const char **pp, uint64_t *ns);

/* RWBS flags (blk_fill_rwbs) to an op: D (discard, secure erase) trim,
 * W write, R read; -1 for requests that move no data here (flush F, N). */
int sr_tp_rwbs_op(const char *s, size_t n);

/* sector and count in 512-byte sectors to a byte range: 0 or -ERANGE. */
static inline int sr_tp_sectors(uint64_t sector, uint64_t nr, struct sr_rec *r)
{
	if (sector > UINT64_MAX >> 9 || nr > UINT64_MAX >> 9)
		return -ERANGE;
	r->off = sector << 9;
	r->len = nr << 9;
	return r->off + r->len < r->off ? -ERANGE : 0;
}

/* ---- ftrace text: "TASK-PID [(TGID)] [CPU] [FLAGS] SECONDS: EVENT: PAYLOAD" ---- */

struct sr_ftrace_head {
	char *comm;        /* TASK, NUL-terminated in place ("<...>" when unknown) */
	uint32_t pid;
	uint64_t t_ns;
	const char *event; /* the event name, without a "subsystem:" (perf script) */
	size_t event_len;
	char *payload;     /* after "EVENT: " */
};

/* Split an ftrace line (as read from tracefs trace or trace_pipe, trace-cmd
 * report or perf script): 1 with h filled in; 0 for a line that carries no
 * event ('#' headers, blank lines, "CPU:1 [LOST 3 EVENTS]", stack dumps,
 * function tracer lines); -EINVAL with e set for a malformed one. len:
 * strlen(line). */
int sr_ftrace_head(struct sr_tsrc *t, char *line, size_t len, struct sr_ftrace_head *h,
		   struct sr_err *e);

/* Is name among the ftrace events in head (": NAME: " or perf's ":NAME: ")? */
int sr_ftrace_probe_event(const char *head, size_t len, const char *name);

#endif
