/* Size, duration and integer parsing (base/units.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/units.h"

static void size_ok(const char *s, uint64_t want)
{
	uint64_t v = 0xdeadbeef;
	int ret = sr_parse_size(s, &v);

	if (ret)
		fail_msg("sr_parse_size(\"%s\") = %d", s, ret);
	if (v != want)
		fail_msg("sr_parse_size(\"%s\") gave %llu, want %llu", s, (unsigned long long)v,
			 (unsigned long long)want);
}

static void size_bad(const char *s, int want)
{
	uint64_t v = 12345;
	int ret = sr_parse_size(s, &v);

	if (ret != want)
		fail_msg("sr_parse_size(\"%s\") = %d, want %d", s ? s : "(null)", ret, want);
	assert_int_equal(v, 12345); /* untouched on error */
}

static void test_parse_size(void **state)
{
	(void)state;
	size_ok("0", 0);
	size_ok("4096", 4096);
	size_ok("4k", 4096);
	size_ok("4K", 4096);
	size_ok("4KiB", 4096);
	size_ok("4kib", 4096);
	size_ok("4KB", 4096);
	size_ok("512b", 512);
	size_ok("1.5M", 1536ull << 10);
	size_ok("0.5k", 512);
	size_ok("2g", 2ull << 30);
	size_ok("1t", 1ull << 40);
	size_ok("3p", 3ull << 50);
	size_ok("16383P", 16383ull << 50);
	size_ok("18446744073709551615", UINT64_MAX);

	size_bad("20000000000000000000", -ERANGE);
	size_bad("18446744073709551616", -ERANGE);
	size_bad("16384P", -ERANGE);
	size_bad("17179869184G", -ERANGE);
	size_bad("4q", -EINVAL);
	size_bad("4kx", -EINVAL);
	size_bad("4 k", -EINVAL);
	size_bad("", -EINVAL);
	size_bad("-1", -EINVAL);
	size_bad("+1", -EINVAL);
	size_bad(" 1", -EINVAL);
	size_bad("k", -EINVAL);
	size_bad(".5k", -EINVAL);
	size_bad("1bk", -EINVAL);
	size_bad(NULL, -EINVAL);
}

static void dur_ok(const char *s, uint64_t want_ns)
{
	uint64_t v = 0;
	int ret = sr_parse_duration(s, &v);

	if (ret)
		fail_msg("sr_parse_duration(\"%s\") = %d", s, ret);
	if (v != want_ns)
		fail_msg("sr_parse_duration(\"%s\") gave %llu, want %llu", s,
			 (unsigned long long)v, (unsigned long long)want_ns);
}

static void test_parse_duration(void **state)
{
	uint64_t v;

	(void)state;
	dur_ok("10", 10000000000ull);
	dur_ok("10s", 10000000000ull);
	dur_ok("500ms", 500000000ull);
	dur_ok("250us", 250000ull);
	dur_ok("7ns", 7);
	dur_ok("2m", 120000000000ull);
	dur_ok("1h", 3600000000000ull);
	dur_ok("1.5s", 1500000000ull);
	dur_ok("0", 0);
	/* whole numbers are exact, not rounded through a double (found by fuzz_units) */
	dur_ok("8461754017", 8461754017000000000ull);
	dur_ok("18446744073709551615ns", 18446744073709551615ull);
	assert_int_equal(sr_parse_duration("18446744074s", &v), -ERANGE);

	assert_int_equal(sr_parse_duration("abc", &v), -EINVAL);
	assert_int_equal(sr_parse_duration("", &v), -EINVAL);
	assert_int_equal(sr_parse_duration("-1s", &v), -EINVAL);
	assert_int_equal(sr_parse_duration("10x", &v), -EINVAL);
	assert_int_equal(sr_parse_duration("10 s", &v), -EINVAL);
	assert_int_equal(sr_parse_duration(NULL, &v), -EINVAL);
	assert_int_equal(sr_parse_duration("99999999999h", &v), -ERANGE);
}

static void test_parse_u64(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(sr_parse_u64("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(sr_parse_u64("123", &v), 0);
	assert_int_equal(v, 123);
	assert_int_equal(sr_parse_u64("0x10", &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(sr_parse_u64("0XfF", &v), 0);
	assert_int_equal(v, 255);
	assert_int_equal(sr_parse_u64("18446744073709551615", &v), 0);
	assert_int_equal(v, UINT64_MAX);

	assert_int_equal(sr_parse_u64("18446744073709551616", &v), -ERANGE);
	assert_int_equal(sr_parse_u64("99999999999999999999", &v), -ERANGE);
	assert_int_equal(sr_parse_u64("", &v), -EINVAL);
	assert_int_equal(sr_parse_u64("-1", &v), -EINVAL);
	assert_int_equal(sr_parse_u64("+1", &v), -EINVAL);
	/* leading zeros are decimal, never octal */
	assert_int_equal(sr_parse_u64("010", &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(sr_parse_u64("09", &v), 0);
	assert_int_equal(v, 9);
	assert_int_equal(sr_parse_u64("0x", &v), -EINVAL);
	assert_int_equal(sr_parse_u64(" 1", &v), -EINVAL);
	assert_int_equal(sr_parse_u64("1 ", &v), -EINVAL);
	assert_int_equal(sr_parse_u64("12a", &v), -EINVAL);
	assert_int_equal(sr_parse_u64("0x", &v), -EINVAL);
	assert_int_equal(sr_parse_u64("4k", &v), -EINVAL);
	assert_int_equal(sr_parse_u64(NULL, &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_parse_u64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
