/* The measurement levels of `ssdreplay study`'s runs: access-pattern
 * figures of a stream of reads (the schedule at the page-fault level, a
 * tracefs capture at the page-cache and block levels), the disk whose
 * block requests belong to the target, and the device curve of a sweep. */
#ifndef SR_STUDY_LEVELS_H
#define SR_STUDY_LEVELS_H

#include <stdint.h>
#include <sys/types.h>

#include "study/study.h"
#include "study/study_report.h"
#include "trace/analyze.h"
#include "base/source.h"

struct sr_study_pattern {
	struct sr_analysis_res res;
	struct sr_mix mix;      /* request sizes */
	uint64_t reads;
};
/* Gap figures and the size mix of src's reads (read to its end). */
int sr_study_pattern(struct sr_source *src, struct sr_study_pattern *p, struct sr_err *e);

struct sr_study_disk {
	dev_t blk_dev;          /* the disk block_rq_issue names */
	uint64_t dev_base;      /* where the target's file system starts on it */
	int target_is_blk;
};
/* The disk under path (its whole disk when path is on a partition);
 * unchanged when path cannot be stat'ed. */
void sr_study_disk_of(const char *path, struct sr_study_disk *dk);
/* From the capture of a run whose child was pid: u's page-cache level
 * (pc_seq_pct, pc_mean_req) and block level (seq_pct.., mix, level
 * "block") inside path's extents; what could not be read goes to u->note. */
void sr_study_trace_levels(const struct sr_study_disk *dk, const char *path, const char *trace, pid_t pid,
			   struct sr_study_run *u);
/* /sys/block/DISK/queue/read_ahead_kb; 128 when unknown. */
uint64_t sr_study_read_ahead_kb(const char *disk);
/* From sweep.json at path: the curve at its lowest qd (*minqd, UINT32_MAX
 * when none) and the best bandwidth of any point (raises *best). -EINVAL
 * when the file does not parse. */
int sr_study_sweep_curve(const char *path, struct sr_curve *c, double *best, unsigned *minqd);

#endif
