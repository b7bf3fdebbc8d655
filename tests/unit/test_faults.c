/* The faults reader (record --faults): map lines turn fault addresses into
 * file offsets, faults outside every mapping and after a "del" carry no
 * record, the keyed open keeps one inode, batching and rewind give the same
 * stream, bad lines name FILE:LINE. */
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

#include "trace/filekey.h"

static const char trace[] =
	"# ssdreplay record: level=page-fault events=page_fault_user format=faults\n"
	"# map add pid=9 start=0x7f0000000000 end=0x7f0000100000 off=0x2000 perms=r--s dev=254:0 ino=0xa7 path=/m/a b\n"
	"# map add pid=9 start=0x7f1000000000 end=0x7f1000010000 off=0x0 perms=rw-p dev=254:0 ino=0xb8 path=/m/c\n"
	"   py-9   [000] d.... 100.000001: page_fault_user: address=0x7f0000030008 ip=0x1 error_code=0x4\n"
	"   py-10  [001] d.... 100.000002: page_fault_user: address=0x5000 ip=0x1 error_code=0x4\n"
	"   py-10  [001] d.... 100.000003: page_fault_user: address=0x7f0000000fff ip=0x1 error_code=0x6\n"
	"   py-10  [001] d.... 100.000004: page_fault_user: address=0x7f1000001000 ip=0x1 error_code=0x6\n"
	"# map del pid=9 start=0x7f0000000000 end=0x7f0000100000 off=0x2000 perms=r--s dev=254:0 ino=0xa7 path=/m/a b\n"
	"   py-9   [000] d.... 100.000005: page_fault_user: address=0x7f0000030008 ip=0x1 error_code=0x4\n";

static void check(const struct recs *r)
{
	assert_int_equal(r->n, 3);
	assert_int_equal(r->r[0].off, 0x32000);
	assert_int_equal(r->r[0].len, 4096);
	assert_int_equal(r->r[0].op, SR_OP_READ);
	assert_int_equal(r->r[0].t_ns, 0);
	assert_int_equal(r->r[0].tag, 9);
	assert_int_equal(r->r[0].seq, 4);
	assert_int_equal(r->r[1].off, 0x2000);
	assert_int_equal(r->r[1].op, SR_OP_WRITE); /* write fault, shared mapping */
	assert_int_equal(r->r[1].t_ns, 2000);
	assert_int_equal(r->r[1].tag, 10);
	assert_int_equal(r->r[2].off, 0x1000);
	assert_int_equal(r->r[2].op, SR_OP_READ); /* write fault, private mapping: a read of the file */
}

static void test_read_batches_rewind(void **state)
{
	char *path = tmp_file(trace, sizeof(trace) - 1);
	struct sr_source *s;
	struct sr_err e = { 0 };
	struct recs a = { 0 }, b = { 0 };

	(void)state;
	assert_int_equal(sr_trace_open(path, "auto", &s, &e), 0);
	assert_string_equal(s->format, "faults");
	assert_int_equal(read_all(s, 1, &a, &e), 0);
	check(&a);
	assert_int_equal(s->rewind(s, &e), 0);
	assert_int_equal(read_all(s, 64, &b, &e), 0);
	same_recs(&a, &b);
	s->close(s);
	free(a.r);
	free(b.r);
	drop_file(path);
}

static void test_keyed(void **state)
{
	char *path = tmp_file(trace, sizeof(trace) - 1);
	struct sr_file_key k = { .have_dev = 1, .major = 254, .minor = 0, .ino = 0xb8 };
	struct sr_source *s;
	struct sr_err e = { 0 };
	struct recs a = { 0 };

	(void)state;
	assert_int_equal(sr_trace_open_file(path, "auto", NULL, &k, &s, &e), 0);
	assert_int_equal(read_all(s, 4, &a, &e), 0);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.r[0].off, 0x1000);
	s->close(s);
	free(a.r);
	memset(&a, 0, sizeof(a));
	k.minor = 1; /* same inode, another device */
	assert_int_equal(sr_trace_open_file(path, "faults", NULL, &k, &s, &e), 0);
	assert_int_equal(read_all(s, 4, &a, &e), 0);
	assert_int_equal(a.n, 0);
	s->close(s);
	free(a.r);
	drop_file(path);
}

static void bad(const char *text, const char *want)
{
	char *path = tmp_file(text, strlen(text));
	struct sr_source *s;
	struct sr_err e = { 0 };
	struct recs a = { 0 };

	assert_int_equal(sr_trace_open(path, "faults", &s, &e), 0);
	assert_int_equal(read_all(s, 8, &a, &e), -EINVAL);
	assert_true(e.bad_input);
	if (!strstr(e.msg, want))
		fail_msg("'%s' lacks '%s'", e.msg, want);
	s->close(s);
	free(a.r);
	drop_file(path);
}

static void test_bad(void **state)
{
	(void)state;
	bad("p-1 [000] ..... 1.000000: page_fault_user: address=0x1000 ip=0x1\n",
	    ":1: expected address=0xADDRESS and error_code=0xBITS");
	bad("p-1 [000] ..... 1.000000: page_fault_user: address=0x1000 ip=0x1 error_code=4\n",
	    ":1: expected error_code=0xBITS, found 'error_code=4'");
	bad("\n# map add start=0x1000 end=0x1000 off=0x0 dev=1:1 ino=0x1\n", ":2: expected page-aligned");
	bad("# map add start=0x1000 end=0x2000 off=0x0 dev=1 ino=0x1\n", ":1: expected dev=MAJOR:MINOR");
	bad("# map move start=0x1000\n", ":1: expected '# map add' or '# map del'");
	bad("# map add start=0x1000 end=0x2000 off=0x0 dev=1:1 ino=0x11112222333344445\n",
	    ":1: expected ino=0xINODE");
	bad("# map add start=0x1000 end=0x2000 off=0xfffffffffffff000 dev=1:1 ino=0x1\n",
	    "off + length within 64 bits");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_batches_rewind),
		cmocka_unit_test(test_keyed),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
