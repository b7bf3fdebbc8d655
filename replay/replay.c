#include "replay/replay.h"
#include "replay/units.h"
#include "replay/verify.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

#define SR_IN_BATCH 256
#define SR_SYNC_BURST 1024 /* synchronous completions per fill() pass ... */
#define SR_SYNC_SLICE_NS 10000000ull /* ... or this much time, whichever first */
#define SR_TICK_NS 1000000000ull
#define SR_MAX_WAIT_NS 100000000ull /* re-check signals and runtime at least this often */

struct loop {
	const struct sr_replay_cfg *c;
	struct sr_source *src;
	struct sr_stats *st;
	struct sr_err *e;
	struct sr_engine eng;

	struct sr_io *ios, *free_ios;
	void *bufs;
	void *map;
	size_t map_len;
	size_t buf_size;
	struct sr_io **done;
	unsigned inflight;

	struct sr_rec in[SR_IN_BATCH];
	int in_n, in_pos;
	struct sr_merger merger;
	uint64_t loops_done;
	uint64_t loop_base_ns;   /* recorded timing: where this pass's clock starts */
	uint64_t last_t_ns;      /* latest trace time seen in this pass */
	int src_done;

	struct sr_rec cur;       /* request being issued (split to max_req) */
	int have_cur;
	uint64_t start_ns;
};

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* The next shaped request from the source, or 0 at the end. */
static int next_request(struct loop *l, struct sr_rec *out)
{
	const struct sr_replay_cfg *c = l->c;
	int ret;

	for (;;) {
		struct sr_rec *r;

		if (l->in_pos == l->in_n) {
			if (l->src_done)
				return sr_merge_flush(&l->merger, out);
			ret = sr_source_next(l->src, l->in, SR_IN_BATCH, l->e);
			if (ret < 0)
				return ret;
			l->in_n = ret;
			l->in_pos = 0;
			if (ret == 0) {
				l->loops_done++;
				if ((c->loops && l->loops_done >= c->loops) ||
				    (!c->loops && !c->runtime_ns)) {
					l->src_done = 1;
					continue;
				}
				if (l->loops_done == 1 && !l->st->records)
					return sr_inputf(l->e, "%s: no records", l->src->name);
				ret = l->src->rewind(l->src, l->e);
				if (ret)
					return ret;
				l->loop_base_ns += l->last_t_ns;
				l->last_t_ns = 0;
				continue;
			}
		}
		r = &l->in[l->in_pos++];
		ret = sr_shape_prepare(&c->shape, r, l->st, l->e);
		if (ret < 0)
			return ret;
		if (ret)
			continue;
		if (r->t_ns != SR_T_NONE) {
			if (r->t_ns > l->last_t_ns)
				l->last_t_ns = r->t_ns;
			r->t_ns += l->loop_base_ns;
		}
		if (!c->shape.merge) {
			*out = *r;
			return 1;
		}
		if (sr_merge_push(&c->shape, &l->merger, r, out, l->st))
			return 1;
	}
}

static uint64_t due_ns(const struct loop *l, const struct sr_rec *r)
{
	if (l->c->timing != SR_TIMING_RECORDED || r->t_ns == SR_T_NONE)
		return 0;
	return l->start_ns + (uint64_t)((double)r->t_ns * l->c->time_scale);
}

static int complete(struct loop *l, struct sr_io *io, uint64_t now)
{
	const struct sr_replay_cfg *c = l->c;
	int ret = 0;

	l->inflight--;
	if (io->res != (int64_t)io->len) {
		l->st->op[io->op == SR_OP_WRITE].errors++;
		if (io->res < 0)
			ret = sr_errf(l->e, (int)io->res, "%s: %s at offset %" PRIu64 " length %u failed: %s",
				      c->tgt_name, sr_op_name(io->op), io->off, io->len, strerror((int)-io->res));
		else
			ret = sr_errf(l->e, -EIO, "%s: short %s at offset %" PRIu64 ": %" PRId64 " of %u bytes",
				      c->tgt_name, sr_op_name(io->op), io->off, io->res, io->len);
	} else {
		if (c->verify && io->op == SR_OP_READ) {
			uint64_t bad;

			if (sr_verify_check(io->buf, io->off, io->len, c->run_id, &bad)) {
				l->st->verify_errors++;
				ret = sr_errf(l->e, -EILSEQ, "%s: verify failed: the read of %u bytes at offset %" PRIu64 " returned data that does not belong at offset %" PRIu64,
					      c->tgt_name, io->len, io->off, bad);
			} else {
				l->st->verified_bytes += io->len;
			}
		}
		if (sr_stats_complete(l->st, io->op, io->len, now - io->issue_ns, now - l->start_ns))
			ret = sr_errf(l->e, -ENOMEM, "out of memory for the timeline");
	}
	io->next = l->free_ios;
	l->free_ios = io;
	return ret;
}

/* Queue as many requests as slots and the schedule allow. Sets *wait_until
 * when the next request is not due yet. Returns 0 or -errno. */
static int fill(struct loop *l, int *issuing, uint64_t *wait_until)
{
	const struct sr_replay_cfg *c = l->c;
	uint64_t now = sr_now_ns(), start = now;
	unsigned staged = 0, sync_done = 0;
	int ret;

	*wait_until = 0;
	while (l->free_ios) {
		struct sr_io *io;
		uint64_t due;

		if (!l->have_cur) {
			ret = next_request(l, &l->cur);
			if (ret < 0)
				return ret;
			if (!ret) {
				*issuing = 0;
				break;
			}
			l->have_cur = 1;
		}
		due = due_ns(l, &l->cur);
		if (due > now) {
			now = sr_now_ns();
			if (due > now) {
				*wait_until = due;
				break;
			}
		}
		io = l->free_ios;
		l->free_ios = io->next;
		io->off = l->cur.off;
		io->len = (uint32_t)sr_split_len(&c->shape, l->cur.len);
		io->op = l->cur.op;
		io->target = l->cur.target;
		io->issue_ns = now;
		if (due)
			sr_hist_add(&l->st->lag, now - due);
		if (io->op == SR_OP_WRITE)
			sr_verify_fill(io->buf, io->off, io->len, c->run_id);
		ret = c->engine->queue(&l->eng, io);
		if (ret == SR_Q_BUSY) {
			io->next = l->free_ios;
			l->free_ios = io;
			break;
		}
		if (ret < 0)
			return sr_errf(l->e, ret, "%s: queue: %s", c->tgt_name, strerror(-ret));
		l->inflight++;
		if (io->len < l->cur.len) {
			l->st->split++;
			l->cur.off += io->len;
			l->cur.len -= io->len;
		} else {
			l->have_cur = 0;
		}
		if (ret == SR_Q_COMPLETED) {
			ret = complete(l, io, sr_now_ns());
			if (ret)
				return ret;
			/* A synchronous engine hands the slot straight back: come up
			 * for air so runtime, signals and progress are seen. */
			now = sr_now_ns();
			if (++sync_done >= SR_SYNC_BURST || now - start >= SR_SYNC_SLICE_NS)
				break;
			continue;
		}
		if (++staged >= c->batch) {
			ret = c->engine->submit(&l->eng);
			if (ret < 0)
				return sr_errf(l->e, ret, "%s: submit: %s", c->tgt_name, strerror(-ret));
			staged = 0;
		}
	}
	ret = c->engine->submit(&l->eng);
	if (ret < 0)
		return sr_errf(l->e, ret, "%s: submit: %s", c->tgt_name, strerror(-ret));
	return 0;
}

/* I/O buffers on transparent huge pages where the kernel allows: a request's
 * buffer is then physically contiguous, so it costs the device one segment
 * per 2 MiB instead of one per 4 KiB page (virtio-blk without indirect
 * descriptors otherwise fits only a few 128 KiB requests in its ring). */
#define SR_HUGE (2u << 20)
static int alloc_bufs(struct loop *l, size_t len)
{
	size_t map_len = (len + SR_HUGE - 1) / SR_HUGE * SR_HUGE + SR_HUGE;
	char *p = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;

	if (p == MAP_FAILED)
		return -errno;
	a = ((uintptr_t)p + SR_HUGE - 1) & ~(uintptr_t)(SR_HUGE - 1);
	madvise((void *)a, map_len - (a - (uintptr_t)p), MADV_HUGEPAGE); /* advice only */
	memset((void *)a, 0, len); /* fault pages in before the clock starts */
	l->bufs = (void *)a;
	l->map = p;
	l->map_len = map_len;
	return 0;
}

static int setup(struct loop *l, const int *fds, unsigned nr_fds)
{
	const struct sr_replay_cfg *c = l->c;
	unsigned i;
	int ret;

	l->buf_size = (size_t)c->shape.max_req;
	l->ios = calloc(c->qd, sizeof(*l->ios));
	l->done = calloc(c->qd, sizeof(*l->done));
	if (!l->ios || !l->done)
		return sr_errf(l->e, -ENOMEM, "out of memory for %u request slots", c->qd);
	ret = alloc_bufs(l, l->buf_size * c->qd);
	if (ret)
		return sr_errf(l->e, ret, "cannot allocate %u buffers of %zu bytes", c->qd, l->buf_size);
	for (i = 0; i < c->qd; i++) {
		l->ios[i].idx = i;
		l->ios[i].buf = (char *)l->bufs + (size_t)i * l->buf_size;
		l->ios[i].next = l->free_ios;
		l->free_ios = &l->ios[i];
	}
	l->eng.ops = c->engine;
	l->eng.cfg = (struct sr_engine_cfg){
		.fds = fds, .nr_fds = nr_fds, .qd = c->qd, .ios = l->ios,
		.buf_size = l->buf_size, .buf_base = l->bufs, .threads = c->threads,
		.sqpoll = c->sqpoll, .hipri = c->hipri, .no_register = c->no_register,
	};
	return c->engine->init(&l->eng, l->e);
}

/* Wait for completions (or the schedule, or a tick) and handle them. */
static int wait_and_reap(struct loop *l, uint64_t wait_until, uint64_t next_tick)
{
	const struct sr_replay_cfg *c = l->c;
	uint64_t now = sr_now_ns(), limit = next_tick;
	int n, i, ret;

	if (wait_until && wait_until < limit)
		limit = wait_until;
	if (limit > now + SR_MAX_WAIT_NS)
		limit = now + SR_MAX_WAIT_NS;
	if (!l->inflight) {
		/* nothing in flight: sleep only for a schedule (recorded timing) */
		if (wait_until && limit > now) {
			struct timespec ts = { (time_t)((limit - now) / 1000000000ull),
					       (long)((limit - now) % 1000000000ull) };

			nanosleep(&ts, NULL);
		}
		return 0;
	}
	n = c->engine->reap(&l->eng, 1, c->qd, limit > now ? limit - now : 1, l->done);
	if (n < 0)
		return sr_errf(l->e, n, "%s: reap: %s", c->tgt_name, strerror(-n));
	now = sr_now_ns();
	/* Every reaped request is accounted, even after one fails: an early
	 * return would leave the rest counted as in flight forever. */
	for (i = 0, ret = 0; i < n; i++) {
		int r = complete(l, l->done[i], now);

		if (r && !ret)
			ret = r;
	}
	return ret;
}

static void drain(struct loop *l)
{
	uint64_t deadline = sr_now_ns() + 30 * SR_TICK_NS;

	/* Stop issuing, but let what is in flight land so buffers are not freed
	 * under the kernel's feet. Errors here are already counted. Requests
	 * staged but not yet submitted (an error cut fill() short) go first. */
	l->c->engine->submit(&l->eng);
	while (l->inflight && sr_now_ns() < deadline) {
		int n = l->c->engine->reap(&l->eng, 1, l->c->qd, SR_MAX_WAIT_NS, l->done), i;

		if (n < 0)
			break;
		for (i = 0; i < n; i++)
			complete(l, l->done[i], sr_now_ns());
	}
}

int sr_replay_run(const struct sr_replay_cfg *c, struct sr_source *src, const int *fds,
		  unsigned nr_fds, struct sr_stats *st, struct sr_err *e)
{
	struct loop l = { .c = c, .src = src, .st = st, .e = e };
	struct rusage ru0, ru1;
	uint64_t next_tick, wait_until = 0;
	int issuing = 1, ret;

	ret = setup(&l, fds, nr_fds);
	if (ret)
		goto out;
	getrusage(RUSAGE_SELF, &ru0);
	l.start_ns = st->start_ns = sr_now_ns();
	next_tick = l.start_ns + SR_TICK_NS;
	for (;;) {
		uint64_t now;

		if (c->stop && *c->stop) {
			st->partial = 1;
			break;
		}
		if (issuing) {
			ret = fill(&l, &issuing, &wait_until);
			if (ret)
				break;
		}
		if (!issuing && !l.inflight)
			break;
		ret = wait_and_reap(&l, issuing ? wait_until : 0, next_tick);
		if (ret)
			break;
		now = sr_now_ns();
		if (now >= next_tick) {
			if (c->progress)
				c->progress(c->progress_arg, st, now - l.start_ns);
			next_tick = now + SR_TICK_NS;
		}
		if (c->runtime_ns && now - l.start_ns >= c->runtime_ns)
			issuing = 0;
	}
	if (ret)
		st->partial = 1;
	drain(&l);
	st->end_ns = sr_now_ns();
	getrusage(RUSAGE_SELF, &ru1);
	st->usr_cpu_s = tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime);
	st->sys_cpu_s = tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime);
	c->engine->cleanup(&l.eng);
out:
	free(l.ios);
	free(l.done);
	if (l.map)
		munmap(l.map, l.map_len);
	return ret;
}
