/* The rest of fio's JSON schema on replay's report, so fio's own tools and
 * fio-plot read it: job options, timestamp, elapsed, trim and sync blocks,
 * slat_ns, bw_* and iops_* sample statistics, latency_ns/us/ms buckets,
 * disk_util, and with json+ the clat_ns.bins histogram. */
#ifndef SR_REPORT_FIO_H
#define SR_REPORT_FIO_H

#include <jansson.h>

#include "replay/report.h"

/* Add fio's keys to root (the report) and job (jobs[0], whose "read" and
 * "write" objects exist already). plus: json+ (clat_ns.bins). */
void sr_report_fio_keys(json_t *root, json_t *job, const struct sr_report_info *ri,
			const struct sr_stats *st, int plus);

/* fio's head of a direction block (read/write): io_bytes, io_kbytes,
 * bw_bytes, bw (KiB/s), iops, runtime (ms), total_ios, from bytes and
 * requests over runtime_s. Replay's report and sweep.json's jobs[] share it. */
json_t *sr_fio_dir(uint64_t bytes, uint64_t ios, double runtime_s);
/* fio's rw= for a run: the pattern's name (source "pattern:rand" ...), else
 * what the requests did (read, write, rw). */
const char *sr_fio_rw(const char *source, uint64_t read_ios, uint64_t write_ios);
/* fio's bs= spelling: "128k", or bytes when not a KiB multiple. */
void sr_fio_bs(char *buf, size_t n, uint64_t bs);

#endif
