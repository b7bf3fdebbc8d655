/* A swap area the study makes for H3 and takes down again: a fully written
 * file (no holes: swapon refuses them), a version-1 swap header written
 * here (linux/swap.h: union swap_header, "SWAPSPACE2" in the last 10 bytes
 * of the first page), swapon(2), and at the end swapoff(2) and unlink.
 * Swap is host-wide while it is on; only a process killed with SIGKILL
 * leaves it behind (swapoff FILE; rm FILE). */
#ifndef SR_SWAPFILE_H
#define SR_SWAPFILE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct sr_swapfile {
	char path[4096]; /* "" when none was made */
	int on;
};

/* Creates path (must not exist) of size bytes, rounded down to whole pages,
 * and turns it on. Returns 0 or -errno with e set; nothing is left behind
 * on failure. */
int sr_swapfile_on(struct sr_swapfile *sw, const char *path, uint64_t size, struct sr_err *e);
/* swapoff (pages in swap come back to memory first) and unlink; no-op on
 * a zeroed struct. Returns 0 or -errno (the file is kept when swapoff fails,
 * so the area stays valid). */
int sr_swapfile_off(struct sr_swapfile *sw);
/* Writes the header of a swap area of npages pages into page (pagesz bytes). */
void sr_swap_header(unsigned char *page, size_t pagesz, uint64_t npages);

#endif
