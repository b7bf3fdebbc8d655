#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth/routing.h"
#include "synth/schedule.h"
#include "trace_util.h"

static uint8_t all_moe[64] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

static struct sr_router *open_router(const char *spec, uint32_t layers, uint32_t n, uint32_t k, uint64_t seed)
{
	struct sr_router_cfg c = { .n_layer = layers, .n_expert = n, .k = k, .moe = all_moe, .seed = seed,
				   .n_tokens = 4 };
	struct sr_routing r;
	struct sr_router *rt;
	struct sr_err e = { 0 };

	assert_int_equal(sr_routing_parse(spec, &r, &e), 0);
	assert_int_equal(sr_router_open(&r, &c, &rt, &e), 0);
	return rt;
}

static void test_parse(void **state)
{
	static const char *const bad[] = {
		"", "unif", "uniform:1", "zipf", "zipf:", "zipf:0", "zipf:-1", "zipf:x", "zipf:1.2x",
		"zipf:nan", "zipf:17", "temporal:", "temporal:1.5", "temporal:-0.1", "temporal:abc",
		"log", "log:", "markov:0.5",
	};
	struct sr_routing r;
	struct sr_err e;
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sr_err_clear(&e);
		assert_int_equal(sr_routing_parse(bad[i], &r, &e), -EINVAL);
		assert_true(e.bad_input);
		assert_non_null(strstr(e.msg, "--routing"));
		assert_null(strchr(e.msg, '\n'));
	}
	sr_err_clear(&e);
	assert_int_equal(sr_routing_parse("zipf:1.25", &r, &e), 0);
	assert_int_equal(r.kind, SR_ROUTE_ZIPF);
	assert_true(fabs(r.zipf_s - 1.25) < 1e-12);
	assert_int_equal(sr_routing_parse("temporal", &r, &e), 0);
	assert_true(fabs(r.temporal_p - SR_TEMPORAL_DEFAULT_P) < 1e-12);
	assert_int_equal(sr_routing_parse("temporal:0.8", &r, &e), 0);
	assert_true(fabs(r.temporal_p - 0.8) < 1e-12);
	assert_int_equal(sr_routing_parse("log:/x/y.csv", &r, &e), 0);
	assert_int_equal(r.kind, SR_ROUTE_LOG);
	assert_string_equal(r.log, "/x/y.csv");
	assert_int_equal(sr_routing_parse("uniform", &r, &e), 0);
	assert_int_equal(r.kind, SR_ROUTE_UNIFORM);
}

/* k distinct experts below n, ascending, for every model. */
static void test_distinct_sorted(void **state)
{
	static const char *const specs[] = { "uniform", "zipf:1", "zipf:4", "temporal:0.9", "temporal:0" };
	static const uint32_t ks[][2] = { { 8, 2 }, { 8, 7 }, { 256, 8 }, { 4, 4 }, { 32, 4 } };
	uint16_t ex[16];
	size_t s, c;
	uint64_t t;
	uint32_t j;
	(void)state;

	for (s = 0; s < sizeof(specs) / sizeof(specs[0]); s++)
		for (c = 0; c < sizeof(ks) / sizeof(ks[0]); c++) {
			struct sr_router *rt = open_router(specs[s], 3, ks[c][0], ks[c][1], 5);

			for (t = 0; t < 200; t++) {
				sr_router_route(rt, t, (uint32_t)(t % 3), ex);
				for (j = 0; j < ks[c][1]; j++) {
					assert_true(ex[j] < ks[c][0]);
					if (j)
						assert_true(ex[j] > ex[j - 1]);
				}
			}
			sr_router_close(rt);
		}
}

/* Measured reuse (fraction of a token's experts the previous token used at
 * the same layer) within 0.03 of P over 2000 tokens. */
static double reuse_rate(const char *spec, uint32_t n, uint32_t k, uint64_t seed)
{
	struct sr_router *rt = open_router(spec, 4, n, k, seed);
	uint16_t prev[4][8], cur[8];
	uint64_t t, reused = 0, total = 0;
	uint32_t l, i, j;

	for (t = 0; t < 2000; t++)
		for (l = 0; l < 4; l++) {
			sr_router_route(rt, t, l, cur);
			if (t)
				for (i = 0; i < k; i++, total++)
					for (j = 0; j < k; j++)
						reused += cur[i] == prev[l][j];
			memcpy(prev[l], cur, sizeof(cur));
		}
	sr_router_close(rt);
	return (double)reused / (double)total;
}

static void test_temporal_reuse(void **state)
{
	(void)state;

	assert_true(fabs(reuse_rate("temporal:0.4", 8, 2, 1) - 0.4) < 0.03);
	assert_true(fabs(reuse_rate("temporal", 8, 2, 2) - SR_TEMPORAL_DEFAULT_P) < 0.03);
	assert_true(fabs(reuse_rate("temporal:0.8", 64, 4, 3) - 0.8) < 0.03);
	assert_true(fabs(reuse_rate("temporal:0.1", 256, 8, 4) - 0.1) < 0.03);
	/* uniform reuses by chance only: k/n */
	assert_true(fabs(reuse_rate("uniform", 8, 2, 5) - 2.0 / 8) < 0.03);
	/* Mixtral: an overlap with the previous top-2 in ~64% of tokens at the default */
	{
		struct sr_router *rt = open_router("temporal", 1, 8, 2, 6);
		uint16_t prev[2], cur[2];
		uint64_t t, overlap = 0;

		for (t = 0; t < 4000; t++) {
			sr_router_route(rt, t, 0, cur);
			if (t)
				overlap += cur[0] == prev[0] || cur[0] == prev[1] || cur[1] == prev[0] ||
					   cur[1] == prev[1];
			memcpy(prev, cur, sizeof(cur));
		}
		sr_router_close(rt);
		assert_true(fabs((double)overlap / 3999 - 0.643) < 0.03);
	}
}

/* zipf:S with one expert per token: the r-th most used expert of a layer
 * is used with probability r^-S / H(n, S). */
static void test_zipf_skew(void **state)
{
	static const double ss[] = { 1.0, 1.5 };
	uint64_t cnt[2][16];
	uint16_t ex[1];
	size_t si, i, j;
	uint64_t t, tmp;
	uint32_t l;
	(void)state;

	for (si = 0; si < 2; si++) {
		char spec[32];
		double h = 0;
		struct sr_router *rt;

		snprintf(spec, sizeof(spec), "zipf:%g", ss[si]);
		rt = open_router(spec, 2, 16, 1, 11);
		memset(cnt, 0, sizeof(cnt));
		for (t = 0; t < 20000; t++)
			for (l = 0; l < 2; l++) {
				sr_router_route(rt, t, l, ex);
				cnt[l][ex[0]]++;
			}
		sr_router_close(rt);
		for (i = 1; i <= 16; i++)
			h += pow((double)i, -ss[si]);
		for (l = 0; l < 2; l++) {
			for (i = 0; i < 16; i++) /* sort descending */
				for (j = i + 1; j < 16; j++)
					if (cnt[l][j] > cnt[l][i])
						tmp = cnt[l][i], cnt[l][i] = cnt[l][j], cnt[l][j] = tmp;
			for (i = 0; i < 4; i++)
				assert_true(fabs((double)cnt[l][i] / 20000 - pow((double)(i + 1), -ss[si]) / h) < 0.02);
		}
	}
	/* the hot expert differs between layers (a seeded shuffle per layer) */
	{
		struct sr_router *rt = open_router("zipf:3", 8, 64, 1, 12);
		int hot[8], differ = 0;

		for (l = 0; l < 8; l++) {
			sr_router_route(rt, 0, l, ex);
			hot[l] = ex[0];
			differ += l && hot[l] != hot[0];
		}
		sr_router_close(rt);
		assert_true(differ > 0);
	}
	/* top-8 of 256 with a steep exponent still terminates, distinct */
	{
		struct sr_router *rt = open_router("zipf:12", 1, 256, 8, 13);
		uint16_t e8[8];

		sr_router_route(rt, 0, 0, e8);
		for (i = 1; i < 8; i++)
			assert_true(e8[i] > e8[i - 1]);
		sr_router_close(rt);
	}
}

static void test_seed(void **state)
{
	struct sr_router *a = open_router("uniform", 2, 64, 4, 1), *b = open_router("uniform", 2, 64, 4, 1),
			 *c = open_router("uniform", 2, 64, 4, 2);
	uint16_t ea[4], eb[4], ec[4];
	uint64_t t;
	int diff = 0;
	(void)state;

	for (t = 0; t < 100; t++) {
		sr_router_route(a, t, 1, ea);
		sr_router_route(b, t, 1, eb);
		sr_router_route(c, t, 1, ec);
		assert_memory_equal(ea, eb, sizeof(ea));
		diff += memcmp(ea, ec, sizeof(ea)) != 0;
	}
	assert_true(diff > 90);
	sr_router_close(a);
	sr_router_close(b);
	sr_router_close(c);
}

static int open_log(const char *text, uint64_t tokens, struct sr_router **rt, struct sr_err *e, char **path)
{
	uint8_t moe[3] = { 0, 1, 1 }; /* layer 0 dense */
	struct sr_router_cfg c = { .n_layer = 3, .n_expert = 8, .k = 2, .moe = moe, .seed = 1, .n_tokens = tokens };
	struct sr_routing r = { .kind = SR_ROUTE_LOG };

	*path = tmp_file(text, strlen(text));
	r.log = *path;
	sr_err_clear(e);
	return sr_router_open(&r, &c, rt, e);
}

static void test_log(void **state)
{
	static const struct {
		const char *text;
		int line;
		const char *what;
	} bad[] = {
		{ "0,1,1 2\n0,2,3\n", 2, "expected 2 experts" },
		{ "0,1,1 2\n0,2,3 9\n", 2, "expert ids from 0 to 7" },
		{ "0,1,1 1\n", 1, "appears twice" },
		{ "0,0,1 2\n", 1, "layer with routed experts" },
		{ "0,5,1 2\n", 1, "layer with routed experts" },
		{ "0,1,1 2\nx,2,1 2\n", 2, "expected a token number" },
		{ "0,1,1 2\n-1,2,1 2\n", 2, "expected a token number" },
		{ "0,1\n", 1, "expected token,layer,experts" },
		{ "0,1,2,3\n", 1, "expected token,layer,experts" },
		{ "0,1,1 2\n0,1,3 4\n", 2, "routed twice" },
		{ "0,1,1 2\n0,2,1 x\n", 2, "expert ids" },
		{ "0,1,1 2\n0,2,1 99999999999999999999999\n", 2, "expert ids" },
	};
	struct sr_router *rt;
	struct sr_err e;
	char *path, want[512];
	uint16_t ex[2];
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(open_log(bad[i].text, 1, &rt, &e, &path), -EINVAL);
		snprintf(want, sizeof(want), "%s:%d: ", path, bad[i].line);
		if (!strstr(e.msg, want) || !strstr(e.msg, bad[i].what))
			fail_msg("case %zu: '%s'", i, e.msg);
		assert_true(e.bad_input);
		drop_file(path);
	}
	/* a token the schedule needs is missing */
	assert_int_equal(open_log("token,layer,experts\n0,1,1 2\n0,2,3 4\n1,1,0 7\n", 2, &rt, &e, &path), -EINVAL);
	assert_non_null(strstr(e.msg, "no routing for token 1 layer 2"));
	drop_file(path);
	/* a good one: header, comments, CRLF, extra tokens ignored, any order */
	assert_int_equal(open_log("# routing\r\ntoken,layer,experts\r\n1,2,6 0\n0,2,3 4\n0,1,2 1\n1,1,7 5\n"
				  "9,1,0 1\n", 2, &rt, &e, &path), 0);
	sr_router_route(rt, 0, 1, ex);
	assert_true(ex[0] == 1 && ex[1] == 2);
	sr_router_route(rt, 1, 2, ex);
	assert_true(ex[0] == 0 && ex[1] == 6);
	sr_router_route(rt, 1, 1, ex);
	assert_true(ex[0] == 5 && ex[1] == 7);
	sr_router_close(rt);
	drop_file(path);
	/* a missing file */
	{
		struct sr_routing r = { .kind = SR_ROUTE_LOG, .log = "/nonexistent/routing.csv" };
		struct sr_router_cfg c = { .n_layer = 1, .n_expert = 8, .k = 2, .moe = all_moe, .n_tokens = 1 };

		sr_err_clear(&e);
		assert_int_equal(sr_router_open(&r, &c, &rt, &e), -EINVAL);
		assert_non_null(strstr(e.msg, "/nonexistent/routing.csv"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_distinct_sorted),
		cmocka_unit_test(test_temporal_reuse),
		cmocka_unit_test(test_zipf_skew),
		cmocka_unit_test(test_seed),
		cmocka_unit_test(test_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
