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
	int have_offset;
};

/* Keys base + 0..12, in this order (cmd_synth.c's enum). */
#define SR_SYNTH_KV_OPTS(base)                                                                       \
	{ "kv-offload", (base), 1, "prompt=P,gen=G[,batch=B]", "", "offloaded KV (FlexGen/DeepSpeed): the KV of B sequences on the target; the prompts' KV is written, then each of G decode steps writes one position and reads all P+t before it, per layer and sequence" }, \
	{ "kv-only", (base) + 1, 0, "", "", "--kv / --kv-offload: the KV traffic alone, no weights (the KV region then starts at 0)" }, \
	{ "kv-type", (base) + 2, 1, "f16|q8_0|f32", "f16", "KV cache element type (llama.cpp's --cache-type-k/v)" }, \
	{ "kv-block", (base) + 3, 1, "TOKENS", "", "--kv-offload: paged layout, one range per block of TOKENS positions (vLLM: 16); default one range per sequence" }, \
	{ "kv-cache-tier", (base) + 4, 0, "", "", "prefix-cache tier (LMCache/HiCache style): chunk objects read on hit, written on miss, LRU by --tier-capacity" }, \
	{ "kv-chunk", (base) + 5, 1, "TOKENS", "256", "--kv-cache-tier: tokens per chunk object" }, \
	{ "sessions", (base) + 6, 1, "N", "8", "--kv-cache-tier: conversations" }, \
	{ "turns", (base) + 7, 1, "T", "4", "--kv-cache-tier: turns per conversation" }, \
	{ "shared-prefix", (base) + 8, 1, "TOKENS", "0", "--kv-cache-tier: prefix every session shares (a system prompt)" }, \
	{ "turn-tokens", (base) + 9, 1, "N", "512", "--kv-cache-tier: tokens each turn adds to its session's prompt" }, \
	{ "requests", (base) + 10, 1, "FILE", "", "--kv-cache-tier: a request log, session,prompt_tokens a line, instead of --sessions/--turns" }, \
	{ "tier-capacity", (base) + 11, 1, "SIZE[,SIZE...]", "", "--kv-cache-tier: bytes the tier holds (a list with --tier-report)" }, \
	{ "tier-report", (base) + 12, 0, "", "", "--kv-cache-tier: print hit rate, SSD bytes per request and GB/s per request/s for each capacity instead of the schedule" }

/* One of the options above (which = key - base). */
int sr_cli_kv_opt(int which, const char *arg, struct sr_synth_opts *so, struct sr_cli_kv *kv, struct sr_err *e);
/* Combinations, once every option is parsed (have_tokens: --tokens or --prefill given). */
int sr_cli_kv_check(struct sr_synth_opts *so, const struct sr_cli_kv *kv, int have_tokens, struct sr_err *e);
/* --tier-report: one row per capacity, to path (NULL or "-": stdout). */
int sr_cli_kv_tier_report(const struct sr_model *m, const struct sr_synth_opts *so, const struct sr_cli_kv *kv,
			  const char *path, struct sr_err *e);

#endif
