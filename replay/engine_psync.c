/* pread/pwrite. With --threads 1 each request completes inside queue(), as
 * fio's psync does; with --threads N a pool of N workers gives N requests in
 * flight (the queue depth is then min(qd, N) in effect). */
#include "base/cond.h"
#include "replay/engine.h"
#include "base/record.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

struct psync {
	pthread_mutex_t lock;
	pthread_cond_t work;     /* workers wait for requests */
	pthread_cond_t done;     /* reap waits for completions */
	struct sr_io *pending, **pending_tail;
	struct sr_io *completed, **completed_tail;
	unsigned nr_completed;
	int stopping;
	pthread_t *tids;
	unsigned nr_threads;
	int rwf;                 /* RWF_HIPRI */
	const int *fds;
};

static int64_t do_io(const int *fds, int rwf, struct sr_io *io)
{
	int fd = fds[io->target];
	uint64_t done = 0;

	while (done < io->len) {
		struct iovec iov = { (char *)io->buf + done, io->len - done };
		ssize_t r;

		if (io->op == SR_OP_WRITE)
			r = pwritev2(fd, &iov, 1, (off_t)(io->off + done), rwf);
		else
			r = preadv2(fd, &iov, 1, (off_t)(io->off + done), rwf);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return done ? (int64_t)done : -errno;
		}
		if (r == 0)
			break; /* end of file: a short read, the replay loop counts it */
		done += (uint64_t)r;
	}
	return (int64_t)done;
}

static void *worker(void *arg)
{
	struct psync *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct sr_io *io;

		while (!p->pending && !p->stopping)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->stopping)
			break;
		io = p->pending;
		p->pending = io->next;
		if (!p->pending)
			p->pending_tail = &p->pending;
		pthread_mutex_unlock(&p->lock);

		io->res = do_io(p->fds, p->rwf, io);

		pthread_mutex_lock(&p->lock);
		io->next = NULL;
		*p->completed_tail = io;
		p->completed_tail = &io->next;
		p->nr_completed++;
		pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void stop_workers(struct psync *p, unsigned n)
{
	unsigned i;

	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < n; i++)
		pthread_join(p->tids[i], NULL);
}

static int psync_init(struct sr_engine *eng, struct sr_err *e)
{
	const struct sr_engine_cfg *c = &eng->cfg;
	struct psync *p;
	unsigned i;
	int ret;

	p = calloc(1, sizeof(*p));
	if (!p)
		return sr_errf(e, -ENOMEM, "psync: out of memory");
	p->fds = c->fds;
	p->rwf = c->hipri ? RWF_HIPRI : 0;
	p->pending_tail = &p->pending;
	p->completed_tail = &p->completed;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	sr_cond_init_mono(&p->done);
	eng->priv = p;
	if (c->threads <= 1)
		return 0;
	p->tids = calloc(c->threads, sizeof(*p->tids));
	if (!p->tids)
		return sr_errf(e, -ENOMEM, "psync: out of memory");
	for (i = 0; i < c->threads; i++) {
		ret = pthread_create(&p->tids[i], NULL, worker, p);
		if (ret) {
			stop_workers(p, i);
			return sr_errf(e, -ret, "psync: pthread_create: %s", strerror(ret));
		}
	}
	p->nr_threads = c->threads;
	return 0;
}

static int psync_queue(struct sr_engine *eng, struct sr_io *io)
{
	struct psync *p = eng->priv;

	if (!p->nr_threads) {
		io->res = do_io(p->fds, p->rwf, io);
		return SR_Q_COMPLETED;
	}
	pthread_mutex_lock(&p->lock);
	io->next = NULL;
	*p->pending_tail = io;
	p->pending_tail = &io->next;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	return SR_Q_QUEUED;
}

static int psync_submit(struct sr_engine *eng)
{
	(void)eng;
	return 0;
}

static int psync_reap(struct sr_engine *eng, unsigned min, unsigned max, uint64_t timeout_ns,
		      struct sr_io **out)
{
	struct psync *p = eng->priv;
	struct timespec deadline;
	unsigned n = 0;

	if (!p->nr_threads)
		return 0;
	sr_deadline_in(&deadline, timeout_ns);
	pthread_mutex_lock(&p->lock);
	while (p->nr_completed < min) {
		int ret;

		if (!timeout_ns) {
			pthread_cond_wait(&p->done, &p->lock);
			continue;
		}
		ret = pthread_cond_timedwait(&p->done, &p->lock, &deadline);
		if (ret == ETIMEDOUT)
			break;
	}
	while (p->completed && n < max) {
		out[n++] = p->completed;
		p->completed = p->completed->next;
		p->nr_completed--;
	}
	if (!p->completed)
		p->completed_tail = &p->completed;
	pthread_mutex_unlock(&p->lock);
	return (int)n;
}

static void psync_cleanup(struct sr_engine *eng)
{
	struct psync *p = eng->priv;

	if (!p)
		return;
	if (p->nr_threads)
		stop_workers(p, p->nr_threads);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	free(p->tids);
	free(p);
	eng->priv = NULL;
}

const struct sr_engine_ops sr_engine_psync = {
	.flags = SR_ENGINE_SYNCIO,
	.name = "psync",
	.help = "pread/pwrite, synchronous; --threads N for N in flight",
	.init = psync_init,
	.queue = psync_queue,
	.submit = psync_submit,
	.reap = psync_reap,
	.cleanup = psync_cleanup,
};
