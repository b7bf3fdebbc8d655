#include "devices/ramtarget.h"

#include <ctype.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "devices/discover.h"

static int fs_ram(const char *path, char *kind, size_t n)
{
	struct statfs sf;

	if (statfs(path, &sf))
		return 0;
	if (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC) {
		snprintf(kind, n, "%s", sf.f_type == TMPFS_MAGIC ? "tmpfs" : "ramfs");
		return 1;
	}
	return 0;
}

/* depth bounds loop-over-loop chains */
static int path_ram(const char *sysfs_root, const char *path, char *kind, size_t n, int depth)
{
	char disk[64], note[256], p[512], bf[4096], inner[128];
	struct sr_err e = { 0 };
	struct stat sb;
	FILE *f;
	int ok;

	if (stat(path, &sb))
		return 0;
	/* a file on tmpfs; a device node's own file system (devtmpfs) is no answer */
	if (!S_ISBLK(sb.st_mode) && fs_ram(path, kind, n))
		return 1;
	if (sr_disk_for_path(path, sysfs_root, disk, sizeof(disk), note, sizeof(note), &e))
		return 0;
	if (!strncmp(disk, "zram", 4)) {
		snprintf(kind, n, "%s", disk);
		return 1;
	}
	if (!strncmp(disk, "ram", 3) && isdigit((unsigned char)disk[3])) {
		snprintf(kind, n, "%s (brd)", disk);
		return 1;
	}
	if (strncmp(disk, "loop", 4) || depth > 4)
		return 0;
	snprintf(p, sizeof(p), "%s/block/%s/loop/backing_file", sysfs_root, disk);
	f = fopen(p, "r");
	if (!f)
		return 0;
	ok = fgets(bf, sizeof(bf), f) != NULL;
	fclose(f);
	if (!ok)
		return 0;
	bf[strcspn(bf, "\n")] = '\0';
	if (!path_ram(sysfs_root, bf, inner, sizeof(inner), depth + 1))
		return 0;
	snprintf(kind, n, "%s over %s", disk, inner);
	return 1;
}

int sr_ram_backed(const char *sysfs_root, const char *path, char *kind, size_t n)
{
	return path_ram(sysfs_root, path, kind, n, 0);
}
