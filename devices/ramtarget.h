/* Is a target RAM? A file on tmpfs/ramfs, a zram or brd (/dev/ramN) device,
 * or a loop device over one of those: its figures are memory speed, not an
 * SSD's, and the commands say so. */
#ifndef SR_RAMTARGET_H
#define SR_RAMTARGET_H

#include <stddef.h>

/* 1 when path is RAM-backed, with kind set to what says so ("tmpfs",
 * "zram0", "ram0 (brd)", "loop3 over tmpfs"); 0 otherwise or when unknown.
 * sysfs_root is "/sys" except in tests. */
int sr_ram_backed(const char *sysfs_root, const char *path, char *kind, size_t n);

#endif
