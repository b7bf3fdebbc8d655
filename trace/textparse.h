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
#include <string.h>

#include "trace/lines.h"

struct sr_tsrc;

/* Turn one NUL-terminated, writable line into at most one record: 1 with
 * op, off, len and t_ns filled in (t_ns absolute, or SR_T_NONE), tag when
 * known; 0 for a line that carries no record (or is filtered out); -errno
 * with e set. The skeleton fills in seq and target and makes t_ns relative. */
typedef int (*sr_tsrc_parse_fn)(struct sr_tsrc *t, char *line, size_t len, struct sr_rec *r,
				struct sr_err *e);

/* The prefix "TASK-PID [CPU] FLAGS " of the ftrace line last read, and
 * what it says (offsets into the line). */
struct sr_ftrace_pfx {
	char text[64];
	uint8_t len;       /* 0: none kept */
	uint16_t comm;
	uint16_t comm_end;
	uint32_t pid;
};

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
	struct sr_ftrace_pfx pfx;  /* for sr_ftrace_head() */
	const char *want;          /* the ftrace event most lines carry, or NULL: */
	size_t want_len;           /* sr_ftrace_head() tries it first */
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

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SR_TP_SWAR 1
/* The word of 8 bytes at p, first byte lowest. */
static inline uint64_t sr_tp_word(const char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return w;
}

/* High bit of each byte of w equal to c; the lowest one set is exact (a
 * false hit only ever follows a true one). */
static inline uint64_t sr_tp_eq8(uint64_t w, unsigned char c)
{
	uint64_t x = w ^ (0x0101010101010101ull * c);

	return (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
}

/* x: a word less '0' in every byte. High bit set in each byte that is not
 * a digit, lowest one exact: a borrow or carry only runs into the bytes
 * after the first non-digit. */
static inline uint64_t sr_tp_nondigit8(uint64_t x)
{
	return (x | (x + 0x7676767676767676ull)) & 0x8080808080808080ull;
}

/* The value of the d (1 to 8) digits at the start of x (less '0', as
 * above): to the top, zeros (leading zeros) below, then pairs, fours,
 * eights. */
static inline uint64_t sr_tp_value8(uint64_t x, unsigned d)
{
	x <<= 8 * (8 - d);
	x = (x * 2561) >> 8;
	x = ((x & 0x00FF00FF00FF00FFull) * 6553601) >> 16;
	return ((x & 0x0000FFFF0000FFFFull) * 42949672960001ull) >> 32;
}
#endif

/* The decimal digits at p, p < end and end[0] readable (the line's NUL):
 * how many, their value in *v (which wraps past 19 digits: callers bound
 * the count). Eight bytes at a time where the line has them: a third of
 * an ftrace line's parse was its 30 digits, one by one. */
static inline size_t sr_tp_digits(const char *p, const char *end, uint64_t *v)
{
	const char *q = p;
	uint64_t x = 0;
	unsigned d;

#ifdef SR_TP_SWAR
	if (end - p >= 8) {
		uint64_t m;

		x = sr_tp_word(p) - 0x3030303030303030ull;
		m = sr_tp_nondigit8(x);
		d = m ? (unsigned)__builtin_ctzll(m) >> 3 : 8;
		if (!d) {
			*v = 0;
			return 0;
		}
		x = sr_tp_value8(x, d);
		if (d < 8) {
			*v = x;
			return d;
		}
		q = p + 8;
	}
#endif
	while ((d = (unsigned)(unsigned char)*q - '0') <= 9) {
		x = x * 10 + d;
		q++;
	}
	*v = x;
	return (size_t)(q - p);
}

/* 1 to 19 decimal digits at p (p < end, end[0] readable) and then the
 * byte stop: how many, with *v set; else 0. The stop is taken from the
 * word the digits came in, not loaded again: each field's end is where
 * the next one starts, so this is the chain a line's parse waits on. */
static inline size_t sr_tp_digits_to(const char *p, const char *end, char stop, uint64_t *v)
{
	size_t n;

#ifdef SR_TP_SWAR
	if (end - p >= 8) {
		uint64_t w = sr_tp_word(p), x = w - 0x3030303030303030ull, m = sr_tp_nondigit8(x);
		unsigned d;

		if (m) {
			d = (unsigned)__builtin_ctzll(m) >> 3;
			if (!d || (char)(w >> 8 * d) != stop)
				return 0;
			*v = sr_tp_value8(x, d);
			return d;
		}
	}
#endif
	n = sr_tp_digits(p, end, v);
	return n && n <= 19 && p[n] == stop ? n : 0;
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

/* Are a[0, n) and b[0, n) the same bytes? memcmp without the call, for the
 * short names and prefixes compared on every line. */
static inline int sr_tp_same(const char *a, const char *b, size_t n)
{
	uint64_t x, y, diff;
	size_t i;

	if (n < 8)
		return !memcmp(a, b, n);
	/* the differences gathered, one branch at the end */
	memcpy(&x, a + n - 8, 8);
	memcpy(&y, b + n - 8, 8);
	diff = x ^ y;
	for (i = 0; i + 8 < n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		diff |= x ^ y;
	}
	return !diff;
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
	const char *event; /* the event name, without a "subsystem:" (perf script);
			    * the reader's t->want itself when it is that */
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

/* For tests and fuzzing: 0 turns the ftrace readers' one-pass reading of
 * the usual line off, so that every line takes the checked path (which must
 * give the same records and messages). Default 1; set before opening. */
extern int sr_ftrace_fast;

/* Is name among the ftrace events in head (": NAME: " or perf's ":NAME: ")? */
int sr_ftrace_probe_event(const char *head, size_t len, const char *name);

#endif
