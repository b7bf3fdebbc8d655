/* ssdreplay study [--models A,B] [--target FILE|DEV] [--quick|--smoke] -o DIR:
 * the experiment matrix of issue 11 in one command. Per model: the page
 * granularity schedule (H1 at the page-fault level), real page-cache runs
 * through mmap in a memory cgroup (RAM-resident, 50%, streamed; swappiness
 * 0/60/100 beside an anonymous working set; MADV_HUGEPAGE), each recorded
 * through tracefs (H1 at the page-cache and block levels), simulated runs
 * with the pagecache policy (RAM shares, page sizes 4K/64K/2M), and once a
 * device curve (sweep). The runs: study/study_run.c (this file parses,
 * sets up and prints); the measurement levels: study/study_levels.c; the
 * verdict rows and notes: study/study_rows.c (one hypothesis judged:
 * study_verdict.c; the predictor: study_fit.c); the report: study_report.c. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/stages.h"
#include "devices/spec.h"
#include "devices/target.h"
#include "policy/policy.h"
#include "study/study.h"
#include "study/study_levels.h"
#include "study/study_mmap.h"
#include "study/study_report.h"
#include "study/study_rows.h"
#include "study/study_run.h"
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
	O_PROGRESS, O_VERBOSE,
};

struct args {
	const char *output, *models, *target, *spec, *cgroot;
	int quick, smoke, keep, progress, verbose;
	uint64_t tokens, seed, swap;
};

/* Typed rows: their def is the default stored before argv is read (seed,
 * cgroup-root); DEFDOC rows only describe theirs (the mode's, or none). */
#define A struct args
static const struct sr_opt opts[] = {
	{ "output", O_OUTPUT, 1, "DIR", "", "report directory (created): summary.md, runs.csv, runs.json, plots, scratch model files" },
	{ SR_OPT_STR("models", O_MODELS, "A,B", "llama-2-7b-q4_k_m,gpt-oss-20b-mxfp4 (--quick: the -quick profiles)", "model profiles or GGUF files", A, models),
	  .flags = SR_OPTF_DEFDOC },
	{ SR_OPT_STR("target", O_TARGET, "FILE|DEV", "DIR/MODEL.gguf", "read the models from here (read-only; a missing FILE is written with the largest model)", A, target),
	  .flags = SR_OPTF_DEFDOC },
	{ SR_OPT_FLAG("quick", O_QUICK, "scaled-down models, 6 tokens, a short sweep: minutes, not hours", A, quick) },
	{ SR_OPT_FLAG("smoke", O_SMOKE, "the --quick models with 2 tokens and a 4-point sweep (tests)", A, smoke) },
	{ SR_OPT_UINT("tokens", O_TOKENS, "N", "16 (--quick 6, --smoke 2)", "decode tokens per run", A, tokens, 1, 100000),
	  .flags = SR_OPTF_DEFDOC },
	{ SR_OPT_STR("spec", O_SPEC, "PROFILE|FIGURES", "matched by model", "device spec for H4: a profiles/devices file or seq_read=7000MB/s,...", A, spec),
	  .flags = SR_OPTF_DEFDOC },
	{ SR_OPT_STR("cgroup-root", O_CGROOT, "DIR", "/sys/fs/cgroup", "where memory cgroups are made (a directory without them: real-mmap rows are skipped)", A, cgroot) },
	{ SR_OPT_FLAG("keep-traces", O_KEEP, "keep the tracefs captures in DIR/traces (default: removed once analyzed)", A, keep) },
	{ SR_OPT_UINT("seed", O_SEED, "N", "1", "routing and model data seed", A, seed, 0, UINT64_MAX) },
	{ SR_OPT_FLAG("progress", O_PROGRESS, "one line with % and ETA over the whole matrix (runs weighted by their expected time) and the run going on, every second from the start, instead of a line per run (default when stderr is a tty: once the study passes 2 s)", A, progress) },
	{ SR_OPT_FLAG("verbose", O_VERBOSE, "with the progress line, a line per run too (runs that failed or carry a note always get one)", A, verbose) },
	{ "swap-file", O_SWAP, 1, "SIZE", "none", "for H3: make DIR/swapfile of SIZE, swapon it for the study (host-wide), swapoff and remove it at the end" },
	SR_OPT_END,
};
#undef A

struct mode {
	const char *name, *models, *bs, *qd, *runtime;
	uint64_t tokens;
};
static const struct mode modes[] = {
	{ "full", "llama-2-7b-q4_k_m,gpt-oss-20b-mxfp4", "4k,16k,64k,128k,256k,1m,4m", "1,4,16,32", "1", 16 },
	{ "quick", "llama-2-7b-quick,gpt-oss-20b-quick", "4k,16k,64k,256k,1m", "1,8,32", "0.3", 6 },
	{ "smoke", "llama-2-7b-quick,gpt-oss-20b-quick", "64k,1m", "1,8", "0.2", 2 },
};

/* The rows without a type: a non-empty -o, a swap file of at least 1M. */
static int parse_opt(void *ctx, int key, const char *arg, struct sr_err *e)
{
	struct args *a = ctx;

	switch (key) {
	case O_OUTPUT:
		if (!*arg)
			return sr_inputf(e, CMD ": -o: expected a directory, found ''");
		a->output = arg;
		return 0;
	case O_SWAP:
		if (sr_cli_size(CMD, "swap-file", arg, &a->swap, e))
			return -1;
		if (a->swap < (1u << 20))
			return sr_inputf(e, CMD ": --swap-file: expected at least 1M, found '%s'", arg);
		return 0;
	}
	return sr_inputf(e, CMD ": internal: unhandled option %d", key);
}

struct study {
	struct args a;
	const struct mode *mode;
	struct sr_study_ctx c;  /* the runs' shared state (study/study_run.h) */
	char cmdline[2048];
	char device_desc[768], target_desc[1024];
	uint64_t t0;
	size_t planned, done;
	double expected_s;
	struct sr_swapfile swap;   /* --swap-file */
	double setup_s;         /* writing files and the sweep */
	struct sr_cli_stages pg;   /* the progress line (a terminal or --progress) */
	int nocg_planned;       /* the plan has the runs without memory cgroups */
};

/* The progress line's weights are expected seconds at an assumed 1 GB/s
 * (the line's pace corrects them), as the up-front estimate. */
#define PLAN_BPS 1e9
#define WRITE_BPS 0.4e9 /* writing a model file (sr_study_estimate's) */

static double run_weight(const struct study *s, const struct sr_study_mctx *mc, const char *kind, int limited)
{
	return sr_study_run_estimate(&s->c, mc, kind, limited, PLAN_BPS);
}

/* The whole matrix: the model files to write, the sweep, each model's runs
 * (the 6 in a memory cgroup and the 2 predictions of them, or the one cold
 * pass when there are none). */
static double plan_total(const struct study *s, int nocg)
{
	double w = run_weight(s, &s->c.mc[0], "sweep", 0);
	size_t i;

	for (i = 0; i < s->c.x.nm; i++) {
		const struct sr_study_mctx *mc = &s->c.mc[i];

		w += run_weight(s, mc, "schedule", 0) + run_weight(s, mc, "ram", 0) + 5 * run_weight(s, mc, "simulated", 0);
		w += nocg ? run_weight(s, mc, "real-mmap", 0) :
			    6 * run_weight(s, mc, "real-mmap", 1) + 2 * run_weight(s, mc, "predicted", 0);
	}
	return w;
}

/* A run starts: the progress line names it (sr_study_ctx.start). */
static void run_start(void *arg, const struct sr_study_run *u)
{
	struct study *s = arg;
	const struct sr_study_mctx *mc = &s->c.mc[0];
	char name[200];
	size_t i;

	if (!s->pg.on)
		return;
	for (i = 0; i < s->c.x.nm; i++)
		if (!strcmp(s->c.mc[i].v->name, u->model))
			mc = &s->c.mc[i];
	if (s->c.x.cg == 0 && !s->nocg_planned) { /* no memory cgroups: the limited runs will not run */
		s->nocg_planned = 1;
		sr_cli_stages_total(&s->pg, s->pg.total - plan_total(s, 0) + plan_total(s, 1));
	}
	snprintf(name, sizeof(name), "%s %s %s %s", u->id, u->hyp, u->model, u->what);
	sr_cli_stages_next(&s->pg, name, run_weight(s, mc, u->kind, s->c.x.cg != 0));
}

static double since(const struct study *s)
{
	return (double)(sr_now_ns() - s->t0) / 1e9;
}

/* The line per committed run (sr_study_ctx.progress). */
static void progress(void *arg, const struct sr_study_run *u)
{
	struct study *s = arg;
	double el = since(s), left;
	char res[300];

	s->done++;
	/* with the progress line (which has the % and ETA), a line only for a run
	 * the user must hear of: failed, or a note (a trace that lost events, a
	 * swappiness not set); the sweep's note is the next line's figure */
	if (s->pg.on && !s->a.verbose && u->ok && (!u->note[0] || !strcmp(u->kind, "sweep")))
		return;
	/* the up-front estimate first, then the pace of the runs so far */
	left = s->done >= 4 ? (el - s->setup_s) / (double)(s->done - 1) * (double)(s->planned - s->done) :
			      s->expected_s - el;
	if (u->ok && u->tps > 0)
		snprintf(res, sizeof(res), "%.3g tokens/s%s%.200s", u->tps, u->note[0] ? "; " : "", u->note);
	else if (u->ok && u->seq_pct >= 0)
		snprintf(res, sizeof(res), "%.1f%% sequential%s%.200s", u->seq_pct, u->note[0] ? "; " : "", u->note);
	else
		snprintf(res, sizeof(res), "%.250s", u->ok && !u->note[0] ? "done" : u->note);
	sr_cli_stages_printf(&s->pg, "ssdreplay: study [%zu/%zu] %s %s %s %s: %s (%.0f s elapsed, ~%.0f s left)\n", s->done,
			     s->planned, u->id, u->hyp, u->model, u->what, res, el, left > 0 ? left : 0);
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
	const char *base = strrchr(path, '/');
	char name[128];
	int fd;

	sr_cli_stages_printf(&s->pg, "ssdreplay: study: writing %s (%.0f MiB of random data)\n", path,
			     (double)m->file_size / 1048576.0);
	snprintf(name, sizeof(name), "writing %.100s", base ? base + 1 : path);
	sr_cli_stages_next(&s->pg, name, (double)m->file_size / WRITE_BPS);
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
		struct sr_study_mctx *mc = &s->c.mc[s->c.x.nm];

		if (s->c.x.nm == MAX_MODELS)
			return sr_inputf(e, CMD ": --models: at most %d models", MAX_MODELS);
		memset(mc, 0, sizeof(*mc));
		mc->v = &s->c.x.mod[s->c.x.nm];
		mc->tgt.fd = -1;
		if (sr_model_load(tok, &mc->m, e))
			return -EINVAL;
		mc->loaded = 1;
		snprintf(mc->v->name, sizeof(mc->v->name), "%s", mc->m.name);
		mc->v->moe = mc->m.hp.n_expert > 0;
		mc->v->bytes = mc->m.file_size;
		s->c.x.nm++;
	}
	if (!s->c.x.nm)
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
	for (i = 0; i < s->c.x.nm && !ret; i++)
		if (t.size < s->c.mc[i].v->bytes)
			ret = sr_inputf(e, "%s: %" PRIu64 " bytes, smaller than %s (%" PRIu64 " bytes)", s->a.target, t.size,
					s->c.mc[i].v->name, s->c.mc[i].v->bytes);
	sr_target_close(&t);
	return ret;
}

/* The model files prepare_targets will write, in seconds at WRITE_BPS. */
static double write_weight(const struct study *s)
{
	char path[4200];
	struct stat st;
	double w = 0, big = 0;
	size_t i;

	for (i = 0; i < s->c.x.nm; i++) {
		const struct sr_study_model *v = s->c.mc[i].v;

		big = (double)v->bytes > big ? (double)v->bytes : big;
		snprintf(path, sizeof(path), "%.4000s/%.60s.gguf", s->c.dir, v->name);
		if (!s->a.target && !fully_written(path, v->bytes))
			w += (double)v->bytes;
	}
	if (s->a.target && stat(s->a.target, &st) && errno == ENOENT)
		w = big; /* the largest model, once */
	return w / WRITE_BPS;
}

static int prepare_targets(struct study *s, struct sr_err *e)
{
	size_t i, big = 0;

	for (i = 1; i < s->c.x.nm; i++)
		if (s->c.mc[i].v->bytes > s->c.mc[big].v->bytes)
			big = i;
	for (i = 0; i < s->c.x.nm; i++) {
		struct sr_study_mctx *mc = &s->c.mc[i];

		if (sr_cli_stop)
			return 0;
		if (s->a.target) {
			struct stat st;

			snprintf(mc->path, sizeof(mc->path), "%s", s->a.target);
			/* an existing one passed check_target */
			if (stat(s->a.target, &st) && errno == ENOENT && i == 0 &&
			    write_model(s, &s->c.mc[big].m, s->a.target, e))
				return -EIO;
		} else {
			snprintf(mc->path, sizeof(mc->path), "%.4000s/%.60s.gguf", s->c.dir, mc->v->name);
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

static void describe(struct study *s)
{
	const struct sr_devspec *d = &s->c.x.ds;

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
			 "--write-gguf (random data, no holes, fsynced), page cache dropped before each run", s->c.dir);
}

static int write_report(struct study *s, int stopped, struct sr_err *e)
{
	const char *notes[32];
	struct sr_study_report rep = { 0 };
	size_t i, l;

	for (i = 0; i < s->c.x.nnotes; i++)
		notes[i] = s->c.x.notes[i];
	rep = (struct sr_study_report){
		.dir = s->c.dir, .cmdline = s->cmdline, .target_desc = s->target_desc, .device_desc = s->device_desc,
		.mode = s->mode->name, .mem_Bps = s->c.x.mem_Bps, .sweep_best_Bps = s->c.x.sweep_best,
		.spec_Bps = s->c.x.ds.seq_read_Bps, .link_Bps = s->c.x.ds.link_Bps, .cal_Bps = s->c.x.ds.cal_seq_read_Bps,
		.elapsed_s = since(s), .expected_s = s->expected_s, .stopped = stopped, .notes = notes,
		.nnotes = s->c.x.nnotes, .runs = s->c.x.runs, .nruns = s->c.x.nruns, .rows = s->c.x.rows, .nrows = s->c.x.nrows,
		.pred = s->c.x.pred_fit, .nmodels = s->c.x.nm,
	};
	for (i = 0; i < s->c.x.nm && i < 8; i++) {
		rep.models[i] = s->c.mc[i].v->name;
		for (l = 0; l < 3; l++)
			rep.seq[i][l] = s->c.mc[i].v->seq[l];
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

/* What the runs take from the flags and the mode. */
static void settings(struct study *s)
{
	struct sr_study_ctx *c = &s->c;

	c->x.cg = -1; /* not tried yet */
	c->cgroot = s->a.cgroot;
	c->spec = s->a.spec;
	c->sweep_bs = s->mode->bs;
	c->sweep_qd = s->mode->qd;
	c->sweep_runtime = s->mode->runtime;
	c->tokens = s->a.tokens;
	c->seed = s->a.seed;
	c->keep = s->a.keep;
	c->progress = progress;
	c->start = run_start;
	c->progress_arg = s;
}

/* -o DIR (made unless it exists), this binary (the sweep runs it) and the
 * command line the report quotes. */
static int make_dir(struct study *s, int argc, char **argv, int *made_dir, struct sr_err *e)
{
	struct stat st;
	size_t i;
	ssize_t n;

	snprintf(s->c.dir, sizeof(s->c.dir), "%s", s->a.output);
	*made_dir = !mkdir(s->c.dir, 0755);
	if (!*made_dir && errno != EEXIST) {
		sr_errf(e, -errno, "%s: %s", s->c.dir, strerror(errno));
		return -1;
	}
	if (stat(s->c.dir, &st) || !S_ISDIR(st.st_mode)) {
		sr_inputf(e, CMD ": -o %s: not a directory", s->c.dir);
		return -1;
	}
	n = readlink("/proc/self/exe", s->c.exe, sizeof(s->c.exe) - 1);
	if (n <= 0) {
		sr_errf(e, -errno, "/proc/self/exe: %s", strerror(errno));
		return -1;
	}
	s->c.exe[n] = 0;
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

	snprintf(t, sizeof(t), "%s/swapfile", s->c.dir);
	if (sr_swapfile_on(&s->swap, t, s->a.swap, e)) {
		if (sr_cli_stop) {
			sr_err_clear(e);
			return 1;
		}
		return -1;
	}
	sr_cli_stages_printf(&s->pg, "ssdreplay: study: swap on %s (%" PRIu64 " MiB) for the run; swapoff %s if this process is killed\n",
		t, s->a.swap >> 20, t);
	sr_study_note(&s->c.x, "H3's swap area: %s, %" PRIu64 " MiB, made by --swap-file, on for the study and removed after "
		      "(host-wide while on)", t, s->a.swap >> 20);
	return 0;
}

/* The plan up front: runs and expected duration, then the progress line. */
static void announce(struct study *s)
{
	s->planned = 1 + 15 * s->c.x.nm; /* the sweep; per model 13 runs and 2 predictions */
	s->expected_s = sr_study_estimate(&s->c, s->c.x.ds.cal_seq_read_Bps > 0 ? s->c.x.ds.cal_seq_read_Bps : 1e9,
					  !s->a.target) + 10;
	fprintf(stderr, "ssdreplay: study (%s): %zu models, %" PRIu64 " tokens per run, %zu runs; expected duration "
		"~%.0f s (%.1f min) at an assumed 1 GB/s, refined after the device sweep, then by the pace of the runs\n",
		s->mode->name, s->c.x.nm, s->a.tokens, s->planned, s->expected_s, s->expected_s / 60);
	sr_cli_stages_start(&s->pg, s->a.progress ? SR_CLI_METER_FORCED : isatty(STDERR_FILENO), plan_total(s, 0) + write_weight(s));
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
	settings(s);
	sr_cli_install_signals();
	s->t0 = sr_now_ns();
	s->c.x.mem_Bps = sr_smmap_mem_Bps(64u << 20);
	s->c.ns_per_byte = s->c.x.mem_Bps > 0 ? 1e9 / s->c.x.mem_Bps : 0;
	for (i = 0; i < s->c.x.nm; i++) {
		struct sr_study_mctx *mc = &s->c.mc[i];

		sr_study_model_init(mc->v);
		if (sr_study_schedule_bytes(&s->c, mc, &e))
			goto fail;
	}
	announce(s);
	if (prepare_targets(s, &e)) {
		if (sr_cli_stop) { /* stopped while writing a model: a report of no runs, exit 130 */
			sr_err_clear(&e);
			goto finish;
		}
		if (made_dir && e.bad_input)
			rmdir(s->c.dir); /* bad input: leave nothing (it is empty unless a model was written) */
		goto fail;
	}
	{
		char t[4200];

		snprintf(t, sizeof(t), "%s/traces", s->c.dir);
		mkdir(t, 0755);
	}
	if (s->a.swap) {
		ret = swap_on(s, &e);
		if (ret > 0)
			goto finish;
		if (ret)
			goto fail;
	}
	s->c.x.have_swap = sr_smmap_have_swap();
	if (sr_cli_stop)
		goto finish;
	sr_study_disk_of(s->c.mc[0].path, &s->c.disk);
	s->c.ra_kb = sr_study_read_ahead_kb(s->c.mc[0].tgt.disk);
	if (sr_devspec_for_path(s->c.mc[0].path, s->a.spec, "/sys", &s->c.x.ds, &e))
		goto fail;
	describe(s);
	if (!sr_cli_stop && sr_study_run_sweep(&s->c, &s->c.mc[0], &e))
		goto fail;
	s->setup_s = since(s);
	if (s->c.x.sweep_best > 0) {
		s->expected_s = since(s) + sr_study_estimate(&s->c, s->c.x.sweep_best, 0);
		sr_cli_stages_printf(&s->pg, "ssdreplay: study: device best %.2f GB/s; expected total ~%.0f s (%.1f min)\n",
				     s->c.x.sweep_best / 1e9, s->expected_s, s->expected_s / 60);
	}
	for (i = 0; i < s->c.x.nm && !sr_cli_stop; i++)
		if (sr_study_run_model(&s->c, &s->c.mc[i], &e)) {
			sr_cli_stages_end(&s->pg);
			status = sr_cli_fail(&e);
			stopped = 1;
			break;
		}
finish:
	sr_cli_stages_end(&s->pg);
	if (sr_cli_stop) {
		stopped = 1;
		status = SR_EXIT_SIGNAL;
	}
	sr_study_final_notes(&s->c.x, s->mode->name);
	sr_study_verdicts(&s->c.x);
	sr_err_clear(&e);
	if (write_report(s, stopped, &e)) {
		status = sr_cli_fail(&e);
		goto out;
	}
	if (!s->a.keep) {
		char t[4200];

		snprintf(t, sizeof(t), "%s/traces", s->c.dir);
		rmdir(t); /* empty once each capture is analyzed */
	}
	fprintf(stderr, "ssdreplay: study: %s/summary.md (%zu runs, %zu verdicts) in %.0f s%s\n", s->c.dir, s->c.x.nruns,
		s->c.x.nrows, since(s), status == SR_EXIT_SIGNAL ? "; stopped by a signal: partial" : "");
	goto out;
fail:
	sr_cli_stages_end(&s->pg);
	status = sr_cli_fail(&e);
out:
	if (s->swap.path[0] && (ret = sr_swapfile_off(&s->swap)))
		fprintf(stderr, "ssdreplay: study: swapoff %s: %s (still on: swapoff it by hand)\n", s->swap.path, strerror(-ret));
	for (i = 0; i < s->c.x.nm; i++) {
		sr_target_close(&s->c.mc[i].tgt);
		if (s->c.mc[i].loaded)
			sr_model_free(&s->c.mc[i].m);
	}
	free(s);
	return status;
}
