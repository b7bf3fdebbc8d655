/* A sparse bitmap of pages for counting unique pages in a stream of
 * requests: a top-level array of chunk pointers indexed by page >> 20, each
 * chunk a 2^20-bit (128 KiB) bitmap allocated zeroed on first touch, the top
 * array grown by doubling. A 4 TB extent at 4 KiB pages is 2^30 pages: 1024
 * chunks, 128 MiB, whatever the number of requests; untouched ranges cost
 * nothing but a NULL pointer. */
#ifndef SR_PAGEMAP_H
#define SR_PAGEMAP_H

#include <stddef.h>
#include <stdint.h>

#define SR_PAGEMAP_CHUNK_SHIFT 20
#define SR_PAGEMAP_CHUNK_PAGES (1ull << SR_PAGEMAP_CHUNK_SHIFT)
#define SR_PAGEMAP_CHUNK_WORDS (SR_PAGEMAP_CHUNK_PAGES / 64)
/* The top array stops at 2^22 entries (32 MiB of pointers): 2^42 pages,
 * 16 PiB at 4 KiB pages. Pages beyond are refused with -EFBIG. */
#define SR_PAGEMAP_MAX_CHUNKS (1ull << 22)
#define SR_PAGEMAP_MAX_PAGES (SR_PAGEMAP_MAX_CHUNKS << SR_PAGEMAP_CHUNK_SHIFT)

struct sr_pagemap {
	uint64_t **chunk; /* chunk[i]: pages [i << 20, (i + 1) << 20); NULL until touched */
	size_t cap;       /* entries in chunk[]: 0 or a power of two */
	size_t nalloc;    /* chunks allocated */
	uint64_t count;   /* pages set */
};

void sr_pagemap_init(struct sr_pagemap *m);
void sr_pagemap_free(struct sr_pagemap *m);

/* Set pages [first, first + n). Pages that were already set in m are set in
 * twice as well ("seen at least twice"); twice may be NULL. Returns 0,
 * -ENOMEM, or -EFBIG for pages at or beyond SR_PAGEMAP_MAX_PAGES (nothing
 * is changed then). */
int sr_pagemap_mark(struct sr_pagemap *m, struct sr_pagemap *twice, uint64_t first, uint64_t n);
int sr_pagemap_test(const struct sr_pagemap *m, uint64_t page);
/* Pages set in both a and b. */
uint64_t sr_pagemap_count_and(const struct sr_pagemap *a, const struct sr_pagemap *b);
/* Bytes allocated (top array and chunks). */
size_t sr_pagemap_mem(const struct sr_pagemap *m);

#endif
