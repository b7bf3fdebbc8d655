#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/analyze.h"
#include "base/units.h"
#include "trace/pagemap.h"

#define K 1024ull
#define M (1024ull * 1024)
#define SEC 1000000000ull

/* A source serving an array, a few records per call so batches split, and
 * optionally failing (bad input) after the last one. */
struct arr_src {
	struct sr_source src;
	const struct sr_rec *r;
	size_t n, pos;
	int fail_at_end;
};

static int arr_next(struct sr_source *s, struct sr_rec *out, size_t max, struct sr_err *e)
{
	struct arr_src *a = (struct arr_src *)s;
	size_t k = 0;

	if (a->pos == a->n && a->fail_at_end)
		return sr_inputf(e, "test:%zu: expected a record", a->n + 1);
	if (max > 3)
		max = 3;
	while (k < max && a->pos < a->n)
		out[k++] = a->r[a->pos++];
	return (int)k;
}

static struct arr_src arr_source(const struct sr_rec *r, size_t n)
{
	struct arr_src a = { .src = { .name = "test", .format = "test", .next = arr_next }, .r = r, .n = n };

	return a;
}

static struct sr_rec rd(uint64_t off, uint64_t len)
{
	return (struct sr_rec){ .off = off, .len = len, .t_ns = SR_T_NONE, .op = SR_OP_READ };
}

static struct sr_rec rec(int op, uint64_t off, uint64_t len, uint64_t t)
{
	return (struct sr_rec){ .off = off, .len = len, .t_ns = t, .op = (uint8_t)op };
}

static struct sr_analysis *run(const struct sr_rec *r, size_t n, uint64_t page)
{
	struct sr_analysis *a = malloc(sizeof(*a));
	struct arr_src s = arr_source(r, n);
	struct sr_err e = { 0 };

	assert_non_null(a);
	assert_int_equal(sr_analysis_init(a, page, &e), 0);
	assert_int_equal(sr_analysis_run(a, &s.src, &e), 0);
	return a;
}

static void done(struct sr_analysis *a)
{
	sr_analysis_free(a);
	free(a);
}

/* 10 requests: 3 sequential, 1 forward, 5 backward, 2 of them restarts. */
static void test_gap_classes(void **state)
{
	const struct sr_rec r[] = {
		rd(0, 4 * K),
		rd(4 * K, 4 * K),   /* seq */
		rd(0, 4 * K),       /* back 8k, extent 8k: restart */
		rd(4 * K, 4 * K),   /* seq */
		rd(16 * K, 4 * K),  /* forward 8k */
		rd(12 * K, 4 * K),  /* back 8k, extent 20k: not a restart */
		rd(16 * K, 4 * K),  /* seq */
		rd(8 * K, 4 * K),   /* back 12k > 10k: restart */
		rd(4 * K, 4 * K),   /* back 8k */
		rd(0, 4 * K),       /* back 8k */
	};
	struct sr_analysis *a = run(r, 10, 4096);
	struct sr_analysis_res res;

	(void)state;
	sr_analysis_finish(a, 0, &res);
	assert_int_equal(a->records, 10);
	assert_int_equal(a->requests, 10);
	assert_int_equal(a->gaps, 9);
	assert_int_equal(a->seq, 3);
	assert_int_equal(a->fwd, 1);
	assert_int_equal(a->back, 5);
	assert_int_equal(a->restarts, 2);
	assert_float_equal(res.seq_pct, 100.0 * 3 / 9, 1e-9);
	assert_float_equal(res.back_pct, 100.0 * 5 / 9, 1e-9);
	assert_float_equal(res.fwd_pct, 100.0 / 9, 1e-9);
	assert_int_equal(a->jump.n, 6);
	assert_float_equal(res.jump_mean, (5 * 8192.0 + 12288) / 6, 1e-6);
	/* the median comes from the log-linear histogram: within 1/64 */
	assert_in_range(res.jump_median, 8192, 8192 + 8192 / 64);
	/* pages 0..4; 0, 1 and 4 read more than once */
	assert_int_equal(res.read_pages, 5);
	assert_int_equal(res.reread_pages, 3);
	assert_int_equal(res.read_unique, 20 * K);
	assert_int_equal(a->touches[0], 10);
	assert_float_equal(res.amp_bytes, 2.0, 1e-12);
	assert_float_equal(res.amp_pages, 2.0, 1e-12);
	assert_float_equal(res.passes, 2.0, 1e-12);
	assert_int_equal(a->extent, 20 * K);
	assert_int_equal(res.size, 20 * K);
	assert_float_equal(res.coverage, 1.0, 1e-12);
	assert_int_equal(res.timed, 0);
	done(a);

	/* at 64k pages everything is one page, read ten times */
	a = run(r, 10, 64 * K);
	sr_analysis_finish(a, 0, &res);
	assert_int_equal(res.read_pages, 1);
	assert_int_equal(res.reread_pages, 1);
	assert_float_equal(res.amp_bytes, 40.0 / 64, 1e-12);
	assert_float_equal(res.amp_pages, 10.0, 1e-12);
	assert_int_equal(a->seq, 3); /* gaps do not depend on the page */
	done(a);
}

/* Overlapping and partial-page reads, a write over a read page, a trim and
 * a sync that count but touch nothing. */
static void test_unique_overlap(void **state)
{
	const struct sr_rec r[] = {
		rd(0, 6000),       /* 4k pages 0, 1 */
		rd(4096, 5904),    /* 1, 2 */
		rd(100000, 100),   /* 24 */
		rd(65536, 1),      /* 16 */
		rec(SR_OP_WRITE, 0, 4096, SR_T_NONE),     /* 0: written and read */
		rec(SR_OP_WRITE, 200 * K, 8 * K, SR_T_NONE), /* 50, 51 */
		rec(SR_OP_TRIM, 1 * M, 1 * M, SR_T_NONE),
		rec(SR_OP_SYNC, 0, 0, SR_T_NONE),
	};
	struct sr_analysis *a = run(r, 8, 4096);
	struct sr_analysis_res res;

	(void)state;
	sr_analysis_finish(a, 1 * M, &res);
	assert_int_equal(a->records, 8);
	assert_int_equal(a->requests, 6);
	assert_int_equal(a->ops[SR_OP_TRIM], 1);
	assert_int_equal(a->ops[SR_OP_SYNC], 1);
	assert_int_equal(a->bytes[SR_OP_TRIM], 1 * M);
	assert_int_equal(a->bytes[SR_OP_READ], 6000 + 5904 + 100 + 1);
	assert_int_equal(a->bytes[SR_OP_WRITE], 12 * K);
	assert_int_equal(res.read_pages, 5);
	assert_int_equal(res.reread_pages, 1);
	assert_int_equal(res.write_pages, 3);
	assert_int_equal(res.pages, 7); /* page 0 is in both */
	assert_int_equal(res.unique, 7 * 4096);
	assert_int_equal(a->touches[0], 6);
	assert_float_equal(res.amp_bytes, 12005.0 / 20480, 1e-12);
	assert_float_equal(res.amp_pages, 6.0 / 5, 1e-12);
	assert_float_equal(res.coverage, 7.0 / 256, 1e-12);
	assert_float_equal(res.read_coverage, 5.0 / 256, 1e-12);
	assert_float_equal(res.passes, 9.0 / 7, 1e-12);
	assert_int_equal(a->extent, 208 * K); /* trims do not count */
	done(a);

	a = run(r, 8, 64 * K);
	sr_analysis_finish(a, 0, &res);
	assert_int_equal(res.read_pages, 2);   /* 64k pages 0 and 1 */
	assert_int_equal(res.reread_pages, 2);
	assert_int_equal(res.read_unique, 128 * K);
	assert_int_equal(res.write_pages, 2);  /* 0 and 3 */
	assert_int_equal(res.pages, 3);
	/* size from the extent, 208k: 4 pages of 64k (rounded up) */
	assert_int_equal(res.size, 208 * K);
	assert_float_equal(res.coverage, 3.0 / 4, 1e-12);
	done(a);
}

/* Three sequential passes over 64 MiB in 1 MiB reads: two restarts. */
static void test_restarts_passes(void **state)
{
	struct sr_rec r[3 * 64];
	struct sr_analysis *a;
	struct sr_analysis_res res;
	int i;

	(void)state;
	for (i = 0; i < 3 * 64; i++)
		r[i] = rd((uint64_t)(i % 64) * M, M);
	a = run(r, 3 * 64, 4096);
	sr_analysis_finish(a, 128 * M, &res);
	assert_int_equal(a->restarts, 2);
	assert_int_equal(a->back, 2);
	assert_int_equal(a->seq, 3 * 64 - 3);
	assert_float_equal(res.passes, 3.0, 1e-12);
	assert_int_equal(res.reread_pages, 64 * M / 4096);
	assert_float_equal(res.coverage, 0.5, 1e-12);
	assert_float_equal(res.mean_req, (double)M, 1e-9);
	done(a);
}

static void test_size_hist(void **state)
{
	const struct sr_rec r[] = {
		rd(0, 512), rd(0, 4096), rd(0, 4097), rec(SR_OP_WRITE, 0, 8192, SR_T_NONE), rd(0, M),
	};
	struct sr_analysis *a = run(r, 5, 4096);
	struct sr_analysis_res res;

	(void)state;
	sr_analysis_finish(a, 0, &res);
	assert_int_equal(a->sizes[0].b[9], 1);
	assert_int_equal(a->sizes[0].b[12], 1);
	assert_int_equal(a->sizes[0].b[13], 1);
	assert_int_equal(a->sizes[1].b[13], 1);
	assert_int_equal(a->sizes[0].b[20], 1);
	assert_float_equal(res.mean_req, (512 + 4096 + 4097 + 8192 + M) / 5.0, 1e-9);
	done(a);
}

static void test_timeline(void **state)
{
	const struct sr_rec r[] = {
		rec(SR_OP_READ, 0, M, 0),
		rec(SR_OP_READ, M, M, SEC / 2),
		rec(SR_OP_WRITE, 2 * M, 3 * M, 1200 * 1000000ull),
		rec(SR_OP_READ, 0, M, 2900 * 1000000ull),
	};
	struct sr_analysis *a = run(r, 4, 4096);
	struct sr_analysis_res res;

	(void)state;
	sr_analysis_finish(a, 0, &res);
	assert_int_equal(res.timed, 1);
	assert_int_equal(a->timed, 4);
	assert_int_equal(res.first_sec, 0);
	assert_int_equal(res.seconds, 3);
	assert_float_equal(res.span_s, 2.9, 1e-12);
	assert_float_equal(res.bw_avg, 2.0 * M, 1e-6);
	assert_int_equal(res.bw_peak, 3 * M);
	assert_int_equal(res.peak_sec, 1);
	assert_int_equal(a->iat.n, 3);
	assert_int_equal(a->iat.min, 500 * 1000000ull);
	assert_int_equal(a->iat.max, 1700 * 1000000ull);
	assert_in_range(res.iat_p50, 700 * 1000000ull - 700 * 1000000ull / 64,
			700 * 1000000ull + 700 * 1000000ull / 64);
	assert_in_range(res.iat_p99, 1700 * 1000000ull - 1700 * 1000000ull / 64, 1700 * 1000000ull);
	done(a);
}

/* Timeline from a later first second (a --time window): the average runs
 * over the seconds the trace spans, not from zero. */
static void test_timeline_window(void **state)
{
	const struct sr_rec r[] = {
		rec(SR_OP_READ, 0, M, 10 * SEC + 1),
		rec(SR_OP_READ, 0, M, 11 * SEC),
		rec(SR_OP_READ, 0, M, 11 * SEC + 5),
		rec(SR_OP_READ, 0, M, 10 * SEC), /* backwards in time */
	};
	struct sr_analysis *a = run(r, 4, 4096);
	struct sr_analysis_res res;

	(void)state;
	sr_analysis_finish(a, 0, &res);
	assert_int_equal(res.first_sec, 10);
	assert_int_equal(res.seconds, 2);
	assert_float_equal(res.bw_avg, 2.0 * M, 1e-6);
	assert_int_equal(res.bw_peak, 2 * M);
	assert_int_equal(res.peak_sec, 10); /* the first of equal seconds */
	assert_int_equal(a->t_backwards, 1);
	assert_int_equal(a->iat.min, 0);
	done(a);
}

static void test_pagemap_chunks(void **state)
{
	struct sr_pagemap m, t;
	const uint64_t C = SR_PAGEMAP_CHUNK_PAGES;

	(void)state;
	sr_pagemap_init(&m);
	sr_pagemap_init(&t);
	assert_int_equal(sr_pagemap_mark(&m, &t, C - 10, 20), 0);
	assert_int_equal(m.count, 20);
	assert_int_equal(m.nalloc, 2);
	assert_int_equal(t.count, 0);
	assert_true(sr_pagemap_test(&m, C - 10));
	assert_true(sr_pagemap_test(&m, C + 9));
	assert_false(sr_pagemap_test(&m, C - 11));
	assert_false(sr_pagemap_test(&m, C + 10));
	/* three chunks, overlapping the first range by 10 pages */
	assert_int_equal(sr_pagemap_mark(&m, &t, C, 2 * C + 1), 0);
	assert_int_equal(m.count, 20 + 2 * C + 1 - 10);
	assert_int_equal(m.nalloc, 4); /* chunks 0..3: page 3C starts chunk 3 */
	assert_int_equal(t.count, 10);
	assert_int_equal(t.nalloc, 1);
	assert_true(sr_pagemap_test(&t, C));
	assert_true(sr_pagemap_test(&m, 3 * C));
	/* odd word boundaries inside one word and across two */
	assert_int_equal(sr_pagemap_mark(&m, &t, 5 * C + 3, 1), 0);
	assert_int_equal(sr_pagemap_mark(&m, &t, 5 * C + 60, 10), 0);
	assert_int_equal(sr_pagemap_mark(&m, &t, 5 * C + 3, 70), 0);
	assert_int_equal(t.count, 10 + 11);
	assert_int_equal(m.count, 20 + 2 * C + 1 - 10 + 70);
	assert_int_equal(sr_pagemap_count_and(&m, &t), t.count);
	assert_int_equal(sr_pagemap_mark(&m, NULL, SR_PAGEMAP_MAX_PAGES, 1), -EFBIG);
	assert_int_equal(sr_pagemap_mark(&m, NULL, SR_PAGEMAP_MAX_PAGES - 1, 2), -EFBIG);
	assert_int_equal(sr_pagemap_mark(&m, NULL, 0, 0), 0);
	sr_pagemap_free(&m);
	sr_pagemap_free(&t);
}

/* The inline path of sr_pagemap_mark (a range inside the chunk looked up
 * last) and the general one against a plain byte per page: runs that walk
 * on from the last range (the inline path), jumps between four chunks
 * (the general one, and twice's cached chunk going stale), ranges across
 * word and chunk edges. */
static void test_pagemap_inline(void **state)
{
	const uint64_t P = 4 * SR_PAGEMAP_CHUNK_PAGES;
	uint8_t *once = calloc(P, 1), *twice = calloc(P, 1);
	struct sr_pagemap m, t;
	uint64_t seed = 7, first = 0, n, p, c1 = 0, c2 = 0;
	int i;

	(void)state;
	assert_non_null(once);
	assert_non_null(twice);
	sr_pagemap_init(&m);
	sr_pagemap_init(&t);
	for (i = 0; i < 200000; i++) {
		uint64_t x = sr_splitmix64(&seed);

		n = 1 + (x >> 8) % (x & 1 ? 8 : 300);
		first = x % 5 ? first + n : (x >> 20) % P;
		if (first + n > P)
			first = (x >> 30) % (P - n);
		assert_int_equal(sr_pagemap_mark(&m, &t, first, n), 0);
		for (p = first; p < first + n; p++) {
			c2 += once[p] && !twice[p];
			twice[p] |= once[p];
			c1 += !once[p];
			once[p] = 1;
		}
		assert_int_equal(m.count, c1);
		assert_int_equal(t.count, c2);
	}
	for (p = 0; p < P; p++) {
		assert_int_equal(sr_pagemap_test(&m, p), once[p]);
		assert_int_equal(sr_pagemap_test(&t, p), twice[p]);
	}
	for (i = 0; i < 64; i++)
		assert_int_equal(sr_pagemap_popcount(((1ull << i) - 1) | (1ull << 63)), i + 1);
	sr_pagemap_free(&m);
	sr_pagemap_free(&t);
	free(once);
	free(twice);
}

/* A read at 3 TB allocates one chunk, not the 767 before it. */
static void test_sparse_high(void **state)
{
	const struct sr_rec r[] = { rd(0, 4096), rd(3ull << 40, 1 * M) };
	struct sr_analysis *a = run(r, 2, 4096);
	struct sr_analysis_res res;

	(void)state;
	sr_analysis_finish(a, 4ull << 40, &res);
	assert_int_equal(a->rd.nalloc, 2);
	assert_true(sr_pagemap_mem(&a->rd) < 2 * 512 + 64 * 16 + 1);
	assert_int_equal(res.read_pages, 1 + 256);
	assert_int_equal(a->fwd, 1);
	assert_int_equal(a->extent, (3ull << 40) + M);
	assert_float_equal(res.coverage, 257.0 / (1ull << 30), 1e-15);
	done(a);
}

/* 100,000 random pages over 16 PiB: memory follows the pages touched, not
 * the span (a dense array of 128 KiB chunks reached 12 GiB here, 2.9 GB RSS). */
static void test_pagemap_sparse_random(void **state)
{
	struct sr_pagemap m;
	uint64_t seed = 1, i, page;

	(void)state;
	sr_pagemap_init(&m);
	for (i = 0; i < 100000; i++) {
		page = sr_splitmix64(&seed) % SR_PAGEMAP_MAX_PAGES;
		assert_int_equal(sr_pagemap_mark(&m, NULL, page, 1), 0);
		assert_true(sr_pagemap_test(&m, page));
	}
	assert_true(m.count > 99990);
	assert_true(sr_pagemap_mem(&m) < 100ull << 20);
	sr_pagemap_free(&m);
}

static void test_errors(void **state)
{
	struct sr_analysis *a = malloc(sizeof(*a));
	struct sr_err e = { 0 };
	const struct sr_rec r[] = { rd(0, 4096), rd(4096, 4096) };
	struct arr_src s = arr_source(r, 2);
	struct sr_rec far = rd(1ull << 60, 4096);

	(void)state;
	assert_non_null(a);
	assert_int_equal(sr_analysis_init(a, 3000, &e), -EINVAL);
	assert_int_equal(e.bad_input, 1);
	sr_err_clear(&e);
	assert_int_equal(sr_analysis_init(a, 256, &e), -EINVAL);
	sr_err_clear(&e);
	assert_int_equal(sr_analysis_init(a, 4096, &e), 0);
	s.fail_at_end = 1;
	assert_int_equal(sr_analysis_run(a, &s.src, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "test:3"));
	assert_int_equal(a->records, 2);
	sr_err_clear(&e);
	/* 2^60 at 4k is page 2^48: beyond the page map */
	assert_int_equal(sr_analysis_add(a, &far, &e), -EINVAL);
	assert_int_equal(e.bad_input, 1);
	assert_non_null(strstr(e.msg, "larger --page"));
	sr_err_clear(&e);
	far = rec(SR_OP_READ, 0, 4096, SR_ANALYZE_MAX_SECONDS * SEC);
	assert_int_equal(sr_analysis_add(a, &far, &e), -EINVAL);
	done(a);
}

static uint64_t grid_sum(const struct sr_plot_grid *g)
{
	uint64_t s = 0;
	int r, c;

	for (r = 0; r < SR_PLOT_ROWS; r++)
		for (c = 0; c < SR_PLOT_COLS; c++)
			s += g->cell[r][c];
	return s;
}

/* The plot grids double their cells and keep every byte. */
static void test_plot_grid(void **state)
{
	struct sr_rec *r = malloc(1000 * sizeof(*r));
	struct sr_analysis *a;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int i;

	(void)state;
	assert_non_null(r);
	for (i = 0; i < 1000; i++)
		r[i] = rec(SR_OP_READ, (uint64_t)(i * 7919 % 1000) * M, 3 * M, (uint64_t)i * 1000000);
	a = run(r, 1000, 4096);
	assert_int_equal(grid_sum(a->by_index), 3000 * M);
	assert_int_equal(grid_sum(a->by_time), 3000 * M);
	assert_int_equal(a->by_index->xw, 8);       /* 1000 requests over 200 columns */
	assert_true(a->by_index->ymax == 1002 * M);
	assert_true((a->by_index->ymax - 1) / a->by_index->yh < SR_PLOT_ROWS);
	assert_true((a->by_index->ymax - 1) / a->by_index->yh >= SR_PLOT_ROWS / 2);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(sr_analyze_svg_heatmap(f, a, "a <test> & \"title\""), 0);
	assert_int_equal(sr_analyze_svg_sizes(f, a, "sizes"), 0);
	fclose(f);
	assert_non_null(strstr(buf, "a &lt;test&gt; &amp; &quot;title&quot;"));
	assert_non_null(strstr(buf, "time since the first request"));
	assert_non_null(strstr(buf, ">1000</text>")); /* one size bar of 1000 requests */
	free(buf);
	free(r);
	done(a);
}

/* With plots cleared (analyze without --plot) the grids stay empty and
 * every figure is the same. */
static void test_plots_off(void **state)
{
	struct sr_rec r[300];
	struct arr_src s = arr_source(r, 300);
	struct sr_analysis *a, *b = malloc(sizeof(*b));
	struct sr_analysis_res ra, rb;
	struct sr_err e = { 0 };
	int i;

	(void)state;
	for (i = 0; i < 300; i++)
		r[i] = rec(i % 3 ? SR_OP_READ : SR_OP_WRITE, (uint64_t)(i * 7919 % 300) * M, 3 * M, (uint64_t)i * 1000000);
	a = run(r, 300, 4096);
	assert_non_null(b);
	assert_int_equal(sr_analysis_init(b, 4096, &e), 0);
	assert_int_equal(b->plots, 1);
	b->plots = 0;
	assert_int_equal(sr_analysis_run(b, &s.src, &e), 0);
	assert_int_equal(grid_sum(a->by_index), 900 * M);
	assert_int_equal(grid_sum(b->by_index), 0);
	assert_int_equal(grid_sum(b->by_time), 0);
	sr_analysis_finish(a, 0, &ra);
	sr_analysis_finish(b, 0, &rb);
	assert_memory_equal(&ra, &rb, sizeof(ra));
	assert_int_equal(a->rd2.count, b->rd2.count);
	assert_memory_equal(a->sizes, b->sizes, sizeof(a->sizes));
	assert_memory_equal(&a->iat, &b->iat, sizeof(a->iat));
	assert_memory_equal(&a->jump, &b->jump, sizeof(a->jump));
	done(a);
	done(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gap_classes),
		cmocka_unit_test(test_unique_overlap),
		cmocka_unit_test(test_restarts_passes),
		cmocka_unit_test(test_size_hist),
		cmocka_unit_test(test_timeline),
		cmocka_unit_test(test_timeline_window),
		cmocka_unit_test(test_pagemap_chunks),
		cmocka_unit_test(test_pagemap_sparse_random),
		cmocka_unit_test(test_pagemap_inline),
		cmocka_unit_test(test_plots_off),
		cmocka_unit_test(test_sparse_high),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_plot_grid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
