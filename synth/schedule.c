/* Synthetic per-token schedules (synth/schedule.h).
 *
 * A token's "program" is built once at open: the tensors llama.cpp reads
 * for one forward pass, in execution order; sr_synth_open's source walks
 * it once per decode token (and once for the prefill batch), expanding
 * expert tensors into the routed experts' slices and the embedding into
 * row gathers, so nothing grows with the number of tokens.
 *
 * Execution order within a layer (llama.cpp's graph order, which is what
 * the CPU backend runs: a depth-first walk of the graph from its output,
 * sources left to right; checked against src/llama-graph.cpp build_attn,
 * build_ffn, build_moe_ffn and src/models/{llama,openai-moe-iswa,
 * deepseek2}.cpp):
 *   llama / mixtral: attn_norm, attn_q, attn_v, attn_k (build_attn expands
 *     q, v, k in that order, which a published page-fault trace of llama.cpp
 *     confirms), KV store and read, attn_output, ffn_norm, then dense
 *     ffn_gate, ffn_up, ffn_down (swiglu(gate, up): gate is the left
 *     source), or for MoE ffn_gate_inp, ffn_gate_exps, ffn_up_exps,
 *     ffn_down_exps.
 *   gpt-oss: the same with each projection's bias right after its weight,
 *     attn_sinks before attn_output, post_attention_norm as the FFN norm,
 *     router bias after the router, expert bias slices after each expert
 *     tensor's slices.
 *   deepseek2 (MLA): attn_norm, attn_q_a, attn_q_a_norm, attn_q_b
 *     (attn_k_b, absorbed into q), attn_kv_a_mqa, attn_kv_a_norm,
 *     attn_kv_b, KV, (attn_v_b), attn_output, ffn_norm, then dense FFN on
 *     the leading dense layers, else ffn_gate_inp, exp_probs_b, routed
 *     experts, and the shared expert last (ggml_add(moe_out, shexp) has
 *     the routed output as its left source).
 * Within an expert tensor the slices come in ascending expert id: ggml's
 * CPU mul_mat_id walks experts 0..n-1 and skips those no row uses.
 * Layer tensors of a kind not listed come after the layer's others, in
 * file order. Non-layer tensors other than token_embd, output_norm and
 * output (rope_freqs, ...) are not read.
 *
 * Page faults from threads (--access page with threads > 1): ggml-cpu's
 * ggml_compute_forward_mul_mat (and mul_mat_id per expert) splits the rows
 * of src0, the weight, into chunks: chunk_size 64 rows when src1 has one
 * column (a decode token) else 16, nchunk0 = ceil(rows / chunk_size), and
 * when nchunk0 * nchunk1 < 4 * threads one chunk per thread instead
 * (nchunk0 = threads when rows > columns); thread i starts on chunk i, then
 * takes the next undone chunk from a shared counter, and walks its chunk's
 * rows in ascending order. So each weight read becomes N ascending walks
 * over disjoint row chunks, running at once: the model interleaves them by
 * letting a seeded random pick among the threads with work left fault its
 * next page. A page two chunks share faults once (for whichever thread
 * touches it first), and so does a page the previous range ended on. Only
 * chunks of the first column block fault (later ones re-read rows already
 * mapped); tensors of one row (norms, embedding rows) and the KV cache stay
 * a single stream. */
#include "synth/schedule.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth/kv_sched.h"
#include "base/checked.h"
#include "synth/routing.h"

enum { IT_WHOLE, IT_EXPERTS, IT_EMBD, IT_HEAD, IT_KV };
enum { KV_WRITE_K, KV_WRITE_V, KV_READ_K, KV_READ_V };

/* Rank of the KV-cache traffic within a layer (see rank()). */
#define RANK_KV 115
#define RANK_UNKNOWN 1000

struct item {
	uint32_t tensor;
	int32_t layer;
	uint8_t kind;   /* IT_* */
	uint8_t kv;     /* IT_KV: KV_* */
	uint32_t n_expert;
	uint64_t expert_bytes;
};

struct pend {
	uint64_t off, end, limit; /* range, and where page rounding must stop */
	uint64_t cur;             /* page mode: next page */
	uint64_t row_bytes, cols; /* weight rows (threaded page mode), src1 columns */
	int walk;                 /* threaded page mode: the workers are on it */
	uint64_t t_ns;
	uint32_t tag;
	uint8_t op, flags;
	int active;
};

struct synth {
	struct sr_source src;
	const struct sr_model *m;
	struct sr_synth_opts o;
	struct item *prog;
	size_t n_prog;
	struct sr_router *router;
	uint32_t n_layer, n_expert, k;
	uint64_t total;           /* prefill + decode tokens */
	uint64_t model_end;       /* end of the last tensor or of the file */
	uint64_t vocab, row_bytes;/* token_embd rows */
	uint64_t krow, vrow;      /* KV bytes per position per layer */
	uint64_t swa;             /* sliding window (sr_kv_geom), 0: none */
	uint32_t swa_pattern;
	struct sr_kv_layout kvl;  /* --kv-offload */
	uint64_t kv_sub;          /* --kv-offload: ranges of the current KV item given */

	/* where the walk is */
	uint64_t tok;             /* current token; the prefill batch is [0, prefill) */
	int prefill;              /* in the prefill batch */
	int new_token;            /* the next record is the token's first */
	size_t it;
	uint32_t sub;
	int32_t route_layer;      /* layer cur[] holds the routing of, -1 none */
	uint16_t *cur;            /* experts used at route_layer, ascending */
	uint32_t n_cur;
	uint32_t *cnt;            /* prefill: tokens of the batch per expert */
	uint16_t *tmp;
	uint8_t *seen;            /* prefill: token_embd rows gathered, a bit each */
	double t_acc;             /* compute time so far, ns */
	uint64_t seq;
	uint64_t last_page;       /* page mode: last page read (UINT64_MAX none) */
	int done;
	struct pend p;

	/* threaded page faults (o.threads > 1): the range in s->p is being
	 * walked by the workers in act[0..n_act) */
	struct worker { uint64_t cur, end; } *wk; /* next page, end of its chunk */
	uint32_t *act, n_act;
	uint64_t next_chunk, n_chunk, chunk_rows, rows;
	uint64_t first_page;      /* page index of the range's first page */
	uint8_t *faulted;         /* a bit per page of the range */
	uint64_t prev_last;       /* page index the previous read range ended in, UINT64_MAX none */
	uint64_t rng;
};

void sr_synth_opts_default(struct sr_synth_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->tokens = 16;
	o->access = SR_ACCESS_TENSOR;
	o->page = 4096;
	o->routing.kind = SR_ROUTE_UNIFORM;
	o->seed = 1;
	o->threads = 1;
	o->tier.chunk = 256;
	o->tier.sessions = 8;
	o->tier.turns = 4;
	o->tier.turn_tokens = 512;
}

/* Position of a tensor in its layer's execution order; see the top. */
static int rank(const struct sr_tensor *t)
{
	static const int by_kind[SR_TK_NR] = {
		[SR_TK_ATTN_NORM] = 10,
		[SR_TK_ATTN_Q_A] = 20, [SR_TK_ATTN_Q_A_NORM] = 21, [SR_TK_ATTN_Q_B] = 22,
		[SR_TK_ATTN_QKV] = 30,
		[SR_TK_ATTN_Q] = 40, [SR_TK_ATTN_V] = 41, [SR_TK_ATTN_K] = 42,
		[SR_TK_ATTN_KV_A_MQA] = 50, [SR_TK_ATTN_KV_A_NORM] = 51, [SR_TK_ATTN_KV_B] = 52,
		[SR_TK_ATTN_SINKS] = 110,
		[SR_TK_ATTN_OUT] = 120,
		[SR_TK_FFN_NORM] = 130,
		[SR_TK_FFN_GATE_INP] = 140, [SR_TK_EXP_PROBS_B] = 141,
		[SR_TK_FFN_GATE] = 150, [SR_TK_FFN_UP] = 151, [SR_TK_FFN_DOWN] = 152,
		[SR_TK_FFN_GATE_EXPS] = 160, [SR_TK_FFN_UP_EXPS] = 161, [SR_TK_FFN_DOWN_EXPS] = 162,
		[SR_TK_FFN_GATE_SHEXP] = 170, [SR_TK_FFN_UP_SHEXP] = 171, [SR_TK_FFN_DOWN_SHEXP] = 172,
	};
	static const struct { const char *part; int rank; } by_name[] = {
		{ ".attn_k_b.", 23 }, { ".attn_v_b.", 118 }, { ".post_attention_norm.", 130 },
		{ ".ffn_gate_up_exps.", 160 }, { ".ffn_gate_inp_shexp.", 169 },
	};
	size_t i;

	if (t->kind && t->kind < SR_TK_NR && by_kind[t->kind])
		return by_kind[t->kind];
	for (i = 0; i < sizeof(by_name) / sizeof(by_name[0]); i++)
		if (t->name && strstr(t->name, by_name[i].part))
			return by_name[i].rank;
	return RANK_UNKNOWN;
}

/* Routed-expert tensors: the three kinds, and whatever else the classifier
 * gave an expert geometry (fused ffn_gate_up_exps). */
static int is_experts(const struct sr_tensor *t)
{
	return t->kind == SR_TK_FFN_GATE_EXPS || t->kind == SR_TK_FFN_UP_EXPS ||
	       t->kind == SR_TK_FFN_DOWN_EXPS || (t->n_expert && t->expert_bytes);
}

static int cmp_exec(const void *pa, const void *pb, void *ctx)
{
	const struct sr_model *m = ctx;
	const struct sr_tensor *a = &m->tensors[*(const uint32_t *)pa];
	const struct sr_tensor *b = &m->tensors[*(const uint32_t *)pb];
	int ra = rank(a), rb = rank(b);

	if (a->layer != b->layer)
		return a->layer < b->layer ? -1 : 1;
	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (a->is_bias != b->is_bias)
		return a->is_bias ? 1 : -1;
	return a->off < b->off ? -1 : a->off > b->off;
}

static uint64_t elems(const struct sr_tensor *t)
{
	uint64_t n = 1;
	uint32_t d;

	for (d = 0; d < SR_MAX_DIMS; d++)
		n *= t->ne[d] ? t->ne[d] : 1;
	return n;
}

/* Experts in an expert tensor and bytes per expert: the classifier's, or
 * for an expert bias ([n_ff, n_expert]) its last dimension. */
static void expert_geom(const struct sr_tensor *t, uint32_t *n, uint64_t *bytes)
{
	uint32_t d = t->n_dims ? t->n_dims - 1 : 0;

	if (t->n_expert && t->expert_bytes) {
		*n = t->n_expert;
		*bytes = t->expert_bytes;
		return;
	}
	*n = (uint32_t)(t->ne[d] ? t->ne[d] : 1);
	*bytes = t->bytes / *n;
}

/* K and V cache bytes per position per layer (synth/kv.c). */
static int kv_geom(struct synth *s, struct sr_err *e)
{
	struct sr_kv_geom g;
	int ret = sr_kv_geom(s->m, s->o.kv_type, s->o.kv_prompt ? "--kv-offload" : "--kv", &g, e);

	s->krow = g.krow;
	s->vrow = g.vrow;
	s->swa = g.swa;
	s->swa_pattern = g.swa_pattern;
	return ret;
}

/* The whole KV region, kv_off + layers x ctx x (K + V rows), must be
 * addressable: a wrap sent KV writes to offset 0 (a GGUF header). */
static int kv_span(const struct synth *s, struct sr_err *e)
{
	uint64_t row, lsz, all, end;

	if (!sr_add_u64(s->krow, s->vrow, &row) && !sr_mul_u64(row, s->o.kv_ctx, &lsz) &&
	    !sr_mul_u64(lsz, (uint64_t)s->n_layer + 1, &all) && !sr_add_u64(s->o.kv_off, all, &end))
		return 0;
	return sr_inputf(e, "%s: --kv ctx=%llu at --kv-offset %llu: the KV region (%u layers x %llu-byte rows) "
			 "ends beyond 2^64 bytes", s->m->name ? s->m->name : "model", (unsigned long long)s->o.kv_ctx,
			 (unsigned long long)s->o.kv_off, s->n_layer, (unsigned long long)row);
}

static int build_program(struct synth *s, struct sr_err *e)
{
	const struct sr_model *m = s->m;
	uint32_t *idx, n = 0, i, ne;
	long embd = -1, out = -1, onorm = -1;
	size_t cap, np = 0;
	int32_t layer = -1;
	int kv_done = 1;
	uint64_t eb;

	idx = malloc((m->n_tensors + 1) * sizeof(*idx));
	if (!idx)
		return sr_errf(e, -ENOMEM, "out of memory");
	for (i = 0; i < m->n_tensors; i++) {
		const struct sr_tensor *t = &m->tensors[i];

		if (t->off + t->bytes > s->model_end)
			s->model_end = t->off + t->bytes;
		if (t->layer >= 0) {
			idx[n++] = i;
			if ((uint32_t)t->layer + 1 > s->n_layer)
				s->n_layer = (uint32_t)t->layer + 1;
		} else if (t->kind == SR_TK_TOKEN_EMBD && !t->is_bias && embd < 0) {
			embd = i;
		} else if (t->kind == SR_TK_OUTPUT && !t->is_bias && out < 0) {
			out = i;
		} else if (t->kind == SR_TK_OUTPUT_NORM && !t->is_bias && onorm < 0) {
			onorm = i;
		}
	}
	qsort_r(idx, n, sizeof(*idx), cmp_exec, (void *)m);
	cap = (size_t)n + 4 + (size_t)s->n_layer * 4;
	s->prog = calloc(cap, sizeof(*s->prog));
	if (!s->prog) {
		free(idx);
		return sr_errf(e, -ENOMEM, "out of memory");
	}
	if (embd >= 0) {
		const struct sr_tensor *t = &m->tensors[embd];

		s->vocab = elems(t) / (t->ne[0] ? t->ne[0] : 1);
		s->row_bytes = s->vocab ? t->bytes / s->vocab : 0;
		if (s->vocab && s->row_bytes)
			s->prog[np++] = (struct item){ .tensor = (uint32_t)embd, .layer = -1, .kind = IT_EMBD };
	}
	for (i = 0; i <= n; i++) {
		const struct sr_tensor *t = i < n ? &m->tensors[idx[i]] : NULL;
		int r = t ? rank(t) : 0;

		/* KV traffic once per layer, after the projections */
		if (!kv_done && (!t || t->layer != layer || r >= RANK_KV)) {
			static const uint8_t kinds[] = { KV_WRITE_K, KV_WRITE_V, KV_READ_K, KV_READ_V };
			unsigned k;

			for (k = 0; k < 4; k++) {
				if (kinds[k] <= KV_WRITE_V && !s->o.kv_write)
					continue;
				if ((kinds[k] == KV_WRITE_V || kinds[k] == KV_READ_V) && !s->vrow)
					continue;
				s->prog[np++] = (struct item){ .layer = layer, .kind = IT_KV, .kv = kinds[k] };
			}
			kv_done = 1;
		}
		if (!t)
			break;
		if (t->layer != layer) {
			layer = t->layer;
			kv_done = !(s->o.kv_ctx || s->o.kv_prompt) || r >= RANK_KV;
		}
		if (is_experts(t)) {
			expert_geom(t, &ne, &eb);
			if (!s->n_expert)
				s->n_expert = ne;
			if (ne != s->n_expert || !eb || eb * ne > t->bytes) {
				free(idx);
				return sr_inputf(e, "%s: tensor '%s': %u experts of %llu bytes, expected %u experts within its %llu bytes",
						 m->name ? m->name : "model", t->name ? t->name : "?", ne,
						 (unsigned long long)eb, s->n_expert, (unsigned long long)t->bytes);
			}
			s->prog[np++] = (struct item){ .tensor = idx[i], .layer = t->layer, .kind = IT_EXPERTS,
						       .n_expert = ne, .expert_bytes = eb };
		} else {
			s->prog[np++] = (struct item){ .tensor = idx[i], .layer = t->layer, .kind = IT_WHOLE };
		}
	}
	free(idx);
	/* page faults read up to the end of the file (its last padding) */
	if (m->file_size > s->model_end)
		s->model_end = m->file_size;
	if (onorm >= 0)
		s->prog[np++] = (struct item){ .tensor = (uint32_t)onorm, .layer = -1, .kind = IT_WHOLE };
	if (out >= 0 || embd >= 0) /* no output.weight: the head is tied to token_embd */
		s->prog[np++] = (struct item){ .tensor = (uint32_t)(out >= 0 ? out : embd), .layer = -1, .kind = IT_HEAD };
	s->n_prog = np;
	if (!np)
		return sr_inputf(e, "%s: the model has no tensors a forward pass reads", m->name ? m->name : "model");
	return 0;
}

/* ---- the walk ---- */

static uint64_t token_id(const struct synth *s, uint64_t tok)
{
	return (uint64_t)(((unsigned __int128)sr_mix64(sr_mix64(s->o.seed ^ 0x746f6b656e) ^ tok) * s->vocab) >> 64);
}

static void reset(struct synth *s)
{
	s->tok = 0;
	s->prefill = s->o.prefill > 0;
	s->new_token = 1;
	s->it = 0;
	s->sub = 0;
	s->route_layer = -1;
	s->t_acc = 0;
	s->seq = 0;
	s->last_page = UINT64_MAX;
	s->prev_last = UINT64_MAX;
	s->n_act = 0;
	s->rng = 0;
	s->kv_sub = 0;
	s->done = !s->total;
	memset(&s->p, 0, sizeof(s->p));
	if (s->seen) /* rewound in the middle of a batch's row gathers */
		memset(s->seen, 0, s->vocab / 8 + 1);
	if (s->router)
		sr_router_reset(s->router);
}

/* Tokens of the current step: the batch in prefill, else 1 (--kv-offload: B). */
static uint64_t batch(const struct synth *s)
{
	return s->prefill ? s->o.prefill : s->o.kv_batch ? s->o.kv_batch : 1;
}

/* Queue [off, off+len) for emission; its compute (mult tokens over elems
 * elements) starts after it is read. */
static void queue(struct synth *s, uint64_t off, uint64_t len, uint64_t limit, uint32_t tag, int op,
		  int flags, double elems_touched, uint64_t mult)
{
	double ns = 0;

	s->p = (struct pend){ .off = off, .end = off + len, .limit = limit, .tag = tag, .op = (uint8_t)op,
			      .flags = (uint8_t)flags, .active = 1 };
	s->p.cur = s->o.access == SR_ACCESS_PAGE ? off & ~(s->o.page - 1) : off;
	s->p.t_ns = s->o.gflops > 0 || s->o.ns_per_byte > 0 ? (uint64_t)s->t_acc : SR_T_NONE;
	if (s->o.gflops > 0)
		ns = 2.0 * elems_touched * (double)mult / s->o.gflops;
	else if (s->o.ns_per_byte > 0)
		ns = (double)len * (double)mult * s->o.ns_per_byte;
	s->t_acc += ns;
}

/* cols: columns of src1 the weight multiplies (tokens), for the chunking */
static void queue_tensor(struct synth *s, uint32_t ti, uint64_t off, uint64_t len, int expert, uint64_t mult,
			 uint64_t cols)
{
	const struct sr_tensor *t = &s->m->tensors[ti];
	double per_byte = t->bytes ? (double)elems(t) / (double)t->bytes : 0;
	uint64_t rows = t->ne[0] ? elems(t) / t->ne[0] : 0;

	queue(s, off, len, s->model_end, sr_tag_make(ti, expert), SR_OP_READ, 0, per_byte * (double)len, mult);
	/* whole rows only: anything else (a row gather, an odd layout) is one stream */
	if (rows && t->bytes % rows == 0 && len % (t->bytes / rows) == 0 && len / (t->bytes / rows) > 1) {
		s->p.row_bytes = t->bytes / rows;
		s->p.cols = cols ? cols : 1;
	}
}

/* The experts layer uses for the current token (or batch), ascending. */
static void route(struct synth *s, int32_t layer)
{
	uint64_t t, n = batch(s);
	uint32_t e, j;

	if (s->route_layer == layer)
		return;
	s->route_layer = layer;
	if (n == 1) {
		sr_router_route(s->router, s->tok, (uint32_t)layer, s->cur);
		s->n_cur = s->k;
		return;
	}
	memset(s->cnt, 0, s->n_expert * sizeof(*s->cnt));
	for (t = 0; t < n; t++) {
		sr_router_route(s->router, s->tok + t, (uint32_t)layer, s->tmp);
		for (j = 0; j < s->k; j++)
			s->cnt[s->tmp[j]]++;
	}
	for (e = 0, s->n_cur = 0; e < s->n_expert; e++)
		if (s->cnt[e])
			s->cur[s->n_cur++] = (uint16_t)e;
}

/* --kv ctx=N's read of one layer's K or V ring at base: all ctx slots, or
 * for a sliding-window layer the W - 1 slots before the token's own,
 * wrapping (two ranges). 1: queued. */
static int queue_kv_read(struct synth *s, uint64_t base, uint64_t row, uint32_t tag)
{
	uint64_t ctx = s->o.kv_ctx, w = sr_kv_seen(s->swa, s->swa_pattern, (uint32_t)sr_kv_tag_layer(tag));
	uint64_t end = s->tok % ctx, lo, len;

	if (w >= ctx) {
		if (s->sub++)
			return 0;
		queue(s, base, ctx * row, base + ctx * row, tag, SR_OP_READ, SR_RF_KV, (double)(ctx * row) / 2, batch(s));
		return 1;
	}
	if (!w)
		return 0;
	/* slots [end - w, end) mod ctx: at most two pieces */
	lo = (end + ctx - w) % ctx;
	if (s->sub == 0)
		len = lo < end ? end - lo : ctx - lo;
	else if (s->sub == 1 && lo >= end && end)
		len = end, lo = 0;
	else
		return 0;
	s->sub++;
	queue(s, base + lo * row, len * row, base + ctx * row, tag, SR_OP_READ, SR_RF_KV, (double)(len * row) / 2,
	      batch(s));
	return 1;
}

/* The KV item's range(s); sub counts ranges already given. 1: queued. */
static int queue_kv(struct synth *s, const struct item *it)
{
	uint64_t ctx = s->o.kv_ctx, lsz = ctx * (s->krow + s->vrow), n = batch(s);
	uint64_t base = s->o.kv_off + (uint64_t)it->layer * lsz, row, slot, first, len;
	int v = it->kv == KV_WRITE_V || it->kv == KV_READ_V, write = it->kv <= KV_WRITE_V;
	uint32_t tag = sr_kv_tag((uint32_t)it->layer, 0, v);

	if (s->o.kv_prompt) {
		uint64_t step = s->prefill ? 0 : (s->tok - s->o.prefill) / n;

		if (!sr_kv_offload_next(&s->kvl, s->o.kv_prompt, s->prefill, step, (uint32_t)it->layer, write, v,
					&s->kv_sub, &base, &len, &tag))
			return 0;
		/* page mode rounds to pages up to the region's end, as --kv ctx does */
		queue(s, base, len, s->kvl.base + sr_kv_region_bytes(&s->kvl), tag, write ? SR_OP_WRITE : SR_OP_READ, SR_RF_KV,
		      write ? 0 : (double)len / 2, write ? 0 : 1);
		return 1;
	}
	row = v ? s->vrow : s->krow;
	if (v)
		base += ctx * s->krow;
	if (!write)
		return queue_kv_read(s, base, row, tag);
	/* the batch's entries go to slots tok % ctx onwards, wrapping */
	slot = s->tok % ctx;
	if (n >= ctx) {
		if (s->sub++)
			return 0;
		queue(s, base, ctx * row, base + ctx * row, tag, SR_OP_WRITE, SR_RF_KV, 0, 0);
		return 1;
	}
	first = ctx - slot < n ? ctx - slot : n;
	if (s->sub == 0)
		len = first, slot *= row;
	else if (s->sub == 1 && first < n)
		len = n - first, slot = 0;
	else
		return 0;
	s->sub++;
	queue(s, base + slot, len * row, base + ctx * row, tag, SR_OP_WRITE, SR_RF_KV, 0, 0);
	return 1;
}

/* Queue the next range of the walk; 0 at the end. */
static int advance(struct synth *s)
{
	const struct item *it;
	uint64_t id, n;

	while (!s->done) {
		if (s->it == s->n_prog) {
			s->tok += batch(s);
			s->prefill = 0;
			s->it = 0;
			s->sub = 0;
			s->route_layer = -1;
			s->new_token = 1;
			s->done = s->tok >= s->total;
			continue;
		}
		it = &s->prog[s->it];
		n = batch(s);
		if (s->o.kv_only && it->kind != IT_KV) {
			s->it++;
			continue;
		}
		switch (it->kind) {
		case IT_WHOLE:
		case IT_HEAD: {
			const struct sr_tensor *t = &s->m->tensors[it->tensor];

			s->it++;
			/* the head computes logits for the last token only */
			queue_tensor(s, it->tensor, t->off, t->bytes, -1, it->kind == IT_HEAD ? 1 : n,
				     it->kind == IT_HEAD ? 1 : n);
			return 1;
		}
		case IT_EMBD: {
			const struct sr_tensor *t = &s->m->tensors[it->tensor];

			while (s->sub < n) {
				id = token_id(s, s->tok + s->sub++);
				if (n > 1) { /* a batch gathers each distinct row once */
					if (s->seen[id >> 3] & (1u << (id & 7)))
						continue;
					s->seen[id >> 3] |= (uint8_t)(1u << (id & 7));
				}
				queue_tensor(s, it->tensor, t->off + id * s->row_bytes, s->row_bytes, -1, 0, 1);
				return 1;
			}
			if (n > 1)
				for (id = 0; id < n; id++) {
					uint64_t r = token_id(s, s->tok + id);

					s->seen[r >> 3] = 0;
				}
			s->it++;
			s->sub = 0;
			continue;
		}
		case IT_EXPERTS: {
			const struct sr_tensor *t = &s->m->tensors[it->tensor];
			uint16_t ex;

			route(s, it->layer);
			if (s->sub < s->n_cur) {
				ex = s->cur[s->sub++];
				queue_tensor(s, it->tensor, t->off + ex * it->expert_bytes, it->expert_bytes, ex,
					     n > 1 ? s->cnt[ex] : 1, n > 1 ? s->cnt[ex] : 1);
				return 1;
			}
			s->it++;
			s->sub = 0;
			continue;
		}
		case IT_KV:
			if (queue_kv(s, it))
				return 1;
			s->it++;
			s->sub = 0;
			s->kv_sub = 0;
			continue;
		}
	}
	return 0;
}

/* ---- threaded page faults (see the top) ---- */

/* Give worker w chunk c of the range's rows; 0 when the chunk is empty. */
static int chunk_assign(struct synth *s, struct worker *w, uint64_t c)
{
	const struct pend *p = &s->p;
	uint64_t rb = p->row_bytes ? p->row_bytes : p->end - p->off, r0 = c * s->chunk_rows, r1;

	if (c >= s->n_chunk || r0 >= s->rows)
		return 0;
	r1 = r0 + s->chunk_rows < s->rows ? r0 + s->chunk_rows : s->rows;
	w->cur = (p->off + r0 * rb) & ~(s->o.page - 1);
	w->end = p->off + r1 * rb;
	return 1;
}

/* Split the pending read range into ggml's row chunks and start the workers. */
static void walk_start(struct synth *s)
{
	struct pend *p = &s->p;
	uint64_t page = s->o.page, nth = s->o.threads, cols = p->cols ? p->cols : 1, chunk, nchunk1, n, i;

	p->walk = 1;
	s->n_act = 0;
	if (p->end <= p->off)
		return;
	s->first_page = p->off / page;
	n = (p->end - 1) / page - s->first_page + 1;
	memset(s->faulted, 0, (size_t)(n / 8 + 1));
	if (s->prev_last == s->first_page) /* still mapped from the range before */
		s->faulted[0] = 1;
	s->rows = p->row_bytes ? (p->end - p->off) / p->row_bytes : 1;
	chunk = s->rows == 1 || cols == 1 ? 64 : 16;
	s->n_chunk = (s->rows + chunk - 1) / chunk;
	nchunk1 = (cols + chunk - 1) / chunk;
	if (s->n_chunk * nchunk1 < nth * 4)
		s->n_chunk = s->rows > cols ? nth : 1;
	s->chunk_rows = (s->rows + s->n_chunk - 1) / s->n_chunk;
	for (i = 0; i < nth && i < s->n_chunk; i++)
		if (chunk_assign(s, &s->wk[i], i))
			s->act[s->n_act++] = (uint32_t)i;
	s->next_chunk = nth;
}

/* The next page some worker faults: *off; 0 when the range is done. */
static int walk_next(struct synth *s, uint64_t *off)
{
	uint64_t page = s->o.page, idx, x;
	struct worker *w;
	uint32_t k;

	while (s->n_act) {
		k = 0;
		if (s->n_act > 1) {
			x = sr_mix64(s->o.seed ^ 0x7468726561647321ull ^ (++s->rng * 0x9e3779b97f4a7c15ull));
			k = (uint32_t)(((unsigned __int128)x * s->n_act) >> 64);
		}
		w = &s->wk[s->act[k]];
		*off = w->cur;
		w->cur += page;
		if (w->cur >= w->end) { /* chunk done: the next one from the counter, or retire */
			int more = 0;

			while (!more && s->next_chunk < s->n_chunk)
				more = chunk_assign(s, w, s->next_chunk++);
			if (!more)
				s->act[k] = s->act[--s->n_act];
		}
		idx = *off / page - s->first_page;
		if (s->faulted[idx >> 3] & (1u << (idx & 7)))
			continue;
		s->faulted[idx >> 3] |= (uint8_t)(1u << (idx & 7));
		return 1;
	}
	if (s->p.end > s->p.off)
		s->prev_last = (s->p.end - 1) / page;
	return 0;
}

/* Emit the pending range: whole, or as page-sized faults. 1: one record out. */
static int emit(struct synth *s, struct sr_rec *r)
{
	struct pend *p = &s->p;
	uint64_t off, len;

	if (s->o.threads > 1 && s->o.access == SR_ACCESS_PAGE) {
		if (p->op == SR_OP_READ && !(p->flags & SR_RF_KV)) {
			if (!p->walk)
				walk_start(s);
			if (!walk_next(s, &off)) {
				p->active = 0;
				return 0;
			}
			p->cur = p->end; /* the walk is the cursor now */
			len = p->limit > off && p->limit - off < s->o.page ? p->limit - off : s->o.page;
			s->last_page = off;
			goto out;
		}
		s->prev_last = UINT64_MAX; /* KV traffic lies outside the model's pages */
	}
	for (;;) {
		if (p->cur >= p->end) {
			p->active = 0;
			return 0;
		}
		if (s->o.access == SR_ACCESS_PAGE) {
			off = p->cur;
			p->cur += s->o.page;
			/* a read of the page just read faults nothing */
			if (p->op == SR_OP_READ && off == s->last_page)
				continue;
			len = p->limit > off && p->limit - off < s->o.page ? p->limit - off : s->o.page;
			s->last_page = p->op == SR_OP_READ ? off : UINT64_MAX;
		} else {
			off = p->cur;
			len = p->end - p->cur;
			p->cur = p->end;
		}
		break;
	}
out:
	*r = (struct sr_rec){ .off = off, .len = len, .t_ns = p->t_ns, .seq = ++s->seq, .tag = p->tag,
			      .op = p->op };
	if (s->new_token)
		r->flags |= SR_RF_TOKEN;
	if (s->prefill)
		r->flags |= SR_RF_PREFILL;
	r->flags |= p->flags;
	s->new_token = 0;
	return 1;
}

static int synth_next(struct sr_source *src, struct sr_rec *out, size_t max, struct sr_err *e)
{
	struct synth *s = (struct synth *)src;
	size_t n = 0;

	(void)e;
	if (max > INT32_MAX)
		max = INT32_MAX;
	while (n < max) {
		if (s->p.active) {
			n += (size_t)emit(s, &out[n]);
			continue;
		}
		if (!advance(s))
			break;
	}
	return (int)n;
}

static int synth_rewind(struct sr_source *src, struct sr_err *e)
{
	(void)e;
	reset((struct synth *)src);
	return 0;
}

static void synth_close(struct sr_source *src)
{
	struct synth *s = (struct synth *)src;

	if (!s)
		return;
	sr_router_close(s->router);
	free(s->prog);
	free(s->cur);
	free(s->cnt);
	free(s->tmp);
	free(s->seen);
	free(s->wk);
	free(s->act);
	free(s->faulted);
	free(s);
}

static int check_opts(const struct sr_synth_opts *o, struct sr_err *e)
{
	int ret;

	if (!o->tokens && !o->prefill)
		return sr_inputf(e, "synth: nothing to schedule: --tokens and --prefill are both 0");
	if (o->access == SR_ACCESS_PAGE && (o->page < 512 || (o->page & (o->page - 1)) || o->page > (1ull << 30)))
		return sr_inputf(e, "synth: --access page:SIZE: expected a power of two from 512 to 1G, found %llu",
				 (unsigned long long)o->page);
	if (o->gflops > 0 && o->ns_per_byte > 0)
		return sr_inputf(e, "synth: --compute: give gflops=G or ns-per-byte=X, not both");
	if (o->gflops < 0 || o->ns_per_byte < 0)
		return sr_inputf(e, "synth: --compute: expected a positive rate");
	if (o->tokens > (1ull << 40) || o->prefill > (1ull << 32))
		return sr_inputf(e, "synth: --tokens up to 2^40 and --prefill up to 2^32");
	if (o->kv_write && !o->kv_ctx)
		return sr_inputf(e, "synth: KV writes need --kv ctx=N");
	ret = sr_kv_check_opts(o, e);
	if (ret)
		return ret;
	if (o->threads < 1 || o->threads > SR_SYNTH_MAX_THREADS)
		return sr_inputf(e, "synth: --threads: expected 1 to %u, found %u", SR_SYNTH_MAX_THREADS, o->threads);
	return 0;
}

int sr_synth_open(const struct sr_model *m, const struct sr_synth_opts *o, struct sr_source **out,
		  struct sr_err *e)
{
	struct synth *s;
	uint8_t *moe = NULL;
	size_t i;
	int ret;

	ret = check_opts(o, e);
	if (ret)
		return ret;
	if (o->tier.on)
		return sr_kv_tier_open(m, o, out, e);
	s = calloc(1, sizeof(*s));
	if (!s)
		return sr_errf(e, -ENOMEM, "out of memory");
	s->src.name = m->name ? m->name : "synth";
	s->src.format = "synth";
	s->src.next = synth_next;
	s->src.rewind = synth_rewind;
	s->src.close = synth_close;
	s->m = m;
	s->o = *o;
	if (o->kv_prompt) { /* the prompts as one prefill batch, then G steps of B tokens */
		s->o.prefill = o->kv_prompt * o->kv_batch;
		s->o.tokens = o->kv_gen * o->kv_batch;
		s->o.kv_write = 1;
	}
	s->total = s->o.prefill + s->o.tokens;
	if ((o->kv_ctx || o->kv_prompt) && (ret = kv_geom(s, e)))
		goto fail;
	ret = build_program(s, e);
	if (ret)
		goto fail;
	if (o->kv_prompt && (ret = sr_kv_offload_layout(s->m, &s->o, s->model_end, s->krow, s->vrow, s->n_layer,
							   &s->kvl, e)))
		goto fail;
	s->kvl.swa = s->swa;
	s->kvl.swa_pattern = s->swa_pattern;
	if (o->kv_ctx && !s->o.kv_off && !o->kv_only) {
		uint64_t end = m->file_size > s->model_end ? m->file_size : s->model_end;

		s->o.kv_off = (end + 4095) & ~4095ull;
	}
	if (o->kv_ctx && (ret = kv_span(s, e)))
		goto fail;
	if (s->n_expert) {
		struct sr_router_cfg rc = { .n_layer = s->n_layer, .n_expert = s->n_expert,
					    .k = m->hp.n_expert_used, .seed = o->seed, .n_tokens = s->total };
		struct sr_routing rt;

		moe = calloc(s->n_layer + 1, 1);
		if (!moe) {
			ret = sr_errf(e, -ENOMEM, "out of memory");
			goto fail;
		}
		for (i = 0; i < s->n_prog; i++)
			if (s->prog[i].kind == IT_EXPERTS)
				moe[s->prog[i].layer] = 1;
		rc.moe = moe;
		rt = o->routing;
		if (!rt.given && rt.kind == SR_ROUTE_UNIFORM && m->hp.routing_overlap > 0 && rc.k) {
			/* The model's measured overlap: temporal reuse P per slot, so
			 * no slot reuses with (1 - P)^k = 1 - overlap (routing.h). */
			rt.kind = SR_ROUTE_TEMPORAL;
			rt.temporal_p = 1 - pow(1 - m->hp.routing_overlap, 1.0 / rc.k);
		}
		ret = sr_router_open(&rt, &rc, &s->router, e);
		free(moe);
		if (ret)
			goto fail;
		s->k = rc.k;
		s->cur = malloc(s->n_expert * sizeof(*s->cur));
		s->cnt = malloc(s->n_expert * sizeof(*s->cnt));
		s->tmp = malloc(s->k * sizeof(*s->tmp));
		if (!s->cur || !s->cnt || !s->tmp) {
			ret = sr_errf(e, -ENOMEM, "out of memory");
			goto fail;
		}
	} else if (o->routing.kind == SR_ROUTE_LOG) {
		ret = sr_inputf(e, "%s: --routing log:%s: the model has no routed experts", s->src.name, o->routing.log);
		goto fail;
	}
	if (o->threads > 1 && o->access == SR_ACCESS_PAGE) {
		uint64_t maxp = 0;

		for (i = 0; i < m->n_tensors; i++)
			if (m->tensors[i].bytes / o->page + 2 > maxp)
				maxp = m->tensors[i].bytes / o->page + 2;
		s->wk = calloc(o->threads, sizeof(*s->wk));
		s->act = calloc(o->threads, sizeof(*s->act));
		s->faulted = maxp / 8 + 1 <= SIZE_MAX ? calloc((size_t)(maxp / 8 + 1), 1) : NULL;
		if (!s->wk || !s->act || !s->faulted) {
			ret = sr_errf(e, -ENOMEM, "out of memory");
			goto fail;
		}
	}
	if (s->o.prefill > 1 && s->vocab) {
		s->seen = calloc(s->vocab / 8 + 1, 1);
		if (!s->seen) {
			ret = sr_errf(e, -ENOMEM, "out of memory");
			goto fail;
		}
	}
	reset(s);
	*out = &s->src;
	return 0;
fail:
	synth_close(&s->src);
	return ret;
}
