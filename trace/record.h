/* Live capture through a private tracefs instance: create
 * instances/ssdreplay-<pid>, enable the block, page-cache and/or page-fault
 * events,
 * filter them to a process tree (set_event_pid + options/event-fork) or
 * not at all, and stream the instance's trace_pipe text into a file that the
 * ftrace, filemap and faults readers read back. With page faults, the
 * process's file mappings are sampled at every pump and written in between
 * as '#' map lines (trace/procmaps.h). Library code: never prints; every
 * failure is -errno with e set (a missing tracefs or event is a runtime
 * failure, not bad input). */
#ifndef SR_TRACE_RECORD_H
#define SR_TRACE_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/err.h"

#define SR_RECORD_PREFIX "ssdreplay-" /* instance name: PREFIX + our pid */

/* Removes the (empty) directories PREFIX<pid> under parent whose process is
 * gone: tracefs instances and memory cgroups of a SIGKILLed run. */
void sr_reap_stale_dirs(const char *parent, const char *prefix);

enum {
	SR_RECORD_BLOCK = 1,    /* block/block_rq_issue: block requests */
	SR_RECORD_COMPLETE = 2, /* block/block_rq_complete as well (with BLOCK) */
	SR_RECORD_FILEMAP = 4,  /* filemap/mm_filemap_add_to_page_cache: page-cache fills */
	SR_RECORD_FAULTS = 8,   /* exceptions/page_fault_user + /proc/PID/maps: user page faults */
};

struct sr_record_cfg {
	unsigned events;    /* SR_RECORD_* */
	unsigned buffer_kb; /* per-CPU ring buffer; 0: leave the kernel's */
	pid_t pid;          /* trace this process, its threads and future children... */
	int all;            /* ...or, when set, every process (pid is then unused) */
	pid_t self;         /* with all: a process to leave out (the recorder), 0: none */
	const char *file;   /* with FAULTS: follow mappings of this file only; NULL: every file */
};

struct sr_record_stats {
	uint64_t events;  /* event lines streamed */
	uint64_t bytes;   /* bytes written, header included */
	uint64_t lost;    /* ring buffer overruns + dropped events over all CPUs */
	int have_lost;    /* the per_cpu stats could be read */
};

struct sr_record;

/* Find tracefs (/sys/kernel/tracing, then /sys/kernel/debug/tracing),
 * mounting it at /sys/kernel/tracing when neither is there; remove stale
 * ssdreplay-<pid> instances whose process is gone; create ours and set it up
 * (buffer size, clock, pid filter, events) with tracing still off; open its
 * trace_pipe. Nothing is recorded until sr_record_start(). */
int sr_record_open(const struct sr_record_cfg *c, struct sr_record **out, struct sr_err *e);
/* Write the '#' header line to out_fd: the level (block requests,
 * page-cache insertions, page faults), the events, the file (faults), the filter and what was run (argv, or
 * NULL). Counts in the stats' bytes. */
int sr_record_header(struct sr_record *r, int out_fd, char *const argv[], struct sr_err *e);
/* Turn tracing on. */
int sr_record_start(struct sr_record *r, struct sr_err *e);
/* Wait up to timeout_ms for events and copy what trace_pipe holds to out_fd.
 * Returns bytes copied (0 when nothing came, or the wait was interrupted by
 * a signal) or -errno. */
int64_t sr_record_pump(struct sr_record *r, int out_fd, int timeout_ms, struct sr_err *e);
/* Turn tracing off and copy everything still buffered to out_fd. */
int sr_record_finish(struct sr_record *r, int out_fd, struct sr_err *e);
/* Events, bytes, and the losses in the instance's per_cpu/cpuN/stats. */
void sr_record_stats(struct sr_record *r, struct sr_record_stats *st);
/* Disable the events, remove the instance and free r (NULL is fine).
 * Returns 0 or -errno with e set when the instance could not be removed. */
int sr_record_close(struct sr_record *r, struct sr_err *e);

/* The header's level word for these events: "block", "page-cache",
 * "page-fault", or several joined by '+' ("block+page-cache"). */
const char *sr_record_level(unsigned events);

#endif
