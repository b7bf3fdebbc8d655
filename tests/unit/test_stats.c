#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/stats.h"

#define US 1000ull
#define MS 1000000ull
#define SEC 1000000000ull

static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
	rng_state = seed ? seed : 0x9e3779b97f4a7c15ull;
}

/* xorshift64*: deterministic, so failures reproduce. */
static uint64_t rng_next(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Uniform in (0, 1]. */
static double rng_unit(void)
{
	return ((double)(rng_next() >> 11) + 1.0) / 9007199254740992.0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The rank-th smallest (1-based, ceil(p/100*n)) of a sorted array. */
static uint64_t exact_pct(const uint64_t *sorted, size_t n, double p)
{
	double r = ceil(p / 100.0 * (double)n - 1e-9);
	size_t rank = r < 1.0 ? 1 : (size_t)r;

	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

static struct sr_hist *hist_new(void)
{
	struct sr_hist *h = malloc(sizeof(*h));

	assert_non_null(h);
	sr_hist_init(h);
	return h;
}

/* |got - want| must be within the bucket width bound: want/64, plus one
 * for the integer midpoint. */
static void assert_within_bucket(uint64_t got, uint64_t want)
{
	uint64_t d = got > want ? got - want : want - got;

	if (d > want / SR_HIST_SUB + 1)
		fail_msg("got %llu want %llu (diff %llu)", (unsigned long long)got,
			 (unsigned long long)want, (unsigned long long)d);
}

static void test_empty(void **state)
{
	struct sr_hist *h = hist_new();

	(void)state;
	assert_int_equal(h->n, 0);
	assert_int_equal(sr_hist_pct(h, 50), 0);
	assert_int_equal(sr_hist_pct(h, 100), 0);
	assert_true(sr_hist_mean(h) == 0.0);
	assert_true(sr_hist_stddev(h) == 0.0);
	free(h);
}

static void test_small_exact(void **state)
{
	struct sr_hist *h = hist_new();
	unsigned v, r;

	(void)state;
	for (v = 0; v < SR_HIST_SUB; v++) {
		assert_int_equal(sr_hist_bucket(v), v);
		sr_hist_add(h, v);
	}
	/* the next octave is exact too (width 1) */
	for (v = SR_HIST_SUB; v < 2 * SR_HIST_SUB; v++)
		assert_int_equal(sr_hist_bucket(v), v);
	for (v = 0; v < SR_HIST_SUB; v++)
		assert_int_equal(h->b[v], 1);
	assert_int_equal(h->n, SR_HIST_SUB);
	assert_int_equal(h->min, 0);
	assert_int_equal(h->max, SR_HIST_SUB - 1);
	/* rank r is value r-1 */
	for (r = 1; r <= SR_HIST_SUB; r++)
		assert_int_equal(sr_hist_pct(h, r * 100.0 / SR_HIST_SUB), r - 1);
	assert_int_equal(sr_hist_pct(h, 50), 31);
	assert_int_equal(sr_hist_pct(h, 0.001), 0);
	assert_int_equal(sr_hist_pct(h, 100), 63);
	free(h);
}

static void test_bucket_range_contiguous(void **state)
{
	uint64_t lo, hi, plo, phi;
	unsigned i;

	(void)state;
	sr_hist_bucket_range(0, &lo, &hi);
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 0);
	for (i = 1; i < SR_HIST_BUCKETS; i++) {
		sr_hist_bucket_range(i - 1, &plo, &phi);
		sr_hist_bucket_range(i, &lo, &hi);
		assert_true(lo <= hi);
		assert_true(phi < lo); /* increasing */
		assert_int_equal(phi + 1, lo); /* contiguous */
		assert_int_equal(sr_hist_bucket(lo), i);
		assert_int_equal(sr_hist_bucket(hi), i);
		assert_true(hi - lo + 1 <= (lo / SR_HIST_SUB > 0 ? lo / SR_HIST_SUB + 1 : 1));
	}
	/* the last bucket ends at the top of the range */
	assert_int_equal(hi, UINT64_MAX);
	assert_int_equal(sr_hist_bucket(UINT64_MAX), SR_HIST_BUCKETS - 1);
	assert_int_equal(sr_hist_bucket(1ull << 63), SR_HIST_BUCKETS - SR_HIST_SUB);
}

static void test_bucket_range_random(void **state)
{
	uint64_t v, lo, hi, w, bound;
	unsigned i, b;

	(void)state;
	rng_seed(42);
	for (i = 0; i < 200000; i++) {
		/* log-uniform-ish magnitudes so every octave is hit */
		v = rng_next() >> (rng_next() % 64);
		b = sr_hist_bucket(v);
		assert_true(b < SR_HIST_BUCKETS);
		sr_hist_bucket_range(b, &lo, &hi);
		assert_true(lo <= v);
		assert_true(v <= hi);
		w = hi - lo + 1;
		bound = lo / SR_HIST_SUB + 1;
		assert_true(w <= (bound > 1 ? bound : 1));
	}
}

static void test_uniform_1m(void **state)
{
	static const double ps[] = { 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99 };
	struct sr_hist *h = hist_new();
	const uint64_t n = 1000000;
	uint64_t v, got, want, d;
	double sd;
	size_t i;

	(void)state;
	for (v = 1; v <= n; v++)
		sr_hist_add(h, v);
	assert_int_equal(h->n, n);
	assert_int_equal(h->min, 1);
	assert_int_equal(h->max, n);
	/* sorted 1..n: the rank-th smallest is rank */
	for (i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		want = (uint64_t)ceil(ps[i] / 100.0 * (double)n - 1e-9);
		got = sr_hist_pct(h, ps[i]);
		d = got > want ? got - want : want - got;
		if ((double)d > 0.016 * (double)want)
			fail_msg("p%g: got %llu want %llu", ps[i], (unsigned long long)got,
				 (unsigned long long)want);
		assert_within_bucket(got, want);
	}
	assert_int_equal(sr_hist_pct(h, 100), n);
	assert_int_equal(sr_hist_pct(h, 1e-9), 1);
	assert_float_equal(sr_hist_mean(h), 500000.5, 1e-6);
	sd = sqrt(((double)n * (double)n - 1.0) / 12.0);
	assert_float_equal(sr_hist_stddev(h), sd, sd * 1e-9);
	free(h);
}

static void test_exponential_vs_sorted(void **state)
{
	static const double ps[] = { 1, 50, 90, 99, 99.9, 99.99 };
	enum { N = 200000 };
	struct sr_hist *h = hist_new();
	uint64_t *vals = malloc(N * sizeof(*vals));
	double mean = 0;
	size_t i;

	(void)state;
	assert_non_null(vals);
	rng_seed(7);
	for (i = 0; i < N; i++) {
		vals[i] = (uint64_t)(-log(rng_unit()) * 100.0 * US); /* mean 100us */
		sr_hist_add(h, vals[i]);
		mean += (double)vals[i];
	}
	mean /= N;
	qsort(vals, N, sizeof(*vals), cmp_u64);
	for (i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
		assert_within_bucket(sr_hist_pct(h, ps[i]), exact_pct(vals, N, ps[i]));
	/* median of exp(mean m) is m ln 2 */
	assert_float_equal((double)sr_hist_pct(h, 50), 100.0 * US * log(2.0), 2.0 * US);
	assert_float_equal(sr_hist_mean(h), mean, 1e-6 * mean);
	assert_float_equal(sr_hist_mean(h), 100.0 * US, 2.0 * US);
	/* stddev of an exponential equals its mean */
	assert_float_equal(sr_hist_stddev(h), 100.0 * US, 3.0 * US);
	assert_int_equal(h->min, vals[0]);
	assert_int_equal(h->max, vals[N - 1]);
	assert_int_equal(sr_hist_pct(h, 100), vals[N - 1]);
	free(vals);
	free(h);
}

/* Exactly 99% at A, 1% at B: p99 is A and anything above is B. */
static void test_two_point(void **state)
{
	static const uint64_t ns[] = { 100, 1000, 12300, 100000 };
	const uint64_t a = 100 * US, b = 10 * MS;
	size_t k;
	uint64_t i;

	(void)state;
	for (k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		struct sr_hist *h = hist_new();
		uint64_t n = ns[k], na = n / 100 * 99;

		for (i = 0; i < na; i++)
			sr_hist_add(h, a);
		for (; i < n; i++)
			sr_hist_add(h, b);
		assert_int_equal(sr_hist_pct(h, 50), a);
		assert_int_equal(sr_hist_pct(h, 90), a);
		assert_int_equal(sr_hist_pct(h, 99), a);
		assert_int_equal(sr_hist_pct(h, 99.1), b);
		assert_int_equal(sr_hist_pct(h, 99.9), b);
		assert_int_equal(sr_hist_pct(h, 100), b);
		assert_float_equal(sr_hist_mean(h), 0.99 * a + 0.01 * b, 1e-6 * b);
		free(h);
	}
}

/* 99.9% at A: 99.9/100 * 1000 is 999.0000000000001 in doubles, which a
 * naive ceil turns into rank 1000 (B). */
static void test_rank_rounding(void **state)
{
	static const uint64_t ns[] = { 1000, 5000 };
	const uint64_t a = 100 * US, b = 10 * MS;
	size_t k;
	uint64_t i;

	(void)state;
	for (k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		struct sr_hist *h = hist_new();
		uint64_t n = ns[k], na = n / 1000 * 999;

		for (i = 0; i < na; i++)
			sr_hist_add(h, a);
		for (; i < n; i++)
			sr_hist_add(h, b);
		assert_int_equal(sr_hist_pct(h, 99.9), a);
		assert_int_equal(sr_hist_pct(h, 99.91), b);
		free(h);
	}
}

static void test_merge(void **state)
{
	struct sr_hist *x = hist_new(), *y = hist_new(), *both = hist_new();
	struct sr_hist *empty = hist_new();
	uint64_t v;
	int i;

	(void)state;
	rng_seed(1234);
	for (i = 0; i < 50000; i++) {
		v = rng_next() % (50 * MS);
		sr_hist_add(x, v);
		sr_hist_add(both, v);
	}
	for (i = 0; i < 30000; i++) {
		v = 7 + rng_next() % (3 * MS);
		sr_hist_add(y, v);
		sr_hist_add(both, v);
	}
	sr_hist_merge(x, y);
	assert_int_equal(x->n, both->n);
	assert_int_equal(x->min, both->min);
	assert_int_equal(x->max, both->max);
	assert_memory_equal(x->b, both->b, sizeof(x->b));
	assert_float_equal(x->sum, both->sum, 1e-9 * both->sum);
	assert_float_equal(x->sumsq, both->sumsq, 1e-9 * both->sumsq);
	assert_int_equal(sr_hist_pct(x, 99), sr_hist_pct(both, 99));

	/* merging an empty histogram changes nothing, into one copies */
	sr_hist_merge(x, empty);
	assert_int_equal(x->n, both->n);
	assert_int_equal(x->min, both->min);
	sr_hist_merge(empty, y);
	assert_int_equal(empty->n, y->n);
	assert_int_equal(empty->min, y->min);
	assert_int_equal(empty->max, y->max);
	assert_memory_equal(empty->b, y->b, sizeof(y->b));
	free(x);
	free(y);
	free(both);
	free(empty);
}

static void test_stddev(void **state)
{
	static const uint64_t set[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	struct sr_hist *h = hist_new();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(set) / sizeof(set[0]); i++)
		sr_hist_add(h, set[i]);
	assert_float_equal(sr_hist_mean(h), 5.0, 1e-12);
	assert_float_equal(sr_hist_stddev(h), 2.0, 1e-12);

	/* variance from sum/sumsq can round negative: must give 0, not NaN */
	sr_hist_init(h);
	h->n = 1;
	h->sum = 3.0;
	h->sumsq = 8.999;
	assert_true(sr_hist_stddev(h) == 0.0);

	/* constant large values: sum/sumsq cancels catastrophically, but the
	 * result stays finite and tiny next to the mean */
	sr_hist_init(h);
	for (i = 0; i < 1000; i++)
		sr_hist_add(h, 1234567891ull);
	assert_false(isnan(sr_hist_stddev(h)));
	assert_true(sr_hist_stddev(h) < 1e-6 * 1234567891.0);
	assert_float_equal(sr_hist_mean(h), 1234567891.0, 1e-3);

	/* one sample: stddev 0 */
	sr_hist_init(h);
	sr_hist_add(h, 42);
	assert_true(sr_hist_stddev(h) == 0.0);
	free(h);
}

static void test_huge_values(void **state)
{
	struct sr_hist *h = hist_new();

	(void)state;
	sr_hist_add(h, UINT64_MAX);
	assert_int_equal(h->b[SR_HIST_BUCKETS - 1], 1);
	assert_int_equal(sr_hist_pct(h, 50), UINT64_MAX);
	sr_hist_add(h, 0);
	assert_int_equal(sr_hist_pct(h, 50), 0);
	assert_int_equal(sr_hist_pct(h, 100), UINT64_MAX);
	free(h);
}

static void test_timeline(void **state)
{
	struct sr_timeline t = { 0 };
	size_t i, cap;

	(void)state;
	assert_int_equal(sr_timeline_add(&t, 500 * MS, SR_OP_READ, 4096), 0);
	assert_int_equal(sr_timeline_add(&t, 1500 * MS, SR_OP_READ, 8192), 0);
	assert_int_equal(sr_timeline_add(&t, 1700 * MS, SR_OP_WRITE, 512), 0);
	assert_int_equal(sr_timeline_add(&t, 10200 * MS, SR_OP_READ, 100), 0);
	assert_int_equal(t.n, 11);
	assert_true(t.cap >= t.n);
	assert_int_equal(t.s[0].bytes[0], 4096);
	assert_int_equal(t.s[0].ios[0], 1);
	assert_int_equal(t.s[0].ios[1], 0);
	assert_int_equal(t.s[1].bytes[0], 8192);
	assert_int_equal(t.s[1].ios[0], 1);
	assert_int_equal(t.s[1].bytes[1], 512);
	assert_int_equal(t.s[1].ios[1], 1);
	for (i = 2; i < 10; i++) {
		assert_int_equal(t.s[i].ios[0] + t.s[i].ios[1], 0);
		assert_int_equal(t.s[i].bytes[0] + t.s[i].bytes[1], 0);
	}
	assert_int_equal(t.s[10].bytes[0], 100);
	assert_int_equal(t.s[10].ios[0], 1);

	/* second boundaries */
	assert_int_equal(sr_timeline_add(&t, SEC - 1, SR_OP_WRITE, 1), 0);
	assert_int_equal(sr_timeline_add(&t, SEC, SR_OP_WRITE, 2), 0);
	assert_int_equal(t.s[0].bytes[1], 1);
	assert_int_equal(t.s[1].bytes[1], 514);
	assert_int_equal(t.s[1].ios[1], 2);

	/* other ops are ignored */
	assert_int_equal(sr_timeline_add(&t, 20 * SEC, SR_OP_TRIM, 1), 0);
	assert_int_equal(sr_timeline_add(&t, 20 * SEC, -1, 1), 0);
	assert_int_equal(t.n, 11);

	/* grow well past the current capacity, in two steps */
	cap = t.cap;
	assert_int_equal(sr_timeline_add(&t, cap * SEC + 3 * MS, SR_OP_WRITE, 7), 0);
	assert_int_equal(t.n, cap + 1);
	assert_true(t.cap >= 2 * cap); /* grows by doubling */
	assert_int_equal(sr_timeline_add(&t, 5000 * SEC, SR_OP_READ, 9), 0);
	assert_int_equal(t.n, 5001);
	assert_true(t.cap >= 5001);
	/* old slots survived the reallocs, new ones are zero */
	assert_int_equal(t.s[0].bytes[0], 4096);
	assert_int_equal(t.s[1].bytes[0], 8192);
	assert_int_equal(t.s[10].bytes[0], 100);
	assert_int_equal(t.s[cap].bytes[1], 7);
	assert_int_equal(t.s[cap].ios[1], 1);
	assert_int_equal(t.s[5000].bytes[0], 9);
	for (i = 11; i < t.cap; i++) {
		if (i == cap || i == 5000)
			continue;
		if (t.s[i].ios[0] | t.s[i].ios[1] | t.s[i].bytes[0] | t.s[i].bytes[1])
			fail_msg("slot %zu not zero", i);
	}
	/* an earlier second does not shrink n */
	assert_int_equal(sr_timeline_add(&t, 3 * SEC, SR_OP_READ, 1), 0);
	assert_int_equal(t.n, 5001);
	sr_timeline_free(&t);
	assert_null(t.s);
	assert_int_equal(t.n, 0);
	assert_int_equal(t.cap, 0);
}

/* One second after another: reallocs are O(log n), not O(n). */
static void test_timeline_amortised(void **state)
{
	struct sr_timeline t = { 0 };
	size_t cap = 0, grows = 0;
	uint64_t sec;

	(void)state;
	for (sec = 0; sec < 100000; sec++) {
		assert_int_equal(sr_timeline_add(&t, sec * SEC + 1, SR_OP_READ, 4096), 0);
		if (t.cap != cap) {
			assert_true(t.cap >= 2 * cap);
			cap = t.cap;
			grows++;
		}
	}
	assert_int_equal(t.n, 100000);
	assert_true(grows <= 18);
	assert_int_equal(t.s[0].bytes[0], 4096);
	assert_int_equal(t.s[99999].ios[0], 1);
	sr_timeline_free(&t);
}

static unsigned size_bucket_of(uint64_t len)
{
	struct sr_size_hist h;
	unsigned k, found = SR_SIZE_BUCKETS, hits = 0;

	memset(&h, 0, sizeof(h));
	sr_size_hist_add(&h, len);
	for (k = 0; k < SR_SIZE_BUCKETS; k++) {
		hits += h.b[k];
		if (h.b[k])
			found = k;
	}
	assert_int_equal(hits, 1);
	return found;
}

static void test_size_hist(void **state)
{
	(void)state;
	assert_int_equal(size_bucket_of(0), 0);
	assert_int_equal(size_bucket_of(1), 0);
	assert_int_equal(size_bucket_of(2), 1);
	assert_int_equal(size_bucket_of(3), 2);
	assert_int_equal(size_bucket_of(4), 2);
	assert_int_equal(size_bucket_of(5), 3);
	assert_int_equal(size_bucket_of(512), 9);
	assert_int_equal(size_bucket_of(4095), 12);
	assert_int_equal(size_bucket_of(4096), 12);
	assert_int_equal(size_bucket_of(4097), 13);
	assert_int_equal(size_bucket_of(1 << 20), 20);
	assert_int_equal(size_bucket_of((1 << 20) + 1), 21);
	assert_int_equal(size_bucket_of(1ull << 46), 46);
	assert_int_equal(size_bucket_of((1ull << 46) + 1), 47);
	assert_int_equal(size_bucket_of(1ull << 47), 47);
	assert_int_equal(size_bucket_of(1ull << 50), SR_SIZE_BUCKETS - 1);
	assert_int_equal(size_bucket_of(UINT64_MAX), SR_SIZE_BUCKETS - 1);
}

static void test_stats_complete(void **state)
{
	struct sr_stats *s = malloc(sizeof(*s));

	(void)state;
	assert_non_null(s);
	memset(s, 0xa5, sizeof(*s));
	sr_stats_init(s);
	assert_int_equal(s->op[0].ios, 0);
	assert_int_equal(s->op[1].clat.n, 0);
	assert_int_equal(s->records, 0);
	assert_int_equal(s->timeline.n, 0);
	assert_null(s->timeline.s);
	assert_int_equal(sr_hist_pct(&s->lag, 99), 0);
	assert_int_equal(sr_hist_pct(&s->op[0].clat, 50), 0);

	assert_int_equal(sr_stats_complete(s, SR_OP_READ, 4096, 100 * US, 0), 0);
	assert_int_equal(sr_stats_complete(s, SR_OP_READ, 8192, 200 * US, 1500 * MS), 0);
	assert_int_equal(sr_stats_complete(s, SR_OP_WRITE, 512, 50 * US, 2100 * MS), 0);
	assert_int_equal(sr_stats_complete(s, SR_OP_READ, 4096, 300 * US, 2200 * MS), 0);
	assert_int_equal(sr_stats_complete(s, SR_OP_TRIM, 4096, 1 * US, 90 * SEC), 0);

	assert_int_equal(s->op[0].ios, 3);
	assert_int_equal(s->op[0].bytes, 4096 + 8192 + 4096);
	assert_int_equal(s->op[0].errors, 0);
	assert_int_equal(s->op[0].clat.n, 3);
	assert_int_equal(s->op[0].clat.min, 100 * US);
	assert_int_equal(s->op[0].clat.max, 300 * US);
	assert_float_equal(sr_hist_mean(&s->op[0].clat), 200.0 * US, 1e-6);
	assert_int_equal(s->op[0].sizes.b[12], 2);
	assert_int_equal(s->op[0].sizes.b[13], 1);
	assert_int_equal(s->op[1].ios, 1);
	assert_int_equal(s->op[1].bytes, 512);
	assert_int_equal(s->op[1].clat.n, 1);
	assert_int_equal(sr_hist_pct(&s->op[1].clat, 50), 50 * US);
	assert_int_equal(s->op[1].sizes.b[9], 1);
	assert_int_equal(s->lag.n, 0);

	assert_int_equal(s->timeline.n, 3);
	assert_int_equal(s->timeline.s[0].bytes[0], 4096);
	assert_int_equal(s->timeline.s[1].bytes[0], 8192);
	assert_int_equal(s->timeline.s[2].bytes[0], 4096);
	assert_int_equal(s->timeline.s[2].ios[0], 1);
	assert_int_equal(s->timeline.s[2].bytes[1], 512);
	assert_int_equal(s->timeline.s[2].ios[1], 1);

	sr_stats_free(s);
	assert_null(s->timeline.s);
	free(s);
}

/* ---- per-tag counters ---- */

/* Bytes and requests are exact per tag; p99 lies within a bucket (12.5%)
 * of the exact p99; mean is exact. */
static void test_tag_exact(void **state)
{
	static uint64_t lat[3][20000];
	struct sr_tag_stats t;
	size_t n[3] = { 0 };
	uint64_t bytes[3] = { 0 };
	unsigned i, k;

	(void)state;
	assert_int_equal(sr_tag_stats_init(&t, 16), 0);
	rng_seed(11);
	for (i = 0; i < 30000; i++) {
		unsigned g = (unsigned)(rng_next() % 3);
		uint64_t len = 4096 * (1 + rng_next() % 8);
		/* tag g: latencies around (g+1) * 100 us, exponential */
		uint64_t v = (uint64_t)(-log(rng_unit()) * 100000.0 * (g + 1)) + 1;

		sr_tag_add(&t, 1000 + g, len, v);
		lat[g][n[g]++] = v;
		bytes[g] += len;
	}
	assert_int_equal(t.n, 3);
	assert_int_equal(t.other.ios, 0);
	for (k = 0; k < 3; k++) {
		const struct sr_tag_ent *e = &t.ent[k];
		unsigned g = e->tag - 1000;
		uint64_t exact, got;
		double sum = 0;
		size_t j;

		assert_true(g < 3);
		assert_int_equal(e->ios, n[g]);
		assert_int_equal(e->bytes, bytes[g]);
		for (j = 0; j < n[g]; j++)
			sum += (double)lat[g][j];
		assert_true(fabs(sr_tag_mean(e) - sum / (double)n[g]) < 1e-6 * sum / (double)n[g]);
		qsort(lat[g], n[g], sizeof(uint64_t), cmp_u64);
		exact = exact_pct(lat[g], n[g], 99);
		got = sr_tag_pct(e, 99);
		assert_true((double)got >= 0.875 * (double)exact && (double)got <= 1.125 * (double)exact);
		assert_int_equal(e->lat_max, lat[g][n[g] - 1]);
	}
	sr_tag_stats_free(&t);
}

/* A full table counts the rest in other; merge adds tag by tag. */
static void test_tag_overflow_merge(void **state)
{
	struct sr_tag_stats a, b;
	unsigned i;

	(void)state;
	assert_int_equal(sr_tag_stats_init(&a, 4), 0);
	assert_int_equal(sr_tag_stats_init(&b, 4), 0);
	for (i = 0; i < 10; i++)
		sr_tag_add(&a, i, 100, 1000);
	assert_int_equal(a.n, 4);
	assert_int_equal(a.other.ios, 6);
	assert_int_equal(a.other.bytes, 600);
	sr_tag_add(&a, 2, 50, 2000); /* known tag still counted as itself */
	sr_tag_add(&b, 2, 1, 5);
	sr_tag_add(&b, 77, 7, 5);
	sr_tag_merge(&a, &b); /* 2 joins its entry; 77 finds the table full */
	for (i = 0; i < a.n; i++)
		if (a.ent[i].tag == 2) {
			assert_int_equal(a.ent[i].ios, 3);
			assert_int_equal(a.ent[i].bytes, 151);
			assert_int_equal(a.ent[i].lat_max, 2000);
		}
	assert_int_equal(a.other.ios, 7);
	assert_int_equal(a.other.bytes, 607);
	/* huge latencies clamp to the last bucket, never past the array */
	sr_tag_add(&b, 5, 1, UINT64_MAX);
	assert_true(sr_tag_bucket(UINT64_MAX) < SR_TAG_HIST_BUCKETS);
	assert_int_equal(sr_tag_pct(&b.ent[2], 50), UINT64_MAX);
	sr_tag_stats_free(&a);
	sr_tag_stats_free(&b);
}

/* 65536 distinct tags fit the default table; the 65537th goes to other. */
static void test_tag_default_cap(void **state)
{
	struct sr_tag_stats t;
	uint32_t i;

	(void)state;
	assert_int_equal(sr_tag_stats_init(&t, 0), 0);
	for (i = 0; i <= SR_TAG_DEFAULT_CAP; i++)
		sr_tag_add(&t, i * 2654435761u, 1, i);
	assert_int_equal(t.n, SR_TAG_DEFAULT_CAP);
	assert_int_equal(t.other.ios, 1);
	for (i = 0; i < 1000; i++) /* lookups find the same entries again */
		sr_tag_add(&t, i * 2654435761u, 1, i);
	assert_int_equal(t.n, SR_TAG_DEFAULT_CAP);
	assert_int_equal(t.ent[999].ios, 2);
	sr_tag_stats_free(&t);
}

/* Worker stats merge into the run's: ops, verify counts, timeline. */
static void test_stats_merge_io(void **state)
{
	static struct sr_stats a, b;

	(void)state;
	sr_stats_init(&a);
	sr_stats_init(&b);
	assert_int_equal(sr_stats_complete(&a, SR_OP_READ, 4096, 10 * US, 0), 0);
	assert_int_equal(sr_stats_complete(&b, SR_OP_READ, 8192, 20 * US, 3 * SEC), 0);
	assert_int_equal(sr_stats_complete(&b, SR_OP_WRITE, 512, 30 * US, 0), 0);
	b.verified_bytes = 8192;
	assert_int_equal(sr_stats_merge_io(&a, &b), 0);
	assert_int_equal(a.op[0].ios, 2);
	assert_int_equal(a.op[0].bytes, 12288);
	assert_int_equal(a.op[1].bytes, 512);
	assert_int_equal(a.op[0].clat.n, 2);
	assert_int_equal(a.op[0].clat.max, 20 * US);
	assert_int_equal(a.verified_bytes, 8192);
	assert_int_equal(a.timeline.n, 4);
	assert_int_equal(a.timeline.s[0].bytes[0], 4096);
	assert_int_equal(a.timeline.s[3].bytes[0], 8192);
	assert_int_equal(a.timeline.s[0].bytes[1], 512);
	sr_stats_free(&a);
	sr_stats_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_small_exact),
		cmocka_unit_test(test_bucket_range_contiguous),
		cmocka_unit_test(test_bucket_range_random),
		cmocka_unit_test(test_uniform_1m),
		cmocka_unit_test(test_exponential_vs_sorted),
		cmocka_unit_test(test_two_point),
		cmocka_unit_test(test_rank_rounding),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_stddev),
		cmocka_unit_test(test_huge_values),
		cmocka_unit_test(test_timeline),
		cmocka_unit_test(test_timeline_amortised),
		cmocka_unit_test(test_size_hist),
		cmocka_unit_test(test_stats_complete),
		cmocka_unit_test(test_tag_exact),
		cmocka_unit_test(test_tag_overflow_merge),
		cmocka_unit_test(test_tag_default_cap),
		cmocka_unit_test(test_stats_merge_io),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
