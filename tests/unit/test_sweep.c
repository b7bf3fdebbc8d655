/* Sweeps: grid specs (lists, geometric and arithmetic ranges, bad specs),
 * the shuffled run order, medians and spread, the knee, an early stop, and
 * the CSV/JSON reports, with a fake point runner. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "study/sweep.h"

#define K 1024ull
#define M (1024ull * 1024)

static void expect_values(enum sr_sweep_dim d, const char *spec, const uint64_t *want, size_t n)
{
	static struct sr_sweep_axis a;
	struct sr_err e = { 0 };
	size_t i;

	assert_int_equal(sr_sweep_parse(d, spec, &a, &e), 0);
	assert_int_equal(a.n, n);
	assert_true(a.given);
	for (i = 0; i < n; i++)
		assert_true(a.v[i].n == want[i]);
}

static void expect_bad(enum sr_sweep_dim d, const char *spec, const char *msg)
{
	static struct sr_sweep_axis a;
	struct sr_err e = { 0 };

	assert_true(sr_sweep_parse(d, spec, &a, &e) < 0);
	assert_true(e.bad_input);
	assert_non_null(strstr(e.msg, msg));
	assert_null(strchr(e.msg, '\n'));
}

static void test_parse(void **state)
{
	static const uint64_t geo[] = { 4 * K, 8 * K, 16 * K, 32 * K, 64 * K, 128 * K, 256 * K, 512 * K, M, 2 * M, 4 * M };
	static const uint64_t arith[] = { 1, 5, 9, 13, 17, 21, 25, 29 };
	static const uint64_t list[] = { 1, 8, 32, 2, 3, 4 };
	static const uint64_t x4[] = { 4 * K, 16 * K, 64 * K, 256 * K, M };
	static const uint64_t one[] = { 7 };
	static struct sr_sweep_axis a;
	struct sr_err e = { 0 };

	(void)state;
	expect_values(SR_DIM_BS, "4k..4m:x2", geo, 11);
	expect_values(SR_DIM_BS, "4k..4m", geo, 11);  /* sizes default to x2 */
	expect_values(SR_DIM_BS, "4k..1m:x4", x4, 5);
	expect_values(SR_DIM_BS, "4k..1500k:*4", x4, 5); /* stops at the last value <= B */
	expect_values(SR_DIM_QD, "1..32:+4", arith, 8);
	expect_values(SR_DIM_QD, "1,8,32,2..4", list, 6);  /* counts default to +1 */
	expect_values(SR_DIM_THREADS, "7..7", one, 1);
	expect_values(SR_DIM_QD, "32768", (const uint64_t[]){ 32768 }, 1);

	assert_int_equal(sr_sweep_parse(SR_DIM_ENGINE, "io_uring,libaio", &a, &e), 0);
	assert_int_equal(a.n, 2);
	assert_string_equal(a.v[1].s, "libaio");

	expect_bad(SR_DIM_BS, "4k..1k", "--bs: expected A..B with A <= B");
	expect_bad(SR_DIM_BS, "4k..4m:x1", "expected a step xN (N >= 2)");
	expect_bad(SR_DIM_BS, "4k..4m:y2", "expected a step");
	expect_bad(SR_DIM_BS, "4k..4m:+0", "expected a step");
	expect_bad(SR_DIM_BS, "fourk", "--bs: expected a value");
	expect_bad(SR_DIM_BS, "4k,,8k", "empty item");
	expect_bad(SR_DIM_BS, "", "empty item");
	expect_bad(SR_DIM_BS, "2g", "from 1 byte to 1G");
	expect_bad(SR_DIM_QD, "0", "--qd: expected integers from 1 to 32768");
	expect_bad(SR_DIM_QD, "32769", "from 1 to 32768");
	expect_bad(SR_DIM_QD, "4k", "expected a value");
	expect_bad(SR_DIM_PAGE, "3k", "powers of two");
	expect_bad(SR_DIM_THREADS, "2000", "from 1 to 1024");
	expect_bad(SR_DIM_ENGINE, "a b", "--engine: expected names");
	/* a range longer than the per-dimension cap */
	expect_bad(SR_DIM_QD, "1..1000", "more than 256 values");
}

static void grid(struct sr_sweep *s, const char *bs, const char *qd)
{
	struct sr_err e = { 0 };
	int d;

	memset(s, 0, sizeof(*s));
	assert_int_equal(sr_sweep_parse(SR_DIM_BS, bs, &s->ax[SR_DIM_BS], &e), 0);
	assert_int_equal(sr_sweep_parse(SR_DIM_QD, qd, &s->ax[SR_DIM_QD], &e), 0);
	for (d = SR_DIM_PAGE; d < SR_DIM_NR; d++)
		sr_sweep_default(&s->ax[d], d == SR_DIM_THREADS, d == SR_DIM_ENGINE ? "io_uring" : NULL);
}

static void test_order(void **state)
{
	static struct sr_sweep s, t;
	struct sr_err e = { 0 };
	int seen[64] = { 0 };
	size_t i, same = 0;

	(void)state;
	grid(&s, "4k..64k", "1,2,4"); /* 5 x 3 = 15 points */
	assert_int_equal(sr_sweep_init(&s, 3, 42, 1, &e), 0);
	assert_int_equal(s.npoints, 15);
	assert_int_equal(s.nruns, 45);
	for (i = 0; i < s.nruns; i++) {
		assert_true(s.order[i] < 45);
		seen[s.order[i]]++;
		same += s.order[i] == i;
	}
	for (i = 0; i < 45; i++)
		assert_int_equal(seen[i], 1); /* a permutation */
	assert_true(same < 10);               /* and actually shuffled */
	/* the same seed gives the same order; another seed another */
	grid(&t, "4k..64k", "1,2,4");
	assert_int_equal(sr_sweep_init(&t, 3, 42, 1, &e), 0);
	assert_memory_equal(s.order, t.order, 45 * sizeof(size_t));
	sr_sweep_free(&t);
	grid(&t, "4k..64k", "1,2,4");
	assert_int_equal(sr_sweep_init(&t, 3, 43, 1, &e), 0);
	assert_memory_not_equal(s.order, t.order, 45 * sizeof(size_t));
	sr_sweep_free(&t);
	/* no shuffle: grid order, bs fastest */
	grid(&t, "4k..64k", "1,2,4");
	assert_int_equal(sr_sweep_init(&t, 1, 43, 0, &e), 0);
	for (i = 0; i < t.nruns; i++)
		assert_int_equal(t.order[i], i);
	assert_true(sr_sweep_num(&t, &t.pt[1], SR_DIM_BS) == 8 * K);
	assert_true(sr_sweep_num(&t, &t.pt[5], SR_DIM_QD) == 2);
	sr_sweep_free(&t);
	sr_sweep_free(&s);

	/* too many runs is bad input */
	grid(&t, "1..256:+1", "1..256:+1");
	assert_true(sr_sweep_init(&t, 2, 1, 1, &e) < 0);
	assert_true(e.bad_input);
	assert_non_null(strstr(e.msg, "runs"));
}

/* Fake device: bandwidth = min(bs * qd * 1000, 1 GB/s) x a repeat-dependent
 * wobble; p99 grows with qd. */
struct fake {
	int calls, stop_after;
	volatile sig_atomic_t *stop;
	int fail_at;
};

static int fake_run(void *arg, const struct sr_sweep *s, const struct sr_sweep_point *p,
		    struct sr_sweep_sample *out, struct sr_err *e)
{
	struct fake *f = arg;
	double bs = (double)sr_sweep_num(s, p, SR_DIM_BS), qd = (double)sr_sweep_num(s, p, SR_DIM_QD);
	double wobble[] = { 1.0, 0.9, 1.2 };
	double bw = bs * qd * 1000 > 1e9 ? 1e9 : bs * qd * 1000;

	f->calls++;
	if (f->fail_at && f->calls == f->fail_at)
		return sr_errf(e, -EIO, "device gone");
	if (f->stop_after && f->calls == f->stop_after) {
		*f->stop = 2;
		return 1;
	}
	out->bw_bytes = bw * wobble[p->n % 3];
	out->op[0].bw_bytes = out->bw_bytes;
	out->op[0].iops = out->bw_bytes / bs;
	out->clat_p99_ns = qd * 1000 * wobble[p->n % 3];
	out->op[0].clat_p99_ns = out->clat_p99_ns;
	out->runtime_s = 0.1;
	return 0;
}

static void test_execute_and_knee(void **state)
{
	static struct sr_sweep s;
	struct sr_err e = { 0 };
	struct fake f = { 0 };
	long best, knee;
	size_t i;

	(void)state;
	grid(&s, "4k..1m:x4", "1,4,16,64"); /* 5 x 4 */
	assert_int_equal(sr_sweep_init(&s, 3, 7, 1, &e), 0);
	assert_int_equal(sr_sweep_execute(&s, fake_run, &f, NULL, NULL, NULL, &e), 0);
	assert_int_equal(f.calls, 60);
	assert_false(s.stopped);
	for (i = 0; i < s.npoints; i++) {
		const struct sr_sweep_point *p = &s.pt[i];
		double bs = (double)sr_sweep_num(&s, p, SR_DIM_BS), qd = (double)sr_sweep_num(&s, p, SR_DIM_QD);
		double bw = bs * qd * 1000 > 1e9 ? 1e9 : bs * qd * 1000;

		assert_int_equal(p->n, 3);
		/* samples 1.0, 0.9, 1.2 times bw: median 1.0, min 0.9, max 1.2 */
		assert_true(p->med[SR_SM_BW] == bw);
		assert_true(p->min[SR_SM_BW] == bw * 0.9);
		assert_true(p->max[SR_SM_BW] == bw * 1.2);
		assert_true(p->med[SR_SM_RP99] == qd * 1000);
	}
	/* best is 1 GB/s; 90% of it is first reached at bs 16k (with qd 64:
	 * 16k x 64 x 1000 = 1.05 GB/s, capped), the smallest qd there */
	knee = sr_sweep_knee(&s, 0.9, &best);
	assert_true(knee >= 0 && best >= 0);
	assert_true(sr_sweep_num(&s, &s.pt[knee], SR_DIM_BS) == 16 * K);
	assert_true(sr_sweep_num(&s, &s.pt[knee], SR_DIM_QD) == 64);
	assert_true(s.pt[best].med[SR_SM_BW] == 1e9);
	/* a looser knee moves to smaller requests or depths */
	knee = sr_sweep_knee(&s, 0.2, NULL);
	assert_true(sr_sweep_num(&s, &s.pt[knee], SR_DIM_BS) == 4 * K);
	assert_true(sr_sweep_num(&s, &s.pt[knee], SR_DIM_QD) == 64);
	sr_sweep_free(&s);
}

static void test_stop_and_reports(void **state)
{
	static struct sr_sweep s;
	volatile sig_atomic_t stop = 0;
	struct sr_err e = { 0 };
	struct fake f = { .stop_after = 4, .stop = &stop };
	struct sr_sweep_info in = { .target = "dev", .source = "pattern:seq", .runtime_s = 0.1, .seed = 7,
				    .shuffle = 1, .spec_Bps = 2e9 };
	json_error_t je;
	json_t *j;
	char *buf = NULL;
	size_t len = 0, i, rows = 0;
	FILE *mf;

	(void)state;
	grid(&s, "4k,64k", "1,8");
	assert_int_equal(sr_sweep_init(&s, 2, 7, 1, &e), 0);
	assert_int_equal(sr_sweep_execute(&s, fake_run, &f, NULL, NULL, &stop, &e), 0);
	assert_true(s.stopped);
	assert_int_equal(s.done, 3);
	for (i = 0; i < s.npoints; i++)
		rows += s.pt[i].n > 0;

	mf = open_memstream(&buf, &len);
	assert_int_equal(sr_sweep_write_csv(mf, &s, &in), 0);
	fclose(mf);
	/* header + one row per point with data, each ending in % of spec */
	for (i = 0, len = 0; buf[i]; i++)
		len += buf[i] == '\n';
	assert_int_equal(len, 1 + rows);
	assert_non_null(strstr(buf, "bs,qd,page,engine,threads,policy,mem_bytes,repeats,bw_Bps,"));
	free(buf);

	buf = NULL;
	mf = open_memstream(&buf, &len);
	assert_int_equal(sr_sweep_write_json(mf, &s, &in), 0);
	fclose(mf);
	j = json_loads(buf, 0, &je);
	assert_non_null(j);
	assert_true(json_is_false(json_object_get(json_object_get(j, "ssdreplay"), "complete")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "ssdreplay"), "runs_done")), 3);
	assert_int_equal(json_array_size(json_object_get(j, "points")), rows);
	{
		json_t *p0 = json_array_get(json_object_get(j, "points"), 0);
		json_t *rd = json_object_get(p0, "read");

		assert_true(json_is_integer(json_object_get(rd, "bw_Bps")));
		assert_non_null(json_object_get(rd, "iops"));
		assert_non_null(json_object_get(rd, "clat_mean_ns"));
		assert_true(json_is_integer(json_object_get(rd, "clat_p99_ns")));
		assert_non_null(json_object_get(p0, "spec_pct"));
	}
	assert_non_null(json_object_get(json_object_get(j, "ssdreplay"), "knee"));
	json_decref(j);
	free(buf);
	sr_sweep_free(&s);

	/* a failing run ends the sweep with its error; what ran is kept */
	grid(&s, "4k,64k", "1,8");
	assert_int_equal(sr_sweep_init(&s, 1, 7, 1, &e), 0);
	f = (struct fake){ .fail_at = 3 };
	assert_int_equal(sr_sweep_execute(&s, fake_run, &f, NULL, NULL, NULL, &e), -EIO);
	assert_string_equal(e.msg, "device gone");
	assert_int_equal(s.done, 2);
	sr_sweep_free(&s);
}

/* --policy splits on ';' (specs hold ':' and ','); --mem takes % of a base. */
static void test_parse_policy_mem(void **state)
{
	static struct sr_sweep_axis a;
	struct sr_err e = { 0 };

	(void)state;
	assert_int_equal(sr_sweep_parse(SR_DIM_POLICY, "lru;pinned:*norm*,token_embd*;lookahead:2", &a, &e), 0);
	assert_int_equal(a.n, 3);
	assert_string_equal(a.v[1].s, "pinned:*norm*,token_embd*");
	assert_string_equal(a.v[2].s, "lookahead:2");
	expect_bad(SR_DIM_POLICY, "lru;;oracle", "--policy: empty item");
	expect_bad(SR_DIM_POLICY, "lru; oracle", "without blanks or quotes");

	assert_int_equal(sr_sweep_parse_mem("25%,100%,1m", 1000000, &a, &e), 0);
	assert_int_equal(a.n, 3);
	assert_true(a.v[0].n == 250000 && a.v[1].n == 1000000 && a.v[2].n == M);
	assert_string_equal(a.v[0].s, "25%");
	assert_int_equal(sr_sweep_parse_mem("10%..100%:+30", 1000, &a, &e), 0);
	assert_int_equal(a.n, 4);
	assert_true(a.v[0].n == 100 && a.v[1].n == 400 && a.v[2].n == 700 && a.v[3].n == 1000);
	assert_int_equal(sr_sweep_parse_mem("25%..100%", 1000, &a, &e), 0); /* both ends */
	assert_int_equal(a.n, 2);
	assert_int_equal(sr_sweep_parse_mem("12.5%..100%:x2", 800, &a, &e), 0);
	assert_int_equal(a.n, 4);
	assert_true(a.v[3].n == 800);
	assert_int_equal(sr_sweep_parse_mem("256m..1g", 1, &a, &e), 0);
	assert_int_equal(a.n, 3);
	{
		static const char *const bad[] = { "0%", "25%..10%", "x%", "10%..100%:x1", "10%..100%:+0", "10%%",
						   "10%..", "abc", "", "1%,,2%" };
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			memset(&e, 0, sizeof(e));
			assert_true(sr_sweep_parse_mem(bad[i], 1000, &a, &e) < 0);
			assert_true(e.bad_input);
			assert_non_null(strstr(e.msg, "--mem"));
		}
		memset(&e, 0, sizeof(e));
		assert_true(sr_sweep_parse_mem("0.01%", 100, &a, &e) < 0); /* rounds to 0 bytes */
		assert_non_null(strstr(e.msg, "at least 1 byte"));
	}
}

/* Simulate points: tokens/s over policy x mem, its CSV (a quoted policy)
 * and JSON. */
static int fake_sim(void *arg, const struct sr_sweep *s, const struct sr_sweep_point *p,
		    struct sr_sweep_sample *out, struct sr_err *e)
{
	double mem = (double)sr_sweep_num(s, p, SR_DIM_MEM);

	(void)arg;
	(void)e;
	out->sim.tokens_per_s = mem / 100 * (p->idx[SR_DIM_POLICY] + 1);
	out->sim.stall_p50_ns = 1e6;
	out->sim.stall_p99_ns = 2e6 + p->n;
	out->sim.hit_rate = 0.5;
	out->sim.read_bytes = 1e6 / mem;
	out->sim.tokens = 8;
	out->bw_bytes = 1e9;
	return 0;
}

static void test_sim_reports(void **state)
{
	static struct sr_sweep s;
	struct sr_err e = { 0 };
	struct sr_sweep_info in = { .target = "m.gguf", .source = "tiny", .model = "tiny", .model_bytes = 1000,
				    .tokens = 8, .shuffle = 1 };
	json_error_t je;
	json_t *j, *pts;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *mf;
	int d;

	(void)state;
	memset(&s, 0, sizeof(s));
	for (d = 0; d < SR_DIM_NR; d++)
		sr_sweep_default(&s.ax[d], d == SR_DIM_THREADS || d == SR_DIM_BS || d == SR_DIM_QD,
				 d == SR_DIM_ENGINE ? "io_uring" : NULL);
	assert_int_equal(sr_sweep_parse(SR_DIM_POLICY, "lru;pinned:a*,b*", &s.ax[SR_DIM_POLICY], &e), 0);
	assert_int_equal(sr_sweep_parse_mem("25%,50%,100%", 1000, &s.ax[SR_DIM_MEM], &e), 0);
	assert_int_equal(sr_sweep_init(&s, 3, 1, 1, &e), 0);
	s.sim = 1;
	assert_int_equal(sr_sweep_execute(&s, fake_sim, NULL, NULL, NULL, NULL, &e), 0);
	assert_int_equal(s.npoints, 6);
	for (i = 0; i < s.npoints; i++) {
		assert_true(s.pt[i].med[SR_SM_TPS] ==
			    (double)sr_sweep_num(&s, &s.pt[i], SR_DIM_MEM) / 100 * (s.pt[i].idx[SR_DIM_POLICY] + 1));
		assert_true(s.pt[i].med[SR_SM_STALL99] == 2e6 + 1);  /* samples 2e6, +1, +2 */
		assert_true(s.pt[i].max[SR_SM_STALL99] == 2e6 + 2);
	}

	mf = open_memstream(&buf, &len);
	assert_int_equal(sr_sweep_write_csv(mf, &s, &in), 0);
	fclose(mf);
	assert_non_null(strstr(buf, "policy,mem_bytes,mem_pct,repeats,tokens,tokens_per_s,"));
	assert_non_null(strstr(buf, ",\"pinned:a*,b*\",250,25.0,3,8,5.000,"));
	for (i = 0, len = 0; buf[i]; i++)
		len += buf[i] == '\n';
	assert_int_equal(len, 7);
	free(buf);

	buf = NULL;
	mf = open_memstream(&buf, &len);
	assert_int_equal(sr_sweep_write_json(mf, &s, &in), 0);
	fclose(mf);
	j = json_loads(buf, 0, &je);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "ssdreplay"), "mode")), "simulate");
	assert_null(json_object_get(json_object_get(j, "ssdreplay"), "knee"));
	pts = json_object_get(j, "points");
	assert_int_equal(json_array_size(pts), 6);
	for (i = 0; i < 6; i++) {
		json_t *p = json_array_get(pts, i);

		assert_non_null(json_object_get(p, "tokens_per_s"));
		assert_true(json_is_integer(json_object_get(p, "stall_p99_ns")));
		assert_true(json_real_value(json_object_get(p, "hit_pct")) == 50); /* a percent, as simulate's */
		assert_int_equal(json_array_size(json_object_get(p, "samples")), 3);
	}
	json_decref(j);
	free(buf);
	sr_sweep_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_execute_and_knee),
		cmocka_unit_test(test_stop_and_reports),
		cmocka_unit_test(test_parse_policy_mem),
		cmocka_unit_test(test_sim_reports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
