/* A memory budget check before any allocation whose size comes from options
 * (threads x qd x bs buffers, cache sizes): a run that cannot fit is bad
 * input at once, not an OOM kill minutes later. */
#ifndef SR_MEMBUDGET_H
#define SR_MEMBUDGET_H

#include <stdint.h>

#include "base/err.h"

/* Bytes this process may still allocate: the smaller of /proc/meminfo's
 * MemAvailable and the room left under its memory cgroup's limit (v1 or v2).
 * Returns 0, or -errno when neither could be read (*out = UINT64_MAX). */
int sr_mem_available(uint64_t *out);

/* 0 when need bytes fit in sr_mem_available(); else a bad-input error
 * "WHAT needs N bytes, more than the A bytes of memory available". */
int sr_mem_budget(uint64_t need, const char *what, struct sr_err *e);

/* Product of n factors (threads, qd, bs, ...) into *out; -ERANGE on wrap. */
int sr_mem_product(const uint64_t *f, unsigned n, uint64_t *out);

#endif
