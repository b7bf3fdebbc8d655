/* Reporters: the same sr_stats rendered as text, JSON (fio's key names where
 * the meaning matches) or CSV, plus the per-second timeline as CSV. */
#ifndef SR_REPORT_H
#define SR_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "devices/spec.h"
#include "devices/target.h"
#include "replay/engine.h"
#include "base/stats.h"

/* A target's disk around the run, for fio's disk_util. */
struct sr_disk_util {
	char name[64];
	struct sr_disk_stat before, after;
};

struct sr_report_info {
	const char *cmd;        /* "replay" */
	const char *target;
	const char *source;     /* trace path or "pattern:seq" */
	const char *format;     /* trace format */
	const char *engine;
	unsigned qd;
	uint64_t bs;            /* max request (split size) */
	uint64_t page;
	int direct;
	int merge;
	const char *timing;     /* "afap", "recorded", "scale:2" */
	uint64_t target_size;
	uint32_t lbs;
	/* Added fields; zero/NULL leaves them out of the report. */
	const char *layout;     /* --layout as given ("stripe:128k", "by-target") */
	unsigned threads;       /* replay threads per target */
	/* Device spec of the (single) target: achieved vs spec, link, calibrated. */
	const struct sr_devspec *spec;
	/* Several targets: st->nr_tgt specs, one per target (NULL: none). */
	const struct sr_devspec *tgt_specs;
	/* Names tags for the per-tag table ("blk.3.ffn_up_exps.weight[e5]"):
	 * fill buf, return it (or NULL: the numeric form is used). */
	const char *(*tag_name)(void *arg, uint32_t tag, char *buf, size_t n);
	void *tag_name_arg;
	unsigned tag_top;       /* tags in the text report (0: 10) */
	/* --engine faulty:NAME: what was injected (NULL: nothing). */
	const struct sr_faults *faults;
	uint64_t seed;
	int on_error;           /* enum sr_on_error (replay/replay.h) */
	unsigned retries;
	/* The targets' disks (a file's: the disk under its file system), stat
	 * before and after: fio's disk_util (none: an empty list). */
	const struct sr_disk_util *disks;
	unsigned ndisks;
};

enum sr_out_fmt { SR_OUT_TEXT, SR_OUT_JSON, SR_OUT_CSV, SR_OUT_JSON_PLUS /* json with clat_ns.bins */ };

int sr_report_write(FILE *f, enum sr_out_fmt fmt, const struct sr_report_info *ri,
		    const struct sr_stats *st);
int sr_report_timeline_csv(FILE *f, const struct sr_stats *st);
/* One line (no newline) saying how many requests failed and how the first
 * one did: "3 of 1000 requests failed (12 KiB); first: read at offset ..." */
void sr_report_failures(char *buf, size_t n, const struct sr_report_info *ri, const struct sr_stats *st);

/* Derived figures, shared by reporters and the progress line. */
double sr_bw_bytes(const struct sr_stats *st, int op); /* bytes per second */
double sr_amplification(const struct sr_stats *st);    /* bytes issued / bytes asked */


#endif
