/* ssdreplay simulate [options] [TARGET]: buffer-manager policies over a
 * schedule with real reads; tokens/s, stalls, hit rates per (policy, mem). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/samefile.h"
#include "base/outfile.h"
#include "base/plot.h"
#include "cli/cli.h"
#include "devices/discover.h"
#include "cli/fio_compat.h"
#include "cli/opts.h"
#include "cli/rows.h"
#include "devices/spec.h"
#include "devices/target.h"
#include "real/pccost.h"
#include "policy/policy.h"
#include "real/realmmap.h"
#include "policy/simreport.h"
#include "policy/strategy.h"
#include "base/units.h"
#include "synth/model.h"
#include "synth/profile.h"
#include "synth/schedule.h"

#define CMD "simulate"
#define MAX_POL 32
#define MAX_MEM 32

enum {
	O_TRACE = 't', O_FORMAT = 'f', O_ENGINE = 'e', O_QD = 'q', O_BS = 'b', O_OUTPUT = 'o', O_POLICY = 'p',
	O_MEM = 'm', O_PROFILE = 256, O_GGUF, O_TOKENS, O_SEED, O_COMPARE, O_PAGE, O_COMPUTE, O_RA,
	O_REAL_MMAP, O_ADVISE, O_MAX_FOLIO, O_OUTFMT, O_PLOT, O_ROUTING, O_NO_RAM, O_SPEC, O_TARGET, O_LAYOUT, O_PREFILL,
	O_MMAP_COST, O_MMAP_THREADS, O_PROGRESS, O_ACCESS, O_THREADS, O_LOAD, O_SPREAD, O_STAT_FLUSH,
};

struct pol {
	char spec[300];
	const struct sr_policy_ops *ops;
	struct sr_policy_params pp;
};

struct args {
	const char *trace, *format, *profile, *gguf, *output, *plot, *mem_arg, *routing, *spec;
	uint64_t tokens, seed, page, bs, qd, ra_kb, prefill, max_folio;
	struct sr_cli_targets tg;
	struct sr_cli_engine eng;
	double compute_ms; /* < 0: from the schedule */
	int real_mmap, no_ram, have_tokens, progress;
	int mmap_cost;     /* 0 off, 1 auto (cached), 2 measure */
	int load;          /* 0 none, 1 populate */
	double spread;     /* --mem-spread, % of each budget; 0: off */
	uint64_t mmap_threads;
	struct sr_synth_opts acc; /* --access and --threads: access, page, threads */
	int have_access, have_threads;
	char folio_why[160];      /* where --max-folio's default came from */
	enum sr_advise advise;
	enum sr_stat_flush stat_flush;
	double stat_phase_ms;     /* < 0: the default, SR_STAT_PHASE_NS */
	enum sr_out_fmt outfmt;
	struct pol pol[MAX_POL];
	size_t npol;
};

static int parse_opt(void *ctx, int key, const char *arg, struct sr_err *e);
static int parse_ra(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e);
static int parse_advise(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e);
static int parse_stat_flush(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e);
static int parse_spread(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e);

static int parse_access(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	(void)o;
	return sr_cli_access(cmd, arg, &((struct args *)ctx)->acc, e);
}

static const char *const mmap_cost_names[] = { "off", "auto", "measure", NULL };
static const char *const load_names[] = { "none", "populate", NULL };

#define A struct args
static const struct sr_opt opts[] = {
	{ SR_OPT_STR("trace", O_TRACE, "FILE", "", "a captured trace as the schedule (each pass is one token); with a model, tensors are found by offset", A, trace) },
	SR_CLI_FORMAT_ROW(O_FORMAT, A, format, "trace format (--trace): %s"),
	{ SR_OPT_STR("profile", O_PROFILE, "NAME", "", "synthesize the schedule from a model profile (profiles/models/NAME.ini)", A, profile) },
	{ SR_OPT_STR("gguf", O_GGUF, "FILE", "", "synthesize the schedule from a GGUF file (also the default TARGET)", A, gguf) },
	{ SR_OPT_UINT("tokens", O_TOKENS, "N", "16 (trace: 1 pass)", "decode tokens (trace: passes)", A, tokens, 1, 1000000),
	  .seen_off = offsetof(A, have_tokens) },
	{ SR_OPT_UINT("prefill", O_PREFILL, "N", "0", "prompt tokens processed first as one batch (prefill tokens/s column)", A, prefill, 0, 1u << 20) },
	{ "access", O_ACCESS, 1, "tensor|page[:SIZE]", "tensor", "synthesized schedule: whole tensor reads, or page-sized faults in the order mmap takes them (page: 4k), as synth --access",
	  .parse = parse_access, .seen_off = offsetof(A, have_access) },
	{ SR_OPT_UINT("threads", O_THREADS, "N", "1", "--access page: N compute threads fault each weight matrix's row chunks at once, interleaved, as synth --threads (llama.cpp's --threads)",
		      A, acc.threads, 1, SR_SYNTH_MAX_THREADS), .seen_off = offsetof(A, have_threads) },
	{ SR_OPT_STR("routing", O_ROUTING, "R", "uniform", "MoE routing of the synthetic schedule: uniform, zipf:S, temporal:P, log:FILE", A, routing),
	  .flags = SR_OPTF_DEFDOC },
	{ SR_OPT_UINT("seed", O_SEED, "N", "1", "seed for routing and router-guess", A, seed, 0, UINT64_MAX) },
	{ "policy", O_POLICY, 1, "NAME[:ARGS]", "lru", "buffer-manager policy (repeatable); see below" },
	{ "compare", O_COMPARE, 1, "LIST", "", "several policies on the same schedule: lru,lookahead:2,oracle" },
	{ SR_OPT_STR("mem", O_MEM, "SIZE[,SIZE..]", "50%", "memory budget(s): sizes (2G) or percentages of the model (50%,100%)", A, mem_arg) },
	{ SR_OPT_CB("mem-spread", O_SPREAD, "PCT", "0", "also simulate each budget at -PCT, -PCT/2, +PCT/2 and +PCT of itself and report the least and most bytes/token and tokens/s (near the model's size the page cache can flip between keeping it and re-reading it with a few MiB of room); 0 to 50", parse_spread) },
	{ SR_OPT_SIZE("page", O_PAGE, "SIZE", "4k", "cache page: 4k .. 2M", A, page, 4096, 2u << 20),
	  .flags = SR_OPTF_POW2, .expect = "a power of two from 4k to 2M" },
	{ SR_OPT_SIZE("bs", O_BS, "SIZE", "1M", "largest read: contiguous missing pages are read together up to this", A, bs, 4096, 64u << 20),
	  .expect = "4k to 64M" },
	{ SR_OPT_UINT("qd", O_QD, "N", "32", "reads in flight, demand and prefetch together", A, qd, 1, 4096) },
	SR_CLI_ENGINE_ROW(O_ENGINE, A, eng, "%s", 0),
	SR_CLI_TARGET_ROWS(O_TARGET, O_LAYOUT, A, tg,
			   "a target; repeat with --layout stripe:SIZE to stripe the model over several (RAID-0), instead of TARGET",
			   "stripe:SIZE", "several --target: one address space striped in SIZE chunks (a multiple of --page)", 0),
	{ SR_OPT_DOUBLE("compute-ms-per-token", O_COMPUTE, "MS", "the schedule's", "compute per token, spread over its accesses by bytes (0: none)", A, compute_ms, 0, 3.6e6),
	  .flags = SR_OPTF_DEFDOC, .expect = "milliseconds >= 0 (25, 7.5)" },
	{ SR_OPT_CB("read-ahead-kb", O_RA, "KB", "the target's", "pagecache policy's readahead (default /sys/block/DEV/queue/read_ahead_kb, else 128)", parse_ra),
	  .flags = SR_OPTF_DEFDOC },
	{ SR_OPT_SIZE("max-folio", O_MAX_FOLIO, "SIZE", "the target's", "pagecache policy and the mmap strategies: the largest page-cache folio readahead makes, which the LRU keeps and evicts whole; each async window asks for folios four times larger from a fault's single pages on. Default 2M where the target's filesystem and kernel read into large folios (ext4 from Linux 6.16, xfs from 5.18), else 4k: single pages", A, max_folio, 4096, 2u << 20),
	  .flags = SR_OPTF_POW2 | SR_OPTF_DEFDOC, .expect = "a power of two from 4k to 2M" },
	{ SR_OPT_CHOICE("mmap-cost", O_MMAP_COST, "off|auto|measure", "off", "charge the mmap rows (pagecache and the strategies) the page-cache cost measured here (fault streaming per thread, with and without memcg pressure, and reclaim's time per page activated; cached per device) instead of O_DIRECT time; measure: ignore the cache", A, mmap_cost, mmap_cost_names, NULL) },
	{ SR_OPT_UINT("mmap-threads", O_MMAP_THREADS, "N", "online CPUs, at most 8", "--mmap-cost: compute threads faulting in parallel (llama.cpp's --threads)", A, mmap_threads, 1, 64),
	  .flags = SR_OPTF_DEFDOC },
	{ SR_OPT_CHOICE("load", O_LOAD, "none|populate", "none", "pagecache rows: populate faults the whole model in, in file order, before the prompt, as llama.cpp's loader (MAP_POPULATE) does, and the --real-mmap row loads it that way and with MADV_WILLNEED after; the load's reads are left out of every figure", A, load, load_names, NULL) },
	{ SR_OPT_CB("stat-flush", O_STAT_FLUSH, "periodic[:MS]|token[:MS]|exact", "periodic:1000", "pagecache rows: when the kernel brings the memory cgroup's statistics that reclaim decides from up to date: periodic, its flusher every 2 s (the first MS into the run, on the modelled clock); token, also at every token's end, as when something reads memory.stat per token, which the --real-mmap rows then do; exact, always (no kernel does)", parse_stat_flush) },
	{ SR_OPT_FLAG("real-mmap", O_REAL_MMAP, "also mmap the file for real, in a memory cgroup of each --mem, plus a RAM-resident baseline; routed-willneed, pread-prefetch and tensor-rule policies also run for real (rows real:NAME)", A, real_mmap) },
	{ SR_OPT_CB("advise", O_ADVISE, "HINT", "none", "--real-mmap: none; sequential, posix_fadvise(POSIX_FADV_SEQUENTIAL) on the file as llama.cpp's loader does (no MADV_SEQUENTIAL); willneed, MADV_WILLNEED; random, MADV_RANDOM and POSIX_FADV_RANDOM. sequential also doubles the simulated mmap rows' readahead window as the kernel does, random turns it off", parse_advise) },
	{ SR_OPT_FLAG("progress", O_PROGRESS, "progress and ETA on stderr every second from the start (default when stderr is a tty: once a run passes 2 s)", A, progress) },
	{ SR_OPT_FLAG("no-ram-baseline", O_NO_RAM, "--real-mmap: skip the RAM-resident run", A, no_ram) },
	{ SR_OPT_STR("spec", O_SPEC, "PROFILE|FIGURES", "matched by model", "device spec for %spec: a profiles/devices file or seq_read=7000MB/s,...", A, spec),
	  .flags = SR_OPTF_DEFDOC },
	SR_CLI_OUTPUT_ROWS(O_OUTPUT, O_OUTFMT, A, output, outfmt, "FILE", "stdout", "write the report here", "text, json, csv"),
	{ SR_OPT_STR("plot", O_PLOT, "DIR", "", "write tokens/s and stall vs --mem as SVG (with .csv data, .gp script, .png where gnuplot can) into DIR, created when missing", A, plot) },
	SR_OPT_END,
};
#undef A

static int add_policy(struct args *a, const char *spec, struct sr_err *e)
{
	struct pol *p;

	if (a->npol == MAX_POL)
		return sr_inputf(e, CMD ": at most %d policies", MAX_POL);
	p = &a->pol[a->npol];
	if (strlen(spec) >= sizeof(p->spec))
		return sr_inputf(e, CMD ": policy '%.40s...' is too long", spec);
	if (sr_policy_parse(spec, &p->ops, &p->pp, e))
		return -EINVAL;
	snprintf(p->spec, sizeof(p->spec), "%s", spec);
	a->npol++;
	return 0;
}

static const struct sr_policy_ops *policy_named(const char *s)
{
	size_t i, n = strcspn(s, ":");

	for (i = 0; sr_policies[i]; i++)
		if (strlen(sr_policies[i]->name) == n && !strncmp(sr_policies[i]->name, s, n))
			return sr_policies[i];
	return NULL;
}

/* "lru,pinned:*norm*,token_embd*,oracle": after a policy whose argument is
 * a PATTERN, a piece that is not a policy name continues that pattern. */
static int add_list(struct args *a, const char *list, struct sr_err *e)
{
	char buf[1024], cur[1024] = "", *tok, *save = NULL;

	if (strlen(list) >= sizeof(buf))
		return sr_inputf(e, CMD ": --compare: list too long");
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct sr_policy_ops *prev = cur[0] ? policy_named(cur) : NULL;

		if (prev && (!strcmp(prev->args, "PATTERN") || strstr(prev->args, "RULES")) && strchr(cur, ':') &&
		    !policy_named(tok)) {
			strcat(cur, ",");
			strncat(cur, tok, sizeof(cur) - strlen(cur) - 1);
			continue;
		}
		if (cur[0] && add_policy(a, cur, e))
			return -EINVAL;
		snprintf(cur, sizeof(cur), "%s", tok);
	}
	if (!cur[0])
		return sr_inputf(e, CMD ": --compare: expected a comma-separated list of policies, found '%s'", list);
	return add_policy(a, cur, e);
}

static int parse_ra(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	struct args *a = ctx;

	if (sr_cli_uint(cmd, o->name, arg, 0, 1u << 20, &a->ra_kb, e))
		return -EINVAL;
	if (!a->ra_kb)
		a->ra_kb = UINT64_MAX; /* 0: no readahead (the policies' "none") */
	return 0;
}

static int parse_advise(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	struct args *a = ctx;

	(void)o;
	if (sr_advise_parse(arg, &a->advise))
		return sr_inputf(e, "%s: --advise: expected none, sequential, willneed or random, found '%s'", cmd, arg);
	return 0;
}

/* periodic[:MS], token[:MS] or exact. */
static int parse_stat_flush(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	struct args *a = ctx;
	const char *colon = strchr(arg, ':');
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
	char *end;

	(void)o;
	a->stat_phase_ms = -1;
	if (n == 8 && !strncmp(arg, "periodic", n))
		a->stat_flush = SR_STATS_PERIODIC;
	else if (n == 5 && !strncmp(arg, "token", n))
		a->stat_flush = SR_STATS_TOKEN;
	else if (!strcmp(arg, "exact"))
		a->stat_flush = SR_STATS_EXACT;
	else
		return sr_inputf(e, "%s: --stat-flush: expected periodic[:MS], token[:MS] or exact, found '%s'", cmd, arg);
	if (colon) {
		errno = 0;
		a->stat_phase_ms = strtod(colon + 1, &end);
		if (errno || end == colon + 1 || *end || !(a->stat_phase_ms >= 0 && a->stat_phase_ms < 2000))
			return sr_inputf(e, "%s: --stat-flush: expected the first flush in milliseconds, 0 to below 2000, after '%.*s:', found '%s'",
					 cmd, (int)n, arg, colon + 1);
	}
	return 0;
}

/* "5%" or "5": percent of each budget, 0 (off) to 50. */
static int parse_spread(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	return sr_cli_pct(cmd, o->name, arg, 0, 50, &((struct args *)ctx)->spread, e);
}

/* The rows that add to a list: --policy, --compare. */
static int parse_opt(void *ctx, int key, const char *arg, struct sr_err *e)
{
	struct args *a = ctx;

	switch (key) {
	case O_POLICY: return add_policy(a, arg, e);
	case O_COMPARE: return add_list(a, arg, e);
	}
	return sr_inputf(e, CMD ": internal: unhandled option %d", key);
}

/* The simulated readahead window: POSIX_FADV_SEQUENTIAL doubles the file's
 * ra_pages (mm/fadvise.c), POSIX_FADV_RANDOM stops readahead. */
static uint64_t sim_ra_kb(const struct args *a)
{
	if (a->advise == SR_ADV_RANDOM)
		return UINT64_MAX;
	if (a->advise == SR_ADV_SEQUENTIAL && a->ra_kb != UINT64_MAX)
		return 2 * a->ra_kb;
	return a->ra_kb;
}

/* "2G,4G" or "50%,100%" (of base bytes). */
static int parse_mems(const char *arg, uint64_t base, uint64_t *mem, size_t *n, struct sr_err *e)
{
	char buf[512], *tok, *save = NULL;

	*n = 0;
	if (strlen(arg) >= sizeof(buf))
		return sr_inputf(e, CMD ": --mem: list too long");
	strcpy(buf, arg);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t l = strlen(tok);
		uint64_t v;

		if (*n == MAX_MEM)
			return sr_inputf(e, CMD ": --mem: at most %d budgets", MAX_MEM);
		if (l > 1 && tok[l - 1] == '%') {
			char *end;
			double pct = strtod(tok, &end);

			if (end != tok + l - 1 || !(pct > 0 && pct <= 100000))
				goto bad;
			v = (uint64_t)(pct / 100.0 * (double)base);
		} else if (sr_parse_size(tok, &v)) {
			goto bad;
		}
		mem[(*n)++] = v;
	}
	if (*n)
		return 0;
bad:
	return sr_inputf(e, CMD ": --mem: expected sizes (2G) or percentages of the model (50%%), comma-separated, found '%s'", arg);
}

static void usage_policies(void)
{
	size_t i;

	printf("\npolicies:\n");
	for (i = 0; sr_policies[i]; i++)
		printf("  %s%s%-*s %s\n", sr_policies[i]->name, sr_policies[i]->args[0] ? ":" : "",
		       (int)(24 - strlen(sr_policies[i]->name) - (sr_policies[i]->args[0] ? 1 : 0)),
		       sr_policies[i]->args, sr_policies[i]->help);
}

/* The schedule: synthesized from the model, or a trace (labelled with the
 * model's tensors by offset when one is given). */
static int open_schedule(const struct args *a, struct sr_cli_sched *s, uint64_t tgt_size, struct sr_err *e)
{
	struct sr_synth_opts so;

	sr_synth_opts_default(&so);
	so.tokens = a->tokens;
	so.prefill = a->prefill;
	so.seed = a->seed;
	so.access = SR_ACCESS_TENSOR; /* simulate cuts accesses into --page itself */
	if (a->have_access) { /* unless each fault is to be its own access */
		so.access = a->acc.access;
		so.page = a->acc.page;
	}
	if (a->have_threads)
		so.threads = a->acc.threads;
	if (!a->trace && a->routing && sr_routing_parse(a->routing, &so.routing, e))
		return -EINVAL;
	return sr_cli_sched_open(a->profile ? a->profile : a->gguf, a->trace, a->format, NULL, &so, tgt_size,
				 s, e);
}

static int write_report(const struct args *a, struct sr_outfile *out, const struct sr_sim_report *rep,
			struct sr_err *e)
{
	int ret = sr_sim_report_write(out->f, a->outfmt, rep);

	if (ret) {
		sr_outfile_abort(out);
		return sr_errf(e, ret, "%s: cannot write the report", out->name);
	}
	ret = sr_outfile_commit(out, e);
	if (ret)
		return ret;
	if (a->plot)
		return sr_sim_plot(a->plot, rep, e);
	return 0;
}

/* RAID-0: open every --target; the striped space is the smallest target's
 * whole chunks times the number of targets. */
struct tgts {
	struct sr_target t[SR_SIM_MAX_DEV];
	int fds[SR_SIM_MAX_DEV];
	unsigned n;
	uint64_t size;
	uint32_t lbs;
};

static int open_targets(const struct args *a, struct tgts *ts, struct sr_err *e)
{
	uint64_t min = UINT64_MAX;
	unsigned i;

	for (i = 0; i < a->tg.n; i++) {
		if (sr_target_open(a->tg.path[i], SR_TGT_DIRECT, &ts->t[i], e))
			return -EINVAL;
		ts->n++;
		ts->fds[i] = ts->t[i].fd;
		for (unsigned j = 0; j < i; j++)
			if (sr_same_fd(ts->fds[j], ts->fds[i]))
				return sr_inputf(e, CMD ": --target %s is given twice (the same %s as %s)", a->tg.path[i],
						 ts->t[i].is_blk ? "device" : "file", a->tg.path[j]);
		if (ts->t[i].size < min)
			min = ts->t[i].size;
		if (ts->t[i].lbs > ts->lbs)
			ts->lbs = ts->t[i].lbs;
	}
	if (a->tg.stripe % ts->lbs || a->tg.stripe % a->page)
		return sr_inputf(e, CMD ": --layout %s: the chunk must be a multiple of --page %" PRIu64 " and of the %u-byte logical block size",
				 a->tg.layout_str, a->page, ts->lbs);
	ts->size = min / a->tg.stripe * a->tg.stripe * ts->n;
	if (!ts->size)
		return sr_inputf(e, CMD ": --layout %s: a target is smaller than one chunk", a->tg.layout_str);
	return 0;
}

static void close_targets(struct tgts *ts)
{
	unsigned i;

	for (i = 0; i < ts->n; i++)
		sr_target_close(&ts->t[i]);
}

/* The flag checks that need no file: -1 (e set) on the first that fails. */
static int check_args(struct args *a, int argc, int pos, struct sr_err *e)
{
	int nsrc;

	nsrc = !!a->profile + !!a->gguf;
	if (nsrc > 1 || (!nsrc && !a->trace)) {
		sr_inputf(e, CMD ": expected --profile NAME or --gguf FILE (the model), --trace FILE (a capture), or a model and a trace to label");
		return -1;
	}
	if (a->routing && a->trace) {
		sr_inputf(e, CMD ": --routing shapes a synthesized schedule, not a --trace");
		return -1;
	}
	if (a->prefill && a->trace) {
		sr_inputf(e, CMD ": --prefill shapes a synthesized schedule, not a --trace");
		return -1;
	}
	if (a->load && !a->profile && !a->gguf) {
		sr_inputf(e, CMD ": --load populate loads the model's file: give --gguf FILE or --profile NAME");
		return -1;
	}
	if ((a->have_access || a->have_threads) && a->trace) {
		sr_inputf(e, CMD ": --%s shapes a synthesized schedule, not a --trace", a->have_access ? "access" : "threads");
		return -1;
	}
	if (a->have_threads && !(a->have_access && a->acc.access == SR_ACCESS_PAGE)) {
		sr_inputf(e, CMD ": --threads goes with --access page (whole-tensor reads have no page order)");
		return -1;
	}
	if (a->tg.n > SR_SIM_MAX_DEV) { /* the simulator's own bound (policy/policy.h), below the table's */
		sr_inputf(e, CMD ": --target: at most %d targets", SR_SIM_MAX_DEV);
		return -1;
	}
	if (a->tg.n && argc - pos) {
		sr_inputf(e, CMD ": give the targets either as TARGET or as --target, not both");
		return -1;
	}
	if (a->tg.n > 1 && !a->tg.layout_str) {
		sr_inputf(e, CMD ": %u targets: give --layout stripe:SIZE", a->tg.n);
		return -1;
	}
	if (a->tg.layout_str && a->tg.n < 2) {
		sr_inputf(e, CMD ": --layout %s needs two or more --target", a->tg.layout_str);
		return -1;
	}
	if (a->tg.n > 1 && a->real_mmap) {
		sr_inputf(e, CMD ": --real-mmap maps one file; it cannot stripe over %u --target", a->tg.n);
		return -1;
	}
	if (!a->tg.n && (argc - pos > 1 || (argc - pos == 0 && !a->gguf))) {
		sr_inputf(e, CMD ": expected one TARGET (the file or device to read), found %d; see ssdreplay simulate --help",
			  argc - pos);
		return -1;
	}
	if (!a->npol && add_policy(a, sr_opts_def(opts, O_POLICY), e))
		return -1;
	if (a->plot && sr_plot_dir(a->plot, e)) { /* before the run: a bad --plot fails now */
		char msg[sizeof(e->msg)];

		snprintf(msg, sizeof(msg), "%s", e->msg);
		sr_err_clear(e); /* the first message wins: this one names the flag */
		sr_inputf(e, CMD ": --plot: %s", msg);
		return -1;
	}
	if (a->bs < a->page)
		a->bs = a->page;
	if (a->bs % a->page) {
		sr_inputf(e, CMD ": --bs %" PRIu64 " is not a multiple of --page %" PRIu64, a->bs, a->page);
		return -1;
	}
	return 0;
}

/* The simulated rows' progress: rows done and this row's tokens, of all. */
struct sim_meter {
	struct sr_cli_meter m;
	size_t row, rows;
	uint64_t tokens, bytes; /* tokens a row; bytes read by the rows done */
};

static void sim_progress(void *arg, uint64_t tokens, uint64_t read_bytes)
{
	struct sim_meter *p = arg;
	double in_row = p->tokens ? (double)tokens / (double)p->tokens : 0;

	sr_cli_meter_tick(&p->m, ((double)p->row + (in_row > 1 ? 1 : in_row)) / (double)p->rows, p->bytes + read_bytes);
}

/* A budget moved by k quarters of --mem-spread: k = -2..2. */
static uint64_t spread_mem(const struct args *a, uint64_t mem, int k)
{
	return (uint64_t)((double)mem * (1 + a->spread / 100 * k / 2));
}

/* One run of the schedule at budget mem, charged the page-cache cost for
 * mmap rows. */
static int sim_one(struct sr_sim_cfg *c, struct sr_cli_sched *sc, uint64_t mem,
		   const struct sr_pccost *cost, int mmap_row, struct sim_meter *pm, struct sr_sim_result *r,
		   struct sr_err *e)
{
	int ret;

	if (sc->src->rewind(sc->src, e))
		return -EINVAL;
	c->mem = mem;
	ret = sr_sim_run(c, sc->src, r, e);
	pm->row++;
	pm->bytes += r->demand_bytes + r->prefetch_bytes;
	if (!ret && cost && mmap_row)
		sr_pccost_apply(cost, mem, sc->model_bytes, r);
	return ret;
}

/* --mem-spread: the row's budget at -PCT .. +PCT, its own run in the middle. */
static int sim_spread(const struct args *a, struct sr_sim_cfg *c, struct sr_cli_sched *sc, struct sr_sim_row *w,
		      const struct sr_pccost *cost, int mmap_row, struct sim_meter *pm, struct sr_err *e)
{
	struct sr_sim_spread *sp = &w->spread;
	struct sr_sim_result *r = malloc(sizeof(*r));
	int k, ret = 0;

	if (!r)
		return sr_errf(e, -ENOMEM, "out of memory");
	sp->pct = a->spread;
	for (k = -2; k <= 2 && !sr_cli_stop; k++) {
		const struct sr_sim_result *got = &w->res;
		uint64_t mem = k ? spread_mem(a, w->mem, k) : w->mem; /* k = 0: the row's own run */

		if (k) {
			memset(r, 0, sizeof(*r));
			ret = sim_one(c, sc, mem, cost, mmap_row, pm, r, e);
			if (ret)
				break;
			got = r;
		}
		sp->mem[sp->n] = mem;
		sp->read_per_token[sp->n] = sr_sim_read_per_token(got);
		sp->tps[sp->n++] = sr_sim_tokens_per_s(got);
	}
	c->mem = w->mem;
	free(r);
	if (ret || sr_cli_stop)
		sp->n = 0; /* a range cut short is no range */
	return ret;
}

/* One simulated row per (budget, policy); 1 when a run failed or was stopped
 * (report what ran), -1 on bad input. */
static int run_sims(const struct args *a, const struct sr_target *tgt, const struct tgts *ts, struct sr_cli_sched *sc,
		    struct sr_sim_report *rep, const uint64_t *mem, size_t nmem, const struct sr_pccost *cost, int *status,
		    struct sr_err *e)
{
	const struct sr_policy_ops *pagecache = policy_named("pagecache");
	uint64_t size = sc->model_bytes;
	struct sim_meter pm = { .rows = nmem * a->npol * (a->spread > 0 ? SR_SIM_SPREAD : 1),
				.tokens = a->tokens + (a->prefill ? 1 : 0) };
	size_t i, j;
	int ret;

	sr_cli_meter_start(&pm.m, a->progress ? SR_CLI_METER_FORCED : isatty(STDERR_FILENO));
	for (j = 0; j < nmem && !sr_cli_stop; j++) {
		for (i = 0; i < a->npol && !sr_cli_stop; i++) {
			struct sr_sim_row *w = &rep->rows[rep->n];
			int mmap_row = a->pol[i].ops == pagecache || sr_mmap_strategy_of(a->pol[i].spec) != SR_MS_NONE;
			struct sr_sim_cfg c = {
				.policy = a->pol[i].ops, .pp = a->pol[i].pp, .policy_spec = a->pol[i].spec,
				.engine = a->eng.ops, .fd = tgt->fd, .tgt_name = ts->n ? a->tg.layout_str : tgt->path,
				.target_size = tgt->size, .extent = size, .lbs = tgt->lbs, .mem = mem[j], .page = a->page,
				.max_req = a->bs, .qd = (unsigned)a->qd,
				.compute_ns_per_token = a->compute_ms > 0 ? (uint64_t)(a->compute_ms * 1e6) : 0,
				.ignore_t_ns = a->compute_ms == 0 || !!a->trace,
				.passes = a->trace ? a->tokens : 1, .model = sc->have_model ? &sc->model : NULL,
				.seed = a->seed, .ra_kb = sim_ra_kb(a), .max_folio = a->max_folio, .prefill_tokens = a->prefill,
				.warmup_tokens = a->trace ? 0 : a->tokens / 2, .load_populate = a->load == 1,
				.stat_flush = a->stat_flush,
				.stat_phase_ns = a->stat_phase_ms < 0 ? SR_STAT_PHASE_NS : (uint64_t)(a->stat_phase_ms * 1e6),
				.clock_ns_per_byte = cost ? cost->seq_press_ns_per_B : 0,
				.fds = ts->n ? ts->fds : NULL, .nr_fds = ts->n, .stripe = a->tg.stripe, .stop = &sr_cli_stop,
				.progress = sim_progress, .progress_arg = &pm,
			};

			w->kind = SR_ROW_SIM;
			w->mem = mem[j];
			snprintf(w->policy, sizeof(w->policy), "%s", a->pol[i].spec);
			ret = sim_one(&c, sc, mem[j], cost, mmap_row, &pm, &w->res, e);
			if (!ret && a->spread > 0)
				ret = sim_spread(a, &c, sc, w, cost, mmap_row, &pm, e);
			if (ret && e->bad_input) {
				sr_cli_meter_end(&pm.m);
				return -1;
			}
			rep->n++;
			if (ret) {
				sr_cli_meter_end(&pm.m);
				*status = sr_cli_fail(e);
				return 1;
			}
		}
	}
	sr_cli_meter_end(&pm.m);
	return 0;
}

/* --real-mmap: the same budgets through the kernel page cache; 1 when a run
 * failed or was stopped (report what ran), -1 on bad input. */
static int run_reals(const struct args *a, const struct sr_target *tgt, struct sr_cli_sched *sc,
		     struct sr_sim_report *rep, const uint64_t *mem, size_t nmem, const char *target, int *status,
		     struct sr_err *e)
{
	uint64_t size = sc->model_bytes;
	size_t i, j;
	int ret;

	/* per budget: plain mmap (llama.cpp's default, --advise), then each
	 * strategy policy for real; last, the RAM-resident baseline */
	for (j = 0; j <= nmem && !sr_cli_stop; j++) {
		for (i = 0; i <= (j < nmem ? a->npol : 0) && !sr_cli_stop; i++) {
			struct sr_sim_row *w = &rep->rows[rep->n];
			enum sr_mmap_strategy ms = i ? sr_mmap_strategy_of(a->pol[i - 1].spec) : SR_MS_NONE;
			struct sr_mmap_cfg mc = {
				.path = target, .size = size, .limit = j < nmem ? mem[j] : 0,
				.warm = j == nmem, .advise = ms ? SR_ADV_NONE : a->advise,
				.populate = a->load == 1 && j < nmem && !ms,
				.flush_stats = a->stat_flush == SR_STATS_TOKEN && j < nmem,
				.compute_ns_per_token = a->compute_ms > 0 ? (uint64_t)(a->compute_ms * 1e6) : 0,
				.ignore_t_ns = a->compute_ms == 0 || !!a->trace, .passes = a->trace ? a->tokens : 1,
				.disk = tgt->disk, .stop = &sr_cli_stop, .strategy = ms,
				.pp = i ? a->pol[i - 1].pp : (struct sr_policy_params){ 0 },
				.model = sc->have_model ? &sc->model : NULL, .prefill_tokens = a->prefill,
			};

			if (i && !ms)
				continue;
			if (j == nmem && a->no_ram)
				break;
			if (sc->src->rewind(sc->src, e))
				return -1;
			w->kind = j < nmem ? SR_ROW_MMAP : SR_ROW_RAM;
			w->mem = j < nmem ? mem[j] : size;
			if (i)
				snprintf(w->policy, sizeof(w->policy), "real:%s", a->pol[i - 1].spec);
			else
				snprintf(w->policy, sizeof(w->policy), "%s", j < nmem ? "real-mmap" : "ram");
			ret = sr_mmap_run(&mc, sc->src, &w->mm, e);
			if (ret && sr_cli_stop && !e->bad_input)
				return 1; /* interrupted: that row is dropped, the rest reported, exit 130 */
			if (ret) {
				*status = ret == -EOPNOTSUPP ? SR_EXIT_FAIL : sr_cli_fail(e);
				if (ret == -EOPNOTSUPP)
					fprintf(stderr, "ssdreplay: %s\n", e->msg);
				if (e->bad_input)
					return -1;
				return 1;
			}
			rep->n++;
		}
	}
	return 0;
}

/* The target(s) to read: one file or device, or --target striped by --layout. */
static int open_target(const struct args *a, int argc, char **argv, int pos, struct tgts *ts, struct sr_target *tgt,
		       const char **target, struct sr_err *e)
{
	if (a->tg.n > 1) {
		if (open_targets(a, ts, e))
			return -1;
		*tgt = ts->t[0];
		tgt->size = ts->size;
		tgt->lbs = ts->lbs;
		*target = a->tg.layout_str;
	} else {
		*target = a->tg.n ? a->tg.path[0] : argc - pos ? argv[pos] : a->gguf;
		if (sr_target_open(*target, SR_TGT_DIRECT, tgt, e))
			return -1;
	}
	if (!tgt->size) {
		sr_inputf(e, "%s: target is empty", tgt->path);
		return -1;
	}
	if (a->page % tgt->lbs) {
		sr_inputf(e, CMD ": --page %" PRIu64 " is not a multiple of %s's %u-byte logical block size", a->page, tgt->path, tgt->lbs);
		return -1;
	}
	return 0;
}

/* --mem budgets, and what each policy needs of the schedule; counts the real-kernel policies. */
static int check_budgets(const struct args *a, const struct sr_cli_sched *sc, uint64_t *mem, size_t *nmem, size_t *nreal,
			 struct sr_err *e)
{
	size_t i;

	if (parse_mems(a->mem_arg, sc->model_bytes, mem, nmem, e))
		return -1;
	for (i = 0; i < *nmem; i++)
		if (spread_mem(a, mem[i], -2) < a->page) {
			sr_inputf(e, CMD ": --mem: %" PRIu64 " bytes%s hold no cache page (--page %" PRIu64 ")",
				  spread_mem(a, mem[i], -2), a->spread > 0 ? " (the budget less --mem-spread)" : "", a->page);
			return -1;
		}
	for (i = 0; i < a->npol; i++) {
		if ((a->pol[i].ops->needs & SR_PN_MODEL) && !sc->have_model) {
			sr_inputf(e, CMD ": policy %s needs the model's tensors: give --profile or --gguf", a->pol[i].spec);
			return -1;
		}
		*nreal += sr_mmap_strategy_of(a->pol[i].spec) != SR_MS_NONE;
	}
	return 0;
}

int cmd_simulate(int argc, char **argv)
{
	struct args a = { .compute_ms = -1, .stat_phase_ms = -1 }; /* -1: the schedule's; the rest: the table's defaults */
	struct sr_err e = { 0 };
	struct sr_target tgt = { .fd = -1 };
	struct tgts ts = { .n = 0 };
	struct sr_cli_sched sc = { 0 };
	struct sr_sim_report rep = { 0 };
	struct sr_outfile out = { 0 };
	struct sr_devspec ds;
	uint64_t mem[MAX_MEM];
	size_t nmem = 0, i, nreal = 0;
	const char *target;
	int pos, ret, status = SR_EXIT_OK, have_cost = 0;
	struct sr_pccost cost;

	ret = sr_opts_parse(CMD, opts, argc, argv, parse_opt, &a, "[options] [TARGET]", &pos, &e);
	if (ret == 1) {
		usage_policies();
		return SR_EXIT_OK;
	}
	if (ret)
		goto fail;
	if (check_args(&a, argc, pos, &e))
		goto fail;
	/* before any I/O: a path that cannot be written fails now, not after the run */
	if (sr_outfile_open(&out, a.output, &e))
		goto fail;
	if (open_target(&a, argc, argv, pos, &ts, &tgt, &target, &e))
		goto fail;
	if (a.trace && !a.have_tokens)
		a.tokens = 1;
	if (open_schedule(&a, &sc, tgt.size, &e))
		goto fail;
	if (sc.model_bytes > tgt.size) {
		if (ts.n)
			sr_inputf(&e, "%s over %u targets: %" PRIu64 " bytes, smaller than the model (%" PRIu64 ")",
				  a.tg.layout_str, ts.n, tgt.size, sc.model_bytes);
		else
			sr_inputf(&e, "%s: %" PRIu64 " bytes, smaller than the model (%" PRIu64 "): create it with ssdreplay prep %s --size %" PRIu64,
				  tgt.path, tgt.size, sc.model_bytes, tgt.path, sc.model_bytes);
		goto fail;
	}
	if (check_budgets(&a, &sc, mem, &nmem, &nreal, &e))
		goto fail;
	if (!a.ra_kb)
		a.ra_kb = sr_cli_read_ahead_kb(tgt.disk);
	a.max_folio = sr_cli_max_folio(a.max_folio, tgt.path, a.folio_why, sizeof(a.folio_why));

	rep = (struct sr_sim_report){
		.source = sc.name, .target = ts.n ? a.tg.layout_str : tgt.path, .model = sc.have_model ? sc.model.name : NULL,
		.engine = a.eng.ops->name, .model_bytes = sc.model_bytes, .target_size = tgt.size,
		.page = a.page, .max_req = a.bs, .qd = (unsigned)a.qd, .tokens = a.tokens,
		.max_folio = a.max_folio, .max_folio_why = a.folio_why,
		.compute_ms_per_token = a.compute_ms, .prefill_tokens = a.prefill,
		.layout = ts.n ? a.tg.layout_str : NULL, .devs = ts.n ? a.tg.path : NULL, .nr_dev = ts.n,
	};
	if (sr_devspec_for_path(tgt.path, a.spec, "/sys", &ds, &e))
		goto fail;
	rep.spec_Bps = ds.seq_read_Bps * (ts.n ? ts.n : 1); /* striped: the drives' sum */
	rep.cal_Bps = ds.cal_seq_read_Bps * (ts.n ? ts.n : 1);
	rep.spec_source = ds.profile[0] ? ds.profile : ds.source;
	rep.rows = calloc(nmem * (a.npol + 2 + nreal) + 1, sizeof(*rep.rows));
	if (!rep.rows) {
		sr_errf(&e, -ENOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < ts.n; i++)
		sr_cli_warn_ram(ts.t[i].path);
	if (!ts.n)
		sr_cli_warn_ram(tgt.path);
	sr_cli_install_signals();
	if (a.mmap_cost) {
		long nc = sysconf(_SC_NPROCESSORS_ONLN);
		unsigned th = a.mmap_threads ? (unsigned)a.mmap_threads : nc > 8 ? 8 : nc > 0 ? (unsigned)nc : 1;

		if (ts.n) {
			sr_inputf(&e, CMD ": --mmap-cost measures one file; it cannot stripe over %u --target", ts.n);
			goto fail;
		}
		if (sr_pccost_get(target, tgt.disk, th, a.mmap_cost == 2, &cost, &e)) {
			status = sr_cli_fail(&e);
			goto out;
		}
		if (cost.scratch)
			fprintf(stderr, "ssdreplay: page-cache cost: %s is under the %" PRIu64 " MiB the measurement streams: "
				"measured on a scratch file of that size beside it, on the same filesystem, now removed\n",
				target, cost.scratch >> 20);
		have_cost = 1;
		rep.pccost = &cost;
	}
	ret = run_sims(&a, &tgt, &ts, &sc, &rep, mem, nmem, have_cost ? &cost : NULL, &status, &e);
	if (!ret && a.real_mmap)
		ret = run_reals(&a, &tgt, &sc, &rep, mem, nmem, target, &status, &e);
	if (ret < 0)
		goto fail;
	/* ret 1: a run failed or was stopped; report the rows that ran */
	sr_err_clear(&e);
	rep.partial = !!sr_cli_stop;
	if (write_report(&a, &out, &rep, &e))
		status = sr_cli_fail(&e);
	else
		status = sr_cli_stopped(status);
	goto out;
fail:
	status = sr_cli_fail(&e);
out:
	sr_outfile_abort(&out);
	free(rep.rows);
	sr_cli_sched_close(&sc);
	if (ts.n)
		close_targets(&ts);
	else
		sr_target_close(&tgt);
	return status;
}
