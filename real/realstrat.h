/* --real-mmap's strategies, inside the child that touches the mapping
 * (real/realmmap.c): the real madvise / pread pool / O_DIRECT calls of
 * each strategy in policy/strategy.h. Internal to policy/. */
#ifndef SR_REALSTRAT_H
#define SR_REALSTRAT_H

#include <stddef.h>
#include <stdint.h>

#include "real/realmmap.h"

/* One access of the materialized schedule. */
struct sr_rs_acc {
	uint64_t off, len, t_ns;
	uint32_t tag;
	uint8_t flags;
};

/* The child's schedule, materialized before its clock starts so the
 * source's own I/O is not measured: the reads of src, `passes` times over
 * (0 = once), the first read of each pass marked SR_RF_TOKEN. A read past
 * `size` bytes of `path` is bad input. *out is malloc'd (free it). */
int sr_rs_load(struct sr_source *src, const char *path, uint64_t size, uint64_t passes, struct sr_rs_acc **out,
	       size_t *n, struct sr_err *e);

struct sr_rs;

/* Set up the strategy for the child's mapping: tensor-rule reads its
 * private tensors here (timed into r->load_ns), pread-prefetch starts its
 * workers. On failure msg says why. */
int sr_rs_start(struct sr_rs **out, const struct sr_mmap_cfg *c, const volatile unsigned char *map,
		const struct sr_rs_acc *a, size_t n, struct sr_mmap_result *r, char *msg, size_t msglen);
/* Before access i is touched: hints and prefetches it triggers. */
void sr_rs_access(struct sr_rs *x, size_t i);
/* Where access i's bytes are: its private buffer (tensor-rule read), or NULL: the mapping. */
const volatile unsigned char *sr_rs_private(struct sr_rs *x, size_t i);
/* Stop the workers, add the counters to r, free. */
void sr_rs_stop(struct sr_rs *x, struct sr_mmap_result *r);

#endif
