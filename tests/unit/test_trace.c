/* Trace readers (csv, fio iolog), format probing, the line reader and the
 * built-in patterns. */
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

/* Parse text as fmt; must succeed. Returns the records (caller frees .r). */
static struct recs parse_ok(const char *text, const char *fmt)
{
	struct sr_err e = { 0 };
	struct sr_source *s = NULL;
	struct recs out = { 0 };
	char *path = tmp_file(text, strlen(text));
	int ret;

	ret = sr_trace_open(path, fmt, &s, &e);
	if (ret)
		fail_msg("open: %s", e.msg);
	assert_string_equal(s->name, path);
	ret = read_all(s, 1000, &out, &e);
	if (ret)
		fail_msg("next: %s", e.msg);
	s->close(s);
	drop_file(path);
	return out;
}

/* Parse len bytes of data as fmt; must fail as bad input at PATH:line
 * with a message containing needle. */
static void parse_bad_n(const char *data, size_t len, const char *fmt, unsigned line,
			const char *needle)
{
	struct sr_err e = { 0 };
	struct sr_source *s = NULL;
	struct recs out = { 0 };
	char *path = tmp_file(data, len), want[600];
	int ret;

	ret = sr_trace_open(path, fmt, &s, &e);
	if (!ret) {
		ret = read_all(s, 1000, &out, &e);
		s->close(s);
	}
	free(out.r);
	assert_int_equal(ret, -EINVAL);
	assert_int_equal(e.code, -EINVAL);
	assert_int_equal(e.bad_input, 1);
	snprintf(want, sizeof(want), "%s:%u: ", path, line);
	if (strncmp(e.msg, want, strlen(want)))
		fail_msg("want prefix '%s', got '%s'", want, e.msg);
	if (needle && !strstr(e.msg, needle))
		fail_msg("want '%s' in '%s'", needle, e.msg);
	drop_file(path);
}

static void parse_bad(const char *text, const char *fmt, unsigned line, const char *needle)
{
	parse_bad_n(text, strlen(text), fmt, line, needle);
}

static void check_rec(const struct sr_rec *r, int op, uint64_t off, uint64_t len, uint64_t t_ns,
		      uint64_t seq, uint32_t target, uint32_t tag)
{
	assert_int_equal(r->op, op);
	assert_int_equal(r->off, off);
	assert_int_equal(r->len, len);
	assert_int_equal(r->t_ns, t_ns);
	assert_int_equal(r->seq, seq);
	assert_int_equal(r->target, target);
	assert_int_equal(r->tag, tag);
}

/* ---- csv ---- */

static void test_csv_all_columns(void **state)
{
	struct recs r = parse_ok("tag, Target , TIME_NS,op,length,offset\n"
				 "7,1,1000,w,4096,0\n"
				 "8,2,2000,read,512,0x1000\n"
				 "0,0,3000,TRIM,8192,8192\n"
				 "0,4294967295,4000,flush,0,0\n"
				 "0,0,5000,S,1,2\n"
				 "4294967295,0,6000,Write,1,18446744073709551614\n", "csv");

	(void)state;
	assert_int_equal(r.n, 6);
	check_rec(&r.r[0], SR_OP_WRITE, 0, 4096, 1000, 2, 1, 7);
	check_rec(&r.r[1], SR_OP_READ, 0x1000, 512, 2000, 3, 2, 8);
	check_rec(&r.r[2], SR_OP_TRIM, 8192, 8192, 3000, 4, 0, 0);
	check_rec(&r.r[3], SR_OP_SYNC, 0, 0, 4000, 5, UINT32_MAX, 0);
	check_rec(&r.r[4], SR_OP_SYNC, 0, 0, 5000, 6, 0, 0);
	check_rec(&r.r[5], SR_OP_WRITE, UINT64_MAX - 1, 1, 6000, 7, 0, UINT32_MAX);
	free(r.r);
}

static void test_csv_minimal(void **state)
{
	struct recs r = parse_ok("offset,length\n0,4096\n4096,4096\n", "csv");

	(void)state;
	assert_int_equal(r.n, 2);
	check_rec(&r.r[0], SR_OP_READ, 0, 4096, SR_T_NONE, 2, 0, 0);
	check_rec(&r.r[1], SR_OP_READ, 4096, 4096, SR_T_NONE, 3, 0, 0);
	free(r.r);
}

static void test_csv_comments_crlf(void **state)
{
	struct recs r = parse_ok("# made by hand\r\n\r\n OFFSET , Length ,op\r\n# c\r\n \t \r\n"
				 " 0 , 4096 , r \r\n  # indented comment\n4096,4096,W", "csv");

	(void)state;
	assert_int_equal(r.n, 2);
	check_rec(&r.r[0], SR_OP_READ, 0, 4096, SR_T_NONE, 6, 0, 0);
	check_rec(&r.r[1], SR_OP_WRITE, 4096, 4096, SR_T_NONE, 8, 0, 0);
	free(r.r);
}

static void test_csv_bom(void **state)
{
	struct recs r = parse_ok("\xef\xbb\xbfoffset,length\r\n1,2\r\n", "auto");

	(void)state;
	assert_int_equal(r.n, 1);
	check_rec(&r.r[0], SR_OP_READ, 1, 2, SR_T_NONE, 2, 0, 0);
	free(r.r);
}

static void test_csv_bad(void **state)
{
	char big[6000];

	(void)state;
	parse_bad("offset,length\n0,4096\nabc,4096\n", "csv", 3, "expected offset");
	parse_bad("offset,length\n0,4096\n12a,4096\n", "csv", 3, "found '12a'");
	parse_bad("offset,length\n99999999999999999999,4096\n", "csv", 2,
		  "found '99999999999999999999'");
	parse_bad("offset,length\n0,-1\n", "csv", 2, "expected length");
	parse_bad("offset,length\n0,\n", "csv", 2, "expected length");
	parse_bad("offset,length,op\n0,4096,r\n0,4096\n", "csv", 3,
		  "expected 3 comma-separated fields (offset,length,op), found '0,4096'");
	parse_bad("offset,length\n0,4096,r\n", "csv", 2, "expected 2 comma-separated fields");
	parse_bad("offset,foo,length\n0,1,2\n", "csv", 1,
		  "unknown column 'foo', expected offset,length[,op][,time_ns][,target][,tag]");
	parse_bad("offset,length,\n", "csv", 1, "unknown column ''");
	parse_bad("offset,length,Offset\n", "csv", 1, "column 'offset' appears twice");
	parse_bad("# x\noffset,op\n", "csv", 2, "lacks column 'length'");
	parse_bad("offset,length\n\n0,0\n", "csv", 3, "expected length > 0, found '0'");
	parse_bad("offset,length,op\n0,1,x\n", "csv", 2, "expected op");
	parse_bad("offset,length,op\n0,1,\n", "csv", 2, "expected op");
	parse_bad("offset,length,target\n0,1,4294967296\n", "csv", 2, "32-bit");
	parse_bad("offset,length,tag\n0,1,0x100000000\n", "csv", 2, "tag");
	parse_bad("offset,length,time_ns\n0,1,1.5\n", "csv", 2, "time_ns");
	parse_bad("offset,length\n18446744073709551615,1\n", "csv", 2, "offset+length");
	parse_bad("0,4096\n", "csv", 1, "expected a header line");
	parse_bad("", "csv", 1, "found end of file");
	parse_bad("# only\n\n", "csv", 3, "found end of file");
	/* A very long field is cut in the message. */
	memcpy(big, "offset,length\n", 14);
	memset(big + 14, '7', 100);
	strcpy(big + 114, "x,1\n");
	parse_bad(big, "csv", 2, "found '7777777777777777777777777777777777777777...'");
	/* Too long: 5000 bytes. */
	memcpy(big, "offset,length\n0,1\n", 18);
	memset(big + 18, ' ', 5000);
	big[18 + 5000] = '\n';
	parse_bad_n(big, 18 + 5001, "csv", 3, "line longer than 4096 bytes");
	/* Too long, and the file ends inside the line. */
	parse_bad_n(big, 18 + 5000, "csv", 3, "line longer than 4096 bytes");
	/* NUL byte. */
	parse_bad_n("offset,length\n0,4\00096\n", 21, "csv", 2, "NUL byte in text line");
}

/* Records before a bad line come out whatever the batch size; then the error. */
static void test_csv_error_after_records(void **state)
{
	static const char text[] = "offset,length\n0,1\n1,1\nbad,1\n3,1\n";
	char *path = tmp_file(text, strlen(text));
	struct sr_err e = { 0 };
	struct sr_source *s;
	struct sr_rec r[8];

	(void)state;
	assert_int_equal(sr_trace_open(path, "csv", &s, &e), 0);
	assert_int_equal(sr_source_next(s, r, 8, &e), 2);
	assert_int_equal(e.code, 0);
	assert_int_equal(sr_source_next(s, r, 8, &e), -EINVAL);
	assert_non_null(strstr(e.msg, ":4: expected offset"));
	/* The error sticks. */
	sr_err_clear(&e);
	assert_int_equal(sr_source_next(s, r, 8, &e), -EINVAL);
	assert_non_null(strstr(e.msg, ":4: expected offset"));
	/* Rewind starts over. */
	sr_err_clear(&e);
	assert_int_equal(s->rewind(s, &e), 0);
	assert_int_equal(sr_source_next(s, r, 1, &e), 1);
	assert_int_equal(r[0].seq, 2);
	s->close(s);
	drop_file(path);
}

/* Lines of exactly SR_LINES_MAX bytes (plus \r\n) are fine. */
static void test_csv_max_line(void **state)
{
	char *text = malloc(20 + SR_LINES_MAX + 3);
	struct recs r;
	size_t n;

	(void)state;
	assert_non_null(text);
	n = (size_t)sprintf(text, "offset,length\n0,4096");
	memset(text + n, ' ', SR_LINES_MAX - 6);
	n += SR_LINES_MAX - 6;
	strcpy(text + n, "\r\n");
	r = parse_ok(text, "csv");
	assert_int_equal(r.n, 1);
	check_rec(&r.r[0], SR_OP_READ, 0, 4096, SR_T_NONE, 2, 0, 0);
	free(r.r);
	/* One more byte is too much. */
	strcpy(text + n, " \r\n");
	parse_bad(text, "csv", 2, "line longer than 4096 bytes");
	free(text);
}

/* ---- fio iolog ---- */

static void test_iolog_v2(void **state)
{
	struct recs r = parse_ok("fio version 2 iolog\n"
				 "/dev/a add\n"
				 "/dev/b add\n"
				 "/dev/a open\n"
				 "/dev/b\topen\n"
				 "/dev/a read 0 4096\n"
				 "/dev/b write 8192 512\n"
				 "/dev/a wait 1000 0\n"
				 "/dev/a trim 4096 4096\n"
				 "/dev/b sync\n"
				 "\n"
				 "/dev/a wait 500\n"
				 "/dev/b datasync 8192 0\n"
				 "/dev/a add\n"
				 "/dev/a write 0x10 16\r\n"
				 "/dev/a close\n"
				 "/dev/b unlink\n", "fio-iolog");

	(void)state;
	assert_int_equal(r.n, 6);
	check_rec(&r.r[0], SR_OP_READ, 0, 4096, SR_T_NONE, 6, 0, 0);
	check_rec(&r.r[1], SR_OP_WRITE, 8192, 512, SR_T_NONE, 7, 1, 0);
	check_rec(&r.r[2], SR_OP_TRIM, 4096, 4096, 1000000, 9, 0, 0);
	check_rec(&r.r[3], SR_OP_SYNC, 0, 0, 1000000, 10, 1, 0);
	check_rec(&r.r[4], SR_OP_SYNC, 0, 0, 1500000, 13, 1, 0);
	check_rec(&r.r[5], SR_OP_WRITE, 16, 16, 1500000, 15, 0, 0);
	free(r.r);
}

/* Written by fio 3.33, verbatim: fio --name=g --filename=/tmp/fio_g1:/tmp/fio_g2
 * --size=32k --bs=4k --rw=randrw --write_iolog=g.iolog */
static const char fio_v3_log[] =
	"fio version 3 iolog\n"
	"22 /tmp/fio_g1 add\n"
	"27 /tmp/fio_g2 add\n"
	"196 /tmp/fio_g1 open\n"
	"200 /tmp/fio_g1 read 0 4096\n"
	"376 /tmp/fio_g2 open\n"
	"379 /tmp/fio_g2 read 8192 4096\n"
	"510 /tmp/fio_g1 read 12288 4096\n"
	"612 /tmp/fio_g2 write 4096 4096\n"
	"647 /tmp/fio_g1 read 4096 4096\n"
	"745 /tmp/fio_g2 read 12288 4096\n"
	"839 /tmp/fio_g1 write 8192 4096\n"
	"873 /tmp/fio_g2 write 0 4096\n"
	"898 /tmp/fio_g1 close\n"
	"911 /tmp/fio_g2 close\n";

/* Same, with --rw=randwrite --fsync=2 (fio logs "sync LAST_OFFSET 0"). */
static const char fio_v3_sync_log[] =
	"fio version 3 iolog\n"
	"26 /tmp/fio_f2 add\n"
	"173 /tmp/fio_f2 open\n"
	"181 /tmp/fio_f2 write 0 4096\n"
	"223 /tmp/fio_f2 write 20480 4096\n"
	"236 /tmp/fio_f2 sync 20480 0\n"
	"1015 /tmp/fio_f2 write 24576 4096\n"
	"2207 /tmp/fio_f2 close\n";

static void test_iolog_v3_fio(void **state)
{
	struct recs r = parse_ok(fio_v3_log, "fio-iolog");

	(void)state;
	assert_int_equal(r.n, 8);
	check_rec(&r.r[0], SR_OP_READ, 0, 4096, 200000, 5, 0, 0);
	check_rec(&r.r[1], SR_OP_READ, 8192, 4096, 379000, 7, 1, 0);
	check_rec(&r.r[2], SR_OP_READ, 12288, 4096, 510000, 8, 0, 0);
	check_rec(&r.r[3], SR_OP_WRITE, 4096, 4096, 612000, 9, 1, 0);
	check_rec(&r.r[4], SR_OP_READ, 4096, 4096, 647000, 10, 0, 0);
	check_rec(&r.r[5], SR_OP_READ, 12288, 4096, 745000, 11, 1, 0);
	check_rec(&r.r[6], SR_OP_WRITE, 8192, 4096, 839000, 12, 0, 0);
	check_rec(&r.r[7], SR_OP_WRITE, 0, 4096, 873000, 13, 1, 0);
	free(r.r);

	r = parse_ok(fio_v3_sync_log, "auto");
	assert_int_equal(r.n, 4);
	check_rec(&r.r[0], SR_OP_WRITE, 0, 4096, 181000, 4, 0, 0);
	check_rec(&r.r[1], SR_OP_WRITE, 20480, 4096, 223000, 5, 0, 0);
	check_rec(&r.r[2], SR_OP_SYNC, 0, 0, 236000, 6, 0, 0);
	check_rec(&r.r[3], SR_OP_WRITE, 24576, 4096, 1015000, 7, 0, 0);
	free(r.r);
}

static void test_iolog_v3_misc(void **state)
{
	struct recs r = parse_ok("fio version 3 iolog  \r\n"
				 "0 f add\n"
				 "5 f wait 100 0\n"
				 "7 f trim 0 512\n"
				 "9 f datasync\n"
				 "10 f sync 0 0\n", "fio-iolog");

	(void)state;
	assert_int_equal(r.n, 3);
	check_rec(&r.r[0], SR_OP_TRIM, 0, 512, 7000, 4, 0, 0);
	check_rec(&r.r[1], SR_OP_SYNC, 0, 0, 9000, 5, 0, 0);
	check_rec(&r.r[2], SR_OP_SYNC, 0, 0, 10000, 6, 0, 0);
	free(r.r);
}

static void test_iolog_bad(void **state)
{
	(void)state;
	parse_bad("fio version 4 iolog\n", "fio-iolog", 1, "version '4'");
	parse_bad("fio version 2 iolog extra\n", "fio-iolog", 1, "expected 'fio version 2");
	parse_bad("offset,length\n", "fio-iolog", 1, "expected 'fio version 2 iolog'");
	parse_bad("", "fio-iolog", 1, "end of file");
	parse_bad("fio version 3 iolog\n1 /a add\n2 /b read 0 4096\n", "fio-iolog", 3,
		  "file '/b' was never added");
	parse_bad("fio version 2 iolog\n/a open\n", "fio-iolog", 2, "never added");
	parse_bad("fio version 2 iolog\n/a add\n/a read x 4096\n", "fio-iolog", 3,
		  "expected an offset");
	parse_bad("fio version 2 iolog\n/a add\n/a read 0 99999999999999999999\n", "fio-iolog",
		  3, "found '99999999999999999999'");
	parse_bad("fio version 2 iolog\n/a add\n/a read 0\n", "fio-iolog", 3,
		  "expected FILE ACTION [OFFSET LENGTH]");
	parse_bad("fio version 2 iolog\n/a add\n/a read 0 1 2\n", "fio-iolog", 3, "expected");
	parse_bad("fio version 2 iolog\n/a add\n/a read\n", "fio-iolog", 3, "expected");
	parse_bad("fio version 2 iolog\n/a add\n/a read 0 0\n", "fio-iolog", 3, "length > 0");
	parse_bad("fio version 2 iolog\n/a add 0 1\n", "fio-iolog", 2, "without offset");
	parse_bad("fio version 2 iolog\n/a add\n/a fly 0 1\n", "fio-iolog", 3,
		  "expected an action");
	parse_bad("fio version 2 iolog\n/a add\n/a Read 0 1\n", "fio-iolog", 3, "found 'Read'");
	parse_bad("fio version 2 iolog\n/a wait\n", "fio-iolog", 2, "FILE wait USEC");
	parse_bad("fio version 2 iolog\n/a wait 18446744073709551615\n", "fio-iolog", 2,
		  "waits adding up");
	parse_bad("fio version 3 iolog\nx /a add\n", "fio-iolog", 2, "expected a timestamp");
	parse_bad("fio version 3 iolog\n1 /a add\n18446744073709552 /a read 0 1\n", "fio-iolog",
		  3, "timestamp below");
	parse_bad("fio version 3 iolog\n1 /a add\n2 /a read 0 1 2\n", "fio-iolog", 3,
		  "expected TIME_USEC FILE ACTION");
	parse_bad_n("fio version 3 iolog\n1 /a\0 add\n", 30, "fio-iolog", 2, "NUL byte");
}

/* Many files: indexes in order of first add, lookups stay right past rehashes. */
static void test_iolog_many_files(void **state)
{
	size_t cap = 1 << 20, n = 0, i;
	char *text = malloc(cap);
	struct recs r;

	(void)state;
	assert_non_null(text);
	n += (size_t)sprintf(text + n, "fio version 2 iolog\n");
	for (i = 0; i < 3000; i++)
		n += (size_t)sprintf(text + n, "/f%zu add\n", i);
	for (i = 3000; i-- > 0;)
		n += (size_t)sprintf(text + n, "/f%zu read %zu 1\n/f%zu add\n", i, i, i);
	r = parse_ok(text, "fio-iolog");
	assert_int_equal(r.n, 3000);
	for (i = 0; i < 3000; i++) {
		assert_int_equal(r.r[i].target, 2999 - i);
		assert_int_equal(r.r[i].off, 2999 - i);
	}
	free(r.r);
	free(text);
}

/* ---- probing, opening ---- */

static void test_auto(void **state)
{
	struct recs a = parse_ok("# hi\nop,offset,length\nw,0,1\n", "auto");
	struct recs b = parse_ok(fio_v3_log, NULL);
	struct recs c = parse_ok("fio version 2 iolog\nf add\nf read 0 1\n", "auto");

	(void)state;
	assert_int_equal(a.n, 1);
	check_rec(&a.r[0], SR_OP_WRITE, 0, 1, SR_T_NONE, 3, 0, 0);
	assert_int_equal(b.n, 8);
	assert_int_equal(c.n, 1);
	free(a.r);
	free(b.r);
	free(c.r);
	parse_bad("fio version 5 iolog\n", "auto", 1, "version '5'");
	assert_true(sr_trace_fmt_csv.probe("Offset, LENGTH\n", 15) > 0);
	assert_int_equal(sr_trace_fmt_csv.probe("fio version 2 iolog\n", 20), 0);
	assert_int_equal(sr_trace_fmt_iolog.probe("offset,length\n", 14), 0);
	assert_int_equal(sr_trace_fmt_iolog.probe("fio version 3 iolog\n", 20), 100);
	assert_int_equal(sr_trace_fmt_csv.probe("", 0), 0);
	assert_int_equal(sr_trace_fmt_csv.probe("0,1\n", 4), 0);
	assert_true(sr_trace_fmt_csv.probe("# c\n\nOffset,tag\n", 17) > 0);
	parse_bad("offset,bar\n", "auto", 1, "unknown column 'bar'");
	assert_int_equal(sr_trace_fmt_iolog.probe("fio", 3), 0);
}

static void test_open_errors(void **state)
{
	static const char junk[] = "hello world\n1 2 3\n";
	struct sr_err e = { 0 };
	struct sr_source *s = NULL;
	char *path = tmp_file(junk, strlen(junk)), want[600], bar[300] = "", comma[300] = "";
	size_t i;

	(void)state;
	/* Every registered format, in table order, csv and fio-iolog first. */
	for (i = 0; sr_trace_formats[i]; i++) {
		snprintf(bar + strlen(bar), sizeof(bar) - strlen(bar), "%s%s", i ? "|" : "",
			 sr_trace_formats[i]->name);
		snprintf(comma + strlen(comma), sizeof(comma) - strlen(comma), "%s%s",
			 i ? ", " : "", sr_trace_formats[i]->name);
	}
	assert_int_equal(strncmp(bar, "csv|fio-iolog", 13), 0);
	assert_int_equal(sr_trace_open(path, "auto", &s, &e), -EINVAL);
	snprintf(want, sizeof(want), "%s: cannot tell the trace format; use --format %s", path,
		 bar);
	assert_string_equal(e.msg, want);
	assert_int_equal(e.bad_input, 1);

	sr_err_clear(&e);
	assert_int_equal(sr_trace_open(path, "nosuch", &s, &e), -EINVAL);
	snprintf(want, sizeof(want), "unknown trace format 'nosuch', expected auto, %s", comma);
	assert_string_equal(e.msg, want);
	drop_file(path);

	sr_err_clear(&e);
	assert_int_equal(sr_trace_open("/nonexistent/trace.csv", "auto", &s, &e), -EINVAL);
	assert_string_equal(e.msg, "/nonexistent/trace.csv: No such file or directory");
	assert_int_equal(e.bad_input, 1);
	sr_err_clear(&e);
	assert_int_equal(sr_trace_open("/nonexistent/trace.csv", "csv", &s, &e), -EINVAL);
	assert_string_equal(e.msg, "/nonexistent/trace.csv: No such file or directory");
	sr_err_clear(&e);
	assert_int_equal(sr_trace_open("/", "fio-iolog", &s, &e), -EINVAL);
	assert_string_equal(e.msg, "/: is a directory");
	sr_err_clear(&e);
	assert_int_equal(sr_trace_open("/", "auto", &s, &e), -EINVAL);
	assert_string_equal(e.msg, "/: is a directory");
	assert_null(s);
}

/* ---- streaming: batching, rewind, big files ---- */

static char *big_csv(size_t lines, size_t *len)
{
	size_t cap = lines * 48 + 64, n = 0, i;
	char *text = malloc(cap);

	assert_non_null(text);
	n += (size_t)sprintf(text, "time_ns,offset,length,op\n");
	for (i = 0; i < lines; i++) {
		if (i % 1000 == 999)
			n += (size_t)sprintf(text + n, "# comment %zu\r\n", i);
		n += (size_t)sprintf(text + n, "%zu,%zu,%u,%s\n", i * 10, i * 4096,
				     (unsigned)(i % 7 + 1) * 512, i % 3 ? "r" : "write");
	}
	*len = n;
	return text;
}

static void stream(const char *path, const char *fmt, size_t max, int rewinds, struct recs *out)
{
	struct sr_err e = { 0 };
	struct sr_source *s;
	struct recs again = { 0 };
	int i;

	if (sr_trace_open(path, fmt, &s, &e))
		fail_msg("%s", e.msg);
	if (read_all(s, max, out, &e))
		fail_msg("%s", e.msg);
	for (i = 0; i < rewinds; i++) {
		assert_int_equal(s->rewind(s, &e), 0);
		again.n = 0;
		if (read_all(s, max, &again, &e))
			fail_msg("%s", e.msg);
		same_recs(out, &again);
	}
	free(again.r);
	s->close(s);
}

static void test_batching_rewind(void **state)
{
	size_t len;
	char *text = big_csv(5000, &len), *path = tmp_file(text, len);
	char *log = tmp_file(fio_v3_log, strlen(fio_v3_log));
	struct recs a = { 0 }, b = { 0 }, c = { 0 };

	(void)state;
	stream(path, "csv", 1, 2, &a);
	stream(path, "csv", 1000, 1, &b);
	stream(path, "auto", 7, 1, &c);
	assert_int_equal(a.n, 5000);
	same_recs(&a, &b);
	same_recs(&a, &c);
	a.n = b.n = 0;
	stream(log, "fio-iolog", 1, 3, &a);
	stream(log, "fio-iolog", 1000, 1, &b);
	assert_int_equal(a.n, 8);
	same_recs(&a, &b);
	free(a.r);
	free(b.r);
	free(c.r);
	free(text);
	drop_file(path);
	drop_file(log);
}

static void test_big_trace(void **state)
{
	const size_t lines = 200000;
	size_t len, i;
	char *text = big_csv(lines, &len), *path = tmp_file(text, len);
	struct recs r = { 0 };

	(void)state;
	assert_true(len > 4 * SR_LINES_CHUNK);
	stream(path, "csv", 4096, 1, &r);
	assert_int_equal(r.n, lines);
	for (i = 0; i < lines; i++) {
		assert_int_equal(r.r[i].off, i * 4096);
		assert_int_equal(r.r[i].t_ns, i * 10);
		assert_int_equal(r.r[i].len, (i % 7 + 1) * 512);
		assert_int_equal(r.r[i].op, i % 3 ? SR_OP_READ : SR_OP_WRITE);
		assert_int_equal(r.r[i].seq, i + 2 + (i + 1) / 1000);
	}
	free(r.r);
	free(text);
	drop_file(path);
}

/* The line reader on its own. */
static void test_lines(void **state)
{
	static const char text[] = "a\r\n\nbb\rc\n\r\nlast";
	char *path = tmp_file(text, sizeof(text) - 1);
	struct sr_err e = { 0 };
	struct sr_lines l;
	char *line;
	size_t len;
	int pass;

	(void)state;
	assert_int_equal(sr_lines_open(&l, path, &e), 0);
	for (pass = 0; pass < 2; pass++) {
		assert_int_equal(sr_lines_next(&l, &line, &len, &e), 1);
		assert_string_equal(line, "a");
		assert_int_equal(sr_lines_next(&l, &line, &len, &e), 1);
		assert_int_equal(len, 0);
		assert_int_equal(sr_lines_next(&l, &line, &len, &e), 1);
		assert_string_equal(line, "bb\rc");
		assert_int_equal(sr_lines_next(&l, &line, &len, &e), 1);
		assert_string_equal(line, "");
		assert_int_equal(sr_lines_next(&l, &line, &len, &e), 1);
		assert_string_equal(line, "last");
		assert_int_equal(len, 4);
		assert_int_equal(l.lineno, 5);
		assert_int_equal(sr_lines_next(&l, &line, &len, &e), 0);
		assert_int_equal(sr_lines_next(&l, &line, &len, &e), 0);
		assert_int_equal(sr_lines_rewind(&l, &e), 0);
	}
	sr_lines_close(&l);
	drop_file(path);
}

static void test_text_u64(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(sr_text_u64("0", 1, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(sr_text_u64("010", 3, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(sr_text_u64("0xfF", 4, &v), 0);
	assert_int_equal(v, 255);
	assert_int_equal(sr_text_u64("18446744073709551615", 20, &v), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(sr_text_u64("0xffffffffffffffff", 18, &v), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(sr_text_u64("18446744073709551616", 20, &v), -ERANGE);
	assert_int_equal(sr_text_u64("0x10000000000000000", 19, &v), -ERANGE);
	assert_int_equal(sr_text_u64("", 0, &v), -EINVAL);
	assert_int_equal(sr_text_u64("0x", 2, &v), -EINVAL);
	assert_int_equal(sr_text_u64("-1", 2, &v), -EINVAL);
	assert_int_equal(sr_text_u64("1 ", 2, &v), -EINVAL);
	assert_int_equal(sr_text_u64("0xg", 3, &v), -EINVAL);
}

/* ---- patterns ---- */

static void test_pattern_seq(void **state)
{
	struct sr_err e = { 0 };
	struct sr_source *s;
	struct recs r = { 0 };
	size_t i;

	(void)state;
	assert_int_equal(sr_pattern_open(SR_PAT_SEQ, 10 * 4096 + 100, 4096, 1, &s, &e), 0);
	assert_string_equal(s->name, "pattern:seq");
	assert_int_equal(read_all(s, 3, &r, &e), 0);
	assert_int_equal(r.n, 10);
	for (i = 0; i < 10; i++)
		check_rec(&r.r[i], SR_OP_READ, i * 4096, 4096, SR_T_NONE, i, 0, 0);
	s->close(s);
	free(r.r);

	assert_int_equal(sr_pattern_open(SR_PAT_SEQ, 4096, 0, 1, &s, &e), -EINVAL);
	assert_int_equal(e.bad_input, 1);
	sr_err_clear(&e);
	assert_int_equal(sr_pattern_open(SR_PAT_RAND, 4095, 4096, 1, &s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "smaller than the block size"));
}

static void rand_order(uint64_t nblocks, uint64_t bs, uint64_t seed, struct recs *r)
{
	struct sr_err e = { 0 };
	struct sr_source *s;
	struct recs again = { 0 };
	uint8_t *seen = calloc(nblocks, 1);
	size_t i;

	assert_non_null(seen);
	assert_int_equal(sr_pattern_open(SR_PAT_RAND, nblocks * bs + bs / 2, bs, seed, &s, &e), 0);
	assert_string_equal(s->name, "pattern:rand");
	assert_int_equal(read_all(s, 64, r, &e), 0);
	assert_int_equal(r->n, nblocks);
	for (i = 0; i < r->n; i++) {
		assert_int_equal(r->r[i].off % bs, 0);
		assert_true(r->r[i].off / bs < nblocks);
		assert_int_equal(seen[r->r[i].off / bs]++, 0);
		assert_int_equal(r->r[i].len, bs);
		assert_int_equal(r->r[i].seq, i);
	}
	assert_int_equal(s->rewind(s, &e), 0);
	assert_int_equal(read_all(s, 1, &again, &e), 0);
	same_recs(r, &again);
	s->close(s);
	free(again.r);
	free(seen);
}

static void test_pattern_rand(void **state)
{
	static const uint64_t sizes[] = { 1, 2, 3, 4, 5, 1000, 1024, 4097 };
	struct recs a = { 0 }, b = { 0 }, c = { 0 };
	size_t i, same = 0;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		a.n = 0;
		rand_order(sizes[i], 4096, 42, &a);
		a.n = 0;
		rand_order(sizes[i], 512, 0, &a);
	}
	a.n = 0;
	rand_order(1000, 4096, 7, &a);
	rand_order(1000, 4096, 7, &b);
	rand_order(1000, 4096, 8, &c);
	same_recs(&a, &b);
	for (i = 0; i < 1000; i++)
		same += a.r[i].off == c.r[i].off;
	assert_true(same < 100);
	/* Not just the identity either. */
	for (i = 0, same = 0; i < 1000; i++)
		same += a.r[i].off == i * 4096;
	assert_true(same < 100);
	free(a.r);
	free(b.r);
	free(c.r);
}

/* Huge spaces need no memory: the first requests of a 2^50-block space. */
static void test_pattern_rand_huge(void **state)
{
	struct sr_err e = { 0 };
	struct sr_source *s;
	struct sr_rec r[1000];
	int n, i;

	(void)state;
	assert_int_equal(sr_pattern_open(SR_PAT_RAND, (1ull << 59) + 12345, 512, 3, &s, &e), 0);
	n = sr_source_next(s, r, 1000, &e);
	assert_int_equal(n, 1000);
	for (i = 0; i < n; i++) {
		assert_int_equal(r[i].off % 512, 0);
		assert_true(r[i].off + 512 <= (1ull << 59) + 12345);
	}
	s->close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_all_columns),
		cmocka_unit_test(test_csv_minimal),
		cmocka_unit_test(test_csv_comments_crlf),
		cmocka_unit_test(test_csv_bom),
		cmocka_unit_test(test_csv_bad),
		cmocka_unit_test(test_csv_error_after_records),
		cmocka_unit_test(test_csv_max_line),
		cmocka_unit_test(test_iolog_v2),
		cmocka_unit_test(test_iolog_v3_fio),
		cmocka_unit_test(test_iolog_v3_misc),
		cmocka_unit_test(test_iolog_bad),
		cmocka_unit_test(test_iolog_many_files),
		cmocka_unit_test(test_auto),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_batching_rewind),
		cmocka_unit_test(test_big_trace),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_text_u64),
		cmocka_unit_test(test_pattern_seq),
		cmocka_unit_test(test_pattern_rand),
		cmocka_unit_test(test_pattern_rand_huge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
