/* test_gguf's tool modes: the JSON dump and reference file that
 * tests/integration/gguf_npm.sh compares with @huggingface/gguf, and the
 * parse/write measurements. Included by test_gguf.c only. */
#ifndef SR_TEST_GGUF_TOOL_H
#define SR_TEST_GGUF_TOOL_H

#include <jansson.h>
#include <time.h>

#include "gguf_util.h"

static json_t *scalar_json(uint32_t type, uint64_t bits)
{
	char s[32];
	float f;
	double d;
	uint32_t w;

	switch (type) {
	case SR_GGUF_F32:
		w = (uint32_t)bits;
		memcpy(&f, &w, 4);
		return json_real(f);
	case SR_GGUF_F64:
		memcpy(&d, &bits, 8);
		return json_real(d);
	case SR_GGUF_BOOL:
		return json_boolean(bits != 0);
	case SR_GGUF_I8: snprintf(s, sizeof(s), "%d", (int8_t)bits); break;
	case SR_GGUF_I16: snprintf(s, sizeof(s), "%d", (int16_t)bits); break;
	case SR_GGUF_I32: snprintf(s, sizeof(s), "%d", (int32_t)bits); break;
	case SR_GGUF_I64: snprintf(s, sizeof(s), "%lld", (long long)bits); break;
	default: snprintf(s, sizeof(s), "%llu", (unsigned long long)bits); break;
	}
	return json_string(s);
}

static uint64_t scalar_bits(const struct sr_kv *kv)
{
	float f;
	uint32_t w;
	uint64_t v;

	if (kv->type == SR_GGUF_F32) {
		f = (float)kv->v.f64;
		memcpy(&w, &f, 4);
		return w;
	}
	if (kv->type == SR_GGUF_F64) {
		memcpy(&v, &kv->v.f64, 8);
		return v;
	}
	return kv->v.u64;
}

/* Integers as decimal strings (64-bit values survive), floats as numbers. */
static int dump_json(const char *path)
{
	static const unsigned vsize[] = { 1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8 };
	struct sr_model m;
	struct sr_err e = { 0 };
	json_t *root, *kvs, *ts, *v, *dims;
	uint64_t bits;
	size_t i, j;
	char s[32];

	if (sr_gguf_read(path, &m, &e)) {
		fprintf(stderr, "%s\n", e.msg);
		return e.bad_input ? 2 : 1;
	}
	root = json_object();
	json_object_set_new(root, "version", json_integer(m.version));
	json_object_set_new(root, "alignment", json_integer(m.alignment));
	snprintf(s, sizeof(s), "%llu", (unsigned long long)m.data_off);
	json_object_set_new(root, "data_off", json_string(s));
	json_object_set_new(root, "n_vocab", json_integer(m.hp.n_vocab));
	json_object_set_new(root, "n_layer", json_integer(m.hp.n_layer));
	json_object_set_new(root, "n_expert", json_integer(m.hp.n_expert));
	kvs = json_array();
	for (i = 0; i < m.n_kvs; i++) {
		const struct sr_kv *kv = &m.kvs[i];
		json_t *o = json_object();

		json_object_set_new(o, "key", json_string(kv->key));
		json_object_set_new(o, "type", json_integer(kv->type));
		if (kv->type == SR_GGUF_STRING) {
			v = json_string(kv->str);
		} else if (kv->type != SR_GGUF_ARRAY) {
			v = scalar_json(kv->type, scalar_bits(kv));
		} else {
			json_object_set_new(o, "arr_type", json_integer(kv->arr_type));
			v = json_array();
			for (j = 0; j < kv->n; j++) {
				if (kv->arr_type == SR_GGUF_STRING) {
					json_array_append_new(v, json_string(kv->strs[j]));
					continue;
				}
				bits = 0;
				memcpy(&bits, (uint8_t *)kv->data + j * vsize[kv->arr_type],
				       vsize[kv->arr_type]);
				json_array_append_new(v, scalar_json(kv->arr_type, bits));
			}
		}
		json_object_set_new(o, "value", v);
		json_array_append_new(kvs, o);
	}
	json_object_set_new(root, "kvs", kvs);
	ts = json_array();
	for (i = 0; i < m.n_tensors; i++) {
		const struct sr_tensor *t = &m.tensors[i];
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(t->name));
		json_object_set_new(o, "type", json_integer(t->type));
		dims = json_array();
		for (j = 0; j < t->n_dims; j++) {
			snprintf(s, sizeof(s), "%llu", (unsigned long long)t->ne[j]);
			json_array_append_new(dims, json_string(s));
		}
		json_object_set_new(o, "dims", dims);
		snprintf(s, sizeof(s), "%llu", (unsigned long long)(t->off - m.data_off));
		json_object_set_new(o, "offset", json_string(s));
		json_object_set_new(o, "kind", json_string(sr_tkind_name((enum sr_tkind)t->kind)));
		json_object_set_new(o, "n_expert", json_integer(t->n_expert));
		json_array_append_new(ts, o);
	}
	json_object_set_new(root, "tensors", ts);
	json_dumpf(root, stdout, JSON_INDENT(1));
	putchar('\n');
	json_decref(root);
	sr_model_free(&m);
	return 0;
}

static int write_reference(const char *path)
{
	struct sr_model m;
	struct sr_err e = { 0 };
	int ret;

	build_model(&m, 3, 100, 64);
	ret = sr_gguf_layout(&m, &e) || sr_gguf_write(path, &m, SR_FILL_RANDOM, 7, &e);
	if (ret)
		fprintf(stderr, "%s\n", e.msg);
	sr_model_free(&m);
	return ret;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Header parsing of a ~1000-tensor, 32000-token model (110 layers of 9
 * tensors), and writing a 1 GiB model with each fill. */
static int bench(const char *bdir)
{
	static const char *const kinds[] = { "attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
					     "ffn_norm", "ffn_gate", "ffn_up", "ffn_down" };
	static const enum sr_gguf_fill fills[] = { SR_FILL_RANDOM, SR_FILL_ZERO, SR_FILL_SPARSE };
	static const char *const fill_names[] = { "random", "zero", "sparse" };
	struct sr_model m, r;
	struct sr_err e = { 0 };
	char path[512], name[64];
	double t0, best = 1e9, t;
	uint32_t l, k;
	int i;

	build_model(&m, 0, 32000, 32);
	for (l = 0; l < 110; l++)
		for (k = 0; k < 9; k++) {
			snprintf(name, sizeof(name), "blk.%u.%s.weight", l, kinds[k]);
			t_add(&m, name, k == 0 || k == 5 ? 0 : 12, k == 0 || k == 5 ? 1 : 2, 4096,
			      k == 0 || k == 5 ? 1 : 4096, 1);
		}
	snprintf(path, sizeof(path), "%s/bench_header.gguf", bdir);
	if (sr_gguf_layout(&m, &e) || sr_gguf_write(path, &m, SR_FILL_SPARSE, 0, &e))
		goto fail;
	for (i = 0; i < 20; i++) {
		t0 = now();
		if (sr_gguf_read(path, &r, &e))
			goto fail;
		t = now() - t0;
		best = t < best ? t : best;
		if (i == 0)
			printf("header: %zu tensors, %zu kvs, %u tokens, %llu header bytes, file %.1f GB (sparse)\n",
			       r.n_tensors, r.n_kvs, r.hp.n_vocab, (unsigned long long)r.data_off,
			       r.file_size / 1e9);
		sr_model_free(&r);
	}
	printf("sr_gguf_read, page cache warm: best of 20 %.2f ms\n", best * 1e3);
	unlink(path);
	sr_model_free(&m);

	/* 1 GiB: 16 F16 tensors of 32 MiB and 16 Q4_K of 32 MiB */
	memset(&m, 0, sizeof(m));
	m.name = strdup("bench-1g");
	kv_str(&m, "general.architecture", "llama");
	for (k = 0; k < 32; k++) {
		snprintf(name, sizeof(name), "blk.%u.ffn_up.weight", k);
		if (k % 2)
			t_add(&m, name, 12, 2, 4096, 14563, 1); /* 2304-byte rows */
		else
			t_add(&m, name, 1, 2, 4096, 4096, 1);
	}
	if (sr_gguf_layout(&m, &e))
		goto fail;
	snprintf(path, sizeof(path), "%s/bench_data.gguf", bdir);
	for (i = 0; i < 3; i++) {
		t0 = now();
		if (sr_gguf_write(path, &m, fills[i], 1, &e))
			goto fail;
		t = now() - t0;
		printf("sr_gguf_write %s: %.2f GB in %.3f s = %.2f GB/s (incl. fsync)\n", fill_names[i],
		       m.file_size / 1e9, t, m.file_size / 1e9 / t);
		unlink(path);
	}
	sr_model_free(&m);
	return 0;
fail:
	fprintf(stderr, "%s\n", e.msg);
	sr_model_free(&m);
	return 1;
}

#endif
