/* Sector -> file: a block-layer trace holds device offsets; FIEMAP gives
 * the extents of one file (what `filefrag -v` shows), so the trace can be
 * cut down to that file's I/O and expressed as file offsets. File-level
 * traces (page-cache insertions, page faults) name the file of each record
 * by inode instead: trace/filekey.h. */
#ifndef SR_FIEMAP_H
#define SR_FIEMAP_H

#include <stdint.h>
#include <stddef.h>

#include "base/err.h"
#include "base/source.h"

struct sr_extent {
	uint64_t phys;    /* byte offset on the file system's block device */
	uint64_t logical; /* byte offset in the file */
	uint64_t len;
};

/* Read path's extents, sorted by phys. Holes and unwritten extents are left
 * out (no device I/O reaches them); inline/encoded data is refused. */
int sr_fiemap_read(const char *path, struct sr_extent **out, size_t *n, struct sr_err *e);

/* Wrap *src: each record's device range is cut to the parts inside the
 * file's extents and re-addressed as file offsets (one record per extent
 * touched); records outside the file are dropped. dev_base is subtracted
 * from trace offsets first (a whole-disk trace of a file on a partition). */
int sr_fiemap_wrap(struct sr_source **src, const char *path, uint64_t dev_base, struct sr_err *e);

#endif
