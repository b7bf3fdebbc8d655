/* The CHEOPS'25 experiments' library part (ssdreplay cheops prints them,
 * cli/cmd_cheops.c): the published figures (profiles/reference/cheops25.ini)
 * and the measurements of the two paths, async O_DIRECT through the replay
 * loop and buffered single-threaded reads and writes. */
#include "study/cheops.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/units.h"
#include "replay/replay.h"

/* ---- the reference figures ---- */

static int num_list(const char *v, double *out, int *n)
{
	char *end;

	for (*n = 0;;) {
		double d = strtod(v, &end);

		if (end == v || !(d >= 0) || *n == SR_CHEOPS_NSIZES)
			return -1;
		out[(*n)++] = d;
		while (*end == ' ' || *end == '\t')
			end++;
		if (!*end)
			return 0;
		if (*end != ',')
			return -1;
		v = end + 1;
	}
}

static int ref_handler(void *user, const char *sec, const char *name, const char *value)
{
	struct sr_cheops_ref *r = user;
	static const char *const lists[] = { "size_mb", "aio_load", "python_load", "aio_store", "python_store" };
	double *dst[] = { r->size_mb, r->aio_load, r->py_load, r->aio_store, r->py_store };
	char *end;
	int i;

	if (!strcmp(sec, "paper")) {
		if (!strcmp(name, "doi"))
			snprintf(r->doi, sizeof(r->doi), "%s", value);
		return 1;
	}
	if (!strcmp(sec, "fig2")) {
		for (i = 0; i < 5; i++)
			if (!strcmp(name, lists[i])) {
				if (num_list(value, dst[i], &r->n[i]) == 0)
					return 1;
				return sr_ini_fail(&r->ini, "[fig2] %s: expected up to %d numbers separated by commas",
						   name, SR_CHEOPS_NSIZES);
			}
		return 1; /* aio_block, aio_qd: documentation */
	}
	if (!strcmp(sec, "offload")) {
		double *d = !strcmp(name, "hardware_gibps") ? &r->hw_gibps : !strcmp(name, "deepspeed_gibps") ?
			    &r->ds_gibps : !strcmp(name, "flexgen_gibps") ? &r->fg_gibps : NULL;
		uint64_t *u = !strcmp(name, "deepspeed_qd") ? &r->ds_qd : !strcmp(name, "flexgen_threads") ?
			      &r->fg_threads : NULL;
		uint64_t *z = !strcmp(name, "deepspeed_request") ? &r->ds_req : !strcmp(name, "flexgen_request") ?
			      &r->fg_req : NULL;

		if (d) {
			*d = strtod(value, &end);
			if (end == value || *end || !(*d > 0))
				return sr_ini_fail(&r->ini, "[offload] %s: expected a positive number", name);
		} else if (u) {
			if (sr_parse_u64(value, u) || !*u || *u > 1024)
				return sr_ini_fail(&r->ini, "[offload] %s: expected an integer from 1 to 1024", name);
		} else if (z) {
			if (sr_parse_size(value, z) || *z < 4096 || *z > 64 * SR_CHEOPS_MIB || *z % 4096)
				return sr_ini_fail(&r->ini, "[offload] %s: expected a size multiple of 4k up to 64M", name);
		}
		return 1;
	}
	return sr_ini_fail(&r->ini, "unknown section [%s]: expected paper, fig2 or offload", sec);
}

int sr_cheops_ref_load(const char *path, struct sr_cheops_ref *r, struct sr_err *e)
{
	int ret, i;

	memset(r, 0, sizeof(*r));
	r->path = path;
	ret = sr_ini_parse(path, "the reference figures", ref_handler, r, &r->ini, e);
	if (ret)
		return ret;
	for (i = 0; i < 5; i++)
		if (r->n[i] != SR_CHEOPS_NSIZES)
			return sr_inputf(e, "%s: [fig2]: expected %d values in each of size_mb, aio_load, python_load, aio_store, python_store",
					 path, SR_CHEOPS_NSIZES);
	for (i = 0; i < SR_CHEOPS_NSIZES; i++)
		if (r->size_mb[i] != (double)(1u << i))
			return sr_inputf(e, "%s: [fig2] size_mb: expected 1, 2, 4, ... 4096", path);
	if (!r->hw_gibps || !r->ds_gibps || !r->fg_gibps || !r->ds_req || !r->fg_req || !r->ds_qd || !r->fg_threads)
		return sr_inputf(e, "%s: [offload]: expected hardware_gibps, deepspeed_gibps/_request/_qd, flexgen_gibps/_request/_threads",
				 path);
	return 0;
}

int sr_cheops_ref_check(const char *path, struct sr_err *e)
{
	struct sr_cheops_ref r;

	return sr_cheops_ref_load(path, &r, e);
}

/* ---- measurements ---- */

/* Sequential records of one op over [0, size) in bs pieces. */
struct seq_src {
	struct sr_source src;
	uint64_t off, size, bs;
	uint8_t op;
};

static int seq_next(struct sr_source *s, struct sr_rec *out, size_t max, struct sr_err *e)
{
	struct seq_src *q = (struct seq_src *)s;
	size_t n = 0;

	(void)e;
	while (n < max && q->off < q->size) {
		uint64_t len = q->size - q->off < q->bs ? q->size - q->off : q->bs;

		out[n++] = (struct sr_rec){ .off = q->off, .len = len, .t_ns = SR_T_NONE, .seq = q->off / q->bs, .op = q->op };
		q->off += len;
	}
	return (int)n;
}

static int seq_rewind(struct sr_source *s, struct sr_err *e)
{
	(void)e;
	((struct seq_src *)s)->off = 0;
	return 0;
}

static void seq_close(struct sr_source *s)
{
	(void)s; /* on the caller's stack */
}

/* One replay-loop pass: the async path. Returns bytes per second, or -errno. */
double sr_cheops_async_run(struct sr_cheops_ctx *c, int op, uint64_t size, uint64_t bs, const char *engine, unsigned qd,
			unsigned threads, uint64_t runtime_ns, struct sr_err *e)
{
	struct seq_src q = { .src = { .name = "cheops", .format = "pattern", .next = seq_next, .rewind = seq_rewind,
				      .close = seq_close }, .size = size, .bs = bs, .op = (uint8_t)op };
	struct sr_replay_cfg rc = {
		.engine = sr_engine_find(engine), .qd = qd, .batch = 1, .threads = threads, .time_scale = 1,
		.runtime_ns = runtime_ns, .loops = runtime_ns ? 0 : 1, .tgt_name = c->tgt->path, .stop = &sr_stop_requested,
		.shape = { .src_name = "cheops", .tgt_name = c->tgt->path, .target_size = size, .lbs = c->tgt->lbs,
			   .max_req = bs, .allow_write = op == SR_OP_WRITE },
	};
	struct sr_stats st;
	uint64_t t0, t;
	double bw;
	int ret;

	sr_stats_init(&st);
	ret = sr_replay_run(&rc, &q.src, &c->tgt->fd, 1, &st, e);
	t0 = sr_now_ns();
	if (!ret && op == SR_OP_WRITE && fdatasync(c->tgt->fd))
		ret = sr_errf(e, -errno, "%s: fdatasync: %s", c->tgt->path, strerror(errno));
	t = st.end_ns - st.start_ns + (op == SR_OP_WRITE ? sr_now_ns() - t0 : 0);
	bw = t ? (double)st.op[op].bytes / ((double)t / 1e9) : 0;
	if (!ret && sr_stop_requested)
		ret = -EINTR;
	sr_stats_free(&st);
	return ret ? ret : bw;
}

/* Python-file-like: one write() (or read()) of the whole tensor. */
static double buffered_run(struct sr_cheops_ctx *c, int op, uint64_t size, struct sr_err *e)
{
	uint64_t t0, done = 0;
	ssize_t n;

	if (op == SR_OP_READ) {
		/* out of the page cache, as if another process wrote it long ago */
		if (fdatasync(c->bfd) || posix_fadvise(c->bfd, 0, 0, POSIX_FADV_DONTNEED))
			return sr_errf(e, -errno, "%s: dropping the cache: %s", c->tgt->path, strerror(errno));
	}
	t0 = sr_now_ns();
	while (done < size) {
		/* read/write move at most 0x7ffff000 bytes a call on Linux */
		if (op == SR_OP_READ)
			n = pread(c->bfd, c->buf + done, size - done, (off_t)done);
		else
			n = pwrite(c->bfd, c->buf + done, size - done, (off_t)done);
		if (n < 0 && errno == EINTR && !sr_stop_requested)
			continue;
		if (n <= 0)
			return sr_errf(e, n ? -errno : -EIO, "%s: %s of %" PRIu64 " bytes at %" PRIu64 ": %s", c->tgt->path,
				       op == SR_OP_READ ? "read" : "write", size - done, done,
				       n ? strerror(errno) : "end of file");
		done += (uint64_t)n;
	}
	if (op == SR_OP_WRITE && fsync(c->bfd))
		return sr_errf(e, -errno, "%s: fsync: %s", c->tgt->path, strerror(errno));
	return (double)size / ((double)(sr_now_ns() - t0) / 1e9);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}


/* Median over repeats of each path at size; bw[] < 0 where not measured. */
int sr_cheops_measure_size(struct sr_cheops_ctx *c, uint64_t size, double bw[SR_CHEOPS_NPATHS], struct sr_err *e)
{
	double v[SR_CHEOPS_NPATHS][100], r;
	unsigned k, p;

	for (k = 0; k < c->repeat; k++)
		for (p = 0; p < SR_CHEOPS_NPATHS; p++) {
			int store = p == 0 || p == 2;

			if (store && !c->can_store) {
				v[p][k] = -1;
				continue;
			}
			if (p < 2)
				r = sr_cheops_async_run(c, store ? SR_OP_WRITE : SR_OP_READ, size, SR_CHEOPS_MIB, c->engine, 32, 1, 0, e);
			else
				r = buffered_run(c, store ? SR_OP_WRITE : SR_OP_READ, size, e);
			if (r < 0)
				return (int)r;
			v[p][k] = r;
		}
	for (p = 0; p < SR_CHEOPS_NPATHS; p++) {
		qsort(v[p], c->repeat, sizeof(double), cmp_double);
		bw[p] = c->repeat % 2 ? v[p][c->repeat / 2] :
			(v[p][c->repeat / 2 - 1] + v[p][c->repeat / 2]) / 2;
	}
	return 0;
}
