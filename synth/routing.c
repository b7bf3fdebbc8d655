/* Routing models for synthetic MoE schedules, and --routing parsing. */
#include "synth/routing.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Bytes a log routing table may take (tokens x layers x k x 2). */
#define LOG_TABLE_MAX (1ull << 30)
#define QUOTE_MAX 40

struct sr_router {
	struct sr_routing r;
	struct sr_router_cfg c;
	uint8_t *moe;        /* copy of c.moe */
	uint16_t *prev;      /* [layer][k]: the experts last routed at each layer */
	uint64_t *prev_tok;  /* [layer]: token prev holds, plus 1 (0: none yet) */
	uint8_t *mark;       /* [n_expert] scratch: 1 chosen, 2 used by the previous token */
	uint16_t *scratch;   /* [n_expert] */
	uint16_t *perm;      /* zipf: [layer][rank] -> expert */
	double *cdf;         /* zipf: [rank], cdf[n_expert - 1] == 1 */
	uint16_t *log;       /* log: [token][layer][k] */
	uint8_t *have;       /* log: [token][layer] present */
};

int sr_routing_parse(const char *arg, struct sr_routing *r, struct sr_err *e)
{
	const char *colon = strchr(arg, ':');
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
	char *end;
	double v;

	memset(r, 0, sizeof(*r));
	r->given = 1;
	if (n == 7 && !strncmp(arg, "uniform", 7) && !colon) {
		r->kind = SR_ROUTE_UNIFORM;
		return 0;
	}
	if (n == 8 && !strncmp(arg, "temporal", 8) && !colon) {
		r->kind = SR_ROUTE_TEMPORAL;
		r->temporal_p = SR_TEMPORAL_DEFAULT_P;
		return 0;
	}
	if (n == 3 && !strncmp(arg, "log", 3) && colon) {
		if (!colon[1])
			return sr_inputf(e, "--routing log:FILE: expected a file name after 'log:'");
		r->kind = SR_ROUTE_LOG;
		r->log = colon + 1;
		return 0;
	}
	if (colon && ((n == 4 && !strncmp(arg, "zipf", 4)) || (n == 8 && !strncmp(arg, "temporal", 8)))) {
		errno = 0;
		v = strtod(colon + 1, &end);
		if (n == 4) {
			if (end == colon + 1 || *end || errno || !isfinite(v) || v <= 0 || v > 16)
				return sr_inputf(e, "--routing zipf:S: expected an exponent S above 0 and at most 16 (zipf:1.2), found '%s'",
						 colon + 1);
			r->kind = SR_ROUTE_ZIPF;
			r->zipf_s = v;
			return 0;
		}
		if (end == colon + 1 || *end || errno || !(v >= 0 && v <= 1))
			return sr_inputf(e, "--routing temporal:P: expected a probability from 0 to 1 (temporal:0.4), found '%s'",
					 colon + 1);
		r->kind = SR_ROUTE_TEMPORAL;
		r->temporal_p = v;
		return 0;
	}
	return sr_inputf(e, "--routing: expected uniform, zipf:S, temporal[:P] or log:FILE, found '%s'", arg);
}

/* ---- random numbers: one stream per (seed, token, layer) ---- */

static uint64_t rnext(uint64_t *s)
{
	uint64_t z = *s;

	*s += 0x9e3779b97f4a7c15ull;
	return sr_mix64(z);
}

static uint64_t rbelow(uint64_t *s, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rnext(s) * n) >> 64);
}

static double runit(uint64_t *s)
{
	return (double)(rnext(s) >> 11) * 0x1p-53;
}

static uint64_t stream(uint64_t seed, uint64_t token, uint32_t layer, uint64_t salt)
{
	return sr_mix64(sr_mix64(sr_mix64(seed ^ salt) ^ token) ^ layer);
}

/* ---- models ---- */

static void sort_small(uint16_t *a, uint32_t n)
{
	uint32_t i, j;
	uint16_t v;

	for (i = 1; i < n; i++) {
		v = a[i];
		for (j = i; j && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

static void route_uniform(struct sr_router *r, uint64_t *s, uint16_t *out)
{
	uint32_t n = r->c.n_expert, k = r->c.k, i, got = 0;
	uint64_t x;

	if (2 * k <= n) {
		memset(r->mark, 0, n);
		while (got < k) {
			x = rbelow(s, n);
			if (r->mark[x])
				continue;
			r->mark[x] = 1;
			out[got++] = (uint16_t)x;
		}
		return;
	}
	for (i = 0; i < n; i++) /* partial Fisher-Yates */
		r->scratch[i] = (uint16_t)i;
	for (i = 0; i < k; i++) {
		x = i + rbelow(s, n - i);
		out[i] = r->scratch[x];
		r->scratch[x] = r->scratch[i];
	}
}

static uint32_t zipf_rank(const struct sr_router *r, double u)
{
	uint32_t lo = 0, hi = r->c.n_expert - 1, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (r->cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* k distinct experts, rank r drawn with weight (r+1)^-S among those not yet
 * chosen (sampling without replacement). Rejection is quick unless S is
 * large; past a bound the remaining slots are drawn exactly from the
 * weights of what is left. */
static void route_zipf(struct sr_router *r, uint64_t *s, uint32_t layer, uint16_t *out)
{
	uint32_t n = r->c.n_expert, k = r->c.k, got = 0, tries = 0, rank;
	const uint16_t *perm = r->perm + (size_t)layer * n;
	double total, u;

	memset(r->mark, 0, n);
	while (got < k && tries < 64 * k) {
		tries++;
		rank = zipf_rank(r, runit(s));
		if (r->mark[rank])
			continue;
		r->mark[rank] = 1;
		out[got++] = perm[rank];
	}
	while (got < k) {
		total = 0;
		for (rank = 0; rank < n; rank++)
			if (!r->mark[rank])
				total += r->cdf[rank] - (rank ? r->cdf[rank - 1] : 0);
		u = runit(s) * total;
		for (rank = 0; rank < n; rank++) {
			if (r->mark[rank])
				continue;
			u -= r->cdf[rank] - (rank ? r->cdf[rank - 1] : 0);
			if (u < 0)
				break;
		}
		if (rank == n) /* rounding: the last unchosen rank */
			for (rank = n - 1; r->mark[rank]; rank--)
				;
		r->mark[rank] = 1;
		out[got++] = perm[rank];
	}
}

/* Each slot: with probability P one of the previous token's experts not yet
 * taken, else an expert the previous token did not use. So the fraction of
 * chosen experts the previous token also used is P (when enough of both
 * kinds exist). */
static void route_temporal(struct sr_router *r, uint64_t *s, const uint16_t *prev, uint16_t *out)
{
	uint32_t n = r->c.n_expert, k = r->c.k, i, j, n_old = k, n_new = n - k, pick;
	uint16_t old[256];
	int reuse;
	uint64_t x;

	memset(r->mark, 0, n);
	for (i = 0; i < k; i++) {
		old[i] = prev[i];
		r->mark[prev[i]] = 2;
	}
	for (i = 0; i < k; i++) {
		reuse = runit(s) < r->r.temporal_p;
		if ((reuse && !n_old) || (!reuse && !n_new))
			reuse = !reuse;
		if (reuse) {
			pick = (uint32_t)rbelow(s, n_old);
			x = old[pick];
			old[pick] = old[--n_old];
		} else if (2 * n_new >= n) {
			do
				x = rbelow(s, n);
			while (r->mark[x]);
			n_new--;
		} else {
			pick = (uint32_t)rbelow(s, n_new--);
			for (j = 0; j < n; j++)
				if (!r->mark[j] && !pick--)
					break;
			x = j;
		}
		r->mark[x] = 1;
		out[i] = (uint16_t)x;
	}
}

void sr_router_route(struct sr_router *r, uint64_t token, uint32_t layer, uint16_t *out)
{
	uint32_t k = r->c.k;
	uint16_t *prev = r->prev + (size_t)layer * k;
	uint64_t s;

	if (r->prev_tok[layer] == token + 1) { /* asked again: same answer */
		memcpy(out, prev, k * sizeof(*out));
		return;
	}
	s = stream(r->c.seed, token, layer, 0x726f757465ull);
	switch (r->r.kind) {
	case SR_ROUTE_UNIFORM:
		route_uniform(r, &s, out);
		break;
	case SR_ROUTE_ZIPF:
		route_zipf(r, &s, layer, out);
		break;
	case SR_ROUTE_TEMPORAL:
		if (token && r->prev_tok[layer] == token)
			route_temporal(r, &s, prev, out);
		else
			route_uniform(r, &s, out);
		break;
	case SR_ROUTE_LOG:
		memcpy(out, r->log + ((size_t)token * r->c.n_layer + layer) * k, k * sizeof(*out));
		break;
	}
	sort_small(out, k);
	memcpy(prev, out, k * sizeof(*out));
	r->prev_tok[layer] = token + 1;
}

void sr_router_reset(struct sr_router *r)
{
	memset(r->prev_tok, 0, r->c.n_layer * sizeof(*r->prev_tok));
}

void sr_router_close(struct sr_router *r)
{
	if (!r)
		return;
	free(r->moe);
	free(r->prev);
	free(r->prev_tok);
	free(r->mark);
	free(r->scratch);
	free(r->perm);
	free(r->cdf);
	free(r->log);
	free(r->have);
	free(r);
}

/* ---- zipf tables ---- */

static int zipf_init(struct sr_router *r)
{
	uint32_t n = r->c.n_expert, l, i, j;
	double sum = 0;
	uint64_t s;
	uint16_t t;

	r->cdf = malloc(n * sizeof(*r->cdf));
	r->perm = malloc((size_t)r->c.n_layer * n * sizeof(*r->perm));
	if (!r->cdf || !r->perm)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		sum += r->cdf[i] = pow((double)(i + 1), -r->r.zipf_s);
	for (i = 0, r->cdf[0] /= sum; ++i < n;)
		r->cdf[i] = r->cdf[i - 1] + r->cdf[i] / sum;
	r->cdf[n - 1] = 1.0;
	/* Which expert is hot differs per layer: a seeded shuffle per layer. */
	for (l = 0; l < r->c.n_layer; l++) {
		uint16_t *p = r->perm + (size_t)l * n;

		s = stream(r->c.seed, 0, l, 0x7a697066ull);
		for (i = 0; i < n; i++)
			p[i] = (uint16_t)i;
		for (i = n - 1; i > 0; i--) {
			j = (uint32_t)rbelow(&s, i + 1);
			t = p[i];
			p[i] = p[j];
			p[j] = t;
		}
	}
	return 0;
}

/* ---- log:FILE ---- */

static const char *quote(char *dst, const char *s)
{
	size_t i;

	for (i = 0; s[i] && i < QUOTE_MAX; i++)
		dst[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ? '?' : s[i];
	if (s[i])
		memcpy(dst + i, "...", 3), i += 3;
	dst[i] = 0;
	return dst;
}

/* A decimal or 0x unsigned integer filling [s, end), spaces around allowed. */
static int parse_uint(const char *s, const char *end, uint64_t *v)
{
	char buf[32];
	char *e;
	size_t n;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	n = (size_t)(end - s);
	if (!n || n >= sizeof(buf) || *s == '-' || *s == '+')
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = 0;
	errno = 0;
	*v = strtoull(buf, &e, 0);
	return *e || errno ? -EINVAL : 0;
}

static int log_line(struct sr_router *r, const char *path, unsigned long long ln, char *line,
		    struct sr_err *e)
{
	uint32_t k = r->c.k, got = 0, i;
	char q[QUOTE_MAX + 4], *c1, *c2, *p, *tok;
	uint64_t token, layer, ex;
	uint16_t ids[256];

	c1 = strchr(line, ',');
	c2 = c1 ? strchr(c1 + 1, ',') : NULL;
	if (!c2 || strchr(c2 + 1, ','))
		return sr_inputf(e, "%s:%llu: expected token,layer,experts (like 0,3,1 5), found '%s'", path, ln,
				 quote(q, line));
	if (parse_uint(line, c1, &token))
		return sr_inputf(e, "%s:%llu: expected a token number, found '%s'", path, ln, quote(q, line));
	if (parse_uint(c1 + 1, c2, &layer) || layer >= r->c.n_layer || !r->moe[layer])
		return sr_inputf(e, "%s:%llu: expected the number of a layer with routed experts (0 to %u), found '%s'",
				 path, ln, r->c.n_layer - 1, quote(q, line));
	memset(r->mark, 0, r->c.n_expert);
	for (p = c2 + 1; (tok = strtok(p, " \t;")); p = NULL) {
		if (parse_uint(tok, tok + strlen(tok), &ex) || ex >= r->c.n_expert)
			return sr_inputf(e, "%s:%llu: expected expert ids from 0 to %u, found '%s'", path, ln,
					 r->c.n_expert - 1, quote(q, tok));
		if (r->mark[ex])
			return sr_inputf(e, "%s:%llu: expert %llu appears twice", path, ln, (unsigned long long)ex);
		r->mark[ex] = 1;
		if (got < k)
			ids[got] = (uint16_t)ex;
		got++;
	}
	if (got != k)
		return sr_inputf(e, "%s:%llu: expected %u experts (the model's experts per token), found %u", path, ln,
				 k, got);
	if (token >= r->c.n_tokens)
		return 0; /* beyond what the schedule needs */
	i = (uint32_t)(token * r->c.n_layer + layer);
	if (r->have[i])
		return sr_inputf(e, "%s:%llu: token %llu layer %llu routed twice", path, ln,
				 (unsigned long long)token, (unsigned long long)layer);
	r->have[i] = 1;
	memcpy(r->log + (size_t)i * k, ids, k * sizeof(*ids));
	return 0;
}

static int log_load(struct sr_router *r, const char *path, struct sr_err *e)
{
	size_t cells = (size_t)r->c.n_tokens * r->c.n_layer, cap = 0, i;
	unsigned long long ln = 0;
	char *line = NULL;
	ssize_t len;
	int ret = 0, first = 1;
	struct stat st;
	FILE *f;

	if (r->c.n_tokens * r->c.n_layer * r->c.k * 2 > LOG_TABLE_MAX)
		return sr_inputf(e, "%s: --routing log: %llu tokens x %u layers x %u experts is too large a table",
				 path, (unsigned long long)r->c.n_tokens, r->c.n_layer, r->c.k);
	r->log = malloc(cells * r->c.k * sizeof(*r->log) + 1);
	r->have = calloc(cells + 1, 1);
	if (!r->log || !r->have)
		return sr_errf(e, -ENOMEM, "%s: out of memory", path);
	if (!stat(path, &st) && S_ISDIR(st.st_mode))
		return sr_inputf(e, "%s: is a directory, expected a routing log (token,layer,experts lines)", path);
	f = fopen(path, "r");
	if (!f)
		return errno == EINTR ? sr_errf(e, -EINTR, "%s: %s", path, strerror(errno)) :
					sr_inputf(e, "%s: %s", path, strerror(errno));
	while ((len = getline(&line, &cap, f)) >= 0) {
		ln++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if ((size_t)len != strlen(line)) {
			ret = sr_inputf(e, "%s:%llu: NUL byte in text line", path, ln);
			goto out;
		}
		for (i = 0; line[i] == ' ' || line[i] == '\t'; i++)
			;
		if (!line[i] || line[i] == '#')
			continue;
		/* an optional header line: "token,layer,experts" */
		if (first && ((line[i] | 0x20) >= 'a' && (line[i] | 0x20) <= 'z')) {
			first = 0;
			continue;
		}
		first = 0;
		ret = log_line(r, path, ln, line + i, e);
		if (ret)
			goto out;
	}
	if (ferror(f)) {
		ret = sr_errf(e, -EIO, "%s: read error", path);
		goto out;
	}
	for (i = 0; i < cells; i++)
		if (!r->have[i] && r->moe[i % r->c.n_layer]) {
			ret = sr_inputf(e, "%s: no routing for token %llu layer %u; the schedule needs tokens 0 to %llu on every MoE layer",
					path, (unsigned long long)(i / r->c.n_layer), (unsigned)(i % r->c.n_layer),
					(unsigned long long)r->c.n_tokens - 1);
			goto out;
		}
out:
	free(line);
	fclose(f);
	return ret;
}

int sr_router_open(const struct sr_routing *rt, const struct sr_router_cfg *c, struct sr_router **out,
		   struct sr_err *e)
{
	struct sr_router *r;
	int ret = -ENOMEM;

	if (!c->n_expert || c->n_expert > 65536 || !c->k || c->k > c->n_expert || c->k > 256)
		return sr_inputf(e, "routing: the model has %u experts, %u per token: expected 1 <= per token <= 256 and per token <= experts <= 65536",
				 c->n_expert, c->k);
	r = calloc(1, sizeof(*r));
	if (!r)
		return sr_errf(e, -ENOMEM, "out of memory");
	r->r = *rt;
	r->c = *c;
	r->moe = malloc(c->n_layer + 1);
	r->prev = calloc((size_t)c->n_layer * c->k + 1, sizeof(*r->prev));
	r->prev_tok = calloc(c->n_layer + 1, sizeof(*r->prev_tok));
	r->mark = malloc(c->n_expert);
	r->scratch = malloc(c->n_expert * sizeof(*r->scratch));
	if (!r->moe || !r->prev || !r->prev_tok || !r->mark || !r->scratch)
		goto fail;
	memcpy(r->moe, c->moe, c->n_layer);
	r->c.moe = r->moe;
	if (rt->kind == SR_ROUTE_ZIPF && zipf_init(r))
		goto fail;
	if (rt->kind == SR_ROUTE_LOG) {
		ret = log_load(r, rt->log, e);
		if (ret) {
			sr_router_close(r);
			return ret;
		}
	}
	*out = r;
	return 0;
fail:
	sr_router_close(r);
	return sr_errf(e, ret, "out of memory");
}
