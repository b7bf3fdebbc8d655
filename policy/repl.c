/* Replacement algorithms: which resident, unpinned page leaves when a frame
 * is needed. Lists and heaps index the manager's frame array; nothing here
 * allocates per access. */
#include <errno.h>
#include <stdlib.h>

#include "policy/sim_int.h"

void sr_list_init(struct sr_list *l)
{
	l->head = l->tail = SR_NIL;
	l->n = 0;
}

static void list_push_tail(struct sr_sim *s, struct sr_list *l, struct sr_frame *f)
{
	sr_list_push_tail(s, l, f);
}

static void list_push_head(struct sr_sim *s, struct sr_list *l, struct sr_frame *f)
{
	sr_list_push_head(s, l, f);
}

static void list_unlink(struct sr_sim *s, struct sr_list *l, struct sr_frame *f)
{
	sr_list_unlink(s, l, f);
}

static int list_init(struct sr_sim *s, struct sr_err *e)
{
	(void)e;
	sr_list_init(&s->l[0]);
	sr_list_init(&s->l[1]);
	return 0;
}

static void list_fini(struct sr_sim *s)
{
	(void)s;
}

/* LRU: the tail is the most recently used. */
static void lru_insert(struct sr_sim *s, struct sr_frame *f, int prefetched)
{
	(void)prefetched;
	list_push_tail(s, &s->l[0], f);
}

static void lru_touch(struct sr_sim *s, struct sr_frame *f)
{
	list_unlink(s, &s->l[0], f);
	list_push_tail(s, &s->l[0], f);
}

static void lru_remove(struct sr_sim *s, struct sr_frame *f)
{
	list_unlink(s, &s->l[0], f);
}

static struct sr_frame *lru_victim(struct sr_sim *s)
{
	return s->l[0].head == SR_NIL ? NULL : &s->fr[s->l[0].head];
}

static void lru_cold(struct sr_sim *s, struct sr_frame *f)
{
	list_unlink(s, &s->l[0], f);
	list_push_head(s, &s->l[0], f);
}

const struct sr_repl_ops sr_repl_lru = {
	.name = "lru", .init = list_init, .fini = list_fini, .insert = lru_insert,
	.touch = lru_touch, .remove = lru_remove, .victim = lru_victim, .cold = lru_cold,
};

static void fifo_touch(struct sr_sim *s, struct sr_frame *f)
{
	(void)s;
	(void)f;
}

const struct sr_repl_ops sr_repl_fifo = {
	.name = "fifo", .init = list_init, .fini = list_fini, .insert = lru_insert,
	.touch = fifo_touch, .remove = lru_remove, .victim = lru_victim,
};

/* CLOCK: a hand sweeps the frame array; a referenced page gets a second chance. */
static void clock_insert(struct sr_sim *s, struct sr_frame *f, int prefetched)
{
	f->ref = !prefetched;
	s->l[0].n++;
}

static void clock_touch(struct sr_sim *s, struct sr_frame *f)
{
	(void)s;
	f->ref = 1;
}

static void clock_remove(struct sr_sim *s, struct sr_frame *f)
{
	(void)f;
	s->l[0].n--;
}

static struct sr_frame *clock_victim(struct sr_sim *s)
{
	uint64_t i;

	if (!s->l[0].n)
		return NULL;
	for (i = 0; i <= 2ull * s->nfr; i++) {
		struct sr_frame *f = &s->fr[s->hand];

		s->hand = s->hand + 1 == s->nfr ? 0 : s->hand + 1;
		if (f->state != SR_FR_RES || f->pinned)
			continue;
		if (f->ref) {
			f->ref = 0;
			continue;
		}
		return f;
	}
	return NULL;
}

const struct sr_repl_ops sr_repl_clock = {
	.name = "clock", .init = list_init, .fini = list_fini, .insert = clock_insert,
	.touch = clock_touch, .remove = clock_remove, .victim = clock_victim,
};

/* An indexed 4-ary min-heap on frame keys (lfu; MIN is in repl_min.c). Each slot holds
 * its key beside the frame index, so a sift compares within the heap array
 * and touches a frame only to record its new position (the frame array is
 * large and a key read through it missed the cache on most levels). Four
 * children share a cache line and the heap is half as deep as a binary
 * one: an eviction's sift from the root writes half as many frames. Keys
 * that tie are interchangeable (MIN: pages never used again; lfu keys
 * carry recency), so the order among them does not change a result. */
#define HEAP_D 4

static void heap_set(struct sr_sim *s, uint32_t i, struct sr_heapent he)
{
	s->heap[i] = he;
	s->fr[he.fr].hpos = i;
}

static void heap_up(struct sr_sim *s, uint32_t i)
{
	struct sr_heapent he = s->heap[i];

	while (i) {
		uint32_t p = (i - 1) / HEAP_D;

		if (s->heap[p].key <= he.key)
			break;
		heap_set(s, i, s->heap[p]);
		i = p;
	}
	heap_set(s, i, he);
}

static void heap_down(struct sr_sim *s, uint32_t i)
{
	struct sr_heapent he = s->heap[i];
	uint32_t n = s->heap_n;

	for (;;) {
		uint32_t c = HEAP_D * i + 1, end = c + HEAP_D < n ? c + HEAP_D : n, m = i;
		uint64_t mk = he.key;

		for (; c < end; c++)
			if (s->heap[c].key < mk) {
				m = c;
				mk = s->heap[c].key;
			}
		if (m == i)
			break;
		heap_set(s, i, s->heap[m]);
		i = m;
	}
	heap_set(s, i, he);
}

static void heap_push(struct sr_sim *s, struct sr_frame *f, uint64_t key)
{
	uint32_t i = s->heap_n++;

	s->heap[i] = (struct sr_heapent){ .key = key, .fr = (uint32_t)(f - s->fr) };
	f->hpos = i;
	heap_up(s, i);
}

/* Slot i's key becomes key: restore the order. */
static void heap_fix(struct sr_sim *s, uint32_t i, uint64_t key)
{
	s->heap[i].key = key;
	if (i && s->heap[(i - 1) / HEAP_D].key > key)
		heap_up(s, i);
	else
		heap_down(s, i);
}

static void heap_del(struct sr_sim *s, struct sr_frame *f)
{
	uint32_t i = f->hpos, last = --s->heap_n;

	if (i != last) {
		heap_set(s, i, s->heap[last]);
		heap_fix(s, i, s->heap[i].key);
	}
	f->hpos = SR_NIL;
}

static struct sr_frame *heap_victim(struct sr_sim *s)
{
	return s->heap_n ? &s->fr[s->heap[0].fr] : NULL;
}

static int heap_init(struct sr_sim *s, struct sr_err *e)
{
	s->heap = calloc(s->nfr ? s->nfr : 1, sizeof(*s->heap));
	if (!s->heap)
		return sr_errf(e, -ENOMEM, "out of memory for %u frames", s->nfr);
	s->heap_n = 0;
	return 0;
}

/* LFU over tags: how often the tensor (or expert slice) a page belongs to
 * was accessed; ties go to the least recently used. Counts live in an
 * open-addressing table keyed by tag that doubles past half full (a trace's
 * own tag column may hold any number of distinct tags). */
static uint64_t lfu_find(const uint32_t *keys, uint64_t mask, uint32_t tag)
{
	uint64_t h = (tag * 0x9E3779B97F4A7C15ull) >> 20;

	while (keys[h & mask] != tag && keys[h & mask] != SR_NIL)
		h++;
	return h & mask;
}

static int lfu_alloc(struct sr_sim *s, uint64_t n)
{
	uint32_t *keys = malloc(n * sizeof(*keys));
	uint64_t *cnt = calloc(n, sizeof(*cnt)), i;

	if (!keys || !cnt) {
		free(keys);
		free(cnt);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		keys[i] = SR_NIL;
	if (s->tag_keys)
		for (i = 0; i <= s->tag_mask; i++)
			if (s->tag_keys[i] != SR_NIL) {
				uint64_t j = lfu_find(keys, n - 1, s->tag_keys[i]);

				keys[j] = s->tag_keys[i];
				cnt[j] = s->tag_cnt[i];
			}
	free(s->tag_keys);
	free(s->tag_cnt);
	s->tag_keys = keys;
	s->tag_cnt = cnt;
	s->tag_mask = n - 1;
	return 0;
}

/* The count of tag (0 for a tag never counted); add: count one more use. */
static uint64_t lfu_count(struct sr_sim *s, uint32_t tag, int add)
{
	uint64_t i = lfu_find(s->tag_keys, s->tag_mask, tag);

	if (s->tag_keys[i] == SR_NIL) {
		if (!add)
			return 0;
		if ((s->tag_used + 1) * 2 > s->tag_mask + 1) {
			if (lfu_alloc(s, (s->tag_mask + 1) * 2))
				return 0; /* out of memory: this use goes uncounted */
			i = lfu_find(s->tag_keys, s->tag_mask, tag);
		}
		s->tag_keys[i] = tag;
		s->tag_used++;
	}
	return add ? ++s->tag_cnt[i] : s->tag_cnt[i];
}

static int lfu_init(struct sr_sim *s, struct sr_err *e)
{
	if (heap_init(s, e))
		return -ENOMEM;
	free(s->tag_keys);
	free(s->tag_cnt);
	s->tag_keys = NULL;
	s->tag_cnt = NULL;
	s->tag_used = 0;
	if (lfu_alloc(s, 1 << 16))
		return sr_errf(e, -ENOMEM, "out of memory for tag counts");
	return 0;
}

static void lfu_fini(struct sr_sim *s)
{
	free(s->heap);
	free(s->tag_keys);
	free(s->tag_cnt);
	s->heap = NULL;
	s->tag_keys = NULL;
	s->tag_cnt = NULL;
}

/* count in the high bits, recency below: the smallest key is the least
 * frequently, then least recently, used page. */
static uint64_t lfu_key(struct sr_sim *s, struct sr_frame *f)
{
	uint64_t cnt = lfu_count(s, f->tag, 0);

	if (cnt > 0xFFFFFF)
		cnt = 0xFFFFFF;
	return cnt << 40 | (s->clock & ((1ull << 40) - 1));
}

static void lfu_insert(struct sr_sim *s, struct sr_frame *f, int prefetched)
{
	(void)prefetched;
	heap_push(s, f, lfu_key(s, f));
}

static void lfu_touch(struct sr_sim *s, struct sr_frame *f)
{
	s->clock++;
	heap_fix(s, f->hpos, lfu_key(s, f));
}

const struct sr_repl_ops sr_repl_lfu = {
	.name = "lfu", .init = lfu_init, .fini = lfu_fini, .insert = lfu_insert,
	.touch = lfu_touch, .remove = heap_del, .victim = heap_victim,
};

/* Called by the manager once per access (not per page): a tag's use count. */
void sr_repl_lfu_count(struct sr_sim *s, uint32_t tag)
{
	if (s->tag_keys)
		lfu_count(s, tag, 1);
}

/* The kernel's two LRU lists, approximated: pages enter the inactive list;
 * a second access while there promotes them to the active list; reclaim
 * takes from the inactive tail after moving active pages down so the
 * inactive list is not smaller than the active one (inactive_is_low), and
 * gives a referenced inactive page one more round. */
static void q2_insert(struct sr_sim *s, struct sr_frame *f, int prefetched)
{
	(void)prefetched;
	f->list = 0;
	f->ref = 0;
	list_push_tail(s, &s->l[0], f);
}

static void q2_touch(struct sr_sim *s, struct sr_frame *f)
{
	if (f->list == 0 && f->ref) {
		list_unlink(s, &s->l[0], f);
		f->list = 1;
		f->ref = 0;
		list_push_tail(s, &s->l[1], f);
	} else if (f->list == 0) {
		f->ref = 1;
	} else {
		f->ref = 1;
	}
}

static void q2_remove(struct sr_sim *s, struct sr_frame *f)
{
	list_unlink(s, &s->l[f->list], f);
}

static struct sr_frame *q2_victim(struct sr_sim *s)
{
	uint32_t tries;

	while (s->l[1].n > s->l[0].n) {
		struct sr_frame *a = &s->fr[s->l[1].head];

		list_unlink(s, &s->l[1], a);
		a->list = 0;
		if (a->ref) { /* referenced active page: rotate, as shrink_active_list keeps it */
			a->ref = 0;
			a->list = 1;
			list_push_tail(s, &s->l[1], a);
			continue;
		}
		list_push_tail(s, &s->l[0], a);
	}
	for (tries = s->l[0].n; tries; tries--) {
		struct sr_frame *f = &s->fr[s->l[0].head];

		if (!f->ref)
			return f;
		f->ref = 0;
		list_unlink(s, &s->l[0], f);
		list_push_tail(s, &s->l[0], f);
	}
	if (s->l[0].n)
		return &s->fr[s->l[0].head];
	return s->l[1].n ? &s->fr[s->l[1].head] : NULL;
}

/* MADV_COLD (deactivate_page): to the inactive list, unreferenced; here at
 * the reclaim end so it goes before pages that were never advised. */
static void q2_cold(struct sr_sim *s, struct sr_frame *f)
{
	list_unlink(s, &s->l[f->list], f);
	f->list = 0;
	f->ref = 0;
	list_push_head(s, &s->l[0], f);
}

const struct sr_repl_ops sr_repl_2q = {
	.name = "2q", .init = list_init, .fini = list_fini, .insert = q2_insert,
	.touch = q2_touch, .remove = q2_remove, .victim = q2_victim, .cold = q2_cold,
};
