/* The blktrace binary reader: per-CPU merging, v7 and v8 records in both
 * byte orders, events, filters, rewind and every kind of bad input. The
 * fixtures come from a small writer here. */
#include <byteswap.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "trace_util.h"

#include "trace/lines.h"
#include "base/source.h"

#include "blktrace_fx.h"

/* ---- reading ---- */

static struct sr_trace_opts opts(char event)
{
	struct sr_trace_opts o = { .event = event };

	return o;
}

/* Open path as fmt with o and read it all in batches of max; must work. */
static struct recs parse_ok(const char *path, const char *fmt, const struct sr_trace_opts *o,
			    size_t max)
{
	struct sr_err e = { 0 };
	struct sr_source *s = NULL;
	struct recs out = { 0 };

	if (sr_trace_open_opts(path, fmt, o, &s, &e))
		fail_msg("open: %s", e.msg);
	assert_string_equal(s->format, "blktrace");
	assert_string_equal(s->name, path);
	if (read_all(s, max, &out, &e))
		fail_msg("next: %s", e.msg);
	s->close(s);
	return out;
}

/* Parsing must fail as bad input with a message starting want_prefix and
 * containing needle; returns how many records came before the error. */
static size_t parse_bad(const char *path, const char *fmt, const char *want_prefix,
			const char *needle)
{
	struct sr_err e = { 0 };
	struct sr_source *s = NULL;
	struct recs out = { 0 };
	int ret;

	ret = sr_trace_open(path, fmt, &s, &e);
	if (!ret) {
		ret = read_all(s, 1000, &out, &e);
		s->close(s);
	}
	free(out.r);
	if (ret != -EINVAL)
		fail_msg("want -EINVAL, got %d '%s'", ret, e.msg);
	assert_int_equal(e.code, -EINVAL);
	assert_int_equal(e.bad_input, 1);
	if (strncmp(e.msg, want_prefix, strlen(want_prefix)))
		fail_msg("want prefix '%s', got '%s'", want_prefix, e.msg);
	if (needle && !strstr(e.msg, needle))
		fail_msg("want '%s' in '%s'", needle, e.msg);
	return out.n;
}

static void check_rec(const struct sr_rec *r, int op, uint64_t off, uint64_t len, uint64_t t_ns,
		      uint64_t seq, uint32_t tag)
{
	assert_int_equal(r->op, op);
	assert_int_equal(r->off, off);
	assert_int_equal(r->len, len);
	assert_int_equal(r->t_ns, t_ns);
	assert_int_equal(r->seq, seq);
	assert_int_equal(r->target, 0);
	assert_int_equal(r->tag, tag);
}

/* ---- one CPU: ops, events, skipped records ---- */

/* A request's life on one CPU, with notes, PDUs and records to skip.
 * Record numbers (seq) in comments. */
static void one_cpu(struct fx *f)
{
	struct ev note = { 900, 0, 0, TN_PROCESS, 42, DEV(8, 0), "fio", 16 };
	struct ev msg = { 950, 0, 0, TN_MESSAGE, 0, DEV(8, 0), "cfq workload changed", 40 };
	struct ev pc = { 1700, 0, 36, D(C_READ) | ((uint64_t)C_PC << 16), 42, DEV(8, 0), "\x12", 6 };
	struct ev cg = { 1800, 64, 512, D(C_WRITE) | CGROUP, 42, DEV(8, 0), "cgroupid", 8 };

	fx_add(f, &note);                               /* 1 */
	fx_add(f, &msg);                                /* 2 */
	fx_io(f, 1000, Q(C_READ), 8, 4096, 42);         /* 3 */
	fx_io(f, 1010, G(C_READ), 8, 4096, 42);         /* 4 */
	fx_io(f, 1100, D(C_READ | C_SYNC), 8, 4096, 42); /* 5 */
	fx_io(f, 1200, Q(C_WRITE), 100, 8192, 43);      /* 6 */
	fx_io(f, 1250, M(C_WRITE), 116, 512, 43);       /* 7 */
	fx_io(f, 1300, D(C_WRITE), 100, 8704, 43);      /* 8 */
	fx_io(f, 1400, CPL(C_READ), 8, 4096, 0);        /* 9 */
	fx_io(f, 1500, D(C_WRITE | C_DISCARD), 2048, 1 << 20, 43); /* 10 */
	fx_io(f, 1600, D(C_WRITE | C_FLUSH), 0, 0, 43); /* 11: a flush */
	fx_io(f, 1650, D(C_WRITE | C_SYNC), 0, 0, 43);  /* 12: empty, skipped */
	fx_add(f, &pc);                                 /* 13: passthrough, skipped */
	fx_add(f, &cg);                                 /* 14 */
	fx_io(f, 1900, CPL(C_WRITE), 100, 8704, 0);     /* 15 */
}

static void check_one_cpu_d(const struct recs *r)
{
	assert_int_equal(r->n, 5);
	check_rec(&r->r[0], SR_OP_READ, 8 * 512, 4096, 0, 5, 42);
	check_rec(&r->r[1], SR_OP_WRITE, 100 * 512, 8704, 200, 8, 43);
	check_rec(&r->r[2], SR_OP_TRIM, 2048 * 512, 1 << 20, 400, 10, 43);
	check_rec(&r->r[3], SR_OP_SYNC, 0, 0, 500, 11, 43);
	check_rec(&r->r[4], SR_OP_WRITE, 64 * 512, 512, 700, 14, 42);
}

static void test_one_file(void **state)
{
	struct fx f = { .ver = 7 };
	char *dir = tmp_dir(), *path;
	struct sr_trace_opts o;
	struct recs r;

	(void)state;
	one_cpu(&f);
	path = fx_write(dir, "trace.bin", f.p, f.n);
	r = parse_ok(path, "blktrace", NULL, 1000);
	check_one_cpu_d(&r);
	free(r.r);
	/* auto finds it; batches of 1 give the same */
	r = parse_ok(path, "auto", NULL, 1);
	check_one_cpu_d(&r);
	free(r.r);

	o = opts('Q');
	r = parse_ok(path, "blktrace", &o, 1000);
	assert_int_equal(r.n, 2);
	check_rec(&r.r[0], SR_OP_READ, 8 * 512, 4096, 0, 3, 42);
	check_rec(&r.r[1], SR_OP_WRITE, 100 * 512, 8192, 200, 6, 43);
	free(r.r);
	o = opts('C');
	r = parse_ok(path, "blktrace", &o, 1000);
	assert_int_equal(r.n, 2);
	check_rec(&r.r[0], SR_OP_READ, 8 * 512, 4096, 0, 9, 0);
	check_rec(&r.r[1], SR_OP_WRITE, 100 * 512, 8704, 500, 15, 0);
	free(r.r);
	o = opts('D');
	r = parse_ok(path, "blktrace", &o, 1000);
	check_one_cpu_d(&r);
	free(r.r);
	free(path);
	free(f.p);
	rm_dir(dir);
}

/* v8 and the other byte order read the same as native v7. */
static void test_versions_and_endianness(void **state)
{
	char *dir = tmp_dir(), *path, name[32];
	struct recs r;
	int ver, swap;

	(void)state;
	for (ver = 7; ver <= 8; ver++) {
		for (swap = 0; swap <= 1; swap++) {
			struct fx f = { .ver = (unsigned)ver, .swap = swap };

			one_cpu(&f);
			snprintf(name, sizeof(name), "v%d_%d", ver, swap);
			path = fx_write(dir, name, f.p, f.n);
			assert_int_equal(sr_trace_fmt_blktrace.probe((char *)f.p, f.n), 100);
			r = parse_ok(path, "auto", NULL, 3);
			check_one_cpu_d(&r);
			free(r.r);
			free(path);
			free(f.p);
		}
	}
	rm_dir(dir);
}

/* A v8 action uses its upper 32 bits (zone categories) without confusion. */
static void test_v8_wide_action(void **state)
{
	struct fx f = { .ver = 8 };
	char *dir = tmp_dir(), *path;
	struct recs r;

	(void)state;
	fx_io(&f, 10, D(C_WRITE) | (1ull << 32) | (1ull << 38), 8, 4096, 1);
	fx_io(&f, 20, CPL(0) | (1ull << 32), 8, 4096, 1); /* a zone append completion */
	fx_io(&f, 30, D(C_READ) | (1ull << 37), 16, 512, 1);
	path = fx_write(dir, "sdz.blktrace.0", f.p, f.n);
	r = parse_ok(path, "blktrace", NULL, 10);
	assert_int_equal(r.n, 2);
	check_rec(&r.r[0], SR_OP_WRITE, 4096, 4096, 0, 1, 1);
	check_rec(&r.r[1], SR_OP_READ, 8192, 512, 20, 3, 1);
	free(r.r);
	free(path);
	free(f.p);
	rm_dir(dir);
}

/* ---- several CPUs ---- */

/* Three CPUs of sda with interleaved times (and ties), one of sdb. */
static void write_cpus(const char *dir, int ver, int swap_odd)
{
	struct fx f[3];
	struct fx b = { .ver = (unsigned)ver };
	struct ev note = { 5, 0, 0, TN_PROCESS, 77, DEV(8, 0), "dd", 16 };
	char name[32];
	int c, i;

	for (c = 0; c < 3; c++) {
		memset(&f[c], 0, sizeof(f[c]));
		f[c].ver = (unsigned)ver;
		f[c].cpu = (uint32_t)c;
		f[c].swap = swap_odd && (c & 1);
	}
	fx_add(&f[1], &note);
	/* time 100*i + 10*c, sector 1000*c + i; cpu 2 repeats cpu 0's times */
	for (i = 0; i < 20; i++) {
		for (c = 0; c < 3; c++) {
			uint64_t t = 100 * (uint64_t)i + 10 * (uint64_t)(c == 2 ? 0 : c) + 1000;

			fx_io(&f[c], t, Q(C_READ), 1000 * (uint64_t)c + (uint64_t)i, 512, 70 + c);
			fx_io(&f[c], t + 1, D(i & 1 ? C_WRITE : C_READ),
			      1000 * (uint64_t)c + (uint64_t)i, 512 * (uint32_t)(i + 1),
			      70 + (uint32_t)c + (c == 1 && i >= 10 ? 6 : 0));
		}
	}
	for (c = 0; c < 3; c++) {
		snprintf(name, sizeof(name), "sda.blktrace.%d", c);
		free(fx_write(dir, name, f[c].p, f[c].n));
		free(f[c].p);
	}
	b.cpu = 0;
	/* sdb (8,16): same moments as sda's cpu 0, 4 writes */
	for (i = 0; i < 4; i++) {
		struct ev e = { 1001 + 100 * (uint64_t)i, 5000 + (uint64_t)i, 4096,
				D(C_WRITE), 99, DEV(8, 16), NULL, 0 };

		fx_add(&b, &e);
	}
	free(fx_write(dir, "sdb.blktrace.0", b.p, b.n));
	free(b.p);
}

/* sda's D events in merged order: by time, then cpu (cpu 0 and 2 tie). */
static void check_sda(const struct recs *r, int with_sdb)
{
	size_t k = 0;
	int i, c, cpus[3] = { 0, 2, 1 };

	assert_int_equal(r->n, 60 + (with_sdb ? 4 : 0));
	for (i = 0; i < 20; i++) {
		for (c = 0; c < 3; c++) {
			const struct sr_rec *x = &r->r[k++];
			int cpu = cpus[c];

			if (with_sdb && i < 4 && cpu == 0) {
				/* sdb's cpu 0 record ties sda cpu 0's and 2's time:
				 * cpu 0 first, then the lower seq (sdb's) */
				assert_int_equal(x->off, (5000 + (uint64_t)i) * 512);
				assert_int_equal(x->tag, 99);
				x = &r->r[k++];
			}
			assert_int_equal(x->off, (1000 * (uint64_t)cpu + (uint64_t)i) * 512);
			assert_int_equal(x->len, 512 * (uint64_t)(i + 1));
			assert_int_equal(x->op, i & 1 ? SR_OP_WRITE : SR_OP_READ);
			assert_int_equal(x->t_ns, 100 * (uint64_t)i + 10 * (uint64_t)(cpu == 1));
			assert_int_equal(x->tag, 70 + (uint32_t)cpu + (cpu == 1 && i >= 10 ? 6 : 0));
		}
	}
	assert_int_equal(k, r->n);
	for (k = 1; k < r->n; k++)
		assert_true(r->r[k].seq > r->r[k - 1].seq);
}

static void test_merge(void **state)
{
	char *dir = tmp_dir(), *path;
	struct recs r, r1;
	int ver;

	(void)state;
	for (ver = 7; ver <= 8; ver++) {
		write_cpus(dir, ver, ver == 8);
		/* the device name, with or without .blktrace */
		assert_true(asprintf(&path, "%s/sda", dir) > 0);
		r = parse_ok(path, "blktrace", NULL, 1000);
		check_sda(&r, 0);
		r1 = parse_ok(path, "auto", NULL, 1);
		same_recs(&r, &r1);
		free(r1.r);
		free(path);
		assert_true(asprintf(&path, "%s/sda.blktrace", dir) > 0);
		r1 = parse_ok(path, "auto", NULL, 7);
		same_recs(&r, &r1);
		free(r1.r);
		free(r.r);
		free(path);
		/* the directory: both devices */
		r = parse_ok(dir, "auto", NULL, 5);
		check_sda(&r, 1);
		free(r.r);
		assert_true(asprintf(&path, "%s/", dir) > 0);
		r = parse_ok(path, "blktrace", NULL, 64);
		check_sda(&r, 1);
		free(r.r);
		free(path);
	}
	rm_dir(dir);
}

static void test_filters(void **state)
{
	char *dir = tmp_dir();
	struct sr_trace_opts o = { 0 };
	struct recs r;
	size_t i;

	(void)state;
	write_cpus(dir, 7, 1);
	o.have_dev = 1;
	o.dev_major = 8;
	o.dev_minor = 16;
	r = parse_ok(dir, "auto", &o, 1000);
	assert_int_equal(r.n, 4);
	for (i = 0; i < 4; i++)
		check_rec(&r.r[i], SR_OP_WRITE, (5000 + i) * 512, 4096, 100 * i, r.r[i].seq, 99);
	free(r.r);
	o.dev_minor = 0;
	r = parse_ok(dir, "blktrace", &o, 1000);
	check_sda(&r, 0);
	free(r.r);

	/* pid 71 is cpu 1's first ten; times count from the first kept one */
	memset(&o, 0, sizeof(o));
	o.have_pid = 1;
	o.pid = 71;
	r = parse_ok(dir, "blktrace", &o, 3);
	assert_int_equal(r.n, 10);
	for (i = 0; i < 10; i++)
		check_rec(&r.r[i], i & 1 ? SR_OP_WRITE : SR_OP_READ, (1000 + i) * 512,
			  512 * (i + 1), 100 * i, r.r[i].seq, 71);
	free(r.r);

	/* --comm: pid 77 was named "dd" by a process note on cpu 1 */
	memset(&o, 0, sizeof(o));
	o.comm = "dd";
	r = parse_ok(dir, "blktrace", &o, 1000);
	assert_int_equal(r.n, 10);
	for (i = 0; i < 10; i++)
		check_rec(&r.r[i], i & 1 ? SR_OP_WRITE : SR_OP_READ, (1010 + i) * 512,
			  512 * (i + 11), 100 * i, r.r[i].seq, 77);
	free(r.r);
	o.comm = "fio";
	r = parse_ok(dir, "blktrace", &o, 1000);
	assert_int_equal(r.n, 0);
	free(r.r);
	o.comm = "dd";
	o.event = 'Q';
	r = parse_ok(dir, "blktrace", &o, 1000);
	assert_int_equal(r.n, 0); /* the Q events carry pid 71 */
	free(r.r);
	rm_dir(dir);
}

/* Many pids named (the table grows), cgroup-tagged notes, and --comm. */
static void test_comm_table(void **state)
{
	struct fx f = { .ver = 8 };
	char *dir = tmp_dir(), *path, pdu[24], name[16];
	struct sr_trace_opts o = { .comm = "w7" };
	struct recs r;
	uint32_t pid;

	(void)state;
	for (pid = 1; pid <= 300; pid++) {
		struct ev note = { pid, 0, 0, TN_PROCESS, pid * 1000, DEV(8, 0), name, 16 };

		snprintf(name, sizeof(name), "w%u", pid % 10);
		if (pid % 2) {
			memset(pdu, 0, sizeof(pdu));
			memcpy(pdu, "CGROUPID", 8);
			memcpy(pdu + 8, name, strlen(name));
			note.action |= CGROUP;
			note.pdu = NULL;
			note.pdu_len = 24;
			fx_add(&f, &note);
			memcpy(f.p + f.n - 24, pdu, 24);
		} else {
			fx_add(&f, &note);
		}
	}
	for (pid = 1; pid <= 300; pid++)
		fx_io(&f, 1000 + pid, D(C_READ), pid, 512, pid * 1000);
	path = fx_write(dir, "one", f.p, f.n);
	r = parse_ok(path, "blktrace", &o, 1000);
	assert_int_equal(r.n, 30);
	for (pid = 0; pid < 30; pid++)
		assert_int_equal(r.r[pid].tag, (pid * 10 + 7) * 1000);
	free(r.r);
	free(path);
	free(f.p);
	rm_dir(dir);
}

/* Big per-CPU files (past the buffer, PDUs across refills): batches of 1
 * and 4096 agree, and rewinds give the same again. */
static void test_big_rewind(void **state)
{
	const int cpus = 4, per = 30000;
	char *dir = tmp_dir(), *path, name[32];
	struct recs a = { 0 }, b = { 0 };
	struct sr_err e = { 0 };
	struct sr_source *s;
	int c, i, k;

	(void)state;
	for (c = 0; c < cpus; c++) {
		struct fx f = { .ver = (unsigned)(7 + (c & 1)), .cpu = (uint32_t)c };

		for (i = 0; i < per; i++) {
			struct ev x = { (uint64_t)i * 4 + (uint64_t)c, (uint64_t)(i * cpus + c) * 8, 4096,
					D(i % 3 ? C_READ : C_WRITE), (uint32_t)c, DEV(8, 0), "p",
					(uint16_t)(i % 7 == 0 ? (i * 37) % 3000 : 0) };

			fx_add(&f, &x);
		}
		snprintf(name, sizeof(name), "big.blktrace.%d", c);
		free(fx_write(dir, name, f.p, f.n));
		free(f.p);
	}
	assert_true(asprintf(&path, "%s/big", dir) > 0);
	assert_int_equal(sr_trace_open(path, "auto", &s, &e), 0);
	assert_int_equal(read_all(s, 1, &a, &e), 0);
	assert_int_equal(a.n, (size_t)cpus * per);
	for (k = 0; k < cpus * per; k++) {
		assert_int_equal(a.r[k].off, (uint64_t)k * 8 * 512);
		assert_int_equal(a.r[k].t_ns, (uint64_t)k);
		assert_int_equal(a.r[k].seq, (uint64_t)k + 1);
		assert_int_equal(a.r[k].op, (k / cpus) % 3 ? SR_OP_READ : SR_OP_WRITE);
	}
	for (i = 0; i < 2; i++) {
		b.n = 0;
		assert_int_equal(s->rewind(s, &e), 0);
		assert_int_equal(read_all(s, 4096, &b, &e), 0);
		same_recs(&a, &b);
	}
	/* rewind halfway through */
	assert_int_equal(s->rewind(s, &e), 0);
	assert_int_equal(sr_source_next(s, b.r, 1000, &e), 1000);
	assert_int_equal(s->rewind(s, &e), 0);
	b.n = 0;
	assert_int_equal(read_all(s, 333, &b, &e), 0);
	same_recs(&a, &b);
	s->close(s);
	free(a.r);
	free(b.r);
	free(path);
	rm_dir(dir);
}

/* ---- bad input ---- */

static void test_bad(void **state)
{
	struct fx f = { .ver = 7 };
	char *dir = tmp_dir(), *path, want[600];
	uint32_t v;
	size_t good;

	(void)state;
	fx_io(&f, 1, D(C_READ), 0, 512, 1);
	fx_io(&f, 2, D(C_READ), 1, 512, 1);
	good = f.n; /* 96 bytes: two records */
	fx_io(&f, 3, D(C_READ), 2, 512, 1);

	/* truncated header, at each length */
	path = fx_write(dir, "t1", f.p, good + 20);
	snprintf(want, sizeof(want), "%s@96: ", path);
	assert_int_equal(parse_bad(path, "blktrace", want,
				   "truncated record: expected 48 bytes, found 20"), 2);
	free(path);
	path = fx_write(dir, "t2", f.p, good + 3);
	snprintf(want, sizeof(want), "%s@96: truncated record: expected 48 bytes, found 3", path);
	parse_bad(path, "blktrace", want, NULL);
	free(path);
	path = fx_write(dir, "t3", f.p, 47);
	snprintf(want, sizeof(want), "%s@0: truncated record: expected 48 bytes, found 47", path);
	parse_bad(path, "auto", want, NULL);
	free(path);

	/* a PDU running past the end; a huge pdu_len is the same */
	f.n = good;
	{
		struct ev x = { 3, 2, 512, D(C_READ), 1, DEV(8, 0), "abc", 100 };

		fx_add(&f, &x);
	}
	path = fx_write(dir, "t4", f.p, f.n - 1);
	snprintf(want, sizeof(want),
		 "%s@96: truncated record: expected 148 bytes (with a 100-byte PDU), found 147", path);
	parse_bad(path, "blktrace", want, NULL);
	free(path);
	v = 0xffff;
	memcpy(f.p + good + 46, &v, 2);
	path = fx_write(dir, "t5", f.p, f.n);
	snprintf(want, sizeof(want), "%s@96: truncated record: expected 65583 bytes", path);
	parse_bad(path, "blktrace", want, "found 148");
	free(path);

	/* wrong magic, after good records and at the start */
	f.n = good;
	fx_io(&f, 3, D(C_READ), 2, 512, 1);
	memcpy(f.p + good, "JUNKJUNK", 8);
	path = fx_write(dir, "m1", f.p, f.n);
	snprintf(want, sizeof(want), "%s@96: expected blktrace magic 0x65617407, found 0x4b4e554a",
		 path);
	parse_bad(path, "blktrace", want, NULL);
	free(path);
	path = fx_write(dir, "m2", f.p + good, 48);
	snprintf(want, sizeof(want), "%s@0: expected blktrace magic", path);
	parse_bad(path, "blktrace", want, NULL);
	free(path);

	/* unknown versions, either byte order */
	v = MAGIC | 6;
	memcpy(f.p + good, &v, 4);
	path = fx_write(dir, "v6", f.p, f.n);
	snprintf(want, sizeof(want), "%s@96: unknown blktrace version 6, expected 7 or 8", path);
	parse_bad(path, "blktrace", want, NULL);
	free(path);
	v = bswap_32(MAGIC | 9);
	memcpy(f.p, &v, 4);
	assert_int_equal(sr_trace_fmt_blktrace.probe((char *)f.p, 4), 50);
	path = fx_write(dir, "v9", f.p, f.n);
	snprintf(want, sizeof(want), "%s@0: unknown blktrace version 9", path);
	parse_bad(path, "auto", want, NULL);
	free(path);

	/* a sector past 64-bit byte offsets */
	f.n = 0;
	f.seq = 0;
	fx_io(&f, 1, D(C_READ), 1ull << 55, 512, 1);
	path = fx_write(dir, "s1", f.p, f.n);
	snprintf(want, sizeof(want), "%s@0: sector 36028797018963968 + 512 bytes", path);
	parse_bad(path, "blktrace", want, "past 64-bit");
	free(path);
	free(f.p);
	rm_dir(dir);
}

/* In a merge the error names the per-CPU file; records before it come out
 * whatever the batch size, then the error sticks; rewind starts over. */
static void test_bad_merge(void **state)
{
	struct fx a = { .ver = 7 }, b = { .ver = 7, .cpu = 1 };
	char *dir = tmp_dir(), *base, *bad, want[600];
	struct sr_err e = { 0 };
	struct sr_source *s;
	struct sr_rec r[8];
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		fx_io(&a, 10 * (uint64_t)i, D(C_READ), (uint64_t)i, 512, 1);
		fx_io(&b, 10 * (uint64_t)i + 5, D(C_READ), 100 + (uint64_t)i, 512, 2);
	}
	free(fx_write(dir, "x.blktrace.0", a.p, a.n));
	bad = fx_write(dir, "x.blktrace.1", b.p, b.n - 10);
	assert_true(asprintf(&base, "%s/x", dir) > 0);
	snprintf(want, sizeof(want), "%s@144: truncated record: expected 48 bytes, found 38", bad);
	/* b's 4th record is read as its 3rd comes out: 0 5 10 15 20 25, then the error */
	assert_int_equal(parse_bad(base, "blktrace", want, NULL), 6);

	assert_int_equal(sr_trace_open(base, "blktrace", &s, &e), 0);
	assert_int_equal(sr_source_next(s, r, 8, &e), 6);
	assert_int_equal(e.code, 0);
	assert_int_equal(sr_source_next(s, r, 8, &e), -EINVAL);
	assert_string_equal(e.msg, want);
	sr_err_clear(&e);
	assert_int_equal(sr_source_next(s, r, 8, &e), -EINVAL);
	sr_err_clear(&e);
	assert_int_equal(s->rewind(s, &e), 0);
	assert_int_equal(sr_source_next(s, r, 1, &e), 1);
	check_rec(&r[0], SR_OP_READ, 0, 512, 0, 1, 1);
	for (i = 1; i < 6; i++)
		assert_int_equal(sr_source_next(s, r, 1, &e), 1);
	assert_int_equal(sr_source_next(s, r, 1, &e), -EINVAL);
	s->close(s);
	free(base);
	free(bad);
	free(a.p);
	free(b.p);
	rm_dir(dir);
}

static void test_open_errors(void **state)
{
	char *dir = tmp_dir(), *path, want[600];
	struct sr_trace_opts o = { .event = 'X' };
	struct sr_err e = { 0 };
	struct sr_source *s = NULL;
	struct fx f = { .ver = 7 };

	(void)state;
	/* an empty directory is no trace; auto says it is a directory */
	snprintf(want, sizeof(want), "%s: no NAME.blktrace.N files in this directory", dir);
	parse_bad(dir, "blktrace", want, NULL);
	snprintf(want, sizeof(want), "%s: is a directory", dir);
	parse_bad(dir, "auto", want, NULL);
	/* a name with no files */
	assert_true(asprintf(&path, "%s/sdq", dir) > 0);
	snprintf(want, sizeof(want), "%s: no such file, nor %s.blktrace.N per-CPU files", path,
		 path);
	parse_bad(path, "blktrace", want, NULL);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	parse_bad(path, "auto", want, NULL);
	free(path);
	assert_true(asprintf(&path, "%s/nodir/sdq.blktrace", dir) > 0);
	snprintf(want, sizeof(want), "%s/nodir: No such file", dir);
	parse_bad(path, "blktrace", want, NULL);
	free(path);
	/* a file named like a cpu file that is a directory */
	assert_true(asprintf(&path, "%s/sdr.blktrace.0", dir) > 0);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(want, sizeof(want), "%s: is a directory", path);
	parse_bad(dir, "auto", want, NULL);
	free(path);
	/* an empty cpu file is fine: no records (auto wants DEV.blktrace.0) */
	free(fx_write(dir, "sdr.blktrace.0x", "", 0));
	free(fx_write(dir, "sde.blktrace.3", "", 0));
	assert_true(asprintf(&path, "%s/sde", dir) > 0);
	{
		struct recs r = parse_ok(path, "blktrace", NULL, 10);

		assert_int_equal(r.n, 0);
		free(r.r);
	}
	/* a bad --event letter */
	fx_io(&f, 1, D(C_READ), 0, 512, 1);
	free(path);
	path = fx_write(dir, "one", f.p, f.n);
	assert_int_equal(sr_trace_open_opts(path, "blktrace", &o, &s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "--event: expected D, Q or C"));
	assert_null(s);
	free(path);
	free(f.p);
	rm_dir(dir);
}

static void test_probe(void **state)
{
	uint32_t m;

	(void)state;
	assert_int_equal(sr_trace_fmt_blktrace.probe("", 0), 0);
	m = MAGIC | 7;
	assert_int_equal(sr_trace_fmt_blktrace.probe((char *)&m, 3), 0);
	assert_int_equal(sr_trace_fmt_blktrace.probe((char *)&m, 4), 100);
	m = bswap_32(MAGIC | 8);
	assert_int_equal(sr_trace_fmt_blktrace.probe((char *)&m, 4), 100);
	m = MAGIC | 0x99;
	assert_int_equal(sr_trace_fmt_blktrace.probe((char *)&m, 4), 50);
	assert_int_equal(sr_trace_fmt_blktrace.probe("offset,length\n", 14), 0);
	assert_int_equal(sr_trace_fmt_csv.probe("\x07tae", 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_file),
		cmocka_unit_test(test_versions_and_endianness),
		cmocka_unit_test(test_v8_wide_action),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_comm_table),
		cmocka_unit_test(test_big_rewind),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_bad_merge),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
