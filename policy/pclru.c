/* The kernel's file LRU as mmap'd model pages see it (mm/vmscan.c,
 * mm/workingset.c), for the pagecache policy:
 * - a page read in (fault or readahead) goes to the inactive list; a fault,
 *   or fault-around mapping it, leaves its PTE young (bit 0 of ref);
 * - reclaim scans the inactive list from its old end: a page not young since
 *   the last scan is evicted, so readahead never used leaves first. A young
 *   page in a large folio (more than one young PTE) is activated at once
 *   (folio_check_references); a young order-0 page is activated only if it
 *   was referenced before (PG_referenced, bit 1), else it goes back to the
 *   inactive list's new end with PG_referenced set. Async readahead windows
 *   are read in large folios (page_cache_ra_order raises the order window by
 *   window); a fault's read-around, and the rest of any window that meets a
 *   cached page, in order-0 ones (bit 2 marks the large ones). So a model
 *   read once per token is not activated wholesale and the readahead ahead
 *   of the reader keeps the whole inactive list to survive in;
 * - an evicted page leaves a shadow entry: the nonresident age (evictions
 *   and refault activations so far). A page read again whose refault
 *   distance (age now - age then) is at most the active list's size is
 *   activated at once (workingset_refault): with memory close to the
 *   model's size a cyclically read model keeps part of itself;
 * - the active list is shrunk (oldest pages to the inactive list's new end,
 *   young bits cleared) while it is larger than the inactive list
 *   (inactive_is_low, ratio 1 below 1 GiB) and, while refaults are seen
 *   (prepare_scan_control's may_deactivate), in proportion to the inactive
 *   pages scanned (get_scan_count scans both lists by size). */
#include <errno.h>
#include <stdlib.h>

#include "policy/sim_int.h"

enum { YOUNG = 1, PGREF = 2, LARGE = 4 };
enum { BATCH = 32 }; /* SWAP_CLUSTER_MAX: reclaim's batch */

struct pcl {
	uint32_t *shadow;  /* per page of the extent: age at eviction + 1, 0: none */
	size_t shadow_len;
	uint64_t npages;
	uint32_t age;      /* nonresident age */
	uint64_t refaults, refaults_seen;
	unsigned deact;    /* victims left in a batch that may deactivate */
	uint64_t acc;      /* active pages owed a scan, times the inactive size */
};

static int k_init(struct sr_sim *s, struct sr_err *e)
{
	struct pcl *x = calloc(1, sizeof(*x));

	sr_list_init(&s->l[0]);
	sr_list_init(&s->l[1]);
	if (!x)
		return sr_errf(e, -ENOMEM, "out of memory");
	s->repl_priv = x;
	x->npages = sr_sim_extent_pages(s);
	x->shadow_len = (x->npages ? x->npages : 1) * sizeof(*x->shadow);
	x->shadow = sr_sim_big_alloc(x->shadow_len); /* zero pages until written */
	if (!x->shadow)
		return sr_errf(e, -ENOMEM, "out of memory for %llu shadow entries", (unsigned long long)x->npages);
	return 0;
}

static void k_fini(struct sr_sim *s)
{
	struct pcl *x = s->repl_priv;

	if (!x)
		return;
	sr_sim_big_free(x->shadow, x->shadow_len);
	free(x);
	s->repl_priv = NULL;
}

/* Read in by an async readahead window (not the last fault's read-around). */
static int large_folio(const struct sr_sim *s, const struct sr_frame *f, int prefetched)
{
	const struct sr_pc *c = s->pol.priv;

	if (!prefetched || !c || s->pol.ops->miss != sr_pc_miss)
		return 0;
	return f->page < c->sync_lo || f->page >= c->sync_hi;
}

static void k_insert(struct sr_sim *s, struct sr_frame *f, int prefetched)
{
	struct pcl *x = s->repl_priv;
	uint32_t sh = f->page < x->npages ? x->shadow[f->page] : 0;

	f->ref = large_folio(s, f, prefetched) ? LARGE : 0;
	f->list = 0;
	if (sh) {
		x->shadow[f->page] = 0;
		x->refaults++;
		if ((uint32_t)(x->age - (sh - 1)) <= s->l[1].n) {
			x->age++; /* workingset_refault: folio_set_active */
			f->list = 1;
		}
	}
	sr_list_push_tail(s, &s->l[f->list], f);
}

static void k_touch(struct sr_sim *s, struct sr_frame *f)
{
	(void)s;
	f->ref |= YOUNG;
}

static void k_remove(struct sr_sim *s, struct sr_frame *f)
{
	struct pcl *x = s->repl_priv;

	sr_list_unlink(s, &s->l[f->list], f);
	if (f->page < x->npages) /* only evict() removes: leave a shadow */
		x->shadow[f->page] = x->age++ + 1;
}

static void deactivate(struct sr_sim *s)
{
	struct sr_frame *a = &s->fr[s->l[1].head];

	sr_list_unlink(s, &s->l[1], a);
	a->list = 0;
	a->ref &= (uint8_t)~(YOUNG | PGREF);
	sr_list_push_tail(s, &s->l[0], a);
}

/* shrink_active_list, before each inactive page scanned. */
static void k_balance(struct sr_sim *s, struct pcl *x)
{
	while (s->l[1].n > s->l[0].n)
		deactivate(s);
	if (!x->deact || !s->l[0].n)
		return;
	x->acc += s->l[1].n;
	while (x->acc >= s->l[0].n && s->l[1].n) {
		x->acc -= s->l[0].n;
		deactivate(s);
	}
}

static struct sr_frame *k_victim(struct sr_sim *s)
{
	struct pcl *x = s->repl_priv;
	uint64_t tries;

	if (x->refaults != x->refaults_seen) { /* refaults since the last batch */
		x->refaults_seen = x->refaults;
		x->deact = BATCH;
	} else if (x->deact) {
		x->deact--;
	}
	/* each step clears a young bit or sets PG_referenced: 3 passes end it */
	for (tries = 3 * ((uint64_t)s->l[0].n + s->l[1].n) + 1; tries; tries--) {
		struct sr_frame *f;

		k_balance(s, x);
		if (!s->l[0].n)
			break;
		f = &s->fr[s->l[0].head];
		if (!(f->ref & YOUNG))
			return f;
		sr_list_unlink(s, &s->l[0], f);
		if (f->ref & (LARGE | PGREF)) { /* FOLIOREF_ACTIVATE */
			f->ref = (uint8_t)((f->ref & LARGE) | PGREF);
			f->list = 1;
		} else { /* FOLIOREF_KEEP */
			f->ref = PGREF;
		}
		sr_list_push_tail(s, &s->l[f->list], f);
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
	f->ref &= LARGE;
	sr_list_push_head(s, &s->l[0], f);
}

const struct sr_repl_ops sr_repl_kernel = {
	.name = "kernel-lru", .init = k_init, .fini = k_fini, .insert = k_insert,
	.touch = k_touch, .remove = k_remove, .victim = k_victim, .cold = k_cold,
};
