/* Model helpers: freeing, lookups, and what a tensor is from its name.
 *
 * Tensor names are llama.cpp's (src/llama-arch.cpp LLM_TENSOR_NAMES, the same
 * for llama, mixtral = llama with experts, gpt-oss = LLM_ARCH_OPENAI_MOE and
 * deepseek2): "token_embd", "output_norm", "output", then per layer
 * "blk.%d.<base>" with ".weight" or ".bias" appended. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth/model.h"
#include "synth/kv.h"
#include "base/escape.h"

/* Indexed by enum sr_tkind; the GGUF base name of each kind. */
static const char *const kind_names[SR_TK_NR] = {
	[SR_TK_OTHER] = "other",
	[SR_TK_TOKEN_EMBD] = "token_embd",
	[SR_TK_OUTPUT_NORM] = "output_norm",
	[SR_TK_OUTPUT] = "output",
	[SR_TK_ATTN_NORM] = "attn_norm",
	[SR_TK_ATTN_Q] = "attn_q",
	[SR_TK_ATTN_K] = "attn_k",
	[SR_TK_ATTN_V] = "attn_v",
	[SR_TK_ATTN_QKV] = "attn_qkv",
	[SR_TK_ATTN_OUT] = "attn_output",
	[SR_TK_ATTN_SINKS] = "attn_sinks",
	[SR_TK_ATTN_Q_A] = "attn_q_a",
	[SR_TK_ATTN_Q_A_NORM] = "attn_q_a_norm",
	[SR_TK_ATTN_Q_B] = "attn_q_b",
	[SR_TK_ATTN_KV_A_MQA] = "attn_kv_a_mqa",
	[SR_TK_ATTN_KV_A_NORM] = "attn_kv_a_norm",
	[SR_TK_ATTN_KV_B] = "attn_kv_b",
	[SR_TK_FFN_NORM] = "ffn_norm",
	[SR_TK_FFN_GATE_INP] = "ffn_gate_inp",
	[SR_TK_EXP_PROBS_B] = "exp_probs_b",
	[SR_TK_FFN_GATE] = "ffn_gate",
	[SR_TK_FFN_UP] = "ffn_up",
	[SR_TK_FFN_DOWN] = "ffn_down",
	[SR_TK_FFN_GATE_EXPS] = "ffn_gate_exps",
	[SR_TK_FFN_UP_EXPS] = "ffn_up_exps",
	[SR_TK_FFN_DOWN_EXPS] = "ffn_down_exps",
	[SR_TK_FFN_GATE_SHEXP] = "ffn_gate_shexp",
	[SR_TK_FFN_UP_SHEXP] = "ffn_up_shexp",
	[SR_TK_FFN_DOWN_SHEXP] = "ffn_down_shexp",
	[SR_TK_ATTN_K_B] = "attn_k_b",
	[SR_TK_ATTN_V_B] = "attn_v_b",
	[SR_TK_ATTN_POST_NORM] = "post_attention_norm",
	[SR_TK_FFN_GATE_INP_SHEXP] = "ffn_gate_inp_shexp",
	[SR_TK_FFN_GATE_UP_EXPS] = "ffn_gate_up_exps",
};

const char *sr_tkind_name(enum sr_tkind k)
{
	if ((unsigned)k >= SR_TK_NR || !kind_names[k])
		return "other";
	return kind_names[k];
}

void sr_model_free(struct sr_model *m)
{
	size_t i;
	uint64_t j;

	if (!m)
		return;
	for (i = 0; i < m->n_tensors; i++)
		free(m->tensors[i].name);
	free(m->tensors);
	for (i = 0; i < m->n_kvs; i++) {
		struct sr_kv *kv = &m->kvs[i];

		free(kv->key);
		free(kv->str);
		free(kv->data);
		if (kv->strs)
			for (j = 0; j < kv->n; j++)
				free(kv->strs[j]);
		free(kv->strs);
	}
	free(m->kvs);
	for (i = 0; i < m->n_files; i++)
		free(m->files[i]);
	free(m->files);
	free(m->file_base);
	free(m->name);
	free(m->arch);
	memset(m, 0, sizeof(*m));
}

struct sr_span *sr_model_spans(const struct sr_model *m)
{
	struct sr_span *s = malloc((m->n_tensors + 1) * sizeof(*s));
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < m->n_tensors; i++) {
		s[i].off = m->tensors[i].off;
		s[i].len = m->tensors[i].bytes;
	}
	return s;
}

long sr_model_find(const struct sr_model *m, uint64_t off)
{
	size_t lo = 0, hi = m->n_tensors, mid;
	const struct sr_tensor *t;

	/* The last tensor starting at or before off, skipping back over
	 * zero-byte tensors (which may sit inside another's range). */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (m->tensors[mid].off <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo && !m->tensors[lo - 1].bytes)
		lo--;
	if (!lo)
		return -1;
	t = &m->tensors[lo - 1];
	return off - t->off < t->bytes ? (long)(lo - 1) : -1;
}

long sr_model_lookup(const struct sr_model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->n_tensors; i++)
		if (!strcmp(m->tensors[i].name, name))
			return (long)i;
	return -1;
}

const struct sr_kv *sr_model_kv(const struct sr_model *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->n_kvs; i++)
		if (!strcmp(m->kvs[i].key, key))
			return &m->kvs[i];
	return NULL;
}

/* "blk.N." → N (and *rest after it); -1 when the name has no layer. */
static int32_t parse_layer(const char *name, const char **rest)
{
	const char *p = name + 4;
	int64_t n = 0;

	*rest = name;
	if (strncmp(name, "blk.", 4) || *p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		n = n * 10 + (*p++ - '0');
		if (n > INT32_MAX)
			return -1;
	}
	if (*p != '.')
		return -1;
	*rest = p + 1;
	return (int32_t)n;
}

static enum sr_tkind kind_of(const char *base, size_t len)
{
	int k;

	for (k = 1; k < SR_TK_NR; k++)
		if (kind_names[k] && strlen(kind_names[k]) == len && !memcmp(kind_names[k], base, len))
			return (enum sr_tkind)k;
	return SR_TK_OTHER;
}

static int ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !memcmp(s + len - n, suffix, n);
}

int sr_tensor_classify(struct sr_tensor *t, struct sr_err *e)
{
	const struct sr_ggml_type *ty = sr_ggml_type(t->type);
	const char *name = t->name ? t->name : "";
	const char *base;
	uint64_t row, bytes, nel, last;
	size_t len;
	uint32_t d;
	int32_t layer;

	if (!ty)
		return sr_inputf(e, "tensor '%s': unknown ggml type %u, expected a type ggml defines",
				 name, t->type);
	if (t->n_dims < 1 || t->n_dims > SR_MAX_DIMS)
		return sr_inputf(e, "tensor '%s': %u dimensions, expected 1 to %d", name, t->n_dims,
				 SR_MAX_DIMS);
	for (d = t->n_dims; d < SR_MAX_DIMS; d++)
		if (t->ne[d] != 1)
			return sr_inputf(e, "tensor '%s': ne[%u] = %llu beyond n_dims %u, expected 1",
					 name, d, (unsigned long long)t->ne[d], t->n_dims);
	if (t->ne[0] % ty->block_elems)
		return sr_inputf(e, "tensor '%s': ne[0] = %llu, expected a multiple of the %s block (%u)",
				 name, (unsigned long long)t->ne[0], ty->name, ty->block_elems);
	row = sr_ggml_row_bytes(ty, t->ne[0]);
	bytes = row;
	nel = t->ne[0];
	for (d = 1; d < SR_MAX_DIMS; d++) {
		if (__builtin_mul_overflow(bytes, t->ne[d], &bytes))
			bytes = UINT64_MAX;
		if (__builtin_mul_overflow(nel, t->ne[d], &nel))
			nel = UINT64_MAX;
	}
	if (bytes > INT64_MAX || nel > INT64_MAX)
		return sr_inputf(e, "tensor '%s': %llu x %llu x %llu x %llu %s is beyond 2^63 elements or bytes, expected a real size",
				 name, (unsigned long long)t->ne[0], (unsigned long long)t->ne[1],
				 (unsigned long long)t->ne[2], (unsigned long long)t->ne[3], ty->name);
	t->bytes = bytes;

	layer = parse_layer(name, &base);
	t->layer = layer;
	len = strlen(base);
	t->is_bias = ends_with(base, len, ".bias");
	if (t->is_bias)
		len -= 5;
	else if (ends_with(base, len, ".weight"))
		len -= 7;
	t->kind = (uint8_t)kind_of(base, len);
	/* Layer kinds only count inside "blk.N.", the global ones only outside. */
	if ((layer < 0) != (t->kind == SR_TK_TOKEN_EMBD || t->kind == SR_TK_OUTPUT_NORM ||
			    t->kind == SR_TK_OUTPUT))
		t->kind = SR_TK_OTHER;

	t->n_expert = 0;
	t->expert_bytes = 0;
	last = t->ne[t->n_dims - 1];
	if (sr_tkind_is_experts(t->kind) && t->n_dims >= 2 && last && last <= UINT32_MAX) {
		t->n_expert = (uint32_t)last;
		t->expert_bytes = bytes / last;
	}
	return 0;
}

const char *sr_tag_name(const struct sr_model *m, uint32_t tag, char *buf, size_t n)
{
	long t = sr_tag_tensor(tag);
	int ex = sr_tag_expert(tag);

	if (sr_kv_tag_is(tag)) /* KV records (synth/kv.h) */
		return sr_kv_tag_name(tag, buf, n);
	if (!m || t < 0 || (size_t)t >= m->n_tensors)
		return NULL;
	/* labels go into reports, CSV and traces: a newline or ESC in a GGUF
	 * tensor name must not break a line or reach a terminal raw */
	sr_esc(buf, n, m->tensors[t].name);
	if (ex >= 0) {
		size_t l = strlen(buf);

		snprintf(buf + l, n - l, "[e%d]", ex);
	}
	return buf;
}

uint32_t sr_model_n_layers(const struct sr_model *m)
{
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < m->n_tensors; i++)
		if (m->tensors[i].layer >= 0 && (uint32_t)m->tensors[i].layer + 1 > n)
			n = (uint32_t)m->tensors[i].layer + 1;
	return n;
}
