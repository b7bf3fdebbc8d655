/* The real page-cache runs of `ssdreplay study`: like simulate --real-mmap
 * (real/realmmap.c, through the same runner: real/child.h) a forked child
 * maps the model file (MAP_SHARED, read-only) inside a memory cgroup and
 * walks the schedule, but
 *  - it reads every byte of each access (8-byte loads), the work of a
 *    memory-bound decode, so the RAM-resident baseline is measured, not
 *    assumed;
 *  - the cgroup can get its own memory.swappiness (cgroup v1; the host's
 *    /proc/sys/vm/swappiness is never touched) and the child an anonymous
 *    working set beside the model, dirtied every token, so reclaim has a
 *    choice between file and anonymous pages;
 *  - the mapping can be madvise(MADV_HUGEPAGE)d (large page-cache folios
 *    where the file system supports them);
 *  - the parent can record the run's block requests and page-cache
 *    insertions through tracefs (trace/record.h) while it runs.
 * The file's cached pages are dropped (POSIX_FADV_DONTNEED) before each run. */
#ifndef SR_STUDY_MMAP_H
#define SR_STUDY_MMAP_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/err.h"
#include "base/source.h"

struct sr_smmap_cfg {
	const char *path;       /* file (or block device) mapped from offset 0 */
	uint64_t size;          /* bytes mapped */
	uint64_t limit;         /* cgroup memory limit for the model's pages; 0: no cgroup */
	int warm;               /* read everything first (RAM-resident baseline) */
	int swappiness;         /* memory.swappiness of the cgroup, -1: leave it */
	uint64_t anon;          /* anonymous working set (added to the limit), 0: none */
	int hugepage;           /* madvise(MADV_HUGEPAGE) on the mapping */
	const char *cgroot;     /* "/sys/fs/cgroup" except in tests */
	const char *disk;       /* sysfs name of the disk holding path, for its read counters */
	const char *trace;      /* record block + filemap events of every process here; NULL: don't */
	volatile sig_atomic_t *stop;
};

struct sr_smmap_result {
	uint64_t tokens;
	uint64_t wall_ns;       /* the token loop */
	uint64_t first_token_ns;/* the first token of it */
	uint64_t majflt, minflt;
	uint64_t read_bytes;    /* the child's /proc/self/io read_bytes */
	uint64_t dev_read_bytes;/* the disk's sectors read x 512 during the run, 0 unknown */
	uint64_t swap_in, swap_out; /* bytes, /proc/vmstat pswpin/pswpout over the run (host-wide) */
	uint64_t bytes;         /* bytes of the schedule read by the loop */
	uint64_t resident_bytes;/* bytes of the file the page cache held at the end (mincore), 0 unknown */
	pid_t pid;              /* the child (the trace's pid filter) */
	char cgroup[8];         /* "v1", "v2", "none" */
	int swappiness_set;     /* memory.swappiness was written */
	int hugepage;           /* 1: madvise(MADV_HUGEPAGE) accepted, -1: refused, 0: not asked */
	int traced;             /* the trace was recorded */
	uint64_t trace_lost;    /* events lost to ring buffer overruns */
	char trace_note[256];   /* why the trace is missing, "" otherwise */
};

/* The schedule runs once (all its tokens). Returns 0, -EOPNOTSUPP (e set)
 * when no memory cgroup can be made here (or root is not cgroot's owner),
 * or another -errno. A recording failure does not fail the run: traced = 0
 * and trace_note says why. */
int sr_smmap_run(const struct sr_smmap_cfg *c, struct sr_source *src, struct sr_smmap_result *r,
		 struct sr_err *e);

/* /proc/swaps lists at least one swap area. */
int sr_smmap_have_swap(void);
/* Bytes per second of the child's 8-byte load loop over a resident buffer
 * of `bytes` (the compute model shared by the simulated runs). */
double sr_smmap_mem_Bps(uint64_t bytes);

#endif
