/* ssdreplay replay [options] TARGET */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/samefile.h"
#include "base/checked.h"
#include "base/membudget.h"
#include "base/outfile.h"
#include "cli/cli.h"
#include "cli/fio_compat.h"
#include "cli/opts.h"
#include "cli/rows.h"
#include "devices/affinity.h"
#include "devices/spec.h"
#include "devices/target.h"
#include "base/plot.h"
#include "replay/replay.h"
#include "replay/report.h"
#include "base/units.h"
#include "synth/profile.h"
#include "synth/schedule.h"
#include "replay/verify.h"

#define CMD "replay"
#define DEFAULT_MAX_REQ (1u << 20)

enum {
	O_TRACE = 't', O_FORMAT = 'f', O_ENGINE = 'e', O_QD = 'q', O_BS = 'b', O_OUTPUT = 'o',
	O_PATTERN = 256, O_SIZE, O_SEED, O_BUFFERED, O_ALIGN, O_MERGE, O_PAGE, O_BATCH, O_TIMING,
	O_RUNTIME, O_LOOPS, O_OFFMAP, O_TRACE_SIZE, O_RANGE, O_ALLOW_WRITE, O_VERIFY, O_THREADS,
	O_SQPOLL, O_HIPRI, O_NOREG, O_OUTFMT, O_TIMELINE, O_PROGRESS, O_PLACE,
	O_TARGET, O_LAYOUT, O_CPUS, O_TAG_STATS, O_SPEC, O_FORCE_DESTROY, O_PLOT, O_SYNTH, O_FAULT, O_ON_ERROR,
	O_TRACE_IN, O_TRACE_IN_LAST = O_TRACE_IN + SR_CLI_TRACE_IN_NR - 1,
	O_FIO_FIRST, O_FIO_LAST = O_FIO_FIRST + SR_CLI_FIO_NR - 1,
};

struct args {
	struct sr_cli_trace_in in;
	struct sr_cli_targets tg;
	const char *cpus_str, *spec, *force;
	cpu_set_t cpus;
	int have_cpus, tag_stats;
	const char *trace, *format, *output, *timeline, *plot, *synth;
	struct sr_cli_engine eng;
	struct sr_faults faults;
	int have_faults, on_error;
	unsigned retries;
	int pattern; /* -1: none */
	uint64_t size, seed, qd, batch, threads, bs, page, runtime_ns, loops, trace_size;
	uint64_t range_start, range_len;
	int buffered, merge, align_error, timing, sqpoll, hipri, noreg, allow_write, verify;
	int progress, offset_map;
	double scale;
	const char *timing_str;
	enum sr_out_fmt outfmt;
	const char *log_name[3]; /* --write_bw_log, --write_lat_log, --write_iops_log */
	uint64_t log_avg_ms;
};

static int parse_opt(void *ctx, int key, const char *arg, struct sr_err *e);
static int parse_timing(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e);
static int parse_range(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e);

static const char *const align_names[] = { "expand", "error", NULL };
static const char *const offmap_names[] = { "wrap", "scale", "none", NULL };
static const int offmap_vals[] = { SR_MAP_WRAP, SR_MAP_SCALE, SR_MAP_NONE };

#define A struct args
static const struct sr_opt opts[] = {
	{ SR_OPT_STR("trace", O_TRACE, "FILE", "", "trace to replay", A, trace) },
	SR_CLI_FORMAT_ROW(O_FORMAT, A, format, "trace format: %s"),
	SR_CLI_TRACE_IN_OPTS(O_TRACE_IN),
	{ "pattern", O_PATTERN, 1, "seq|rand", "", "built-in workload instead of a trace (fio rw=read|randread)" },
	{ SR_OPT_SIZE("size", O_SIZE, "SIZE", "target size", "bytes the pattern covers", A, size, 0, 0), .flags = SR_OPTF_DEFDOC },
	{ SR_OPT_UINT("seed", O_SEED, "N", "1", "seed for --pattern rand and --fault", A, seed, 0, UINT64_MAX) },
	SR_CLI_ENGINE_ROW(O_ENGINE, A, eng, "%s; faulty:NAME injects --fault into NAME's completions", 1),
	{ "fault", O_FAULT, 1, "SPEC,...", "", "with --engine faulty:NAME: eio:RATE, short:RATE, delay:MS:RATE (RATE 0..1 per completion), fail-at:N (the Nth completion fails with EIO); repeatable" },
	{ "on-error", O_ON_ERROR, 1, "stop|continue|retry:N", "stop", "a failed request (an errno, or 0 bytes): stop the run, count it and go on, or retry it N times first (retry:N,continue: then go on); exit status 1 if any request failed in the end" },
	/* io_uring's IORING_MAX_ENTRIES */
	{ SR_OPT_UINT("qd", O_QD, "N", "32", "requests in flight", A, qd, 1, 32768) },
	{ SR_OPT_UINT("batch", O_BATCH, "N", "1", "submit after this many requests are queued (as fio's iodepth_batch_submit)", A, batch, 1, 65536) },
	{ SR_OPT_UINT("threads", O_THREADS, "N", "1", "psync: worker threads (requests in flight); io_uring, libaio, null: replay threads per target, each with its own ring and --qd slots", A, threads, 1, 1024) },
	{ SR_OPT_FLAG("sqpoll", O_SQPOLL, "io_uring: kernel submission polling thread", A, sqpoll) },
	{ SR_OPT_FLAG("hipri", O_HIPRI, "polled completions (io_uring IOPOLL; needs poll queues)", A, hipri) },
	{ SR_OPT_FLAG("no-register", O_NOREG, "io_uring: don't register files and buffers", A, noreg) },
	{ SR_OPT_FLAG("buffered", O_BUFFERED, "go through the page cache (default: O_DIRECT)", A, buffered) },
	{ SR_OPT_SIZE("bs", O_BS, "SIZE", "4k for patterns, 1M for traces", "largest request: bigger records are split", A, bs, 1, 1ull << 30),
	  .expect = "1 byte to 1 GiB", .flags = SR_OPTF_DEFDOC },
	{ SR_OPT_FLAG("merge", O_MERGE, "merge contiguous records up to --bs", A, merge) },
	{ SR_OPT_SIZE("page", O_PAGE, "SIZE", "", "round every access out to SIZE pages (4k, 16k, 64k, 2M): read amplification", A, page, 1, 1ull << 30),
	  .expect = "a power of two up to 1G (4k, 16k, 2M)", .flags = SR_OPTF_POW2 },
	{ SR_OPT_CHOICE("align", O_ALIGN, "expand|error", "expand", "records not aligned to the logical block size", A, align_error, align_names, NULL) },
	{ SR_OPT_CB("timing", O_TIMING, "MODE", "afap", "afap, recorded (honour trace times), scale:X (times x X)", parse_timing) },
	{ SR_OPT_DURATION("runtime", O_RUNTIME, "SEC", "", "stop issuing after this long (10, 500ms, 2m)", A, runtime_ns) },
	{ SR_OPT_UINT("loops", O_LOOPS, "N", "1", "passes over the trace; 0: repeat until --runtime", A, loops, 0, UINT64_MAX) },
	{ SR_OPT_CHOICE("offset-map", O_OFFMAP, "wrap|scale", "none", "fit offsets beyond the target onto it", A, offset_map, offmap_names, offmap_vals) },
	{ SR_OPT_SIZE("trace-size", O_TRACE_SIZE, "SIZE", "highest offset in trace", "extent the trace was recorded on, for --offset-map scale", A, trace_size, 0, 0),
	  .flags = SR_OPTF_DEFDOC },
	{ SR_OPT_STR("synth", O_SYNTH, "'MODEL [OPTS]'", "", "replay a synthetic schedule: a profile or GGUF and synth's schedule options, e.g. 'llama-2-7b-q4_k_m --tokens 4 --access page:4k' (ssdreplay synth --help)", A, synth) },
	{ SR_OPT_STR("plot", O_PLOT, "DIR", "", "write bandwidth.svg and latency_cdf.svg here, each with its .csv data, .gp gnuplot script and .png (where gnuplot can); created when missing", A, plot) },
	{ "place", O_PLACE, 1, "OFFSET", "0", "put trace offset 0 at OFFSET of the target (a file-mapped trace onto a raw device): --range OFFSET:" },
	{ SR_OPT_CB("range", O_RANGE, "START:LEN", "whole target", "replay into this byte range of the target", parse_range), .flags = SR_OPTF_DEFDOC },
	SR_CLI_TARGET_ROWS(O_TARGET, O_LAYOUT, A, tg,
			   "a target file or device; repeat for several (then give --layout); instead of TARGET",
			   "stripe:SIZE|by-target",
			   "several targets: stripe one address space over them in SIZE chunks (RAID-0), or let the record's target column (0, 1, ...) pick the device",
			   1),
	{ "cpus", O_CPUS, 1, "LIST", "the device's NUMA node", "run the replay threads on these CPUs (0,2-3); default: pinned to each device's NUMA node when sysfs names one, and at --qd 1 with one thread on one single-queue device (virtio, SATA) to the CPU that takes its completion interrupts" },
	{ SR_OPT_FLAG("tag-stats", O_TAG_STATS, "bytes, requests and latency per record tag (tensor/expert, pid); --merge then merges only within a tag", A, tag_stats) },
	{ SR_OPT_STR("spec", O_SPEC, "FILE|k=v,...", "matched by model", "device spec for %-of-spec figures: a profile file or seq_read=7000MB/s,rand_read=1000k,pcie=4x4", A, spec),
	  .flags = SR_OPTF_DEFDOC },
	{ SR_OPT_FLAG("allow-write", O_ALLOW_WRITE, "issue the trace's writes (refused on mounted/held/root devices)", A, allow_write) },
	{ SR_OPT_STR("force-destroy-data", O_FORCE_DESTROY, "DEVICE", "", "with --allow-write: write to DEVICE (one of the targets) even though it is mounted or has holders, destroying its data; the device holding / and swap are refused even then", A, force) },
	{ SR_OPT_FLAG("verify", O_VERIFY, "check every read against the layout `ssdreplay prep` wrote", A, verify) },
	SR_CLI_OUTPUT_ROWS(O_OUTPUT, O_OUTFMT, A, output, outfmt, "FILE", "stdout", "write the report here",
			   "text, json, json+ (fio's: json with clat_ns.bins), csv"),
	{ SR_OPT_STR("timeline", O_TIMELINE, "FILE", "", "per-second bandwidth timeline as CSV", A, timeline) },
	{ SR_OPT_FLAG("progress", O_PROGRESS, "progress line on stderr every second (default when stderr is a tty)", A, progress) },
	SR_CLI_FIO_ROWS(O_FIO_FIRST, A),
	SR_OPT_END,
};
#undef A

/* --timing afap, recorded or scale:X */
static int parse_timing(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	struct args *a = ctx;

	(void)cmd;
	(void)o;
	a->timing_str = arg;
	if (!strcmp(arg, "afap")) {
		a->timing = SR_TIMING_AFAP;
		a->scale = 1;
	} else if (!strcmp(arg, "recorded")) {
		a->timing = SR_TIMING_RECORDED;
		a->scale = 1;
	} else if (!strncmp(arg, "scale:", 6)) {
		char *end;

		a->scale = strtod(arg + 6, &end);
		if (end == arg + 6 || *end || !(a->scale >= 0) || a->scale > 1e6)
			return sr_inputf(e, CMD ": --timing: expected scale:X with X a number >= 0, found '%s'", arg);
		a->timing = SR_TIMING_RECORDED;
	} else {
		return sr_inputf(e, CMD ": --timing: expected afap, recorded or scale:X, found '%s'", arg);
	}
	return 0;
}

/* --range START:LEN */
static int parse_range(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e)
{
	struct args *a = ctx;
	char buf[128], *colon;

	(void)cmd;
	(void)o;
	snprintf(buf, sizeof(buf), "%s", arg);
	colon = strchr(buf, ':');
	if (colon)
		*colon = 0;
	if (sr_parse_size(buf, &a->range_start) || (colon && colon[1] && sr_parse_size(colon + 1, &a->range_len)))
		return sr_inputf(e, CMD ": --range: expected START:LEN with sizes (1G:512M), found '%s'", arg);
	return 0;
}

/* The rows with more than a field to set: handle() of the table. */
static int parse_opt(void *ctx, int key, const char *arg, struct sr_err *e)
{
	struct args *a = ctx;

	switch (key) {
	case O_FAULT:
		a->have_faults = 1;
		return sr_faults_parse(CMD, arg, &a->faults, e);
	case O_ON_ERROR: {
		unsigned retries;
		int ret = sr_on_error_parse(CMD, arg, &a->on_error, &retries, e);

		a->retries = retries;
		return ret;
	}
	case O_PATTERN:
		if (a->pattern >= 0)
			return sr_inputf(e, CMD ": give one --pattern or --rw");
		return sr_cli_pattern(CMD, arg, &a->pattern, e);
	case O_PLACE:
		a->range_len = 0;
		if (sr_parse_size(arg, &a->range_start))
			return sr_inputf(e, CMD ": --place: expected a byte offset (1G, 4096), found '%s'", arg);
		return 0;
	case O_CPUS:
		a->cpus_str = arg;
		a->have_cpus = 1;
		return sr_cpulist_parse(CMD ": --cpus", arg, &a->cpus, e);
	default:
		if (key >= O_TRACE_IN && key <= O_TRACE_IN_LAST) {
			int r = sr_cli_trace_in_opt(CMD, key - O_TRACE_IN, arg, &a->in, e);

			return r == 1 ? parse_opt(a, O_PATTERN, arg, e) : r; /* 1: fio's --rw is --pattern */
		}
	}
	return sr_inputf(e, CMD ": internal: unhandled option %d", key);
}

struct progress {
	uint64_t total;     /* bytes expected, 0 if unknown */
	uint64_t runtime_ns;
	uint64_t last_bytes;
	uint64_t last_ns;
};

static void show_progress(void *arg, const struct sr_stats *st, uint64_t elapsed_ns)
{
	struct progress *p = arg;
	uint64_t done = st->op[0].bytes + st->op[1].bytes;
	double dt = (double)(elapsed_ns - p->last_ns) / 1e9;
	double mibs = dt > 0 ? (double)(done - p->last_bytes) / dt / 1048576.0 : 0;
	double frac = 0;

	if (p->runtime_ns)
		frac = (double)elapsed_ns / (double)p->runtime_ns;
	else if (p->total)
		frac = (double)done / (double)p->total;
	if (frac > 1)
		frac = 1;
	sr_cli_progress_line(elapsed_ns, frac, mibs);
	p->last_bytes = done;
	p->last_ns = elapsed_ns;
}

/* Highest end offset in the trace: a streaming pre-pass for --offset-map scale. */
static int trace_extent(struct sr_source *src, uint64_t *extent, struct sr_err *e)
{
	struct sr_rec r[256];
	int n, i;

	*extent = 0;
	while ((n = sr_source_next(src, r, 256, e)) > 0)
		for (i = 0; i < n; i++)
			if (r[i].off + r[i].len > *extent)
				*extent = r[i].off + r[i].len;
	if (n < 0)
		return n;
	return src->rewind(src, e);
}

static int write_outputs(const struct args *a, struct sr_outfile *out, struct sr_outfile *tl,
			 const struct sr_report_info *ri, const struct sr_stats *st, struct sr_err *e)
{
	unsigned i;
	int ret;

	ret = sr_report_write(out->f, a->outfmt, ri, st);
	if (ret) {
		sr_outfile_abort(out);
		return sr_errf(e, ret, "%s: cannot write the report", out->name);
	}
	ret = sr_outfile_commit(out, e);
	if (ret)
		return ret;
	if (tl->f) {
		ret = sr_report_timeline_csv(tl->f, st);
		if (ret) {
			sr_outfile_abort(tl);
			return sr_errf(e, -EIO, "%s: cannot write the timeline", tl->name);
		}
		ret = sr_outfile_commit(tl, e);
		if (ret)
			return ret;
	}
	for (i = 0; i < 3; i++)
		if (a->log_name[i] &&
		    sr_fiolog_write(&st->fiolog, a->log_name[i], 1u << i, st->end_ns - st->start_ns, e))
			return -EIO;
	return 0;
}

/* The run id in a prepped target's first sector, or -ENODATA. */
static int read_run_id(const struct sr_target *t, uint64_t *run_id, struct sr_err *e)
{
	void *sec;
	int ret;

	if (posix_memalign(&sec, 4096, 4096))
		return sr_errf(e, -ENOMEM, "out of memory");
	ret = pread(t->fd, sec, 4096, 0) == 4096 ? sr_verify_run_id(sec, run_id) : -ENODATA;
	free(sec);
	return ret;
}

struct tgt_ctx {
	struct sr_target t[SR_CLI_MAX_TARGETS];
	struct sr_replay_target rt[SR_CLI_MAX_TARGETS];
	struct sr_devspec spec[SR_CLI_MAX_TARGETS];
	cpu_set_t node_cpus[SR_CLI_MAX_TARGETS];
	int fds[SR_CLI_MAX_TARGETS];
	unsigned n;
	struct sr_disk_util du[SR_CLI_MAX_TARGETS]; /* their disks, for fio's disk_util */
	unsigned ndu;
};

/* The disks under the targets (a file's: its file system's), each once,
 * before the run (after = 0) or after it. */
static void sample_disks(struct tgt_ctx *tc, int after)
{
	unsigned k, j;

	if (after) {
		for (j = 0; j < tc->ndu; j++)
			if (sr_disk_stat("/sys", tc->du[j].name, &tc->du[j].after))
				tc->du[j].after = tc->du[j].before;
		return;
	}
	for (k = tc->ndu = 0; k < tc->n; k++) {
		const char *name = tc->t[k].disk;

		for (j = 0; j < tc->ndu && strcmp(tc->du[j].name, name); j++)
			;
		if (!name[0] || j < tc->ndu)
			continue;
		_Static_assert(sizeof(tc->du[0].name) == sizeof(tc->t[0].disk), "disk names");
		memcpy(tc->du[tc->ndu].name, name, sizeof(tc->du[0].name));
		if (!sr_disk_stat("/sys", name, &tc->du[tc->ndu].before))
			tc->ndu++;
	}
}

/* Where target i's replay threads run: --cpus; else the device's NUMA node;
 * and at QD 1 with one thread on one single-queue device, the CPU that takes
 * its completion interrupts (within the node). There the interrupt wakes the
 * waiting thread on its own CPU: from another CPU the wake-up takes an IPI,
 * which costs a VM tens of microseconds per request when the vCPU idles. */
static void pick_cpus(const struct args *a, struct tgt_ctx *tc, unsigned i)
{
	const struct sr_target *t = &tc->t[i];
	cpu_set_t irq;
	int node;

	if (a->have_cpus) {
		tc->rt[i].cpus = &a->cpus;
		return;
	}
	node = sr_disk_numa_node("/sys", t->disk);
	if (node >= 0 && !sr_node_cpus("/sys", node, &tc->node_cpus[i])) {
		tc->rt[i].cpus = &tc->node_cpus[i];
		tc->rt[i].numa_node = node;
	}
	if (a->qd != 1 || a->threads != 1 || a->tg.n != 1 || a->eng.ops == &sr_engine_null ||
	    sr_disk_irq_cpus("/sys", "/proc", t->disk, &irq))
		return;
	if (tc->rt[i].cpus)
		CPU_AND(&irq, &irq, tc->rt[i].cpus);
	if (!CPU_COUNT(&irq))
		return;
	tc->node_cpus[i] = irq;
	tc->rt[i].cpus = &tc->node_cpus[i];
}

/* Open every target, write-checked before it is opened for writing. */
static int open_targets(const struct args *a, struct tgt_ctx *tc, struct sr_err *e)
{
	unsigned i;
	int ret, named = !a->force;

	for (i = 0; i < a->tg.n && a->force; i++) {
		char x[4096], y[4096];

		if (realpath(a->force, x) && realpath(a->tg.path[i], y) && !strcmp(x, y))
			named = 1;
	}
	if (!named)
		return sr_inputf(e, CMD ": --force-destroy-data %s is not one of the targets", a->force);
	if (a->force && !a->allow_write)
		return sr_inputf(e, CMD ": --force-destroy-data only matters with --allow-write");
	for (i = 0; i < a->tg.n; i++) {
		struct sr_target *t = &tc->t[i];

		/* refuse before anything opens the device for writing */
		if (a->allow_write && sr_target_write_check_path(a->tg.path[i], "/sys", a->force, e))
			return -EINVAL;
		ret = sr_target_open(a->tg.path[i], (a->allow_write ? SR_TGT_WRITE : 0) |
						    (a->buffered ? 0 : SR_TGT_DIRECT | SR_TGT_HINT_BUFFERED), t, e);
		if (ret)
			return ret;
		tc->n = i + 1;
		tc->fds[i] = t->fd;
		for (unsigned j = 0; j < i; j++) /* a stripe over one file twice is not two devices */
			if (sr_same_fd(tc->fds[j], t->fd))
				return sr_inputf(e, CMD ": --target %s is given twice (the same %s as %s)", a->tg.path[i],
						 t->is_blk ? "device" : "file", a->tg.path[j]);
		if (a->allow_write && sr_target_write_check_force(t, "/sys", a->force, e))
			return -EINVAL;
		if (!t->size)
			return sr_inputf(e, "%s: target is empty (create one with ssdreplay prep %s --size 1G)",
					 t->path, t->path);
		ret = sr_devspec_for_path(t->path, a->spec, "/sys", &tc->spec[i], e);
		if (ret)
			return ret;
		tc->rt[i] = (struct sr_replay_target){
			.name = t->path, .size = t->size, .lbs = t->lbs, .numa_node = -1,
		};
		pick_cpus(a, tc, i);
	}
	return 0;
}

/* Run ids for --verify and for writes: target i of a set prepped together
 * (ssdreplay prep A B) carries target 0's run id + i, so a device given in
 * another place than it was prepped for fails verification. */
static int run_ids(const struct args *a, struct tgt_ctx *tc, struct sr_err *e)
{
	uint64_t base = 0, id;
	unsigned i;

	if (!a->verify && !a->allow_write)
		return 0;
	for (i = 0; i < tc->n; i++) {
		int ret = read_run_id(&tc->t[i], &id, e);

		if (ret == -ENOMEM)
			return ret;
		if (ret && a->verify)
			return sr_inputf(e, "%s: --verify: offset 0 holds no ssdreplay prep header (run ssdreplay prep %s first)",
					 tc->t[i].path, tc->t[i].path);
		if (ret)
			id = 0; /* writes carry the prep layout too, so a prepped target stays verifiable */
		if (i == 0)
			base = id;
		tc->rt[i].run_id = a->verify ? base + i : id;
	}
	return 0;
}

/* Buffers sized to what the run can use: a pattern of N requests never gets
 * more than N slots (--threads 1024 --qd 32768 for 256 requests allocated
 * 20+ GB), and threads x qd x bs x targets must fit in available memory. */
static int size_slots(const struct args *a, unsigned ntgt, struct sr_replay_cfg *rc, struct sr_err *e)
{
	uint64_t reqs, f[4], need;
	unsigned *par = rc->workers ? &rc->workers : &rc->threads;

	if (a->pattern >= 0 && a->loops && !sr_mul_u64(a->size / a->bs, a->loops, &reqs) && reqs) {
		if (*par > reqs)
			*par = (unsigned)reqs;
		if (rc->qd > (reqs + *par - 1) / *par)
			rc->qd = (unsigned)((reqs + *par - 1) / *par);
		if (rc->batch > rc->qd)
			rc->batch = rc->qd;
	}
	f[0] = rc->workers ? rc->workers : 1;
	f[1] = rc->qd;
	f[2] = a->bs;
	f[3] = ntgt;
	if (sr_mem_product(f, 4, &need))
		need = UINT64_MAX;
	return sr_mem_budget(need, CMD ": --threads x --qd x --bs buffers", e);
}

static const char *tag_name(void *arg, uint32_t tag, char *buf, size_t n)
{
	return sr_tag_name(arg, tag, buf, n);
}

/* What the options allow together, before anything is opened. */
static int check_args(struct args *a, int argc, char **argv, int pos, struct sr_err *e)
{
	const struct sr_engine_ops *inner;

	if (a->tg.n && argc - pos)
		return sr_inputf(e, CMD ": give targets either as TARGET or with --target, not both");
	if (!a->tg.n && argc - pos != 1)
		return sr_inputf(e, CMD ": expected one TARGET (a file or block device), found %d; see ssdreplay replay --help",
				 argc - pos);
	if (!a->tg.n)
		a->tg.path[a->tg.n++] = argv[pos];
	if (a->tg.n > 1 && !a->tg.layout)
		return sr_inputf(e, CMD ": %u targets: give --layout stripe:SIZE or --layout by-target", a->tg.n);
	if (!!a->trace + !!a->synth + (a->pattern >= 0) != 1)
		return sr_inputf(e, CMD ": expected exactly one of --trace FILE, --synth 'MODEL [OPTS]' or --pattern seq|rand (fio: --rw read|randread)");
	if (a->pattern >= 0 && (a->pattern & SR_PAT_WRITE) && !a->allow_write)
		return sr_inputf(e, CMD ": a write pattern overwrites %s: add --allow-write", a->tg.path[0]);
	if (a->synth && a->in.gguf)
		return sr_inputf(e, CMD ": --synth's model labels the schedule already; drop --gguf");
	if (!a->trace && (sr_cli_trace_filtering(&a->in.topts) || a->in.file_map))
		return sr_inputf(e, CMD ": --event/--dev/--pid/--comm/--ops/--time filter a --trace");
	if (!a->loops && !a->runtime_ns)
		return sr_inputf(e, CMD ": --loops 0 repeats forever: give --runtime too");
	inner = a->eng.inner;
	a->faults.inner = inner;
	if (a->have_faults && a->eng.ops != &sr_engine_faulty)
		return sr_inputf(e, CMD ": --fault needs --engine faulty:NAME (faulty:io_uring, faulty:psync, ...)");
	if (a->verify && (inner->flags & SR_ENGINE_NODATA))
		return sr_inputf(e, CMD ": --verify needs an engine that reads (--engine null moves no data)");

	if (a->plot && sr_plot_dir(a->plot, e)) {
		char msg[sizeof(e->msg)];

		snprintf(msg, sizeof(msg), "%s", e->msg);
		sr_err_clear(e); /* the first message wins: this one names the flag */
		return sr_inputf(e, CMD ": --plot: %s", msg);
	}
	return 0;
}

/* The address space records live in (striped, or each target's own), its
 * largest logical block size, the targets' names; --range checked in it. */
static int address_space(const struct args *a, const struct tgt_ctx *tc, uint64_t *size, uint64_t *min_size,
			 uint32_t *lbs, char *tgtnames, size_t n, struct sr_err *e)
{
	unsigned i;

	for (i = 0; i < tc->n; i++) {
		size_t len = strlen(tgtnames);

		if (tc->t[i].size < *min_size)
			*min_size = tc->t[i].size;
		if (tc->t[i].lbs > *lbs)
			*lbs = tc->t[i].lbs;
		snprintf(tgtnames + len, n - len, "%s%s", i ? "," : "", tc->t[i].path);
	}
	/* the address space records live in: striped, or each target's own */
	*size = tc->t[0].size;
	if (a->tg.layout == SR_LAYOUT_STRIPE) {
		if (a->tg.stripe % *lbs)
			return sr_inputf(e, CMD ": --layout %s: the chunk is not a multiple of the %u-byte logical block size",
					 a->tg.layout_str, *lbs);
		*size = *min_size / a->tg.stripe * a->tg.stripe * tc->n;
		if (!*size)
			return sr_inputf(e, CMD ": --layout %s: a target is smaller than one chunk", a->tg.layout_str);
	}
	for (i = 0; i < (a->tg.layout == SR_LAYOUT_STRIPE ? 1 : tc->n); i++) {
		uint64_t sz = a->tg.layout == SR_LAYOUT_STRIPE ? *size : tc->t[i].size;
		const char *name = a->tg.layout == SR_LAYOUT_STRIPE ? "the striped targets" : tc->t[i].path;

		if (a->range_start >= sz || a->range_len > sz - a->range_start)
			return sr_inputf(e, CMD ": --range %" PRIu64 ":%" PRIu64 " is outside %s (%" PRIu64 " bytes)",
					 a->range_start, a->range_len, name, sz);
	}
	if ((a->range_start | a->range_len) % *lbs)
		return sr_inputf(e, CMD ": --range %" PRIu64 ":%" PRIu64 " is not aligned to %s's %u-byte logical block size",
				 a->range_start, a->range_len, tgtnames, *lbs);
	return 0;
}

/* The records: a synthetic schedule, a trace (with --gguf's model to name
 * tags), or a pattern over the target; a->bs defaults by kind. */
static int open_source(struct args *a, uint64_t size, uint64_t min_size, struct sr_model *model, int *have_model,
		       struct sr_source **src, char **synth_keep, struct progress *prog, struct sr_err *e)
{
	int ret;

	if (a->synth) {
		ret = sr_cli_synth_open(a->synth, model, src, synth_keep, e);
		if (ret)
			return ret;
		*have_model = 1;
		if (!a->bs)
			a->bs = a->page > DEFAULT_MAX_REQ ? a->page : DEFAULT_MAX_REQ;
	} else if (a->trace) {
		if (a->in.gguf) { /* kept here too, to name tags in the report */
			ret = sr_model_load(a->in.gguf, model, e);
			if (ret)
				return ret;
			*have_model = 1;
		}
		ret = sr_cli_trace_in_open_model(&a->in, a->trace, a->format, *have_model ? model : NULL, src, e);
		if (ret)
			return ret;
		if (!a->bs)
			a->bs = a->page > DEFAULT_MAX_REQ ? a->page : DEFAULT_MAX_REQ;
	} else {
		if (!a->bs)
			a->bs = 4096;
		if (!a->size) {
			uint64_t room = a->range_len ? a->range_len :
						      (a->tg.layout == SR_LAYOUT_BY_TARGET ? min_size : size) - a->range_start;

			if (room < a->bs) {
				return sr_inputf(e, CMD ": --bs %" PRIu64 " is larger than the %" PRIu64 " bytes the pattern "
						 "covers (%s)", a->bs, room, a->range_len ? "--range" : "the target");
			}
			a->size = room / a->bs * a->bs;
		}
		ret = sr_pattern_open(a->pattern, a->size, a->bs, a->seed, src, e);
		if (ret)
			return ret;
		prog->total = a->size * a->loops;
	}
	return 0;
}

/* The replay loop's settings from the options, the targets and the source. */
static void replay_cfg(struct sr_replay_cfg *rc, struct args *a, const struct tgt_ctx *tc,
		       const struct sr_source *src, const char *tgtnames, uint64_t size, uint32_t lbs,
		       const struct sr_engine_ops *inner)
{
	*rc = (struct sr_replay_cfg){
		.engine = a->eng.ops, .qd = (unsigned)a->qd, .batch = (unsigned)a->batch,
		.threads = (unsigned)a->threads, .sqpoll = a->sqpoll, .hipri = a->hipri,
		.no_register = a->noreg, .timing = a->timing, .time_scale = a->scale,
		.runtime_ns = a->runtime_ns, .loops = a->loops, .verify = a->verify,
		.run_id = tc->rt[0].run_id, .tgt_name = tc->t[0].path, .stop = &sr_cli_stop,
		.shape = {
			.src_name = src->name, .tgt_name = tc->n > 1 ? tgtnames : tc->t[0].path,
			.target_size = size, .range_start = a->range_start, .range_len = a->range_len,
			.offset_map = a->offset_map, .trace_size = a->trace_size, .lbs = lbs,
			.align_error = a->align_error, .page = a->page, .max_req = a->bs,
			.merge = a->merge, .allow_write = a->allow_write, .merge_same_tag = a->tag_stats,
		},
		.targets = tc->rt, .layout = a->tg.layout, .stripe = a->tg.stripe, .tag_stats = a->tag_stats,
		.on_error = a->on_error, .retries = (unsigned)a->retries,
	};
	if (a->eng.ops == &sr_engine_faulty) {
		a->faults.seed = a->seed;
		a->faults.align = lbs;
		rc->faults = &a->faults;
	}
	if (inner->flags & SR_ENGINE_SYNCIO) {
		rc->qd = sr_engine_qd(inner, rc->qd, (unsigned)a->threads); /* more slots than workers would only queue */
	} else {
		rc->workers = (unsigned)a->threads; /* one ring per thread per device */
		rc->threads = 1;
	}
}

/* --bs against the block size, and --batch (depends on --qd). */
static int check_bs_batch(struct args *a, uint32_t lbs, const char *tgtnames, struct sr_err *e)
{
	if (!a->buffered && a->bs % lbs) {
		sr_inputf(e, CMD ": --bs %" PRIu64 " is not a multiple of %s's %u-byte logical block size",
			  a->bs, tgtnames, lbs);
		return -1;
	}
	/* Default 1, as fio: each request goes to the kernel as soon as it is
	 * queued. Larger batches let the block layer plug and merge contiguous
	 * requests, which is not what the trace asked for (and, on the
	 * development VM, cost 25% of 4K random IOPS). */
	if (!a->batch)
		a->batch = 1;
	if (a->batch > a->qd)
		a->batch = a->qd;
	return 0;
}

/* What the report says about the run besides its figures. */
static void report_info(struct sr_report_info *ri, const struct args *a, const struct tgt_ctx *tc,
			const struct sr_source *src, const struct sr_replay_cfg *rc, const char *tgtnames, const char *srcname,
			uint64_t size, uint32_t lbs, struct sr_model *model)
{
	*ri = (struct sr_report_info){
		.cmd = CMD, .target = tgtnames, .source = a->trace ? a->trace : a->synth ? a->synth : srcname,
		.format = src->format ? src->format : a->format, .engine = a->eng.name, .qd = rc->qd,
		.bs = a->bs, .page = a->page, .direct = !a->buffered, .merge = a->merge,
		.timing = a->timing_str, .target_size = size, .lbs = lbs,
		.layout = a->tg.layout_str, .threads = rc->workers ? rc->workers : 1,
		.spec = tc->n == 1 ? &tc->spec[0] : NULL, .tgt_specs = tc->spec,
		.faults = rc->faults, .seed = a->seed, .on_error = a->on_error, .retries = rc->retries,
		.tag_name = tag_name, .tag_name_arg = model, /* KV tags need no model */
	};
}

int cmd_replay(int argc, char **argv)
{
	struct args a = { .in.topts.event = 'D', .pattern = -1 }; /* the rest: the table's defaults */
	struct sr_err e = { 0 };
	struct tgt_ctx *tc = NULL;
	struct sr_source *src = NULL;
	struct sr_stats st;
	struct sr_replay_cfg rc;
	struct sr_report_info ri;
	struct sr_outfile out = { 0 }, tl = { 0 };
	struct sr_model model = { 0 };
	char *synth_keep = NULL;
	int have_model = 0;
	struct progress prog = { 0 };
	char srcname[64], tgtnames[1024] = "";
	uint64_t size, min_size = UINT64_MAX;
	uint32_t lbs = 1;
	const struct sr_engine_ops *inner;
	unsigned i;
	int pos, ret, status = SR_EXIT_OK;

	sr_stats_init(&st);
	ret = sr_opts_parse(CMD, opts, argc, argv, parse_opt, &a, "[options] TARGET | --target A [--target B ...]",
			    &pos, &e);
	if (ret == 1)
		return SR_EXIT_OK;
	if (ret)
		goto fail;
	if (check_args(&a, argc, argv, pos, &e))
		goto fail;
	inner = a.eng.inner;
	/* before any I/O: a path that cannot be written fails now, not after the run */
	if (sr_outfile_open(&out, a.output, &e) || (a.timeline && sr_outfile_open(&tl, a.timeline, &e)))
		goto fail;
	for (i = 0; i < 3; i++)
		if (a.log_name[i] && sr_fiolog_write(NULL, a.log_name[i], 1u << i, 0, &e))
			goto fail;
	tc = calloc(1, sizeof(*tc));
	if (!tc) {
		sr_errf(&e, -ENOMEM, "out of memory");
		goto fail;
	}
	if (open_targets(&a, tc, &e) || run_ids(&a, tc, &e))
		goto fail;
	if (address_space(&a, tc, &size, &min_size, &lbs, tgtnames, sizeof(tgtnames), &e))
		goto fail;
	if (open_source(&a, size, min_size, &model, &have_model, &src, &synth_keep, &prog, &e))
		goto fail;
	if (a.offset_map == SR_MAP_SCALE && !a.trace_size) {
		ret = trace_extent(src, &a.trace_size, &e);
		if (ret)
			goto fail;
	}
	if (check_bs_batch(&a, lbs, tgtnames, &e))
		goto fail;

	replay_cfg(&rc, &a, tc, src, tgtnames, size, lbs, inner);
	if (have_model && a.tag_stats && tc->n == 1 && !a.range_start && a.offset_map == SR_MAP_NONE) {
		rc.tag_split = sr_label_split; /* target offsets are the model file's */
		rc.tag_split_ctx = &model;
	}
	if (size_slots(&a, tc->n, &rc, &e))
		goto fail;
	prog.runtime_ns = a.runtime_ns;
	if (a.progress || isatty(STDERR_FILENO)) {
		rc.progress = show_progress;
		rc.progress_arg = &prog;
	}
	for (unsigned k = 0; k < tc->n; k++)
		sr_cli_warn_ram(tc->t[k].path);
	sr_cli_install_signals();
	if (a.log_name[0] || a.log_name[1] || a.log_name[2]) /* fio's logs: sums per interval */
		st.fiolog.interval_ns = a.log_avg_ms * 1000000ull;
	sample_disks(tc, 0);
	ret = sr_replay_run(&rc, src, tc->fds, tc->n, &st, &e);
	sample_disks(tc, 1);
	if (rc.progress)
		fputc('\n', stderr);
	if (ret && e.bad_input)
		goto fail; /* bad trace: nothing written */
	if (ret && !st.fates.issued && !sr_cli_stop)
		goto fail; /* set-up failed (buffers, engine): no report of a run that never was */

	snprintf(srcname, sizeof(srcname), "%s", src->name);
	report_info(&ri, &a, tc, src, &rc, tgtnames, srcname, size, lbs, have_model ? &model : NULL);
	ri.disks = tc->du;
	ri.ndisks = tc->ndu;
	if (ret)
		status = sr_cli_fail(&e);
	sr_err_clear(&e);
	if (write_outputs(&a, &out, &tl, &ri, &st, &e) ||
	    (a.plot && sr_plot_replay(a.plot, ri.target, &st, 1, &e))) {
		status = sr_cli_fail(&e);
	} else if (sr_cli_stop) {
		status = sr_cli_stopped(status);
	} else if (!ret && st.fates.failed) {
		char line[512];

		sr_report_failures(line, sizeof(line), &ri, &st);
		fprintf(stderr, "ssdreplay: %s\n", line);
		status = SR_EXIT_FAIL;
	}
	goto out;
fail:
	status = sr_cli_fail(&e);
out:
	sr_outfile_abort(&out);
	sr_outfile_abort(&tl);
	if (src)
		src->close(src);
	for (i = 0; tc && i < tc->n; i++)
		sr_target_close(&tc->t[i]);
	free(tc);
	sr_stats_free(&st);
	if (have_model)
		sr_model_free(&model);
	free(synth_keep);
	return status;
}
