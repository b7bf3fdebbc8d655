#include "cli/cli.h"
#include "base/sig.h"
#include "devices/discover.h"
#include "devices/ramtarget.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/units.h"
#include "synth/profile.h"
#include "synth/schedule.h"
#include "trace/fiemap.h"
#include "trace/filekey.h"
#include "base/source.h"


static void on_signal(int sig)
{
	sr_cli_stop = sig;
}

void sr_cli_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: waits return EINTR and the loop sees the flag */
	sigemptyset(&sa.sa_mask);
	sr_sig_install(SIGINT, &sa);
	sr_sig_install(SIGTERM, &sa);
	sr_sig_install(SIGHUP, &sa); /* a closed terminal or ssh session: clean up the same way (unless nohup) */
}

void sr_cli_progress_line(uint64_t elapsed_ns, double frac, double mibs)
{
	if (frac > 0)
		fprintf(stderr, "\r[%5.1fs] %5.1f%% %9.1f MiB/s  eta %5.0fs ", elapsed_ns / 1e9, 100 * frac,
			mibs, elapsed_ns / 1e9 * (1 - frac) / frac);
	else
		fprintf(stderr, "\r[%5.1fs] %9.1f MiB/s ", elapsed_ns / 1e9, mibs);
}

void sr_cli_meter_start(struct sr_cli_meter *m, int on)
{
	*m = (struct sr_cli_meter){ .on = on, .t0 = sr_now_ns() };
}

void sr_cli_meter_tick(struct sr_cli_meter *m, double frac, uint64_t bytes)
{
	uint64_t now;
	double dt;

	if (!m->on)
		return;
	now = sr_now_ns() - m->t0;
	/* --progress: the first tick draws at once (a short run shows too) */
	if (!(m->on == SR_CLI_METER_FORCED && !m->shown) &&
	    (now < 2000000000ull || now - m->last_ns < 1000000000ull))
		return;
	dt = (double)(now - m->last_ns) / 1e9;
	sr_cli_progress_line(now, frac > 1 ? 1 : frac,
			     bytes >= m->last_bytes && dt > 0 ? (double)(bytes - m->last_bytes) / dt / 1048576.0 : 0);
	m->last_ns = now;
	m->last_bytes = bytes;
	m->shown = 1;
}

void sr_cli_meter_end(struct sr_cli_meter *m)
{
	if (!m->shown)
		return;
	sr_cli_progress_line(sr_now_ns() - m->t0, 1, 0); /* the run is done: 100%, eta 0 */
	fputc('\n', stderr);
	m->shown = 0;
}

void sr_cli_meter_cut(struct sr_cli_meter *m)
{
	if (!m->shown)
		return;
	fputc('\n', stderr);
	m->shown = 0;
}

int sr_cli_fail(const struct sr_err *e)
{
	if (sr_cli_stop && (e->code == -EINTR || !e->msg[0])) {
		/* an input wait cut short by the stop signal, not a failure of its own */
		fprintf(stderr, "ssdreplay: stopped by a signal%s%s\n", e->msg[0] ? ": " : "", e->msg);
		return SR_EXIT_SIGNAL;
	}
	fprintf(stderr, "ssdreplay: %s\n", e->msg[0] ? e->msg : strerror(-e->code));
	return e->bad_input ? SR_EXIT_USAGE : SR_EXIT_FAIL;
}

int sr_cli_size(const char *cmd, const char *opt, const char *arg, uint64_t *out, struct sr_err *e)
{
	int ret = sr_parse_size(arg, out);

	if (ret == -ERANGE)
		return sr_inputf(e, "%s: --%s: size '%s' does not fit in 64 bits", cmd, opt, arg);
	if (ret)
		return sr_inputf(e, "%s: --%s: expected a size like 4096, 128k, 4M, 2G, found '%s'", cmd, opt, arg);
	return 0;
}

int sr_cli_uint(const char *cmd, const char *opt, const char *arg, uint64_t min, uint64_t max,
		uint64_t *out, struct sr_err *e)
{
	uint64_t v;

	if (sr_parse_u64(arg, &v) || v < min || v > max)
		return sr_inputf(e, "%s: --%s: expected an integer from %" PRIu64 " to %" PRIu64 ", found '%s'",
				 cmd, opt, min, max, arg);
	*out = v;
	return 0;
}

int sr_cli_pct(const char *cmd, const char *opt, const char *arg, double min, double max, double *out,
	       struct sr_err *e)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (end != arg && *end == '%')
		end++;
	if (end == arg || *end || errno || !(v >= min && v <= max))
		return sr_inputf(e, "%s: --%s: expected a percentage from %g to %g (5%%), found '%s'", cmd, opt, min, max,
				 arg);
	*out = v;
	return 0;
}

int sr_cli_trace_filtering(const struct sr_trace_opts *o)
{
	return o->event != 'D' || o->have_dev || o->have_pid || o->comm || o->rw || o->t_start_ns ||
	       o->t_end_ns;
}

int sr_cli_trace_opt(const char *cmd, int which, const char *arg, struct sr_trace_opts *o,
		     struct sr_err *e)
{
	char buf[128], *colon;
	uint64_t v;

	switch (which) {
	case 0: /* --event */
		if (strlen(arg) != 1 || !strchr("DQC", arg[0]))
			return sr_inputf(e, "%s: --event: expected D (issue), Q (queue) or C (complete), found '%s'", cmd, arg);
		o->event = arg[0];
		return 0;
	case 1: { /* --dev MAJ:MIN */
		unsigned ma, mi;
		char tail;

		if (sscanf(arg, "%u:%u%c", &ma, &mi, &tail) != 2 || mi > 0xfffff || ma > 0xfff)
			return sr_inputf(e, "%s: --dev: expected MAJ:MIN like 259:0, found '%s'", cmd, arg);
		o->have_dev = 1;
		o->dev_major = ma;
		o->dev_minor = mi;
		return 0;
	}
	case 2: /* --pid */
		if (sr_parse_u64(arg, &v) || v > UINT32_MAX)
			return sr_inputf(e, "%s: --pid: expected a process id, found '%s'", cmd, arg);
		o->have_pid = 1;
		o->pid = (uint32_t)v;
		return 0;
	case 3: /* --comm */
		if (!*arg || strlen(arg) > 15)
			return sr_inputf(e, "%s: --comm: expected a command name of 1 to 15 characters, found '%s'", cmd, arg);
		o->comm = arg;
		return 0;
	case 4: /* --ops (was --rw) */
		if (!strcmp(arg, "r"))
			o->rw = SR_RW_READ;
		else if (!strcmp(arg, "w"))
			o->rw = SR_RW_WRITE;
		else if (!strcmp(arg, "rw"))
			o->rw = 0;
		else
			return sr_inputf(e, "%s: --ops: expected r, w or rw, found '%s'", cmd, arg);
		return 0;
	case 5: /* --time START:END */
		snprintf(buf, sizeof(buf), "%s", arg);
		colon = strchr(buf, ':');
		if (!colon)
			return sr_inputf(e, "%s: --time: expected START:END (seconds, or 200ms; END may be empty), found '%s'", cmd, arg);
		*colon = 0;
		if ((*buf && sr_parse_duration(buf, &o->t_start_ns)) ||
		    (colon[1] && sr_parse_duration(colon + 1, &o->t_end_ns)) ||
		    (o->t_end_ns && o->t_end_ns <= o->t_start_ns))
			return sr_inputf(e, "%s: --time: expected START:END with START < END, found '%s'", cmd, arg);
		return 0;
	}
	return sr_inputf(e, "%s: internal: unknown trace option %d", cmd, which);
}

int sr_cli_trace_in_opt(const char *cmd, int which, const char *arg, struct sr_cli_trace_in *in,
			struct sr_err *e)
{
	if (which == 6) {
		in->file_map = arg;
		return 0;
	}
	if (which == 7)
		return sr_cli_size(cmd, "dev-base", arg, &in->dev_base, e);
	if (which == 9) {
		if (sr_parse_u64(arg, &in->ino))
			return sr_inputf(e, "%s: --ino: expected an inode number (decimal or 0x hex), found '%s'", cmd, arg);
		in->have_ino = 1;
		return 0;
	}
	if (which == 10) { /* fio's --rw: a pattern, not the old r|w|rw filter */
		if (!strcmp(arg, "r") || !strcmp(arg, "w") || !strcmp(arg, "rw"))
			return sr_inputf(e, "%s: --rw %s: the read/write filter is now --ops %s (--rw takes fio's read, randread, write, randwrite)", cmd, arg, arg);
		if (strcmp(cmd, "replay") && strcmp(cmd, "sweep"))
			return sr_inputf(e, "%s: --rw %s is fio's workload; only replay and sweep run patterns (--ops r|w|rw keeps reads or writes)", cmd, arg);
		if (strcmp(arg, "read") && strcmp(arg, "randread") && strcmp(arg, "write") && strcmp(arg, "randwrite"))
			return sr_inputf(e, "%s: --rw: expected fio's read, randread, write or randwrite, found '%s'", cmd, arg);
		if (sr_cli_pattern(cmd, arg, &in->fio_rw, e))
			return -EINVAL;
		return 1; /* the caller runs it as its --pattern */
	}
	if (which == 8) {
		if (!*arg)
			return sr_inputf(e, "%s: --gguf: expected a .gguf file or a model profile name", cmd);
		in->gguf = arg;
		return 0;
	}
	return sr_cli_trace_opt(cmd, which, arg, &in->topts, e);
}

/* The trace with --file-map/--ino applied: file-level traces (filemap,
 * faults) keep FILE's records by device and inode, block-level ones are cut
 * to its extents and re-addressed. */
static int open_mapped(const struct sr_cli_trace_in *in, const char *path, const char *fmt,
		       struct sr_source **src, struct sr_err *e)
{
	struct sr_file_key k = { 0 };
	const char *name;
	int ret, keyed;

	if (!in->file_map && !in->have_ino)
		return sr_trace_open_opts(path, fmt, &in->topts, src, e);
	if (in->file_map && in->have_ino)
		return sr_inputf(e, "--file-map and --ino: give one or the other");
	ret = sr_trace_format_pick(path, fmt, &name, &keyed, e);
	if (ret)
		return ret;
	if (!keyed && in->file_map) {
		ret = sr_trace_open_opts(path, name, &in->topts, src, e); /* probed once, above */
		return ret ? ret : sr_fiemap_wrap(src, in->file_map, in->dev_base, e);
	}
	if (keyed && in->dev_base)
		return sr_inputf(e, "%s: --dev-base: the %s format holds file offsets already", path, name);
	if (in->file_map) {
		ret = sr_file_key_of(in->file_map, &k, e);
		if (ret)
			return ret;
	} else {
		k.ino = in->ino;
	}
	return sr_trace_open_file(path, name, &in->topts, &k, src, e);
}

int sr_cli_trace_in_open_model(const struct sr_cli_trace_in *in, const char *path, const char *fmt,
			       const struct sr_model *model, struct sr_source **src, struct sr_err *e)
{
	struct sr_model *own = NULL;
	struct stat st;
	int ret;

	*src = NULL;
	if (!strcmp(path, "-") && !fstat(STDIN_FILENO, &st)) {
		if (S_ISREG(st.st_mode))
			path = "/dev/stdin"; /* a redirected file: probing and rewinding work */
		else if (!fmt || !strcmp(fmt, "auto"))
			fmt = "csv";
	}
	if (in->gguf && !model) {
		own = calloc(1, sizeof(*own));
		if (!own)
			return sr_errf(e, -ENOMEM, "out of memory");
		ret = sr_model_load(in->gguf, own, e);
		if (ret) {
			free(own);
			return ret;
		}
		model = own;
	}
	ret = open_mapped(in, path, fmt, src, e);
	if (!ret && model)
		ret = sr_label_wrap(src, model, own != NULL, e);
	if (ret) {
		if (*src)
			(*src)->close(*src);
		*src = NULL;
		if (own) {
			sr_model_free(own);
			free(own);
		}
	}
	return ret;
}

int sr_cli_trace_in_open(const struct sr_cli_trace_in *in, const char *path, const char *fmt,
			 struct sr_source **src, struct sr_err *e)
{
	return sr_cli_trace_in_open_model(in, path, fmt, NULL, src, e);
}

int sr_cli_outfmt(const char *cmd, const char *arg, enum sr_out_fmt *out, struct sr_err *e)
{
	if (!strcmp(arg, "text") || !strcmp(arg, "normal"))
		*out = SR_OUT_TEXT;
	else if (!strcmp(arg, "json"))
		*out = SR_OUT_JSON;
	else if (!strcmp(arg, "json+") && !strcmp(cmd, "replay"))
		*out = SR_OUT_JSON_PLUS;
	else if (!strcmp(arg, "json+"))
		return sr_inputf(e, "%s: --output-format json+: latency bins are replay's (fio's json+); use json", cmd);
	else if (!strcmp(arg, "csv"))
		*out = SR_OUT_CSV;
	else if (!strcmp(arg, "terse"))
		/* fio's terse is a fixed semicolon layout; CSV under its name would break its readers */
		return sr_inputf(e, "%s: --output-format terse: fio's semicolon format is not written; use csv (one header line, named columns) or json", cmd);
	else
		return sr_inputf(e, "%s: --output-format: expected text, json%s or csv, found '%s'", cmd,
				 strcmp(cmd, "replay") ? "" : ", json+", arg);
	return 0;
}

int sr_cli_access(const char *cmd, const char *arg, struct sr_synth_opts *so, struct sr_err *e)
{
	so->page = 4096;
	if (!strcmp(arg, "tensor")) {
		so->access = SR_ACCESS_TENSOR;
		return 0;
	}
	so->access = SR_ACCESS_PAGE;
	if (!strcmp(arg, "page"))
		return 0;
	if (strncmp(arg, "page:", 5) || sr_parse_size(arg + 5, &so->page) || so->page < 512 ||
	    so->page > (1ull << 30) || (so->page & (so->page - 1)))
		return sr_inputf(e, "%s: --access: expected tensor, page or page:SIZE with SIZE a power of two from 512 to 1G (page:4k, page:2M), found '%s'",
				 cmd, arg);
	return 0;
}

int sr_cli_sched_open(const char *model, const char *trace, const char *format,
		      const struct sr_cli_trace_in *in, const struct sr_synth_opts *so,
		      uint64_t target_size, struct sr_cli_sched *s, struct sr_err *e)
{
	memset(s, 0, sizeof(*s));
	if (model) {
		if (sr_model_load(model, &s->model, e))
			return -EINVAL;
		s->have_model = 1;
		s->model_bytes = s->model.file_size;
		s->name = model;
	}
	if (trace) {
		struct sr_cli_trace_in plain = { .topts.event = 'D' };

		plain = in ? *in : plain;
		plain.gguf = NULL; /* labelled with the model loaded here */
		if (sr_cli_trace_in_open_model(&plain, trace, format, s->have_model ? &s->model : NULL,
					       &s->src, e))
			return -EINVAL;
		s->name = trace;
		if (!s->have_model)
			s->model_bytes = target_size;
		return 0;
	}
	return sr_synth_open(&s->model, so, &s->src, e);
}

void sr_cli_sched_close(struct sr_cli_sched *s)
{
	if (s->src)
		s->src->close(s->src);
	s->src = NULL;
	if (s->have_model)
		sr_model_free(&s->model);
	s->have_model = 0;
}

uint64_t sr_cli_read_ahead_kb(const char *disk)
{
	long v = sr_dev_read_ahead_kb("/sys", disk);

	return v < 0 ? 0 : v == 0 ? UINT64_MAX : (uint64_t)v;
}

uint64_t sr_cli_max_folio(uint64_t given, const char *path, char *why, size_t n)
{
	if (!given)
		return sr_dev_max_folio(path, why, n);
	snprintf(why, n, "--max-folio");
	return given;
}

int sr_cli_pattern(const char *cmd, const char *arg, int *out, struct sr_err *e)
{
	if (!strcmp(arg, "seq") || !strcmp(arg, "read"))
		*out = SR_PAT_SEQ;
	else if (!strcmp(arg, "rand") || !strcmp(arg, "randread"))
		*out = SR_PAT_RAND;
	else if (!strcmp(arg, "write"))
		*out = SR_PAT_SEQ | SR_PAT_WRITE;
	else if (!strcmp(arg, "randwrite"))
		*out = SR_PAT_RAND | SR_PAT_WRITE;
	else
		return sr_inputf(e, "%s: --pattern: expected seq, rand or fio's read, randread, write, randwrite, found '%s'", cmd, arg);
	return 0;
}

int sr_cli_stopped(int status)
{
	if (!sr_cli_stop)
		return status;
	fprintf(stderr, "ssdreplay: stopped by signal %d: partial report\n", (int)sr_cli_stop);
	return SR_EXIT_SIGNAL;
}

void sr_cli_warn_ram(const char *path)
{
	char kind[160];

	if (sr_ram_backed("/sys", path, kind, sizeof(kind)))
		fprintf(stderr, "ssdreplay: warning: %s is RAM-backed (%s): its figures are memory speed, not an SSD's\n",
			path, kind);
}
