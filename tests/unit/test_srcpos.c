/* How far a trace reader is (struct sr_source's pos), which analyze's and
 * convert's progress line shows: bytes of the file consumed, of its size,
 * for the sequential and parallel line readers, blktrace binary, a filter
 * wrapped around a reader, and .gz/.zst traces (their decompressed copy,
 * and the compressed bytes the decompression at open reports). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include "base/source.h"
#include "trace/decomp.h"
#include "trace/plines.h"
#include "trace_util.h"

#ifdef SR_HAVE_ZLIB
#include <zlib.h>
#endif
#ifdef SR_HAVE_ZSTD
#include <zstd.h>
#endif

static char *csv_text(size_t lines, size_t *len)
{
	size_t n = 0, i;
	char *text = malloc(lines * 40 + 64);

	assert_non_null(text);
	n += (size_t)sprintf(text, "time_ns,offset,length,op\n");
	for (i = 0; i < lines; i++)
		n += (size_t)sprintf(text + n, "%zu,%zu,4096,%s\n", i * 10, i * 4096, i % 3 ? "r" : "w");
	*len = n;
	return text;
}

/* Read path through in batches of max: the position never goes back nor
 * past total (== size), is somewhere in between at least once (so it moves
 * while reading, not only at the end), and ends at size. Returns records. */
static size_t walk(const char *path, const char *fmt, const struct sr_trace_opts *o, size_t max,
		   uint64_t size)
{
	struct sr_rec *buf = calloc(max, sizeof(*buf));
	uint64_t done, total, last = 0;
	struct sr_source *s;
	struct sr_err e = { 0 };
	size_t recs = 0, between = 0;
	int n;

	assert_non_null(buf);
	if (sr_trace_open_opts(path, fmt, o, &s, &e))
		fail_msg("%s", e.msg);
	sr_source_pos(s, &done, &total);
	assert_int_equal(total, size);
	assert_true(done < size / 4); /* at most a header and a chunk read ahead */
	while ((n = sr_source_next(s, buf, max, &e)) > 0) {
		recs += (size_t)n;
		sr_source_pos(s, &done, &total);
		assert_int_equal(total, size);
		assert_true(done >= last);
		assert_true(done <= size);
		between += done > 0 && done < size;
		last = done;
	}
	assert_int_equal(n, 0);
	sr_source_pos(s, &done, &total);
	assert_int_equal(done, size);
	assert_true(between > 0);
	/* a rewind starts again from the top */
	assert_int_equal(s->rewind(s, &e), 0);
	sr_source_pos(s, &done, &total);
	assert_true(done < size / 4);
	s->close(s);
	free(buf);
	return recs;
}

static void test_csv_sequential(void **state)
{
	size_t len;
	char *text = csv_text(100000, &len), *path = tmp_file(text, len);

	(void)state;
	assert_true(len > 4 * SR_LINES_CHUNK); /* several chunks */
	sr_plines_tune(0, UINT64_MAX, 0);       /* never parallel */
	assert_int_equal(walk(path, "csv", NULL, 1000, len), 100000);
	assert_int_equal(walk(path, "auto", NULL, 7, len), 100000);
	sr_plines_tune(0, 8ull << 20, 0);
	free(text);
	drop_file(path);
}

static void test_csv_parallel(void **state)
{
	struct sr_trace_opts reads = { .event = 'D', .rw = SR_RW_READ };
	size_t len;
	char *text = csv_text(100000, &len), *path = tmp_file(text, len);

	(void)state;
	sr_plines_tune(64u << 10, 0, 2); /* 64 KiB blocks, two helpers, whatever the CPUs */
	assert_int_equal(walk(path, "csv", NULL, 1000, len), 100000);
	/* a filter wrapped around the reader passes its position on */
	assert_int_equal(walk(path, "csv", &reads, 1000, len), 100000 - 33334);
	sr_plines_tune(0, 8ull << 20, 0);
	free(text);
	drop_file(path);
}

static void test_iolog(void **state)
{
	size_t n = 0, i, lines = 50000;
	char *text = malloc(lines * 40 + 64), *path;

	(void)state;
	assert_non_null(text);
	n += (size_t)sprintf(text, "fio version 2 iolog\n/dev/x add\n/dev/x open\n");
	for (i = 0; i < lines; i++)
		n += (size_t)sprintf(text + n, "/dev/x read %zu 4096\n", i * 4096);
	path = tmp_file(text, n);
	assert_int_equal(walk(path, "fio-iolog", NULL, 500, n), lines);
	free(text);
	drop_file(path);
}

static void test_blktrace(void **state)
{
	const size_t recs = 20000, rec = 48;
	uint8_t *data = calloc(recs, rec);
	uint32_t w32;
	uint64_t w64;
	char *path;
	size_t i;

	(void)state;
	assert_non_null(data);
	for (i = 0; i < recs; i++) { /* v7 little endian D read events of 4 KiB */
		uint8_t *p = data + i * rec;

		w32 = 0x65617407u;
		memcpy(p, &w32, 4);
		w32 = (uint32_t)i;
		memcpy(p + 4, &w32, 4);
		w64 = 1000 * i;
		memcpy(p + 8, &w64, 8);
		w64 = 8 * i;
		memcpy(p + 16, &w64, 8);
		w32 = 4096;
		memcpy(p + 24, &w32, 4);
		w32 = 7u | (1u << 16);
		memcpy(p + 28, &w32, 4);
		w32 = 1;
		memcpy(p + 32, &w32, 4);
		w32 = 8u << 20;
		memcpy(p + 36, &w32, 4);
	}
	path = tmp_file(data, recs * rec);
	assert_int_equal(walk(path, "blktrace", NULL, 256, recs * rec), recs);
	free(data);
	drop_file(path);
}

struct heard {
	uint64_t calls, done, total;
	int backwards;
};

static void hear(void *arg, const char *path, uint64_t done, uint64_t total)
{
	struct heard *h = arg;

	(void)path;
	h->backwards |= done < h->done;
	h->calls++;
	h->done = done;
	h->total = total;
}

/* A compressed trace reads as its decompressed copy (position of, and
 * size of, the text); the decompression at open reports the compressed
 * bytes it consumed up to the compressed file's size. */
static void compressed(const void *z, size_t zlen, size_t len, size_t lines)
{
	char *path = tmp_file(z, zlen);
	struct heard h = { 0 };

	sr_trace_decomp_watch(hear, &h);
	sr_plines_tune(64u << 10, 0, 2);
	assert_int_equal(walk(path, "csv", NULL, 1000, len), lines);
	sr_plines_tune(0, UINT64_MAX, 0);
	assert_int_equal(walk(path, "csv", NULL, 1000, len), lines); /* the cached copy, sequentially */
	sr_plines_tune(0, 8ull << 20, 0);
	sr_trace_decomp_watch(NULL, NULL);
	assert_true(h.calls > 1); /* more than one chunk: it moved */
	assert_int_equal(h.total, zlen);
	assert_int_equal(h.done, zlen);
	assert_false(h.backwards);
	drop_file(path);
}

static void test_gzip(void **state)
{
#ifdef SR_HAVE_ZLIB
	size_t len;
	char *text = csv_text(200000, &len);
	uLongf zlen = compressBound(len);
	unsigned char *z = malloc(zlen + 32);
	z_stream s = { 0 };

	(void)state;
	assert_non_null(z);
	/* gzip framing (windowBits 15 + 16), fast level: a few MiB compressed */
	assert_int_equal(deflateInit2(&s, 1, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	s.next_in = (unsigned char *)text;
	s.avail_in = (uInt)len;
	s.next_out = z;
	s.avail_out = (uInt)(zlen + 32);
	assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
	deflateEnd(&s);
	assert_true(s.total_out > 2 * (256u << 10)); /* over two of the decompressor's reads */
	compressed(z, s.total_out, len, 200000);
	free(z);
	free(text);
#else
	(void)state;
	skip();
#endif
}

static void test_zstd(void **state)
{
#ifdef SR_HAVE_ZSTD
	size_t len, zlen;
	char *text = csv_text(200000, &len);
	void *z = malloc(ZSTD_compressBound(len));

	(void)state;
	assert_non_null(z);
	zlen = ZSTD_compress(z, ZSTD_compressBound(len), text, len, 1);
	assert_false(ZSTD_isError(zlen));
	assert_true(zlen > 2 * ZSTD_DStreamInSize());
	compressed(z, zlen, len, 200000);
	free(z);
	free(text);
#else
	(void)state;
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_sequential),
		cmocka_unit_test(test_csv_parallel),
		cmocka_unit_test(test_iolog),
		cmocka_unit_test(test_blktrace),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_zstd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
