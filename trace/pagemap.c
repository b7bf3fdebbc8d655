#include "trace/pagemap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/units.h"

#define CHUNK_BYTES (SR_PAGEMAP_CHUNK_WORDS * sizeof(uint64_t))

void sr_pagemap_init(struct sr_pagemap *m)
{
	memset(m, 0, sizeof(*m));
}

void sr_pagemap_free(struct sr_pagemap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->slot[i].bits);
	free(m->slot);
	memset(m, 0, sizeof(*m));
}

/* The slot of chunk idx, or the empty slot where it would go. */
static struct sr_pagemap_slot *slot_of(const struct sr_pagemap *m, uint64_t idx)
{
	size_t i = (size_t)sr_mix64(idx) & (m->cap - 1);

	while (m->slot[i].key && m->slot[i].key != idx + 1)
		i = (i + 1) & (m->cap - 1);
	return &m->slot[i];
}

static uint64_t *chunk_find(const struct sr_pagemap *m, uint64_t idx)
{
	return m->cap ? slot_of(m, idx)->bits : NULL;
}

/* Double the table (kept at most half full). */
static int grow(struct sr_pagemap *m)
{
	struct sr_pagemap old = *m;
	size_t i, cap = m->cap ? m->cap * 2 : 64;

	m->slot = calloc(cap, sizeof(*m->slot));
	if (!m->slot) {
		m->slot = old.slot;
		return -ENOMEM;
	}
	m->cap = cap;
	for (i = 0; i < old.cap; i++)
		if (old.slot[i].key)
			*slot_of(m, old.slot[i].key - 1) = old.slot[i];
	free(old.slot);
	return 0;
}

uint64_t *sr_pagemap_chunk(struct sr_pagemap *m, uint64_t idx)
{
	struct sr_pagemap_slot *s;

	if (m->last && m->last_key == idx)
		return m->last;
	if ((m->nalloc + 1) * 2 > m->cap && grow(m))
		return NULL;
	s = slot_of(m, idx);
	if (!s->bits) {
		s->bits = calloc(1, CHUNK_BYTES);
		if (!s->bits)
			return NULL;
		s->key = idx + 1;
		m->nalloc++;
	}
	m->last_key = idx;
	m->last = s->bits;
	return s->bits;
}

/* Bits lo..hi (inclusive, 0..63) of a word. */
static uint64_t word_mask(unsigned lo, unsigned hi)
{
	uint64_t up = hi == 63 ? ~0ull : (1ull << (hi + 1)) - 1;

	return up & ~((1ull << lo) - 1);
}

int sr_pagemap_mark_any(struct sr_pagemap *m, struct sr_pagemap *twice, uint64_t first, uint64_t n)
{
	uint64_t last, c, c0, c1, b0, b1, w, mask, old, dup, *cw, *tw;

	if (!n)
		return 0;
	if (first >= SR_PAGEMAP_MAX_PAGES || n > SR_PAGEMAP_MAX_PAGES - first)
		return -EFBIG;
	last = first + n - 1;
	c0 = first >> SR_PAGEMAP_CHUNK_SHIFT;
	c1 = last >> SR_PAGEMAP_CHUNK_SHIFT;
	/* Allocate every chunk first so that a failure leaves m's count exact. */
	for (c = c0; c <= c1; c++)
		if (!sr_pagemap_chunk(m, c))
			return -ENOMEM;
	for (c = c0; c <= c1; c++) {
		cw = sr_pagemap_chunk(m, c);
		tw = NULL;
		b0 = c == c0 ? first & (SR_PAGEMAP_CHUNK_PAGES - 1) : 0;
		b1 = c == c1 ? last & (SR_PAGEMAP_CHUNK_PAGES - 1) : SR_PAGEMAP_CHUNK_PAGES - 1;
		for (w = b0 >> 6; w <= b1 >> 6; w++) {
			mask = word_mask(w == b0 >> 6 ? (unsigned)(b0 & 63) : 0,
					 w == b1 >> 6 ? (unsigned)(b1 & 63) : 63);
			old = cw[w];
			cw[w] = old | mask;
			if (mask & ~old) /* none new: most of a trace that reads its data again */
				m->count += sr_pagemap_popcount(mask & ~old);
			dup = mask & old;
			if (!dup || !twice)
				continue;
			if (!tw && !(tw = sr_pagemap_chunk(twice, c)))
				return -ENOMEM;
			twice->count += sr_pagemap_popcount(dup & ~tw[w]);
			tw[w] |= dup;
		}
	}
	return 0;
}

int sr_pagemap_test(const struct sr_pagemap *m, uint64_t page)
{
	uint64_t b = page & (SR_PAGEMAP_CHUNK_PAGES - 1);
	const uint64_t *w = chunk_find(m, page >> SR_PAGEMAP_CHUNK_SHIFT);

	return w ? (int)((w[b >> 6] >> (b & 63)) & 1) : 0;
}

uint64_t sr_pagemap_count_and(const struct sr_pagemap *a, const struct sr_pagemap *b)
{
	const uint64_t *bw;
	uint64_t sum = 0;
	size_t i, w;

	for (i = 0; i < a->cap; i++) {
		if (!a->slot[i].key || !(bw = chunk_find(b, a->slot[i].key - 1)))
			continue;
		for (w = 0; w < SR_PAGEMAP_CHUNK_WORDS; w++)
			sum += sr_pagemap_popcount(a->slot[i].bits[w] & bw[w]);
	}
	return sum;
}

size_t sr_pagemap_mem(const struct sr_pagemap *m)
{
	return m->cap * sizeof(*m->slot) + m->nalloc * CHUNK_BYTES;
}
