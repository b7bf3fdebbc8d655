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

#endif
