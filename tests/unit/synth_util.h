/* Hand-built models for the schedule and routing tests: tensors laid out in
 * a writer's sorted-name file order (so execution order differs from file
 * order), F32 data, 32-byte alignment. Include after <cmocka.h>. */
#ifndef SR_TEST_SYNTH_UTIL_H
#define SR_TEST_SYNTH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth/model.h"

struct tspec {
	const char *name; /* "blk.%d.attn_q.weight" or a plain name */
	int kind;
	int is_bias;
	uint64_t ne0, ne1, ne2; /* ne2 = experts for expert tensors */
};

static inline int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct sr_tensor *)a)->name, ((const struct sr_tensor *)b)->name);
}

/* n_layer copies of the layer specs plus the global ones, sorted by name,
 * placed one after another. */
static inline void build_model(struct sr_model *m, const char *arch, int n_layer,
			       const struct tspec *glob, size_t ng, const struct tspec *lay, size_t nl,
			       uint32_t n_expert, uint32_t n_used)
{
	size_t cap = ng + nl * (size_t)n_layer, n = 0, i;
	uint64_t off;
	int l;

	memset(m, 0, sizeof(*m));
	m->name = strdup("test-model");
	m->arch = strdup(arch);
	m->version = 3;
	m->alignment = 32;
	m->data_off = 4096;
	m->tensors = calloc(cap, sizeof(*m->tensors));
	assert_non_null(m->tensors);
	for (i = 0; i < ng; i++, n++) {
		struct sr_tensor *t = &m->tensors[n];

		t->name = strdup(glob[i].name);
		t->layer = -1;
		t->kind = (uint8_t)glob[i].kind;
		t->ne[0] = glob[i].ne0;
		t->ne[1] = glob[i].ne1 ? glob[i].ne1 : 1;
		t->ne[2] = t->ne[3] = 1;
		t->n_dims = glob[i].ne1 ? 2 : 1;
	}
	for (l = 0; l < n_layer; l++)
		for (i = 0; i < nl; i++, n++) {
			struct sr_tensor *t = &m->tensors[n];
			char buf[128];

			snprintf(buf, sizeof(buf), lay[i].name, l);
			t->name = strdup(buf);
			t->layer = l;
			t->kind = (uint8_t)lay[i].kind;
			t->is_bias = (uint8_t)lay[i].is_bias;
			t->ne[0] = lay[i].ne0;
			t->ne[1] = lay[i].ne1 ? lay[i].ne1 : 1;
			t->ne[2] = lay[i].ne2 ? lay[i].ne2 : 1;
			t->ne[3] = 1;
			t->n_dims = lay[i].ne2 ? 3 : lay[i].ne1 ? 2 : 1;
		}
	qsort(m->tensors, n, sizeof(*m->tensors), cmp_name);
	off = m->data_off;
	for (i = 0; i < n; i++) {
		struct sr_tensor *t = &m->tensors[i];

		t->bytes = 4 * t->ne[0] * t->ne[1] * t->ne[2];
		t->off = off;
		off = (off + t->bytes + 31) & ~31ull;
		if (t->kind == SR_TK_FFN_GATE_EXPS || t->kind == SR_TK_FFN_UP_EXPS ||
		    t->kind == SR_TK_FFN_DOWN_EXPS) {
			if (!t->is_bias) {
				t->n_expert = (uint32_t)t->ne[2];
				t->expert_bytes = t->bytes / t->ne[2];
			}
		}
	}
	m->n_tensors = n;
	m->file_size = off;
	m->hp.n_layer = (uint32_t)n_layer;
	m->hp.n_embd = 64;
	m->hp.n_head = 4;
	m->hp.n_head_kv = 2;
	m->hp.n_vocab = 100;
	m->hp.n_expert = n_expert;
	m->hp.n_expert_used = n_used;
}

static inline void free_model(struct sr_model *m)
{
	sr_model_free(m);
}

/* The 3 non-layer tensors of both tiny models: n_embd 64, vocab 100. */
static inline const struct tspec *tiny_glob(void)
{
	static const struct tspec glob[] = {
		{ "token_embd.weight", SR_TK_TOKEN_EMBD, 0, 64, 100, 0 },
		{ "output_norm.weight", SR_TK_OUTPUT_NORM, 0, 64, 0, 0 },
		{ "output.weight", SR_TK_OUTPUT, 0, 64, 100, 0 },
	};

	return glob;
}

/* llama: 2 layers, n_embd 64, n_ff 96, vocab 100 */
static inline void tiny_llama(struct sr_model *m, int n_layer)
{
	static const struct tspec lay[] = {
		{ "blk.%d.attn_norm.weight", SR_TK_ATTN_NORM, 0, 64, 0, 0 },
		{ "blk.%d.attn_q.weight", SR_TK_ATTN_Q, 0, 64, 64, 0 },
		{ "blk.%d.attn_k.weight", SR_TK_ATTN_K, 0, 64, 32, 0 },
		{ "blk.%d.attn_v.weight", SR_TK_ATTN_V, 0, 64, 32, 0 },
		{ "blk.%d.attn_output.weight", SR_TK_ATTN_OUT, 0, 64, 64, 0 },
		{ "blk.%d.ffn_norm.weight", SR_TK_FFN_NORM, 0, 64, 0, 0 },
		{ "blk.%d.ffn_gate.weight", SR_TK_FFN_GATE, 0, 64, 96, 0 },
		{ "blk.%d.ffn_up.weight", SR_TK_FFN_UP, 0, 64, 96, 0 },
		{ "blk.%d.ffn_down.weight", SR_TK_FFN_DOWN, 0, 96, 64, 0 },
	};

	build_model(m, "llama", n_layer, tiny_glob(), 3, lay, sizeof(lay) / sizeof(lay[0]), 0, 0);
}

/* mixtral-like: 8 experts, top-k used, expert FFN 32 */
static inline void tiny_moe(struct sr_model *m, int n_layer, uint32_t n_expert, uint32_t used)
{
	struct tspec lay[] = {
		{ "blk.%d.attn_norm.weight", SR_TK_ATTN_NORM, 0, 64, 0, 0 },
		{ "blk.%d.attn_q.weight", SR_TK_ATTN_Q, 0, 64, 64, 0 },
		{ "blk.%d.attn_k.weight", SR_TK_ATTN_K, 0, 64, 32, 0 },
		{ "blk.%d.attn_v.weight", SR_TK_ATTN_V, 0, 64, 32, 0 },
		{ "blk.%d.attn_output.weight", SR_TK_ATTN_OUT, 0, 64, 64, 0 },
		{ "blk.%d.ffn_norm.weight", SR_TK_FFN_NORM, 0, 64, 0, 0 },
		{ "blk.%d.ffn_gate_inp.weight", SR_TK_FFN_GATE_INP, 0, 64, n_expert, 0 },
		{ "blk.%d.ffn_gate_exps.weight", SR_TK_FFN_GATE_EXPS, 0, 64, 32, n_expert },
		{ "blk.%d.ffn_up_exps.weight", SR_TK_FFN_UP_EXPS, 0, 64, 32, n_expert },
		{ "blk.%d.ffn_down_exps.weight", SR_TK_FFN_DOWN_EXPS, 0, 32, 64, n_expert },
	};

	build_model(m, "llama", n_layer, tiny_glob(), 3, lay, sizeof(lay) / sizeof(lay[0]), n_expert, used);
}

#endif
