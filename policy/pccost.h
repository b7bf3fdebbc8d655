/* What a byte read through mmap faults costs on this machine and device:
 * the page-cache cost model of simulate's mmap-family rows (pagecache,
 * routed-willneed, pread-prefetch, tensor-rule).
 *
 * The simulator reads with O_DIRECT at a deep queue; llama.cpp's faults go
 * through readahead, page-cache insertion, memcg charging and reclaim, one
 * window per faulting thread, while the other compute threads wait at ggml's
 * barrier. That costs several times the O_DIRECT time, so the mmap rows are
 * charged a measured figure instead: N threads stream a file through a
 * shared mapping, each touching its share of every slice with a barrier
 * after each (ggml's row split), sequentially and in 256 KiB slices at
 * random (expert slices), with and without a memory cgroup a third of the
 * region's size (the median of three passes after the first), and what
 * reclaim spends on each page it activates: a hot set 5/8 of the cgroup
 * swept after each scattered slice, so reclaim keeps finding mapped pages
 * in use (folio_referenced walks their mappings) and moving them between
 * the lists, as it does at 85% of a model; its time beyond the same
 * slices read without the sweeps, over the pages activated. Measured once
 * per device and thread count (real/pccost.c),
 * kept in the state directory next to `devices --calibrate`'s profiles. */
#ifndef SR_PCCOST_H
#define SR_PCCOST_H

#include <stdint.h>

#include "policy/policy.h"
#include "base/err.h"

struct sr_pccost {
	double seq_ns_per_B;        /* sequential streaming, no memory limit */
	double seq_press_ns_per_B;  /* sequential, reclaiming inside a memory cgroup */
	double scat_press_ns_per_B; /* 256 KiB slices in random order, reclaiming */
	double act_ns_per_page;     /* reclaim's time beyond the bytes, per page it activated (0: none seen) */
	unsigned threads;
	uint64_t region;            /* bytes of the file each measurement streamed */
	int pressure;               /* 1: the cgroup figures were measured (else copies of the free one) */
	int cached;                 /* 1: read from file, 0: measured by this call */
	uint64_t scratch;           /* measured on a scratch file of this many bytes beside the target (0: on it) */
	char file[512];             /* where it is kept */
};

/* Recharge a simulated mmap-family row: each decode token stalls for the
 * bytes it read times the calibrated cost (reclaiming when mem is below
 * the model; the demand share and readahead never used at the scattered
 * cost, the rest at the sequential one) and for the pages the simulated
 * lists activated during it times act_ns_per_page, replacing the
 * O_DIRECT time in stall_ns, the per-token stalls and the stall histogram
 * (costed: the row's stalls and tokens/s are the model's, whatever the
 * engine, null included). */
void sr_pccost_apply(const struct sr_pccost *c, uint64_t mem, uint64_t model_bytes, struct sr_sim_result *r);
/* ns per byte read that apply charges a row. */
double sr_pccost_ns_per_B(const struct sr_pccost *c, uint64_t mem, uint64_t model_bytes,
			  const struct sr_sim_result *r);

#endif
