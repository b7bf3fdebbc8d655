/* Sampling /proc/PID/maps (see procmaps.h). Lines look like
 *	7f3a00000000-7f3a02000000 r--s 00000000 fe:00 10855076    /m/model.gguf
 * (fs/proc/task_mmu.c show_map_vma: hex addresses, offset and device, the
 * inode in decimal, the path padded to a column). The kernel lists mappings
 * by address, so two samples compare in one merge pass. */
#include "trace/procmaps.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct pmap {
	uint64_t start, end, off, ino;
	unsigned maj, min;
	char perms[5];
	char *path;
};

struct pset {
	struct pmap *v;
	size_t n, cap;
};

struct sr_procmaps {
	pid_t pid;
	int have_file;
	unsigned maj, min;
	uint64_t ino;
	char *real;          /* realpath of the file, to match by path too */
	struct pset cur, prev, gone;
	unsigned char *added; /* [cur.n]: new in the last sample */
	size_t added_cap;
	char *line;          /* getline's buffer */
	size_t line_cap;
};

static void pset_clear(struct pset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].path);
	s->n = 0;
}

static int pset_push(struct pset *s, const struct pmap *m)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct pmap *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *m;
	return 0;
}

int sr_procmaps_new(pid_t pid, const char *file, struct sr_procmaps **out, struct sr_err *e)
{
	struct sr_procmaps *m;
	struct stat st;

	*out = NULL;
	if (file && stat(file, &st))
		return sr_inputf(e, "%s: --file: %s", file, strerror(errno));
	if (file && !S_ISREG(st.st_mode))
		return sr_inputf(e, "%s: --file: expected a regular file (the one the command maps)", file);
	m = calloc(1, sizeof(*m));
	if (!m)
		return sr_errf(e, -ENOMEM, "out of memory");
	m->pid = pid;
	if (file) {
		m->have_file = 1;
		m->maj = major(st.st_dev);
		m->min = minor(st.st_dev);
		m->ino = (uint64_t)st.st_ino;
		m->real = realpath(file, NULL);
	}
	*out = m;
	return 0;
}

/* One maps line into *p (path pointing into line): 1 for a file mapping
 * we follow, 0 for any other line. */
static int parse_line(const struct sr_procmaps *m, char *line, struct pmap *p)
{
	unsigned long long start, end, off, ino;
	unsigned maj, min;
	char perms[8], *path, *nl;
	int n = 0;

	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &off, &maj, &min,
		   &ino, &n) != 7 || !n || !ino || strlen(perms) != 4)
		return 0;
	path = line + n;
	nl = strchr(path, '\n');
	if (nl)
		*nl = '\0';
	if (m->have_file && !(maj == m->maj && min == m->min && ino == m->ino) &&
	    !(m->real && !strcmp(path, m->real)))
		return 0;
	*p = (struct pmap){ .start = start, .end = end, .off = off, .ino = ino, .maj = maj, .min = min,
			    .path = path };
	memcpy(p->perms, perms, 5);
	return 1;
}

static int same(const struct pmap *a, const struct pmap *b)
{
	return a->start == b->start && a->end == b->end && a->off == b->off && a->ino == b->ino &&
	       a->maj == b->maj && a->min == b->min;
}

int sr_procmaps_sample(struct sr_procmaps *m, struct sr_err *e)
{
	char path[64];
	struct pset t;
	struct pmap p;
	size_t i, j;
	FILE *f;

	t = m->prev;
	m->prev = m->cur;
	m->cur = t;
	pset_clear(&m->cur);
	pset_clear(&m->gone);
	snprintf(path, sizeof(path), "/proc/%ld/maps", (long)m->pid);
	f = fopen(path, "re");
	if (f) { /* gone: no mappings */
		while (getline(&m->line, &m->line_cap, f) > 0) {
			if (!parse_line(m, m->line, &p))
				continue;
			p.path = strdup(p.path);
			if (!p.path || pset_push(&m->cur, &p)) {
				free(p.path);
				fclose(f);
				return sr_errf(e, -ENOMEM, "out of memory");
			}
		}
		fclose(f);
	}
	if (m->added_cap < m->cur.n) {
		unsigned char *a = realloc(m->added, m->cur.n);

		if (!a)
			return sr_errf(e, -ENOMEM, "out of memory");
		m->added = a;
		m->added_cap = m->cur.n;
	}
	/* both lists go by start address */
	for (i = j = 0; i < m->cur.n || j < m->prev.n;) {
		if (j == m->prev.n || (i < m->cur.n && m->cur.v[i].start < m->prev.v[j].start)) {
			m->added[i++] = 1;
		} else if (i == m->cur.n || m->prev.v[j].start < m->cur.v[i].start) {
			p = m->prev.v[j++];
			p.path = strdup(p.path);
			if (!p.path || pset_push(&m->gone, &p)) {
				free(p.path);
				return sr_errf(e, -ENOMEM, "out of memory");
			}
		} else if (same(&m->cur.v[i], &m->prev.v[j])) {
			m->added[i++] = 0;
			j++;
		} else { /* same start, another mapping: the old one went */
			p = m->prev.v[j++];
			p.path = strdup(p.path);
			if (!p.path || pset_push(&m->gone, &p)) {
				free(p.path);
				return sr_errf(e, -ENOMEM, "out of memory");
			}
			m->added[i++] = 1;
		}
	}
	return 0;
}

static int write_all(int fd, const char *s, size_t n, struct sr_err *e)
{
	ssize_t w;
	int err;

	while (n) {
		w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? errno : EIO;
			return sr_errf(e, -err, "cannot write the trace: %s", strerror(err));
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int sr_procmaps_write(struct sr_procmaps *m, int fd, int add, uint64_t *bytes, struct sr_err *e)
{
	const struct pset *s = add ? &m->cur : &m->gone;
	char buf[PATH_MAX + 256];
	size_t i;
	int n, ret;

	for (i = 0; i < s->n; i++) {
		const struct pmap *p = &s->v[i];

		if (add && !m->added[i])
			continue;
		n = snprintf(buf, sizeof(buf), "# map %s pid=%ld start=0x%" PRIx64 " end=0x%" PRIx64
			     " off=0x%" PRIx64 " perms=%s dev=%u:%u ino=0x%" PRIx64 " path=%s\n",
			     add ? "add" : "del", (long)m->pid, p->start, p->end, p->off, p->perms,
			     p->maj, p->min, p->ino, p->path);
		if (n < 0)
			continue;
		if ((size_t)n >= sizeof(buf)) { /* a path too long for us: cut, keep the line */
			n = (int)sizeof(buf) - 1;
			buf[n - 1] = '\n';
		}
		ret = write_all(fd, buf, (size_t)n, e);
		if (ret)
			return ret;
		*bytes += (uint64_t)n;
	}
	return 0;
}

int sr_procmaps_file(const struct sr_procmaps *m, uint32_t *maj, uint32_t *min, uint64_t *ino)
{
	if (!m->have_file)
		return -ENOENT;
	*maj = m->maj;
	*min = m->min;
	*ino = m->ino;
	return 0;
}

void sr_procmaps_free(struct sr_procmaps *m)
{
	if (!m)
		return;
	pset_clear(&m->cur);
	pset_clear(&m->prev);
	pset_clear(&m->gone);
	free(m->cur.v);
	free(m->prev.v);
	free(m->gone.v);
	free(m->added);
	free(m->real);
	free(m->line);
	free(m);
}
