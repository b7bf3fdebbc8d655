#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth/routing.h"
#include "synth/schedule.h"
#include "synth_util.h"
#include "trace_util.h"

static struct recs synth(const struct sr_model *m, const struct sr_synth_opts *o, size_t batch)
{
	struct recs r = { 0 };
	struct sr_source *s;
	struct sr_err e = { 0 };

	assert_int_equal(sr_synth_open(m, o, &s, &e), 0);
	assert_int_equal(read_all(s, batch, &r, &e), 0);
	s->close(s);
	return r;
}

static const struct sr_tensor *rec_tensor(const struct sr_model *m, const struct sr_rec *r)
{
	long t = sr_tag_tensor(r->tag);

	assert_true(t >= 0 && (size_t)t < m->n_tensors);
	return &m->tensors[t];
}

/* One decode token of a dense model: the embedding row, then each layer in
 * llama.cpp's order (q, v, k), then the head; nothing in file order. */
static void test_exec_order_dense(void **state)
{
	static const int want[] = {
		SR_TK_TOKEN_EMBD,
		SR_TK_ATTN_NORM, SR_TK_ATTN_Q, SR_TK_ATTN_V, SR_TK_ATTN_K, SR_TK_ATTN_OUT, SR_TK_FFN_NORM,
		SR_TK_FFN_GATE, SR_TK_FFN_UP, SR_TK_FFN_DOWN,
		SR_TK_ATTN_NORM, SR_TK_ATTN_Q, SR_TK_ATTN_V, SR_TK_ATTN_K, SR_TK_ATTN_OUT, SR_TK_FFN_NORM,
		SR_TK_FFN_GATE, SR_TK_FFN_UP, SR_TK_FFN_DOWN,
		SR_TK_OUTPUT_NORM, SR_TK_OUTPUT,
	};
	struct sr_model m;
	struct sr_synth_opts o;
	struct recs r;
	size_t i, n = sizeof(want) / sizeof(want[0]);
	(void)state;

	tiny_llama(&m, 2);
	sr_synth_opts_default(&o);
	o.tokens = 3;
	r = synth(&m, &o, 7);
	assert_int_equal(r.n, 3 * n);
	for (i = 0; i < r.n; i++) {
		const struct sr_tensor *t = rec_tensor(&m, &r.r[i]);

		assert_int_equal(t->kind, want[i % n]);
		assert_int_equal(t->layer, i % n == 0 || i % n >= n - 2 ? -1 : (int)((i % n - 1) / 9));
		assert_int_equal(r.r[i].flags, i % n == 0 ? SR_RF_TOKEN : 0);
		assert_int_equal(r.r[i].op, SR_OP_READ);
		assert_int_equal(r.r[i].t_ns, SR_T_NONE);
		assert_int_equal(r.r[i].seq, i + 1);
		assert_int_equal(sr_tag_expert(r.r[i].tag), -1);
		if (t->kind == SR_TK_TOKEN_EMBD) { /* one 256-byte row */
			assert_int_equal(r.r[i].len, 64 * 4);
			assert_int_equal((r.r[i].off - t->off) % 256, 0);
			assert_true(r.r[i].off + r.r[i].len <= t->off + t->bytes);
		} else {
			assert_int_equal(r.r[i].off, t->off);
			assert_int_equal(r.r[i].len, t->bytes);
		}
	}
	free(r.r);
	free_model(&m);
}

static void test_exec_order_moe(void **state)
{
	static const int want[] = {
		SR_TK_ATTN_NORM, SR_TK_ATTN_Q, SR_TK_ATTN_V, SR_TK_ATTN_K, SR_TK_ATTN_OUT, SR_TK_FFN_NORM,
		SR_TK_FFN_GATE_INP, SR_TK_FFN_GATE_EXPS, SR_TK_FFN_GATE_EXPS, SR_TK_FFN_UP_EXPS,
		SR_TK_FFN_UP_EXPS, SR_TK_FFN_DOWN_EXPS, SR_TK_FFN_DOWN_EXPS,
	};
	struct sr_model m;
	struct sr_synth_opts o;
	struct recs r;
	size_t i, n = sizeof(want) / sizeof(want[0]);
	(void)state;

	tiny_moe(&m, 1, 8, 2);
	sr_synth_opts_default(&o);
	o.tokens = 1;
	r = synth(&m, &o, 100);
	assert_int_equal(r.n, 1 + n + 2);
	for (i = 0; i < n; i++)
		assert_int_equal(rec_tensor(&m, &r.r[1 + i])->kind, want[i]);
	free(r.r);
	free_model(&m);
}

/* Expert slices at off + e * nb[2], k per expert tensor, ascending, tagged. */
static void test_expert_slices(void **state)
{
	struct sr_model m;
	struct sr_synth_opts o;
	struct recs r;
	size_t i, per[64] = { 0 };
	int last = -1;
	(void)state;

	tiny_moe(&m, 3, 8, 2);
	sr_synth_opts_default(&o);
	o.tokens = 20;
	r = synth(&m, &o, 5);
	for (i = 0; i < r.n; i++) {
		const struct sr_tensor *t = rec_tensor(&m, &r.r[i]);
		int ex = sr_tag_expert(r.r[i].tag);

		if (t->n_expert) {
			assert_true(ex >= 0 && ex < 8);
			assert_int_equal(r.r[i].off, t->off + (uint64_t)ex * t->expert_bytes);
			assert_int_equal(r.r[i].len, t->expert_bytes);
			assert_int_equal(t->expert_bytes, t->ne[0] * t->ne[1] * 4);
			if (i && sr_tag_tensor(r.r[i - 1].tag) == sr_tag_tensor(r.r[i].tag))
				assert_true(ex > last);
			last = ex;
			per[sr_tag_tensor(r.r[i].tag)]++;
		} else {
			assert_int_equal(ex, -1);
		}
	}
	for (i = 0; i < m.n_tensors; i++)
		assert_int_equal(per[i], m.tensors[i].n_expert ? 2 * 20 : 0);
	free(r.r);
	free_model(&m);
}

static void test_same_seed_same_schedule(void **state)
{
	static const char *const specs[] = { "uniform", "zipf:1.1", "temporal:0.5", "temporal" };
	struct sr_model m;
	struct sr_synth_opts o;
	struct recs a, b, c;
	struct sr_err e = { 0 };
	size_t i, k, diff;
	(void)state;

	tiny_moe(&m, 4, 8, 2);
	for (k = 0; k < sizeof(specs) / sizeof(specs[0]); k++) {
		sr_synth_opts_default(&o);
		o.tokens = 50;
		o.prefill = 7;
		o.gflops = 3;
		assert_int_equal(sr_routing_parse(specs[k], &o.routing, &e), 0);
		o.seed = 42;
		a = synth(&m, &o, 1);
		b = synth(&m, &o, 1000);
		same_recs(&a, &b);
		for (i = 0; i < a.n; i++)
			assert_int_equal(a.r[i].flags, b.r[i].flags);
		o.seed = 43;
		c = synth(&m, &o, 64);
		for (i = 0, diff = 0; i < a.n && i < c.n; i++)
			diff += a.r[i].tag != c.r[i].tag || a.r[i].off != c.r[i].off;
		assert_true(diff > a.n / 10);
		free(a.r);
		free(b.r);
		free(c.r);
	}
	free_model(&m);
}

/* Rewinding starts the same schedule again. */
static void test_rewind(void **state)
{
	struct sr_model m;
	struct sr_synth_opts o;
	struct sr_source *s;
	struct sr_err e = { 0 };
	struct recs a = { 0 }, b = { 0 };
	(void)state;

	tiny_moe(&m, 2, 8, 2);
	sr_synth_opts_default(&o);
	o.tokens = 10;
	assert_int_equal(sr_routing_parse("temporal:0.7", &o.routing, &e), 0);
	assert_int_equal(sr_synth_open(&m, &o, &s, &e), 0);
	assert_int_equal(read_all(s, 3, &a, &e), 0);
	assert_int_equal(s->rewind(s, &e), 0);
	assert_int_equal(read_all(s, 11, &b, &e), 0);
	same_recs(&a, &b);
	s->close(s);
	free(a.r);
	free(b.r);
	/* rewound in the middle of the prefill batch's row gathers */
	o.prefill = 30;
	a = synth(&m, &o, 1000);
	assert_int_equal(sr_synth_open(&m, &o, &s, &e), 0);
	{
		struct sr_rec few[5];

		assert_int_equal(sr_source_next(s, few, 5, &e), 5);
		assert_int_equal(rec_tensor(&m, &few[4])->kind, SR_TK_TOKEN_EMBD);
	}
	assert_int_equal(s->rewind(s, &e), 0);
	b = (struct recs){ 0 };
	assert_int_equal(read_all(s, 7, &b, &e), 0);
	same_recs(&a, &b);
	s->close(s);
	free(a.r);
	free(b.r);
	free_model(&m);
}

/* Prefill: one batch, dense tensors once, the union of the batch's experts
 * (checked against the router), each distinct embedding row once. */
static void test_prefill_union(void **state)
{
	struct sr_model m;
	struct sr_synth_opts o;
	struct sr_router *rt;
	struct sr_err e = { 0 };
	struct recs r;
	uint8_t moe[2] = { 1, 1 };
	struct sr_router_cfg rc = { .n_layer = 2, .n_expert = 16, .k = 2, .moe = moe, .seed = 9, .n_tokens = 7 };
	uint16_t ex[2];
	int want[2][16] = { { 0 } }, got[64][16] = { { 0 } };
	size_t i, dense = 0, t, rows = 0;
	uint32_t l, j;
	(void)state;

	tiny_moe(&m, 2, 16, 2);
	sr_synth_opts_default(&o);
	o.tokens = 1;
	o.prefill = 6;
	o.seed = 9;
	r = synth(&m, &o, 10);
	assert_int_equal(sr_router_open(&o.routing, &rc, &rt, &e), 0);
	for (l = 0; l < 2; l++)
		for (t = 0; t < 6; t++) {
			sr_router_route(rt, t, l, ex);
			for (j = 0; j < 2; j++)
				want[l][ex[j]] = 1;
		}
	sr_router_close(rt);
	for (i = 0; i < r.n && (r.r[i].flags & SR_RF_PREFILL); i++) {
		const struct sr_tensor *tt = rec_tensor(&m, &r.r[i]);

		assert_int_equal(!!(r.r[i].flags & SR_RF_TOKEN), i == 0);
		if (tt->n_expert)
			got[sr_tag_tensor(r.r[i].tag)][sr_tag_expert(r.r[i].tag)]++;
		else if (tt->kind == SR_TK_TOKEN_EMBD)
			rows++;
		else
			dense++;
	}
	assert_true(rows >= 1 && rows <= 6);
	assert_int_equal(dense, m.n_tensors - 1 - 6); /* all but token_embd and the expert tensors */
	for (t = 0; t < m.n_tensors; t++) {
		if (!m.tensors[t].n_expert)
			continue;
		for (j = 0; j < 16; j++)
			assert_int_equal(got[t][j], want[m.tensors[t].layer][j]);
	}
	/* then the decode token, flagged as a token and not prefill */
	assert_true(i < r.n);
	assert_int_equal(r.r[i].flags, SR_RF_TOKEN);
	free(r.r);
	free_model(&m);
}

/* page:4096: every record one aligned page (the last clipped at the end of
 * the model), and the pages cover every tensor range the tensor schedule reads. */
static void test_page_access(void **state)
{
	struct sr_model m;
	struct sr_synth_opts o;
	struct recs whole, pages;
	size_t i, j;
	(void)state;

	tiny_moe(&m, 2, 8, 2);
	sr_synth_opts_default(&o);
	o.tokens = 4;
	whole = synth(&m, &o, 64);
	o.access = SR_ACCESS_PAGE;
	o.page = 4096;
	pages = synth(&m, &o, 64);
	assert_true(pages.n > 0);
	for (i = 0; i < pages.n; i++) {
		assert_int_equal(pages.r[i].off % 4096, 0);
		if (pages.r[i].off + 4096 <= m.file_size)
			assert_int_equal(pages.r[i].len, 4096);
		else
			assert_int_equal(pages.r[i].off + pages.r[i].len, m.file_size);
		if (i)
			assert_false(pages.r[i].off == pages.r[i - 1].off);
	}
	/* every page of every range the tensor schedule reads is faulted */
	for (i = 0; i < whole.n; i++) {
		uint64_t pg;

		for (pg = whole.r[i].off & ~4095ull; pg < whole.r[i].off + whole.r[i].len; pg += 4096) {
			for (j = 0; j < pages.n && pages.r[j].off != pg; j++)
				;
			assert_true(j < pages.n);
		}
	}
	free(whole.r);
	free(pages.r);
	free_model(&m);
}

/* gflops=G: t_ns is the compute before each access, 2 flops per element. */
static void test_compute_times(void **state)
{
	struct sr_model m;
	struct sr_synth_opts o;
	struct recs r;
	double want = 0;
	size_t i;
	(void)state;

	tiny_llama(&m, 2);
	sr_synth_opts_default(&o);
	o.tokens = 2;
	o.gflops = 0.5; /* 0.5 flop per ns */
	r = synth(&m, &o, 16);
	for (i = 0; i < r.n; i++) {
		const struct sr_tensor *t = rec_tensor(&m, &r.r[i]);

		assert_int_equal(r.r[i].t_ns, (uint64_t)want);
		if (t->kind != SR_TK_TOKEN_EMBD) /* a row gather computes nothing */
			want += 2.0 * (double)(r.r[i].len / 4) / 0.5;
	}
	free(r.r);
	o.gflops = 0;
	o.ns_per_byte = 2;
	r = synth(&m, &o, 16);
	assert_int_equal(r.r[1].t_ns, 0);
	assert_int_equal(r.r[2].t_ns, 2 * 256); /* after attn_norm's 256 bytes */
	free(r.r);
	free_model(&m);
}

/* --kv ctx=N: per layer per token, after the projections and before
 * attn_output: write K and V of the new position, read N positions of each. */
static void test_kv(void **state)
{
	struct sr_model m;
	struct sr_synth_opts o;
	struct recs r;
	size_t i, kv = 0;
	uint64_t krow = 16 * 2 * 2; /* head 16, 2 kv heads, F16 */
	(void)state;

	tiny_llama(&m, 2);
	sr_synth_opts_default(&o);
	o.tokens = 3;
	o.kv_ctx = 8;
	o.kv_write = 1;
	r = synth(&m, &o, 16);
	for (i = 0; i < r.n; i++) {
		uint64_t base;

		if (!(r.r[i].flags & SR_RF_KV)) {
			assert_true(r.r[i].off + r.r[i].len <= m.file_size);
			continue;
		}
		kv++;
		/* tagged with the layer and K or V (synth/kv.h), sequence 0 */
		assert_int_equal(r.r[i].tag, sr_kv_tag((uint32_t)((kv - 1) / 4 % 2), 0, (kv - 1) % 2));
		assert_int_equal(rec_tensor(&m, &r.r[i - 1 - (kv - 1) % 4])->kind, SR_TK_ATTN_K);
		base = ((m.file_size + 4095) & ~4095ull) + ((kv - 1) / 4 % 2) * 8 * 2 * krow;
		switch ((kv - 1) % 4) {
		case 0: /* write K at slot token % 8 */
			assert_int_equal(r.r[i].op, SR_OP_WRITE);
			assert_int_equal(r.r[i].off, base + ((kv - 1) / 8) * krow);
			assert_int_equal(r.r[i].len, krow);
			break;
		case 1:
			assert_int_equal(r.r[i].op, SR_OP_WRITE);
			assert_int_equal(r.r[i].off, base + 8 * krow + ((kv - 1) / 8) * krow);
			break;
		case 2:
			assert_int_equal(r.r[i].op, SR_OP_READ);
			assert_int_equal(r.r[i].off, base);
			assert_int_equal(r.r[i].len, 8 * krow);
			break;
		case 3:
			assert_int_equal(r.r[i].op, SR_OP_READ);
			assert_int_equal(r.r[i].off, base + 8 * krow);
			assert_int_equal(rec_tensor(&m, &r.r[i + 1])->kind, SR_TK_ATTN_OUT);
			break;
		}
	}
	assert_int_equal(kv, 3 * 2 * 4);
	free(r.r);
	free_model(&m);
}

/* A model with matrices of hundreds of pages whose rows (4000 bytes) do not
 * line up with pages, so ggml's row chunks share pages at their ends. */
static void wide_model(struct sr_model *m)
{
	static const struct tspec glob[] = {
		{ "token_embd.weight", SR_TK_TOKEN_EMBD, 0, 1000, 50, 0 },
		{ "output_norm.weight", SR_TK_OUTPUT_NORM, 0, 1000, 0, 0 },
		{ "output.weight", SR_TK_OUTPUT, 0, 1000, 300, 0 },
	};
	static const struct tspec lay[] = {
		{ "blk.%d.attn_norm.weight", SR_TK_ATTN_NORM, 0, 1000, 0, 0 },
		{ "blk.%d.attn_q.weight", SR_TK_ATTN_Q, 0, 1000, 1000, 0 },
		{ "blk.%d.ffn_gate.weight", SR_TK_FFN_GATE, 0, 1000, 700, 0 },
		{ "blk.%d.ffn_down.weight", SR_TK_FFN_DOWN, 0, 700, 1000, 0 },
	};

	build_model(m, "llama", 2, glob, 3, lay, sizeof(lay) / sizeof(lay[0]), 0, 0);
}

static int cmp_rec(const void *pa, const void *pb)
{
	const struct sr_rec *a = pa, *b = pb;

	if (a->tag != b->tag)
		return a->tag < b->tag ? -1 : 1;
	return a->off < b->off ? -1 : a->off > b->off;
}

/* Records of token k (0-based; the token flag opens each), sorted by tag
 * and offset into *out; returns how many. */
static size_t token_sorted(const struct recs *r, int k, struct sr_rec **out)
{
	size_t i, b = 0, n;
	int tok = -1;

	for (i = 0; i < r->n; i++) {
		if (r->r[i].flags & SR_RF_TOKEN && ++tok == k)
			b = i;
		if (tok > k)
			break;
	}
	n = i - b;
	*out = malloc(n * sizeof(**out));
	assert_non_null(*out);
	memcpy(*out, r->r + b, n * sizeof(**out));
	qsort(*out, n, sizeof(**out), cmp_rec);
	return n;
}

/* --threads: per token, the same pages of the same tensors as one stream,
 * each once; only the order differs, and really is interleaved. */
static void test_threads_same_pages(void **state)
{
	struct sr_model m;
	struct sr_synth_opts o;
	struct recs one, four;
	struct sr_rec *a, *b;
	size_t na, nb, i, jumps = 0;
	int k;
	(void)state;

	wide_model(&m);
	sr_synth_opts_default(&o);
	o.tokens = 3;
	o.access = SR_ACCESS_PAGE;
	one = synth(&m, &o, 64);
	o.threads = 4;
	four = synth(&m, &o, 64);
	assert_int_equal(one.n, four.n);
	for (k = 0; k < 3; k++) {
		na = token_sorted(&one, k, &a);
		nb = token_sorted(&four, k, &b);
		assert_int_equal(na, nb);
		for (i = 0; i < na; i++) {
			assert_int_equal(a[i].off, b[i].off);
			assert_int_equal(a[i].tag, b[i].tag);
			assert_int_equal(a[i].len, b[i].len);
			if (i) /* no page twice for one tensor in a token */
				assert_false(b[i].tag == b[i - 1].tag && b[i].off == b[i - 1].off);
		}
		free(a);
		free(b);
	}
	for (i = 1; i < four.n; i++) {
		assert_int_equal(four.r[i].seq, i + 1);
		jumps += four.r[i].tag == four.r[i - 1].tag && four.r[i].off != four.r[i - 1].off + 4096;
	}
	/* 4 threads picked at random: ~3/4 of the steps change thread */
	assert_true(jumps > four.n / 2);
	free(one.r);
	free(four.r);
	free_model(&m);
}

/* Each of ggml's row chunks is walked by one thread, in ascending order:
 * the faults on pages wholly inside a chunk come in ascending order. A
 * decode token's matmul (one column) cuts rows into chunks of 64, or into
 * one chunk per thread when that gives fewer than 4 per thread. */
static void test_threads_chunks_ascending(void **state)
{
	struct sr_model m;
	struct sr_synth_opts o;
	struct recs r;
	unsigned nth;
	size_t i;
	(void)state;

	wide_model(&m);
	for (nth = 2; nth <= 16; nth *= 2) {
		sr_synth_opts_default(&o);
		o.tokens = 2;
		o.access = SR_ACCESS_PAGE;
		o.threads = nth;
		o.seed = nth;
		r = synth(&m, &o, 100);
		for (size_t ti = 0; ti < m.n_tensors; ti++) {
			const struct sr_tensor *t = &m.tensors[ti];
			uint64_t rows = t->ne[1], rb = t->bytes / rows, nchunk, dr, last[64] = { 0 };
			size_t seen = 0;

			if (rows < 2 || t->kind == SR_TK_TOKEN_EMBD)
				continue;
			nchunk = (rows + 63) / 64;
			if (nchunk < 4 * nth)
				nchunk = nth;
			dr = (rows + nchunk - 1) / nchunk;
			for (i = 0; i < r.n; i++) {
				uint64_t c, lo, hi;

				if ((size_t)sr_tag_tensor(r.r[i].tag) != ti)
					continue;
				if (r.r[i].flags & SR_RF_TOKEN || (i && r.r[i - 1].tag != r.r[i].tag))
					memset(last, 0, sizeof(last)); /* a new walk */
				seen++;
				if (r.r[i].off < t->off)
					continue; /* the page the previous tensor ends in */
				c = (r.r[i].off - t->off) / (dr * rb);
				lo = t->off + c * dr * rb;
				hi = lo + dr * rb;
				if (r.r[i].off < lo || r.r[i].off + 4096 > hi)
					continue; /* a page two chunks share */
				assert_true(c < 64);
				assert_true(r.r[i].off > last[c]);
				last[c] = r.r[i].off;
			}
			assert_true(seen > 0);
		}
		free(r.r);
	}
	free_model(&m);
}

/* Same seed, same interleaving whatever the batch size; another seed,
 * another order; rewind replays it. --threads 1 is the plain stream. */
static void test_threads_seeded(void **state)
{
	struct sr_model m;
	struct sr_synth_opts o;
	struct recs a, b, c, d;
	struct sr_source *s;
	struct sr_err e = { 0 };
	size_t i, diff = 0;
	(void)state;

	wide_model(&m);
	sr_synth_opts_default(&o);
	o.tokens = 2;
	o.prefill = 5;
	o.access = SR_ACCESS_PAGE;
	o.threads = 8;
	o.seed = 11;
	a = synth(&m, &o, 1);
	b = synth(&m, &o, 4096);
	same_recs(&a, &b);
	o.seed = 12;
	c = synth(&m, &o, 64);
	assert_int_equal(a.n, c.n);
	for (i = 0; i < a.n; i++)
		diff += a.r[i].off != c.r[i].off;
	assert_true(diff > a.n / 4);
	o.seed = 11;
	assert_int_equal(sr_synth_open(&m, &o, &s, &e), 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(read_all(s, 333, &d, &e), 0);
	free(d.r);
	memset(&d, 0, sizeof(d));
	assert_int_equal(s->rewind(s, &e), 0);
	assert_int_equal(read_all(s, 77, &d, &e), 0);
	same_recs(&a, &d);
	s->close(s);
	free(a.r);
	free(b.r);
	free(c.r);
	free(d.r);
	/* one thread: every tensor's pages in ascending order */
	o.threads = 1;
	o.prefill = 0;
	a = synth(&m, &o, 64);
	for (i = 1; i < a.n; i++)
		if (a.r[i].tag == a.r[i - 1].tag)
			assert_int_equal(a.r[i].off, a.r[i - 1].off + 4096);
	free(a.r);
	free_model(&m);
}

static void test_bad_opts(void **state)
{
	struct sr_model m;
	struct sr_synth_opts o;
	struct sr_source *s = NULL;
	struct sr_err e = { 0 };
	(void)state;

	tiny_moe(&m, 1, 8, 2);
	sr_synth_opts_default(&o);
	o.tokens = 0;
	assert_int_equal(sr_synth_open(&m, &o, &s, &e), -EINVAL);
	assert_true(e.bad_input);
	sr_synth_opts_default(&o);
	o.access = SR_ACCESS_PAGE;
	o.page = 3000;
	sr_err_clear(&e);
	assert_int_equal(sr_synth_open(&m, &o, &s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "power of two"));
	sr_synth_opts_default(&o);
	o.access = SR_ACCESS_PAGE;
	o.threads = 0;
	sr_err_clear(&e);
	assert_int_equal(sr_synth_open(&m, &o, &s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "--threads"));
	sr_synth_opts_default(&o);
	m.hp.n_expert_used = 0; /* experts but no top-k */
	sr_err_clear(&e);
	assert_int_equal(sr_synth_open(&m, &o, &s, &e), -EINVAL);
	assert_true(e.bad_input);
	assert_null(strchr(e.msg, '\n'));
	free_model(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_order_dense),
		cmocka_unit_test(test_exec_order_moe),
		cmocka_unit_test(test_expert_slices),
		cmocka_unit_test(test_same_seed_same_schedule),
		cmocka_unit_test(test_rewind),
		cmocka_unit_test(test_prefill_union),
		cmocka_unit_test(test_page_access),
		cmocka_unit_test(test_compute_times),
		cmocka_unit_test(test_kv),
		cmocka_unit_test(test_threads_same_pages),
		cmocka_unit_test(test_threads_chunks_ascending),
		cmocka_unit_test(test_threads_seeded),
		cmocka_unit_test(test_bad_opts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
