/* The ggml type table, tensor classification and model lookups. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "synth/model.h"

/* (id, name, block elements, block bytes) as read in ggml-org/llama.cpp:
 * ggml.h enum ggml_type, ggml.c type_traits (.blck_size) and the
 * static_asserts on sizeof(block_*) in ggml-common.h. */
static void test_type_table(void **state)
{
	static const struct sr_ggml_type want[] = {
		{ 0, "F32", 1, 4 },      { 1, "F16", 1, 2 },        { 2, "Q4_0", 32, 18 },
		{ 3, "Q4_1", 32, 20 },   { 6, "Q5_0", 32, 22 },     { 7, "Q5_1", 32, 24 },
		{ 8, "Q8_0", 32, 34 },   { 9, "Q8_1", 32, 36 },     { 10, "Q2_K", 256, 84 },
		{ 11, "Q3_K", 256, 110 }, { 12, "Q4_K", 256, 144 }, { 13, "Q5_K", 256, 176 },
		{ 14, "Q6_K", 256, 210 }, { 15, "Q8_K", 256, 292 }, { 16, "IQ2_XXS", 256, 66 },
		{ 17, "IQ2_XS", 256, 74 }, { 18, "IQ3_XXS", 256, 98 }, { 19, "IQ1_S", 256, 50 },
		{ 20, "IQ4_NL", 32, 18 }, { 21, "IQ3_S", 256, 110 }, { 22, "IQ2_S", 256, 82 },
		{ 23, "IQ4_XS", 256, 136 }, { 24, "I8", 1, 1 },     { 25, "I16", 1, 2 },
		{ 26, "I32", 1, 4 },     { 27, "I64", 1, 8 },       { 28, "F64", 1, 8 },
		{ 29, "IQ1_M", 256, 56 }, { 30, "BF16", 1, 2 },     { 34, "TQ1_0", 256, 54 },
		{ 35, "TQ2_0", 256, 66 }, { 39, "MXFP4", 32, 17 },  { 40, "NVFP4", 64, 36 },
		{ 41, "Q1_0", 128, 18 }, { 42, "Q2_0", 64, 18 },
	};
	static const uint32_t removed[] = { 4, 5, 31, 32, 33, 36, 37, 38, 43, 99, UINT32_MAX };
	const struct sr_ggml_type *t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		t = sr_ggml_type(want[i].id);
		assert_non_null(t);
		assert_int_equal(t->id, want[i].id);
		assert_string_equal(t->name, want[i].name);
		assert_int_equal(t->block_elems, want[i].block_elems);
		assert_int_equal(t->block_bytes, want[i].block_bytes);
		assert_ptr_equal(sr_ggml_type_by_name(want[i].name), t);
	}
	for (i = 0; i < sizeof(removed) / sizeof(removed[0]); i++)
		assert_null(sr_ggml_type(removed[i]));
	assert_ptr_equal(sr_ggml_type_by_name("q4_k"), sr_ggml_type(12));
	assert_ptr_equal(sr_ggml_type_by_name("bf16"), sr_ggml_type(30));
	assert_null(sr_ggml_type_by_name("Q4_2"));
	assert_null(sr_ggml_type_by_name(""));
	assert_null(sr_ggml_type_by_name(NULL));

	/* llama-2-7b's attn_q in Q4_K: 4096 / 256 blocks of 144 bytes. */
	assert_int_equal(sr_ggml_row_bytes(sr_ggml_type(12), 4096), 16 * 144);
	assert_int_equal(sr_ggml_row_bytes(sr_ggml_type(39), 2880), 90 * 17);
	assert_int_equal(sr_ggml_row_bytes(sr_ggml_type(0), 7), 28);
	assert_int_equal(sr_ggml_row_bytes(sr_ggml_type(12), 4000), 0); /* not a multiple */
	assert_int_equal(sr_ggml_row_bytes(NULL, 32), 0);
	assert_int_equal(sr_ggml_row_bytes(sr_ggml_type(27), UINT64_MAX / 4), UINT64_MAX);
}

static struct sr_tensor tensor(const char *name, uint32_t type, uint32_t n_dims, uint64_t ne0,
			       uint64_t ne1, uint64_t ne2)
{
	struct sr_tensor t = { .name = (char *)name, .type = type, .n_dims = n_dims,
			       .ne = { ne0, ne1, ne2, 1 } };

	return t;
}

static void test_classify_names(void **state)
{
	static const struct {
		const char *name;
		int layer;
		enum sr_tkind kind;
		int bias;
	} cases[] = {
		{ "token_embd.weight", -1, SR_TK_TOKEN_EMBD, 0 },
		{ "output_norm.weight", -1, SR_TK_OUTPUT_NORM, 0 },
		{ "output.weight", -1, SR_TK_OUTPUT, 0 },
		{ "blk.0.attn_norm.weight", 0, SR_TK_ATTN_NORM, 0 },
		{ "blk.31.attn_q.weight", 31, SR_TK_ATTN_Q, 0 },
		{ "blk.7.attn_k.weight", 7, SR_TK_ATTN_K, 0 },
		{ "blk.7.attn_v.weight", 7, SR_TK_ATTN_V, 0 },
		{ "blk.2.attn_qkv.weight", 2, SR_TK_ATTN_QKV, 0 },
		{ "blk.2.attn_output.weight", 2, SR_TK_ATTN_OUT, 0 },
		{ "blk.2.attn_output.bias", 2, SR_TK_ATTN_OUT, 1 },
		{ "blk.3.attn_sinks.weight", 3, SR_TK_ATTN_SINKS, 0 },
		{ "blk.3.attn_sinks", 3, SR_TK_ATTN_SINKS, 0 },
		{ "blk.3.post_attention_norm.weight", 3, SR_TK_ATTN_POST_NORM, 0 },
		{ "blk.60.attn_q_a.weight", 60, SR_TK_ATTN_Q_A, 0 },
		{ "blk.60.attn_q_a_norm.weight", 60, SR_TK_ATTN_Q_A_NORM, 0 },
		{ "blk.60.attn_q_b.weight", 60, SR_TK_ATTN_Q_B, 0 },
		{ "blk.60.attn_kv_a_mqa.weight", 60, SR_TK_ATTN_KV_A_MQA, 0 },
		{ "blk.60.attn_kv_a_norm.weight", 60, SR_TK_ATTN_KV_A_NORM, 0 },
		{ "blk.60.attn_kv_b.weight", 60, SR_TK_ATTN_KV_B, 0 },
		{ "blk.60.attn_k_b.weight", 60, SR_TK_ATTN_K_B, 0 },
		{ "blk.60.attn_v_b.weight", 60, SR_TK_ATTN_V_B, 0 },
		{ "blk.1.ffn_norm.weight", 1, SR_TK_FFN_NORM, 0 },
		{ "blk.1.ffn_gate_inp.weight", 1, SR_TK_FFN_GATE_INP, 0 },
		{ "blk.1.exp_probs_b.bias", 1, SR_TK_EXP_PROBS_B, 1 },
		{ "blk.1.ffn_gate.weight", 1, SR_TK_FFN_GATE, 0 },
		{ "blk.1.ffn_up.weight", 1, SR_TK_FFN_UP, 0 },
		{ "blk.1.ffn_down.weight", 1, SR_TK_FFN_DOWN, 0 },
		{ "blk.1.ffn_gate_shexp.weight", 1, SR_TK_FFN_GATE_SHEXP, 0 },
		{ "blk.1.ffn_up_shexp.weight", 1, SR_TK_FFN_UP_SHEXP, 0 },
		{ "blk.1.ffn_down_shexp.weight", 1, SR_TK_FFN_DOWN_SHEXP, 0 },
		{ "blk.1.ffn_gate_inp_shexp.weight", 1, SR_TK_FFN_GATE_INP_SHEXP, 0 },
		{ "rope_freqs.weight", -1, SR_TK_OTHER, 0 },
		{ "blk.x.attn_q.weight", -1, SR_TK_OTHER, 0 },
		{ "blk.1attn_q.weight", -1, SR_TK_OTHER, 0 },
		{ "blk.99999999999.attn_q.weight", -1, SR_TK_OTHER, 0 },
		{ "blk.4.token_embd.weight", 4, SR_TK_OTHER, 0 }, /* global kinds only outside blk */
		{ "attn_q.weight", -1, SR_TK_OTHER, 0 },           /* layer kinds only inside */
		{ "blk.4.attn_q.weight.extra", 4, SR_TK_OTHER, 0 },
	};
	struct sr_err e = { 0 };
	struct sr_tensor t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = tensor(cases[i].name, 0, 1, 64, 1, 1);
		assert_int_equal(sr_tensor_classify(&t, &e), 0);
		assert_int_equal(t.layer, cases[i].layer);
		assert_int_equal(t.kind, cases[i].kind);
		assert_int_equal(t.is_bias, cases[i].bias);
		assert_int_equal(t.bytes, 256);
		assert_int_equal(t.n_expert, 0);
	}
	assert_string_equal(sr_tkind_name(SR_TK_ATTN_OUT), "attn_output");
	assert_string_equal(sr_tkind_name(SR_TK_FFN_UP_EXPS), "ffn_up_exps");
	assert_string_equal(sr_tkind_name(SR_TK_OTHER), "other");
	assert_string_equal(sr_tkind_name(SR_TK_NR), "other");
	assert_string_equal(sr_tkind_name((enum sr_tkind)200), "other");
	/* every kind has a distinct name */
	for (i = 1; i < SR_TK_NR; i++) {
		size_t j;

		assert_string_not_equal(sr_tkind_name((enum sr_tkind)i), "other");
		for (j = 1; j < i; j++)
			assert_string_not_equal(sr_tkind_name((enum sr_tkind)i),
						sr_tkind_name((enum sr_tkind)j));
	}
}

static void test_classify_experts(void **state)
{
	struct sr_err e = { 0 };
	struct sr_tensor t;

	(void)state;
	/* Mixtral-8x7B: ffn_up_exps [4096, 14336, 8] Q4_K → expert = 14336 rows of 16 blocks. */
	t = tensor("blk.5.ffn_up_exps.weight", 12, 3, 4096, 14336, 8);
	assert_int_equal(sr_tensor_classify(&t, &e), 0);
	assert_int_equal(t.kind, SR_TK_FFN_UP_EXPS);
	assert_int_equal(t.layer, 5);
	assert_int_equal(t.n_expert, 8);
	assert_int_equal(t.expert_bytes, 14336ull * 16 * 144);
	assert_int_equal(t.bytes, 8 * t.expert_bytes);

	/* gpt-oss-20b: ffn_down_exps [2880, 2880, 32] MXFP4 */
	t = tensor("blk.23.ffn_down_exps.weight", 39, 3, 2880, 2880, 32);
	assert_int_equal(sr_tensor_classify(&t, &e), 0);
	assert_int_equal(t.n_expert, 32);
	assert_int_equal(t.expert_bytes, 2880ull * 90 * 17);

	/* gpt-oss expert bias: 2-D [n_ff, n_expert], the expert dimension last. */
	t = tensor("blk.0.ffn_gate_exps.bias", 0, 2, 2880, 32, 1);
	assert_int_equal(sr_tensor_classify(&t, &e), 0);
	assert_int_equal(t.kind, SR_TK_FFN_GATE_EXPS);
	assert_int_equal(t.is_bias, 1);
	assert_int_equal(t.n_expert, 32);
	assert_int_equal(t.expert_bytes, 2880 * 4);

	t = tensor("blk.0.ffn_gate_up_exps.weight", 8, 3, 64, 256, 4);
	assert_int_equal(sr_tensor_classify(&t, &e), 0);
	assert_int_equal(t.n_expert, 4);
	assert_int_equal(t.expert_bytes, 256 * 2 * 34);

	/* dense FFN and shared experts are no routed experts */
	t = tensor("blk.0.ffn_up_shexp.weight", 8, 2, 64, 256, 1);
	assert_int_equal(sr_tensor_classify(&t, &e), 0);
	assert_int_equal(t.n_expert, 0);
	assert_int_equal(t.expert_bytes, 0);
	/* a 1-D *_exps has no expert dimension */
	t = tensor("blk.0.ffn_up_exps.bias", 0, 1, 64, 1, 1);
	assert_int_equal(sr_tensor_classify(&t, &e), 0);
	assert_int_equal(t.n_expert, 0);
}

static void test_classify_errors(void **state)
{
	struct sr_err e = { 0 };
	struct sr_tensor t;

	(void)state;
	t = tensor("blk.0.attn_q.weight", 99, 2, 256, 256, 1);
	assert_int_equal(sr_tensor_classify(&t, &e), -22);
	assert_true(e.bad_input);
	assert_string_equal(e.msg, "tensor 'blk.0.attn_q.weight': unknown ggml type 99, expected a type ggml defines");
	sr_err_clear(&e);
	t = tensor("a", 12, 2, 4000, 2, 1);
	assert_int_equal(sr_tensor_classify(&t, &e), -22);
	assert_string_equal(e.msg, "tensor 'a': ne[0] = 4000, expected a multiple of the Q4_K block (256)");
	sr_err_clear(&e);
	t = tensor("a", 0, 0, 1, 1, 1);
	assert_int_equal(sr_tensor_classify(&t, &e), -22);
	assert_non_null(strstr(e.msg, "0 dimensions, expected 1 to 4"));
	sr_err_clear(&e);
	t = tensor("a", 0, 5, 1, 1, 1);
	assert_int_equal(sr_tensor_classify(&t, &e), -22);
	sr_err_clear(&e);
	t = tensor("a", 0, 1, 4, 2, 1); /* ne[1] set beyond n_dims */
	assert_int_equal(sr_tensor_classify(&t, &e), -22);
	assert_non_null(strstr(e.msg, "ne[1] = 2 beyond n_dims 1"));
	sr_err_clear(&e);
	/* 2^32 x 2^32 elements overflow 2^63 even in Q4_0's 18/32 bytes each */
	t = tensor("big", 2, 2, 1ull << 32, 1ull << 32, 1);
	assert_int_equal(sr_tensor_classify(&t, &e), -22);
	assert_non_null(strstr(e.msg, "beyond 2^63"));
	sr_err_clear(&e);
	t = tensor("big", 0, 3, 1ull << 40, 1ull << 20, 4);
	assert_int_equal(sr_tensor_classify(&t, &e), -22);
}

static void test_find_lookup(void **state)
{
	struct sr_tensor ts[5] = {
		{ .name = "a", .off = 100, .bytes = 50 },
		{ .name = "z", .off = 160, .bytes = 0 }, /* empty, ties with b */
		{ .name = "b", .off = 160, .bytes = 40 },
		{ .name = "y", .off = 170, .bytes = 0 }, /* empty, inside b */
		{ .name = "c", .off = 300, .bytes = 10 },
	};
	struct sr_kv kvs[2] = { { .key = "general.name" }, { .key = "x" } };
	struct sr_model m = { .tensors = ts, .n_tensors = 5, .kvs = kvs, .n_kvs = 2 };

	(void)state;
	assert_int_equal(sr_model_find(&m, 0), -1);
	assert_int_equal(sr_model_find(&m, 99), -1);
	assert_int_equal(sr_model_find(&m, 100), 0);
	assert_int_equal(sr_model_find(&m, 149), 0);
	assert_int_equal(sr_model_find(&m, 150), -1);
	assert_int_equal(sr_model_find(&m, 160), 2);
	assert_int_equal(sr_model_find(&m, 170), 2);
	assert_int_equal(sr_model_find(&m, 199), 2);
	assert_int_equal(sr_model_find(&m, 200), -1);
	assert_int_equal(sr_model_find(&m, 309), 4);
	assert_int_equal(sr_model_find(&m, 310), -1);
	assert_int_equal(sr_model_find(&m, UINT64_MAX), -1);
	m.n_tensors = 0;
	assert_int_equal(sr_model_find(&m, 100), -1);
	m.n_tensors = 5;
	assert_int_equal(sr_model_lookup(&m, "b"), 2);
	assert_int_equal(sr_model_lookup(&m, "c"), 4);
	assert_int_equal(sr_model_lookup(&m, "d"), -1);
	assert_ptr_equal(sr_model_kv(&m, "x"), &kvs[1]);
	assert_null(sr_model_kv(&m, "y"));
}

static void test_model_free_all(void **state)
{
	struct sr_model m = { 0 };

	(void)state;
	m.name = strdup("n");
	m.arch = strdup("llama");
	m.n_tensors = 1;
	m.tensors = calloc(1, sizeof(*m.tensors));
	m.tensors[0].name = strdup("t");
	m.n_kvs = 2;
	m.kvs = calloc(2, sizeof(*m.kvs));
	m.kvs[0].key = strdup("k");
	m.kvs[0].type = 9;
	m.kvs[0].arr_type = 8;
	m.kvs[0].n = 2;
	m.kvs[0].strs = calloc(2, sizeof(char *));
	m.kvs[0].strs[0] = strdup("s"); /* strs[1] NULL: a partly read array */
	m.kvs[1].key = strdup("j");
	m.kvs[1].str = strdup("v");
	sr_model_free(&m); /* ASan checks the leaks */
	assert_null(m.tensors);
	assert_int_equal(m.n_kvs, 0);
	sr_model_free(&m);
	sr_model_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_table),
		cmocka_unit_test(test_classify_names),
		cmocka_unit_test(test_classify_experts),
		cmocka_unit_test(test_classify_errors),
		cmocka_unit_test(test_find_lookup),
		cmocka_unit_test(test_model_free_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
