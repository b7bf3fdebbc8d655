/* The strategies of policy/strategy.h for real, in --real-mmap's child:
 * madvise on the mapping, a pthread pool of pread() workers on a second
 * (buffered) descriptor, O_DIRECT reads into private mlocked buffers. The
 * child is single-purpose and short-lived: failures of advice calls are
 * counted, not fatal, as in the projects that issue them. */
#include "real/cgroup.h"
#include "real/realstrat.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/units.h"

/* ---- the schedule ---- */

int sr_rs_load(struct sr_source *src, const char *path, uint64_t size, uint64_t passes, struct sr_rs_acc **out,
	       size_t *n, struct sr_err *e)
{
	struct sr_rec in[256];
	size_t cap = 0;
	uint64_t pass;
	int ret, k;

	*out = NULL;
	*n = 0;
	for (pass = 0; pass < (passes ? passes : 1); pass++) {
		int first = 1;

		if (pass && (ret = src->rewind(src, e)))
			return ret;
		while ((ret = sr_source_next(src, in, 256, e)) > 0) {
			for (k = 0; k < ret; k++) {
				struct sr_rec *r = &in[k];

				if (r->op != SR_OP_READ || !r->len)
					continue;
				if (r->off >= size || r->len > size - r->off)
					return sr_inputf(e, "%s: record %" PRIu64 ": bytes beyond %s (%" PRIu64 " bytes)",
							 src->name, r->seq, path, size);
				if (*n == cap) {
					struct sr_rs_acc *na;

					cap = cap ? cap * 2 : 4096;
					na = realloc(*out, cap * sizeof(*na));
					if (!na)
						return sr_errf(e, -ENOMEM, "out of memory for the schedule");
					*out = na;
				}
				(*out)[(*n)++] = (struct sr_rs_acc){ r->off, r->len, r->t_ns, r->tag,
							       (uint8_t)(r->flags | (first ? SR_RF_TOKEN : 0)) };
				first = 0;
			}
		}
		if (ret < 0)
			return ret;
	}
	return src->rewind(src, e);
}

/* ---- the strategies ---- */

#define JOBS 8192
#define PREAD_CHUNK (256u << 10) /* per worker buffer: the cgroup's slack holds T of them */
#define DIO_ALIGN 4096u

struct slice {
	uint64_t off, len;
};

struct sr_rs {
	const struct sr_mmap_cfg *c;
	const struct sr_model *m;
	const struct sr_rs_acc *a;
	size_t n;
	unsigned char *map;
	uint64_t pg;
	int layer, planned, prefill, streamed;
	uint32_t n_layer;
	struct slice *used;
	size_t n_used, cap;
	uint64_t advised, dropped;
	uint64_t advise_read;       /* the main thread's read_bytes during WILLNEED calls */
	atomic_ullong worker_read;  /* the workers' own read_bytes */
	uint64_t private_read;      /* read_bytes of the O_DIRECT loads */

	/* pread pool */
	int fd;
	pthread_t *th;
	unsigned nth, started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slice *q;
	size_t qh, qn;
	int quit;
	atomic_uint inflight, max_inflight;
	atomic_ullong pread_bytes, jobs;
	uint64_t qdropped;

	/* tensor-rule */
	unsigned char **priv; /* per tensor: its private copy (from the aligned start), NULL: mmapped */
	uint64_t *priv_skip;  /* bytes before the tensor in its copy */
	uint64_t private_bytes, private_tensors;
};

static long tensor_of(const struct sr_rs *x, size_t i)
{
	long t = sr_tag_tensor(x->a[i].tag);

	if (t >= 0 && (size_t)t < x->m->n_tensors)
		return t;
	return sr_model_find(x->m, x->a[i].off);
}

static int layer_of(const struct sr_rs *x, size_t i)
{
	long t = tensor_of(x, i);

	return t >= 0 ? x->m->tensors[t].layer : -1;
}

static int expert_of(const struct sr_rs *x, size_t i)
{
	long t = tensor_of(x, i);

	if (t < 0 || !x->m->tensors[t].expert_bytes)
		return -1;
	return (int)((x->a[i].off - x->m->tensors[t].off) / x->m->tensors[t].expert_bytes);
}

/* madvise over whole pages: the start rounded down, the end up (llama.cpp
 * PR #26003 fixes exactly this: posix_madvise needs a page-aligned start). */
static uint64_t advise(struct sr_rs *x, uint64_t off, uint64_t len, int advice)
{
	uint64_t lo = off / x->pg * x->pg, hi = (off + len + x->pg - 1) / x->pg * x->pg;

	if (hi > x->c->size)
		hi = x->c->size;
	if (hi <= lo)
		return 0;
	return madvise(x->map + lo, hi - lo, advice) ? 0 : hi - lo;
}

static void used_add(struct sr_rs *x, uint64_t off, uint64_t len)
{
	if (x->n_used == x->cap) {
		size_t ncap = x->cap ? x->cap * 2 : 64;
		struct slice *n = realloc(x->used, ncap * sizeof(*n));

		if (!n)
			return;
		x->used = n;
		x->cap = ncap;
	}
	x->used[x->n_used++] = (struct slice){ off, len };
}

/* ---- the pread pool ---- */

static void *worker(void *arg)
{
	struct sr_rs *x = arg;
	char *buf = malloc(PREAD_CHUNK);

	uint64_t rb0 = sr_proc_read_bytes("/proc/thread-self/io");

	if (!buf)
		return NULL;
	pthread_mutex_lock(&x->mu);
	for (;;) {
		struct slice j;
		uint64_t done = 0;
		unsigned now, max;

		while (!x->qn && !x->quit)
			pthread_cond_wait(&x->cv, &x->mu);
		if (x->quit)
			break;
		j = x->q[x->qh];
		x->qh = (x->qh + 1) % JOBS;
		x->qn--;
		pthread_mutex_unlock(&x->mu);
		now = atomic_fetch_add(&x->inflight, 1) + 1;
		max = atomic_load(&x->max_inflight);
		while (now > max && !atomic_compare_exchange_weak(&x->max_inflight, &max, now))
			;
		while (done < j.len) {
			size_t want = j.len - done < PREAD_CHUNK ? (size_t)(j.len - done) : PREAD_CHUNK;
			ssize_t got = pread(x->fd, buf, want, (off_t)(j.off + done));

			if (got <= 0)
				break;
			done += (uint64_t)got;
		}
		atomic_fetch_sub(&x->inflight, 1);
		atomic_fetch_add(&x->pread_bytes, done);
		atomic_fetch_add(&x->jobs, 1);
		pthread_mutex_lock(&x->mu);
	}
	pthread_mutex_unlock(&x->mu);
	free(buf);
	atomic_fetch_add(&x->worker_read, sr_proc_read_bytes("/proc/thread-self/io") - rb0);
	return NULL;
}

static void enqueue(struct sr_rs *x, uint64_t off, uint64_t len)
{
	pthread_mutex_lock(&x->mu);
	if (x->qn == JOBS) {
		x->qdropped++;
	} else {
		x->q[(x->qh + x->qn++) % JOBS] = (struct slice){ off, len };
		pthread_cond_signal(&x->cv);
	}
	pthread_mutex_unlock(&x->mu);
}

static int pool_start(struct sr_rs *x, char *msg, size_t msglen)
{
	unsigned i;
	int ret;

	x->nth = x->c->pp.threads ? x->c->pp.threads : sr_pread_threads_default();
	x->fd = open(x->c->path, O_RDONLY);
	x->q = calloc(JOBS, sizeof(*x->q));
	x->th = calloc(x->nth, sizeof(*x->th));
	if (x->fd < 0 || !x->q || !x->th) {
		snprintf(msg, msglen, "pread-prefetch: %s: %s", x->c->path, strerror(x->fd < 0 ? errno : ENOMEM));
		return -ENOMEM;
	}
	pthread_mutex_init(&x->mu, NULL);
	pthread_cond_init(&x->cv, NULL);
	for (i = 0; i < x->nth; i++) {
		ret = pthread_create(&x->th[i], NULL, worker, x);
		if (ret) {
			snprintf(msg, msglen, "pread-prefetch: cannot start worker %u: %s", i, strerror(ret));
			return -ret;
		}
		x->started++;
	}
	return 0;
}

/* ---- tensor-rule: private O_DIRECT copies ---- */

static int load_private(struct sr_rs *x, struct sr_mmap_result *r, char *msg, size_t msglen)
{
	uint64_t t0 = sr_now_ns(), rb0 = sr_proc_read_bytes("/proc/thread-self/io");
	size_t i;
	int fd = open(x->c->path, O_RDONLY | O_DIRECT);

	if (fd < 0) {
		snprintf(msg, msglen, "tensor-rule: %s: O_DIRECT: %s", x->c->path, strerror(errno));
		return -errno;
	}
	x->priv = calloc(x->m->n_tensors ? x->m->n_tensors : 1, sizeof(*x->priv));
	x->priv_skip = calloc(x->m->n_tensors ? x->m->n_tensors : 1, sizeof(*x->priv_skip));
	if (!x->priv || !x->priv_skip) {
		close(fd);
		snprintf(msg, msglen, "tensor-rule: out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < x->m->n_tensors; i++) {
		const struct sr_tensor *t = &x->m->tensors[i];
		uint64_t lo = t->off / DIO_ALIGN * DIO_ALIGN, hi = (t->off + t->bytes + DIO_ALIGN - 1) / DIO_ALIGN * DIO_ALIGN;
		uint64_t done = 0;
		void *buf;

		if (!t->bytes || !sr_rules_read(x->c->pp.rules, t->name) || t->off + t->bytes > x->c->size)
			continue;
		if (posix_memalign(&buf, DIO_ALIGN, hi - lo)) {
			close(fd);
			snprintf(msg, msglen, "tensor-rule: out of memory for %s", t->name);
			return -ENOMEM;
		}
		while (lo + done < hi) {
			ssize_t got = pread(fd, (char *)buf + done, hi - lo - done, (off_t)(lo + done));

			if (got < 0) {
				snprintf(msg, msglen, "tensor-rule: %s: O_DIRECT read of %s at %llu: %s", x->c->path,
					 t->name, (unsigned long long)(lo + done), strerror(errno));
				free(buf);
				close(fd);
				return -EIO;
			}
			if (!got)
				break; /* end of the file: the rest stays zero */
			done += (uint64_t)got;
		}
		mlock(buf, hi - lo); /* pinned where RLIMIT_MEMLOCK allows */
		x->priv[i] = buf;
		x->priv_skip[i] = t->off - lo;
		x->private_bytes += done;
		x->private_tensors++;
	}
	close(fd);
	r->load_ns = sr_now_ns() - t0;
	x->private_read = sr_proc_read_bytes("/proc/thread-self/io") - rb0;
	return 0;
}

/* ---- the hooks ---- */

int sr_rs_start(struct sr_rs **out, const struct sr_mmap_cfg *c, const volatile unsigned char *map,
		const struct sr_rs_acc *a, size_t n, struct sr_mmap_result *r, char *msg, size_t msglen)
{
	struct sr_rs *x;
	size_t i;

	*out = NULL;
	if (c->strategy == SR_MS_NONE || !c->model)
		return 0;
	x = calloc(1, sizeof(*x));
	if (!x) {
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	*out = x;
	x->c = c;
	x->m = c->model;
	x->a = a;
	x->n = n;
	x->map = (unsigned char *)(uintptr_t)map;
	x->pg = (uint64_t)sysconf(_SC_PAGESIZE);
	x->layer = x->planned = -1;
	x->fd = -1;
	for (i = 0; i < x->m->n_tensors; i++)
		if (x->m->tensors[i].layer >= 0 && (uint32_t)x->m->tensors[i].layer + 1 > x->n_layer)
			x->n_layer = (uint32_t)x->m->tensors[i].layer + 1;
	snprintf(r->strategy, sizeof(r->strategy), "%s",
		 c->strategy == SR_MS_ROUTED_WILLNEED ? "routed-willneed" :
		 c->strategy == SR_MS_PREAD_PREFETCH ? "pread-prefetch" : "tensor-rule");
	if (c->strategy == SR_MS_PREAD_PREFETCH)
		return pool_start(x, msg, msglen);
	if (c->strategy == SR_MS_TENSOR_RULE)
		return load_private(x, r, msg, msglen);
	return 0;
}

/* The routed slices of access i's layer: WILLNEED them, or hand them to the pool. */
static void plan_routed(struct sr_rs *x, size_t i, int self)
{
	int layer = layer_of(x, i);
	uint64_t rb0 = x->c->strategy == SR_MS_ROUTED_WILLNEED ? sr_proc_read_bytes("/proc/thread-self/io") : 0;
	size_t j;

	x->planned = layer;
	for (j = self ? i : i + 1; j < x->n; j++) {
		if (j > i && (x->a[j].flags & SR_RF_TOKEN))
			break;
		if (layer_of(x, j) != layer)
			break;
		if (expert_of(x, j) < 0)
			continue;
		if (x->c->strategy == SR_MS_PREAD_PREFETCH) {
			enqueue(x, x->a[j].off, x->a[j].len);
		} else {
			x->advised += advise(x, x->a[j].off, x->a[j].len, MADV_WILLNEED);
			if (x->c->pp.dontneed)
				used_add(x, x->a[j].off, x->a[j].len);
		}
	}
	if (x->c->strategy == SR_MS_ROUTED_WILLNEED)
		x->advise_read += sr_proc_read_bytes("/proc/thread-self/io") - rb0;
}

static void layer_done(struct sr_rs *x)
{
	size_t i;
	int adv = x->c->strategy == SR_MS_PREAD_PREFETCH ? MADV_COLD : MADV_DONTNEED;

	for (i = 0; i < x->n_used; i++)
		x->dropped += advise(x, x->used[i].off, x->used[i].len, adv);
	x->n_used = 0;
}

static void stream_ahead(struct sr_rs *x, int layer)
{
	int last = layer + (int)x->c->pp.ahead;
	size_t i;

	if (x->streamed < layer)
		x->streamed = layer;
	for (; x->streamed <= last && (uint32_t)x->streamed < x->n_layer; x->streamed++)
		for (i = 0; i < x->m->n_tensors; i++)
			if (x->m->tensors[i].layer == x->streamed && x->m->tensors[i].n_expert)
				enqueue(x, x->m->tensors[i].off, x->m->tensors[i].bytes);
}

void sr_rs_access(struct sr_rs *x, size_t i)
{
	const struct sr_rs_acc *a;
	int layer, start;
	long t;
	size_t k;

	if (!x || x->c->strategy == SR_MS_TENSOR_RULE)
		return;
	a = &x->a[i];
	layer = layer_of(x, i);
	start = (a->flags & SR_RF_TOKEN) || layer != x->layer;
	if (start) {
		layer_done(x);
		if (a->flags & SR_RF_TOKEN) {
			x->planned = -1;
			x->prefill = !!(a->flags & SR_RF_PREFILL);
			x->streamed = 0;
		}
		x->layer = layer;
	}
	if (layer < 0)
		return;
	t = tensor_of(x, i);
	if (x->prefill && x->c->strategy == SR_MS_PREAD_PREFETCH) {
		if (start) {
			stream_ahead(x, layer);
			if (x->c->pp.cold)
				for (k = 0; k < x->m->n_tensors; k++)
					if (x->m->tensors[k].layer == layer && x->m->tensors[k].n_expert)
						used_add(x, x->m->tensors[k].off, x->m->tensors[k].bytes);
		}
		return;
	}
	if (x->planned == layer)
		return;
	if (sr_is_router(x->m, t))
		plan_routed(x, i, 0);
	else if (expert_of(x, i) >= 0)
		plan_routed(x, i, 1);
}

const volatile unsigned char *sr_rs_private(struct sr_rs *x, size_t i)
{
	long t;

	if (!x || !x->priv)
		return NULL;
	t = tensor_of(x, i);
	if (t < 0 || !x->priv[t])
		return NULL;
	return x->priv[t] + x->priv_skip[t] + (x->a[i].off - x->m->tensors[t].off);
}

void sr_rs_stop(struct sr_rs *x, struct sr_mmap_result *r)
{
	unsigned i;
	size_t k;

	if (!x)
		return;
	layer_done(x);
	if (x->started) {
		pthread_mutex_lock(&x->mu);
		x->quit = 1;
		pthread_cond_broadcast(&x->cv);
		pthread_mutex_unlock(&x->mu);
		for (i = 0; i < x->started; i++)
			pthread_join(x->th[i], NULL);
		pthread_mutex_destroy(&x->mu);
		pthread_cond_destroy(&x->cv);
	}
	r->advised_bytes = x->advised;
	r->dropped_bytes = x->dropped;
	r->pread_bytes = atomic_load(&x->pread_bytes);
	r->pread_jobs = atomic_load(&x->jobs);
	r->pread_dropped = x->qdropped + x->qn;
	r->pread_threads = x->c->strategy == SR_MS_PREAD_PREFETCH ? x->nth : 0;
	r->pread_max_inflight = atomic_load(&x->max_inflight);
	r->private_bytes = x->private_bytes;
	r->prefetch_bytes = x->advise_read + atomic_load(&x->worker_read);
	r->private_read_bytes = x->private_read;
	r->willneed_read_bytes = x->advise_read;
	r->private_tensors = x->private_tensors;
	if (x->fd >= 0)
		close(x->fd);
	for (k = 0; x->priv && k < x->m->n_tensors; k++)
		free(x->priv[k]);
	free(x->priv);
	free(x->priv_skip);
	free(x->q);
	free(x->th);
	free(x->used);
	free(x);
}
