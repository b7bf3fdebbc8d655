/* Option rows more than one command takes, defined once: --target and
 * --layout, --engine, -o/--output and --output-format, fio's spellings, and
 * the lists --help prints from the ops tables (engines, trace formats). A
 * row names its field in the command's options struct (cli/opts.h). */
#ifndef SR_CLI_ROWS_H
#define SR_CLI_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "cli/opts.h"

/* One limit for every command that takes several targets. */
#define SR_CLI_MAX_TARGETS 64

struct sr_cli_targets {
	const char *path[SR_CLI_MAX_TARGETS];
	unsigned n;
	int layout;             /* SR_LAYOUT_* (replay/replay.h) */
	uint64_t stripe;        /* --layout stripe:SIZE */
	const char *layout_str; /* as given */
};

struct sr_engine_ops;
struct sr_cli_engine {
	const char *name; /* as given (after fio's sync/pvsync -> psync) */
	const struct sr_engine_ops *ops;
	const struct sr_engine_ops *inner; /* faulty:NAME's NAME, else ops */
};

int sr_cli_row_target(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e);
int sr_cli_row_layout(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e);
int sr_cli_row_stripe(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e);
int sr_cli_row_engine(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e);
int sr_cli_row_engine_faulty(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg,
			     struct sr_err *e);
int sr_cli_row_output(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e);
int sr_cli_row_outfmt(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e);

/* --help lists, from the ops tables. */
const char *sr_cli_list_engines(char *buf, size_t n); /* "io_uring, libaio, psync, null" */
const char *sr_cli_list_formats(char *buf, size_t n); /* "auto, csv, fio-iolog, ..." */
const char *sr_cli_list_engines_data(char *buf, size_t n); /* those that move data: not null */
/* --engine NAME of an engine that moves data (fio-job's ioengine), a const char * */
int sr_cli_row_engine_data(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e);

/* --target PATH (repeatable) and --layout over a struct sr_cli_targets
 * field f; by-target: whether --layout by-target is taken (else stripe:SIZE
 * only). */
#define SR_CLI_TARGET_ROW(kt, st, f, target_help)                                                    \
	{ "target", kt, 1, "PATH", "", target_help, .parse = sr_cli_row_target, SR_OPT_FIELD(st, f) }
#define SR_CLI_TARGET_ROWS(kt, kl, st, f, target_help, layout_mv, layout_help, by_target)            \
	{ "target", kt, 1, "PATH", "", target_help, .parse = sr_cli_row_target, SR_OPT_FIELD(st, f) },   \
	{ "layout", kl, 1, layout_mv, "", layout_help,                                               \
	  .parse = (by_target) ? sr_cli_row_layout : sr_cli_row_stripe, SR_OPT_FIELD(st, f) }

/* --progress of analyze and convert (an int field f; cli.h's trace meter). */
#define SR_CLI_PROGRESS_ROW(k, st, f)                                                                 \
	{ SR_OPT_FLAG("progress", k, "progress line on stderr while the trace is read: % of the file and ETA (bytes and rate from a pipe), every second from the start (default when stderr is a tty: once past 2 s)", st, f) }

/* --engine over a struct sr_cli_engine field f; faulty: faulty:NAME taken. */
#define SR_CLI_ENGINE_ROW(k, st, f, help, faulty)                                                     \
	{ "engine", k, 1, "NAME", "io_uring", help,                                                   \
	  .parse = (faulty) ? sr_cli_row_engine_faulty : sr_cli_row_engine, SR_OPT_FIELD(st, f),       \
	  .list = sr_cli_list_engines }

/* -o/--output (a const char *; "-o json" is refused as meant for
 * --output-format) and --output-format (an enum sr_out_fmt). */
#define SR_CLI_OUTPUT_ROW(k, st, f, mv, def, help)                                                    \
	{ "output", k, 1, mv, def, help, .parse = sr_cli_row_output, SR_OPT_FIELD(st, f), .flags = SR_OPTF_DEFDOC }
#define SR_CLI_OUTFMT_ROW(k, st, f, help)                                                             \
	{ "output-format", k, 1, "FMT", "text", help, .parse = sr_cli_row_outfmt, SR_OPT_FIELD(st, f) }
#define SR_CLI_OUTPUT_ROWS(ko, kf, st, fo, ff, out_mv, out_def, out_help, fmt_help)                    \
	SR_CLI_OUTFMT_ROW(kf, st, ff, fmt_help), SR_CLI_OUTPUT_ROW(ko, st, fo, out_mv, out_def, out_help)

/* --format FMT, the trace's (a const char *). */
#define SR_CLI_FORMAT_ROW(k, st, f, help)                                                             \
	{ SR_OPT_STR("format", k, "FMT", "auto", help, st, f), .list = sr_cli_list_formats }

#endif
