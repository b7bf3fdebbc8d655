#include "real/cgroup.h"
#include "trace/record.h"
#include "base/asan.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;
	size_t n = strlen(val);

	if (fd < 0)
		return -errno;
	if (write(fd, val, n) != (ssize_t)n)
		ret = errno ? -errno : -EIO;
	close(fd);
	return ret;
}

static int has_memory_v2(const char *root)
{
	char path[512], buf[512], *tok, *save = NULL;
	int ok = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.controllers", root);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f))
		for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
			ok |= !strcmp(tok, "memory");
	fclose(f);
	return ok;
}

/* err > 0: the host refuses cgroups to us rather than something failing */
static int unsupported(const struct sr_cgroup *cg, int err)
{
	return err == EACCES || err == EPERM || err == EROFS || (cg->enoent_unsupported && err == ENOENT);
}

/* NAME-<pid> cgroups of a run that is gone (its children died with it) */
static void reap_stale(const char *parent, const char *name)
{
	char prefix[128];

	if ((size_t)snprintf(prefix, sizeof(prefix), "%s-", name) < sizeof(prefix))
		sr_reap_stale_dirs(parent, prefix);
}

int sr_cgroup_create(const struct sr_cgroup_cfg *c, struct sr_cgroup *cg, int *swappiness_set, struct sr_err *e)
{
	char path[700], val[32];
	int ret;

	memset(cg, 0, sizeof(*cg));
	cg->who = c->who ? c->who : "";
	cg->enoent_unsupported = c->enoent_unsupported;
	if (swappiness_set)
		*swappiness_set = 0;
	if (has_memory_v2(c->root)) {
		snprintf(path, sizeof(path), "%s/cgroup.subtree_control", c->root);
		write_file(path, "+memory"); /* often already on; failure shows below */
		reap_stale(c->root, c->name);
		snprintf(cg->dir, sizeof(cg->dir), "%s/%s-%d", c->root, c->name, (int)getpid());
	} else {
		snprintf(path, sizeof(path), "%s/memory", c->root);
		if (access(path, F_OK))
			return sr_errf(e, -EOPNOTSUPP, "%sno memory cgroup controller under %s (neither v2 memory.max nor v1 memory/)",
				       cg->who, c->root);
		reap_stale(path, c->name);
		snprintf(cg->dir, sizeof(cg->dir), "%s/memory/%s-%d", c->root, c->name, (int)getpid());
		cg->v1 = 1;
	}
	if (mkdir(cg->dir, 0755) && errno != EEXIST) {
		ret = errno;
		ret = sr_errf(e, unsupported(cg, ret) ? -EOPNOTSUPP : -ret, "%scannot create the cgroup %s: %s", cg->who,
			      cg->dir, strerror(ret));
		cg->dir[0] = 0;
		return ret;
	}
	snprintf(val, sizeof(val), "%" PRIu64, c->limit);
	snprintf(path, sizeof(path), "%s/%s", cg->dir, cg->v1 ? "memory.limit_in_bytes" : "memory.max");
	ret = write_file(path, val);
	if (ret) {
		rmdir(cg->dir);
		cg->dir[0] = 0;
		return sr_errf(e, unsupported(cg, -ret) ? -EOPNOTSUPP : ret, "%scannot set the memory limit in %s: %s",
			       cg->who, path, strerror(-ret));
	}
	if (!cg->v1) {
		snprintf(path, sizeof(path), "%s/memory.swap.max", cg->dir);
		write_file(path, c->swap_max ? c->swap_max : "max"); /* absent without swap accounting: fine */
	} else if (c->swappiness >= 0) {
		snprintf(path, sizeof(path), "%s/memory.swappiness", cg->dir);
		snprintf(val, sizeof(val), "%d", c->swappiness);
		ret = write_file(path, val);
		if (swappiness_set)
			*swappiness_set = !ret;
	}
	snprintf(cg->procs, sizeof(cg->procs), "%s/%s", cg->dir, cg->v1 ? "tasks" : "cgroup.procs");
	return 0;
}

/* What a process mapping size bytes of a file is charged for besides the
 * page cache as it touches them. */
static uint64_t map_extra(uint64_t size, uint64_t pg)
{
	/* page tables: 8 bytes a page, the upper levels rounded in */
	uint64_t x = (size / pg + 511) / 512 * pg + 2 * pg;

#ifdef SR_ASAN
	/* AddressSanitizer's shadow of the mapping (a byte per 8, charged as
	 * the pages are touched: 4.2-29.6 MiB of a 64-256 MiB file came out of
	 * the budget), and its threads' and allocator's own memory (a pread
	 * pool's run was OOM-killed): a sanitizer build's page cache gets up to
	 * this much more than the budget, and says so in --version */
	x += size / 8 + (16ull << 20);
#endif
	return x;
}

int sr_cgroup_fit(const struct sr_cgroup *cg, uint64_t room, uint64_t map_bytes)
{
	char path[700], val[32];
	unsigned long long used;
	FILE *f;
	int ok;

	if (!cg->dir[0])
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", cg->dir, cg->v1 ? "memory.usage_in_bytes" : "memory.current");
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ok = fscanf(f, "%llu", &used) == 1;
	fclose(f);
	if (!ok)
		return -EINVAL;
	snprintf(val, sizeof(val), "%" PRIu64, room + (uint64_t)used + map_extra(map_bytes, (uint64_t)sysconf(_SC_PAGESIZE)));
	snprintf(path, sizeof(path), "%s/%s", cg->dir, cg->v1 ? "memory.limit_in_bytes" : "memory.max");
	return write_file(path, val);
}

/* A flat-keyed cgroup file ("key value" lines: memory.stat, memory.events,
 * memory.oom_control): vals[k] gets keys[k]'s value, UINT64_MAX where it is
 * not there (or the file cannot be read). 0 or -errno. */
static int read_keyed(const char *path, const char *const *keys, uint64_t *vals, size_t n)
{
	char key[64];
	unsigned long long v;
	int ret = 0;
	size_t k;
	FILE *f;

	for (k = 0; k < n; k++)
		vals[k] = UINT64_MAX;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%63s %llu", key, &v) == 2)
		for (k = 0; k < n; k++)
			if (!strcmp(key, keys[k]))
				vals[k] = v;
	if (ferror(f))
		ret = -EIO;
	fclose(f);
	return ret;
}

int sr_cgroup_flush_stats(const struct sr_cgroup *cg, uint64_t *active, uint64_t *inactive)
{
	/* v1 and v2 both name the file lists so, in bytes */
	static const char *const keys[] = { "active_file", "inactive_file" };
	char path[700];
	uint64_t v[2];
	int ret;

	if (!cg->dir[0])
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/memory.stat", cg->dir);
	ret = read_keyed(path, keys, v, 2);
	if (active)
		*active = v[0];
	if (inactive)
		*inactive = v[1];
	return ret;
}

int sr_cgroup_oom_kills(const struct sr_cgroup *cg)
{
	static const char *const keys[] = { "oom_kill" };
	char path[700];
	uint64_t v;

	if (!cg->dir[0])
		return 0;
	snprintf(path, sizeof(path), "%s/%s", cg->dir, cg->v1 ? "memory.oom_control" : "memory.events");
	(void)read_keyed(path, keys, &v, 1); /* unreadable or not there: none */
	if (v == UINT64_MAX)
		return 0;
	return v > 1000000 ? 1000000 : (int)v;
}

int sr_cgroup_attach(const struct sr_cgroup *cg, pid_t pid, struct sr_err *e)
{
	char buf[32];
	int ret;

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	ret = write_file(cg->procs, buf);
	if (ret)
		return sr_errf(e, unsupported(cg, -ret) ? -EOPNOTSUPP : ret, "%scannot move the child into %s: %s", cg->who,
			       cg->procs, strerror(-ret));
	return 0;
}

void sr_cgroup_remove(struct sr_cgroup *cg)
{
	int i;

	if (!cg->dir[0])
		return;
	/* the child has been reaped; the kernel may take a moment to drop it */
	for (i = 0; i < 100 && rmdir(cg->dir) && errno == EBUSY; i++)
		usleep(20000);
	cg->dir[0] = 0;
}

uint64_t sr_proc_field(const char *path, const char *key)
{
	size_t k = strlen(key);
	char line[128];
	uint64_t v = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, k) && (line[k] == ' ' || line[k] == ':')) {
			v = strtoull(line + k + 1 + (line[k] == ':'), NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

uint64_t sr_proc_read_bytes(const char *path)
{
	return sr_proc_field(path, "read_bytes");
}

int sr_child_drop_cache(const char *path, struct sr_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return sr_errf(e, -errno, "%s: %s", path, strerror(errno));
	if (fdatasync(fd) && errno != EINVAL && errno != EROFS) { /* nothing to write back there */
		int err = errno;

		close(fd);
		return sr_errf(e, -err, "%s: fdatasync: %s", path, strerror(err));
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
	return 0;
}

int sr_child_map(int go_fd, const char *path, uint64_t size, int *fd, const unsigned char **map, char *msg,
		 size_t n)
{
	void *m;
	char go;

	/* dies with the parent (SIGKILL included), so a killed run leaves no
	 * child reading on; a parent gone before this is seen as EOF below */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (read(go_fd, &go, 1) != 1 || go != 'g')
		_exit(3); /* the parent gave up */
	*fd = open(path, O_RDONLY);
	if (*fd < 0) {
		snprintf(msg, n, "%s: %s", path, strerror(errno));
		return -errno;
	}
	m = mmap(NULL, size, PROT_READ, MAP_SHARED, *fd, 0);
	if (m == MAP_FAILED) {
		snprintf(msg, n, "%s: mmap: %s", path, strerror(errno));
		return -errno;
	}
	*map = m;
	return 0;
}

uint64_t sr_map_resident(const void *map, uint64_t size, uint64_t pg)
{
	uint64_t i, np = (size + pg - 1) / pg, n = 0;
	unsigned char *v = malloc(np ? np : 1);

	if (!v || mincore((void *)map, size, v)) {
		free(v);
		return 0;
	}
	for (i = 0; i < np; i++)
		n += v[i] & 1;
	free(v);
	n *= pg;
	return n < size ? n : size;
}

void sr_child_end(pid_t pid, int failed, int go[2], int res[2], struct sr_cgroup *cg)
{
	int i, status;

	for (i = 0; i < 2; i++) {
		if (go[i] >= 0)
			close(go[i]);
		if (res[i] >= 0)
			close(res[i]);
		go[i] = res[i] = -1;
	}
	if (pid > 0) {
		if (failed)
			kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	sr_cgroup_remove(cg);
}
