/* fio's bandwidth/latency/IOPS logs (--write_bw_log NAME and friends):
 * per-interval sums collected in the replay loop, written afterwards in
 * fio's log format "msec, value, ddir, bs, prio" (fio's iolog.c
 * flush_samples; averaged samples carry bs 0), one file per log as fio
 * names them: NAME_bw.1.log, NAME_lat.1.log, NAME_clat.1.log,
 * NAME_slat.1.log, NAME_iops.1.log. */
#ifndef SR_FIOLOG_H
#define SR_FIOLOG_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct sr_fiolog_slot {
	uint64_t bytes[2], ios[2], lat_sum[2]; /* read, write; lat in ns */
};
struct sr_fiolog {
	uint64_t interval_ns; /* 0: off */
	struct sr_fiolog_slot *s;
	size_t n, cap;
};

/* Count one completion at t_ns since the start. 0 or -ENOMEM. */
int sr_fiolog_add(struct sr_fiolog *l, uint64_t t_ns, int op, uint64_t bytes, uint64_t lat_ns);
int sr_fiolog_merge(struct sr_fiolog *dst, const struct sr_fiolog *src);
void sr_fiolog_free(struct sr_fiolog *l);

enum { SR_FIOLOG_BW = 1, SR_FIOLOG_LAT = 2, SR_FIOLOG_IOPS = 4 };
/* Write the logs named by which under prefix; runtime_ns cuts the last
 * interval to the time it really covered (a partial interval's rate is its
 * bytes over its own length). Errors name the file. l NULL: open and drop
 * each file only, so a path that cannot be written fails before a run. */
int sr_fiolog_write(const struct sr_fiolog *l, const char *prefix, unsigned which, uint64_t runtime_ns,
		    struct sr_err *e);

#endif
