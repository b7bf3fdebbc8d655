/* What is known about a target's device: the vendor spec (profiles/devices/
 * *.ini, matched by model string), the PCIe link ceiling (sysfs), and a
 * calibrated maximum measured here (`devices --calibrate`). Reports print
 * achieved bandwidth as a fraction of each that is known. */
#ifndef SR_SPEC_H
#define SR_SPEC_H

#include <stdint.h>

#include "replay/err.h"

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
};

/* Fill s for the device behind path (a block device, or the device holding
 * a regular file). override is NULL or --spec's argument: a profile path or
 * "seq_read=7000MB/s,rand_read=1000k,pcie=4x4,...". Unknown figures stay 0;
 * this fails only on bad input (a malformed override or profile). */
int sr_devspec_for_path(const char *path, const char *override, const char *sysfs_root,
			struct sr_devspec *s, struct sr_err *e);

/* PCIe payload bandwidth of gen x lanes (128b/130b from Gen3), bytes/s; 0 if unknown. */
double sr_pcie_link_Bps(unsigned gen, unsigned lanes);

#endif
