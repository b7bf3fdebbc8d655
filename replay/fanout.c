/* Several targets (or several workers per target): this thread reads and
 * shapes the source and places each piece on its device's queue; each
 * device has `workers` threads, each with its own engine instance and qd
 * slots, pinned to the device's CPUs before it allocates its buffers. The
 * clock starts when every worker is ready. Workers keep their own stats;
 * they are merged (and per-target totals formed) after the join. */
#include "devices/affinity.h"
#include "base/cond.h"
#include "replay/fanout.h"
#include "base/units.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SR_PUSH_WAIT_NS 100000000ull /* re-check signals, failures and runtime this often */
#define SR_QCAP_MIN 1024u

struct worker {
	struct sr_loop l;
	struct sr_stats st;
	struct sr_tag_stats tags;
	struct sr_err e;
	struct fanout *fo;
	const int *fd;
	const struct sr_replay_target *t;
	pthread_t tid;
	int started;
	int ret;
	unsigned fail_seq; /* 1 for the first worker to fail, 0 if it did not */
};

struct fanout {
	const struct sr_replay_cfg *c;
	struct sr_queue *q;       /* per target; none when the workers share the feed */
	struct sr_shared_feed shared;
	unsigned nr_q;
	struct worker *w;
	unsigned nr_w;
	int failed;        /* atomic: a worker failed, or the dispatcher did */
	unsigned fail_seq; /* atomic */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned ready, running;
	int go;            /* 1: start, -1: abort */
	uint64_t start_ns;
};

/* ---- queues ---- */

static int queue_init(struct sr_queue *q, unsigned cap, unsigned consumers)
{
	memset(q, 0, sizeof(*q));
	q->ring = calloc(cap, sizeof(*q->ring));
	if (!q->ring)
		return -ENOMEM;
	q->cap = cap;
	q->consumers = consumers;
	pthread_mutex_init(&q->mu, NULL);
	sr_cond_init_mono(&q->nonempty);
	sr_cond_init_mono(&q->nonfull);
	return 0;
}

static void queue_destroy(struct sr_queue *q)
{
	if (!q->ring)
		return;
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->nonempty);
	pthread_cond_destroy(&q->nonfull);
	free(q->ring);
	q->ring = NULL;
}

/* 0 pushed, 1 still full after wait_ns, -EPIPE when nobody takes from it. */
static int queue_push(struct sr_queue *q, const struct sr_rec *r, uint64_t wait_ns)
{
	int ret = 0;

	pthread_mutex_lock(&q->mu);
	if (q->count == q->cap && q->consumers) {
		struct timespec ts;

		sr_deadline_in(&ts, wait_ns);
		pthread_cond_timedwait(&q->nonfull, &q->mu, &ts);
	}
	if (!q->consumers) {
		ret = -EPIPE;
	} else if (q->count == q->cap) {
		ret = 1;
	} else {
		q->ring[(q->head + q->count) % q->cap] = *r;
		q->count++;
		pthread_cond_signal(&q->nonempty);
	}
	pthread_mutex_unlock(&q->mu);
	return ret;
}

int sr_queue_pop(struct sr_queue *q, struct sr_rec *out, unsigned max, uint64_t wait_ns)
{
	unsigned n, i;

	pthread_mutex_lock(&q->mu);
	if (!q->count && !q->closed && wait_ns) {
		struct timespec ts;

		sr_deadline_in(&ts, wait_ns);
		pthread_cond_timedwait(&q->nonempty, &q->mu, &ts);
	}
	if (!q->count) {
		int closed = q->closed;

		pthread_mutex_unlock(&q->mu);
		return closed ? -1 : 0;
	}
	n = q->count < max ? q->count : max;
	for (i = 0; i < n; i++)
		out[i] = q->ring[(q->head + i) % q->cap];
	q->head = (q->head + n) % q->cap;
	q->count -= n;
	pthread_cond_signal(&q->nonfull);
	pthread_mutex_unlock(&q->mu);
	return (int)n;
}

void sr_queue_leave(struct sr_queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->consumers--;
	pthread_cond_broadcast(&q->nonfull);
	pthread_mutex_unlock(&q->mu);
}

static void queue_close(struct sr_queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = 1;
	pthread_cond_broadcast(&q->nonempty);
	pthread_mutex_unlock(&q->mu);
}

/* ---- workers ---- */

static void mark_failed(struct worker *w)
{
	__atomic_store_n(&w->fo->failed, 1, __ATOMIC_RELAXED);
	w->fail_seq = __atomic_add_fetch(&w->fo->fail_seq, 1, __ATOMIC_RELAXED);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct fanout *fo = w->fo;
	int ret = 0, go;

	if (w->t->cpus) {
		ret = pthread_setaffinity_np(pthread_self(), sizeof(*w->t->cpus), w->t->cpus);
		if (ret)
			ret = sr_errf(&w->e, -ret, "%s: cannot run on the CPUs asked for: %s", w->t->name,
				      strerror(ret));
	}
	if (!sched_getaffinity(0, sizeof(w->l.cpus), &w->l.cpus))
		w->l.have_cpus = 1;
	if (!ret)
		ret = sr_loop_setup(&w->l, w->fd, 1, w->t->numa_node);
	if (ret)
		mark_failed(w);
	pthread_mutex_lock(&fo->mu);
	fo->ready++;
	pthread_cond_broadcast(&fo->cv);
	while (!fo->go)
		pthread_cond_wait(&fo->cv, &fo->mu);
	go = fo->go;
	pthread_mutex_unlock(&fo->mu);
	if (!ret && go > 0) {
		w->l.start_ns = fo->start_ns;
		ret = sr_loop_run(&w->l);
		if (ret)
			mark_failed(w);
	}
	sr_loop_teardown(&w->l);
	w->ret = ret;
	if (w->l.q)
		sr_queue_leave(w->l.q);
	pthread_mutex_lock(&fo->mu);
	fo->running--;
	pthread_cond_broadcast(&fo->cv);
	pthread_mutex_unlock(&fo->mu);
	return NULL;
}

/* ---- the dispatcher ---- */

static void progress(struct fanout *fo, struct sr_stats *st, uint64_t now)
{
	unsigned i;

	if (!fo->c->progress)
		return;
	st->op[0].bytes = st->op[1].bytes = 0; /* a snapshot; the merge sets the real totals */
	for (i = 0; i < fo->nr_w; i++) {
		st->op[0].bytes += __atomic_load_n(&fo->w[i].l.pub_bytes[0], __ATOMIC_RELAXED);
		st->op[1].bytes += __atomic_load_n(&fo->w[i].l.pub_bytes[1], __ATOMIC_RELAXED);
	}
	fo->c->progress(fo->c->progress_arg, st, now - fo->start_ns);
}

/* 1: stop dispatching (signal, failure, runtime over). */
static int check(struct fanout *fo, struct sr_stats *st, uint64_t *next_tick)
{
	const struct sr_replay_cfg *c = fo->c;
	uint64_t now;

	if (c->stop && *c->stop) {
		st->partial = 1;
		return 1;
	}
	if (__atomic_load_n(&fo->failed, __ATOMIC_RELAXED))
		return 1;
	now = sr_now_ns();
	if (c->runtime_ns && now - fo->start_ns >= c->runtime_ns)
		return 1;
	if (now >= *next_tick) {
		progress(fo, st, now);
		*next_tick = now + SR_TICK_NS;
	}
	return 0;
}

static int dispatch(struct fanout *fo, struct sr_feed *f, struct sr_stats *st)
{
	uint64_t next_tick = fo->start_ns + SR_TICK_NS;
	unsigned n = 0;
	int ret;

	for (;;) {
		struct sr_rec p;

		if ((++n & 63) == 0 && check(fo, st, &next_tick))
			return 0;
		ret = sr_feed_next(f, &p);
		if (ret <= 0)
			return ret;
		while ((ret = queue_push(&fo->q[p.target], &p, SR_PUSH_WAIT_NS)) == 1)
			if (check(fo, st, &next_tick))
				return 0;
		if (ret < 0)
			return 0; /* its workers are gone: they failed or ran out of time */
	}
}

static void merge(struct fanout *fo, struct sr_stats *st, struct sr_err *e, int *ret)
{
	const struct worker *first = NULL;
	cpu_set_t all, *per;
	unsigned i, t;

	CPU_ZERO(&all);
	per = calloc(fo->nr_q, sizeof(*per));
	st->op[0].bytes = st->op[1].bytes = 0;
	for (i = 0; i < fo->nr_w; i++) {
		struct worker *w = &fo->w[i];
		struct sr_target_stats *ts = &st->tgt[w->l.tgt];

		if (sr_stats_merge_io(st, &w->st) && !*ret)
			*ret = sr_errf(e, -ENOMEM, "out of memory for the timeline");
		sr_op_stats_merge(&ts->op[0], &w->st.op[0]);
		sr_op_stats_merge(&ts->op[1], &w->st.op[1]);
		ts->verify_errors += w->st.verify_errors;
		ts->verified_bytes += w->st.verified_bytes;
		st->partial |= w->st.partial;
		if (st->tags && w->tags.ent)
			sr_tag_merge(st->tags, &w->tags);
		if (w->l.have_cpus) {
			CPU_OR(&all, &all, &w->l.cpus);
			if (per)
				CPU_OR(&per[w->l.tgt], &per[w->l.tgt], &w->l.cpus);
		}
		if (w->fail_seq && (!first || w->fail_seq < first->fail_seq))
			first = w;
	}
	sr_cpulist_format(&all, st->cpus, sizeof(st->cpus));
	for (t = 0; per && t < fo->nr_q; t++)
		sr_cpulist_format(&per[t], st->tgt[t].cpus, sizeof(st->tgt[t].cpus));
	free(per);
	if (first && !*ret) {
		*e = first->e;
		*ret = first->ret ? first->ret : -EIO;
	}
}

int sr_replay_fanout(const struct sr_replay_cfg *c, struct sr_feed *f, const int *fds,
		     unsigned nr_fds, struct sr_stats *st, struct sr_err *e)
{
	unsigned workers = c->workers ? c->workers : 1, qcap, i, started = 0;
	struct fanout fo = { .c = c, .nr_q = nr_fds, .nr_w = nr_fds * workers };
	/* one target: nothing to route, so no dispatcher (see sr_shared_feed) */
	int ret = 0, pull = nr_fds == 1;

	pthread_mutex_init(&fo.mu, NULL);
	pthread_mutex_init(&fo.shared.mu, NULL);
	fo.shared.feed = f;
	sr_cond_init_mono(&fo.cv);
	fo.q = calloc(nr_fds, sizeof(*fo.q));
	fo.w = calloc(fo.nr_w, sizeof(*fo.w));
	if (!fo.q || !fo.w) {
		ret = sr_errf(e, -ENOMEM, "out of memory");
		goto out;
	}
	/* enough queued for every slot twice over, so a worker rarely starves */
	qcap = c->qd * workers * 2 < SR_QCAP_MIN ? SR_QCAP_MIN : c->qd * workers * 2;
	for (i = 0; !pull && i < nr_fds; i++)
		if (queue_init(&fo.q[i], qcap, workers)) {
			ret = sr_errf(e, -ENOMEM, "out of memory for the request queues");
			goto out;
		}
	for (i = 0; i < fo.nr_w; i++) {
		struct worker *w = &fo.w[i];
		unsigned t = i / workers;

		w->fo = &fo;
		w->fd = &fds[t];
		w->t = &c->targets[t];
		sr_stats_init(&w->st);
		w->st.fiolog.interval_ns = st->fiolog.interval_ns; /* each worker logs; merged after */
		if (c->tag_stats && sr_tag_stats_init(&w->tags, c->tag_cap)) {
			ret = sr_errf(e, -ENOMEM, "out of memory for the per-tag table");
			goto out;
		}
		w->l = (struct sr_loop){
			.c = c, .st = &w->st, .tags = c->tag_stats ? &w->tags : NULL, .e = &w->e,
			.name = c->targets[t].name, .tgt = t, .run_id = c->targets[t].run_id,
			.multi = nr_fds > 1, .q = pull ? NULL : &fo.q[t],
			.shared = pull ? &fo.shared : NULL, .stopped = &fo.failed,
		};
	}
	fo.running = fo.nr_w;
	for (i = 0; i < fo.nr_w; i++) {
		int r = pthread_create(&fo.w[i].tid, NULL, worker_main, &fo.w[i]);

		if (r) {
			ret = sr_errf(e, -r, "cannot start a replay thread: %s", strerror(r));
			break;
		}
		fo.w[i].started = 1;
		started++;
	}
	pthread_mutex_lock(&fo.mu);
	fo.running = started;
	while (fo.ready < started)
		pthread_cond_wait(&fo.cv, &fo.mu);
	fo.go = ret || __atomic_load_n(&fo.failed, __ATOMIC_RELAXED) ? -1 : 1;
	fo.start_ns = st->start_ns = sr_now_ns();
	pthread_cond_broadcast(&fo.cv);
	pthread_mutex_unlock(&fo.mu);
	/* queues whose workers never started have no consumers */
	for (i = started; !pull && i < fo.nr_w; i++)
		sr_queue_leave(&fo.q[i / workers]);

	if (fo.go > 0 && !pull) {
		ret = dispatch(&fo, f, st);
		if (ret) {
			st->partial = 1;
			__atomic_store_n(&fo.failed, 1, __ATOMIC_RELAXED);
		}
	}
	for (i = 0; !pull && i < nr_fds; i++)
		queue_close(&fo.q[i]);
	{
		uint64_t next_tick = sr_now_ns() + SR_TICK_NS;

		pthread_mutex_lock(&fo.mu);
		while (fo.running) {
			struct timespec ts;
			uint64_t now = sr_now_ns();

			if (now >= next_tick && fo.go > 0) {
				pthread_mutex_unlock(&fo.mu);
				progress(&fo, st, now);
				pthread_mutex_lock(&fo.mu);
				next_tick = now + SR_TICK_NS;
			}
			sr_deadline_in(&ts, 100000000ull);
			pthread_cond_timedwait(&fo.cv, &fo.mu, &ts);
		}
		pthread_mutex_unlock(&fo.mu);
	}
	st->end_ns = sr_now_ns();
	for (i = 0; i < fo.nr_w; i++)
		if (fo.w[i].started)
			pthread_join(fo.w[i].tid, NULL);
	merge(&fo, st, e, &ret);
out:
	for (i = 0; fo.w && i < fo.nr_w; i++) {
		sr_stats_free(&fo.w[i].st);
		sr_tag_stats_free(&fo.w[i].tags);
	}
	for (i = 0; fo.q && i < nr_fds; i++)
		queue_destroy(&fo.q[i]);
	free(fo.q);
	free(fo.w);
	pthread_mutex_destroy(&fo.mu);
	pthread_mutex_destroy(&fo.shared.mu);
	pthread_cond_destroy(&fo.cv);
	return ret;
}
