/* Streaming line reader for the text trace formats, plus the small helpers
 * they share. Internal to trace/: reads 256 KiB chunks into one fixed buffer
 * and hands out lines in place (zero-copy), never loading a whole file. */
#ifndef SR_TRACE_LINES_H
#define SR_TRACE_LINES_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/err.h"
#include "base/source.h"

#define SR_LINES_CHUNK (256u << 10) /* bytes per read(): fewer calls, still in L2 */
#define SR_LINES_MAX 4096u         /* longest line, without its "\r\n" */
#define SR_QUOTE_MAX 40u           /* field text shown in error messages */

struct sr_lines {
	int fd;
	char *path;      /* owned copy, for messages */
	char *buf;       /* SR_LINES_CHUNK + SR_LINES_MAX + 2 bytes */
	size_t start;    /* unread data is buf[start, end) */
	size_t end;
	uint64_t lineno; /* 1-based number of the line last returned */
	int eof;
	uint64_t at;     /* bytes read from fd since open or rewind */
	uint64_t size;   /* the file's size at open; 0: not a regular file */
};

/* Open path for reading ("-": standard input, named "stdin" in messages).
 * A missing or unreadable file is bad input. */
int sr_lines_open(struct sr_lines *l, const char *path, struct sr_err *e);
/* Next line, without its "\n" or "\r\n", NUL-terminated in place; *line
 * stays valid (and writable) until the next call. Returns 1 with a line,
 * 0 at end of file, -errno with e set (line too long, NUL byte, read error). */
int sr_lines_next(struct sr_lines *l, char **line, size_t *len, struct sr_err *e);
/* The same, its usual case inline (a whole line in the buffer, free of NUL
 * bytes, not too long): the call and its checks were a tenth of a short
 * line's cost. Anything else goes to sr_lines_next(). */
static inline int sr_lines_next_inl(struct sr_lines *l, char **line, size_t *len,
				    struct sr_err *e)
{
	char *p = l->buf + l->start, *nl = strchrnul(p, '\n'); /* buf[end] is a NUL */
	size_t n = (size_t)(nl - p);

	if (*nl != '\n' || n > SR_LINES_MAX)
		return sr_lines_next(l, line, len, e);
	l->start += n + 1;
	l->lineno++;
	if (n && p[n - 1] == '\r')
		n--;
	p[n] = '\0';
	*line = p;
	*len = n;
	return 1;
}
/* The checks every line passes, shared with the parallel reader: strips
 * one '\r' from p[0, *n); -EINVAL with e set for a line longer than
 * SR_LINES_MAX or holding a NUL byte ("PATH:LINENO: ..."). */
int sr_lines_check(const char *path, uint64_t lineno, const char *p, size_t *n,
		   struct sr_err *e);
/* How far l is (struct sr_source's pos): bytes consumed and the file's
 * size, 0 when not a regular file (a pipe, stdin). */
static inline void sr_lines_pos(const struct sr_lines *l, uint64_t *done, uint64_t *total)
{
	*done = l->at - (l->end - l->start);
	*total = l->size;
}
/* Start again at line 1 (lseek 0). */
int sr_lines_rewind(struct sr_lines *l, struct sr_err *e);
void sr_lines_close(struct sr_lines *l);

/* Unsigned decimal or 0x hex integer made of exactly s[0, n): 0, -EINVAL
 * (empty, junk) or -ERANGE (more than 64 bits). No sign, no spaces. */
int sr_text_u64_slow(const char *s, size_t n, uint64_t *out);
static inline int sr_text_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	/* The common case inline: up to 19 decimal digits cannot overflow, so
	 * no check per digit (this was a quarter of analyze's CSV time). */
	if (!n || n > 19 || (s[0] == '0' && n > 2))
		return sr_text_u64_slow(s, n, out);
	for (i = 0; i < n; i++) {
		unsigned d = (unsigned)(unsigned char)s[i] - '0';

		if (d > 9)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}
/* Copy s[0, n) into dst for an error message: at most SR_QUOTE_MAX bytes,
 * non-printable bytes shown as '?', "..." when cut. dst needs
 * SR_QUOTE_MAX + 4 bytes. Returns dst. */
char *sr_text_quote(char *dst, const char *s, size_t n);
#define SR_QUOTE_BUF (SR_QUOTE_MAX + 4)

/* A field of a comma-separated line. */
struct sr_field {
	const char *s;
	size_t n;
};

/* Split s[0, n) at commas into fields trimmed of blanks and tabs; store at
 * most max of them and return how many there are. Inline: the CSV readers
 * call it for every line. */
static inline unsigned sr_text_split(const char *s, size_t n, struct sr_field *f, unsigned max)
{
	const char *end = s + n, *p = s, *a, *b;
	unsigned count = 0;

	for (;;) {
		for (a = p; a < end && (*a == ' ' || *a == '\t'); a++)
			;
		for (p = a; p < end && *p != ','; p++)
			;
		if (count < max) {
			for (b = p; b > a && (b[-1] == ' ' || b[-1] == '\t'); b--)
				;
			f[count].s = a;
			f[count].n = (size_t)(b - a);
		}
		count++;
		if (p == end)
			return count;
		p++;
	}
}

/* A reader that fails mid-batch hands out the records it already has and
 * keeps the error in its own struct sr_err for the next call, so the record
 * stream does not depend on the batch size. This passes a kept error on. */
int sr_err_forward(struct sr_err *dst, const struct sr_err *src);

/* One NUL-terminated, writable line into at most one record: 1 with *r
 * filled in, 0 for a line that carries none, -errno with e set. */
typedef int (*sr_lines_parse_fn)(void *ctx, char *line, size_t len, struct sr_rec *r,
				 struct sr_err *e);
/* A line reader's next(): up to max records from l through parse(ctx, ...),
 * the error of a failing line kept in *kept (see above). Returns how many,
 * 0 at the end, or the kept error once no records come before it. Inline,
 * so that each reader's parse is inlined into its loop (an indirect call
 * per line cost 8% of the iolog and ftrace parse rates). */
static inline int sr_lines_batch(struct sr_lines *l, struct sr_err *kept, sr_lines_parse_fn parse,
				 void *ctx, struct sr_rec *out, size_t max, struct sr_err *e)
{
	size_t n = 0;
	char *line;
	size_t len;
	int ret;

	if (kept->code)
		return sr_err_forward(e, kept);
	if (max > INT32_MAX)
		max = INT32_MAX;
	while (n < max) {
		ret = sr_lines_next_inl(l, &line, &len, kept);
		if (!ret)
			break;
		if (ret > 0) {
			ret = parse(ctx, line, len, &out[n], kept);
			if (ret >= 0) {
				n += (size_t)ret;
				continue;
			}
		}
		/* Hand out what we have; the error comes with the next call. */
		return n ? (int)n : sr_err_forward(e, kept);
	}
	return (int)n;
}

/* Wrap *src so that only records passing o's op and time filters come out
 * (a no-op when o sets neither). On failure *src is closed. */
int sr_filter_wrap(struct sr_source **src, const struct sr_trace_opts *o, struct sr_err *e);

/* The format readers (trace/fmt_*.c), listed in sr_trace_formats[]. */
extern const struct sr_trace_format sr_trace_fmt_csv;
extern const struct sr_trace_format sr_trace_fmt_iolog;
extern const struct sr_trace_format sr_trace_fmt_blktrace;
extern const struct sr_trace_format sr_trace_fmt_blkparse;
extern const struct sr_trace_format sr_trace_fmt_ftrace;
extern const struct sr_trace_format sr_trace_fmt_filemap;
extern const struct sr_trace_format sr_trace_fmt_cheops;

#endif
