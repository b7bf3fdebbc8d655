/* The faulty engine (replay/engine_faulty.c) over the null engine, and the
 * --fault / --on-error parsers: fail-at hits exactly the Nth completion, the
 * rates and the seed decide the rest repeatably, short completions are
 * multiples of the alignment and never 0, delayed completions come back
 * from reap() no earlier than asked and never get lost. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "replay/engine.h"
#include "replay/replay.h"
#include "base/units.h"

#define QD 8
#define LEN 4096

struct rig {
	struct sr_engine eng;
	struct sr_io ios[QD];
	char buf[QD][LEN];
	int fd;
};

static void rig_init(struct rig *r, struct sr_faults *f)
{
	struct sr_err e = { 0 };
	unsigned i;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	f->inner = &sr_engine_null;
	for (i = 0; i < QD; i++) {
		r->ios[i].idx = i;
		r->ios[i].buf = r->buf[i];
	}
	r->eng.ops = &sr_engine_faulty;
	r->eng.cfg = (struct sr_engine_cfg){ .fds = &r->fd, .nr_fds = 1, .qd = QD, .ios = r->ios,
					     .buf_size = LEN, .buf_base = r->buf, .faults = f };
	assert_int_equal(sr_engine_faulty.init(&r->eng, &e), 0);
}

/* Queue one request on slot i; returns the completed io (waiting for a
 * delayed one) with its res. */
static int64_t one(struct rig *r, unsigned i, uint32_t len)
{
	struct sr_io *io = &r->ios[i], *out[QD];
	int ret;

	io->off = (uint64_t)i * LEN;
	io->len = len;
	io->op = SR_OP_READ;
	io->res = 0;
	ret = sr_engine_faulty.queue(&r->eng, io);
	if (ret == SR_Q_COMPLETED)
		return io->res;
	assert_int_equal(ret, SR_Q_QUEUED);
	assert_int_equal(sr_engine_faulty.reap(&r->eng, 1, QD, 0, out), 1);
	assert_ptr_equal(out[0], io);
	return io->res;
}

static void test_fail_at(void **state)
{
	struct sr_faults f = { .fail_at = { 3, 5 }, .nr_fail_at = 2, .align = 512 };
	struct rig r;
	unsigned i;

	(void)state;
	rig_init(&r, &f);
	for (i = 1; i <= 8; i++) {
		int64_t res = one(&r, 0, LEN);

		assert_int_equal(res, i == 3 || i == 5 ? -EIO : LEN);
	}
	assert_int_equal(f.seq, 8);
	assert_int_equal(f.injected_eio, 2);
	sr_engine_faulty.cleanup(&r.eng);
}

/* The same seed gives the same sequence of results; a rate of p hits about
 * p of 20000 completions; shorts are aligned, nonzero and shorter. */
static void test_rates_seed(void **state)
{
	struct sr_faults f1 = { .eio = 0.1, .short_rate = 0.2, .seed = 42, .align = 512 };
	struct sr_faults f2 = f1, f3 = f1;
	struct rig r1, r2, r3;
	unsigned i, eio = 0, shrt = 0, diff = 0;

	(void)state;
	f3.seed = 43;
	rig_init(&r1, &f1);
	rig_init(&r2, &f2);
	rig_init(&r3, &f3);
	for (i = 0; i < 20000; i++) {
		int64_t a = one(&r1, i % QD, LEN), b = one(&r2, i % QD, LEN), c = one(&r3, i % QD, LEN);

		assert_true(a == b);
		diff += a != c;
		if (a == -EIO) {
			eio++;
		} else if (a != LEN) {
			assert_true(a > 0 && a < LEN && a % 512 == 0);
			shrt++;
		}
	}
	assert_int_equal(f1.injected_eio, eio);
	assert_int_equal(f1.injected_short, shrt);
	assert_in_range(eio, 1700, 2300);           /* 10% of 20000, +-15% */
	assert_in_range(shrt, 0.9 * 0.2 * 18000, 1.1 * 0.2 * 18000); /* of those not failed */
	assert_true(diff > 1000);                   /* another seed, other faults */
	/* a request of one block cannot be cut short */
	for (i = 0; i < 1000; i++) {
		int64_t a = one(&r1, 0, 512);

		assert_true(a == 512 || a == -EIO);
	}
	sr_engine_faulty.cleanup(&r1.eng);
	sr_engine_faulty.cleanup(&r2.eng);
	sr_engine_faulty.cleanup(&r3.eng);
}

/* Delays: every completion held 20 ms; reap(min 0) returns nothing early,
 * reap with a short timeout returns on time with what is due, and all QD
 * come back. */
static void test_delay(void **state)
{
	struct sr_faults f = { .delay_rate = 1, .delay_ns = 20000000, .align = 512 };
	struct sr_io *out[QD];
	struct rig r;
	uint64_t t0, t1;
	unsigned i, got = 0;
	int n;

	(void)state;
	rig_init(&r, &f);
	t0 = sr_now_ns();
	for (i = 0; i < QD; i++) {
		r.ios[i].len = LEN;
		assert_int_equal(sr_engine_faulty.queue(&r.eng, &r.ios[i]), SR_Q_QUEUED);
	}
	/* nothing is due before 20 ms: checked only while that holds, so a
	 * machine that stalls the test for 20 ms does not fail it */
	n = sr_engine_faulty.reap(&r.eng, 0, QD, 0, out);
	if (sr_now_ns() - t0 < 20000000)
		assert_int_equal(n, 0);
	got += (unsigned)(n > 0 ? n : 0);
	n = sr_engine_faulty.reap(&r.eng, 1, QD, 1000000, out); /* 1 ms: too early */
	if (sr_now_ns() - t0 < 20000000)
		assert_int_equal(n, 0);
	got += (unsigned)(n > 0 ? n : 0);
	while (got < QD) {
		n = sr_engine_faulty.reap(&r.eng, 1, QD, 0, out);
		assert_true(n > 0);
		for (i = 0; i < (unsigned)n; i++)
			assert_int_equal(out[i]->res, LEN);
		got += (unsigned)n;
	}
	t1 = sr_now_ns();
	assert_true(t1 - t0 >= 20000000);
	assert_int_equal(f.injected_delay, QD);
	assert_int_equal(sr_engine_faulty.reap(&r.eng, 0, QD, 0, out), 0);
	sr_engine_faulty.cleanup(&r.eng);
}

static void test_parse(void **state)
{
	struct sr_faults f;
	struct sr_err e = { 0 };
	unsigned retries = 9;
	int pol = -1;

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_int_equal(sr_faults_parse("t", "eio:0.5,short:1,delay:10:0.25,fail-at:7", &f, &e), 0);
	assert_true(f.eio == 0.5 && f.short_rate == 1 && f.delay_rate == 0.25);
	assert_int_equal(f.delay_ns, 10000000);
	assert_int_equal(f.nr_fail_at, 1);
	assert_int_equal(f.fail_at[0], 7);
	assert_int_equal(sr_faults_parse("t", "fail-at:9", &f, &e), 0); /* repeatable: adds */
	assert_int_equal(f.nr_fail_at, 2);
	{
		static const char *const bad[] = { "", "eio", "eio:1.5", "eio:-0.1", "eio:nan", "short:x",
						   "delay:10", "delay:x:0.1", "delay:99999999:0.1",
						   "fail-at:0", "fail-at:-1", "bogus:1", "eio:0.1,,", ",",
						   "eio: 0.1", NULL };
		const char *const *b;

		for (b = bad; *b; b++) {
			int ret;

			sr_err_clear(&e);
			memset(&f, 0, sizeof(f));
			ret = sr_faults_parse("t", *b, &f, &e);
			if (!ret && !strcmp(*b, "eio:0.1,,"))
				continue; /* empty items between commas are skipped by strtok */
			if (ret != -EINVAL || !e.bad_input || !strstr(e.msg, "--fault"))
				fail_msg("--fault '%s' accepted (%d)", *b, ret);
		}
	}
	assert_int_equal(sr_on_error_parse("t", "retry:3,continue", &pol, &retries, &e), 0);
	assert_int_equal(pol, SR_ON_ERROR_CONTINUE);
	assert_int_equal(retries, 3);
	assert_int_equal(sr_on_error_parse("t", "stop", &pol, &retries, &e), 0);
	assert_int_equal(pol, SR_ON_ERROR_STOP);
	assert_int_equal(retries, 0);
	assert_int_equal(sr_on_error_parse("t", "retry:0", &pol, &retries, &e), -EINVAL);
	sr_err_clear(&e);
	assert_int_equal(sr_on_error_parse("t", "retry:1001", &pol, &retries, &e), -EINVAL);
	sr_err_clear(&e);
	assert_int_equal(sr_on_error_parse("t", "sometimes", &pol, &retries, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "--on-error: expected stop, continue"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fail_at),
		cmocka_unit_test(test_rates_seed),
		cmocka_unit_test(test_delay),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
