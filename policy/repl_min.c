/* Belady's MIN (the oracle): evict the resident page whose next use is
 * farthest, and read through a page used later than every resident one.
 *
 * Resident frames sit in buckets of next use (a bucket holds 2^sh page
 * accesses, linked through the frames' list links), pages never used again
 * in a list of their own. The victim is the last frame of the highest
 * bucket, found through a two-level bitmap of the buckets in use; only that
 * bucket need be in next-use order, so a bucket is sorted when it is the
 * highest and a victim is wanted, and kept in order while it is the highest
 * (adding in order to a bucket nobody takes victims from walked 19 frames
 * back, a cache miss each, for one frame in 20: a quarter of the oracle
 * row). A touch moves a frame from the lowest bucket (its next use is now)
 * to a high one: O(1) where the heap this replaces sifted through its whole
 * depth twice per miss and once per hit, a cache miss a level. Next uses
 * are unique, so the victim is the same page the heap chose (pages never
 * used again tie, and which of them goes changes no count). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/sim_int.h"

#define MIN_BUCKETS (1u << 20)

/* MIN's bits in a frame's ref (which no other part uses under MIN): they
 * say where a touched frame is without loading its next use, a cache miss
 * per touch in an array of 8 bytes a frame. */
#define MIN_FRESH 1 /* read in for the access under way: placed at the next use its touch would give */
#define MIN_NEVER 2 /* in the never list; else in the bucket of its next use */

/* A bucket: its frames, whether they are in next-use order, and then the
 * tail's next use less the bucket's first, so that adding a frame after
 * the tail loads no next use. */
struct min_bucket {
	struct sr_list l;
	uint32_t tail_off : 31;
	uint32_t sorted : 1;
};

struct sr_min {
	uint64_t *nu;           /* next use of each resident frame (UINT64_MAX: never) */
	struct min_bucket *b;   /* MIN_BUCKETS buckets in next-use order */
	struct sr_list never;
	uint64_t map0[MIN_BUCKETS / 64], map1[MIN_BUCKETS / 64 / 64]; /* buckets in use */
	uint32_t top;           /* highest bucket in use, SR_NIL: none */
	unsigned sh;            /* bucket = next use >> sh */
	int sized, tail_fits;
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
		m->b[i] = (struct min_bucket){ { SR_NIL, SR_NIL, 0 }, 0, 1 };
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
	m->tail_fits = m->sh <= 31; /* tail_off holds an offset within a bucket (2^51 page accesses and up: not) */
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
	uint32_t i = (uint32_t)(f - s->fr), b, at, off;
	struct min_bucket *k;
	struct sr_list *l;

	m->nu[i] = nu;
	if (nu == UINT64_MAX) {
		f->ref |= MIN_NEVER;
		sr_list_push_tail(s, &m->never, f);
		return;
	}
	f->ref &= (uint8_t)~MIN_NEVER;
	if (!m->sized)
		size_buckets(s, m);
	b = (uint32_t)(nu >> m->sh);
	k = &m->b[b];
	l = &k->l;
	off = (uint32_t)(nu - ((uint64_t)b << m->sh));
	if (!l->n || (k->sorted && m->tail_fits && off > k->tail_off)) { /* in order */
		sr_list_push_tail(s, l, f);
		k->tail_off = off & 0x7fffffffu;
		k->sorted = 1;
	} else if (!k->sorted || b != m->top) { /* sorted when victims are taken from it */
		sr_list_push_tail(s, l, f);
		k->sorted = 0;
	} else { /* the sorted highest bucket stays sorted */
		for (at = l->tail; at != SR_NIL && m->nu[at] > nu; at = s->fr[at].prev)
			;
		if (at == l->tail) {
			sr_list_push_tail(s, l, f);
			k->tail_off = off & 0x7fffffffu;
		} else if (at == SR_NIL) {
			sr_list_push_head(s, l, f);
		} else {
			f->prev = at;
			f->next = s->fr[at].next;
			s->fr[f->next].prev = i;
			s->fr[at].next = i;
			l->n++;
		}
	}
	if (l->n == 1) {
		m->map0[b >> 6] |= 1ull << (b & 63);
		m->map1[b >> 12] |= 1ull << ((b >> 6) & 63);
		if (m->top == SR_NIL || b > m->top)
			m->top = b;
	}
}

/* Put bucket b's frames in next-use order: a merge sort of the links in
 * place (S. Tatham's, for linked lists), no memory taken. */
static void sort_bucket(struct sr_sim *s, uint32_t b)
{
	struct sr_min *m = s->min;
	struct min_bucket *k = &m->b[b];
	struct sr_frame *fr = s->fr;
	uint32_t list = k->l.head, width, merges, at, prev = SR_NIL;

	if (k->sorted)
		return;
	for (width = 1, merges = 2; merges > 1; width *= 2) {
		uint32_t p = list, tail = SR_NIL;

		list = SR_NIL;
		merges = 0;
		while (p != SR_NIL) {
			uint32_t q = p, np = 0, nq = width, e;

			merges++;
			while (np < width && q != SR_NIL) {
				np++;
				q = fr[q].next;
			}
			while (np || (nq && q != SR_NIL)) {
				if (np && (!nq || q == SR_NIL || m->nu[p] <= m->nu[q])) {
					e = p;
					p = fr[p].next;
					np--;
				} else {
					e = q;
					q = fr[q].next;
					nq--;
				}
				if (tail != SR_NIL)
					fr[tail].next = e;
				else
					list = e;
				tail = e;
			}
			p = q;
		}
		fr[tail].next = SR_NIL;
	}
	for (at = list; at != SR_NIL; at = fr[at].next) {
		fr[at].prev = prev;
		prev = at;
	}
	k->l.head = list;
	k->l.tail = prev;
	k->tail_off = (uint32_t)(m->nu[prev] - ((uint64_t)b << m->sh)) & 0x7fffffffu;
	k->sorted = 1;
}

/* Take f, placed at next use nu, out of its list. */
static void unplace(struct sr_sim *s, struct sr_frame *f, uint64_t nu)
{
	struct sr_min *m = s->min;
	struct min_bucket *k;
	uint32_t b;

	if (nu == UINT64_MAX) {
		sr_list_unlink(s, &m->never, f);
		return;
	}
	b = (uint32_t)(nu >> m->sh);
	k = &m->b[b];
	if (k->sorted && k->l.tail == (uint32_t)(f - s->fr) && f->prev != SR_NIL)
		k->tail_off = (uint32_t)(m->nu[f->prev] - ((uint64_t)b << m->sh)) & 0x7fffffffu;
	sr_list_unlink(s, &k->l, f);
	if (k->l.n)
		return;
	m->map0[b >> 6] &= ~(1ull << (b & 63));
	if (!m->map0[b >> 6])
		m->map1[b >> 12] &= ~(1ull << ((b >> 6) & 63));
	if (b == m->top)
		m->top = highest(m, b);
}

static void min_insert(struct sr_sim *s, struct sr_frame *f, int prefetched)
{
	uint64_t nu = UINT64_MAX - f->key; /* the key was UINT64_MAX - next use; the links take its place */

	(void)prefetched;
	s->heap_n++;
	place(s, f, nu);
	/* a demand read's next use is the one its touch in this access finds
	 * (a prefetch's key is 0: never, moved at its first touch) */
	if (nu != UINT64_MAX)
		f->ref |= MIN_FRESH;
}

/* A touched frame not read in by this access was placed at the use now
 * under way (its last touch found it), or in the never list (a prefetch
 * not used yet): its next use needs no load. */
static void min_touch(struct sr_sim *s, struct sr_frame *f)
{
	uint64_t nu, old;

	if (f->ref & MIN_FRESH) {
		f->ref &= (uint8_t)~MIN_FRESH;
		return; /* read in for this access: placed already */
	}
	nu = sr_sim_next_use(s);
	old = (f->ref & MIN_NEVER) ? UINT64_MAX : s->pos;
	if (nu == old)
		return;
	unplace(s, f, old);
	place(s, f, nu);
}

static void min_remove(struct sr_sim *s, struct sr_frame *f)
{
	unplace(s, f, s->min->nu[f - s->fr]);
	s->heap_n--;
}

static struct sr_frame *min_victim(struct sr_sim *s)
{
	struct sr_min *m = s->min;

	if (m->never.n)
		return &s->fr[m->never.head];
	if (m->top == SR_NIL)
		return NULL;
	sort_bucket(s, m->top);
	return &s->fr[m->b[m->top].l.tail];
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
