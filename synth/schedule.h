/* Synthetic per-token schedules: what llama.cpp (or an offloading framework)
 * reads for a model, in execution order over the model's real file layout.
 * A schedule is a struct sr_source, so replay, analyze, convert and
 * simulate consume it like any trace. */
#ifndef SR_SCHEDULE_H
#define SR_SCHEDULE_H

#include "synth/kv.h"
#include "synth/model.h"
#include "base/source.h"

enum sr_routing_kind { SR_ROUTE_UNIFORM, SR_ROUTE_ZIPF, SR_ROUTE_TEMPORAL, SR_ROUTE_LOG };

struct sr_routing {
	enum sr_routing_kind kind;
	double zipf_s;       /* zipf:S */
	double temporal_p;   /* temporal:P, probability an expert of the previous token is reused */
	const char *log;     /* log:FILE, CSV token,layer,e1 e2 ... */
	int given;           /* set by sr_routing_parse: the user chose (else a model's overlap may pick temporal) */
};

enum sr_access_kind { SR_ACCESS_TENSOR, SR_ACCESS_PAGE };

#define SR_SYNTH_MAX_THREADS 1024

struct sr_synth_opts {
	uint64_t tokens;        /* decode tokens (default 16) */
	uint64_t prefill;       /* prompt tokens processed as one batch first (0: none) */
	enum sr_access_kind access;
	uint64_t page;          /* SR_ACCESS_PAGE: page size (4096 default) */
	uint32_t threads;       /* SR_ACCESS_PAGE: threads faulting a weight matrix's row
				 * chunks concurrently (1: one ordered stream, the default) */
	struct sr_routing routing;
	uint64_t seed;
	double gflops;          /* compute model: >0 annotates t_ns with compute time (2*params-touched/gflops) */
	double ns_per_byte;     /* alternative compute model, ns per weight byte touched */
	uint64_t kv_ctx;        /* --kv ctx=N: KV cache reads per layer per token, 0 = off */
	int kv_write;           /* also write the new KV entries (needs --allow-write at replay) */
	uint64_t kv_off;        /* where the KV region starts on the target (default: after the model,
				 * 0 with kv_only) */
	enum sr_kv_type kv_type; /* --kv-type: cache element type (F16 default) */
	/* --kv-offload prompt=P,gen=G[,batch=B]: the whole KV on the target;
	 * a prefill batch of P*B tokens writes the prompts' KV, then G decode
	 * steps of B tokens each write one position per sequence and read all
	 * P+t before it (synth/kv.h for the layout). 0: off. */
	uint64_t kv_prompt, kv_gen, kv_batch;
	uint64_t kv_block;      /* --kv-block T: paged layout, T positions a block (0: contiguous) */
	int kv_only;            /* --kv-only: the KV traffic alone, no weights */
	struct sr_kv_tier_opts tier; /* --kv-cache-tier (synth/kv_tier.c) */
};
void sr_synth_opts_default(struct sr_synth_opts *o);

/* Stream the schedule as records: off/len are file byte ranges, tag is
 * sr_tag_make(tensor, expert), flags SR_RF_*, t_ns the cumulative compute
 * time when a compute model is set (else SR_T_NONE). m must outlive the
 * source. Same model + opts (seed) => identical records, whatever the batch
 * size. KV-cache records (--kv, --kv-offload, --kv-cache-tier) are SR_RF_KV
 * with a KV tag (sr_kv_tag: layer, sequence, K or V): they lie outside every
 * tensor, after the model (from 0 with kv_only or the tier). Execution order per architecture
 * and the models behind each option: synth/schedule.c. */
int sr_synth_open(const struct sr_model *m, const struct sr_synth_opts *o,
		  struct sr_source **out, struct sr_err *e);

/* Parse "--routing uniform|zipf:S|temporal:P|log:FILE" into r. */
int sr_routing_parse(const char *arg, struct sr_routing *r, struct sr_err *e);

/* Label a captured trace with m's tensors (--gguf): the tag of a read or
 * write names the tensor its first byte falls in, and the expert for an
 * expert tensor (sr_tag_make); SR_TAG_NONE outside every tensor (the GGUF
 * header, padding). Other records get SR_TAG_NONE. */
uint32_t sr_label_tag(const struct sr_model *m, uint64_t off);
/* [off, off + len) cut where m's tensors and expert slices change (bytes
 * outside every tensor: SR_TAG_NONE): up to max (tag, bytes) pieces, the
 * last taking whatever remains; returns how many. m is a struct sr_model
 * (void for replay's tag_split callback). */
uint32_t sr_label_split(const void *m, uint64_t off, uint64_t len, uint32_t *tags, uint64_t *bytes,
			uint32_t max);
/* Wrap *src so its records come out labelled. m must outlive the source;
 * with own set the source frees it (sr_model_free, then free). On failure
 * *src is left as it was. */
int sr_label_wrap(struct sr_source **src, const struct sr_model *m, int own, struct sr_err *e);

#endif
