/* Shared by the subcommands in cli/: exit codes, signal flag, helpers that
 * print. Only cli/ prints and chooses exit status. */
#ifndef SR_CLI_H
#define SR_CLI_H

#include <signal.h>
#include <stdint.h>

#include "base/err.h"
#include "synth/model.h"
#include "replay/report.h"
#include "base/source.h"

enum {
	SR_EXIT_OK = 0,
	SR_EXIT_FAIL = 1,    /* the run failed (I/O error, verify mismatch) */
	SR_EXIT_USAGE = 2,   /* bad input: flag, trace, profile, device */
	SR_EXIT_SIGNAL = 130 /* stopped by SIGINT/SIGTERM, partial report printed */
};

#define sr_cli_stop sr_stop_requested /* base/err.h: library read loops see it too */
void sr_cli_install_signals(void);

/* The progress line on stderr (replay, synth --write-gguf): "\r[  12.0s]  45.0%%  812.3 MiB/s
 * eta    15s", or without % and eta when frac is 0 (not known). */
void sr_cli_progress_line(uint64_t elapsed_ns, double frac, double mibs);
/* A progress meter for a run of unknown length, on stderr, every second:
 * on SR_CLI_METER_TTY (stderr is a terminal) once the run is past 2 s, on
 * SR_CLI_METER_FORCED (--progress) from the first tick; 0: never.
 * sr_cli_meter_end ends the line if one was shown. */
enum { SR_CLI_METER_TTY = 1, SR_CLI_METER_FORCED = 2 };
struct sr_cli_meter {
	int on, shown;
	uint64_t t0, last_ns, last_bytes;
};
void sr_cli_meter_start(struct sr_cli_meter *m, int on);
void sr_cli_meter_tick(struct sr_cli_meter *m, double frac, uint64_t bytes);
void sr_cli_meter_end(struct sr_cli_meter *m);
/* End the line where it is (a failed or stopped run, or output between
 * parts), without drawing 100%; ticks after it start a new line. */
void sr_cli_meter_cut(struct sr_cli_meter *m);

/* analyze and convert: the progress of reading a trace, from its source's
 * pos (bytes of the file read, of its size): % and eta, or bytes read and
 * the rate when the size is not known (a pipe). on (stderr is a terminal):
 * once the run is past 2 s; forced (--progress): from the first batch;
 * then every second, on stderr. A .gz/.zst trace is decompressed at open,
 * which shows as a "decompressing" line of its own: start the meter before
 * opening the trace, wrap the source after (passes: the reads over it the
 * run makes, counted by its rewinds), end it after the last read (done: it
 * read all; else the line ends where it was) and before any other output. */
struct sr_cli_trace_meter {
	struct sr_cli_meter m;  /* m.t0: the run's start */
	int forced, decomp, known;
	unsigned passes, pass;
	uint64_t phase_ns;      /* since m.t0, when this phase began: the eta's base */
	double frac;            /* the last position seen */
	uint64_t bytes;
	struct sr_source *src;  /* the wrapped reader, while open */
};
void sr_cli_trace_meter_start(struct sr_cli_trace_meter *t, int on, int forced);
int sr_cli_trace_meter_wrap(struct sr_cli_trace_meter *t, struct sr_source **src, struct sr_err *e);
void sr_cli_trace_meter_end(struct sr_cli_trace_meter *t, int done);

/* Print "ssdreplay: MSG" and return the exit status the error calls for. */
int sr_cli_fail(const struct sr_err *e);

/* Parse helpers that fill e with "CMD: --OPT: expected ..., found '...'". */
int sr_cli_size(const char *cmd, const char *opt, const char *arg, uint64_t *out, struct sr_err *e);
int sr_cli_uint(const char *cmd, const char *opt, const char *arg, uint64_t min, uint64_t max,
		uint64_t *out, struct sr_err *e);
/* A percentage, "5" or "5%", from min to max (NaN and infinities refused);
 * a one-line bad-input error naming cmd and --opt otherwise. */
int sr_cli_pct(const char *cmd, const char *opt, const char *arg, double min, double max, double *out,
	       struct sr_err *e);

/* The trace filter flags every trace-reading command takes, in this order:
 * --event, --dev, --pid, --comm, --rw, --time (which = 0..5). */
int sr_cli_trace_opt(const char *cmd, int which, const char *arg, struct sr_trace_opts *o,
		     struct sr_err *e);
int sr_cli_trace_filtering(const struct sr_trace_opts *o);

/* How replay, analyze and convert read a trace: the filters above plus
 * --file-map/--dev-base, --ino and --gguf (label records with the model's
 * tensors). Their option table entries, keys base .. base+9: */
struct sr_cli_trace_in {
	struct sr_trace_opts topts; /* .event = 'D' by default */
	const char *file_map;
	uint64_t dev_base;
	const char *gguf;           /* a GGUF file or a model profile name */
	int have_ino;               /* --ino: keep one inode's records (filemap, faults) */
	uint64_t ino;
	int fio_rw;                 /* --rw read|randread|write|randwrite (fio's rw=): an enum sr_pattern, SR_PAT_WRITE or'ed in */
};
#define SR_CLI_TRACE_IN_NR 11
#define SR_CLI_TRACE_IN_OPTS(base)                                                                  \
	{ "event", (base), 1, "D|Q|C", "D", "blktrace/blkparse/ftrace: issue, queue or complete events" }, \
	{ "dev", (base) + 1, 1, "MAJ:MIN", "", "keep only this device's events" },                    \
	{ "pid", (base) + 2, 1, "PID", "", "keep only this process's events" },                        \
	{ "comm", (base) + 3, 1, "NAME", "", "keep only events of processes with this command name" }, \
	{ "ops", (base) + 4, 1, "r|w|rw", "rw", "keep reads, writes or both (was --rw, which now takes fio's rw=)" }, \
	{ "time", (base) + 5, 1, "START:END", "", "keep events in this window of trace time (10, 1.5s, 200ms; END may be empty)" }, \
	{ "file-map", (base) + 6, 1, "FILE", "", "keep only FILE's I/O as offsets in FILE: by its extents (FIEMAP) in block traces, by device and inode in filemap/faults traces" }, \
	{ "dev-base", (base) + 7, 1, "BYTES", "0", "with --file-map: where FILE's file system starts on the traced device" }, \
	{ "gguf", (base) + 8, 1, "MODEL", "", "label each access with the tensor it falls in (a .gguf file or a model profile); sweep: the model of simulate points" }, \
	{ "ino", (base) + 9, 1, "N", "", "filemap/faults traces: keep only inode N's records (decimal, or 0x hex)" }, \
	{ "rw", (base) + 10, 1, "read|randread|write|randwrite", "", "fio's rw=: replay and sweep run it as --pattern (writes need --allow-write; sweep reads only)" }
/* 0, -EINVAL (bad input, in e), or 1 for fio's --rw, which replay and sweep
 * run as their --pattern (other commands refuse it here). */
int sr_cli_trace_in_opt(const char *cmd, int which, const char *arg, struct sr_cli_trace_in *in,
			struct sr_err *e);
/* Open path as fmt with the filters, then the file mapping and the --gguf
 * labels when asked. path "-" is standard input: a text format, csv when
 * fmt is auto and stdin is a pipe (a pipe cannot be probed and re-read). */
int sr_cli_trace_in_open(const struct sr_cli_trace_in *in, const char *path, const char *fmt,
			 struct sr_source **src, struct sr_err *e);
/* The same labelling with model (when not NULL; it must outlive *src)
 * instead of loading in->gguf again. */
struct sr_model;
int sr_cli_trace_in_open_model(const struct sr_cli_trace_in *in, const char *path, const char *fmt,
			       const struct sr_model *model, struct sr_source **src, struct sr_err *e);

/* The schedule simulate and sweep walk: synthesized from model (a profile
 * name or a GGUF path) with so, or trace (read through in's filters when in
 * is not NULL) labelled with model's tensors when model is given. */
struct sr_synth_opts;
struct sr_cli_sched {
	struct sr_source *src;
	struct sr_model model;
	int have_model;
	uint64_t model_bytes; /* the model's file, or target_size for a bare trace */
	const char *name;
};
int sr_cli_sched_open(const char *model, const char *trace, const char *format,
		      const struct sr_cli_trace_in *in, const struct sr_synth_opts *so,
		      uint64_t target_size, struct sr_cli_sched *s, struct sr_err *e);
void sr_cli_sched_close(struct sr_cli_sched *s);
/* --access tensor|page[:SIZE] into so (access, page). */
int sr_cli_access(const char *cmd, const char *arg, struct sr_synth_opts *so, struct sr_err *e);
/* The target's read_ahead_kb as the pagecache policy takes it: 0 unknown,
 * UINT64_MAX when the device reads no ahead. */
uint64_t sr_cli_read_ahead_kb(const char *disk);
/* The largest page-cache folio the pagecache policy assumes: given (a
 * --max-folio, "--max-folio" in why), or when 0 the target's
 * (sr_dev_max_folio, which says why). */
uint64_t sr_cli_max_folio(uint64_t given, const char *path, char *why, size_t n);

/* replay --synth SPEC: "MODEL [synth's schedule options]" (a profile name
 * or GGUF path first, or --profile/--gguf) opened as a source over m, which
 * the caller frees with sr_model_free after closing *src; free *keep too. */
int sr_cli_synth_open(const char *spec, struct sr_model *m, struct sr_source **src, char **keep,
		      struct sr_err *e);


/* --pattern seq|rand (fio's read|randread|write|randwrite accepted too;
 * writes set SR_PAT_WRITE in *out). */
int sr_cli_pattern(const char *cmd, const char *arg, int *out, struct sr_err *e);
/* After a report: when a signal stopped the run, say so on stderr and
 * return SR_EXIT_SIGNAL, else status unchanged. */
int sr_cli_stopped(int status);

/* --output-format text|json|csv (fio's normal/terse accepted too). */
int sr_cli_outfmt(const char *cmd, const char *arg, enum sr_out_fmt *out, struct sr_err *e);

int cmd_replay(int argc, char **argv);
int cmd_prep(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
/* "ssdreplay: warning: PATH is RAM-backed (tmpfs): ..." on stderr when it is
 * (devices/ramtarget.h); one line, the run goes on. */
void sr_cli_warn_ram(const char *path);

int cmd_devices(int argc, char **argv);
int cmd_cheops(int argc, char **argv);
int cmd_study(int argc, char **argv);

#endif
