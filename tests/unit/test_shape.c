/* Request shaping (replay/shape.c): op filter, remap (--range, --offset-map),
 * --page rounding, logical-block alignment, merge and split, with the
 * counters each step leaves in sr_stats. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "replay/shape.h"

#define KiB 1024ull
#define MiB (1024ull * 1024)
#define T_MARK 123456789ull

static struct sr_stats st; /* big (histograms): one static copy, reset per test */
static struct sr_err err;

static int setup(void **state)
{
	(void)state;
	sr_stats_init(&st);
	sr_err_clear(&err);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sr_stats_free(&st);
	return 0;
}

/* 1 GiB target, 512-byte blocks, 1 MiB requests, nothing else switched on. */
static struct sr_shape_cfg cfg(void)
{
	return (struct sr_shape_cfg){
		.src_name = "SRC", .tgt_name = "TGT", .target_size = 1024 * MiB,
		.lbs = 512, .max_req = 1 * MiB,
	};
}

static struct sr_rec rec(int op, uint64_t off, uint64_t len, uint64_t seq)
{
	return (struct sr_rec){ .op = (uint8_t)op, .off = off, .len = len, .seq = seq,
				.t_ns = T_MARK, .target = 0, .tag = 7 };
}

#define assert_u64(got, want) assert_int_equal((uint64_t)(got), (uint64_t)(want))

/* Shape a read at off/len and require it to come out as want_off/want_len. */
static void shaped(const struct sr_shape_cfg *c, uint64_t off, uint64_t len, uint64_t want_off,
		   uint64_t want_len)
{
	struct sr_rec r = rec(SR_OP_READ, off, len, 1);
	int ret = sr_shape_prepare(c, &r, &st, &err);

	if (ret != 0)
		fail_msg("read off=%llu len=%llu: returned %d (%s), want 0", (unsigned long long)off,
			 (unsigned long long)len, ret, err.msg);
	if (r.off != want_off || r.len != want_len)
		fail_msg("read off=%llu len=%llu: got off=%llu len=%llu, want off=%llu len=%llu",
			 (unsigned long long)off, (unsigned long long)len, (unsigned long long)r.off,
			 (unsigned long long)r.len, (unsigned long long)want_off,
			 (unsigned long long)want_len);
	assert_u64(r.t_ns, T_MARK);
	assert_int_equal(r.tag, 7);
	assert_int_equal(r.op, SR_OP_READ);
}

/* Shape a read at off/len and require -EINVAL with a message naming SRC:seq
 * and containing what. */
static void refused(const struct sr_shape_cfg *c, uint64_t off, uint64_t len, uint64_t seq,
		    const char *what)
{
	struct sr_rec r = rec(SR_OP_READ, off, len, seq);
	char where[32];
	int ret;

	sr_err_clear(&err);
	ret = sr_shape_prepare(c, &r, &st, &err);
	if (ret != -EINVAL)
		fail_msg("read off=%llu len=%llu: returned %d (off=%llu len=%llu), want -EINVAL",
			 (unsigned long long)off, (unsigned long long)len, ret,
			 (unsigned long long)r.off, (unsigned long long)r.len);
	assert_int_equal(err.code, -EINVAL);
	assert_int_equal(err.bad_input, 1);
	snprintf(where, sizeof(where), "SRC:%llu", (unsigned long long)seq);
	if (!strstr(err.msg, where) || !strstr(err.msg, what))
		fail_msg("message '%s' lacks '%s' or '%s'", err.msg, where, what);
	sr_err_clear(&err);
}

/* ---- op filter ---------------------------------------------------------- */

static void test_read_unchanged(void **state)
{
	struct sr_shape_cfg c = cfg();
	struct sr_rec r = rec(SR_OP_READ, 8192, 12288, 3);

	(void)state;
	r.target = 2;
	assert_int_equal(sr_shape_prepare(&c, &r, &st, &err), 0);
	assert_u64(r.off, 8192);
	assert_u64(r.len, 12288);
	assert_u64(r.seq, 3);
	assert_u64(r.t_ns, T_MARK);
	assert_int_equal(r.target, 2);
	assert_int_equal(r.tag, 7);
	assert_int_equal(r.op, SR_OP_READ);
	assert_u64(st.records, 1);
	assert_u64(st.req_bytes, 12288);
	assert_u64(st.skipped_writes, 0);
	assert_u64(st.skipped_bytes, 0);
	assert_u64(st.skipped_other, 0);
	assert_u64(st.realigned, 0);
	assert_u64(st.page_expanded, 0);
	assert_u64(st.page_extra_bytes, 0);
	assert_u64(st.remapped, 0);
	assert_u64(st.merged, 0);
	assert_u64(st.split, 0);
	assert_int_equal(err.code, 0);
}

static void test_write_filter(void **state)
{
	struct sr_shape_cfg c = cfg();
	struct sr_rec r = rec(SR_OP_WRITE, 4096, 8192, 1);

	(void)state;
	assert_int_equal(sr_shape_prepare(&c, &r, &st, &err), 1);
	assert_u64(st.skipped_writes, 1);
	assert_u64(st.skipped_bytes, 8192);
	r = rec(SR_OP_WRITE, 0, 512, 2);
	assert_int_equal(sr_shape_prepare(&c, &r, &st, &err), 1);
	assert_u64(st.skipped_writes, 2);
	assert_u64(st.skipped_bytes, 8192 + 512);
	assert_u64(st.skipped_other, 0);
	assert_u64(st.records, 2);
	assert_u64(st.req_bytes, 0); /* skipped writes are in skipped_bytes only */

	c.allow_write = 1;
	r = rec(SR_OP_WRITE, 4096, 8192, 3);
	assert_int_equal(sr_shape_prepare(&c, &r, &st, &err), 0);
	assert_int_equal(r.op, SR_OP_WRITE);
	assert_u64(r.off, 4096);
	assert_u64(r.len, 8192);
	assert_u64(st.skipped_writes, 2);
	assert_u64(st.skipped_bytes, 8192 + 512);
	assert_u64(st.records, 3);
	assert_u64(st.req_bytes, 8192);
	assert_int_equal(err.code, 0);
}

static void test_trim_sync_dropped(void **state)
{
	struct sr_shape_cfg c = cfg();
	struct sr_rec r = rec(SR_OP_TRIM, 0, 1 * MiB, 1);

	(void)state;
	assert_int_equal(sr_shape_prepare(&c, &r, &st, &err), 1);
	r = rec(SR_OP_SYNC, 0, 0, 2);
	assert_int_equal(sr_shape_prepare(&c, &r, &st, &err), 1);
	assert_u64(st.skipped_other, 2);
	/* --allow-write does not let trims or syncs through */
	c.allow_write = 1;
	r = rec(SR_OP_TRIM, 4096, 4096, 3);
	assert_int_equal(sr_shape_prepare(&c, &r, &st, &err), 1);
	r = rec(SR_OP_SYNC, 0, 0, 4);
	assert_int_equal(sr_shape_prepare(&c, &r, &st, &err), 1);
	assert_u64(st.skipped_other, 4);
	assert_u64(st.skipped_writes, 0);
	assert_u64(st.skipped_bytes, 0);
	assert_u64(st.records, 4);
	assert_int_equal(err.code, 0);
}

static void test_zero_length_dropped(void **state)
{
	struct sr_shape_cfg c = cfg();
	struct sr_rec r = rec(SR_OP_READ, 4096, 0, 1);

	(void)state;
	assert_int_equal(sr_shape_prepare(&c, &r, &st, &err), 1);
	assert_u64(st.skipped_other, 1);
	assert_u64(st.records, 1);
	assert_u64(st.req_bytes, 0);
	/* even past the end of the target: dropped, not an error */
	r = rec(SR_OP_READ, 2048 * MiB, 0, 2);
	assert_int_equal(sr_shape_prepare(&c, &r, &st, &err), 1);
	assert_u64(st.skipped_other, 2);
	c.allow_write = 1;
	r = rec(SR_OP_WRITE, 0, 0, 3);
	assert_int_equal(sr_shape_prepare(&c, &r, &st, &err), 1);
	assert_u64(st.skipped_other, 3);
	assert_u64(st.realigned, 0);
	assert_int_equal(err.code, 0);
}

/* ---- --page ------------------------------------------------------------- */

static void test_page_round(void **state)
{
	struct sr_shape_cfg c = cfg();

	(void)state;
	c.page = 64 * KiB;
	shaped(&c, 70000, 1000, 65536, 65536);
	assert_u64(st.page_expanded, 1);
	assert_u64(st.page_extra_bytes, 64536);
	assert_u64(st.realigned, 0); /* page rounding left it aligned */
	assert_u64(st.req_bytes, 1000);

	/* already page-aligned: untouched, not counted */
	shaped(&c, 131072, 65536, 131072, 65536);
	shaped(&c, 0, 3 * 65536, 0, 3 * 65536);
	assert_u64(st.page_expanded, 1);
	assert_u64(st.page_extra_bytes, 64536);

	/* straddling a page boundary: both pages */
	shaped(&c, 65536 - 4096, 8192, 0, 131072);
	assert_u64(st.page_expanded, 2);
	assert_u64(st.page_extra_bytes, 64536 + 131072 - 8192);

	/* aligned start, short length */
	shaped(&c, 196608, 4096, 196608, 65536);
	assert_u64(st.page_expanded, 3);
	assert_u64(st.page_extra_bytes, 64536 + 131072 - 8192 + 61440);

	/* page 4 KiB on 4 KiB-aligned records: no change */
	c.page = 4096;
	shaped(&c, 12288, 4096, 12288, 4096);
	assert_u64(st.page_expanded, 3);
	assert_u64(st.remapped, 0);
	assert_int_equal(err.code, 0);
}

static void test_page_target_end(void **state)
{
	struct sr_shape_cfg c = cfg();

	(void)state;
	c.page = 64 * KiB;
	c.target_size = 409600; /* 6.25 pages of 64 KiB */
	/* the last (short) page: end clamps to the target end */
	shaped(&c, 409600 - 4096, 4096, 393216, 16384);
	assert_u64(st.page_expanded, 1);
	assert_u64(st.page_extra_bytes, 16384 - 4096);
	shaped(&c, 393216 + 100, 1000, 393216, 16384);
	assert_u64(st.page_expanded, 2);
	assert_u64(st.page_extra_bytes, 16384 - 4096 + 16384 - 1000);
	assert_u64(st.realigned, 0);

	/* page bigger than the whole target */
	c.page = 2 * MiB;
	shaped(&c, 8192, 4096, 0, 409600);
	assert_u64(st.page_expanded, 3);

	/* the end of a --range region counts as the end too */
	c = cfg();
	c.page = 64 * KiB;
	c.range_start = 1 * MiB;
	c.range_len = 100 * KiB;
	shaped(&c, 100 * KiB - 4096, 4096, 1 * MiB + 64 * KiB, 36 * KiB);
	assert_int_equal(err.code, 0);
}

/* --range is "replay into this byte range": rounding out to pages must not
 * reach below the start of the range (the end is clamped, so must the start). */
static void test_page_stays_in_range(void **state)
{
	struct sr_shape_cfg c = cfg();
	struct sr_rec r;
	int ret;

	(void)state;
	c.page = 2 * MiB;
	c.range_start = 1 * MiB;
	c.range_len = 4 * MiB;
	r = rec(SR_OP_READ, 0, 4096, 1);
	ret = sr_shape_prepare(&c, &r, &st, &err);
	assert_int_equal(ret, 0);
	if (r.off < c.range_start || r.off + r.len > c.range_start + c.range_len)
		fail_msg("--range 1M:4M --page 2M, read off=0 len=4096: shaped to off=%llu len=%llu, "
			 "outside the range [%llu, %llu)",
			 (unsigned long long)r.off, (unsigned long long)r.len,
			 (unsigned long long)c.range_start,
			 (unsigned long long)(c.range_start + c.range_len));
	/* the first page is cut at START, as the last is cut at the end */
	assert_u64(r.off, 1 * MiB);
	assert_u64(r.len, 1 * MiB);
	assert_u64(st.page_expanded, 1);
	assert_u64(st.page_extra_bytes, 1 * MiB - 4096);
	/* a record in the middle is whole pages */
	shaped(&c, 2 * MiB, 4096, 2 * MiB, 2 * MiB);
	/* and the last page is cut at the end of the range */
	shaped(&c, 4 * MiB - 4096, 4096, 4 * MiB, 1 * MiB);
	assert_u64(st.page_expanded, 3);
}

/* ---- alignment ---------------------------------------------------------- */

static void test_align_expand(void **state)
{
	struct sr_shape_cfg c = cfg();

	(void)state;
	shaped(&c, 100, 1000, 0, 1536);
	assert_u64(st.realigned, 1);
	assert_u64(st.req_bytes, 1000);
	shaped(&c, 512, 100, 512, 512);     /* aligned offset, short length */
	shaped(&c, 1000, 1048, 512, 1536);  /* unaligned offset, length a multiple */
	assert_u64(st.realigned, 3);
	shaped(&c, 1024, 4096, 1024, 4096); /* aligned: untouched */
	assert_u64(st.realigned, 3);
	assert_u64(st.page_expanded, 0);

	c.lbs = 4096;
	shaped(&c, 100, 1000, 0, 4096);
	shaped(&c, 4000, 200, 0, 8192);
	assert_u64(st.realigned, 5);

	/* a record a page or more past the end of the target is refused */
	c = cfg();
	c.target_size = 10000;
	refused(&c, 9000, 1000 + 4096, 42, "past the end");
	assert_int_equal(err.code, 0);
}

/* A page-cache capture replayed onto its model file: the last page runs
 * past the end (the file is no page multiple); it is clipped and counted,
 * once, not refused. */
static void test_eof_page_clip(void **state)
{
	struct sr_shape_cfg c = cfg();

	(void)state;
	c.target_size = 10240; /* a block multiple: the clip alone counts it */
	shaped(&c, 8192, 4096, 8192, 2048);
	assert_u64(st.eof_trimmed, 1);
	assert_u64(st.eof_trimmed_bytes, 2048);
	c.target_size = 10000; /* and the partial block after it: counted once */
	shaped(&c, 8192, 4096, 8192, 1536);
	assert_u64(st.eof_trimmed, 2);
	assert_u64(st.eof_trimmed_bytes, 2048 + 2288 + 272); /* past the end, then the partial block */
}

/* A target whose size is not a block multiple (a GGUF file): a record ending
 * in the partial last block stops at the last whole block, counted. */
static void test_align_eof_trim(void **state)
{
	struct sr_shape_cfg c = cfg();
	struct sr_rec r;

	(void)state;
	c.target_size = 10000; /* 19 blocks of 512 + 272 bytes */
	shaped(&c, 9000, 1000, 8704, 1024);
	assert_u64(st.eof_trimmed, 1);
	assert_u64(st.eof_trimmed_bytes, 272);
	/* wholly inside the partial block: nothing O_DIRECT can read, dropped */
	r = rec(SR_OP_READ, 9800, 200, 5);
	assert_int_equal(sr_shape_prepare(&c, &r, &st, &err), 1);
	assert_u64(st.eof_trimmed, 2);
	assert_u64(st.eof_trimmed_bytes, 472);
	/* the end of a --range is not the end of the target: still refused */
	c.target_size = 20000;
	c.range_start = 0;
	c.range_len = 10000;
	refused(&c, 9000, 1000, 43, "rounds past the end");
}

static void test_align_error(void **state)
{
	struct sr_shape_cfg c = cfg();

	(void)state;
	c.align_error = 1;
	refused(&c, 100, 1000, 17, "not aligned");
	refused(&c, 512, 100, 18, "not aligned");
	refused(&c, 100, 512, 19, "not aligned");
	assert_u64(st.realigned, 0);
	/* aligned records pass */
	shaped(&c, 1024, 4096, 1024, 4096);
	assert_u64(st.realigned, 0);
}

/* ---- remap -------------------------------------------------------------- */

static void test_remap_none(void **state)
{
	struct sr_shape_cfg c = cfg();

	(void)state;
	c.target_size = 16 * MiB;
	shaped(&c, 16 * MiB - 4096, 4096, 16 * MiB - 4096, 4096); /* ends exactly at the end */
	refused(&c, 16 * MiB - 4096, 8192, 3, "past the end");
	refused(&c, 16 * MiB, 4096, 4, "past the end");
	refused(&c, 64 * MiB, 4096, 5, "past the end");
	refused(&c, UINT64_MAX - 100, 4096, 6, "past the end"); /* off + len wraps around */
	refused(&c, 0, 16 * MiB + 4096, 7, "larger than the target region");
	assert_u64(st.remapped, 0);
}

static void test_remap_wrap(void **state)
{
	struct sr_shape_cfg c = cfg();

	(void)state;
	c.target_size = 16 * MiB;
	c.offset_map = SR_MAP_WRAP;
	shaped(&c, 4096, 4096, 4096, 4096); /* inside: not moved */
	shaped(&c, 16 * MiB - 4096, 4096, 16 * MiB - 4096, 4096);
	assert_u64(st.remapped, 0);
	shaped(&c, 16 * MiB, 4096, 0, 4096);
	shaped(&c, 16 * MiB + 4096, 4096, 4096, 4096);
	shaped(&c, 40 * MiB + 8192, 8192, 8 * MiB + 8192, 8192);
	assert_u64(st.remapped, 3);
	/* straddling the end: pulled back to end at the region end */
	shaped(&c, 16 * MiB - 4096, 8192, 16 * MiB - 8192, 8192);
	shaped(&c, 32 * MiB - 4096, 8192, 16 * MiB - 8192, 8192);
	assert_u64(st.remapped, 5);
	/* as long as the region: offset 0 */
	shaped(&c, 48 * MiB + 4096, 16 * MiB, 0, 16 * MiB);
	assert_u64(st.remapped, 6);
	/* offsets near 2^64 do not wrap around */
	shaped(&c, UINT64_MAX - 8191, 4096, 16 * MiB - 8192, 4096);
	shaped(&c, UINT64_MAX - 4095, 8192, 16 * MiB - 8192, 8192); /* off + len overflows */
	assert_u64(st.remapped, 8);
	refused(&c, 16 * MiB, 16 * MiB + 4096, 9, "larger than the target region");
	assert_u64(st.remapped, 8);
	assert_u64(st.realigned, 0);
}

static void test_remap_scale(void **state)
{
	struct sr_shape_cfg c = cfg();
	uint64_t x;

	(void)state;
	c.target_size = 16 * MiB;
	c.offset_map = SR_MAP_SCALE;
	c.trace_size = 32 * MiB;
	shaped(&c, 0, 4096, 0, 4096); /* 0 maps to 0: not moved */
	assert_u64(st.remapped, 0);
	for (x = 4096; x < 16 * MiB - 4096; x += 3 * MiB + 4096)
		shaped(&c, 2 * x, 4096, x, 4096);
	assert_u64(st.remapped, 6);
	/* the last record of the trace: scaled, then pulled back inside */
	shaped(&c, 32 * MiB - 8192, 8192, 16 * MiB - 8192, 8192);
	assert_u64(st.remapped, 7);
	/* trace recorded on a smaller extent: scale up */
	c.trace_size = 4 * MiB;
	shaped(&c, 1 * MiB, 4096, 4 * MiB, 4096);
	assert_u64(st.remapped, 8);
	/* same size: identity, not counted */
	c.trace_size = 16 * MiB;
	shaped(&c, 5 * MiB, 4096, 5 * MiB, 4096);
	assert_u64(st.remapped, 8);
	c.trace_size = 32 * MiB;
	refused(&c, 0, 16 * MiB + 512, 4, "larger than the target region");
	assert_u64(st.realigned, 0);
}

static void test_remap_range(void **state)
{
	struct sr_shape_cfg c = cfg();

	(void)state;
	c.target_size = 16 * MiB;
	c.range_start = 4 * MiB;
	c.range_len = 4 * MiB;
	shaped(&c, 0, 4096, 4 * MiB, 4096);
	shaped(&c, 123 * 4096, 8192, 4 * MiB + 123 * 4096, 8192);
	shaped(&c, 4 * MiB - 4096, 4096, 8 * MiB - 4096, 4096);
	assert_u64(st.remapped, 0); /* shifting by START is not a remap */
	refused(&c, 4 * MiB, 4096, 5, "past the end");
	refused(&c, 4 * MiB - 4096, 8192, 6, "past the end");
	refused(&c, 0, 4 * MiB + 4096, 7, "larger than the target region");

	/* LEN 0: to the end of the target */
	c.range_len = 0;
	shaped(&c, 12 * MiB - 4096, 4096, 16 * MiB - 4096, 4096);
	refused(&c, 12 * MiB, 4096, 8, "past the end");

	/* with wrap and scale the region is the range */
	c.range_len = 4 * MiB;
	c.offset_map = SR_MAP_WRAP;
	shaped(&c, 4 * MiB + 8192, 4096, 4 * MiB + 8192, 4096);
	shaped(&c, 4096, 4096, 4 * MiB + 4096, 4096);
	assert_u64(st.remapped, 1);
	shaped(&c, 4 * MiB - 4096, 8192, 8 * MiB - 8192, 8192);
	assert_u64(st.remapped, 2);
	c.offset_map = SR_MAP_SCALE;
	c.trace_size = 16 * MiB;
	shaped(&c, 8 * MiB, 4096, 4 * MiB + 2 * MiB, 4096);
	shaped(&c, 16 * MiB - 4096, 4096, 8 * MiB - 4096, 4096);
	assert_u64(st.remapped, 4);
	assert_u64(st.realigned, 0);
}

/* ---- merge -------------------------------------------------------------- */

static struct sr_rec mrec(int op, uint32_t target, uint64_t off, uint64_t len)
{
	struct sr_rec r = rec(op, off, len, 0);

	r.target = target;
	return r;
}

#define assert_out(o, op_, target_, off_, len_)                \
	do {                                                   \
		assert_int_equal((o).op, (op_));               \
		assert_int_equal((o).target, (target_));       \
		assert_u64((o).off, (off_));                   \
		assert_u64((o).len, (len_));                   \
	} while (0)

static void test_merge(void **state)
{
	struct sr_shape_cfg c = cfg();
	struct sr_merger m = { 0 };
	struct sr_rec r, out;
	uint64_t off;
	int i;

	(void)state;
	c.merge = 1;
	c.max_req = 64 * KiB;
	assert_int_equal(sr_merge_flush(&m, &out), 0); /* nothing pending */

	/* contiguous: absorbed */
	r = mrec(SR_OP_READ, 0, 0, 4096);
	assert_int_equal(sr_merge_push(&c, &m, &r, &out, &st), 0);
	r = mrec(SR_OP_READ, 0, 4096, 4096);
	assert_int_equal(sr_merge_push(&c, &m, &r, &out, &st), 0);
	assert_u64(st.merged, 1);

	/* a gap flushes */
	r = mrec(SR_OP_READ, 0, 12288, 4096);
	assert_int_equal(sr_merge_push(&c, &m, &r, &out, &st), 1);
	assert_out(out, SR_OP_READ, 0, 0, 8192);
	assert_u64(out.t_ns, T_MARK);

	/* backwards-contiguous (ends where the pending one starts) is not merged */
	r = mrec(SR_OP_READ, 0, 8192, 4096);
	assert_int_equal(sr_merge_push(&c, &m, &r, &out, &st), 1);
	assert_out(out, SR_OP_READ, 0, 12288, 4096);

	/* an op change flushes */
	r = mrec(SR_OP_WRITE, 0, 12288, 4096);
	assert_int_equal(sr_merge_push(&c, &m, &r, &out, &st), 1);
	assert_out(out, SR_OP_READ, 0, 8192, 4096);

	/* a target change flushes */
	r = mrec(SR_OP_WRITE, 1, 16384, 4096);
	assert_int_equal(sr_merge_push(&c, &m, &r, &out, &st), 1);
	assert_out(out, SR_OP_WRITE, 0, 12288, 4096);
	assert_u64(st.merged, 1);

	/* up to exactly max_req: 15 more 4 KiB records join */
	off = 16384 + 4096;
	for (i = 0; i < 15; i++, off += 4096) {
		r = mrec(SR_OP_WRITE, 1, off, 4096);
		assert_int_equal(sr_merge_push(&c, &m, &r, &out, &st), 0);
	}
	assert_u64(st.merged, 16);
	/* one more would exceed max_req: flush */
	r = mrec(SR_OP_WRITE, 1, off, 4096);
	assert_int_equal(sr_merge_push(&c, &m, &r, &out, &st), 1);
	assert_out(out, SR_OP_WRITE, 1, 16384, 64 * KiB);
	assert_u64(st.merged, 16);

	/* a partial fit does not join either */
	r = mrec(SR_OP_WRITE, 1, off + 4096, 62 * KiB);
	assert_int_equal(sr_merge_push(&c, &m, &r, &out, &st), 1);
	assert_out(out, SR_OP_WRITE, 1, off, 4096);
	assert_u64(st.merged, 16);

	/* a record bigger than max_req passes as is (split later) */
	r = mrec(SR_OP_WRITE, 1, off + 4096 + 62 * KiB, 1 * MiB);
	assert_int_equal(sr_merge_push(&c, &m, &r, &out, &st), 1);
	assert_out(out, SR_OP_WRITE, 1, off + 4096, 62 * KiB);

	/* the end hands out the last one, once */
	assert_int_equal(sr_merge_flush(&m, &out), 1);
	assert_out(out, SR_OP_WRITE, 1, off + 4096 + 62 * KiB, 1 * MiB);
	assert_int_equal(sr_merge_flush(&m, &out), 0);
	assert_u64(st.merged, 16);
}

/* --tag-stats: contiguous records of different tags stay apart, so each
 * tag's bytes are its own; without it they merge as before. */
static void test_merge_same_tag(void **state)
{
	struct sr_shape_cfg c = cfg();
	struct sr_merger m = { 0 };
	struct sr_rec r, out;

	(void)state;
	c.merge = 1;
	c.merge_same_tag = 1;
	r = rec(SR_OP_READ, 0, 4 * KiB, 1);
	assert_int_equal(sr_merge_push(&c, &m, &r, &out, &st), 0);
	r = rec(SR_OP_READ, 4 * KiB, 4 * KiB, 2);
	r.tag = 8;
	assert_int_equal(sr_merge_push(&c, &m, &r, &out, &st), 1);
	assert_u64(out.len, 4 * KiB);
	assert_u64(out.tag, 7);
	r = rec(SR_OP_READ, 8 * KiB, 4 * KiB, 3);
	r.tag = 8;
	assert_int_equal(sr_merge_push(&c, &m, &r, &out, &st), 0); /* same tag: merged */
	assert_int_equal(sr_merge_flush(&m, &out), 1);
	assert_u64(out.off, 4 * KiB);
	assert_u64(out.len, 8 * KiB);
	assert_u64(out.tag, 8);
	assert_u64(st.merged, 1);

	c.merge_same_tag = 0;
	r = rec(SR_OP_READ, 0, 4 * KiB, 1);
	assert_int_equal(sr_merge_push(&c, &m, &r, &out, &st), 0);
	r = rec(SR_OP_READ, 4 * KiB, 4 * KiB, 2);
	r.tag = 8;
	assert_int_equal(sr_merge_push(&c, &m, &r, &out, &st), 0);
	assert_u64(st.merged, 2);
}

/* 64 contiguous 4 KiB records at --bs 64k: 4 requests, 60 merged. */
static void test_merge_stream(void **state)
{
	struct sr_shape_cfg c = cfg();
	struct sr_merger m = { 0 };
	struct sr_rec r, out;
	uint64_t next = 0;
	int i, n = 0;

	(void)state;
	c.merge = 1;
	c.max_req = 64 * KiB;
	for (i = 0; i < 64; i++) {
		r = rec(SR_OP_READ, (uint64_t)i * 4096, 4096, (uint64_t)i + 2);
		assert_int_equal(sr_shape_prepare(&c, &r, &st, &err), 0);
		if (sr_merge_push(&c, &m, &r, &out, &st)) {
			assert_out(out, SR_OP_READ, 0, next, 64 * KiB);
			next += 64 * KiB;
			n++;
		}
	}
	assert_int_equal(sr_merge_flush(&m, &out), 1);
	assert_out(out, SR_OP_READ, 0, next, 64 * KiB);
	n++;
	assert_int_equal(n, 4);
	assert_u64(st.merged, 60);
	assert_u64(st.records, 64);
}

/* ---- split -------------------------------------------------------------- */

static void test_split_len(void **state)
{
	struct sr_shape_cfg c = cfg();
	uint64_t rem, pieces, splits;

	(void)state;
	c.max_req = 128 * KiB;
	assert_u64(sr_split_len(&c, 1 * MiB), 128 * KiB);
	assert_u64(sr_split_len(&c, 128 * KiB + 1), 128 * KiB);
	assert_u64(sr_split_len(&c, 128 * KiB), 128 * KiB);
	assert_u64(sr_split_len(&c, 128 * KiB - 1), 128 * KiB - 1);
	assert_u64(sr_split_len(&c, 512), 512);
	assert_u64(sr_split_len(&c, 0), 0);
	c.max_req = 1ull << 30;
	assert_u64(sr_split_len(&c, UINT64_MAX), 1ull << 30);

	/* issuing 1 MiB + 512 at 128 KiB as replay.c does: 9 pieces, 8 extra */
	c.max_req = 128 * KiB;
	rem = 1 * MiB + 512;
	pieces = splits = 0;
	while (rem) {
		uint64_t l = sr_split_len(&c, rem);

		pieces++;
		if (l < rem)
			splits++;
		else
			assert_u64(l, pieces == 9 ? 512 : 128 * KiB);
		rem -= l;
	}
	assert_u64(pieces, 9);
	assert_u64(splits, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_read_unchanged),
		T(test_write_filter),
		T(test_trim_sync_dropped),
		T(test_zero_length_dropped),
		T(test_page_round),
		T(test_page_target_end),
		T(test_page_stays_in_range),
		T(test_align_expand),
		T(test_align_eof_trim),
		T(test_eof_page_clip),
		T(test_align_error),
		T(test_remap_none),
		T(test_remap_wrap),
		T(test_remap_scale),
		T(test_remap_range),
		T(test_merge),
		T(test_merge_stream),
		T(test_merge_same_tag),
		T(test_split_len),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
