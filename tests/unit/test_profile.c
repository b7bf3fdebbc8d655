#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "synth/profile.h"

/* Published sizes and tensor counts of the files the profiles model (the
 * sources are cited in each profiles/models/NAME.ini). */
static const struct {
	const char *name;
	uint64_t size;
	size_t tensors;
} published[] = {
	{ "llama-2-7b-q4_k_m", 4081004224ull, 291 },	/* TheBloke, exact bytes */
	{ "mixtral-8x7b-q4_k_m", 26440000000ull, 323 }, /* TheBloke card 26.44 GB, merged experts */
	{ "gpt-oss-20b-mxfp4", 12109565632ull, 459 },	/* lmstudio-community, exact bytes */
	{ "gpt-oss-20b-f16", 13797582438ull, 459 },	/* 12.85 GiB, the published size */
	{ "deepseek-v3-q4_k_m", 404430000000ull, 1025 }, /* bartowski card 404.43 GB */
};

static void load(const char *name, struct sr_model *m)
{
	struct sr_err e = { 0 };
	int r = sr_profile_load(name, m, &e);

	if (r)
		fail_msg("%s: %s", name, e.msg);
}

static uint64_t row_bytes(uint32_t type, uint64_t ne0)
{
	const struct sr_ggml_type *t = sr_ggml_type(type);

	assert_non_null(t);
	assert_int_equal(ne0 % t->block_elems, 0);
	return ne0 / t->block_elems * t->block_bytes;
}

/* The GGUF v3 serialization of header, KVs and tensor infos, written out
 * independently of profile_layout.c. */
static uint64_t meta_bytes(const struct sr_model *m)
{
	static const uint64_t sz[] = { 1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8 };
	uint64_t b = 24;

	for (size_t i = 0; i < m->n_kvs; i++) {
		const struct sr_kv *k = &m->kvs[i];

		b += 8 + strlen(k->key) + 4;
		if (k->type == SR_GGUF_STRING) {
			b += 8 + strlen(k->str);
		} else if (k->type == SR_GGUF_ARRAY) {
			b += 12;
			for (uint64_t j = 0; j < k->n; j++)
				b += k->arr_type == SR_GGUF_STRING ? 8 + strlen(k->strs[j]) : sz[k->arr_type];
		} else {
			b += sz[k->type];
		}
	}
	for (size_t i = 0; i < m->n_tensors; i++)
		b += 8 + strlen(m->tensors[i].name) + 4 + 8 * m->tensors[i].n_dims + 4 + 8;
	return b;
}

static void check_layout(const struct sr_model *m)
{
	uint64_t end = m->data_off;

	assert_true(m->alignment >= 1);
	assert_int_equal(m->data_off % m->alignment, 0);
	assert_true(m->data_off >= meta_bytes(m));
	assert_true(m->data_off < meta_bytes(m) + m->alignment);
	for (size_t i = 0; i < m->n_tensors; i++) {
		const struct sr_tensor *t = &m->tensors[i];
		uint64_t rows = t->ne[1] * t->ne[2] * t->ne[3];

		assert_int_equal(t->off % m->alignment, 0);
		assert_true(t->off >= end); /* ascending, no overlap */
		assert_int_equal(t->bytes, row_bytes(t->type, t->ne[0]) * rows);
		assert_true(t->n_dims >= 1 && t->n_dims <= SR_MAX_DIMS);
		for (uint32_t d = t->n_dims; d < SR_MAX_DIMS; d++)
			assert_int_equal(t->ne[d], 1);
		end = t->off + t->bytes;
		if (t->n_expert && t->n_dims == 3) {
			/* expert e is [off + e*nb[2], +nb[2]): the slices tile the tensor */
			assert_int_equal(t->n_expert, t->ne[2]);
			assert_int_equal(t->expert_bytes, row_bytes(t->type, t->ne[0]) * t->ne[1]);
			assert_int_equal(t->expert_bytes * t->n_expert, t->bytes);
		}
		assert_int_equal(sr_ggml_type(t->type) != NULL, 1);
	}
	assert_true(end <= m->file_size);
	assert_true(m->file_size - end < m->alignment);
	assert_int_equal(m->file_size % m->alignment, 0);
}

static void test_published_sizes(void **state)
{
	(void)state;
	printf("  %-22s %16s %16s %8s %7s %8s\n", "profile", "derived bytes", "published", "diff %",
	       "tensors", "data_off");
	for (size_t i = 0; i < sizeof(published) / sizeof(published[0]); i++) {
		struct sr_model m;
		double diff;

		load(published[i].name, &m);
		diff = 100.0 * ((double)m.file_size - (double)published[i].size) / (double)published[i].size;
		printf("  %-22s %16" PRIu64 " %16" PRIu64 " %+8.3f %7zu %8" PRIu64 "\n", published[i].name,
		       m.file_size, published[i].size, diff, m.n_tensors, m.data_off);
		assert_true(diff > -1.0 && diff < 1.0);
		assert_int_equal(m.n_tensors, published[i].tensors);
		check_layout(&m);
		sr_model_free(&m);
	}
}

static void test_all_installed(void **state)
{
	char **names = sr_profile_names();
	int n = 0, tiny = 0;

	(void)state;
	assert_non_null(names);
	for (char **s = names; *s; s++, n++) {
		struct sr_model m;

		load(*s, &m);
		check_layout(&m);
		assert_true(m.hp.n_layer > 0 && m.hp.n_embd > 0 && m.hp.n_vocab > 0);
		for (size_t i = 0; i < m.n_tensors; i++)
			if (m.tensors[i].layer >= 0)
				assert_true((uint32_t)m.tensors[i].layer < m.hp.n_layer);
		tiny += !strncmp(*s, "tiny-", 5);
		sr_model_free(&m);
	}
	assert_true(n >= 7);
	assert_int_equal(tiny, 2);
	sr_profile_names_free(names);
}

static size_t count(const struct sr_model *m, enum sr_tkind k, const char *type)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_tensors; i++)
		if (m->tensors[i].kind == k && !m->tensors[i].is_bias &&
		    (!type || !strcmp(sr_ggml_type(m->tensors[i].type)->name, type)))
			n++;
	return n;
}

static long find(const struct sr_model *m, const char *name)
{
	for (size_t i = 0; i < m->n_tensors; i++)
		if (!strcmp(m->tensors[i].name, name))
			return (long)i;
	return -1;
}

static const struct sr_kv *kv(const struct sr_model *m, const char *key)
{
	for (size_t i = 0; i < m->n_kvs; i++)
		if (!strcmp(m->kvs[i].key, key))
			return &m->kvs[i];
	return NULL;
}

static void test_llama2_recipe_and_order(void **state)
{
	struct sr_model m;
	const struct sr_kv *k;

	(void)state;
	load("llama-2-7b-q4_k_m", &m);
	/* use_more_bits(i, 32): layers 0-3, 28-31 and 6, 9, ..., 27 */
	assert_int_equal(count(&m, SR_TK_ATTN_V, "Q6_K"), 16);
	assert_int_equal(count(&m, SR_TK_FFN_DOWN, "Q6_K"), 16);
	assert_int_equal(count(&m, SR_TK_ATTN_Q, "Q4_K"), 32);
	assert_string_equal(sr_ggml_type(m.tensors[find(&m, "blk.6.attn_v.weight")].type)->name, "Q6_K");
	assert_string_equal(sr_ggml_type(m.tensors[find(&m, "blk.7.attn_v.weight")].type)->name, "Q4_K");
	assert_string_equal(sr_ggml_type(m.tensors[find(&m, "output.weight")].type)->name, "Q6_K");
	assert_string_equal(sr_ggml_type(m.tensors[find(&m, "blk.0.attn_norm.weight")].type)->name, "F32");
	/* file order: token_embd, per layer q k v output gate up down norms, output_norm, output */
	assert_string_equal(m.tensors[0].name, "token_embd.weight");
	assert_string_equal(m.tensors[1].name, "blk.0.attn_q.weight");
	assert_string_equal(m.tensors[8].name, "blk.0.attn_norm.weight");
	assert_string_equal(m.tensors[9].name, "blk.0.ffn_norm.weight");
	assert_string_equal(m.tensors[289].name, "output_norm.weight");
	assert_string_equal(m.tensors[290].name, "output.weight");
	assert_int_equal(m.tensors[0].off, m.data_off);
	assert_int_equal(m.tensors[0].kind, SR_TK_TOKEN_EMBD);
	assert_int_equal(m.tensors[0].layer, -1);
	assert_int_equal(m.tensors[12].layer, 1);
	assert_int_equal(m.hp.n_ff, 11008);
	assert_int_equal(m.hp.n_head_kv, 32);
	/* metadata a llama.cpp loader needs */
	assert_string_equal(m.kvs[0].key, "general.architecture");
	assert_string_equal(m.kvs[0].str, "llama");
	k = kv(&m, "llama.block_count");
	assert_non_null(k);
	assert_int_equal(k->type, SR_GGUF_U32);
	assert_int_equal(k->v.u64, 32);
	k = kv(&m, "tokenizer.ggml.tokens");
	assert_non_null(k);
	assert_int_equal(k->n, 32000);
	assert_string_equal(k->strs[1], "<s>");
	assert_string_equal(k->strs[3], "<0x00>");
	assert_string_equal(k->strs[258], "<0xFF>");
	k = kv(&m, "general.file_type");
	assert_non_null(k);
	assert_int_equal(k->v.u64, 15);
	sr_model_free(&m);
}

static void test_moe_and_mla(void **state)
{
	struct sr_model m;
	long i;

	(void)state;
	load("deepseek-v3-q4_k_m", &m);
	assert_int_equal(m.hp.n_dense_lead, 3);
	assert_int_equal(m.hp.n_expert, 256);
	assert_int_equal(m.hp.n_expert_used, 8);
	assert_int_equal(m.hp.n_expert_shared, 1);
	/* dense FFN only in layers 0-2, experts only from layer 3 */
	assert_true(find(&m, "blk.2.ffn_up.weight") >= 0);
	assert_true(find(&m, "blk.3.ffn_up.weight") < 0);
	assert_true(find(&m, "blk.2.ffn_up_exps.weight") < 0);
	i = find(&m, "blk.60.ffn_up_exps.weight");
	assert_true(i >= 0);
	assert_int_equal(m.tensors[i].kind, SR_TK_FFN_UP_EXPS);
	assert_int_equal(m.tensors[i].n_expert, 256);
	assert_int_equal(m.tensors[i].ne[0], 7168);
	assert_int_equal(m.tensors[i].ne[1], 2048);
	i = find(&m, "blk.3.attn_kv_b.weight");
	assert_int_equal(m.tensors[i].ne[1], 128 * (128 + 128));
	assert_int_equal(m.tensors[i].kind, SR_TK_ATTN_KV_B);
	assert_int_equal(m.tensors[find(&m, "blk.3.exp_probs_b.bias")].kind, SR_TK_EXP_PROBS_B);
	/* ffn_down* Q6_K by layer: 61/8 = 7, 7*61/8 = 53, (l - 7) % 3 == 2 */
	assert_string_equal(sr_ggml_type(m.tensors[find(&m, "blk.9.ffn_down_exps.weight")].type)->name,
			    "Q6_K");
	assert_string_equal(sr_ggml_type(m.tensors[find(&m, "blk.10.ffn_down_exps.weight")].type)->name,
			    "Q4_K");
	assert_string_equal(sr_ggml_type(m.tensors[find(&m, "blk.53.ffn_down_shexp.weight")].type)->name,
			    "Q6_K");
	/* sorted order: non-layer tensors first, then by layer, names ascending */
	assert_string_equal(m.tensors[0].name, "output.weight");
	assert_string_equal(m.tensors[2].name, "token_embd.weight");
	for (size_t t = 1; t < m.n_tensors; t++) {
		const struct sr_tensor *a = &m.tensors[t - 1], *b = &m.tensors[t];

		assert_true(a->layer < b->layer || (a->layer == b->layer && strcmp(a->name, b->name) < 0));
	}
	sr_model_free(&m);

	load("gpt-oss-20b-mxfp4", &m);
	i = find(&m, "blk.0.ffn_down_exps.weight");
	assert_string_equal(sr_ggml_type(m.tensors[i].type)->name, "MXFP4");
	assert_int_equal(m.tensors[i].expert_bytes, 2880 / 32 * 17 * 2880);
	i = find(&m, "blk.0.ffn_down_exps.bias");
	assert_int_equal(m.tensors[i].is_bias, 1);
	assert_int_equal(m.tensors[i].n_expert, 32);
	assert_int_equal(m.tensors[i].expert_bytes, 2880 * 4);
	assert_int_equal(m.tensors[find(&m, "blk.5.attn_sinks.weight")].kind, SR_TK_ATTN_SINKS);
	assert_string_equal(sr_ggml_type(m.tensors[find(&m, "token_embd.weight")].type)->name, "Q8_0");
	assert_int_equal(kv(&m, "tokenizer.ggml.merges")->n, 446189);
	sr_model_free(&m);

	load("tiny-moe", &m);
	assert_int_equal(count(&m, SR_TK_FFN_GATE_EXPS, NULL), 3);
	assert_int_equal(m.hp.n_expert, 8);
	assert_int_equal(m.hp.n_expert_used, 2);
	sr_model_free(&m);
}

static void test_deterministic(void **state)
{
	struct sr_model a, b;

	(void)state;
	load("tiny-llama", &a);
	load(SR_PROFILE_DIR "/models/tiny-llama.ini", &b); /* by path */
	assert_int_equal(a.n_tensors, b.n_tensors);
	assert_int_equal(a.file_size, b.file_size);
	assert_int_equal(a.data_off, b.data_off);
	for (size_t i = 0; i < a.n_tensors; i++) {
		assert_string_equal(a.tensors[i].name, b.tensors[i].name);
		assert_int_equal(a.tensors[i].off, b.tensors[i].off);
	}
	sr_model_free(&a);
	sr_model_free(&b);
}

/* Any number of [kv] lines, with and without tokenizer scores: the tokenizer
 * arrays are added last, and adding one may move the kv array (32, 64, ...
 * entries). They used to be filled through pointers taken before the move:
 * the deepseek-v3 profile was one kv line away from a crash. */
static void test_many_kvs(void **state)
{
	char src[8192], path[] = "/tmp/sr-profile-XXXXXX.ini";
	FILE *f;
	size_t n;
	int extra, scores, fd;

	(void)state;
	f = fopen(SR_PROFILE_DIR "/models/tiny-llama.ini", "r");
	assert_non_null(f);
	n = fread(src, 1, sizeof(src) - 1, f);
	fclose(f);
	src[n] = 0;
	assert_non_null(strstr(src, "\n[kv]\n"));
	assert_non_null(strstr(src, "scores = 1\n"));
	for (scores = 0; scores < 2; scores++)
		for (extra = 0; extra <= 70; extra++) {
			struct sr_model m;
			struct sr_err e = { 0 };
			const struct sr_kv *tok, *typ, *sc;
			char *kv = strstr(src, "\n[kv]\n") + 6, *sl = strstr(src, "scores = 1\n");
			int i;

			fd = mkstemps(path, 4);
			assert_true(fd >= 0);
			f = fdopen(fd, "w");
			assert_non_null(f);
			fwrite(src, 1, (size_t)(kv - src), f);
			for (i = 0; i < extra; i++)
				fprintf(f, "test.extra_%d = u32 %d\n", i, i);
			fwrite(kv, 1, (size_t)(sl - kv), f);
			fprintf(f, "scores = %d\n", scores);
			fputs(sl + strlen("scores = 1\n"), f);
			fclose(f);
			if (sr_profile_load(path, &m, &e))
				fail_msg("%d extra kvs, scores %d: %s", extra, scores, e.msg);
			unlink(path);
			strcpy(path, "/tmp/sr-profile-XXXXXX.ini");
			tok = sr_model_kv(&m, "tokenizer.ggml.tokens");
			typ = sr_model_kv(&m, "tokenizer.ggml.token_type");
			sc = sr_model_kv(&m, "tokenizer.ggml.scores");
			assert_non_null(tok);
			assert_non_null(typ);
			assert_int_equal(tok->n, m.hp.n_vocab);
			assert_non_null(tok->strs);
			assert_non_null(tok->strs[m.hp.n_vocab - 1]);
			assert_int_equal(typ->n, m.hp.n_vocab);
			assert_non_null(typ->data);
			if (scores) {
				assert_non_null(sc);
				assert_int_equal(sc->n, m.hp.n_vocab);
				assert_non_null(sc->data);
			} else {
				assert_null(sc);
			}
			assert_non_null(sr_model_kv(&m, extra ? "test.extra_0" : "general.architecture"));
			sr_model_free(&m);
		}
}

/* ---- bad profiles: one line naming FILE:LINE and what was expected ---- */

static const char good_head[] = "[model]\n"
				"arch = llama\n"
				"[hparams]\n"
				"n_layer = 2\n"
				"n_embd = 64\n"
				"n_vocab = 300\n";
static const char good_tail[] = "[layer]\n"
				"attn_q.weight = n_embd, n_embd\n"
				"attn_norm.weight = n_embd\n"
				"[quant]\n"
				"* = Q8_0\n";

static void expect_bad(const char *text, int line, const char *needle)
{
	char path[] = "/tmp/sr-profile-XXXXXX.ini", want[64];
	int fd = mkstemps(path, 4);
	struct sr_model m;
	struct sr_err e = { 0 };
	int r;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	r = sr_profile_load(path, &m, &e);
	unlink(path);
	if (!r) {
		sr_model_free(&m);
		fail_msg("accepted: %s", text);
	}
	assert_int_equal(e.bad_input, 1);
	snprintf(want, sizeof(want), "%s:%d: ", path, line);
	if (!strstr(e.msg, want) || !strstr(e.msg, needle) || strchr(e.msg, '\n'))
		fail_msg("message '%s' lacks '%s' or '%s'", e.msg, want, needle);
}

static void test_bad_profiles(void **state)
{
	char buf[2048], longline[400];

	(void)state;
	/* baseline: the pieces below load */
	snprintf(buf, sizeof(buf), "%s%s", good_head, good_tail);
	{
		char path[] = "/tmp/sr-profile-XXXXXX.ini";
		int fd = mkstemps(path, 4);
		struct sr_model m;
		struct sr_err e = { 0 };

		assert_int_equal(write(fd, buf, strlen(buf)), (ssize_t)strlen(buf));
		close(fd);
		assert_int_equal(sr_profile_load(path, &m, &e), 0);
		assert_int_equal(m.n_tensors, 4);
		unlink(path);
		sr_model_free(&m);
	}
	snprintf(buf, sizeof(buf), "[model]\narch = llama\nflavour = sweet\n");
	expect_bad(buf, 3, "unknown key 'flavour' in [model]");
	snprintf(buf, sizeof(buf), "%s[layers]\nx = 1\n", good_head);
	expect_bad(buf, 8, "unknown section [layers]");
	snprintf(buf, sizeof(buf), "%s%s[quant]\nattn_q.weight = Q5_Z\n", good_head, good_tail);
	expect_bad(buf, 13, "unknown ggml type 'Q5_Z'");
	snprintf(buf, sizeof(buf), "%s[layer]\nattn_q.weight = n_embd, n_embed\n%s", good_head, good_tail + 8);
	expect_bad(buf, 8, "unknown hparam 'n_embed'");
	snprintf(buf, sizeof(buf), "%s[layer]\nattn_q.weight = n_embd, (n_embd\n%s", good_head, good_tail + 8);
	expect_bad(buf, 8, "expected ')'");
	snprintf(buf, sizeof(buf), "%shead_dim = n_embd / 0\n", good_head);
	expect_bad(buf, 7, "division by zero");
	snprintf(buf, sizeof(buf), "%s[layer]\nattn_q.weight = n_embd, n_embd - 64\n%s", good_head,
		 good_tail + 8);
	expect_bad(buf, 8, "expected >= 1");
	snprintf(buf, sizeof(buf), "[model]\narch = llama\n[hparams]\nn_layer = 2\nn_vocab = 300\n%s", good_tail);
	expect_bad(buf, 4, "missing required n_embd");
	snprintf(buf, sizeof(buf), "%sn_expert = 8\nn_expert_used = 9\n%s", good_head, good_tail);
	expect_bad(buf, 8, "n_expert_used = 9: expected at most n_expert = 8");
	snprintf(buf, sizeof(buf), "%sn_expert = 8\n%s", good_head, good_tail);
	expect_bad(buf, 7, "expected n_expert_used >= 1");
	snprintf(buf, sizeof(buf), "%sn_dense_lead = 1\n[layer]\nattn_q.weight = n_embd, n_embd\n[layer.dense]\n"
				   "attn_q.weight = n_embd\n[quant]\n* = Q8_0\n",
		 good_head);
	expect_bad(buf, 11, "also defined on line 9");
	snprintf(buf, sizeof(buf), "%s[layer]\nattn_q.weight = n_embd, n_embd\n[quant]\nffn_*.weight = Q8_0\n",
		 good_head);
	expect_bad(buf, 8, "no [quant] pattern matches 'attn_q.weight'");
	snprintf(buf, sizeof(buf), "%s%s[quant]\nattn_q.weight = Q6_K if lucky, Q4_K\n", good_head, good_tail);
	expect_bad(buf, 13, "expected TYPE or TYPE if more_bits");
	snprintf(buf, sizeof(buf), "%s%s[quant]\nattn_q.weight = Q6_K if more_bits\n", good_head, good_tail);
	expect_bad(buf, 13, "expected a last type without a condition");
	snprintf(buf, sizeof(buf), "%s%s[kv]\n.context_length = u33 4096\n", good_head, good_tail);
	expect_bad(buf, 13, "expected TYPE VALUE");
	snprintf(buf, sizeof(buf), "%s%s[kv]\n.context_length = u8 4096\n", good_head, good_tail);
	expect_bad(buf, 13, "out of range for u8");
	snprintf(buf, sizeof(buf), "%s%s[kv]\ngeneral.architecture = str llama\n", good_head, good_tail);
	expect_bad(buf, 13, "emitted twice");
	snprintf(buf, sizeof(buf), "%s%s[tokenizer]\nmodel = wordpiece\n", good_head, good_tail);
	expect_bad(buf, 13, "expected llama (SentencePiece) or gpt2");
	snprintf(buf, sizeof(buf), "%s%s[tokenizer]\nmodel = llama\ntoken_bytes = 6\nbos = 300\n", good_head,
		 good_tail);
	expect_bad(buf, 13, "not below n_vocab = 300");
	snprintf(buf, sizeof(buf), "%s%s[model]\norder = random\n", good_head, good_tail);
	expect_bad(buf, 13, "expected listed or sorted");
	snprintf(buf, sizeof(buf), "%s%s[model]\nalignment = 48\n", good_head, good_tail);
	expect_bad(buf, 13, "expected a power of two");
	snprintf(buf, sizeof(buf), "[hparams]\nn_layer = 2\nn_embd = 64\nn_vocab = 300\n%s", good_tail);
	expect_bad(buf, 1, "missing required arch");
	snprintf(buf, sizeof(buf), "%sthis line has no equals sign\n", good_head);
	expect_bad(buf, 7, "expected [section] or key = value");
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	snprintf(buf, sizeof(buf), "[model]\nsource = %s\n", longline);
	expect_bad(buf, 2, "line longer than");
}

static void test_unknown_name(void **state)
{
	struct sr_model m;
	struct sr_err e = { 0 };

	(void)state;
	assert_int_not_equal(sr_profile_load("llama-9b-q1", &m, &e), 0);
	assert_int_equal(e.bad_input, 1);
	assert_non_null(strstr(e.msg, "unknown model profile 'llama-9b-q1'"));
	assert_non_null(strstr(e.msg, "tiny-llama")); /* lists what is installed */
	sr_err_clear(&e);
	assert_int_not_equal(sr_profile_load("/nonexistent/x.ini", &m, &e), 0);
	assert_non_null(strstr(e.msg, "/nonexistent/x.ini: cannot open"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_published_sizes), cmocka_unit_test(test_all_installed),
		cmocka_unit_test(test_llama2_recipe_and_order), cmocka_unit_test(test_moe_and_mla),
		cmocka_unit_test(test_deterministic), cmocka_unit_test(test_bad_profiles),
		cmocka_unit_test(test_unknown_name), cmocka_unit_test(test_many_kvs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
