/* A writer of blktrace binary fixtures (struct blk_io_trace v7/v8, either
 * byte order) for the unit tests: test_blktrace.c, test_blklat.c. Include
 * after cmocka.h. */
#ifndef SR_TEST_BLKTRACE_FX_H
#define SR_TEST_BLKTRACE_FX_H

#include <byteswap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC 0x65617400u
#define ACT(ev, cat) ((uint64_t)(ev) | ((uint64_t)(cat) << 16))
/* categories */
#define C_READ 0x1u
#define C_WRITE 0x2u
#define C_FLUSH 0x4u
#define C_SYNC 0x8u
#define C_QUEUE 0x10u
#define C_ISSUE 0x40u
#define C_COMPLETE 0x80u
#define C_FS 0x100u
#define C_PC 0x200u
#define C_NOTIFY 0x400u
#define C_DISCARD 0x2000u
/* full actions, as the kernel builds them */
#define Q(rw) ACT(1, C_QUEUE | (rw))
#define M(rw) ACT(2, C_QUEUE | (rw))
#define G(rw) ACT(4, C_QUEUE | (rw))
#define D(rw) ACT(7, C_ISSUE | (rw))
#define CPL(rw) ACT(8, C_COMPLETE | (rw))
#define TN_PROCESS ACT(0, C_NOTIFY)
#define TN_MESSAGE ACT(2, C_NOTIFY)
#define CGROUP 0x100u
#define DEV(ma, mi) (((uint32_t)(ma) << 20) | (mi))

struct fx {
	uint8_t *p;
	size_t n, cap;
	unsigned ver; /* 7 or 8 */
	int swap;     /* write the other byte order */
	uint32_t cpu, seq;
};

struct ev {
	uint64_t time, sector;
	uint32_t bytes;
	uint64_t action;
	uint32_t pid, dev;
	const char *pdu; /* NULL: none */
	uint16_t pdu_len;
};

static void put(struct fx *f, const void *v, size_t n)
{
	if (f->n + n > f->cap) {
		f->cap = (f->n + n) * 2 + 256;
		f->p = realloc(f->p, f->cap);
		assert_non_null(f->p);
	}
	memcpy(f->p + f->n, v, n);
	f->n += n;
}

static void put16(struct fx *f, uint16_t v)
{
	v = f->swap ? bswap_16(v) : v;
	put(f, &v, 2);
}

static void put32(struct fx *f, uint32_t v)
{
	v = f->swap ? bswap_32(v) : v;
	put(f, &v, 4);
}

static void put64(struct fx *f, uint64_t v)
{
	v = f->swap ? bswap_64(v) : v;
	put(f, &v, 8);
}

/* Append one record as blktrace writes it: sequence per CPU from 1. */
static void fx_add(struct fx *f, const struct ev *e)
{
	static const uint8_t pad[12];

	put32(f, MAGIC | f->ver);
	put32(f, ++f->seq);
	put64(f, e->time);
	put64(f, e->sector);
	put32(f, e->bytes);
	if (f->ver == 7) {
		put32(f, (uint32_t)e->action);
		put32(f, e->pid);
	} else {
		put32(f, e->pid);
		put64(f, e->action);
	}
	put32(f, e->dev);
	put32(f, f->cpu);
	put16(f, 0);
	put16(f, e->pdu_len);
	if (f->ver == 8)
		put(f, pad, sizeof(pad));
	if (e->pdu_len) {
		uint8_t *z = calloc(1, e->pdu_len);

		assert_non_null(z);
		if (e->pdu)
			memcpy(z, e->pdu, strnlen(e->pdu, e->pdu_len));
		put(f, z, e->pdu_len);
		free(z);
	}
}

static void fx_io(struct fx *f, uint64_t t, uint64_t action, uint64_t sector, uint32_t bytes,
		  uint32_t pid)
{
	struct ev e = { t, sector, bytes, action, pid, DEV(8, 0), NULL, 0 };

	fx_add(f, &e);
}

static char *tmp_dir(void)
{
	const char *dir = getenv("TMPDIR");
	char *path;

	assert_true(asprintf(&path, "%s/sr_blktrace_XXXXXX", dir && *dir ? dir : "/tmp") > 0);
	assert_non_null(mkdtemp(path));
	return path;
}

/* Write f's bytes to dir/name; returns the path (caller frees). */
static char *fx_write(const char *dir, const char *name, const void *p, size_t n)
{
	char *path;
	FILE *fp;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(p, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
	return path;
}

static void rm_dir(char *dir)
{
	char *cmd;

	assert_true(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(dir);
}

#endif
