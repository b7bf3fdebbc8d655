/* fio's spellings of replay's options, so a fio user's flags just work:
 * --iodepth, --ioengine, --time_based, --numjobs, --direct, --kb_base. */
#ifndef SR_CLI_FIO_COMPAT_H
#define SR_CLI_FIO_COMPAT_H

#include "base/err.h"

enum { SR_CLI_FIO_IODEPTH, SR_CLI_FIO_IOENGINE, SR_CLI_FIO_TIME_BASED, SR_CLI_FIO_NUMJOBS,
       SR_CLI_FIO_DIRECT, SR_CLI_FIO_KB_BASE, SR_CLI_FIO_BW_LOG, SR_CLI_FIO_LAT_LOG, SR_CLI_FIO_IOPS_LOG,
       SR_CLI_FIO_LOG_AVG, SR_CLI_FIO_NR };
/* Option table entries, keys base .. base + SR_CLI_FIO_NR - 1 in the enum's order. */
#define SR_CLI_FIO_OPTS(base)                                                                        \
	{ "iodepth", (base), 1, "N", "", "fio's name for --qd" },                                    \
	{ "ioengine", (base) + 1, 1, "NAME", "", "fio's name for --engine (io_uring, libaio, psync; fio's sync and pvsync read as psync)" }, \
	{ "time_based", (base) + 2, 0, "", "", "fio's time_based: repeat the workload until --runtime (--loops 0)" }, \
	{ "numjobs", (base) + 3, 1, "N", "", "fio's numjobs as --threads: N threads with --qd each, sharing one workload (fio's jobs each run all of it)" }, \
	{ "direct", (base) + 4, 1, "0|1", "1", "fio's direct: 0 is --buffered" },                     \
	{ "kb_base", (base) + 5, 1, "1024|1000", "1024", "sizes: 1024: K, KB, KiB are all 1024 (fio reads KiB as 1000 here; ssdreplay does not); 1000: K, KB are 1000 and KiB 1024, as fio's kb_base=1000. Device speeds (--spec) are always MB/s = 10^6, MiB/s = 2^20" }, \
	{ "write_bw_log", (base) + 6, 1, "NAME", "", "fio's bandwidth log NAME_bw.1.log: msec, KiB/s, ddir, bs, prio per --log_avg_msec interval" }, \
	{ "write_lat_log", (base) + 7, 1, "NAME", "", "fio's latency logs NAME_lat.1.log and NAME_clat.1.log: mean ns per interval" }, \
	{ "write_iops_log", (base) + 8, 1, "NAME", "", "fio's IOPS log NAME_iops.1.log" }, \
	{ "log_avg_msec", (base) + 9, 1, "MS", "1000", "interval the logs average over (fio's 0, a sample per request, is not kept: use 1)" }

/* fio's 0/1 (also true/false). */
int sr_cli_fio_bool(const char *cmd, const char *opt, const char *arg, int *out, struct sr_err *e);
/* --kb_base before any size is parsed, wherever it stands on the command
 * line (fio applies it to the whole job too). Bad values are left to the
 * option parser's error. */
void sr_cli_fio_prescan(int argc, char **argv);
/* The entries that need no command state: --kb_base. */
int sr_cli_fio_opt(const char *cmd, int which, const char *arg, struct sr_err *e);
/* fio's engine names onto ours: sync and pvsync are psync. */
const char *sr_cli_fio_engine(const char *arg);
/* -o FILE where FILE is an output format's name ("-o json", meant as fio's
 * --output-format=json): bad input, rather than a report silently written
 * to ./json. "./json" writes such a file. */
int sr_cli_output_name(const char *cmd, const char *arg, struct sr_err *e);

#endif
