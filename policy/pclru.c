/* The kernel's file LRU as mmap'd model pages see it (mm/vmscan.c), for the
 * pagecache policy and the mmap strategies:
 * - a page read in (fault or readahead) goes to the inactive list; a fault,
 *   or fault-around mapping it, leaves its PTE young (bit 0 of ref);
 * - reclaim scans the inactive list from its old end: a page not young since
 *   the last scan is evicted, so readahead never used leaves first; a young
 *   one is activated. folio_check_references() activates a folio with more
 *   than one referenced PTE at once, and readahead brings large folios
 *   (page_cache_ra_order) whose pages a tensor's rows touch together, so a
 *   used page rarely needs the second trip a small folio would; PG_referenced
 *   (bit 1) is kept for the MADV_COLD path only;
 * - when the inactive list is smaller than the active one (inactive_is_low,
 *   ratio 1 below 1 GiB) the oldest active pages go back to the inactive
 *   list's new end with young bits cleared: one used again before it reaches
 *   the old end comes back to the active list.
 * So a working set that fits in the active half survives a stream through
 * the inactive half: bytes per token fall as memory grows, as in the real
 * runs, where a plain LRU re-reads the whole model each token. */
#include "policy/sim_int.h"

enum { YOUNG = 1, PGREF = 2 };

static int k_init(struct sr_sim *s, struct sr_err *e)
{
	(void)e;
	sr_list_init(&s->l[0]);
	sr_list_init(&s->l[1]);
	return 0;
}

static void k_fini(struct sr_sim *s)
{
	(void)s;
}

static void k_insert(struct sr_sim *s, struct sr_frame *f, int prefetched)
{
	(void)prefetched;
	f->list = 0;
	f->ref = 0;
	sr_list_push_tail(s, &s->l[0], f);
}

static void k_touch(struct sr_sim *s, struct sr_frame *f)
{
	(void)s;
	f->ref |= YOUNG;
}

static void k_remove(struct sr_sim *s, struct sr_frame *f)
{
	sr_list_unlink(s, &s->l[f->list], f);
}

/* shrink_active_list: while the inactive list is the smaller, the oldest
 * active (non-exec) pages go down, young bits cleared. */
static void k_balance(struct sr_sim *s)
{
	while (s->l[1].n > s->l[0].n) {
		struct sr_frame *a = &s->fr[s->l[1].head];

		sr_list_unlink(s, &s->l[1], a);
		a->list = 0;
		a->ref &= (uint8_t)~YOUNG;
		sr_list_push_tail(s, &s->l[0], a);
	}
}

static struct sr_frame *k_victim(struct sr_sim *s)
{
	uint64_t tries;

	/* each step clears a young bit, so 2 passes over all frames end it */
	for (tries = 2 * ((uint64_t)s->l[0].n + s->l[1].n) + 1; tries; tries--) {
		struct sr_frame *f;

		k_balance(s);
		if (!s->l[0].n)
			break;
		f = &s->fr[s->l[0].head];
		if (!(f->ref & YOUNG))
			return f;
		sr_list_unlink(s, &s->l[0], f); /* FOLIOREF_ACTIVATE */
		f->ref = PGREF;
		f->list = 1;
		sr_list_push_tail(s, &s->l[1], f);
	}
	if (s->l[0].n)
		return &s->fr[s->l[0].head];
	return s->l[1].n ? &s->fr[s->l[1].head] : NULL;
}

/* MADV_COLD: to the inactive list's reclaim end, unreferenced. */
static void k_cold(struct sr_sim *s, struct sr_frame *f)
{
	sr_list_unlink(s, &s->l[f->list], f);
	f->list = 0;
	f->ref = 0;
	sr_list_push_head(s, &s->l[0], f);
}

const struct sr_repl_ops sr_repl_kernel = {
	.name = "kernel-lru", .init = k_init, .fini = k_fini, .insert = k_insert,
	.touch = k_touch, .remove = k_remove, .victim = k_victim, .cold = k_cold,
};
