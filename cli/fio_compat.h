/* fio's spellings of replay's options, so a fio user's flags just work:
 * --iodepth, --ioengine, --time_based, --numjobs, --direct, --kb_base. */
#ifndef SR_CLI_FIO_COMPAT_H
#define SR_CLI_FIO_COMPAT_H

#include "base/err.h"

#include "cli/opts.h"

/* fio's engine names onto ours: sync and pvsync are psync. */
const char *sr_cli_fio_engine(const char *arg);

enum { SR_CLI_FIO_NR = 10 };
int sr_cli_fio_time_based(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e);
int sr_cli_fio_direct(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e);
int sr_cli_fio_kb_base(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e);
int sr_cli_fio_log(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e);

/* Option table rows, keys base .. base + SR_CLI_FIO_NR - 1, over a struct
 * st with the fields: uint64_t loops (time_based sets 0), int buffered,
 * const char *log_name[3], uint64_t log_avg_ms; and the rows --qd,
 * --engine and --threads the aliases name. */
#define SR_CLI_FIO_ROWS(base, st)                                                                        \
	{ "iodepth", (base), 1, "N", "", "fio's name for --qd", .alias = "qd" },                         \
	{ "ioengine", (base) + 1, 1, "NAME", "", "fio's name for --engine (io_uring, libaio, psync; fio's sync and pvsync read as psync)", \
	  .alias = "engine", .map = sr_cli_fio_engine },                                              \
	{ "time_based", (base) + 2, 0, "", "", "fio's time_based: repeat the workload until --runtime (--loops 0)", \
	  .parse = sr_cli_fio_time_based, SR_OPT_FIELD(st, loops) },                                     \
	{ "numjobs", (base) + 3, 1, "N", "", "fio's numjobs as --threads: N threads with --qd each, sharing one workload (fio's jobs each run all of it)", \
	  .alias = "threads" },                                                                          \
	{ "direct", (base) + 4, 1, "0|1", "1", "fio's direct: 0 is --buffered", .parse = sr_cli_fio_direct, \
	  SR_OPT_FIELD(st, buffered) },                                                                  \
	{ "kb_base", (base) + 5, 1, "1024|1000", "1024", "sizes: 1024: K, KB, KiB are all 1024 (fio reads KiB as 1000 here; ssdreplay does not); 1000: K, KB are 1000 and KiB 1024, as fio's kb_base=1000. Device speeds (--spec) are always MB/s = 10^6, MiB/s = 2^20", \
	  .parse = sr_cli_fio_kb_base, .flags = SR_OPTF_FIRST },                                          \
	{ "write_bw_log", (base) + 6, 1, "NAME", "", "fio's bandwidth log NAME_bw.1.log: msec, KiB/s, ddir, bs, prio per --log_avg_msec interval", \
	  .parse = sr_cli_fio_log, SR_OPT_FIELD(st, log_name[0]) },                                     \
	{ "write_lat_log", (base) + 7, 1, "NAME", "", "fio's latency logs NAME_lat.1.log and NAME_clat.1.log: mean ns per interval", \
	  .parse = sr_cli_fio_log, SR_OPT_FIELD(st, log_name[1]) },                                     \
	{ "write_iops_log", (base) + 8, 1, "NAME", "", "fio's IOPS log NAME_iops.1.log",                \
	  .parse = sr_cli_fio_log, SR_OPT_FIELD(st, log_name[2]) },                                     \
	{ SR_OPT_UINT("log_avg_msec", (base) + 9, "MS", "1000", "interval the logs average over (fio's 0, a sample per request, is not kept: use 1)", \
		      st, log_avg_ms, 1, 3600000) }

/* -o FILE where FILE is an output format's name ("-o json", meant as fio's
 * --output-format=json): bad input, rather than a report silently written
 * to ./json. "./json" writes such a file. */
int sr_cli_output_name(const char *cmd, const char *arg, struct sr_err *e);

#endif
