/* The kernel's file LRU as mmap'd model pages see it (mm/vmscan.c,
 * mm/workingset.c), for the pagecache policy:
 * - a page read in (fault or readahead) goes to the inactive list; a fault,
 *   or fault-around mapping it, leaves its PTE young (bit 0 of ref);
 * - reclaim scans the inactive list from its old end: a page not young since
 *   the last scan is evicted, so readahead never used leaves first. A young
 *   page is activated if it was referenced before (PG_referenced, bit 1),
 *   else it goes back to the inactive list's new end with PG_referenced set
 *   (folio_check_references): only a page used again within its stay is
 *   activated. So a model read once per token is not activated wholesale,
 *   and the readahead ahead of the reader keeps the whole inactive list to
 *   survive in;
 * - reclaim activates nothing else. The real runs' counters (/proc/vmstat, 48
 *   llama.cpp runs on kernel 6.18 at 35%, 60% and 85% of six models) showed
 *   pgactivate at 0-363 pages a token at 35% and 60%, where young pages in
 *   large folios activated at their first scan made 6,500-24,000 here and
 *   kept a sixth of an MoE resident that the kernel read again every token
 *   (0.83-0.86 of its bytes);
 * - a refault within the workingset's size (below) goes straight to the
 *   active list (workingset_refault: folio_set_active before the folio is
 *   listed; counted as workingset_activate, not pgactivate), and ages the
 *   nonresident clock as an activation does. The real runs' counters put
 *   it there: on this VM's kernel (6.18.44, 27 limited runs of three models
 *   BF16, /var/tmp/v27 in README) 0-17,316 refaults a token were activated,
 *   nearly all of them at a dense model's 85% (14,148-17,316 of
 *   14,358-17,387). Left out before (three tries on older validations
 *   moved single points both ways), it is the kernel's rule, and with it
 *   v27's bytes/token came within +-15% at 5 of 9 points against 3;
 * - the active list is shrunk (oldest pages to the inactive list's new end,
 *   young bits cleared) only in proportion to the inactive entries scanned
 *   (get_scan_count scans both lists by size; a folio is one entry here,
 *   where the kernel counts its pages: counted in pages, the 40 points of
 *   README moved within their run-to-run noise), and only while reclaim may
 *   deactivate (prepare_scan_control): the active list is larger than the
 *   inactive one (inactive_is_low, ratio 1 below 1 GiB), or a refault came
 *   within the workingset's size since the last batch: its refault distance
 *   (evictions and activations since its eviction, the shadow entry's
 *   nonresident_age) at most the active list's pages, the refaults the
 *   kernel activates and counts as WORKINGSET_ACTIVATE_FILE. So the active
 *   list may outgrow the inactive one for a while, as the real runs' lists
 *   did (memory.stat while decoding: active 52-213 MiB, inactive 0-161).
 *   Shrunk at once to the inactive list's size at every scan instead, and
 *   with every refault opening the proportional shrink, 25 of README's 40
 *   points were within the bytes band against 26-27. A refault
 *   is seen when its page is given a frame, before the read (k_alloc);
 * - a deactivated page keeps PG_referenced (shrink_active_list clears only
 *   PG_active), so one reclaim activated comes back at its next scan if it
 *   was used in between;
 * - reclaim reads the list sizes and the refaults activated from the memory
 *   cgroup's statistics, which are as of their last flush (stats(): every
 *   2 s, or a read of memory.stat). With them current, a dense model at
 *   85% was read whole every token where the kernel kept half of it (v31:
 *   51.7 of 113 MiB a token, deactivating the whole active list every other
 *   token); with them flushed as the real runs had them, 56.6;
 * - llama.cpp's load (MAP_POPULATE) leaves single pages referenced and
 *   larger folios active (sr_kernel_mark_accessed, sim.c's load_populate);
 * - the folio whose fault found the readahead mark is held while the next
 *   window is allocated (s->held): reclaim passes it by, as
 *   __remove_mapping fails on the fault's reference. */
/* Folios: readahead reads into large folios (sim_io.c's next_folio, the
 * orders from the pagecache policy), and the lists hold a folio as the entry
 * of its first page. It is young if any of its pages is (folio_referenced
 * counts one reference per mapping, so a folio is kept at its first scan,
 * not activated), leaves whole (sim_io.c's evict_folio), and the lists'
 * sizes compare pages, not entries. A page whose folio's first page has
 * gone when it lands is a folio of its own. */
#include <errno.h>
#include <stdlib.h>

#include "policy/sim_int.h"

enum { YOUNG = SR_KREF_YOUNG, PGREF = 2, REFAULT_ACTIVE = 4 };
enum { BATCH = 32 }; /* SWAP_CLUSTER_MAX: reclaim's batch */
enum { AHEAD = 16 }; /* entries ahead of a list's head whose frames are prefetched */
#define SHADOW 0x80000000u  /* a shadow entry's flag: the page was evicted */
#define AGE_MASK 0x7fffffffu

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
	uint64_t np;       /* pages in them (a folio's entry stands for all its pages) */
	int id;            /* the frames' list bit */
};

struct pcl {
	struct kq q[2];    /* 0: inactive, 1: active */
	uint64_t mask;     /* ring slots - 1 */
	size_t ent_len;
	uint32_t *shadow;  /* per page of the extent: SHADOW | age at its eviction; 0: never read or read again since */
	size_t shadow_len;
	uint64_t npages;
	uint32_t age;      /* nonresident_age: pages evicted or activated, modulo 2^31 */
	uint64_t recent, recent_seen; /* refaults within the workingset's size (WORKINGSET_ACTIVATE_FILE) */
	unsigned deact;    /* victims left in a batch that may deactivate */
	uint64_t acc;      /* active pages owed a scan, times the inactive size */
	/* the memory cgroup's statistics as of their last flush (stats()) */
	uint64_t st_active, st_inactive, st_recent;
	uint64_t next_flush; /* the periodic flusher's next run, on the run's clock */
};

enum { FLUSH_NS = 2000000000 }; /* FLUSH_TIME: flush_memcg_stats_dwork's period */

static void snapshot(struct pcl *x)
{
	x->st_active = x->q[1].np;
	x->st_inactive = x->q[0].np;
	x->st_recent = x->recent;
}

/* The statistics reclaim reads (lruvec_page_state: the list sizes
 * inactive_is_low() and workingset_test_recent() compare, the
 * WORKINGSET_ACTIVATE_FILE count prepare_scan_control() watches) are
 * per-CPU counts summed into the cgroup's only when flushed: every 2 s by
 * the flusher, or when memory.stat is read (sr_kernel_flush). Between
 * flushes reclaim decides from what they were. */
static void stats(struct sr_sim *s, struct pcl *x)
{
	if (s->c->stat_flush == SR_STATS_EXACT) {
		snapshot(x);
		return;
	}
	if (s->clock_ns < x->next_flush)
		return;
	snapshot(x);
	x->next_flush += (s->clock_ns - x->next_flush) / FLUSH_NS * FLUSH_NS + FLUSH_NS;
}

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
	x->next_flush = s->c->stat_phase_ns;
	while (slots < (uint64_t)s->nfr + 2) /* every frame, and a removed entry (q_push_tail) */
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

/* Drop q's removed entries, keeping its order: the live ones get new
 * tickets from its head on. */
static void q_compact(struct sr_sim *s, struct pcl *x, struct kq *q)
{
	uint64_t t, to = q->head;

	for (t = q->head; t < q->tail; t++) {
		uint32_t i = q->ent[t & x->mask];

		if (live(s, q, t, i)) {
			q->ent[to & x->mask] = i;
			s->fr[i].key = to++;
		}
	}
	q->tail = to;
}

/* A full ring has removed entries in it: it has a slot for every frame
 * and one more. */
static void q_push_tail(struct sr_sim *s, struct pcl *x, struct kq *q, struct sr_frame *f)
{
	if (q->tail - q->head > x->mask)
		q_compact(s, x, q);
	f->list = (uint8_t)q->id;
	f->key = q->tail;
	q->ent[q->tail++ & x->mask] = (uint32_t)(f - s->fr);
	q->n++;
	q->np += 1ull << f->forder;
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
	q->np -= 1ull << f->forder;
	q->head++;
	if (q->tail - q->head > AHEAD)
		__builtin_prefetch(&s->fr[q->ent[(q->head + AHEAD) & x->mask]]);
}

/* Take f off its list: its entry stays until the head passes it or the
 * ring is compacted. evict() removes a list's head (its victim); the load's
 * folio_mark_accessed() takes folios from the middle of the inactive list. */
static void q_remove(struct pcl *x, struct sr_frame *f)
{
	if (f->key == UINT64_MAX) /* a folio's page other than its first: never listed */
		return;
	f->key = UINT64_MAX;
	x->q[f->list].n--;
	x->q[f->list].np -= 1ull << f->forder;
}

/* ---- folios: a folio's first page stands in the lists for all of it ---- */

/* The frame of the first page of f's folio if f is another page of one and
 * that frame is there (resident or in flight), else NULL. */
static struct sr_frame *folio_head(struct sr_sim *s, const struct sr_frame *f)
{
	uint64_t h = f->page & ~((1ull << f->forder) - 1);

	return f->forder && h != f->page ? sr_sim_folio_page(s, h, f->forder) : NULL;
}

/* folio_referenced() on head's folio: whether a page of it is young, the
 * young bits cleared; -1 when a page is still in flight (the folio is
 * locked: reclaim passes it by). */
static int folio_young(struct sr_sim *s, struct sr_frame *head)
{
	uint64_t n = 1ull << head->forder, p;
	int young = head->ref & YOUNG;

	for (p = head->page + 1; head->forder && p < head->page + n; p++) {
		struct sr_frame *g = sr_sim_folio_page(s, p, head->forder);

		if (!g)
			continue;
		if (g->state != SR_FR_RES)
			return -1;
		young |= g->ref & YOUNG;
	}
	for (p = head->page + 1; young && head->forder && p < head->page + n; p++) {
		struct sr_frame *g = sr_sim_folio_page(s, p, head->forder);

		if (g)
			g->ref &= (uint8_t)~YOUNG;
	}
	return !!young;
}

/* A refault is seen when the page is added to the page cache, before its
 * read (filemap_add_folio -> workingset_refault), so reclaim may deactivate
 * from then on if it is recent. Seen when the read landed instead, a 16 MiB readahead
 * window's refaults opened the window below only after its 4,096 frames
 * had been taken, and the active list was left alone while it thrashed. */
static void k_alloc(struct sr_sim *s, struct sr_frame *f)
{
	struct pcl *x = s->repl_priv;

	if (f->page < x->npages && x->shadow[f->page]) { /* a refault */
		uint32_t dist = (x->age - x->shadow[f->page]) & AGE_MASK;

		x->shadow[f->page] = 0;
		s->r->refaults++;
		stats(s, x);
		if (dist <= x->st_active) { /* workingset_test_recent: file pages, no swap */
			x->recent++;
			f->ref |= REFAULT_ACTIVE; /* workingset_refault: folio_set_active */
		}
	}
}

static void k_insert(struct sr_sim *s, struct sr_frame *f, int prefetched)
{
	struct pcl *x = s->repl_priv;
	int active = f->ref & REFAULT_ACTIVE;

	(void)prefetched;
	f->ref = 0;
	if (f->forder && folio_head(s, f))
		return; /* its folio's first page is listed for it */
	if (f->forder && (f->page & ((1ull << f->forder) - 1)))
		f->forder = 0; /* its folio's first page has gone: a page of its own */
	if (active) { /* a recent refault joins the active list (not pgactivate) */
		s->r->ws_activate += 1ull << f->forder;
		x->age += 1u << f->forder; /* workingset_age_nonresident */
		q_push_tail(s, x, &x->q[1], f);
		return;
	}
	q_push_tail(s, x, &x->q[0], f);
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
		x->shadow[f->page] = SHADOW | (x->age++ & AGE_MASK);
}

static void deactivate(struct sr_sim *s, struct pcl *x)
{
	struct sr_frame *a = q_head(s, x, &x->q[1]);

	q_pop(s, x, &x->q[1], a);
	s->r->pgdeactivate += 1ull << a->forder;
	if (a->forder)
		(void)folio_young(s, a);
	a->ref &= (uint8_t)~YOUNG; /* PG_referenced stays (shrink_active_list) */
	q_push_tail(s, x, &x->q[0], a);
}

/* shrink_active_list, before each inactive entry (page or folio) scanned. */
static void k_balance(struct sr_sim *s, struct pcl *x)
{
	if (!x->deact || !x->q[0].np)
		return;
	x->acc += x->q[1].np;
	while (x->acc >= x->q[0].np && x->q[1].n) {
		x->acc -= x->q[0].np;
		deactivate(s, x);
	}
}

static struct sr_frame *k_victim(struct sr_sim *s)
{
	struct pcl *x = s->repl_priv;
	uint64_t tries;
	int young;

	/* prepare_scan_control's may_deactivate: refaults the kernel would
	 * activate since the last batch, or inactive_is_low (ratio 1), as the
	 * statistics have them */
	stats(s, x);
	if (x->st_recent != x->recent_seen || x->st_active > x->st_inactive) {
		x->recent_seen = x->st_recent;
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
		if (s->held && (f == s->held || f == folio_head(s, s->held))) {
			/* a fault's folio: its reference fails __remove_mapping,
			 * and it goes back to the list as it was */
			q_pop(s, x, &x->q[0], f);
			q_push_tail(s, x, &x->q[0], f);
			continue;
		}
		young = f->forder ? folio_young(s, f) : f->ref & YOUNG;
		if (!young)
			return f;
		q_pop(s, x, &x->q[0], f);
		if (young < 0) { /* locked under I/O: back to the list */
			q_push_tail(s, x, &x->q[0], f);
			continue;
		}
		if (f->ref & PGREF) { /* FOLIOREF_ACTIVATE */
			s->r->pgactivate += 1ull << f->forder;
			x->age += 1u << f->forder; /* workingset_age_nonresident */
			f->ref = PGREF;
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

void sr_kernel_flush(struct sr_sim *s)
{
	if (s->repl_priv)
		snapshot(s->repl_priv);
}

void sr_kernel_lists(const struct sr_sim *s, uint64_t *active, uint64_t *inactive)
{
	const struct pcl *x = s->repl_priv;

	*active = x ? x->q[1].np : 0;
	*inactive = x ? x->q[0].np : 0;
}

/* folio_mark_accessed() for one page of f's folio, as the load's page walk
 * calls it: the first call sets PG_referenced, the next one on the
 * inactive list activates the folio (and clears it), as workingset_activation
 * ages the nonresident clock. A folio as large as a page table's reach is
 * mapped by a PMD, which the walk touches instead (follow_huge_pmd). */
void sr_kernel_mark_accessed(struct sr_sim *s, struct sr_frame *f)
{
	struct pcl *x = s->repl_priv;
	struct sr_frame *h = f->forder ? folio_head(s, f) : NULL;
	uint64_t pmd = s->c->page * (s->c->page / 8);

	if (!h)
		h = f;
	if (h->key == UINT64_MAX || h->state != SR_FR_RES)
		return; /* not listed: a page of a folio whose first page went */
	if (h->forder && (s->c->page << h->forder) >= pmd)
		return;
	if (!(h->ref & PGREF)) {
		h->ref |= PGREF;
		return;
	}
	if (h->list == 1)
		return;
	q_remove(x, h);
	h->ref &= (uint8_t)~PGREF;
	s->r->pgactivate += 1ull << h->forder;
	x->age += 1u << h->forder;
	q_push_tail(s, x, &x->q[1], h);
}

const struct sr_repl_ops sr_repl_kernel = {
	.name = "kernel-lru", .init = k_init, .fini = k_fini, .insert = k_insert,
	.touch = k_touch, .remove = k_remove, .victim = k_victim, .alloc = k_alloc,
};
