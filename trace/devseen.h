/* Which devices a block trace's events came from, so analyze can tell a
 * trace of several devices (record's CMD reading its binary from the
 * system disk beside the device under test) from one device's, instead of
 * folding both into one address space. The block readers (blktrace,
 * blkparse, ftrace) note each event's device before the --dev filter. */
#ifndef SR_TRACE_DEVSEEN_H
#define SR_TRACE_DEVSEEN_H

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
void sr_trace_dev_seen(uint32_t major, uint32_t minor);
/* Add this thread's counted run to the shared counts: a parsing thread
 * calls it when its block is done (sr_trace_devs does it for its caller). */
void sr_trace_dev_flush(void);
/* Devices seen so far, in major:minor order, at most max; *more set
 * when more than SR_DEVSEEN_MAX distinct ones were seen. */
unsigned sr_trace_devs(struct sr_trace_dev *out, unsigned max, int *more);

#endif
