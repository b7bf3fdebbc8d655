/* Request latencies from a block trace's events, as btt pairs them: the
 * queue (Q), issue (D) and completion (C) events of one request share its
 * device and first sector, so Q2D = D - Q, D2C = C - D, Q2C = C - Q.
 * The readers (blktrace, blkparse) feed every such event here when
 * sr_trace_opts.lat is set, besides making their one record per request
 * as before; analyze reports the sums per device, convert --to blktrace
 * asks what each record's completion latency was.
 *
 * Matching, per (device, sector): Q leaves a queued request; D issues the
 * queued one (Q2D) or, without a Q, one of unknown queue time; C completes
 * the issued one (D2C, and Q2C when it had a Q). A requeue (R) sends the
 * issued request back to the queue (the next D issues it again); a merge
 * (M, F) ends the merged request's Q, which never gets a D of its own. What
 * does not pair (a C with nothing issued, a second Q or D at a sector whose
 * first is still pending, what is left at the end) is counted, never an
 * error. G and I events are not needed to pair and are not counted. */
#ifndef SR_TRACE_BLKLAT_H
#define SR_TRACE_BLKLAT_H

#include <stdint.h>

#include "base/stats.h"

#define SR_BLKLAT_DEVS 16 /* devices told apart; events of more are counted in dropped */

struct sr_blklat_dev {
	uint32_t major, minor;
	uint64_t q, d, c;        /* events seen */
	struct sr_hist q2d, d2c, q2c; /* ns */
	uint64_t d_without_q;    /* issued with no queued request at the sector */
	uint64_t c_unmatched;    /* completions with no issued request at the sector */
	uint64_t q_replaced;     /* a Q, then another Q at the sector before any D */
	uint64_t d_replaced;     /* a D, then another D at the sector before any C */
	uint64_t merged;         /* M and F events */
	uint64_t requeued;       /* R events */
	uint64_t q_pending;      /* at the end: queued, never issued */
	uint64_t d_pending;      /* at the end: issued, never completed */
};

struct sr_blklat;

/* remember: keep, for each event that a C completed, the latency from it to
 * the C (sr_blklat_lookup), for convert; analyze needs only the sums. */
int sr_blklat_new(int remember, struct sr_blklat **out); /* 0 or -ENOMEM */
void sr_blklat_free(struct sr_blklat *l);                /* NULL is fine */

/* One event: action 'Q', 'D', 'C', 'R', 'M' or 'F' (others are ignored),
 * the time in ns on the trace's own clock, seq the record's number the
 * reader puts in sr_rec.seq. Zero-length events (flushes) do not pair and
 * are ignored. Returns 0 or -ENOMEM (then the event is lost and the caller
 * fails the read). No effect after sr_blklat_finish(). */
int sr_blklat_event(struct sr_blklat *l, uint32_t major, uint32_t minor, char action,
		    uint64_t sector, uint32_t sectors, uint64_t t_ns, uint64_t seq);

/* The process name of pid, when the trace names it (BLK_TN_PROCESS notes,
 * blkparse's [comm]); the first name seen for a pid stays. */
int sr_blklat_comm(struct sr_blklat *l, uint32_t pid, const char *comm); /* 0 or -ENOMEM */
const char *sr_blklat_comm_of(const struct sr_blklat *l, uint32_t pid); /* NULL: unnamed */

/* The trace has ended: what is still pending is counted (q_pending,
 * d_pending) and further events are ignored (a rewound reader feeds no
 * event twice). */
void sr_blklat_finish(struct sr_blklat *l);

/* The devices seen, in order of first event; *dropped: events of devices
 * beyond SR_BLKLAT_DEVS. */
unsigned sr_blklat_devs(const struct sr_blklat *l, const struct sr_blklat_dev **devs,
			uint64_t *dropped);

/* With remember: the latency from the event numbered seq (a Q or a D) to
 * its request's C. 0 and *ns set, or -ENOENT (never completed, or no such event). */
int sr_blklat_lookup(const struct sr_blklat *l, uint64_t seq, uint64_t *ns);

#endif
