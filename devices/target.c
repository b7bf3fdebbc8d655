#include "devices/target.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <linux/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int read_sysfs_u64(const char *path, uint64_t *v)
{
	char buf[64];
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -errno;
	ok = fgets(buf, sizeof(buf), f) && sscanf(buf, "%" SCNu64, v) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

/* Whole-disk sysfs name for a dev_t: partitions resolve to their parent. */
static void disk_name(dev_t dev, char *out, size_t n)
{
	char link[256], target[512], *base;
	ssize_t len;

	out[0] = 0;
	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(dev), minor(dev));
	len = readlink(link, target, sizeof(target) - 1);
	if (len <= 0)
		return;
	target[len] = 0;
	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u/partition", major(dev), minor(dev));
	if (!access(link, F_OK)) {
		base = strrchr(target, '/');
		if (base)
			*base = 0; /* .../block/vda/vda1 -> .../block/vda */
	}
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) < n)
		memcpy(out, base, strlen(base) + 1);
}

static uint32_t file_dio_align(int fd, dev_t dev)
{
	struct statx sx;
	char path[128];
	uint64_t v;

	/* Linux 6.1+ tells the O_DIRECT alignment of a file directly. */
	if (!syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) &&
	    (sx.stx_mask & STATX_DIOALIGN) && sx.stx_dio_offset_align)
		return sx.stx_dio_offset_align;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/queue/logical_block_size",
		 major(dev), minor(dev));
	if (!read_sysfs_u64(path, &v) && v)
		return (uint32_t)v;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/../queue/logical_block_size",
		 major(dev), minor(dev));
	if (!read_sysfs_u64(path, &v) && v)
		return (uint32_t)v;
	return 4096; /* unknown: the safe choice */
}

int sr_target_open(const char *path, int flags, struct sr_target *t, struct sr_err *e)
{
	int oflags = (flags & SR_TGT_WRITE) ? O_RDWR : O_RDONLY;
	struct stat sb;
	int ret;

	memset(t, 0, sizeof(*t));
	t->path = path;
	t->fd = -1;
	if (flags & SR_TGT_DIRECT)
		oflags |= O_DIRECT;
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return sr_inputf(e, "%s: is a directory, expected a file or a block device", path);
	/* before open: opening a FIFO waits for a writer that may never come */
	if (stat(path, &sb) == 0 && (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode) || S_ISCHR(sb.st_mode)))
		return sr_inputf(e, "%s: is a %s, expected a file or a block device", path,
				 S_ISFIFO(sb.st_mode) ? "FIFO" : S_ISSOCK(sb.st_mode) ? "socket" : "character device");
	if ((flags & SR_TGT_CREATE) && !(stat(path, &sb) == 0 && S_ISBLK(sb.st_mode)))
		oflags |= O_CREAT;
	t->fd = open(path, oflags | O_CLOEXEC, 0644);
	if (t->fd < 0) {
		ret = -errno;
		if (ret == -EINVAL && (flags & SR_TGT_DIRECT))
			return sr_inputf(e, "%s: O_DIRECT not supported by this file system%s", path,
					 (flags & SR_TGT_HINT_BUFFERED) ? " (use --buffered)" : "");
		if (ret == -ENOENT)
			return sr_inputf(e, "%s: no such file or device", path);
		return sr_errf(e, ret, "%s: %s", path, strerror(-ret));
	}
	if (fstat(t->fd, &sb)) {
		ret = sr_errf(e, -errno, "%s: stat: %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISBLK(sb.st_mode)) {
		int lbs = 512;

		t->is_blk = 1;
		t->dev = sb.st_rdev;
		if (ioctl(t->fd, BLKGETSIZE64, &t->size)) {
			ret = sr_errf(e, -errno, "%s: BLKGETSIZE64: %s", path, strerror(errno));
			goto fail;
		}
		if (ioctl(t->fd, BLKSSZGET, &lbs) == 0 && lbs > 0)
			t->lbs = (uint32_t)lbs;
		else
			t->lbs = 512;
	} else if (S_ISREG(sb.st_mode)) {
		t->dev = sb.st_dev;
		t->size = (uint64_t)sb.st_size;
		t->lbs = (flags & SR_TGT_DIRECT) ? file_dio_align(t->fd, sb.st_dev) : 1;
	} else {
		ret = sr_inputf(e, "%s: not a regular file or block device", path);
		goto fail;
	}
	disk_name(t->dev, t->disk, sizeof(t->disk));
	return 0;
fail:
	close(t->fd);
	t->fd = -1;
	return ret;
}

void sr_target_close(struct sr_target *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

/* Is dev (or, when whole is set, any partition of that disk) in mountinfo or swaps? */
static int dev_in_use(dev_t dev, const char *disk, const char *sysfs_root, char *why, size_t n)
{
	char line[4096], path[512];
	unsigned ma, mi;
	FILE *f;
	int hit = 0;

	f = fopen("/proc/self/mountinfo", "r");
	while (f && !hit && fgets(line, sizeof(line), f)) {
		char mnt[1024];
		dev_t d;

		if (sscanf(line, "%*u %*u %u:%u %*s %1023s", &ma, &mi, mnt) != 3)
			continue;
		d = makedev(ma, mi);
		if (d == dev) {
			snprintf(why, n, "is mounted on %s", mnt);
			hit = 1;
		} else if (*disk) {
			char dname[64];

			disk_name(d, dname, sizeof(dname));
			if (!strcmp(dname, disk)) {
				snprintf(why, n, "has a partition mounted on %s", mnt);
				hit = 1;
			}
		}
	}
	if (f)
		fclose(f);
	if (hit)
		return 1;

	snprintf(path, sizeof(path), "%s/dev/block/%u:%u/holders", sysfs_root, major(dev), minor(dev));
	{
		DIR *dir = opendir(path);
		struct dirent *de;

		while (dir && (de = readdir(dir))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(why, n, "is held by %s (see %s)", de->d_name, path);
			hit = 1;
			break;
		}
		if (dir)
			closedir(dir);
	}
	return hit;
}

/* Does force (--force-destroy-data) name path? Both resolved with realpath. */
static int force_names(const char *force, const char *path)
{
	char a[4096], b[4096];

	if (!force || !realpath(force, a) || !realpath(path, b))
		return 0;
	return !strcmp(a, b);
}

/* subject: "it" for the device itself, "it backs /dev/loop0, which" for a
 * loop device's backing file. */
static int write_check(const char *path, const char *subject, dev_t dev, const char *disk,
		       const char *sysfs_root, const char *force, int can_force, struct sr_err *e)
{
	char why[1200];
	struct stat root;
	int forced = force_names(force, path);

	if (stat("/", &root) == 0) {
		char rdisk[64];

		disk_name(root.st_dev, rdisk, sizeof(rdisk));
		if (root.st_dev == dev || (*rdisk && !strcmp(rdisk, disk)))
			return sr_inputf(e, "%s: refusing to write: %s holds the root file system%s", path,
					 subject, forced ? " (--force-destroy-data never overrides that)" : "");
	}
	{
		FILE *f = fopen("/proc/swaps", "r");
		char line[1024];
		int hit = 0;

		while (f && !hit && fgets(line, sizeof(line), f)) {
			char p[512];
			struct stat sb;

			if (sscanf(line, "%511s", p) == 1 && stat(p, &sb) == 0 &&
			    S_ISBLK(sb.st_mode) && sb.st_rdev == dev)
				hit = 1;
		}
		if (f)
			fclose(f);
		if (hit)
			return sr_inputf(e, "%s: refusing to write: %s is in use as swap%s", path,
					 subject, forced ? " (--force-destroy-data never overrides that)" : "");
	}
	if (!forced && dev_in_use(dev, disk, sysfs_root, why, sizeof(why))) {
		if (!can_force) /* the command has no --force-destroy-data: name nothing it does not take */
			return sr_inputf(e, "%s: refusing to write: %s %s (unmount or release it first)", path,
					 subject, why);
		if (force)
			return sr_inputf(e, "%s: refusing to write: %s %s (--force-destroy-data names %s, not this device)",
					 path, subject, why, force);
		return sr_inputf(e, "%s: refusing to write: %s %s (--force-destroy-data %s overrides this and destroys its data)",
				 path, subject, why, path);
	}
	return 0;
}

/* A regular file (st_dev, st_ino) that backs attached loop devices gets each
 * device's check: writing the file under a mounted loop device corrupts that
 * file system as surely as writing the device. sysfs names the backing file
 * by path; the path is stat'ed and compared by device and inode, so links
 * and other names of the file count too. */
static int backing_check(const char *path, dev_t fdev, ino_t fino, const char *sysfs_root,
			 const char *force, int can_force, struct sr_err *e)
{
	char p[512], bf[4096], subject[128], disk[64];
	unsigned ma, mi;
	struct dirent *de;
	struct stat sb;
	int ret = 0;
	DIR *dir;

	snprintf(p, sizeof(p), "%s/block", sysfs_root);
	dir = opendir(p);
	while (dir && !ret && (de = readdir(dir))) {
		FILE *f;
		int ok;

		if (strncmp(de->d_name, "loop", 4))
			continue;
		snprintf(p, sizeof(p), "%s/block/%s/loop/backing_file", sysfs_root, de->d_name);
		f = fopen(p, "r");
		if (!f)
			continue; /* not attached */
		ok = fgets(bf, sizeof(bf), f) != NULL;
		fclose(f);
		if (!ok)
			continue;
		bf[strcspn(bf, "\n")] = '\0';
		if (stat(bf, &sb) || sb.st_dev != fdev || sb.st_ino != fino)
			continue;
		snprintf(p, sizeof(p), "%s/block/%s/dev", sysfs_root, de->d_name);
		f = fopen(p, "r");
		if (!f)
			continue;
		ok = fscanf(f, "%u:%u", &ma, &mi) == 2;
		fclose(f);
		if (!ok)
			continue;
		snprintf(subject, sizeof(subject), "it backs /dev/%.64s, which", de->d_name);
		snprintf(disk, sizeof(disk), "%.63s", de->d_name);
		ret = write_check(path, subject, makedev(ma, mi), disk, sysfs_root, force, can_force, e);
	}
	if (dir)
		closedir(dir);
	return ret;
}

static int target_check(const struct sr_target *t, const char *sysfs_root, const char *force, int can_force,
			struct sr_err *e)
{
	struct stat sb;

	if (!t->is_blk)
		return fstat(t->fd, &sb) ? 0 : backing_check(t->path, sb.st_dev, sb.st_ino, sysfs_root, force,
							      can_force, e);
	return write_check(t->path, "it", t->dev, t->disk, sysfs_root, force, can_force, e);
}

int sr_target_write_check(const struct sr_target *t, const char *sysfs_root, struct sr_err *e)
{
	return target_check(t, sysfs_root, NULL, 0, e);
}

int sr_target_write_check_force(const struct sr_target *t, const char *sysfs_root,
				const char *force, struct sr_err *e)
{
	return target_check(t, sysfs_root, force, 1, e);
}

static int path_check(const char *path, const char *sysfs_root, const char *force, int can_force, struct sr_err *e)
{
	struct stat sb;
	char disk[64];

	if (stat(path, &sb))
		return 0; /* nothing yet: sr_target_open says what is wrong */
	if (S_ISREG(sb.st_mode))
		return backing_check(path, sb.st_dev, sb.st_ino, sysfs_root, force, can_force, e);
	if (!S_ISBLK(sb.st_mode))
		return 0;
	disk_name(sb.st_rdev, disk, sizeof(disk));
	return write_check(path, "it", sb.st_rdev, disk, sysfs_root, force, can_force, e);
}

int sr_target_write_check_path(const char *path, const char *sysfs_root, const char *force,
			       struct sr_err *e)
{
	return path_check(path, sysfs_root, force, 1, e);
}

int sr_target_write_check_path_plain(const char *path, const char *sysfs_root, struct sr_err *e)
{
	return path_check(path, sysfs_root, NULL, 0, e);
}

int sr_disk_stat(const char *sysfs_root, const char *disk, struct sr_disk_stat *st)
{
	char path[512];
	uint64_t v[11] = { 0 };
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "%s/block/%s/stat", sysfs_root, disk);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fscanf(f, "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
		   " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64,
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10]);
	fclose(f);
	if (n < 7)
		return -EINVAL;
	st->rd_sectors = v[2];
	st->wr_sectors = v[6];
	st->have_ticks = n >= 10;
	st->io_ticks_ms = n >= 10 ? v[9] : 0;
	st->rd_ios = v[0];
	st->rd_merges = v[1];
	st->rd_ticks_ms = v[3];
	st->wr_ios = v[4];
	st->wr_merges = v[5];
	st->wr_ticks_ms = v[7];
	st->in_queue_ms = n >= 11 ? v[10] : 0;
	return 0;
}

int sr_disk_sectors(const char *sysfs_root, const char *disk, uint64_t *rd, uint64_t *wr)
{
	struct sr_disk_stat st = { 0 };
	int ret = sr_disk_stat(sysfs_root, disk, &st);

	if (ret)
		return ret;
	*rd = st.rd_sectors;
	*wr = st.wr_sectors;
	return 0;
}
