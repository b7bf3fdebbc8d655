#include "real/child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int sr_child_start(struct sr_child *ch, const struct sr_child_cfg *c, struct sr_err *e)
{
	memset(ch, 0, sizeof(*ch));
	ch->pid = -1;
	ch->go[0] = ch->go[1] = ch->res[0] = ch->res[1] = -1;
	if (sr_child_drop_cache(c->path, e))
		return -EIO;
	if (c->cgroup) {
		int ret = sr_cgroup_create(c->cgroup, &ch->cg, &ch->swappiness_set, e);

		if (ret)
			return ret;
	}
	/* close-on-exec: nothing this process starts later holds the child's pipes */
	if (pipe2(ch->go, O_CLOEXEC) || pipe2(ch->res, O_CLOEXEC))
		return sr_errf(e, -errno, "pipe: %s", strerror(errno));
	ch->pid = fork();
	if (ch->pid < 0)
		return sr_errf(e, -errno, "fork: %s", strerror(errno));
	if (!ch->pid) {
		close(ch->go[1]);
		close(ch->res[0]);
		c->body(c->arg, ch->go[0], ch->res[1]);
		_exit(4); /* body does not return */
	}
	close(ch->go[0]);
	close(ch->res[1]);
	ch->go[0] = ch->res[1] = -1;
	if (ch->cg.dir[0]) {
		int ret = sr_cgroup_attach(&ch->cg, ch->pid, e);

		if (ret)
			return ret;
	}
	if (c->before_go)
		c->before_go(c->arg, ch->pid);
	if (write(ch->go[1], "g", 1) != 1)
		return sr_errf(e, -EIO, "%s: the child did not start", c->who);
	return 0;
}

int sr_child_wait(struct sr_child *ch, const struct sr_child_cfg *c, void *out, size_t n, struct sr_err *e)
{
	int fwd = 0, stopped;
	ssize_t got;

	for (;;) {
		struct pollfd pf = { .fd = ch->res[0], .events = POLLIN };

		/* A signal to us alone (kill PID): pass it on, so the child stops
		 * at its next access (and still reports what it did). Polled, so
		 * one that came before this wait is seen too. */
		stopped = c->stop && *c->stop;
		if (stopped && !fwd) {
			kill(ch->pid, SIGTERM);
			fwd = 1;
		}
		if (stopped && c->stop_fails)
			return sr_errf(e, -EINTR, "%s: stopped by a signal", c->who);
		if (poll(&pf, 1, c->pump ? c->pump(c->arg, e) : 200) > 0)
			break;
	}
	do
		got = read(ch->res[0], out, n);
	while (got < 0 && errno == EINTR);
	if (got != (ssize_t)n && sr_cgroup_oom_kills(&ch->cg) > 0)
		return sr_errf(e, -ENOMEM, "%s: the memory cgroup's OOM killer ended the child: the page cache's budget is too "
			       "small for the reads in flight (readahead windows, large folios), which reclaim cannot take back; a "
			       "larger budget", c->who);
	if (got != (ssize_t)n)
		return sr_errf(e, -EIO, "%s: the child died before reporting%s", c->who,
			       c->stop && *c->stop ? " (stopped by a signal)" : " (out of memory in the cgroup?)");
	return 0;
}

void sr_child_finish(struct sr_child *ch, int failed)
{
	sr_child_end(ch->pid, failed, ch->go, ch->res, &ch->cg);
}
