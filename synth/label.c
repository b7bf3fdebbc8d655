/* Label a trace's records with the model tensor (and expert) each falls in. */
#include "synth/schedule.h"

#include <errno.h>
#include <stdlib.h>

struct label_src {
	struct sr_source src;
	struct sr_source *inner;
	const struct sr_model *m;
	int own;
};

uint32_t sr_label_tag(const struct sr_model *m, uint64_t off)
{
	long t = sr_model_find(m, off);
	const struct sr_tensor *ts;

	if (t < 0)
		return SR_TAG_NONE;
	ts = &m->tensors[t];
	if (ts->n_expert && ts->expert_bytes && off - ts->off < (uint64_t)ts->n_expert * ts->expert_bytes)
		return sr_tag_make((uint32_t)t, (int)((off - ts->off) / ts->expert_bytes));
	return sr_tag_make((uint32_t)t, -1);
}

/* End of the piece tag names that holds off: its expert slice, its
 * tensor, or the next tensor's start (m->file_size past the last). */
static uint64_t piece_end(const struct sr_model *m, uint64_t off, uint32_t tag)
{
	long t = sr_tag_tensor(tag);
	const struct sr_tensor *ts;
	size_t i;

	if (t < 0) {
		for (i = 0; i < m->n_tensors; i++)
			if (m->tensors[i].off > off)
				return m->tensors[i].off;
		return UINT64_MAX;
	}
	ts = &m->tensors[t];
	if (sr_tag_expert(tag) >= 0)
		return ts->off + (uint64_t)(sr_tag_expert(tag) + 1) * ts->expert_bytes;
	return ts->off + ts->bytes;
}

uint32_t sr_label_split(const void *mv, uint64_t off, uint64_t len, uint32_t *tags, uint64_t *bytes,
			uint32_t max)
{
	const struct sr_model *m = mv;
	uint64_t end = off + len, stop;
	uint32_t n = 0, tag;

	while (off < end && max) {
		tag = sr_label_tag(m, off);
		stop = piece_end(m, off, tag);
		if (stop <= off || stop > end || n + 1 == max)
			stop = end;
		if (n && tags[n - 1] == tag) {
			bytes[n - 1] += stop - off;
		} else {
			tags[n] = tag;
			bytes[n++] = stop - off;
		}
		off = stop;
	}
	return n;
}

static int label_next(struct sr_source *s, struct sr_rec *out, size_t max, struct sr_err *e)
{
	struct label_src *l = (struct label_src *)s;
	int n = sr_source_next(l->inner, out, max, e), i;

	for (i = 0; i < n; i++) {
		if (out[i].flags & SR_RF_KV)
			continue; /* KV records keep their kv tags (synth/kv.h) */
		out[i].tag = out[i].op == SR_OP_READ || out[i].op == SR_OP_WRITE ?
			sr_label_tag(l->m, out[i].off) : SR_TAG_NONE;
	}
	return n;
}

static int label_rewind(struct sr_source *s, struct sr_err *e)
{
	struct label_src *l = (struct label_src *)s;

	return l->inner->rewind(l->inner, e);
}

static void label_pos(struct sr_source *s, uint64_t *done, uint64_t *total)
{
	sr_source_pos(((struct label_src *)s)->inner, done, total);
}

static void label_close(struct sr_source *s)
{
	struct label_src *l = (struct label_src *)s;

	l->inner->close(l->inner);
	if (l->own) {
		sr_model_free((struct sr_model *)l->m);
		free((struct sr_model *)l->m);
	}
	free(l);
}

int sr_label_wrap(struct sr_source **src, const struct sr_model *m, int own, struct sr_err *e)
{
	struct label_src *l = calloc(1, sizeof(*l));

	if (!l)
		return sr_errf(e, -ENOMEM, "out of memory");
	l->inner = *src;
	l->m = m;
	l->own = own;
	sr_source_wrap(&l->src, l->inner, label_next, label_rewind, label_close, label_pos);
	*src = &l->src;
	return 0;
}
