/* gzip and zstd traces; see decomp.h. The whole stream is decompressed into
 * an unlinked file under $TMPDIR (O_TMPFILE, memfd where that fails):
 * readers stay plain read()/lseek() code and error offsets stay offsets
 * into the decompressed text, which is what a user sees with zcat. */
#include "trace/decomp.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef SR_HAVE_ZLIB
#include <zlib.h>
#endif
#ifdef SR_HAVE_ZSTD
#include <zstd.h>
#endif

#define CHUNK (256u << 10)

static struct {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	int fd; /* decompressed copy, or -1 */
} cache = { .fd = -1 };

static struct {
	sr_trace_decomp_fn fn;
	void *arg;
	uint64_t total; /* the compressed file's size */
} watch;

void sr_trace_decomp_watch(sr_trace_decomp_fn fn, void *arg)
{
	watch.fn = fn;
	watch.arg = arg;
}

static inline void tell(const char *path, uint64_t done) /* inline: unused without zlib and libzstd */
{
	if (watch.fn)
		watch.fn(watch.arg, path, done < watch.total ? done : watch.total, watch.total);
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int tmp_file(void)
{
	const char *dir = getenv("TMPDIR");
	int fd = open(dir && *dir ? dir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	return fd >= 0 ? fd : memfd_create("ssdreplay-trace", MFD_CLOEXEC);
}

#ifdef SR_HAVE_ZLIB
static int gunzip(const char *path, int in, int out, struct sr_err *e)
{
	gzFile gz = gzdopen(dup(in), "rb");
	char *buf = malloc(CHUNK);
	int n, ret = 0, zerr;

	if (!gz || !buf) {
		ret = sr_errf(e, -ENOMEM, "%s: out of memory", path);
		goto out;
	}
	gzbuffer(gz, CHUNK);
	while ((n = gzread(gz, buf, CHUNK)) > 0) {
		if (sr_stop_requested) {
			ret = sr_errf(e, -EINTR, "%s: stopped", path);
			goto out;
		}
		if ((ret = write_all(out, buf, (size_t)n))) {
			ret = sr_errf(e, ret, "%s: writing the decompressed trace: %s", path, strerror(-ret));
			goto out;
		}
		tell(path, (uint64_t)gzoffset(gz)); /* compressed bytes read so far */
	}
	if (n < 0 || (gzerror(gz, &zerr), zerr != Z_OK && zerr != Z_STREAM_END)) {
		const char *msg = gzerror(gz, &zerr), *c = strstr(msg, ">: ");

		ret = sr_inputf(e, "%s: gzip data: %s (after %lld decompressed bytes)", path, c ? c + 3 : msg,
				(long long)lseek(out, 0, SEEK_CUR));
	}
out:
	if (gz)
		gzclose(gz);
	free(buf);
	return ret;
}
#endif

#ifdef SR_HAVE_ZSTD
static int unzstd(const char *path, int in, int out, struct sr_err *e)
{
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	size_t isz = ZSTD_DStreamInSize(), osz = ZSTD_DStreamOutSize(), last = 0;
	char *ib = malloc(isz), *ob = malloc(osz);
	uint64_t consumed = 0;
	ssize_t r;
	int ret = 0;

	if (!dc || !ib || !ob) {
		ret = sr_errf(e, -ENOMEM, "%s: out of memory", path);
		goto out;
	}
	while ((r = read(in, ib, isz)) != 0) {
		ZSTD_inBuffer zi = { ib, 0, 0 };

		if (r < 0 && errno == EINTR && !sr_stop_requested)
			continue;
		if (r < 0 || sr_stop_requested) {
			ret = r < 0 ? sr_errf(e, -errno, "%s: read: %s", path, strerror(errno))
				    : sr_errf(e, -EINTR, "%s: stopped", path);
			goto out;
		}
		zi.size = (size_t)r;
		while (zi.pos < zi.size) {
			ZSTD_outBuffer zo = { ob, osz, 0 };

			last = ZSTD_decompressStream(dc, &zo, &zi);
			if (ZSTD_isError(last)) {
				ret = sr_inputf(e, "%s@%llu: zstd data: %s", path,
						(unsigned long long)(consumed + zi.pos), ZSTD_getErrorName(last));
				goto out;
			}
			if ((ret = write_all(out, ob, zo.pos))) {
				ret = sr_errf(e, ret, "%s: writing the decompressed trace: %s", path, strerror(-ret));
				goto out;
			}
		}
		consumed += (uint64_t)r;
		tell(path, consumed);
	}
	if (last)
		ret = sr_inputf(e, "%s@%llu: truncated zstd frame", path, (unsigned long long)consumed);
out:
	ZSTD_freeDCtx(dc);
	free(ib);
	free(ob);
	return ret;
}
#endif

/* A fresh open file description of the cached copy: its own offset. */
static int reopen_cache(const char *path, struct sr_err *e)
{
	char proc[64];
	int fd;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", cache.fd);
	fd = open(proc, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sr_errf(e, -errno, "%s: reopening the decompressed copy: %s", path, strerror(errno));
	return fd;
}

static int decompress(const char *path, int fd, const struct stat *st, int zstd, struct sr_err *e)
{
	int out = tmp_file(), ret;

	if (out < 0)
		return sr_errf(e, -errno, "%s: no temporary file for the decompressed trace: %s", path,
			       strerror(errno));
	watch.total = (uint64_t)st->st_size;
#if defined(SR_HAVE_ZLIB) && defined(SR_HAVE_ZSTD)
	ret = zstd ? unzstd(path, fd, out, e) : gunzip(path, fd, out, e);
#elif defined(SR_HAVE_ZLIB)
	ret = zstd ? sr_inputf(e, "%s: zstd-compressed, and this build has no libzstd (ssdreplay --version)", path)
		   : gunzip(path, fd, out, e);
#elif defined(SR_HAVE_ZSTD)
	ret = zstd ? unzstd(path, fd, out, e)
		   : sr_inputf(e, "%s: gzip-compressed, and this build has no zlib (ssdreplay --version)", path);
#else
	ret = sr_inputf(e, "%s: %s-compressed, and this build has neither zlib nor libzstd (ssdreplay --version)",
			path, zstd ? "zstd" : "gzip");
#endif
	if (ret) {
		close(out);
		return ret;
	}
	tell(path, watch.total); /* all of it (gzip's offset leaves out its trailer) */
	if (cache.fd >= 0)
		close(cache.fd);
	cache.fd = out;
	cache.dev = st->st_dev;
	cache.ino = st->st_ino;
	cache.size = st->st_size;
	cache.mtime = st->st_mtim;
	return 0;
}

int sr_trace_open_fd(const char *path, struct sr_err *e)
{
	static const unsigned char gz[2] = { 0x1f, 0x8b }, zs[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	unsigned char magic[4];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), zstd, ret;

	if (fd < 0)
		return sr_inputf(e, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || pread(fd, magic, 4, 0) != 4)
		return fd; /* not a regular file, or too short to be compressed: as it is */
	zstd = !memcmp(magic, zs, 4);
	if (!zstd && memcmp(magic, gz, 2))
		return fd;
	if (cache.fd < 0 || cache.dev != st.st_dev || cache.ino != st.st_ino || cache.size != st.st_size ||
	    cache.mtime.tv_sec != st.st_mtim.tv_sec || cache.mtime.tv_nsec != st.st_mtim.tv_nsec) {
		ret = decompress(path, fd, &st, zstd, e);
		if (ret) {
			close(fd);
			return ret;
		}
	}
	close(fd);
	return reopen_cache(path, e);
}
