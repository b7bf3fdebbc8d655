/* Which devices a block trace's events came from, so analyze can tell a
 * trace of several devices (record's CMD reading its binary from the
 * system disk beside the device under test) from one device's, instead of
 * folding both into one address space. The block readers (blktrace,
 * blkparse, ftrace) note each event's device before the --dev filter. */
#ifndef SR_TRACE_DEVSEEN_H
#define SR_TRACE_DEVSEEN_H

#include <stdatomic.h>
#include <stdint.h>

#define SR_DEVSEEN_MAX 16

struct sr_trace_dev {
	uint32_t major, minor;
	uint64_t events;
};

/* Forget what was seen (before opening a trace, with no reader running).
 * Process-wide: one trace is read at a time per command; safe to call
 * sr_trace_dev_seen from several parsing threads. */
void sr_trace_devs_reset(void);

/* This thread's run of events of one device (devseen.c), here so that the
 * usual case, the device of the event before, is inline in the readers'
 * loops (the call was 3% of an ftrace line's instructions). */
struct sr_devseen_run {
	unsigned gen, idx;
	uint32_t major, minor;
	uint64_t pending;
	int valid;
};
extern _Thread_local struct sr_devseen_run sr_devseen_run;
extern _Atomic unsigned sr_devseen_gen; /* bumped by sr_trace_devs_reset */
/* A run of another device starts. */
void sr_trace_dev_seen_new(uint32_t major, uint32_t minor);

static inline void sr_trace_dev_seen(uint32_t major, uint32_t minor)
{
	struct sr_devseen_run *r = &sr_devseen_run;

	if (r->valid && r->gen == atomic_load_explicit(&sr_devseen_gen, memory_order_relaxed) &&
	    r->major == major && r->minor == minor)
		r->pending++;
	else
		sr_trace_dev_seen_new(major, minor);
}
/* Add this thread's counted run to the shared counts: a parsing thread
 * calls it when its block is done (sr_trace_devs does it for its caller). */
void sr_trace_dev_flush(void);
/* Devices seen so far, in major:minor order, at most max; *more set
 * when more than SR_DEVSEEN_MAX distinct ones were seen. */
unsigned sr_trace_devs(struct sr_trace_dev *out, unsigned max, int *more);

#endif
