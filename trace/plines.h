/* Parallel line reader for large regular text files (CSV, ftrace): the
 * file is cut into blocks at line boundaries, helper threads (and the
 * reader's own thread while it waits) parse blocks ahead, and records come
 * out in file order with the same seq, times and FILE:LINE errors as the
 * sequential sr_lines_batch(). Internal to trace/. */
#ifndef SR_TRACE_PLINES_H
#define SR_TRACE_PLINES_H

#include "trace/lines.h"

struct sr_plines;

struct sr_plines_ops {
	/* Parses one line on a private copy of ctx (ctx_size bytes) whose
	 * struct sr_lines at lines_off carries the line number within the
	 * block; must touch nothing but that copy, the line and *r, and set
	 * r->seq from that line number. Also used on the real ctx (with the
	 * real line number) to word the error of a line a helper refused. */
	sr_lines_parse_fn parse;
	size_t ctx_size;
	size_t lines_off;
	/* Optional: run on the reader's thread over records in file order,
	 * seq already absolute (time relative to the first record). */
	void (*fix)(void *ctx, struct sr_rec *r, size_t n);
};

/* Start reading l's file in parallel from where l's unread data begins
 * (after a header l already consumed). *out is NULL (and 0 returned) when
 * it would not pay: not a regular file, under a few MiB left, one CPU. l
 * is left alone until sr_plines_stop(); ctx must outlive the reader. */
int sr_plines_start(struct sr_lines *l, void *ctx, const struct sr_plines_ops *ops,
		    struct sr_plines **out, struct sr_err *e);
/* sr_lines_batch() for a parallel reader: up to max records, 0 at the end,
 * the error of a failing line kept in *kept and returned once no records
 * come before it. */
int sr_plines_batch(struct sr_plines *p, struct sr_err *kept, struct sr_rec *out, size_t max,
		    struct sr_err *e);
/* Bytes of the file handed out so far: the blocks whose records all went
 * out (for struct sr_source's pos; the reader's thread only). */
uint64_t sr_plines_pos(const struct sr_plines *p);
/* Stop the helpers and free p (NULL is fine). */
void sr_plines_stop(struct sr_plines *p);

/* For tests and fuzzing: block size in bytes (0: default 256 KiB), smallest
 * file tail worth it (default 8 MiB), helper threads (0: CPUs - 1, at most
 * 3). Not thread-safe; call before opening readers. */
void sr_plines_tune(size_t block, uint64_t min_bytes, unsigned threads);

#endif
