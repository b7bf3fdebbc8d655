/* Model profiles: profiles/models/NAME.ini read with libinih into a
 * struct pf_profile, then derived into a struct sr_model (profile_layout.c).
 *
 * Schema (every key is checked; anything unknown is bad input):
 *   [model]     name, arch, general_name, alignment, file_type, quant_version,
 *               order = listed | sorted, published_size, published_tensors,
 *               source (repeatable), note (repeatable)
 *   [hparams]   NAME = integer expression over earlier hparams; the names of
 *               struct sr_hparams fill it, others are free shape variables
 *   [head] [tail] [layer] [layer.dense] [layer.moe]
 *               TENSOR = dim0, dim1, ... (integer expressions; ne[0] first)
 *   [quant]     PATTERN = TYPE [if more_bits|more_bits_layer], ..., TYPE
 *   [kv]        KEY = TYPE VALUE (".x" means "<arch>.x")
 *   [tokenizer] model, token_bytes, scores, byte_tokens, merges, merge_bytes,
 *               bos, eos, unk, pad
 * profiles/models/README.md describes each key. */
#include "synth/profile.h"

#include <ctype.h>
#include <stdarg.h>
#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/install.h"
#include "synth/profile_int.h"

struct pf_ctx {
	struct pf_profile *p;
	FILE *f;
	int line;
	int failed;
	struct sr_err *e;
};

static int fail(struct pf_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int oom(struct pf_ctx *c);

static int fail(struct pf_ctx *c, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!c->failed)
		sr_inputf(c->e, "%s:%d: %s", c->p->path, c->line, msg);
	c->failed = 1;
	return 0;
}

/* fgets that counts lines, so that handler calls know where they are
 * (Debian's libinih is built without INI_HANDLER_LINENO). */
static char *reader(char *str, int num, void *stream)
{
	struct pf_ctx *c = stream;
	char *r = c->failed ? NULL : fgets(str, num, c->f);

	if (r) {
		size_t n = strlen(r);

		if (n && r[n - 1] == '\n')
			c->line++;
		else if (!feof(c->f)) {
			/* longer than inih's line buffer, or a NUL byte: refuse rather
			 * than misparse, and stop (inih would read on to a newline that
			 * /dev/zero never gives) */
			c->line++;
			if (n + 1 < (size_t)num)
				fail(c, "NUL byte: expected an INI text file");
			else
				fail(c, "line longer than %d bytes", num - 1);
			return NULL;
		}
	}
	return r;
}

static int is_ident(const char *s)
{
	if (!*s || !(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

static int parse_u64(struct pf_ctx *c, const char *key, const char *v, uint64_t *out)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || end == v || *end || *v == '-')
		return fail(c, "%s = '%s': expected a whole number", key, v);
	*out = x;
	return 1;
}

static int parse_double(struct pf_ctx *c, const char *key, const char *v, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(v, &end);
	if (errno || end == v || *end)
		return fail(c, "%s = '%s': expected a number", key, v);
	return 1;
}

static int eval_int(struct pf_ctx *c, const char *key, const char *v, int64_t *out)
{
	int r = sr_pf_eval(c->p, v, c->line, key, out, c->e);

	if (r) {
		c->failed = 1;
		return 0;
	}
	return 1;
}

static int dupstr(struct pf_ctx *c, char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst ? 1 : oom(c);
}

static int oom(struct pf_ctx *c)
{
	if (!c->failed)
		sr_errf(c->e, -ENOMEM, "%s: out of memory", c->p->path);
	c->failed = 1;
	return 0;
}

static int grow(void **arr, int *cap, int n, size_t elem)
{
	if (n < *cap)
		return 0;
	int nc = *cap ? *cap * 2 : 32;
	void *na = realloc(*arr, (size_t)nc * elem);

	if (!na)
		return -ENOMEM;
	*arr = na;
	*cap = nc;
	return 0;
}

static int h_model(struct pf_ctx *c, const char *k, const char *v)
{
	struct pf_profile *p = c->p;
	uint64_t u = 0;

	if (!strcmp(k, "name"))
		return dupstr(c, &p->name, v);
	if (!strcmp(k, "arch")) {
		if (!*v)
			return fail(c, "arch: expected the GGUF architecture name (llama, gpt-oss, deepseek2)");
		return dupstr(c, &p->arch, v);
	}
	if (!strcmp(k, "general_name"))
		return dupstr(c, &p->general_name, v);
	if (!strcmp(k, "source") || !strcmp(k, "note"))
		return 1; /* documentation, kept in the file */
	if (!strcmp(k, "alignment")) {
		if (!parse_u64(c, k, v, &u))
			return 0;
		if (u == 0 || u > (1u << 20) || (u & (u - 1)))
			return fail(c, "alignment = %s: expected a power of two up to 1048576", v);
		p->alignment = (uint32_t)u;
		return 1;
	}
	if (!strcmp(k, "file_type"))
		return eval_int(c, k, v, &p->file_type);
	if (!strcmp(k, "quant_version"))
		return eval_int(c, k, v, &p->quant_version);
	if (!strcmp(k, "order")) {
		if (!strcmp(v, "listed"))
			p->order = PF_ORDER_LISTED;
		else if (!strcmp(v, "sorted"))
			p->order = PF_ORDER_SORTED;
		else
			return fail(c, "order = '%s': expected listed or sorted", v);
		return 1;
	}
	if (!strcmp(k, "published_size"))
		return parse_u64(c, k, v, &p->published_size);
	if (!strcmp(k, "published_tensors"))
		return parse_u64(c, k, v, &p->published_tensors);
	return fail(c, "unknown key '%s' in [model] (expected name, arch, general_name, alignment, "
		       "file_type, quant_version, order, published_size, published_tensors, source, note)", k);
}

static int h_hparams(struct pf_ctx *c, const char *k, const char *v)
{
	struct pf_profile *p = c->p;
	int64_t x;

	if (!is_ident(k) || strlen(k) >= PF_NAME_MAX)
		return fail(c, "hparam '%s': expected a name of letters, digits and _", k);
	for (int i = 0; i < p->n_vars; i++)
		if (!strcmp(p->vars[i].name, k))
			return fail(c, "hparam '%s' already set on line %d", k, p->vars[i].line);
	if (p->n_vars == PF_MAX_VARS)
		return fail(c, "more than %d hparams", PF_MAX_VARS);
	if (!eval_int(c, k, v, &x))
		return 0;
	if (x < 0)
		return fail(c, "%s = %s = %lld: expected a value >= 0", k, v, (long long)x);
	snprintf(p->vars[p->n_vars].name, PF_NAME_MAX, "%s", k);
	p->vars[p->n_vars].val = x;
	p->vars[p->n_vars].line = c->line;
	p->n_vars++;
	return 1;
}

static int h_tensor(struct pf_ctx *c, enum pf_where where, const char *k, const char *v)
{
	struct pf_profile *p = c->p;
	struct pf_tdef *t;

	if (!*v)
		return fail(c, "tensor '%s': expected a shape, e.g. n_embd, n_vocab", k);
	for (const char *s = k; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.')
			return fail(c, "tensor '%s': expected a name of letters, digits, _ and .", k);
	if (grow((void **)&p->tdefs, &p->cap_tdefs, p->n_tdefs, sizeof(*p->tdefs)))
		return oom(c);
	t = &p->tdefs[p->n_tdefs];
	memset(t, 0, sizeof(*t));
	t->where = where;
	t->line = c->line;
	p->n_tdefs++;
	return dupstr(c, &t->name, k) && dupstr(c, &t->shape, v);
}

static int h_quant(struct pf_ctx *c, const char *k, const char *v)
{
	struct pf_profile *p = c->p;
	struct pf_rule *r;

	if (grow((void **)&p->rules, &p->cap_rules, p->n_rules, sizeof(*p->rules)))
		return oom(c);
	r = &p->rules[p->n_rules];
	memset(r, 0, sizeof(*r));
	r->line = c->line;
	p->n_rules++;
	return dupstr(c, &r->pattern, k) && dupstr(c, &r->spec, v);
}

static int h_kv(struct pf_ctx *c, const char *k, const char *v)
{
	struct pf_profile *p = c->p;
	struct pf_kvdef *d;

	if (grow((void **)&p->kvdefs, &p->cap_kvdefs, p->n_kvdefs, sizeof(*p->kvdefs)))
		return oom(c);
	d = &p->kvdefs[p->n_kvdefs];
	memset(d, 0, sizeof(*d));
	d->line = c->line;
	p->n_kvdefs++;
	return dupstr(c, &d->key, k) && dupstr(c, &d->spec, v);
}

static int tok_id(struct pf_ctx *c, const char *k, const char *v, int64_t *out)
{
	if (!strcmp(v, "none")) {
		*out = -1;
		return 1;
	}
	if (!eval_int(c, k, v, out))
		return 0;
	if (*out < 0)
		return fail(c, "%s = %s: expected a token id >= 0 or none", k, v);
	return 1;
}

static int h_tokenizer(struct pf_ctx *c, const char *k, const char *v)
{
	struct pf_tokenizer *t = &c->p->tok;

	t->present = 1;
	if (!t->line)
		t->line = c->line;
	if (!strcmp(k, "model")) {
		if (strcmp(v, "llama") && strcmp(v, "gpt2"))
			return fail(c, "model = '%s': expected llama (SentencePiece) or gpt2 (BPE)", v);
		snprintf(t->model, sizeof(t->model), "%s", v);
		return 1;
	}
	if (!strcmp(k, "token_bytes") || !strcmp(k, "merge_bytes")) {
		double d;

		if (!parse_double(c, k, v, &d))
			return 0;
		if (!(d >= 1 && d <= 256))
			return fail(c, "%s = %s: expected a mean length between 1 and 256 bytes", k, v);
		*(k[0] == 't' ? &t->token_bytes : &t->merge_bytes) = d;
		return 1;
	}
	if (!strcmp(k, "scores")) {
		if (strcmp(v, "0") && strcmp(v, "1"))
			return fail(c, "scores = '%s': expected 0 or 1", v);
		t->scores = v[0] == '1';
		return 1;
	}
	if (!strcmp(k, "byte_tokens"))
		return tok_id(c, k, v, &t->byte_base);
	if (!strcmp(k, "merges")) {
		if (!eval_int(c, k, v, &t->merges))
			return 0;
		if (t->merges < 0)
			return fail(c, "merges = %s: expected a count >= 0", v);
		return 1;
	}
	if (!strcmp(k, "bos"))
		return tok_id(c, k, v, &t->bos);
	if (!strcmp(k, "eos"))
		return tok_id(c, k, v, &t->eos);
	if (!strcmp(k, "unk"))
		return tok_id(c, k, v, &t->unk);
	if (!strcmp(k, "pad"))
		return tok_id(c, k, v, &t->pad);
	return fail(c, "unknown key '%s' in [tokenizer] (expected model, token_bytes, scores, "
		       "byte_tokens, merges, merge_bytes, bos, eos, unk, pad)", k);
}

static int handler(void *user, const char *section, const char *k, const char *v)
{
	struct pf_ctx *c = user;

	if (c->failed)
		return 1; /* keep only the first error */
	if (!strcmp(section, "model")) {
		if (!c->p->model_line)
			c->p->model_line = c->line;
		return h_model(c, k, v);
	}
	if (!strcmp(section, "hparams")) {
		if (!c->p->hparams_line)
			c->p->hparams_line = c->line;
		return h_hparams(c, k, v);
	}
	if (!strcmp(section, "head"))
		return h_tensor(c, PF_HEAD, k, v);
	if (!strcmp(section, "tail"))
		return h_tensor(c, PF_TAIL, k, v);
	if (!strcmp(section, "layer"))
		return h_tensor(c, PF_LAYER, k, v);
	if (!strcmp(section, "layer.dense"))
		return h_tensor(c, PF_LAYER_DENSE, k, v);
	if (!strcmp(section, "layer.moe"))
		return h_tensor(c, PF_LAYER_MOE, k, v);
	if (!strcmp(section, "quant"))
		return h_quant(c, k, v);
	if (!strcmp(section, "routing")) {
		char *end;
		double x;

		if (strcmp(k, "overlap"))
			return fail(c, "unknown key '%s' in [routing] (expected overlap)", k);
		x = strtod(v, &end);
		if (end == v || *end || !(x > 0 && x < 1))
			return fail(c, "overlap = %s: expected the share of tokens sharing an expert with the previous token, above 0 and below 1", v);
		c->p->routing_overlap = x;
		return 1;
	}
	if (!strcmp(section, "kv"))
		return h_kv(c, k, v);
	if (!strcmp(section, "tokenizer"))
		return h_tokenizer(c, k, v);
	if (!*section)
		return fail(c, "key '%s' before any [section]", k);
	return fail(c, "unknown section [%s] (expected model, hparams, head, layer, layer.dense, "
		       "layer.moe, tail, quant, kv, tokenizer, routing)", section);
}

static void profile_free(struct pf_profile *p)
{
	free(p->name);
	free(p->arch);
	free(p->general_name);
	for (int i = 0; i < p->n_tdefs; i++) {
		free(p->tdefs[i].name);
		free(p->tdefs[i].shape);
	}
	free(p->tdefs);
	for (int i = 0; i < p->n_rules; i++) {
		free(p->rules[i].pattern);
		free(p->rules[i].spec);
	}
	free(p->rules);
	for (int i = 0; i < p->n_kvdefs; i++) {
		free(p->kvdefs[i].key);
		free(p->kvdefs[i].spec);
	}
	free(p->kvdefs);
}

static int is_path(const char *name)
{
	size_t n = strlen(name);

	return strchr(name, '/') || (n > 4 && !strcmp(name + n - 4, ".ini"));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **sr_profile_names(void)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *de;
	char **v = NULL;
	size_t n = 0, cap = 0;

	snprintf(dir, sizeof(dir), "%s/models", sr_profile_dir());
	d = opendir(dir);
	if (d) {
		while ((de = readdir(d))) {
			size_t l = strlen(de->d_name);

			if (l <= 4 || strcmp(de->d_name + l - 4, ".ini") || de->d_name[0] == '.')
				continue;
			if (n + 1 >= cap) {
				size_t nc = cap ? cap * 2 : 16;
				char **nv = realloc(v, nc * sizeof(*v));

				if (!nv)
					break;
				v = nv;
				cap = nc;
			}
			v[n] = strndup(de->d_name, l - 4);
			if (v[n])
				n++;
		}
		closedir(d);
	}
	if (!v) {
		v = calloc(1, sizeof(*v));
		return v;
	}
	qsort(v, n, sizeof(*v), cmp_str);
	v[n] = NULL;
	return v;
}

void sr_profile_names_free(char **names)
{
	if (!names)
		return;
	for (char **s = names; *s; s++)
		free(*s);
	free(names);
}

static int unknown_profile(const char *name, const char *path, struct sr_err *e)
{
	char list[300] = "";
	char **names = sr_profile_names();
	size_t used = 0;

	for (char **s = names; s && *s; s++) {
		int w = snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "", *s);

		if (w < 0 || (size_t)w >= sizeof(list) - used) {
			snprintf(list + sizeof(list) - 5, 5, "...");
			break;
		}
		used += (size_t)w;
	}
	sr_profile_names_free(names);
	return sr_inputf(e, "%s: unknown model profile '%s' (installed in %s/models: %s)", path, name,
			 sr_profile_dir(), *list ? list : "none");
}

int sr_profile_load(const char *name, struct sr_model *m, struct sr_err *e)
{
	char path[PATH_MAX];
	struct pf_profile p = { 0 };
	struct pf_ctx c = { .p = &p, .e = e };
	int r;

	memset(m, 0, sizeof(*m));
	if (!name || !*name)
		return sr_inputf(e, "model profile: expected a name or a path to an .ini file");
	if (is_path(name))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%s/models/%s.ini", sr_profile_dir(), name);
	c.f = fopen(path, "r");
	if (!c.f) {
		if (errno == ENOENT && !is_path(name))
			return unknown_profile(name, path, e);
		return sr_inputf(e, "%s: cannot open model profile: %s", path, strerror(errno));
	}
	p.path = path;
	p.alignment = 32;
	p.file_type = -1;
	p.quant_version = -1;
	p.tok.byte_base = p.tok.bos = p.tok.eos = p.tok.unk = p.tok.pad = -1;
	r = ini_parse_stream(reader, &c, handler, &c);
	fclose(c.f);
	if (c.failed) {
		r = e && e->code ? e->code : -EINVAL;
		goto out;
	}
	if (r) {
		r = sr_inputf(e, "%s:%d: expected [section] or key = value", path, r);
		goto out;
	}
	r = sr_pf_layout(&p, m, e);
out:
	profile_free(&p);
	return r;
}
