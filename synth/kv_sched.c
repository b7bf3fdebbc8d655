/* Option checks and region placement of the KV schedules (synth/kv_sched.h). */
#include "synth/kv_sched.h"

#define MAX_POSITIONS (1ull << 24) /* per sequence, as --kv ctx=N */
#define MAX_BLOCK (1ull << 20)
#define MAX_CHUNK (1ull << 20)

static int check_offload(const struct sr_synth_opts *o, struct sr_err *e)
{
	if (o->kv_ctx)
		return sr_inputf(e, "synth: give --kv ctx=N or --kv-offload, not both");
	if (!o->kv_prompt || !o->kv_gen || !o->kv_batch)
		return sr_inputf(e, "synth: --kv-offload: expected prompt, gen and batch of at least 1");
	if (o->kv_prompt > MAX_POSITIONS || o->kv_gen > MAX_POSITIONS - o->kv_prompt)
		return sr_inputf(e, "synth: --kv-offload: prompt + gen = %llu + %llu: expected at most %llu positions",
				 (unsigned long long)o->kv_prompt, (unsigned long long)o->kv_gen, MAX_POSITIONS);
	if (o->kv_batch > SR_KV_MAX_SEQS)
		return sr_inputf(e, "synth: --kv-offload: batch = %llu: expected at most %u sequences",
				 (unsigned long long)o->kv_batch, SR_KV_MAX_SEQS);
	if (o->kv_prompt * o->kv_batch > (1ull << 32) || o->kv_gen * o->kv_batch > (1ull << 40))
		return sr_inputf(e, "synth: --kv-offload: prompt x batch up to 2^32 and gen x batch up to 2^40 tokens");
	return 0;
}

int sr_kv_check_opts(const struct sr_synth_opts *o, struct sr_err *e)
{
	int ret;

	if (o->kv_prompt || o->kv_gen || o->kv_batch) {
		ret = check_offload(o, e);
		if (ret)
			return ret;
	}
	if (o->kv_block && !o->kv_prompt)
		return sr_inputf(e, "synth: --kv-block goes with --kv-offload");
	if (o->kv_block > MAX_BLOCK)
		return sr_inputf(e, "synth: --kv-block: expected 1 to %llu positions, found %llu", MAX_BLOCK,
				 (unsigned long long)o->kv_block);
	if (o->kv_type != SR_KV_F16 && !o->kv_ctx && !o->kv_prompt && !o->tier.on)
		return sr_inputf(e, "synth: --kv-type goes with --kv ctx=N, --kv-offload or --kv-cache-tier");
	if (o->kv_only && !o->kv_ctx && !o->kv_prompt)
		return sr_inputf(e, "synth: --kv-only goes with --kv ctx=N or --kv-offload");
	if (!o->tier.on)
		return 0;
	if (o->kv_ctx || o->kv_prompt)
		return sr_inputf(e, "synth: --kv-cache-tier is a schedule of its own: not with --kv or --kv-offload");
	if (!o->tier.chunk || o->tier.chunk > MAX_CHUNK)
		return sr_inputf(e, "synth: --kv-chunk: expected 1 to %llu tokens, found %llu", MAX_CHUNK,
				 (unsigned long long)o->tier.chunk);
	if (!o->tier.capacity)
		return sr_inputf(e, "synth: --kv-cache-tier: expected --tier-capacity SIZE above 0");
	if (!o->tier.log && (!o->tier.sessions || !o->tier.turns || !o->tier.turn_tokens))
		return sr_inputf(e, "synth: --kv-cache-tier: expected --sessions, --turns and --turn-tokens of at least 1");
	if (o->tier.sessions > (1ull << 24) || o->tier.turns > (1ull << 24) || o->tier.shared > MAX_POSITIONS ||
	    o->tier.turn_tokens > MAX_POSITIONS || o->tier.turns * o->tier.turn_tokens > MAX_POSITIONS)
		return sr_inputf(e, "synth: --kv-cache-tier: sessions and turns up to 2^24, prompts up to %llu tokens",
				 MAX_POSITIONS);
	return 0;
}

int sr_kv_offload_layout(const struct sr_model *m, const struct sr_synth_opts *o, uint64_t model_end,
			 uint64_t krow, uint64_t vrow, uint32_t n_layer, struct sr_kv_layout *l, struct sr_err *e)
{
	uint64_t end = m->file_size > model_end ? m->file_size : model_end;
	unsigned __int128 total;

	if (!n_layer || n_layer > SR_KV_MAX_LAYERS)
		return sr_inputf(e, "%s: --kv-offload: %u layers, expected 1 to %u", m->name ? m->name : "model",
				 n_layer, SR_KV_MAX_LAYERS);
	*l = (struct sr_kv_layout){ .positions = o->kv_prompt + o->kv_gen, .seqs = o->kv_batch,
				    .block = o->kv_block, .krow = krow, .vrow = vrow, .n_layer = n_layer };
	l->base = o->kv_off ? o->kv_off : o->kv_only ? 0 : (end + 4095) & ~4095ull;
	total = (unsigned __int128)l->seqs * (l->positions + l->block) * (krow + vrow) * n_layer + l->base;
	if (total > (1ull << 62))
		return sr_inputf(e, "%s: --kv-offload: the KV region (%u layers x %llu sequences x %llu positions x %llu bytes) "
				 "does not fit below 2^62 bytes", m->name ? m->name : "model", n_layer,
				 (unsigned long long)l->seqs, (unsigned long long)l->positions,
				 (unsigned long long)(krow + vrow));
	return 0;
}
