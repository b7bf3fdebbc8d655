/* ssdreplay cheops [options] DIR|DEVICE: the CHEOPS'25 experiments on this
 * machine, printed beside the published figures (profiles/reference/
 * cheops25.ini).
 *
 * Fig. 2: a tensor of each size is stored and loaded two ways on a scratch
 * file in DIR: the async O_DIRECT path (DeepNVMe-like: 1 MiB requests, QD 32
 * through the replay loop) and a buffered single-threaded path (Python-file-
 * like: one write() of the whole tensor then fsync; the cache dropped with
 * POSIX_FADV_DONTNEED, then one read() of the whole tensor). Stores include
 * their fsync. A block device is only read, unless --allow-write names it.
 *
 * Offloading: sequential weight streaming over what was written, at the
 * request sizes and queue depths of DeepSpeed (128 KiB, libaio QD 8) and
 * FlexGen (32 KiB, 4 synchronous threads), beside 1 MiB QD 32 as the
 * capability here. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/outfile.h"
#include "cli/cli.h"
#include "cli/fio_compat.h"
#include "cli/opts.h"
#include "cli/rows.h"
#include "cli/stages.h"
#include "devices/spec.h"
#include "devices/target.h"
#include "base/ini.h"
#include "base/plot.h"
#include "replay/replay.h"
#include "replay/report.h"
#include "study/cheops.h"
#include "base/install.h"
#include "base/units.h"

#define CMD "cheops"
#define NSIZES SR_CHEOPS_NSIZES
#define NPATHS SR_CHEOPS_NPATHS
#define MIB SR_CHEOPS_MIB

enum {
	O_OUTPUT = 'o', O_ENGINE = 'e',
	O_MAX_SIZE = 256, O_MIN_SIZE, O_REPEAT, O_RUNTIME, O_ALLOW_WRITE, O_REFERENCE, O_OUTFMT, O_ONLY, O_KEEP, O_SPEC,
	O_PROGRESS,
};

struct args {
	uint64_t max_size, min_size, repeat, runtime_ns;
	const char *engine, *allow_write, *reference, *output, *spec;
	int only; /* 0 both, 1 fig2, 2 offload */
	int keep, json, progress;
};

/* --engine: the async path, libaio (as DeepNVMe) or io_uring */
static int parse_engine(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	struct args *a = ctx;

	(void)o;
	if (strcmp(arg, "libaio") && strcmp(arg, "io_uring"))
		return sr_inputf(e, "%s: --engine: expected libaio or io_uring, found '%s'", cmd, arg);
	a->engine = arg;
	return 0;
}

static const char *const only_names[] = { "fig2", "offload", NULL };
static const int only_vals[] = { 1, 2 };
static const char *const outfmt_names[] = { "text", "json", NULL };

#define A struct args
#define POW2_1M_4G SR_OPTF_POW2, .expect = "a power of two from 1M to 4G"
static const struct sr_opt opts[] = {
	{ SR_OPT_SIZE("max-size", O_MAX_SIZE, "SIZE", "1G", "largest tensor (Fig. 2 goes to 4G)", A, max_size, MIB, 4096 * MIB),
	  .flags = POW2_1M_4G },
	{ SR_OPT_SIZE("min-size", O_MIN_SIZE, "SIZE", "1M", "smallest tensor", A, min_size, MIB, 4096 * MIB), .flags = POW2_1M_4G },
	{ SR_OPT_UINT("repeat", O_REPEAT, "R", "1", "measurements per size (median reported)", A, repeat, 1, 100) },
	{ SR_OPT_DURATION("runtime", O_RUNTIME, "SEC", "5", "time per offloading pattern", A, runtime_ns),
	  .expect = "a duration like 5, 500ms" },
	{ SR_OPT_CB("engine", O_ENGINE, "NAME", "libaio", "async path engine: libaio (as DeepNVMe) or io_uring", parse_engine) },
	{ SR_OPT_CHOICE("only", O_ONLY, "fig2|offload", "both", "run one part", A, only, only_names, only_vals),
	  .flags = SR_OPTF_DEFDOC },
	{ SR_OPT_STR("allow-write", O_ALLOW_WRITE, "DEVICE", "", "store to this block device (the target named again; destroys its data)", A, allow_write) },
	{ SR_OPT_STR("spec", O_SPEC, "PROFILE|k=v,...", "from the device", "device spec for % of spec: a profile, or seq_read=7000MB/s,...", A, spec),
	  .flags = SR_OPTF_DEFDOC },
	{ SR_OPT_FLAG("keep", O_KEEP, "keep the scratch file", A, keep) },
	{ SR_OPT_FLAG("progress", O_PROGRESS, "progress and ETA over all the measurements on stderr every second from the start, with the one running (default when stderr is a tty: once the run passes 2 s)", A, progress) },
	{ SR_OPT_STR("reference", O_REFERENCE, "FILE", "PROFILES/reference/cheops25.ini", "published figures (PROFILES: see ssdreplay --version)", A, reference),
	  .flags = SR_OPTF_DEFDOC },
	{ SR_OPT_CHOICE("output-format", O_OUTFMT, "FMT", "text", "text or json", A, json, outfmt_names, NULL) },
	SR_CLI_OUTPUT_ROW(O_OUTPUT, A, output, "FILE", "stdout", "write the report here"),
	SR_OPT_END,
};
#undef POW2_1M_4G
#undef A

static const char *const path_names[NPATHS] = { "aio_store", "aio_load", "python_store", "python_load" };

struct offload_row {
	const char *name, *engine;
	uint64_t bs;
	unsigned qd, threads;
	double bw, paper_gibps;
};

/* ---- output ---- */

static void text_report(FILE *f, const struct args *a, const struct sr_cheops_ref *r, const struct sr_target *t,
			const uint64_t *sizes, double (*bw)[NPATHS], int nsizes, const struct offload_row *o, int no,
			uint64_t extent, const struct sr_devspec *ds)
{
	const double *paper[NPATHS] = { r->aio_store, r->aio_load, r->py_store, r->py_load };
	char b[32];
	int i, p, k;

	fprintf(f, "ssdreplay %s: CHEOPS'25 (DOI %s) reproduced on %s (%u-byte blocks)\n", SR_VERSION, r->doi,
		t->path, t->lbs);
	if (nsizes) {
		fprintf(f, "\nFig. 2: tensor load/store bandwidth, GB/s (10^9 B/s) here | published ext4 | ratio here/published\n"
			   "  async: O_DIRECT, 1 MiB requests, QD 32, %s; buffered: one write()+fsync / one read() after "
			   "POSIX_FADV_DONTNEED; median of %" PRIu64 "\n", a->engine, a->repeat);
		fprintf(f, "%9s  %-22s %-22s %-22s %-22s\n", "tensor", "aio-load", "python-load", "aio-store", "python-store");
		for (i = 0; i < nsizes; i++) {
			k = (int)log2((double)(sizes[i] / MIB));
			fprintf(f, "%9s ", sr_plot_short_bytes(b, sizeof(b), sizes[i]));
			for (p = 0; p < NPATHS; p++) {
				static const int order[NPATHS] = { 1, 3, 0, 2 };
				int q = order[p];

				if (bw[i][q] < 0)
					fprintf(f, " %-22s", "(read-only target)");
				else
					fprintf(f, " %6.2f | %4.2f | %5.2fx ", bw[i][q] / 1e9, paper[q][k],
						bw[i][q] / 1e9 / paper[q][k]);
			}
			fputc('\n', f);
		}
	}
	if (no) {
		fprintf(f, "\nOffloading request sizes: sequential weight streaming over %s, %.3g s each (O_DIRECT; GiB/s = 2^30 B/s)\n",
			sr_plot_short_bytes(b, sizeof(b), extent), (double)a->runtime_ns / 1e9);
		fprintf(f, "%-26s %8s %-16s %9s %12s %9s | %10s %12s\n", "pattern", "request", "in flight", "GiB/s",
			"% of 1M/QD32", "% of spec", "paper GiB/s", "% of 16.9");
		for (i = 0; i < no; i++) {
			char fl[32];

			if (o[i].threads > 1)
				snprintf(fl, sizeof(fl), "%s x%u threads", o[i].engine, o[i].threads);
			else
				snprintf(fl, sizeof(fl), "%s QD %u", o[i].engine, o[i].qd);
			fprintf(f, "%-26s %8s %-16s %9.3f %11.1f%%", o[i].name, sr_plot_short_bytes(b, sizeof(b), o[i].bs),
				fl, o[i].bw / (double)(1ull << 30), 100 * o[i].bw / o[0].bw);
			if (ds->seq_read_Bps > 0)
				fprintf(f, " %8.1f%% |", 100 * o[i].bw / ds->seq_read_Bps);
			else
				fprintf(f, " %9s |", "-");
			if (o[i].paper_gibps > 0)
				fprintf(f, " %10.1f %11.1f%%\n", o[i].paper_gibps, 100 * o[i].paper_gibps / r->hw_gibps);
			else
				fprintf(f, " %10s %12s\n", "-", "-");
		}
		if (ds->seq_read_Bps > 0)
			fprintf(f, "  spec: %.2f GiB/s sequential read (%s); paper: %.1f GiB/s hardware capability\n",
				ds->seq_read_Bps / (double)(1ull << 30), ds->source[0] ? ds->source : ds->profile[0] ?
				ds->profile : "--spec", r->hw_gibps);
		else
			fprintf(f, "  spec: unknown for %s (give --spec seq_read=...); paper: %.1f GiB/s hardware capability\n",
				ds->disk[0] ? ds->disk : t->path, r->hw_gibps);
	}
}

static int json_report(FILE *f, const struct args *a, const struct sr_cheops_ref *r, const struct sr_target *t,
		       const uint64_t *sizes, double (*bw)[NPATHS], int nsizes, const struct offload_row *o, int no,
		       uint64_t extent, int partial, const struct sr_devspec *ds)
{
	const double *paper[NPATHS] = { r->aio_store, r->aio_load, r->py_store, r->py_load };
	json_t *root = json_object(), *fig = json_array(), *off = json_array();
	int i, p, k, ret;

	json_object_set_new(root, "ssdreplay", json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:b}", "version", SR_VERSION,
		"cmd", CMD, "target", t->path, "doi", r->doi, "engine", a->engine, "repeat", (json_int_t)a->repeat,
		"partial", partial));
	for (i = 0; i < nsizes; i++) {
		json_t *row = json_pack("{s:I}", "size_bytes", (json_int_t)sizes[i]);

		k = (int)log2((double)(sizes[i] / MIB));
		for (p = 0; p < NPATHS; p++)
			json_object_set_new(row, path_names[p], bw[i][p] < 0 ? json_null() :
				json_pack("{s:I, s:I, s:f}", "bw_Bps", (json_int_t)llround(bw[i][p]),
					  "paper_Bps", (json_int_t)llround(paper[p][k] * 1e9), /* the paper's GB/s */
					  "ratio", bw[i][p] / 1e9 / paper[p][k]));
		json_array_append_new(fig, row);
	}
	json_object_set_new(root, "fig2", fig);
	for (i = 0; i < no; i++) {
		json_t *row = json_pack("{s:s, s:I, s:s, s:i, s:i, s:I, s:f}", "pattern", o[i].name,
			"bs", (json_int_t)o[i].bs, "engine", o[i].engine, "qd", (int)o[i].qd, "threads", (int)o[i].threads,
			"bw_Bps", (json_int_t)llround(o[i].bw), "capability_here_pct", 100 * o[i].bw / o[0].bw);

		if (ds->seq_read_Bps > 0)
			json_object_set_new(row, "spec_pct", json_real(100 * o[i].bw / ds->seq_read_Bps));
		if (o[i].paper_gibps > 0) { /* the paper's GiB/s */
			json_object_set_new(row, "paper_Bps", json_integer(llround(o[i].paper_gibps * (double)(1ull << 30))));
			json_object_set_new(row, "paper_hardware_pct", json_real(100 * o[i].paper_gibps / r->hw_gibps));
		}
		json_array_append_new(off, row);
	}
	json_object_set_new(root, "offload", json_pack("{s:I, s:f, s:I, s:o}", "extent_bytes", (json_int_t)extent,
		"runtime_s", (double)a->runtime_ns / 1e9, "paper_hardware_Bps",
		(json_int_t)llround(r->hw_gibps * (double)(1ull << 30)), "patterns", off));
	if (ds->seq_read_Bps > 0)
		json_object_set_new(root, "spec", json_pack("{s:I, s:s}", "seq_read_Bps", (json_int_t)llround(ds->seq_read_Bps), "source",
			ds->source[0] ? ds->source : ds->profile[0] ? ds->profile : "--spec"));
	ret = json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(8));
	fputc('\n', f);
	json_decref(root);
	return ret ? -EIO : 0;
}

/* ---- the command ---- */

/* The file the runs read: the block device, or a scratch file made in the
 * directory (O_DIRECT through sr_target, buffered through c->bfd). */
static int open_bench(const struct args *a, const char *path, int is_blk, struct sr_target *tgt, struct sr_cheops_ctx *c,
		      char **scratch, struct sr_err *e)
{
	int ret;

	if (is_blk) {
		/* the path is checked before it is opened read-write, as replay does */
		ret = a->allow_write ? sr_target_write_check_path_plain(path, "/sys", e) : 0;
		if (!ret)
			ret = sr_target_open(path, (a->allow_write ? SR_TGT_WRITE : 0) | SR_TGT_DIRECT, tgt, e);
		if (!ret && a->allow_write)
			ret = sr_target_write_check(tgt, "/sys", e);
		if (!ret && tgt->size < a->max_size)
			ret = sr_inputf(e, "%s: %" PRIu64 " bytes, smaller than --max-size %" PRIu64, tgt->path, tgt->size,
					a->max_size);
		if (ret)
			return -1;
		c->bfd = open(path, a->allow_write ? O_RDWR : O_RDONLY);
	} else {
		if (asprintf(scratch, "%s/ssdreplay-cheops.%d.tmp", path, (int)getpid()) < 0) {
			*scratch = NULL;
			sr_errf(e, -ENOMEM, "out of memory");
			return -1;
		}
		/* O_EXCL: never touch a file that is somebody else's */
		c->bfd = open(*scratch, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (c->bfd < 0) {
			sr_errf(e, -errno, "%s: %s", *scratch, strerror(errno));
			free(*scratch);
			*scratch = NULL;
			return -1;
		}
		ret = sr_target_open(*scratch, SR_TGT_WRITE | SR_TGT_DIRECT, tgt, e);
		if (ret)
			return -1;
	}
	if (c->bfd < 0) {
		sr_errf(e, -errno, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The progress line's weights: expected seconds, the bytes a measurement
 * moves at an assumed 1 GB/s (the line's pace corrects it) plus a little
 * for each sync and cache drop, the offload patterns their --runtime. */
#define ASSUMED_BPS 1e9

static double size_weight(const struct args *a, const struct sr_cheops_ctx *c, uint64_t size)
{
	int paths = c->can_store ? NPATHS : NPATHS / 2;

	return (double)a->repeat * paths * ((double)size / ASSUMED_BPS + 0.01);
}

static double plan_weight(const struct args *a, const struct sr_cheops_ctx *c, int is_blk)
{
	double w = 0;
	uint64_t s;

	if (a->only != 2)
		for (s = a->min_size; s <= a->max_size; s *= 2)
			w += size_weight(a, c, s);
	if (a->only != 1)
		w += 3 * (double)a->runtime_ns / 1e9 + (a->only == 2 && !is_blk ? (double)a->max_size / ASSUMED_BPS : 0);
	return w;
}

/* The offload patterns (capability, DeepSpeed-like, FlexGen-like) over EXTENT
 * bytes (a fresh max-size file when no tensor size ran); 0 or -errno. */
static int run_offload(const struct args *a, struct sr_cheops_ctx *c, const struct sr_cheops_ref *ref, int is_blk,
		       struct sr_cli_stages *pg, uint64_t *extent, struct offload_row *o, int *no, struct sr_err *e)
{
	const struct {
		const char *name, *engine;
		uint64_t bs;
		unsigned qd, threads;
		double paper;
	} pat[3] = {
		{ "capability (1M, QD 32)", a->engine, MIB, 32, 1, 0 },
		{ "DeepSpeed-like", "libaio", ref->ds_req, (unsigned)ref->ds_qd, 1, ref->ds_gibps },
		{ "FlexGen-like", "psync", ref->fg_req, (unsigned)ref->fg_threads, (unsigned)ref->fg_threads, ref->fg_gibps },
	};
	int i;

	if (!*extent) {
		/* --only offload: stream over a freshly written max-size file */
		*extent = a->max_size;
		if (!is_blk) {
			double r;

			sr_cli_stages_next(pg, "cheops: writing the file to stream", (double)*extent / ASSUMED_BPS);
			r = sr_cheops_async_run(c, SR_OP_WRITE, *extent, MIB, a->engine, 32, 1, 0, e);

			if (r < 0)
				return (int)r;
		}
	}
	for (i = 0; i < 3 && !sr_cli_stop; i++) {
		double r;

		char name[64];

		snprintf(name, sizeof(name), "cheops: %s", pat[i].name);
		sr_cli_stages_next(pg, name, (double)a->runtime_ns / 1e9);
		r = sr_cheops_async_run(c, SR_OP_READ, *extent, pat[i].bs, pat[i].engine, pat[i].qd, pat[i].threads,
			      a->runtime_ns, e);
		if (r < 0)
			return (int)r;
		o[(*no)++] = (struct offload_row){ pat[i].name, pat[i].engine, pat[i].bs, pat[i].qd, pat[i].threads, r,
						pat[i].paper };
	}
	return 0;
}

/* Fig. 2: each tensor size from --min-size to --max-size, until a stop;
 * -1 on a failure (e says why). */
static int run_sizes(const struct args *a, struct sr_cheops_ctx *c, struct sr_cli_stages *pg, uint64_t *sizes,
		     double (*bw)[NPATHS], int *nsizes, uint64_t *extent, struct sr_err *e)
{
	uint64_t s;
	int ret;

	for (s = a->min_size; s <= a->max_size && !sr_cli_stop; s *= 2) {
		char name[64];

		snprintf(name, sizeof(name), "cheops: tensor %" PRIu64 " MiB", s / MIB);
		sr_cli_stages_next(pg, name, size_weight(a, c, s));
		ret = sr_cheops_measure_size(c, s, bw[*nsizes], e);
		if (ret == -EINTR || (ret && sr_cli_stop))
			break;
		if (ret)
			return -1;
		sizes[(*nsizes)++] = s;
		*extent = s;
	}
	return 0;
}

/* The buffered path's source: a tensor's worth of data in memory. */
static int map_buffer(const struct args *a, struct sr_cheops_ctx *c, struct sr_err *e)
{
	c->buf_len = a->max_size;
	c->buf = mmap(NULL, c->buf_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->buf == MAP_FAILED) {
		c->buf = NULL;
		sr_errf(e, -ENOMEM, CMD ": the buffered path needs %" PRIu64 " bytes of memory (lower --max-size)",
			a->max_size);
		return -1;
	}
	memset(c->buf, 0x5a, c->buf_len); /* a tensor's worth of data, faulted in before any clock */
	return 0;
}

int cmd_cheops(int argc, char **argv)
{
	struct args a = { 0 }; /* the table's defaults */
	char refpath[PATH_MAX];
	struct sr_err e = { 0 };
	struct sr_target tgt = { .fd = -1 };
	struct sr_cheops_ref ref;
	struct sr_devspec ds;
	struct sr_cheops_ctx c = { .tgt = &tgt, .bfd = -1 };
	uint64_t sizes[NSIZES], extent = 0;
	double bw[NSIZES][NPATHS];
	struct offload_row o[3];
	char *scratch = NULL;
	struct stat sb;
	FILE *f = stdout;
	struct sr_outfile out = { 0 };
	struct sr_cli_stages pg = { 0 };
	int pos, ret, nsizes = 0, no = 0, status = SR_EXIT_OK, is_blk;

	ret = sr_opts_parse(CMD, opts, argc, argv, NULL, &a, "[options] DIR|DEVICE", &pos, &e);
	if (ret == 1)
		return SR_EXIT_OK;
	if (ret)
		goto fail;
	if (argc - pos != 1) {
		sr_inputf(&e, CMD ": expected one DIR (a scratch file is made there) or block DEVICE, found %d", argc - pos);
		goto fail;
	}
	if (a.min_size > a.max_size) {
		sr_inputf(&e, CMD ": --min-size is larger than --max-size");
		goto fail;
	}
	c.repeat = a.repeat;
	c.engine = a.engine;
	if (!a.reference) { /* beside the installed or source-tree profiles */
		snprintf(refpath, sizeof(refpath), "%s/reference/cheops25.ini", sr_profile_dir());
		a.reference = refpath;
	}
	if (sr_cheops_ref_load(a.reference, &ref, &e))
		goto fail;
	if (stat(argv[pos], &sb)) {
		sr_inputf(&e, "%s: %s", argv[pos], strerror(errno));
		goto fail;
	}
	is_blk = S_ISBLK(sb.st_mode);
	if (!is_blk && !S_ISDIR(sb.st_mode)) {
		sr_inputf(&e, "%s: expected a directory (a scratch file is made there) or a block device", argv[pos]);
		goto fail;
	}
	if (a.allow_write && (!is_blk || strcmp(a.allow_write, argv[pos]))) {
		sr_inputf(&e, CMD ": --allow-write %s: expected the block device given as the target (%s)", a.allow_write,
			  argv[pos]);
		goto fail;
	}
	/* before any I/O: a path that cannot be written fails now, not after the run */
	if (sr_outfile_open(&out, a.output, &e))
		goto fail;
	f = out.f;
	c.can_store = !is_blk || a.allow_write;
	if (open_bench(&a, argv[pos], is_blk, &tgt, &c, &scratch, &e))
		goto fail;
	memset(&ds, 0, sizeof(ds));
	if (sr_devspec_for_path(tgt.path, a.spec, "/sys", &ds, &e))
		goto fail;
	if (a.only != 2 && map_buffer(&a, &c, &e))
		goto fail;
	sr_cli_warn_ram(argv[pos]);
	sr_cli_install_signals();
	sr_cli_stages_start(&pg, a.progress ? SR_CLI_METER_FORCED : isatty(STDERR_FILENO), plan_weight(&a, &c, is_blk));
	if (a.only != 2 && run_sizes(&a, &c, &pg, sizes, bw, &nsizes, &extent, &e))
		goto fail;
	ret = 0;
	if (a.only != 1 && !sr_cli_stop)
		ret = run_offload(&a, &c, &ref, is_blk, &pg, &extent, o, &no, &e);
	sr_cli_stages_end(&pg);
	if (ret && !sr_cli_stop)
		goto fail;
	ret = 0; /* a stop: the partial report of what ran, exit 130 (the text report's write check read the stop as a failed write) */
	if (no && !o[0].bw)
		no = 0;
	if (a.json)
		ret = json_report(f, &a, &ref, &tgt, sizes, bw, nsizes, o, no, extent, sr_cli_stop != 0, &ds);
	else
		text_report(f, &a, &ref, &tgt, sizes, bw, nsizes, o, no, extent, &ds);
	if (ret || ferror(f)) {
		sr_errf(&e, -EIO, "%s: write failed", out.name);
		goto fail;
	}
	if (sr_outfile_commit(&out, &e))
		goto fail;
	status = sr_cli_stopped(status);
	goto out;
fail:
	sr_cli_stages_end(&pg); /* the line ended before the error is printed */
	status = sr_cli_fail(&e);
out:
	sr_outfile_abort(&out);
	if (c.buf)
		munmap(c.buf, c.buf_len);
	if (c.bfd >= 0)
		close(c.bfd);
	sr_target_close(&tgt);
	if (scratch) {
		if (!a.keep)
			unlink(scratch);
		else
			fprintf(stderr, "cheops: kept %s\n", scratch);
		free(scratch);
	}
	return status;
}
