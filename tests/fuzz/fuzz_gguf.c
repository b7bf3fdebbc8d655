/* Fuzz the GGUF reader: the input is a whole GGUF file. A rejected file
 * must come with a one-line bad-input message; an accepted one must hold
 * the model's invariants (tensors in file order, disjoint, aligned, inside
 * the file, found by offset and name) and survive a round trip through the
 * header writer: re-encoding it and parsing that gives the same model.
 *
 * Built with -fsanitize=fuzzer this is a libFuzzer target; linked with
 * standalone.c it runs a corpus (how CTest runs it without clang):
 *   build-fuzz/tests/fuzz/fuzz_gguf_libfuzzer -dict=tests/fuzz/gguf.dict \
 *       NEW_CORPUS_DIR tests/fuzz/corpus/gguf */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/escape.h"
#include "synth/gguf.h"

#include "fuzz_common.h"

static void check_err(const struct sr_err *e, int ret, const char *prefix)
{
	if (e->code != ret || !e->msg[0] || !memchr(e->msg, '\0', sizeof(e->msg)) ||
	    strchr(e->msg, '\n'))
		abort();
	if (!e->bad_input && ret != -ENOMEM)
		abort();
	if (e->bad_input && strncmp(e->msg, prefix, strlen(prefix)))
		abort();
}

static void check_model(const struct sr_model *m, size_t size)
{
	const struct sr_tensor *t, *prev = NULL;
	struct sr_tensor c;
	struct sr_err e = { 0 };
	size_t i;

	if (!m->alignment || (m->alignment & (m->alignment - 1)) || m->data_off % m->alignment ||
	    !m->name || !m->arch)
		abort();
	for (i = 0; i < m->n_tensors; i++) {
		t = &m->tensors[i];
		if (t->off < m->data_off || (t->off - m->data_off) % m->alignment ||
		    t->off + t->bytes < t->off || t->off + t->bytes > size)
			abort();
		if (prev && (t->off < prev->off || (t->bytes && t->off < prev->off + prev->bytes)))
			abort();
		if (t->bytes) {
			if (sr_model_find(m, t->off) != (long)i ||
			    sr_model_find(m, t->off + t->bytes - 1) != (long)i)
				abort();
			prev = t;
		}
		if (sr_model_lookup(m, t->name) != (long)i)
			abort();
		c = *t;
		if (sr_tensor_classify(&c, &e) || memcmp(&c, t, sizeof(c)))
			abort();
		if (t->n_expert && t->n_expert * t->expert_bytes != t->bytes)
			abort();
		{ /* names are printed escaped (base/escape.c): no control byte gets through */
			char esc[96];
			const char *q;

			for (q = sr_esc(esc, sizeof(esc), t->name); *q; q++)
				if ((unsigned char)*q < 0x20 || *q == 0x7f)
					abort();
		}
	}
	if (m->n_tensors && m->file_size < m->tensors[m->n_tensors - 1].off)
		abort();
}

static void check_same(const struct sr_model *a, const struct sr_model *b)
{
	static const unsigned vsize[] = { 1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8 };
	size_t i;
	uint64_t j;

	if (a->n_kvs != b->n_kvs || a->n_tensors != b->n_tensors || a->data_off != b->data_off ||
	    a->file_size != b->file_size || a->alignment != b->alignment ||
	    memcmp(&a->hp, &b->hp, sizeof(a->hp)) || strcmp(a->arch, b->arch))
		abort();
	for (i = 0; i < a->n_kvs; i++) {
		const struct sr_kv *x = &a->kvs[i], *y = &b->kvs[i];

		if (strcmp(x->key, y->key) || x->type != y->type || x->n != y->n)
			abort();
		if (x->type == SR_GGUF_STRING && strcmp(x->str, y->str))
			abort();
		if (x->type == SR_GGUF_ARRAY) {
			if (x->arr_type != y->arr_type)
				abort();
			if (x->arr_type == SR_GGUF_STRING) {
				for (j = 0; j < x->n; j++)
					if (strcmp(x->strs[j], y->strs[j]))
						abort();
			} else if (x->n && memcmp(x->data, y->data, x->n * vsize[x->arr_type])) {
				abort();
			}
		} else if (x->type != SR_GGUF_STRING && memcmp(&x->v, &y->v, sizeof(x->v))) {
			abort();
		}
	}
	for (i = 0; i < a->n_tensors; i++) {
		const struct sr_tensor *x = &a->tensors[i], *y = &b->tensors[i];

		if (strcmp(x->name, y->name) || x->type != y->type || x->n_dims != y->n_dims ||
		    memcmp(x->ne, y->ne, sizeof(x->ne)) || x->off != y->off || x->bytes != y->bytes)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sr_model m, r;
	struct sr_err e = { 0 };
	uint8_t *hdr, *file;
	size_t hlen;
	int ret;

	ret = sr_gguf_parse(data, size, "fuzz.gguf", &m, &e);
	if (ret) {
		check_err(&e, ret, "fuzz.gguf@");
		if (m.tensors || m.kvs || m.n_tensors || m.n_kvs)
			abort();
		return 0;
	}
	check_model(&m, size);
	/* Round trip, unless a huge alignment would make the copy large. */
	if (m.file_size <= size + 65536) {
		ret = sr_gguf_encode_header(&m, &hdr, &hlen, &e);
		if (ret) {
			/* a string with a NUL inside re-encodes shorter */
			check_err(&e, ret, "");
			if (!strstr(e.msg, "data_off"))
				abort();
		} else {
			if (hlen != m.data_off || !(file = calloc(1, m.file_size + 1)))
				abort();
			memcpy(file, hdr, hlen);
			if (sr_gguf_parse(file, m.file_size, "fuzz.gguf", &r, &e))
				abort();
			check_same(&m, &r);
			sr_model_free(&r);
			free(file);
			free(hdr);
		}
	}
	sr_model_free(&m);
	return 0;
}
