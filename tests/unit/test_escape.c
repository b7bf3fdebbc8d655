/* base/escape.c: file-derived strings printed with control characters escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/escape.h"

static void test_escape(void **state)
{
	char b[64], s[8];

	(void)state;
	assert_string_equal(sr_esc(b, sizeof(b), "blk.0.attn_q.weight"), "blk.0.attn_q.weight");
	assert_string_equal(sr_esc(b, sizeof(b), "a\x1b[2J\nb\tc\rd\\e\x7f"), "a\\x1b[2J\\nb\\tc\\rd\\\\e\\x7f");
	assert_string_equal(sr_esc(b, sizeof(b), NULL), "");
	/* cut with "..." when it does not fit, never past dst */
	assert_string_equal(sr_esc(s, sizeof(s), "abcdefghij"), "abcd...");
	assert_string_equal(sr_esc(s, sizeof(s), "ab\x1b\x1b"), "ab...");
	assert_string_equal(sr_esc(s, sizeof(s), "abcdefg"), "abcdefg");
	assert_string_equal(sr_esc(s, 4, "abcdef"), "...");
	assert_string_equal(sr_esc(s, 3, "abcdef"), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_escape) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
