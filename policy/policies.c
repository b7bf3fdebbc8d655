/* The policy table: each entry a replacement algorithm plus the hooks that
 * see the schedule and issue prefetches. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "policy/sim_int.h"
#include "base/units.h"

static uint64_t rng_next(uint64_t *x) /* xorshift64* */
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 0x2545F4914F6CDD1Dull;
}

static int no_arg(const char *name, const char *arg, struct sr_err *e)
{
	if (arg)
		return sr_inputf(e, "simulate: policy %s takes no argument, found '%s:%s'", name, name, arg);
	return 0;
}

static int parse_none(const char *arg, struct sr_policy_params *pp, struct sr_err *e)
{
	(void)pp;
	return no_arg("this", arg, e);
}

/* ---- pinned:PATTERN ---- */

static int parse_pinned(const char *arg, struct sr_policy_params *pp, struct sr_err *e)
{
	if (!arg || !*arg || *arg == ',')
		return sr_inputf(e, "simulate: pinned: expected pinned:PATTERN with comma-separated globs on tensor names ('*norm*,token_embd*'), found '%s'",
				 arg ? arg : "");
	if (strlen(arg) >= sizeof(pp->pattern))
		return sr_inputf(e, "simulate: pinned: the pattern is longer than %zu characters", sizeof(pp->pattern) - 1);
	strcpy(pp->pattern, arg);
	return 0;
}

/* ---- lookahead:K ---- */

static int parse_count(const char *name, const char *arg, uint64_t def, uint64_t max, int allow_l,
		       struct sr_policy_params *pp, struct sr_err *e)
{
	char buf[32];
	size_t n;

	pp->k = def;
	if (!arg)
		return 0;
	n = strlen(arg);
	if (n && n < sizeof(buf) && allow_l && (arg[n - 1] == 'L' || arg[n - 1] == 'l')) {
		pp->layers = 1;
		n--;
	}
	if (!n || n >= sizeof(buf))
		goto bad;
	memcpy(buf, arg, n);
	buf[n] = 0;
	if (sr_parse_u64(buf, &pp->k) || !pp->k || pp->k > max)
		goto bad;
	return 0;
bad:
	return sr_inputf(e, "simulate: %s: expected %s:N with N from 1 to %" PRIu64 "%s, found '%s:%s'", name, name, max,
			 allow_l ? " (NL: N layers)" : "", name, arg);
}

static int parse_lookahead(const char *arg, struct sr_policy_params *pp, struct sr_err *e)
{
	return parse_count("lookahead", arg, 1, 4096, 1, pp, e);
}

struct la {
	uint64_t cursor; /* accesses before this index are planned */
	uint64_t next;   /* the index expected next; any other restarts the plan */
	long cur, last;  /* units of the current access and of access cursor - 1 */
	uint64_t ahead;  /* unit changes between those two */
	int started;
};

static int la_init(struct sr_policy *p, struct sr_err *e)
{
	p->priv = calloc(1, sizeof(struct la));
	return p->priv ? 0 : sr_errf(e, -ENOMEM, "out of memory");
}

static void free_priv(struct sr_policy *p)
{
	free(p->priv);
	p->priv = NULL;
}

static long la_unit(const struct sr_access *a, int layers)
{
	if (layers && a->layer >= 0)
		return a->layer;
	if (a->tensor >= 0)
		return (1l << 40) + a->tensor;
	return (2l << 40) + (long)(a->idx & 0xffffffffff);
}

/* The dense part of the schedule is deterministic: read the accesses of the
 * next K tensors (or layers) while computing. Expert slices depend on the
 * router, which has not run yet: they are left to demand. The plan only
 * grows: each access extends it from where it stopped, counting the unit
 * changes still ahead, so a tensor of many page accesses costs one look at
 * each access, not a rescan of the window per access. */
static void la_access(struct sr_policy *p, const struct sr_access *a)
{
	struct la *l = p->priv;
	long unit = la_unit(a, p->pp.layers);
	size_t i;

	if (!l->started || a->idx != l->next || l->cursor <= a->idx) {
		l->cursor = a->idx + 1;
		l->cur = l->last = unit;
		l->ahead = 0;
		l->started = 1;
	} else if (unit != l->cur) {
		l->cur = unit; /* the change into this unit was planned: one fewer ahead */
		if (l->ahead)
			l->ahead--;
	}
	l->next = a->idx + 1;
	for (i = (size_t)(l->cursor - a->idx); i < (1u << 20); i++) {
		const struct sr_access *b;
		long u;

		if (sr_sim_peek(p->sim, i, &b) <= 0)
			break;
		u = la_unit(b, p->pp.layers);
		if (u != l->last) {
			if (l->ahead + 1 > p->pp.k)
				break;
			l->ahead++;
			l->last = u;
		}
		if (b->expert < 0)
			sr_sim_prefetch(p->sim, b->off, b->len, UINT64_MAX);
		l->cursor = b->idx + 1;
	}
}

/* ---- expert-temporal[:D] and router-guess:ACC ---- */

struct slice {
	uint64_t off, len;
};
struct slices {
	struct slice *s;
	size_t n, cap;
};

struct moe {
	uint32_t n_layer;
	struct slices *prev, *cur; /* per layer, the previous and the current token's expert slices */
	int last_layer;
	uint64_t rng;
};

static int moe_init(struct sr_policy *p, struct sr_err *e)
{
	const struct sr_model *m = sr_sim_model(p->sim);
	struct moe *x = calloc(1, sizeof(*x));

	if (!x)
		return sr_errf(e, -ENOMEM, "out of memory");
	p->priv = x;
	x->n_layer = sr_model_n_layers(m);
	if (m->hp.n_layer > x->n_layer)
		x->n_layer = m->hp.n_layer;
	x->prev = calloc(x->n_layer + 1, sizeof(*x->prev));
	x->cur = calloc(x->n_layer + 1, sizeof(*x->cur));
	if (!x->prev || !x->cur)
		return sr_errf(e, -ENOMEM, "out of memory");
	x->last_layer = -1;
	x->rng = sr_sim_seed(p->sim) * 0x9E3779B97F4A7C15ull + 0x5851F42D4C957F2Dull;
	if (!x->rng)
		x->rng = 1;
	return 0;
}

static void moe_fini(struct sr_policy *p)
{
	struct moe *x = p->priv;
	uint32_t i;

	if (!x)
		return;
	for (i = 0; x->prev && x->cur && i <= x->n_layer; i++) {
		free(x->prev[i].s);
		free(x->cur[i].s);
	}
	free(x->prev);
	free(x->cur);
	free_priv(p);
}

static void slices_add(struct slices *v, uint64_t off, uint64_t len)
{
	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 16;
		struct slice *ns = realloc(v->s, ncap * sizeof(*ns));

		if (!ns)
			return; /* a slice fewer to prefetch: only the policy's quality suffers */
		v->s = ns;
		v->cap = ncap;
	}
	v->s[v->n++] = (struct slice){ off, len };
}

/* Track the token's expert slices per layer; returns the layer whose
 * start this access is (-1 when not the first access of a layer). */
static int moe_track(struct moe *x, const struct sr_access *a)
{
	int start = -1;

	if (a->flags & SR_RF_TOKEN) {
		struct slices *t = x->prev;

		x->prev = x->cur;
		x->cur = t;
		for (uint32_t i = 0; i <= x->n_layer; i++)
			x->cur[i].n = 0;
		x->last_layer = -1;
	}
	if (a->layer >= 0 && (uint32_t)a->layer < x->n_layer) {
		if (a->layer != x->last_layer)
			start = a->layer;
		x->last_layer = a->layer;
		if (a->expert >= 0)
			slices_add(&x->cur[a->layer], a->off, a->len);
	}
	return start;
}

static int parse_temporal(const char *arg, struct sr_policy_params *pp, struct sr_err *e)
{
	return parse_count("expert-temporal", arg, 1, 1024, 0, pp, e);
}

static void temporal_layer(struct sr_policy *p, struct moe *x, uint32_t l)
{
	size_t i;

	if (l >= x->n_layer)
		return;
	for (i = 0; i < x->prev[l].n; i++)
		sr_sim_prefetch(p->sim, x->prev[l].s[i].off, x->prev[l].s[i].len, UINT64_MAX);
}

/* At the start of layer L, read the experts the previous token used in layer
 * L + D (at the token's start, those of layers 0 .. D-1 too). */
static void temporal_access(struct sr_policy *p, const struct sr_access *a)
{
	struct moe *x = p->priv;
	int tok = a->flags & SR_RF_TOKEN, l = moe_track(x, a);
	uint64_t d;

	if (tok)
		for (d = 0; d < p->pp.k; d++)
			temporal_layer(p, x, (uint32_t)d);
	if (l >= 0)
		temporal_layer(p, x, (uint32_t)(l + p->pp.k));
}

static int parse_acc(const char *arg, struct sr_policy_params *pp, struct sr_err *e)
{
	char *end;

	if (!arg || !*arg)
		goto bad;
	pp->acc = strtod(arg, &end);
	if (*end == '%') {
		pp->acc /= 100;
		end++;
	}
	if (*end || !(pp->acc >= 0 && pp->acc <= 1))
		goto bad;
	pp->k = 1;
	return 0;
bad:
	return sr_inputf(e, "simulate: router-guess: expected router-guess:ACC with ACC from 0 to 1 (or 0%%..100%%), found '%s'",
			 arg ? arg : "");
}

/* A predictor right with probability ACC: at the start of layer L it names
 * layer L+1's experts; with probability ACC the true ones (from the
 * schedule's future), else as many experts drawn at random. */
static void guess_layer(struct sr_policy *p, struct moe *x, uint32_t l)
{
	const struct sr_model *m = sr_sim_model(p->sim);
	const struct sr_access *b;
	long tensors[8];
	int nt = 0, k, truth = (double)(rng_next(&x->rng) >> 11) / 9007199254740992.0 < p->pp.acc;
	uint32_t n_exp = 0, n_used = 0;
	uint64_t used[8] = { 0 }; /* bitmap of the true experts of the first tensor, up to 512 */
	size_t i;

	if (l >= x->n_layer)
		return;
	for (i = 1; i < (1u << 20) && sr_sim_peek(p->sim, i, &b) > 0; i++) {
		if (b->flags & SR_RF_TOKEN)
			break;
		if (b->layer > (int)l)
			break;
		if (b->layer != (int)l || b->expert < 0)
			continue;
		if (truth) {
			sr_sim_prefetch(p->sim, b->off, b->len, UINT64_MAX);
			continue;
		}
		for (k = 0; k < nt && tensors[k] != b->tensor; k++)
			;
		if (k == nt && nt < 8)
			tensors[nt++] = b->tensor;
		if (k == 0 && b->expert < 512 && !(used[b->expert / 64] >> (b->expert % 64) & 1)) {
			used[b->expert / 64] |= 1ull << (b->expert % 64);
			n_used++;
		}
		n_exp = m->tensors[b->tensor].n_expert;
	}
	if (truth || !nt || !n_exp)
		return;
	/* a wrong guess: n_used distinct experts at random */
	memset(used, 0, sizeof(used));
	for (uint32_t j = 0; j < n_used && j < n_exp && j < 512; j++) {
		uint32_t ex;

		do
			ex = (uint32_t)(rng_next(&x->rng) % (n_exp < 512 ? n_exp : 512));
		while (used[ex / 64] >> (ex % 64) & 1);
		used[ex / 64] |= 1ull << (ex % 64);
		for (k = 0; k < nt; k++) {
			const struct sr_tensor *t = &m->tensors[tensors[k]];

			sr_sim_prefetch(p->sim, t->off + (uint64_t)ex * t->expert_bytes, t->expert_bytes,
					UINT64_MAX);
		}
	}
}

static void guess_access(struct sr_policy *p, const struct sr_access *a)
{
	struct moe *x = p->priv;
	int tok = a->flags & SR_RF_TOKEN, l = moe_track(x, a);

	if (tok)
		guess_layer(p, x, 0);
	if (l >= 0)
		guess_layer(p, x, (uint32_t)l + 1);
}

/* ---- pagecache[:RA_KB]: the kernel's page cache under mmap ---- */

static int parse_pagecache(const char *arg, struct sr_policy_params *pp, struct sr_err *e)
{
	if (!arg)
		return 0;
	if (sr_parse_u64(arg, &pp->ra_kb) || pp->ra_kb > (1u << 20))
		return sr_inputf(e, "simulate: pagecache: expected pagecache:RA_KB (read_ahead_kb, 0 to 1048576), found '%s'", arg);
	if (!pp->ra_kb)
		pp->ra_kb = UINT64_MAX; /* 0 given: no readahead */
	return 0;
}

int sr_pc_setup(struct sr_policy *p, struct sr_pc *c)
{
	uint64_t kb = p->pp.ra_kb ? p->pp.ra_kb : sr_sim_ra_kb(p->sim);

	if (!kb)
		kb = 128;
	if (kb == UINT64_MAX)
		kb = 0;
	c->ra = kb * 1024 / sr_sim_page_size(p->sim);
	if (!c->ra)
		c->ra = 1;
	/* --max-folio: MAX_PAGECACHE_ORDER on x86-64 is a PMD, 2 MiB */
	c->max_order = 0;
	while ((sr_sim_page_size(p->sim) << (c->max_order + 1)) <= sr_sim_max_folio(p->sim))
		c->max_order++;
	return 0;
}

static int pc_init(struct sr_policy *p, struct sr_err *e)
{
	struct sr_pc *c = calloc(1, sizeof(*c));
	int ret;

	if (!c)
		return sr_errf(e, -ENOMEM, "out of memory");
	p->priv = c;
	ret = sr_pc_setup(p, c);
	if (ret)
		return ret;
	/* the report flags a budget under four windows (simreport.c): measured
	 * for this policy's streaming, not for the strategies built on it */
	sr_sim_note_readahead(p->sim, c->ra > 1 ? c->ra * sr_sim_page_size(p->sim) : 0);
	return 0;
}

/* do_sync_mmap_readahead() without madvise hints: read around the fault,
 * ra_pages centred on it, and mark the page async_size = ra/4 before the
 * window's end (PG_readahead). */
void sr_pc_miss(struct sr_policy *p, uint64_t page, uint64_t *lo, uint64_t *hi, uint64_t *mark)
{
	struct sr_pc *c = p->priv;

	if (c->ra <= 1)
		return;
	c->start = page > c->ra / 2 ? page - c->ra / 2 : 0;
	c->size = c->ra;
	c->async = c->ra / 4;
	c->order = 0;
	*lo = c->start;
	*hi = c->start + c->size;
	*mark = c->start + c->size - c->async;
}

/* The first page after page not cached or in flight, within ra pages
 * (page_cache_next_miss); 0: none there. */
static uint64_t next_miss(struct sr_policy *p, const struct sr_pc *c, uint64_t page)
{
	uint64_t q, end = sr_sim_extent_pages(p->sim);

	for (q = page + 1; q <= page + c->ra && q < end; q++)
		if (!sr_sim_lookup(p->sim, q))
			return q;
	return 0;
}

/* The marked page was used: page_cache_async_ra() reads the next window.
 * The mark where the window's state expects it (its start + size -
 * async_size, down to the marked folio's size) moves the window on; any
 * other mark (one a read-around left behind, or a window's since replaced)
 * starts a window at the first page after it not cached, or none if the
 * next ra pages all are. Taken as "any mark inside the current window" and
 * "the page after the mark", v31-v34's rooms of three windows or less
 * (dense, 35%) were predicted at 0.66-0.84x the real bytes/token. */
void sr_pc_marked(struct sr_policy *p, uint64_t page)
{
	struct sr_pc *c = p->priv;
	const struct sr_frame *f = sr_sim_lookup(p->sim, page);
	uint64_t ps = sr_sim_page_size(p->sim), nr = 1ull << (f ? f->forder : 0), end, align;
	unsigned o, lg = 0;

	if (page == ((c->start + c->size - c->async) & ~(nr - 1))) {
		c->start += c->size;
	} else {
		uint64_t miss = next_miss(p, c, page);

		if (!miss)
			return;
		c->start = miss;
	}
	c->size = c->ra;
	/* each async window asks for folios two orders larger, and ends on
	 * that alignment (page_cache_async_ra, 6.16 on) */
	while ((2ull << lg) <= c->ra)
		lg++;
	if (c->order < 64)
		c->order += 2;
	o = c->order < lg ? c->order : lg;
	align = 1ull << o;
	end = (c->start + c->size) & ~(align - 1);
	if (end > c->start)
		c->size = end - c->start;
	c->async = c->size;
	o = o < c->max_order ? o : c->max_order;
	c->order = o; /* page_cache_ra_order() keeps the order it could ask for */
	sr_sim_prefetch_folios(p->sim, c->start * ps, c->size * ps, c->start, o);
}

/* ---- the table ---- */

static const struct sr_policy_ops p_none = {
	.name = "none", .args = "", .help = "no cache: every access reads from the device",
	.parse = parse_none,
};
static const struct sr_policy_ops p_lru = {
	.name = "lru", .args = "", .help = "least recently used page leaves first",
	.repl = &sr_repl_lru, .parse = parse_none,
};
static const struct sr_policy_ops p_fifo = {
	.name = "fifo", .args = "", .help = "oldest page leaves first",
	.repl = &sr_repl_fifo, .parse = parse_none,
};
static const struct sr_policy_ops p_clock = {
	.name = "clock", .args = "", .help = "CLOCK (second chance) approximation of LRU",
	.repl = &sr_repl_clock, .parse = parse_none,
};
static const struct sr_policy_ops p_pinned = {
	.name = "pinned", .args = "PATTERN",
	.help = "keep tensors whose names match the globs resident ('*norm*,token_embd*'); LRU for the rest",
	.needs = SR_PN_MODEL, .repl = &sr_repl_lru, .parse = parse_pinned,
};
static const struct sr_policy_ops p_lookahead = {
	.name = "lookahead", .args = "K",
	.help = "LRU, and prefetch the next K tensors (KL: layers) of the schedule; expert slices are left to demand",
	.repl = &sr_repl_lru, .parse = parse_lookahead, .init = la_init, .fini = free_priv,
	.access = la_access,
};
static const struct sr_policy_ops p_temporal = {
	.name = "expert-temporal", .args = "[D]",
	.help = "LRU, and at each layer prefetch the experts the previous token used D layers ahead (default 1)",
	.needs = SR_PN_MODEL, .repl = &sr_repl_lru, .parse = parse_temporal, .init = moe_init,
	.fini = moe_fini, .access = temporal_access,
};
static const struct sr_policy_ops p_freq = {
	.name = "expert-freq", .args = "",
	.help = "keep the most used tensors and experts (LFU over tags, LRU among equals)",
	.needs = SR_PN_MODEL, .repl = &sr_repl_lfu, .parse = parse_none,
};
static const struct sr_policy_ops p_guess = {
	.name = "router-guess", .args = "ACC",
	.help = "LRU, and a router predictor right with probability ACC prefetches the next layer's experts",
	.needs = SR_PN_MODEL, .repl = &sr_repl_lru, .parse = parse_acc, .init = moe_init,
	.fini = moe_fini, .access = guess_access,
};
static const struct sr_policy_ops p_oracle = {
	.name = "oracle", .args = "",
	.help = "Belady's MIN with the whole future (fewest device reads any policy can do)",
	.needs = SR_PN_FUTURE, .repl = &sr_repl_min, .parse = parse_none,
};
static const struct sr_policy_ops p_pagecache = {
	.name = "pagecache", .args = "[RA_KB]",
	.help = "the kernel page cache under mmap: faults, read-around and async readahead of read_ahead_kb, active/inactive LRU",
	.repl = &sr_repl_kernel, .parse = parse_pagecache, .init = pc_init, .fini = free_priv,
	.miss = sr_pc_miss, .marked = sr_pc_marked,
};

const struct sr_policy_ops *const sr_policies[] = {
	&p_none, &p_lru, &p_fifo, &p_clock, &p_pinned, &p_lookahead, &p_temporal, &p_freq,
	&p_guess, &p_oracle, &p_pagecache, &sr_pol_routed_willneed, &sr_pol_pread_prefetch,
	&sr_pol_tensor_rule, NULL,
};

int sr_policy_parse(const char *spec, const struct sr_policy_ops **ops,
		    struct sr_policy_params *pp, struct sr_err *e)
{
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec), i;
	char names[1024] = "";

	memset(pp, 0, sizeof(*pp));
	for (i = 0; sr_policies[i]; i++) {
		if (strlen(sr_policies[i]->name) == n && !strncmp(sr_policies[i]->name, spec, n)) {
			*ops = sr_policies[i];
			if (sr_policies[i]->parse == parse_none && colon)
				return sr_inputf(e, "simulate: policy %s takes no argument, found '%s'",
						 sr_policies[i]->name, spec);
			return sr_policies[i]->parse(colon ? colon + 1 : NULL, pp, e);
		}
		if (i)
			strcat(names, ", ");
		strcat(names, sr_policies[i]->name);
	}
	return sr_inputf(e, "simulate: unknown policy '%s': expected one of %s", spec, names);
}
