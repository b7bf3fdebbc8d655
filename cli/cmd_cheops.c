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
#include <sys/stat.h>
#include <unistd.h>

#include "base/outfile.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "devices/spec.h"
#include "devices/target.h"
#include "replay/ini.h"
#include "replay/plot.h"
#include "replay/replay.h"
#include "replay/report.h"
#include "replay/units.h"

#define CMD "cheops"
#define NSIZES 13
#define MIB ((uint64_t)1 << 20)

#ifndef SR_PROFILE_DIR
#define SR_PROFILE_DIR "profiles"
#endif

enum {
	O_OUTPUT = 'o', O_ENGINE = 'e',
	O_MAX_SIZE = 256, O_MIN_SIZE, O_REPEAT, O_RUNTIME, O_ALLOW_WRITE, O_REFERENCE, O_OUTFMT, O_ONLY, O_KEEP, O_SPEC,
};

static const struct sr_opt opts[] = {
	{ "max-size", O_MAX_SIZE, 1, "SIZE", "1G", "largest tensor (Fig. 2 goes to 4G)" },
	{ "min-size", O_MIN_SIZE, 1, "SIZE", "1M", "smallest tensor" },
	{ "repeat", O_REPEAT, 1, "R", "1", "measurements per size (median reported)" },
	{ "runtime", O_RUNTIME, 1, "SEC", "5", "time per offloading pattern" },
	{ "engine", O_ENGINE, 1, "NAME", "libaio", "async path engine: libaio (as DeepNVMe) or io_uring" },
	{ "only", O_ONLY, 1, "fig2|offload", "both", "run one part" },
	{ "allow-write", O_ALLOW_WRITE, 1, "DEVICE", "", "store to this block device (the target named again; destroys its data)" },
	{ "spec", O_SPEC, 1, "PROFILE|k=v,...", "from the device", "device spec for % of spec: a profile, or seq_read=7000MB/s,..." },
	{ "keep", O_KEEP, 0, "", "", "keep the scratch file" },
	{ "reference", O_REFERENCE, 1, "FILE", "profiles/reference/cheops25.ini", "published figures" },
	{ "output-format", O_OUTFMT, 1, "FMT", "text", "text or json" },
	{ "output", O_OUTPUT, 1, "FILE", "stdout", "write the report here" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

struct ref {
	double size_mb[NSIZES], aio_load[NSIZES], py_load[NSIZES], aio_store[NSIZES], py_store[NSIZES];
	int n[5];
	double hw_gibps, ds_gibps, fg_gibps;
	uint64_t ds_req, fg_req, ds_qd, fg_threads;
	char doi[128];
	const char *path;
	struct sr_ini ini;
};

struct args {
	uint64_t max_size, min_size, repeat, runtime_ns;
	const char *engine, *allow_write, *reference, *output, *spec;
	int only; /* 0 both, 1 fig2, 2 offload */
	int keep, json;
};

static int parse_opt(void *ctx, int key, const char *arg, struct sr_err *e)
{
	struct args *a = ctx;

	switch (key) {
	case O_MAX_SIZE:
	case O_MIN_SIZE: {
		uint64_t *v = key == O_MAX_SIZE ? &a->max_size : &a->min_size;

		if (sr_cli_size(CMD, key == O_MAX_SIZE ? "max-size" : "min-size", arg, v, e))
			return -EINVAL;
		if (*v < MIB || *v > 4096 * MIB || (*v & (*v - 1)))
			return sr_inputf(e, CMD ": --%s: expected a power of two from 1M to 4G, found '%s'",
					 key == O_MAX_SIZE ? "max-size" : "min-size", arg);
		return 0;
	}
	case O_REPEAT: return sr_cli_uint(CMD, "repeat", arg, 1, 100, &a->repeat, e);
	case O_RUNTIME:
		if (sr_parse_duration(arg, &a->runtime_ns) || !a->runtime_ns)
			return sr_inputf(e, CMD ": --runtime: expected a duration like 5, 500ms, found '%s'", arg);
		return 0;
	case O_ENGINE:
		if (strcmp(arg, "libaio") && strcmp(arg, "io_uring"))
			return sr_inputf(e, CMD ": --engine: expected libaio or io_uring, found '%s'", arg);
		a->engine = arg;
		return 0;
	case O_ONLY:
		if (!strcmp(arg, "fig2"))
			a->only = 1;
		else if (!strcmp(arg, "offload"))
			a->only = 2;
		else
			return sr_inputf(e, CMD ": --only: expected fig2 or offload, found '%s'", arg);
		return 0;
	case O_ALLOW_WRITE: a->allow_write = arg; return 0;
	case O_KEEP: a->keep = 1; return 0;
	case O_SPEC: a->spec = arg; return 0;
	case O_REFERENCE: a->reference = arg; return 0;
	case O_OUTFMT:
		if (strcmp(arg, "text") && strcmp(arg, "json"))
			return sr_inputf(e, CMD ": --output-format: expected text or json, found '%s'", arg);
		a->json = !strcmp(arg, "json");
		return 0;
	case O_OUTPUT: a->output = arg; return 0;
	}
	return sr_inputf(e, CMD ": internal: unhandled option %d", key);
}

/* ---- the reference figures ---- */

static int num_list(const char *v, double *out, int *n)
{
	char *end;

	for (*n = 0;;) {
		double d = strtod(v, &end);

		if (end == v || !(d >= 0) || *n == NSIZES)
			return -1;
		out[(*n)++] = d;
		while (*end == ' ' || *end == '\t')
			end++;
		if (!*end)
			return 0;
		if (*end != ',')
			return -1;
		v = end + 1;
	}
}

static int ref_handler(void *user, const char *sec, const char *name, const char *value)
{
	struct ref *r = user;
	static const char *const lists[] = { "size_mb", "aio_load", "python_load", "aio_store", "python_store" };
	double *dst[] = { r->size_mb, r->aio_load, r->py_load, r->aio_store, r->py_store };
	char *end;
	int i;

	if (!strcmp(sec, "paper")) {
		if (!strcmp(name, "doi"))
			snprintf(r->doi, sizeof(r->doi), "%s", value);
		return 1;
	}
	if (!strcmp(sec, "fig2")) {
		for (i = 0; i < 5; i++)
			if (!strcmp(name, lists[i])) {
				if (num_list(value, dst[i], &r->n[i]) == 0)
					return 1;
				return sr_ini_fail(&r->ini, "[fig2] %s: expected up to %d numbers separated by commas",
						   name, NSIZES);
			}
		return 1; /* aio_block, aio_qd: documentation */
	}
	if (!strcmp(sec, "offload")) {
		double *d = !strcmp(name, "hardware_gibps") ? &r->hw_gibps : !strcmp(name, "deepspeed_gibps") ?
			    &r->ds_gibps : !strcmp(name, "flexgen_gibps") ? &r->fg_gibps : NULL;
		uint64_t *u = !strcmp(name, "deepspeed_qd") ? &r->ds_qd : !strcmp(name, "flexgen_threads") ?
			      &r->fg_threads : NULL;
		uint64_t *z = !strcmp(name, "deepspeed_request") ? &r->ds_req : !strcmp(name, "flexgen_request") ?
			      &r->fg_req : NULL;

		if (d) {
			*d = strtod(value, &end);
			if (end == value || *end || !(*d > 0))
				return sr_ini_fail(&r->ini, "[offload] %s: expected a positive number", name);
		} else if (u) {
			if (sr_parse_u64(value, u) || !*u || *u > 1024)
				return sr_ini_fail(&r->ini, "[offload] %s: expected an integer from 1 to 1024", name);
		} else if (z) {
			if (sr_parse_size(value, z) || *z < 4096 || *z > 64 * MIB || *z % 4096)
				return sr_ini_fail(&r->ini, "[offload] %s: expected a size multiple of 4k up to 64M", name);
		}
		return 1;
	}
	return sr_ini_fail(&r->ini, "unknown section [%s]: expected paper, fig2 or offload", sec);
}

static int load_ref(const char *path, struct ref *r, struct sr_err *e)
{
	int ret, i;

	memset(r, 0, sizeof(*r));
	r->path = path;
	ret = sr_ini_parse(path, "the reference figures", ref_handler, r, &r->ini, e);
	if (ret)
		return ret;
	for (i = 0; i < 5; i++)
		if (r->n[i] != NSIZES)
			return sr_inputf(e, "%s: [fig2]: expected %d values in each of size_mb, aio_load, python_load, aio_store, python_store",
					 path, NSIZES);
	for (i = 0; i < NSIZES; i++)
		if (r->size_mb[i] != (double)(1u << i))
			return sr_inputf(e, "%s: [fig2] size_mb: expected 1, 2, 4, ... 4096", path);
	if (!r->hw_gibps || !r->ds_gibps || !r->fg_gibps || !r->ds_req || !r->fg_req || !r->ds_qd || !r->fg_threads)
		return sr_inputf(e, "%s: [offload]: expected hardware_gibps, deepspeed_gibps/_request/_qd, flexgen_gibps/_request/_threads",
				 path);
	return 0;
}

int sr_cheops_ref_check(const char *path, struct sr_err *e)
{
	struct ref r;

	return load_ref(path, &r, e);
}

/* ---- measurements ---- */

/* Sequential records of one op over [0, size) in bs pieces. */
struct seq_src {
	struct sr_source src;
	uint64_t off, size, bs;
	uint8_t op;
};

static int seq_next(struct sr_source *s, struct sr_rec *out, size_t max, struct sr_err *e)
{
	struct seq_src *q = (struct seq_src *)s;
	size_t n = 0;

	(void)e;
	while (n < max && q->off < q->size) {
		uint64_t len = q->size - q->off < q->bs ? q->size - q->off : q->bs;

		out[n++] = (struct sr_rec){ .off = q->off, .len = len, .t_ns = SR_T_NONE, .seq = q->off / q->bs, .op = q->op };
		q->off += len;
	}
	return (int)n;
}

static int seq_rewind(struct sr_source *s, struct sr_err *e)
{
	(void)e;
	((struct seq_src *)s)->off = 0;
	return 0;
}

static void seq_close(struct sr_source *s)
{
	(void)s; /* on the caller's stack */
}

struct ctx {
	struct args *a;
	struct sr_target *tgt;
	int bfd;          /* buffered fd on the same file */
	char *buf;        /* the "tensor" for the buffered path */
	uint64_t buf_len;
	int can_store;
};

/* One replay-loop pass: the async path. Returns bytes per second, or -errno. */
static double async_run(struct ctx *c, int op, uint64_t size, uint64_t bs, const char *engine, unsigned qd,
			unsigned threads, uint64_t runtime_ns, struct sr_err *e)
{
	struct seq_src q = { .src = { .name = "cheops", .format = "pattern", .next = seq_next, .rewind = seq_rewind,
				      .close = seq_close }, .size = size, .bs = bs, .op = (uint8_t)op };
	struct sr_replay_cfg rc = {
		.engine = sr_engine_find(engine), .qd = qd, .batch = 1, .threads = threads, .time_scale = 1,
		.runtime_ns = runtime_ns, .loops = runtime_ns ? 0 : 1, .tgt_name = c->tgt->path, .stop = &sr_cli_stop,
		.shape = { .src_name = "cheops", .tgt_name = c->tgt->path, .target_size = size, .lbs = c->tgt->lbs,
			   .max_req = bs, .allow_write = op == SR_OP_WRITE },
	};
	struct sr_stats st;
	uint64_t t0, t;
	double bw;
	int ret;

	sr_stats_init(&st);
	ret = sr_replay_run(&rc, &q.src, &c->tgt->fd, 1, &st, e);
	t0 = sr_now_ns();
	if (!ret && op == SR_OP_WRITE && fdatasync(c->tgt->fd))
		ret = sr_errf(e, -errno, "%s: fdatasync: %s", c->tgt->path, strerror(errno));
	t = st.end_ns - st.start_ns + (op == SR_OP_WRITE ? sr_now_ns() - t0 : 0);
	bw = t ? (double)st.op[op].bytes / ((double)t / 1e9) : 0;
	if (!ret && sr_cli_stop)
		ret = -EINTR;
	sr_stats_free(&st);
	return ret ? ret : bw;
}

/* Python-file-like: one write() (or read()) of the whole tensor. */
static double buffered_run(struct ctx *c, int op, uint64_t size, struct sr_err *e)
{
	uint64_t t0, done = 0;
	ssize_t n;

	if (op == SR_OP_READ) {
		/* out of the page cache, as if another process wrote it long ago */
		if (fdatasync(c->bfd) || posix_fadvise(c->bfd, 0, 0, POSIX_FADV_DONTNEED))
			return sr_errf(e, -errno, "%s: dropping the cache: %s", c->tgt->path, strerror(errno));
	}
	t0 = sr_now_ns();
	while (done < size) {
		/* read/write move at most 0x7ffff000 bytes a call on Linux */
		if (op == SR_OP_READ)
			n = pread(c->bfd, c->buf + done, size - done, (off_t)done);
		else
			n = pwrite(c->bfd, c->buf + done, size - done, (off_t)done);
		if (n < 0 && errno == EINTR && !sr_cli_stop)
			continue;
		if (n <= 0)
			return sr_errf(e, n ? -errno : -EIO, "%s: %s of %" PRIu64 " bytes at %" PRIu64 ": %s", c->tgt->path,
				       op == SR_OP_READ ? "read" : "write", size - done, done,
				       n ? strerror(errno) : "end of file");
		done += (uint64_t)n;
	}
	if (op == SR_OP_WRITE && fsync(c->bfd))
		return sr_errf(e, -errno, "%s: fsync: %s", c->tgt->path, strerror(errno));
	return (double)size / ((double)(sr_now_ns() - t0) / 1e9);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

#define NPATHS 4
static const char *const path_names[NPATHS] = { "aio_store", "aio_load", "python_store", "python_load" };

/* Median over repeats of each path at size; bw[] < 0 where not measured. */
static int measure_size(struct ctx *c, uint64_t size, double bw[NPATHS], struct sr_err *e)
{
	double v[NPATHS][100], r;
	unsigned k, p;

	for (k = 0; k < c->a->repeat; k++)
		for (p = 0; p < NPATHS; p++) {
			int store = p == 0 || p == 2;

			if (store && !c->can_store) {
				v[p][k] = -1;
				continue;
			}
			if (p < 2)
				r = async_run(c, store ? SR_OP_WRITE : SR_OP_READ, size, MIB, c->a->engine, 32, 1, 0, e);
			else
				r = buffered_run(c, store ? SR_OP_WRITE : SR_OP_READ, size, e);
			if (r < 0)
				return (int)r;
			v[p][k] = r;
		}
	for (p = 0; p < NPATHS; p++) {
		qsort(v[p], c->a->repeat, sizeof(double), cmp_double);
		bw[p] = c->a->repeat % 2 ? v[p][c->a->repeat / 2] :
			(v[p][c->a->repeat / 2 - 1] + v[p][c->a->repeat / 2]) / 2;
	}
	return 0;
}

struct offload_row {
	const char *name, *engine;
	uint64_t bs;
	unsigned qd, threads;
	double bw, paper_gibps;
};

/* ---- output ---- */

static void text_report(FILE *f, const struct args *a, const struct ref *r, const struct sr_target *t,
			const uint64_t *sizes, double (*bw)[NPATHS], int nsizes, const struct offload_row *o, int no,
			uint64_t extent, const struct sr_devspec *ds)
{
	const double *paper[NPATHS] = { r->aio_store, r->aio_load, r->py_store, r->py_load };
	char b[32];
	int i, p, k;

	fprintf(f, "ssdreplay %s: CHEOPS'25 (DOI %s) reproduced on %s (%u-byte blocks)\n", SR_VERSION, r->doi,
		t->path, t->lbs);
	if (nsizes) {
		fprintf(f, "\nFig. 2: tensor load/store bandwidth, GB/s here | published ext4 | ratio here/published\n"
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
		fprintf(f, "\nOffloading request sizes: sequential weight streaming over %s, %.3g s each (O_DIRECT)\n",
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

static int json_report(FILE *f, const struct args *a, const struct ref *r, const struct sr_target *t,
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
				json_pack("{s:f, s:f, s:f, s:f}", "bw_bytes", bw[i][p], "GBps", bw[i][p] / 1e9,
					  "paper_GBps", paper[p][k], "ratio", bw[i][p] / 1e9 / paper[p][k]));
		json_array_append_new(fig, row);
	}
	json_object_set_new(root, "fig2", fig);
	for (i = 0; i < no; i++) {
		json_t *row = json_pack("{s:s, s:I, s:s, s:i, s:i, s:f, s:f, s:f}", "pattern", o[i].name,
			"bs", (json_int_t)o[i].bs, "engine", o[i].engine, "qd", (int)o[i].qd, "threads", (int)o[i].threads,
			"bw_bytes", o[i].bw, "GiBps", o[i].bw / (double)(1ull << 30), "pct_of_capability_here",
			100 * o[i].bw / o[0].bw);

		if (ds->seq_read_Bps > 0)
			json_object_set_new(row, "pct_of_spec", json_real(100 * o[i].bw / ds->seq_read_Bps));
		if (o[i].paper_gibps > 0) {
			json_object_set_new(row, "paper_GiBps", json_real(o[i].paper_gibps));
			json_object_set_new(row, "paper_pct_of_hardware", json_real(100 * o[i].paper_gibps / r->hw_gibps));
		}
		json_array_append_new(off, row);
	}
	json_object_set_new(root, "offload", json_pack("{s:I, s:f, s:f, s:o}", "extent_bytes", (json_int_t)extent,
		"runtime_s", (double)a->runtime_ns / 1e9, "paper_hardware_GiBps", r->hw_gibps, "patterns", off));
	if (ds->seq_read_Bps > 0)
		json_object_set_new(root, "spec", json_pack("{s:f, s:s}", "seq_read_bw_bytes", ds->seq_read_Bps, "source",
			ds->source[0] ? ds->source : ds->profile[0] ? ds->profile : "--spec"));
	ret = json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(8));
	fputc('\n', f);
	json_decref(root);
	return ret ? -EIO : 0;
}

/* ---- the command ---- */

int cmd_cheops(int argc, char **argv)
{
	struct args a = { .max_size = 1024 * MIB, .min_size = MIB, .repeat = 1, .runtime_ns = 5000000000ull,
			  .engine = "libaio", .reference = SR_PROFILE_DIR "/reference/cheops25.ini" };
	struct sr_err e = { 0 };
	struct sr_target tgt = { .fd = -1 };
	struct ref ref;
	struct sr_devspec ds;
	struct ctx c = { .a = &a, .tgt = &tgt, .bfd = -1 };
	uint64_t sizes[NSIZES], s, extent = 0;
	double bw[NSIZES][NPATHS];
	struct offload_row o[3];
	char *scratch = NULL;
	struct stat sb;
	FILE *f = stdout;
	struct sr_outfile out = { 0 };
	int pos, ret, nsizes = 0, no = 0, status = SR_EXIT_OK, is_blk, show = isatty(STDERR_FILENO);

	ret = sr_opts_parse(CMD, opts, argc, argv, parse_opt, &a, "[options] DIR|DEVICE", &pos, &e);
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
	if (load_ref(a.reference, &ref, &e))
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
	if (is_blk) {
		ret = sr_target_open(argv[pos], (a.allow_write ? SR_TGT_WRITE : 0) | SR_TGT_DIRECT, &tgt, &e);
		if (!ret && a.allow_write)
			ret = sr_target_write_check(&tgt, "/sys", &e);
		if (!ret && tgt.size < a.max_size)
			ret = sr_inputf(&e, "%s: %" PRIu64 " bytes, smaller than --max-size %" PRIu64, tgt.path, tgt.size,
					a.max_size);
		if (ret)
			goto fail;
		c.bfd = open(argv[pos], a.allow_write ? O_RDWR : O_RDONLY);
	} else {
		if (asprintf(&scratch, "%s/ssdreplay-cheops.%d.tmp", argv[pos], (int)getpid()) < 0) {
			scratch = NULL;
			sr_errf(&e, -ENOMEM, "out of memory");
			goto fail;
		}
		/* O_EXCL: never touch a file that is somebody else's */
		c.bfd = open(scratch, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (c.bfd < 0) {
			sr_errf(&e, -errno, "%s: %s", scratch, strerror(errno));
			free(scratch);
			scratch = NULL;
			goto fail;
		}
		ret = sr_target_open(scratch, SR_TGT_WRITE | SR_TGT_DIRECT, &tgt, &e);
		if (ret)
			goto fail;
	}
	if (c.bfd < 0) {
		sr_errf(&e, -errno, "%s: %s", argv[pos], strerror(errno));
		goto fail;
	}
	memset(&ds, 0, sizeof(ds));
	if (sr_devspec_for_path(tgt.path, a.spec, "/sys", &ds, &e))
		goto fail;
	if (a.only != 2) {
		c.buf_len = a.max_size;
		c.buf = mmap(NULL, c.buf_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (c.buf == MAP_FAILED) {
			c.buf = NULL;
			sr_errf(&e, -ENOMEM, CMD ": the buffered path needs %" PRIu64 " bytes of memory (lower --max-size)",
				a.max_size);
			goto fail;
		}
		memset(c.buf, 0x5a, c.buf_len); /* a tensor's worth of data, faulted in before any clock */
	}
	sr_cli_install_signals();
	if (a.only != 2)
		for (s = a.min_size; s <= a.max_size && !sr_cli_stop; s *= 2) {
			if (show)
				fprintf(stderr, "\rcheops: tensor %" PRIu64 " MiB ", s / MIB);
			ret = measure_size(&c, s, bw[nsizes], &e);
			if (ret == -EINTR || (ret && sr_cli_stop))
				break;
			if (ret)
				goto fail;
			sizes[nsizes++] = s;
			extent = s;
		}
	if (a.only != 1 && !sr_cli_stop) {
		const struct {
			const char *name, *engine;
			uint64_t bs;
			unsigned qd, threads;
			double paper;
		} pat[3] = {
			{ "capability (1M, QD 32)", a.engine, MIB, 32, 1, 0 },
			{ "DeepSpeed-like", "libaio", ref.ds_req, (unsigned)ref.ds_qd, 1, ref.ds_gibps },
			{ "FlexGen-like", "psync", ref.fg_req, (unsigned)ref.fg_threads, (unsigned)ref.fg_threads, ref.fg_gibps },
		};
		int i;

		if (!extent) {
			/* --only offload: stream over a freshly written max-size file */
			extent = a.max_size;
			if (!is_blk) {
				double r = async_run(&c, SR_OP_WRITE, extent, MIB, a.engine, 32, 1, 0, &e);

				if (r < 0) {
					ret = (int)r;
					goto stopped;
				}
			}
		}
		for (i = 0; i < 3 && !sr_cli_stop; i++) {
			double r;

			if (show)
				fprintf(stderr, "\rcheops: %-24s", pat[i].name);
			r = async_run(&c, SR_OP_READ, extent, pat[i].bs, pat[i].engine, pat[i].qd, pat[i].threads,
				      a.runtime_ns, &e);
			if (r < 0) {
				ret = (int)r;
				goto stopped;
			}
			o[no++] = (struct offload_row){ pat[i].name, pat[i].engine, pat[i].bs, pat[i].qd, pat[i].threads, r,
							pat[i].paper };
		}
	}
	ret = 0;
stopped:
	if (show)
		fputs("\r                                   \r", stderr);
	if (ret && !sr_cli_stop)
		goto fail;
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
