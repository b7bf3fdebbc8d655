/* The memory cgroup of one measured run (simulate --real-mmap, the study's
 * real page-cache runs): a child NAME-<pid> of the v2 root when it offers
 * the memory controller, else of v1's memory/ hierarchy, with a memory
 * limit; the run's child is moved in, and the cgroup removed after it is
 * reaped. What this host does not allow (no controller, no permission, a
 * read-only hierarchy) comes back as -EOPNOTSUPP, so callers can skip.
 * Also the rest of that child's plumbing both callers share: its start,
 * its read counter, and the parent's cleanup. */
#ifndef SR_CGROUP_H
#define SR_CGROUP_H

#include <stdint.h>
#include <sys/types.h>

#include "base/err.h"

struct sr_cgroup_cfg {
	const char *root;       /* "/sys/fs/cgroup" except in tests */
	const char *name;       /* directory name before "-<pid>": "ssdreplay" */
	const char *who;        /* message prefix: "--real-mmap: " or "" */
	uint64_t limit;         /* bytes: v2 memory.max, v1 memory.limit_in_bytes */
	const char *swap_max;   /* v2 memory.swap.max ("0", "max"); absent without swap accounting: ignored */
	int swappiness;         /* v1 memory.swappiness; -1: leave it */
	int enoent_unsupported; /* a missing control file also means no cgroup here */
};

struct sr_cgroup {
	char dir[512];          /* "" when none was made */
	char procs[600];        /* where a pid is written: v2 cgroup.procs, v1 tasks */
	int v1;
	const char *who;
	int enoent_unsupported;
};

/* Returns 0, -EOPNOTSUPP or another -errno (e set, nothing left behind).
 * *swappiness_set (may be NULL): v1 memory.swappiness was written. */
int sr_cgroup_create(const struct sr_cgroup_cfg *c, struct sr_cgroup *cg, int *swappiness_set, struct sr_err *e);
int sr_cgroup_attach(const struct sr_cgroup *cg, pid_t pid, struct sr_err *e);
/* From inside cg, with a file of map_bytes mapped and none of it read yet:
 * its limit set to room plus what it is charged for now (the members' own
 * memory and kernel memory) plus what touching the mapping will charge
 * besides the page cache (page tables; in an AddressSanitizer build its
 * shadow and own memory), so that the page cache gets room. 0 or -errno
 * (no cgroup: -ENOENT). */
int sr_cgroup_fit(const struct sr_cgroup *cg, uint64_t room, uint64_t map_bytes);
/* Reads cg's memory.stat through, which flushes the cgroup's statistics
 * (mem_cgroup_flush_stats) that reclaim otherwise has from the 2 s
 * flusher; *active and *inactive (when not NULL) get its active_file and
 * inactive_file, bytes (UINT64_MAX: not in it). 0 or -errno (no cgroup:
 * -ENOENT). */
int sr_cgroup_flush_stats(const struct sr_cgroup *cg, uint64_t *active, uint64_t *inactive);
/* The OOM kills cg has seen (v1 memory.oom_control, v2 memory.events), 0
 * when none or unknown. */
int sr_cgroup_oom_kills(const struct sr_cgroup *cg);
/* Waits (up to 2 s) for the kernel to let go of a reaped child; no-op on "". */
void sr_cgroup_remove(struct sr_cgroup *cg);

/* read_bytes of a /proc io file: what this process (or thread) has made the
 * block layer read. */
uint64_t sr_proc_read_bytes(const char *path); /* "/proc/self/io" or "/proc/thread-self/io" */
/* The number after "KEY:" or "KEY " at a line's start in a /proc file
 * (/proc/self/io's read_bytes, /proc/vmstat's pgactivate); 0 when absent. */
uint64_t sr_proc_field(const char *path, const char *key);
/* Start path cold: write back its dirty pages (a file just written, as a
 * model from synth --write-gguf, has them, and POSIX_FADV_DONTNEED leaves
 * those in the cache), then drop its cached pages. 0 or -errno. */
int sr_child_drop_cache(const char *path, struct sr_err *e);
/* The measured child's start: waits for the parent's "g" (exits 3 when
 * the parent gave up), then opens path (*fd, left open) and maps its first
 * size bytes shared and read-only. Returns 0 or -errno with msg (n bytes)
 * naming what failed. */
int sr_child_map(int go_fd, const char *path, uint64_t size, int *fd, const unsigned char **map, char *msg,
		 size_t n);
/* Bytes of a mapping's first size bytes the page cache holds (mincore, in
 * pg-byte pages), 0 on failure: what the measured child's budget held of
 * the file at its end. */
uint64_t sr_map_resident(const void *map, uint64_t size, uint64_t pg);
/* The parent's cleanup of a measured child: closes the pipe ends still
 * open (>= 0), SIGKILLs the child when the run failed, reaps it (pid > 0),
 * then removes its cgroup. */
void sr_child_end(pid_t pid, int failed, int go[2], int res[2], struct sr_cgroup *cg);

#endif
