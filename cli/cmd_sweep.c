/* ssdreplay sweep [options] TARGET: a grid of replays, one point per
 * combination of --bs, --qd, --page, --engine, --threads; or, with a model
 * (--profile, --gguf), --policy or --mem, a grid of simulations (simulate's
 * buffer manager over a schedule, real reads on TARGET), one point per
 * combination of --policy, --mem, --page, --bs, --qd, --engine. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/membudget.h"
#include "base/outfile.h"
#include "cli/cli.h"
#include "devices/discover.h"
#include "cli/fio_compat.h"
#include "cli/opts.h"
#include "cli/rows.h"
#include "devices/spec.h"
#include "devices/target.h"
#include "policy/policy.h"
#include "base/plot.h"
#include "replay/replay.h"
#include "replay/report.h"
#include "study/sweep.h"
#include "base/units.h"
#include "synth/model.h"
#include "synth/profile.h"
#include "synth/schedule.h"

#define CMD "sweep"

enum {
	O_TRACE = 't', O_FORMAT = 'f', O_OUTPUT = 'o',
	O_PATTERN = 256, O_SIZE, O_SEED, O_NO_SHUFFLE, O_RUNTIME, O_REPEAT, O_ALLOW_WRITE,
	O_OUTFMT, O_PROGRESS, O_NO_PNG, O_SPEC, O_PROFILE, O_TOKENS, O_ROUTING, O_COMPUTE, O_MAX_FOLIO,
	O_DIM, O_DIM_LAST = O_DIM + SR_DIM_NR - 1,
	O_TRACE_IN, O_TRACE_IN_LAST = O_TRACE_IN + SR_CLI_TRACE_IN_NR - 1,
};

#define POLICY_LIST_MAX 4096

struct args {
	struct sr_cli_trace_in in;
	const char *trace, *format, *output, *spec, *profile, *routing, *mem_arg;
	int pattern, no_shuffle, allow_write, progress, no_png, runtime_given, tokens_given;
	uint64_t size, seed, repeat, runtime_ns, tokens, max_folio;
	double compute_ms; /* < 0: from the schedule */
	char policies[POLICY_LIST_MAX]; /* every --policy joined by ';' */
	enum sr_out_fmt outfmt;
	struct sr_sweep sw;
};

static int parse_opt(void *ctx, int key, const char *arg, struct sr_err *e);

#define A struct args
static const struct sr_opt opts[] = {
	{ SR_OPT_STR("trace", O_TRACE, "FILE", "", "replay this trace at every point (with a model, --policy or --mem: simulate it, one pass per --tokens)", A, trace) },
	SR_CLI_FORMAT_ROW(O_FORMAT, A, format, "trace format: %s"),
	SR_CLI_TRACE_IN_OPTS(O_TRACE_IN),
	{ SR_OPT_STR("profile", O_PROFILE, "NAME", "", "simulate: synthesize the schedule from a model profile (profiles/models/NAME.ini); --gguf FILE does it from a GGUF", A, profile) },
	{ SR_OPT_UINT("tokens", O_TOKENS, "N", "16 (trace: 1 pass)", "simulate: decode tokens per point (trace: passes); steady-state figures count the second half", A, tokens, 1, 1000000),
	  .seen_off = offsetof(A, tokens_given) },
	{ SR_OPT_STR("routing", O_ROUTING, "R", "uniform", "simulate: MoE routing of the synthetic schedule: uniform, zipf:S, temporal:P, log:FILE", A, routing),
	  .flags = SR_OPTF_DEFDOC },
	{ SR_OPT_DOUBLE("compute-ms-per-token", O_COMPUTE, "MS", "the schedule's", "simulate: compute per token (0: none)", A, compute_ms, 0, 3.6e6),
	  .flags = SR_OPTF_DEFDOC, .expect = "milliseconds >= 0 (25, 7.5)" },
	{ SR_OPT_SIZE("max-folio", O_MAX_FOLIO, "SIZE", "the target's", "simulate: the largest page-cache folio the pagecache policy's readahead makes, as simulate --max-folio (default 2M where the target's filesystem and kernel read into large folios, else 4k)", A, max_folio, 4096, 2u << 20),
	  .flags = SR_OPTF_POW2 | SR_OPTF_DEFDOC, .expect = "a power of two from 4k to 2M" },
	{ "pattern", O_PATTERN, 1, "seq|rand", "seq", "built-in workload when there is no --trace (fio rw=read|randread)" },
	{ SR_OPT_SIZE("size", O_SIZE, "SIZE", "target size", "bytes the pattern covers", A, size, 0, 0), .flags = SR_OPTF_DEFDOC },
	{ "bs", O_DIM + SR_DIM_BS, 1, "LIST", "4k..1m:x4 (pattern), 1m (trace, simulate)", "request sizes (a trace's records are split to it; simulate: the largest read): 4k,64k or 4k..4m:x2" },
	{ "qd", O_DIM + SR_DIM_QD, 1, "LIST", "1,8,32 (simulate: 32)", "queue depths: 1,4,16 or 1..32:+4 or 1..64:x2" },
	{ "page", O_DIM + SR_DIM_PAGE, 1, "LIST", "none (simulate: 4k)", "page sizes every access is rounded out to (simulate: the cache page, 4k..2m): 4k,2m" },
	{ "engine", O_DIM + SR_DIM_ENGINE, 1, "LIST", "io_uring", "engines: %s", .list = sr_cli_list_engines },
	{ "threads", O_DIM + SR_DIM_THREADS, 1, "LIST", "1", "psync worker threads: 1,4,16" },
	{ "policy", O_DIM + SR_DIM_POLICY, 1, "LIST", "lru", "simulate: buffer-manager policies separated by ';' (specs hold ':' and ','), or repeat --policy: 'lru;lookahead:2;pinned:*norm*,token_embd*' (see simulate --help)" },
	{ "mem", O_DIM + SR_DIM_MEM, 1, "LIST", "50%", "simulate: memory budgets, sizes or % of the model: 25%,50%,100% or 10%..100%:+30 or 256m..4g" },
	{ SR_OPT_DURATION("runtime", O_RUNTIME, "SEC", "5", "replay: time per point and repeat (10, 500ms, 0.3s); a simulate point runs its --tokens", A, runtime_ns),
	  .expect = "a duration like 10, 500ms, 0.3s", .seen_off = offsetof(A, runtime_given) },
	{ SR_OPT_UINT("repeat", O_REPEAT, "R", "1", "runs per point: the median is reported, with min and max", A, repeat, 1, 1000) },
	{ SR_OPT_UINT("seed", O_SEED, "N", "1", "seed of the shuffled run order and of --pattern rand", A, seed, 0, UINT64_MAX) },
	{ SR_OPT_FLAG("no-shuffle", O_NO_SHUFFLE, "run the grid in order (default: shuffled, to spread drift)", A, no_shuffle) },
	{ SR_OPT_STR("spec", O_SPEC, "PROFILE|k=v,...", "from the device", "device spec for the % of spec line: a profile, or seq_read=7000MB/s,...", A, spec),
	  .flags = SR_OPTF_DEFDOC },
	{ SR_OPT_FLAG("allow-write", O_ALLOW_WRITE, "issue the trace's writes (refused on mounted/held/root devices)", A, allow_write) },
	SR_CLI_OUTPUT_ROW(O_OUTPUT, A, output, "DIR", "", "write sweep.csv, sweep.json, bandwidth.svg, p99.svg (+ .png) here"),
	SR_CLI_OUTFMT_ROW(O_OUTFMT, A, outfmt, "stdout: text, json or csv"),
	{ SR_OPT_FLAG("no-png", O_NO_PNG, "SVG only, even where gnuplot could draw PNGs", A, no_png) },
	{ SR_OPT_FLAG("progress", O_PROGRESS, "progress and ETA on stderr after every run (default when stderr is a tty)", A, progress) },
	SR_OPT_END,
};
#undef A

static int parse_opt(void *ctx, int key, const char *arg, struct sr_err *e)
{
	struct args *a = ctx;

	switch (key) {
	case O_PATTERN:
		if (sr_cli_pattern(CMD, arg, &a->pattern, e))
			return -EINVAL;
		if (a->pattern & SR_PAT_WRITE)
			return sr_inputf(e, CMD ": '%s': sweep points read; write patterns run in replay --allow-write", arg);
		return 0;
	default:
		if (key >= O_DIM && key <= O_DIM_LAST) {
			enum sr_sweep_dim d = (enum sr_sweep_dim)(key - O_DIM);
			struct sr_sweep_axis *ax = &a->sw.ax[d];
			size_t i;

			if (d == SR_DIM_MEM) { /* percentages need the model: parsed once it is loaded */
				a->mem_arg = arg;
				return 0;
			}
			if (d == SR_DIM_POLICY) { /* repeated --policy adds to the list */
				size_t l = strlen(a->policies);

				if (l + 1 + strlen(arg) >= sizeof(a->policies))
					return sr_inputf(e, CMD ": --policy: the policies add up to more than %d characters",
							 POLICY_LIST_MAX - 1);
				snprintf(a->policies + l, sizeof(a->policies) - l, "%s%s", l ? ";" : "", arg);
				return 0;
			}
			if (sr_sweep_parse(d, arg, ax, e))
				return -EINVAL;
			for (i = 0; d == SR_DIM_ENGINE && i < ax->n; i++)
				if (!sr_engine_find(ax->v[i].s)) {
					char names[128];

					return sr_inputf(e, CMD ": --engine: expected %s, found '%s' in '%s'",
							 sr_engine_list(names, sizeof(names), 0, " or "), ax->v[i].s, arg);
				}
			return 0;
		}
		if (key >= O_TRACE_IN && key <= O_TRACE_IN_LAST) {
			int r = sr_cli_trace_in_opt(CMD, key - O_TRACE_IN, arg, &a->in, e);

			return r == 1 ? parse_opt(ctx, O_PATTERN, arg, e) : r; /* 1: fio's --rw is --pattern */
		}
	}
	return sr_inputf(e, CMD ": internal: unhandled option %d", key);
}

/* The schedule of simulate points: synthesized from the model, or the trace
 * (through the trace filters) labelled with it. */
static int open_schedule(const struct args *a, struct sr_cli_sched *s, uint64_t tgt_size, struct sr_err *e)
{
	struct sr_synth_opts so;

	sr_synth_opts_default(&so);
	so.tokens = a->tokens;
	so.seed = a->seed;
	so.access = SR_ACCESS_TENSOR; /* the simulation cuts accesses into --page itself */
	if (!a->trace && a->routing && sr_routing_parse(a->routing, &so.routing, e))
		return -EINVAL;
	return sr_cli_sched_open(a->profile ? a->profile : a->in.gguf, a->trace, a->format, &a->in, &so,
				 tgt_size, s, e);
}

struct runner {
	struct args *a;
	struct sr_target *tgt;
	uint64_t pat_size;
	int show;
	char last[160];
	/* simulate points */
	struct sr_cli_sched *sc;
	uint64_t ra_kb;
	uint64_t max_folio;    /* --max-folio, or the target's (sr_dev_max_folio) */
	char folio_why[160];   /* where it came from */
};

static int run_point_sim(void *arg, const struct sr_sweep *s, const struct sr_sweep_point *p,
			 struct sr_sweep_sample *out, struct sr_err *e)
{
	struct runner *r = arg;
	const struct args *a = r->a;
	const char *spec = sr_sweep_str(s, p, SR_DIM_POLICY);
	uint64_t page = sr_sweep_num(s, p, SR_DIM_PAGE), bs = sr_sweep_num(s, p, SR_DIM_BS);
	struct sr_sim_result *res;
	struct sr_sim_cfg c;
	double wall;
	int ret;

	c = (struct sr_sim_cfg){
		.policy_spec = spec, .engine = sr_engine_find(sr_sweep_str(s, p, SR_DIM_ENGINE)),
		.fd = r->tgt->fd, .tgt_name = r->tgt->path, .target_size = r->tgt->size,
		.extent = r->sc->model_bytes, .lbs = r->tgt->lbs, .mem = sr_sweep_num(s, p, SR_DIM_MEM),
		.page = page, .max_req = bs > page ? bs : page, .qd = (unsigned)sr_sweep_num(s, p, SR_DIM_QD),
		.compute_ns_per_token = a->compute_ms > 0 ? (uint64_t)(a->compute_ms * 1e6) : 0,
		.ignore_t_ns = a->compute_ms == 0 || !!a->trace, .passes = a->trace ? a->tokens : 1,
		.model = r->sc->have_model ? &r->sc->model : NULL, .seed = a->seed, .ra_kb = r->ra_kb,
		.warmup_tokens = a->trace ? 0 : a->tokens / 2, .stop = &sr_cli_stop,
		.max_folio = r->max_folio, .stat_phase_ns = SR_STAT_PHASE_NS,
	};
	if (sr_policy_parse(spec, &c.policy, &c.pp, e))
		return -EINVAL;
	if (r->sc->src->rewind(r->sc->src, e))
		return -EIO;
	res = calloc(1, sizeof(*res)); /* its histogram is 30 KiB */
	if (!res)
		return sr_errf(e, -ENOMEM, "out of memory");
	ret = sr_sim_run(&c, r->sc->src, res, e);
	if (ret == 0 && (sr_cli_stop || res->partial))
		ret = 1;
	else if (ret < 0 && sr_cli_stop && !e->bad_input)
		ret = 1; /* interrupted mid-run: drop the sample, keep the rest */
	if (ret == 0) {
		wall = (double)res->wall_ns / 1e9;
		out->runtime_s = wall;
		out->sim = (struct sr_sweep_sim){
			.tokens_per_s = sr_sim_tokens_per_s(res),
			.stall_p50_ns = (double)sr_hist_pct(&res->token_stall, 50),
			.stall_p99_ns = (double)sr_hist_pct(&res->token_stall, 99),
			.hit_rate = sr_sim_hit_rate(res),
			.read_bytes = (double)(res->demand_bytes + res->prefetch_bytes),
			.demand_bytes = (double)res->demand_bytes, .prefetch_bytes = (double)res->prefetch_bytes,
			.steady_read_bytes = (double)res->steady_read_bytes,
			.tokens = res->tokens, .steady_tokens = res->steady_tokens,
		};
		out->bw_bytes = wall > 0 ? out->sim.read_bytes / wall : 0;
		out->op[0].bw_bytes = out->bw_bytes;
		out->op[0].bytes = res->demand_bytes + res->prefetch_bytes;
		out->op[0].ios = res->demand_ios + res->prefetch_ios;
		out->clat_p99_ns = out->sim.stall_p99_ns;
	}
	free(res);
	return ret;
}

static void fill_op(struct sr_sweep_op *o, const struct sr_op_stats *os, double t)
{
	o->bytes = os->bytes;
	o->ios = os->ios;
	o->bw_bytes = t > 0 ? (double)os->bytes / t : 0;
	o->iops = t > 0 ? (double)os->ios / t : 0;
	o->clat_mean_ns = sr_hist_mean(&os->clat);
	o->clat_p50_ns = (double)sr_hist_pct(&os->clat, 50);
	o->clat_p99_ns = (double)sr_hist_pct(&os->clat, 99);
}

static int run_point(void *arg, const struct sr_sweep *s, const struct sr_sweep_point *p,
		     struct sr_sweep_sample *out, struct sr_err *e)
{
	struct runner *r = arg;
	const struct args *a = r->a;
	uint64_t bs = sr_sweep_num(s, p, SR_DIM_BS);
	uint64_t page = s->ax[SR_DIM_PAGE].given ? sr_sweep_num(s, p, SR_DIM_PAGE) : 0;
	unsigned qd = (unsigned)sr_sweep_num(s, p, SR_DIM_QD);
	unsigned threads = (unsigned)sr_sweep_num(s, p, SR_DIM_THREADS);
	const struct sr_engine_ops *eng = sr_engine_find(sr_sweep_str(s, p, SR_DIM_ENGINE));
	struct sr_source *src = NULL;
	struct sr_replay_cfg rc;
	struct sr_stats st;
	struct sr_hist all;
	double t;
	int ret;

	if (a->trace)
		ret = sr_cli_trace_in_open(&a->in, a->trace, a->format, &src, e);
	else
		ret = sr_pattern_open(a->pattern, r->pat_size / bs * bs, bs, a->seed, &src, e);
	if (ret)
		return ret;
	rc = (struct sr_replay_cfg){
		.engine = eng, .qd = qd, .batch = 1, .threads = threads, .timing = SR_TIMING_AFAP,
		.time_scale = 1, .runtime_ns = a->runtime_ns, .loops = 0, .tgt_name = r->tgt->path,
		.stop = &sr_cli_stop,
		.shape = {
			.src_name = src->name, .tgt_name = r->tgt->path, .target_size = r->tgt->size,
			.lbs = r->tgt->lbs, .page = page, .max_req = bs > page ? bs : page,
			.allow_write = a->allow_write,
		},
	};
	rc.qd = sr_engine_qd(eng, rc.qd, threads); /* more slots than workers would only queue */
	sr_stats_init(&st);
	ret = sr_replay_run(&rc, src, &r->tgt->fd, 1, &st, e);
	src->close(src);
	if (ret == 0 && sr_cli_stop)
		ret = 1;
	if (ret == 0) {
		t = sr_runtime_s(&st);
		out->runtime_s = t;
		fill_op(&out->op[0], &st.op[0], t);
		fill_op(&out->op[1], &st.op[1], t);
		out->bw_bytes = out->op[0].bw_bytes + out->op[1].bw_bytes;
		sr_hist_init(&all);
		sr_hist_merge(&all, &st.op[0].clat);
		sr_hist_merge(&all, &st.op[1].clat);
		out->clat_p99_ns = (double)sr_hist_pct(&all, 99);
		out->errors = st.op[0].errors + st.op[1].errors;
	} else if (ret < 0 && sr_cli_stop && !e->bad_input) {
		ret = 1; /* interrupted mid-run: drop the sample, keep the rest */
	}
	sr_stats_free(&st);
	return ret;
}

static void show_progress(void *arg, const struct sr_sweep *s, const struct sr_sweep_point *p,
			  const struct sr_sweep_sample *last, uint64_t elapsed_ns)
{
	struct runner *r = arg;
	double el = (double)elapsed_ns / 1e9, eta = el / (double)(s->done + 1) * (double)(s->nruns - s->done - 1);
	char b[32];

	if (!r->show)
		return;
	if (s->sim) {
		fprintf(stderr, "\r[%zu/%zu] policy=%.40s mem=%s page=%s qd=%s: %9.2f tokens/s  elapsed %.1fs eta %.1fs ",
			s->done + 1, s->nruns, sr_sweep_str(s, p, SR_DIM_POLICY),
			sr_plot_short_bytes(b, sizeof(b), sr_sweep_num(s, p, SR_DIM_MEM)),
			sr_sweep_str(s, p, SR_DIM_PAGE), sr_sweep_str(s, p, SR_DIM_QD), last->sim.tokens_per_s, el, eta);
		if (s->done + 1 == s->nruns)
			fputc('\n', stderr);
		return;
	}
	fprintf(stderr, "\r[%zu/%zu] bs=%s qd=%s engine=%s threads=%s: %9.1f MiB/s  elapsed %.1fs eta %.1fs ",
		s->done + 1, s->nruns, sr_plot_short_bytes(b, sizeof(b), sr_sweep_num(s, p, SR_DIM_BS)),
		sr_sweep_str(s, p, SR_DIM_QD), sr_sweep_str(s, p, SR_DIM_ENGINE),
		sr_sweep_str(s, p, SR_DIM_THREADS), last->bw_bytes / 1048576.0, el, eta);
	if (s->done + 1 == s->nruns)
		fputc('\n', stderr);
}

static void write_text_sim(FILE *f, const struct sr_sweep *s, const struct sr_sweep_info *in)
{
	char b1[32], b2[32], b3[32], b4[32], b5[32];
	size_t i;

	fprintf(f, "ssdreplay %s: sweep of simulations of %s%s%s on %s: %zu points x %u, %" PRIu64 " %s each, %s order%s\n",
		SR_VERSION, in->source, in->model && strcmp(in->model, in->source) ? " with " : "",
		in->model && strcmp(in->model, in->source) ? in->model : "", in->target, s->npoints, s->repeat,
		in->tokens, in->model && !strcmp(in->model, in->source) ? "tokens" : "tokens/passes",
		in->shuffle ? "shuffled" : "grid", s->stopped ? " (stopped early: partial)" : "");
	if (in->max_folio)
		fprintf(f, "pagecache policy: folios of up to %s (%s)\n", sr_plot_short_bytes(b1, sizeof(b1), in->max_folio),
			in->max_folio_why ? in->max_folio_why : "");
	fprintf(f, "%-24s %10s %6s %8s %8s %5s %9s %3s %10s %23s %10s %10s %7s %10s %10s %8s\n", "policy", "mem", "mem%",
		"page", "bs", "qd", "engine", "n", "tokens/s", "(min..max)", "stall p50", "stall p99", "hit%",
		"read", "steady", "GB/s");
	for (i = 0; i < s->npoints; i++) {
		const struct sr_sweep_point *p = &s->pt[i];
		char pct[16] = "-";

		if (!p->n)
			continue;
		if (in->model_bytes)
			snprintf(pct, sizeof(pct), "%.1f", 100.0 * (double)sr_sweep_num(s, p, SR_DIM_MEM) / (double)in->model_bytes);
		fprintf(f, "%-24s %10s %6s %8s %8s %5s %9s %3zu %10.2f %10.2f..%-11.2f %8.2fms %8.2fms %7.2f %10s %10s %8.3f\n",
			sr_sweep_str(s, p, SR_DIM_POLICY), sr_plot_short_bytes(b1, sizeof(b1), sr_sweep_num(s, p, SR_DIM_MEM)),
			pct, sr_plot_short_bytes(b2, sizeof(b2), sr_sweep_num(s, p, SR_DIM_PAGE)),
			sr_plot_short_bytes(b3, sizeof(b3), sr_sweep_num(s, p, SR_DIM_BS)), sr_sweep_str(s, p, SR_DIM_QD),
			sr_sweep_str(s, p, SR_DIM_ENGINE), p->n, p->med[SR_SM_TPS], p->min[SR_SM_TPS], p->max[SR_SM_TPS],
			p->med[SR_SM_STALL50] / 1e6, p->med[SR_SM_STALL99] / 1e6, 100 * p->med[SR_SM_HIT],
			sr_plot_short_bytes(b4, sizeof(b4), (uint64_t)p->med[SR_SM_READ]),
			sr_plot_short_bytes(b5, sizeof(b5), (uint64_t)p->med[SR_SM_STEADY]), p->med[SR_SM_BW] / 1e9);
	}
	fprintf(f, "read: bytes read from %s per point (demand + prefetch); steady: read by the decode tokens after the first half; stall per decode token\n",
		in->target);
}

static void write_text(FILE *f, const struct sr_sweep *s, const struct sr_sweep_info *in)
{
	long best, knee = sr_sweep_knee(s, 0.9, &best);
	char b1[32], b2[32];
	size_t i;

	fprintf(f, "ssdreplay %s: sweep of %s on %s: %zu points x %u, %.3g s each, %s order%s\n", SR_VERSION,
		in->source, in->target, s->npoints, s->repeat, in->runtime_s, in->shuffle ? "shuffled" : "grid",
		s->stopped ? " (stopped early: partial)" : "");
	fprintf(f, "%10s %6s %8s %9s %7s %3s %12s %23s %12s%s\n", "bs", "qd", "page", "engine", "threads", "n",
		"MiB/s", "(min..max)", "p99 us", in->spec_Bps > 0 ? "  % spec" : "");
	for (i = 0; i < s->npoints; i++) {
		const struct sr_sweep_point *p = &s->pt[i];

		if (!p->n)
			continue;
		fprintf(f, "%10s %6s %8s %9s %7s %3zu %12.1f %10.1f..%-11.1f %12.1f",
			sr_plot_short_bytes(b1, sizeof(b1), sr_sweep_num(s, p, SR_DIM_BS)),
			sr_sweep_str(s, p, SR_DIM_QD),
			s->ax[SR_DIM_PAGE].given ? sr_plot_short_bytes(b2, sizeof(b2), sr_sweep_num(s, p, SR_DIM_PAGE)) : "-",
			sr_sweep_str(s, p, SR_DIM_ENGINE), sr_sweep_str(s, p, SR_DIM_THREADS), p->n,
			p->med[SR_SM_BW] / 1048576.0, p->min[SR_SM_BW] / 1048576.0, p->max[SR_SM_BW] / 1048576.0,
			p->med[SR_SM_P99] / 1e3);
		if (in->spec_Bps > 0)
			fprintf(f, " %8.1f", 100 * p->med[SR_SM_BW] / in->spec_Bps);
		fputc('\n', f);
	}
	if (in->spec_Bps > 0)
		fprintf(f, "%% spec: of %.1f MiB/s sequential read (%s)\n", in->spec_Bps / 1048576.0,
			in->spec_source ? in->spec_source : "?");
	if (knee < 0) {
		fprintf(f, "knee: no point completed\n");
		return;
	}
	fprintf(f, "knee: bs=%s qd=%s reaches %.1f MiB/s, %.0f%% of the best %.1f MiB/s (bs=%s qd=%s)\n",
		sr_plot_short_bytes(b1, sizeof(b1), sr_sweep_num(s, &s->pt[knee], SR_DIM_BS)),
		sr_sweep_str(s, &s->pt[knee], SR_DIM_QD), s->pt[knee].med[SR_SM_BW] / 1048576.0,
		100 * s->pt[knee].med[SR_SM_BW] / s->pt[best].med[SR_SM_BW], s->pt[best].med[SR_SM_BW] / 1048576.0,
		sr_plot_short_bytes(b2, sizeof(b2), sr_sweep_num(s, &s->pt[best], SR_DIM_BS)),
		sr_sweep_str(s, &s->pt[best], SR_DIM_QD));
}

static int write_file(const char *dir, const char *name, const struct sr_sweep *s,
		      const struct sr_sweep_info *in, int (*fn)(FILE *, const struct sr_sweep *, const struct sr_sweep_info *),
		      struct sr_err *e)
{
	struct sr_outfile out;
	char path[4096];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ret = sr_outfile_open(&out, path, e);
	if (ret)
		return ret;
	ret = fn(out.f, s, in);
	if (ret) {
		sr_outfile_abort(&out);
		return sr_errf(e, -EIO, "%s: write failed", path);
	}
	return sr_outfile_commit(&out, e);
}

static int write_outputs(const struct args *a, const struct sr_sweep *s, const struct sr_sweep_info *in,
			 struct sr_err *e)
{
	int ret = 0;

	switch (a->outfmt) {
	case SR_OUT_TEXT: (s->sim ? write_text_sim : write_text)(stdout, s, in); break;
	case SR_OUT_JSON:
	case SR_OUT_JSON_PLUS: /* refused for sweep by sr_cli_outfmt */
		ret = sr_sweep_write_json(stdout, s, in); break;
	case SR_OUT_CSV: ret = sr_sweep_write_csv(stdout, s, in); break;
	}
	if (ret)
		return sr_errf(e, ret, "stdout: write failed");
	ret = sr_stdout_check(e);
	if (ret || !a->output)
		return ret;
	if (!a->output)
		return 0;
	ret = write_file(a->output, "sweep.csv", s, in, sr_sweep_write_csv, e);
	if (!ret)
		ret = write_file(a->output, "sweep.json", s, in, sr_sweep_write_json, e);
	if (!ret)
		ret = sr_sweep_plots(a->output, s, in, a->no_png ? NULL : sr_plot_png_terminal(), e);
	return ret;
}

/* The largest point's threads x qd x bs buffers must fit in memory: exit 2
 * before the grid runs, not an OOM kill at that point. */
static int sweep_budget(const struct sr_sweep *sw, struct sr_err *e)
{
	uint64_t need = 0, f[3], n;
	size_t i;

	for (i = 0; i < sw->npoints; i++) {
		f[0] = sr_sweep_num(sw, &sw->pt[i], SR_DIM_THREADS);
		f[1] = sr_sweep_num(sw, &sw->pt[i], SR_DIM_QD);
		f[2] = sr_sweep_num(sw, &sw->pt[i], SR_DIM_BS);
		if (!strcmp(sr_sweep_str(sw, &sw->pt[i], SR_DIM_ENGINE), "psync")) {
			f[1] = f[1] > f[0] ? f[0] : f[1]; /* psync: one set of slots, at most one per thread */
			f[0] = 1;
		}
		if (sr_mem_product(f, 3, &n))
			n = UINT64_MAX;
		if (n > need)
			need = n;
	}
	return sr_mem_budget(need, CMD ": the largest point's --threads x --qd x --bs buffers", e);
}

/* Fill the grid's defaults and check what a replay grid may hold. */
static int setup_replay(struct args *a, int pattern_given, struct sr_err *e)
{
	struct sr_sweep *sw = &a->sw;

	if (a->trace && pattern_given)
		return sr_inputf(e, CMD ": expected --trace FILE or --pattern seq|rand, not both");
	if (!a->trace && (sr_cli_trace_filtering(&a->in.topts) || a->in.file_map))
		return sr_inputf(e, CMD ": --event/--dev/--pid/--comm/--rw/--time/--file-map filter a --trace");
	if (a->tokens_given || a->routing || a->compute_ms >= 0 || a->max_folio)
		return sr_inputf(e, CMD ": --tokens/--routing/--compute-ms-per-token/--max-folio shape simulate points: give a model (--profile, --gguf), --policy or --mem");
	if (!sw->ax[SR_DIM_BS].n && sr_sweep_parse(SR_DIM_BS, a->trace ? "1m" : "4k..1m:x4", &sw->ax[SR_DIM_BS], e))
		return -EINVAL;
	if (!sw->ax[SR_DIM_QD].n && sr_sweep_parse(SR_DIM_QD, "1,8,32", &sw->ax[SR_DIM_QD], e))
		return -EINVAL;
	if (!sw->ax[SR_DIM_PAGE].n)
		sr_sweep_default(&sw->ax[SR_DIM_PAGE], 0, "0");
	sr_sweep_default(&sw->ax[SR_DIM_POLICY], 0, "none");
	sr_sweep_default(&sw->ax[SR_DIM_MEM], 0, "0");
	return 0;
}

static int setup_sim(struct args *a, int pattern_given, struct sr_err *e)
{
	struct sr_sweep *sw = &a->sw;
	uint64_t page;
	size_t i, j;

	if (a->profile && a->in.gguf)
		return sr_inputf(e, CMD ": expected --profile NAME or --gguf FILE (the model), not both");
	if (!a->profile && !a->in.gguf && !a->trace)
		return sr_inputf(e, CMD ": --policy and --mem simulate a schedule: give --profile NAME or --gguf FILE (the model) or --trace FILE");
	if (pattern_given || a->size)
		return sr_inputf(e, CMD ": --pattern/--size shape replay points; simulate points read the schedule (--profile, --gguf, --trace)");
	if (sw->ax[SR_DIM_THREADS].n)
		return sr_inputf(e, CMD ": --threads applies to replay points (psync workers); simulate points take --qd");
	if (a->runtime_given)
		return sr_inputf(e, CMD ": --runtime applies to replay points; a simulate point runs its --tokens");
	if (a->allow_write)
		return sr_inputf(e, CMD ": --allow-write applies to replay points; simulate points only read");
	if (a->routing && a->trace)
		return sr_inputf(e, CMD ": --routing shapes a synthesized schedule, not a --trace");
	if (!a->trace && (sr_cli_trace_filtering(&a->in.topts) || a->in.file_map))
		return sr_inputf(e, CMD ": --event/--dev/--pid/--comm/--rw/--time/--file-map filter a --trace");
	if (!a->tokens_given)
		a->tokens = a->trace ? 1 : 16;
	if (!sw->ax[SR_DIM_BS].n && sr_sweep_parse(SR_DIM_BS, "1m", &sw->ax[SR_DIM_BS], e))
		return -EINVAL;
	if (!sw->ax[SR_DIM_QD].n && sr_sweep_parse(SR_DIM_QD, "32", &sw->ax[SR_DIM_QD], e))
		return -EINVAL;
	if (!sw->ax[SR_DIM_PAGE].n && sr_sweep_parse(SR_DIM_PAGE, "4k", &sw->ax[SR_DIM_PAGE], e))
		return -EINVAL;
	if (sr_sweep_parse(SR_DIM_POLICY, a->policies[0] ? a->policies : "lru", &sw->ax[SR_DIM_POLICY], e))
		return -EINVAL;
	for (i = 0; i < sw->ax[SR_DIM_POLICY].n; i++) {
		const struct sr_policy_ops *ops;
		struct sr_policy_params pp;

		if (sr_policy_parse(sw->ax[SR_DIM_POLICY].v[i].s, &ops, &pp, e)) {
			char msg[sizeof(e->msg)];
			const char *m = e->msg;

			if (!strncmp(m, "simulate: ", 10))
				m += 10;
			snprintf(msg, sizeof(msg), "%s", m);
			sr_err_clear(e);
			return sr_inputf(e, CMD ": --policy: %.480s", msg);
		}
		if ((ops->needs & SR_PN_MODEL) && !a->profile && !a->in.gguf)
			return sr_inputf(e, CMD ": policy %s needs the model's tensors: give --profile or --gguf",
					 sw->ax[SR_DIM_POLICY].v[i].s);
	}
	/* the budgets' syntax now (percentages resolve once the model is loaded) */
	if (a->mem_arg && sr_sweep_parse_mem(a->mem_arg, 1ull << 50, &sw->ax[SR_DIM_MEM], e))
		return -EINVAL;
	for (i = 0; i < sw->ax[SR_DIM_PAGE].n; i++) {
		page = sw->ax[SR_DIM_PAGE].v[i].n;
		if (page < 4096 || page > (2u << 20))
			return sr_inputf(e, CMD ": --page: simulate pages are powers of two from 4k to 2M, found %" PRIu64, page);
		for (j = 0; j < sw->ax[SR_DIM_BS].n; j++) {
			uint64_t bs = sw->ax[SR_DIM_BS].v[j].n;

			if (bs < 4096 || bs > (64u << 20))
				return sr_inputf(e, CMD ": --bs: simulate reads are 4k to 64M, found %" PRIu64, bs);
			if (bs > page && bs % page)
				return sr_inputf(e, CMD ": --bs %" PRIu64 " is not a multiple of --page %" PRIu64, bs, page);
		}
	}
	sw->ax[SR_DIM_PAGE].given = sw->ax[SR_DIM_POLICY].given = 1;
	sw->sim = 1;
	return 0;
}

/* Every --bs fits the target's logical blocks (and the pattern). */
static int check_bs(const struct args *a, const struct sr_sweep *sw, const struct sr_target *tgt,
		    const struct runner *r, int sim, struct sr_err *e)
{
	size_t i;

	for (i = 0; i < sw->ax[SR_DIM_BS].n; i++) {
		uint64_t bs = sw->ax[SR_DIM_BS].v[i].n;

		if (bs % tgt->lbs)
			return sr_inputf(e, CMD ": --bs %" PRIu64 " is not a multiple of %s's %u-byte logical block size",
					 bs, tgt->path, tgt->lbs);
		if (!a->trace && !sim && bs > r->pat_size)
			return sr_inputf(e, CMD ": --bs %" PRIu64 " is larger than the %" PRIu64 " bytes the pattern covers",
					 bs, r->pat_size);
	}
	return 0;
}

/* A simulated sweep: --page fits the target, the schedule opens, the model
 * fits the target, and every --mem budget holds a cache page. */
static int setup_sim_target(struct args *a, struct sr_sweep *sw, struct sr_cli_sched *sc,
			    const struct sr_target *tgt, struct runner *r, struct sr_err *e)
{
	size_t i;

	for (i = 0; i < sw->ax[SR_DIM_PAGE].n; i++)
		if (sw->ax[SR_DIM_PAGE].v[i].n % tgt->lbs)
			return sr_inputf(e, CMD ": --page %" PRIu64 " is not a multiple of %s's %u-byte logical block size",
					 sw->ax[SR_DIM_PAGE].v[i].n, tgt->path, tgt->lbs);
	if (open_schedule(a, sc, tgt->size, e))
		return -EINVAL;
	if (sc->model_bytes > tgt->size)
		return sr_inputf(e, "%s: %" PRIu64 " bytes, smaller than the model (%" PRIu64 "): create it with ssdreplay synth --profile NAME --write-gguf %s, or ssdreplay prep %s --size %" PRIu64,
				 tgt->path, tgt->size, sc->model_bytes, tgt->path, tgt->path, sc->model_bytes);
	if (sr_sweep_parse_mem(a->mem_arg ? a->mem_arg : "50%", sc->model_bytes, &sw->ax[SR_DIM_MEM], e))
		return -EINVAL;
	sw->ax[SR_DIM_MEM].given = 1;
	{ /* a budget must hold at least one cache page of every --page */
		const struct sr_sweep_axis *pg = &sw->ax[SR_DIM_PAGE], *mm = &sw->ax[SR_DIM_MEM];
		uint64_t maxpage = 0;
		size_t k;

		for (k = 0; k < pg->n; k++)
			if (pg->v[k].n > maxpage)
				maxpage = pg->v[k].n;
		for (k = 0; k < mm->n; k++)
			if (mm->v[k].n < (maxpage ? maxpage : 4096))
				return sr_inputf(e, CMD ": --mem %s: %" PRIu64 " bytes hold no cache page of %" PRIu64 " bytes",
						 mm->v[k].s, mm->v[k].n, maxpage ? maxpage : 4096);
	}
	r->ra_kb = sr_cli_read_ahead_kb(tgt->disk);
	r->max_folio = sr_cli_max_folio(a->max_folio, tgt->path, r->folio_why, sizeof(r->folio_why));
	return 0;
}

/* The target, opened for O_DIRECT (and checked for --allow-write); -1 when it cannot serve. */
static int open_sweep_target(const struct args *a, const char *path, struct sr_target *tgt, struct sr_err *e)
{
	int ret;

	/* the path is checked before it is opened read-write, as replay does */
	if (a->allow_write && sr_target_write_check_path_plain(path, "/sys", e))
		return -1;
	ret = sr_target_open(path, (a->allow_write ? SR_TGT_WRITE : 0) | SR_TGT_DIRECT, tgt, e);
	if (ret)
		return -1;
	if (a->allow_write && sr_target_write_check(tgt, "/sys", e))
		return -1;
	if (!tgt->size) {
		sr_inputf(e, "%s: target is empty (create one with ssdreplay prep %s --size 1G)", tgt->path, tgt->path);
		return -1;
	}
	return 0;
}

int cmd_sweep(int argc, char **argv)
{
	struct args a = { .in.topts.event = 'D', .pattern = -1, .compute_ms = -1 }; /* -1: none, the schedule's */
	struct sr_err e = { 0 };
	struct sr_target tgt = { .fd = -1 };
	struct sr_sweep *sw = &a.sw;
	struct sr_cli_sched sc = { 0 };
	struct runner r = { .a = &a, .tgt = &tgt, .sc = &sc };
	struct sr_sweep_info in;
	struct sr_devspec ds;
	struct stat sb;
	char srcname[4200];
	int pos, ret, status = SR_EXIT_OK, pattern_given, sim;

	memset(sw, 0, sizeof(*sw));
	ret = sr_opts_parse(CMD, opts, argc, argv, parse_opt, &a, "[options] TARGET", &pos, &e);
	if (ret == 1)
		return SR_EXIT_OK;
	if (ret)
		goto fail;
	sim = a.profile || a.in.gguf || a.policies[0] || a.mem_arg;
	if (argc - pos != 1 && !(sim && a.in.gguf && argc == pos)) {
		sr_inputf(&e, CMD ": expected one TARGET (a file or block device), found %d; see ssdreplay sweep --help",
			  argc - pos);
		goto fail;
	}
	pattern_given = a.pattern >= 0;
	if (sim ? setup_sim(&a, pattern_given, &e) : setup_replay(&a, pattern_given, &e))
		goto fail;
	if (!pattern_given)
		a.pattern = SR_PAT_SEQ;
	if (!sw->ax[SR_DIM_ENGINE].n)
		sr_sweep_default(&sw->ax[SR_DIM_ENGINE], 0, "io_uring");
	if (!sw->ax[SR_DIM_THREADS].n)
		sr_sweep_default(&sw->ax[SR_DIM_THREADS], 1, NULL);
	sw->ax[SR_DIM_BS].given = sw->ax[SR_DIM_QD].given = 1; /* always reported */

	if (a.output && !stat(a.output, &sb) && !S_ISDIR(sb.st_mode)) {
		sr_inputf(&e, CMD ": --output %s: expected a directory", a.output);
		goto fail;
	}
	if (open_sweep_target(&a, argc > pos ? argv[pos] : a.in.gguf, &tgt, &e))
		goto fail;
	memset(&ds, 0, sizeof(ds));
	ret = sr_devspec_for_path(tgt.path, a.spec, "/sys", &ds, &e);
	if (ret)
		goto fail;
	r.pat_size = a.size ? a.size : tgt.size;
	if (r.pat_size > tgt.size) {
		sr_inputf(&e, CMD ": --size %" PRIu64 " is larger than %s (%" PRIu64 " bytes)", r.pat_size, tgt.path, tgt.size);
		goto fail;
	}
	if (check_bs(&a, sw, &tgt, &r, sim, &e))
		goto fail;
	if (sim) {
		if (setup_sim_target(&a, sw, &sc, &tgt, &r, &e))
			goto fail;
	} else if (a.trace) { /* refuse a bad trace before the first point */
		struct sr_source *src;

		ret = sr_cli_trace_in_open(&a.in, a.trace, a.format, &src, &e);
		if (ret)
			goto fail;
		src->close(src);
	}
	ret = sr_sweep_init(sw, (unsigned)a.repeat, a.seed, !a.no_shuffle, &e);
	if (ret || (!sim && sweep_budget(sw, &e)))
		goto fail;
	sw->sim = sim;
	if (a.output && stat(a.output, &sb) && mkdir(a.output, 0777) && errno != EEXIST) {
		sr_inputf(&e, CMD ": --output %s: %s", a.output, strerror(errno)); /* before any I/O: exit 2 */
		goto fail;
	}

	snprintf(srcname, sizeof(srcname), "%s", sim ? sc.name : a.trace ? a.trace :
		 a.pattern == SR_PAT_RAND ? "pattern:rand" : "pattern:seq");
	in = (struct sr_sweep_info){ .target = tgt.path, .source = srcname, .runtime_s = (double)a.runtime_ns / 1e9,
				     .seed = a.seed, .shuffle = !a.no_shuffle, .spec_Bps = ds.seq_read_Bps,
				     .spec_source = ds.source[0] ? ds.source : ds.profile[0] ? ds.profile : a.spec,
				     .model = sc.have_model ? sc.model.name : NULL, .model_bytes = sc.model_bytes,
				     .tokens = a.tokens, .max_folio = r.max_folio, .max_folio_why = r.folio_why };
	r.show = a.progress || isatty(STDERR_FILENO);
	if (r.show && sim)
		fprintf(stderr, "sweep: %zu points x %u runs of %" PRIu64 " %s\n", sw->npoints, sw->repeat, a.tokens,
			a.trace ? "passes" : "tokens");
	else if (r.show)
		fprintf(stderr, "sweep: %zu points x %u runs of %.3g s: at least %.0f s\n", sw->npoints, sw->repeat,
			in.runtime_s, in.runtime_s * (double)sw->nruns);
	sr_cli_warn_ram(tgt.path);
	sr_cli_install_signals();
	ret = sr_sweep_execute(sw, sim ? run_point_sim : run_point, &r, show_progress, &r, &sr_cli_stop, &e);
	if (r.show && sw->done < sw->nruns)
		fputc('\n', stderr);
	if (ret && e.bad_input)
		goto fail;
	if (ret)
		status = sr_cli_fail(&e);
	sr_err_clear(&e);
	if (write_outputs(&a, sw, &in, &e)) {
		status = sr_cli_fail(&e);
	} else if (sr_cli_stop) {
		fprintf(stderr, "ssdreplay: stopped by signal %d after %zu of %zu runs: partial results\n",
			(int)sr_cli_stop, sw->done, sw->nruns);
		status = SR_EXIT_SIGNAL;
	}
	goto out;
fail:
	status = sr_cli_fail(&e);
out:
	sr_sweep_free(sw);
	sr_cli_sched_close(&sc);
	sr_target_close(&tgt);
	return status;
}
