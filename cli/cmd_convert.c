/* ssdreplay convert IN -o OUT --to csv|fio-iolog|blkparse|blktrace|fio-job|routing-log */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/outfile.h"
#include "cli/cli.h"
#include "cli/fio_compat.h"
#include "cli/opts.h"
#include "cli/rows.h"
#include "trace/blklat.h"
#include "trace/fiojob.h"
#include "base/source.h"
#include "synth/profile.h"
#include "synth/route_recover.h"
#include "trace/writer.h"

#define CMD "convert"

enum {
	O_OUTPUT = 'o', O_FORMAT = 'f', O_TO = 256, O_IOLOG_NAME, O_BLK_DEV,
	O_FIO_TARGET, O_FIO_ENGINE, O_FIO_QD, O_FIO_BUFFERED, O_FIO_TIMING, O_FIO_WRITE, O_PROGRESS,
	O_TRACE_IN, O_TRACE_IN_LAST = O_TRACE_IN + SR_CLI_TRACE_IN_NR - 1,
};

struct args {
	const char *output, *to, *format;
	struct sr_writer_cfg wcfg;
	struct sr_cli_trace_in in;
	struct sr_fiojob_cfg job;
	struct sr_cli_targets tg; /* --target: the fio job's */
	int progress;
	struct sr_cli_trace_meter meter;
};

static int parse_opt(void *ctx, int key, const char *arg, struct sr_err *e);

static const char *const timing_names[] = { "afap", "recorded", NULL };

#define A struct args
static const struct sr_opt opts[] = {
	SR_CLI_OUTPUT_ROW(O_OUTPUT, A, output, "FILE", "", "where to write (required; written only when the whole input converts)"),
	{ SR_OPT_STR("to", O_TO, "FMT", "", "csv, fio-iolog (v3 when the input has times, else v2), blkparse, blktrace (binary: blkparse -i, btt), fio-job (-o is a directory: job.fio + an iolog v3 per target), routing-log (with --gguf: the experts each token touched, for --routing log:FILE)", A, to) },
	SR_CLI_FORMAT_ROW(O_FORMAT, A, format, "input format: %s"),
	{ "iolog-name", O_IOLOG_NAME, 1, "NAME", "target", "fio-iolog: file name in the log (fio's replay_redirect overrides it)" },
	{ "blk-dev", O_BLK_DEV, 1, "MAJ:MIN", "0:0", "blkparse, blktrace: the device of each event" },
	SR_CLI_TARGET_ROW(O_FIO_TARGET, A, tg, "fio-job: file or device the trace's target N replays onto (give once per target, in order)"),
	{ "engine", O_FIO_ENGINE, 1, "NAME", "io_uring", "fio-job: fio ioengine: %s", .parse = sr_cli_row_engine_data,
	  SR_OPT_FIELD(A, job.engine), .list = sr_cli_list_engines_data },
	{ SR_OPT_UINT("qd", O_FIO_QD, "N", "32", "fio-job: iodepth", A, job.qd, 1, 65536) },
	{ SR_OPT_FLAG("buffered", O_FIO_BUFFERED, "fio-job: direct=0 (default: direct=1)", A, job.buffered) },
	{ SR_OPT_CHOICE("timing", O_FIO_TIMING, "afap|recorded", "afap", "fio-job: ignore (replay_no_stall=1) or honour the trace's times", A, job.recorded, timing_names, NULL) },
	{ SR_OPT_FLAG("allow-write", O_FIO_WRITE, "fio-job: keep writes and trims (default: dropped, job readonly=1)", A, job.allow_write) },
	SR_CLI_PROGRESS_ROW(O_PROGRESS, A, progress),
	SR_CLI_TRACE_IN_OPTS(O_TRACE_IN),
	SR_OPT_END,
};
#undef A

/* --iolog-name, --blk-dev and the trace filters: handle() of the table. */
static int parse_opt(void *ctx, int key, const char *arg, struct sr_err *e)
{
	struct args *a = ctx;
	struct sr_trace_opts dev = { 0 };

	switch (key) {
	case O_IOLOG_NAME:
		if (!*arg || strpbrk(arg, " \t\n"))
			return sr_inputf(e, CMD ": --iolog-name: expected a file name without spaces, found '%s'", arg);
		a->wcfg.iolog_name = arg;
		return 0;
	case O_BLK_DEV:
		if (sr_cli_trace_opt(CMD, 1 /* --dev */, arg, &dev, e)) {
			sr_err_clear(e); /* the shared parser names --dev, which convert does not take */
			return sr_inputf(e, CMD ": --blk-dev: expected MAJ:MIN like 259:0 (MAJ up to 4095, MIN up to 1048575), found '%s'",
					 arg);
		}
		a->wcfg.dev_major = dev.dev_major;
		a->wcfg.dev_minor = dev.dev_minor;
		return 0;
	default:
		if (key >= O_TRACE_IN && key <= O_TRACE_IN_LAST)
			return sr_cli_trace_in_opt(CMD, key - O_TRACE_IN, arg, &a->in, e);
		return sr_inputf(e, CMD ": internal: unhandled option %d", key);
	}
}

static int convert_fio_job(struct args *a, struct sr_source *src, const char *in, struct sr_err *e)
{
	struct sr_fiojob *j = NULL;
	struct sr_rec recs[1024];
	int n, ret;

	a->job.dir = a->output;
	a->job.source = in;
	a->job.targets = a->tg.path;
	a->job.nr_targets = a->tg.n;
	ret = sr_fiojob_open(&a->job, &j, e);
	if (ret)
		return ret;
	while ((n = sr_source_next(src, recs, 1024, e)) > 0)
		if ((ret = sr_fiojob_write(j, recs, (size_t)n, e)))
			break;
	sr_cli_trace_meter_end(&a->meter, n == 0 && !ret);
	if (n < 0 || ret) {
		sr_fiojob_abort(j);
		return n < 0 ? n : ret;
	}
	return sr_fiojob_close(j, e);
}

/* --to routing-log: the experts each token touched per layer
 * (synth/route_recover.h), written whole or not at all. */
static int convert_routing(struct args *a, const char *in, struct sr_err *e)
{
	struct sr_cli_trace_in plain = a->in;
	struct sr_route_recover *rr = NULL;
	struct sr_source *src = NULL;
	struct sr_outfile out = { 0 };
	struct sr_route_stats st;
	struct sr_model m = { 0 };
	struct sr_rec recs[1024];
	int n = 0, ret;

	if (!a->in.gguf)
		return sr_inputf(e, CMD ": --to routing-log: expected --gguf MODEL (the model file the capture read)");
	ret = sr_model_load(a->in.gguf, &m, e);
	if (ret)
		return ret;
	plain.gguf = NULL;
	if ((ret = sr_route_recover_open(&m, &rr, e)) ||
	    (ret = sr_cli_trace_in_open_model(&plain, in, a->format, NULL, &src, e)) ||
	    (ret = sr_cli_trace_meter_wrap(&a->meter, &src, e)))
		goto out;
	while ((n = sr_source_next(src, recs, 1024, e)) > 0)
		if ((ret = sr_route_recover_feed(rr, recs, (size_t)n, e)))
			goto out;
	sr_cli_trace_meter_end(&a->meter, n == 0); /* before the summary line */
	if ((ret = n) < 0 || (ret = sr_outfile_open(&out, a->output, e)))
		goto out;
	if ((ret = sr_route_recover_write(rr, out.f, &st, e)) || (ret = sr_outfile_commit(&out, e)))
		goto out;
	fprintf(stderr, CMD ": %s: %llu tokens, %llu token-layer lines; %llu with fewer experts seen than %u (filled from the previous token), %llu with more (the most touched kept)\n",
		a->output, (unsigned long long)st.tokens, (unsigned long long)st.cells,
		(unsigned long long)st.short_cells, m.hp.n_expert_used, (unsigned long long)st.over_cells);
out:
	sr_cli_trace_meter_end(&a->meter, 0);
	sr_outfile_abort(&out);
	if (src)
		src->close(src);
	sr_route_recover_close(rr);
	sr_model_free(&m);
	return ret;
}

/* Can path be read twice? Not stdin, a pipe or a device node; a name that
 * does not exist may be a blktrace DEV naming DEV.blktrace.N files. */
static int rereadable(const char *path)
{
	struct stat st;

	if (!strcmp(path, "-"))
		return 0;
	return stat(path, &st) || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode);
}

/* --to blktrace/blkparse from a block trace: read it once to pair each
 * request's Q, D and C events (the completion latency of each record, the
 * process names), then rewind for the writing pass. */
static int pairs(const struct sr_source *src)
{
	return src->format && (!strcmp(src->format, "blktrace") || !strcmp(src->format, "blkparse"));
}

static int pair_pass(struct sr_source *src, struct sr_blklat *lat, struct sr_rec *recs, size_t max,
		     struct sr_err *e)
{
	int n;

	if (!pairs(src))
		return 0;
	while ((n = sr_source_next(src, recs, max, e)) > 0)
		;
	sr_blklat_finish(lat); /* pending ones counted; the rewound pass feeds nothing */
	if (n < 0)
		return n;
	return src->rewind(src, e);
}

int cmd_convert(int argc, char **argv)
{
	struct args a = { .in.topts.event = 'D' }; /* the rest: the table's defaults */
	struct sr_err e = { 0 };
	struct sr_source *src = NULL;
	struct sr_writer *w = NULL;
	struct sr_blklat *lat = NULL;
	struct sr_rec recs[1024];
	struct sr_outfile out = { 0 };
	int pos, ret, n, status, twice = 0;

	ret = sr_opts_parse(CMD, opts, argc, argv, parse_opt, &a, "[options] TRACE -o OUT --to FMT", &pos, &e);
	if (ret == 1)
		return SR_EXIT_OK;
	if (ret)
		goto fail;
	if (argc - pos != 1) {
		sr_inputf(&e, CMD ": expected one input TRACE, found %d", argc - pos);
		goto fail;
	}
	if (!a.output || !a.to) {
		sr_inputf(&e, CMD ": expected -o OUT and --to %s", "csv|fio-iolog|blkparse|blktrace|fio-job|routing-log");
		goto fail;
	}
	if (strcmp(a.to, "fio-job") && a.tg.n) {
		sr_inputf(&e, CMD ": --target is for --to fio-job");
		goto fail;
	}
	if (!strcmp(a.to, "fio-job") && !a.tg.n) {
		sr_inputf(&e, CMD ": --to fio-job: expected --target PATH (the file or device each job replays onto)");
		goto fail;
	}
	sr_cli_trace_meter_start(&a.meter, isatty(STDERR_FILENO), a.progress); /* before open: decompression */
	if (!strcmp(a.to, "routing-log")) {
		status = convert_routing(&a, argv[pos], &e) ? sr_cli_fail(&e) : SR_EXIT_OK;
		goto out;
	}
	if (!strcmp(a.to, "blktrace") || !strcmp(a.to, "blkparse")) {
		/* read once (stdin, a pipe): process names only, nothing remembered to pair */
		twice = rereadable(argv[pos]);
		if (sr_blklat_new(twice, &lat)) {
			sr_errf(&e, -ENOMEM, "out of memory");
			goto fail;
		}
		a.in.topts.lat = lat;
		a.wcfg.lat = lat;
	}
	ret = sr_cli_trace_in_open(&a.in, argv[pos], a.format, &src, &e);
	if (ret || sr_cli_trace_meter_wrap(&a.meter, &src, &e))
		goto fail;
	a.meter.passes = twice && pairs(src) ? 2 : 1; /* the pairing pass reads it once more */
	if (twice && pair_pass(src, lat, recs, 1024, &e))
		goto fail;
	if (lat && !twice && !strcmp(a.to, "blktrace"))
		fprintf(stderr, CMD ": %s is read once: Q and D events only, no completions (C); give a file to keep them\n",
			argv[pos]);
	if (!strcmp(a.to, "fio-job")) {
		status = convert_fio_job(&a, src, argv[pos], &e) ? sr_cli_fail(&e) : SR_EXIT_OK;
		goto out;
	}
	/* Write beside the output and rename at the end (base/outfile), so a bad
	 * input line halfway through leaves nothing behind and an old OUT intact */
	ret = sr_outfile_open(&out, a.output, &e);
	if (ret)
		goto fail;
	ret = sr_writer_open(a.to, out.f, &a.wcfg, &w, &e);
	if (ret)
		goto fail;
	while ((n = sr_source_next(src, recs, 1024, &e)) > 0) {
		if (sr_writer_write(w, recs, (size_t)n)) {
			sr_errf(&e, -EIO, "%s: write failed", a.output);
			goto fail;
		}
	}
	if (n < 0)
		goto fail;
	sr_cli_trace_meter_end(&a.meter, 1);
	ret = sr_writer_close(w);
	w = NULL;
	if (ret) {
		sr_errf(&e, -EIO, "%s: write failed", a.output);
		goto fail;
	}
	if (sr_outfile_commit(&out, &e))
		goto fail;
	status = SR_EXIT_OK;
	goto out;
fail:
	sr_cli_trace_meter_end(&a.meter, 0);
	status = sr_cli_fail(&e);
out:
	sr_cli_trace_meter_end(&a.meter, 0);
	if (w)
		sr_writer_close(w);
	sr_outfile_abort(&out);
	if (src)
		src->close(src);
	sr_blklat_free(lat);
	return status;
}
