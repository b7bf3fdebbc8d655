/* study verdicts and the predictor on made-up figures: each hypothesis's
 * thresholds on both sides, the missing-figure cases, the curve and the
 * least-squares fit recovering known coefficients. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <string.h>

#include "study/study.h"

static void test_h1(void **st)
{
	struct sr_judgement j;

	(void)st;
	sr_study_h1(0, 92.5, NULL, &j);
	assert_int_equal(j.v, SR_V_SUPPORTED);
	assert_non_null(strstr(j.why, "92.5%"));
	sr_study_h1(0, 80.0, NULL, &j); /* "> 80%": 80 is not above */
	assert_int_equal(j.v, SR_V_REFUTED);
	sr_study_h1(1, 40.0, NULL, &j);
	assert_int_equal(j.v, SR_V_SUPPORTED);
	sr_study_h1(1, 60.1, NULL, &j);
	assert_int_equal(j.v, SR_V_REFUTED);
	sr_study_h1(1, 33.1, NULL, &j); /* the published gpt-oss-20b figure */
	assert_int_equal(j.v, SR_V_REFUTED);
	sr_study_h1(1, -1, "tracefs: no such file", &j);
	assert_int_equal(j.v, SR_V_INCONCLUSIVE);
	assert_non_null(strstr(j.why, "tracefs"));
}

static void test_h2(void **st)
{
	struct sr_judgement j;

	(void)st;
	sr_study_h2(0, 10, 3, &j); /* 3.33x */
	assert_int_equal(j.v, SR_V_SUPPORTED);
	assert_non_null(strstr(j.why, "3.33x"));
	sr_study_h2(0, 10, 1, &j); /* 10x */
	assert_int_equal(j.v, SR_V_REFUTED);
	sr_study_h2(0, 10, 6, &j); /* 1.67x: faster than the hypothesis */
	assert_int_equal(j.v, SR_V_REFUTED);
	sr_study_h2(1, 10, 6, &j); /* 1.67x at 50% */
	assert_int_equal(j.v, SR_V_SUPPORTED);
	sr_study_h2(1, 10, 5, &j); /* 2x at 50%: linear or worse */
	assert_int_equal(j.v, SR_V_REFUTED);
	sr_study_h2(1, 0, 5, &j);
	assert_int_equal(j.v, SR_V_INCONCLUSIVE);
}

static void test_h3(void **st)
{
	/* swappiness 0, 60, 100 */
	struct sr_h3_figs f = { .have_swap = 0, .per_cgroup = 1, .tps = { 1, 1.05, 2 }, .read = { 100, 100, 50 },
				.swapout = { 0, 0, 1 << 20 } };
	struct sr_judgement j;

	(void)st;
	sr_study_h3(&f, &j); /* a big effect, but no swap: nothing to attribute it to */
	assert_int_equal(j.v, SR_V_INCONCLUSIVE);
	assert_non_null(strstr(j.why, "no swap device"));
	assert_non_null(strstr(j.why, "--swap-file"));
	f.have_swap = 1;
	f.per_cgroup = 0;
	sr_study_h3(&f, &j);
	assert_int_equal(j.v, SR_V_INCONCLUSIVE);
	assert_non_null(strstr(j.why, "cgroup v2"));
	f.per_cgroup = 1;
	sr_study_h3(&f, &j);
	assert_int_equal(j.v, SR_V_SUPPORTED);
	assert_non_null(strstr(j.why, "100: 2 tokens/s, 0.0 MiB read, 1.0 MiB swapped out"));
	assert_non_null(strstr(j.why, "100 vs 0: tokens/s +100%"));
	f.tps[2] = 1.05;
	f.read[2] = 95;
	sr_study_h3(&f, &j); /* 5% either way: no effect */
	assert_int_equal(j.v, SR_V_REFUTED);
	f.tps[2] = 1.2;
	sr_study_h3(&f, &j); /* 20% tokens/s: inside the noise of identical runs */
	assert_int_equal(j.v, SR_V_REFUTED);
	f.tps[2] = 0.7;
	sr_study_h3(&f, &j); /* 30% slower */
	assert_int_equal(j.v, SR_V_SUPPORTED);
	f.tps[2] = 1.05;
	f.read[2] = 89;
	sr_study_h3(&f, &j); /* 11% fewer bytes */
	assert_int_equal(j.v, SR_V_SUPPORTED);
	f.read[2] = 100;
	f.tps[1] = 0.7; /* the effect at 60 counts too */
	sr_study_h3(&f, &j);
	assert_int_equal(j.v, SR_V_SUPPORTED);
	assert_non_null(strstr(j.why, "60 vs 0: tokens/s -30%"));
	f.swapout[2] = 0;
	sr_study_h3(&f, &j); /* swap on, but the kernel swapped nothing */
	assert_int_equal(j.v, SR_V_INCONCLUSIVE);
	assert_non_null(strstr(j.why, "nothing was swapped out"));
	f.swapout[1] = 4096; /* at 60 it did */
	sr_study_h3(&f, &j);
	assert_int_equal(j.v, SR_V_SUPPORTED);
	f.tps[0] = 0;
	sr_study_h3(&f, &j);
	assert_int_equal(j.v, SR_V_INCONCLUSIVE);
}

static void test_h4(void **st)
{
	struct sr_judgement j;

	(void)st;
	sr_study_h4(65, 45, &j);
	assert_int_equal(j.v, SR_V_SUPPORTED);
	sr_study_h4(45, 65, &j); /* MoE closer */
	assert_int_equal(j.v, SR_V_REFUTED);
	sr_study_h4(85, 45, &j);
	assert_int_equal(j.v, SR_V_REFUTED);
	sr_study_h4(-1, 45, &j);
	assert_int_equal(j.v, SR_V_INCONCLUSIVE);
	assert_non_null(strstr(j.why, "no spec"));
}

static void test_h5(void **st)
{
	struct sr_judgement j;

	(void)st;
	sr_study_h5(1.02, 0.6, &j); /* MoE loses at 2M, dense does not care */
	assert_int_equal(j.v, SR_V_SUPPORTED);
	sr_study_h5(1.3, 1.3, &j); /* matters, but alike */
	assert_int_equal(j.v, SR_V_REFUTED);
	sr_study_h5(1.05, 0.97, &j); /* matters for neither */
	assert_int_equal(j.v, SR_V_REFUTED);
	sr_study_h5(1.05, -1, &j);
	assert_int_equal(j.v, SR_V_INCONCLUSIVE);
}

static void test_curve_mix(void **st)
{
	struct sr_curve c = { 0 };
	struct sr_mix m = { 0 };

	(void)st;
	assert_true(sr_curve_at(&c, 4096) == 0);
	sr_curve_add(&c, 1u << 20, 2e9);
	sr_curve_add(&c, 4096, 1e8);
	sr_curve_add(&c, 65536, 1e9);
	sr_curve_add(&c, 65536, 0.5e9); /* the better of two stays */
	assert_int_equal(c.n, 3);
	assert_true(c.bs[0] == 4096 && c.bs[2] == 1u << 20);
	assert_true(fabs(sr_curve_at(&c, 65536) - 1e9) < 1);
	assert_true(fabs(sr_curve_at(&c, 1024) - 1e8) < 1);      /* flat below */
	assert_true(fabs(sr_curve_at(&c, 8u << 20) - 2e9) < 1);  /* and above */
	assert_true(fabs(sr_curve_at(&c, 256u << 10) - 1.5e9) < 1); /* halfway in log2 */
	sr_mix_add(&m, 65536);
	sr_mix_add(&m, 65536);
	sr_mix_add(&m, 1u << 20);
	sr_mix_add(&m, 1000); /* (512, 1024] bin: below the curve, at 4 KiB's bandwidth */
	assert_true(fabs(sr_mix_total(&m) - (131072 + 1048576 + 1000)) < 1e-6);
	assert_true(fabs(sr_mix_seconds(&m, &c) - (131072 / 1e9 + 1048576 / 2e9 + 1000 / 1e8)) < 1e-12);
}

static void test_predictor(void **st)
{
	struct sr_pred_run r[6];
	struct sr_pred p;
	struct sr_judgement j;
	const double a = 0.7, b = 2.5, seq[6] = { 0.9, 0.1, 0.5, 0.3, 0.8, 0.6 };
	size_t i;

	(void)st;
	for (i = 0; i < 6; i++) {
		r[i] = (struct sr_pred_run){ .compute_s = 0.05 * (double)(i + 1), .io_s = 0.1 + 0.2 * (double)i,
					     .seq = seq[i] };
		r[i].tps = 1 / (r[i].compute_s + r[i].io_s * (a * seq[i] + b * (1 - seq[i])));
	}
	assert_int_equal(sr_pred_fit(r, 6, &p), 0);
	assert_true(fabs(p.a - a) < 1e-6 && fabs(p.b - b) < 1e-6);
	assert_true(p.mape < 1e-6 && p.loo_mape < 1e-6);
	assert_int_equal(p.n, 6);
	sr_study_pred(&p, &j);
	assert_int_equal(j.v, SR_V_SUPPORTED);
	/* one measurement far off: the left-one-out error shows it */
	r[2].tps *= 3;
	assert_int_equal(sr_pred_fit(r, 6, &p), 0);
	assert_true(p.loo_mape > p.mape && p.loo_mape > 25);
	sr_study_pred(&p, &j);
	assert_int_equal(j.v, SR_V_REFUTED);
	/* equal shares: one multiplier */
	for (i = 0; i < 6; i++) {
		r[i].seq = 0.5;
		r[i].tps = 1 / (r[i].compute_s + r[i].io_s * 1.2);
	}
	assert_int_equal(sr_pred_fit(r, 6, &p), 0);
	assert_true(p.one_coef && fabs(p.a - 1.2) < 1e-6);
	/* too few runs */
	assert_int_equal(sr_pred_fit(r, 1, &p), -EINVAL);
	sr_study_pred(&p, &j);
	assert_int_equal(j.v, SR_V_INCONCLUSIVE);
	/* the bound: data wanting a negative coefficient gets 0 */
	for (i = 0; i < 6; i++) {
		r[i].seq = seq[i];
		r[i].tps = 1 / (r[i].compute_s + r[i].io_s * (1 - seq[i]) * 1.5);
	}
	assert_int_equal(sr_pred_fit(r, 6, &p), 0);
	assert_true(p.a >= 0 && p.b >= 0);
	assert_true(fabs(p.b - 1.5) < 1e-6 && p.a < 1e-6);
}

static void test_p2(void **st)
{
	struct sr_p2_fig f[2] = {
		{ .what = "50%", .pred_tps = 1.2, .real_tps = 1.0, .pred_bpt = 110 << 20, .real_bpt = 100 << 20 },
		{ .what = "streamed", .pred_tps = 0.8, .real_tps = 1.0, .pred_bpt = 90 << 20, .real_bpt = 100 << 20 },
	};
	struct sr_judgement j;

	(void)st;
	sr_study_p2(f, 2, NULL, &j); /* 1.20x and 0.80x tokens/s, 1.10x and 0.90x bytes: all in */
	assert_int_equal(j.v, SR_V_SUPPORTED);
	assert_non_null(strstr(j.why, "50%: tokens/s 1.20x"));
	assert_non_null(strstr(j.why, "streamed: tokens/s 0.80x"));
	assert_non_null(strstr(j.why, "MiB/token 1.10x (110.0, 100.0)"));
	f[1].pred_tps = 0.7; /* 0.70x: out of +-25% */
	sr_study_p2(f, 2, NULL, &j);
	assert_int_equal(j.v, SR_V_REFUTED);
	f[1].pred_tps = 0.8;
	f[0].pred_bpt = 120 << 20; /* bytes 1.20x: out of +-15% */
	sr_study_p2(f, 2, NULL, &j);
	assert_int_equal(j.v, SR_V_REFUTED);
	sr_study_p2(f, 1, NULL, &j); /* one point, out */
	assert_int_equal(j.v, SR_V_REFUTED);
	sr_study_p2(f + 1, 1, NULL, &j); /* one point, in */
	assert_int_equal(j.v, SR_V_SUPPORTED);
	sr_study_p2(f, 0, "no memory cgroup here", &j);
	assert_int_equal(j.v, SR_V_INCONCLUSIVE);
	assert_non_null(strstr(j.why, "no memory cgroup here"));
	f[0].real_tps = 0; /* a figure missing: no verdict on it */
	sr_study_p2(f, 2, NULL, &j);
	assert_int_equal(j.v, SR_V_INCONCLUSIVE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_h1),     cmocka_unit_test(test_h2),        cmocka_unit_test(test_h3),
		cmocka_unit_test(test_h4),     cmocka_unit_test(test_h5),        cmocka_unit_test(test_curve_mix),
		cmocka_unit_test(test_predictor), cmocka_unit_test(test_p2),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
