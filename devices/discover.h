/* Block device discovery: what sysfs (and libnvme/hwloc where built in) says
 * about a disk, how a path resolves to the whole disk behind it, and the
 * PCIe link it sits on. Everything takes a sysfs root so tests can point it
 * at a fixture tree; "/sys" on a real machine. */
#ifndef SR_DISCOVER_H
#define SR_DISCOVER_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define SR_BLK_NOTES 6

struct sr_blkdev {
	char name[64];          /* "nvme0n1" */
	char kind[16];          /* nvme, virtio, scsi, loop, md, dm, mmc, other */
	char model[128];        /* whitespace-trimmed; "" when the device has none (virtio) */
	char serial[128];
	char firmware[64];
	uint64_t size;          /* bytes */
	unsigned lbs, pbs;      /* logical/physical block size */
	int rotational;         /* 0, 1; -1 unknown */
	int removable, ro;
	char scheduler[32];     /* the [selected] one; "" unknown */
	long nr_requests, max_sectors_kb, max_hw_sectors_kb, read_ahead_kb; /* -1 unknown */
	char backing_file[256]; /* loop devices */
	char holders[256];      /* comma-separated holders of the disk or its partitions */
	char slaves[256];       /* md/dm: the devices under it */
	int mount_known;        /* 0: no mount table looked at (fixture sysfs) */
	char mounts[512];       /* "vda1 on /, vda2 on /boot"; "" not mounted */

	/* NUMA locality of the device (PCI function's numa_node, else hwloc). */
	int numa_node;          /* -1: none reported */
	char numa_source[16];   /* "sysfs", "hwloc", "" */
	char cpulist[128];      /* local_cpulist of the PCI function, "" unknown */

	/* PCIe link, from the PCI function's sysfs attributes. */
	char pci_addr[32];      /* "0000:01:00.0", "" when not on PCIe */
	double link_gts, link_max_gts; /* per lane, GT/s; 0 unknown */
	unsigned link_width, link_max_width;
	unsigned link_gen, link_max_gen;

	/* NVMe Identify Controller through libnvme (needs root). */
	int id_ok;
	char id_model[41], id_serial[21], id_fw[9];
	unsigned id_nn;         /* namespaces */
	unsigned id_mdts;       /* 2^mdts units of the minimum page size; 0 = no limit */
	uint64_t id_max_xfer;   /* bytes, assuming CAP.MPSMIN = 0 (4 KiB pages) */

	char notes[SR_BLK_NOTES][200]; /* what could not be read and why */
	int nr_notes;
};

enum {
	SR_BLK_IDENTIFY = 1 << 0, /* NVMe identify through libnvme (opens /dev/nvmeX) */
	SR_BLK_HWLOC = 1 << 1,    /* hwloc for NUMA when sysfs has no answer */
};

/* Disks under sysfs_root/block, sorted by name. Without all, RAM disks
 * (ram*, zram*), hidden NVMe path devices, detached loop devices and empty
 * disks are left out. Returns how many (<= max) or -errno. */
int sr_blkdev_names(const char *sysfs_root, int all, char (*names)[64], int max, struct sr_err *e);

/* Read what is known about disk name. proc_root ("/proc") is where the
 * mount table is read; NULL leaves mount status unknown. Fails only if the
 * disk is not in sysfs. */
int sr_blkdev_read(const char *sysfs_root, const char *proc_root, const char *name, unsigned flags,
		   struct sr_blkdev *d, struct sr_err *e);

/* The whole disk behind path: a block device (partitions resolve to their
 * disk), a regular file (the device its file system is on), or, when path
 * does not exist or is not in sysfs_root, a disk name ("nvme0n1",
 * "/dev/nvme0n1"). dm/md devices with exactly one slave resolve through it.
 * note gets a sentence when the answer needs one ("a regular file: the
 * figures are those of vda, which holds it"). Returns 0, or -ENOENT with e
 * set when nothing in sysfs matches. */
int sr_disk_for_path(const char *path, const char *sysfs_root, char *disk, size_t n, char *note,
		     size_t note_n, struct sr_err *e);

/* NUMA node of a disk's PCI function (-1: none) and its local CPU list
 * ("" unknown). Cheap: a few sysfs reads, no hwloc. For replay pinning. */
int sr_dev_numa(const char *sysfs_root, const char *disk, int *node, char *cpus, size_t n);

/* /sys/block/DISK/queue/read_ahead_kb: the kernel's readahead window in KiB
 * (0: the device reads no ahead), or -1 when unknown. */
long sr_dev_read_ahead_kb(const char *sysfs_root, const char *disk);

/* The largest page-cache folio readahead makes for the file at path
 * (devices/folio.c): 2 MiB where its filesystem and this kernel read into
 * large folios (ext4 from Linux 6.16, xfs from 5.18), else 4096; why gets a
 * phrase saying which. _for: the same from statfs's f_type and a release
 * string ("6.18.44"). */
uint64_t sr_dev_max_folio(const char *path, char *why, size_t n);
uint64_t sr_dev_max_folio_for(unsigned long fs_magic, const char *release, char *why, size_t n);

/* PCIe helpers (devices/link.c). */
double sr_pcie_parse_gts(const char *s);  /* "16.0 GT/s PCIe" -> 16.0; 0 if unknown */
unsigned sr_pcie_gen_of_gts(double gts);  /* 16.0 -> 4; 0 if unknown */
double sr_pcie_gts_of_gen(unsigned gen);  /* 4 -> 16.0 */
/* "PCIe 4.0 x4 (16.0 GT/s)" */
void sr_pcie_desc(char *buf, size_t n, unsigned gen, unsigned lanes);

/* NVMe identify via libnvme; 0, -ENOTSUP without libnvme, or -errno. */
int sr_nvme_identify(const char *ctrl_dev, struct sr_blkdev *d);

/* Small sysfs readers shared by devices/: read a file's first line,
 * trailing whitespace trimmed. 0 or -errno. */
int sr_sysfs_str(const char *path, char *buf, size_t n);
int sr_sysfs_long(const char *path, long *v);
/* Copy src into dst[n], truncating; always terminated. Returns dst. */
char *sr_strcpy(char *dst, size_t n, const char *src);

#endif
