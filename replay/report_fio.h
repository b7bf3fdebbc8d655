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

#endif
