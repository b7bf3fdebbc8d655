/* synth's KV-cache options (--kv-offload, --kv-cache-tier and theirs) and
 * the tier's hit-rate table (--tier-report): cli/cmd_synth_kv.c. */
#ifndef SR_CLI_SYNTH_KV_H
#define SR_CLI_SYNTH_KV_H

#include "cli/opts.h"
#include "synth/schedule.h"

#define SR_CLI_KV_MAX_CAPS 32

struct sr_cli_kv {
	uint64_t caps[SR_CLI_KV_MAX_CAPS]; /* --tier-capacity list */
	unsigned n_caps;
	int report;       /* --tier-report */
	int tier_opts;    /* a tier option was given */
};

/* Rows with keys base + 0..12, in this order (cmd_synth.c's enum), over an
 * options struct st with a struct sr_synth_opts so and a struct sr_cli_kv kv;
 * the tier's own options mark kv.tier_opts when given. */
#define SR_SYNTH_KV_SEEN(st) .seen_off = offsetof(st, kv.tier_opts)
#define SR_SYNTH_KV_OPTS(base, st)                                                                   \
	{ "kv-offload", (base), 1, "prompt=P,gen=G[,batch=B]", "", "offloaded KV (FlexGen/DeepSpeed): the KV of B sequences on the target; the prompts' KV is written, then each of G decode steps writes one position and reads all P+t before it, per layer and sequence", \
	  .parse = sr_cli_kv_row_offload, SR_OPT_FIELD(st, so) },                                    \
	{ SR_OPT_FLAG("kv-only", (base) + 1, "--kv / --kv-offload: the KV traffic alone, no weights (the KV region then starts at 0)", st, so.kv_only) }, \
	{ "kv-type", (base) + 2, 1, "f16|q8_0|f32", "f16", "KV cache element type (llama.cpp's --cache-type-k/v)", \
	  .parse = sr_cli_kv_row_type, SR_OPT_FIELD(st, so.kv_type) },                               \
	{ SR_OPT_UINT("kv-block", (base) + 3, "TOKENS", "", "--kv-offload: paged layout, one range per block of TOKENS positions (vLLM: 16); default one range per sequence", \
		      st, so.kv_block, 1, 1ull << 20) },                                             \
	{ SR_OPT_FLAG("kv-cache-tier", (base) + 4, "prefix-cache tier (LMCache/HiCache style): chunk objects read on hit, written on miss, LRU by --tier-capacity", st, so.tier.on) }, \
	{ SR_OPT_UINT("kv-chunk", (base) + 5, "TOKENS", "256", "--kv-cache-tier: tokens per chunk object", st, so.tier.chunk, 1, 1ull << 20), SR_SYNTH_KV_SEEN(st) }, \
	{ SR_OPT_UINT("sessions", (base) + 6, "N", "8", "--kv-cache-tier: conversations", st, so.tier.sessions, 1, 1ull << 24), SR_SYNTH_KV_SEEN(st) }, \
	{ SR_OPT_UINT("turns", (base) + 7, "T", "4", "--kv-cache-tier: turns per conversation", st, so.tier.turns, 1, 1ull << 24), SR_SYNTH_KV_SEEN(st) }, \
	{ SR_OPT_UINT("shared-prefix", (base) + 8, "TOKENS", "0", "--kv-cache-tier: prefix every session shares (a system prompt)", st, so.tier.shared, 0, 1ull << 24), SR_SYNTH_KV_SEEN(st) }, \
	{ SR_OPT_UINT("turn-tokens", (base) + 9, "N", "512", "--kv-cache-tier: tokens each turn adds to its session's prompt", st, so.tier.turn_tokens, 1, 1ull << 24), SR_SYNTH_KV_SEEN(st) }, \
	{ "requests", (base) + 10, 1, "FILE", "", "--kv-cache-tier: a request log, session,prompt_tokens a line, instead of --sessions/--turns", \
	  .parse = sr_cli_kv_row_requests, SR_OPT_FIELD(st, so.tier.log), SR_SYNTH_KV_SEEN(st) },        \
	{ "tier-capacity", (base) + 11, 1, "SIZE[,SIZE...]", "", "--kv-cache-tier: bytes the tier holds (a list with --tier-report)", \
	  .parse = sr_cli_kv_row_caps, SR_OPT_FIELD(st, kv), SR_SYNTH_KV_SEEN(st) },                     \
	{ SR_OPT_FLAG("tier-report", (base) + 12, "--kv-cache-tier: print hit rate, SSD bytes per request and GB/s per request/s for each capacity instead of the schedule", st, kv.report), SR_SYNTH_KV_SEEN(st) }

/* The rows' own parsers: o's field is a struct sr_synth_opts (offload), an
 * enum sr_kv_type, a const char * (requests), a struct sr_cli_kv (caps). */
int sr_cli_kv_row_offload(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e);
int sr_cli_kv_row_type(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e);
int sr_cli_kv_row_requests(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e);
int sr_cli_kv_row_caps(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e);
/* Combinations, once every option is parsed (have_tokens: --tokens or --prefill given). */
int sr_cli_kv_check(struct sr_synth_opts *so, const struct sr_cli_kv *kv, int have_tokens, struct sr_err *e);
/* --tier-report: one row per capacity, to path (NULL or "-": stdout). */
int sr_cli_kv_tier_report(const struct sr_model *m, const struct sr_synth_opts *so, const struct sr_cli_kv *kv,
			  const char *path, struct sr_err *e);

#endif
