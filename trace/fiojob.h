/* `convert --to fio-job DIR`: the trace as a fio job directory, so the same
 * workload runs under fio on this host or, through fio's client/server
 * mode, on many. DIR gets one iolog v3 per target (targetN.iolog, every
 * record of target N; times are the trace's, 0 when it has none) and
 * job.fio with one job per target: read_iolog=DIR/targetN.iolog,
 * replay_redirect=the Nth --target, ioengine, iodepth, direct=1,
 * replay_no_stall=1 unless the trace's timing is asked for, readonly=1
 * unless writes are kept (only with allow_write). */
#ifndef SR_FIOJOB_H
#define SR_FIOJOB_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/record.h"

struct sr_fiojob_cfg {
	const char *dir;
	const char *source;             /* for the job file's comment */
	const char *const *targets;     /* replay_redirect of target 0, 1, ... */
	unsigned nr_targets;
	const char *engine;             /* fio ioengine: io_uring, libaio, psync */
	unsigned qd;                    /* iodepth */
	int buffered;                   /* direct=0 */
	int recorded;                   /* honour the trace's times */
	int allow_write;                /* keep writes and trims (else dropped and counted) */
};

struct sr_fiojob;

/* Creates dir when missing; refuses a dir that already holds job.fio. */
int sr_fiojob_open(const struct sr_fiojob_cfg *cfg, struct sr_fiojob **out, struct sr_err *e);
int sr_fiojob_write(struct sr_fiojob *j, const struct sr_rec *r, size_t n, struct sr_err *e);
/* Writes job.fio and frees j. On error the files written are removed. */
int sr_fiojob_close(struct sr_fiojob *j, struct sr_err *e);
/* Removes what was written and frees j. */
void sr_fiojob_abort(struct sr_fiojob *j);

#endif
