/* The page-cache cost model: charge a measured mmap fault cost to the
 * simulated mmap rows (see pccost.h; real/pccost.c measures it). */
#include "policy/pccost.h"

double sr_pccost_ns_per_B(const struct sr_pccost *c, uint64_t mem, uint64_t model_bytes, const struct sr_sim_result *r)
{
	uint64_t rd = r->demand_bytes + r->prefetch_bytes;
	double fd = rd ? (double)r->demand_bytes / (double)rd : 0, seq;

	if (mem >= model_bytes) /* everything fits: nothing is reclaimed */
		return c->seq_ns_per_B;
	seq = c->seq_press_ns_per_B;
	return fd * c->scat_press_ns_per_B + (1 - fd) * seq;
}

void sr_pccost_apply(const struct sr_pccost *c, uint64_t mem, uint64_t model_bytes, struct sr_sim_result *r)
{
	double per = sr_pccost_ns_per_B(c, mem, model_bytes, r), mean = 0;
	uint64_t i, sum = 0, left;

	sr_hist_init(&r->token_stall);
	for (i = 0; i < r->tok_n; i++) {
		r->tok_stall[i] = (uint64_t)(per * (double)r->tok_read[i]);
		sum += r->tok_stall[i];
		sr_hist_add(&r->token_stall, r->tok_stall[i]);
	}
	/* tokens past the kept ones: the last kept token's figure */
	left = r->tokens > r->tok_n ? r->tokens - r->tok_n : 0;
	if (left && r->tok_n)
		mean = (double)r->tok_stall[r->tok_n - 1];
	for (i = 0; i < left; i++)
		sr_hist_add(&r->token_stall, (uint64_t)mean);
	r->stall_ns = sum + (uint64_t)(mean * (double)left);
}
