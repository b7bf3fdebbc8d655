/* The pagecache policy's kernel lists (policy/pclru.c) on a dense model read
 * once per token, the null engine (no timing): what the real llama.cpp runs
 * showed and the lists must reproduce. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "policy_util.h"
#include "policy/pccost.h"

static double steady_per_token(const struct sr_sim_result *r)
{
	return r->steady_tokens ? (double)r->steady_read_bytes / (double)r->steady_tokens : 0;
}

/* Memory close to the model's size, readahead on: async readahead reads
 * large folios, and a large folio whose pages were used is activated at its
 * first scan (more than one young PTE), so part of the model stays on the
 * active list and a token reads less than the model (the real dense runs:
 * 0.73-0.79 of the file at 85%). With every page order-0 (kept for one more
 * trip first) this schedule read 1.05 of the model. */
static void test_large_folios_keep_part(void **state)
{
	struct sr_model m;
	struct sr_sim_result res;
	struct sr_rec *r;
	size_t n;
	double per;

	(void)state;
	dense_model(&m, 8, 256 * KiB);
	r = dense_schedule(&m, 12, &n);
	simulate("pagecache:256", &m, r, n, m.file_size * 85 / 100, NULL, &res);
	per = steady_per_token(&res);
	print_message("85%%: %.0f of %llu bytes per token\n", per, (unsigned long long)m.file_size);
	assert_true(per < (double)m.file_size);
	free(r);
	free_model(&m);
}

/* A third of the model, readahead on: a page used once in an order-0 folio
 * is kept for one more trip, not activated, so the active list does not
 * fill with pages the next token will not find anyway, and readahead ahead
 * of the reader has the whole inactive list to wait in: a token reads the
 * model once (the real dense runs: 1.00 of the file at 35%). Activating every
 * used page at its first scan wasted twice the readahead here, and without
 * the active list scanned in proportion while refaults are seen (it held
 * half the memory) 16 times as much, reading 1.07 of the model. */
static void test_used_once_not_activated(void **state)
{
	struct sr_model m;
	struct sr_sim_result res;
	struct sr_rec *r;
	size_t n;
	double per;

	(void)state;
	dense_model(&m, 8, 256 * KiB);
	r = dense_schedule(&m, 12, &n);
	simulate("pagecache:256", &m, r, n, m.file_size * 35 / 100, NULL, &res);
	per = steady_per_token(&res);
	print_message("35%%: %.0f of %llu bytes per token, %llu wasted\n", per, (unsigned long long)m.file_size,
		      (unsigned long long)res.wasted_prefetch_bytes);
	assert_true(per < 1.1 * (double)m.file_size);
	assert_true((double)res.wasted_prefetch_bytes < 0.08 * (double)m.file_size);
	free(r);
	free_model(&m);
}

/* The page-cache cost model prices bytes by what became of them: readahead
 * no thread touched costs the scattered figure (read, inserted, reclaimed,
 * never mapped), bytes streamed into the threads the sequential one. An MoE
 * at a third of its size with windows wider than an expert reads most of
 * the unrouted experts by readahead; before, every non-demand byte was
 * charged the sequential figure (here 4 ns/B against 1). */
static void test_pccost_unused_readahead_is_cheaper(void **state)
{
	const struct sr_pccost c = { .seq_ns_per_B = 1, .seq_press_ns_per_B = 4, .scat_press_ns_per_B = 1, .threads = 2 };
	struct sr_model m;
	struct sr_sim_result moe, dense;
	struct sr_rec *r;
	size_t n;
	double unused, per_moe, per_dense;

	(void)state;
	moe_model(&m, 6, 8, 128 * KiB, 64 * KiB);
	r = moe_schedule(&m, 12, 2, 80, 3, &n);
	simulate("pagecache:1024", &m, r, n, m.file_size * 35 / 100, NULL, &moe);
	unused = (double)(moe.wasted_prefetch_bytes + moe.unused_prefetch_bytes) /
		 (double)(moe.demand_bytes + moe.prefetch_bytes);
	sr_pccost_apply(&c, m.file_size * 35 / 100, m.file_size, &moe);
	per_moe = (double)moe.stall_ns / (double)(moe.demand_bytes + moe.prefetch_bytes);
	free(r);
	free_model(&m);
	dense_model(&m, 8, 256 * KiB);
	r = dense_schedule(&m, 12, &n);
	simulate("pagecache:256", &m, r, n, m.file_size * 35 / 100, NULL, &dense);
	sr_pccost_apply(&c, m.file_size * 35 / 100, m.file_size, &dense);
	per_dense = (double)dense.stall_ns / (double)(dense.demand_bytes + dense.prefetch_bytes);
	print_message("MoE 35%%: %.2f of the reads never used, %.2f ns/B; dense %.2f ns/B\n", unused, per_moe, per_dense);
	assert_true(unused > 0.3);
	assert_true(per_moe < 4 - 3 * 0.25);
	assert_true(per_dense > 3.5);
	free(r);
	free_model(&m);
}

/* Each decode token's faults are kept beside its bytes (per_token_faults in
 * the JSON), so a run's major faults per token can be set against the real
 * runner's: they add up to the faults of the decode tokens. */
static void test_per_token_faults(void **state)
{
	struct sr_model m;
	struct sr_sim_result res;
	struct sr_rec *r;
	size_t n;
	uint64_t i, sum = 0;

	(void)state;
	dense_model(&m, 8, 256 * KiB);
	r = dense_schedule(&m, 6, &n);
	simulate("pagecache:256", &m, r, n, m.file_size * 35 / 100, NULL, &res);
	assert_int_equal(res.tok_n, 6);
	for (i = 0; i < res.tok_n; i++) {
		assert_true(res.tok_faults[i] > 0);
		sum += res.tok_faults[i];
	}
	assert_int_equal(sum, res.faults);
	free(r);
	free_model(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_large_folios_keep_part),
		cmocka_unit_test(test_used_once_not_activated),
		cmocka_unit_test(test_pccost_unused_readahead_is_cheaper),
		cmocka_unit_test(test_per_token_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
