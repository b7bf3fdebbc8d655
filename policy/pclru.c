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

enum { YOUNG = SR_KREF_YOUNG, PGREF = 2, LARGE = 4 };
enum { BATCH = 32 }; /* SWAP_CLUSTER_MAX: reclaim's batch */
enum { AHEAD = 16 }; /* entries ahead of a list's head whose frames are prefetched */

/* A list as a ring of frame indices: entries [head, tail) are tickets, a
 * frame's key the ticket of its entry (an entry whose frame has another key,
 * or is not resident, was removed and is skipped). Reclaim takes pages from
 * the old end only and puts them at a new end, so an array in that order
 * lets a scan prefetch the frames it reaches next; walking linked frames
 * missed the cache once per page, a quarter of the pagecache row. */
struct kq {
	uint32_t *ent;
	uint64_t head, tail;
	uint32_t n;        /* entries in use */
	int id;            /* the frames' list bit */
};

struct pcl {
	struct kq q[2];    /* 0: inactive, 1: active */
	uint64_t mask;     /* ring slots - 1 */
	size_t ent_len;
	uint32_t *shadow;  /* per page of the extent: age at eviction + 1, 0: none */
	size_t shadow_len;
	uint64_t npages;
	uint32_t age;      /* nonresident age */
	uint64_t refaults, refaults_seen;
	unsigned deact;    /* victims left in a batch that may deactivate */
	uint64_t acc;      /* active pages owed a scan, times the inactive size */
};

#define TICKET0 1 /* the key of a frame in no list is UINT64_MAX */

static int k_init(struct sr_sim *s, struct sr_err *e)
{
	struct pcl *x = calloc(1, sizeof(*x));
	uint64_t slots = 16;
	int i;

	sr_list_init(&s->l[0]);
	sr_list_init(&s->l[1]);
	if (!x)
		return sr_errf(e, -ENOMEM, "out of memory");
	s->repl_priv = x;
	while (slots < (uint64_t)s->nfr + 2) /* every frame, and a removed head */
		slots *= 2;
	x->mask = slots - 1;
	x->ent_len = slots * sizeof(uint32_t);
	for (i = 0; i < 2; i++) {
		x->q[i].ent = sr_sim_big_alloc(x->ent_len);
		x->q[i].head = x->q[i].tail = TICKET0;
		x->q[i].id = i;
		if (!x->q[i].ent)
			return sr_errf(e, -ENOMEM, "out of memory for %u frames' lists", s->nfr);
	}
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
	sr_sim_big_free(x->q[0].ent, x->ent_len);
	sr_sim_big_free(x->q[1].ent, x->ent_len);
	sr_sim_big_free(x->shadow, x->shadow_len);
	free(x);
	s->repl_priv = NULL;
}

static int live(const struct sr_sim *s, const struct kq *q, uint64_t t, uint32_t i)
{
	const struct sr_frame *f = &s->fr[i];

	return f->state == SR_FR_RES && f->key == t && f->list == q->id;
}

static void q_push_tail(struct sr_sim *s, struct pcl *x, struct kq *q, struct sr_frame *f)
{
	f->list = (uint8_t)q->id;
	f->key = q->tail;
	q->ent[q->tail++ & x->mask] = (uint32_t)(f - s->fr);
	q->n++;
}

/* The frame at the old end, NULL: empty. */
static struct sr_frame *q_head(struct sr_sim *s, struct pcl *x, struct kq *q)
{
	while (q->n) {
		uint32_t i = q->ent[q->head & x->mask];

		if (live(s, q, q->head, i))
			return &s->fr[i];
		q->head++;
		if (q->tail - q->head > AHEAD)
			__builtin_prefetch(&s->fr[q->ent[(q->head + AHEAD) & x->mask]]);
	}
	return NULL;
}

/* Take f, the frame q_head returned, off q. */
static void q_pop(struct sr_sim *s, struct pcl *x, struct kq *q, struct sr_frame *f)
{
	f->key = UINT64_MAX;
	q->n--;
	q->head++;
	if (q->tail - q->head > AHEAD)
		__builtin_prefetch(&s->fr[q->ent[(q->head + AHEAD) & x->mask]]);
}

/* Take f off its list: its entry stays until the head passes it. Only
 * evict() removes, and only the victim, a list's head, so a ring holds at
 * most one such entry besides the frames in it. */
static void q_remove(struct pcl *x, struct sr_frame *f)
{
	f->key = UINT64_MAX;
	x->q[f->list].n--;
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
	int active = 0;

	f->ref = large_folio(s, f, prefetched) ? LARGE : 0;
	if (sh) {
		x->shadow[f->page] = 0;
		x->refaults++;
		if ((uint32_t)(x->age - (sh - 1)) <= x->q[1].n) {
			x->age++; /* workingset_refault: folio_set_active */
			active = 1;
		}
	}
	q_push_tail(s, x, &x->q[active], f);
}

static void k_touch(struct sr_sim *s, struct sr_frame *f)
{
	sr_kernel_touch(s, f);
}

static void k_remove(struct sr_sim *s, struct sr_frame *f)
{
	struct pcl *x = s->repl_priv;

	q_remove(x, f);
	if (f->page < x->npages) /* only evict() removes: leave a shadow */
		x->shadow[f->page] = x->age++ + 1;
}

static void deactivate(struct sr_sim *s, struct pcl *x)
{
	struct sr_frame *a = q_head(s, x, &x->q[1]);

	q_pop(s, x, &x->q[1], a);
	a->ref &= (uint8_t)~(YOUNG | PGREF);
	q_push_tail(s, x, &x->q[0], a);
}

/* shrink_active_list, before each inactive page scanned. */
static void k_balance(struct sr_sim *s, struct pcl *x)
{
	while (x->q[1].n > x->q[0].n)
		deactivate(s, x);
	if (!x->deact || !x->q[0].n)
		return;
	x->acc += x->q[1].n;
	while (x->acc >= x->q[0].n && x->q[1].n) {
		x->acc -= x->q[0].n;
		deactivate(s, x);
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
	for (tries = 3 * ((uint64_t)x->q[0].n + x->q[1].n) + 1; tries; tries--) {
		struct sr_frame *f;

		k_balance(s, x);
		if (!x->q[0].n)
			break;
		f = q_head(s, x, &x->q[0]);
		if (!(f->ref & YOUNG))
			return f;
		q_pop(s, x, &x->q[0], f);
		if (f->ref & (LARGE | PGREF)) { /* FOLIOREF_ACTIVATE */
			f->ref = (uint8_t)((f->ref & LARGE) | PGREF);
			q_push_tail(s, x, &x->q[1], f);
		} else { /* FOLIOREF_KEEP */
			f->ref = PGREF;
			q_push_tail(s, x, &x->q[0], f);
		}
	}
	if (x->q[0].n)
		return q_head(s, x, &x->q[0]);
	return x->q[1].n ? q_head(s, x, &x->q[1]) : NULL;
}

const struct sr_repl_ops sr_repl_kernel = {
	.name = "kernel-lru", .init = k_init, .fini = k_fini, .insert = k_insert,
	.touch = k_touch, .remove = k_remove, .victim = k_victim,
};
