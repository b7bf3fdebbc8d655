/* --real-mmap: run the schedule for real against the kernel's page cache.
 * A forked child maps the file (MAP_SHARED, read-only) and touches one byte
 * per page in schedule order, emulating compute between accesses, inside a
 * memory cgroup limited to --mem (v2 memory.max, or v1
 * memory.limit_in_bytes). The file is evicted first (POSIX_FADV_DONTNEED).
 * With limit 0 and warm set, the file is read fully into the cache first
 * and no limit applies: the RAM-resident baseline. */
#ifndef SR_REALMMAP_H
#define SR_REALMMAP_H

#include <signal.h>

#include "policy/policy.h"
#include "policy/simreport.h"
#include "policy/strategy.h"
#include "base/source.h"

/* The cgroup also holds the child's own pages (stack, libc, page tables):
 * it is made with a limit of --mem plus this much, so tiny budgets do not
 * kill it, and once the child has mapped the file the limit becomes --mem
 * plus what the cgroup is charged for then plus the mapping's page tables
 * (sr_cgroup_fit): the page cache gets --mem. */
#define SR_MMAP_SLACK (8ull << 20)

enum sr_advise { SR_ADV_NONE, SR_ADV_SEQUENTIAL, SR_ADV_WILLNEED, SR_ADV_RANDOM };

struct sr_mmap_cfg {
	const char *path;     /* the file mapped (the model file or a block device) */
	uint64_t size;        /* bytes mapped from offset 0 */
	uint64_t limit;       /* page cache budget, bytes (the cgroup gets SR_MMAP_SLACK more); 0: none */
	int warm;             /* read everything in first (RAM baseline) */
	enum sr_advise advise;
	int populate;         /* llama.cpp's load first: MAP_POPULATE's faults, then MADV_WILLNEED (not counted) */
	int flush_stats;      /* read the cgroup's memory.stat after the load and every token (flushes its statistics) */
	uint64_t compute_ns_per_token; /* 0: the schedule's t_ns deltas unless ignore_t_ns */
	int ignore_t_ns;
	uint64_t passes;
	const char *disk;     /* sysfs name of the device holding path, for its read counters */
	const char *cgroot;   /* "/sys/fs/cgroup" except in tests */
	/* issue 10: a strategy on top of the mapping (needs model) */
	enum sr_mmap_strategy strategy;
	struct sr_policy_params pp; /* its knobs, parsed from the simulate policy spec */
	const struct sr_model *model;
	uint64_t prefill_tokens;    /* prompt tokens of the schedule's prefill batch */
	volatile sig_atomic_t *stop;
};

/* Returns 0, -EOPNOTSUPP (with e set) when no memory cgroup can be made
 * here, or another -errno. */
int sr_mmap_run(const struct sr_mmap_cfg *c, struct sr_source *src, struct sr_mmap_result *r,
		struct sr_err *e);
int sr_advise_parse(const char *s, enum sr_advise *a);
const char *sr_advise_name(enum sr_advise a);
/* Give the mapping map (size bytes of fd) advice a as llama.cpp would. */
void sr_mmap_advise(enum sr_advise a, void *map, uint64_t size, int fd);

#endif
