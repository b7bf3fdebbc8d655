/* Devices seen in a block trace; see devseen.h. The parallel text reader
 * (trace/plines.c) parses on several threads: each thread counts the run
 * of events of its current device in thread-local state and adds the run
 * to the shared counter when the device changes, at the end of a block
 * (sr_trace_dev_flush) or when the devices are read; a new device is added
 * under a lock. */
#include "trace/devseen.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

static uint32_t majors[SR_DEVSEEN_MAX], minors[SR_DEVSEEN_MAX];
static _Atomic uint64_t counts[SR_DEVSEEN_MAX];
static _Atomic unsigned ndevs;
_Atomic unsigned sr_devseen_gen;
static atomic_int overflow;
static pthread_mutex_t add_mu = PTHREAD_MUTEX_INITIALIZER;

_Thread_local struct sr_devseen_run sr_devseen_run;

void sr_trace_devs_reset(void)
{
	unsigned i;

	atomic_fetch_add(&sr_devseen_gen, 1); /* every thread's run is now stale */
	for (i = 0; i < SR_DEVSEEN_MAX; i++)
		atomic_store(&counts[i], 0);
	atomic_store(&ndevs, 0);
	atomic_store(&overflow, 0);
}

void sr_trace_dev_flush(void)
{
	struct sr_devseen_run *r = &sr_devseen_run;

	if (r->valid && r->pending && r->gen == atomic_load_explicit(&sr_devseen_gen, memory_order_relaxed))
		atomic_fetch_add_explicit(&counts[r->idx], r->pending, memory_order_relaxed);
	r->pending = 0;
}

static int find(uint32_t major, uint32_t minor, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (majors[i] == major && minors[i] == minor)
			return (int)i;
	return -1;
}

static int find_or_add(uint32_t major, uint32_t minor)
{
	unsigned n = atomic_load_explicit(&ndevs, memory_order_acquire);
	int i = find(major, minor, n);

	if (i >= 0)
		return i;
	pthread_mutex_lock(&add_mu);
	n = atomic_load_explicit(&ndevs, memory_order_relaxed);
	i = find(major, minor, n);
	if (i < 0 && n < SR_DEVSEEN_MAX) {
		majors[n] = major;
		minors[n] = minor;
		atomic_store_explicit(&ndevs, n + 1, memory_order_release);
		i = (int)n;
	}
	pthread_mutex_unlock(&add_mu);
	if (i < 0)
		atomic_store(&overflow, 1);
	return i;
}

void sr_trace_dev_seen_new(uint32_t major, uint32_t minor)
{
	unsigned g = atomic_load_explicit(&sr_devseen_gen, memory_order_relaxed);
	int i;

	sr_trace_dev_flush();
	i = find_or_add(major, minor);
	sr_devseen_run.valid = i >= 0;
	if (i < 0)
		return;
	sr_devseen_run.gen = g;
	sr_devseen_run.idx = (unsigned)i;
	sr_devseen_run.major = major;
	sr_devseen_run.minor = minor;
	sr_devseen_run.pending = 1;
}

static int dev_cmp(const void *a, const void *b)
{
	const struct sr_trace_dev *x = a, *y = b;

	if (x->major != y->major)
		return x->major < y->major ? -1 : 1;
	return x->minor < y->minor ? -1 : x->minor > y->minor;
}

unsigned sr_trace_devs(struct sr_trace_dev *out, unsigned max, int *more)
{
	unsigned n = atomic_load_explicit(&ndevs, memory_order_acquire), i;

	sr_trace_dev_flush();
	n = n < max ? n : max;
	for (i = 0; i < n; i++)
		out[i] = (struct sr_trace_dev){ .major = majors[i], .minor = minors[i], .events = atomic_load(&counts[i]) };
	if (more)
		*more = atomic_load(&overflow) || n < atomic_load(&ndevs);
	/* in device order: the parallel reader's threads see devices first in
	 * an order that changes from run to run */
	qsort(out, n, sizeof(*out), dev_cmp);
	return n;
}
