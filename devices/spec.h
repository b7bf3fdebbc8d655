/* What is known about a target's device: the vendor spec (profiles/devices/
 * *.ini, matched by model string), the PCIe link ceiling (sysfs), and a
 * calibrated maximum measured here (`devices --calibrate`). Reports print
 * achieved bandwidth as a fraction of each that is known. */
#ifndef SR_SPEC_H
#define SR_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct sr_devspec {
	char disk[64];          /* "nvme0n1", "loop0", "vda"; "" when unknown */
	char model[128];        /* from sysfs (device/model) or the --spec override */
	char profile[256];      /* the profiles/devices file that matched, "" if none */
	char source[256];       /* where the spec figures come from (vendor sheet URL/title) */
	/* Vendor spec; 0 = unknown. Bytes per second and IOPS. */
	double seq_read_Bps, seq_write_Bps;
	double rand_read_iops, rand_write_iops;
	unsigned rand_qd;       /* queue depth the vendor quoted random IOPS at */
	unsigned pcie_gen, pcie_lanes; /* spec'd link */
	/* Link ceiling: the current negotiated link from sysfs when the device
	 * is on PCIe, else the spec'd gen x lanes; payload bytes per second. */
	double link_Bps;
	char link_desc[64];     /* "PCIe 4.0 x4 (16.0 GT/s)" */
	/* Calibrated here; 0 = not calibrated. */
	double cal_seq_read_Bps, cal_rand_read_iops;
	char cal_file[256];
	int spec_exceeds_link;  /* spec seq read/write above the link ceiling: impossible */

	/* Added by the devices work (all additive). */
	char serial[64];        /* sysfs serial, "" when unreadable */
	unsigned link_gen, link_lanes;         /* negotiated link from sysfs; 0 unknown */
	unsigned link_max_gen, link_max_lanes; /* what the device and slot could do */
	uint64_t cal_seq_bs;    /* request size and queue depth of the calibrated best */
	unsigned cal_seq_qd, cal_rand_qd;
	int numa_node;          /* the device's NUMA node; -1 none/unknown */
	char cpulist[128];      /* CPUs local to the device ("0-7"), "" unknown */
	char note[256];         /* "x is a file: figures are those of vda, which holds it" */
	char warning[256];      /* why spec_exceeds_link is set, one sentence */
};

/* Achieved figures as percentages of what s knows; -1 where unknown. */
struct sr_devspec_pct {
	double spec_read, spec_write; /* vs seq_read_Bps / seq_write_Bps */
	double spec_iops;             /* read IOPS vs rand_read_iops */
	double link;                  /* max(read, write) vs link_Bps (each direction has the full link) */
	double cal_read, cal_iops;    /* vs the calibrated maxima */
};
void sr_devspec_pcts(const struct sr_devspec *s, double read_Bps, double write_Bps, double read_iops,
		     struct sr_devspec_pct *p);
/* One line for text reports, no newline:
 * "nvme0n1 (Samsung SSD 980 PRO 1TB): 74% of spec 7.00 GB/s, 66% of link
 * PCIe 4.0 x4 7.88 GB/s, 80% of calibrated 6.50 GB/s". Unknowns are left
 * out; "no spec, link or calibration known" when all are. */
void sr_devspec_line(const struct sr_devspec *s, double read_Bps, double write_Bps, char *buf, size_t n);

/* Directory for calibrated profiles: ${SSDREPLAY_STATE:-${XDG_STATE_HOME:-
 * ~/.local/state}/ssdreplay}/devices. Returns 0 or -ENOENT (no HOME). */
int sr_devspec_cal_dir(char *buf, size_t n);
/* File-name key of a device's calibration: model and serial, or the disk
 * name for devices without a model (virtio, loop). */
void sr_devspec_key(const char *disk, const char *model, const char *serial, char *out, size_t n);
/* Where the spec database lives: sr_profile_dir()'s devices/. */
const char *sr_devspec_db_dir(void);

/* Fill s for the device behind path (a block device, or the device holding
 * a regular file). override is NULL or --spec's argument: a profile path or
 * "seq_read=7000MB/s,rand_read=1000k,pcie=4x4,...". Unknown figures stay 0;
 * this fails only on bad input (a malformed override or profile). */
int sr_devspec_for_path(const char *path, const char *override, const char *sysfs_root,
			struct sr_devspec *s, struct sr_err *e);

/* PCIe payload bandwidth of gen x lanes (128b/130b from Gen3), bytes/s; 0 if unknown. */
double sr_pcie_link_Bps(unsigned gen, unsigned lanes);

#endif
