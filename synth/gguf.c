/* GGUF v2/v3 reader: header, metadata and tensor infos, never tensor data.
 *
 * Follows ggml/src/gguf.cpp (gguf_init_from_reader): little endian, u64
 * counts and string lengths (v2 and v3 share the layout; v1 had u32 ones and
 * is rejected as llama.cpp rejects it), no nested arrays, no duplicate or
 * empty keys, general.alignment a u32 power of two, data at the end of the
 * tensor infos aligned up. Stricter than gguf.cpp where a replay needs it
 * (n_dims 0 rejected, tensors must lie inside the file and not overlap),
 * looser where it does not (tensors need not be packed back to back).
 *
 * Every count is checked against the bytes left in the file before anything
 * is sized from it, and arrays grow as elements are actually read. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "synth/gguf.h"
#include "synth/gguf_impl.h"

#define RD_BUF (1u << 20)
/* Smallest kv: u64 key length, a 1-byte key, u32 type, a 1-byte value. */
#define MIN_KV 14
/* Smallest tensor info: name length + 1 byte, n_dims, one ne, type, offset. */
#define MIN_TI 33

struct parse {
	const char *name;
	int fd;             /* -1 when parsing memory */
	const uint8_t *mem;
	uint64_t size, pos;
	uint8_t *buf;       /* fd: the window [buf_off, buf_off + buf_len) */
	uint64_t buf_off;
	size_t buf_len;
	struct sr_err *e;
	struct sr_model *m;
	char ctx[320];      /* "key 'K': " or "tensor 'T': " while reading one */
	uint64_t *kv_at;    /* file offset of each kv, tensor info */
	uint64_t *t_at;
	size_t kv_cap, kv_at_cap, t_cap, t_at_cap;
};

static int bad(struct parse *p, uint64_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(struct parse *p, uint64_t at, const char *fmt, ...)
{
	char msg[400], line[sizeof(p->e->msg)];
	unsigned char *c;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (snprintf(line, sizeof(line), "%s@%" PRIu64 ": %s%s", p->name, at, p->ctx, msg) < 0)
		line[0] = '\0';
	/* Names come from the file: keep the message on one printable line. */
	for (c = (unsigned char *)line; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			*c = '?';
	return sr_inputf(p->e, "%s", line);
}

static uint64_t left(const struct parse *p)
{
	return p->size - p->pos;
}

static int pread_all(struct parse *p, void *dst, size_t n, uint64_t off)
{
	uint8_t *d = dst;
	ssize_t r;

	while (n) {
		r = pread(p->fd, d, n, (off_t)off);
		if (r < 0 && errno == EINTR && !sr_stop_requested)
			continue;
		if (r < 0)
			return sr_errf(p->e, -errno, "%s@%" PRIu64 ": read: %s", p->name, off,
				       strerror(errno));
		if (!r)
			return sr_errf(p->e, -EIO, "%s@%" PRIu64 ": the file shrank while being read",
				       p->name, off);
		d += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

/* n bytes at the cursor; truncation is bad input naming what was read. */
static int get(struct parse *p, void *dst, uint64_t n, const char *what)
{
	uint8_t *d = dst;
	uint64_t in;
	int ret;

	if (n > left(p))
		return bad(p, p->pos, "truncated %s, expected %" PRIu64 " bytes but the file ends at %" PRIu64,
			   what, n, p->size);
	if (p->fd < 0) {
		memcpy(d, p->mem + p->pos, n);
		p->pos += n;
		return 0;
	}
	while (n) {
		if (p->pos >= p->buf_off && p->pos < p->buf_off + p->buf_len) {
			in = p->buf_off + p->buf_len - p->pos;
			in = in < n ? in : n;
			memcpy(d, p->buf + (p->pos - p->buf_off), in);
		} else if (n >= RD_BUF) {
			in = n;
			if ((ret = pread_all(p, d, in, p->pos)))
				return ret;
		} else {
			p->buf_off = p->pos;
			p->buf_len = left(p) < RD_BUF ? (size_t)left(p) : RD_BUF;
			if ((ret = pread_all(p, p->buf, p->buf_len, p->buf_off))) {
				p->buf_len = 0;
				return ret;
			}
			continue;
		}
		d += in;
		n -= in;
		p->pos += in;
	}
	return 0;
}

static int get_u32(struct parse *p, uint32_t *v, const char *what)
{
	uint8_t b[4];
	int ret = get(p, b, 4, what);

	*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return ret;
}

static int get_u64(struct parse *p, uint64_t *v, const char *what)
{
	uint32_t lo, hi;
	int ret;

	if ((ret = get_u32(p, &lo, what)) || (ret = get_u32(p, &hi, what)))
		return ret;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

/* A length-prefixed string, NUL terminated in *out. */
static int get_str(struct parse *p, char **out, uint64_t *len_out, const char *what)
{
	uint64_t at = p->pos, len;
	int ret;

	*out = NULL;
	if ((ret = get_u64(p, &len, what)))
		return ret;
	if (len > SR_GGUF_MAX_LEN)
		return bad(p, at, "%s of %" PRIu64 " bytes, expected at most 2^30", what, len);
	if (len > left(p))
		return bad(p, at, "%s of %" PRIu64 " bytes but %" PRIu64 " are left in the file, expected a length that fits",
			   what, len, left(p));
	if (!(*out = malloc(len + 1)))
		return sr_errf(p->e, -ENOMEM, "%s: out of memory", p->name);
	if ((ret = get(p, *out, len, what))) {
		free(*out);
		*out = NULL;
		return ret;
	}
	(*out)[len] = '\0';
	if (len_out)
		*len_out = len;
	return 0;
}

/* A key or tensor name: not empty, no NUL inside (they become C strings). */
static int get_name(struct parse *p, char **out, const char *what)
{
	uint64_t at = p->pos, len;
	int ret = get_str(p, out, &len, what);

	if (ret)
		return ret;
	if (!len || memchr(*out, '\0', len)) {
		free(*out);
		*out = NULL;
		return bad(p, at, "%s %s, expected a non-empty name without NUL bytes", len ? "a" : "an empty", what);
	}
	return 0;
}

static int grow(struct parse *p, void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 16;
	void *a;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	if (!(a = realloc(*arr, n * elem)))
		return sr_errf(p->e, -ENOMEM, "%s: out of memory", p->name);
	memset((char *)a + *cap * elem, 0, (n - *cap) * elem);
	*arr = a;
	*cap = n;
	return 0;
}

static uint64_t le(const uint8_t *b, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | b[n];
	return v;
}

static int get_scalar(struct parse *p, struct sr_kv *kv)
{
	uint8_t b[8];
	unsigned n = sr_gguf_vsize(kv->type);
	uint64_t v;
	float f;
	int ret;

	if ((ret = get(p, b, n, "value")))
		return ret;
	v = le(b, n);
	switch (kv->type) {
	case SR_GGUF_I8: kv->v.i64 = (int8_t)v; break;
	case SR_GGUF_I16: kv->v.i64 = (int16_t)v; break;
	case SR_GGUF_I32: kv->v.i64 = (int32_t)v; break;
	case SR_GGUF_I64: kv->v.i64 = (int64_t)v; break;
	case SR_GGUF_F32: {
		uint32_t w = (uint32_t)v;

		memcpy(&f, &w, 4);
		kv->v.f64 = f;
		break;
	}
	case SR_GGUF_F64: memcpy(&kv->v.f64, &v, 8); break;
	default: kv->v.u64 = v; break; /* u8..u64 and bool (the raw byte) */
	}
	return 0;
}

static int get_array(struct parse *p, struct sr_kv *kv)
{
	uint64_t at = p->pos, n, i, cap = 0;
	unsigned es;
	int ret;

	if ((ret = get_u32(p, &kv->arr_type, "array element type")))
		return ret;
	if (kv->arr_type == SR_GGUF_ARRAY)
		return bad(p, at, "an array of arrays, expected a flat array (gguf.cpp rejects nested arrays too)");
	if (kv->arr_type >= SR_GGUF_NTYPES)
		return bad(p, at, "unknown array element type %u, expected 0-8 or 10-12", kv->arr_type);
	at = p->pos;
	if ((ret = get_u64(p, &n, "array length")))
		return ret;
	es = kv->arr_type == SR_GGUF_STRING ? 8 : sr_gguf_vsize(kv->arr_type);
	if (n > SR_GGUF_MAX_LEN || n > left(p) / es)
		return bad(p, at, "array of %" PRIu64 " %s but %" PRIu64 " bytes are left in the file, expected at most %" PRIu64,
			   n, sr_gguf_vname(kv->arr_type), left(p),
			   left(p) / es < SR_GGUF_MAX_LEN ? left(p) / es : SR_GGUF_MAX_LEN);
	if (kv->arr_type != SR_GGUF_STRING) {
		if (!(kv->data = malloc(n ? n * es : 1)))
			return sr_errf(p->e, -ENOMEM, "%s: out of memory", p->name);
		kv->n = n;
		return get(p, kv->data, n * es, "array");
	}
	/* kv->n counts the strings read so far, so a failure frees just those. */
	kv->n = 0;
	for (i = 0; i < n; i++) {
		size_t c = (size_t)cap;

		if ((ret = grow(p, (void **)&kv->strs, &c, (size_t)i + 1, sizeof(char *))))
			return ret;
		cap = c;
		if ((ret = get_str(p, &kv->strs[i], NULL, "array string")))
			return ret;
		kv->n = i + 1;
	}
	return 0;
}

static int read_kvs(struct parse *p, uint64_t n_kv)
{
	struct sr_model *m = p->m;
	struct sr_kv *kv;
	uint64_t i, at;
	int ret;

	for (i = 0; i < n_kv; i++) {
		if ((ret = grow(p, (void **)&m->kvs, &p->kv_cap, (size_t)i + 1, sizeof(*m->kvs))) ||
		    (ret = grow(p, (void **)&p->kv_at, &p->kv_at_cap, (size_t)i + 1, sizeof(*p->kv_at))))
			return ret;
		at = p->pos;
		kv = &m->kvs[i];
		m->n_kvs = (size_t)i + 1; /* so that sr_model_free sees a partial kv */
		p->kv_at[i] = at;
		p->ctx[0] = '\0';
		if ((ret = get_name(p, &kv->key, "key")))
			return ret;
		snprintf(p->ctx, sizeof(p->ctx), "key '%.250s': ", kv->key);
		if ((ret = get_u32(p, &kv->type, "value type")))
			return ret;
		kv->n = 1;
		if (kv->type >= SR_GGUF_NTYPES)
			return bad(p, p->pos - 4, "unknown value type %u, expected 0-12", kv->type);
		if (kv->type == SR_GGUF_STRING)
			ret = get_str(p, &kv->str, NULL, "string");
		else if (kv->type == SR_GGUF_ARRAY)
			ret = get_array(p, kv);
		else
			ret = get_scalar(p, kv);
		if (ret)
			return ret;
	}
	p->ctx[0] = '\0';
	return 0;
}

static int read_tensors(struct parse *p, uint64_t n_t)
{
	struct sr_model *m = p->m;
	struct sr_tensor *t;
	struct sr_err ce = { 0 };
	uint64_t i, at, at_f;
	uint32_t d;
	int ret;

	for (i = 0; i < n_t; i++) {
		if ((ret = grow(p, (void **)&m->tensors, &p->t_cap, (size_t)i + 1, sizeof(*m->tensors))) ||
		    (ret = grow(p, (void **)&p->t_at, &p->t_at_cap, (size_t)i + 1, sizeof(*p->t_at))))
			return ret;
		at = p->pos;
		t = &m->tensors[i];
		m->n_tensors = (size_t)i + 1;
		p->t_at[i] = at;
		p->ctx[0] = '\0';
		if ((ret = get_name(p, &t->name, "tensor name")))
			return ret;
		snprintf(p->ctx, sizeof(p->ctx), "tensor '%.250s': ", t->name);
		at_f = p->pos;
		if ((ret = get_u32(p, &t->n_dims, "n_dims")))
			return ret;
		if (t->n_dims < 1 || t->n_dims > SR_MAX_DIMS)
			return bad(p, at_f, "%u dimensions, expected 1 to %d", t->n_dims, SR_MAX_DIMS);
		for (d = 0; d < SR_MAX_DIMS; d++) {
			t->ne[d] = 1;
			at_f = p->pos;
			if (d < t->n_dims && (ret = get_u64(p, &t->ne[d], "ne")))
				return ret;
			if (t->ne[d] > INT64_MAX)
				return bad(p, at_f, "ne[%u] = %" PRIu64 ", expected at most 2^63 - 1", d, t->ne[d]);
		}
		at_f = p->pos;
		if ((ret = get_u32(p, &t->type, "ggml type")))
			return ret;
		if (!sr_ggml_type(t->type))
			return bad(p, at_f, "unknown ggml type %u, expected one ggml defines (0-3, 6-30, 34, 35, 39-42)",
				   t->type);
		at_f = p->pos;
		if ((ret = get_u64(p, &t->off, "offset")))
			return ret;
		if (t->off % m->alignment)
			return bad(p, at_f, "offset %" PRIu64 " is not aligned, expected a multiple of %u",
				   t->off, m->alignment);
		if (sr_tensor_classify(t, &ce)) {
			p->ctx[0] = '\0';
			return bad(p, at, "%s", ce.msg);
		}
	}
	p->ctx[0] = '\0';
	return 0;
}

static int cmp_off(const void *a, const void *b, void *arg)
{
	const struct sr_tensor *t = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (t[i].off != t[j].off)
		return t[i].off < t[j].off ? -1 : 1;
	if (t[i].bytes != t[j].bytes)
		return t[i].bytes < t[j].bytes ? -1 : 1;
	return i < j ? -1 : i > j;
}

static int cmp_name(const void *a, const void *b, void *arg)
{
	const struct sr_tensor *t = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(t[i].name, t[j].name);

	return c ? c : (i < j ? -1 : i > j);
}

static int cmp_key(const void *a, const void *b, void *arg)
{
	const struct sr_kv *kv = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(kv[i].key, kv[j].key);

	return c ? c : (i < j ? -1 : i > j);
}

static int check_keys(struct parse *p)
{
	struct sr_model *m = p->m;
	size_t *ord, i;
	int ret = 0;

	if (m->n_kvs < 2)
		return 0;
	if (!(ord = malloc(m->n_kvs * sizeof(*ord))))
		return sr_errf(p->e, -ENOMEM, "%s: out of memory", p->name);
	for (i = 0; i < m->n_kvs; i++)
		ord[i] = i;
	qsort_r(ord, m->n_kvs, sizeof(*ord), cmp_key, m->kvs);
	for (i = 1; i < m->n_kvs && !ret; i++)
		if (!strcmp(m->kvs[ord[i]].key, m->kvs[ord[i - 1]].key))
			ret = bad(p, p->kv_at[ord[i]], "duplicate key '%.250s' (first at %" PRIu64 "), expected unique keys",
				  m->kvs[ord[i]].key, p->kv_at[ord[i - 1]]);
	free(ord);
	return ret;
}

/* Absolute offsets, inside the file, in file order, disjoint, unique names. */
static int place_tensors(struct parse *p)
{
	struct sr_model *m = p->m;
	struct sr_tensor *t = m->tensors, *sorted = NULL;
	uint64_t end, max_end = 0, *at = NULL;
	size_t *ord = NULL, i, n = m->n_tensors, prev = 0;
	int ret = 0;

	m->data_off = sr_gguf_align(p->pos, m->alignment);
	for (i = 0; i < n; i++) {
		if (__builtin_add_overflow(m->data_off, t[i].off, &end) ||
		    __builtin_add_overflow(end, t[i].bytes, &end) || end > p->size)
			return bad(p, p->t_at[i], "tensor '%.250s' at data + %" PRIu64 " (%" PRIu64 " bytes) runs past the end of the file at %" PRIu64 ", expected it inside the file",
				   t[i].name, t[i].off, t[i].bytes, p->size);
		t[i].off += m->data_off;
		if (end - m->data_off > max_end)
			max_end = end - m->data_off;
	}
	m->file_size = m->data_off + sr_gguf_align(max_end, m->alignment);
	if (n < 2)
		return 0;
	ord = malloc(n * sizeof(*ord));
	sorted = malloc(n * sizeof(*sorted));
	at = malloc(n * sizeof(*at));
	if (!ord || !sorted || !at) {
		ret = sr_errf(p->e, -ENOMEM, "%s: out of memory", p->name);
		goto out;
	}
	for (i = 0; i < n; i++)
		ord[i] = i;
	qsort_r(ord, n, sizeof(*ord), cmp_name, t);
	for (i = 1; i < n; i++)
		if (!strcmp(t[ord[i]].name, t[ord[i - 1]].name)) {
			ret = bad(p, p->t_at[ord[i]], "duplicate tensor name '%.250s' (first at %" PRIu64 "), expected unique names",
				  t[ord[i]].name, p->t_at[ord[i - 1]]);
			goto out;
		}
	qsort_r(ord, n, sizeof(*ord), cmp_off, t);
	for (i = 1; i < n; i++) {
		const struct sr_tensor *a = &t[ord[prev]], *b = &t[ord[i]];

		if (b->bytes && b->off < a->off + a->bytes) {
			ret = bad(p, p->t_at[ord[i]], "tensor '%.200s' at %" PRIu64 "+%" PRIu64 " overlaps tensor '%.200s' at %" PRIu64 "+%" PRIu64 ", expected disjoint tensors",
				  b->name, b->off, b->bytes, a->name, a->off, a->bytes);
			goto out;
		}
		if (b->off + b->bytes >= a->off + a->bytes)
			prev = i;
	}
	for (i = 0; i < n; i++) {
		sorted[i] = t[ord[i]];
		at[i] = p->t_at[ord[i]];
	}
	memcpy(t, sorted, n * sizeof(*t));
	memcpy(p->t_at, at, n * sizeof(*at));
out:
	free(ord);
	free(sorted);
	free(at);
	return ret;
}

/* A count kv ("<arch>.block_count"): an unsigned or non-negative integer
 * (the largest element of a per-layer array); 0 when absent. */
static int hp_get(struct parse *p, const char *key, uint32_t *out)
{
	const struct sr_kv *kv = sr_model_kv(p->m, key);
	uint64_t at, v = 0, x, i;
	uint32_t type;
	unsigned es;
	int sgn;

	if (!kv)
		return 0;
	at = p->kv_at[kv - p->m->kvs];
	type = kv->type == SR_GGUF_ARRAY ? kv->arr_type : kv->type;
	es = sr_gguf_vsize(type);
	sgn = type == SR_GGUF_I8 || type == SR_GGUF_I16 || type == SR_GGUF_I32 || type == SR_GGUF_I64;
	if (!es || type == SR_GGUF_F32 || type == SR_GGUF_F64 || type == SR_GGUF_BOOL)
		return bad(p, at, "key '%.250s' is a %s%s, expected an unsigned integer", key,
			   kv->type == SR_GGUF_ARRAY ? "array of " : "", sr_gguf_vname(type));
	for (i = 0; i < kv->n; i++) {
		if (kv->type != SR_GGUF_ARRAY)
			x = sgn && kv->v.i64 < 0 ? UINT64_MAX : kv->v.u64;
		else {
			x = le((const uint8_t *)kv->data + i * es, es);
			if (sgn && es < 8 && (x >> (es * 8 - 1)))
				x = UINT64_MAX;
			else if (sgn && (int64_t)x < 0)
				x = UINT64_MAX;
		}
		if (x > UINT32_MAX)
			return bad(p, at, "key '%.250s' holds %s, expected a count from 0 to 4294967295", key,
				   x == UINT64_MAX ? "a negative or huge value" : "a value beyond 32 bits");
		v = x > v ? x : v;
	}
	*out = (uint32_t)v;
	return 0;
}

static int fill_hparams(struct parse *p)
{
	static const struct {
		const char *suffix;
		size_t field;
	} keys[] = {
		{ "block_count", offsetof(struct sr_hparams, n_layer) },
		{ "embedding_length", offsetof(struct sr_hparams, n_embd) },
		{ "feed_forward_length", offsetof(struct sr_hparams, n_ff) },
		{ "attention.head_count", offsetof(struct sr_hparams, n_head) },
		{ "attention.head_count_kv", offsetof(struct sr_hparams, n_head_kv) },
		{ "expert_count", offsetof(struct sr_hparams, n_expert) },
		{ "expert_used_count", offsetof(struct sr_hparams, n_expert_used) },
		{ "expert_feed_forward_length", offsetof(struct sr_hparams, n_ff_exp) },
		{ "expert_shared_count", offsetof(struct sr_hparams, n_expert_shared) },
		{ "leading_dense_block_count", offsetof(struct sr_hparams, n_dense_lead) },
		{ "context_length", offsetof(struct sr_hparams, n_ctx_train) },
		{ "vocab_size", offsetof(struct sr_hparams, n_vocab) },
	};
	struct sr_model *m = p->m;
	const struct sr_kv *tok = sr_model_kv(m, "tokenizer.ggml.tokens");
	char key[320];
	long emb;
	size_t i;
	int ret;

	if (m->arch[0])
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			snprintf(key, sizeof(key), "%.250s.%s", m->arch, keys[i].suffix);
			if ((ret = hp_get(p, key, (uint32_t *)((char *)&m->hp + keys[i].field))))
				return ret;
		}
	/* Vocabulary: the token list, else <arch>.vocab_size, else token_embd's rows. */
	if (tok && tok->type == SR_GGUF_ARRAY && tok->n <= UINT32_MAX)
		m->hp.n_vocab = (uint32_t)tok->n;
	if (!m->hp.n_vocab && (emb = sr_model_lookup(m, "token_embd.weight")) >= 0 &&
	    m->tensors[emb].n_dims >= 2 && m->tensors[emb].ne[1] <= UINT32_MAX)
		m->hp.n_vocab = (uint32_t)m->tensors[emb].ne[1];
	return 0;
}

/* general.alignment, general.architecture, general.name. */
static int general(struct parse *p)
{
	struct sr_model *m = p->m;
	const struct sr_kv *kv;
	const char *base;

	m->alignment = SR_GGUF_DEFAULT_ALIGN;
	if ((kv = sr_model_kv(m, "general.alignment"))) {
		if (kv->type != SR_GGUF_U32)
			return bad(p, p->kv_at[kv - m->kvs], "key 'general.alignment' is a %s, expected u32",
				   sr_gguf_vname(kv->type));
		if (!kv->v.u64 || (kv->v.u64 & (kv->v.u64 - 1)))
			return bad(p, p->kv_at[kv - m->kvs], "general.alignment %" PRIu64 ", expected a power of two",
				   kv->v.u64);
		m->alignment = (uint32_t)kv->v.u64;
	}
	kv = sr_model_kv(m, "general.architecture");
	if (kv && kv->type != SR_GGUF_STRING)
		return bad(p, p->kv_at[kv - m->kvs], "key 'general.architecture' is a %s, expected string",
			   sr_gguf_vname(kv->type));
	m->arch = strdup(kv ? kv->str : "");
	kv = sr_model_kv(m, "general.name");
	base = strrchr(p->name, '/');
	m->name = strdup(kv && kv->type == SR_GGUF_STRING ? kv->str : base ? base + 1 : p->name);
	if (!m->arch || !m->name)
		return sr_errf(p->e, -ENOMEM, "%s: out of memory", p->name);
	return 0;
}

static int parse(struct parse *p)
{
	uint64_t n_t, n_kv;
	uint32_t version;
	uint8_t magic[4];
	int ret;

	if ((ret = get(p, magic, 4, "magic")))
		return ret;
	if (memcmp(magic, SR_GGUF_MAGIC, 4))
		return bad(p, 0, "bad magic %02x %02x %02x %02x, expected 'GGUF'", magic[0], magic[1],
			   magic[2], magic[3]);
	if ((ret = get_u32(p, &version, "version")))
		return ret;
	if (version == 1)
		return bad(p, 4, "GGUF version 1 (u32 counts, dropped by llama.cpp), expected version 2 or 3");
	if (version && !(version & 0xffff))
		return bad(p, 4, "GGUF version %#x looks big-endian, expected a little-endian version 2 or 3",
			   version);
	if (version != 2 && version != 3)
		return bad(p, 4, "unknown GGUF version %u, expected 2 or 3", version);
	p->m->version = version;
	if ((ret = get_u64(p, &n_t, "tensor count")) || (ret = get_u64(p, &n_kv, "kv count")))
		return ret;
	if (n_kv > left(p) / MIN_KV)
		return bad(p, 16, "kv count %" PRIu64 " cannot fit in the %" PRIu64 " bytes left, expected at most %" PRIu64,
			   n_kv, left(p), left(p) / MIN_KV);
	if (n_t > (left(p) - n_kv * MIN_KV) / MIN_TI)
		return bad(p, 8, "tensor count %" PRIu64 " cannot fit in the %" PRIu64 " bytes left after %" PRIu64 " kvs, expected at most %" PRIu64,
			   n_t, left(p), n_kv, (left(p) - n_kv * MIN_KV) / MIN_TI);
	if ((ret = read_kvs(p, n_kv)) || (ret = check_keys(p)) || (ret = general(p)) ||
	    (ret = read_tensors(p, n_t)) || (ret = place_tensors(p)) || (ret = fill_hparams(p)))
		return ret;
	/* a shard of a split model (llama.cpp's gguf-split: "split.count", u16; its
	 * general.split_count spelling is accepted too) */
	if ((ret = hp_get(p, "split.count", &p->m->split_count)) ||
	    (!p->m->split_count && (ret = hp_get(p, "general.split_count", &p->m->split_count))) ||
	    (ret = hp_get(p, "split.no", &p->m->split_no)))
		return ret;
	return 0;
}

static int run(struct parse *p, struct sr_model *m)
{
	int ret;

	memset(m, 0, sizeof(*m));
	p->m = m;
	ret = parse(p);
	free(p->kv_at);
	free(p->t_at);
	if (ret)
		sr_model_free(m);
	return ret;
}

int sr_gguf_parse(const void *buf, size_t len, const char *name, struct sr_model *m,
		  struct sr_err *e)
{
	struct parse p = { .name = name ? name : "gguf", .fd = -1, .mem = buf, .size = len, .e = e };

	return run(&p, m);
}

int sr_gguf_read_file(const char *path, struct sr_model *m, struct sr_err *e)
{
	struct parse p = { .name = path, .e = e };
	struct stat st;
	int ret;

	memset(m, 0, sizeof(*m));
	p.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (p.fd < 0)
		return errno == ENOENT || errno == EACCES || errno == ENOTDIR
			       ? sr_inputf(e, "%s: %s, expected a readable GGUF file", path, strerror(errno))
			       : sr_errf(e, -errno, "%s: open: %s", path, strerror(errno));
	if (fstat(p.fd, &st) < 0) {
		ret = sr_errf(e, -errno, "%s: stat: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = sr_inputf(e, "%s: not a regular file, expected a GGUF file", path);
		goto out;
	}
	p.size = (uint64_t)st.st_size;
	if (!(p.buf = malloc(RD_BUF))) {
		ret = sr_errf(e, -ENOMEM, "%s: out of memory", path);
		goto out;
	}
	ret = run(&p, m);
out:
	free(p.buf);
	close(p.fd);
	return ret;
}
