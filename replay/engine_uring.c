/* io_uring engine: registered files and buffers (READ_FIXED/WRITE_FIXED) by
 * default, optional SQPOLL and IOPOLL (--hipri). reap() submits what is
 * staged in the same io_uring_enter that waits: at QD 1 one system call per
 * request where fio makes two (submit, then wait). Its time limit is a
 * timeout request kept in the ring (the guard), not a timer per wait. */
#include "replay/engine.h"
#include "base/record.h"
#include "base/units.h"

#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

struct uring {
	struct io_uring ring;
	int fixed_files;
	int fixed_bufs;
	int iopoll;
	int reg_ring;   /* the ring fd is registered: io_uring_enter skips an fget/fput */
	unsigned staged;
	/* The guard: an IORING_OP_TIMEOUT in the ring that ends the wait at
	 * guard_at (CLOCK_MONOTONIC). A timeout passed to each wait arms and
	 * cancels a kernel hrtimer per request (two timer reprogrammings, VM
	 * exits in a guest); the guard is armed once per wait limit (~100 ms)
	 * and moved only when a wait must end sooner. */
	int guard_ok;      /* the kernel can (5.11: timeout update) */
	int guard_armed;
	unsigned skip_cqe; /* IOSQE_CQE_SKIP_SUCCESS where the kernel has it */
	uint64_t guard_at;
	struct __kernel_timespec guard_ts;
};

#define GUARD_TAG ((__u64)-1)      /* the guard's completion */
#define GUARD_MOVE_TAG ((__u64)-2) /* a failed move of it */

/* IOPOLL rings accept any file, then fail each request with -EOPNOTSUPP
 * when the device has no poll queues: find out with one read of block 0. */
static int probe_iopoll(struct uring *u, const struct sr_engine_cfg *c, struct sr_err *e)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
	struct io_uring_cqe *cqe;
	int ret;

	io_uring_prep_read(sqe, c->fds[0], c->buf_base, 4096 < c->buf_size ? 4096 : (unsigned)c->buf_size, 0);
	ret = io_uring_submit_and_wait(&u->ring, 1);
	if (ret < 0)
		return sr_errf(e, ret, "io_uring: --hipri probe: %s", strerror(-ret));
	ret = io_uring_wait_cqe(&u->ring, &cqe);
	if (ret < 0)
		return sr_errf(e, ret, "io_uring: --hipri probe: %s", strerror(-ret));
	ret = cqe->res;
	io_uring_cqe_seen(&u->ring, cqe);
	if (ret == -EOPNOTSUPP || ret == -EINVAL)
		return sr_inputf(e, "--hipri: the target does not support polled I/O (an NVMe device with poll queues, nvme.poll_queues=N, does)");
	return 0;
}

static int uring_init(struct sr_engine *eng, struct sr_err *e)
{
	const struct sr_engine_cfg *c = &eng->cfg;
	struct io_uring_params p;
	struct iovec *iov = NULL;
	struct uring *u;
	unsigned i;
	int ret;

	u = calloc(1, sizeof(*u));
	if (!u)
		return sr_errf(e, -ENOMEM, "io_uring: out of memory");
	memset(&p, 0, sizeof(p));
	if (c->sqpoll) {
		p.flags |= IORING_SETUP_SQPOLL;
		p.sq_thread_idle = 1000;
	}
	if (c->hipri)
		p.flags |= IORING_SETUP_IOPOLL;
	/* room for the guard and a move of it besides qd requests */
	ret = io_uring_queue_init_params(c->qd + 2, &u->ring, &p);
	if (ret == -EINVAL && (p.flags & IORING_SETUP_IOPOLL)) {
		ret = sr_errf(e, ret, "io_uring: polled I/O (--hipri) not supported here: %s",
			      strerror(-ret));
		goto fail;
	}
	if (ret) {
		ret = sr_errf(e, ret, "io_uring_queue_init(%u): %s", c->qd, strerror(-ret));
		goto fail;
	}
	u->iopoll = !!c->hipri;
	/* polled rings reap by spinning in the kernel: no timeouts there */
	u->guard_ok = !c->hipri && (p.features & IORING_FEAT_EXT_ARG);
	u->skip_cqe = p.features & IORING_FEAT_CQE_SKIP ? IOSQE_CQE_SKIP_SUCCESS : 0;
	/* per thread, as the ring is: init runs in the thread that uses it */
	u->reg_ring = io_uring_register_ring_fd(&u->ring) == 1;
	if (c->hipri) {
		ret = probe_iopoll(u, c, e);
		if (ret)
			goto fail_ring;
	}
	if (!c->no_register) {
		/* Registration saves an fget/fput and a page pin per request; if the
		 * kernel or RLIMIT_MEMLOCK says no, fall back to plain reads. */
		if (!io_uring_register_files(&u->ring, c->fds, c->nr_fds))
			u->fixed_files = 1;
		iov = calloc(c->qd, sizeof(*iov));
		if (!iov) {
			ret = sr_errf(e, -ENOMEM, "io_uring: out of memory");
			goto fail_ring;
		}
		for (i = 0; i < c->qd; i++) {
			iov[i].iov_base = (char *)c->buf_base + (size_t)i * c->buf_size;
			iov[i].iov_len = c->buf_size;
		}
		if (!io_uring_register_buffers(&u->ring, iov, c->qd))
			u->fixed_bufs = 1;
		free(iov);
	}
	eng->priv = u;
	return 0;
fail_ring:
	io_uring_queue_exit(&u->ring);
fail:
	free(u);
	return ret;
}

static int uring_queue(struct sr_engine *eng, struct sr_io *io)
{
	struct uring *u = eng->priv;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
	int fd = u->fixed_files ? (int)io->target : eng->cfg.fds[io->target];

	if (!sqe)
		return SR_Q_BUSY;
	if (io->op == SR_OP_WRITE) {
		if (u->fixed_bufs)
			io_uring_prep_write_fixed(sqe, fd, io->buf, io->len, io->off, io->idx);
		else
			io_uring_prep_write(sqe, fd, io->buf, io->len, io->off);
	} else {
		if (u->fixed_bufs)
			io_uring_prep_read_fixed(sqe, fd, io->buf, io->len, io->off, io->idx);
		else
			io_uring_prep_read(sqe, fd, io->buf, io->len, io->off);
	}
	if (u->fixed_files)
		sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data(sqe, io);
	u->staged++;
	return SR_Q_QUEUED;
}

static int uring_submit(struct sr_engine *eng)
{
	struct uring *u = eng->priv;
	int ret;

	if (!u->staged)
		return 0;
	do
		ret = io_uring_submit(&u->ring);
	while (ret == -EINTR);
	if (ret >= 0)
		u->staged = 0;
	return ret;
}

/* Make the guard end the coming wait by now + timeout_ns at the latest (it
 * may end it sooner: the caller's loop only re-checks its clocks). Returns 1
 * when the guard stands for the timeout, 0 when it cannot (the ring full). */
static int guard_wait(struct uring *u, uint64_t timeout_ns)
{
	uint64_t at = sr_now_ns() + timeout_ns;
	struct io_uring_sqe *sqe;

	if (u->guard_armed && u->guard_at <= at)
		return 1;
	sqe = io_uring_get_sqe(&u->ring);
	if (!sqe)
		return 0;
	u->guard_ts.tv_sec = (long long)(at / 1000000000ull);
	u->guard_ts.tv_nsec = (long long)(at % 1000000000ull);
	if (u->guard_armed) {
		io_uring_prep_timeout_update(sqe, &u->guard_ts, GUARD_TAG, IORING_TIMEOUT_ABS);
		io_uring_sqe_set_data64(sqe, GUARD_MOVE_TAG);
		sqe->flags |= u->skip_cqe;
	} else {
		io_uring_prep_timeout(sqe, &u->guard_ts, 0, IORING_TIMEOUT_ABS);
		io_uring_sqe_set_data64(sqe, GUARD_TAG);
		u->guard_armed = 1;
	}
	u->guard_at = at;
	u->staged++;
	return 1;
}

static int uring_reap(struct sr_engine *eng, unsigned min, unsigned max, uint64_t timeout_ns,
		      struct sr_io **out)
{
	struct uring *u = eng->priv;
	struct io_uring_cqe *cqe;
	unsigned head, seen = 0, n = 0;
	int ret;

	if (min) {
		struct __kernel_timespec ts = {
			.tv_sec = (long long)(timeout_ns / 1000000000ull),
			.tv_nsec = (long long)(timeout_ns % 1000000000ull),
		};
		struct __kernel_timespec *tsp = timeout_ns && !u->iopoll ? &ts : NULL;

		if (tsp && u->guard_ok && guard_wait(u, timeout_ns))
			tsp = NULL;
		if (u->staged) {
			ret = io_uring_submit_and_wait_timeout(&u->ring, &cqe, min, tsp, NULL);
			/* what the kernel has not taken yet goes with the next call */
			u->staged = io_uring_sq_ready(&u->ring);
		} else {
			ret = io_uring_wait_cqes(&u->ring, &cqe, min, tsp, NULL);
		}
		if (ret == -ETIME || ret == -EINTR || ret == -EAGAIN)
			return 0;
		if (ret < 0)
			return ret;
	} else if (u->staged) {
		ret = uring_submit(eng);
		if (ret < 0)
			return ret;
	}
	io_uring_for_each_cqe(&u->ring, head, cqe) {
		struct sr_io *io;

		if (n == max)
			break;
		seen++;
		if (cqe->user_data == GUARD_TAG) { /* fired, or cancelled */
			u->guard_armed = 0;
			continue;
		}
		if (cqe->user_data == GUARD_MOVE_TAG) /* it had fired: its completion says so */
			continue;
		io = io_uring_cqe_get_data(cqe);
		io->res = cqe->res;
		out[n++] = io;
	}
	io_uring_cq_advance(&u->ring, seen);
	return (int)n;
}

static void uring_cleanup(struct sr_engine *eng)
{
	struct uring *u = eng->priv;

	if (!u)
		return;
	if (u->reg_ring)
		io_uring_unregister_ring_fd(&u->ring);
	io_uring_queue_exit(&u->ring);
	free(u);
	eng->priv = NULL;
}

const struct sr_engine_ops sr_engine_uring = {
	.name = "io_uring",
	.flags = SR_ENGINE_REAP_SUBMITS,
	.help = "io_uring with registered files and buffers (--sqpoll, --hipri)",
	.init = uring_init,
	.queue = uring_queue,
	.submit = uring_submit,
	.reap = uring_reap,
	.cleanup = uring_cleanup,
};
