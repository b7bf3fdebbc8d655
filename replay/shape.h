/* Request shaping: what happens to a record between the source and the
 * engine. Each step is counted in sr_stats so the report says what it changed.
 *   filter ops -> remap (--range, --offset-map) -> page rounding (--page)
 *   -> block alignment (--align) -> merge (--merge) -> split (--bs) */
#ifndef SR_SHAPE_H
#define SR_SHAPE_H

#include <stdint.h>

#include "base/err.h"
#include "base/record.h"
#include "base/stats.h"

enum sr_offset_map { SR_MAP_NONE, SR_MAP_WRAP, SR_MAP_SCALE };

struct sr_shape_cfg {
	const char *src_name;   /* trace path, for messages */
	const char *tgt_name;   /* target path, for messages */
	uint64_t target_size;   /* bytes on the target */
	uint64_t range_start;   /* --range START:LEN (LEN 0: to the end) */
	uint64_t range_len;
	int offset_map;         /* enum sr_offset_map */
	uint64_t trace_size;    /* SR_MAP_SCALE: extent the trace was recorded on */
	uint32_t lbs;           /* logical block size of the target */
	int align_error;        /* --align error: refuse unaligned records */
	uint64_t page;          /* --page: round accesses out to this, 0 = off */
	uint64_t max_req;       /* --bs, or the buffer size: no request is bigger */
	int merge;              /* --merge contiguous neighbours up to max_req */
	int allow_write;
	int merge_same_tag;     /* --merge only within one tag (per-tag stats stay exact) */
};

/* Apply filter, remap, page rounding and alignment to r in place.
 * Returns 0 (issue it), 1 (dropped and counted) or -EINVAL with e naming
 * src_name:seq. */
int sr_shape_prepare(const struct sr_shape_cfg *c, struct sr_rec *r, struct sr_stats *st,
		     struct sr_err *e);

/* Streaming merge: feed prepared records; whenever a record cannot join the
 * pending one, the pending one is handed out. */
struct sr_merger {
	struct sr_rec pending;
	int have;
};
/* Returns 1 and fills *out when a finished request comes out. */
int sr_merge_push(const struct sr_shape_cfg *c, struct sr_merger *m, const struct sr_rec *r,
		  struct sr_rec *out, struct sr_stats *st);
/* End of input: hand out what is pending. Returns 1 if *out was filled. */
int sr_merge_flush(struct sr_merger *m, struct sr_rec *out);

/* Splitting happens as requests are issued: the first max_req bytes of r. */
static inline uint64_t sr_split_len(const struct sr_shape_cfg *c, uint64_t remaining)
{
	return remaining > c->max_req ? c->max_req : remaining;
}

#endif
