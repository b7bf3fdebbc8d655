/* ssdreplay study [--models A,B] [--target FILE|DEV] [--quick|--smoke] -o DIR:
 * the experiment matrix of issue 11 in one command. Per model: the page
 * granularity schedule (H1 at the page-fault level), real page-cache runs
 * through mmap in a memory cgroup (RAM-resident, 50%, streamed; swappiness
 * 0/60/100 beside an anonymous working set; MADV_HUGEPAGE), each recorded
 * through tracefs (H1 at the page-cache and block levels), simulated runs
 * with the pagecache policy (RAM shares, page sizes 4K/64K/2M), and once a
 * device curve (sweep). The measurement levels: study/study_levels.c; the
 * verdict rows and notes: study/study_rows.c (one hypothesis judged:
 * study_verdict.c; the predictor: study_fit.c); the report: study_report.c. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "devices/spec.h"
#include "devices/target.h"
#include "policy/policy.h"
#include "study/study.h"
#include "study/study_levels.h"
#include "study/study_mmap.h"
#include "study/study_report.h"
#include "study/study_rows.h"
#include "real/swapfile.h"
#include "base/units.h"
#include "synth/gguf.h"
#include "synth/model.h"
#include "synth/profile.h"
#include "synth/schedule.h"

#define CMD "study"
#define MAX_MODELS SR_STUDY_MAX_MODELS

enum {
	O_OUTPUT = 'o', O_MODELS = 256, O_TARGET, O_QUICK, O_SMOKE, O_TOKENS, O_SPEC, O_CGROOT, O_KEEP, O_SEED, O_SWAP,
};

static const struct sr_opt opts[] = {
	{ "output", O_OUTPUT, 1, "DIR", "", "report directory (created): summary.md, runs.csv, runs.json, plots, scratch model files" },
	{ "models", O_MODELS, 1, "A,B", "llama-2-7b-q4_k_m,gpt-oss-20b-mxfp4 (--quick: the -quick profiles)", "model profiles or GGUF files" },
	{ "target", O_TARGET, 1, "FILE|DEV", "DIR/MODEL.gguf", "read the models from here (read-only; a missing FILE is written with the largest model)" },
	{ "quick", O_QUICK, 0, "", "", "scaled-down models, 6 tokens, a short sweep: minutes, not hours" },
	{ "smoke", O_SMOKE, 0, "", "", "the --quick models with 2 tokens and a 4-point sweep (tests)" },
	{ "tokens", O_TOKENS, 1, "N", "16 (--quick 6, --smoke 2)", "decode tokens per run" },
	{ "spec", O_SPEC, 1, "PROFILE|FIGURES", "matched by model", "device spec for H4: a profiles/devices file or seq_read=7000MB/s,..." },
	{ "cgroup-root", O_CGROOT, 1, "DIR", "/sys/fs/cgroup", "where memory cgroups are made (a directory without them: real-mmap rows are skipped)" },
	{ "keep-traces", O_KEEP, 0, "", "", "keep the tracefs captures in DIR/traces (default: removed once analyzed)" },
	{ "seed", O_SEED, 1, "N", "1", "routing and model data seed" },
	{ "swap-file", O_SWAP, 1, "SIZE", "none", "for H3: make DIR/swapfile of SIZE, swapon it for the study (host-wide), swapoff and remove it at the end" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

struct mode {
	const char *name, *models, *bs, *qd, *runtime;
	uint64_t tokens;
};
static const struct mode modes[] = {
	{ "full", "llama-2-7b-q4_k_m,gpt-oss-20b-mxfp4", "4k,16k,64k,128k,256k,1m,4m", "1,4,16,32", "1", 16 },
	{ "quick", "llama-2-7b-quick,gpt-oss-20b-quick", "4k,16k,64k,256k,1m", "1,8,32", "0.3", 6 },
	{ "smoke", "llama-2-7b-quick,gpt-oss-20b-quick", "64k,1m", "1,8", "0.2", 2 },
};

struct args {
	const char *output, *models, *target, *spec, *cgroot;
	int quick, smoke, keep;
	uint64_t tokens, seed, swap;
};

static int parse_opt(void *ctx, int key, const char *arg, struct sr_err *e)
{
	struct args *a = ctx;

	switch (key) {
	case O_OUTPUT:
		if (!*arg)
			return sr_inputf(e, CMD ": -o: expected a directory, found ''");
		a->output = arg;
		return 0;
	case O_MODELS: a->models = arg; return 0;
	case O_TARGET: a->target = arg; return 0;
	case O_QUICK: a->quick = 1; return 0;
	case O_SMOKE: a->smoke = 1; return 0;
	case O_TOKENS: return sr_cli_uint(CMD, "tokens", arg, 1, 100000, &a->tokens, e);
	case O_SPEC: a->spec = arg; return 0;
	case O_CGROOT: a->cgroot = arg; return 0;
	case O_KEEP: a->keep = 1; return 0;
	case O_SEED: return sr_cli_uint(CMD, "seed", arg, 0, UINT64_MAX, &a->seed, e);
	case O_SWAP:
		if (sr_cli_size(CMD, "swap-file", arg, &a->swap, e))
			return -1;
		if (a->swap < (1u << 20))
			return sr_inputf(e, CMD ": --swap-file: expected at least 1M, found '%s'", arg);
		return 0;
	}
	return sr_inputf(e, CMD ": internal: unhandled option %d", key);
}

/* One model of the matrix: v holds its figures and runs (study/study_rows.h). */
struct mctx {
	struct sr_study_model *v;
	struct sr_model m;
	int loaded, opened;
	char path[4096];        /* what is read: its scratch GGUF or --target */
	struct sr_target tgt;   /* O_DIRECT, for the simulated runs */
	double bytes_per_token; /* schedule bytes per token (tensor granularity) */
};

struct study {
	struct args a;
	const struct mode *mode;
	char dir[4096], cmdline[2048], exe[4096];
	struct mctx mc[MAX_MODELS];
	struct sr_study_state x;
	double ns_per_byte;
	char device_desc[768], target_desc[1024];
	uint64_t ra_kb, t0;
	size_t planned, done;
	double expected_s;
	struct sr_study_disk disk; /* the target's */
	struct sr_swapfile swap;   /* --swap-file */
	double setup_s;         /* writing files and the sweep */
};

static double since(const struct study *s)
{
	return (double)(sr_now_ns() - s->t0) / 1e9;
}

static void progress(struct study *s, const struct sr_study_run *u)
{
	double el = since(s), left;

	s->done++;
	/* the up-front estimate first, then the pace of the runs so far */
	left = s->done >= 4 ? (el - s->setup_s) / (double)(s->done - 1) * (double)(s->planned - s->done) :
			      s->expected_s - el;
	fprintf(stderr, "ssdreplay: study [%zu/%zu] %s %s %s %s: ", s->done, s->planned, u->id, u->hyp, u->model, u->what);
	if (u->ok && u->tps > 0)
		fprintf(stderr, "%.3g tokens/s", u->tps);
	else if (u->ok && u->seq_pct >= 0)
		fprintf(stderr, "%.1f%% sequential", u->seq_pct);
	else
		fprintf(stderr, "%s", u->ok ? "done" : u->note);
	fprintf(stderr, " (%.0f s elapsed, ~%.0f s left)\n", el, left > 0 ? left : 0);
}

static long commit_run(struct study *s, struct sr_study_run *u)
{
	long i = sr_study_commit(&s->x, u);

	progress(s, u);
	return i;
}

/* ---- schedules and analysis ---- */

static int open_sched(const struct study *s, struct mctx *mc, enum sr_access_kind acc, struct sr_source **src,
		      struct sr_err *e)
{
	struct sr_synth_opts so;

	sr_synth_opts_default(&so);
	so.tokens = s->a.tokens;
	so.seed = s->a.seed;
	so.access = acc;
	so.page = 4096;
	return sr_synth_open(&mc->m, &so, src, e);
}

/* H1 at the page-fault level: the schedule at 4 KiB pages, what mmap faults on. */
static int run_faults(struct study *s, struct mctx *mc, struct sr_err *e)
{
	struct sr_study_run *u = sr_study_new_run(&s->x, mc->v, "H1", "schedule", "page faults: schedule at 4 KiB pages");
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
	u->tokens = s->a.tokens;
	u->seq_pct = p.res.seq_pct;
	u->fwd_pct = p.res.fwd_pct;
	u->back_pct = p.res.back_pct;
	u->mean_req = p.res.mean_req;
	u->page = 4096;
	snprintf(u->level, sizeof(u->level), "fault");
	snprintf(u->cmd, sizeof(u->cmd), "ssdreplay synth --profile %s --tokens %" PRIu64 " --seed %" PRIu64
		 " --access page:4k -o S.csv && ssdreplay analyze S.csv --page 4k", mc->v->name, s->a.tokens, s->a.seed);
	u->ok = 1;
	mc->v->seq[0] = u->seq_pct;
	snprintf(mc->v->seq_runs[0], sizeof(mc->v->seq_runs[0]), "%s", u->id);
	snprintf(mc->v->seq_basis[0], sizeof(mc->v->seq_basis[0]), "schedule");
	commit_run(s, u);
	return 0;
}

/* ---- simulated runs ---- */

static long run_sim(struct study *s, struct mctx *mc, const char *hyp, const char *what, uint64_t mem,
		    uint64_t page, struct sr_err *e)
{
	struct sr_study_run *u = sr_study_new_run(&s->x, mc->v, hyp, "simulated", what);
	const struct sr_policy_ops *ops;
	struct sr_policy_params pp;
	struct sr_sim_result res;
	struct sr_source *src = NULL;
	char spec[64];
	uint64_t ra = s->ra_kb > page / 1024 ? s->ra_kb : page / 1024;
	double bytes, ios;
	int ret;

	if (!u)
		return -1;
	snprintf(spec, sizeof(spec), "pagecache:%" PRIu64, ra);
	if (sr_policy_parse(spec, &ops, &pp, e) || open_sched(s, mc, SR_ACCESS_TENSOR, &src, e))
		return -2;
	{
		struct sr_sim_cfg c = {
			.policy = ops, .pp = pp, .policy_spec = spec, .engine = sr_engine_find("io_uring"),
			.fd = mc->tgt.fd, .tgt_name = mc->tgt.path, .target_size = mc->tgt.size, .extent = mc->v->bytes,
			.lbs = mc->tgt.lbs, .mem = mem, .page = page, .max_req = page > (1u << 20) ? page : 1u << 20,
			.qd = 32, .compute_ns_per_token = (uint64_t)mc->v->compute_ns, .passes = 1, .model = &mc->m,
			.seed = s->a.seed, .ra_kb = s->ra_kb, .stop = &sr_cli_stop,
		};

		ret = sr_sim_run(&c, src, &res, e);
	}
	src->close(src);
	u->mem = mem;
	u->page = page;
	u->ram_share = (double)mem / (double)mc->v->bytes;
	snprintf(u->cmd, sizeof(u->cmd), "ssdreplay simulate --profile %s %.300s --tokens %" PRIu64 " --seed %" PRIu64
		 " --policy %s --mem %" PRIu64 " --page %" PRIu64 " --bs %" PRIu64 " --qd 32 --compute-ms-per-token %.3f",
		 mc->v->name, mc->path, s->a.tokens, s->a.seed, spec, mem, page, page > (1u << 20) ? page : 1u << 20,
		 mc->v->compute_ns / 1e6);
	if (ret || res.partial) {
		snprintf(u->note, sizeof(u->note), "%.250s", ret ? e->msg : "stopped");
		if (ret && e->bad_input)
			return -2;
		sr_err_clear(e);
		commit_run(s, u);
		return -1;
	}
	bytes = (double)(res.demand_bytes + res.prefetch_bytes);
	ios = (double)(res.demand_ios + res.prefetch_ios);
	u->tokens = res.tokens;
	u->tps = sr_sim_tokens_per_s(&res);
	u->wall_s = (double)res.wall_ns / 1e9;
	u->compute_s = mc->v->compute_ns / 1e9;
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
	return commit_run(s, u);
}

/* ---- real page-cache runs ---- */

/* Returns the run index, -1 when it could not run (skipped, noted), -2 on
 * a failure that ends the study. */
static long run_real(struct study *s, struct mctx *mc, const char *hyp, const char *what, uint64_t limit, int warm,
		     int swappiness, uint64_t anon, int hugepage, int traced, struct sr_err *e)
{
	struct sr_study_run *u;
	struct sr_smmap_result res;
	struct sr_source *src = NULL;
	char trace[4200];
	int ret;

	if (limit && s->x.cg == 0)
		return -1;
	u = sr_study_new_run(&s->x, mc->v, hyp, warm ? "ram" : "real-mmap", what);
	if (!u)
		return -1;
	snprintf(trace, sizeof(trace), "%s/traces/%s.trace", s->dir, u->id);
	if (open_sched(s, mc, SR_ACCESS_TENSOR, &src, e))
		return -2;
	{
		struct sr_smmap_cfg c = { .path = mc->path, .size = mc->v->bytes, .limit = limit, .warm = warm,
					  .swappiness = swappiness, .anon = anon, .hugepage = hugepage,
					  .cgroot = s->a.cgroot, .disk = mc->tgt.disk, .trace = traced ? trace : NULL,
					  .stop = &sr_cli_stop };

		ret = sr_smmap_run(&c, src, &res, e);
	}
	src->close(src);
	if (ret && traced && !s->a.keep)
		unlink(trace); /* a failed or stopped run's partial capture */
	if (ret == -EOPNOTSUPP) {
		s->x.cg = 0;
		snprintf(s->x.cg_why, sizeof(s->x.cg_why), "%s", e->msg);
		sr_err_clear(e);
		return -1;
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
		 mc->path, warm ? "read fully first, no limit" : "memory cgroup limit = mem + anon + 8 MiB",
		 swappiness >= 0 ? ", memory.swappiness set" : "", anon ? ", anonymous working set dirtied per token" : "",
		 hugepage ? ", madvise(MADV_HUGEPAGE)" : "",
		 traced ? "; recorded as ssdreplay record --all --block --filemap would" : "", mc->v->name, mc->path,
		 s->a.tokens, warm ? mc->v->bytes : limit, traced ? "" : "");
	if (ret) {
		snprintf(u->note, sizeof(u->note), "%.250s", e->msg);
		if (e->bad_input)
			return -2;
		sr_err_clear(e);
		commit_run(s, u);
		return sr_cli_stop ? -2 : -1;
	}
	u->tokens = res.tokens;
	u->wall_s = (double)res.wall_ns / 1e9;
	u->tps = res.wall_ns ? (double)res.tokens * 1e9 / (double)res.wall_ns : 0;
	u->bytes_read = (double)res.read_bytes;
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
		if (!s->a.keep)
			unlink(trace);
	}
	u->ok = 1;
	return commit_run(s, u);
}

/* ---- the device curve ---- */

static int run_sweep(struct study *s, struct mctx *mc, struct sr_err *e)
{
	struct sr_study_run *u = sr_study_new_run(&s->x, NULL, "sweep", "sweep", "device curve: sequential reads, bs x qd");
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
	argv[argc++] = (char *)s->mode->bs;
	argv[argc++] = "--qd";
	argv[argc++] = (char *)s->mode->qd;
	argv[argc++] = "--runtime";
	argv[argc++] = (char *)s->mode->runtime;
	argv[argc++] = "--no-png";
	argv[argc++] = "-o";
	argv[argc++] = out;
	if (s->a.spec) {
		argv[argc++] = "--spec";
		argv[argc++] = (char *)s->a.spec;
	}
	argv[argc] = NULL;
	snprintf(u->cmd, sizeof(u->cmd), "ssdreplay sweep %.300s --pattern seq --size %s --bs %s --qd %s --runtime %s -o %.300s",
		 mc->path, size, s->mode->bs, s->mode->qd, s->mode->runtime, out);
	parent = getpid();
	pid = fork();
	if (pid < 0)
		return sr_errf(e, -errno, CMD ": fork: %s", strerror(errno));
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
		if (errno == EINTR && sr_cli_stop)
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

/* ---- set-up ---- */

static int fully_written(const char *path, uint64_t size)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && (uint64_t)st.st_size >= size &&
	       (uint64_t)st.st_blocks * 512 >= (uint64_t)st.st_size;
}

static int write_model(struct study *s, const struct sr_model *m, const char *path, struct sr_err *e)
{
	int fd;

	fprintf(stderr, "ssdreplay: study: writing %s (%.0f MiB of random data)\n", path, (double)m->file_size / 1048576.0);
	if (sr_gguf_write(path, m, SR_FILL_RANDOM, s->a.seed, e))
		return -EIO;
	fd = open(path, O_RDONLY);
	if (fd < 0 || fsync(fd)) /* clean pages only: DONTNEED can then drop them all */
		return sr_errf(e, -errno, "%s: %s", path, strerror(errno));
	close(fd);
	return 0;
}

static int load_models(struct study *s, struct sr_err *e)
{
	char buf[1024], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s->a.models ? s->a.models : s->mode->models);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct mctx *mc = &s->mc[s->x.nm];

		if (s->x.nm == MAX_MODELS)
			return sr_inputf(e, CMD ": --models: at most %d models", MAX_MODELS);
		memset(mc, 0, sizeof(*mc));
		mc->v = &s->x.mod[s->x.nm];
		mc->tgt.fd = -1;
		if (sr_model_load(tok, &mc->m, e))
			return -EINVAL;
		mc->loaded = 1;
		snprintf(mc->v->name, sizeof(mc->v->name), "%s", mc->m.name);
		mc->v->moe = mc->m.hp.n_expert > 0;
		mc->v->bytes = mc->m.file_size;
		s->x.nm++;
	}
	if (!s->x.nm)
		return sr_inputf(e, CMD ": --models: expected a comma-separated list of profiles or GGUF files");
	return 0;
}

/* An existing --target, checked before anything is written or printed:
 * fully written, and as large as every model (each is read from offset 0). */
static int check_target(struct study *s, struct sr_err *e)
{
	struct sr_target t;
	struct stat st;
	size_t i;
	int ret = 0;

	if (!s->a.target || stat(s->a.target, &st))
		return 0; /* none given, or one to write */
	if (S_ISREG(st.st_mode) && !fully_written(s->a.target, (uint64_t)st.st_size))
		return sr_inputf(e, CMD ": --target %s: a sparse file (bandwidth from holes means nothing): write it fully first",
				 s->a.target);
	if (sr_target_open(s->a.target, SR_TGT_DIRECT, &t, e))
		return -EINVAL;
	for (i = 0; i < s->x.nm && !ret; i++)
		if (t.size < s->mc[i].v->bytes)
			ret = sr_inputf(e, "%s: %" PRIu64 " bytes, smaller than %s (%" PRIu64 " bytes)", s->a.target, t.size,
					s->mc[i].v->name, s->mc[i].v->bytes);
	sr_target_close(&t);
	return ret;
}

static int prepare_targets(struct study *s, struct sr_err *e)
{
	size_t i, big = 0;

	for (i = 1; i < s->x.nm; i++)
		if (s->mc[i].v->bytes > s->mc[big].v->bytes)
			big = i;
	for (i = 0; i < s->x.nm; i++) {
		struct mctx *mc = &s->mc[i];

		if (sr_cli_stop)
			return 0;
		if (s->a.target) {
			struct stat st;

			snprintf(mc->path, sizeof(mc->path), "%s", s->a.target);
			/* an existing one passed check_target */
			if (stat(s->a.target, &st) && errno == ENOENT && i == 0 &&
			    write_model(s, &s->mc[big].m, s->a.target, e))
				return -EIO;
		} else {
			snprintf(mc->path, sizeof(mc->path), "%.4000s/%.60s.gguf", s->dir, mc->v->name);
			if (!fully_written(mc->path, mc->v->bytes) && write_model(s, &mc->m, mc->path, e))
				return -EIO;
		}
		if (sr_target_open(mc->path, SR_TGT_DIRECT, &mc->tgt, e))
			return -EINVAL;
		mc->opened = 1;
		if (mc->tgt.size < mc->v->bytes)
			return sr_inputf(e, "%s: %" PRIu64 " bytes, smaller than %s (%" PRIu64 " bytes)", mc->path,
					 mc->tgt.size, mc->v->name, mc->v->bytes);
	}
	return 0;
}

/* Bytes per token of the tensor-granularity schedule. */
static int schedule_bytes(struct study *s, struct mctx *mc, struct sr_err *e)
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
	mc->bytes_per_token = b / (double)s->a.tokens;
	mc->v->compute_ns = mc->bytes_per_token * s->ns_per_byte;
	return 0;
}

/* Seconds the matrix should take at best sequential bandwidth bw. The
 * weights are what a --quick run measured here: the real page-cache runs
 * read ~7.6 passes of the schedule at ~20% of the best bandwidth (readahead
 * windows of read_ahead_kb, thrashing in the cgroup), the simulated ones
 * ~4.7 passes at ~60%; 11 runs compute; writing a model file ~0.4 GB/s. */
static double estimate(const struct study *s, double bw, int with_writes)
{
	double t = 0, v;
	size_t i;

	for (i = 0; i < s->x.nm; i++) {
		const struct mctx *mc = &s->mc[i];

		v = (double)s->a.tokens * mc->bytes_per_token;
		t += 7.6 * v / (0.2 * bw) + 4.7 * v / (0.6 * bw) + 11.0 * (double)s->a.tokens * mc->v->compute_ns / 1e9;
		if (with_writes && !s->a.target)
			t += (double)mc->v->bytes / 0.4e9;
	}
	return t;
}

/* ---- the matrix ---- */

static int run_model(struct study *s, struct mctx *mc, struct sr_err *e)
{
	uint64_t half = mc->v->bytes / 2 / 4096 * 4096, low = mc->v->bytes / 50 / 4096 * 4096;
	uint64_t anon = mc->v->bytes / 4 / 4096 * 4096;
	static const int swp[3] = { 0, 60, 100 };
	char what[96];
	int k;

#define STEP(expr)                                  \
	do {                                        \
		if (sr_cli_stop)                    \
			return 0;                   \
		if ((expr) == -2)                   \
			return sr_cli_stop ? 0 : -EIO; \
	} while (0)

	if (low < (16u << 20))
		low = 16u << 20;
	if (low > half / 2) /* tiny models */
		low = half / 2 / 4096 * 4096;
	if (anon > (1ull << 30))
		anon = 1ull << 30;
	if (run_faults(s, mc, e))
		return -EIO;
	STEP(mc->v->r_ram = run_real(s, mc, "H2", "RAM-resident (read fully first)", 0, 1, -1, 0, 0, 0, e));
	STEP(mc->v->r_50 = run_real(s, mc, "H2", "50% of the model in RAM", half, 0, -1, 0, 0, 1, e));
	STEP(mc->v->r_0 = run_real(s, mc, "H2", "streamed (~0% in RAM)", low, 0, -1, 0, 0, 1, e));
	if (mc->v->r_0 < 0 && s->x.cg == 0)
		STEP(mc->v->r_cold = run_real(s, mc, "H1", "one cold pass, no cgroup (levels only)", 0, 0, -1, 0, 0, 1, e));
	STEP(mc->v->r_s100 = run_sim(s, mc, "H2", "100% of the model in RAM", mc->v->bytes, 4096, e));
	STEP(mc->v->r_s50 = run_sim(s, mc, "H2", "50% of the model in RAM, 4 KiB pages", half, 4096, e));
	STEP(mc->v->r_s0 = run_sim(s, mc, "H2", "streamed (~0% in RAM)", low, 4096, e));
	STEP(mc->v->r_p64 = run_sim(s, mc, "H5", "50% in RAM, 64 KiB pages", half, 64u << 10, e));
	STEP(mc->v->r_p2m = run_sim(s, mc, "H5", "50% in RAM, 2 MiB pages", half, 2u << 20, e));
	for (k = 0; k < 3; k++) {
		snprintf(what, sizeof(what), "swappiness %d, 50%% in RAM + %" PRIu64 " MiB anonymous", swp[k], anon >> 20);
		STEP(mc->v->r_sw[k] = run_real(s, mc, "H3", what, half, 0, swp[k], anon, 0, 1, e));
	}
	STEP(mc->v->r_huge = run_real(s, mc, "H5", "MADV_HUGEPAGE, 50% in RAM", half, 0, -1, 0, 1, 1, e));
#undef STEP
	return 0;
}

static void describe(struct study *s)
{
	const struct sr_devspec *d = &s->x.ds;

	snprintf(s->device_desc, sizeof(s->device_desc), "%s%s%.128s%s; %s%.256s", d->disk[0] ? d->disk : "unknown disk",
		 d->model[0] ? " (" : "", d->model, d->model[0] ? ")" : "",
		 d->seq_read_Bps > 0 ? "spec from " : "no spec known (give --spec seq_read=...MB/s)",
		 d->seq_read_Bps > 0 ? (d->profile[0] ? d->profile : d->source) : "");
	if (d->note[0]) {
		size_t l = strlen(s->device_desc);

		snprintf(s->device_desc + l, sizeof(s->device_desc) - l, "; %s", d->note);
	}
	if (s->a.target)
		snprintf(s->target_desc, sizeof(s->target_desc), "%s (given; read-only, every model from offset 0), page cache "
			 "dropped before each run", s->a.target);
	else
		snprintf(s->target_desc, sizeof(s->target_desc), "scratch files %.300s/MODEL.gguf written like synth "
			 "--write-gguf (random data, no holes, fsynced), page cache dropped before each run", s->dir);
}

static int write_report(struct study *s, int stopped, struct sr_err *e)
{
	const char *notes[32];
	struct sr_study_report rep = { 0 };
	size_t i, l;

	for (i = 0; i < s->x.nnotes; i++)
		notes[i] = s->x.notes[i];
	rep = (struct sr_study_report){
		.dir = s->dir, .cmdline = s->cmdline, .target_desc = s->target_desc, .device_desc = s->device_desc,
		.mode = s->mode->name, .mem_Bps = s->x.mem_Bps, .sweep_best_Bps = s->x.sweep_best,
		.spec_Bps = s->x.ds.seq_read_Bps, .link_Bps = s->x.ds.link_Bps, .cal_Bps = s->x.ds.cal_seq_read_Bps,
		.elapsed_s = since(s), .expected_s = s->expected_s, .stopped = stopped, .notes = notes,
		.nnotes = s->x.nnotes, .runs = s->x.runs, .nruns = s->x.nruns, .rows = s->x.rows, .nrows = s->x.nrows,
		.pred = s->x.pred_fit, .nmodels = s->x.nm,
	};
	for (i = 0; i < s->x.nm && i < 8; i++) {
		rep.models[i] = s->mc[i].v->name;
		for (l = 0; l < 3; l++)
			rep.seq[i][l] = s->mc[i].v->seq[l];
	}
	return sr_study_write(&rep, e);
}


/* The flags, the models and the target, before anything is made. */
static int check_args(struct study *s, int argc, char **argv, int pos, struct sr_err *e)
{
	struct sr_devspec dummy;
	struct stat st;

	if (pos < argc) {
		sr_inputf(e, CMD ": unexpected argument '%s'", argv[pos]);
		return -1;
	}
	if (!s->a.output) {
		sr_inputf(e, CMD ": expected -o DIR (see ssdreplay study --help)");
		return -1;
	}
	if (s->a.quick && s->a.smoke) {
		sr_inputf(e, CMD ": --quick or --smoke, not both");
		return -1;
	}
	s->mode = &modes[s->a.smoke ? 2 : s->a.quick ? 1 : 0];
	if (!s->a.tokens)
		s->a.tokens = s->mode->tokens;
	if (s->a.spec && sr_devspec_for_path("/", s->a.spec, "/sys", &dummy, e))
		return -1;
	if (s->a.target && stat(s->a.target, &st) && errno != ENOENT) {
		sr_inputf(e, CMD ": --target %s: %s", s->a.target, strerror(errno));
		return -1;
	}
	if (load_models(s, e))
		return -1;
	if (check_target(s, e))
		return -1;
	return 0;
}

/* -o DIR (made unless it exists), this binary (the sweep runs it) and the
 * command line the report quotes. */
static int make_dir(struct study *s, int argc, char **argv, int *made_dir, struct sr_err *e)
{
	struct stat st;
	size_t i;
	ssize_t n;

	snprintf(s->dir, sizeof(s->dir), "%s", s->a.output);
	*made_dir = !mkdir(s->dir, 0755);
	if (!*made_dir && errno != EEXIST) {
		sr_errf(e, -errno, "%s: %s", s->dir, strerror(errno));
		return -1;
	}
	if (stat(s->dir, &st) || !S_ISDIR(st.st_mode)) {
		sr_inputf(e, CMD ": -o %s: not a directory", s->dir);
		return -1;
	}
	n = readlink("/proc/self/exe", s->exe, sizeof(s->exe) - 1);
	if (n <= 0) {
		sr_errf(e, -errno, "/proc/self/exe: %s", strerror(errno));
		return -1;
	}
	s->exe[n] = 0;
	snprintf(s->cmdline, sizeof(s->cmdline), "ssdreplay");
	for (i = 0; i < (size_t)argc; i++) {
		size_t l = strlen(s->cmdline);

		snprintf(s->cmdline + l, sizeof(s->cmdline) - l, " %s", argv[i]);
	}
	return 0;
}

/* --swap-file: H3's swap area, on for the study; 1 when stopped while making it. */
static int swap_on(struct study *s, struct sr_err *e)
{
	char t[4200];

	snprintf(t, sizeof(t), "%s/swapfile", s->dir);
	if (sr_swapfile_on(&s->swap, t, s->a.swap, e)) {
		if (sr_cli_stop) {
			sr_err_clear(e);
			return 1;
		}
		return -1;
	}
	fprintf(stderr, "ssdreplay: study: swap on %s (%" PRIu64 " MiB) for the run; swapoff %s if this process is killed\n",
		t, s->a.swap >> 20, t);
	sr_study_note(&s->x, "H3's swap area: %s, %" PRIu64 " MiB, made by --swap-file, on for the study and removed after "
		      "(host-wide while on)", t, s->a.swap >> 20);
	return 0;
}

int cmd_study(int argc, char **argv)
{
	struct study *s;
	struct sr_err e = { 0 };
	int pos, ret, status = SR_EXIT_OK, stopped = 0, made_dir;
	size_t i;

	s = calloc(1, sizeof(*s));
	if (!s) {
		fprintf(stderr, "ssdreplay: out of memory\n");
		return SR_EXIT_FAIL;
	}
	s->a.seed = 1;
	s->a.cgroot = "/sys/fs/cgroup";
	s->x.cg = -1;
	ret = sr_opts_parse(CMD, opts, argc, argv, parse_opt, &s->a, "-o DIR [--models A,B] [--target FILE|DEV] [--quick|--smoke]",
			    &pos, &e);
	if (ret == 1)
		goto out;
	if (ret)
		goto fail;
	if (check_args(s, argc, argv, pos, &e))
		goto fail;
	if (make_dir(s, argc, argv, &made_dir, &e))
		goto fail;
	sr_cli_install_signals();
	s->t0 = sr_now_ns();
	s->x.mem_Bps = sr_smmap_mem_Bps(64u << 20);
	s->ns_per_byte = s->x.mem_Bps > 0 ? 1e9 / s->x.mem_Bps : 0;
	for (i = 0; i < s->x.nm; i++) {
		struct mctx *mc = &s->mc[i];

		sr_study_model_init(mc->v);
		if (schedule_bytes(s, mc, &e))
			goto fail;
	}
	s->planned = 1 + 13 * s->x.nm;
	s->expected_s = estimate(s, s->x.ds.cal_seq_read_Bps > 0 ? s->x.ds.cal_seq_read_Bps : 1e9, 1) + 10;
	fprintf(stderr, "ssdreplay: study (%s): %zu models, %" PRIu64 " tokens per run, %zu runs; expected duration "
		"~%.0f s (%.1f min) at an assumed 1 GB/s, refined after the device sweep, then by the pace of the runs\n",
		s->mode->name, s->x.nm, s->a.tokens, s->planned, s->expected_s, s->expected_s / 60);
	if (prepare_targets(s, &e)) {
		if (sr_cli_stop) { /* stopped while writing a model: a report of no runs, exit 130 */
			sr_err_clear(&e);
			goto finish;
		}
		if (made_dir && e.bad_input)
			rmdir(s->dir); /* bad input: leave nothing (it is empty unless a model was written) */
		goto fail;
	}
	{
		char t[4200];

		snprintf(t, sizeof(t), "%s/traces", s->dir);
		mkdir(t, 0755);
	}
	if (s->a.swap) {
		ret = swap_on(s, &e);
		if (ret > 0)
			goto finish;
		if (ret)
			goto fail;
	}
	s->x.have_swap = sr_smmap_have_swap();
	if (sr_cli_stop)
		goto finish;
	sr_study_disk_of(s->mc[0].path, &s->disk);
	s->ra_kb = sr_study_read_ahead_kb(s->mc[0].tgt.disk);
	if (sr_devspec_for_path(s->mc[0].path, s->a.spec, "/sys", &s->x.ds, &e))
		goto fail;
	describe(s);
	if (!sr_cli_stop && run_sweep(s, &s->mc[0], &e))
		goto fail;
	s->setup_s = since(s);
	if (s->x.sweep_best > 0) {
		s->expected_s = since(s) + estimate(s, s->x.sweep_best, 0);
		fprintf(stderr, "ssdreplay: study: device best %.2f GB/s; expected total ~%.0f s (%.1f min)\n",
			s->x.sweep_best / 1e9, s->expected_s, s->expected_s / 60);
	}
	for (i = 0; i < s->x.nm && !sr_cli_stop; i++)
		if (run_model(s, &s->mc[i], &e)) {
			status = sr_cli_fail(&e);
			stopped = 1;
			break;
		}
finish:
	if (sr_cli_stop) {
		stopped = 1;
		status = SR_EXIT_SIGNAL;
	}
	sr_study_final_notes(&s->x, s->mode->name);
	sr_study_verdicts(&s->x);
	sr_err_clear(&e);
	if (write_report(s, stopped, &e)) {
		status = sr_cli_fail(&e);
		goto out;
	}
	if (!s->a.keep) {
		char t[4200];

		snprintf(t, sizeof(t), "%s/traces", s->dir);
		rmdir(t); /* empty once each capture is analyzed */
	}
	fprintf(stderr, "ssdreplay: study: %s/summary.md (%zu runs, %zu verdicts) in %.0f s%s\n", s->dir, s->x.nruns,
		s->x.nrows, since(s), status == SR_EXIT_SIGNAL ? "; stopped by a signal: partial" : "");
	goto out;
fail:
	status = sr_cli_fail(&e);
out:
	if (s->swap.path[0] && (ret = sr_swapfile_off(&s->swap)))
		fprintf(stderr, "ssdreplay: study: swapoff %s: %s (still on: swapoff it by hand)\n", s->swap.path, strerror(-ret));
	for (i = 0; i < s->x.nm; i++) {
		sr_target_close(&s->mc[i].tgt);
		if (s->mc[i].loaded)
			sr_model_free(&s->mc[i].m);
	}
	free(s);
	return status;
}
