/* Expert routing for synthetic schedules (internal to synth/): which
 * experts each token uses at each MoE layer, from a model of routing
 * (uniform, zipf, temporal) or from a recorded log.
 *
 * Draws are counter based: the random numbers for (token, layer) come from
 * a hash of (seed, token, layer), so the choice does not depend on the
 * order layers and tokens are asked in (prefill routes layer by layer over
 * the batch, decode token by token). Temporal routing also looks at the
 * previous token's experts at the same layer, so each layer must be asked
 * for tokens 0, 1, 2, ... in order (sr_router_reset starts over). */
#ifndef SR_SYNTH_ROUTING_H
#define SR_SYNTH_ROUTING_H

#include <stdint.h>

#include "base/err.h"
#include "base/units.h"
#include "synth/schedule.h"

/* Mixtral-8x7B, Eliseev & Mazur 2023: the current top-2 shares an expert
 * with the previous token's top-2 in 61.6-67.0% of tokens (64.3% midway).
 * With each of the k = 2 slots reusing a previous expert with probability
 * P and otherwise taking one the previous token did not use, no overlap
 * has probability (1 - P)^2 = 0.357, so P = 1 - sqrt(0.357) = 0.40. */
#define SR_TEMPORAL_DEFAULT_P 0.40

struct sr_router;

struct sr_router_cfg {
	uint32_t n_layer;
	uint32_t n_expert;
	uint32_t k;              /* experts per token (n_expert_used) */
	const uint8_t *moe;      /* moe[l]: layer l has routed experts */
	uint64_t seed;
	uint64_t n_tokens;       /* tokens the schedule needs: log must cover them */
};

int sr_router_open(const struct sr_routing *r, const struct sr_router_cfg *c,
		   struct sr_router **out, struct sr_err *e);
/* The k experts of token at layer, ascending, into out[k]. */
void sr_router_route(struct sr_router *r, uint64_t token, uint32_t layer, uint16_t *out);
/* Forget the previous tokens (for rewinding the schedule). */
void sr_router_reset(struct sr_router *r);
void sr_router_close(struct sr_router *r);

/* The 64-bit mixer draws come from (splitmix64's finalizer). */

#endif
