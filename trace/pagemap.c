#include "trace/pagemap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_BYTES (SR_PAGEMAP_CHUNK_WORDS * sizeof(uint64_t))

void sr_pagemap_init(struct sr_pagemap *m)
{
	memset(m, 0, sizeof(*m));
}

void sr_pagemap_free(struct sr_pagemap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->chunk[i]);
	free(m->chunk);
	memset(m, 0, sizeof(*m));
}

/* Make chunk[idx] exist (zeroed): grow the top array by doubling first. */
static uint64_t *chunk_get(struct sr_pagemap *m, uint64_t idx)
{
	uint64_t **top;
	size_t cap;

	if (idx >= m->cap) {
		cap = m->cap ? m->cap : 16;
		while (cap <= idx)
			cap *= 2;
		top = realloc(m->chunk, cap * sizeof(*top));
		if (!top)
			return NULL;
		memset(top + m->cap, 0, (cap - m->cap) * sizeof(*top));
		m->chunk = top;
		m->cap = cap;
	}
	if (!m->chunk[idx]) {
		/* calloc of 128 KiB is an mmap: pages never written cost no memory */
		m->chunk[idx] = calloc(1, CHUNK_BYTES);
		if (!m->chunk[idx])
			return NULL;
		m->nalloc++;
	}
	return m->chunk[idx];
}

/* Bits lo..hi (inclusive, 0..63) of a word. */
static uint64_t word_mask(unsigned lo, unsigned hi)
{
	uint64_t up = hi == 63 ? ~0ull : (1ull << (hi + 1)) - 1;

	return up & ~((1ull << lo) - 1);
}

int sr_pagemap_mark(struct sr_pagemap *m, struct sr_pagemap *twice, uint64_t first, uint64_t n)
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
		if (!chunk_get(m, c))
			return -ENOMEM;
	for (c = c0; c <= c1; c++) {
		cw = m->chunk[c];
		tw = NULL;
		b0 = c == c0 ? first & (SR_PAGEMAP_CHUNK_PAGES - 1) : 0;
		b1 = c == c1 ? last & (SR_PAGEMAP_CHUNK_PAGES - 1) : SR_PAGEMAP_CHUNK_PAGES - 1;
		for (w = b0 >> 6; w <= b1 >> 6; w++) {
			mask = word_mask(w == b0 >> 6 ? (unsigned)(b0 & 63) : 0,
					 w == b1 >> 6 ? (unsigned)(b1 & 63) : 63);
			old = cw[w];
			cw[w] = old | mask;
			/* popcount is a libgcc call without -mpopcnt: skip it for
			 * pages seen before (most of a trace that reads its data again) */
			if (mask & ~old)
				m->count += (uint64_t)__builtin_popcountll(mask & ~old);
			dup = mask & old;
			if (!dup || !twice)
				continue;
			if (!tw && !(tw = chunk_get(twice, c)))
				return -ENOMEM;
			twice->count += (uint64_t)__builtin_popcountll(dup & ~tw[w]);
			tw[w] |= dup;
		}
	}
	return 0;
}

int sr_pagemap_test(const struct sr_pagemap *m, uint64_t page)
{
	uint64_t c = page >> SR_PAGEMAP_CHUNK_SHIFT, b = page & (SR_PAGEMAP_CHUNK_PAGES - 1);

	if (c >= m->cap || !m->chunk[c])
		return 0;
	return (int)((m->chunk[c][b >> 6] >> (b & 63)) & 1);
}

uint64_t sr_pagemap_count_and(const struct sr_pagemap *a, const struct sr_pagemap *b)
{
	size_t i, n = a->cap < b->cap ? a->cap : b->cap, w;
	uint64_t sum = 0;

	for (i = 0; i < n; i++) {
		if (!a->chunk[i] || !b->chunk[i])
			continue;
		for (w = 0; w < SR_PAGEMAP_CHUNK_WORDS; w++)
			sum += (uint64_t)__builtin_popcountll(a->chunk[i][w] & b->chunk[i][w]);
	}
	return sum;
}

size_t sr_pagemap_mem(const struct sr_pagemap *m)
{
	return m->cap * sizeof(*m->chunk) + m->nalloc * CHUNK_BYTES;
}
