/* KV caches on SSD (synth/kv.c, synth/kv_tier.c, trace/analyze_kv.c):
 * per-position geometry (GQA, MLA, cache types), the offloaded layout
 * (contiguous and paged), the offload schedule's per-position read counts,
 * and the prefix tier's LRU hits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "synth/kv_sched.h"
#include "trace/analyze_kv.h"

#include "synth_util.h"

static void add_kv_u32(struct sr_model *m, const char *key, uint64_t v)
{
	m->kvs = realloc(m->kvs, (m->n_kvs + 1) * sizeof(*m->kvs));
	assert_non_null(m->kvs);
	memset(&m->kvs[m->n_kvs], 0, sizeof(*m->kvs));
	m->kvs[m->n_kvs].key = strdup(key);
	m->kvs[m->n_kvs].type = SR_GGUF_U32;
	m->kvs[m->n_kvs].n = 1;
	m->kvs[m->n_kvs].v.u64 = v;
	m->n_kvs++;
}

/* GQA from the hparams; MLA from kv_lora_rank + rope dims (DeepSeek-V3:
 * 576 values, 1152 bytes at F16); q8_0 in 34-byte blocks of 32; no heads:
 * bad input. */
static void test_geom(void **state)
{
	struct sr_model m = { 0 };
	struct sr_kv_geom g;
	struct sr_err e = { 0 };
	(void)state;

	m.name = strdup("m");
	m.arch = strdup("llama");
	m.hp.n_embd = 4096;
	m.hp.n_head = 32;
	m.hp.n_head_kv = 32;
	assert_int_equal(sr_kv_geom(&m, SR_KV_F16, "--kv-offload", &g, &e), 0);
	assert_int_equal(g.krow + g.vrow, 16384); /* llama-2-7b: 16 KiB per position per layer */
	assert_int_equal(sr_kv_geom(&m, SR_KV_Q8_0, "--kv-offload", &g, &e), 0);
	assert_int_equal(g.krow, 4096 / 32 * 34);
	m.hp.n_head_kv = 8; /* GQA */
	assert_int_equal(sr_kv_geom(&m, SR_KV_F32, "--kv-offload", &g, &e), 0);
	assert_int_equal(g.krow, 8 * 128 * 4);
	m.hp.n_head = m.hp.n_head_kv = 0;
	assert_int_equal(sr_kv_geom(&m, SR_KV_F16, "--kv-offload", &g, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "no attention geometry"));
	free(m.arch);
	m.arch = strdup("deepseek2");
	add_kv_u32(&m, "deepseek2.attention.kv_lora_rank", 512);
	add_kv_u32(&m, "deepseek2.rope.dimension_count", 64);
	assert_int_equal(sr_kv_geom(&m, SR_KV_F16, "--kv-offload", &g, &e), 0);
	assert_int_equal(g.krow, 1152);
	assert_int_equal(g.vrow, 0);
	assert_int_equal(g.mla, 1);
	sr_model_free(&m);
}

/* Sliding-window attention: gpt-oss's window 128 on even layers (llama.cpp's
 * set_swa_pattern(2)); an explicit pattern key wins; an arch with a window
 * and no known pattern stays full; the offload schedule reads only the last
 * W - 1 positions of a SWA layer and all of a full one. */
static void test_swa(void **state)
{
	struct sr_model m = { 0 };
	struct sr_kv_geom g;
	struct sr_err e = { 0 };
	struct sr_kv_layout l = { .base = 0, .positions = 1004, .seqs = 1, .krow = 8, .vrow = 8, .n_layer = 4 };
	uint64_t sub = 0, off, len;
	uint32_t tag;
	(void)state;

	m.name = strdup("m");
	m.arch = strdup("gpt-oss");
	m.hp.n_embd = 2880;
	m.hp.n_head = 64;
	m.hp.n_head_kv = 8;
	assert_int_equal(sr_kv_geom(&m, SR_KV_F16, "--kv", &g, &e), 0);
	assert_int_equal(g.swa, 0); /* no window key: full attention */
	add_kv_u32(&m, "gpt-oss.attention.sliding_window", 128);
	assert_int_equal(sr_kv_geom(&m, SR_KV_F16, "--kv", &g, &e), 0);
	assert_int_equal(g.swa, 128);
	assert_int_equal(g.swa_pattern, 2);
	assert_int_equal(sr_kv_seen(g.swa, g.swa_pattern, 0), 127);
	assert_true(sr_kv_seen(g.swa, g.swa_pattern, 1) == UINT64_MAX);
	assert_int_equal(sr_kv_seen(128, 6, 4), 127); /* gemma3: five SWA layers, then a full one */
	assert_true(sr_kv_seen(128, 6, 5) == UINT64_MAX);
	add_kv_u32(&m, "gpt-oss.attention.sliding_window_pattern", 3);
	assert_int_equal(sr_kv_geom(&m, SR_KV_F16, "--kv", &g, &e), 0);
	assert_int_equal(g.swa_pattern, 3);
	sr_model_free(&m);
	memset(&m, 0, sizeof(m));
	m.arch = strdup("llama");
	m.hp.n_embd = 4096;
	m.hp.n_head = 32;
	add_kv_u32(&m, "llama.attention.sliding_window", 4096);
	assert_int_equal(sr_kv_geom(&m, SR_KV_F16, "--kv", &g, &e), 0);
	assert_int_equal(g.swa, 0);
	sr_model_free(&m);

	l.swa = 128;
	l.swa_pattern = 2;
	/* decode step 3 after a 1000-token prompt: layer 0 reads [876, 1003), layer 1 [0, 1003) */
	assert_int_equal(sr_kv_offload_next(&l, 1000, 0, 3, 0, 0, 0, &sub, &off, &len, &tag), 1);
	assert_int_equal(off, 876 * 8);
	assert_int_equal(len, 127 * 8);
	sub = 0;
	assert_int_equal(sr_kv_offload_next(&l, 1000, 0, 3, 1, 0, 0, &sub, &off, &len, &tag), 1);
	assert_int_equal(len, 1003 * 8);
	/* a short context is read whole on a SWA layer too */
	sub = 0;
	assert_int_equal(sr_kv_offload_next(&l, 50, 0, 0, 0, 0, 0, &sub, &off, &len, &tag), 1);
	assert_int_equal(off, 0);
	assert_int_equal(len, 50 * 8);
}

/* Contiguous: one range per sequence; paged: one per block, sequence b's
 * block j at physical j*B + b, V blocks after all K blocks. */
static void test_layout(void **state)
{
	struct sr_kv_layout l = { .base = 1000, .positions = 40, .seqs = 2, .krow = 8, .vrow = 8, .n_layer = 2 };
	uint64_t off, len;
	(void)state;

	assert_int_equal(sr_kv_layer_bytes(&l), 2 * 40 * 16);
	assert_int_equal(sr_kv_range(&l, 1, 1, 1, 2, 5, 0, &off, &len), 1);
	assert_int_equal(off, 1000 + 1280 + 40 * 16 + 40 * 8 + 2 * 8);
	assert_int_equal(len, 3 * 8);
	assert_int_equal(sr_kv_range(&l, 1, 1, 1, 2, 5, 1, &off, &len), 0);
	l.block = 16; /* 3 blocks a sequence */
	assert_int_equal(sr_kv_layer_bytes(&l), 2 * 48 * 16);
	assert_int_equal(sr_kv_range(&l, 0, 1, 0, 0, 40, 0, &off, &len), 1);
	assert_int_equal(off, 1000 + 1 * 16 * 8);
	assert_int_equal(len, 16 * 8);
	assert_int_equal(sr_kv_range(&l, 0, 1, 0, 0, 40, 2, &off, &len), 1);
	assert_int_equal(off, 1000 + 5 * 16 * 8);
	assert_int_equal(len, 8 * 8);
	assert_int_equal(sr_kv_range(&l, 0, 1, 0, 0, 40, 3, &off, &len), 0);
	/* one position mid-block: the V row of position 17, sequence 0, layer 1 */
	assert_int_equal(sr_kv_range(&l, 1, 0, 1, 17, 18, 0, &off, &len), 1);
	assert_int_equal(off, 1000 + 2 * 48 * 16 + 6 * 16 * 8 + (2 * 16 + 1) * 8);
	assert_int_equal(len, 8);
}

/* The offload schedule through the analysis: prompt positions read G
 * times, output position i G-1-i times, for every layer and sequence. */
static void run_offload(uint64_t block, uint64_t batch)
{
	struct sr_model m;
	struct sr_synth_opts o;
	struct sr_source *src;
	struct sr_analyze_kv k = { 0 };
	struct sr_kv_dist d;
	struct sr_err e = { 0 };
	struct sr_rec r[256];
	uint64_t P = 20, G = 6, i;
	int n, j;

	tiny_llama(&m, 3);
	sr_synth_opts_default(&o);
	o.kv_prompt = P;
	o.kv_gen = G;
	o.kv_batch = batch;
	o.kv_block = block;
	o.kv_only = 1;
	assert_int_equal(sr_synth_open(&m, &o, &src, &e), 0);
	while ((n = sr_source_next(src, r, 256, &e)) > 0)
		for (j = 0; j < n; j++) {
			assert_true(r[j].flags & SR_RF_KV);
			assert_int_equal(sr_analyze_kv_add(&k, &r[j], &e), 0);
		}
	assert_int_equal(n, 0);
	src->close(src);
	assert_int_equal(sr_analyze_kv_dist(&k, &d), 0);
	assert_int_equal(d.unit, 64); /* 16 x 2 heads x F16 */
	assert_int_equal(k.steps, G);
	assert_int_equal(sr_analyze_kv_tokens(&k), G * batch);
	assert_int_equal(d.n_rows, G + 1);
	for (i = 0; i < G; i++) {
		assert_int_equal(d.rows[i].reads, i);
		assert_int_equal(d.rows[i].positions, 3 * batch); /* output position G-1-i */
	}
	assert_int_equal(d.rows[G].reads, G);
	assert_int_equal(d.rows[G].positions, P * 3 * batch);
	free(d.rows);
	sr_analyze_kv_free(&k);
	free_model(&m);
}

static void test_offload(void **state)
{
	(void)state;
	run_offload(0, 1);
	run_offload(0, 3);
	run_offload(16, 2);
	run_offload(1, 1);
}

/* 2 sessions x 2 turns of 256 tokens after a 256-token shared prefix,
 * chunks of 256: lookups 2 + 2 + 3 + 3, hits 0 + 1 (shared) + 2 + 2. With
 * room for one object LRU keeps nothing a later request needs. */
static void tier_run(uint64_t capacity_objects, uint64_t *hits, uint64_t *chunks)
{
	struct sr_model m;
	struct sr_synth_opts o;
	struct sr_source *src;
	struct sr_kv_tier_stats st;
	struct sr_err e = { 0 };
	struct sr_rec r[64];
	uint64_t reads = 0;
	int n, j;

	tiny_llama(&m, 2);
	sr_synth_opts_default(&o);
	o.tier.on = 1;
	o.tier.sessions = 2;
	o.tier.turns = 2;
	o.tier.shared = 256;
	o.tier.turn_tokens = 256;
	o.tier.capacity = capacity_objects * 256 * 128 * 2;
	assert_int_equal(sr_synth_open(&m, &o, &src, &e), 0);
	while ((n = sr_source_next(src, r, 64, &e)) > 0)
		for (j = 0; j < n; j++) {
			assert_int_equal(r[j].len, 256 * 128);
			assert_true(r[j].off + r[j].len <= o.tier.capacity);
			reads += r[j].op == SR_OP_READ;
		}
	sr_kv_tier_stats(src, &st);
	src->close(src);
	free_model(&m);
	assert_int_equal(st.requests, 4);
	assert_int_equal(reads, st.hits * 2);
	*hits = st.hits;
	*chunks = st.chunks;
}

static void test_tier(void **state)
{
	uint64_t h, c;
	(void)state;

	tier_run(100, &h, &c);
	assert_int_equal(c, 10);
	assert_int_equal(h, 5);
	tier_run(1, &h, &c);
	assert_int_equal(h, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geom),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_swa),
		cmocka_unit_test(test_offload),
		cmocka_unit_test(test_tier),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
