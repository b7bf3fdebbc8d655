/* Routing recovered from a capture: which experts each token used at each
 * MoE layer, from the page reads or faults a real run made on the model file
 * (record --faults, a filemap/fault capture, or a labelled CSV). Written in
 * the format --routing log:FILE reads (synth/routing.c).
 *
 * Tokens: a token starts at a token_embd access after the previous token
 * reached any layer, or at a layer access after an output access (a capture
 * whose token_embd row stayed cached). Experts: the bytes touched in each
 * expert's slice of the layer's ffn_*_exps tensors, not counting SPILL bytes
 * at either edge (fault-around and page rounding reach into neighbours by at
 * most 64 KiB); the k experts with the most such bytes are the token's. */
#ifndef SR_SYNTH_ROUTE_RECOVER_H
#define SR_SYNTH_ROUTE_RECOVER_H

#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "base/record.h"
#include "synth/model.h"

#define SR_ROUTE_SPILL_MAX (64u << 10)

struct sr_route_recover;

struct sr_route_stats {
	uint64_t tokens;      /* tokens written */
	uint64_t cells;       /* (token, MoE layer) lines written */
	uint64_t short_cells; /* cells with fewer than k experts seen: filled (previous token's, then lowest ids) */
	uint64_t over_cells;  /* cells with more than k experts seen: the k most touched kept */
	uint64_t ignored;     /* records outside the model's tensors or not reads */
};

/* -EINVAL (with a message) when m has no routed experts. */
int sr_route_recover_open(const struct sr_model *m, struct sr_route_recover **out, struct sr_err *e);
int sr_route_recover_feed(struct sr_route_recover *r, const struct sr_rec *recs, size_t n, struct sr_err *e);
/* The log (a "token,layer,experts" header, then one line per token and MoE
 * layer); -EIO when writing fails. */
int sr_route_recover_write(struct sr_route_recover *r, FILE *f, struct sr_route_stats *st, struct sr_err *e);
void sr_route_recover_close(struct sr_route_recover *r);

#endif
