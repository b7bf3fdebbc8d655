/* The one way every command writes an output file or report (-o, --timeline,
 * --write-gguf, CSV/JSON results):
 *  - opened before any I/O, so a bad path is exit 2 before a run, not after;
 *  - a regular file (or a new one) is written to a temp name unique to this
 *    run beside it (PATH.tmp-XXXXXX), fsynced and renamed over it only when
 *    everything was written: a full file system, a bad input halfway or a
 *    stop leaves the old file intact and no partial one; a symlink stays a
 *    symlink (the file it names is replaced);
 *  - a character device, a FIFO or this process's stdout (/dev/stdout) is
 *    written through, never renamed over; directories, block devices and
 *    sockets are refused;
 *  - write, flush and close errors are reported, stdout's included. */
#ifndef SR_OUTFILE_H
#define SR_OUTFILE_H

#include <stdio.h>

#include "base/err.h"

struct sr_outfile {
	const char *name; /* as given, for messages ("stdout" for NULL or "-") */
	char *dest;       /* where the temp file is renamed; NULL when written through */
	char *tmp;        /* the temp file; NULL when written through */
	FILE *f;          /* write here (stdout itself for NULL, "-", /dev/stdout) */
	int fd;           /* fileno(f), for writers that use write(2) */
};

/* Open path (NULL or "-": stdout). Errors: bad input (exit 2) for a path
 * that can never be written (missing directory, a directory, a block
 * device, a dangling symlink), a runtime error otherwise. */
int sr_outfile_open(struct sr_outfile *o, const char *path, struct sr_err *e);
/* Flush, fsync and close, then rename the temp file into place. On any
 * error the temp file is removed and the destination left untouched. */
int sr_outfile_commit(struct sr_outfile *o, struct sr_err *e);
/* Drop the output: close and remove the temp file (idempotent; a zeroed or
 * committed o is fine). */
void sr_outfile_abort(struct sr_outfile *o);
/* 1 when path is written through (stdout, a character device, a FIFO). */
int sr_outfile_direct(const struct sr_outfile *o);

/* Flush stdout and report an error (write, flush, /dev/full, closed
 * descriptor) as "stdout: ...": 0 or -errno. */
int sr_stdout_check(struct sr_err *e);

#endif
