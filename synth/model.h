/* A model's file layout: the tensors of a GGUF file (read from disk, or
 * derived from a profile in profiles/models/), with absolute byte ranges.
 * Everything in synth/ and policy/ works on this one type. */
#ifndef SR_MODEL_H
#define SR_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/record.h"

/* ggml tensor types (ggml.h enum ggml_type ids) and their block geometry. */
struct sr_ggml_type {
	uint32_t id;
	const char *name;     /* "Q4_K" */
	uint32_t block_elems; /* elements per block (1 for F32/F16/BF16) */
	uint32_t block_bytes; /* bytes per block */
};
/* NULL for ids ggml does not define (or that were removed). */
const struct sr_ggml_type *sr_ggml_type(uint32_t id);
/* Case-insensitive lookup by name ("q4_k", "F16"); NULL when unknown. */
const struct sr_ggml_type *sr_ggml_type_by_name(const char *name);
/* Bytes of a row of ne0 elements; 0 when ne0 is not a multiple of the block. */
uint64_t sr_ggml_row_bytes(const struct sr_ggml_type *t, uint64_t ne0);

#define SR_MAX_DIMS 4

/* What a tensor is, from its name: "blk.N.<kind>.weight" → kind. */
enum sr_tkind {
	SR_TK_OTHER = 0,
	SR_TK_TOKEN_EMBD, SR_TK_OUTPUT_NORM, SR_TK_OUTPUT,
	SR_TK_ATTN_NORM, SR_TK_ATTN_Q, SR_TK_ATTN_K, SR_TK_ATTN_V, SR_TK_ATTN_QKV, SR_TK_ATTN_OUT,
	SR_TK_ATTN_SINKS,
	/* DeepSeek MLA */
	SR_TK_ATTN_Q_A, SR_TK_ATTN_Q_A_NORM, SR_TK_ATTN_Q_B, SR_TK_ATTN_KV_A_MQA, SR_TK_ATTN_KV_A_NORM,
	SR_TK_ATTN_KV_B,
	SR_TK_FFN_NORM, SR_TK_FFN_GATE_INP, SR_TK_EXP_PROBS_B,
	SR_TK_FFN_GATE, SR_TK_FFN_UP, SR_TK_FFN_DOWN,                /* dense FFN */
	SR_TK_FFN_GATE_EXPS, SR_TK_FFN_UP_EXPS, SR_TK_FFN_DOWN_EXPS, /* routed experts, one tensor each */
	SR_TK_FFN_GATE_SHEXP, SR_TK_FFN_UP_SHEXP, SR_TK_FFN_DOWN_SHEXP, /* shared experts */
	/* Later additions (llama-arch.cpp names): DeepSeek's split attn_kv_b,
	 * gpt-oss's post-attention norm, the shared-expert gate, and experts
	 * with gate and up fused in one tensor. */
	SR_TK_ATTN_K_B, SR_TK_ATTN_V_B, SR_TK_ATTN_POST_NORM, SR_TK_FFN_GATE_INP_SHEXP,
	SR_TK_FFN_GATE_UP_EXPS,
	SR_TK_NR
};
const char *sr_tkind_name(enum sr_tkind k); /* "attn_q", "ffn_up_exps", "other" */
/* Routed-expert tensors (one tensor holding every expert). */
static inline int sr_tkind_is_experts(enum sr_tkind k)
{
	return k == SR_TK_FFN_GATE_EXPS || k == SR_TK_FFN_UP_EXPS || k == SR_TK_FFN_DOWN_EXPS ||
	       k == SR_TK_FFN_GATE_UP_EXPS;
}

struct sr_tensor {
	char *name;            /* "blk.3.ffn_up_exps.weight" */
	uint32_t type;         /* ggml type id */
	uint32_t n_dims;
	uint64_t ne[SR_MAX_DIMS]; /* ne[0] fastest; unused dims are 1 */
	uint64_t off;          /* absolute byte offset in the file (data_off + relative offset) */
	uint64_t bytes;
	int32_t layer;         /* N of "blk.N.", -1 for non-layer tensors */
	uint8_t kind;          /* enum sr_tkind */
	uint8_t is_bias;       /* name ends in ".bias" */
	uint32_t n_expert;     /* ne[2] of an expert tensor (kind *_EXPS), else 0; the expert
				* dimension is the last one, so ne[1] of a 2-D expert bias */
	uint32_t file;         /* shard of a split model (index into sr_model.files), else 0 */
	uint64_t expert_bytes; /* nb[2] = row bytes * ne[1]: expert e is [off + e*expert_bytes, +expert_bytes)
				* (nb[1] = row bytes for a 2-D expert bias) */
};

/* The hyperparameters schedules need (from GGUF "<arch>.*" keys or a profile). */
struct sr_hparams {
	uint32_t n_layer, n_embd, n_ff, n_head, n_head_kv, n_vocab;
	uint32_t n_expert, n_expert_used, n_ff_exp, n_expert_shared;
	uint32_t n_dense_lead; /* leading layers with a dense FFN (DeepSeek-V3: 3) */
	uint32_t n_ctx_train;
	/* Measured share of tokens whose top-k shares an expert with the
	 * previous token's at the same layer (profile [routing] overlap, e.g.
	 * Mixtral's 0.64); 0 unknown: the default routing stays uniform. */
	double routing_overlap;
};

/* One metadata key/value, kept so a model read from GGUF can be written back
 * byte for byte and so profiles can carry the keys llama.cpp needs to load. */
enum sr_gguf_vtype {
	SR_GGUF_U8 = 0, SR_GGUF_I8 = 1, SR_GGUF_U16 = 2, SR_GGUF_I16 = 3, SR_GGUF_U32 = 4,
	SR_GGUF_I32 = 5, SR_GGUF_F32 = 6, SR_GGUF_BOOL = 7, SR_GGUF_STRING = 8, SR_GGUF_ARRAY = 9,
	SR_GGUF_U64 = 10, SR_GGUF_I64 = 11, SR_GGUF_F64 = 12, SR_GGUF_NTYPES
};
struct sr_kv {
	char *key;
	uint32_t type;     /* enum sr_gguf_vtype */
	uint32_t arr_type; /* element type when type == SR_GGUF_ARRAY */
	uint64_t n;        /* array length (1 for scalars) */
	/* Scalars: the value in u64/i64/f64 (bool as u64). Strings: str (NUL
	 * terminated, len in n for arrays of strings see strs). Arrays of numbers:
	 * raw little-endian bytes in data (n * element size). Arrays of strings: strs.
	 * Strings are C strings: a GGUF string with a NUL inside is cut there
	 * (sr_gguf_write writes it cut, and refuses the model when the shorter
	 * header would move data_off). */
	union { uint64_t u64; int64_t i64; double f64; } v;
	char *str;
	void *data;
	char **strs;
};

struct sr_model {
	char *name;            /* profile name or GGUF general.name / file name */
	char *arch;            /* general.architecture: "llama", "gpt-oss", "deepseek2" */
	uint32_t version;      /* GGUF version (3 for profiles) */
	uint32_t alignment;    /* general.alignment, default 32 */
	uint64_t data_off;     /* start of the tensor data section */
	uint64_t file_size;    /* data_off + end of the last tensor, aligned */
	struct sr_hparams hp;
	struct sr_tensor *tensors; /* in file order (ascending off) */
	size_t n_tensors;
	struct sr_kv *kvs;
	size_t n_kvs;
	/* Split GGUF (MODEL-00001-of-00003.gguf, "split.count"/"split.no"): this
	 * file's split.no and split.count as read (0 when absent). A split model
	 * opened through sr_gguf_read is one model over the shards laid end to end
	 * (as `cat MODEL-*-of-*.gguf` would): n_files shards, files[i] its path,
	 * file_base[i] where it starts, so tensor t is at t.off (in that joined
	 * space) = file_base[t.file] + its offset within its own file. Not split:
	 * n_files 0, files and file_base NULL. */
	uint32_t split_no, split_count;
	uint32_t n_files;
	char **files;
	uint64_t *file_base;
};

void sr_model_free(struct sr_model *m); /* frees the contents, not m */
/* Index of the tensor containing byte off, or -1 (binary search; needs file order). */
long sr_model_find(const struct sr_model *m, uint64_t off);
/* 1 + the highest "blk.N." layer among the tensors (0 without layers). */
uint32_t sr_model_n_layers(const struct sr_model *m);
/* Index by exact name, or -1. */
long sr_model_lookup(const struct sr_model *m, const char *name);
/* The kv with this key, or NULL. */
const struct sr_kv *sr_model_kv(const struct sr_model *m, const char *key);
/* Fill layer/kind/is_bias/n_expert/expert_bytes/bytes from name, type and ne.
 * Bad input (unknown type, n_dims not 1-4, ne[0] not a multiple of the block,
 * a size beyond 2^63) fails with "tensor 'NAME': what, expected what". */
int sr_tensor_classify(struct sr_tensor *t, struct sr_err *e);
/* The tensors' byte ranges, in file order, for code that may not see this
 * type (trace/analyze.c): n_tensors spans, malloc'd, NULL when out of memory. */
struct sr_span *sr_model_spans(const struct sr_model *m);

/* Record tags (SR_TAG_*, sr_tag_make/tensor/expert, sr_kv_tag) are in base/record.h. */
/* "blk.3.ffn_up_exps.weight[e5]", "kv.3.k" for a KV tag (synth/kv.h), or NULL
 * when tag names no tensor of m. */
const char *sr_tag_name(const struct sr_model *m, uint32_t tag, char *buf, size_t n);

#endif
