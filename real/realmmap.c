#include "real/realmmap.h"
#include "real/realstrat.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "devices/target.h"
#include "real/cgroup.h"
#include "real/child.h"
#include "base/units.h"

int sr_advise_parse(const char *s, enum sr_advise *a)
{
	static const char *const names[] = { "none", "sequential", "willneed", "random" };
	int i;

	for (i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*a = (enum sr_advise)i;
			return 0;
		}
	return -EINVAL;
}

const char *sr_advise_name(enum sr_advise a)
{
	static const char *const names[] = { "none", "sequential", "willneed", "random" };

	return (unsigned)a < 4 ? names[a] : "?";
}

/* ---- the child ---- */

#define acc sr_rs_acc

/* Emulated compute is paid in batches, not with a sleep per access: a
 * page's share of a token is under a microsecond and each nanosleep
 * overshoots by tens of microseconds, which stretched 0.12 s of compute
 * into 47 s of wall (a 200 MB model, 12 tokens, --access page), RAM row
 * included. The owed time is slept once it passes PACE_DEBT_NS, and at each
 * token's end, to PACE_SPIN_NS before its end and spun the rest. */
#define PACE_DEBT_NS 1000000ull
#define PACE_SPIN_NS 100000ull

static void pace(uint64_t *owed, uint64_t ns, int settle)
{
	uint64_t until, now;

	*owed += ns;
	if (!*owed || (*owed < PACE_DEBT_NS && !settle))
		return;
	now = sr_now_ns();
	until = now + *owed;
	*owed = 0;
	if (until - now > PACE_SPIN_NS) {
		uint64_t d = until - now - PACE_SPIN_NS;
		struct timespec ts = { (time_t)(d / 1000000000ull), (long)(d % 1000000000ull) };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	while (sr_now_ns() < until)
		;
}

struct child_out {
	int err;
	char msg[256];
	struct sr_mmap_result r;
};

/* --advise on the whole mapping (and the file, where fadvise has it).
 * sequential is what llama.cpp's loader does, posix_fadvise(SEQUENTIAL) on
 * the file alone: it doubles the file's readahead window. madvise's
 * MADV_SEQUENTIAL would also set VM_SEQ_READ on the mapping, and reclaim
 * ignores references through such a mapping (folio_referenced_one, or
 * vma_has_recency since the multi-gen LRU work): every page would leave the
 * inactive list at its first scan, however often it was used, and a replay
 * would measure a FIFO page cache, not llama.cpp's. */
void sr_mmap_advise(enum sr_advise a, void *map, uint64_t size, int fd)
{
	switch (a) {
	case SR_ADV_SEQUENTIAL:
		posix_fadvise(fd, 0, (off_t)size, POSIX_FADV_SEQUENTIAL);
		break;
	case SR_ADV_WILLNEED:
		madvise(map, size, MADV_WILLNEED);
		break;
	case SR_ADV_RANDOM:
		madvise(map, size, MADV_RANDOM);
		posix_fadvise(fd, 0, (off_t)size, POSIX_FADV_RANDOM);
		break;
	default:
		break;
	}
}

/* llama.cpp's load (llama_mmap: mmap with MAP_POPULATE after the file's
 * advice, then POSIX_MADV_WILLNEED on the mapping). The mapping is made
 * before the advice here, so its MAP_POPULATE is MADV_POPULATE_READ (5.14),
 * the same read faults with FOLL_TOUCH; without it, one load per page. */
static unsigned load(volatile const unsigned char *map, uint64_t size, uint64_t pg)
{
	unsigned sum = 0;
	uint64_t i;

#ifdef MADV_POPULATE_READ
	if (madvise((void *)map, size, MADV_POPULATE_READ))
#endif
		for (i = 0; i < size; i += pg)
			sum += map[i];
	madvise((void *)map, size, MADV_WILLNEED);
	return sum;
}

/* The file's advice, then llama.cpp's load if asked: what it read. */
static uint64_t advise_load(const struct sr_mmap_cfg *c, const unsigned char *m0, int fd, unsigned *sum)
{
	uint64_t rb0 = sr_proc_read_bytes("/proc/self/io");

	sr_mmap_advise(c->advise, (void *)m0, c->size, fd);
	if (c->populate)
		*sum += load(m0, c->size, (uint64_t)sysconf(_SC_PAGESIZE));
	return sr_proc_read_bytes("/proc/self/io") - rb0;
}

/* A decode token's bytes read, and the file lists when read (UINT64_MAX:
 * not): the last one's bytes, and the first ones' each. */
static void token_read(struct sr_mmap_result *r, uint64_t bytes, uint64_t active, uint64_t inactive)
{
	r->last_token_read_bytes = bytes;
	if (r->tok_n >= SR_SIM_MAX_TOK)
		return;
	if (active != UINT64_MAX && inactive != UINT64_MAX && (r->tok_lists || !r->tok_n)) {
		r->tok_active[r->tok_n] = active;
		r->tok_inactive[r->tok_n] = inactive;
		r->tok_lists = 1;
	} else {
		r->tok_lists = 0; /* one token without them: none */
	}
	r->tok_read[r->tok_n++] = bytes;
}

/* A step (the prefill batch or a decode token) ends: with flush (the
 * cgroup, --stat-flush token) memory.stat is read, which flushes its
 * statistics, then its wall time, and a token's bytes read and file lists.
 * Returns the read_bytes counter then, the time in *now (NULL: not
 * wanted). */
static uint64_t end_step(struct sr_mmap_result *r, int prefill, uint64_t step0, uint64_t rb_tok, uint64_t *now,
			 const struct sr_cgroup *flush)
{
	uint64_t t, rb, act = UINT64_MAX, inact = UINT64_MAX;

	if (flush)
		(void)sr_cgroup_flush_stats(flush, &act, &inact);
	t = sr_now_ns();
	rb = sr_proc_read_bytes("/proc/self/io");

	if (prefill) {
		r->prefill_ns += t - step0;
	} else {
		r->wall_ns += t - step0;
		token_read(r, rb - rb_tok, act, inact);
	}
	if (now)
		*now = t;
	return rb;
}

static void child(const struct sr_mmap_cfg *c, const struct sr_cgroup *cg, const struct acc *a, size_t n, int go_fd,
		  int out_fd)
{
	struct child_out o;
	struct rusage ru0, ru1;
	uint64_t i, pg = (uint64_t)sysconf(_SC_PAGESIZE), rb0, mrb0, mrb, tok_bytes = 0, last_t = 0, step0 = 0, rb_tok = 0;
	volatile const unsigned char *map;
	const unsigned char *m0;
	struct sr_rs *rs = NULL;
	unsigned sum = 0;
	int prefill = 0, in_step = 0;
	uint64_t owed = 0; /* emulated compute not yet paid (pace) */
	int fd;

	memset(&o, 0, sizeof(o));
	o.err = sr_child_map(go_fd, c->path, c->size, &fd, &m0, o.msg, sizeof(o.msg));
	if (o.err)
		goto out;
	map = m0;
	/* The cgroup was made with SR_MMAP_SLACK over the budget for this
	 * process's own pages; now that they are charged (none of the file's
	 * yet), the budget is what the page cache gets: the limit is the
	 * budget, what is charged now and what the mapping will be charged
	 * for besides (page tables). */
	if (c->limit && cg)
		sr_cgroup_fit(cg, c->limit, c->size);
	if (c->warm)
		for (i = 0; i < c->size; i += pg)
			sum += map[i];
	o.r.load_read_bytes = advise_load(c, m0, fd, &sum);
	if (c->flush_stats && cg)
		(void)sr_cgroup_flush_stats(cg, NULL, NULL);
	getrusage(RUSAGE_SELF, &ru0);
	rb0 = sr_proc_read_bytes("/proc/self/io");
	mrb0 = sr_proc_read_bytes("/proc/thread-self/io");
	o.err = sr_rs_start(&rs, c, map, a, n, &o.r, o.msg, sizeof(o.msg));
	if (o.err)
		goto out;
	for (i = 0; i < n; i++) {
		const volatile unsigned char *base;
		uint64_t p, p0, gap = 0;
		double per;

		if (c->stop && *c->stop)
			break;
		if (a[i].flags & SR_RF_TOKEN) {
			size_t j;
			uint64_t now;

			pace(&owed, 0, 1); /* the token before ends with its compute */
			if (in_step) {
				rb_tok = end_step(&o.r, prefill, step0, rb_tok, &now, c->flush_stats ? cg : NULL);
			} else {
				now = sr_now_ns();
				rb_tok = sr_proc_read_bytes("/proc/self/io");
			}
			step0 = now;
			in_step = 1;
			prefill = !!(a[i].flags & SR_RF_PREFILL);
			if (!prefill)
				o.r.tokens++;
			for (j = i, tok_bytes = 0; j < n && (j == i || !(a[j].flags & SR_RF_TOKEN)); j++)
				tok_bytes += a[j].len;
			if (a[i].t_ns != SR_T_NONE && a[i].t_ns < last_t)
				last_t = 0;
		}
		if (!c->compute_ns_per_token && !c->ignore_t_ns && a[i].t_ns != SR_T_NONE) {
			gap = a[i].t_ns >= last_t ? a[i].t_ns - last_t : a[i].t_ns;
			last_t = a[i].t_ns;
		}
		if (gap) {
			pace(&owed, gap, 0);
			if (!prefill)
				o.r.compute_ns += gap;
		}
		sr_rs_access(rs, i);
		base = sr_rs_private(rs, i);
		if (base) { /* a private copy: memory reads, no faults */
			for (p = 0; p < a[i].len; p += pg)
				sum += base[p];
		} else {
			p0 = a[i].off / pg * pg;
			for (p = p0; p < a[i].off + a[i].len; p += pg)
				sum += map[p];
		}
		if (c->compute_ns_per_token && tok_bytes) {
			per = (double)c->compute_ns_per_token * (prefill && c->prefill_tokens ? (double)c->prefill_tokens : 1.0);
			gap = (uint64_t)(per * (double)a[i].len / (double)tok_bytes);
			pace(&owed, gap, 0);
			if (!prefill)
				o.r.compute_ns += gap;
		}
	}
	pace(&owed, 0, 1);
	if (in_step)
		end_step(&o.r, prefill, step0, rb_tok, NULL, c->flush_stats ? cg : NULL);
	sr_rs_stop(rs, &o.r);
	rs = NULL;
	if (c->prefill_tokens)
		o.r.prefill_tokens = c->prefill_tokens;
	getrusage(RUSAGE_SELF, &ru1);
	o.r.majflt = (uint64_t)(ru1.ru_majflt - ru0.ru_majflt);
	o.r.minflt = (uint64_t)(ru1.ru_minflt - ru0.ru_minflt);
	o.r.read_bytes = sr_proc_read_bytes("/proc/self/io") - rb0;
	mrb = sr_proc_read_bytes("/proc/thread-self/io") - mrb0;
	/* the main thread read for its faults, its WILLNEED calls and the private loads */
	o.r.demand_bytes = mrb - o.r.willneed_read_bytes - o.r.private_read_bytes;
	o.r.resident_bytes = sr_map_resident(m0, c->size, pg);
	(void)sum; /* the loads are volatile: they happen */
out:
	sr_rs_stop(rs, &o.r);
	if (write(out_fd, &o, sizeof(o)) != (ssize_t)sizeof(o))
		_exit(4);
	_exit(0);
}

/* ---- the parent ---- */

struct run {
	const struct sr_mmap_cfg *c;
	const struct sr_cgroup *cg; /* the child's, filled in before the fork */
	const struct acc *a;
	size_t n;
	struct sr_disk_stat ds0;
	int have_stat;
};

static void run_child(void *arg, int go_fd, int out_fd)
{
	struct run *u = arg;

	child(u->c, u->cg, u->a, u->n, go_fd, out_fd);
}

static void before_go(void *arg, pid_t pid)
{
	struct run *u = arg;

	(void)pid;
	if (u->c->disk && u->c->disk[0])
		u->have_stat = !sr_disk_stat("/sys", u->c->disk, &u->ds0);
}

int sr_mmap_run(const struct sr_mmap_cfg *c, struct sr_source *src, struct sr_mmap_result *r,
		struct sr_err *e)
{
	struct sr_cgroup_cfg cc = { .root = c->cgroot ? c->cgroot : "/sys/fs/cgroup", .name = "ssdreplay",
				    .who = "--real-mmap: ", .limit = c->limit + SR_MMAP_SLACK, .swap_max = "0",
				    .swappiness = -1 };
	struct run u = { .c = c };
	struct sr_child_cfg cf = { .path = c->path, .cgroup = c->limit ? &cc : NULL, .who = "--real-mmap",
				   .body = run_child, .before_go = before_go, .arg = &u, .stop = c->stop };
	struct sr_child ch = { .pid = -1, .go = { -1, -1 }, .res = { -1, -1 }, .cg = { .dir = "" } };
	struct acc *a = NULL;
	struct child_out o;
	struct sr_disk_stat ds1;
	int ret;

	memset(r, 0, sizeof(*r));
	snprintf(r->advise, sizeof(r->advise), "%s", sr_advise_name(c->advise));
	snprintf(r->cgroup, sizeof(r->cgroup), "none");
	ret = sr_rs_load(src, c->path, c->size, c->passes, &a, &u.n, e);
	if (ret)
		goto out;
	u.a = a;
	u.cg = &ch.cg;
	ret = sr_child_start(&ch, &cf, e);
	if (!ret)
		ret = sr_child_wait(&ch, &cf, &o, sizeof(o), e);
	if (ret)
		goto out;
	if (o.err) {
		ret = sr_errf(e, o.err, "--real-mmap: %s", o.msg);
		goto out;
	}
	if (u.have_stat && !c->warm && !sr_disk_stat("/sys", c->disk, &ds1)) {
		o.r.dev_read_bytes = (ds1.rd_sectors - u.ds0.rd_sectors) * 512;
		if (u.ds0.have_ticks && ds1.have_ticks)
			o.r.busy_ns = (ds1.io_ticks_ms - u.ds0.io_ticks_ms) * 1000000ull;
	}
	snprintf(o.r.advise, sizeof(o.r.advise), "%s", r->advise);
	*r = o.r;
	snprintf(r->cgroup, sizeof(r->cgroup), "%s", ch.cg.dir[0] ? (ch.cg.v1 ? "v1" : "v2") : "none");
	r->limit = c->limit;
	ret = 0;
out:
	if (ret && ch.cg.dir[0]) { /* as before: a failed run still names its cgroup */
		snprintf(r->cgroup, sizeof(r->cgroup), "%s", ch.cg.v1 ? "v1" : "v2");
		r->limit = c->limit;
	}
	sr_child_finish(&ch, ret);
	free(a);
	return ret;
}
