/* Linux native AIO (libaio): io_submit/io_getevents, O_DIRECT only in
 * practice (buffered AIO is synchronous in the kernel). */
#include "replay/engine.h"
#include "base/record.h"

#include <errno.h>
#include <libaio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct aio {
	io_context_t ctx;
	struct iocb *iocbs;      /* one per slot */
	struct iocb **staged;    /* waiting for io_submit */
	unsigned nr_staged;
	struct io_event *events;
};

static int aio_init(struct sr_engine *eng, struct sr_err *e)
{
	const struct sr_engine_cfg *c = &eng->cfg;
	struct aio *a;
	int ret;

	if (c->hipri)
		return sr_inputf(e, "--hipri needs --engine io_uring");
	a = calloc(1, sizeof(*a));
	if (!a)
		return sr_errf(e, -ENOMEM, "libaio: out of memory");
	a->iocbs = calloc(c->qd, sizeof(*a->iocbs));
	a->staged = calloc(c->qd, sizeof(*a->staged));
	a->events = calloc(c->qd, sizeof(*a->events));
	if (!a->iocbs || !a->staged || !a->events) {
		ret = sr_errf(e, -ENOMEM, "libaio: out of memory");
		goto fail;
	}
	ret = io_setup((int)c->qd, &a->ctx);
	if (ret) {
		ret = sr_errf(e, ret, "io_setup(%u): %s (see /proc/sys/fs/aio-max-nr)", c->qd,
			      strerror(-ret));
		goto fail;
	}
	eng->priv = a;
	return 0;
fail:
	free(a->iocbs);
	free(a->staged);
	free(a->events);
	free(a);
	return ret;
}

static int aio_queue(struct sr_engine *eng, struct sr_io *io)
{
	struct aio *a = eng->priv;
	struct iocb *cb = &a->iocbs[io->idx];
	int fd = eng->cfg.fds[io->target];

	if (a->nr_staged == eng->cfg.qd)
		return SR_Q_BUSY;
	if (io->op == SR_OP_WRITE)
		io_prep_pwrite(cb, fd, io->buf, io->len, (long long)io->off);
	else
		io_prep_pread(cb, fd, io->buf, io->len, (long long)io->off);
	cb->data = io;
	a->staged[a->nr_staged++] = cb;
	return SR_Q_QUEUED;
}

static int aio_submit(struct sr_engine *eng)
{
	struct aio *a = eng->priv;
	unsigned done = 0;
	int ret;

	while (done < a->nr_staged) {
		ret = io_submit(a->ctx, (long)(a->nr_staged - done), a->staged + done);
		if (ret == -EINTR)
			continue;
		if (ret == -EAGAIN && done)
			break;
		if (ret < 0)
			return ret;
		if (ret == 0)
			break;
		done += (unsigned)ret;
	}
	if (done < a->nr_staged)
		memmove(a->staged, a->staged + done, (a->nr_staged - done) * sizeof(*a->staged));
	a->nr_staged -= done;
	return (int)done;
}

static int aio_reap(struct sr_engine *eng, unsigned min, unsigned max, uint64_t timeout_ns,
		    struct sr_io **out)
{
	struct aio *a = eng->priv;
	struct timespec ts = {
		.tv_sec = (time_t)(timeout_ns / 1000000000ull),
		.tv_nsec = (long)(timeout_ns % 1000000000ull),
	};
	int ret, i;

	if (max > eng->cfg.qd)
		max = eng->cfg.qd;
	if (!min) {
		ts.tv_sec = 0;
		ts.tv_nsec = 0;
	}
	ret = io_getevents(a->ctx, (long)min, (long)max, a->events,
			   (min && !timeout_ns) ? NULL : &ts);
	if (ret == -EINTR)
		return 0;
	if (ret < 0)
		return ret;
	for (i = 0; i < ret; i++) {
		struct sr_io *io = a->events[i].data;

		io->res = (int64_t)(long)a->events[i].res;
		out[i] = io;
	}
	return ret;
}

static void aio_cleanup(struct sr_engine *eng)
{
	struct aio *a = eng->priv;

	if (!a)
		return;
	io_destroy(a->ctx);
	free(a->iocbs);
	free(a->staged);
	free(a->events);
	free(a);
	eng->priv = NULL;
}

const struct sr_engine_ops sr_engine_aio = {
	.name = "libaio",
	.help = "Linux native AIO (io_submit/io_getevents)",
	.init = aio_init,
	.queue = aio_queue,
	.submit = aio_submit,
	.reap = aio_reap,
	.cleanup = aio_cleanup,
};
