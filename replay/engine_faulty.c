/* --engine faulty:INNER: the inner engine does the I/O; its completions are
 * then turned into errors, short transfers or late arrivals, as --fault
 * asks. The fate of each completion comes from a hash of the seed and a
 * run-wide completion counter (shared by the replay threads), so fail-at:N
 * hits exactly one completion in the whole run and a single-threaded run is
 * repeatable. Nothing here runs unless the engine is selected. */
#include "replay/engine.h"
#include "replay/replay.h"
#include "base/units.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct faulty {
	struct sr_engine inner;
	struct sr_faults *f;
	unsigned in_inner;          /* requests the inner engine holds */
	struct sr_io *held, **held_tail; /* delayed completions, in release order */
	uint64_t *release;          /* per slot: when a held completion is due */
};

/* Uniform in [0, 1) from (seed, n, stream). */
static double draw(uint64_t seed, uint64_t n, unsigned stream)
{
	return (double)(sr_mix64(sr_mix64(seed ^ stream * 0xd1b54a32d192ed03ull) ^ n) >> 11) * 0x1.0p-53;
}

/* Apply the fate of one inner completion; 1 when it is to be held back. */
static int fate(struct faulty *p, struct sr_io *io)
{
	struct sr_faults *f = p->f;
	uint64_t n = __atomic_add_fetch(&f->seq, 1, __ATOMIC_RELAXED);
	int eio = 0;
	unsigned i;

	for (i = 0; i < f->nr_fail_at; i++)
		if (f->fail_at[i] == n)
			eio = 1;
	if (!eio && f->eio > 0 && draw(f->seed, n, 1) < f->eio)
		eio = 1;
	if (eio) {
		if (io->res >= 0) {
			io->res = -EIO;
			__atomic_add_fetch(&f->injected_eio, 1, __ATOMIC_RELAXED);
		}
	} else if (f->short_rate > 0 && io->res == (int64_t)io->len && io->len > f->align &&
		   draw(f->seed, n, 2) < f->short_rate) {
		io->res = (int64_t)(io->len / 2 / f->align * f->align);
		if (!io->res)
			io->res = f->align;
		__atomic_add_fetch(&f->injected_short, 1, __ATOMIC_RELAXED);
	}
	if (f->delay_rate > 0 && draw(f->seed, n, 3) < f->delay_rate) {
		__atomic_add_fetch(&f->injected_delay, 1, __ATOMIC_RELAXED);
		p->release[io->idx] = sr_now_ns() + f->delay_ns;
		io->next = NULL;
		*p->held_tail = io;
		p->held_tail = &io->next;
		return 1;
	}
	return 0;
}

static int faulty_init(struct sr_engine *eng, struct sr_err *e)
{
	struct sr_faults *f = eng->cfg.faults;
	struct faulty *p;
	int ret;

	if (!f || !f->inner || f->inner == &sr_engine_faulty)
		return sr_inputf(e, "--engine faulty:INNER: expected INNER io_uring, libaio, psync or null");
	p = calloc(1, sizeof(*p));
	if (p)
		p->release = calloc(eng->cfg.qd, sizeof(*p->release));
	if (!p || !p->release) {
		free(p);
		return sr_errf(e, -ENOMEM, "faulty: out of memory");
	}
	if (!f->align)
		f->align = 512;
	p->f = f;
	p->held_tail = &p->held;
	p->inner.ops = f->inner;
	p->inner.cfg = eng->cfg;
	p->inner.cfg.faults = NULL;
	ret = f->inner->init(&p->inner, e);
	if (ret) {
		free(p->release);
		free(p);
		return ret;
	}
	eng->priv = p;
	return 0;
}

static int faulty_queue(struct sr_engine *eng, struct sr_io *io)
{
	struct faulty *p = eng->priv;
	int ret = p->inner.ops->queue(&p->inner, io);

	if (ret == SR_Q_QUEUED)
		p->in_inner++;
	else if (ret == SR_Q_COMPLETED && fate(p, io))
		return SR_Q_QUEUED; /* comes back from reap() when due */
	return ret;
}

static int faulty_submit(struct sr_engine *eng)
{
	struct faulty *p = eng->priv;

	return p->inner.ops->submit(&p->inner);
}

/* Move held completions due by now into out; returns how many. */
static unsigned release_due(struct faulty *p, uint64_t now, unsigned max, struct sr_io **out)
{
	unsigned n = 0;

	while (p->held && n < max && p->release[p->held->idx] <= now) {
		out[n++] = p->held;
		p->held = p->held->next;
	}
	if (!p->held)
		p->held_tail = &p->held;
	return n;
}

static void sleep_until(uint64_t t)
{
	uint64_t now = sr_now_ns();
	struct timespec ts;

	if (t <= now)
		return;
	ts.tv_sec = (time_t)((t - now) / 1000000000ull);
	ts.tv_nsec = (long)((t - now) % 1000000000ull);
	nanosleep(&ts, NULL); /* a signal cuts it short: the caller re-checks */
}

static int faulty_reap(struct sr_engine *eng, unsigned min, unsigned max, uint64_t timeout_ns,
		       struct sr_io **out)
{
	struct faulty *p = eng->priv;
	uint64_t now = sr_now_ns();
	uint64_t deadline = min && timeout_ns ? now + timeout_ns : min ? UINT64_MAX : now;
	unsigned n = 0;

	for (;;) {
		uint64_t until = deadline;
		int r, i, kept;

		n += release_due(p, now, max - n, out + n);
		if (n >= max)
			return (int)n;
		if (p->held && p->release[p->held->idx] < until)
			until = p->release[p->held->idx];
		if (p->in_inner) {
			unsigned want = n < min ? 1 : 0;
			uint64_t wait = until == UINT64_MAX ? 0 : until > now ? until - now : 1;

			r = p->inner.ops->reap(&p->inner, want, max - n, want ? wait : 0, out + n);
			if (r < 0)
				return n ? (int)n : r;
			p->in_inner -= (unsigned)r;
			for (i = 0, kept = 0; i < r; i++)
				if (!fate(p, out[n + i]))
					out[n + kept++] = out[n + i];
			n += (unsigned)kept;
		} else if (n < min && p->held) {
			sleep_until(until);
		} else {
			return (int)n;
		}
		now = sr_now_ns();
		if (n >= min || now >= deadline)
			return (int)(n + release_due(p, now, max - n, out + n));
		if (!p->in_inner && !p->held)
			return (int)n;
	}
}

static void faulty_cleanup(struct sr_engine *eng)
{
	struct faulty *p = eng->priv;

	if (!p)
		return;
	p->inner.ops->cleanup(&p->inner);
	free(p->release);
	free(p);
	eng->priv = NULL;
}

const struct sr_engine_ops sr_engine_faulty = {
	.name = "faulty",
	.help = "faulty:INNER wraps another engine and injects --fault eio/short/delay/fail-at",
	.init = faulty_init,
	.queue = faulty_queue,
	.submit = faulty_submit,
	.reap = faulty_reap,
	.cleanup = faulty_cleanup,
};

/* ---- option parsing (--fault, --on-error) ---- */

static int parse_rate(const char *s, double *out)
{
	char *end;
	double v;

	if (!*s || *s == ' ' || *s == '\t')
		return -EINVAL;
	v = strtod(s, &end);
	if (end == s || *end || !(v >= 0 && v <= 1))
		return -EINVAL;
	*out = v;
	return 0;
}

int sr_faults_parse(const char *cmd, const char *arg, struct sr_faults *f, struct sr_err *e)
{
	char buf[256], *tok, *save = NULL;

	if (strlen(arg) >= sizeof(buf))
		return sr_inputf(e, "%s: --fault: expected eio:RATE, short:RATE, delay:MS:RATE or fail-at:N, found %zu characters",
				 cmd, strlen(arg));
	memcpy(buf, arg, strlen(arg) + 1);
	if (!strtok_r(buf, ",", &save))
		goto bad; /* nothing but commas */
	memcpy(buf, arg, strlen(arg) + 1);
	save = NULL;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *v = strchr(tok, ':'), *v2;
		uint64_t n;

		if (!v)
			goto bad;
		*v++ = 0;
		if (!strcmp(tok, "eio")) {
			if (parse_rate(v, &f->eio))
				goto bad;
		} else if (!strcmp(tok, "short")) {
			if (parse_rate(v, &f->short_rate))
				goto bad;
		} else if (!strcmp(tok, "delay")) {
			v2 = strchr(v, ':');
			if (!v2)
				goto bad;
			*v2++ = 0;
			if (sr_parse_u64(v, &n) || n > 3600000 || parse_rate(v2, &f->delay_rate))
				goto bad;
			f->delay_ns = n * 1000000ull;
		} else if (!strcmp(tok, "fail-at")) {
			if (sr_parse_u64(v, &n) || !n)
				goto bad;
			if (f->nr_fail_at == SR_FAULT_AT_MAX)
				return sr_inputf(e, "%s: --fault: at most %d fail-at:N", cmd, SR_FAULT_AT_MAX);
			f->fail_at[f->nr_fail_at++] = n;
		} else {
			goto bad;
		}
	}
	return 0;
bad:
	return sr_inputf(e, "%s: --fault: expected eio:RATE, short:RATE, delay:MS:RATE or fail-at:N (RATE from 0 to 1, N from 1), found '%s'",
			 cmd, arg);
}

int sr_on_error_parse(const char *cmd, const char *arg, int *on_error, unsigned *retries,
		      struct sr_err *e)
{
	char buf[64], *tok, *save = NULL;
	int pol = SR_ON_ERROR_STOP;
	uint64_t n = 0;

	if (strlen(arg) >= sizeof(buf) || !arg[0])
		goto bad;
	memcpy(buf, arg, strlen(arg) + 1);
	if (!strtok_r(buf, ",", &save))
		goto bad; /* nothing but commas */
	memcpy(buf, arg, strlen(arg) + 1);
	save = NULL;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "stop"))
			pol = SR_ON_ERROR_STOP;
		else if (!strcmp(tok, "continue"))
			pol = SR_ON_ERROR_CONTINUE;
		else if (strncmp(tok, "retry:", 6) || sr_parse_u64(tok + 6, &n) || !n || n > 1000)
			goto bad;
	}
	*on_error = pol;
	*retries = (unsigned)n;
	return 0;
bad:
	return sr_inputf(e, "%s: --on-error: expected stop, continue, retry:N or retry:N,continue (N from 1 to 1000), found '%s'",
			 cmd, arg);
}
