/* The typed option table (cli/opts.c): defaults stored from the one
 * default string, typed rows parsed and range-checked, aliases, the
 * one-line message naming the option. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli/opts.h"

struct o {
	uint64_t qd, size;
	unsigned small;
	const char *fmt;
	double ms;
	int flag, choice, seen;
};

static const char *const names[] = { "wrap", "scale", "none", NULL };
static const int vals[] = { 7, 8, 9 };

#define S struct o
static const struct sr_opt rows[] = {
	{ SR_OPT_UINT("qd", 'q', "N", "32", "", S, qd, 1, 4096), .seen_off = offsetof(S, seen) },
	{ SR_OPT_SIZE("size", 256, "SIZE", "4k (or more)", "", S, size, 4096, 1 << 20), .flags = SR_OPTF_POW2 },
	{ SR_OPT_UINT("small", 257, "N", "3", "", S, small, 0, 10) },
	{ SR_OPT_STR("format", 'f', "FMT", "auto", "", S, fmt) },
	{ SR_OPT_DOUBLE("ms", 258, "MS", "", "", S, ms, 0, 10), .expect = "milliseconds" },
	{ SR_OPT_FLAG("flag", 259, "", S, flag) },
	{ SR_OPT_CHOICE("map", 260, "M", "none", "", S, choice, names, vals) },
	{ "iodepth", 261, 1, "N", "", "", .alias = "qd" },
	SR_OPT_END,
};
#undef S

static int parse(struct o *o, struct sr_err *e, int argc, char **argv)
{
	int pos;

	memset(o, 0, sizeof(*o));
	memset(e, 0, sizeof(*e));
	return sr_opts_parse("t", rows, argc, argv, NULL, o, "", &pos, e);
}

static void defaults(void **state)
{
	char *argv[] = { "t", NULL };
	struct o o;
	struct sr_err e;

	(void)state;
	assert_int_equal(parse(&o, &e, 1, argv), 0);
	assert_int_equal(o.qd, 32);
	assert_int_equal(o.size, 4096); /* the first word of the default */
	assert_int_equal(o.small, 3);
	assert_string_equal(o.fmt, "auto");
	assert_int_equal(o.choice, 9);
	assert_int_equal(o.flag, 0);
	assert_int_equal(o.seen, 0); /* a default is not given */
}

static void given(void **state)
{
	char *argv[] = { "t", "--iodepth", "8", "--size", "64k", "--small=10", "-f", "csv", "--ms", "2.5",
			 "--flag", "--map", "scale", NULL };
	struct o o;
	struct sr_err e;

	(void)state;
	assert_int_equal(parse(&o, &e, 13, argv), 0);
	assert_int_equal(o.qd, 8);
	assert_int_equal(o.seen, 1);
	assert_int_equal(o.size, 65536);
	assert_int_equal(o.small, 10);
	assert_string_equal(o.fmt, "csv");
	assert_true(o.ms == 2.5);
	assert_int_equal(o.flag, 1);
	assert_int_equal(o.choice, 8);
}

static void bad(const char *opt, const char *val, const char *msg)
{
	char *argv[] = { "t", (char *)opt, (char *)val, NULL };
	struct o o;
	struct sr_err e;

	assert_int_not_equal(parse(&o, &e, 3, argv), 0);
	assert_true(e.bad_input);
	if (strcmp(e.msg, msg))
		fail_msg("%s %s: '%s', want '%s'", opt, val, e.msg, msg);
}

static void errors(void **state)
{
	(void)state;
	bad("--qd", "0", "t: --qd: expected an integer from 1 to 4096, found '0'");
	bad("--iodepth", "x", "t: --qd: expected an integer from 1 to 4096, found 'x'");
	bad("--size", "12k", "t: --size: expected a size from 4096 to 1048576, found '12k'");
	bad("--size", "4q", "t: --size: expected a size like 4096, 128k, 4M, 2G, found '4q'");
	bad("--ms", "-1", "t: --ms: expected milliseconds, found '-1'");
	bad("--map", "x", "t: --map: expected wrap, scale or none, found 'x'");
	bad("--small", "11", "t: --small: expected an integer from 0 to 10, found '11'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(given),
		cmocka_unit_test(errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
