/* Opening a replay target (a regular file or a block device) and what the
 * replay needs to know about it: size, logical block size, and whether
 * writing to it could destroy somebody's data. */
#ifndef SR_TARGET_H
#define SR_TARGET_H

#include <stdint.h>
#include <sys/types.h>

#include "base/err.h"

struct sr_target {
	const char *path;
	int fd;
	int is_blk;
	uint64_t size;   /* bytes */
	uint32_t lbs;    /* O_DIRECT alignment for offsets and lengths */
	dev_t dev;       /* the block device itself, or the one holding the file */
	char disk[64];   /* sysfs name of the whole disk ("loop0", "vda"), "" if unknown */
};

enum {
	SR_TGT_WRITE = 1 << 0,  /* open read-write */
	SR_TGT_DIRECT = 1 << 1, /* O_DIRECT */
	SR_TGT_CREATE = 1 << 2, /* regular file: create if missing */
	SR_TGT_HINT_BUFFERED = 1 << 3, /* the command takes --buffered: an O_DIRECT refusal says so */
};

int sr_target_open(const char *path, int flags, struct sr_target *t, struct sr_err *e);
void sr_target_close(struct sr_target *t);

/* Refuse to write to a block device that is mounted (itself or a partition),
 * has holders (LVM, md, dm-crypt), backs swap, or holds the root file system.
 * A regular file that backs an attached loop device gets that device's check;
 * other regular files pass. sysfs_root is "/sys" except in tests. */
int sr_target_write_check(const struct sr_target *t, const char *sysfs_root, struct sr_err *e);
/* (sr_target_write_check is for commands without --force-destroy-data: its
 * refusal names no override.) */
/* The same, where force is --force-destroy-data's argument (NULL: none):
 * when it names this device (both resolved with realpath), a mounted or held
 * device passes. The device holding / and swap are refused even then. */
int sr_target_write_check_force(const struct sr_target *t, const char *sysfs_root,
				const char *force, struct sr_err *e);
/* The same check on a path before it is opened for writing (stat only). */
int sr_target_write_check_path(const char *path, const char *sysfs_root, const char *force,
			       struct sr_err *e);
/* The path check for commands without --force-destroy-data. */
int sr_target_write_check_path_plain(const char *path, const char *sysfs_root, struct sr_err *e);

/* Sectors read and written by a whole disk (/sys/block/NAME/stat). */
int sr_disk_sectors(const char *sysfs_root, const char *disk, uint64_t *rd, uint64_t *wr);
/* The same and the disk's busy time (io_ticks, field 10), in one read. */
struct sr_disk_stat {
	uint64_t rd_sectors, wr_sectors, io_ticks_ms;
	int have_ticks;
	/* the rest of the line (fields 1, 2, 4, 5, 6, 8 and 11), for fio's disk_util */
	uint64_t rd_ios, rd_merges, rd_ticks_ms, wr_ios, wr_merges, wr_ticks_ms, in_queue_ms;
};
int sr_disk_stat(const char *sysfs_root, const char *disk, struct sr_disk_stat *st);

#endif
