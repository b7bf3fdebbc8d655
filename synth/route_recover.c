/* Recovering each token's experts from a capture (route_recover.h). */
#include "synth/route_recover.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct sr_route_recover {
	const struct sr_model *m;
	uint32_t n_layer, n_expert, k;
	uint8_t *moe;          /* [layer]: has routed experts */
	uint64_t *cur;         /* [layer][expert]: interior bytes the current token touched */
	uint16_t *tab;         /* [token][layer][k]: finished tokens */
	size_t n_tok, cap_tok;
	int seen_layer, seen_output;
	struct sr_route_stats st;
};

int sr_route_recover_open(const struct sr_model *m, struct sr_route_recover **out, struct sr_err *e)
{
	struct sr_route_recover *r;
	uint32_t nl = m->hp.n_layer, ne = 0, k = m->hp.n_expert_used;
	size_t i;

	for (i = 0; i < m->n_tensors; i++) {
		const struct sr_tensor *t = &m->tensors[i];

		if (sr_tkind_is_experts(t->kind) && !t->is_bias && t->n_expert > ne)
			ne = t->n_expert;
		if (t->layer >= 0 && (uint32_t)t->layer >= nl)
			nl = (uint32_t)t->layer + 1;
	}
	if (!ne || !k || k > ne || k > 256 || ne > 65536)
		return sr_inputf(e, "%s: --to routing-log: expected a model with routed experts (ffn_*_exps tensors and an experts-per-token key), found %u experts, %u per token",
				 m->name ? m->name : "model", ne, k);
	r = calloc(1, sizeof(*r));
	if (!r)
		return sr_errf(e, -ENOMEM, "out of memory");
	r->m = m;
	r->n_layer = nl;
	r->n_expert = ne;
	r->k = k;
	r->moe = calloc(nl + 1, 1);
	r->cur = calloc((size_t)nl * ne + 1, sizeof(*r->cur));
	if (!r->moe || !r->cur) {
		sr_route_recover_close(r);
		return sr_errf(e, -ENOMEM, "out of memory");
	}
	for (i = 0; i < m->n_tensors; i++)
		if (sr_tkind_is_experts(m->tensors[i].kind) && !m->tensors[i].is_bias && m->tensors[i].layer >= 0)
			r->moe[m->tensors[i].layer] = 1;
	*out = r;
	return 0;
}

/* The k experts of layer l with the most interior bytes (ties: lower id),
 * ascending; short cells take the previous token's, then the lowest ids. */
static void pick(struct sr_route_recover *r, uint32_t l, uint16_t *out)
{
	const uint64_t *b = r->cur + (size_t)l * r->n_expert;
	const uint16_t *prev = r->n_tok ? r->tab + ((r->n_tok - 1) * r->n_layer + l) * r->k : NULL;
	uint32_t got = 0, seen = 0, i, j, best;
	uint8_t taken[65536 / 8] = { 0 };
	uint16_t v;

	for (i = 0; i < r->n_expert; i++)
		seen += b[i] > 0;
	while (got < r->k) {
		best = UINT32_MAX;
		for (i = 0; i < r->n_expert; i++)
			if (b[i] && !(taken[i / 8] & (1u << (i % 8))) && (best == UINT32_MAX || b[i] > b[best]))
				best = i;
		for (j = 0; best == UINT32_MAX && prev && j < r->k; j++)
			if (!(taken[prev[j] / 8] & (1u << (prev[j] % 8))))
				best = prev[j];
		for (i = 0; best == UINT32_MAX; i++)
			if (!(taken[i / 8] & (1u << (i % 8))))
				best = i;
		taken[best / 8] |= (uint8_t)(1u << (best % 8));
		out[got++] = (uint16_t)best;
	}
	for (i = 1; i < r->k; i++) { /* ascending, as the log reader's router gives them */
		v = out[i];
		for (j = i; j && out[j - 1] > v; j--)
			out[j] = out[j - 1];
		out[j] = v;
	}
	r->st.short_cells += seen < r->k;
	r->st.over_cells += seen > r->k;
}

static int end_token(struct sr_route_recover *r, struct sr_err *e)
{
	size_t cell = (size_t)r->n_layer * r->k;
	uint16_t *t;
	uint32_t l;

	if (!r->seen_layer)
		goto reset;
	if (r->n_tok == r->cap_tok) {
		size_t cap = r->cap_tok ? 2 * r->cap_tok : 64;

		if (cap * cell > (1u << 30) / sizeof(*t))
			return sr_inputf(e, "--to routing-log: more than %zu tokens", r->cap_tok);
		t = realloc(r->tab, cap * cell * sizeof(*t));
		if (!t)
			return sr_errf(e, -ENOMEM, "out of memory");
		r->tab = t;
		r->cap_tok = cap;
	}
	for (l = 0; l < r->n_layer; l++)
		if (r->moe[l])
			pick(r, l, r->tab + r->n_tok * cell + (size_t)l * r->k);
	r->n_tok++;
reset:
	memset(r->cur, 0, (size_t)r->n_layer * r->n_expert * sizeof(*r->cur));
	r->seen_layer = r->seen_output = 0;
	return 0;
}

/* Interior bytes of [off, end) in each expert slice of t. */
static void add_experts(struct sr_route_recover *r, const struct sr_tensor *t, uint64_t off, uint64_t end)
{
	uint64_t eb = t->expert_bytes, spill = eb / 4 < SR_ROUTE_SPILL_MAX ? eb / 4 : SR_ROUTE_SPILL_MAX;
	uint64_t e, lo, hi, a, b;

	if (!eb)
		return;
	for (e = (off - t->off) / eb; e < t->n_expert && t->off + e * eb < end; e++) {
		lo = t->off + e * eb + spill;
		hi = t->off + (e + 1) * eb - spill;
		a = off > lo ? off : lo;
		b = end < hi ? end : hi;
		if (a < b)
			r->cur[(size_t)t->layer * r->n_expert + e] += b - a;
	}
}

static int one(struct sr_route_recover *r, uint64_t off, uint64_t end, struct sr_err *e)
{
	long i = sr_model_find(r->m, off);
	const struct sr_tensor *t;
	int ret;

	if (i < 0) {
		r->st.ignored++;
		return 0;
	}
	for (; (size_t)i < r->m->n_tensors && r->m->tensors[i].off < end; i++) {
		t = &r->m->tensors[i];
		if (t->kind == SR_TK_TOKEN_EMBD && (r->seen_layer || r->seen_output) && (ret = end_token(r, e)))
			return ret;
		if (t->layer >= 0 && r->seen_output && (ret = end_token(r, e)))
			return ret;
		if (t->kind == SR_TK_OUTPUT)
			r->seen_output = 1;
		if (t->layer >= 0 && (uint32_t)t->layer < r->n_layer) {
			r->seen_layer = 1;
			if (sr_tkind_is_experts(t->kind) && !t->is_bias)
				add_experts(r, t, off > t->off ? off : t->off,
					    end < t->off + t->bytes ? end : t->off + t->bytes);
		}
	}
	return 0;
}

int sr_route_recover_feed(struct sr_route_recover *r, const struct sr_rec *recs, size_t n, struct sr_err *e)
{
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		if (recs[i].op != SR_OP_READ || !recs[i].len || (recs[i].flags & SR_RF_KV)) {
			r->st.ignored++;
			continue;
		}
		ret = one(r, recs[i].off, recs[i].off + recs[i].len, e);
		if (ret)
			return ret;
	}
	return 0;
}

int sr_route_recover_write(struct sr_route_recover *r, FILE *f, struct sr_route_stats *st, struct sr_err *e)
{
	uint32_t l, j;
	size_t t;
	const uint16_t *c;
	int ret = end_token(r, e);

	if (ret)
		return ret;
	fprintf(f, "token,layer,experts\n");
	for (t = 0; t < r->n_tok; t++)
		for (l = 0; l < r->n_layer; l++) {
			if (!r->moe[l])
				continue;
			c = r->tab + (t * r->n_layer + l) * r->k;
			fprintf(f, "%zu,%u,", t, l);
			for (j = 0; j < r->k; j++)
				fprintf(f, j ? " %u" : "%u", c[j]);
			fputc('\n', f);
			r->st.cells++;
		}
	r->st.tokens = r->n_tok;
	if (st)
		*st = r->st;
	return ferror(f) ? sr_errf(e, -EIO, "write failed") : 0;
}

void sr_route_recover_close(struct sr_route_recover *r)
{
	if (!r)
		return;
	free(r->moe);
	free(r->cur);
	free(r->tab);
	free(r);
}
