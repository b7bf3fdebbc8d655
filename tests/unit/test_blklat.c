/* Q/D/C pairing (trace/blklat.h): the matcher itself (merges, requeues,
 * strays, several devices, the end), the blktrace and blkparse readers
 * feeding it while still making one record per request, and convert's
 * blktrace writer turning the paired latencies into C events and the
 * process names into BLK_TN_PROCESS notes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "trace_util.h"
#include "blktrace_fx.h"

#include "base/source.h"
#include "trace/blklat.h"
#include "trace/writer.h"

static struct sr_blklat *new_lat(int remember)
{
	struct sr_blklat *l = NULL;

	assert_int_equal(sr_blklat_new(remember, &l), 0);
	return l;
}

static void ev(struct sr_blklat *l, uint32_t minor, char a, uint64_t sector, uint64_t t, uint64_t seq)
{
	assert_int_equal(sr_blklat_event(l, 8, minor, a, sector, 8, t, seq), 0);
}

static const struct sr_blklat_dev *dev_at(const struct sr_blklat *l, unsigned i, unsigned want_n)
{
	const struct sr_blklat_dev *d[SR_BLKLAT_DEVS];

	assert_int_equal(sr_blklat_devs(l, d, NULL), want_n);
	return d[i];
}

static void test_matcher(void **state)
{
	struct sr_blklat *l = new_lat(1);
	const struct sr_blklat_dev *d;
	uint64_t ns;

	(void)state;
	ev(l, 0, 'Q', 100, 1000, 1); /* a whole request: Q2D 500, D2C 2500, Q2C 3000 */
	ev(l, 0, 'D', 100, 1500, 2);
	ev(l, 0, 'C', 100, 4000, 3);
	ev(l, 0, 'D', 200, 5000, 4); /* no Q: D2C only */
	ev(l, 0, 'C', 200, 6000, 5);
	ev(l, 0, 'C', 300, 7000, 6); /* a stray completion */
	ev(l, 0, 'Q', 400, 8000, 7); /* merged into another request */
	ev(l, 0, 'M', 400, 8100, 8);
	ev(l, 0, 'Q', 500, 9000, 9); /* requeued once: Q2D 500 and 800 */
	ev(l, 0, 'D', 500, 9500, 10);
	ev(l, 0, 'R', 500, 9600, 11);
	ev(l, 0, 'D', 500, 9800, 12);
	ev(l, 0, 'C', 500, 10800, 13);
	ev(l, 0, 'Q', 600, 11000, 14); /* left queued, and issued, at the end */
	ev(l, 0, 'D', 700, 11000, 15);
	ev(l, 16, 'Q', 100, 1000, 16); /* the same sector on another device */
	ev(l, 16, 'D', 100, 1100, 17);
	ev(l, 16, 'C', 100, 1300, 18);
	assert_int_equal(sr_blklat_event(l, 8, 0, 'Q', 900, 0, 1, 19), 0); /* a flush: not paired */
	assert_int_equal(sr_blklat_event(l, 8, 0, 'G', 900, 8, 1, 20), 0); /* not needed */
	sr_blklat_finish(l);
	ev(l, 0, 'C', 600, 20000, 21); /* after the end: ignored */

	d = dev_at(l, 0, 2);
	assert_int_equal(d->major, 8);
	assert_int_equal(d->minor, 0);
	assert_int_equal(d->q, 4);
	assert_int_equal(d->d, 5);
	assert_int_equal(d->c, 4);
	assert_int_equal(d->q2d.n, 3);
	assert_int_equal((uint64_t)d->q2d.sum, 500 + 500 + 800);
	assert_int_equal(d->q2d.max, 800);
	assert_int_equal(d->d2c.n, 3);
	assert_int_equal((uint64_t)d->d2c.sum, 2500 + 1000 + 1000);
	assert_int_equal(d->q2c.n, 2);
	assert_int_equal((uint64_t)d->q2c.sum, 3000 + 1800);
	assert_int_equal(d->q2c.max, 3000);
	assert_int_equal(d->d_without_q, 2); /* sector 200 and 700 */
	assert_int_equal(d->c_unmatched, 1);
	assert_int_equal(d->merged, 1);
	assert_int_equal(d->requeued, 1);
	assert_int_equal(d->q_pending, 1);
	assert_int_equal(d->d_pending, 1);
	d = dev_at(l, 1, 2);
	assert_int_equal(d->minor, 16);
	assert_int_equal(d->q2c.n, 1);
	assert_int_equal(d->q2c.max, 300);

	/* remembered: from each event to its request's C */
	assert_int_equal(sr_blklat_lookup(l, 2, &ns), 0);
	assert_int_equal(ns, 2500);
	assert_int_equal(sr_blklat_lookup(l, 1, &ns), 0);
	assert_int_equal(ns, 3000);
	assert_int_equal(sr_blklat_lookup(l, 12, &ns), 0);
	assert_int_equal(ns, 1000);
	assert_int_equal(sr_blklat_lookup(l, 9, &ns), 0);
	assert_int_equal(ns, 1800);
	assert_int_equal(sr_blklat_lookup(l, 15, &ns), -ENOENT);
	assert_int_equal(sr_blklat_lookup(l, 7, &ns), -ENOENT);
	sr_blklat_free(l);
}

/* Many requests in flight at once, completed out of order: the table grows
 * and deletes without losing any. */
static void test_many_in_flight(void **state)
{
	struct sr_blklat *l = new_lat(0);
	const struct sr_blklat_dev *d;
	uint64_t i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		ev(l, 0, 'Q', i * 8, 10 * i, 0);
		ev(l, 0, 'D', i * 8, 10 * i + 5, 0);
	}
	for (i = 5000; i-- > 0;)
		ev(l, 0, 'C', i * 8, 100000 + i, 0);
	sr_blklat_finish(l);
	d = dev_at(l, 0, 1);
	assert_int_equal(d->q2c.n, 5000);
	assert_int_equal(d->q2d.max, 5);
	assert_int_equal(d->c_unmatched + d->q_pending + d->d_pending, 0);
	assert_int_equal(d->q2c.max, 100000);
	sr_blklat_free(l);
}

/* A trace without completions: past 2^18 requests in flight they are all
 * written off as pending, and pairing goes on. */
static void test_no_completions(void **state)
{
	struct sr_blklat *l = new_lat(0);
	const struct sr_blklat_dev *d;
	uint64_t i, n = 300000;

	(void)state;
	for (i = 0; i < n; i++) {
		ev(l, 0, 'Q', i * 8, 10 * i, 0);
		ev(l, 0, 'D', i * 8, 10 * i + 3, 0);
	}
	ev(l, 0, 'C', (n - 1) * 8, 10 * n, 0); /* still in flight: pairs */
	sr_blklat_finish(l);
	d = dev_at(l, 0, 1);
	assert_int_equal(d->q2d.n, n);
	assert_int_equal(d->q2d.max, 3);
	assert_int_equal(d->d2c.n, 1);
	assert_int_equal(d->d_pending, n - 1);
	assert_int_equal(d->q_pending, 0);
	sr_blklat_free(l);
}

static void test_comm(void **state)
{
	struct sr_blklat *l = new_lat(0);
	char name[64];
	uint32_t pid;

	(void)state;
	assert_null(sr_blklat_comm_of(l, 1));
	assert_int_equal(sr_blklat_comm(l, 1, "fio"), 0);
	assert_int_equal(sr_blklat_comm(l, 1, "dd"), 0); /* the first name stays */
	assert_int_equal(sr_blklat_comm(l, 2, "a-very-long-process-name"), 0);
	for (pid = 100; pid < 400; pid++) {
		snprintf(name, sizeof(name), "p%u", pid);
		assert_int_equal(sr_blklat_comm(l, pid, name), 0);
	}
	assert_string_equal(sr_blklat_comm_of(l, 1), "fio");
	assert_string_equal(sr_blklat_comm_of(l, 2), "a-very-long-pro");
	assert_string_equal(sr_blklat_comm_of(l, 399), "p399");
	assert_null(sr_blklat_comm_of(l, 3));
	sr_blklat_free(l);
}

/* ---- the readers ---- */

static struct recs read_lat(const char *path, const char *fmt, char event, struct sr_blklat *l, int dev_minor)
{
	struct sr_trace_opts o = { .event = event, .lat = l };
	struct sr_err e = { 0 };
	struct sr_source *s = NULL;
	struct recs out = { 0 };

	if (dev_minor >= 0) {
		o.have_dev = 1;
		o.dev_major = 8;
		o.dev_minor = (uint32_t)dev_minor;
	}
	if (sr_trace_open_opts(path, fmt, &o, &s, &e))
		fail_msg("open: %s", e.msg);
	if (read_all(s, 7, &out, &e))
		fail_msg("next: %s", e.msg);
	s->close(s);
	if (l)
		sr_blklat_finish(l);
	return out;
}

/* Three requests of pid 77 ("fio") with Q, G, I, D and C (C from pid 0),
 * one more merged into the first; times in us. */
static char *blktrace_fixture(const char *dir)
{
	static const uint64_t t[3][4] = { { 10, 12, 30, 130 }, { 40, 41, 45, 345 }, { 50, 60, 70, 90 } };
	struct fx f = { .ver = 7 };
	struct ev note = { 1, 0, 0, TN_PROCESS, 77, DEV(8, 0), "fio", 16 };
	char *path;
	int i;

	fx_add(&f, &note);
	for (i = 0; i < 3; i++) {
		uint64_t sec = 1000 * (uint64_t)(i + 1);

		fx_io(&f, t[i][0] * 1000, Q(C_READ), sec, 4096, 77);
		if (i == 0)
			fx_io(&f, t[i][0] * 1000 + 1, M(C_READ), sec + 8, 4096, 77);
		fx_io(&f, t[i][1] * 1000, G(C_READ), sec, 4096, 77);
		fx_io(&f, t[i][1] * 1000 + 1, ACT(5, C_QUEUE | C_READ), sec, 4096, 77); /* I */
	}
	for (i = 0; i < 3; i++)
		fx_io(&f, t[i][2] * 1000, D(C_READ), 1000 * (uint64_t)(i + 1), i ? 4096 : 8192, 77);
	fx_io(&f, 90000, CPL(C_READ), 3000, 4096, 0);
	fx_io(&f, 130000, CPL(C_READ), 1000, 8192, 0);
	fx_io(&f, 345000, CPL(C_READ), 2000, 4096, 0);
	path = fx_write(dir, "sda.blktrace.0", f.p, f.n);
	free(f.p);
	return path;
}

static void check_fixture_lat(const struct sr_blklat *l)
{
	const struct sr_blklat_dev *d = dev_at(l, 0, 1);

	assert_int_equal(d->q, 3);
	assert_int_equal(d->d, 3);
	assert_int_equal(d->c, 3);
	assert_int_equal(d->merged, 1);
	assert_int_equal((uint64_t)d->q2d.sum, (20 + 5 + 20) * 1000);
	assert_int_equal((uint64_t)d->d2c.sum, (100 + 300 + 20) * 1000);
	assert_int_equal(d->d2c.max, 300000);
	assert_int_equal((uint64_t)d->q2c.sum, (120 + 305 + 40) * 1000);
	assert_int_equal(d->q2c.max, 305000);
	assert_int_equal(d->q_pending + d->d_pending + d->c_unmatched + d->d_without_q, 0);
}

static void test_blktrace_reader(void **state)
{
	char *dir = tmp_dir(), *path = blktrace_fixture(dir);
	struct sr_blklat *l = new_lat(0), *other = new_lat(0);
	struct recs with, without;

	(void)state;
	with = read_lat(path, "blktrace", 'D', l, -1);
	without = read_lat(path, "blktrace", 'D', NULL, -1);
	same_recs(&with, &without); /* one record per request, as before */
	assert_int_equal(with.n, 3);
	check_fixture_lat(l);
	assert_string_equal(sr_blklat_comm_of(l, 77), "fio");
	free(with.r);
	free(without.r);
	/* --dev of another device: nothing paired */
	with = read_lat(path, "blktrace", 'Q', other, 16);
	assert_int_equal(with.n, 0);
	assert_int_equal(sr_blklat_devs(other, (const struct sr_blklat_dev *[SR_BLKLAT_DEVS]){ 0 }, NULL), 0);
	free(with.r);
	sr_blklat_free(l);
	sr_blklat_free(other);
	free(path);
	rm_dir(dir);
}

static const char blkparse_text[] =
	"  8,0    0        1     0.000010000    77  Q   R 1000 + 8 [fio]\n"
	"  8,0    0        2     0.000010001    77  M   R 1008 + 8 [fio]\n"
	"  8,0    0        3     0.000012000    77  G   R 1000 + 8 [fio]\n"
	"  8,0    0        4     0.000030000    77  D   R 1000 + 16 [fio]\n"
	"  8,0    1        5     0.000040000    77  Q   R 2000 + 8 [fio]\n"
	"  8,0    1        6     0.000045000    77  D   R 2000 + 8 [fio]\n"
	"  8,0    1        7     0.000050000    77  Q   R 3000 + 8 [fio]\n"
	"  8,0    1        8     0.000070000    77  D   R 3000 + 8 [fio]\n"
	"  8,0    1        9     0.000090000     0  C   R 3000 + 8 [0]\n"
	"  8,0    0       10     0.000130000     0  C   R 1000 + 16 [0]\n"
	"  8,0    1       11     0.000345000     0  C   R 2000 + 8 [0]\n"
	"CPU0 (8,0):\n Reads Queued: 2, 8KiB\n";

static void test_blkparse_reader(void **state)
{
	char *path = tmp_file(blkparse_text, sizeof(blkparse_text) - 1);
	struct sr_blklat *l = new_lat(0);
	struct recs with, without;

	(void)state;
	with = read_lat(path, "blkparse", 'D', l, -1);
	without = read_lat(path, "blkparse", 'D', NULL, -1);
	same_recs(&with, &without);
	assert_int_equal(with.n, 3);
	check_fixture_lat(l);
	assert_string_equal(sr_blklat_comm_of(l, 77), "fio");
	assert_null(sr_blklat_comm_of(l, 0)); /* a completion's [0] is its error */
	free(with.r);
	free(without.r);
	sr_blklat_free(l);
	drop_file(path);
}

/* ---- the blktrace writer ---- */

struct counts {
	unsigned q, d, c, notes;
	char name[17];
};

/* Count the writer's v7 records in buf (native byte order). */
static struct counts count_events(const uint8_t *p, size_t n)
{
	struct counts k = { 0 };
	uint32_t action;
	uint16_t pdu;
	size_t off;

	for (off = 0; off + 48 <= n; off += 48 + pdu) {
		memcpy(&action, p + off + 28, 4);
		memcpy(&pdu, p + off + 46, 2);
		if (action >> 16 & C_NOTIFY) {
			k.notes++;
			assert_int_equal(pdu, 16);
			memcpy(k.name, p + off + 48, 16);
		}
		k.q += (action & 0xffff) == 1;
		k.d += (action & 0xffff) == 7;
		k.c += (action & 0xffff) == 8;
	}
	assert_int_equal(off, n);
	return k;
}

/* The blkparse fixture to binary blktrace, paired first (remember) or not. */
static void convert(const char *in, const char *out, int pair)
{
	struct sr_blklat *l = pair ? new_lat(1) : NULL;
	struct sr_trace_opts o = { .event = 'D', .lat = l };
	struct sr_writer_cfg cfg = { .dev_major = 8, .lat = l };
	struct sr_writer *w = NULL;
	struct sr_source *s = NULL;
	struct sr_err e = { 0 };
	struct recs r = { 0 };
	FILE *f = fopen(out, "wb");

	assert_non_null(f);
	assert_int_equal(sr_trace_open_opts(in, "blkparse", &o, &s, &e), 0);
	if (l) {
		assert_int_equal(read_all(s, 64, &r, &e), 0);
		sr_blklat_finish(l);
		free(r.r);
		r = (struct recs){ 0 };
		assert_int_equal(s->rewind(s, &e), 0);
	}
	assert_int_equal(read_all(s, 64, &r, &e), 0);
	s->close(s);
	assert_int_equal(sr_writer_open("blktrace", f, &cfg, &w, &e), 0);
	assert_int_equal(sr_writer_write(w, r.r, r.n), 0);
	assert_int_equal(sr_writer_close(w), 0);
	assert_int_equal(fclose(f), 0);
	free(r.r);
	sr_blklat_free(l);
}

static void test_writer(void **state)
{
	char *dir = tmp_dir(), *in = tmp_file(blkparse_text, sizeof(blkparse_text) - 1), *out;
	struct sr_blklat *back = new_lat(0);
	const struct sr_blklat_dev *d;
	struct counts k;
	size_t n;
	uint8_t *buf;
	FILE *f;

	(void)state;
	assert_true(asprintf(&out, "%s/o.blktrace.0", dir) > 0);
	convert(in, out, 1);
	f = fopen(out, "rb");
	assert_non_null(f);
	buf = malloc(1 << 16);
	assert_non_null(buf);
	n = fread(buf, 1, 1 << 16, f);
	fclose(f);
	k = count_events(buf, n);
	assert_int_equal(k.q, 3);
	assert_int_equal(k.d, 3);
	assert_int_equal(k.c, 3);
	assert_int_equal(k.notes, 1);
	assert_string_equal(k.name, "fio");
	/* read back: each C at its D's time + the source's D2C */
	free(read_lat(out, "blktrace", 'D', back, -1).r);
	d = dev_at(back, 0, 1);
	assert_int_equal(d->d2c.n, 3);
	assert_int_equal((uint64_t)d->d2c.sum, (100 + 300 + 20) * 1000);
	assert_int_equal(d->d2c.max, 300000);
	assert_int_equal(d->q2d.max, 0); /* Q and D at the record's time */
	assert_string_equal(sr_blklat_comm_of(back, 77), "fio");

	/* unpaired: Q and D only, and the name ssdreplay */
	convert(in, out, 0);
	f = fopen(out, "rb");
	assert_non_null(f);
	n = fread(buf, 1, 1 << 16, f);
	fclose(f);
	k = count_events(buf, n);
	assert_int_equal(k.c, 0);
	assert_int_equal(k.d, 3);
	assert_int_equal(k.notes, 1);
	assert_string_equal(k.name, "ssdreplay");
	free(buf);
	free(out);
	drop_file(in);
	sr_blklat_free(back);
	rm_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matcher),
		cmocka_unit_test(test_many_in_flight),
		cmocka_unit_test(test_no_completions),
		cmocka_unit_test(test_comm),
		cmocka_unit_test(test_blktrace_reader),
		cmocka_unit_test(test_blkparse_reader),
		cmocka_unit_test(test_writer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
