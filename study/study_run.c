/* The study's runs (study/study_run.h): each fills one sr_study_run from a
 * schedule (synth/), the simulator (policy/), a real mmap child
 * (study_mmap.c) or a child sweep, commits it and tells the caller. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "policy/pccost.h"
#include "policy/policy.h"
#include "real/pccost.h"
#include "devices/discover.h"
#include "study/study_mmap.h"
#include "study/study_run.h"
#include "synth/schedule.h"

static long commit_run(struct sr_study_ctx *s, struct sr_study_run *u)
{
	long i = sr_study_commit(&s->x, u);

	if (s->progress)
		s->progress(s->progress_arg, u);
	return i;
}

/* A new run of the matrix, told to the caller as it starts. */
static struct sr_study_run *new_run(struct sr_study_ctx *s, const struct sr_study_model *v, const char *hyp,
				   const char *kind, const char *what)
{
	struct sr_study_run *u = sr_study_new_run(&s->x, v, hyp, kind, what);

	if (u && s->start)
		s->start(s->progress_arg, u);
	return u;
}

/* ---- schedules and analysis ---- */

static int open_sched(const struct sr_study_ctx *s, struct sr_study_mctx *mc, enum sr_access_kind acc, struct sr_source **src,
		      struct sr_err *e)
{
	struct sr_synth_opts so;

	sr_synth_opts_default(&so);
	so.tokens = s->tokens;
	so.seed = s->seed;
	so.access = acc;
	so.page = 4096;
	return sr_synth_open(&mc->m, &so, src, e);
}

/* H1 at the page-fault level: the schedule at 4 KiB pages, what mmap faults on. */
static int run_faults(struct sr_study_ctx *s, struct sr_study_mctx *mc, struct sr_err *e)
{
	struct sr_study_run *u = new_run(s, mc->v, "H1", "schedule", "page faults: schedule at 4 KiB pages");
	struct sr_source *src = NULL;
	struct sr_study_pattern p;
	int ret;

	if (!u)
		return 0;
	if ((ret = open_sched(s, mc, SR_ACCESS_PAGE, &src, e)))
		return ret;
	ret = sr_study_pattern(src, &p, e);
	src->close(src);
	if (ret)
		return ret;
	u->tokens = s->tokens;
	u->seq_pct = p.res.seq_pct;
	u->fwd_pct = p.res.fwd_pct;
	u->back_pct = p.res.back_pct;
	u->mean_req = p.res.mean_req;
	u->page = 4096;
	snprintf(u->level, sizeof(u->level), "fault");
	snprintf(u->cmd, sizeof(u->cmd), "ssdreplay synth --profile %s --tokens %" PRIu64 " --seed %" PRIu64
		 " --access page:4k -o S.csv && ssdreplay analyze S.csv --page 4k", mc->v->name, s->tokens, s->seed);
	u->ok = 1;
	mc->v->seq[0] = u->seq_pct;
	snprintf(mc->v->seq_runs[0], sizeof(mc->v->seq_runs[0]), "%s", u->id);
	snprintf(mc->v->seq_basis[0], sizeof(mc->v->seq_basis[0]), "schedule");
	commit_run(s, u);
	return 0;
}

/* ---- simulated runs ---- */

/* The simulated runs' queue depth (simulate's default), in the run and in
 * the command its row quotes. */
#define SIM_QD 32u

/* How a simulated run is made: its kind, compute per token, and the
 * page-cache cost it is charged (NULL: the O_DIRECT time of its reads). */
struct sim_how {
	const char *kind;
	double compute_ns;
	const struct sr_pccost *cost;
};

/* A simulated run; *idx: its index, -1 when it could not run (noted).
 * Returns 0, or -errno on a failure that ends the study. */
static int sim_as(struct sr_study_ctx *s, struct sr_study_mctx *mc, const char *hyp, const char *what, uint64_t mem,
		  uint64_t page, const struct sim_how *how, long *idx, struct sr_err *e)
{
	struct sr_study_run *u = new_run(s, mc->v, hyp, how->kind, what);
	const struct sr_policy_ops *ops;
	struct sr_policy_params pp;
	struct sr_sim_result res;
	struct sr_source *src = NULL;
	char spec[64];
	uint64_t ra = s->ra_kb > page / 1024 ? s->ra_kb : page / 1024;
	double bytes, ios;
	int ret;

	*idx = -1;
	if (!u)
		return 0;
	snprintf(spec, sizeof(spec), "pagecache:%" PRIu64, ra);
	if ((ret = sr_policy_parse(spec, &ops, &pp, e)) || (ret = open_sched(s, mc, SR_ACCESS_TENSOR, &src, e)))
		return ret < 0 ? ret : -EINVAL;
	if (!mc->max_folio) { /* once per model: its target's */
		char why[160];

		mc->max_folio = sr_dev_max_folio(mc->tgt.path, why, sizeof(why));
		sr_study_note(&s->x, "%s: the simulated runs read into page-cache folios of up to %" PRIu64 " KiB (%s)",
			      mc->v->name, mc->max_folio >> 10, why);
	}
	{
		struct sr_sim_cfg c = {
			.policy = ops, .pp = pp, .policy_spec = spec, .engine = sr_engine_find("io_uring"),
			.fd = mc->tgt.fd, .tgt_name = mc->tgt.path, .target_size = mc->tgt.size, .extent = mc->v->bytes,
			.lbs = mc->tgt.lbs, .mem = mem, .page = page, .max_req = page > (1u << 20) ? page : 1u << 20,
			.qd = SIM_QD, .compute_ns_per_token = (uint64_t)how->compute_ns, .passes = 1, .model = &mc->m,
			.seed = s->seed, .ra_kb = s->ra_kb, .stop = &sr_stop_requested,
			.max_folio = mc->max_folio, .stat_phase_ns = SR_STAT_PHASE_NS,
		};

		ret = sr_sim_run(&c, src, &res, e);
	}
	src->close(src);
	u->mem = mem;
	u->page = page;
	u->ram_share = (double)mem / (double)mc->v->bytes;
	snprintf(u->cmd, sizeof(u->cmd), "ssdreplay simulate --profile %s %.300s --tokens %" PRIu64 " --seed %" PRIu64
		 " --policy %s --mem %" PRIu64 " --page %" PRIu64 " --bs %" PRIu64 " --qd %u --max-folio %" PRIu64
		 " --compute-ms-per-token %.3f%s",
		 mc->v->name, mc->path, s->tokens, s->seed, spec, mem, page, page > (1u << 20) ? page : 1u << 20,
		 SIM_QD, mc->max_folio, how->compute_ns / 1e6, how->cost ? " --mmap-cost auto --mmap-threads 1" : "");
	if (ret || res.partial) {
		snprintf(u->note, sizeof(u->note), "%.250s", ret ? e->msg : "stopped");
		if (ret && e->bad_input)
			return ret;
		sr_err_clear(e);
		commit_run(s, u);
		return 0;
	}
	if (how->cost)
		sr_pccost_apply(how->cost, mem, mc->v->bytes, &res);
	bytes = (double)(res.demand_bytes + res.prefetch_bytes);
	ios = (double)(res.demand_ios + res.prefetch_ios);
	u->tokens = res.tokens;
	u->tps = sr_sim_tokens_per_s(&res);
	u->wall_s = (double)res.wall_ns / 1e9;
	u->compute_s = how->compute_ns / 1e9;
	u->bytes_read = bytes;
	u->amp = bytes / (mc->bytes_per_token * (double)(res.tokens ? res.tokens : 1));
	u->dev_Bps = res.wall_ns ? bytes * 1e9 / (double)res.wall_ns : 0;
	if (ios > 0) { /* the simulator counts requests, not their sizes: all at the mean */
		u->mean_req = bytes / ios;
		sr_mix_add_bytes(&u->mix, (uint64_t)u->mean_req, bytes);
	}
	/* the simulated reads follow the schedule: its fault-level gaps */
	u->seq_pct = mc->v->seq[0];
	snprintf(u->level, sizeof(u->level), "fault");
	u->ok = 1;
	*idx = commit_run(s, u);
	return 0;
}

static int run_sim(struct sr_study_ctx *s, struct sr_study_mctx *mc, const char *hyp, const char *what, uint64_t mem,
		   uint64_t page, long *idx, struct sr_err *e)
{
	const struct sim_how how = { .kind = "simulated", .compute_ns = mc->v->compute_ns };

	return sim_as(s, mc, hyp, what, mem, page, &how, idx, e);
}

/* P2: simulate's page-cache predictions of the real runs at 50% and ~0%,
 * made as scripts/llamacpp_validate.sh makes them for llama.cpp: the
 * RAM-resident run's time per token as the compute, the room the real run
 * had, and the page-cache cost measured on this device (real/pccost.c, one
 * thread as the child faults with one, kept in the state directory as
 * simulate --mmap-cost auto keeps it). None without the RAM-resident run. */
static int run_preds(struct sr_study_ctx *s, struct sr_study_mctx *mc, struct sr_err *e)
{
	const struct sr_study_run *ram = mc->v->r_ram >= 0 ? &s->x.runs[mc->v->r_ram] : NULL;
	long *idx[2] = { &mc->v->r_pr50, &mc->v->r_pr0 }, real[2] = { mc->v->r_50, mc->v->r_0 };
	struct sim_how how = { .kind = "predicted" };
	struct sr_pccost cost;
	char what[96];
	int k, ret;

	if (!ram || !ram->ok || !(ram->tps > 0) || (real[0] < 0 && real[1] < 0))
		return 0;
	how.compute_ns = 1e9 / ram->tps;
	if (sr_pccost_get(mc->path, mc->tgt.disk, 1, 0, &cost, e)) {
		/* a device, no room for a scratch file: no cost to charge, the run says why */
		struct sr_study_run *u = new_run(s, mc->v, "P2", how.kind, "page-cache cost");

		if (u) {
			snprintf(u->note, sizeof(u->note), "page-cache cost not measured: %.200s", e->msg);
			commit_run(s, u);
		}
		sr_err_clear(e);
		return 0;
	}
	how.cost = &cost;
	for (k = 0; k < 2 && !sr_stop_requested; k++) {
		const struct sr_study_run *r = real[k] >= 0 ? &s->x.runs[real[k]] : NULL;

		if (!r)
			continue;
		snprintf(what, sizeof(what), "prediction of %s (%.60s)", r->id, r->what);
		if (!r->ok) {
			/* the plan counted it: the run says why there is none */
			struct sr_study_run *u = new_run(s, mc->v, "P2", how.kind, what);

			if (u) {
				snprintf(u->note, sizeof(u->note), "not predicted: %s did not complete", r->id);
				commit_run(s, u);
			}
			continue;
		}
		if ((ret = sim_as(s, mc, "P2", what, r->mem, 4096, &how, idx[k], e)))
			return ret;
	}
	return 0;
}

/* ---- real page-cache runs ---- */

/* A real mmap run; *idx: its index (a run that failed is there, not ok),
 * -1 when it could not run (skipped, noted). Returns 0, or -errno on a failure (or a stop) that ends the study. */
static int run_real(struct sr_study_ctx *s, struct sr_study_mctx *mc, const char *hyp, const char *what, uint64_t limit,
		    int warm, int swappiness, uint64_t anon, int hugepage, int traced, long *idx, struct sr_err *e)
{
	struct sr_study_run *u;
	struct sr_smmap_result res;
	struct sr_source *src = NULL;
	char trace[4200];
	int ret;

	*idx = -1;
	if (limit && s->x.cg == 0)
		return 0;
	u = new_run(s, mc->v, hyp, warm ? "ram" : "real-mmap", what);
	if (!u)
		return 0;
	snprintf(trace, sizeof(trace), "%s/traces/%s.trace", s->dir, u->id);
	if ((ret = open_sched(s, mc, SR_ACCESS_TENSOR, &src, e)))
		return ret < 0 ? ret : -EINVAL;
	{
		struct sr_smmap_cfg c = { .path = mc->path, .size = mc->v->bytes, .limit = limit, .warm = warm,
					  .swappiness = swappiness, .anon = anon, .hugepage = hugepage,
					  .cgroot = s->cgroot, .disk = mc->tgt.disk, .trace = traced ? trace : NULL,
					  .stop = &sr_stop_requested };

		ret = sr_smmap_run(&c, src, &res, e);
	}
	src->close(src);
	if (ret && traced && !s->keep)
		unlink(trace); /* a failed or stopped run's partial capture */
	if (ret == -EOPNOTSUPP) {
		s->x.cg = 0;
		snprintf(s->x.cg_why, sizeof(s->x.cg_why), "%s", e->msg);
		sr_err_clear(e);
		return 0;
	}
	if (limit)
		s->x.cg = 1;
	u->mem = warm ? mc->v->bytes : limit;
	u->ram_share = warm ? 1.0 : (double)limit / (double)mc->v->bytes;
	u->anon = anon;
	u->swappiness = swappiness;
	u->page = 4096;
	snprintf(u->cmd, sizeof(u->cmd), "child mmap of %.300s (every byte of the schedule loaded), %s%s%s%s%s; "
		 "compare: ssdreplay simulate --profile %s %.300s --tokens %" PRIu64 " --real-mmap --mem %" PRIu64 "%s",
		 mc->path, warm ? "read fully first, no limit" : "memory cgroup limit = mem + anon + the child's own pages and page tables",
		 swappiness >= 0 ? ", memory.swappiness set" : "", anon ? ", anonymous working set dirtied per token" : "",
		 hugepage ? ", madvise(MADV_HUGEPAGE)" : "",
		 traced ? "; recorded as ssdreplay record --all --block --filemap would" : "", mc->v->name, mc->path,
		 s->tokens, warm ? mc->v->bytes : limit, traced ? "" : "");
	if (ret) {
		snprintf(u->note, sizeof(u->note), "%.250s", e->msg);
		if (e->bad_input)
			return ret;
		sr_err_clear(e);
		*idx = commit_run(s, u); /* failed (not ok): its prediction says so */
		return sr_stop_requested ? -EINTR : 0;
	}
	u->tokens = res.tokens;
	u->wall_s = (double)res.wall_ns / 1e9;
	u->tps = res.wall_ns ? (double)res.tokens * 1e9 / (double)res.wall_ns : 0;
	u->bytes_read = (double)res.read_bytes;
	u->resident_end = res.resident_bytes ? (double)res.resident_bytes : -1;
	u->majflt = (double)res.majflt;
	u->swap_in = (double)res.swap_in;
	u->swap_out = (double)res.swap_out;
	u->amp = res.bytes ? (double)res.read_bytes / (double)res.bytes : -1;
	u->dev_Bps = !warm && res.wall_ns && res.read_bytes ? (double)res.read_bytes * 1e9 / (double)res.wall_ns : -1;
	u->hugepage = res.hugepage;
	if (swappiness >= 0 && !res.swappiness_set)
		snprintf(u->note, sizeof(u->note), "memory.swappiness could not be set (cgroup %s)", res.cgroup);
	if (traced) {
		if (res.traced) {
			sr_study_trace_levels(&s->disk, mc->path, trace, res.pid, u);
			if (res.trace_lost)
				snprintf(u->note, sizeof(u->note), "%" PRIu64 " trace events lost", res.trace_lost);
		} else {
			snprintf(u->note, sizeof(u->note), "not recorded: %.200s", res.trace_note);
		}
		if (!s->keep)
			unlink(trace);
	}
	u->ok = 1;
	*idx = commit_run(s, u);
	return 0;
}

/* ---- the device curve ---- */

int sr_study_run_sweep(struct sr_study_ctx *s, struct sr_study_mctx *mc, struct sr_err *e)
{
	struct sr_study_run *u = new_run(s, NULL, "sweep", "sweep", "device curve: sequential reads, bs x qd");
	char out[4200], err[4200], size[32], *argv[24];
	unsigned minqd = UINT32_MAX;
	pid_t pid, parent;
	int ws, argc = 0;

	if (!u)
		return 0;
	snprintf(out, sizeof(out), "%s/sweep", s->dir);
	snprintf(err, sizeof(err), "%s/sweep/stderr.txt", s->dir);
	snprintf(size, sizeof(size), "%" PRIu64, mc->v->bytes);
	mkdir(out, 0755);
	argv[argc++] = s->exe;
	argv[argc++] = "sweep";
	argv[argc++] = mc->path;
	argv[argc++] = "--pattern";
	argv[argc++] = "seq";
	argv[argc++] = "--size";
	argv[argc++] = size;
	argv[argc++] = "--bs";
	argv[argc++] = (char *)s->sweep_bs;
	argv[argc++] = "--qd";
	argv[argc++] = (char *)s->sweep_qd;
	argv[argc++] = "--runtime";
	argv[argc++] = (char *)s->sweep_runtime;
	argv[argc++] = "--no-png";
	argv[argc++] = "-o";
	argv[argc++] = out;
	if (s->spec) {
		argv[argc++] = "--spec";
		argv[argc++] = (char *)s->spec;
	}
	argv[argc] = NULL;
	snprintf(u->cmd, sizeof(u->cmd), "ssdreplay sweep %.300s --pattern seq --size %s --bs %s --qd %s --runtime %s -o %.300s",
		 mc->path, size, s->sweep_bs, s->sweep_qd, s->sweep_runtime, out);
	parent = getpid();
	pid = fork();
	if (pid < 0)
		return sr_errf(e, -errno, "study: fork: %s", strerror(errno));
	if (!pid) {
		int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644), nul = open("/dev/null", O_WRONLY);

		prctl(PR_SET_PDEATHSIG, SIGTERM); /* stops (and cleans up) with the study */
		if (getppid() != parent)
			_exit(127);
		if (fd >= 0)
			dup2(fd, 2);
		if (nul >= 0)
			dup2(nul, 1);
		execv(s->exe, argv);
		_exit(127);
	}
	while (waitpid(pid, &ws, 0) < 0) {
		if (errno == ECHILD) { /* reaped elsewhere: its status is lost */
			ws = 127 << 8;
			break;
		}
		if (errno == EINTR && sr_stop_requested)
			kill(pid, SIGINT);
	}
	snprintf(out, sizeof(out), "%s/sweep/sweep.json", s->dir);
	if (!WIFEXITED(ws) || WEXITSTATUS(ws)) {
		snprintf(u->note, sizeof(u->note), "sweep exited %d (see sweep/stderr.txt)",
			 WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws));
		commit_run(s, u);
		return 0;
	}
	sr_study_sweep_curve(out, &s->x.curve, &s->x.sweep_best, &minqd);
	u->dev_Bps = s->x.sweep_best;
	u->ok = s->x.curve.n > 0;
	snprintf(u->note, sizeof(u->note), "best %.2f GB/s; the predictor uses the qd %u curve (%zu sizes)",
		 s->x.sweep_best / 1e9, minqd == UINT32_MAX ? 0 : minqd, s->x.curve.n);
	commit_run(s, u);
	return 0;
}


/* Bytes per token of the tensor-granularity schedule. */
int sr_study_schedule_bytes(struct sr_study_ctx *s, struct sr_study_mctx *mc, struct sr_err *e)
{
	struct sr_source *src;
	struct sr_rec rec[256];
	double b = 0;
	int n, k;

	if (open_sched(s, mc, SR_ACCESS_TENSOR, &src, e))
		return -EINVAL;
	while ((n = sr_source_next(src, rec, 256, e)) > 0)
		for (k = 0; k < n; k++)
			if (rec[k].op == SR_OP_READ)
				b += (double)rec[k].len;
	src->close(src);
	if (n < 0)
		return n;
	mc->bytes_per_token = b / (double)s->tokens;
	mc->v->compute_ns = mc->bytes_per_token * s->ns_per_byte;
	return 0;
}

/* Seconds the matrix should take at best sequential bandwidth bw. The
 * weights are what a --quick run measured here: the real page-cache runs
 * read ~7.6 passes of the schedule at ~20% of the best bandwidth (readahead
 * windows of read_ahead_kb, thrashing in the cgroup), the simulated ones
 * ~4.7 passes at ~60% per 5 runs; 13 runs compute; writing a model file
 * ~0.4 GB/s. The page-cache cost (real/pccost.c) is measured once per
 * device and kept, so it is left out. */
double sr_study_estimate(const struct sr_study_ctx *s, double bw, int with_writes)
{
	double t = 0, v;
	size_t i;

	for (i = 0; i < s->x.nm; i++) {
		const struct sr_study_mctx *mc = &s->mc[i];

		v = (double)s->tokens * mc->bytes_per_token;
		/* the 2 predicted runs are simulated runs too: 7 at 4.7 passes per 5 */
		t += 7.6 * v / (0.2 * bw) + 4.7 * 7 / 5 * v / (0.6 * bw) + 13.0 * (double)s->tokens * mc->v->compute_ns / 1e9;
		if (with_writes)
			t += (double)mc->v->bytes / 0.4e9;
	}
	return t;
}

/* Points in a comma-separated list. */
static double list_n(const char *l)
{
	double n = 1;

	for (; l && *l; l++)
		n += *l == ',';
	return n;
}

double sr_study_run_estimate(const struct sr_study_ctx *s, const struct sr_study_mctx *mc, const char *kind, int limited,
			     double bw)
{
	double v, compute;

	if (!strcmp(kind, "sweep")) /* each point its runtime, and a little to start */
		return list_n(s->sweep_bs) * list_n(s->sweep_qd) * (strtod(s->sweep_runtime, NULL) + 0.1);
	v = (double)s->tokens * mc->bytes_per_token;
	compute = (double)s->tokens * mc->v->compute_ns / 1e9;
	if (!strcmp(kind, "schedule"))
		return 0.05 * v / bw;
	if (!strcmp(kind, "ram"))
		return (double)mc->v->bytes / bw + compute;
	if (!strcmp(kind, "simulated") || !strcmp(kind, "predicted")) /* 4.7 passes at 60% per 5 simulated runs */
		return 4.7 * v / (0.6 * bw) / 5 + compute;
	if (limited) /* its 7.6 passes at 20% over the 6 runs in a memory cgroup */
		return 7.6 * v / (0.2 * bw) / 6 + compute;
	return v / bw + compute;
}

/* ---- the matrix ---- */

int sr_study_run_model(struct sr_study_ctx *s, struct sr_study_mctx *mc, struct sr_err *e)
{
	uint64_t half = mc->v->bytes / 2 / 4096 * 4096, low = mc->v->bytes / 50 / 4096 * 4096;
	uint64_t anon = mc->v->bytes / 4 / 4096 * 4096;
	static const int swp[3] = { 0, 60, 100 };
	char what[96];
	int k, ret;

/* stopped: what ran is the study; a failure ends it */
#define STEP(expr)                                          \
	do {                                                \
		if (sr_stop_requested)                      \
			return 0;                           \
		if ((ret = (expr)))                         \
			return sr_stop_requested ? 0 : ret; \
	} while (0)

	if (low < (16u << 20))
		low = 16u << 20;
	if (low > half / 2) /* tiny models */
		low = half / 2 / 4096 * 4096;
	if (anon > (1ull << 30))
		anon = 1ull << 30;
	if (run_faults(s, mc, e))
		return -EIO;
	STEP(run_real(s, mc, "H2", "RAM-resident (read fully first)", 0, 1, -1, 0, 0, 0, &mc->v->r_ram, e));
	STEP(run_real(s, mc, "H2", "50% of the model in RAM", half, 0, -1, 0, 0, 1, &mc->v->r_50, e));
	STEP(run_real(s, mc, "H2", "streamed (~0% in RAM)", low, 0, -1, 0, 0, 1, &mc->v->r_0, e));
	if (mc->v->r_0 < 0 && s->x.cg == 0)
		STEP(run_real(s, mc, "H1", "one cold pass, no cgroup (levels only)", 0, 0, -1, 0, 0, 1, &mc->v->r_cold, e));
	STEP(run_sim(s, mc, "H2", "100% of the model in RAM", mc->v->bytes, 4096, &mc->v->r_s100, e));
	STEP(run_sim(s, mc, "H2", "50% of the model in RAM, 4 KiB pages", half, 4096, &mc->v->r_s50, e));
	STEP(run_sim(s, mc, "H2", "streamed (~0% in RAM)", low, 4096, &mc->v->r_s0, e));
	STEP(run_sim(s, mc, "H5", "50% in RAM, 64 KiB pages", half, 64u << 10, &mc->v->r_p64, e));
	STEP(run_sim(s, mc, "H5", "50% in RAM, 2 MiB pages", half, 2u << 20, &mc->v->r_p2m, e));
	for (k = 0; k < 3; k++) {
		snprintf(what, sizeof(what), "swappiness %d, 50%% in RAM + %" PRIu64 " MiB anonymous", swp[k], anon >> 20);
		STEP(run_real(s, mc, "H3", what, half, 0, swp[k], anon, 0, 1, &mc->v->r_sw[k], e));
	}
	STEP(run_real(s, mc, "H5", "MADV_HUGEPAGE, 50% in RAM", half, 0, -1, 0, 1, 1, &mc->v->r_huge, e));
	STEP(run_preds(s, mc, e));
#undef STEP
	return 0;
}
