/* GGUF v3 writer, byte for byte what ggml/src/gguf.cpp (gguf_write_out)
 * emits: "GGUF", u32 version 3, u64 tensor count, u64 kv count, the kvs
 * (u64-length-prefixed key, u32 type, value; arrays as u32 element type,
 * u64 count, elements; bools one byte), the tensor infos (name, u32 n_dims,
 * u64 ne[n_dims], u32 ggml type, u64 offset relative to the data section),
 * zeros up to the alignment, then every tensor's data followed by zeros up
 * to the alignment. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/units.h"
#include "synth/gguf.h"
#include "base/outfile.h"
#include "synth/gguf_impl.h"

#define CHUNK (4u << 20)

/* A byte sink; with p NULL it only counts. */
struct out {
	uint8_t *p;
	uint64_t len;
};

static void put(struct out *o, const void *src, uint64_t n)
{
	if (o->p)
		memcpy(o->p + o->len, src, n);
	o->len += n;
}

static void put_le(struct out *o, uint64_t v, unsigned n)
{
	uint8_t b[8];
	unsigned i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(o, b, n);
}

static void put_str(struct out *o, const char *s)
{
	uint64_t n = strlen(s);

	put_le(o, n, 8);
	put(o, s, n);
}

static uint64_t scalar_bits(const struct sr_kv *kv)
{
	float f;
	uint32_t w;

	switch (kv->type) {
	case SR_GGUF_F32:
		f = (float)kv->v.f64;
		memcpy(&w, &f, 4);
		return w;
	case SR_GGUF_F64: {
		uint64_t v;

		memcpy(&v, &kv->v.f64, 8);
		return v;
	}
	default:
		return kv->v.u64; /* the low bytes of u64 and of the sign-extended i64 */
	}
}

static int check_kv(const struct sr_kv *kv, const char *who, struct sr_err *e)
{
	uint64_t i;

	if (!kv->key || !kv->key[0])
		return sr_inputf(e, "%s: a kv without a key, expected a non-empty key", who);
	if (kv->type >= SR_GGUF_NTYPES)
		return sr_inputf(e, "%s: key '%s': value type %u, expected 0-12", who, kv->key, kv->type);
	if (kv->type == SR_GGUF_STRING && !kv->str)
		return sr_inputf(e, "%s: key '%s': string without a value, expected str", who, kv->key);
	if (kv->type != SR_GGUF_ARRAY)
		return 0;
	if (kv->arr_type >= SR_GGUF_NTYPES || kv->arr_type == SR_GGUF_ARRAY)
		return sr_inputf(e, "%s: key '%s': array element type %u, expected 0-8 or 10-12", who,
				 kv->key, kv->arr_type);
	if (kv->arr_type == SR_GGUF_STRING) {
		if (kv->n && !kv->strs)
			return sr_inputf(e, "%s: key '%s': %" PRIu64 " strings without strs", who, kv->key, kv->n);
		for (i = 0; i < kv->n; i++)
			if (!kv->strs[i])
				return sr_inputf(e, "%s: key '%s': string %" PRIu64 " is NULL, expected a string",
						 who, kv->key, i);
	} else if (kv->n && !kv->data) {
		return sr_inputf(e, "%s: key '%s': %" PRIu64 " elements without data", who, kv->key, kv->n);
	}
	return 0;
}

static void put_kv(struct out *o, const struct sr_kv *kv)
{
	uint64_t i;

	put_str(o, kv->key);
	put_le(o, kv->type, 4);
	if (kv->type == SR_GGUF_STRING) {
		put_str(o, kv->str);
	} else if (kv->type != SR_GGUF_ARRAY) {
		put_le(o, scalar_bits(kv), sr_gguf_vsize(kv->type));
	} else {
		put_le(o, kv->arr_type, 4);
		put_le(o, kv->n, 8);
		if (kv->arr_type == SR_GGUF_STRING)
			for (i = 0; i < kv->n; i++)
				put_str(o, kv->strs[i]);
		else
			put(o, kv->data, kv->n * sr_gguf_vsize(kv->arr_type));
	}
}

/* Header without padding; with o->p NULL just its size. Offsets are written
 * relative to data_off. */
static int encode(const struct sr_model *m, struct out *o, const char *who, struct sr_err *e)
{
	const struct sr_tensor *t;
	size_t i;
	uint32_t d;
	int ret;

	put(o, SR_GGUF_MAGIC, 4);
	put_le(o, 3, 4);
	put_le(o, m->n_tensors, 8);
	put_le(o, m->n_kvs, 8);
	for (i = 0; i < m->n_kvs; i++) {
		if (!o->p && (ret = check_kv(&m->kvs[i], who, e)))
			return ret;
		put_kv(o, &m->kvs[i]);
	}
	for (i = 0; i < m->n_tensors; i++) {
		t = &m->tensors[i];
		if (!t->name || !t->name[0])
			return sr_inputf(e, "%s: tensor %zu has no name, expected a name", who, i);
		if (t->n_dims < 1 || t->n_dims > SR_MAX_DIMS)
			return sr_inputf(e, "%s: tensor '%s': %u dimensions, expected 1 to %d", who, t->name,
					 t->n_dims, SR_MAX_DIMS);
		put_str(o, t->name);
		put_le(o, t->n_dims, 4);
		for (d = 0; d < t->n_dims; d++)
			put_le(o, t->ne[d], 8);
		put_le(o, t->type, 4);
		put_le(o, t->off - m->data_off, 8);
	}
	return 0;
}

int sr_gguf_header_size(const struct sr_model *m, uint64_t *size, struct sr_err *e)
{
	struct out o = { 0 };
	int ret = encode(m, &o, m->name ? m->name : "model", e);

	*size = o.len;
	return sr_gguf_oneline(e, ret);
}

/* The alignment m asks for: m->alignment (0 → 32), matching general.alignment. */
static int alignment(const struct sr_model *m, const char *who, uint32_t *a, struct sr_err *e)
{
	const struct sr_kv *kv = sr_model_kv(m, "general.alignment");

	*a = m->alignment ? m->alignment : SR_GGUF_DEFAULT_ALIGN;
	if (*a & (*a - 1))
		return sr_inputf(e, "%s: alignment %u, expected a power of two", who, *a);
	if (kv && (kv->type != SR_GGUF_U32 || kv->v.u64 != *a))
		return sr_inputf(e, "%s: general.alignment is a %s %" PRIu64 " but the model is aligned to %u, expected a u32 %u",
				 who, sr_gguf_vname(kv->type), kv->v.u64, *a, *a);
	if (!kv && *a != SR_GGUF_DEFAULT_ALIGN)
		return sr_inputf(e, "%s: alignment %u without a general.alignment kv, expected one (readers assume 32)",
				 who, *a);
	return 0;
}

int sr_gguf_layout(struct sr_model *m, struct sr_err *e)
{
	const char *who = m->name ? m->name : "model";
	uint64_t h, off;
	uint32_t a;
	size_t i;
	int ret;

	if ((ret = alignment(m, who, &a, e)))
		return sr_gguf_oneline(e, ret);
	for (i = 0; i < m->n_tensors; i++)
		if ((ret = sr_tensor_classify(&m->tensors[i], e)))
			return sr_gguf_oneline(e, ret);
	if ((ret = sr_gguf_header_size(m, &h, e)))
		return sr_gguf_oneline(e, ret);
	m->alignment = a;
	m->data_off = off = sr_gguf_align(h, a);
	for (i = 0; i < m->n_tensors; i++) {
		m->tensors[i].off = off;
		off = sr_gguf_align(off + m->tensors[i].bytes, a);
		if (off == UINT64_MAX || off > INT64_MAX)
			return sr_inputf(e, "%s: tensors add up to more than 2^63 bytes, expected a real size", who);
	}
	m->file_size = off;
	return 0;
}

/* Everything sr_gguf_write relies on; *fsize is the file's size. */
static int check_model(const struct sr_model *m, const char *who, uint64_t *fsize, struct sr_err *e)
{
	struct sr_err ce = { 0 };
	struct sr_tensor c;
	uint64_t h, end = 0, prev, from;
	uint32_t a;
	size_t i;
	int ret;

	if ((ret = alignment(m, who, &a, e)) || (ret = sr_gguf_header_size(m, &h, e)))
		return ret;
	if (m->data_off != sr_gguf_align(h, a))
		return sr_inputf(e, "%s: data_off %" PRIu64 ", expected %" PRIu64 " (the %" PRIu64 "-byte header aligned to %u; sr_gguf_layout sets it)",
				 who, m->data_off, sr_gguf_align(h, a), h, a);
	prev = m->data_off;
	for (i = 0; i < m->n_tensors; i++) {
		const struct sr_tensor *t = &m->tensors[i];

		c = *t;
		if (sr_tensor_classify(&c, &ce))
			return sr_inputf(e, "%s: %s", who, ce.msg);
		if (c.bytes != t->bytes)
			return sr_inputf(e, "%s: tensor '%s': %" PRIu64 " bytes, expected %" PRIu64 " from its type and shape",
					 who, t->name, t->bytes, c.bytes);
		/* An empty tensor may sit inside another's range, as the reader allows. */
		from = t->bytes ? m->data_off + end : prev;
		if (t->off < from || (t->off - m->data_off) % a)
			return sr_inputf(e, "%s: tensor '%s' at %" PRIu64 ", expected an offset from %" PRIu64 " on, aligned to %u past data_off %" PRIu64 " (tensors in file order, disjoint)",
					 who, t->name, t->off, from, a, m->data_off);
		prev = t->off;
		if (t->off - m->data_off + t->bytes < t->bytes || t->off - m->data_off + t->bytes > INT64_MAX)
			return sr_inputf(e, "%s: tensor '%s' ends beyond 2^63, expected a real offset", who, t->name);
		if (t->off - m->data_off + t->bytes > end)
			end = t->off - m->data_off + t->bytes;
	}
	*fsize = m->data_off + sr_gguf_align(end, a);
	if (m->file_size && m->file_size != *fsize)
		return sr_inputf(e, "%s: file_size %" PRIu64 ", expected %" PRIu64 " (data_off + the last tensor's end, aligned)",
				 who, m->file_size, *fsize);
	return 0;
}

static int build_header(const struct sr_model *m, const char *who, uint8_t **buf, size_t *len,
			uint64_t *fsize, struct sr_err *e)
{
	struct out o = { 0 };
	int ret;

	*buf = NULL;
	*len = 0;
	if ((ret = check_model(m, who, fsize, e)))
		return ret;
	if (!(o.p = calloc(1, m->data_off)))
		return sr_errf(e, -ENOMEM, "%s: out of memory for a %" PRIu64 "-byte header", who, m->data_off);
	encode(m, &o, who, e);
	*buf = o.p;
	*len = m->data_off;
	return 0;
}

int sr_gguf_encode_header(const struct sr_model *m, uint8_t **buf, size_t *len,
			  struct sr_err *e)
{
	uint64_t fsize;

	return sr_gguf_oneline(e, build_header(m, m->name ? m->name : "model", buf, len, &fsize, e));
}

/* Counter-based splitmix64: word w of a stream is a pure function of
 * (stream, w), so a tensor's bytes do not depend on how they are chunked. */

/* Float tensors keep sign, mantissa and the low exponent bits and get a fixed
 * high exponent: |x| in [2^-11, 2^-7) for F32/BF16, [2^-7, 2^-3) for F16,
 * so every value is finite and small. */
static void float_mask(uint32_t type, uint64_t *keep, uint64_t *set)
{
	switch (type) {
	case 0: /* F32: exponent 116-119 */
		*keep = 0x81ffffff81ffffffull;
		*set = 0x3a0000003a000000ull;
		break;
	case 1: /* F16: exponent 8-11 (bias 15) */
		*keep = 0x8fff8fff8fff8fffull;
		*set = 0x2000200020002000ull;
		break;
	case 30: /* BF16: exponent 116-119 */
		*keep = 0x81ff81ff81ff81ffull;
		*set = 0x3a003a003a003a00ull;
		break;
	default:
		*keep = ~0ull;
		*set = 0;
	}
}

static void gen(uint8_t *buf, size_t n, uint64_t stream, uint64_t w0, uint64_t keep, uint64_t set)
{
	uint64_t z, k, words = (n + 7) / 8;

	for (k = 0; k < words; k++) {
		z = (sr_mix64_fin(stream + (w0 + k + 1) * SR_GOLDEN_GAMMA) & keep) | set;
		if (8 * k + 8 <= n) {
			memcpy(buf + 8 * k, &z, 8);
		} else {
			memcpy(buf + 8 * k, &z, n - 8 * k);
		}
	}
}

static int pwrite_all(int fd, const void *buf, size_t n, uint64_t off, const char *tmp,
		      struct sr_err *e)
{
	const uint8_t *p = buf;
	ssize_t r;

	while (n) {
		if (sr_stop_requested) /* a multi-GB model is minutes of writing: stop now, the .tmp goes */
			return sr_errf(e, -EINTR, "%s: writing interrupted, removed", tmp);
		r = pwrite(fd, p, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return sr_errf(e, r < 0 ? -errno : -EIO, "%s: write at %" PRIu64 ": %s", tmp, off,
				       r < 0 ? strerror(errno) : "wrote nothing");
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static int put_zeros(int fd, uint8_t *chunk, uint64_t from, uint64_t to, const char *tmp,
		     struct sr_err *e)
{
	size_t n;
	int ret;

	for (; from < to; from += n) {
		n = to - from < CHUNK ? (size_t)(to - from) : CHUNK;
		memset(chunk, 0, n);
		if ((ret = pwrite_all(fd, chunk, n, from, tmp, e)))
			return ret;
	}
	return 0;
}

static int put_tensor(int fd, uint8_t *chunk, const struct sr_tensor *t, size_t idx,
		      enum sr_gguf_fill fill, uint64_t seed, const char *tmp, struct sr_err *e)
{
	uint64_t keep, set, r, stream = sr_mix64_fin(seed ^ ((uint64_t)(idx + 1) * SR_GOLDEN_GAMMA));
	size_t n;
	int ret;

	if (fill == SR_FILL_ZERO)
		return put_zeros(fd, chunk, t->off, t->off + t->bytes, tmp, e);
	float_mask(t->type, &keep, &set);
	for (r = 0; r < t->bytes; r += n) {
		n = t->bytes - r < CHUNK ? (size_t)(t->bytes - r) : CHUNK;
		gen(chunk, n, stream, r / 8, keep, set);
		if ((ret = pwrite_all(fd, chunk, n, t->off + r, tmp, e)))
			return ret;
	}
	return 0;
}

int sr_gguf_write(const char *path, const struct sr_model *m, enum sr_gguf_fill fill,
		  uint64_t seed, struct sr_err *e)
{
	return sr_gguf_write_progress(path, m, fill, seed, NULL, NULL, e);
}

int sr_gguf_write_progress(const char *path, const struct sr_model *m, enum sr_gguf_fill fill,
			   uint64_t seed, void (*progress)(void *arg, uint64_t done, uint64_t total),
			   void *arg, struct sr_err *e)
{
	struct sr_outfile o = { 0 };
	uint8_t *hdr = NULL, *chunk = NULL;
	uint64_t fsize, pos;
	const char *tmp;
	size_t i;
	size_t hlen;
	int fd, ret;

	if ((ret = build_header(m, path, &hdr, &hlen, &fsize, e)))
		return ret;
	if (!(chunk = malloc(CHUNK))) {
		ret = sr_errf(e, -ENOMEM, "%s: out of memory", path);
		goto out;
	}
	/* a unique temp name per run, renamed over path only when whole: a
	 * SIGKILL leaves PATH.tmp-XXXXXX, never a reused or half OUT.gguf */
	if ((ret = sr_outfile_open(&o, path, e)))
		goto out;
	if (sr_outfile_direct(&o)) { /* holes and positioned writes need a file */
		ret = sr_inputf(e, "%s: not a regular file: --write-gguf writes a regular file (or a new one)", path);
		goto fail;
	}
	fd = o.fd;
	tmp = o.tmp;
	if ((ret = pwrite_all(fd, hdr, hlen, 0, tmp, e)))
		goto fail;
	pos = m->data_off;
	for (i = 0; i < m->n_tensors; i++) {
		const struct sr_tensor *t = &m->tensors[i];

		if (fill != SR_FILL_SPARSE && (ret = put_zeros(fd, chunk, pos, t->off, tmp, e)))
			goto fail;
		if (fill != SR_FILL_SPARSE && (ret = put_tensor(fd, chunk, t, i, fill, seed, tmp, e)))
			goto fail;
		if (t->off + t->bytes > pos)
			pos = t->off + t->bytes;
		if (progress)
			progress(arg, fill == SR_FILL_SPARSE ? fsize : pos, fsize);
	}
	if (fill != SR_FILL_SPARSE && (ret = put_zeros(fd, chunk, pos, fsize, tmp, e)))
		goto fail;
	if (ftruncate(fd, (off_t)fsize) < 0) {
		ret = sr_errf(e, -errno, "%s: truncate to %" PRIu64 ": %s", tmp, fsize, strerror(errno));
		goto fail;
	}
	ret = sr_outfile_commit(&o, e); /* fsync, close, rename; removes the temp on failure */
	goto out;
fail:
	sr_outfile_abort(&o);
out:
	free(hdr);
	free(chunk);
	return sr_gguf_oneline(e, ret);
}
