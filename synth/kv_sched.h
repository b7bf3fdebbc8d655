/* The KV schedules' hooks into synth/schedule.c: option checks, the
 * offloaded region's placement, and the prefix-cache tier source. */
#ifndef SR_KV_SCHED_H
#define SR_KV_SCHED_H

#include "synth/kv.h"
#include "synth/schedule.h"

/* Bad input among the KV options of o (--kv-offload, --kv-block,
 * --kv-only, --kv-cache-tier and their combinations). */
int sr_kv_check_opts(const struct sr_synth_opts *o, struct sr_err *e);
/* Place the offloaded KV of o over m (krow/vrow from sr_kv_geom, model_end
 * the end of its tensors): at o->kv_off, else 0 with kv_only, else after
 * the model on a 4 KiB boundary. Bad input when the region overflows. */
int sr_kv_offload_layout(const struct sr_model *m, const struct sr_synth_opts *o, uint64_t model_end,
			 uint64_t krow, uint64_t vrow, uint32_t n_layer, struct sr_kv_layout *l, struct sr_err *e);

/* The prefix-cache tier as a source (synth/kv_tier.c). */
int sr_kv_tier_open(const struct sr_model *m, const struct sr_synth_opts *o, struct sr_source **out,
		    struct sr_err *e);
struct sr_kv_tier_stats {
	uint64_t requests, tokens;      /* requests and prompt tokens */
	uint64_t chunks, hits;          /* chunk lookups, and hits among them */
	uint64_t read_bytes, write_bytes;
	uint64_t object_bytes, slots;   /* one chunk object; objects the capacity holds */
};
/* Counters of a tier source so far (after its last record: the whole run). */
void sr_kv_tier_stats(const struct sr_source *src, struct sr_kv_tier_stats *st);

#endif
