/* issue 10's strategies as simulate policies: routed-willneed,
 * pread-prefetch, tensor-rule; and RAID-0 striping in the manager. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/policy.h"
#include "policy/strategy.h"
#include "policy_util.h"

#define N_EXP 8
#define EXP_BYTES (16 * KiB)

/* Per layer: attn_q, the router (ffn_gate_inp), ffn_up_exps, ffn_down_exps. */
static void routed_model(struct sr_model *m, int layers)
{
	char name[64];
	int l;

	memset(m, 0, sizeof(*m));
	add_tensor(m, "token_embd.weight", -1, SR_TK_TOKEN_EMBD, 32 * KiB, 0);
	for (l = 0; l < layers; l++) {
		snprintf(name, sizeof(name), "blk.%d.attn_q.weight", l);
		add_tensor(m, name, l, SR_TK_ATTN_Q, 40 * KiB, 0);
		snprintf(name, sizeof(name), "blk.%d.ffn_gate_inp.weight", l);
		add_tensor(m, name, l, SR_TK_FFN_GATE_INP, 4 * KiB, 0);
		snprintf(name, sizeof(name), "blk.%d.ffn_up_exps.weight", l);
		add_tensor(m, name, l, SR_TK_FFN_UP_EXPS, N_EXP * EXP_BYTES, N_EXP);
		snprintf(name, sizeof(name), "blk.%d.ffn_down_exps.weight", l);
		add_tensor(m, name, l, SR_TK_FFN_DOWN_EXPS, N_EXP * EXP_BYTES, N_EXP);
	}
	m->hp.n_layer = (uint32_t)layers;
	m->hp.n_expert = N_EXP;
}

/* Decode tokens (after an optional prefill batch using every expert): per
 * layer attn_q, router, then 2 experts' up and down slices. used[] marks
 * (layer, expert) pairs any token routed to. */
static struct sr_rec *routed_schedule(const struct sr_model *m, int tokens, int prefill, unsigned seed,
				      uint8_t *used, size_t *n)
{
	int layers = (int)m->hp.n_layer, t, l, k;
	size_t cap = (size_t)(tokens + 1) * (1 + (size_t)layers * (2 + 2 * N_EXP)), c = 0;
	struct sr_rec *r = calloc(cap, sizeof(*r));

	assert_non_null(r);
	srand(seed);
	for (t = -prefill; t < tokens; t++) {
		uint8_t pf = t < 0 ? SR_RF_PREFILL : 0;

		r[c++] = (struct sr_rec){ .off = m->tensors[0].off, .len = 4 * KiB, .t_ns = SR_T_NONE,
					  .tag = sr_tag_make(0, -1), .flags = (uint8_t)(SR_RF_TOKEN | pf) };
		for (l = 0; l < layers; l++) {
			const struct sr_tensor *q = &m->tensors[1 + 4 * l];
			int ex[N_EXP], ne = 0, x;

			for (k = 0; k < 2; k++)
				r[c++] = (struct sr_rec){ .off = q[k].off, .len = q[k].bytes, .t_ns = SR_T_NONE,
							  .tag = sr_tag_make((uint32_t)(1 + 4 * l + k), -1), .flags = pf };
			if (pf) {
				for (x = 0; x < N_EXP; x++)
					ex[ne++] = x;
			} else {
				ex[ne++] = rand() % N_EXP;
				do
					ex[1] = rand() % N_EXP;
				while (ex[1] == ex[0]);
				ne = 2;
			}
			for (k = 2; k < 4; k++)
				for (x = 0; x < ne; x++) {
					r[c++] = (struct sr_rec){ .off = q[k].off + (uint64_t)ex[x] * EXP_BYTES, .len = EXP_BYTES,
								  .t_ns = SR_T_NONE, .flags = pf,
								  .tag = sr_tag_make((uint32_t)(1 + 4 * l + k), ex[x]) };
					if (used)
						used[l * N_EXP + ex[x]] = 1;
				}
		}
	}
	*n = c;
	return r;
}

struct opts {
	const char *engine;
	int fd;
	unsigned qd;
	uint64_t ra_kb;
	uint64_t prefill;
	unsigned nr_fds;
	const int *fds;
	uint64_t stripe;
};

static int run(const char *spec, const struct sr_model *m, const struct sr_rec *r, size_t n, uint64_t mem,
	       const struct opts *o, struct sr_sim_result *res)
{
	struct sr_err e = { 0 };
	struct mem_src src = mem_source(r, n);
	struct sr_sim_cfg c = { 0 };
	int ret;

	ret = sr_policy_parse(spec, &c.policy, &c.pp, &e);
	if (ret)
		fail_msg("%s: %s", spec, e.msg);
	c.policy_spec = spec;
	c.engine = sr_engine_find(o && o->engine ? o->engine : "null");
	c.fd = o && o->engine ? o->fd : -1;
	c.tgt_name = "test-target";
	c.target_size = m->file_size;
	c.lbs = 512;
	c.mem = mem;
	c.page = 4 * KiB;
	c.max_req = 64 * KiB;
	c.qd = o && o->qd ? o->qd : 8;
	c.model = m;
	c.seed = 7;
	c.ra_kb = o && o->ra_kb ? o->ra_kb : 128;
	c.prefill_tokens = o ? o->prefill : 0;
	c.fds = o ? o->fds : NULL;
	c.nr_fds = o ? o->nr_fds : 0;
	c.stripe = o ? o->stripe : 0;
	ret = sr_sim_run(&c, &src.src, res, &e);
	if (ret)
		fail_msg("%s: %s", spec, e.msg);
	return ret;
}

static void test_parse(void **state)
{
	static const char *const good[] = {
		"routed-willneed", "routed-willneed:dontneed", "pread-prefetch", "pread-prefetch:4",
		"pread-prefetch:4:0", "pread-prefetch::2", "tensor-rule", "tensor-rule:*attn*=read,*=mmap", NULL,
	};
	static const char *const bad[] = {
		"routed-willneed:x", "pread-prefetch:0", "pread-prefetch:x", "pread-prefetch:4:y",
		"pread-prefetch:999", "tensor-rule:", "tensor-rule:*attn*", "tensor-rule:*=copy",
		"tensor-rule:=read", "tensor-rule:a=read,", NULL,
	};
	const struct sr_policy_ops *ops;
	struct sr_policy_params pp;
	struct sr_err e;
	int i;

	(void)state;
	for (i = 0; good[i]; i++) {
		sr_err_clear(&e);
		if (sr_policy_parse(good[i], &ops, &pp, &e))
			fail_msg("%s: %s", good[i], e.msg);
	}
	for (i = 0; bad[i]; i++) {
		sr_err_clear(&e);
		if (sr_policy_parse(bad[i], &ops, &pp, &e) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
		assert_true(e.bad_input);
		assert_null(strchr(e.msg, '\n'));
	}
	assert_int_equal(sr_policy_parse("pread-prefetch", &ops, &pp, &e), 0);
	assert_int_equal(pp.threads, 0); /* min(8, cores) at run time */
	assert_int_equal(pp.ahead, SR_PREAD_AHEAD);
	assert_int_equal(sr_policy_parse("pread-prefetch:3:5", &ops, &pp, &e), 0);
	assert_int_equal(pp.threads, 3);
	assert_int_equal(pp.ahead, 5);
	assert_int_equal(sr_policy_parse("tensor-rule", &ops, &pp, &e), 0);
	assert_string_equal(pp.rules, SR_RULE_DEFAULT);
	assert_true(sr_rules_read(SR_RULE_DEFAULT, "blk.0.attn_q.weight"));
	assert_false(sr_rules_read(SR_RULE_DEFAULT, "blk.0.ffn_up_exps.weight"));
	assert_false(sr_rules_read("*attn*=read", "output.weight"));
	assert_int_equal(sr_mmap_strategy_of("pread-prefetch:2"), SR_MS_PREAD_PREFETCH);
	assert_int_equal(sr_mmap_strategy_of("pagecache"), SR_MS_NONE);
	assert_true(sr_pread_threads_default() >= 1 && sr_pread_threads_default() <= SR_PREAD_THREADS_MAX);
}

/* Bytes read = demand + prefetch, for every strategy, decode and prefill. */
static void test_accounting(void **state)
{
	static const char *const specs[] = { "pagecache", "routed-willneed", "routed-willneed:dontneed",
					     "pread-prefetch:2", "pread-prefetch:8:1", "tensor-rule", NULL };
	struct sr_model m;
	struct sr_sim_result res;
	struct sr_rec *r;
	size_t n;
	int i;

	(void)state;
	routed_model(&m, 5);
	r = routed_schedule(&m, 10, 1, 3, NULL, &n);
	for (i = 0; specs[i]; i++) {
		run(specs[i], &m, r, n, m.file_size / 3, &(struct opts){ .prefill = 16 }, &res);
		assert_int_equal(res.demand_bytes + res.prefetch_bytes, res.pages_read * 4 * KiB);
		assert_int_equal(res.prefetch_bytes,
				 res.prefetch_used_bytes + res.wasted_prefetch_bytes + res.unused_prefetch_bytes);
		assert_int_equal(res.pages, res.hits + res.late + res.misses);
		assert_int_equal(res.tokens, 10);
		assert_int_equal(res.prefill_tokens, 1);
		assert_true(res.faults > 0);
	}
	free(r);
	free_model(&m);
}

/* Without kernel readahead, routed-willneed reads exactly the pages the
 * schedule touches: no unrouted expert's slice, and the routed ones ahead
 * of their use (fewer faults than plain mmap). */
static void test_willneed_routed_only(void **state)
{
	struct sr_model m;
	struct sr_sim_result pc, wn;
	uint8_t used[6 * N_EXP] = { 0 };
	uint64_t touched = 0;
	struct sr_rec *r;
	size_t n, i;
	int l, x;

	(void)state;
	routed_model(&m, 6);
	r = routed_schedule(&m, 2, 0, 11, used, &n);
	for (i = 0; i < m.n_tensors; i++)
		if (!m.tensors[i].n_expert)
			touched += m.tensors[i].layer >= 0 ? m.tensors[i].bytes : 4 * KiB;
	for (l = 0; l < 6; l++)
		for (x = 0; x < N_EXP; x++)
			touched += used[l * N_EXP + x] ? 2 * EXP_BYTES : 0;
	run("pagecache", &m, r, n, 2 * m.file_size, &(struct opts){ .ra_kb = UINT64_MAX }, &pc);
	run("routed-willneed", &m, r, n, 2 * m.file_size, &(struct opts){ .ra_kb = UINT64_MAX }, &wn);
	assert_int_equal(pc.demand_bytes + pc.prefetch_bytes, touched);
	assert_int_equal(wn.demand_bytes + wn.prefetch_bytes, touched);
	assert_true(wn.prefetch_bytes > 0);
	assert_true(wn.faults < pc.faults);
	/* with readahead the plain mmap row does read unrouted slices: the check above can fail */
	run("pagecache", &m, r, n, 2 * m.file_size, &(struct opts){ .ra_kb = 128 }, &pc);
	assert_true(pc.demand_bytes + pc.prefetch_bytes > touched);
	free(r);
	free_model(&m);
}

/* The pread pool has T readers: never more than T prefetches in flight. */
static void test_pread_pool_limit(void **state)
{
	char path[] = "/tmp/sr-strat-XXXXXX";
	struct sr_model m;
	struct sr_sim_result res;
	struct sr_rec *r;
	char *buf;
	size_t n;
	int fd, t;

	(void)state;
	routed_model(&m, 4);
	r = routed_schedule(&m, 6, 1, 5, NULL, &n);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	buf = calloc(1, m.file_size);
	assert_non_null(buf);
	assert_int_equal(write(fd, buf, m.file_size), (ssize_t)m.file_size);
	free(buf);
	for (t = 1; t <= 3; t++) {
		char spec[32];

		snprintf(spec, sizeof(spec), "pread-prefetch:%d", t);
		run(spec, &m, r, n, m.file_size, &(struct opts){ .engine = "io_uring", .fd = fd, .qd = 16, .prefill = 8 },
		    &res);
		if (res.max_pf_inflight > (uint64_t)t || !res.max_pf_inflight)
			fail_msg("%s: %llu prefetches in flight at once", spec, (unsigned long long)res.max_pf_inflight);
	}
	close(fd);
	free(r);
	free_model(&m);
}

/* RAM >= the model: after warm-up no strategy reads anything. */
static void test_converges(void **state)
{
	static const char *const specs[] = { "pagecache", "routed-willneed", "routed-willneed:dontneed",
					     "pread-prefetch", "tensor-rule", "lru", "oracle", NULL };
	struct sr_model m;
	struct sr_sim_result res;
	struct sr_rec *r;
	size_t n;
	int i;

	(void)state;
	routed_model(&m, 4);
	r = routed_schedule(&m, 40, 1, 9, NULL, &n);
	for (i = 0; specs[i]; i++) {
		run(specs[i], &m, r, n, m.file_size + 256 * KiB, &(struct opts){ .prefill = 4 }, &res);
		if (res.last_token_read_bytes)
			fail_msg("%s read %llu bytes in the last token", specs[i],
				 (unsigned long long)res.last_token_read_bytes);
		assert_true(res.demand_bytes + res.prefetch_bytes <= m.file_size + 128 * KiB);
	}
	free(r);
	free_model(&m);
}

/* tensor-rule: the read tensors are read once into pinned frames, whole. */
static void test_tensor_rule(void **state)
{
	struct sr_model m;
	struct sr_sim_result res;
	struct sr_rec *r;
	uint64_t dense = 0;
	size_t n, i;

	(void)state;
	routed_model(&m, 4);
	r = routed_schedule(&m, 8, 0, 2, NULL, &n);
	for (i = 0; i < m.n_tensors; i++)
		if (!m.tensors[i].n_expert)
			dense += m.tensors[i].bytes;
	run("tensor-rule", &m, r, n, m.file_size / 2, &(struct opts){ .ra_kb = UINT64_MAX }, &res);
	assert_int_equal(res.pinned_read_bytes, dense);
	assert_int_equal(res.pinned_pages, dense / (4 * KiB));
	/* all experts mmapped: faults only there, at most one per expert page */
	assert_true(res.faults > 0);
	run("tensor-rule:*=mmap", &m, r, n, m.file_size / 2, &(struct opts){ .ra_kb = UINT64_MAX }, &res);
	assert_int_equal(res.pinned_read_bytes, 0);
	free(r);
	free_model(&m);
}

/* RAID-0: each request lands on one device, by the stripe; the devices'
 * bytes add up to what was read and a sequential sweep spreads evenly. */
static void test_stripe(void **state)
{
	struct sr_model m;
	struct sr_sim_result res;
	struct sr_rec *r;
	int fds[3] = { -1, -1, -1 };
	uint64_t sum = 0;
	size_t n;
	unsigned k;

	(void)state;
	dense_model(&m, 6, 192 * KiB);
	r = dense_schedule(&m, 1, &n);
	run("none", &m, r, n, 0, &(struct opts){ .nr_fds = 3, .fds = fds, .stripe = 64 * KiB }, &res);
	assert_int_equal(res.nr_dev, 3);
	for (k = 0; k < 3; k++) {
		sum += res.dev_bytes[k];
		assert_true(res.dev_bytes[k] > m.file_size / 4);
	}
	assert_int_equal(sum, res.demand_bytes + res.prefetch_bytes);
	free(r);
	free_model(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_accounting),
		cmocka_unit_test(test_willneed_routed_only),
		cmocka_unit_test(test_pread_pool_limit),
		cmocka_unit_test(test_converges),
		cmocka_unit_test(test_tensor_rule),
		cmocka_unit_test(test_stripe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
