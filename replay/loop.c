/* The feed (source -> shaped requests -> device pieces) and the I/O loop (an
 * engine instance, its slots and buffers): what replay.c runs inline for one
 * target and fanout.c runs per worker thread. */
#include "replay/loop.h"
#include "devices/affinity.h"
#include "base/checked.h"
#include "base/units.h"
#include "replay/verify.h"

#include <errno.h>
#include <inttypes.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#ifdef SR_HAVE_HWLOC
#include <hwloc.h>
#endif

#define SR_SYNC_BURST 1024 /* synchronous completions per fill() pass ... */
#define SR_SYNC_SLICE_NS 10000000ull /* ... or this much time, whichever first */
#define SR_MAX_WAIT_NS 100000000ull /* re-check signals and runtime at least this often */
#define SR_STARVED_WAIT_NS 200000ull /* a worker with requests in flight and an empty queue */
/* Recorded timing: block until this long before a request is due, then poll
 * (completions without waiting, the clock) until it is: a blocking wait
 * wakes up tens of microseconds late (timer slack, wake-up latency). */
#define SR_SPIN_NS 30000ull

/* ---- the feed: source -> shaped requests -> device pieces ---- */

/* The next shaped request from the source, or 0 at the end. */
static int next_request(struct sr_feed *f, struct sr_rec *out)
{
	const struct sr_replay_cfg *c = f->c;
	int ret;

	for (;;) {
		const struct sr_shape_cfg *sc = f->shapes;
		struct sr_rec *r;

		if (f->in_pos == f->in_n) {
			if (f->src_done)
				return sr_merge_flush(&f->merger, out);
			ret = sr_source_next(f->src, f->in, SR_IN_BATCH, f->e);
			if (ret < 0)
				return ret;
			f->in_n = ret;
			f->in_pos = 0;
			if (ret == 0) {
				f->loops_done++;
				if ((c->loops && f->loops_done >= c->loops) ||
				    (!c->loops && !c->runtime_ns)) {
					f->src_done = 1;
					continue;
				}
				if (f->loops_done == 1 && !f->st->records)
					return sr_inputf(f->e, "%s: no records", f->src->name);
				ret = f->src->rewind(f->src, f->e);
				if (ret)
					return ret;
				f->loop_base_ns += f->last_t_ns;
				f->last_t_ns = 0;
				continue;
			}
		}
		r = &f->in[f->in_pos++];
		if (c->layout == SR_LAYOUT_BY_TARGET ||
		    (c->layout == SR_LAYOUT_NONE && f->nr_tgt > 1)) {
			if (r->target >= f->nr_tgt)
				return sr_inputf(f->e, "%s:%" PRIu64 ": target %" PRIu32 " is out of range: %u target%s given (--target), numbered from 0",
						 f->src->name, r->seq, r->target, f->nr_tgt,
						 f->nr_tgt == 1 ? "" : "s");
			if (f->nr_shapes > 1)
				sc = &f->shapes[r->target];
		} else {
			r->target = 0; /* one target, or one striped address space */
		}
		ret = sr_shape_prepare(sc, r, f->st, f->e);
		if (ret < 0)
			return ret;
		if (ret)
			continue;
		if (r->t_ns != SR_T_NONE) {
			uint64_t t;

			/* checked: a wrapped time was issued at once, not when due */
			if (c->timing == SR_TIMING_RECORDED &&
			    (sr_add_u64(r->t_ns, f->loop_base_ns, &t) || (double)t * c->time_scale >= 0x1p63))
				return sr_inputf(f->e, "%s:%" PRIu64 ": time %" PRIu64 " ns%s overflows the replay clock "
						 "(2^63 ns); expected times below that", f->src->name, r->seq, r->t_ns,
						 c->time_scale != 1 ? " x --timing scale" : "");
			if (r->t_ns > f->last_t_ns)
				f->last_t_ns = r->t_ns;
			r->t_ns += f->loop_base_ns;
		}
		if (!sc->merge) {
			*out = *r;
			return 1;
		}
		if (sr_merge_push(sc, &f->merger, r, out, f->st))
			return 1;
	}
}

int sr_feed_next(struct sr_feed *f, struct sr_rec *piece)
{
	const struct sr_replay_cfg *c = f->c;
	uint64_t len, max_req = f->shapes[0].max_req;
	int ret;

	if (!f->have_cur) {
		ret = next_request(f, &f->cur);
		if (ret <= 0)
			return ret;
		f->have_cur = 1;
	}
	*piece = f->cur;
	len = f->cur.len < max_req ? f->cur.len : max_req;
	if (c->layout == SR_LAYOUT_STRIPE) {
		uint64_t chunk = c->stripe, sn = f->cur.off / chunk, within = f->cur.off % chunk;

		if (len > chunk - within) {
			len = chunk - within;
			f->st->stripe_split++;
		} else if (len < f->cur.len) {
			f->st->split++;
		}
		piece->target = (uint32_t)(sn % f->nr_tgt);
		piece->off = sn / f->nr_tgt * chunk + within;
	} else if (len < f->cur.len) {
		f->st->split++;
	}
	piece->len = len;
	f->cur.off += len;
	f->cur.len -= len;
	if (!f->cur.len)
		f->have_cur = 0;
	return 1;
}

/* ---- the I/O loop ---- */

/* Up to want pieces from the feed shared with the other workers: how many,
 * 0 when it ended, or -errno (this worker's e set). */
static int take_shared(struct sr_loop *l, unsigned want)
{
	struct sr_shared_feed *s = l->shared;
	unsigned n = 0;
	int ret = 0;

	pthread_mutex_lock(&s->mu);
	s->feed->e = l->e; /* a bad record is reported by the worker that met it */
	while (!s->done && n < want) {
		ret = sr_feed_next(s->feed, &l->qbuf[n]);
		if (ret <= 0) {
			s->done = 1;
			break;
		}
		n++;
	}
	pthread_mutex_unlock(&s->mu);
	return ret < 0 ? ret : (int)n;
}

static int next_piece(struct sr_loop *l, struct sr_rec *out)
{
	if (l->feed)
		return sr_feed_next(l->feed, out);
	if (l->qpos == l->qn) {
		unsigned want = 0;
		struct sr_io *io;
		int n;

		for (io = l->free_ios; io && want < SR_QBATCH; io = io->next)
			want++;
		if (l->shared) {
			n = take_shared(l, want ? want : 1);
			if (n <= 0)
				return n;
			l->qn = (unsigned)n;
			l->qpos = 0;
			*out = l->qbuf[l->qpos++];
			return 1;
		}
		/* nothing in flight: sleep on the queue; else come back to reap */
		n = sr_queue_pop(l->q, l->qbuf, want ? want : 1, l->inflight ? 0 : SR_MAX_WAIT_NS);
		if (n < 0)
			return 0;
		if (n == 0)
			return 2;
		l->qn = (unsigned)n;
		l->qpos = 0;
	}
	*out = l->qbuf[l->qpos++];
	return 1;
}

static uint64_t due_ns(const struct sr_loop *l, const struct sr_rec *r)
{
	if (l->c->timing != SR_TIMING_RECORDED || r->t_ns == SR_T_NONE)
		return 0;
	return l->start_ns + (uint64_t)((double)r->t_ns * l->c->time_scale);
}

static void requeue(struct sr_loop *l, struct sr_io *io)
{
	io->expect = INT64_MIN; /* every completion of it gets the second look */
	io->next = l->resub;
	l->resub = io;
}

/* Back to the request as it was issued, before resubmissions cut it down. */
static void rewind_io(struct sr_io *io)
{
	io->off -= io->done;
	io->buf = (char *)io->buf - io->done;
	io->len += io->done;
	io->done = 0;
	io->tries = 0;
}

/* Count io (rewound) as failed, for good; remember it if it is the first. */
static void fail_io(struct sr_loop *l, struct sr_io *io, int err, int zero, uint64_t now)
{
	struct sr_io_fates *f = &l->st->fates;

	f->failed++;
	f->failed_bytes += io->len;
	l->st->op[io->op == SR_OP_WRITE].errors++;
	if (f->have_first)
		return;
	f->have_first = 1;
	f->first_errno = err;
	f->first_short = zero;
	f->first_op = io->op;
	f->first_target = l->feed ? io->target : l->tgt;
	f->first_off = io->off;
	f->first_len = io->len;
	f->first_t_ns = now - l->start_ns;
}

/* A completion that is not a plain success. Returns 1 when io goes back to
 * the engine (the rest of a short transfer, or a retry), 2 when it is now
 * complete (rewound to the request as issued), 0 when it failed and the run
 * goes on, -errno when it failed and the run stops (e set). */
static int settle(struct sr_loop *l, struct sr_io *io, uint64_t now)
{
	struct sr_io_fates *f = &l->st->fates;
	int64_t res = io->res;
	uint32_t tries = io->tries, done = io->done;
	int err;

	if (res == (int64_t)io->len) {
		if (io->tries)
			f->retried_ok++;
		rewind_io(io);
		return 2;
	}
	if (res >= 0 && res < (int64_t)io->len) {
		f->short_ios++;
		l->st->op[io->op == SR_OP_WRITE].short_ios++;
		if (res > 0) { /* progress: send the rest, as fio does */
			io->done += (uint32_t)res;
			io->off += (uint64_t)res;
			io->buf = (char *)io->buf + res;
			io->len -= (uint32_t)res;
			f->resubmitted++;
			requeue(l, io);
			return 1;
		}
	} else if (res == -EIO) {
		f->eio++;
	} else {
		f->errno_other++;
	}
	if (io->tries < l->c->retries) {
		io->tries++;
		f->retried++;
		requeue(l, io);
		return 1;
	}
	err = res < 0 ? (int)-res : EIO; /* 0 bytes: no progress, EIO as fio's "full resid" */
	rewind_io(io);
	fail_io(l, io, err, res >= 0, now);
	if (l->c->on_error == SR_ON_ERROR_CONTINUE)
		return 0;
	if (res >= 0 && done)
		return sr_errf(l->e, -EIO, "%s: short %s at offset %" PRIu64 ": %u of %u bytes, then 0 (past the end of the target?)%s",
			       l->name, sr_op_name(io->op), io->off, done, io->len,
			       tries ? " after retries" : "");
	if (res >= 0)
		return sr_errf(l->e, -EIO, "%s: %s of %u bytes at offset %" PRIu64 " transferred 0 bytes (past the end of the target?)%s",
			       l->name, sr_op_name(io->op), io->len, io->off, tries ? " after retries" : "");
	if (tries)
		return sr_errf(l->e, -err, "%s: %s at offset %" PRIu64 " length %u failed after %u retr%s: %s",
			       l->name, sr_op_name(io->op), io->off, io->len, tries, tries == 1 ? "y" : "ies",
			       strerror(err));
	return sr_errf(l->e, -err, "%s: %s at offset %" PRIu64 " length %u failed: %s", l->name,
		       sr_op_name(io->op), io->off, io->len, strerror(err));
}


/* Per-tag counts of a finished request, split over the tags it spans when
 * the configuration can tell (cfg.tag_split), else all to its own tag. */
static void add_tags(struct sr_loop *l, const struct sr_io *io, uint64_t lat)
{
	uint32_t tags[16], n = 0, i;
	uint64_t bytes[16];

	if (l->c->tag_split && !(io->tag & SR_KV_TAG_BIT))
		n = l->c->tag_split(l->c->tag_split_ctx, io->off, io->len, tags, bytes, 16);
	if (!n)
		sr_tag_add(l->tags, io->tag, io->len, lat);
	for (i = 0; i < n; i++)
		sr_tag_add(l->tags, tags[i], bytes[i], lat);
}

static int complete(struct sr_loop *l, struct sr_io *io, uint64_t now)
{
	int ret = 0;

	l->inflight--;
	/* One check on the fast path: anything unusual (an error, a short
	 * transfer, the end of a resubmitted request) takes the slow one. */
	if (__builtin_expect(io->res != io->expect, 0)) {
		ret = settle(l, io, now);
		if (ret == 1)
			return 0;
		if (ret != 2)
			goto free;
		ret = 0;
	}
	{
		uint64_t lat = now - io->issue_ns;

		if (l->c->verify && io->op == SR_OP_READ) {
			uint64_t bad;

			if (sr_verify_check(io->buf, io->off, io->len, l->run_id, &bad)) {
				l->st->verify_errors++;
				ret = sr_errf(l->e, -EILSEQ, "%s: verify failed: the read of %u bytes at offset %" PRIu64 " returned data that does not belong at offset %" PRIu64 "%s",
					      l->name, io->len, io->off, bad,
					      l->multi ? " of this target (several targets must be prepped together, in the same order: ssdreplay prep A B ...)" : "");
			} else {
				l->st->verified_bytes += io->len;
			}
		}
		if (sr_stats_complete(l->st, io->op, io->len, lat, now - l->start_ns))
			ret = sr_errf(l->e, -ENOMEM, "out of memory for the timeline");
		if (l->tags)
			add_tags(l, io, lat);
		if (!l->feed) /* a worker: the progress line reads this */
			__atomic_store_n(&l->pub_bytes[io->op == SR_OP_WRITE],
					 l->st->op[io->op == SR_OP_WRITE].bytes, __ATOMIC_RELAXED);
	}
free:
	io->next = l->free_ios;
	l->free_ios = io;
	return ret;
}

/* Send requests waiting for resubmission back to the engine, then submit.
 * Returns 0 or -errno (e set). */
static int flush_resub(struct sr_loop *l)
{
	const struct sr_replay_cfg *c = l->c;
	int ret;

	while (l->resub) {
		struct sr_io *io = l->resub;

		l->resub = io->next;
		ret = c->engine->queue(&l->eng, io);
		if (ret == SR_Q_BUSY) {
			io->next = l->resub;
			l->resub = io;
			break;
		}
		if (ret < 0) {
			rewind_io(io);
			fail_io(l, io, -ret, 0, sr_now_ns());
			io->next = l->free_ios;
			l->free_ios = io;
			return sr_errf(l->e, ret, "%s: queue: %s", l->name, strerror(-ret));
		}
		l->inflight++;
		if (ret == SR_Q_COMPLETED) {
			ret = complete(l, io, sr_now_ns());
			if (ret)
				return ret;
		}
	}
	ret = c->engine->submit(&l->eng);
	if (ret < 0)
		return sr_errf(l->e, ret, "%s: submit: %s", l->name, strerror(-ret));
	return 0;
}

/* Queue as many requests as slots and the schedule allow. Sets *wait_until
 * when the next request is not due yet, *starved when a worker's queue is
 * empty for now. Returns 0 or -errno. */
static int fill(struct sr_loop *l, int *issuing, uint64_t *wait_until, int *starved)
{
	const struct sr_replay_cfg *c = l->c;
	uint64_t now = sr_now_ns(), start = now;
	unsigned staged = 0, sync_done = 0;
	/* the engine's next reap() submits and waits in one call (QD 1: one
	 * system call per request instead of two), so leave it the last batch */
	int defer = !!(c->engine->flags & SR_ENGINE_REAP_SUBMITS);
	int ret;

	*wait_until = 0;
	*starved = 0;
	while (l->free_ios) {
		struct sr_io *io;
		uint64_t due;

		/* the rest of a short transfer, or a retry, goes before new
		 * requests: a synchronous engine then sees the same order of
		 * requests every run, whatever the time slices */
		if (__builtin_expect(l->resub != NULL, 0)) {
			ret = flush_resub(l);
			if (ret)
				return ret;
			if (l->resub)
				break; /* the engine is full */
			continue;
		}
		if (!l->have_cur) {
			ret = next_piece(l, &l->cur);
			if (ret < 0)
				return ret;
			if (ret == 2) {
				*starved = 1;
				break;
			}
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
		io->len = (uint32_t)l->cur.len;
		io->op = l->cur.op;
		io->target = l->feed ? l->cur.target : 0; /* a worker's engine has its one device */
		io->tag = l->cur.tag;
		io->expect = (int64_t)io->len;
		io->issue_ns = now;
		if (due)
			sr_hist_add(&l->st->lag, now - due);
		if (io->op == SR_OP_WRITE)
			sr_verify_fill(io->buf, io->off, io->len, l->run_id);
		ret = c->engine->queue(&l->eng, io);
		if (ret == SR_Q_BUSY) {
			io->next = l->free_ios;
			l->free_ios = io;
			break;
		}
		l->st->fates.issued++;
		l->st->fates.issued_bytes += io->len;
		if (ret < 0) {
			fail_io(l, io, -ret, 0, now);
			io->next = l->free_ios;
			l->free_ios = io;
			return sr_errf(l->e, ret, "%s: queue: %s", l->name, strerror(-ret));
		}
		l->inflight++;
		l->have_cur = 0;
		if (ret == SR_Q_COMPLETED) {
			/* one clock read ends this request and starts the next:
			 * with the null engine two reads were half its time */
			now = sr_now_ns();
			ret = complete(l, io, now);
			if (ret)
				return ret;
			/* A synchronous engine hands the slot straight back: come up
			 * for air so runtime, signals and progress are seen. */
			if (++sync_done >= SR_SYNC_BURST || now - start >= SR_SYNC_SLICE_NS)
				break;
			continue;
		}
		if (++staged >= c->batch && !(defer && !l->free_ios)) {
			ret = c->engine->submit(&l->eng);
			if (ret < 0)
				return sr_errf(l->e, ret, "%s: submit: %s", l->name, strerror(-ret));
			staged = 0;
		}
	}
	if (defer)
		return 0; /* every exit of the run loop goes through a reap or drain() */
	ret = c->engine->submit(&l->eng);
	if (ret < 0)
		return sr_errf(l->e, ret, "%s: submit: %s", l->name, strerror(-ret));
	return 0;
}

#ifdef SR_HAVE_HWLOC
/* Bind [p, p+len) to NUMA node `node` (an OS index) before it is touched. */
static void bind_to_node(void *p, size_t len, int node)
{
	hwloc_topology_t topo;
	hwloc_bitmap_t ns;

	if (hwloc_topology_init(&topo))
		return;
	if (!hwloc_topology_load(topo) && (ns = hwloc_bitmap_alloc())) {
		hwloc_bitmap_only(ns, (unsigned)node);
		hwloc_set_area_membind(topo, p, len, ns, HWLOC_MEMBIND_BIND, HWLOC_MEMBIND_BYNODESET);
		hwloc_bitmap_free(ns);
	}
	hwloc_topology_destroy(topo);
}
#endif

/* I/O buffers on transparent huge pages where the kernel allows: a request's
 * buffer is then physically contiguous, so it costs the device one segment
 * per 2 MiB instead of one per 4 KiB page (virtio-blk without indirect
 * descriptors otherwise fits only a few 128 KiB requests in its ring).
 * Touched by the thread that will use them, after pinning: first touch puts
 * them on that thread's node even without hwloc. */
#define SR_HUGE (2u << 20)
static int alloc_bufs(struct sr_loop *l, size_t len, int numa_node)
{
	size_t map_len = (len + SR_HUGE - 1) / SR_HUGE * SR_HUGE + SR_HUGE;
	char *p = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;

	if (p == MAP_FAILED)
		return -errno;
	a = ((uintptr_t)p + SR_HUGE - 1) & ~(uintptr_t)(SR_HUGE - 1);
	if (len >= SR_HUGE) /* a few KiB of slots would fault in a whole 2 MiB page per thread */
		madvise((void *)a, map_len - (a - (uintptr_t)p), MADV_HUGEPAGE); /* advice only */
#ifdef SR_HAVE_HWLOC
	if (numa_node >= 0)
		bind_to_node((void *)a, len, numa_node);
#else
	(void)numa_node;
#endif
	memset((void *)a, 0, len); /* fault pages in before the clock starts */
	l->bufs = (void *)a;
	l->map = p;
	l->map_len = map_len;
	return 0;
}

int sr_loop_setup(struct sr_loop *l, const int *fds, unsigned nr_fds, int numa_node)
{
	const struct sr_replay_cfg *c = l->c;
	unsigned i;
	int ret;

	l->buf_size = (size_t)c->shape.max_req;
	l->ios = calloc(c->qd, sizeof(*l->ios));
	l->done = calloc(c->qd, sizeof(*l->done));
	if (!l->ios || !l->done)
		return sr_errf(l->e, -ENOMEM, "out of memory for %u request slots", c->qd);
	ret = alloc_bufs(l, l->buf_size * c->qd, numa_node);
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
		.faults = c->faults,
	};
	ret = c->engine->init(&l->eng, l->e);
	if (ret)
		l->eng.ops = NULL;
	return ret;
}

/* Wait for completions (or the schedule, or a tick) and handle them. */
static int wait_and_reap(struct sr_loop *l, uint64_t wait_until, uint64_t next_tick, int starved)
{
	const struct sr_replay_cfg *c = l->c;
	uint64_t now = sr_now_ns(), limit = next_tick;
	int n, i, ret, spin = 0;

	if (wait_until && wait_until < limit) {
		limit = wait_until;
		if (limit <= now + SR_SPIN_NS)
			spin = 1; /* due very soon: take what has completed, back to fill() */
		else
			limit -= SR_SPIN_NS;
	}
	if (limit > now + SR_MAX_WAIT_NS)
		limit = now + SR_MAX_WAIT_NS;
	/* an empty queue may refill any moment: don't sleep long on the ring */
	if (starved && limit > now + SR_STARVED_WAIT_NS)
		limit = now + SR_STARVED_WAIT_NS;
	if (l->resub) {
		ret = flush_resub(l);
		if (ret)
			return ret;
	}
	if (!l->inflight) {
		/* nothing in flight: sleep only for a schedule (recorded timing) */
		if (wait_until && limit > now && !spin) {
			struct timespec ts = { (time_t)((limit - now) / 1000000000ull),
					       (long)((limit - now) % 1000000000ull) };

			nanosleep(&ts, NULL);
		}
		return 0;
	}
	n = c->engine->reap(&l->eng, !spin, c->qd, spin ? 0 : limit > now ? limit - now : 1, l->done);
	if (n < 0)
		return sr_errf(l->e, n, "%s: reap: %s", l->name, strerror(-n));
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

static void drain(struct sr_loop *l)
{
	uint64_t deadline = sr_now_ns() + 30 * SR_TICK_NS;

	/* Stop issuing, but let what is in flight land so buffers are not freed
	 * under the kernel's feet, and finish what was resubmitted, so every
	 * request ends completed or failed. Errors here are already counted.
	 * Requests staged but not yet submitted (an error cut fill() short) go
	 * first. */
	l->c->engine->submit(&l->eng);
	while ((l->inflight || l->resub) && sr_now_ns() < deadline) {
		int n, i;

		flush_resub(l);
		if (!l->inflight)
			continue;
		n = l->c->engine->reap(&l->eng, 1, l->c->qd, SR_MAX_WAIT_NS, l->done);

		if (n < 0)
			break;
		for (i = 0; i < n; i++)
			complete(l, l->done[i], sr_now_ns());
	}
}

int sr_loop_run(struct sr_loop *l)
{
	const struct sr_replay_cfg *c = l->c;
	uint64_t next_tick = l->start_ns + SR_TICK_NS, wait_until = 0;
	int issuing = 1, starved = 0, ret = 0;

	/* the default 50 us slack would be most of a recorded request's lag */
	if (c->timing == SR_TIMING_RECORDED)
		prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

	for (;;) {
		uint64_t now;

		if ((c->stop && *c->stop) || (l->stopped && __atomic_load_n(l->stopped, __ATOMIC_RELAXED))) {
			l->st->partial = 1;
			break;
		}
		if (issuing) {
			ret = fill(l, &issuing, &wait_until, &starved);
			if (ret)
				break;
		}
		if (!issuing && !l->inflight && !l->resub)
			break;
		ret = wait_and_reap(l, issuing ? wait_until : 0, next_tick, issuing && starved);
		if (ret)
			break;
		now = sr_now_ns();
		if (now >= next_tick) {
			if (c->progress && l->feed)
				c->progress(c->progress_arg, l->st, now - l->start_ns);
			next_tick = now + SR_TICK_NS;
		}
		if (c->runtime_ns && now - l->start_ns >= c->runtime_ns)
			issuing = 0;
	}
	if (ret)
		l->st->partial = 1;
	drain(l);
	return ret;
}

void sr_loop_teardown(struct sr_loop *l)
{
	if (l->eng.ops)
		l->c->engine->cleanup(&l->eng);
	l->eng.ops = NULL;
	free(l->ios);
	free(l->done);
	if (l->map)
		munmap(l->map, l->map_len);
	l->ios = NULL;
	l->done = NULL;
	l->map = NULL;
}
