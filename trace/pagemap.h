/* A sparse bitmap of pages for counting unique pages in a stream of
 * requests: 4096-page chunks (a 512-byte bitmap each) allocated zeroed on
 * first touch, found through an open-addressing hash table keyed by chunk
 * number. Memory follows the distinct pages touched, not the offset span:
 * 100,000 random 4 KiB reads over 16 PiB cost ~55 MiB (a dense top array of
 * 128 KiB chunks took 2.9 GB); a 4 TB extent read whole is 2^18 chunks,
 * 128 MiB + an 8 MiB table. */
#ifndef SR_PAGEMAP_H
#define SR_PAGEMAP_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#define SR_PAGEMAP_CHUNK_SHIFT 12
#define SR_PAGEMAP_CHUNK_PAGES (1ull << SR_PAGEMAP_CHUNK_SHIFT)
#define SR_PAGEMAP_CHUNK_WORDS (SR_PAGEMAP_CHUNK_PAGES / 64)
/* Pages from 2^42 on are refused with -EFBIG: 16 PiB at 4 KiB pages. */
#define SR_PAGEMAP_MAX_PAGES (1ull << 42)

struct sr_pagemap_slot {
	uint64_t key;   /* chunk number + 1; 0: empty */
	uint64_t *bits; /* SR_PAGEMAP_CHUNK_WORDS words */
};

struct sr_pagemap {
	struct sr_pagemap_slot *slot; /* hash table: 0 or a power of two entries */
	size_t cap;                   /* entries in slot[] */
	size_t nalloc;                /* chunks allocated */
	uint64_t count;               /* pages set */
	uint64_t last_key;            /* the chunk looked up last (sequential runs) */
	uint64_t *last;
};

void sr_pagemap_init(struct sr_pagemap *m);
void sr_pagemap_free(struct sr_pagemap *m);

/* Set pages [first, first + n). Pages that were already set in m are set in
 * twice as well ("seen at least twice"); twice may be NULL. Returns 0,
 * -ENOMEM, or -EFBIG for pages at or beyond SR_PAGEMAP_MAX_PAGES (nothing
 * is changed then). */
static inline int sr_pagemap_mark(struct sr_pagemap *m, struct sr_pagemap *twice, uint64_t first, uint64_t n);
/* sr_pagemap_mark for any range. */
int sr_pagemap_mark_any(struct sr_pagemap *m, struct sr_pagemap *twice, uint64_t first, uint64_t n);
/* The chunk of pages [idx * SR_PAGEMAP_CHUNK_PAGES, ...), made to exist
 * (zeroed); NULL when out of memory. */
uint64_t *sr_pagemap_chunk(struct sr_pagemap *m, uint64_t idx);
int sr_pagemap_test(const struct sr_pagemap *m, uint64_t page);
/* Pages set in both a and b. */
uint64_t sr_pagemap_count_and(const struct sr_pagemap *a, const struct sr_pagemap *b);
/* Bytes allocated (table and chunks). */
size_t sr_pagemap_mem(const struct sr_pagemap *m);

/* Set bits of x: the POPCNT instruction where the target has it, else a
 * few shifts and one multiply (libgcc's __popcountdi2 is a call). */
static inline unsigned sr_pagemap_popcount(uint64_t x)
{
#ifdef __POPCNT__
	return (unsigned)__builtin_popcountll(x);
#else
	x -= (x >> 1) & 0x5555555555555555ull;
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned)((x * 0x0101010101010101ull) >> 56);
#endif
}

/* Inline for analyze's loop: a range inside one 64-page word of the chunk
 * looked up last (most requests of a sequential run) is marked here; any
 * other range goes to sr_pagemap_mark_any. */
__attribute__((always_inline)) static inline int sr_pagemap_mark(struct sr_pagemap *m,
								  struct sr_pagemap *twice, uint64_t first,
								  uint64_t n)
{
	uint64_t last = first + n - 1, c = first >> SR_PAGEMAP_CHUNK_SHIFT, w, mask, old, dup, *tw;

	if (n - 1 >= 64 || (first >> 6) != (last >> 6) || !m->last || c != m->last_key)
		return sr_pagemap_mark_any(m, twice, first, n);
	w = (first >> 6) & (SR_PAGEMAP_CHUNK_WORDS - 1);
	mask = (~0ull >> (64 - n)) << (first & 63);
	old = m->last[w];
	if (mask & ~old) { /* none new: most of a trace that reads its data again */
		m->last[w] = old | mask;
		m->count += sr_pagemap_popcount(mask & ~old);
	}
	dup = mask & old;
	if (!dup || !twice)
		return 0;
	tw = twice->last && twice->last_key == c ? twice->last : sr_pagemap_chunk(twice, c);
	if (!tw)
		return -ENOMEM;
	if (dup & ~tw[w]) {
		twice->count += sr_pagemap_popcount(dup & ~tw[w]);
		tw[w] |= dup;
	}
	return 0;
}

#endif
