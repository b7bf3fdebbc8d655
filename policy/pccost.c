/* The page-cache cost model: charge a measured mmap fault cost to the
 * simulated mmap rows (see pccost.h; real/pccost.c measures it). */
#include "policy/pccost.h"

/* Bytes read on demand, and readahead no thread ever touched (evicted
 * unused or still unused at the end), cost what the scattered measurement
 * streams: reads that are mostly read-around never mapped, so no fault-around
 * and no PTE per page. The rest was streamed into threads that mapped every
 * page of it: the sequential figure. An MoE at a third of its size reads the
 * unrouted experts by readahead (0.6 of its reads in the simulated lists);
 * charging them as mapped bytes made it 1.1x too slow while a dense model's
 * all-used stream is charged as before. */
double sr_pccost_ns_per_B(const struct sr_pccost *c, uint64_t mem, uint64_t model_bytes, const struct sr_sim_result *r)
{
	uint64_t rd = r->demand_bytes + r->prefetch_bytes;
	uint64_t scat = r->demand_bytes + r->wasted_prefetch_bytes + r->unused_prefetch_bytes;
	double fs;

	if (mem >= model_bytes) /* everything fits: nothing is reclaimed */
		return c->seq_ns_per_B;
	fs = rd ? (double)scat / (double)rd : 0;
	if (fs > 1)
		fs = 1;
	return fs * c->scat_press_ns_per_B + (1 - fs) * c->seq_press_ns_per_B;
}

void sr_pccost_apply(const struct sr_pccost *c, uint64_t mem, uint64_t model_bytes, struct sr_sim_result *r)
{
	double per = sr_pccost_ns_per_B(c, mem, model_bytes, r), mean = 0;
	/* reclaim walks the mappings of every page it scans; where it keeps
	 * finding them in use (a hot set that does not fit beside the reads:
	 * an MoE's routed experts at 85% of the model) that time is not in
	 * the bytes. Nothing fits: no reclaim, no activation. */
	double act = mem < model_bytes ? c->act_ns_per_page : 0;
	uint64_t i, sum = 0, left;

	sr_hist_init(&r->token_stall);
	for (i = 0; i < r->tok_n; i++) {
		r->tok_stall[i] = (uint64_t)(per * (double)r->tok_read[i] + act * (double)r->tok_act[i]);
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
	r->costed = 1;
}
