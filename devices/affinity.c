#include "devices/affinity.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse a kernel cpulist into set; returns 0, or the offending item. */
static int parse_list(const char *list, cpu_set_t *set, char *bad, size_t n)
{
	const char *p = list;

	CPU_ZERO(set);
	if (!*p)
		goto bad;
	while (*p) {
		char *end;
		unsigned long a, b;
		const char *item = p;

		if (*p < '0' || *p > '9')
			goto bad_item;
		a = strtoul(p, &end, 10);
		b = a;
		if (*end == '-') {
			p = end + 1;
			if (*p < '0' || *p > '9')
				goto bad_item;
			b = strtoul(p, &end, 10);
		}
		if (b < a || b >= CPU_SETSIZE)
			goto bad_item;
		for (; a <= b; a++)
			CPU_SET(a, set);
		p = end;
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			goto bad_item;
		continue;
bad_item:
		snprintf(bad, n, "%.*s", (int)strcspn(item, ","), item);
		return -EINVAL;
	}
	return 0;
bad:
	snprintf(bad, n, "%s", list);
	return -EINVAL;
}

int sr_cpulist_parse(const char *opt, const char *list, cpu_set_t *set, struct sr_err *e)
{
	cpu_set_t allowed;
	char bad[64], buf[128];
	int cpu;

	if (parse_list(list, set, bad, sizeof(bad)))
		return sr_inputf(e, "%s: expected a CPU list like 0,2-3, found '%s' in '%s'", opt, bad, list);
	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		return 0; /* cannot tell: let the pinning itself fail */
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, set) && !CPU_ISSET(cpu, &allowed)) {
			sr_cpulist_format(&allowed, buf, sizeof(buf));
			return sr_inputf(e, "%s: CPU %d in '%s' is not available to this process (available: %s)",
					 opt, cpu, list, buf);
		}
	return 0;
}

void sr_cpulist_format(const cpu_set_t *set, char *buf, size_t n)
{
	size_t len = 0;
	int cpu = 0;

	if (n)
		buf[0] = 0;
	while (cpu < CPU_SETSIZE) {
		int last;

		if (!CPU_ISSET(cpu, set)) {
			cpu++;
			continue;
		}
		for (last = cpu; last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, set); last++)
			;
		if (len < n) {
			int w = last == cpu ? snprintf(buf + len, n - len, "%s%d", len ? "," : "", cpu)
					    : snprintf(buf + len, n - len, "%s%d-%d", len ? "," : "", cpu, last);

			len += w > 0 ? (size_t)w : 0;
		}
		cpu = last + 1;
	}
	if (len >= n && n > 4)
		memcpy(buf + n - 4, "...", 4);
}

int sr_disk_numa_node(const char *sysfs_root, const char *disk)
{
	/* the device itself (SCSI, virtio, an NVMe controller), then its parent (the PCI function) */
	static const char *const rel[] = { "device/numa_node", "device/device/numa_node" };
	unsigned i;

	if (!disk || !*disk)
		return -1;
	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char path[512];
		FILE *f;
		int node;

		snprintf(path, sizeof(path), "%s/block/%s/%s", sysfs_root, disk, rel[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%d", &node) != 1)
			node = -1;
		fclose(f);
		return node >= 0 ? node : -1; /* present: -1 means no locality, don't look further */
	}
	return -1;
}

/* One line of a small sysfs/procfs file, newline stripped; 0 or -ENOENT. */
static int read_line(const char *path, char *line, size_t n)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -ENOENT;
	ok = fgets(line, (int)n, f) != NULL;
	fclose(f);
	if (!ok)
		return -ENOENT;
	line[strcspn(line, "\n")] = 0;
	return 0;
}

/* The CPU list in file path, less the CPUs this process may not use;
 * -ENOENT when none is left or the file is missing or unreadable. */
static int read_cpus(const char *path, cpu_set_t *set)
{
	char line[1024], bad[64];
	cpu_set_t allowed;
	int cpu;

	if (read_line(path, line, sizeof(line)) || parse_list(line, set, bad, sizeof(bad)))
		return -ENOENT;
	if (!sched_getaffinity(0, sizeof(allowed), &allowed))
		CPU_AND(set, set, &allowed);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, set))
			return 0;
	return -ENOENT;
}

int sr_node_cpus(const char *sysfs_root, int node, cpu_set_t *set)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/devices/system/node/node%d/cpulist", sysfs_root, node);
	return read_cpus(path, set);
}


/* Entries of dir that are not . or .., at most 2 counted ("several"). */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while (n < 2 && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* The MSI vector of dir (a device's msi_irqs) that took most interrupts. */
static int busiest_irq(const char *sysfs_root, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned long long best_n = 0;
	int best = -1;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char path[512], line[4096], *p, *end;
		unsigned long long n = 0;
		long irq;

		irq = strtol(de->d_name, &end, 10);
		if (de->d_name[0] < '0' || de->d_name[0] > '9' || *end || irq < 0 || irq > 1000000)
			continue;
		snprintf(path, sizeof(path), "%s/kernel/irq/%ld/per_cpu_count", sysfs_root, irq);
		if (read_line(path, line, sizeof(line)))
			continue;
		for (p = line; *p; p = *end ? end + 1 : end) {
			n += strtoull(p, &end, 10);
			if (end == p)
				break;
		}
		if (n > best_n) {
			best_n = n;
			best = (int)irq;
		}
	}
	closedir(d);
	return best;
}

/* The busiest MSI vector of the device under disk: the first msi_irqs found
 * going up from block/DISK/device (virtio's and SATA's are on a PCI
 * function a few levels up), at most 8 levels, never above the sysfs root. */
static int disk_irq(const char *sysfs_root, const char *disk)
{
	char dev[4096], root[4096], path[4200];
	size_t rl;
	int up;

	snprintf(path, sizeof(path), "%s/block/%s/device", sysfs_root, disk);
	if (!realpath(path, dev) || !realpath(sysfs_root, root))
		return -1;
	rl = strlen(root);
	for (up = 0; up < 8 && strlen(dev) > rl; up++) {
		char *slash;
		int irq;

		snprintf(path, sizeof(path), "%s/msi_irqs", dev);
		irq = busiest_irq(sysfs_root, path);
		if (irq >= 0)
			return irq;
		slash = strrchr(dev, '/');
		if (!slash)
			break;
		*slash = 0;
	}
	return -1;
}

int sr_disk_irq_cpus(const char *sysfs_root, const char *proc_root, const char *disk, cpu_set_t *set)
{
	char path[512];
	int irq;

	if (!disk || !*disk)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/block/%s/mq", sysfs_root, disk);
	if (count_entries(path) != 1)
		return -ENOENT;
	irq = disk_irq(sysfs_root, disk);
	if (irq < 0)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/irq/%d/effective_affinity_list", proc_root, irq);
	return read_cpus(path, set);
}
