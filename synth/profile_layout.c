/* A parsed profile → struct sr_model: tensor list in file order, ggml types
 * from the quant recipe (llama.cpp's llama-quantize rules), byte sizes,
 * metadata KVs as a llama.cpp writer emits them, data_off computed exactly
 * as a GGUF writer serializes header + KVs + tensor infos, aligned offsets. */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth/gguf.h"
#include "synth/gguf_impl.h"
#include "synth/profile_int.h"

/* ---- integer expressions ---- */

struct ex {
	const struct pf_profile *p;
	const char *s, *start, *what;
	int line;
	struct sr_err *e;
	int err;
};

int sr_pf_var_get(const struct pf_profile *p, const char *name, int64_t *out)
{
	for (int i = 0; i < p->n_vars; i++)
		if (!strcmp(p->vars[i].name, name)) {
			*out = p->vars[i].val;
			return 1;
		}
	return 0;
}

static int64_t ex_fail(struct ex *x, const char *why)
{
	if (!x->err)
		sr_inputf(x->e, "%s:%d: %s = '%s': %s at column %d", x->p->path, x->line, x->what, x->start,
			  why, (int)(x->s - x->start) + 1);
	x->err = 1;
	return 0;
}

static void ex_ws(struct ex *x)
{
	while (isspace((unsigned char)*x->s))
		x->s++;
}

static int64_t ex_sum(struct ex *x);

static int64_t ex_atom(struct ex *x)
{
	ex_ws(x);
	if (*x->s == '(') {
		x->s++;
		int64_t v = ex_sum(x);

		ex_ws(x);
		if (*x->s != ')')
			return ex_fail(x, "expected ')'");
		x->s++;
		return v;
	}
	if (*x->s == '-') {
		x->s++;
		return -ex_atom(x);
	}
	if (isdigit((unsigned char)*x->s)) {
		char *end;

		errno = 0;
		long long v = strtoll(x->s, &end, 10);

		if (errno)
			return ex_fail(x, "number out of range");
		x->s = end;
		return v;
	}
	if (isalpha((unsigned char)*x->s) || *x->s == '_') {
		char name[PF_NAME_MAX];
		size_t n = 0;
		int64_t v;

		while ((isalnum((unsigned char)*x->s) || *x->s == '_') && n < sizeof(name) - 1)
			name[n++] = *x->s++;
		name[n] = '\0';
		if (!sr_pf_var_get(x->p, name, &v)) {
			char why[PF_NAME_MAX + 80];

			x->s -= n;
			snprintf(why, sizeof(why), "unknown hparam '%s' (define it in [hparams] first)", name);
			return ex_fail(x, why);
		}
		return v;
	}
	return ex_fail(x, *x->s ? "expected a number, a hparam name or '('" : "expression ends early");
}

static int64_t ex_prod(struct ex *x)
{
	int64_t v = ex_atom(x);

	for (;;) {
		ex_ws(x);
		char op = *x->s;

		if (op != '*' && op != '/' && op != '%')
			return v;
		x->s++;
		int64_t r = ex_atom(x);

		if (x->err)
			return 0;
		if (op == '*') {
			if (__builtin_mul_overflow(v, r, &v))
				return ex_fail(x, "value overflows 64 bits");
		} else if (r == 0) {
			return ex_fail(x, "division by zero");
		} else {
			v = op == '/' ? v / r : v % r;
		}
	}
}

static int64_t ex_sum(struct ex *x)
{
	int64_t v = ex_prod(x);

	for (;;) {
		ex_ws(x);
		char op = *x->s;

		if (op != '+' && op != '-')
			return v;
		x->s++;
		int64_t r = ex_prod(x);

		if (x->err)
			return 0;
		if (op == '+' ? __builtin_add_overflow(v, r, &v) : __builtin_sub_overflow(v, r, &v))
			return ex_fail(x, "value overflows 64 bits");
	}
}

int sr_pf_eval(const struct pf_profile *p, const char *expr, int line, const char *what, int64_t *out,
	    struct sr_err *e)
{
	struct ex x = { .p = p, .s = expr, .start = expr, .what = what, .line = line, .e = e };
	int64_t v = ex_sum(&x);

	ex_ws(&x);
	if (!x.err && *x.s)
		ex_fail(&x, "unexpected character");
	if (x.err)
		return -EINVAL;
	*out = v;
	return 0;
}

/* ---- tensors ---- */

struct pf_t {
	char *name;
	const char *shortname; /* name without "blk.N." */
	uint64_t ne[SR_MAX_DIMS];
	uint32_t n_dims;
	int layer;
	int def;  /* index into p->tdefs */
	int rule; /* index into p->rules, -1 none */
};

static int cmp_sorted(const void *a, const void *b)
{
	const struct pf_t *x = a, *y = b;

	/* llama.cpp's weight_name_comparer: layer first (-1 for non-layer
	 * tensors), then the name; llama-quantize writes in this order. */
	if (x->layer != y->layer)
		return x->layer < y->layer ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int eval_shape(const struct pf_profile *p, const struct pf_tdef *d, uint64_t ne[SR_MAX_DIMS],
		      uint32_t *n_dims, struct sr_err *e)
{
	char buf[256], what[PF_NAME_MAX + 16];
	char *save = NULL, *tok;
	int n = 0;

	if (strlen(d->shape) >= sizeof(buf))
		return sr_inputf(e, "%s:%d: tensor '%s': shape too long", p->path, d->line, d->name);
	snprintf(buf, sizeof(buf), "%s", d->shape);
	snprintf(what, sizeof(what), "tensor '%s'", d->name);
	for (int i = 0; i < SR_MAX_DIMS; i++)
		ne[i] = 1;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int64_t v;

		if (n == SR_MAX_DIMS)
			return sr_inputf(e, "%s:%d: tensor '%s' = '%s': expected at most %d dimensions",
					 p->path, d->line, d->name, d->shape, SR_MAX_DIMS);
		if (sr_pf_eval(p, tok, d->line, what, &v, e))
			return -EINVAL;
		if (v < 1)
			return sr_inputf(e, "%s:%d: tensor '%s' = '%s': dimension %d is %lld, expected >= 1",
					 p->path, d->line, d->name, d->shape, n, (long long)v);
		ne[n++] = (uint64_t)v;
	}
	if (!n)
		return sr_inputf(e, "%s:%d: tensor '%s': expected a shape such as n_embd, n_vocab", p->path,
				 d->line, d->name);
	/* ggml_n_dims: trailing dimensions of 1 do not count */
	while (n > 1 && ne[n - 1] == 1)
		n--;
	*n_dims = (uint32_t)n;
	return 0;
}

static int add_tensor(struct pf_t **v, size_t *n, size_t *cap, const char *name, int layer, int def,
		      const uint64_t ne[SR_MAX_DIMS], uint32_t n_dims)
{
	struct pf_t *t;

	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		struct pf_t *nv = realloc(*v, nc * sizeof(**v));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	t = &(*v)[*n];
	memset(t, 0, sizeof(*t));
	t->name = strdup(name);
	if (!t->name)
		return -ENOMEM;
	t->shortname = t->name;
	if (layer >= 0)
		t->shortname = strchr(t->name + 4, '.') + 1;
	t->layer = layer;
	t->def = def;
	t->rule = -1;
	memcpy(t->ne, ne, sizeof(t->ne));
	t->n_dims = n_dims;
	(*n)++;
	return 0;
}

static int layer_has(const struct pf_tdef *d, int l, int64_t n_dense)
{
	switch (d->where) {
	case PF_LAYER: return 1;
	case PF_LAYER_DENSE: return l < n_dense;
	case PF_LAYER_MOE: return l >= n_dense;
	default: return 0;
	}
}

static int build_tensors(const struct pf_profile *p, int64_t n_layer, int64_t n_dense, struct pf_t **out,
			 size_t *n_out, struct sr_err *e)
{
	uint64_t(*ne)[SR_MAX_DIMS] = calloc((size_t)p->n_tdefs + 1, sizeof(*ne));
	uint32_t *nd = calloc((size_t)p->n_tdefs + 1, sizeof(*nd));
	struct pf_t *v = NULL;
	size_t n = 0, cap = 0;
	char name[PF_NAME_MAX * 2];
	int r = 0;

	if (!ne || !nd) {
		r = sr_errf(e, -ENOMEM, "%s: out of memory", p->path);
		goto out;
	}
	for (int i = 0; i < p->n_tdefs && !r; i++)
		r = eval_shape(p, &p->tdefs[i], ne[i], &nd[i], e);
	for (int pass = 0; pass < 3 && !r; pass++) {
		int64_t nl = pass == 1 ? n_layer : 1;

		for (int64_t l = 0; l < nl && !r; l++)
			for (int i = 0; i < p->n_tdefs && !r; i++) {
				const struct pf_tdef *d = &p->tdefs[i];

				if (pass == 0 && d->where != PF_HEAD)
					continue;
				if (pass == 2 && d->where != PF_TAIL)
					continue;
				if (pass == 1) {
					if (!layer_has(d, (int)l, n_dense))
						continue;
					snprintf(name, sizeof(name), "blk.%lld.%s", (long long)l, d->name);
				} else {
					snprintf(name, sizeof(name), "%s", d->name);
				}
				if (add_tensor(&v, &n, &cap, name, pass == 1 ? (int)l : -1, i, ne[i], nd[i]))
					r = sr_errf(e, -ENOMEM, "%s: out of memory", p->path);
			}
	}
	if (!r && !n)
		r = sr_inputf(e, "%s: no tensors: expected [head], [layer] or [tail] entries", p->path);
	/* duplicates would make two GGUF tensor infos with one name */
	for (size_t i = 0; i < n && !r && n < 20000; i++)
		for (size_t j = i + 1; j < n; j++)
			if (!strcmp(v[i].name, v[j].name)) {
				r = sr_inputf(e, "%s:%d: tensor '%s' is also defined on line %d", p->path,
					      p->tdefs[v[j].def].line, v[j].name, p->tdefs[v[i].def].line);
				break;
			}
out:
	free(ne);
	free(nd);
	if (r) {
		for (size_t i = 0; i < n; i++)
			free(v[i].name);
		free(v);
		return r;
	}
	*out = v;
	*n_out = n;
	return 0;
}

/* ---- quant recipe ---- */

enum { COND_NONE, COND_MORE_BITS, COND_MORE_BITS_LAYER };

struct alt {
	const struct sr_ggml_type *type;
	int cond;
};

#define MAX_ALTS 8

static int parse_rule(const struct pf_profile *p, const struct pf_rule *r, struct alt *a, int *n,
		      struct sr_err *e)
{
	char buf[256], *save = NULL, *tok;

	*n = 0;
	if (strlen(r->spec) >= sizeof(buf))
		return sr_inputf(e, "%s:%d: %s: rule too long", p->path, r->line, r->pattern);
	snprintf(buf, sizeof(buf), "%s", r->spec);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char tname[32] = "", kw[8] = "", cond[32] = "", extra[2] = "";
		int k = sscanf(tok, " %31s %7s %31s %1s", tname, kw, cond, extra);

		if (*n == MAX_ALTS)
			return sr_inputf(e, "%s:%d: %s: more than %d alternatives", p->path, r->line,
					 r->pattern, MAX_ALTS);
		a[*n].type = k >= 1 ? sr_ggml_type_by_name(tname) : NULL;
		if (!a[*n].type)
			return sr_inputf(e, "%s:%d: %s = '%s': unknown ggml type '%s' (expected F32, F16, "
					    "BF16, Q8_0, Q4_K, Q6_K, MXFP4, ...)",
					 p->path, r->line, r->pattern, r->spec, tname);
		if (k == 1) {
			a[*n].cond = COND_NONE;
		} else if (k == 3 && !strcmp(kw, "if") && !strcmp(cond, "more_bits")) {
			a[*n].cond = COND_MORE_BITS;
		} else if (k == 3 && !strcmp(kw, "if") && !strcmp(cond, "more_bits_layer")) {
			a[*n].cond = COND_MORE_BITS_LAYER;
		} else {
			return sr_inputf(e, "%s:%d: %s = '%s': expected TYPE or TYPE if more_bits|"
					    "more_bits_layer in '%s'",
					 p->path, r->line, r->pattern, r->spec, tok);
		}
		(*n)++;
	}
	if (!*n || a[*n - 1].cond != COND_NONE)
		return sr_inputf(e, "%s:%d: %s = '%s': expected a last type without a condition", p->path,
				 r->line, r->pattern, r->spec);
	return 0;
}

/* llama.cpp llama-quant.cpp: Q4_K_M and Q5_K_M give attn_v / ffn_down more
 * bits in the first and last eighth of the layers and every third between. */
static int use_more_bits(int i, int n)
{
	return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

/* llama.cpp tensor_type_fallback: rows not a multiple of the block. */
static const struct sr_ggml_type *fallback(const struct sr_ggml_type *t, uint64_t ne0)
{
	static const char *const map[][2] = {
		{ "IQ1_S", "IQ4_NL" }, { "IQ1_M", "IQ4_NL" }, { "IQ2_XXS", "IQ4_NL" }, { "IQ2_XS", "IQ4_NL" },
		{ "IQ2_S", "IQ4_NL" }, { "IQ3_XXS", "IQ4_NL" }, { "IQ3_S", "IQ4_NL" }, { "IQ4_XS", "IQ4_NL" },
		{ "Q2_K", "Q4_0" },    { "Q3_K", "Q4_0" },    { "TQ1_0", "Q4_0" },   { "TQ2_0", "Q4_0" },
		{ "Q4_K", "Q5_0" },    { "Q5_K", "Q5_1" },    { "Q6_K", "Q8_0" },
	};

	if (ne0 % t->block_elems == 0)
		return t;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(t->name, map[i][0])) {
			const struct sr_ggml_type *f = sr_ggml_type_by_name(map[i][1]);

			if (ne0 % f->block_elems == 0)
				return f;
			break;
		}
	return sr_ggml_type_by_name("F16");
}

static int assign_types(const struct pf_profile *p, struct pf_t *v, size_t n, int64_t n_layer,
			uint32_t *types, struct sr_err *e)
{
	struct alt(*alts)[MAX_ALTS] = calloc((size_t)p->n_rules + 1, sizeof(*alts));
	int *n_alts = calloc((size_t)p->n_rules + 1, sizeof(int));
	int *count = calloc((size_t)p->n_rules + 1, sizeof(int));
	int *rank = calloc((size_t)p->n_rules + 1, sizeof(int));
	int r = 0;

	if (!alts || !n_alts || !count || !rank) {
		r = sr_errf(e, -ENOMEM, "%s: out of memory", p->path);
		goto out;
	}
	for (int i = 0; i < p->n_rules && !r; i++)
		r = parse_rule(p, &p->rules[i], alts[i], &n_alts[i], e);
	for (size_t t = 0; t < n && !r; t++) {
		for (int i = 0; i < p->n_rules; i++)
			if (!fnmatch(p->rules[i].pattern, v[t].shortname, 0)) {
				v[t].rule = i;
				count[i]++;
				break;
			}
		if (v[t].rule < 0 && v[t].n_dims > 1)
			r = sr_inputf(e, "%s:%d: tensor '%s': no [quant] pattern matches '%s' (expected a "
					 "catch-all such as * = Q4_K)",
				      p->path, p->tdefs[v[t].def].line, v[t].name, v[t].shortname);
	}
	/* counters run in file order, as llama-quantize's i_attention_wv and
	 * i_ffn_down run in the order it writes tensors */
	for (size_t t = 0; t < n && !r; t++) {
		const struct sr_ggml_type *ty = sr_ggml_type_by_name("F32");
		int i = v[t].rule;

		if (i >= 0) {
			for (int k = 0; k < n_alts[i]; k++) {
				const struct alt *a = &alts[i][k];

				if (a->cond == COND_MORE_BITS && !use_more_bits(rank[i], count[i]))
					continue;
				if (a->cond == COND_MORE_BITS_LAYER &&
				    (v[t].layer < 0 || !use_more_bits(v[t].layer, (int)n_layer)))
					continue;
				ty = a->type;
				break;
			}
			rank[i]++;
		}
		types[t] = fallback(ty, v[t].ne[0])->id;
	}
out:
	free(alts);
	free(n_alts);
	free(count);
	free(rank);
	return r;
}

/* ---- metadata ---- */

struct kvs {
	struct sr_kv *v;
	size_t n, cap;
	int oom;
};

static struct sr_kv *kv_add(struct kvs *k, const char *key, uint32_t type)
{
	struct sr_kv *x;

	if (k->oom)
		return NULL;
	if (k->n == k->cap) {
		size_t nc = k->cap ? k->cap * 2 : 32;
		struct sr_kv *nv = realloc(k->v, nc * sizeof(*nv));

		if (!nv) {
			k->oom = 1;
			return NULL;
		}
		k->v = nv;
		k->cap = nc;
	}
	x = &k->v[k->n];
	memset(x, 0, sizeof(*x));
	x->key = strdup(key);
	if (!x->key) {
		k->oom = 1;
		return NULL;
	}
	x->type = type;
	x->n = 1;
	k->n++;
	return x;
}

static void kv_u32(struct kvs *k, const char *key, uint64_t v)
{
	struct sr_kv *x = kv_add(k, key, SR_GGUF_U32);

	if (x)
		x->v.u64 = v;
}

static void kv_str(struct kvs *k, const char *key, const char *s)
{
	struct sr_kv *x = kv_add(k, key, SR_GGUF_STRING);

	if (x && !(x->str = strdup(s)))
		k->oom = 1;
}

static const struct {
	const char *name;
	uint32_t type;
	int64_t lo;
	uint64_t hi;
} vtypes[] = {
	{ "u8", SR_GGUF_U8, 0, UINT8_MAX },	     { "i8", SR_GGUF_I8, INT8_MIN, INT8_MAX },
	{ "u16", SR_GGUF_U16, 0, UINT16_MAX },	     { "i16", SR_GGUF_I16, INT16_MIN, INT16_MAX },
	{ "u32", SR_GGUF_U32, 0, UINT32_MAX },	     { "i32", SR_GGUF_I32, INT32_MIN, INT32_MAX },
	{ "u64", SR_GGUF_U64, 0, INT64_MAX },	     { "i64", SR_GGUF_I64, INT64_MIN, INT64_MAX },
	{ "f32", SR_GGUF_F32, 0, 0 },		     { "f64", SR_GGUF_F64, 0, 0 },
	{ "bool", SR_GGUF_BOOL, 0, 1 },		     { "str", SR_GGUF_STRING, 0, 0 },
};

static int kv_from_def(const struct pf_profile *p, const struct pf_kvdef *d, struct kvs *k, struct sr_err *e)
{
	char key[256], tname[8];
	const char *val;
	size_t i, tl;
	struct sr_kv *x;

	if (!d->key[0] || (d->key[0] == '.' && !d->key[1]))
		return sr_inputf(e, "%s:%d: [kv]: expected a key name", p->path, d->line);
	snprintf(key, sizeof(key), "%s%s", d->key[0] == '.' ? p->arch : "", d->key);
	tl = strcspn(d->spec, " \t");
	if (tl >= sizeof(tname))
		tl = sizeof(tname) - 1;
	memcpy(tname, d->spec, tl);
	tname[tl] = '\0';
	val = d->spec + strcspn(d->spec, " \t");
	while (*val == ' ' || *val == '\t')
		val++;
	for (i = 0; i < sizeof(vtypes) / sizeof(vtypes[0]); i++)
		if (!strcmp(vtypes[i].name, tname))
			break;
	if (i == sizeof(vtypes) / sizeof(vtypes[0]))
		return sr_inputf(e, "%s:%d: %s = '%s': expected TYPE VALUE with TYPE one of u8 i8 u16 i16 "
				    "u32 i32 u64 i64 f32 f64 bool str",
				 p->path, d->line, d->key, d->spec);
	for (size_t j = 0; j < k->n; j++)
		if (!strcmp(k->v[j].key, key))
			return sr_inputf(e, "%s:%d: key '%s' is emitted twice (it is set elsewhere or "
					    "derived from [model]/[tokenizer])",
					 p->path, d->line, key);
	x = kv_add(k, key, vtypes[i].type);
	if (!x)
		return sr_errf(e, -ENOMEM, "%s: out of memory", p->path);
	switch (vtypes[i].type) {
	case SR_GGUF_STRING:
		if (!(x->str = strdup(val)))
			return sr_errf(e, -ENOMEM, "%s: out of memory", p->path);
		return 0;
	case SR_GGUF_F32:
	case SR_GGUF_F64: {
		char *end;

		errno = 0;
		x->v.f64 = strtod(val, &end);
		if (errno || end == val || *end)
			return sr_inputf(e, "%s:%d: %s = '%s': expected a number after %s", p->path, d->line,
					 d->key, d->spec, tname);
		return 0;
	}
	case SR_GGUF_BOOL:
		if (strcmp(val, "true") && strcmp(val, "false"))
			return sr_inputf(e, "%s:%d: %s = '%s': expected true or false", p->path, d->line,
					 d->key, d->spec);
		x->v.u64 = val[0] == 't';
		return 0;
	default: {
		int64_t v;

		if (sr_pf_eval(p, val, d->line, d->key, &v, e))
			return -EINVAL;
		if (v < vtypes[i].lo || (v > 0 && (uint64_t)v > vtypes[i].hi))
			return sr_inputf(e, "%s:%d: %s = %lld: out of range for %s", p->path, d->line, d->key,
					 (long long)v, tname);
		x->v.i64 = v;
		return 0;
	}
	}
}

/* Unique token/merge text of an exact length: a fixed-width base-26 code
 * (unique) padded with filler. */
static char *synth_text(uint64_t id, int width, size_t len, int space)
{
	char *s;

	if (len < (size_t)width + (space ? 2 : 0))
		len = (size_t)width + (space ? 2 : 0);
	s = malloc(len + 1);
	if (!s)
		return NULL;
	for (int i = width - 1; i >= 0; i--, id /= 26)
		s[i] = (char)('a' + id % 26);
	memset(s + width, 'e', len - (size_t)width);
	if (space)
		s[width] = ' ';
	s[len] = '\0';
	return s;
}

static int code_width(uint64_t n)
{
	int w = 1;

	for (uint64_t c = 26; c < n; c *= 26)
		w++;
	return w;
}

static const char *special_text(const struct pf_tokenizer *t, int64_t id)
{
	int spm = !strcmp(t->model, "llama");

	if (id == t->bos)
		return spm ? "<s>" : "<|startoftext|>";
	if (id == t->eos)
		return spm ? "</s>" : "<|endoftext|>";
	if (id == t->unk)
		return spm ? "<unk>" : "<|unk|>";
	if (id == t->pad)
		return spm ? "<pad>" : "<|pad|>";
	return NULL;
}

static int tokenizer_kvs(const struct pf_profile *p, int64_t n, struct kvs *k, struct sr_err *e)
{
	const struct pf_tokenizer *t = &p->tok;
	int64_t fixed = 0, n_norm = 0;
	struct sr_kv *tok, *typ, *sc = NULL, *mg;
	int32_t *types;
	double avg;
	int width = code_width((uint64_t)n), k_norm = 0;

	size_t i_tok, i_sc = 0;

	kv_str(k, "tokenizer.ggml.model", t->model);
	/* indices first: each kv_add may move the array the others live in */
	i_tok = k->n;
	kv_add(k, "tokenizer.ggml.tokens", SR_GGUF_ARRAY);
	if (t->scores) {
		i_sc = k->n;
		kv_add(k, "tokenizer.ggml.scores", SR_GGUF_ARRAY);
	}
	kv_add(k, "tokenizer.ggml.token_type", SR_GGUF_ARRAY);
	if (k->oom)
		return sr_errf(e, -ENOMEM, "%s: out of memory", p->path);
	tok = &k->v[i_tok];
	typ = &k->v[k->n - 1];
	if (t->scores)
		sc = &k->v[i_sc];
	tok->arr_type = SR_GGUF_STRING;
	tok->n = (uint64_t)n;
	typ->arr_type = SR_GGUF_I32;
	typ->n = (uint64_t)n;
	tok->strs = calloc((size_t)n, sizeof(char *));
	typ->data = types = calloc((size_t)n, sizeof(int32_t));
	if (sc) {
		sc->arr_type = SR_GGUF_F32;
		sc->n = (uint64_t)n;
		sc->data = calloc((size_t)n, sizeof(float));
	}
	if (!tok->strs || !types || (sc && !sc->data))
		return sr_errf(e, -ENOMEM, "%s: out of memory", p->path);
	for (int64_t i = 0; i < n; i++) {
		const char *s = special_text(t, i);

		if (s)
			fixed += (int64_t)strlen(s);
		else if (t->byte_base >= 0 && i >= t->byte_base && i < t->byte_base + 256)
			fixed += 6; /* "<0xAB>" */
		else
			n_norm++;
	}
	avg = n_norm ? (t->token_bytes * (double)n - (double)fixed) / (double)n_norm : 0;
	if (!(avg > 0)) /* special and byte tokens alone exceed token_bytes x n: shortest texts */
		avg = 0;
	for (int64_t i = 0; i < n; i++) {
		const char *s = special_text(t, i);
		char buf[8];

		if (s) {
			types[i] = i == t->unk ? 2 : 3; /* LLAMA_TOKEN_TYPE_UNKNOWN / CONTROL */
			tok->strs[i] = strdup(s);
		} else if (t->byte_base >= 0 && i >= t->byte_base && i < t->byte_base + 256) {
			snprintf(buf, sizeof(buf), "<0x%02X>", (unsigned)(i - t->byte_base));
			types[i] = 6; /* BYTE */
			tok->strs[i] = strdup(buf);
		} else {
			size_t len = (size_t)(floor((k_norm + 1) * avg) - floor(k_norm * avg));

			types[i] = 1; /* NORMAL */
			tok->strs[i] = synth_text((uint64_t)k_norm, width, len, 0);
			if (sc)
				((float *)sc->data)[i] = -(float)k_norm;
			k_norm++;
		}
		if (!tok->strs[i])
			return sr_errf(e, -ENOMEM, "%s: out of memory", p->path);
	}
	if (t->merges > 0) {
		int mw = code_width((uint64_t)t->merges);

		mg = kv_add(k, "tokenizer.ggml.merges", SR_GGUF_ARRAY);
		if (!mg || !(mg->strs = calloc((size_t)t->merges, sizeof(char *))))
			return sr_errf(e, -ENOMEM, "%s: out of memory", p->path);
		mg->arr_type = SR_GGUF_STRING;
		mg->n = (uint64_t)t->merges;
		for (int64_t i = 0; i < t->merges; i++) {
			size_t len = (size_t)(floor((i + 1) * t->merge_bytes) - floor(i * t->merge_bytes));

			if (!(mg->strs[i] = synth_text((uint64_t)i, mw, len, 1)))
				return sr_errf(e, -ENOMEM, "%s: out of memory", p->path);
		}
	}
	if (t->bos >= 0)
		kv_u32(k, "tokenizer.ggml.bos_token_id", (uint64_t)t->bos);
	if (t->eos >= 0)
		kv_u32(k, "tokenizer.ggml.eos_token_id", (uint64_t)t->eos);
	if (t->unk >= 0)
		kv_u32(k, "tokenizer.ggml.unknown_token_id", (uint64_t)t->unk);
	if (t->pad >= 0)
		kv_u32(k, "tokenizer.ggml.padding_token_id", (uint64_t)t->pad);
	return k->oom ? sr_errf(e, -ENOMEM, "%s: out of memory", p->path) : 0;
}

/* ---- hparams ---- */

static const struct {
	const char *name;
	size_t off;
	int required;
} hp_fields[] = {
#define F(n, req) { #n, offsetof(struct sr_hparams, n), req }
	F(n_layer, 1),	 F(n_embd, 1),	      F(n_ff, 0),	      F(n_head, 0),
	F(n_head_kv, 0), F(n_vocab, 1),	      F(n_expert, 0),	      F(n_expert_used, 0),
	F(n_ff_exp, 0),	 F(n_expert_shared, 0), F(n_dense_lead, 0),  F(n_ctx_train, 0),
#undef F
};

static int var_line(const struct pf_profile *p, const char *name)
{
	for (int i = 0; i < p->n_vars; i++)
		if (!strcmp(p->vars[i].name, name))
			return p->vars[i].line;
	return p->hparams_line ? p->hparams_line : 1;
}

static int fill_hparams(const struct pf_profile *p, struct sr_hparams *hp, struct sr_err *e)
{
	for (size_t i = 0; i < sizeof(hp_fields) / sizeof(hp_fields[0]); i++) {
		int64_t v = 0;

		if (!sr_pf_var_get(p, hp_fields[i].name, &v)) {
			if (hp_fields[i].required)
				return sr_inputf(e, "%s:%d: [hparams]: missing required %s", p->path,
						 p->hparams_line ? p->hparams_line : 1, hp_fields[i].name);
		} else if (v > UINT32_MAX || (hp_fields[i].required && v < 1)) {
			return sr_inputf(e, "%s:%d: %s = %lld: expected 1..%u", p->path,
					 var_line(p, hp_fields[i].name), hp_fields[i].name, (long long)v,
					 UINT32_MAX);
		}
		*(uint32_t *)((char *)hp + hp_fields[i].off) = (uint32_t)v;
	}
	if (hp->n_expert_used > hp->n_expert)
		return sr_inputf(e, "%s:%d: n_expert_used = %u: expected at most n_expert = %u", p->path,
				 var_line(p, "n_expert_used"), hp->n_expert_used, hp->n_expert);
	if (hp->n_expert && !hp->n_expert_used)
		return sr_inputf(e, "%s:%d: n_expert = %u: expected n_expert_used >= 1 with it", p->path,
				 var_line(p, "n_expert"), hp->n_expert);
	if (hp->n_dense_lead > hp->n_layer)
		return sr_inputf(e, "%s:%d: n_dense_lead = %u: expected at most n_layer = %u", p->path,
				 var_line(p, "n_dense_lead"), hp->n_dense_lead, hp->n_layer);
	if (hp->n_head_kv > hp->n_head)
		return sr_inputf(e, "%s:%d: n_head_kv = %u: expected at most n_head = %u", p->path,
				 var_line(p, "n_head_kv"), hp->n_head_kv, hp->n_head);
	return 0;
}

/* ---- the model ---- */

int sr_pf_layout(const struct pf_profile *p, struct sr_model *m, struct sr_err *e)
{
	struct pf_t *v = NULL;
	size_t n = 0;
	uint32_t *types = NULL;
	struct kvs k = { 0 };
	struct sr_err ce = { 0 };
	uint64_t meta, pos;
	int r;

	memset(m, 0, sizeof(*m));
	if (!p->arch)
		return sr_inputf(e, "%s:%d: [model]: missing required arch", p->path,
				 p->model_line ? p->model_line : 1);
	r = fill_hparams(p, &m->hp, e);
	m->hp.routing_overlap = p->routing_overlap;
	if (r)
		return r;
	if (p->tok.present) {
		const struct pf_tokenizer *t = &p->tok;
		int64_t nv = m->hp.n_vocab;

		if (!t->model[0] || !(t->token_bytes > 0))
			return sr_inputf(e, "%s:%d: [tokenizer]: expected model and token_bytes", p->path, t->line);
		if (t->merges && !(t->merge_bytes > 0))
			return sr_inputf(e, "%s:%d: [tokenizer]: merges needs merge_bytes", p->path, t->line);
		if (t->bos >= nv || t->eos >= nv || t->unk >= nv || t->pad >= nv ||
		    (t->byte_base >= 0 && t->byte_base + 256 > nv))
			return sr_inputf(e, "%s:%d: [tokenizer]: a token id is not below n_vocab = %lld",
					 p->path, t->line, (long long)nv);
	}
	r = build_tensors(p, m->hp.n_layer, m->hp.n_dense_lead, &v, &n, e);
	if (r)
		return r;
	types = calloc(n, sizeof(*types));
	m->tensors = calloc(n, sizeof(*m->tensors));
	m->name = strdup(p->name ? p->name : p->path);
	m->arch = strdup(p->arch);
	if (!types || !m->tensors || !m->name || !m->arch) {
		r = sr_errf(e, -ENOMEM, "%s: out of memory", p->path);
		goto out;
	}
	if (p->order == PF_ORDER_SORTED)
		qsort(v, n, sizeof(*v), cmp_sorted);
	r = assign_types(p, v, n, m->hp.n_layer, types, e);
	if (r)
		goto out;

	kv_str(&k, "general.architecture", p->arch);
	kv_str(&k, "general.name", p->general_name ? p->general_name : m->name);
	for (int i = 0; i < p->n_kvdefs && !r; i++)
		r = kv_from_def(p, &p->kvdefs[i], &k, e);
	if (!r && p->tok.present)
		r = tokenizer_kvs(p, m->hp.n_vocab, &k, e);
	if (!r && p->quant_version >= 0)
		kv_u32(&k, "general.quantization_version", (uint64_t)p->quant_version);
	if (!r && p->file_type >= 0)
		kv_u32(&k, "general.file_type", (uint64_t)p->file_type);
	m->kvs = k.v;
	m->n_kvs = k.n;
	if (!r && k.oom)
		r = sr_errf(e, -ENOMEM, "%s: out of memory", p->path);
	if (r)
		goto out;

	/* sizes, kind, layer and experts exactly as for a tensor read from GGUF */
	for (size_t i = 0; i < n; i++) {
		struct sr_tensor *t = &m->tensors[i];

		t->name = v[i].name;
		v[i].name = NULL;
		t->type = types[i];
		t->n_dims = v[i].n_dims;
		memcpy(t->ne, v[i].ne, sizeof(t->ne));
		m->n_tensors++;
		if (sr_tensor_classify(t, &ce)) {
			r = sr_inputf(e, "%s:%d: %s", p->path, p->tdefs[v[i].def].line, ce.msg);
			goto out;
		}
	}
	/* Not sr_gguf_layout: that one insists on a general.alignment kv when
	 * the alignment is not 32, which a profile need not carry. */
	m->version = 3;
	m->alignment = p->alignment;
	if (sr_gguf_header_size(m, &meta, &ce)) {
		r = sr_inputf(e, "%s: %s", p->path, ce.msg);
		goto out;
	}
	m->data_off = pos = sr_gguf_align(meta, p->alignment);
	for (size_t i = 0; i < n; i++) {
		m->tensors[i].off = pos;
		pos = sr_gguf_align(pos + m->tensors[i].bytes, p->alignment);
		if (pos > INT64_MAX) {
			r = sr_inputf(e, "%s: tensors add up to more than 2^63 bytes, expected a real size",
				      p->path);
			goto out;
		}
	}
	m->file_size = pos;
out:
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
	free(types);
	if (r) {
		m->kvs = k.v;
		m->n_kvs = k.n;
		sr_model_free(m);
	}
	return r;
}
