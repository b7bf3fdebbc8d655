/* The oracle's replacement (policy/repl_min.c) against Belady's MIN done the
 * slow way: on random schedules of page uses, through the replacement's own
 * operations as the simulator calls them, every victim must be the resident
 * page used farthest ahead, every admission the one MIN with bypass makes,
 * and the misses those of a brute-force MIN. The schedules' next uses fall
 * 32 to a bucket, so buckets hold many frames, are added to out of order and
 * sorted when victims are first taken from them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "policy/sim_int.h"

#define NPOS 6000     /* page uses in a schedule */
#define FAR (1u << 24) /* one more run there: 2^24 uses in all, 32 a bucket */

static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct sched {
	uint32_t page[NPOS];
	uint64_t next[NPOS]; /* next use of the same page, UINT64_MAX: none */
};

/* Pages drawn from npages, a few of them far more often (a model's hot
 * tensors among its experts). */
static void make_sched(struct sched *sc, uint32_t npages)
{
	uint64_t last[4096];
	size_t i;

	for (i = 0; i < npages; i++)
		last[i] = UINT64_MAX;
	for (i = 0; i < NPOS; i++)
		sc->page[i] = (uint32_t)(rnd() % 4 ? rnd() % (npages / 8 + 1) : rnd() % npages);
	for (i = NPOS; i-- > 0;) {
		sc->next[i] = last[sc->page[i]];
		last[sc->page[i]] = i;
	}
}

/* Misses of MIN with bypass, each use on its own: a use whose next use is
 * later than every resident page's is read through. */
static uint64_t brute_misses(const struct sched *sc, uint32_t cap, uint32_t npages)
{
	uint64_t nu[4096], misses = 0;
	uint8_t res[4096] = { 0 };
	uint32_t n = 0, p, far, i;
	size_t t;

	for (t = 0; t < NPOS; t++) {
		p = sc->page[t];
		if (res[p]) {
			nu[p] = sc->next[t];
			continue;
		}
		misses++;
		if (n < cap) {
			if (sc->next[t] != UINT64_MAX) {
				res[p] = 1;
				nu[p] = sc->next[t];
				n++;
			}
			continue;
		}
		far = UINT32_MAX;
		for (i = 0; i < npages; i++)
			if (res[i] && (far == UINT32_MAX || nu[i] > nu[far]))
				far = i;
		if (sc->next[t] < nu[far]) {
			res[far] = 0;
			res[p] = 1;
			nu[p] = sc->next[t];
		}
	}
	return misses;
}

/* The same through sr_repl_min, checking each victim and admission. */
static uint64_t repl_misses(const struct sched *sc, uint32_t cap, uint32_t npages)
{
	struct sr_sim s = { 0 };
	struct sr_sim_result r = { 0 };
	struct sr_err e = { 0 };
	struct sr_frame *fr = calloc(cap, sizeof(*fr));
	struct sr_nu_run *runs = calloc(NPOS + 1, sizeof(*runs));
	uint32_t frame_of[4096], used = 0, i, far;
	uint64_t cur[4096], misses = 0;
	size_t t;

	assert_non_null(fr);
	assert_non_null(runs);
	for (t = 0; t < NPOS; t++)
		runs[t] = (struct sr_nu_run){ .start = t, .nu = sc->next[t], .len = 1 };
	runs[NPOS] = (struct sr_nu_run){ .start = FAR, .nu = UINT64_MAX, .len = 1 };
	s.nu = runs;
	s.nu_n = NPOS + 1;
	s.fr = fr;
	s.nfr = cap;
	s.fresh = cap; /* sr_sim_frame_free: no free frame (this test hands them out) */
	s.free_head = SR_NIL;
	s.r = &r;
	assert_int_equal(sr_repl_min.init(&s, &e), 0);
	for (i = 0; i < npages; i++)
		frame_of[i] = SR_NIL;
	for (t = 0; t < NPOS; t++) {
		uint32_t p = sc->page[t];
		struct sr_frame *f;

		s.pos = t;
		if (frame_of[p] != SR_NIL) { /* a hit: the access's touch */
			sr_repl_min.touch(&s, &fr[frame_of[p]]);
			cur[p] = sc->next[t];
			continue;
		}
		misses++;
		if (used < cap) {
			if (sc->next[t] == UINT64_MAX)
				continue; /* the simulator's admit with a frame free */
			f = &fr[used];
		} else {
			far = UINT32_MAX;
			for (i = 0; i < npages; i++)
				if (frame_of[i] != SR_NIL && (far == UINT32_MAX || cur[i] > cur[far]))
					far = i;
			f = sr_repl_min.victim(&s);
			assert_non_null(f);
			if (cur[f->page] != cur[far])
				fail_msg("use %zu: victim page %llu next used at %llu, page %u at %llu", t,
					 (unsigned long long)f->page, (unsigned long long)cur[f->page], far,
					 (unsigned long long)cur[far]);
			assert_int_equal(sr_repl_min.admit(&s, p), sc->next[t] < cur[far]);
			if (!(sc->next[t] < cur[far]))
				continue; /* read through */
			sr_repl_min.remove(&s, f);
			frame_of[f->page] = SR_NIL;
		}
		if (f == &fr[used])
			used++;
		*f = (struct sr_frame){ .page = p, .prev = SR_NIL, .next = SR_NIL, .state = SR_FR_RES };
		f->key = UINT64_MAX - sc->next[t];
		sr_repl_min.insert(&s, f, 0);
		sr_repl_min.touch(&s, f); /* the touch after the read: placed already */
		frame_of[p] = (uint32_t)(f - fr);
		cur[p] = sc->next[t];
	}
	sr_repl_min.fini(&s);
	free(runs);
	free(fr);
	return misses;
}

static void test_min_exact(void **state)
{
	static struct sched sc;
	static const uint32_t caps[] = { 4, 16, 64, 200 };
	static const uint32_t npages[] = { 40, 300, 2000 };
	size_t c, k, round;

	(void)state;
	for (round = 0; round < 3; round++)
		for (k = 0; k < sizeof(npages) / sizeof(npages[0]); k++) {
			make_sched(&sc, npages[k]);
			for (c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
				uint64_t want = brute_misses(&sc, caps[c], npages[k]);
				uint64_t got = repl_misses(&sc, caps[c], npages[k]);

				if (got != want)
					fail_msg("%u pages, %u frames: %llu misses, MIN has %llu", npages[k], caps[c],
						 (unsigned long long)got, (unsigned long long)want);
			}
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_min_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
