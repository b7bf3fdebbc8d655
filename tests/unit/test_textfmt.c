/* The capture text readers: blkparse, ftrace (block events), filemap
 * (mm_filemap_add_to_page_cache) and cheops-csv (bpftrace rows), their
 * filters, bad input, probing, batching and rewind. The ftrace and filemap
 * samples are lines captured from tracefs on a 6.18 kernel, pasted verbatim;
 * the blkparse samples are blkparse 1.2.0 output, over a blktrace stream
 * written for the test (blktrace itself cannot run here). */
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

#include "trace/lines.h"
#include "base/source.h"

/* ---- helpers ---- */

/* Parse text as fmt with filters o (NULL: none); must succeed. Also reads
 * the file again one record a call and after a rewind, which must give the
 * same stream. Returns the records (caller frees .r). */
static struct recs parse_opts(const char *text, const char *fmt, const struct sr_trace_opts *o)
{
	struct sr_err e = { 0 };
	struct sr_source *s = NULL;
	struct recs out = { 0 }, one = { 0 }, again = { 0 };
	char *path = tmp_file(text, strlen(text));

	if (sr_trace_open_opts(path, fmt, o, &s, &e))
		fail_msg("open: %s", e.msg);
	assert_string_equal(s->name, path);
	if (read_all(s, 1000, &out, &e))
		fail_msg("next: %s", e.msg);
	if (s->rewind(s, &e))
		fail_msg("rewind: %s", e.msg);
	if (read_all(s, 7, &again, &e))
		fail_msg("next after rewind: %s", e.msg);
	s->close(s);
	same_recs(&out, &again);
	if (sr_trace_open_opts(path, fmt, o, &s, &e))
		fail_msg("open: %s", e.msg);
	if (read_all(s, 1, &one, &e))
		fail_msg("next: %s", e.msg);
	s->close(s);
	same_recs(&out, &one);
	free(one.r);
	free(again.r);
	drop_file(path);
	return out;
}

static struct recs parse_ok(const char *text, const char *fmt)
{
	return parse_opts(text, fmt, NULL);
}

/* How many records with filters o. */
static size_t count_opts(const char *text, const char *fmt, const struct sr_trace_opts *o)
{
	struct recs r = parse_opts(text, fmt, o);

	free(r.r);
	return r.n;
}

/* Parse text as fmt; must fail as bad input at PATH:line with needle in
 * the message, with every batch size, after the same records. */
static void parse_bad_o(const char *text, const char *fmt, const struct sr_trace_opts *o,
			unsigned line, const char *needle)
{
	static const size_t batch[] = { 1000, 1 };
	struct sr_err e;
	struct sr_source *s;
	struct recs out[2] = { { 0 }, { 0 } };
	char *path = tmp_file(text, strlen(text)), want[600];
	int ret;
	size_t i;

	for (i = 0; i < 2; i++) {
		memset(&e, 0, sizeof(e));
		s = NULL;
		ret = sr_trace_open_opts(path, fmt, o, &s, &e);
		if (!ret) {
			ret = read_all(s, batch[i], &out[i], &e);
			/* The error stays until a rewind. */
			if (ret < 0) {
				struct sr_err e2 = { 0 };
				struct sr_rec r;

				assert_int_equal(sr_source_next(s, &r, 1, &e2), ret);
				assert_string_equal(e2.msg, e.msg);
			}
			s->close(s);
		}
		assert_int_equal(ret, -EINVAL);
		assert_int_equal(e.code, -EINVAL);
		assert_int_equal(e.bad_input, 1);
		snprintf(want, sizeof(want), "%s:%u: ", path, line);
		if (strncmp(e.msg, want, strlen(want)))
			fail_msg("want prefix '%s', got '%s'", want, e.msg);
		if (needle && !strstr(e.msg, needle))
			fail_msg("want '%s' in '%s'", needle, e.msg);
	}
	same_recs(&out[0], &out[1]);
	free(out[0].r);
	free(out[1].r);
	drop_file(path);
}

static void parse_bad(const char *text, const char *fmt, unsigned line, const char *needle)
{
	parse_bad_o(text, fmt, NULL, line, needle);
}

/* Opening must fail with needle in the message. */
static void open_bad(const char *text, const char *fmt, const struct sr_trace_opts *o,
		     const char *needle)
{
	struct sr_err e = { 0 };
	struct sr_source *s = NULL;
	char *path = tmp_file(text, strlen(text));

	assert_int_equal(sr_trace_open_opts(path, fmt, o, &s, &e), -EINVAL);
	assert_int_equal(e.bad_input, 1);
	if (!strstr(e.msg, needle))
		fail_msg("want '%s' in '%s'", needle, e.msg);
	drop_file(path);
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

/* What auto picks for text. */
static void auto_is(const char *text, const char *fmt)
{
	struct sr_err e = { 0 };
	struct sr_source *s = NULL;
	char *path = tmp_file(text, strlen(text));

	if (sr_trace_open(path, "auto", &s, &e))
		fail_msg("open auto (want %s): %s", fmt, e.msg);
	assert_string_equal(s->format, fmt);
	s->close(s);
	drop_file(path);
}

/* ---- blkparse ---- */

/* blkparse -i - over a blktrace stream: default output, then blkparse -t
 * (elapsed times). Verbatim, summary included. */
static const char blkparse_real[] =
	"  8,16   0        3     0.000000000   697  Q   W 223490 + 8 [kjournald]\n"
	"  8,16   0        4     0.000001000   697  I   W 223490 + 8 [kjournald]\n"
	"  8,16   0        5     0.000002000   697  D   W 223490 + 8 [kjournald]\n"
	"  8,16   1        6     0.000004000   700  D  RS 100 + 128 [dd]\n"
	"  8,16   1        7     0.000005000   700  D  RA 300 + 16 [dd]\n"
	"  8,16   0        8     0.000006000   697  D  FW [kjournald]\n"
	"  8,16   0        9     0.000007000   697  D   D 1000 + 2048 [kjournald]\n"
	"  8,16   0       10     0.000008000     0  C   W 223490 + 8 [0]\n"
	"  8,16   0       11     0.000008500   700  D   N 0 (12 00 00 00 24 00 ..) [dd]\n"
	"  8,16   1       12     0.000011000     0  C  RS 100 + 128 [5]\n"
	"259,1    1       13  1499.999999123   700  D  RM 400 + 8 [dd]\n"
	"CPU0 (8,16):\n"
	" Reads Queued:           0,        0KiB\t Writes Queued:           1,        4KiB\n"
	" Read Dispatches:        0,        0KiB\t Write Dispatches:        3,     1028KiB\n"
	" Read depth:             3        \t Write depth:             3\n"
	" IO unplugs:             0        \t Timer unplugs:           0\n"
	"\n"
	"Total (8,16):\n"
	" Reads Queued:           0,        0KiB\t Writes Queued:           1,        4KiB\n"
	"\n"
	"Throughput (R/W): 0KiB/s / 0KiB/s\n"
	"Events (8,16): 10 entries\n"
	"Skips: 2 forward (6 -  37.5%)\n";

static const char blkparse_elapsed[] =
	"  8,16   0        5     0.000002000   697  D   W 223490 + 8 (    1000) [kjournald]\n"
	"  8,16   0       10     0.000008000     0  C   W 223490 + 8 (    6000) [0]\n";

static void test_blkparse_real(void **state)
{
	struct recs r = parse_ok(blkparse_real, "blkparse");

	(void)state;
	assert_int_equal(r.n, 5);
	check_rec(&r.r[0], SR_OP_WRITE, 223490ull * 512, 4096, 0, 3, 697);
	check_rec(&r.r[1], SR_OP_READ, 100 * 512, 65536, 2000, 4, 700);
	check_rec(&r.r[2], SR_OP_READ, 300 * 512, 8192, 3000, 5, 700);
	check_rec(&r.r[3], SR_OP_TRIM, 1000 * 512, 1 << 20, 5000, 7, 697);
	check_rec(&r.r[4], SR_OP_READ, 400 * 512, 4096, 1499999997123ull, 11, 700);
	free(r.r);

	r = parse_ok(blkparse_elapsed, "blkparse");
	assert_int_equal(r.n, 1);
	check_rec(&r.r[0], SR_OP_WRITE, 223490ull * 512, 4096, 0, 1, 697);
	free(r.r);
}

static void test_blkparse_events_filters(void **state)
{
	struct sr_trace_opts o = { .event = 'C' };
	struct recs r;

	(void)state;
	r = parse_opts(blkparse_real, "blkparse", &o);
	assert_int_equal(r.n, 2);
	check_rec(&r.r[0], SR_OP_WRITE, 223490ull * 512, 4096, 0, 8, 0);
	check_rec(&r.r[1], SR_OP_READ, 100 * 512, 65536, 3000, 10, 0);
	free(r.r);
	o.event = 'Q';
	r = parse_opts(blkparse_real, "blkparse", &o);
	assert_int_equal(r.n, 1);
	check_rec(&r.r[0], SR_OP_WRITE, 223490ull * 512, 4096, 0, 1, 697);
	free(r.r);
	o.event = 'I';
	assert_int_equal(count_opts(blkparse_real, "blkparse", &o), 1);
	o.event = 'C';
	assert_int_equal(count_opts(blkparse_elapsed, "blkparse", &o), 1);

	memset(&o, 0, sizeof(o));
	o.have_dev = 1;
	o.dev_major = 8;
	o.dev_minor = 16;
	assert_int_equal(count_opts(blkparse_real, "blkparse", &o), 4);
	o.dev_major = 259;
	o.dev_minor = 1;
	assert_int_equal(count_opts(blkparse_real, "blkparse", &o), 1);
	o.have_dev = 0;
	o.have_pid = 1;
	o.pid = 700;
	assert_int_equal(count_opts(blkparse_real, "blkparse", &o), 3);
	o.have_pid = 0;
	o.comm = "kjournald";
	r = parse_opts(blkparse_real, "blkparse", &o);
	assert_int_equal(r.n, 2);
	check_rec(&r.r[1], SR_OP_TRIM, 1000 * 512, 1 << 20, 5000, 7, 697); /* time from the first kept */
	free(r.r);
	o.comm = "kjourn";
	assert_int_equal(count_opts(blkparse_real, "blkparse", &o), 0);
	/* Completions carry no command name. */
	o.comm = "0";
	o.event = 'C';
	assert_int_equal(count_opts(blkparse_real, "blkparse", &o), 0);
	/* --ops goes through the generic filter. */
	memset(&o, 0, sizeof(o));
	o.rw = SR_RW_WRITE;
	assert_int_equal(count_opts(blkparse_real, "blkparse", &o), 1);
}

static void test_blkparse_misc(void **state)
{
	struct recs r = parse_ok("\n"
				 "  8,0    1        0     0.000000000  1234  m   N cfq1234 insert_request\n"
				 "  8,0    3       11     0.000013574   697  U   N [kjournald] 1\n"
				 "  8,0    3       12     0.000016061   697  D  WS 223490 + 56 [my task]]\n"
				 "  8,0    3       13     0.000016062   697  A   W 223490 + 8 <- (8,1) 3\n"
				 "  8,0    3       14     0.000016063   697  D FWFS 8 + 8 [jbd2/sda1-8]  \r\n",
				 "blkparse");
	struct sr_trace_opts o = { .event = 'A' };

	(void)state;
	assert_int_equal(r.n, 2);
	check_rec(&r.r[0], SR_OP_WRITE, 223490ull * 512, 56 * 512, 0, 4, 697);
	check_rec(&r.r[1], SR_OP_WRITE, 8 * 512, 8 * 512, 2, 6, 697);
	free(r.r);
	o.comm = "my task]";
	o.event = 0;
	assert_int_equal(count_opts("  8,0 3 12 0.000016061 697 D WS 1 + 56 [my task]]\n", "blkparse",
				    &o), 1);
	o.comm = NULL;
	o.event = 'A';
	assert_int_equal(count_opts("  8,0 3 13 0.1 697 A W 223490 + 8 <- (8,1) 3\n", "blkparse", &o),
			 1);
	/* Nothing but a summary: no records, no error. */
	assert_int_equal(count_opts("CPU0 (8,0):\n Reads Queued: 0, 0KiB\n", "blkparse", NULL), 0);
}

static void test_blkparse_bad(void **state)
{
	struct sr_trace_opts o = { .event = 'C' };

	(void)state;
	parse_bad("  8,0 3 1 0.0 697 D R 8 + 8 [a]\n  8,0    3        2\n", "blkparse", 2,
		  "expected a timestamp SECONDS.NANOSECONDS, found end of line");
	parse_bad("  8,0 3 1 0.000000000 697 D R 22x490 + 8 [a]\n", "blkparse", 1,
		  "expected a sector as an unsigned 64-bit integer, found '22x490'");
	parse_bad("  8,0 3 1 0.000000000 697 D R 99999999999999999999 + 8 [a]\n", "blkparse", 1,
		  "found '99999999999999999999'");
	parse_bad("  8,0 3 1 0.000000000 697 D R 8 + 99999999999999999999 [a]\n", "blkparse", 1,
		  "sector count");
	parse_bad("  8,0 3 1 0.000000000 697 D R 223490 8 [a]\n", "blkparse", 1,
		  "expected '+' after the sector, found '8'");
	parse_bad("  8,0 3 1 0.000000000 697 D R 223490 +\n", "blkparse", 1,
		  "expected a sector count as an unsigned 64-bit integer, found end of line");
	parse_bad("  8,0 3 1 0.000000000 697 D R 223490 + 8 [kjourn\n", "blkparse", 1,
		  "expected '[COMMAND]' at the end, found '[kjourn'");
	parse_bad("  8,0 3 1 0.000000000 697 D R 223490 + 8\n", "blkparse", 1, "'[COMMAND]'");
	parse_bad("  8,0 3 1 0.000000000 697 D r 223490 + 8 [a]\n", "blkparse", 1,
		  "expected RWBS flags, found 'r'");
	parse_bad("  8,0 x 1 0.000000000 697 D R 223490 + 8 [a]\n", "blkparse", 1,
		  "expected a CPU number, found 'x'");
	parse_bad("  8,0 3 1 0.000000000 6g7 D R 223490 + 8 [a]\n", "blkparse", 1,
		  "expected a pid, found '6g7'");
	parse_bad("  8,0 3 1 0.0000000001 697 D R 223490 + 8 [a]\n", "blkparse", 1, "timestamp");
	parse_bad("  8,0 3 1 0.0 697 DDD R 223490 + 8 [a]\n", "blkparse", 1, "an action");
	parse_bad("  8,0 3 1 0.0 697 Q R 223490 + 8 [a]\n  8,0 3 1 0.0 697 Q\n", "blkparse", 2,
		  "expected RWBS flags, found end of line");
	parse_bad("  8,0 3 1 0.0 697 D R 36028797018963968 + 8 [a]\n", "blkparse", 1,
		  "within 64 bits");
	parse_bad("  8,0 3 1 0.0 697 D R 8 + 8 (   12 [a]\n", "blkparse", 1, "'(ELAPSED)'");
	parse_bad_o("  8,0 3 1 0.0 0 C R 8 + 8 [x]\n", "blkparse", &o, 1,
		    "expected an error number in '[ERROR]', found 'x'");
	/* Records before the bad line come out first, whatever the batch. */
	parse_bad("  8,0 3 1 0.0 697 D R 8 + 8 [a]\n  8,0 3 1 0.0 697 D R 16 + 8 [a]\n"
		  "\n  8,0 3 1 0.0 697 D R 16 - 8 [a]\n", "blkparse", 4, "'+'");
	/* A garbage line between event lines is bad input (it was skipped), and
	 * so is one in front of the events; after the summary's first header the
	 * rest is blkparse's statistics. */
	parse_bad("  8,0 3 1 0.0 697 D R 8 + 8 [a]\nthis is not an event\n  8,0 3 2 0.0 697 D R 16 + 8 [a]\n",
		  "blkparse", 2, "expected a blkparse event line 'MAJ,MIN CPU SEQ TIME PID ACTION RWBS ...' or its "
		  "summary, found 'this'");
	parse_bad("\n Reads Queued: 0, 0KiB\n  8,0 3 1 0.0 697 D R 8 + 8 [a]\n", "blkparse", 2, "found 'Reads'");
	parse_bad("  8,0 3 1 0.0 697 D R 8 + 8 [a]\nCPU0 8,0\n", "blkparse", 2, "found 'CPU0'");
	assert_int_equal(count_opts("  8,0 3 1 0.0 697 D R 8 + 8 [a]\nkjournald (697)\n Reads Queued: 0, 0KiB\n"
				    "\nCPU0 (sda):\n IO unplugs: 0\nThroughput (R/W): 0KiB/s / 0KiB/s\n"
				    "Events (sda): 1 entries\nSkips: 0 forward (0 -   0.0%)\n", "blkparse", NULL), 1);
	o.event = 'Z';
	open_bad("", "blkparse", &o, "--event Z: blkparse actions");
	/* The blkparse reader filters dev, pid, comm and event itself. */
	memset(&o, 0, sizeof(o));
	o.have_pid = 1;
	assert_int_equal(count_opts("", "blkparse", &o), 0);
}

/* ---- ftrace ---- */

/* tracefs "trace" of an instance with block and filemap events (6.18). */
static const char ftrace_real[] =
	"# tracer: nop\n"
	"#\n"
	"# entries-in-buffer/entries-written: 28814/28814   #P:2\n"
	"#\n"
	"#                                _-----=> irqs-off/BH-disabled\n"
	"#                               / _----=> need-resched\n"
	"#                              | / _---=> hardirq/softirq\n"
	"#                              || / _--=> preempt-depth\n"
	"#                              ||| / _-=> migrate-disable\n"
	"#                              |||| /     delay\n"
	"#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n"
	"#              | |         |   |||||     |         |\n"
	"             fio-12376   [000] ...1.  3540.574919: block_rq_insert: 254,0 RS 131072 () 42289408 + 256 be,0,4 [fio]\n"
	"              dd-12389   [000] .....  3540.578804: block_bio_queue: 7,0 RS 0 + 2048 [dd]\n"
	"              dd-12389   [000] .....  3540.578812: block_rq_issue: 7,0 RS 524288 () 0 + 1024 be,0,4 [dd]\n"
	"              dd-12389   [000] .N...  3540.578858: block_rq_issue: 7,0 RS 524288 () 1024 + 1024 be,0,4 [dd]\n"
	"     ksoftirqd/1-22      [001] ..s..  3540.782997: block_rq_complete: 7,0 RS () 0 + 1024 be,0,4 [0]\n"
	"       ssdreplay-29963   [001] ..s..  3540.783722: block_rq_complete: 7,0 RS () 1024 + 1024 be,0,4 [0]\n"
	"              dd-12390   [000] .N...  3540.791042: block_rq_issue: 254,0 WS 65536 () 350555504 + 128 be,0,4 [dd]\n"
	"            bash-12382   [000] .....  3540.792376: mm_filemap_add_to_page_cache: dev 0:3 ino fe00000 pfn=0x13ccfc ofs=6517346304 order=0\n"
	"    kworker/0:1H-58      [000] .....  3540.805673: block_rq_issue: 254,0 DS 4096 () 350499624 + 8 be,0,4 [kworker/0:1H]\n"
	"    kworker/0:1H-58      [000] .....  3540.806369: block_rq_issue: 254,0 FF 0 () 0 + 0 none,0,0 [kworker/0:1H]\n"
	"       ssdreplay-29963   [001] ..s..  3540.806424: block_rq_complete: 254,0 FF () 18446744073709551615 + 0 none,0,0 [0]\n"
	"          <idle>-0       [001] .Ns1.  3542.557544: block_rq_complete: 254,0 RS () 41371648 + 2048 be,0,4 [0]\n"
	"             cat-12404   [001] .....  3543.315676: mm_filemap_add_to_page_cache: dev 254:0 ino a726a4 pfn=0x57bef0 ofs=524288 order=2\n";

static void test_ftrace_real(void **state)
{
	struct sr_trace_opts o = { .event = 'C' };
	struct recs r = parse_ok(ftrace_real, "ftrace");

	(void)state;
	assert_int_equal(r.n, 4);
	check_rec(&r.r[0], SR_OP_READ, 0, 524288, 0, 15, 12389);
	check_rec(&r.r[1], SR_OP_READ, 524288, 524288, 46000, 16, 12389);
	check_rec(&r.r[2], SR_OP_WRITE, 350555504ull * 512, 65536, 212230000, 19, 12390);
	check_rec(&r.r[3], SR_OP_TRIM, 350499624ull * 512, 4096, 226861000, 21, 58);
	free(r.r);

	r = parse_opts(ftrace_real, "ftrace", &o);
	assert_int_equal(r.n, 3);
	check_rec(&r.r[0], SR_OP_READ, 0, 524288, 0, 17, 22);
	check_rec(&r.r[1], SR_OP_READ, 524288, 524288, 725000, 18, 29963);
	check_rec(&r.r[2], SR_OP_READ, 41371648ull * 512, 1 << 20, 1774547000, 24, 0);
	free(r.r);

	o.event = 'Q';
	r = parse_opts(ftrace_real, "ftrace", &o);
	assert_int_equal(r.n, 1);
	check_rec(&r.r[0], SR_OP_READ, 0, 1 << 20, 0, 14, 12389);
	free(r.r);
	o.event = 'I';
	r = parse_opts(ftrace_real, "ftrace", &o);
	assert_int_equal(r.n, 1);
	check_rec(&r.r[0], SR_OP_READ, 42289408ull * 512, 131072, 0, 13, 12376);
	free(r.r);
}

static void test_ftrace_filters(void **state)
{
	struct sr_trace_opts o = { 0 };
	struct recs r;

	(void)state;
	o.have_dev = 1;
	o.dev_major = 7;
	o.dev_minor = 0;
	assert_int_equal(count_opts(ftrace_real, "ftrace", &o), 2);
	o.event = 'C';
	assert_int_equal(count_opts(ftrace_real, "ftrace", &o), 2);
	o.dev_major = 254;
	o.event = 'D';
	r = parse_opts(ftrace_real, "ftrace", &o);
	assert_int_equal(r.n, 2);
	check_rec(&r.r[0], SR_OP_WRITE, 350555504ull * 512, 65536, 0, 19, 12390);
	check_rec(&r.r[1], SR_OP_TRIM, 350499624ull * 512, 4096, 14631000, 21, 58);
	free(r.r);
	memset(&o, 0, sizeof(o));
	o.comm = "dd";
	assert_int_equal(count_opts(ftrace_real, "ftrace", &o), 3);
	o.comm = "kworker/0:1H";
	assert_int_equal(count_opts(ftrace_real, "ftrace", &o), 1);
	o.comm = NULL;
	o.have_pid = 1;
	o.pid = 12389;
	assert_int_equal(count_opts(ftrace_real, "ftrace", &o), 2);
	/* Completions: the task column's pid and comm. */
	o.event = 'C';
	o.pid = 0;
	o.comm = "<idle>";
	assert_int_equal(count_opts(ftrace_real, "ftrace", &o), 1);
	o.have_pid = 0;
	o.comm = "ksoftirqd/1";
	assert_int_equal(count_opts(ftrace_real, "ftrace", &o), 1);
	/* Issue takes comm from the payload: the task column can be stale. */
	memset(&o, 0, sizeof(o));
	o.comm = "bash";
	assert_int_equal(count_opts("            sync-12391   [000] .....  3540.792837: "
				    "block_rq_issue: 254,0 RA 16384 () 13095728 + 32 be,0,4 [bash]\n",
				    "ftrace", &o), 1);
	o.comm = "sync";
	assert_int_equal(count_opts("            sync-12391   [000] .....  3540.792837: "
				    "block_rq_issue: 254,0 RA 16384 () 13095728 + 32 be,0,4 [bash]\n",
				    "ftrace", &o), 0);
}

/* Other layouts: irq-info off, record-tgid on (both captured here), kernels
 * before ioprio, perf script, trace-cmd report, odd task names. */
static void test_ftrace_variants(void **state)
{
	struct sr_trace_opts o = { .event = 'C' };
	struct recs r = parse_ok(
		"#           TASK-PID     CPU#     TIMESTAMP  FUNCTION\n"
		"#              | |         |         |         |\n"
		"              dd-12562   [001]   3556.764343: block_rq_issue: 7,0 RS 65536 () 0 + 128 be,0,4 [dd]\n"
		"              dd-12601   (  12601) [000] .....  3559.058367: block_rq_issue: 7,0 RS 65536 () 0 + 128 be,0,4 [dd]\n"
		"              dd-12602   (-------) [000] .....  3559.058400: block_rq_issue: 7,0 RS 65536 () 128 + 128 be,0,4 [dd]\n"
		"dd-7791 [000] d..1 3560.000000: block_rq_issue: 7,0 R 131072 () 25600 + 256 [dd]\n"
		"CPU:1 [LOST 42 EVENTS]\n"
		" => blk_mq_start_request\n"
		"              dd  7792 [000]  3560.000001:     block:block_rq_issue: 7,0 RS 131072 () 25600 + 256 be,0,4 [dd]\n"
		"  my-task name-12-345 [001] ..... 3560.5: block_rq_issue: 8,0 R 4096 () 8 + 8 be,0,4 [my-task name-12]\n"
		"           <...>-999  [001] ..... 3560.6: block_rq_issue: 8,0 WFS 0 () 8 + 8 be,0,4 [x [y]]\n"
		"  sg_inq-5 [000] ..... 3561.0: block_rq_issue: 8,0 N 0 (12 00 00 00 24 00) 0 + 0 be,0,4 [sg_inq]\n"
		"  dd-5 [000] ..... 3561.0: block_rq_issue: 8,0 N 512 () 64 + 1 be,0,4 [dd]\n"
		"  bash-5 [000] ..... 3561.0: tracing_mark_write: hello\n"
		"  bash-5 [000] ..... 3561.0: do_sys_open <-do_syscall_64\n"
		"\n", "ftrace");

	(void)state;
	assert_int_equal(r.n, 7);
	check_rec(&r.r[0], SR_OP_READ, 0, 65536, 0, 3, 12562);
	check_rec(&r.r[1], SR_OP_READ, 0, 65536, 2294024000ull, 4, 12601);
	check_rec(&r.r[2], SR_OP_READ, 65536, 65536, 2294057000ull, 5, 12602);
	check_rec(&r.r[3], SR_OP_READ, 25600ull * 512, 131072, 3235657000ull, 6, 7791);
	check_rec(&r.r[4], SR_OP_READ, 25600ull * 512, 131072, 3235658000ull, 9, 7792);
	check_rec(&r.r[5], SR_OP_READ, 4096, 4096, 3735657000ull, 10, 345);
	check_rec(&r.r[6], SR_OP_WRITE, 4096, 4096, 3835657000ull, 11, 999);
	free(r.r);
	r = parse_opts("<idle>-0 [001] ..s1 5151.577000: block_rq_complete: 7,0 R () 25600 + 256 [-5]\n"
		       "<idle>-0 [001] ..s1 5151.577001: block_rq_complete: 7,0 R () 25856 + 256 [0]\n",
		       "ftrace", &o);
	assert_int_equal(r.n, 2);
	check_rec(&r.r[1], SR_OP_READ, 25856ull * 512, 131072, 1000, 2, 0);
	free(r.r);
	memset(&o, 0, sizeof(o));
	o.comm = "my-task name-12";
	assert_int_equal(count_opts("  my-task name-12-345 [001] ..... 1.5: block_rq_issue: 8,0 R 4096 () "
				    "8 + 8 be,0,4 [my-task name-12]\n", "ftrace", &o), 1);
	o.comm = "x [y]";
	assert_int_equal(count_opts("  <...>-999 [001] ..... 1.6: block_rq_issue: 8,0 W 0 () 8 + 8 "
				    "[x [y]]\n", "ftrace", &o), 1);
	/* Timestamps out of order clamp to the start. */
	r = parse_ok("a-1 [000] ..... 10.5: block_rq_issue: 8,0 R 0 () 8 + 8 [a]\n"
		     "a-1 [001] ..... 10.25: block_rq_issue: 8,0 R 0 () 8 + 8 [a]\n"
		     "a-1 [001] ..... 11.000000001: block_rq_issue: 8,0 R 0 () 8 + 8 [a]\n", "ftrace");
	assert_int_equal(r.n, 3);
	assert_int_equal(r.r[1].t_ns, 0);
	assert_int_equal(r.r[2].t_ns, 500000001);
	free(r.r);
}

static void test_ftrace_bad(void **state)
{
#define FT "dd-7791 [000] ..... 5151.576556: block_rq_issue: "
	struct sr_trace_opts o = { .event = 'C' };

	(void)state;
	parse_bad(FT "7,0 RS 131072 () 25600 + 256 be,0,4 [dd]\n" FT "7,0 RS 131072 () 25600 +\n",
		  "ftrace", 2, "expected sector count as an unsigned 64-bit integer, found end of line");
	parse_bad(FT "7,0 RS 131072 () 25x00 + 256 be,0,4 [dd]\n", "ftrace", 1,
		  "expected sector as an unsigned 64-bit integer, found '25x00'");
	parse_bad(FT "7,0 RS 131072 () 99999999999999999999 + 256 be,0,4 [dd]\n", "ftrace", 1,
		  "found '99999999999999999999'");
	parse_bad(FT "7,0 RS 131072 () 25600 256 be,0,4 [dd]\n", "ftrace", 1,
		  "expected '+' after the sector, found '256'");
	parse_bad(FT "7,0 RS 131072 () 25600 + 256 be,0,4 [dd\n", "ftrace", 1,
		  "expected '[COMM]' at the end, found '[dd'");
	parse_bad(FT "7,0 RS 131072 () 25600 + 256 be,0,4\n", "ftrace", 1, "'[COMM]'");
	parse_bad(FT "7;0 RS 131072 () 25600 + 256 be,0,4 [dd]\n", "ftrace", 1,
		  "expected device MAJOR,MINOR, found '7;0'");
	parse_bad(FT "7,0 rs 131072 () 25600 + 256 be,0,4 [dd]\n", "ftrace", 1,
		  "expected RWBS flags, found 'rs'");
	parse_bad(FT "7,0 RS 13k () 25600 + 256 be,0,4 [dd]\n", "ftrace", 1, "bytes");
	parse_bad(FT "7,0 RS 131072 25600 + 256 be,0,4 [dd]\n", "ftrace", 1,
		  "expected '(CMD)', found '25600'");
	parse_bad(FT "7,0 RS 131072 () 36028797018963968 + 8 be,0,4 [dd]\n", "ftrace", 1,
		  "within 64 bits");
	parse_bad(FT "7,0 RS", "ftrace", 1, "bytes");
	parse_bad("dd-7791 [000] ..... 5151.57x: block_rq_issue: 7,0 RS 0 () 0 + 8 [dd]\n", "ftrace",
		  1, "expected a timestamp 'SECONDS.FRACTION:', found '5151.57x:'");
	parse_bad("dd-7791 [000] ..... 5151.576556 block_rq_issue: 7,0 RS 0 () 0 + 8 [dd]\n",
		  "ftrace", 1, "timestamp");
	parse_bad("dd-7791 [000] ..... 5151.57", "ftrace", 1, "timestamp");
	parse_bad("dd-7791 [000] ..... 5151.576556: block_rq_iss", "ftrace", 1, "'EVENT: '");
	parse_bad("dd [000] ..... 5151.576556: block_rq_issue: 7,0 RS 0 () 0 + 8 [dd]\n", "ftrace", 1,
		  "expected TASK-PID before the CPU column, found 'dd '");
	parse_bad("dd-99999999999 [000] ..... 5151.576556: block_rq_issue: 7,0 RS 0 () 0 + 8 [dd]\n",
		  "ftrace", 1, "TASK-PID");
	parse_bad("# tracer: nop\nhello world\n", "ftrace", 2,
		  "expected an ftrace event line 'TASK-PID [CPU] SECONDS: EVENT: ...', "
		  "found 'hello world'");
	parse_bad_o("<idle>-0 [001] ..s1 5151.577000: block_rq_complete: 7,0 R () 25600 + 256 [x]\n",
		    "ftrace", &o, 1, "expected an error number in '[ERROR]', found 'x'");
	/* Another event's bad payload is not looked at. */
	assert_int_equal(count_opts("<idle>-0 [001] ..s1 5151.577000: block_rq_complete: junk\n",
				    "ftrace", NULL), 0);
	o.event = 'B';
	open_bad("", "ftrace", &o, "--event B: ftrace traces here carry Q (block_bio_queue), "
		 "I (block_rq_insert), D (block_rq_issue) and C (block_rq_complete)");
#undef FT
}

/* ---- filemap ---- */

static void test_filemap(void **state)
{
	struct sr_trace_opts o = { 0 };
	struct recs r = parse_ok(ftrace_real, "filemap");

	(void)state;
	assert_int_equal(r.n, 2);
	check_rec(&r.r[0], SR_OP_READ, 6517346304ull, 4096, 0, 20, 12382);
	check_rec(&r.r[1], SR_OP_READ, 524288, 16384, 2523300000ull, 25, 12404);
	free(r.r);
	/* Older kernels: no order, or page=%p and a decimal pfn. */
	r = parse_ok("            sync-12391   [000] .....  3540.792826: mm_filemap_add_to_page_cache: dev 254:0 ino 3c915 pfn=0x4ed911 ofs=0 order=0\n"
		     "cat-1 [000] .... 10.000000: mm_filemap_add_to_page_cache: dev 8:1 ino 1a2b pfn=0x12345 ofs=8192\n"
		     "cat-1 [000] .... 10.000001: mm_filemap_add_to_page_cache: dev 8:1 ino 1a2b page=000000003f3a1b2c pfn=74565 ofs=12288\n"
		     "cat-1 [000] .... 10.000002: mm_filemap_delete_from_page_cache: dev 8:1 ino 1a2b pfn=0x12345 ofs=8192\n"
		     "cat-1 [000] .... 10.000003: mm_filemap_add_to_page_cache: dev 8:1 ino 1a2b pfn=0x1 ofs=1048576 order=9\n",
		     "filemap");
	assert_int_equal(r.n, 4);
	assert_int_equal(r.r[1].off, 8192);
	assert_int_equal(r.r[1].len, 4096);
	assert_int_equal(r.r[2].off, 12288);
	check_rec(&r.r[3], SR_OP_READ, 1 << 20, 2 << 20, 0, 5, 1); /* before t0: clamped */
	free(r.r);

	o.have_dev = 1;
	o.dev_major = 254;
	assert_int_equal(count_opts(ftrace_real, "filemap", &o), 1);
	o.have_dev = 0;
	o.comm = "bash";
	assert_int_equal(count_opts(ftrace_real, "filemap", &o), 1);
	o.comm = NULL;
	o.have_pid = 1;
	o.pid = 12404;
	assert_int_equal(count_opts(ftrace_real, "filemap", &o), 1);
	/* One kind of event: --event is refused by the generic code. */
	memset(&o, 0, sizeof(o));
	o.event = 'C';
	open_bad("", "filemap", &o, "--event: the filemap format has one kind of event");
}

static void test_filemap_bad(void **state)
{
#define FM "cat-1 [000] .... 10.000000: mm_filemap_add_to_page_cache: "
	(void)state;
	parse_bad(FM "dev 8:1 ino 1a2b pfn=0x12345 ofs=8192\n" FM "dev 8:1 ino 1a2b pfn=0x12345\n",
		  "filemap", 2, "expected 'ofs=BYTES', found end of line");
	parse_bad(FM "dev 8:1 ino 1a2b pfn=0x12345 ofs=81x2\n", "filemap", 1,
		  "expected ofs=BYTES as an unsigned 64-bit integer, found 'ofs=81x2'");
	parse_bad(FM "dev 8:1 ino 1a2b pfn=0x12345 ofs=99999999999999999999\n", "filemap", 1,
		  "found 'ofs=99999999999999999999'");
	parse_bad(FM "dev 8:1 ino 1a2b pfn=0x12345 ofs=18446744073709551615 order=0\n", "filemap",
		  1, "within 64 bits");
	parse_bad(FM "dev 8:1 ino 1a2b pfn=0x12345 ofs=0 order=41\n", "filemap", 1,
		  "expected order=N with N <= 40, found 'order=41'");
	parse_bad(FM "dev 8:1 ino 1g2b pfn=0x12345 ofs=0\n", "filemap", 1,
		  "expected an inode number in hex, found '1g2b'");
	parse_bad(FM "dev 8,1 ino 1a2b pfn=0x12345 ofs=0\n", "filemap", 1,
		  "expected device MAJOR:MINOR, found '8,1'");
	parse_bad(FM "ino 1a2b pfn=0x12345 ofs=0\n", "filemap", 1, "'dev MAJOR:MINOR'");
	parse_bad(FM "dev 8:1 1a2b pfn=0x12345 ofs=0\n", "filemap", 1, "'ino INODE'");
	parse_bad(FM "dev 8:1 ino 1a2b pfn 0x12345 ofs=0\n", "filemap", 1, "KEY=VALUE");
#undef FM
}

/* ---- cheops-csv ---- */

static void test_cheops(void **state)
{
	struct recs r = parse_ok("Attaching 1 probe...\n"
				 "45502109053447, W, 4096, 170104688, 8\n"
				 "45502109071121, W, 4096, 170104864, 8\n"
				 "45502109074148, FF, 0, 0, 0\n"
				 "45502109076588, RA, 0, 170105744, 256\n"
				 "\n"
				 "45502109076600, DS, 0, 8, 8\n"
				 "45502109076700, N, 0, 8, 8\n", "cheops-csv");

	(void)state;
	assert_int_equal(r.n, 4);
	check_rec(&r.r[0], SR_OP_WRITE, 170104688ull * 512, 4096, 0, 2, 0);
	check_rec(&r.r[1], SR_OP_WRITE, 170104864ull * 512, 4096, 17674, 3, 0);
	check_rec(&r.r[2], SR_OP_READ, 170105744ull * 512, 131072, 23141, 5, 0);
	check_rec(&r.r[3], SR_OP_TRIM, 4096, 4096, 23153, 7, 0);
	free(r.r);
	r = parse_ok("nsecs,rwbs,bytes,sector,nr_sector\r\n100,R,4096,0,8\r\n200,R,4096,8,8\r\n",
		     "cheops-csv");
	assert_int_equal(r.n, 2);
	check_rec(&r.r[1], SR_OP_READ, 4096, 4096, 100, 3, 0);
	free(r.r);
}

static void test_cheops_bad(void **state)
{
	struct sr_trace_opts o = { 0 };

	(void)state;
	parse_bad("1, W, 4096, 8, 8\n2, W, 4096, 8\n", "cheops-csv", 2,
		  "expected 5 comma-separated fields (nsecs,rwbs,bytes,sector,nr_sector), "
		  "found '2, W, 4096, 8'");
	parse_bad("1, W, 4096, 8x, 8\n", "cheops-csv", 1,
		  "expected sector as an unsigned 64-bit integer, found '8x'");
	parse_bad("99999999999999999999, W, 4096, 8, 8\n", "cheops-csv", 1,
		  "expected nsecs as an unsigned 64-bit integer, found '99999999999999999999'");
	parse_bad("1, w, 4096, 8, 8\n", "cheops-csv", 1, "expected RWBS flags");
	parse_bad("1, , 4096, 8, 8\n", "cheops-csv", 1, "expected RWBS flags (R, W, D, F, S, ...), "
		  "found ''");
	parse_bad("1, W, -1, 8, 8\n", "cheops-csv", 1, "bytes");
	parse_bad("1, W, 4096, 0x8, 8\n", "cheops-csv", 1, "found '0x8'");
	parse_bad("1, W, 4096, 8, \n", "cheops-csv", 1, "nr_sector");
	parse_bad("1, W, 4096, 36028797018963968, 8\n", "cheops-csv", 1, "within 64 bits");
	parse_bad("@[W]: 3\n", "cheops-csv", 1, "5 comma-separated fields");
	/* bytes set and disagreeing with nr_sector: damaged (it was ignored) */
	parse_bad("1, W, 4096, 8, 8\n2, R, 8192, 8, 8\n", "cheops-csv", 2,
		  "expected bytes 0 or nr_sector * 512 = 4096, found 8192");
	assert_int_equal(count_opts("1, W, 0, 8, 8\n2, N, 36, 0, 0\n", "cheops-csv", NULL), 1);
	/* No device, pid or command in these rows. */
	o.have_pid = 1;
	open_bad("", "cheops-csv", &o, "--pid: the cheops-csv format records no pid");
	o.have_pid = 0;
	o.comm = "dd";
	open_bad("", "cheops-csv", &o, "--comm");
}

/* ---- probing ---- */

#define P(f, s) (f).probe((s), strlen(s))

static void test_auto(void **state)
{
	(void)state;
	auto_is(blkparse_real, "blkparse");
	auto_is("\n\n" "  8,16   0        5     0.000002000   697  D   W 223490 + 8 (    1000) [kjournald]\n",
		"blkparse");
	auto_is(ftrace_real, "ftrace");
	auto_is("CPU:1 [LOST 3 EVENTS]\n  dd 7 [000]  1.000001:     block:block_rq_issue: 7,0 RS 0 () 0 + 8 [dd]\n",
		"ftrace");
	auto_is("cat-1 [000] .... 10.000000: mm_filemap_add_to_page_cache: dev 8:1 ino 1a2b pfn=0x12345 ofs=8192\n",
		"filemap");
	auto_is("nsecs,rwbs,bytes,sector,nr_sector\n1,R,4096,0,8\n", "cheops-csv");
	auto_is("Attaching 1 probe...\n45502109053447, W, 4096, 170104688, 8\n", "cheops-csv");
	auto_is("Attaching 1 probe...\n", "cheops-csv");
	auto_is("45502109053447, RS, 4096, 170104688, 8\n", "cheops-csv");
	/* Plain CSV stays CSV. */
	auto_is("offset,length\n0,4096\n", "csv");
	auto_is("time_ns,op,offset,length\n0,R,0,4096\n", "csv");
	auto_is("# made by hand\nOFFSET , Length ,op\n 0 , 4096 , r\n", "csv");

	/* The scores themselves. */
	assert_int_equal(P(sr_trace_fmt_cheops, "nsecs, rwbs, bytes, sector, nr_sector\n"), 100);
	assert_int_equal(P(sr_trace_fmt_cheops, "offset,length,op,time_ns,tag\n"), 0);
	assert_int_equal(P(sr_trace_fmt_cheops, "0,4096,W,1,2\n"), 0);
	assert_int_equal(P(sr_trace_fmt_cheops, "1,2,3,4,5\n"), 0);
	assert_int_equal(P(sr_trace_fmt_cheops, "Attaching 1 probe...\nfoo\n"), 0);
	assert_int_equal(P(sr_trace_fmt_blkparse, "8,0 3 1 0.0 697 D R 8 + 8 [a]"), 90);
	assert_int_equal(P(sr_trace_fmt_blkparse, "offset,length\n"), 0);
	assert_int_equal(P(sr_trace_fmt_blkparse, "8,0 3 1 0.0"), 0);
	assert_int_equal(P(sr_trace_fmt_blkparse, "\n \n"), 0);
	assert_int_equal(P(sr_trace_fmt_ftrace, "x: block_rq_issue: "), 95);
	assert_int_equal(P(sr_trace_fmt_ftrace, "x: block_rq_issue:"), 0);
	assert_int_equal(P(sr_trace_fmt_ftrace, "block_rq_issue: "), 0);
	assert_int_equal(P(sr_trace_fmt_filemap, "x: mm_filemap_add_to_page_cache: "), 95);
	assert_int_equal(sr_trace_fmt_filemap.probe(ftrace_real, strlen(ftrace_real)), 85);
	assert_int_equal(P(sr_trace_fmt_filemap, ""), 0);
	assert_int_equal(P(sr_trace_fmt_ftrace, ""), 0);
	assert_int_equal(P(sr_trace_fmt_cheops, ""), 0);
	assert_int_equal(P(sr_trace_fmt_blkparse, ""), 0);
}

/* A long trace across many 64 KiB chunks, every batch size the same. */
static void test_long_trace(void **state)
{
	size_t i, n = 20000, cap = n * 120;
	char *text = malloc(cap + 1), *p = text;
	struct recs r;

	(void)state;
	assert_non_null(text);
	for (i = 0; i < n; i++)
		p += sprintf(p, "%16s-%zu [%03zu] ..... %zu.%06zu: block_rq_issue: 8,0 %s %zu () "
			     "%zu + 8 be,0,4 [t]\n", "task", i, i % 4, 100 + i / 1000,
			     (i % 1000) * 1000, i % 3 ? "R" : "WS", (size_t)4096, i * 8);
	r = parse_ok(text, "ftrace");
	assert_int_equal(r.n, n);
	for (i = 0; i < n; i++)
		check_rec(&r.r[i], i % 3 ? SR_OP_READ : SR_OP_WRITE, i * 4096, 4096,
			  (uint64_t)i * 1000000, i + 1, (uint32_t)i);
	free(r.r);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blkparse_real),
		cmocka_unit_test(test_blkparse_events_filters),
		cmocka_unit_test(test_blkparse_misc),
		cmocka_unit_test(test_blkparse_bad),
		cmocka_unit_test(test_ftrace_real),
		cmocka_unit_test(test_ftrace_filters),
		cmocka_unit_test(test_ftrace_variants),
		cmocka_unit_test(test_ftrace_bad),
		cmocka_unit_test(test_filemap),
		cmocka_unit_test(test_filemap_bad),
		cmocka_unit_test(test_cheops),
		cmocka_unit_test(test_cheops_bad),
		cmocka_unit_test(test_auto),
		cmocka_unit_test(test_long_trace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
