#include "replay/replay.h"
#include "replay/fanout.h"
#include "replay/loop.h"
#include "devices/affinity.h"
#include "base/units.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* ---- entry point ---- */

static int check_cfg(const struct sr_replay_cfg *c, unsigned nr_fds, struct sr_err *e)
{
	unsigned i;

	if (!nr_fds)
		return sr_inputf(e, "replay: no targets");
	if (c->layout == SR_LAYOUT_STRIPE) {
		if (!c->stripe)
			return sr_inputf(e, "replay: --layout stripe needs a chunk size");
		for (i = 0; c->targets && i < nr_fds; i++)
			if (c->targets[i].lbs && c->stripe % c->targets[i].lbs)
				return sr_inputf(e, "replay: stripe chunk %" PRIu64 " is not a multiple of %s's %u-byte logical block size",
						 c->stripe, c->targets[i].name, c->targets[i].lbs);
	}
	return 0;
}

int sr_replay_run(const struct sr_replay_cfg *c, struct sr_source *src, const int *fds,
		  unsigned nr_fds, struct sr_stats *st, struct sr_err *e)
{
	struct sr_shape_cfg *shapes = NULL;
	struct sr_feed f = { .c = c, .src = src, .st = st, .e = e, .shapes = &c->shape,
			     .nr_shapes = 1, .nr_tgt = nr_fds };
	struct sr_loop l = { .c = c, .st = st, .e = e, .name = c->tgt_name, .run_id = c->run_id };
	struct rusage ru0, ru1;
	unsigned i, workers = c->workers ? c->workers : 1;
	int ret, pinned = 0;
	cpu_set_t saved;

	ret = check_cfg(c, nr_fds, e);
	if (ret)
		return ret;
	getrusage(RUSAGE_SELF, &ru0);
	if (c->targets) {
		st->tgt = calloc(nr_fds, sizeof(*st->tgt));
		if (!st->tgt)
			return sr_errf(e, -ENOMEM, "out of memory");
		st->nr_tgt = nr_fds;
		for (i = 0; i < nr_fds; i++) {
			st->tgt[i].name = c->targets[i].name;
			st->tgt[i].numa_node = c->targets[i].numa_node;
			sr_hist_init(&st->tgt[i].op[0].clat);
			sr_hist_init(&st->tgt[i].op[1].clat);
		}
	}
	if (c->tag_stats) {
		st->tags = calloc(1, sizeof(*st->tags));
		if (!st->tags || sr_tag_stats_init(st->tags, c->tag_cap)) {
			free(st->tags);
			st->tags = NULL;
			return sr_errf(e, -ENOMEM, "out of memory for the per-tag table (%u tags)",
				       c->tag_cap ? c->tag_cap : SR_TAG_DEFAULT_CAP);
		}
	}
	/* by-target: each device shapes its records to its own size and blocks */
	if (c->targets && nr_fds > 1 && c->layout != SR_LAYOUT_STRIPE) {
		shapes = calloc(nr_fds, sizeof(*shapes));
		if (!shapes)
			return sr_errf(e, -ENOMEM, "out of memory");
		for (i = 0; i < nr_fds; i++) {
			shapes[i] = c->shape;
			shapes[i].tgt_name = c->targets[i].name;
			shapes[i].target_size = c->targets[i].size;
			shapes[i].lbs = c->targets[i].lbs ? c->targets[i].lbs : c->shape.lbs;
		}
		f.shapes = shapes;
		f.nr_shapes = nr_fds;
	}

	if (c->targets && (nr_fds > 1 || workers > 1)) {
		getrusage(RUSAGE_SELF, &ru0);
		ret = sr_replay_fanout(c, &f, fds, nr_fds, st, e);
		goto done;
	}

	/* One loop in this thread: the source feeds it directly. */
	if (c->targets) {
		l.name = c->targets[0].name;
		l.run_id = c->targets[0].run_id;
		if (c->targets[0].cpus && !sched_getaffinity(0, sizeof(saved), &saved)) {
			if (sched_setaffinity(0, sizeof(*c->targets[0].cpus), c->targets[0].cpus)) {
				ret = sr_errf(e, -errno, "cannot run on the CPUs asked for: %s", strerror(errno));
				goto done;
			}
			pinned = 1;
		}
	}
	if (!sched_getaffinity(0, sizeof(l.cpus), &l.cpus))
		sr_cpulist_format(&l.cpus, st->cpus, sizeof(st->cpus));
	l.feed = &f;
	l.tags = st->tags;
	ret = sr_loop_setup(&l, fds, nr_fds, c->targets ? c->targets[0].numa_node : -1);
	getrusage(RUSAGE_SELF, &ru0);
	if (!ret) {
		l.start_ns = st->start_ns = sr_now_ns();
		ret = sr_loop_run(&l);
		st->end_ns = sr_now_ns();
	}
	sr_loop_teardown(&l);
	if (pinned)
		sched_setaffinity(0, sizeof(saved), &saved);
	if (st->tgt) {
		st->tgt[0].op[0] = st->op[0];
		st->tgt[0].op[1] = st->op[1];
		st->tgt[0].verify_errors = st->verify_errors;
		st->tgt[0].verified_bytes = st->verified_bytes;
		memcpy(st->tgt[0].cpus, st->cpus, sizeof(st->cpus));
	}
done:
	getrusage(RUSAGE_SELF, &ru1);
	st->usr_cpu_s = tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime);
	st->sys_cpu_s = tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime);
	if (!st->end_ns)
		st->end_ns = st->start_ns = sr_now_ns();
	free(shapes);
	return ret;
}
