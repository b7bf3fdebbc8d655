/* The one runner of a measured child (simulate --real-mmap, the study's real
 * page-cache runs): the file starts cold, a memory cgroup (optional) holds
 * the child, two close-on-exec pipes carry "go" and its report, the child
 * dies with the parent (sr_child_map: PR_SET_PDEATHSIG), and a stop signal
 * to the parent alone is passed on as SIGTERM. Callers supply the child's
 * body and what to do around the wait; they keep their own report type. */
#ifndef SR_CHILD_H
#define SR_CHILD_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/err.h"
#include "real/cgroup.h"

struct sr_child_cfg {
	const char *path;                  /* dropped from the page cache first (POSIX_FADV_DONTNEED) */
	const struct sr_cgroup_cfg *cgroup; /* NULL: no cgroup */
	const char *who;                   /* message prefix: "--real-mmap", "real-mmap" */
	/* The child, after fork: reads "g" (sr_child_map), does the work, writes
	 * its report to out_fd and _exits. Never returns. */
	void (*body)(void *arg, int go_fd, int out_fd);
	/* Parent, once the child is in its cgroup, before it is let go (start
	 * recording, read counters); NULL: nothing. */
	void (*before_go)(void *arg, pid_t pid);
	/* Parent, each turn of the wait: returns how long to poll for the
	 * report (ms); NULL: 200. */
	int (*pump)(void *arg, struct sr_err *e);
	void *arg;
	volatile sig_atomic_t *stop;
	int stop_fails;                    /* a stop fails the run at once (-EINTR) instead of
					    * waiting for the stopped child's report */
};

struct sr_child {
	pid_t pid;
	int go[2], res[2];
	struct sr_cgroup cg;               /* cg.dir "" when none */
	int swappiness_set;                /* the cgroup's memory.swappiness was written */
};

/* Drop the cache, make the cgroup, fork, attach, before_go, "g". 0 or -errno
 * (e set; -EOPNOTSUPP when no memory cgroup can be made here). */
int sr_child_start(struct sr_child *ch, const struct sr_child_cfg *c, struct sr_err *e);
/* Wait for the child's report of exactly n bytes into out. 0 or -errno. */
int sr_child_wait(struct sr_child *ch, const struct sr_child_cfg *c, void *out, size_t n, struct sr_err *e);
/* Close the pipes, SIGKILL the child when failed, reap it, remove its cgroup. */
void sr_child_finish(struct sr_child *ch, int failed);

#endif
