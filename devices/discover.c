#include "devices/discover.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifdef SR_HAVE_HWLOC
#include <hwloc.h>
#endif

static void pathf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void pathf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(buf, n, fmt, ap) >= (int)n)
		buf[0] = 0; /* too long: an empty path opens nothing */
	va_end(ap);
}

static void trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	while (s[i] && isspace((unsigned char)s[i]))
		i++;
	if (i)
		memmove(s, s + i, n - i + 1);
}

char *sr_strcpy(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);

	if (!n)
		return dst;
	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = 0;
	return dst;
}

int sr_sysfs_str(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	int ret = 0;

	buf[0] = 0;
	if (!f)
		return -errno;
	if (!fgets(buf, (int)n, f))
		ret = ferror(f) ? -EIO : 0;
	fclose(f);
	trim(buf);
	return ret;
}

int sr_sysfs_long(const char *path, long *v)
{
	char buf[64], *end;

	if (sr_sysfs_str(path, buf, sizeof(buf)))
		return -ENOENT;
	*v = strtol(buf, &end, 10);
	return end == buf ? -EINVAL : 0;
}

static int exists(const char *path)
{
	return path[0] && access(path, F_OK) == 0;
}

static void note(struct sr_blkdev *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct sr_blkdev *d, const char *fmt, ...)
{
	va_list ap;

	if (d->nr_notes >= SR_BLK_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(d->notes[d->nr_notes++], sizeof(d->notes[0]), fmt, ap);
	va_end(ap);
}

/* dst += sep (when dst is not empty) and s, cut to n - 1 bytes. */
static void append(char *dst, size_t n, const char *sep, const char *s)
{
	size_t len = strlen(dst), k = strlen(sep);

	if (len && len + k < n) {
		memcpy(dst + len, sep, k + 1);
		len += k;
	}
	if (len + 1 < n) {
		k = strlen(s);
		if (k > n - len - 1)
			k = n - len - 1;
		memcpy(dst + len, s, k);
		dst[len + k] = 0;
	}
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

int sr_blkdev_names(const char *sysfs_root, int all, char (*names)[64], int max, struct sr_err *e)
{
	char dir[PATH_MAX], p[PATH_MAX];
	struct dirent *de;
	DIR *dp;
	int n = 0;

	pathf(dir, sizeof(dir), "%s/block", sysfs_root);
	dp = opendir(dir);
	if (!dp)
		return sr_inputf(e, "%s: %s (is --sysfs-root a sysfs tree?)", dir, strerror(errno));
	while ((de = readdir(dp)) && n < max) {
		const char *nm = de->d_name;
		long v;

		if (nm[0] == '.' || strlen(nm) >= 64)
			continue;
		if (!all) {
			if (!strncmp(nm, "ram", 3) || !strncmp(nm, "zram", 4))
				continue;
			pathf(p, sizeof(p), "%s/%s/hidden", dir, nm);
			if (!sr_sysfs_long(p, &v) && v)
				continue; /* NVMe multipath path devices (nvme0c0n1) */
			pathf(p, sizeof(p), "%s/%s/loop/backing_file", dir, nm);
			if (!strncmp(nm, "loop", 4) && !exists(p))
				continue;
			pathf(p, sizeof(p), "%s/%s/size", dir, nm);
			if (!sr_sysfs_long(p, &v) && !v)
				continue;
		}
		memcpy(names[n++], nm, strlen(nm) + 1);
	}
	closedir(dp);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_names);
	return n;
}

static void kind_of(const char *name, const char *rdir, char *kind, size_t n)
{
	const char *k = "other";

	if (!strncmp(name, "nvme", 4))
		k = "nvme";
	else if (!strncmp(name, "vd", 2) || strstr(rdir, "/virtio"))
		k = "virtio";
	else if (!strncmp(name, "loop", 4))
		k = "loop";
	else if (!strncmp(name, "md", 2))
		k = "md";
	else if (!strncmp(name, "dm-", 3))
		k = "dm";
	else if (!strncmp(name, "sd", 2))
		k = "scsi";
	else if (!strncmp(name, "mmcblk", 6))
		k = "mmc";
	snprintf(kind, n, "%s", k);
}

/* Parent directory of p, in place; 0 when p is at or above stop. */
static int up(char *p, size_t stop_len)
{
	char *s = strrchr(p, '/');

	if (!s || (size_t)(s - p) <= stop_len)
		return 0;
	*s = 0;
	return 1;
}

/* The directory the block device's "device" link points to, and for NVMe
 * multipath heads (device -> nvme-subsysN) one of the subsystem's
 * controllers, which is where the PCI function hangs. */
static int device_dir(const char *sysfs_root, const char *name, char *out)
{
	char p[PATH_MAX];

	pathf(p, sizeof(p), "%s/block/%s/device", sysfs_root, name);
	if (!realpath(p, out))
		return -ENOENT;
	if (strstr(out, "/nvme-subsystem/")) {
		DIR *dp = opendir(out);
		struct dirent *de;
		char best[64] = "";

		while (dp && (de = readdir(dp))) {
			const char *c = de->d_name;

			if (!strncmp(c, "nvme", 4) && isdigit((unsigned char)c[4]) &&
			    strspn(c + 4, "0123456789") == strlen(c + 4) &&
			    (!best[0] || strcmp(c, best) < 0) && strlen(c) < sizeof(best))
				memcpy(best, c, strlen(c) + 1);
		}
		if (dp)
			closedir(dp);
		if (best[0]) {
			pathf(p, sizeof(p), "%s/%s", out, best);
			if (!realpath(p, out))
				return -ENOENT;
		}
	}
	return 0;
}

/* Walk up from the device towards sysfs_root/devices looking for attr:
 * the first ancestor holding it (the PCI function for link attributes). */
static int find_up(const char *sysfs_root, const char *start, const char *attr, char *out)
{
	char root[PATH_MAX], p[PATH_MAX];
	size_t stop;

	if (!realpath(sysfs_root, root))
		return -ENOENT;
	stop = strlen(root);
	snprintf(out, PATH_MAX, "%s", start);
	if (strncmp(out, root, stop))
		return -ENOENT;
	do {
		pathf(p, sizeof(p), "%s/%s", out, attr);
		if (exists(p))
			return 0;
	} while (up(out, stop));
	return -ENOENT;
}

static void read_link(const char *pci, struct sr_blkdev *d)
{
	char p[PATH_MAX], buf[64];
	const char *b = strrchr(pci, '/');
	long v;

	sr_strcpy(d->pci_addr, sizeof(d->pci_addr), b ? b + 1 : pci);
	pathf(p, sizeof(p), "%s/current_link_speed", pci);
	if (!sr_sysfs_str(p, buf, sizeof(buf)))
		d->link_gts = sr_pcie_parse_gts(buf);
	pathf(p, sizeof(p), "%s/max_link_speed", pci);
	if (!sr_sysfs_str(p, buf, sizeof(buf)))
		d->link_max_gts = sr_pcie_parse_gts(buf);
	pathf(p, sizeof(p), "%s/current_link_width", pci);
	if (!sr_sysfs_str(p, buf, sizeof(buf)) && sscanf(buf[0] == 'x' ? buf + 1 : buf, "%ld", &v) == 1 &&
	    v > 0 && v <= 32)
		d->link_width = (unsigned)v;
	pathf(p, sizeof(p), "%s/max_link_width", pci);
	if (!sr_sysfs_str(p, buf, sizeof(buf)) && sscanf(buf[0] == 'x' ? buf + 1 : buf, "%ld", &v) == 1 &&
	    v > 0 && v <= 32)
		d->link_max_width = (unsigned)v;
	d->link_gen = sr_pcie_gen_of_gts(d->link_gts);
	d->link_max_gen = sr_pcie_gen_of_gts(d->link_max_gts);
	if (!d->link_gts)
		note(d, "PCIe link speed unreadable at %s (link down or an unknown speed)", pci);
}

#ifdef SR_HAVE_HWLOC
/* Count NUMA nodes without I/O discovery first (cheap, and no PCI plugin,
 * whose libpciaccess name tables are never freed); only a machine with
 * several nodes needs the PCI tree to place the device. */
static void hwloc_numa(struct sr_blkdev *d)
{
	hwloc_topology_t t;
	unsigned dom, bus, dev, fn;
	hwloc_obj_t o = NULL, a;
	int nn;

	if (hwloc_topology_init(&t))
		return;
	if (hwloc_topology_load(t)) {
		hwloc_topology_destroy(t);
		return;
	}
	nn = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_NUMANODE);
	if (nn == 1) {
		d->numa_node = (int)hwloc_get_obj_by_type(t, HWLOC_OBJ_NUMANODE, 0)->os_index;
		sr_strcpy(d->numa_source, sizeof(d->numa_source), "hwloc");
	}
	hwloc_topology_destroy(t);
	if (nn <= 1 || !d->pci_addr[0] ||
	    sscanf(d->pci_addr, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4 || hwloc_topology_init(&t))
		return;
	hwloc_topology_set_io_types_filter(t, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
	if (!hwloc_topology_load(t))
		o = hwloc_get_pcidev_by_busid(t, dom, bus, dev, fn);
	a = o ? hwloc_get_non_io_ancestor_obj(t, o) : NULL;
	if (a && a->nodeset && hwloc_bitmap_weight(a->nodeset) == 1) {
		d->numa_node = hwloc_bitmap_first(a->nodeset);
		sr_strcpy(d->numa_source, sizeof(d->numa_source), "hwloc");
	}
	hwloc_topology_destroy(t);
}
#endif

static void read_numa(const char *sysfs_root, const char *start, struct sr_blkdev *d, unsigned flags)
{
	char dir[PATH_MAX], p[PATH_MAX];
	long v;

	d->numa_node = -1;
	if (start[0] && !find_up(sysfs_root, start, "numa_node", dir)) {
		pathf(p, sizeof(p), "%s/numa_node", dir);
		if (!sr_sysfs_long(p, &v) && v >= 0) {
			d->numa_node = (int)v;
			snprintf(d->numa_source, sizeof(d->numa_source), "sysfs");
		}
		pathf(p, sizeof(p), "%s/local_cpulist", dir);
		sr_sysfs_str(p, d->cpulist, sizeof(d->cpulist));
	}
#ifdef SR_HAVE_HWLOC
	if (d->numa_node < 0 && (flags & SR_BLK_HWLOC))
		hwloc_numa(d);
#else
	if (d->numa_node < 0 && (flags & SR_BLK_HWLOC))
		note(d, "built without hwloc: NUMA node from sysfs only");
#endif
}

/* Names of the entries of dir, comma-separated, appended to out. */
static void list_dir(const char *dir, char *out, size_t n)
{
	DIR *dp = opendir(dir);
	struct dirent *de;

	while (dp && (de = readdir(dp)))
		if (de->d_name[0] != '.')
			append(out, n, ",", de->d_name);
	if (dp)
		closedir(dp);
}

static int read_devt(const char *path, dev_t *dev)
{
	char buf[32];
	unsigned ma, mi;

	if (sr_sysfs_str(path, buf, sizeof(buf)) || sscanf(buf, "%u:%u", &ma, &mi) != 2)
		return -ENOENT;
	*dev = makedev(ma, mi);
	return 0;
}

/* Holders and mounts of the disk and of its partitions (subdirectories
 * with a "partition" attribute). */
static void read_usage(const char *dir, const char *proc_root, struct sr_blkdev *d)
{
	struct {
		dev_t dev;
		char name[64];
	} parts[64];
	char p[PATH_MAX], line[4096];
	int np = 0, i;
	DIR *dp;
	struct dirent *de;
	FILE *f;

	pathf(p, sizeof(p), "%s/holders", dir);
	list_dir(p, d->holders, sizeof(d->holders));
	pathf(p, sizeof(p), "%s/slaves", dir);
	list_dir(p, d->slaves, sizeof(d->slaves));
	pathf(p, sizeof(p), "%s/dev", dir);
	if (!read_devt(p, &parts[np].dev) && strlen(d->name) < 64)
		snprintf(parts[np++].name, 64, "%s", d->name);
	dp = opendir(dir);
	while (dp && (de = readdir(dp)) && np < 64) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= 64)
			continue;
		pathf(p, sizeof(p), "%s/%s/partition", dir, de->d_name);
		if (!exists(p))
			continue;
		pathf(p, sizeof(p), "%s/%s/holders", dir, de->d_name);
		list_dir(p, d->holders, sizeof(d->holders));
		pathf(p, sizeof(p), "%s/%s/dev", dir, de->d_name);
		if (!read_devt(p, &parts[np].dev))
			snprintf(parts[np++].name, 64, "%s", de->d_name);
	}
	if (dp)
		closedir(dp);
	if (!proc_root)
		return;
	pathf(p, sizeof(p), "%s/self/mountinfo", proc_root);
	f = fopen(p, "r");
	if (!f) {
		note(d, "%s: %s: mount status unknown", p, strerror(errno));
		return;
	}
	d->mount_known = 1;
	while (fgets(line, sizeof(line), f)) {
		unsigned ma, mi;
		char mnt[1024], what[1200];

		if (sscanf(line, "%*u %*u %u:%u %*s %1023s", &ma, &mi, mnt) != 3)
			continue;
		for (i = 0; i < np; i++)
			if (parts[i].dev == makedev(ma, mi)) {
				snprintf(what, sizeof(what), "%s on %s", parts[i].name, mnt);
				append(d->mounts, sizeof(d->mounts), ", ", what);
			}
	}
	fclose(f);
}

int sr_blkdev_read(const char *sysfs_root, const char *proc_root, const char *name, unsigned flags,
		   struct sr_blkdev *d, struct sr_err *e)
{
	char dir[PATH_MAX], rdir[PATH_MAX], dev[PATH_MAX], pci[PATH_MAX], p[PATH_MAX], buf[256];
	long v;

	memset(d, 0, sizeof(*d));
	d->rotational = -1;
	d->nr_requests = d->max_sectors_kb = d->max_hw_sectors_kb = d->read_ahead_kb = -1;
	d->numa_node = -1;
	sr_strcpy(d->name, sizeof(d->name), name);
	pathf(dir, sizeof(dir), "%s/block/%s", sysfs_root, name);
	if (strchr(name, '/') || !realpath(dir, rdir))
		return sr_inputf(e, "%s: no such block device in %s/block", name, sysfs_root);
	kind_of(name, rdir, d->kind, sizeof(d->kind));

	pathf(p, sizeof(p), "%s/size", dir);
	if (!sr_sysfs_long(p, &v) && v > 0)
		d->size = (uint64_t)v * 512;
	pathf(p, sizeof(p), "%s/queue/logical_block_size", dir);
	if (!sr_sysfs_long(p, &v) && v > 0)
		d->lbs = (unsigned)v;
	pathf(p, sizeof(p), "%s/queue/physical_block_size", dir);
	if (!sr_sysfs_long(p, &v) && v > 0)
		d->pbs = (unsigned)v;
	pathf(p, sizeof(p), "%s/queue/rotational", dir);
	if (!sr_sysfs_long(p, &v))
		d->rotational = v != 0;
	pathf(p, sizeof(p), "%s/queue/scheduler", dir);
	if (!sr_sysfs_str(p, buf, sizeof(buf))) {
		char *l = strchr(buf, '['), *r = l ? strchr(l, ']') : NULL;

		if (l && r) {
			*r = 0;
			sr_strcpy(d->scheduler, sizeof(d->scheduler), l + 1);
		} else {
			sr_strcpy(d->scheduler, sizeof(d->scheduler), buf); /* "none" alone */
		}
	}
	pathf(p, sizeof(p), "%s/queue/nr_requests", dir);
	sr_sysfs_long(p, &d->nr_requests);
	pathf(p, sizeof(p), "%s/queue/max_sectors_kb", dir);
	sr_sysfs_long(p, &d->max_sectors_kb);
	pathf(p, sizeof(p), "%s/queue/max_hw_sectors_kb", dir);
	sr_sysfs_long(p, &d->max_hw_sectors_kb);
	pathf(p, sizeof(p), "%s/queue/read_ahead_kb", dir);
	sr_sysfs_long(p, &d->read_ahead_kb);
	pathf(p, sizeof(p), "%s/removable", dir);
	if (!sr_sysfs_long(p, &v))
		d->removable = v != 0;
	pathf(p, sizeof(p), "%s/ro", dir);
	if (!sr_sysfs_long(p, &v))
		d->ro = v != 0;
	pathf(p, sizeof(p), "%s/loop/backing_file", dir);
	sr_sysfs_str(p, d->backing_file, sizeof(d->backing_file));

	/* Identity: NVMe controllers and subsystems have model, serial and
	 * firmware_rev; SCSI devices model and rev; virtio only a serial on
	 * the disk itself. */
	pathf(p, sizeof(p), "%s/device/model", dir);
	sr_sysfs_str(p, d->model, sizeof(d->model));
	pathf(p, sizeof(p), "%s/device/serial", dir);
	if (sr_sysfs_str(p, d->serial, sizeof(d->serial))) {
		pathf(p, sizeof(p), "%s/serial", dir);
		if (sr_sysfs_str(p, d->serial, sizeof(d->serial)) == -EACCES)
			note(d, "serial: %s is readable by root only", p);
	}
	pathf(p, sizeof(p), "%s/device/firmware_rev", dir);
	if (sr_sysfs_str(p, d->firmware, sizeof(d->firmware))) {
		pathf(p, sizeof(p), "%s/device/rev", dir);
		sr_sysfs_str(p, d->firmware, sizeof(d->firmware));
	}

	read_usage(dir, proc_root, d);
	if (!proc_root)
		note(d, "mount status not checked (fixture sysfs; give --proc-root to check)");

	if (device_dir(sysfs_root, name, dev)) {
		dev[0] = 0;
		if (strcmp(d->kind, "loop") && strcmp(d->kind, "md") && strcmp(d->kind, "dm"))
			sr_strcpy(dev, sizeof(dev), rdir);
	}
	if (dev[0] && !find_up(sysfs_root, dev, "current_link_speed", pci))
		read_link(pci, d);
	else if (!strcmp(d->kind, "nvme"))
		note(d, "no PCIe link attributes above %s (NVMe over fabrics?)", dev[0] ? dev : rdir);
	read_numa(sysfs_root, dev, d, flags);

	if (!strcmp(d->kind, "nvme") && (flags & SR_BLK_IDENTIFY)) {
		const char *ctrl = strrchr(dev, '/');
		char node[96];
		int ret;

		if (ctrl && !strncmp(ctrl + 1, "nvme", 4)) {
			if (snprintf(node, sizeof(node), "/dev/%s", ctrl + 1) >= (int)sizeof(node))
				ret = -ENAMETOOLONG;
			else
				ret = sr_nvme_identify(node, d);
			if (ret == -ENOTSUP)
				note(d, "built without libnvme: identify data from sysfs only");
			else if (ret == -EACCES || ret == -EPERM)
				note(d, "%s: identify needs root (CAP_SYS_ADMIN): sysfs figures only", node);
			else if (ret)
				note(d, "%s: identify failed: %s", node, strerror(-ret));
		}
	}
	return 0;
}

static int name_of_dir(const char *dir, char *out, size_t n)
{
	const char *b = strrchr(dir, '/');

	b = b ? b + 1 : dir;
	if (!*b || strlen(b) >= n)
		return -ENAMETOOLONG;
	memcpy(out, b, strlen(b) + 1);
	return 0;
}

/* A resolved sysfs block directory: its disk (the parent, for a partition). */
static int disk_of_blockdir(const char *rdir, char *disk, size_t n)
{
	char p[PATH_MAX], parent[PATH_MAX];

	pathf(p, sizeof(p), "%s/partition", rdir);
	if (exists(p)) {
		sr_strcpy(parent, sizeof(parent), rdir);
		if (!up(parent, 0))
			return -ENOENT;
		return name_of_dir(parent, disk, n);
	}
	return name_of_dir(rdir, disk, n);
}

int sr_disk_for_path(const char *path, const char *sysfs_root, char *disk, size_t n, char *note_buf,
		     size_t note_n, struct sr_err *e)
{
	char p[PATH_MAX], rdir[PATH_MAX], first[64] = "";
	const char *base;
	struct stat sb;
	int found = 0, depth, is_file = 0;

	disk[0] = 0;
	if (note_buf && note_n)
		note_buf[0] = 0;
	if (stat(path, &sb) == 0 && (S_ISBLK(sb.st_mode) || S_ISREG(sb.st_mode) || S_ISDIR(sb.st_mode))) {
		dev_t dev = S_ISBLK(sb.st_mode) ? sb.st_rdev : sb.st_dev;

		is_file = S_ISREG(sb.st_mode) ? 1 : S_ISDIR(sb.st_mode) ? 2 : 0;
		pathf(p, sizeof(p), "%s/dev/block/%u:%u", sysfs_root, major(dev), minor(dev));
		if (realpath(p, rdir) && !disk_of_blockdir(rdir, disk, n))
			found = 1;
		else if (is_file && major(dev) == 0) {
			if (note_buf)
				snprintf(note_buf, note_n,
					 "%s is on a file system with no block device (tmpfs, overlay, btrfs, nfs?): device unknown",
					 path);
			return sr_errf(e, -ENOENT, "%s: its file system (device %u:%u) has no block device in %s",
				       path, major(dev), minor(dev), sysfs_root);
		}
	}
	if (!found) {
		/* A disk name, or a /dev path that only exists in a fixture. */
		base = strrchr(path, '/');
		base = base ? base + 1 : path;
		pathf(p, sizeof(p), "%s/block/%s", sysfs_root, base);
		if (!*base || !realpath(p, rdir)) {
			pathf(p, sizeof(p), "%s/class/block/%s", sysfs_root, base);
			if (!*base || !realpath(p, rdir))
				return sr_inputf(e, "%s: not a block device, a file on one, or a disk in %s/block",
						 path, sysfs_root);
		}
		if (disk_of_blockdir(rdir, disk, n))
			return sr_inputf(e, "%s: cannot resolve its disk in %s", path, sysfs_root);
		is_file = 0;
	}
	sr_strcpy(first, sizeof(first), disk);
	/* dm/md stacked on exactly one device (dm-crypt, one-PV LVM): follow. */
	for (depth = 0; depth < 8; depth++) {
		char slaves[256] = "", *comma;

		pathf(p, sizeof(p), "%s/block/%s/slaves", sysfs_root, disk);
		list_dir(p, slaves, sizeof(slaves));
		if (!slaves[0])
			break;
		comma = strchr(slaves, ',');
		if (comma) {
			if (note_buf)
				snprintf(note_buf, note_n, "%s spans several devices (%s): no single spec or link",
					 disk, slaves);
			return 0;
		}
		pathf(p, sizeof(p), "%s/class/block/%s", sysfs_root, slaves);
		if (!realpath(p, rdir)) {
			pathf(p, sizeof(p), "%s/block/%s", sysfs_root, slaves);
			if (!realpath(p, rdir))
				break;
		}
		if (disk_of_blockdir(rdir, disk, n))
			break;
	}
	if (note_buf && is_file && strcmp(first, disk))
		snprintf(note_buf, note_n, "%s is a %s on %s, which sits on %s: figures are %s's", path,
			 is_file == 2 ? "directory" : "file", first, disk, disk);
	else if (note_buf && is_file)
		snprintf(note_buf, note_n, "%s is a %s: figures are those of %s, which holds it", path,
			 is_file == 2 ? "directory" : "file", disk);
	else if (note_buf && strcmp(first, disk))
		snprintf(note_buf, note_n, "%s sits on %s: figures are %s's", first, disk, disk);
	return 0;
}

int sr_dev_numa(const char *sysfs_root, const char *disk, int *node, char *cpus, size_t n)
{
	char dev[PATH_MAX], dir[PATH_MAX], p[PATH_MAX];
	long v;

	*node = -1;
	if (cpus && n)
		cpus[0] = 0;
	if (device_dir(sysfs_root, disk, dev) || find_up(sysfs_root, dev, "numa_node", dir))
		return -ENOENT;
	pathf(p, sizeof(p), "%s/numa_node", dir);
	if (!sr_sysfs_long(p, &v) && v >= 0)
		*node = (int)v;
	if (cpus && n) {
		pathf(p, sizeof(p), "%s/local_cpulist", dir);
		sr_sysfs_str(p, cpus, n);
	}
	return 0;
}

long sr_dev_read_ahead_kb(const char *sysfs_root, const char *disk)
{
	char path[512];
	long v = -1;
	FILE *f;

	if (!disk || !disk[0])
		return -1;
	snprintf(path, sizeof(path), "%s/block/%s/queue/read_ahead_kb", sysfs_root, disk);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1 || v < 0)
		v = -1;
	fclose(f);
	return v;
}
