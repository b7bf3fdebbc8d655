#include "replay/shape.h"

#include <errno.h>
#include <inttypes.h>

#define SR_EOF_PAGE 4096 /* the page a filemap or fault capture rounds the file up to */

static uint64_t region_len(const struct sr_shape_cfg *c)
{
	if (c->range_len)
		return c->range_len;
	return c->target_size > c->range_start ? c->target_size - c->range_start : 0;
}

static int remap(const struct sr_shape_cfg *c, struct sr_rec *r, struct sr_stats *st,
		 struct sr_err *e)
{
	uint64_t rlen = region_len(c), off = r->off;

	if (r->len > rlen)
		return sr_inputf(e, "%s:%" PRIu64 ": length %" PRIu64 " is larger than the target region (%" PRIu64 " bytes)",
				 c->src_name, r->seq, r->len, rlen);
	switch (c->offset_map) {
	case SR_MAP_WRAP:
		if (off + r->len > rlen || off + r->len < off) {
			off %= rlen;
			if (off + r->len > rlen)
				off = rlen - r->len;
		}
		break;
	case SR_MAP_SCALE:
		off = (uint64_t)((unsigned __int128)off * rlen / (c->trace_size ? c->trace_size : 1));
		if (off + r->len > rlen)
			off = rlen - r->len;
		break;
	default:
		/* a page-cache capture's last page runs past a file whose size is
		 * not a page multiple (a GGUF model): clip it to the end, counted */
		if (off < rlen && off + r->len > rlen && off + r->len - rlen < SR_EOF_PAGE &&
		    c->range_start + rlen == c->target_size) {
			if (!(c->target_size & (c->lbs - 1))) /* else the block step below counts it */
				st->eof_trimmed++;
			st->eof_trimmed_bytes += off + r->len - rlen;
			r->len = rlen - off;
			break;
		}
		if (off + r->len > rlen || off + r->len < off)
			return sr_inputf(e, "%s:%" PRIu64 ": offset %" PRIu64 " + length %" PRIu64 " is past the end of %s (%" PRIu64 " bytes); use --offset-map wrap|scale",
					 c->src_name, r->seq, r->off, r->len, c->tgt_name, rlen);
	}
	if (off != r->off)
		st->remapped++;
	r->off = off + c->range_start;
	return 0;
}

int sr_shape_prepare(const struct sr_shape_cfg *c, struct sr_rec *r, struct sr_stats *st,
		     struct sr_err *e)
{
	uint64_t end, lim = c->range_start + region_len(c);
	int ret;

	st->records++;
	if (r->op != SR_OP_READ && r->op != SR_OP_WRITE) {
		st->skipped_other++;
		return 1;
	}
	if (r->op == SR_OP_WRITE && !c->allow_write) {
		st->skipped_writes++; /* bytes in skipped_bytes, not in req_bytes */
		st->skipped_bytes += r->len;
		return 1;
	}
	if (!r->len) {
		st->skipped_other++;
		return 1;
	}
	st->req_bytes += r->len; /* what the issued records ask for: amplification's base */
	ret = remap(c, r, st, e);
	if (ret)
		return ret;

	if (c->page > 1) {
		uint64_t o = r->off / c->page * c->page;

		end = (r->off + r->len + c->page - 1) / c->page * c->page;
		/* pages are the target's own; --range cuts the first and last */
		if (o < c->range_start)
			o = c->range_start;
		if (end > lim)
			end = lim;
		if (o != r->off || end != r->off + r->len) {
			st->page_expanded++;
			st->page_extra_bytes += (end - o) - r->len;
			r->off = o;
			r->len = end - o;
		}
	}
	if ((r->off | r->len) & (c->lbs - 1)) {
		uint64_t o = r->off & ~(uint64_t)(c->lbs - 1);

		if (c->align_error)
			return sr_inputf(e, "%s:%" PRIu64 ": offset %" PRIu64 " length %" PRIu64 " not aligned to the %u-byte logical block size of %s (--align expand rounds it out)",
					 c->src_name, r->seq, r->off, r->len, c->lbs, c->tgt_name);
		end = (r->off + r->len + c->lbs - 1) & ~(uint64_t)(c->lbs - 1);
		if (end > lim && r->off + r->len <= lim && lim == c->target_size) {
			/* A file whose size is not a block multiple (a GGUF model):
			 * O_DIRECT cannot read its partial last block as a whole one,
			 * so stop at the last whole block and say how much was left. */
			uint64_t cut = lim & ~(uint64_t)(c->lbs - 1);

			st->eof_trimmed++;
			st->eof_trimmed_bytes += r->off + r->len - (cut > r->off ? cut : r->off);
			if (cut <= o) {
				st->skipped_other++;
				return 1;
			}
			end = cut;
		}
		if (end > lim)
			return sr_inputf(e, "%s:%" PRIu64 ": offset %" PRIu64 " length %" PRIu64 " rounds past the end of %s",
					 c->src_name, r->seq, r->off, r->len, c->tgt_name);
		st->realigned++;
		r->off = o;
		r->len = end - o;
	}
	return 0;
}

int sr_merge_push(const struct sr_shape_cfg *c, struct sr_merger *m, const struct sr_rec *r,
		  struct sr_rec *out, struct sr_stats *st)
{
	struct sr_rec *p = &m->pending;

	if (m->have && p->op == r->op && p->target == r->target &&
	    p->off + p->len == r->off && p->len + r->len <= c->max_req &&
	    (!c->merge_same_tag || p->tag == r->tag)) {
		p->len += r->len;
		st->merged++;
		return 0;
	}
	if (m->have) {
		*out = *p;
		*p = *r;
		return 1;
	}
	*p = *r;
	m->have = 1;
	return 0;
}

int sr_merge_flush(struct sr_merger *m, struct sr_rec *out)
{
	if (!m->have)
		return 0;
	*out = m->pending;
	m->have = 0;
	return 1;
}
