/* Helpers the trace-reader unit tests share: temp files, reading a whole
 * source in batches of a chosen size, comparing record streams. Include
 * after <cmocka.h>. All static inline, so a test that uses some of them
 * draws no unused-function warning. */
#ifndef SR_TEST_TRACE_UTIL_H
#define SR_TEST_TRACE_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/source.h"

/* A temp file holding data; free with drop_file(). */
static inline char *tmp_file(const void *data, size_t len)
{
	const char *dir = getenv("TMPDIR");
	char *path;
	int fd;

	assert_true(asprintf(&path, "%s/sr_test_XXXXXX", dir && *dir ? dir : "/tmp") > 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static inline void drop_file(char *path)
{
	unlink(path);
	free(path);
}

struct recs {
	struct sr_rec *r;
	size_t n, cap;
};

/* Read everything with batches of max records: 0 or the error. */
static inline int read_all(struct sr_source *s, size_t max, struct recs *out, struct sr_err *e)
{
	struct sr_rec *buf = calloc(max, sizeof(*buf));
	int ret;

	assert_non_null(buf);
	while ((ret = sr_source_next(s, buf, max, e)) > 0) {
		assert_true((size_t)ret <= max);
		if (out->n + (size_t)ret > out->cap) {
			out->cap = (out->n + (size_t)ret) * 2;
			out->r = realloc(out->r, out->cap * sizeof(*out->r));
			assert_non_null(out->r);
		}
		memcpy(out->r + out->n, buf, (size_t)ret * sizeof(*buf));
		out->n += (size_t)ret;
	}
	free(buf);
	return ret;
}

static inline void same_recs(const struct recs *a, const struct recs *b)
{
	size_t i;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		assert_int_equal(a->r[i].off, b->r[i].off);
		assert_int_equal(a->r[i].len, b->r[i].len);
		assert_int_equal(a->r[i].t_ns, b->r[i].t_ns);
		assert_int_equal(a->r[i].seq, b->r[i].seq);
		assert_int_equal(a->r[i].target, b->r[i].target);
		assert_int_equal(a->r[i].tag, b->r[i].tag);
		assert_int_equal(a->r[i].op, b->r[i].op);
	}
}

#endif
