/* Parallel line reader: blocks of a regular file parsed ahead by helper
 * threads, handed out in file order (see plines.h).
 *
 * Block k holds the lines that start in [base + k*B, base + (k+1)*B): a
 * helper reads from one byte before its block (to see whether a line starts
 * right at it) up to SR_LINES_MAX + 2 bytes past it (to finish its last
 * line), so no block depends on another. Line numbers inside a block count
 * from 1; the reader adds the lines of the blocks before when it hands the
 * records out. A helper that meets a bad line stops its block there and
 * notes the line's offset; the reader parses that one line again with its
 * real number, so the message is word for word the sequential one. */
#include "trace/plines.h"
#include "trace/devseen.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PL_BLOCK_DEFAULT (256u << 10)
#define PL_MIN_DEFAULT (8ull << 20)
#define PL_THREADS_MAX 3u

static size_t tune_block = PL_BLOCK_DEFAULT;
static uint64_t tune_min = PL_MIN_DEFAULT;
static unsigned tune_threads;

void sr_plines_tune(size_t block, uint64_t min_bytes, unsigned threads)
{
	tune_block = block ? block : PL_BLOCK_DEFAULT;
	tune_min = min_bytes;
	tune_threads = threads;
}

enum { SLOT_FREE, SLOT_BUSY, SLOT_DONE };
enum { PERR_NONE, PERR_LINE, PERR_IO };

struct slot {
	uint64_t block;
	int state;
	struct sr_rec *recs;
	size_t n, cap;
	uint64_t lines;   /* lines of the block, up to a bad one */
	int err;          /* PERR_*: the block stops at a bad line or a failed read */
	int err_errno;
	uint64_t err_off; /* the bad line: file offset and bytes (without '\n') */
	size_t err_len;
};

/* What one parsing thread owns: the block's bytes and a copy of ctx. */
struct scratch {
	char *buf;
	void *ctx;
};

struct helper {
	struct sr_plines *p;
	pthread_t th;
	struct scratch s;
};

struct sr_plines {
	struct sr_lines *l;
	void *ctx;
	/* ctx as it was at the start, copied into a block's scratch before its
	 * parse: the reader goes on writing ctx (fix sets t0), so copying ctx
	 * itself from a helper would race with it */
	void *ctx0;
	struct sr_plines_ops ops;
	int fd;
	uint64_t base, size, block, nblocks, base_line;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t next_claim; /* next block nobody parses yet */
	uint64_t cur;        /* the block the reader hands out */
	uint64_t handed;     /* bytes of the blocks handed out whole (sr_plines_pos) */
	size_t pos;          /* its next record */
	int stop;
	struct slot *slots;
	unsigned nslots;
	struct helper *helpers;
	unsigned nhelpers;
	struct scratch mine; /* the reader's, for helping and for errors */
};

static int scratch_init(struct scratch *s, const struct sr_plines *p)
{
	s->buf = malloc(p->block + SR_LINES_MAX + 4);
	s->ctx = malloc(p->ops.ctx_size);
	return s->buf && s->ctx ? 0 : -ENOMEM;
}

static void scratch_free(struct scratch *s)
{
	free(s->buf);
	free(s->ctx);
}

/* Read up to want bytes at off; fewer only at the end of the file. */
static ssize_t read_at(int fd, char *buf, size_t want, uint64_t off)
{
	size_t got = 0;
	ssize_t r;

	while (got < want) {
		r = pread(fd, buf + got, want - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int slot_push(struct slot *s)
{
	size_t cap = s->cap ? s->cap * 2 : 4096;
	struct sr_rec *r;

	if (s->n < s->cap)
		return 0;
	r = realloc(s->recs, cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	s->recs = r;
	s->cap = cap;
	return 0;
}

static void slot_fail(struct slot *s, int err, int errnum, uint64_t off, size_t len)
{
	s->err = err;
	s->err_errno = errnum;
	s->err_off = off;
	s->err_len = len;
}

/* Parse block k into s (see the top of the file). */
static void parse_block(struct sr_plines *p, uint64_t k, struct slot *s, struct scratch *sc)
{
	uint64_t off = p->base + k * p->block, rd = k ? off - 1 : off, j = 0;
	size_t lead = k ? 1 : 0, want = p->block + lead + SR_LINES_MAX + 2, pos = 0, n, next, lim;
	struct sr_lines *cl = (struct sr_lines *)((char *)sc->ctx + p->ops.lines_off);
	struct sr_err tmp;
	char *buf = sc->buf, *nl;
	ssize_t got;
	int eof = 0, ret;

	s->n = 0;
	s->lines = 0;
	s->err = PERR_NONE;
	if (rd + want >= p->size) {
		want = (size_t)(p->size - rd);
		eof = 1;
	}
	got = read_at(p->fd, buf, want, rd);
	if (got < 0)
		return slot_fail(s, PERR_IO, (int)-got, 0, 0);
	if ((size_t)got < want)
		eof = 1; /* the file shrank under us: it ends here */
	if (k) {
		nl = memchr(buf, '\n', (size_t)got);
		if (!nl)
			return;
		pos = (size_t)(nl - buf) + 1;
	}
	memcpy(sc->ctx, p->ctx0, p->ops.ctx_size);
	while (pos < lead + p->block && pos < (size_t)got) {
		cl->lineno = ++j;
		lim = (size_t)got - pos;
		if (lim > SR_LINES_MAX + 2)
			lim = SR_LINES_MAX + 2;
		nl = memchr(buf + pos, '\n', lim);
		if (nl) {
			n = (size_t)(nl - (buf + pos));
			next = pos + n + 1;
		} else if (eof && lim == (size_t)got - pos && lim <= SR_LINES_MAX + 1) {
			n = lim; /* the last line, without '\n' */
			next = (size_t)got;
		} else {
			s->lines = j;
			return slot_fail(s, PERR_LINE, 0, rd + pos, SR_LINES_MAX + 2);
		}
		s->lines = j;
		lim = n;
		if (sr_lines_check("", j, buf + pos, &n, &tmp))
			return slot_fail(s, PERR_LINE, 0, rd + pos, lim);
		buf[pos + n] = '\0';
		if (slot_push(s))
			return slot_fail(s, PERR_IO, ENOMEM, 0, 0);
		ret = p->ops.parse(sc->ctx, buf + pos, n, &s->recs[s->n], &tmp);
		if (ret < 0)
			return slot_fail(s, PERR_LINE, 0, rd + pos, lim);
		s->n += (size_t)ret;
		pos = next;
	}
}

static struct slot *slot_of(struct sr_plines *p, uint64_t k)
{
	return &p->slots[k % p->nslots];
}

/* With p->mu held: claim the next block if its slot is free, parse it
 * unlocked, mark it done. 0 when there was nothing to claim. */
static int claim_and_parse(struct sr_plines *p, struct scratch *sc)
{
	uint64_t k = p->next_claim;
	struct slot *s;

	if (p->stop || k >= p->nblocks || k >= p->cur + p->nslots)
		return 0;
	p->next_claim++;
	s = slot_of(p, k);
	s->block = k;
	s->state = SLOT_BUSY;
	pthread_mutex_unlock(&p->mu);
	parse_block(p, k, s, sc);
	sr_trace_dev_flush(); /* this thread's count of the block's devices */
	pthread_mutex_lock(&p->mu);
	s->state = SLOT_DONE;
	pthread_cond_broadcast(&p->cv);
	return 1;
}

static void *helper_main(void *arg)
{
	struct helper *h = arg;
	struct sr_plines *p = h->p;

	pthread_mutex_lock(&p->mu);
	while (!p->stop && p->next_claim < p->nblocks)
		if (!claim_and_parse(p, &h->s))
			pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static unsigned helper_count(void)
{
	cpu_set_t set;
	int cpus;

	if (tune_threads)
		return tune_threads;
	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	cpus = CPU_COUNT(&set);
	if (cpus <= 1)
		return 0;
	return (unsigned)cpus - 1 < PL_THREADS_MAX ? (unsigned)cpus - 1 : PL_THREADS_MAX;
}

int sr_plines_start(struct sr_lines *l, void *ctx, const struct sr_plines_ops *ops,
		    struct sr_plines **out, struct sr_err *e)
{
	unsigned nh = helper_count(), i;
	struct sr_plines *p;
	struct stat st;
	off_t at;

	*out = NULL;
	if (!nh || l->eof || fstat(l->fd, &st) || !S_ISREG(st.st_mode))
		return 0;
	at = lseek(l->fd, 0, SEEK_CUR);
	if (at < 0 || (uint64_t)at < l->end - l->start || (uint64_t)st.st_size < (uint64_t)at ||
	    (uint64_t)st.st_size - (uint64_t)at + (l->end - l->start) < tune_min)
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return sr_errf(e, -ENOMEM, "%s: out of memory", l->path);
	p->l = l;
	p->ctx = ctx;
	p->ops = *ops;
	p->fd = l->fd;
	p->base = (uint64_t)at - (l->end - l->start);
	p->size = (uint64_t)st.st_size;
	p->block = tune_block;
	p->nblocks = (p->size - p->base + p->block - 1) / p->block;
	p->base_line = l->lineno;
	p->handed = p->base;
	p->nslots = 2 * (nh + 1) + 2;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->slots = calloc(p->nslots, sizeof(*p->slots));
	p->helpers = calloc(nh, sizeof(*p->helpers));
	p->ctx0 = malloc(ops->ctx_size);
	if (!p->slots || !p->helpers || !p->ctx0 || scratch_init(&p->mine, p))
		goto nomem;
	memcpy(p->ctx0, ctx, ops->ctx_size);
	for (i = 0; i < nh; i++) {
		p->helpers[i].p = p;
		if (scratch_init(&p->helpers[i].s, p))
			goto nomem;
		if (pthread_create(&p->helpers[i].th, NULL, helper_main, &p->helpers[i])) {
			scratch_free(&p->helpers[i].s);
			break; /* fewer helpers, or none: the reader parses alone */
		}
		p->nhelpers++;
	}
	*out = p;
	return 0;
nomem:
	sr_plines_stop(p);
	return sr_errf(e, -ENOMEM, "%s: out of memory", l->path);
}

uint64_t sr_plines_pos(const struct sr_plines *p)
{
	return p->handed < p->size ? p->handed : p->size;
}

void sr_plines_stop(struct sr_plines *p)
{
	unsigned i;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nhelpers; i++) {
		pthread_join(p->helpers[i].th, NULL);
		scratch_free(&p->helpers[i].s);
	}
	for (i = 0; p->slots && i < p->nslots; i++)
		free(p->slots[i].recs);
	scratch_free(&p->mine);
	free(p->ctx0);
	free(p->slots);
	free(p->helpers);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
}

/* The error that ends block s, worded by the sequential rules: the bad
 * line is read again and checked and parsed with its real number. */
static int block_error(struct sr_plines *p, const struct slot *s, struct sr_err *kept)
{
	uint64_t lineno = p->base_line + s->lines;
	struct sr_rec r;
	ssize_t got;
	size_t n;

	if (s->err == PERR_IO)
		return sr_errf(kept, -s->err_errno, "%s: read: %s", p->l->path,
			       strerror(s->err_errno));
	got = read_at(p->fd, p->mine.buf, s->err_len, s->err_off);
	if (got < 0)
		return sr_errf(kept, (int)got, "%s: read: %s", p->l->path, strerror((int)-got));
	n = (size_t)got;
	if (sr_lines_check(p->l->path, lineno, p->mine.buf, &n, kept))
		return kept->code;
	p->mine.buf[n] = '\0';
	p->l->lineno = lineno;
	if (p->ops.parse(p->ctx, p->mine.buf, n, &r, kept) < 0)
		return kept->code;
	/* The line parses now: the file changed while we read it. */
	return sr_inputf(kept, "%s:%llu: line changed while being read", p->l->path,
			 (unsigned long long)lineno);
}

/* Wait until block cur is parsed, parsing blocks ahead meanwhile. */
static struct slot *wait_block(struct sr_plines *p)
{
	struct slot *s = slot_of(p, p->cur);

	pthread_mutex_lock(&p->mu);
	while (s->state != SLOT_DONE || s->block != p->cur)
		if (!claim_and_parse(p, &p->mine))
			pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
	return s;
}

int sr_plines_batch(struct sr_plines *p, struct sr_err *kept, struct sr_rec *out, size_t max,
		    struct sr_err *e)
{
	struct slot *s;
	size_t n = 0, take, i;

	if (kept->code)
		return sr_err_forward(e, kept);
	if (max > INT32_MAX)
		max = INT32_MAX;
	while (n < max && p->cur < p->nblocks) {
		s = wait_block(p);
		take = s->n - p->pos;
		if (take > max - n)
			take = max - n;
		if (take) /* a block without records has no array */
			memcpy(out + n, s->recs + p->pos, take * sizeof(*out));
		for (i = n; i < n + take; i++)
			out[i].seq += p->base_line;
		if (p->ops.fix)
			p->ops.fix(p->ctx, out + n, take);
		n += take;
		p->pos += take;
		if (p->pos < s->n)
			break;
		if (s->err) {
			block_error(p, s, kept);
			pthread_mutex_lock(&p->mu);
			p->cur = p->nblocks; /* nothing after the error */
			p->stop = 1;
			pthread_cond_broadcast(&p->cv);
			pthread_mutex_unlock(&p->mu);
			return n ? (int)n : sr_err_forward(e, kept);
		}
		p->base_line += s->lines;
		p->handed += p->block; /* not past a bad line: an error ends cur, not this */
		p->pos = 0;
		pthread_mutex_lock(&p->mu);
		s->state = SLOT_FREE;
		p->cur++;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	return (int)n;
}
