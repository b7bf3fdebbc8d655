#include "real/swapfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/swap.h>
#include <unistd.h>

/* linux/swap.h's union swap_header: info.version at 1024, last_page, then
 * nr_badpages; the magic ends the first page. */
void sr_swap_header(unsigned char *page, size_t pagesz, uint64_t npages)
{
	uint32_t version = 1, last = (uint32_t)(npages - 1), nbad = 0;

	memset(page, 0, pagesz);
	memcpy(page + 1024, &version, 4);
	memcpy(page + 1028, &last, 4);
	memcpy(page + 1032, &nbad, 4);
	memcpy(page + pagesz - 10, "SWAPSPACE2", 10);
}

int sr_swapfile_on(struct sr_swapfile *sw, const char *path, uint64_t size, struct sr_err *e)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), chunk = 1u << 20;
	uint64_t npages = size / pg, off, total = npages * pg;
	unsigned char *buf = NULL;
	int fd, ret = 0;

	memset(sw, 0, sizeof(*sw));
	if (npages < 10 || npages - 1 > UINT32_MAX)
		return sr_inputf(e, "--swap-file: %llu bytes: expected 40 KiB to 16 TiB", (unsigned long long)size);
	if (snprintf(sw->path, sizeof(sw->path), "%s", path) >= (int)sizeof(sw->path))
		return sr_inputf(e, "--swap-file: path too long");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		sw->path[0] = 0;
		return sr_errf(e, ret, "%s: %s", path, strerror(-ret));
	}
	buf = calloc(1, chunk > pg ? chunk : pg);
	if (!buf) {
		ret = sr_errf(e, -ENOMEM, "%s: out of memory", path);
		goto fail;
	}
	/* every block written: a file with holes cannot be a swap area */
	for (off = 0; off < total; off += chunk) {
		size_t n = total - off < chunk ? (size_t)(total - off) : chunk;

		if (sr_stop_requested) {
			ret = sr_errf(e, -EINTR, "%s: writing interrupted, removed", path);
			goto fail;
		}
		if (off == 0)
			sr_swap_header(buf, pg, npages);
		if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n) {
			ret = errno ? -errno : -ENOSPC;
			sr_errf(e, ret, "%s: writing %llu bytes: %s", path, (unsigned long long)total, strerror(-ret));
			goto fail;
		}
		if (off == 0)
			memset(buf, 0, pg);
	}
	if (fsync(fd)) {
		ret = -errno;
		sr_errf(e, ret, "%s: fsync: %s", path, strerror(-ret));
		goto fail;
	}
	close(fd);
	fd = -1;
	if (swapon(path, 0)) {
		ret = -errno;
		sr_errf(e, ret, "%s: swapon: %s%s", path, strerror(-ret),
			ret == -EINVAL ? " (a file system that cannot hold swap files, tmpfs for one?)" :
			ret == -EPERM ? " (needs root)" : "");
		goto fail;
	}
	sw->on = 1;
	free(buf);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	unlink(path);
	sw->path[0] = 0;
	return ret;
}

int sr_swapfile_off(struct sr_swapfile *sw)
{
	if (!sw->path[0])
		return 0;
	if (sw->on && swapoff(sw->path))
		return -errno;
	sw->on = 0;
	unlink(sw->path);
	sw->path[0] = 0;
	return 0;
}
