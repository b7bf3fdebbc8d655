/* Internal to replay/: several targets or workers, the dispatcher and its
 * threads (fanout.c), each running the I/O loop of loop.c. */
#ifndef SR_FANOUT_H
#define SR_FANOUT_H

#include "replay/loop.h"

int sr_replay_fanout(const struct sr_replay_cfg *c, struct sr_feed *f, const int *fds,
		     unsigned nr_fds, struct sr_stats *st, struct sr_err *e);

#endif
