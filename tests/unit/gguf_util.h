/* Building GGUF models and raw GGUF bytes in tests: a model through the
 * sr_model API (then sr_gguf_layout), and hand-assembled bytes that follow
 * ggml's docs/gguf.md independently of synth/gguf_write.c. */
#ifndef SR_TEST_GGUF_UTIL_H
#define SR_TEST_GGUF_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth/gguf.h"

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

static struct sr_kv *kv_add(struct sr_model *m, const char *key, uint32_t type)
{
	struct sr_kv *kv;

	m->kvs = xrealloc(m->kvs, (m->n_kvs + 1) * sizeof(*m->kvs));
	kv = &m->kvs[m->n_kvs++];
	memset(kv, 0, sizeof(*kv));
	kv->key = strdup(key);
	kv->type = type;
	kv->n = 1;
	return kv;
}

static void kv_uint(struct sr_model *m, const char *key, uint32_t type, uint64_t v)
{
	kv_add(m, key, type)->v.u64 = v;
}

static void kv_int(struct sr_model *m, const char *key, uint32_t type, int64_t v)
{
	kv_add(m, key, type)->v.i64 = v;
}

static void kv_float(struct sr_model *m, const char *key, uint32_t type, double v)
{
	kv_add(m, key, type)->v.f64 = v;
}

static void kv_str(struct sr_model *m, const char *key, const char *s)
{
	kv_add(m, key, SR_GGUF_STRING)->str = strdup(s);
}

/* An array of n elements of es bytes each, element i's bytes from gen. */
static void kv_arr(struct sr_model *m, const char *key, uint32_t arr_type, uint64_t n,
		   unsigned es, const void *data)
{
	struct sr_kv *kv = kv_add(m, key, SR_GGUF_ARRAY);

	kv->arr_type = arr_type;
	kv->n = n;
	kv->data = xrealloc(NULL, n * es);
	memcpy(kv->data, data, n * es);
}

/* n strings "<prefix><i>" (i = 0..n-1). */
static void kv_strs(struct sr_model *m, const char *key, uint64_t n, const char *prefix)
{
	struct sr_kv *kv = kv_add(m, key, SR_GGUF_ARRAY);
	char buf[64];
	uint64_t i;

	kv->arr_type = SR_GGUF_STRING;
	kv->n = n;
	kv->strs = xrealloc(NULL, n * sizeof(char *));
	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%s%llu", prefix, (unsigned long long)i);
		kv->strs[i] = strdup(buf);
	}
}

static struct sr_tensor *t_add(struct sr_model *m, const char *name, uint32_t type,
			       uint32_t n_dims, uint64_t ne0, uint64_t ne1, uint64_t ne2)
{
	struct sr_tensor *t;

	m->tensors = xrealloc(m->tensors, (m->n_tensors + 1) * sizeof(*m->tensors));
	t = &m->tensors[m->n_tensors++];
	memset(t, 0, sizeof(*t));
	t->name = strdup(name);
	t->type = type;
	t->n_dims = n_dims;
	t->ne[0] = ne0;
	t->ne[1] = ne1;
	t->ne[2] = ne2;
	t->ne[3] = 1;
	return t;
}

/* A small Mixtral-like model ("llama" with experts): every kv type as a
 * scalar and as an array, n_layer layers of attention and routed experts
 * in a mix of quant types, an expert bias, n_vocab tokens. */
static void build_model(struct sr_model *m, uint32_t n_layer, uint64_t n_vocab, uint32_t align)
{
	static const uint32_t scalars[] = { SR_GGUF_U8, SR_GGUF_I8, SR_GGUF_U16, SR_GGUF_I16,
					    SR_GGUF_U32, SR_GGUF_I32, SR_GGUF_F32, SR_GGUF_BOOL,
					    SR_GGUF_U64, SR_GGUF_I64, SR_GGUF_F64 };
	static const unsigned vsize[] = { 1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8 };
	const int32_t kv_heads[] = { 4, 4, 2, 2, 4, 4, 2, 2 };
	uint8_t raw[3 * 8];
	float *scores;
	char name[64];
	uint32_t l, i;
	uint64_t j;

	memset(m, 0, sizeof(*m));
	m->name = strdup("tiny-moe");
	m->arch = strdup("llama");
	m->version = 3;
	m->alignment = align;
	kv_str(m, "general.architecture", "llama");
	kv_str(m, "general.name", "tiny-moe");
	if (align != 32)
		kv_uint(m, "general.alignment", SR_GGUF_U32, align);
	kv_uint(m, "llama.block_count", SR_GGUF_U32, n_layer);
	kv_uint(m, "llama.context_length", SR_GGUF_U64, 4096);
	kv_uint(m, "llama.embedding_length", SR_GGUF_U32, 256);
	kv_int(m, "llama.feed_forward_length", SR_GGUF_I32, 512);
	kv_uint(m, "llama.attention.head_count", SR_GGUF_U32, 8);
	kv_arr(m, "llama.attention.head_count_kv", SR_GGUF_I32, n_layer < 8 ? n_layer : 8, 4, kv_heads);
	kv_uint(m, "llama.expert_count", SR_GGUF_U32, 4);
	kv_uint(m, "llama.expert_used_count", SR_GGUF_U32, 2);
	kv_uint(m, "llama.expert_feed_forward_length", SR_GGUF_U16, 128);
	kv_float(m, "llama.rope.freq_base", SR_GGUF_F32, 10000.5);
	kv_float(m, "llama.attention.layer_norm_rms_epsilon", SR_GGUF_F64, 1e-5);
	for (i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++) {
		uint32_t ty = scalars[i];

		snprintf(name, sizeof(name), "test.val.%u", ty);
		if (ty == SR_GGUF_F32 || ty == SR_GGUF_F64)
			kv_float(m, name, ty, -0.375 * (i + 1));
		else if (ty == SR_GGUF_I8 || ty == SR_GGUF_I16 || ty == SR_GGUF_I32 || ty == SR_GGUF_I64)
			kv_int(m, name, ty, -(int64_t)(3 + i));
		else if (ty == SR_GGUF_BOOL)
			kv_uint(m, name, ty, 1);
		else
			kv_uint(m, name, ty, ((uint64_t)1 << (vsize[ty] * 8 - 1)) + i);
		snprintf(name, sizeof(name), "test.arr.%u", ty);
		for (j = 0; j < sizeof(raw); j++)
			raw[j] = (uint8_t)(j * 37 + ty);
		if (ty == SR_GGUF_BOOL)
			raw[0] = 1, raw[1] = 0, raw[2] = 1;
		if (ty == SR_GGUF_F32 || ty == SR_GGUF_F64)
			memset(raw, 0x3f, sizeof(raw));
		kv_arr(m, name, ty, 3, vsize[ty], raw);
	}
	kv_str(m, "test.empty_string", "");
	kv_arr(m, "test.empty_array", SR_GGUF_U8, 0, 1, raw);
	kv_strs(m, "tokenizer.ggml.tokens", n_vocab, "tok");
	scores = xrealloc(NULL, n_vocab * sizeof(float));
	for (j = 0; j < n_vocab; j++)
		scores[j] = -(float)j / 4;
	kv_arr(m, "tokenizer.ggml.scores", SR_GGUF_F32, n_vocab, 4, scores);
	free(scores);

	t_add(m, "token_embd.weight", 2, 2, 256, n_vocab, 1);          /* Q4_0 */
	for (l = 0; l < n_layer; l++) {
#define T(base, ...) (snprintf(name, sizeof(name), "blk.%u." base, l), t_add(m, name, __VA_ARGS__))
		T("attn_norm.weight", 0, 1, 256, 1, 1);                 /* F32 */
		T("attn_q.weight", 12, 2, 256, 256, 1);                 /* Q4_K */
		T("attn_k.weight", 14, 2, 256, 128, 1);                 /* Q6_K */
		T("attn_v.weight", 8, 2, 256, 128, 1);                  /* Q8_0 */
		T("attn_output.weight", 30, 2, 256, 256, 1);            /* BF16 */
		T("ffn_norm.weight", 0, 1, 256, 1, 1);
		T("ffn_gate_inp.weight", 1, 2, 256, 4, 1);              /* F16 */
		T("ffn_gate_exps.weight", 39, 3, 256, 128, 4);          /* MXFP4 */
		T("ffn_up_exps.weight", 23, 3, 256, 128, 4);            /* IQ4_XS */
		T("ffn_down_exps.weight", 8, 3, 128, 256, 4);           /* Q8_0 */
		T("ffn_down_exps.bias", 0, 2, 256, 4, 1);               /* F32 */
#undef T
	}
	t_add(m, "output_norm.weight", 0, 1, 256, 1, 1);
	t_add(m, "output.weight", 14, 2, 256, n_vocab, 1);             /* Q6_K */
}

/* Raw little-endian GGUF bytes. */
struct rb {
	uint8_t *p;
	size_t len;
};

static void rb_put(struct rb *b, const void *s, size_t n)
{
	b->p = xrealloc(b->p, b->len + n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void rb_le(struct rb *b, uint64_t v, unsigned n)
{
	uint8_t x[8];
	unsigned i;

	for (i = 0; i < n; i++)
		x[i] = (uint8_t)(v >> (8 * i));
	rb_put(b, x, n);
}

static void rb_str(struct rb *b, const char *s)
{
	rb_le(b, strlen(s), 8);
	rb_put(b, s, strlen(s));
}

static void rb_head(struct rb *b, uint32_t version, uint64_t n_t, uint64_t n_kv)
{
	rb_put(b, "GGUF", 4);
	rb_le(b, version, 4);
	rb_le(b, n_t, 8);
	rb_le(b, n_kv, 8);
}

static void rb_kv_u32(struct rb *b, const char *key, uint32_t v)
{
	rb_str(b, key);
	rb_le(b, SR_GGUF_U32, 4);
	rb_le(b, v, 4);
}

static void rb_kv_str(struct rb *b, const char *key, const char *v)
{
	rb_str(b, key);
	rb_le(b, SR_GGUF_STRING, 4);
	rb_str(b, v);
}

static void rb_tensor(struct rb *b, const char *name, uint32_t n_dims, const uint64_t *ne,
		      uint32_t type, uint64_t off)
{
	uint32_t d;

	rb_str(b, name);
	rb_le(b, n_dims, 4);
	for (d = 0; d < n_dims; d++)
		rb_le(b, ne[d], 8);
	rb_le(b, type, 4);
	rb_le(b, off, 8);
}

static void rb_zeros(struct rb *b, size_t n)
{
	b->p = xrealloc(b->p, b->len + n);
	memset(b->p + b->len, 0, n);
	b->len += n;
}

static void rb_pad(struct rb *b, size_t align)
{
	rb_zeros(b, (align - b->len % align) % align);
}

#endif
