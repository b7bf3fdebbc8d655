/* Whether the page cache reads a file into large folios: the filesystem
 * must support them and the kernel be new enough. Read from statfs(2) and
 * uname(2), not measured: simulate needs the answer before any I/O, and a
 * measurement (a file streamed through mmap, FilePmdMapped in smaps) sees
 * only PMD-sized folios, which need readahead windows of 2 MiB or more. */
#include "devices/discover.h"

#include <linux/magic.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>

#define FOLIO_PMD (2u << 20)

/* "6.18.44-fc" -> 618; 0 when it does not parse */
static unsigned kernel_version(const char *release)
{
	unsigned major, minor;

	if (sscanf(release, "%u.%u", &major, &minor) != 2 || minor > 99)
		return 0;
	return major * 100 + minor;
}

uint64_t sr_dev_max_folio_for(unsigned long fs_magic, const char *release, char *why, size_t n)
{
	unsigned v = kernel_version(release);
	const char *fs = NULL;
	unsigned since = 0;

	switch (fs_magic) {
	case EXT4_SUPER_MAGIC: /* ext2/3/4 share it; ext4 reads into large folios from 6.16 */
		fs = "ext4";
		since = 616;
		break;
	case XFS_SUPER_MAGIC: /* from 5.18 */
		fs = "xfs";
		since = 518;
		break;
	default:
		break;
	}
	if (fs && v >= since) {
		snprintf(why, n, "%s on Linux %u.%u: large folios since %u.%u", fs, v / 100, v % 100, since / 100,
			 since % 100);
		return FOLIO_PMD;
	}
	if (fs)
		snprintf(why, n, "%s on Linux %u.%u: large folios only from %u.%u", fs, v / 100, v % 100, since / 100,
			 since % 100);
	else
		snprintf(why, n, "a filesystem or device not known to read into large folios");
	return 4096;
}

uint64_t sr_dev_max_folio(const char *path, char *why, size_t n)
{
	struct statfs sf;
	struct utsname u;
	struct stat st;

	if (stat(path, &st) == 0 && S_ISBLK(st.st_mode)) {
		snprintf(why, n, "a block device's page cache");
		return 4096;
	}
	if (statfs(path, &sf) != 0 || uname(&u) != 0) {
		snprintf(why, n, "%s: filesystem unknown", path);
		return 4096;
	}
	return sr_dev_max_folio_for((unsigned long)sf.f_type, u.release, why, n);
}
