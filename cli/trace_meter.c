/* The progress line of analyze and convert (cli.h): a source wrapper that
 * looks at the reader's position (struct sr_source's pos) after each batch
 * it hands out, and the decompression hook of a .gz/.zst trace, which is
 * decompressed whole at open (trace/decomp.h), before the first record. */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/units.h"
#include "trace/decomp.h"

#define SEC 1000000000ull

struct meter_src {
	struct sr_source src;
	struct sr_source *inner;
	struct sr_cli_trace_meter *t;
};

/* "\r[  12.0s] 45.0%  812.3 MiB/s  eta    15s", or without a size "\r[
 * 12.0s]  1234.5 MiB read  812.3 MiB/s": never a % that is not known. */
static void line(const struct sr_cli_trace_meter *t, uint64_t now, int known, double frac,
		 uint64_t bytes, double mibs)
{
	double phase = (double)(now - t->phase_ns) / 1e9;

	if (!known) {
		fprintf(stderr, "\r[%5.1fs] %s%9.1f MiB read %9.1f MiB/s ", now / 1e9,
			t->decomp ? "decompressing " : "", bytes / 1048576.0, mibs);
		return;
	}
	fprintf(stderr, "\r[%5.1fs] %s%5.1f%% %9.1f MiB/s  eta ", now / 1e9,
		t->decomp ? "decompressing " : "", 100 * frac, mibs);
	if (frac > 0 && (phase >= 1 || frac >= 1)) /* a guess from less than a second is noise */
		fprintf(stderr, "%5.0fs ", phase * (1 - frac) / frac);
	else
		fputs("    ?s ", stderr);
}

/* A line when one is due: past 2 s (from the start with --progress), then
 * every second. bytes only grows within a phase (the rate's base). */
static void tick(struct sr_cli_trace_meter *t, int known, double frac, uint64_t bytes)
{
	uint64_t now;
	double dt;

	if (!t->m.on)
		return;
	now = sr_now_ns() - t->m.t0;
	if (t->m.shown ? now - t->m.last_ns < SEC : now < (t->forced ? 0 : 2 * SEC))
		return;
	dt = (double)(now - (t->m.shown ? t->m.last_ns : t->phase_ns)) / 1e9;
	if (frac > 1)
		frac = 1;
	line(t, now, known, frac, bytes,
	     dt > 0 && bytes >= t->m.last_bytes ? (double)(bytes - t->m.last_bytes) / dt / 1048576.0 : 0);
	t->m.last_ns = now;
	t->m.last_bytes = bytes;
	t->m.shown = 1;
}

/* Where the reading is: *known when the size is, the fraction of all
 * passes, bytes over all passes. */
static void where(struct sr_cli_trace_meter *t, unsigned pass, int *known, double *frac, uint64_t *bytes)
{
	uint64_t done, total;

	if (pass >= t->passes)
		pass = t->passes - 1;
	sr_source_pos(t->src, &done, &total);
	*known = total > 0;
	*frac = total ? (pass + (double)done / (double)total) / t->passes : 0;
	*bytes = pass * total + done;
}

/* The line once more, as things stand (done: the whole input was read),
 * with the mean rate, and the newline that ends it. */
static void finish(struct sr_cli_trace_meter *t, int done)
{
	uint64_t now = sr_now_ns() - t->m.t0;
	double secs = (double)(now - t->phase_ns) / 1e9;

	if (!t->m.shown)
		return;
	if (t->src && !t->decomp)
		where(t, t->pass, &t->known, &t->frac, &t->bytes);
	line(t, now, t->known, done ? 1 : t->frac, t->bytes, secs > 0 ? t->bytes / secs / 1048576.0 : 0);
	fputc('\n', stderr);
	t->m.shown = 0;
}

static void on_decomp(void *arg, const char *path, uint64_t done, uint64_t total)
{
	struct sr_cli_trace_meter *t = arg;

	(void)path;
	t->decomp = 1;
	t->known = total > 0;
	t->frac = total ? (double)done / (double)total : 0;
	t->bytes = done;
	tick(t, t->known, t->frac, t->bytes);
}

void sr_cli_trace_meter_start(struct sr_cli_trace_meter *t, int on, int forced)
{
	*t = (struct sr_cli_trace_meter){ .forced = forced, .passes = 1 };
	sr_cli_meter_start(&t->m, on || forced);
	if (t->m.on)
		sr_trace_decomp_watch(on_decomp, t);
}

/* After the decompression (at open): its line ends, the reading's begins. */
static void reading(struct sr_cli_trace_meter *t)
{
	sr_trace_decomp_watch(NULL, NULL);
	if (!t->decomp)
		return;
	finish(t, 1);
	t->decomp = 0;
	t->phase_ns = sr_now_ns() - t->m.t0;
	t->m.last_ns = t->phase_ns;
	t->m.last_bytes = 0;
}

static int mt_next(struct sr_source *s, struct sr_rec *out, size_t max, struct sr_err *e)
{
	struct meter_src *w = (struct meter_src *)s;
	struct sr_cli_trace_meter *t = w->t;
	int n = sr_source_next(w->inner, out, max, e);
	uint64_t now;

	/* Per batch only a clock read; the position when a line is due. */
	now = sr_now_ns() - t->m.t0;
	if (t->m.shown ? now - t->m.last_ns >= SEC : now >= (t->forced ? 0 : 2 * SEC)) {
		where(t, t->pass, &t->known, &t->frac, &t->bytes);
		tick(t, t->known, t->frac, t->bytes);
	}
	return n;
}

static int mt_rewind(struct sr_source *s, struct sr_err *e)
{
	struct meter_src *w = (struct meter_src *)s;

	w->t->pass++; /* rewinds seen: the pass over the trace this is */
	return w->inner->rewind(w->inner, e);
}

static void mt_pos(struct sr_source *s, uint64_t *done, uint64_t *total)
{
	sr_source_pos(((struct meter_src *)s)->inner, done, total);
}

static void mt_close(struct sr_source *s)
{
	struct meter_src *w = (struct meter_src *)s;

	w->t->src = NULL;
	w->inner->close(w->inner);
	free(w);
}

int sr_cli_trace_meter_wrap(struct sr_cli_trace_meter *t, struct sr_source **src, struct sr_err *e)
{
	struct meter_src *w;

	reading(t);
	if (!t->m.on)
		return 0;
	w = calloc(1, sizeof(*w));
	if (!w)
		return sr_errf(e, -ENOMEM, "out of memory");
	w->inner = *src;
	w->t = t;
	t->src = w->inner;
	sr_source_wrap(&w->src, w->inner, mt_next, mt_rewind, mt_close, mt_pos);
	*src = &w->src;
	return 0;
}

void sr_cli_trace_meter_end(struct sr_cli_trace_meter *t, int done)
{
	sr_trace_decomp_watch(NULL, NULL);
	finish(t, done);
}
