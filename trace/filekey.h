/* One file of a file-level trace: page-cache insertions (filemap) and user
 * page faults (faults) name the file of each access by device and inode, so
 * such a trace is cut down to one file by that key, not by FIEMAP extents
 * (which are for block-level traces, trace/fiemap.h). Internal to trace/
 * except sr_file_key_of and sr_trace_open_file. */
#ifndef SR_TRACE_FILEKEY_H
#define SR_TRACE_FILEKEY_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/source.h"
#include "trace/textparse.h"

struct sr_file_key {
	int have_dev;     /* match major:minor too (--file-map), or the inode alone (--ino) */
	uint32_t major, minor;
	uint64_t ino;
};

/* The key of path (stat): bad input when it cannot be stat'ed. */
int sr_file_key_of(const char *path, struct sr_file_key *k, struct sr_err *e);

static inline int sr_file_key_match(const struct sr_file_key *k, uint32_t maj, uint32_t min,
				    uint64_t ino)
{
	return ino == k->ino && (!k->have_dev || (maj == k->major && min == k->minor));
}

/* Does fmt name (or, for "auto", the probe pick) a format whose records
 * carry a file key? *name gets the format's name. */
int sr_trace_format_pick(const char *path, const char *fmt, const char **name, int *keyed,
			 struct sr_err *e);

/* Open a filemap or faults trace keeping only the records of the file k
 * names (then o's filters, as sr_trace_open_opts). Any other format is bad
 * input: its records name no file. */
int sr_trace_open_file(const char *path, const char *fmt, const struct sr_trace_opts *o,
		       const struct sr_file_key *k, struct sr_source **out, struct sr_err *e);

/* The readers' keyed opens (trace/fmt_filemap.c, trace/fmt_faults.c). */
int sr_filemap_open_key(const char *path, const struct sr_trace_opts *o,
			const struct sr_file_key *k, struct sr_source **out, struct sr_err *e);
int sr_faults_open_key(const char *path, const struct sr_trace_opts *o,
		       const struct sr_file_key *k, struct sr_source **out, struct sr_err *e);

extern const struct sr_trace_format sr_trace_fmt_faults;

/* sr_tsrc_open into a reader's own struct of size bytes whose first member
 * is the struct sr_tsrc (zeroed past it), for readers that keep state of
 * their own; the source's close frees the whole struct. */
int sr_tsrc_open_in(const char *path, const struct sr_trace_opts *o, sr_tsrc_parse_fn parse,
		    size_t size, struct sr_tsrc **out, struct sr_err *e);

#endif
