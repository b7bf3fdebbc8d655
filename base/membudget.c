/* Memory budget: MemAvailable and the cgroup limit (base/membudget.h). */
#include "base/membudget.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/checked.h"
#include "base/units.h"

static int read_u64_file(const char *path, uint64_t *v)
{
	char buf[64];
	FILE *f = fopen(path, "re");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	if (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = 0;
		if (!strcmp(buf, "max"))
			*v = UINT64_MAX, ret = 0;
		else
			ret = sr_parse_u64(buf, v);
	}
	fclose(f);
	return ret;
}

static int meminfo_available(uint64_t *out)
{
	char line[256];
	FILE *f = fopen("/proc/meminfo", "re");
	unsigned long long kb;
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
			*out = kb > UINT64_MAX / 1024 ? UINT64_MAX : (uint64_t)kb * 1024;
			ret = 0;
			break;
		}
	fclose(f);
	return ret;
}

/* Room under this process's memory cgroup: v2 memory.max - memory.current,
 * v1 memory.limit_in_bytes - memory.usage_in_bytes. */
static int cgroup_room(uint64_t *out)
{
	char line[4096], path[4200];
	FILE *f = fopen("/proc/self/cgroup", "re");
	uint64_t lim, use;
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (ret && fgets(line, sizeof(line), f)) {
		char *ctrl = strchr(line, ':'), *cg = ctrl ? strchr(ctrl + 1, ':') : NULL;

		if (!cg)
			continue;
		*cg++ = 0;
		cg[strcspn(cg, "\n")] = 0;
		if (!strcmp(line, "0") && !ctrl[1]) {
			snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.max", cg);
			if (read_u64_file(path, &lim))
				continue;
			snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.current", cg);
		} else if (strstr(ctrl + 1, "memory")) {
			snprintf(path, sizeof(path), "/sys/fs/cgroup/memory%s/memory.limit_in_bytes", cg);
			if (read_u64_file(path, &lim))
				continue;
			snprintf(path, sizeof(path), "/sys/fs/cgroup/memory%s/memory.usage_in_bytes", cg);
		} else {
			continue;
		}
		if (read_u64_file(path, &use))
			use = 0;
		*out = lim > use ? lim - use : 0;
		ret = 0;
	}
	fclose(f);
	return ret;
}

int sr_mem_available(uint64_t *out)
{
	uint64_t a = UINT64_MAX, c = UINT64_MAX;
	int r1 = meminfo_available(&a), r2 = cgroup_room(&c);

	*out = a < c ? a : c;
	return r1 && r2 ? r1 : 0;
}

int sr_mem_product(const uint64_t *f, unsigned n, uint64_t *out)
{
	uint64_t p = 1;
	unsigned i;

	for (i = 0; i < n; i++)
		if (sr_mul_u64(p, f[i], &p))
			return -ERANGE;
	*out = p;
	return 0;
}

int sr_mem_budget(uint64_t need, const char *what, struct sr_err *e)
{
	uint64_t avail;
	char a[32], b[32];

	if (sr_mem_available(&avail) || need <= avail)
		return 0;
	return sr_inputf(e, "%s need %s, more than the %s of memory available (MemAvailable, cgroup limit)",
			 what, sr_fmt_bytes(a, sizeof(a), need), sr_fmt_bytes(b, sizeof(b), avail));
}
