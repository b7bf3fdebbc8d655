/* issue 10's strategies as simulate policies (see policy/strategy.h for
 * what each is and where its defaults come from). All three run on the
 * pagecache policy's model of the kernel page cache (2Q lists, fault
 * read-around and async readahead), adding what the strategy does on top
 * of mmap: hints, a pread pool, or private buffers. */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/sim_int.h"
#include "policy/strategy.h"
#include "base/units.h"

enum sr_mmap_strategy sr_mmap_strategy_of(const char *name)
{
	size_t n = strcspn(name, ":");

	if (n == 15 && !strncmp(name, "routed-willneed", n))
		return SR_MS_ROUTED_WILLNEED;
	if (n == 14 && !strncmp(name, "pread-prefetch", n))
		return SR_MS_PREAD_PREFETCH;
	if (n == 11 && !strncmp(name, "tensor-rule", n))
		return SR_MS_TENSOR_RULE;
	return SR_MS_NONE;
}

unsigned sr_pread_threads_default(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	return n < SR_PREAD_THREADS_MAX ? (unsigned)n : SR_PREAD_THREADS_MAX;
}

/* ---- tensor rules ---- */

int sr_rules_check(const char *rules, struct sr_err *e)
{
	const char *p = rules;

	if (!*p)
		goto bad;
	while (*p) {
		size_t n = strcspn(p, ","), eq;
		const char *v;

		eq = strcspn(p, "=");
		if (!n || eq >= n || !eq)
			goto bad;
		v = p + eq + 1;
		if (!((size_t)(n - eq - 1) == 4 && (!strncmp(v, "read", 4) || !strncmp(v, "mmap", 4))))
			goto bad;
		p += n;
		if (*p == ',' && *++p == 0)
			goto bad;
	}
	return 0;
bad:
	return sr_inputf(e, "simulate: tensor-rule: expected GLOB=read or GLOB=mmap, comma-separated ('*_exps.*=mmap,*=read'), found '%s'",
			 rules);
}

int sr_rules_read(const char *rules, const char *name)
{
	char buf[256];
	const char *p = rules;

	while (*p) {
		size_t n = strcspn(p, ","), eq = strcspn(p, "=");

		if (eq < n && eq < sizeof(buf)) {
			memcpy(buf, p, eq);
			buf[eq] = 0;
			if (!fnmatch(buf, name, 0))
				return !strncmp(p + eq + 1, "read", 4);
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* ---- shared state ---- */

struct slice {
	uint64_t off, len;
};

struct strat {
	struct sr_pc pc;        /* first: the pagecache hooks cast priv to it */
	int layer;              /* layer of the last access, -1 none */
	int planned;            /* layer whose routed slices were planned, -1 none */
	int prefill;            /* the current step is a prefill batch */
	struct slice *used;     /* this layer's ranges to drop or cool after use */
	size_t n_used, cap;
	int streamed;           /* prefill: MoE layers [0, streamed) were streamed */
	uint32_t n_layer;
	uint8_t *read;          /* tensor-rule: per tensor, 1 = read into private buffers */
};

static void used_add(struct strat *x, uint64_t off, uint64_t len)
{
	if (x->n_used == x->cap) {
		size_t ncap = x->cap ? x->cap * 2 : 32;
		struct slice *n = realloc(x->used, ncap * sizeof(*n));

		if (!n)
			return; /* one range fewer cooled: only the strategy's quality suffers */
		x->used = n;
		x->cap = ncap;
	}
	x->used[x->n_used++] = (struct slice){ off, len };
}

static int strat_init(struct sr_policy *p, struct sr_err *e)
{
	const struct sr_model *m = sr_sim_model(p->sim);
	struct strat *x = calloc(1, sizeof(*x));

	if (!x)
		return sr_errf(e, -ENOMEM, "out of memory");
	p->priv = x;
	sr_pc_setup(p, &x->pc);
	x->layer = x->planned = -1;
	x->n_layer = sr_model_n_layers(m);
	return 0;
}

static void strat_fini(struct sr_policy *p)
{
	struct strat *x = p->priv;

	if (!x)
		return;
	free(x->used);
	free(x->read);
	free(x);
	p->priv = NULL;
}

/* The routed expert slices of a's layer in this step: the accesses after
 * a up to the next layer or token. */
static void plan_routed(struct sr_policy *p, struct strat *x, const struct sr_access *a, int self)
{
	const struct sr_access *b;
	size_t i;

	x->planned = a->layer;
	for (i = self ? 0 : 1; i < (1u << 20) && sr_sim_peek(p->sim, i, &b) > 0; i++) {
		if (i && (b->flags & SR_RF_TOKEN))
			break;
		if (b->layer != a->layer)
			break;
		if (b->expert < 0)
			continue;
		sr_sim_prefetch(p->sim, b->off, b->len, UINT64_MAX);
		if (p->pp.dontneed)
			used_add(x, b->off, b->len);
	}
}

/* Layer or token boundary: what the strategy does with the finished layer. */
static void layer_done(struct sr_policy *p, struct strat *x)
{
	size_t i;

	for (i = 0; i < x->n_used; i++)
		sr_sim_cold(p->sim, x->used[i].off, x->used[i].len);
	x->n_used = 0;
}

static void track(struct sr_policy *p, struct strat *x, const struct sr_access *a)
{
	if ((a->flags & SR_RF_TOKEN) || a->layer != x->layer) {
		layer_done(p, x);
		if (a->flags & SR_RF_TOKEN) {
			x->planned = -1;
			x->prefill = !!(a->flags & SR_RF_PREFILL);
			x->streamed = 0;
		}
		x->layer = a->layer;
	}
}

/* ---- routed-willneed[:dontneed] ---- */

static int parse_willneed(const char *arg, struct sr_policy_params *pp, struct sr_err *e)
{
	if (!arg)
		return 0;
	if (!strcmp(arg, "dontneed")) {
		pp->dontneed = 1;
		return 0;
	}
	return sr_inputf(e, "simulate: routed-willneed: expected routed-willneed or routed-willneed:dontneed, found 'routed-willneed:%s'",
			 arg);
}

static void willneed_access(struct sr_policy *p, const struct sr_access *a)
{
	struct strat *x = p->priv;
	const struct sr_model *m = sr_sim_model(p->sim);

	track(p, x, a);
	if (a->layer < 0 || x->planned == a->layer)
		return;
	if (sr_is_router(m, a->tensor))
		plan_routed(p, x, a, 0);
	else if (a->expert >= 0) /* no router access seen: routing shows at the first expert */
		plan_routed(p, x, a, 1);
}

const struct sr_policy_ops sr_pol_routed_willneed = {
	.name = "routed-willneed", .args = "[dontneed]",
	.help = "mmap, and MADV_WILLNEED on the routed experts' slices at each layer's router (llama.cpp --lazy-experts, PR #26003)",
	.needs = SR_PN_MODEL, .repl = &sr_repl_2q, .parse = parse_willneed, .init = strat_init,
	.fini = strat_fini, .access = willneed_access, .miss = sr_pc_miss, .marked = sr_pc_marked,
};

/* ---- pread-prefetch[:T[:A]] ---- */

static int parse_pread(const char *arg, struct sr_policy_params *pp, struct sr_err *e)
{
	char buf[64], *colon;
	uint64_t t = 0, a = SR_PREAD_AHEAD;

	pp->cold = 1;
	if (!arg) {
		pp->threads = 0;
		pp->ahead = SR_PREAD_AHEAD;
		return 0;
	}
	if (strlen(arg) >= sizeof(buf))
		goto bad;
	strcpy(buf, arg);
	colon = strchr(buf, ':');
	if (colon)
		*colon++ = 0;
	if (*buf && (sr_parse_u64(buf, &t) || !t || t > 256))
		goto bad;
	if (colon && (sr_parse_u64(colon, &a) || a > 1024))
		goto bad;
	pp->threads = (unsigned)t;
	pp->ahead = (unsigned)a;
	return 0;
bad:
	return sr_inputf(e, "simulate: pread-prefetch: expected pread-prefetch[:T[:A]] with T from 1 to 256 reader threads and A from 0 to 1024 layers, found 'pread-prefetch:%s'",
			 arg);
}

static int pread_init(struct sr_policy *p, struct sr_err *e)
{
	int ret = strat_init(p, e);

	if (!ret)
		sr_sim_prefetch_limit(p->sim, p->pp.threads ? p->pp.threads : sr_pread_threads_default());
	return ret;
}

/* Prefill: stream MoE layers up to a->layer + A in full (the current one
 * too: the kernels self-enqueue at matmul entry). */
static void stream_ahead(struct sr_policy *p, struct strat *x, int layer)
{
	const struct sr_model *m = sr_sim_model(p->sim);
	int last = layer + (int)p->pp.ahead;
	size_t i;

	if (x->streamed < layer)
		x->streamed = layer;
	for (; x->streamed <= last && (uint32_t)x->streamed < x->n_layer; x->streamed++)
		for (i = 0; i < m->n_tensors; i++)
			if (m->tensors[i].layer == x->streamed && m->tensors[i].n_expert)
				sr_sim_prefetch(p->sim, m->tensors[i].off, m->tensors[i].bytes, UINT64_MAX);
}

static void pread_access(struct sr_policy *p, const struct sr_access *a)
{
	struct strat *x = p->priv;
	const struct sr_model *m = sr_sim_model(p->sim);
	int start = (a->flags & SR_RF_TOKEN) || a->layer != x->layer;
	size_t i;

	track(p, x, a);
	if (a->layer < 0)
		return;
	if (x->prefill) {
		if (start) {
			stream_ahead(p, x, a->layer);
			if (p->pp.cold) /* cooled when this layer is done */
				for (i = 0; i < m->n_tensors; i++)
					if (m->tensors[i].layer == a->layer && m->tensors[i].n_expert)
						used_add(x, m->tensors[i].off, m->tensors[i].bytes);
		}
		return;
	}
	if (x->planned == a->layer)
		return;
	if (sr_is_router(m, a->tensor))
		plan_routed(p, x, a, 0);
	else if (a->expert >= 0)
		plan_routed(p, x, a, 1);
}

const struct sr_policy_ops sr_pol_pread_prefetch = {
	.name = "pread-prefetch", .args = "[T[:A]]",
	.help = "mmap, and T pread workers warm the routed experts' slices; prefill streams the next A MoE layers (ik_llama.cpp --prefetch-experts, PR #2101; T = min(8, cores), A = 3)",
	.needs = SR_PN_MODEL, .repl = &sr_repl_2q, .parse = parse_pread, .init = pread_init,
	.fini = strat_fini, .access = pread_access, .miss = sr_pc_miss, .marked = sr_pc_marked,
};

/* ---- tensor-rule[:RULES] ---- */

static int parse_rules(const char *arg, struct sr_policy_params *pp, struct sr_err *e)
{
	const char *r = arg ? arg : SR_RULE_DEFAULT;

	if (strlen(r) >= sizeof(pp->rules))
		return sr_inputf(e, "simulate: tensor-rule: the rules are longer than %zu characters", sizeof(pp->rules) - 1);
	if (sr_rules_check(r, e))
		return -EINVAL;
	strcpy(pp->rules, r);
	return 0;
}

static int rule_init(struct sr_policy *p, struct sr_err *e)
{
	const struct sr_model *m = sr_sim_model(p->sim);
	struct strat *x;
	size_t i;
	int ret = strat_init(p, e);

	if (ret)
		return ret;
	x = p->priv;
	x->read = calloc(m->n_tensors ? m->n_tensors : 1, 1);
	if (!x->read)
		return sr_errf(e, -ENOMEM, "out of memory");
	for (i = 0; i < m->n_tensors; i++)
		x->read[i] = (uint8_t)sr_rules_read(p->pp.rules, m->tensors[i].name);
	return 0;
}

static int rule_pin(struct sr_policy *p, uint32_t tag)
{
	struct strat *x = p->priv;
	long t = sr_tag_tensor(tag);

	return t >= 0 && (size_t)t < sr_sim_model(p->sim)->n_tensors && x->read[t];
}

/* A read tensor is read whole (O_DIRECT, no fault, no read-around) the
 * first time it is used; a mmapped one faults as pagecache does. */
static void rule_miss(struct sr_policy *p, uint64_t page, uint64_t *lo, uint64_t *hi, uint64_t *mark)
{
	struct strat *x = p->priv;
	const struct sr_model *m = sr_sim_model(p->sim);
	uint64_t ps = sr_sim_page_size(p->sim);
	long t = sr_model_find(m, page * ps);

	if (t >= 0 && x->read[t]) {
		*lo = m->tensors[t].off / ps;
		*hi = (m->tensors[t].off + m->tensors[t].bytes + ps - 1) / ps;
		return;
	}
	sr_pc_miss(p, page, lo, hi, mark);
}

const struct sr_policy_ops sr_pol_tensor_rule = {
	.name = "tensor-rule", .args = "[RULES]",
	.help = "per tensor: GLOB=read (O_DIRECT into pinned private buffers) or GLOB=mmap (page cache); default " SR_RULE_DEFAULT,
	.needs = SR_PN_MODEL, .repl = &sr_repl_2q, .parse = parse_rules, .init = rule_init,
	.fini = strat_fini, .miss = rule_miss, .marked = sr_pc_marked, .pin = rule_pin,
};
