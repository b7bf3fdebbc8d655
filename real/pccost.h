/* Measure the page-cache cost model (policy/pccost.h) on the real kernel:
 * N threads fault a file in through a shared mapping, with and without a
 * memory cgroup reclaiming. */
#ifndef SR_REAL_PCCOST_H
#define SR_REAL_PCCOST_H

#include "base/err.h"
#include "policy/pccost.h"

/* The cost for the device holding path (disk: its name, for the cache
 * file's name) with threads faulting threads: from the cache, else
 * measured on path's first bytes (it must be written data, not holes) and
 * cached. remeasure: ignore the cache. Returns 0 or -errno (e set). */
int sr_pccost_get(const char *path, const char *disk, unsigned threads, int remeasure, struct sr_pccost *c,
		  struct sr_err *e);

#endif
