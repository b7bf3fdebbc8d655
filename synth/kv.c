/* KV-cache geometry and the offloaded KV layout (synth/kv.h). */
#include "synth/kv.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const names[] = { [SR_KV_F16] = "f16", [SR_KV_Q8_0] = "q8_0", [SR_KV_F32] = "f32" };

int sr_kv_type_parse(const char *s, enum sr_kv_type *t)
{
	unsigned i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(s, names[i])) {
			*t = (enum sr_kv_type)i;
			return 0;
		}
	return -EINVAL;
}

const char *sr_kv_type_name(enum sr_kv_type t)
{
	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

/* "<arch>.suffix" as an unsigned integer, or def. */
static uint64_t arch_u64(const struct sr_model *m, const char *suffix, uint64_t def)
{
	const struct sr_kv *kv;
	char key[128];

	if (!m->arch)
		return def;
	snprintf(key, sizeof(key), "%s.%s", m->arch, suffix);
	kv = sr_model_kv(m, key);
	if (!kv)
		return def;
	switch (kv->type) {
	case SR_GGUF_U8: case SR_GGUF_U16: case SR_GGUF_U32: case SR_GGUF_U64:
		return kv->v.u64;
	case SR_GGUF_I8: case SR_GGUF_I16: case SR_GGUF_I32: case SR_GGUF_I64:
		return kv->v.i64 > 0 ? (uint64_t)kv->v.i64 : def;
	}
	return def;
}

/* Bytes of n cache elements of type t; 0 when n is not a whole number of blocks. */
static uint64_t row_bytes(enum sr_kv_type t, uint64_t n)
{
	static const char *const ggml[] = { [SR_KV_F16] = "F16", [SR_KV_Q8_0] = "Q8_0", [SR_KV_F32] = "F32" };

	return sr_ggml_row_bytes(sr_ggml_type_by_name(ggml[t]), n);
}

/* llama.cpp's set_swa_pattern(n) per arch (load_hparams), where the GGUF
 * carries only the window. */
static uint32_t arch_swa_pattern(const char *arch)
{
	static const struct {
		const char *arch;
		uint32_t n;
	} t[] = { { "gpt-oss", 2 }, { "gemma2", 2 }, { "gemma3", 6 }, { "cohere2", 4 } };

	for (size_t i = 0; arch && i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(arch, t[i].arch))
			return t[i].n;
	return 0;
}

static void swa(const struct sr_model *m, struct sr_kv_geom *g)
{
	uint64_t w = arch_u64(m, "attention.sliding_window", 0);
	uint64_t n = arch_u64(m, "attention.sliding_window_pattern", arch_swa_pattern(m->arch));

	if (w && n && n <= UINT32_MAX) {
		g->swa = w;
		g->swa_pattern = (uint32_t)n;
	}
}

uint64_t sr_kv_seen(uint64_t swa, uint32_t swa_pattern, uint32_t layer)
{
	if (!swa || !swa_pattern || layer % swa_pattern == swa_pattern - 1)
		return UINT64_MAX;
	return swa - 1;
}

int sr_kv_geom(const struct sr_model *m, enum sr_kv_type t, const char *opt, struct sr_kv_geom *g,
	       struct sr_err *e)
{
	const struct sr_hparams *hp = &m->hp;
	const char *name = m->name ? m->name : "model";
	uint64_t lora = arch_u64(m, "attention.kv_lora_rank", 0), hk, hv, nkv, n;

	memset(g, 0, sizeof(*g));
	if (lora) {
		/* llama.cpp's deepseek2 default when the key is absent */
		n = lora + arch_u64(m, "rope.dimension_count", 64);
		g->mla = 1;
		swa(m, g);
		g->krow = row_bytes(t, n);
		if (!g->krow)
			return sr_inputf(e, "%s: %s: %llu latent values per position are not a whole number of %s blocks",
					 name, opt, (unsigned long long)n, sr_kv_type_name(t));
		return 0;
	}
	hk = arch_u64(m, "attention.key_length", hp->n_head ? hp->n_embd / hp->n_head : 0);
	hv = arch_u64(m, "attention.value_length", hk);
	nkv = hp->n_head_kv ? hp->n_head_kv : hp->n_head;
	if (!hk || !hv || !nkv)
		return sr_inputf(e, "%s: %s: the model gives no attention geometry (expected n_head or "
				 "<arch>.attention.head_count_kv and key_length, or kv_lora_rank for MLA)", name, opt);
	swa(m, g);
	g->krow = row_bytes(t, hk * nkv);
	g->vrow = row_bytes(t, hv * nkv);
	if (!g->krow || !g->vrow)
		return sr_inputf(e, "%s: %s: K/V rows of %llu/%llu values are not a whole number of %s blocks", name, opt,
				 (unsigned long long)(hk * nkv), (unsigned long long)(hv * nkv), sr_kv_type_name(t));
	return 0;
}

static uint64_t blocks(const struct sr_kv_layout *l)
{
	return (l->positions + l->block - 1) / l->block;
}

uint64_t sr_kv_layer_bytes(const struct sr_kv_layout *l)
{
	uint64_t pos = l->block ? blocks(l) * l->block : l->positions;

	return l->seqs * pos * (l->krow + l->vrow);
}

uint64_t sr_kv_region_bytes(const struct sr_kv_layout *l)
{
	return sr_kv_layer_bytes(l) * l->n_layer;
}

int sr_kv_range(const struct sr_kv_layout *l, uint32_t layer, uint64_t seq, int v, uint64_t p0, uint64_t p1,
		uint64_t piece, uint64_t *off, uint64_t *len)
{
	uint64_t row = v ? l->vrow : l->krow, base = l->base + (uint64_t)layer * sr_kv_layer_bytes(l);
	uint64_t j, lo, hi, nb;

	if (p0 >= p1 || !row)
		return 0;
	if (!l->block) {
		if (piece)
			return 0;
		base += seq * l->positions * (l->krow + l->vrow) + (v ? l->positions * l->krow : 0);
		*off = base + p0 * row;
		*len = (p1 - p0) * row;
		return 1;
	}
	j = p0 / l->block + piece;
	lo = j * l->block;
	if (lo >= p1)
		return 0;
	if (lo < p0)
		lo = p0;
	hi = (j + 1) * l->block < p1 ? (j + 1) * l->block : p1;
	nb = blocks(l) * l->seqs;
	if (v)
		base += nb * l->block * l->krow;
	*off = base + ((j * l->seqs + seq) * l->block + lo % l->block) * row;
	*len = (hi - lo) * row;
	return 1;
}

int sr_kv_offload_next(const struct sr_kv_layout *l, uint64_t prompt, int prefill, uint64_t step, uint32_t layer,
		       int write, int v, uint64_t *sub, uint64_t *off, uint64_t *len, uint32_t *tag)
{
	uint64_t per = l->block ? (l->positions + l->block - 1) / l->block : 1, p0, p1, seq, piece;

	if (prefill && !write)
		return 0; /* the prompt's attention runs in memory */
	p0 = write ? (prefill ? 0 : prompt + step) : 0;
	p1 = write ? (prefill ? prompt : prompt + step + 1) : prompt + step;
	if (!write && p1 > sr_kv_seen(l->swa, l->swa_pattern, layer))
		p0 = p1 - sr_kv_seen(l->swa, l->swa_pattern, layer);
	for (;;) {
		seq = *sub / per;
		piece = *sub % per;
		if (seq >= l->seqs)
			return 0;
		if (sr_kv_range(l, layer, seq, v, p0, p1, piece, off, len)) {
			++*sub;
			*tag = sr_kv_tag(layer, seq, v);
			return 1;
		}
		*sub = (seq + 1) * per; /* the next sequence */
	}
}

const char *sr_kv_tag_name(uint32_t tag, char *buf, size_t n)
{
	long layer = sr_kv_tag_layer(tag);
	uint64_t seq = sr_kv_tag_seq(tag);

	if (layer < 0)
		return NULL;
	if (seq)
		snprintf(buf, n, "kv.%ld.%c.s%llu", layer, sr_kv_tag_v(tag) ? 'v' : 'k', (unsigned long long)seq);
	else
		snprintf(buf, n, "kv.%ld.%c", layer, sr_kv_tag_v(tag) ? 'v' : 'k');
	return buf;
}
