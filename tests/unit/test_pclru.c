/* The pagecache policy's kernel lists (policy/pclru.c) on a dense model read
 * once per token, the null engine (no timing): what the real llama.cpp runs
 * showed and the lists must reproduce. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "policy_util.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_large_folios_keep_part),
		cmocka_unit_test(test_used_once_not_activated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
