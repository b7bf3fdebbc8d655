/* KV caches on the target: per-position bytes from a model's attention
 * geometry, the layout of an offloaded KV region (FlexGen/DeepSpeed style,
 * synth --kv-offload) and the tags KV records carry. One mechanism for
 * --kv ctx=N, --kv-offload and the prefix-cache tier (synth/kv_tier.c). */
#ifndef SR_KV_H
#define SR_KV_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "synth/model.h"

enum sr_kv_type { SR_KV_F16 = 0, SR_KV_Q8_0, SR_KV_F32 };

/* "f16", "q8_0", "f32" (case-insensitive); -EINVAL otherwise. */
int sr_kv_type_parse(const char *s, enum sr_kv_type *t);
const char *sr_kv_type_name(enum sr_kv_type t);

/* Bytes per position per layer: K and V rows. GQA/MHA: n_head_kv x
 * key_length (value_length) elements each; MLA (an
 * "<arch>.attention.kv_lora_rank" key): the latent and the rope part,
 * kv_lora_rank + rope.dimension_count elements, as K only (vrow 0), which
 * is what llama.cpp caches for deepseek2. */
struct sr_kv_geom {
	uint64_t krow, vrow;
	int mla;
	/* Sliding-window attention ("<arch>.attention.sliding_window" = W): a
	 * SWA layer's token sees only the W - 1 positions before it. Which
	 * layers: "<arch>.attention.sliding_window_pattern" (a number n) or
	 * llama.cpp's set_swa_pattern(n) for the arch (gpt-oss and gemma2 2,
	 * gemma3 6, cohere2 4): layer il is SWA when il % n < n - 1. An arch
	 * with a window but no known pattern is read as full attention. */
	uint64_t swa;
	uint32_t swa_pattern;
};
/* Positions before the current one that layer's attention reads: all
 * (UINT64_MAX) for a full-attention layer, W - 1 for a SWA layer. */
uint64_t sr_kv_seen(uint64_t swa, uint32_t swa_pattern, uint32_t layer);
/* Bad input (-EINVAL, "MODEL: OPT: ...") when the model gives no attention
 * geometry or a row is not a whole number of q8_0 blocks. */
int sr_kv_geom(const struct sr_model *m, enum sr_kv_type t, const char *opt, struct sr_kv_geom *g,
	       struct sr_err *e);

/* The offloaded KV region: B sequences of up to P+G positions per layer,
 * layers one after another from base. Contiguous (block 0): per layer, for each
 * sequence its K rows then its V rows, so a sequence's K of positions
 * [p0, p1) is one range. Paged (block T): per layer all K blocks then all V
 * blocks of T positions; sequence b's j-th block is physical block j x B + b
 * (the B sequences grow in lock-step, so the allocator hands out blocks in
 * turn), one range per block touched. */
struct sr_kv_layout {
	uint64_t base;
	uint64_t positions;  /* P + G per sequence */
	uint64_t seqs;       /* B */
	uint64_t block;      /* T, 0: contiguous */
	uint64_t krow, vrow;
	uint32_t n_layer;
	uint64_t swa;         /* sr_kv_geom's window and pattern: SWA layers read fewer positions */
	uint32_t swa_pattern;
};
/* Bytes of one layer's region, and of all layers. */
uint64_t sr_kv_layer_bytes(const struct sr_kv_layout *l);
uint64_t sr_kv_region_bytes(const struct sr_kv_layout *l);
/* The piece-th range of positions [p0, p1) of (layer, seq), K or V (v):
 * 1 with *off and *len set, 0 when there is no such piece. */
int sr_kv_range(const struct sr_kv_layout *l, uint32_t layer, uint64_t seq, int v, uint64_t p0, uint64_t p1,
		uint64_t piece, uint64_t *off, uint64_t *len);

/* Step sub of one KV item of the offload schedule (--kv-offload): write
 * or read, K or V (v), for every sequence. The prefill batch writes
 * positions [0, P) and reads nothing; decode step t writes position P+t
 * and reads [0, P+t) (a SWA layer only the last W - 1 of them). *sub counts the ranges given (start at 0); 1 with
 * *off, *len and *tag (sr_kv_tag) set, 0 when the item is done. */
int sr_kv_offload_next(const struct sr_kv_layout *l, uint64_t prompt, int prefill, uint64_t step, uint32_t layer,
		       int write, int v, uint64_t *sub, uint64_t *off, uint64_t *len, uint32_t *tag);

/* The prefix-cache tier (synth --kv-cache-tier, synth/kv_tier.c). */
struct sr_kv_tier_opts {
	int on;
	uint64_t chunk;       /* tokens per chunk object (256) */
	uint64_t sessions;    /* --sessions N (default 8) */
	uint64_t turns;       /* --turns T (default 4) */
	uint64_t shared;      /* --shared-prefix TOKENS, common to every session (default 0) */
	uint64_t turn_tokens; /* --turn-tokens N: tokens a turn adds to its session's prompt (default 512) */
	const char *log;      /* --requests FILE: "session,prompt_tokens" lines instead of the model above */
	uint64_t capacity;    /* --tier-capacity: bytes of chunk objects the tier holds */
};

/* KV record tags (sr_kv_tag, SR_KV_*) are in base/record.h. */
/* "kv.3.k", "kv.3.v.s2"; NULL when tag is no KV tag. */
const char *sr_kv_tag_name(uint32_t tag, char *buf, size_t n);

#endif
