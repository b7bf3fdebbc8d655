#include "study/study_mmap.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devices/target.h"
#include "real/cgroup.h"
#include "real/child.h"
#include "real/realmmap.h" /* SR_MMAP_SLACK: the child's own pages on top of the limit */
#include "real/realstrat.h" /* sr_rs_load: the schedule */
#include "base/units.h"
#include "trace/record.h"


static volatile uint64_t sink;

/* The decode's work on [p, p + len): every byte loaded once. */
static uint64_t sum_range(const unsigned char *p, uint64_t len)
{
	uint64_t s = 0, i = 0, w;

	for (; i < len && ((uintptr_t)(p + i) & 7); i++)
		s += p[i];
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		s += w;
	}
	for (; i < len; i++)
		s += p[i];
	return s;
}

double sr_smmap_mem_Bps(uint64_t bytes)
{
	unsigned char *b = malloc(bytes);
	uint64_t t0, best = UINT64_MAX, s = 0;
	int k;

	if (!b)
		return 0;
	memset(b, 1, bytes);
	for (k = 0; k < 5; k++) {
		t0 = sr_now_ns();
		s += sum_range(b, bytes);
		t0 = sr_now_ns() - t0;
		if (t0 < best)
			best = t0;
	}
	sink = s;
	free(b);
	return best ? (double)bytes * 1e9 / (double)best : 0;
}

int sr_smmap_have_swap(void)
{
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/swaps", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n > 1; /* a header line, then one per area */
}

/* A counter of /proc/vmstat (pages), 0 when absent. */
static uint64_t vmstat_pages(const char *key)
{
	char line[128];
	size_t kl = strlen(key);
	uint64_t v = 0;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ' ') {
			v = strtoull(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* ---- the child ---- */

#define acc sr_rs_acc

struct child_out {
	int err;
	char msg[200];
	int hugepage;
	struct sr_smmap_result r;
};

static void child(const struct sr_smmap_cfg *c, const struct sr_cgroup *cg, const struct acc *a, size_t n, int go_fd,
		  int out_fd)
{
	struct child_out o;
	struct rusage ru0, ru1;
	uint64_t i, pg = (uint64_t)sysconf(_SC_PAGESIZE), rb0, t0, s = 0, p;
	const unsigned char *map;
	unsigned char *anon = NULL;
	int fd;

	memset(&o, 0, sizeof(o));
	o.err = sr_child_map(go_fd, c->path, c->size, &fd, &map, o.msg, sizeof(o.msg));
	if (o.err)
		goto out;
	if (c->hugepage)
		o.hugepage = madvise((void *)map, c->size, MADV_HUGEPAGE) ? -1 : 1;
	if (c->anon) {
		anon = mmap(NULL, c->anon, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (anon == MAP_FAILED) {
			o.err = -errno;
			snprintf(o.msg, sizeof(o.msg), "anonymous working set of %" PRIu64 " bytes: %s", c->anon,
				 strerror(errno));
			goto out;
		}
		for (p = 0; p < c->anon; p += pg)
			anon[p] = (unsigned char)p;
	}
	/* the page cache gets the budget: the limit is it plus what the
	 * cgroup is charged for now (the working set, this process's own
	 * pages, kernel memory) plus what the mapping will be charged for
	 * besides (page tables), instead of SR_MMAP_SLACK's guess */
	if (c->limit && cg)
		sr_cgroup_fit(cg, c->limit, c->size);
	if (c->warm)
		for (p = 0; p < c->size; p += pg)
			s += map[p];
	getrusage(RUSAGE_SELF, &ru0);
	rb0 = sr_proc_read_bytes("/proc/self/io");
	t0 = sr_now_ns();
	for (i = 0; i < n; i++) {
		if (c->stop && *c->stop)
			break;
		if (a[i].flags & SR_RF_TOKEN) {
			if (o.r.tokens == 1)
				o.r.first_token_ns = sr_now_ns() - t0;
			o.r.tokens++;
			for (p = 0; p < c->anon; p += pg) /* the working set stays hot and dirty */
				anon[p]++;
		}
		s += sum_range(map + a[i].off, a[i].len);
		o.r.bytes += a[i].len;
	}
	o.r.wall_ns = sr_now_ns() - t0;
	if (o.r.tokens == 1)
		o.r.first_token_ns = o.r.wall_ns;
	getrusage(RUSAGE_SELF, &ru1);
	o.r.majflt = (uint64_t)(ru1.ru_majflt - ru0.ru_majflt);
	o.r.minflt = (uint64_t)(ru1.ru_minflt - ru0.ru_minflt);
	o.r.read_bytes = sr_proc_read_bytes("/proc/self/io") - rb0;
	o.r.resident_bytes = sr_map_resident(map, c->size, pg);
	sink = s;
out:
	if (write(out_fd, &o, sizeof(o)) != (ssize_t)sizeof(o))
		_exit(4);
	_exit(0);
}

/* ---- recording ---- */

struct rec {
	struct sr_record *r;
	int fd;
};

static void rec_stop(struct rec *t, struct sr_smmap_result *res, int ok)
{
	struct sr_record_stats st;
	struct sr_err e = { 0 };

	if (!t->r)
		return;
	if (ok && sr_record_finish(t->r, t->fd, &e)) {
		snprintf(res->trace_note, sizeof(res->trace_note), "%.250s", e.msg);
		ok = 0;
	}
	sr_record_stats(t->r, &st);
	res->trace_lost = st.have_lost ? st.lost : 0;
	sr_err_clear(&e);
	sr_record_close(t->r, &e);
	t->r = NULL;
	if (t->fd >= 0 && close(t->fd) && ok) {
		snprintf(res->trace_note, sizeof(res->trace_note), "trace: %s", strerror(errno));
		ok = 0;
	}
	t->fd = -1;
	res->traced = ok;
}

static int rec_start(const struct sr_smmap_cfg *c, struct rec *t, struct sr_smmap_result *res)
{
	struct sr_record_cfg rc = { .events = SR_RECORD_BLOCK | SR_RECORD_FILEMAP, .buffer_kb = 16384,
				    .all = 1, .self = getpid() };
	struct sr_err e = { 0 };

	t->fd = -1;
	if (sr_record_open(&rc, &t->r, &e))
		goto bad;
	t->fd = open(c->trace, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (t->fd < 0) {
		sr_errf(&e, -errno, "%s: %s", c->trace, strerror(errno));
		goto bad;
	}
	if (sr_record_header(t->r, t->fd, NULL, &e) || sr_record_start(t->r, &e))
		goto bad;
	return 0;
bad:
	snprintf(res->trace_note, sizeof(res->trace_note), "%.250s", e.msg);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	sr_err_clear(&e);
	sr_record_close(t->r, &e);
	t->r = NULL;
	return -1;
}

/* ---- the parent ---- */

struct run {
	const struct sr_smmap_cfg *c;
	const struct sr_cgroup *cg; /* the child's, filled in before the fork */
	const struct acc *a;
	size_t n;
	struct sr_smmap_result *r;
	struct rec t;
	uint64_t rd0, swp_in0, swp_out0;
};

static void run_child(void *arg, int go_fd, int out_fd)
{
	struct run *u = arg;

	child(u->c, u->cg, u->a, u->n, go_fd, out_fd);
}

static void before_go(void *arg, pid_t pid)
{
	struct run *u = arg;
	uint64_t wr;

	u->r->pid = pid;
	if (u->c->trace)
		rec_start(u->c, &u->t, u->r);
	if (u->c->disk && u->c->disk[0])
		sr_disk_sectors("/sys", u->c->disk, &u->rd0, &wr);
	u->swp_in0 = vmstat_pages("pswpin");
	u->swp_out0 = vmstat_pages("pswpout");
}

/* While the child runs: drain the recording's ring buffers (about 100 ms),
 * then only look for the report; without one, wait for it 200 ms. */
static int pump(void *arg, struct sr_err *e)
{
	struct run *u = arg;

	if (!u->t.r)
		return 200;
	if (sr_record_pump(u->t.r, u->t.fd, 100, e) < 0) {
		snprintf(u->r->trace_note, sizeof(u->r->trace_note), "%.250s", e->msg);
		sr_err_clear(e);
		rec_stop(&u->t, u->r, 0);
	}
	return 0;
}

int sr_smmap_run(const struct sr_smmap_cfg *c, struct sr_source *src, struct sr_smmap_result *r,
		 struct sr_err *e)
{
	struct sr_cgroup_cfg cc = { .root = c->cgroot ? c->cgroot : "/sys/fs/cgroup", .name = "ssdreplay-study",
				    .limit = c->limit + c->anon + SR_MMAP_SLACK, .swap_max = c->swappiness == 0 ? "0" : "max",
				    .swappiness = c->swappiness, .enoent_unsupported = 1 };
	struct run u = { .c = c, .r = r, .t = { NULL, -1 } };
	struct sr_child_cfg cf = { .path = c->path, .cgroup = c->limit ? &cc : NULL, .who = "real-mmap",
				   .body = run_child, .before_go = before_go, .pump = pump, .arg = &u,
				   .stop = c->stop, .stop_fails = 1 };
	struct sr_child ch = { .pid = -1, .go = { -1, -1 }, .res = { -1, -1 }, .cg = { .dir = "" } };
	struct acc *a = NULL;
	struct child_out o;
	uint64_t rd1 = 0, wr;
	int ret;

	memset(r, 0, sizeof(*r));
	snprintf(r->cgroup, sizeof(r->cgroup), "none");
	ret = sr_rs_load(src, c->path, c->size, 1, &a, &u.n, e);
	if (ret)
		goto out;
	u.a = a;
	u.cg = &ch.cg;
	ret = sr_child_start(&ch, &cf, e);
	r->swappiness_set = ch.swappiness_set;
	if (ch.cg.dir[0])
		snprintf(r->cgroup, sizeof(r->cgroup), "%s", ch.cg.v1 ? "v1" : "v2");
	if (!ret)
		ret = sr_child_wait(&ch, &cf, &o, sizeof(o), e);
	if (ret)
		goto out;
	if (o.err) {
		ret = sr_errf(e, o.err, "real-mmap: %s", o.msg);
		goto out;
	}
	if (c->disk && c->disk[0] && !sr_disk_sectors("/sys", c->disk, &rd1, &wr))
		r->dev_read_bytes = (rd1 - u.rd0) * 512;
	r->swap_in = (vmstat_pages("pswpin") - u.swp_in0) * (uint64_t)sysconf(_SC_PAGESIZE);
	r->swap_out = (vmstat_pages("pswpout") - u.swp_out0) * (uint64_t)sysconf(_SC_PAGESIZE);
	rec_stop(&u.t, r, 1);
	r->tokens = o.r.tokens;
	r->wall_ns = o.r.wall_ns;
	r->first_token_ns = o.r.first_token_ns;
	r->majflt = o.r.majflt;
	r->minflt = o.r.minflt;
	r->read_bytes = o.r.read_bytes;
	r->resident_bytes = o.r.resident_bytes;
	r->bytes = o.r.bytes;
	r->hugepage = o.hugepage;
	ret = 0;
out:
	rec_stop(&u.t, r, 0);
	sr_child_finish(&ch, ret);
	free(a);
	return ret;
}
