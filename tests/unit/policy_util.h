/* Hand-built models and schedules for the policy tests: a dense model (a
 * few tensors per layer) and a MoE model (one dense tensor and one expert
 * tensor per layer), their per-token access records, an in-memory source,
 * and a one-call simulation. Include after <cmocka.h>. */
#ifndef SR_TEST_POLICY_UTIL_H
#define SR_TEST_POLICY_UTIL_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/policy.h"

#define KiB 1024ull
#define MiB (1024ull * 1024)

struct mem_src {
	struct sr_source src;
	const struct sr_rec *r;
	size_t n, pos;
};

static inline int mem_next(struct sr_source *s, struct sr_rec *out, size_t max, struct sr_err *e)
{
	struct mem_src *m = (struct mem_src *)s;
	size_t k = 0;

	(void)e;
	if (max > 7)
		max = 7; /* small batches: the window must cope */
	while (k < max && m->pos < m->n)
		out[k++] = m->r[m->pos++];
	return (int)k;
}

static inline int mem_rewind(struct sr_source *s, struct sr_err *e)
{
	(void)e;
	((struct mem_src *)s)->pos = 0;
	return 0;
}

static inline struct mem_src mem_source(const struct sr_rec *r, size_t n)
{
	struct mem_src m = { .src = { .name = "test", .format = "test", .next = mem_next,
				      .rewind = mem_rewind }, .r = r, .n = n };
	return m;
}

static inline void add_tensor(struct sr_model *m, const char *name, int layer, uint8_t kind,
			      uint64_t bytes, uint32_t n_expert)
{
	struct sr_tensor *t;
	uint64_t off = m->n_tensors ? m->tensors[m->n_tensors - 1].off + m->tensors[m->n_tensors - 1].bytes : 0;

	m->tensors = realloc(m->tensors, (m->n_tensors + 1) * sizeof(*m->tensors));
	assert_non_null(m->tensors);
	t = &m->tensors[m->n_tensors++];
	memset(t, 0, sizeof(*t));
	t->name = strdup(name);
	t->layer = layer;
	t->kind = kind;
	t->off = off;
	t->bytes = bytes;
	t->n_expert = n_expert;
	t->expert_bytes = n_expert ? bytes / n_expert : 0;
	m->file_size = off + bytes;
}

/* token_embd, per layer attn_norm (4K), attn_q, ffn_up; output. */
static inline void dense_model(struct sr_model *m, int layers, uint64_t tensor_bytes)
{
	char name[64];
	int l;

	memset(m, 0, sizeof(*m));
	add_tensor(m, "token_embd.weight", -1, SR_TK_TOKEN_EMBD, tensor_bytes, 0);
	for (l = 0; l < layers; l++) {
		snprintf(name, sizeof(name), "blk.%d.attn_norm.weight", l);
		add_tensor(m, name, l, SR_TK_ATTN_NORM, 4 * KiB, 0);
		snprintf(name, sizeof(name), "blk.%d.attn_q.weight", l);
		add_tensor(m, name, l, SR_TK_ATTN_Q, tensor_bytes, 0);
		snprintf(name, sizeof(name), "blk.%d.ffn_up.weight", l);
		add_tensor(m, name, l, SR_TK_FFN_UP, tensor_bytes, 0);
	}
	add_tensor(m, "output.weight", -1, SR_TK_OUTPUT, tensor_bytes, 0);
	m->hp.n_layer = (uint32_t)layers;
}

/* per layer: attn_q (dense) and ffn_up_exps with n_expert experts. */
static inline void moe_model(struct sr_model *m, int layers, uint32_t n_expert, uint64_t expert_bytes,
			     uint64_t dense_bytes)
{
	char name[64];
	int l;

	memset(m, 0, sizeof(*m));
	for (l = 0; l < layers; l++) {
		snprintf(name, sizeof(name), "blk.%d.attn_q.weight", l);
		add_tensor(m, name, l, SR_TK_ATTN_Q, dense_bytes, 0);
		snprintf(name, sizeof(name), "blk.%d.ffn_up_exps.weight", l);
		add_tensor(m, name, l, SR_TK_FFN_UP_EXPS, expert_bytes * n_expert, n_expert);
	}
	m->hp.n_layer = (uint32_t)layers;
	m->hp.n_expert = n_expert;
}

static inline void free_model(struct sr_model *m)
{
	sr_model_free(m);
}

/* Every tensor in file order, once per token. */
static inline struct sr_rec *dense_schedule(const struct sr_model *m, int tokens, size_t *n)
{
	struct sr_rec *r = calloc(m->n_tensors * (size_t)tokens, sizeof(*r));
	size_t k = 0, i;
	int t;

	assert_non_null(r);
	for (t = 0; t < tokens; t++)
		for (i = 0; i < m->n_tensors; i++, k++)
			r[k] = (struct sr_rec){ .off = m->tensors[i].off, .len = m->tensors[i].bytes,
						.t_ns = SR_T_NONE, .seq = k, .tag = sr_tag_make((uint32_t)i, -1),
						.flags = i ? 0 : SR_RF_TOKEN };
	*n = k;
	return r;
}

/* Per layer the dense tensor, then k experts: each of the previous token's
 * kept with probability keep_pct%, the rest drawn at random (seeded). */
static inline struct sr_rec *moe_schedule(const struct sr_model *m, int tokens, uint32_t k, int keep_pct,
					  unsigned seed, size_t *n)
{
	size_t layers = m->n_tensors / 2, cap = (size_t)tokens * layers * (1 + k), c = 0, l;
	struct sr_rec *r = calloc(cap, sizeof(*r));
	uint32_t *prev = calloc(layers * k, sizeof(*prev)), *cur = calloc(k, sizeof(*cur));
	int t;

	assert_non_null(r);
	srand(seed);
	for (t = 0; t < tokens; t++)
		for (l = 0; l < layers; l++) {
			const struct sr_tensor *d = &m->tensors[2 * l], *x = &m->tensors[2 * l + 1];
			uint32_t j, have = 0;

			r[c] = (struct sr_rec){ .off = d->off, .len = d->bytes, .t_ns = SR_T_NONE, .seq = c,
						.tag = sr_tag_make((uint32_t)(2 * l), -1),
						.flags = l ? 0 : SR_RF_TOKEN };
			c++;
			for (j = 0; t && j < k; j++)
				if (rand() % 100 < keep_pct)
					cur[have++] = prev[l * k + j];
			while (have < k) {
				uint32_t e = (uint32_t)rand() % x->n_expert, i;

				for (i = 0; i < have && cur[i] != e; i++)
					;
				if (i == have)
					cur[have++] = e;
			}
			for (j = 0; j < k; j++) {
				prev[l * k + j] = cur[j];
				r[c] = (struct sr_rec){ .off = x->off + cur[j] * x->expert_bytes, .len = x->expert_bytes,
							.t_ns = SR_T_NONE, .seq = c,
							.tag = sr_tag_make((uint32_t)(2 * l + 1), (int)cur[j]) };
				c++;
			}
		}
	free(prev);
	free(cur);
	*n = c;
	return r;
}

struct run_opts {
	const char *engine;   /* NULL: null */
	int fd;               /* with a real engine */
	uint64_t target_size; /* 0: the model's size */
	uint64_t page;        /* 0: 4K */
	unsigned qd;          /* 0: 8 */
	uint64_t compute_ns_per_token;
	uint64_t max_folio;   /* 0: 2M */
	int stale;            /* 0: the statistics always current (SR_STATS_EXACT): the lists' rules alone */
	enum sr_stat_flush stat_flush; /* with stale */
	uint64_t stat_phase_ns;
	int load_populate;
};

/* Simulate policy spec over records; asserts success. */
static inline void simulate(const char *spec, const struct sr_model *m, const struct sr_rec *r, size_t n,
			    uint64_t mem, const struct run_opts *o, struct sr_sim_result *res)
{
	struct sr_err e = { 0 };
	struct mem_src src = mem_source(r, n);
	struct sr_sim_cfg c = { 0 };
	int ret;

	ret = sr_policy_parse(spec, &c.policy, &c.pp, &e);
	if (ret)
		fprintf(stderr, "%s: %s\n", spec, e.msg);
	assert_int_equal(ret, 0);
	c.policy_spec = spec;
	c.engine = sr_engine_find(o && o->engine ? o->engine : "null");
	c.fd = o && o->engine ? o->fd : -1;
	c.tgt_name = "test-target";
	c.target_size = o && o->target_size ? o->target_size : m->file_size;
	c.lbs = 512;
	c.mem = mem;
	c.page = o && o->page ? o->page : 4 * KiB;
	c.max_req = 256 * KiB;
	c.qd = o && o->qd ? o->qd : 8;
	c.compute_ns_per_token = o ? o->compute_ns_per_token : 0;
	c.model = m;
	c.seed = 7;
	c.ra_kb = 128;
	c.max_folio = o ? o->max_folio : 0;
	c.stat_flush = o && o->stale ? o->stat_flush : SR_STATS_EXACT;
	c.stat_phase_ns = o ? o->stat_phase_ns : 0;
	c.load_populate = o ? o->load_populate : 0;
	ret = sr_sim_run(&c, &src.src, res, &e);
	if (ret)
		fprintf(stderr, "%s: %s\n", spec, e.msg);
	assert_int_equal(ret, 0);
}

#endif
