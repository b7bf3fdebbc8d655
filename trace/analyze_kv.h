/* analyze's KV-cache section: records flagged SR_RF_KV (synth --kv,
 * --kv-offload, --kv-cache-tier) counted per layer (kv.L), reads per
 * position as a distribution (the CHEOPS figure: a prompt position is read
 * once per generated token) and bytes per generated token.
 *
 * Positions need no model: the K reads and writes are kept as a map of
 * breakpoints (offset -> change in coverage), so a sweep at the end knows,
 * for every byte of K rows ever written or read, how many reads covered it.
 * A position is one decode write of K (the smallest non-prefill K write:
 * one position's row of one layer and sequence); without such writes, the
 * largest size dividing every stretch of equal count. The map holds one
 * entry per distinct range end, not one per record. */
#ifndef SR_ANALYZE_KV_H
#define SR_ANALYZE_KV_H

#include <stdint.h>

#include "base/err.h"
#include "base/record.h"

struct sr_kv_bp;

struct sr_analyze_kv {
	uint64_t reads, writes, read_bytes, write_bytes;
	uint64_t layers;               /* 1 + highest layer in a tag */
	uint64_t *layer_bytes;         /* [SR_KV_MAX_LAYERS + 1]: read + written per layer */
	uint64_t seqs;                 /* 1 + highest sequence in a tag */
	uint64_t steps;                /* decode steps: SR_RF_TOKEN records outside prefill (whole trace) */
	uint64_t unit;                 /* smallest decode K write, 0: none seen */
	struct sr_kv_bp *bp;           /* breakpoint map */
	uint64_t n_bp, cap_bp;
};

/* Reads per position, from sr_analyze_kv_dist. */
struct sr_kv_dist_row { uint64_t reads, positions; };
struct sr_kv_dist {
	uint64_t unit;                 /* bytes per position */
	uint64_t positions;
	struct sr_kv_dist_row *rows;   /* ascending reads */
	uint64_t n_rows;
};

/* Every record goes through here (for the step count); KV ones are kept. */
int sr_analyze_kv_add(struct sr_analyze_kv *k, const struct sr_rec *r, struct sr_err *e);
void sr_analyze_kv_free(struct sr_analyze_kv *k);
/* The distribution; free d->rows. -ENOMEM. */
int sr_analyze_kv_dist(const struct sr_analyze_kv *k, struct sr_kv_dist *d);
/* Generated tokens: decode steps x sequences (1 when untagged). */
uint64_t sr_analyze_kv_tokens(const struct sr_analyze_kv *k);

#endif
