/* GGUF reader and writer: round trips through real files with every fill,
 * expert slices, hparams, byte-exact headers against hand-assembled bytes,
 * and malformed input, each rejected with its one-line message.
 *
 * The same program is a tool for tests/integration/gguf_npm.sh and for
 * measuring (it runs the cmocka tests when none of these is set):
 *   SR_GGUF_OUT=PATH    write the test model to PATH (random fill, seed 7)
 *   SR_GGUF_DUMP=PATH   print PATH's header as JSON (exit 2 on bad input)
 *   SR_GGUF_BENCH=DIR   time header parsing and writing in DIR */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#include "synth/gguf.h"
#include "gguf_util.h"

static char dir[256];

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/test_gguf.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static char *path_in(const char *name)
{
	static char p[4][300];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

static uint8_t *slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc(st.st_size ? st.st_size : 1);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, st.st_size, 0), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static void assert_kv_equal(const struct sr_kv *a, const struct sr_kv *b)
{
	static const unsigned vsize[] = { 1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8 };
	uint64_t i;

	assert_string_equal(a->key, b->key);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->n, b->n);
	if (a->type == SR_GGUF_STRING) {
		assert_string_equal(a->str, b->str);
	} else if (a->type == SR_GGUF_ARRAY) {
		assert_int_equal(a->arr_type, b->arr_type);
		if (a->arr_type == SR_GGUF_STRING)
			for (i = 0; i < a->n; i++)
				assert_string_equal(a->strs[i], b->strs[i]);
		else if (a->n)
			assert_memory_equal(a->data, b->data, a->n * vsize[a->arr_type]);
	} else if (a->type == SR_GGUF_F32 || a->type == SR_GGUF_F64) {
		assert_true(a->v.f64 == b->v.f64);
	} else {
		assert_int_equal(a->v.u64, b->v.u64);
	}
}

/* hp only when both were read (a built model has none). */
static void assert_model_equal(const struct sr_model *a, const struct sr_model *b, int hp)
{
	size_t i;

	assert_int_equal(a->alignment, b->alignment);
	assert_int_equal(a->data_off, b->data_off);
	assert_int_equal(a->file_size, b->file_size);
	assert_int_equal(a->n_kvs, b->n_kvs);
	for (i = 0; i < a->n_kvs; i++)
		assert_kv_equal(&a->kvs[i], &b->kvs[i]);
	assert_int_equal(a->n_tensors, b->n_tensors);
	for (i = 0; i < a->n_tensors; i++) {
		const struct sr_tensor *x = &a->tensors[i], *y = &b->tensors[i];

		assert_string_equal(x->name, y->name);
		assert_int_equal(x->type, y->type);
		assert_int_equal(x->n_dims, y->n_dims);
		assert_memory_equal(x->ne, y->ne, sizeof(x->ne));
		assert_int_equal(x->off, y->off);
		assert_int_equal(x->bytes, y->bytes);
		assert_int_equal(x->layer, y->layer);
		assert_int_equal(x->kind, y->kind);
		assert_int_equal(x->is_bias, y->is_bias);
		assert_int_equal(x->n_expert, y->n_expert);
		assert_int_equal(x->expert_bytes, y->expert_bytes);
	}
	if (hp)
		assert_memory_equal(&a->hp, &b->hp, sizeof(a->hp));
}

static int all_zero(const uint8_t *p, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* F32/F16/BF16 data: finite and small, not all zero. */
static void assert_small_floats(const struct sr_tensor *t, const uint8_t *p)
{
	uint64_t i, n = t->bytes / (t->type == 0 ? 4 : 2), nonzero = 0;
	double x;

	for (i = 0; i < n; i++) {
		if (t->type == 0) {
			float f;

			memcpy(&f, p + 4 * i, 4);
			x = f;
		} else {
			uint16_t h;
			uint32_t w;
			float f;

			memcpy(&h, p + 2 * i, 2);
			if (t->type == 30) {
				w = (uint32_t)h << 16;
				memcpy(&f, &w, 4);
				x = f;
			} else {
				int ex = (h >> 10) & 31;

				assert_int_not_equal(ex, 31); /* no Inf/NaN */
				x = ldexp(1.0 + (h & 1023) / 1024.0, ex - 15) * (h & 0x8000 ? -1 : 1);
			}
		}
		assert_true(isfinite(x));
		assert_true(fabs(x) < 0.125);
		nonzero += x != 0;
	}
	assert_int_equal(nonzero, n);
}

static void check_data(const struct sr_model *m, const uint8_t *f, enum sr_gguf_fill fill)
{
	uint64_t pos = m->data_off;
	size_t i;

	for (i = 0; i < m->n_tensors; i++) {
		const struct sr_tensor *t = &m->tensors[i];

		assert_true(all_zero(f + pos, t->off - pos)); /* padding */
		if (fill != SR_FILL_RANDOM)
			assert_true(all_zero(f + t->off, t->bytes));
		else if (t->type == 0 || t->type == 1 || t->type == 30)
			assert_small_floats(t, f + t->off);
		else
			assert_false(all_zero(f + t->off, t->bytes));
		pos = t->off + t->bytes;
	}
	assert_true(all_zero(f + pos, m->file_size - pos));
}

static int fs_has_holes(void)
{
	struct stat st;
	int fd = open(path_in("holes"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	int ok;

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 1 << 20), 0);
	assert_int_equal(fstat(fd, &st), 0);
	ok = st.st_blocks == 0;
	close(fd);
	unlink(path_in("holes"));
	return ok;
}

static void test_roundtrip(void **state)
{
	static const enum sr_gguf_fill fills[] = { SR_FILL_RANDOM, SR_FILL_ZERO, SR_FILL_SPARSE };
	struct sr_model m, r, p;
	struct sr_err e = { 0 };
	uint8_t *f, *g, *hdr;
	size_t len, glen, hlen, i;
	struct stat st;

	(void)state;
	build_model(&m, 3, 100, 64);
	assert_int_equal(sr_gguf_layout(&m, &e), 0);
	assert_int_equal(m.data_off % 64, 0);
	for (i = 0; i < 3; i++) {
		sr_err_clear(&e);
		assert_int_equal(sr_gguf_write(path_in("m.gguf"), &m, fills[i], 7, &e), 0);
		assert_int_equal(access(path_in("m.gguf.tmp"), F_OK), -1);
		assert_int_equal(sr_gguf_read(path_in("m.gguf"), &r, &e), 0);
		assert_int_equal(r.version, 3);
		assert_string_equal(r.arch, "llama");
		assert_string_equal(r.name, "tiny-moe");
		assert_model_equal(&m, &r, 0);

		f = slurp(path_in("m.gguf"), &len);
		assert_int_equal(len, m.file_size);
		assert_int_equal(sr_gguf_parse(f, len, "mem", &p, &e), 0);
		assert_model_equal(&r, &p, 1);
		assert_int_equal(sr_gguf_encode_header(&m, &hdr, &hlen, &e), 0);
		assert_int_equal(hlen, m.data_off);
		assert_memory_equal(hdr, f, hlen);
		check_data(&m, f, fills[i]);

		assert_int_equal(stat(path_in("m.gguf"), &st), 0);
		if (fills[i] == SR_FILL_SPARSE && fs_has_holes())
			assert_true((uint64_t)st.st_blocks * 512 < m.file_size / 4);
		if (fills[i] == SR_FILL_ZERO)
			assert_true((uint64_t)st.st_blocks * 512 >= m.file_size);
		if (fills[i] == SR_FILL_RANDOM) {
			/* the same seed gives the same bytes, another seed others */
			assert_int_equal(sr_gguf_write(path_in("n.gguf"), &m, SR_FILL_RANDOM, 7, &e), 0);
			g = slurp(path_in("n.gguf"), &glen);
			assert_int_equal(glen, len);
			assert_memory_equal(f, g, len);
			free(g);
			assert_int_equal(sr_gguf_write(path_in("n.gguf"), &m, SR_FILL_RANDOM, 8, &e), 0);
			g = slurp(path_in("n.gguf"), &glen);
			assert_memory_equal(f, g, m.data_off);
			assert_memory_not_equal(f + m.tensors[1].off, g + m.tensors[1].off, 64);
			free(g);
		}
		free(hdr);
		free(f);
		sr_model_free(&r);
		sr_model_free(&p);
	}
	sr_model_free(&m);
}

static void test_hparams_experts(void **state)
{
	struct sr_model m, r;
	struct sr_err e = { 0 };
	const struct sr_ggml_type *ty;
	uint64_t nb2;
	size_t i, n_exp = 0;
	uint32_t x;

	(void)state;
	build_model(&m, 3, 100, 32);
	assert_int_equal(sr_gguf_layout(&m, &e), 0);
	assert_int_equal(sr_gguf_write(path_in("h.gguf"), &m, SR_FILL_SPARSE, 0, &e), 0);
	assert_int_equal(sr_gguf_read(path_in("h.gguf"), &r, &e), 0);
	assert_int_equal(r.alignment, 32);
	assert_null(sr_model_kv(&r, "general.alignment"));
	assert_int_equal(r.hp.n_layer, 3);
	assert_int_equal(r.hp.n_embd, 256);
	assert_int_equal(r.hp.n_ff, 512);
	assert_int_equal(r.hp.n_head, 8);
	assert_int_equal(r.hp.n_head_kv, 4); /* the largest of a per-layer array */
	assert_int_equal(r.hp.n_vocab, 100);
	assert_int_equal(r.hp.n_expert, 4);
	assert_int_equal(r.hp.n_expert_used, 2);
	assert_int_equal(r.hp.n_ff_exp, 128);
	assert_int_equal(r.hp.n_expert_shared, 0);
	assert_int_equal(r.hp.n_dense_lead, 0);
	assert_int_equal(r.hp.n_ctx_train, 4096);
	assert_int_equal(r.n_tensors, 3 + 3 * 11);
	for (i = 0; i < r.n_tensors; i++) {
		const struct sr_tensor *t = &r.tensors[i];
		uint32_t e2;

		if (i)
			assert_true(t->off >= r.tensors[i - 1].off + r.tensors[i - 1].bytes);
		assert_int_equal(t->off % 32, 0);
		assert_int_equal(sr_model_find(&r, t->off), (long)i);
		assert_int_equal(sr_model_find(&r, t->off + t->bytes - 1), (long)i);
		assert_int_equal(sr_model_lookup(&r, t->name), (long)i);
		if (!sr_tkind_is_experts(t->kind))
			continue;
		n_exp++;
		ty = sr_ggml_type(t->type);
		/* nb[2] for [ne0, ne1, n_expert], nb[1] for a bias [ne0, n_expert] */
		nb2 = sr_ggml_row_bytes(ty, t->ne[0]) * (t->n_dims == 3 ? t->ne[1] : 1);
		assert_int_equal(t->n_expert, 4);
		assert_int_equal(t->expert_bytes, nb2);
		for (e2 = 0; e2 < t->n_expert; e2++) {
			assert_int_equal(sr_model_find(&r, t->off + e2 * t->expert_bytes), (long)i);
			assert_int_equal(sr_model_find(&r, t->off + e2 * nb2 + nb2 - 1), (long)i);
		}
		assert_int_equal(t->n_expert * t->expert_bytes, t->bytes);
	}
	assert_int_equal(n_exp, 3 * 4);
	/* the gaps between tensors are padding: no tensor there */
	x = (uint32_t)(r.tensors[0].off + r.tensors[0].bytes);
	if (x < r.tensors[1].off)
		assert_int_equal(sr_model_find(&r, x), -1);
	sr_model_free(&r);
	sr_model_free(&m);
}

/* The writer's bytes against a header assembled by hand from the spec. */
static void test_header_bytes(void **state)
{
	const uint64_t ne_a[2] = { 64, 3 }, ne_b[1] = { 32 };
	struct sr_model m = { 0 };
	struct sr_err e = { 0 };
	struct rb b = { 0 };
	uint8_t *hdr;
	size_t hlen;

	(void)state;
	m.name = strdup("bytes");
	kv_str(&m, "general.architecture", "llama");
	kv_uint(&m, "general.alignment", SR_GGUF_U32, 64);
	kv_uint(&m, "x.flag", SR_GGUF_BOOL, 1);
	t_add(&m, "blk.0.attn_q.weight", 8, 2, 64, 3, 1); /* Q8_0: 2 * 34 * 3 = 204 bytes */
	t_add(&m, "output_norm.weight", 0, 1, 32, 1, 1);  /* 128 bytes at 256 */
	m.alignment = 64;
	assert_int_equal(sr_gguf_layout(&m, &e), 0);
	assert_int_equal(sr_gguf_encode_header(&m, &hdr, &hlen, &e), 0);

	rb_head(&b, 3, 2, 3);
	rb_kv_str(&b, "general.architecture", "llama");
	rb_kv_u32(&b, "general.alignment", 64);
	rb_str(&b, "x.flag");
	rb_le(&b, SR_GGUF_BOOL, 4);
	rb_le(&b, 1, 1);
	rb_tensor(&b, "blk.0.attn_q.weight", 2, ne_a, 8, 0);
	rb_tensor(&b, "output_norm.weight", 1, ne_b, 0, 256); /* 204 padded to 256 */
	rb_pad(&b, 64);
	assert_int_equal(hlen, b.len);
	assert_memory_equal(hdr, b.p, b.len);
	assert_int_equal(m.data_off, b.len);
	assert_int_equal(m.file_size, b.len + 256 + 128);
	free(hdr);
	free(b.p);
	sr_model_free(&m);
}

/* v2 (same layout as v3), no general.alignment: data at 32. */
static void test_v2_default_alignment(void **state)
{
	const uint64_t ne[1] = { 8 };
	struct sr_model m;
	struct sr_err e = { 0 };
	struct rb b = { 0 };
	size_t hdr;

	(void)state;
	rb_head(&b, 2, 1, 1);
	rb_kv_str(&b, "general.architecture", "llama");
	rb_tensor(&b, "output_norm.weight", 1, ne, 0, 0);
	hdr = b.len;
	rb_pad(&b, 32);
	rb_zeros(&b, 32);
	assert_int_equal(sr_gguf_parse(b.p, b.len, "v2.gguf", &m, &e), 0);
	assert_int_equal(m.version, 2);
	assert_int_equal(m.alignment, 32);
	assert_int_equal(m.data_off, (hdr + 31) / 32 * 32);
	assert_int_equal(m.tensors[0].off, m.data_off);
	assert_int_equal(m.tensors[0].bytes, 32);
	assert_int_equal(m.file_size, m.data_off + 32);
	assert_string_equal(m.name, "v2.gguf"); /* no general.name */
	assert_int_equal(m.hp.n_vocab, 0);
	sr_model_free(&m);
	free(b.p);
}

/* Parse bytes, expect bad input whose message starts with "x.gguf@AT: " and
 * contains want. */
static void expect_bad(struct rb *b, uint64_t at, const char *want)
{
	struct sr_model m;
	struct sr_err e = { 0 };
	char prefix[64];

	assert_int_equal(sr_gguf_parse(b->p, b->len, "x.gguf", &m, &e), -EINVAL);
	assert_true(e.bad_input);
	snprintf(prefix, sizeof(prefix), "x.gguf@%llu: ", (unsigned long long)at);
	if (strncmp(e.msg, prefix, strlen(prefix)) || !strstr(e.msg, want))
		fail_msg("got \"%s\", expected \"%s...%s\"", e.msg, prefix, want);
	assert_null(strchr(e.msg, '\n'));
	assert_null(m.tensors); /* freed */
	assert_null(m.kvs);
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* A valid file of two tensors with one tweak: t2's type, shape, offset. */
static void two_tensors(struct rb *b, uint32_t align, uint64_t off2, uint32_t type2,
			uint32_t nd2, const uint64_t *ne2, const char *name2, size_t data)
{
	const uint64_t ne1[1] = { 16 };

	rb_head(b, 3, 2, align == 32 ? 1 : 2);
	rb_kv_str(b, "general.architecture", "llama");
	if (align != 32)
		rb_kv_u32(b, "general.alignment", align);
	rb_tensor(b, "t1", 1, ne1, 0, 0); /* 64 bytes */
	rb_tensor(b, name2, nd2, ne2, type2, off2);
	rb_pad(b, align);
	rb_zeros(b, data);
}

static void test_malformed(void **state)
{
	const uint64_t ne16[1] = { 16 }, ne5[5] = { 1, 1, 1, 1, 1 };
	const uint64_t big[2] = { 1ull << 32, 1ull << 32 }, huge[1] = { 1ull << 63 };
	const uint64_t q4k[2] = { 100, 2 };
	struct sr_model m;
	struct sr_err e = { 0 };
	struct rb b = { 0 };

	(void)state;
	rb_put(&b, "GGUX", 4);
	rb_le(&b, 3, 4);
	expect_bad(&b, 0, "bad magic 47 47 55 58, expected 'GGUF'");
	rb_put(&b, "GG", 2);
	expect_bad(&b, 0, "truncated magic, expected 4 bytes but the file ends at 2");
	rb_head(&b, 1, 0, 0);
	expect_bad(&b, 4, "GGUF version 1 (u32 counts, dropped by llama.cpp), expected version 2 or 3");
	rb_head(&b, 99, 0, 0);
	expect_bad(&b, 4, "unknown GGUF version 99, expected 2 or 3");
	rb_head(&b, 0x03000000, 0, 0);
	expect_bad(&b, 4, "looks big-endian");
	rb_head(&b, 3, 1ull << 40, 0);
	expect_bad(&b, 8, "tensor count 1099511627776 cannot fit in the 0 bytes left");
	rb_head(&b, 3, 0, 1ull << 62);
	rb_zeros(&b, 100);
	expect_bad(&b, 16, "kv count 4611686018427387904 cannot fit in the 100 bytes left, expected at most 7");
	rb_head(&b, 3, 2, 1);
	rb_zeros(&b, 70);
	expect_bad(&b, 8, "tensor count 2 cannot fit in the 70 bytes left after 1 kvs, expected at most 1");

	/* strings */
	rb_head(&b, 3, 0, 1);
	rb_le(&b, 1ull << 40, 8);
	rb_zeros(&b, 16);
	expect_bad(&b, 24, "key of 1099511627776 bytes, expected at most 2^30");
	rb_head(&b, 3, 0, 1);
	rb_le(&b, 1000, 8);
	rb_zeros(&b, 16);
	expect_bad(&b, 24, "key of 1000 bytes but 16 are left in the file");
	rb_head(&b, 3, 0, 1);
	rb_str(&b, "general.name");
	rb_le(&b, SR_GGUF_STRING, 4);
	rb_le(&b, 500, 8);
	rb_put(&b, "abc", 3);
	expect_bad(&b, 48, "key 'general.name': string of 500 bytes but 3 are left in the file");
	rb_head(&b, 3, 0, 1);
	rb_str(&b, "");
	rb_zeros(&b, 8);
	expect_bad(&b, 24, "an empty key, expected a non-empty name");
	rb_head(&b, 3, 0, 1);
	rb_str(&b, "a.b");
	rb_le(&b, 13, 4);
	rb_zeros(&b, 8);
	expect_bad(&b, 35, "key 'a.b': unknown value type 13, expected 0-12");
	rb_head(&b, 3, 0, 1);
	rb_str(&b, "abcdef");
	rb_le(&b, SR_GGUF_U32, 2);
	expect_bad(&b, 38, "key 'abcdef': truncated value type, expected 4 bytes but the file ends at 40");

	/* arrays */
	rb_head(&b, 3, 0, 1);
	rb_str(&b, "nest");
	rb_le(&b, SR_GGUF_ARRAY, 4);
	rb_le(&b, SR_GGUF_ARRAY, 4);
	rb_le(&b, 1, 8);
	rb_zeros(&b, 16);
	expect_bad(&b, 40, "key 'nest': an array of arrays, expected a flat array");
	rb_head(&b, 3, 0, 1);
	rb_str(&b, "arr");
	rb_le(&b, SR_GGUF_ARRAY, 4);
	rb_le(&b, SR_GGUF_U32, 4);
	rb_le(&b, 1ull << 61, 8);
	rb_zeros(&b, 40);
	expect_bad(&b, 43, "key 'arr': array of 2305843009213693952 u32 but 40 bytes are left in the file, expected at most 10");
	rb_head(&b, 3, 0, 1);
	rb_str(&b, "arr");
	rb_le(&b, SR_GGUF_ARRAY, 4);
	rb_le(&b, 77, 4);
	expect_bad(&b, 39, "key 'arr': unknown array element type 77");
	rb_head(&b, 3, 0, 1);
	rb_str(&b, "toks");
	rb_le(&b, SR_GGUF_ARRAY, 4);
	rb_le(&b, SR_GGUF_STRING, 4);
	rb_le(&b, 3, 8);
	rb_str(&b, "a");
	rb_str(&b, "b");
	rb_le(&b, 1u << 31, 8);
	rb_zeros(&b, 8);
	expect_bad(&b, 70, "key 'toks': array string of 2147483648 bytes, expected at most 2^30");

	/* general.* */
	rb_head(&b, 3, 0, 2);
	rb_kv_u32(&b, "k", 1);
	rb_kv_u32(&b, "k", 2);
	expect_bad(&b, 41, "duplicate key 'k' (first at 24), expected unique keys");
	rb_head(&b, 3, 0, 1);
	rb_kv_u32(&b, "general.alignment", 48);
	expect_bad(&b, 24, "general.alignment 48, expected a power of two");
	rb_head(&b, 3, 0, 1);
	rb_kv_u32(&b, "general.alignment", 0);
	expect_bad(&b, 24, "general.alignment 0, expected a power of two");
	rb_head(&b, 3, 0, 1);
	rb_str(&b, "general.alignment");
	rb_le(&b, SR_GGUF_U64, 4);
	rb_le(&b, 32, 8);
	expect_bad(&b, 24, "key 'general.alignment' is a u64, expected u32");
	rb_head(&b, 3, 0, 1);
	rb_kv_u32(&b, "general.architecture", 1);
	expect_bad(&b, 24, "key 'general.architecture' is a u32, expected string");
	rb_head(&b, 3, 0, 2);
	rb_kv_str(&b, "general.architecture", "llama");
	rb_kv_str(&b, "llama.block_count", "32");
	expect_bad(&b, 69, "key 'llama.block_count' is a string, expected an unsigned integer");
	rb_head(&b, 3, 0, 2);
	rb_kv_str(&b, "general.architecture", "llama");
	rb_str(&b, "llama.context_length");
	rb_le(&b, SR_GGUF_I32, 4);
	rb_le(&b, (uint32_t)-5, 4);
	expect_bad(&b, 69, "key 'llama.context_length' holds a negative or huge value, expected a count");

	/* tensor infos */
	two_tensors(&b, 32, 64, 0, 5, ne5, "t2", 128);
	expect_bad(&b, 113, "tensor 't2': 5 dimensions, expected 1 to 4");
	two_tensors(&b, 32, 64, 0, 0, ne5, "t2", 128);
	expect_bad(&b, 113, "tensor 't2': 0 dimensions, expected 1 to 4");
	two_tensors(&b, 32, 64, 99, 1, ne16, "t2", 128);
	expect_bad(&b, 125, "tensor 't2': unknown ggml type 99, expected one ggml defines");
	two_tensors(&b, 32, 64, 4, 1, ne16, "t2", 128);
	expect_bad(&b, 125, "tensor 't2': unknown ggml type 4");
	two_tensors(&b, 32, 64, 31, 1, ne16, "t2", 128);
	expect_bad(&b, 125, "tensor 't2': unknown ggml type 31");
	two_tensors(&b, 32, 64, 12, 2, q4k, "t2", 128);
	expect_bad(&b, 103, "tensor 't2': ne[0] = 100, expected a multiple of the Q4_K block (256)");
	two_tensors(&b, 32, 64, 0, 2, big, "t2", 128);
	expect_bad(&b, 103, "beyond 2^63 elements or bytes");
	two_tensors(&b, 32, 64, 0, 1, huge, "t2", 128);
	expect_bad(&b, 117, "tensor 't2': ne[0] = 9223372036854775808, expected at most 2^63 - 1");
	two_tensors(&b, 32, 48, 0, 1, ne16, "t2", 128);
	expect_bad(&b, 129, "tensor 't2': offset 48 is not aligned, expected a multiple of 32");
	two_tensors(&b, 32, 32, 0, 1, ne16, "t2", 128);
	expect_bad(&b, 103, "tensor 't2' at 192+64 overlaps tensor 't1' at 160+64, expected disjoint tensors");
	two_tensors(&b, 32, 64, 0, 1, ne16, "t2", 127);
	expect_bad(&b, 103, "tensor 't2' at data + 64 (64 bytes) runs past the end of the file at 287");
	two_tensors(&b, 32, 1ull << 62, 0, 1, ne16, "t2", 128);
	expect_bad(&b, 103, "runs past the end of the file");
	two_tensors(&b, 32, UINT64_MAX - 31, 0, 1, ne16, "t2", 128);
	expect_bad(&b, 103, "runs past the end of the file");
	two_tensors(&b, 32, 64, 0, 1, ne16, "t1", 128);
	expect_bad(&b, 103, "duplicate tensor name 't1' (first at 69), expected unique names");
	two_tensors(&b, 64, 64, 0, 1, ne16, "t2", 128); /* valid */
	assert_int_equal(sr_gguf_parse(b.p, b.len, "x.gguf", &m, &e), 0);
	assert_int_equal(m.alignment, 64);
	assert_int_equal(m.data_off, 192);
	assert_int_equal(m.tensors[1].off, 256);
	sr_model_free(&m);
	free(b.p);
	memset(&b, 0, sizeof(b));
	two_tensors(&b, 64, 96, 0, 1, ne16, "t2", 256);
	expect_bad(&b, 162, "tensor 't2': offset 96 is not aligned, expected a multiple of 64");
	rb_head(&b, 3, 1, 0);
	rb_le(&b, 3, 8);
	rb_put(&b, "a\0b", 3);
	rb_zeros(&b, 40);
	expect_bad(&b, 24, "a tensor name, expected a non-empty name without NUL bytes");
}

/* Every prefix of a valid header is rejected as truncated; cuts in the data
 * as a tensor past the end of the file. */
static void test_truncated(void **state)
{
	struct sr_model m, r;
	struct sr_err e = { 0 };
	uint8_t *f;
	size_t len, cut;

	(void)state;
	build_model(&m, 1, 20, 32);
	assert_int_equal(sr_gguf_layout(&m, &e), 0);
	assert_int_equal(sr_gguf_write(path_in("t.gguf"), &m, SR_FILL_SPARSE, 0, &e), 0);
	f = slurp(path_in("t.gguf"), &len);
	for (cut = 0; cut < len; cut += cut < m.data_off + 64 ? 1 : 61) {
		sr_err_clear(&e);
		assert_int_equal(sr_gguf_parse(f, cut, "t.gguf", &r, &e), -EINVAL);
		assert_true(e.bad_input);
		assert_int_equal(strncmp(e.msg, "t.gguf@", 7), 0);
		if (!strstr(e.msg, "truncated") && !strstr(e.msg, "past the end of the file") &&
		    !strstr(e.msg, "left"))
			fail_msg("cut at %zu: %s", cut, e.msg);
	}
	/* the full file, and one cut inside the last tensor's padding, parse */
	assert_int_equal(sr_gguf_parse(f, len, "t.gguf", &r, &e), 0);
	sr_model_free(&r);
	free(f);
	/* a truncated file on disk is bad input too */
	assert_int_equal(truncate(path_in("t.gguf"), (off_t)(m.file_size - 4096)), 0);
	sr_err_clear(&e);
	assert_int_equal(sr_gguf_read(path_in("t.gguf"), &r, &e), -EINVAL);
	assert_true(e.bad_input);
	assert_non_null(strstr(e.msg, "runs past the end of the file"));
	sr_model_free(&m);
}

static void test_write_errors(void **state)
{
	struct sr_model m;
	struct sr_err e = { 0 };
	struct sr_tensor save;

	(void)state;
	build_model(&m, 1, 10, 32);
	assert_int_equal(sr_gguf_layout(&m, &e), 0);
	assert_int_equal(sr_gguf_write(path_in("nodir/x.gguf"), &m, SR_FILL_ZERO, 0, &e), -ENOENT);
	assert_true(e.bad_input); /* a directory that is not there: exit 2 before writing */
	assert_non_null(strstr(e.msg, "nodir/x.gguf: cannot write there"));

	m.data_off += 32;
	sr_err_clear(&e);
	assert_int_equal(sr_gguf_write(path_in("w.gguf"), &m, SR_FILL_ZERO, 0, &e), -EINVAL);
	assert_true(e.bad_input);
	assert_non_null(strstr(e.msg, "data_off"));
	m.data_off -= 32;

	save = m.tensors[2];
	m.tensors[2].off = m.tensors[1].off + 32; /* inside tensor 1 */
	sr_err_clear(&e);
	assert_int_equal(sr_gguf_write(path_in("w.gguf"), &m, SR_FILL_ZERO, 0, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "tensors in file order, disjoint"));
	m.tensors[2].off = save.off + 16; /* unaligned */
	sr_err_clear(&e);
	assert_int_equal(sr_gguf_write(path_in("w.gguf"), &m, SR_FILL_ZERO, 0, &e), -EINVAL);
	m.tensors[2] = save;
	m.tensors[2].bytes++;
	sr_err_clear(&e);
	assert_int_equal(sr_gguf_write(path_in("w.gguf"), &m, SR_FILL_ZERO, 0, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "from its type and shape"));
	m.tensors[2] = save;
	m.file_size += 32;
	sr_err_clear(&e);
	assert_int_equal(sr_gguf_write(path_in("w.gguf"), &m, SR_FILL_ZERO, 0, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "file_size"));
	m.file_size -= 32;
	m.alignment = 64; /* without a general.alignment kv */
	sr_err_clear(&e);
	assert_int_equal(sr_gguf_layout(&m, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "without a general.alignment kv"));
	m.alignment = 32;
	m.kvs[0].type = SR_GGUF_ARRAY;
	m.kvs[0].arr_type = SR_GGUF_ARRAY;
	sr_err_clear(&e);
	assert_int_equal(sr_gguf_write(path_in("w.gguf"), &m, SR_FILL_ZERO, 0, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "array element type 9"));
	m.kvs[0].type = SR_GGUF_STRING;
	/* nothing was left behind */
	assert_int_equal(access(path_in("w.gguf"), F_OK), -1);
	assert_int_equal(access(path_in("w.gguf.tmp"), F_OK), -1);

	sr_model_free(&m);

	sr_err_clear(&e);
	assert_int_equal(sr_gguf_read(path_in("missing.gguf"), &m, &e), -EINVAL);
	assert_true(e.bad_input);
	sr_err_clear(&e);
	assert_int_equal(sr_gguf_read(dir, &m, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "not a regular file"));
}

#include "gguf_tool.h"

/* A split model (MODEL-00001-of-00002.gguf, as llama.cpp's gguf-split names
 * shards) opens as one: every shard's tensors, offsets in the shards joined
 * end to end, each tensor with its shard. */
static void test_split(void **state)
{
	struct sr_model m, a, b, r;
	struct sr_err e = { 0 };
	struct stat s1, s2;
	size_t h, i;

	(void)state;
	build_model(&m, 3, 100, 64);
	h = m.n_tensors / 2;
	a = m;
	a.n_tensors = h;
	b = m;
	b.tensors = m.tensors + h;
	b.n_tensors = m.n_tensors - h;
	assert_int_equal(sr_gguf_layout(&a, &e), 0);
	assert_int_equal(sr_gguf_layout(&b, &e), 0);
	assert_int_equal(sr_gguf_write(path_in("s-00001-of-00002.gguf"), &a, SR_FILL_ZERO, 1, &e), 0);
	assert_int_equal(sr_gguf_write(path_in("s-00002-of-00002.gguf"), &b, SR_FILL_ZERO, 1, &e), 0);
	assert_int_equal(stat(path_in("s-00001-of-00002.gguf"), &s1), 0);
	assert_int_equal(stat(path_in("s-00002-of-00002.gguf"), &s2), 0);
	/* either shard's name opens the whole model */
	for (i = 0; i < 2; i++) {
		assert_int_equal(sr_gguf_read(path_in(i ? "s-00002-of-00002.gguf" : "s-00001-of-00002.gguf"), &r, &e), 0);
		assert_int_equal(r.n_tensors, m.n_tensors);
		assert_int_equal(r.n_files, 2);
		assert_int_equal(r.file_base[1], (uint64_t)s1.st_size);
		assert_int_equal(r.file_size, (uint64_t)(s1.st_size + s2.st_size));
		for (size_t k = 0; k < m.n_tensors; k++) {
			assert_string_equal(r.tensors[k].name, m.tensors[k].name);
			assert_int_equal(r.tensors[k].file, k >= h);
			/* its offset in its own file, moved by where that file starts */
			assert_int_equal(r.tensors[k].off, m.tensors[k].off + (k >= h ? (uint64_t)s1.st_size : 0));
		}
		assert_int_equal(sr_model_find(&r, r.tensors[h].off), (long)h);
		sr_model_free(&r);
	}
	/* a missing shard is bad input naming it */
	assert_int_equal(unlink(path_in("s-00002-of-00002.gguf")), 0);
	sr_err_clear(&e);
	assert_int_equal(sr_gguf_read(path_in("s-00001-of-00002.gguf"), &r, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "s-00002-of-00002.gguf"));
	unlink(path_in("s-00001-of-00002.gguf"));
	sr_model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_hparams_experts),
		cmocka_unit_test(test_header_bytes),
		cmocka_unit_test(test_v2_default_alignment),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_write_errors),
		cmocka_unit_test(test_split),
	};

	if (getenv("SR_GGUF_OUT"))
		return write_reference(getenv("SR_GGUF_OUT"));
	if (getenv("SR_GGUF_DUMP"))
		return dump_json(getenv("SR_GGUF_DUMP"));
	if (getenv("SR_GGUF_BENCH"))
		return bench(getenv("SR_GGUF_BENCH"));
	return cmocka_run_group_tests(tests, setup, teardown);
}
