#include "trace/fiemap.h"
#include "trace/filekey.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define BATCH_EXTENTS 256

static int by_phys(const void *a, const void *b)
{
	const struct sr_extent *x = a, *y = b;

	return x->phys < y->phys ? -1 : x->phys > y->phys;
}

int sr_fiemap_read(const char *path, struct sr_extent **out, size_t *n, struct sr_err *e)
{
	size_t sz = sizeof(struct fiemap) + BATCH_EXTENTS * sizeof(struct fiemap_extent);
	struct fiemap *fm = NULL;
	struct sr_extent *ext = NULL;
	size_t cnt = 0, cap = 0;
	uint64_t start = 0;
	int fd, ret = 0, last = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sr_inputf(e, "%s: --file-map: %s", path, strerror(errno));
	fm = malloc(sz);
	if (!fm) {
		ret = sr_errf(e, -ENOMEM, "out of memory");
		goto out;
	}
	while (!last) {
		unsigned i;

		memset(fm, 0, sz);
		fm->fm_start = start;
		fm->fm_length = FIEMAP_MAX_OFFSET - start;
		fm->fm_flags = FIEMAP_FLAG_SYNC; /* delayed allocations get their blocks now */
		fm->fm_extent_count = BATCH_EXTENTS;
		if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0) {
			ret = sr_inputf(e, "%s: --file-map: FIEMAP not supported here: %s", path, strerror(errno));
			goto out;
		}
		if (!fm->fm_mapped_extents)
			break;
		for (i = 0; i < fm->fm_mapped_extents; i++) {
			struct fiemap_extent *fe = &fm->fm_extents[i];

			if (fe->fe_flags & FIEMAP_EXTENT_LAST)
				last = 1;
			start = fe->fe_logical + fe->fe_length;
			if (fe->fe_flags & (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DATA_INLINE |
					    FIEMAP_EXTENT_ENCODED | FIEMAP_EXTENT_DATA_ENCRYPTED)) {
				ret = sr_inputf(e, "%s: --file-map: extent at file offset %llu has no plain device address",
						path, (unsigned long long)fe->fe_logical);
				goto out;
			}
			if (fe->fe_flags & FIEMAP_EXTENT_UNWRITTEN)
				continue;
			if (cnt == cap) {
				struct sr_extent *p;

				cap = cap ? cap * 2 : 64;
				p = realloc(ext, cap * sizeof(*ext));
				if (!p) {
					ret = sr_errf(e, -ENOMEM, "out of memory");
					goto out;
				}
				ext = p;
			}
			ext[cnt++] = (struct sr_extent){ fe->fe_physical, fe->fe_logical, fe->fe_length };
		}
	}
	qsort(ext, cnt, sizeof(*ext), by_phys);
	*out = ext;
	*n = cnt;
	ext = NULL;
out:
	free(ext);
	free(fm);
	close(fd);
	return ret;
}

struct fmap_src {
	struct sr_source src;
	struct sr_source *inner;
	struct sr_extent *ext;
	size_t n;
	uint64_t dev_base;
	struct sr_rec in[256];
	size_t in_n, in_pos;
	struct sr_rec cur;  /* record being cut across extents */
	int have_cur;
	int inner_done;
};

/* First extent whose end is past off. */
static size_t find_ext(const struct fmap_src *m, uint64_t off)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->ext[mid].phys + m->ext[mid].len <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Cut the next piece of m->cur that lies in an extent into *out. */
static int next_piece(struct fmap_src *m, struct sr_rec *out)
{
	struct sr_rec *c = &m->cur;
	size_t i = find_ext(m, c->off);
	const struct sr_extent *x;
	uint64_t end = c->off + c->len, s, t;

	if (i == m->n || m->ext[i].phys >= end) {
		m->have_cur = 0;
		return 0;
	}
	x = &m->ext[i];
	s = c->off > x->phys ? c->off : x->phys;
	t = end < x->phys + x->len ? end : x->phys + x->len;
	*out = *c;
	out->off = x->logical + (s - x->phys);
	out->len = t - s;
	c->len = end - t;
	c->off = t;
	if (!c->len)
		m->have_cur = 0;
	return 1;
}

static int fmap_next(struct sr_source *s, struct sr_rec *out, size_t max, struct sr_err *e)
{
	struct fmap_src *m = (struct fmap_src *)s;
	size_t n = 0;

	while (n < max) {
		if (m->have_cur) {
			n += (size_t)next_piece(m, &out[n]);
			continue;
		}
		if (m->in_pos == m->in_n) {
			int got;

			if (m->inner_done || n)
				break; /* hand out what we have before blocking on more */
			got = sr_source_next(m->inner, m->in, 256, e);
			if (got < 0)
				return got;
			if (!got) {
				m->inner_done = 1;
				break;
			}
			m->in_n = (size_t)got;
			m->in_pos = 0;
		}
		m->cur = m->in[m->in_pos++];
		if (m->cur.op == SR_OP_SYNC || !m->cur.len || m->cur.off < m->dev_base) {
			if (m->cur.op == SR_OP_SYNC)
				out[n++] = m->cur; /* no address: passes as it is */
			continue;
		}
		m->cur.off -= m->dev_base;
		m->have_cur = 1;
	}
	return (int)n;
}

static int fmap_rewind(struct sr_source *s, struct sr_err *e)
{
	struct fmap_src *m = (struct fmap_src *)s;

	m->in_n = m->in_pos = 0;
	m->have_cur = m->inner_done = 0;
	return m->inner->rewind(m->inner, e);
}

static void fmap_pos(struct sr_source *s, uint64_t *done, uint64_t *total)
{
	sr_source_pos(((struct fmap_src *)s)->inner, done, total);
}

static void fmap_close(struct sr_source *s)
{
	struct fmap_src *m = (struct fmap_src *)s;

	m->inner->close(m->inner);
	free(m->ext);
	free(m);
}

int sr_fiemap_wrap(struct sr_source **src, const char *path, uint64_t dev_base, struct sr_err *e)
{
	struct fmap_src *m = calloc(1, sizeof(*m));
	int ret;

	if (!m)
		return sr_errf(e, -ENOMEM, "out of memory");
	ret = sr_fiemap_read(path, &m->ext, &m->n, e);
	if (ret) {
		free(m);
		return ret;
	}
	m->inner = *src;
	m->dev_base = dev_base;
	sr_source_wrap(&m->src, m->inner, fmap_next, fmap_rewind, fmap_close, fmap_pos);
	*src = &m->src;
	return 0;
}

int sr_file_key_of(const char *path, struct sr_file_key *k, struct sr_err *e)
{
	struct stat st;

	if (stat(path, &st))
		return sr_inputf(e, "%s: --file-map: %s", path, strerror(errno));
	k->have_dev = 1;
	k->major = major(st.st_dev);
	k->minor = minor(st.st_dev);
	k->ino = (uint64_t)st.st_ino;
	return 0;
}
