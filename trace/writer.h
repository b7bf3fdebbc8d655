/* Trace writers: the other half of `convert`. Each writes records as one
 * format that the matching reader (and, for fio-iolog, fio itself) reads back. */
#ifndef SR_WRITER_H
#define SR_WRITER_H

#include <stdio.h>

#include "base/err.h"
#include "base/record.h"

struct sr_blklat;

struct sr_writer_cfg {
	const char *iolog_name; /* fio-iolog: the file name every line names */
	uint32_t dev_major, dev_minor; /* blkparse, blktrace: the device of each event */
	/* blkparse, blktrace: the source's pairing (trace/blklat.h, made with
	 * remember), for each record's completion latency (blktrace writes a C
	 * event that much after the record) and the process names; NULL: no C
	 * events, every process named "ssdreplay". */
	const struct sr_blklat *lat;
};

struct sr_writer;

/* Formats: "csv", "fio-iolog", "blkparse", "blktrace" (binary, what blkparse -i
 * and btt read). -EINVAL (bad input) for others. */
int sr_writer_open(const char *fmt, FILE *f, const struct sr_writer_cfg *cfg,
		   struct sr_writer **out, struct sr_err *e);
int sr_writer_write(struct sr_writer *w, const struct sr_rec *r, size_t n);
/* Writes any trailer (fio-iolog: close); returns 0 or -EIO. Frees w. */
int sr_writer_close(struct sr_writer *w);
const char *sr_writer_names(void); /* "csv, fio-iolog, blkparse" */

#endif
