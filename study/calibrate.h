/* `devices --calibrate`: a short read-only sweep with the replay engine
 * (io_uring, O_DIRECT) that finds a device's best sequential bandwidth and
 * 4 KiB random IOPS here, and stores them as a local profile that
 * sr_devspec_for_path reads back (cal_* fields). */
#ifndef SR_CALIBRATE_H
#define SR_CALIBRATE_H

#include <signal.h>
#include <stdint.h>

#include "base/err.h"

#define SR_CAL_MAX_POINTS 16
/* A region smaller than this is read again and again from the device's (or a
 * VM host's) cache: its figures are printed, marked, and never stored as the
 * device's. */
#define SR_CAL_MIN_STORED (1ull << 30)

struct sr_cal_cfg {
	const char *target;        /* block device or a fully written regular file */
	uint64_t runtime_ns;       /* whole sweep; split evenly over the points */
	uint64_t size;             /* bytes of the target to cover; 0 = all */
	const char *engine;        /* NULL: io_uring */
	volatile sig_atomic_t *stop;
	/* Called after each point (from the caller's thread). */
	void (*point_done)(void *arg, int rand, uint64_t bs, unsigned qd, double Bps, double iops);
	void *arg;
};

struct sr_cal_point {
	int rand;
	uint64_t bs;
	unsigned qd;
	double Bps, iops;
};

struct sr_cal_result {
	struct sr_cal_point pt[SR_CAL_MAX_POINTS];
	int n;
	double seq_Bps;            /* best sequential read */
	uint64_t seq_bs;
	unsigned seq_qd;
	double rand_iops;          /* best 4 KiB random read */
	unsigned rand_qd;
	char disk[64], model[128], serial[128];
	char key[192];
	uint64_t region;           /* bytes the sweep read from */
	int cached;                /* region < SR_CAL_MIN_STORED: not stored, file is "" */
	char file[4096];           /* the profile written */
	char note[256];            /* "FILE is a file: figures are those of vda, which holds it" */
};

/* Run the sweep and write the profile (unless cached, see above). Refuses
 * sparse files, empty targets, a size larger than the target and files on
 * file systems without a block device (bad input). */
int sr_calibrate(const struct sr_cal_cfg *c, struct sr_cal_result *r, struct sr_err *e);

#endif
