/* The page-cache cost model's measurement: mmap fault streaming through
 * the real kernel, once per device and thread count, kept in the state
 * directory (policy/pccost.h says what the figures mean). */
#include "real/pccost.h"

#include <errno.h>
#include <libgen.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devices/discover.h"
#include "devices/spec.h"
#include "real/cgroup.h"
#include "base/units.h"

#define REGION_MAX (256ull << 20)
/* The reclaiming figures stream in a cgroup a third of the region. Pages
 * under readahead I/O are locked and cannot be reclaimed: when the windows
 * in flight fill the cgroup a fault finds nothing to take and the child is
 * OOM-killed (here, 16 MiB windows: a 6.2 MiB cgroup always, a 16 MiB one
 * beside a busy test; the killed cgroup held 16.5 MB of unmapped inactive
 * file pages and nothing else). So the cgroup holds three windows (one
 * read-around and one async window in flight, and room), and the region is
 * at least REGION_MIN and three times that. */
#define REGION_MIN (32ull << 20)
#define RA_WINDOWS 3
#define SEQ_SLICE (4ull << 20)   /* one "tensor" the threads split */
#define SCAT_SLICE (256ull << 10) /* one expert slice */
#define MAX_THREADS 64
#define MAX_PASSES 8
#define PRESS_PASSES 4 /* a cgroup's first pass fills it; the median of the other three */
_Static_assert(PRESS_PASSES <= MAX_PASSES, "per-pass figures are kept in MAX_PASSES slots");
#define CHUNK (128ull << 10)     /* a row chunk: 64 rows of a 1024-wide F16 matrix */
/* The activation figure: a hot set HOT_NUM/HOT_DEN of the cgroup, swept
 * after every scattered slice. Larger than the inactive list
 * leaves it (inactive_is_low, ratio 1 below 1 GiB), so reclaim keeps
 * deactivating hot pages that the next sweep uses again and the next scan
 * activates: the churn of an MoE's routed experts at 85% of the model. */
#define HOT_NUM 5
#define HOT_DEN 8
#define HOT_SLICES 128 /* scattered slices a hot pass reads (each a read-around window) */

struct stream_cfg {
	const char *path;
	uint64_t region, slice;
	unsigned threads, passes;
	int random;
	uint64_t hot;          /* bytes at the file's start swept after every slice (0: none) */
};

struct stream_out {
	int err;
	double ns_per_B;    /* the median over the passes after the first (the only one: its figure) */
	double act_ns;      /* hot: the passes' time beyond their bytes over the pages they activated */
	uint64_t bytes;     /* the least read_bytes of those passes */
};

/* ggml's barrier spins (threadpool: atomic counter, cpu_relax): a thread
 * waiting for a faulting one burns its core instead of sleeping, which on a
 * loaded machine takes CPU from the fault, its reclaim and its completion */
struct spin_barrier {
	_Atomic unsigned n, phase;
	_Atomic int go;   /* 0 wait, 1 run, -1 give up (a thread did not start) */
	unsigned threads;
};

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void spin_wait(struct spin_barrier *b)
{
	unsigned ph = atomic_load(&b->phase);

	if (atomic_fetch_add(&b->n, 1) + 1 == b->threads) {
		atomic_store(&b->n, 0);
		atomic_fetch_add(&b->phase, 1);
		return;
	}
	while (atomic_load(&b->phase) == ph)
		relax();
}

struct worker {
	const struct stream_cfg *c;
	const volatile unsigned char *map;
	const uint64_t *order;
	uint64_t nslice;
	unsigned id;
	struct spin_barrier *bar;
	unsigned sum;
};

/* ggml's split: thread id touches its share of one slice, then waits for
 * the others; a thread that faults holds them all at the barrier. */
static void touch_slice(struct worker *w, uint64_t slice)
{
	uint64_t base = slice * w->c->slice, ch, p;

	/* ggml's mul_mat hands out row chunks in turn: thread id takes chunks
	 * id, id + N, ... of CHUNK bytes */
	for (ch = (uint64_t)w->id * CHUNK; ch < w->c->slice; ch += (uint64_t)w->c->threads * CHUNK)
		for (p = 0; p < CHUNK && ch + p < w->c->slice; p += 4096)
			w->sum += w->map[base + ch + p];
	spin_wait(w->bar);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t i, j, nhot = w->c->hot / w->c->slice;

	while (!atomic_load(&w->bar->go))
		relax();
	if (atomic_load(&w->bar->go) < 0)
		return NULL;
	for (i = 0; i < w->nslice; i++) {
		touch_slice(w, w->order[i]);
		for (j = 0; j < nhot; j++)
			touch_slice(w, j);
	}
	return NULL;
}

static int one_pass(const struct stream_cfg *c, const volatile unsigned char *map, const uint64_t *order,
		    uint64_t nslice)
{
	pthread_t th[MAX_THREADS];
	struct worker w[MAX_THREADS];
	struct spin_barrier bar = { .threads = c->threads };
	unsigned i, started = 0;
	int ret = 0;

	for (i = 0; i < c->threads; i++) {
		w[i] = (struct worker){ .c = c, .map = map, .order = order, .nslice = nslice, .id = i, .bar = &bar };
		if (i && pthread_create(&th[i], NULL, worker_main, &w[i])) {
			ret = -EAGAIN;
			break;
		}
		started = i + 1;
	}
	atomic_store(&bar.go, ret ? -1 : 1);
	if (!ret)
		worker_main(&w[0]);
	for (i = 1; i < started; i++)
		pthread_join(th[i], NULL);
	return ret;
}

/* The median of n (at most MAX_PASSES) figures, sorted in place. */
static double median(double *v, unsigned n)
{
	unsigned i, j;

	for (i = 1; i < n; i++)
		for (j = i; j && v[j - 1] > v[j]; j--) {
			double t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void shuffle(uint64_t *order, uint64_t n, uint64_t *x)
{
	uint64_t i;

	for (i = n - 1; i > 0; i--) { /* xorshift Fisher-Yates */
		uint64_t j, t;

		*x ^= *x << 13;
		*x ^= *x >> 7;
		*x ^= *x << 17;
		j = *x % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

static void child(const struct stream_cfg *c, int go_fd, int out_fd)
{
	struct stream_out o = { 0 };
	const unsigned char *map;
	uint64_t nslice = c->region / c->slice, nhot = c->hot / c->slice, *order, *run, i, rb0, t0, act0,
		 x = 88172645463325252ull;
	double per[MAX_PASSES], extra = 0;
	uint64_t ns, rb, nrun = nslice - nhot, take = nhot && nrun > HOT_SLICES ? HOT_SLICES : nrun;
	uint64_t acts = 0;
	unsigned pass, n = 0;
	char msg[256];
	int fd;

	order = malloc(nslice * sizeof(*order));
	o.err = order ? sr_child_map(go_fd, c->path, c->region, &fd, &map, msg, sizeof(msg)) : -ENOMEM;
	if (o.err)
		goto out;
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL); /* what llama.cpp's loader does */
	run = order + nhot; /* the scattered slices, after the hot set */
	for (i = 0; i < nrun; i++)
		run[i] = nhot + i;
	for (pass = 0; pass < c->passes && pass < MAX_PASSES && !o.err; pass++) {
		double cold_ns_per_B = 0;

		if (c->random)
			shuffle(run, nrun, &x);
		if (nhot && pass) {
			/* the same slices without the sweeps, just before:
			 * what the bytes cost here and now */
			struct stream_cfg cold = *c;

			cold.hot = 0;
			rb0 = sr_proc_read_bytes("/proc/self/io");
			t0 = sr_now_ns();
			o.err = one_pass(&cold, map, run, take);
			ns = sr_now_ns() - t0;
			rb = sr_proc_read_bytes("/proc/self/io") - rb0;
			cold_ns_per_B = rb ? (double)ns / (double)rb : 0;
			if (o.err)
				break;
		}
		/* every cgroup's: v1's memory.stat does not count activations */
		act0 = sr_proc_field("/proc/vmstat", "pgactivate");
		rb0 = sr_proc_read_bytes("/proc/self/io");
		t0 = sr_now_ns();
		o.err = one_pass(c, map, run, take);
		ns = sr_now_ns() - t0;
		rb = sr_proc_read_bytes("/proc/self/io") - rb0;
		act0 = sr_proc_field("/proc/vmstat", "pgactivate") - act0;
		if (pass || c->passes == 1) {
			/* beyond the bytes at their cost, summed over the
			 * passes (one pass's difference of two noisy times
			 * can go either way). The sweeps' own time stays in:
			 * resident, 8 MiB swept in 0.2 ms here, at most a
			 * twelfth of it; timed alone at the child's start
			 * they took 5-40 ms for 8 MiB on some files, which is
			 * not what they take inside the passes */
			extra += (double)ns - (double)rb * cold_ns_per_B;
			acts += act0;
			o.bytes = n && o.bytes < rb ? o.bytes : rb;
			per[n++] = rb ? (double)ns / (double)rb : 0;
		}
	}
	if (n) {
		o.ns_per_B = median(per, n);
		/* per page activated; passes that activated less than an
		 * eighth of the hot set each did not churn it (it stayed
		 * active, or the kernel keeps no such count): nothing to
		 * charge, rather than their time over a handful of pages */
		o.act_ns = nhot && acts > (uint64_t)n * (c->hot / 4096 / 8) && extra > 0 ? extra / (double)acts : 0;
	}
out:
	if (write(out_fd, &o, sizeof(o)) != (ssize_t)sizeof(o))
		_exit(4);
	_exit(0);
}

/* One measurement in a child (in a cgroup of limit bytes when limit > 0):
 * ns per byte read, the median over its passes after the first (and with a
 * hot set, act_ns: ns per page activated). */
static int stream(const struct stream_cfg *c, uint64_t limit, double *ns_per_B, double *act_ns, struct sr_err *e)
{
	struct sr_cgroup cg = { .dir = "" };
	struct stream_out o;
	int go[2] = { -1, -1 }, res[2] = { -1, -1 }, ret;
	pid_t pid = -1;
	ssize_t got;

	ret = sr_child_drop_cache(c->path, e); /* cold: every pass reads */
	if (ret)
		return ret;
	if (limit) {
		struct sr_cgroup_cfg cc = { .root = "/sys/fs/cgroup", .name = "ssdreplay-pccost", .who = "page-cache cost: ",
					    .limit = limit, .swap_max = "0", .swappiness = -1 };

		ret = sr_cgroup_create(&cc, &cg, NULL, e);
		if (ret)
			return ret;
	}
	if (pipe(go) || pipe(res)) {
		ret = sr_errf(e, -errno, "pipe: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		ret = sr_errf(e, -errno, "fork: %s", strerror(errno));
		goto out;
	}
	if (!pid) {
		close(go[1]);
		close(res[0]);
		child(c, go[0], res[1]);
	}
	close(go[0]);
	close(res[1]);
	go[0] = res[1] = -1;
	if (cg.dir[0] && (ret = sr_cgroup_attach(&cg, pid, e)))
		goto out;
	if (write(go[1], "g", 1) != 1) {
		ret = sr_errf(e, -EIO, "page-cache cost: the child did not start");
		goto out;
	}
	do
		got = read(res[0], &o, sizeof(o));
	while (got < 0 && errno == EINTR);
	if (got != (ssize_t)sizeof(o) || o.err) {
		ret = sr_errf(e, got == (ssize_t)sizeof(o) ? o.err : -EIO, "page-cache cost: streaming %s failed%s", c->path,
			      got == (ssize_t)sizeof(o) ? "" : " (the child died: out of memory in the cgroup?)");
		goto out;
	}
	/* a pass that read nothing (the file was cached by another process)
	 * tells nothing about the device */
	if (o.bytes < c->region / 4) {
		ret = sr_errf(e, -EAGAIN, "page-cache cost: %s: a pass read %" PRIu64 " of %" PRIu64 " bytes (cached elsewhere?)",
			      c->path, o.bytes, c->region);
		goto out;
	}
	*ns_per_B = o.ns_per_B;
	if (act_ns)
		*act_ns = o.act_ns;
	ret = 0;
out:
	sr_child_end(pid, ret, go, res, &cg);
	return ret;
}

static int load(struct sr_pccost *c)
{
	FILE *f = fopen(c->file, "r");
	char line[256];
	int n = 0;

	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		n += sscanf(line, "seq_ns_per_byte = %lf", &c->seq_ns_per_B);
		n += sscanf(line, "seq_pressure_ns_per_byte = %lf", &c->seq_press_ns_per_B);
		n += sscanf(line, "scattered_pressure_ns_per_byte = %lf", &c->scat_press_ns_per_B);
		n += sscanf(line, "activate_ns_per_page = %lf", &c->act_ns_per_page);
		n += sscanf(line, "region = %" SCNu64, &c->region);
		n += sscanf(line, "pressure = %d", &c->pressure);
	}
	fclose(f);
	if (n != 6 || !(c->seq_ns_per_B > 0 && c->seq_press_ns_per_B > 0 && c->scat_press_ns_per_B > 0) ||
	    !(c->act_ns_per_page >= 0))
		return -EINVAL; /* damaged or older: measure again */
	c->cached = 1;
	return 0;
}

static void save(const struct sr_pccost *c, const char *path)
{
	char tmp[600], dir[sizeof(c->file)];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", c->file);
	*strrchr(dir, '/') = 0;
	for (char *p = dir + 1; *p; p++) /* mkdir -p */
		if (*p == '/') {
			*p = 0;
			mkdir(dir, 0755);
			*p = '/';
		}
	mkdir(dir, 0755);
	snprintf(tmp, sizeof(tmp), "%s.tmp", c->file);
	f = fopen(tmp, "w");
	if (!f)
		return; /* not kept: measured again next time */
	fprintf(f, "; ssdreplay page-cache cost: mmap fault streaming of %s, %u threads\n", path, c->threads);
	fprintf(f, "seq_ns_per_byte = %.6f\nseq_pressure_ns_per_byte = %.6f\nscattered_pressure_ns_per_byte = %.6f\n",
		c->seq_ns_per_B, c->seq_press_ns_per_B, c->scat_press_ns_per_B);
	fprintf(f, "activate_ns_per_page = %.1f\n", c->act_ns_per_page);
	fprintf(f, "region = %" PRIu64 "\npressure = %d\n", c->region, c->pressure);
	if (fclose(f) || rename(tmp, c->file))
		unlink(tmp);
}

/* A target smaller than the measurement streams: a scratch file of need
 * bytes in the target's directory (the same filesystem, so the same device
 * and readahead), written through so that every pass reads it from the
 * device (holes are read from nowhere), fsync'd, removed by the caller. */
static int scratch_make(const char *path, uint64_t size, uint64_t need, char *out, size_t outlen, struct sr_err *e)
{
	char buf_dir[sizeof(((struct sr_pccost *)0)->file)], why[160];
	char *real = realpath(path, NULL); /* a symlink's target's directory: its filesystem */
	static unsigned char buf[1 << 20];
	const char *dir;
	struct statvfs vf;
	uint64_t done = 0;
	size_t i;
	int fd;

	snprintf(buf_dir, sizeof(buf_dir), "%s", real ? real : path);
	free(real);
	dir = dirname(buf_dir);
	snprintf(out, outlen, "%s/.ssdreplay-pccost-XXXXXX", dir);
	if (!statvfs(dir, &vf) && (uint64_t)vf.f_bavail * vf.f_frsize < need + (64ull << 20)) {
		snprintf(why, sizeof(why), "%" PRIu64 " MiB free there", (uint64_t)vf.f_bavail * vf.f_frsize >> 20);
		goto fail;
	}
	fd = mkstemp(out);
	if (fd < 0) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
		goto fail;
	}
	for (i = 0; i < sizeof(buf); i++) /* not zeros: no filesystem may elide them */
		buf[i] = (unsigned char)(i * 131 + 7);
	while (done < need) {
		ssize_t n = write(fd, buf, need - done < sizeof(buf) ? (size_t)(need - done) : sizeof(buf));

		if (n <= 0) {
			snprintf(why, sizeof(why), "writing it: %s", n < 0 ? strerror(errno) : "short write");
			break;
		}
		done += (uint64_t)n;
	}
	if (done == need && fsync(fd))
		snprintf(why, sizeof(why), "fsync: %s", strerror(errno));
	else if (done == need) {
		close(fd);
		return 0;
	}
	close(fd);
	unlink(out);
fail:
	return sr_inputf(e, "page-cache cost: %s: %" PRIu64 " MiB, under the %" PRIu64 " MiB the measurement streams, "
			 "and no scratch file of that size could be made beside it (%s; --mmap-cost off, or a larger TARGET)",
			 path, size >> 20, (need + (1 << 20) - 1) >> 20, why);
}

int sr_pccost_get(const char *path, const char *disk, unsigned threads, int remeasure, struct sr_pccost *c,
		  struct sr_err *e)
{
	struct stream_cfg sc = { .path = path, .threads = threads ? threads : 1, .passes = 1, .slice = SEQ_SLICE };
	char dir[300], key[128], scratch[sizeof(c->file)] = "";
	uint64_t window, need, cap, size; /* size: bytes of the file streamed */
	struct stat sb;
	long ra_kb;
	int ret;

	memset(c, 0, sizeof(*c));
	if (sc.threads > MAX_THREADS)
		sc.threads = MAX_THREADS;
	c->threads = sc.threads;
	if (sr_devspec_cal_dir(dir, sizeof(dir)))
		snprintf(dir, sizeof(dir), "/tmp/ssdreplay-state");
	sr_devspec_key(disk, NULL, NULL, key, sizeof(key));
	snprintf(c->file, sizeof(c->file), "%s/pagecache-cost-%s-t%u.ini", dir, key, c->threads);
	if (!remeasure && !load(c))
		return 0;
	/* llama.cpp's POSIX_FADV_SEQUENTIAL doubles the device's read_ahead_kb
	 * (unknown: the kernel's default 128) */
	ra_kb = sr_dev_read_ahead_kb("/sys", disk);
	window = 2 * (ra_kb < 0 ? 128 : (uint64_t)ra_kb) << 10;
	need = 3 * RA_WINDOWS * window > REGION_MIN ? 3 * RA_WINDOWS * window : REGION_MIN;
	if (stat(path, &sb) || !S_ISREG(sb.st_mode))
		return sr_inputf(e, "page-cache cost: %s: needs a regular file to stream, on the device it is read from "
				 "(--mmap-cost off, or a file on it as TARGET)", path);
	/* a memory cgroup a third of the region holds RA_WINDOWS windows */
	size = (uint64_t)sb.st_size;
	if (size < need) {
		need += -need % SEQ_SLICE; /* whole slices */
		ret = scratch_make(path, size, need, scratch, sizeof(scratch), e);
		if (ret)
			return ret;
		sc.path = scratch;
		size = c->scratch = need;
	}
	cap = need > REGION_MAX ? need : REGION_MAX;
	sc.region = size < cap ? size : cap;
	sc.region -= sc.region % SEQ_SLICE;
	c->region = sc.region;
	ret = stream(&sc, 0, &c->seq_ns_per_B, NULL, e);
	if (ret)
		goto out;
	/* reclaiming: a cgroup holding a third of the region; one pass is
	 * one figure of a noisy machine (0.92-1.56 ns/B within 15 minutes
	 * here), so the median of several */
	sc.passes = PRESS_PASSES;
	ret = stream(&sc, sc.region / 3, &c->seq_press_ns_per_B, NULL, e);
	if (!ret) {
		sc.slice = SCAT_SLICE;
		sc.random = 1;
		ret = stream(&sc, sc.region / 3, &c->scat_press_ns_per_B, NULL, e);
	}
	if (!ret) {
		double ns;

		sc.hot = sc.region / 3 * HOT_NUM / HOT_DEN;
		sc.hot -= sc.hot % SCAT_SLICE;
		ret = stream(&sc, sc.region / 3, &ns, &c->act_ns_per_page, e);
	}
	if (ret == -EOPNOTSUPP) { /* no memory cgroup here: the free figure for all */
		sr_err_clear(e);
		c->seq_press_ns_per_B = c->scat_press_ns_per_B = c->seq_ns_per_B;
		c->act_ns_per_page = 0;
		ret = 0;
	} else if (!ret) {
		c->pressure = 1;
	}
out:
	if (scratch[0]) {
		unlink(scratch);
		snprintf(scratch, sizeof(scratch), "a %" PRIu64 " MiB scratch file beside %s", need >> 20, path);
	}
	if (!ret)
		save(c, scratch[0] ? scratch : path);
	return ret;
}
