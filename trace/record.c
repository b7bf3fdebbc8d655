/* Capture through a private tracefs instance (see record.h).
 *
 * The instance is ours alone: its own ring buffer, event switches, pid
 * filter and trace_pipe, so a concurrent perf/trace-cmd user of the global
 * buffer is neither disturbed nor mixed in. trace_pipe is a consuming read:
 * what we copy out frees room in the ring buffer, and what the kernel could
 * not fit is counted as overruns in per_cpu/cpuN/stats (and marked by
 * "CPU:N [LOST M EVENTS]" lines, which the readers skip). */
#include "trace/record.h"
#include "trace/procmaps.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define TRACEFS "/sys/kernel/tracing"
#define TRACEFS_OLD "/sys/kernel/debug/tracing"
#define BUF_BYTES (256u << 10)
#define PIPE_READ (64u << 10)    /* flush to the output below this much room */
#define PUMP_MAX (16u << 20)     /* bytes per pump call, so the caller gets to look around */
#define HEADER_MAX 2048u         /* the readers take lines up to 4096 bytes */

struct sr_record {
	char root[64];          /* the tracefs mount */
	char dir[192];          /* root/instances/ssdreplay-<pid> */
	unsigned events;
	int all;
	pid_t pid;
	int pipe_fd;
	char *buf;              /* trace_pipe text waiting to be written */
	size_t fill;
	struct sr_record_stats st;
	int clock_mono;         /* trace_clock is mono (else the kernel's default, local) */
	char head[4];           /* the first bytes of the line being streamed */
	size_t head_len;
	struct sr_procmaps *maps; /* with FAULTS */
	char file[PATH_MAX];    /* with FAULTS: --file, or "" */
};

static const struct {
	unsigned bit;
	const char *sys, *name;
} events[] = {
	{ SR_RECORD_BLOCK, "block", "block_rq_issue" },
	{ SR_RECORD_COMPLETE, "block", "block_rq_complete" },
	{ SR_RECORD_FILEMAP, "filemap", "mm_filemap_add_to_page_cache" },
	{ SR_RECORD_FAULTS, "exceptions", "page_fault_user" },
};

#define NEVENTS (sizeof(events) / sizeof(events[0]))

const char *sr_record_level(unsigned ev)
{
	static const char *const level[8] = {
		"block", "block", "page-cache", "block+page-cache", "page-fault",
		"block+page-fault", "page-cache+page-fault", "block+page-cache+page-fault",
	};

	return level[(ev & SR_RECORD_BLOCK ? 1 : 0) | (ev & SR_RECORD_FILEMAP ? 2 : 0) |
		     (ev & SR_RECORD_FAULTS ? 4 : 0)];
}

/* write() all of s, or the errno why not. */
static int write_str(int fd, const char *s)
{
	size_t n = strlen(s);
	ssize_t w;

	errno = 0;
	w = write(fd, s, n);
	return w == (ssize_t)n ? 0 : errno ? errno : EIO;
}

/* Write value into dir/rel (a tracefs control file). */
static int put(const char *dir, const char *rel, const char *value, struct sr_err *e)
{
	char path[PATH_MAX];
	int fd, err;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, rel) >= sizeof(path))
		return sr_errf(e, -ENAMETOOLONG, "tracefs: path too long: %s/%s", dir, rel);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		return sr_errf(e, -err, "tracefs: %s: %s", path, strerror(err));
	}
	do
		err = write_str(fd, value);
	while (err == EINTR);
	close(fd);
	if (err)
		return sr_errf(e, -err, "tracefs: cannot write '%s' to %s: %s", value, path,
			       strerror(err));
	return 0;
}

/* 1 for a directory; 0 with errno set otherwise. */
static int is_dir(const char *path)
{
	struct stat sb;

	if (stat(path, &sb))
		return 0;
	errno = S_ISDIR(sb.st_mode) ? 0 : ENOTDIR;
	return !errno;
}

/* Where tracefs is, mounting it when it is nowhere. */
static int find_tracefs(char *root, size_t len, struct sr_err *e)
{
	static const char *const where[] = { TRACEFS, TRACEFS_OLD };
	char path[128];
	size_t i;
	int err;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/instances", where[i]);
		if (is_dir(path)) {
			snprintf(root, len, "%s", where[i]);
			return 0;
		}
		err = errno;
		if (err == EACCES || err == EPERM)
			return sr_errf(e, -err, "tracefs: %s: %s (record needs root)", path,
				       strerror(err));
	}
	if (mount("none", TRACEFS, "tracefs", 0, NULL)) {
		err = errno;
		return sr_errf(e, -err, "tracefs is not mounted at " TRACEFS " or " TRACEFS_OLD
			       " and mounting it failed: %s%s", strerror(err),
			       err == EPERM || err == EACCES ? " (record needs root)" : "");
	}
	if (!is_dir(TRACEFS "/instances"))
		return sr_errf(e, -ENOTSUP, "tracefs mounted at " TRACEFS
			       " has no instances directory (kernel too old?)");
	snprintf(root, len, "%s", TRACEFS);
	return 0;
}

/* Switch an instance off and remove it; EBUSY while a reader still has one
 * of its files open, so retry briefly. */
static int remove_instance(const char *dir)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i, err = 0;

	put(dir, "tracing_on", "0", NULL);
	put(dir, "events/enable", "0", NULL);
	for (i = 0; i < 50; i++) {
		if (!rmdir(dir))
			return 0;
		err = errno;
		if (err == ENOENT)
			return 0;
		if (err != EBUSY)
			break;
		nanosleep(&ts, NULL);
	}
	return -err;
}

/* Instances left by a recorder that died (SIGKILL, crash): best effort. An
 * instance with our own pid is stale too: we have not made ours yet. Only
 * rmdir, which a live recorder's open trace_pipe refuses (EBUSY): one in
 * another pid namespace looks dead from here and must not be switched off. */
void sr_reap_stale_dirs(const char *parent, const char *prefix)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dp;
	size_t plen = strlen(prefix);

	dp = opendir(parent);
	if (!dp)
		return;
	while ((d = readdir(dp))) {
		const char *s = d->d_name + plen;
		char *end;
		long pid;

		if (strncmp(d->d_name, prefix, plen) || *s < '1' || *s > '9')
			continue;
		errno = 0;
		pid = strtol(s, &end, 10);
		if (*end || errno || pid > INT_MAX)
			continue;
		if (pid != getpid() && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", parent, d->d_name) < sizeof(path))
			rmdir(path);
	}
	closedir(dp);
}

static int enable_events(struct sr_record *r, struct sr_err *e)
{
	char rel[160];
	size_t i;
	int ret;

	for (i = 0; i < NEVENTS; i++) {
		if (!(r->events & events[i].bit))
			continue;
		snprintf(rel, sizeof(rel), "events/%s/%s/enable", events[i].sys, events[i].name);
		ret = put(r->dir, rel, "1", NULL);
		if (ret == -ENOENT)
			return sr_errf(e, ret, "tracefs: this kernel has no %s/%s event", events[i].sys,
				       events[i].name);
		if (ret)
			return put(r->dir, rel, "1", e); /* again, for the message */
	}
	return 0;
}

/* set_event_pid: pid and every thread it has now (each write adds to the
 * list, O_TRUNC empties it); event-fork adds the threads and children to
 * come. A second pass catches most threads started while we looked. */
static int filter_pid(const char *dir, pid_t pid, struct sr_err *e)
{
	char path[PATH_MAX], num[32];
	struct dirent *d;
	DIR *dp;
	int fd, err, pass;

	snprintf(path, sizeof(path), "%s/set_event_pid", dir);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		return sr_errf(e, -err, "tracefs: %s: %s", path, strerror(err));
	}
	snprintf(num, sizeof(num), "%ld\n", (long)pid);
	err = write_str(fd, num);
	snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
	for (pass = 0; pass < 2 && !err; pass++) {
		dp = opendir(path);
		if (!dp)
			break; /* no procfs: the threads to come are still followed */
		while (!err && (d = readdir(dp)))
			if (d->d_name[0] >= '1' && d->d_name[0] <= '9' && atol(d->d_name) != (long)pid &&
			    (size_t)snprintf(num, sizeof(num), "%s\n", d->d_name) < sizeof(num))
				err = write_str(fd, num);
		closedir(dp);
	}
	close(fd);
	if (err)
		return sr_errf(e, -err, "tracefs: cannot write pid %ld to %s/set_event_pid: %s",
			       (long)pid, dir, strerror(err));
	return 0;
}

static int setup(struct sr_record *r, const struct sr_record_cfg *c, struct sr_err *e)
{
	char num[32];
	int ret;

	ret = put(r->dir, "tracing_on", "0", e);
	if (ret)
		return ret;
	if (c->buffer_kb) {
		snprintf(num, sizeof(num), "%u", c->buffer_kb);
		ret = put(r->dir, "buffer_size_kb", num, e);
		if (ret)
			return ret;
	}
	/* one clock for every CPU, comparable with CLOCK_MONOTONIC; best effort */
	r->clock_mono = !put(r->dir, "trace_clock", "mono", NULL);
	if (!c->all) {
		ret = put(r->dir, "options/event-fork", "1", e);
		if (ret)
			return ret;
		ret = filter_pid(r->dir, c->pid, e);
		if (ret)
			return ret;
	} else if (c->self > 0) {
		/* our own writes of the trace would land in it; kernels before 5.9 lack the file */
		snprintf(num, sizeof(num), "%ld", (long)c->self);
		put(r->dir, "set_event_notrace_pid", num, NULL);
	}
	return enable_events(r, e);
}

int sr_record_open(const struct sr_record_cfg *c, struct sr_record **out, struct sr_err *e)
{
	struct sr_record *r;
	char path[PATH_MAX];
	int ret, err;

	*out = NULL;
	if (!(c->events & (SR_RECORD_BLOCK | SR_RECORD_FILEMAP | SR_RECORD_FAULTS)))
		return sr_inputf(e, "record: no events to record");
	if (!c->all && c->pid <= 0)
		return sr_inputf(e, "record: no process to follow");
	if ((c->events & SR_RECORD_FAULTS) && c->all)
		return sr_inputf(e, "record: --faults follows one process's mappings: not with --all");
	if (c->file && strlen(c->file) >= PATH_MAX)
		return sr_inputf(e, "record: --file: path too long");
	r = calloc(1, sizeof(*r));
	if (!r)
		return sr_errf(e, -ENOMEM, "out of memory");
	r->pipe_fd = -1;
	r->events = c->events;
	r->all = c->all;
	r->pid = c->pid;
	r->buf = malloc(BUF_BYTES);
	if (!r->buf) {
		ret = sr_errf(e, -ENOMEM, "out of memory");
		goto fail_free;
	}
	if (c->events & SR_RECORD_FAULTS) {
		ret = sr_procmaps_new(c->pid, c->file, &r->maps, e);
		if (ret)
			goto fail_free;
		if (c->file)
			snprintf(r->file, sizeof(r->file), "%s", c->file);
	}
	ret = find_tracefs(r->root, sizeof(r->root), e);
	if (ret)
		goto fail_free;
	snprintf(path, sizeof(path), "%s/instances", r->root);
	sr_reap_stale_dirs(path, SR_RECORD_PREFIX);
	snprintf(r->dir, sizeof(r->dir), "%s/instances/" SR_RECORD_PREFIX "%ld", r->root,
		 (long)getpid());
	if (mkdir(r->dir, 0700)) {
		err = errno;
		ret = sr_errf(e, -err, "tracefs: cannot create the instance %s: %s%s", r->dir,
			      strerror(err), err == EACCES || err == EPERM ? " (record needs root)" : "");
		goto fail_free;
	}
	ret = setup(r, c, e);
	if (ret)
		goto fail_rmdir;
	if ((size_t)snprintf(path, sizeof(path), "%s/trace_pipe", r->dir) >= sizeof(path)) {
		ret = sr_errf(e, -ENAMETOOLONG, "tracefs: path too long: %s", r->dir);
		goto fail_rmdir;
	}
	r->pipe_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (r->pipe_fd < 0) {
		err = errno;
		ret = sr_errf(e, -err, "tracefs: %s: %s", path, strerror(err));
		goto fail_rmdir;
	}
	*out = r;
	return 0;

fail_rmdir:
	if (r->pipe_fd >= 0)
		close(r->pipe_fd);
	remove_instance(r->dir);
fail_free:
	sr_procmaps_free(r->maps);
	free(r->buf);
	free(r);
	return ret;
}

static int write_out(struct sr_record *r, int fd, size_t n, struct sr_err *e)
{
	size_t off = 0;
	ssize_t w;
	int err;

	while (off < n) {
		w = write(fd, r->buf + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? errno : EIO;
			return sr_errf(e, -err, "cannot write the trace: %s", strerror(err));
		}
		off += (size_t)w;
	}
	r->st.bytes += n;
	memmove(r->buf, r->buf + n, r->fill - n);
	r->fill -= n;
	return 0;
}

/* Write what is buffered. With page faults, only whole lines (map lines go
 * in between), after sampling the mappings: those added go first, since
 * the faults just read may fall in them, those gone last. */
static int flush(struct sr_record *r, int fd, struct sr_err *e)
{
	char *nl;
	size_t n;
	int ret;

	if (!r->maps)
		return write_out(r, fd, r->fill, e);
	nl = r->fill ? memrchr(r->buf, '\n', r->fill) : NULL;
	n = nl ? (size_t)(nl - r->buf) + 1 : 0;
	if (!n && r->fill > BUF_BYTES - PIPE_READ)
		n = r->fill; /* no newline in 192 KiB: not tracefs text, keep going */
	ret = sr_procmaps_sample(r->maps, e);
	if (!ret)
		ret = sr_procmaps_write(r->maps, fd, 1, &r->st.bytes, e);
	if (!ret)
		ret = write_out(r, fd, n, e);
	if (!ret)
		ret = sr_procmaps_write(r->maps, fd, 0, &r->st.bytes, e);
	return ret;
}

/* Count the event lines in text streamed from trace_pipe ("CPU:N [LOST M
 * EVENTS]" is not one); lines straddle reads, so keep the current line's head. */
static void count_lines(struct sr_record *r, const char *p, size_t n)
{
	const char *end = p + n, *nl, *stop;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		stop = nl ? nl : end;
		while (r->head_len < sizeof(r->head) && p < stop)
			r->head[r->head_len++] = *p++;
		if (!nl)
			return;
		if (r->head_len && !(r->head_len == 4 && !memcmp(r->head, "CPU:", 4)))
			r->st.events++;
		r->head_len = 0;
		p = nl + 1;
	}
}

static int64_t drain(struct sr_record *r, int out_fd, uint64_t max, struct sr_err *e)
{
	uint64_t total = 0;
	ssize_t n;
	int ret, err;

	while (total < max) {
		if (BUF_BYTES - r->fill < PIPE_READ) {
			ret = flush(r, out_fd, e);
			if (ret)
				return ret;
		}
		n = read(r->pipe_fd, r->buf + r->fill, BUF_BYTES - r->fill);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			err = errno;
			return sr_errf(e, -err, "tracefs: %s/trace_pipe: %s", r->dir, strerror(err));
		}
		if (!n)
			break;
		count_lines(r, r->buf + r->fill, (size_t)n);
		r->fill += (size_t)n;
		total += (uint64_t)n;
	}
	ret = flush(r, out_fd, e);
	return ret ? ret : (int64_t)total;
}

/* Append s to the header at *pos, bytes below 0x20 as blanks, "..." when full. */
static void header_add(char *h, size_t *pos, const char *s)
{
	for (; *s; s++) {
		if (*pos >= HEADER_MAX - 5) {
			memcpy(h + HEADER_MAX - 5, "...", 3);
			*pos = HEADER_MAX - 2;
			return;
		}
		h[(*pos)++] = (unsigned char)*s < 0x20 ? ' ' : *s;
	}
}

int sr_record_header(struct sr_record *r, int out_fd, char *const argv[], struct sr_err *e)
{
	char *h = r->buf + r->fill, tmp[256];
	struct utsname u;
	size_t pos = 0, i;
	const char *sep = "";

	if (BUF_BYTES - r->fill < HEADER_MAX) {
		int ret = flush(r, out_fd, e);

		if (ret)
			return ret;
		h = r->buf + r->fill;
	}
	header_add(h, &pos, "# ssdreplay record: level=");
	header_add(h, &pos, sr_record_level(r->events));
	header_add(h, &pos, " events=");
	for (i = 0; i < NEVENTS; i++) {
		if (!(r->events & events[i].bit))
			continue;
		header_add(h, &pos, sep);
		header_add(h, &pos, events[i].name);
		sep = ",";
	}
	header_add(h, &pos, " format=");
	sep = "";
	for (i = 0; i < 3; i++) {
		static const struct { unsigned bit; const char *name; } fmts[] = {
			{ SR_RECORD_BLOCK, "ftrace" }, { SR_RECORD_FILEMAP, "filemap" },
			{ SR_RECORD_FAULTS, "faults" },
		};

		if (!(r->events & fmts[i].bit))
			continue;
		header_add(h, &pos, sep);
		header_add(h, &pos, fmts[i].name);
		sep = ",";
	}
	if (r->maps) {
		uint32_t maj, min;
		uint64_t ino;

		if (!sr_procmaps_file(r->maps, &maj, &min, &ino)) {
			snprintf(tmp, sizeof(tmp), " file_dev=%u:%u file_ino=0x%llx", maj, min,
				 (unsigned long long)ino);
			header_add(h, &pos, tmp);
			header_add(h, &pos, " file=");
			header_add(h, &pos, r->file);
		} else {
			header_add(h, &pos, " file=*");
		}
	}
	if (r->all)
		snprintf(tmp, sizeof(tmp), " filter=all");
	else
		snprintf(tmp, sizeof(tmp), " filter=pid:%ld+children", (long)r->pid);
	header_add(h, &pos, tmp);
	header_add(h, &pos, r->clock_mono ? " clock=mono" : " clock=local");
	if (!uname(&u)) {
		header_add(h, &pos, " kernel=");
		header_add(h, &pos, u.release);
	}
	if (argv) {
		header_add(h, &pos, " cmd=");
		for (i = 0; argv[i]; i++) {
			header_add(h, &pos, i ? " " : "");
			header_add(h, &pos, argv[i]);
		}
	}
	h[pos++] = '\n';
	r->fill = (size_t)(h - r->buf) + pos;
	return write_out(r, out_fd, r->fill, e); /* the first line: no map lines before it */
}

int sr_record_start(struct sr_record *r, struct sr_err *e)
{
	return put(r->dir, "tracing_on", "1", e);
}

int64_t sr_record_pump(struct sr_record *r, int out_fd, int timeout_ms, struct sr_err *e)
{
	struct pollfd p = { .fd = r->pipe_fd, .events = POLLIN };
	int err;

	if (poll(&p, 1, timeout_ms) < 0) {
		if (errno == EINTR)
			return 0;
		err = errno;
		return sr_errf(e, -err, "tracefs: poll %s/trace_pipe: %s", r->dir, strerror(err));
	}
	/* read even when poll said nothing: a missed wake-up costs one timeout, no data */
	return drain(r, out_fd, PUMP_MAX, e);
}

/* Losses over all CPUs from per_cpu/cpuN/stats: events overwritten before
 * we read them (overrun), lost to nested writers (commit overrun) or refused
 * by a full buffer in no-overwrite mode (dropped events). */
static int read_lost(const char *dir, uint64_t *lost)
{
	char path[PATH_MAX], line[128];
	struct dirent *d;
	unsigned long long v;
	DIR *dp;
	FILE *f;
	int found = 0;

	*lost = 0;
	snprintf(path, sizeof(path), "%s/per_cpu", dir);
	dp = opendir(path);
	if (!dp)
		return 0;
	while ((d = readdir(dp))) {
		if (strncmp(d->d_name, "cpu", 3))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/per_cpu/%s/stats", dir, d->d_name) >=
		    sizeof(path))
			continue;
		f = fopen(path, "re");
		if (!f)
			continue;
		found = 1;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "overrun: %llu", &v) == 1 ||
			    sscanf(line, "commit overrun: %llu", &v) == 1 ||
			    sscanf(line, "dropped events: %llu", &v) == 1)
				*lost += v;
		fclose(f);
	}
	closedir(dp);
	return found;
}

int sr_record_finish(struct sr_record *r, int out_fd, struct sr_err *e)
{
	int64_t n;
	int ret;

	ret = put(r->dir, "tracing_on", "0", e);
	if (ret)
		return ret;
	n = drain(r, out_fd, UINT64_MAX, e);
	if (n < 0)
		return (int)n;
	return r->fill ? write_out(r, out_fd, r->fill, e) : 0; /* a last line without its newline */
}

void sr_record_stats(struct sr_record *r, struct sr_record_stats *st)
{
	r->st.have_lost = read_lost(r->dir, &r->st.lost);
	*st = r->st;
}

int sr_record_close(struct sr_record *r, struct sr_err *e)
{
	int ret;

	if (!r)
		return 0;
	if (r->pipe_fd >= 0)
		close(r->pipe_fd);
	ret = remove_instance(r->dir);
	if (ret)
		sr_errf(e, ret, "tracefs: cannot remove the instance %s: %s", r->dir, strerror(-ret));
	sr_procmaps_free(r->maps);
	free(r->buf);
	free(r);
	return ret;
}
