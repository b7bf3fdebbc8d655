/* Belady's MIN (the oracle): evict the resident page whose next use is
 * farthest, and read through a page used later than every resident one.
 *
 * Resident frames sit in buckets of next use (a bucket holds 2^sh page
 * accesses, kept in order through the frames' list links), pages never used
 * again in a list of their own. The victim is the last frame of the highest
 * bucket, found through a two-level bitmap of the buckets in use. A touch
 * moves a frame from the lowest bucket (its next use is now) to a high one,
 * usually its new end: O(1) where the heap this replaces sifted through its
 * whole depth twice per miss and once per hit, a cache miss a level. Next
 * uses are unique, so the victim is the same page the heap chose (pages
 * never used again tie, and which of them goes changes no count). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/sim_int.h"

#define MIN_BUCKETS (1u << 20)

struct sr_min {
	uint64_t *nu;           /* next use of each resident frame (UINT64_MAX: never) */
	struct sr_list *b;      /* MIN_BUCKETS buckets in next-use order */
	struct sr_list never;
	uint64_t map0[MIN_BUCKETS / 64], map1[MIN_BUCKETS / 64 / 64]; /* buckets in use */
	uint32_t top;           /* highest bucket in use, SR_NIL: none */
	unsigned sh;            /* bucket = next use >> sh */
	int sized;
};

static int min_init(struct sr_sim *s, struct sr_err *e)
{
	struct sr_min *m = calloc(1, sizeof(*m));
	uint32_t i;

	if (m) {
		m->nu = malloc((s->nfr ? s->nfr : 1) * sizeof(*m->nu));
		m->b = malloc(MIN_BUCKETS * sizeof(*m->b));
	}
	if (!m || !m->nu || !m->b) {
		if (m) {
			free(m->nu);
			free(m->b);
		}
		free(m);
		return sr_errf(e, -ENOMEM, "oracle: out of memory for %u frames", s->nfr);
	}
	for (i = 0; i < MIN_BUCKETS; i++) /* a store each, not a call each (sr_list_init) */
		m->b[i] = (struct sr_list){ SR_NIL, SR_NIL, 0 };
	sr_list_init(&m->never);
	m->top = SR_NIL;
	s->min = m;
	s->heap_n = 0;
	return 0;
}

static void min_fini(struct sr_sim *s)
{
	if (s->min) {
		free(s->min->nu);
		free(s->min->b);
		free(s->min);
		s->min = NULL;
	}
}

/* The bucket width: the schedule's page accesses spread over the buckets
 * (known once the next-use table is built, after init). */
static void size_buckets(struct sr_sim *s, struct sr_min *m)
{
	uint64_t n = s->nu_n ? s->nu[s->nu_n - 1].start + s->nu[s->nu_n - 1].len : 0;

	while (m->sh < 63 && (n >> m->sh) >= MIN_BUCKETS)
		m->sh++;
	m->sized = 1;
}

/* The highest bucket in use at or below b, SR_NIL: none. */
static uint32_t highest(const struct sr_min *m, uint32_t b)
{
	uint64_t w = b >> 6, bits = m->map0[w] & (~0ull >> (63 - (b & 63))), w1;

	if (bits)
		return (uint32_t)(w * 64 + 63 - (uint64_t)__builtin_clzll(bits));
	w1 = w >> 6;
	bits = (w & 63) ? m->map1[w1] & (~0ull >> (64 - (w & 63))) : 0;
	while (!bits) {
		if (!w1)
			return SR_NIL;
		bits = m->map1[--w1];
	}
	w = w1 * 64 + 63 - (uint64_t)__builtin_clzll(bits);
	return (uint32_t)(w * 64 + 63 - (uint64_t)__builtin_clzll(m->map0[w]));
}

static void place(struct sr_sim *s, struct sr_frame *f, uint64_t nu)
{
	struct sr_min *m = s->min;
	uint32_t i = (uint32_t)(f - s->fr), b, at;
	struct sr_list *l;

	m->nu[i] = nu;
	if (nu == UINT64_MAX) {
		sr_list_push_tail(s, &m->never, f);
		return;
	}
	if (!m->sized)
		size_buckets(s, m);
	b = (uint32_t)(nu >> m->sh);
	l = &m->b[b];
	/* in order: new next uses mostly come last */
	for (at = l->tail; at != SR_NIL && m->nu[at] > nu; at = s->fr[at].prev)
		;
	if (at == l->tail) {
		sr_list_push_tail(s, l, f);
	} else if (at == SR_NIL) {
		sr_list_push_head(s, l, f);
	} else {
		f->prev = at;
		f->next = s->fr[at].next;
		s->fr[f->next].prev = i;
		s->fr[at].next = i;
		l->n++;
	}
	if (l->n == 1) {
		m->map0[b >> 6] |= 1ull << (b & 63);
		m->map1[b >> 12] |= 1ull << ((b >> 6) & 63);
		if (m->top == SR_NIL || b > m->top)
			m->top = b;
	}
}

static void unplace(struct sr_sim *s, struct sr_frame *f)
{
	struct sr_min *m = s->min;
	uint64_t nu = m->nu[f - s->fr];
	uint32_t b;

	if (nu == UINT64_MAX) {
		sr_list_unlink(s, &m->never, f);
		return;
	}
	b = (uint32_t)(nu >> m->sh);
	sr_list_unlink(s, &m->b[b], f);
	if (m->b[b].n)
		return;
	m->map0[b >> 6] &= ~(1ull << (b & 63));
	if (!m->map0[b >> 6])
		m->map1[b >> 12] &= ~(1ull << ((b >> 6) & 63));
	if (b == m->top)
		m->top = highest(m, b);
}

static void min_insert(struct sr_sim *s, struct sr_frame *f, int prefetched)
{
	uint64_t key = f->key; /* UINT64_MAX - next use; the links take its place */

	(void)prefetched;
	s->heap_n++;
	place(s, f, UINT64_MAX - key);
}

static void min_touch(struct sr_sim *s, struct sr_frame *f)
{
	uint64_t nu = sr_sim_next_use(s);

	if (nu == s->min->nu[f - s->fr])
		return; /* read in for this access: placed already */
	unplace(s, f);
	place(s, f, nu);
}

static void min_remove(struct sr_sim *s, struct sr_frame *f)
{
	unplace(s, f);
	s->heap_n--;
}

static struct sr_frame *min_victim(struct sr_sim *s)
{
	struct sr_min *m = s->min;

	if (m->never.n)
		return &s->fr[m->never.head];
	return m->top == SR_NIL ? NULL : &s->fr[m->b[m->top].tail];
}

/* Caching a page used later than every resident one would only displace a
 * page needed sooner: read it through (MIN with bypass). */
static int min_admit(struct sr_sim *s, uint64_t page)
{
	uint64_t nu = sr_sim_next_use(s);
	struct sr_frame *v;

	(void)page;
	if (sr_sim_frame_free(s))
		return nu != UINT64_MAX;
	v = min_victim(s);
	if (!v)
		return 0;
	return nu < s->min->nu[v - s->fr];
}

const struct sr_repl_ops sr_repl_min = {
	.name = "min", .init = min_init, .fini = min_fini, .insert = min_insert,
	.touch = min_touch, .remove = min_remove, .victim = min_victim, .admit = min_admit,
};
