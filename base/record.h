/* The access record: the one type every stage passes, from trace readers and
 * synthetic schedules through shaping to the engines. */
#ifndef SR_RECORD_H
#define SR_RECORD_H

#include <stdint.h>

enum sr_op {
	SR_OP_READ = 0,
	SR_OP_WRITE = 1,
	SR_OP_TRIM = 2,
	SR_OP_SYNC = 3,
	SR_OP_NR
};

#define SR_T_NONE UINT64_MAX /* record carries no timestamp */

struct sr_rec {
	uint64_t off;    /* byte offset on the target */
	uint64_t len;    /* bytes */
	uint64_t t_ns;   /* time since trace start, or SR_T_NONE */
	uint64_t seq;    /* line number (text formats) or record index: for error messages */
	uint32_t target; /* index into the replay's targets */
	uint32_t tag;    /* layer/tensor/expert id for synth, pid for captures */
	uint8_t op;      /* enum sr_op */
	uint8_t flags;   /* SR_RF_* */
};

/* Record flags, set by synthetic schedules (synth/schedule.h). */
#define SR_RF_TOKEN 0x01   /* first access of a token (decode) or of a batch (prefill) */
#define SR_RF_PREFILL 0x02 /* part of a prefill batch */
#define SR_RF_KV 0x04      /* KV-cache traffic, not weights */

const char *sr_op_name(int op); /* "read", "write", "trim", "sync" */

/* A byte range [off, off + len) of a file or target. */
struct sr_span {
	uint64_t off, len;
};

/* Tags carried on records (sr_rec.tag) produced from a model (synth/model.h): the tensor
 * index, and for expert slices the expert id. Captures use pid instead. */
#define SR_TAG_TENSOR_BITS 20
#define SR_TAG_NONE 0u
static inline uint32_t sr_tag_make(uint32_t tensor, int expert)
{
	return (tensor + 1) | ((uint32_t)(expert + 1) << SR_TAG_TENSOR_BITS);
}
static inline long sr_tag_tensor(uint32_t tag) /* -1 when untagged */
{
	return (long)(tag & ((1u << SR_TAG_TENSOR_BITS) - 1)) - 1;
}
static inline int sr_tag_expert(uint32_t tag) /* -1 when not an expert slice */
{
	return (int)(tag >> SR_TAG_TENSOR_BITS) - 1;
}

/* Tags of SR_RF_KV records: the top bit set, apart from tensor tags
 * (sr_tag_make, whose expert field would need 2047 experts to reach it),
 * then the layer, K or V, and the sequence. Named kv.L.k / kv.L.v (with
 * .sS for sequence S > 0) by sr_tag_name. */
#define SR_KV_TAG_BIT 0x80000000u
#define SR_KV_TAG_LAYER_BITS 12
#define SR_KV_MAX_LAYERS ((1u << SR_KV_TAG_LAYER_BITS) - 1)
#define SR_KV_MAX_SEQS (1u << 18)
static inline uint32_t sr_kv_tag(uint32_t layer, uint64_t seq, int v)
{
	return SR_KV_TAG_BIT | (layer + 1) | ((uint32_t)!!v << SR_KV_TAG_LAYER_BITS) |
	       ((uint32_t)seq << (SR_KV_TAG_LAYER_BITS + 1));
}
static inline int sr_kv_tag_is(uint32_t tag)
{
	return !!(tag & SR_KV_TAG_BIT);
}
static inline long sr_kv_tag_layer(uint32_t tag) /* -1: not a KV tag */
{
	return sr_kv_tag_is(tag) ? (long)(tag & SR_KV_MAX_LAYERS) - 1 : -1;
}
static inline int sr_kv_tag_v(uint32_t tag)
{
	return (int)(tag >> SR_KV_TAG_LAYER_BITS) & 1;
}
static inline uint64_t sr_kv_tag_seq(uint32_t tag)
{
	return (tag & ~SR_KV_TAG_BIT) >> (SR_KV_TAG_LAYER_BITS + 1);
}

#endif
