/* blktrace binary traces: the per-CPU files `blktrace -d DEV` writes,
 * DEV.blktrace.0, DEV.blktrace.1, ..., each a run of records
 *
 *	v7: struct blk_io_trace (48 bytes)   v8: struct blk_io_trace2 (64 bytes)
 *	 0 u32 magic 0x654174VV                0 u32 magic, 4 u32 sequence
 *	 4 u32 sequence, 8 u64 time (ns)       8 u64 time, 16 u64 sector
 *	16 u64 sector (512 B), 24 u32 bytes   24 u32 bytes, 28 u32 pid
 *	28 u32 action, 32 u32 pid             32 u64 action, 40 u32 device
 *	36 u32 device, 40 u32 cpu             44 u32 cpu, 48 u16 error
 *	44 u16 error, 46 u16 pdu_len          50 u16 pdu_len, 52 u8 pad[12]
 *
 * each followed by pdu_len bytes of payload, in the byte order of the host
 * that recorded it (told by the magic, checked on every record). The path
 * is one such file, a directory of them (every DEV in it), or the DEV name
 * ("dir/sda" or "dir/sda.blktrace"). The files are merged by time with a
 * heap, ties going to the lower cpu, then the lower sequence number; each
 * has one buffer, nothing is loaded whole.
 *
 * Kept: the event o->event picks (D issue, Q queue, C complete) of
 * filesystem requests: DISCARD is trim, WRITE write, else read; a data-less
 * FLUSH is a sync; other empty requests, passthrough (PC) requests and
 * notify records (BLK_TN_PROCESS names a pid: used for --comm) are skipped.
 * With o->lat, every Q, M, F, R, D and C event of a request also goes to
 * the Q/D/C pairing (blklat.h), process names too; the records stay one
 * per request, at the event o->event picks.
 * Times count from the first kept event. rec->seq is the 1-based number of
 * the record in the merged stream of all records (notify ones included);
 * errors name the file and the record's byte offset, FILE@OFFSET. */
#include "trace/blklat.h"
#include "trace/decomp.h"
#include "trace/devseen.h"
#include "trace/lines.h"

#include <byteswap.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BT_MAGIC 0x65617400u
#define BT_V7 7u
#define BT_V8 8u
#define BT_HDR7 48u
#define BT_HDR8 64u
#define BT_BUF (128u << 10) /* per file; holds the largest record (64 + 65535) */
#define BT_COMM 16u         /* TASK_COMM_LEN */

/* action & 0xffff: the event; action >> 16: categories (blktrace_api.h) */
#define TA_QUEUE 1u
#define TA_BACKMERGE 2u
#define TA_FRONTMERGE 3u
#define TA_REQUEUE 6u
#define TA_ISSUE 7u
#define TA_COMPLETE 8u
#define TA_CGROUP 0x100u /* flag: an 8-byte cgroup id opens the PDU */
#define TN_PROCESS 0u
#define TC_WRITE (1u << 1)
#define TC_FLUSH (1u << 2)
#define TC_PC (1u << 9)
#define TC_NOTIFY (1u << 10)
#define TC_DISCARD (1u << 13)

_Static_assert(BT_BUF >= BT_HDR8 + UINT16_MAX, "a record must fit the buffer");

struct bt_file {
	int fd;
	char *path;
	uint8_t *buf;      /* BT_BUF bytes; unread data is buf[start, end) */
	size_t start, end;
	uint64_t pos;      /* file offset of buf[start] */
	uint64_t size;     /* at open; 0: not a regular file */
	int eof;
	unsigned ver;      /* of the last record, for messages */
	/* the record at buf[start], cur bytes with its PDU */
	size_t cur;
	uint64_t time, sector, action;
	uint32_t seq, bytes, pid, dev, cpu;
	uint16_t pdu_len;
};

struct bt_comm {
	uint32_t pid;
	char comm[BT_COMM]; /* "" marks a free slot */
};

struct bt_src {
	struct sr_source src;
	struct sr_trace_opts o;
	struct sr_err err;      /* kept error, see sr_err_forward() */
	struct bt_file *files;
	size_t nfiles;
	unsigned *heap;         /* file indexes, smallest (time, cpu, seq) first */
	size_t nheap;
	int primed, have_t0, filter;
	uint64_t t0, recno;
	unsigned want;          /* event kept */
	struct bt_comm *comms;  /* pid -> comm, open addressing (--comm only) */
	size_t ncomm, comm_cap;
};

static uint32_t ld32(const uint8_t *p, int swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? bswap_32(v) : v;
}

static uint64_t ld64(const uint8_t *p, int swap)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return swap ? bswap_64(v) : v;
}

static uint16_t ld16(const uint8_t *p, int swap)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return swap ? bswap_16(v) : v;
}

/* Make at least need bytes readable at buf[start] unless the file ends. */
static int refill(struct bt_file *f, size_t need, struct sr_err *e)
{
	ssize_t r;

	if (f->start) {
		memmove(f->buf, f->buf + f->start, f->end - f->start);
		f->end -= f->start;
		f->start = 0;
	}
	while (f->end < need && !f->eof) {
		r = read(f->fd, f->buf + f->end, BT_BUF - f->end);
		if (r < 0 && errno == EINTR && !sr_stop_requested)
			continue;
		if (r < 0)
			return sr_errf(e, -errno, "%s@%llu: read: %s", f->path,
				       (unsigned long long)(f->pos + f->end), strerror(errno));
		if (!r)
			f->eof = 1;
		f->end += (size_t)r;
	}
	return 0;
}

static int truncated(struct bt_file *f, size_t want, size_t got, unsigned pdu,
		     struct sr_err *e)
{
	char extra[48] = "";

	if (pdu)
		snprintf(extra, sizeof(extra), " (with a %u-byte PDU)", pdu);
	return sr_inputf(e, "%s@%llu: truncated record: expected %zu bytes%s, found %zu", f->path,
			 (unsigned long long)f->pos, want, extra, got);
}

/* Step past the current record and decode the next: 1, 0 at the end of the
 * file, or -errno. */
static int advance(struct bt_file *f, struct sr_err *e)
{
	const uint8_t *p;
	size_t avail, hdr, need;
	uint32_t m;
	int swap, ret;

	f->start += f->cur;
	f->pos += f->cur;
	f->cur = 0;
	if (f->end - f->start < BT_HDR8 && !f->eof) {
		ret = refill(f, BT_HDR8, e);
		if (ret)
			return ret;
	}
	avail = f->end - f->start;
	if (!avail)
		return 0;
	if (avail < 4)
		return truncated(f, f->ver == BT_V8 ? BT_HDR8 : BT_HDR7, avail, 0, e);
	p = f->buf + f->start;
	memcpy(&m, p, 4);
	swap = 0;
	if ((m & ~0xffu) != BT_MAGIC) {
		swap = 1;
		m = bswap_32(m);
		if ((m & ~0xffu) != BT_MAGIC)
			return sr_inputf(e, "%s@%llu: expected blktrace magic 0x%08x, found 0x%08x",
					 f->path, (unsigned long long)f->pos, BT_MAGIC | f->ver,
					 bswap_32(m));
	}
	if ((m & 0xff) != BT_V7 && (m & 0xff) != BT_V8)
		return sr_inputf(e, "%s@%llu: unknown blktrace version %u, expected %u or %u",
				 f->path, (unsigned long long)f->pos, m & 0xff, BT_V7, BT_V8);
	f->ver = m & 0xff;
	hdr = f->ver == BT_V7 ? BT_HDR7 : BT_HDR8;
	if (avail < hdr)
		return truncated(f, hdr, avail, 0, e);
	f->pdu_len = ld16(p + (f->ver == BT_V7 ? 46 : 50), swap);
	need = hdr + f->pdu_len;
	if (avail < need) {
		ret = refill(f, need, e);
		if (ret)
			return ret;
		avail = f->end - f->start;
		if (avail < need)
			return truncated(f, need, avail, f->pdu_len, e);
		p = f->buf + f->start;
	}
	f->seq = ld32(p + 4, swap);
	f->time = ld64(p + 8, swap);
	f->sector = ld64(p + 16, swap);
	f->bytes = ld32(p + 24, swap);
	if (f->ver == BT_V7) {
		f->action = ld32(p + 28, swap);
		f->pid = ld32(p + 32, swap);
		f->dev = ld32(p + 36, swap);
		f->cpu = ld32(p + 40, swap);
	} else {
		f->pid = ld32(p + 28, swap);
		f->action = ld64(p + 32, swap);
		f->dev = ld32(p + 40, swap);
		f->cpu = ld32(p + 44, swap);
	}
	f->cur = need;
	return 1;
}

/* ---- the merge ---- */

static int before(const struct bt_src *b, unsigned x, unsigned y)
{
	const struct bt_file *a = &b->files[x], *c = &b->files[y];

	if (a->time != c->time)
		return a->time < c->time;
	if (a->cpu != c->cpu)
		return a->cpu < c->cpu;
	if (a->seq != c->seq)
		return a->seq < c->seq;
	return x < y;
}

static void sift_down(struct bt_src *b, size_t i)
{
	unsigned *h = b->heap, v = h[i];
	size_t c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= b->nheap)
			break;
		if (c + 1 < b->nheap && before(b, h[c + 1], h[c]))
			c++;
		if (!before(b, h[c], v))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = v;
}

/* Read every file's first record and heap them up. */
static int prime(struct bt_src *b, struct sr_err *e)
{
	size_t i;
	int ret;

	b->nheap = 0;
	for (i = 0; i < b->nfiles; i++) {
		ret = advance(&b->files[i], e);
		if (ret < 0)
			return ret;
		if (ret)
			b->heap[b->nheap++] = (unsigned)i;
	}
	for (i = b->nheap / 2; i-- > 0;)
		sift_down(b, i);
	b->primed = 1;
	return 0;
}

/* ---- pid -> comm, from BLK_TN_PROCESS notes ---- */

static size_t comm_slot(const struct bt_src *b, uint32_t pid)
{
	size_t i = (pid * 0x9e3779b1u) & (b->comm_cap - 1);

	while (b->comms[i].comm[0] && b->comms[i].pid != pid)
		i = (i + 1) & (b->comm_cap - 1);
	return i;
}

static const char *comm_of(const struct bt_src *b, uint32_t pid)
{
	size_t i;

	if (!b->comm_cap)
		return NULL;
	i = comm_slot(b, pid);
	return b->comms[i].comm[0] ? b->comms[i].comm : NULL;
}

/* A BLK_TN_PROCESS note's name: the PDU after any cgroup id, at most
 * TASK_COMM_LEN - 1 bytes; "" when it has none. */
static void note_name(const struct bt_file *f, char name[BT_COMM])
{
	const char *pdu = (const char *)f->buf + f->start + f->cur - f->pdu_len;
	size_t len = f->pdu_len;

	memset(name, 0, BT_COMM);
	if (f->action & TA_CGROUP) {
		if (len < 8)
			return;
		pdu += 8;
		len -= 8;
	}
	memcpy(name, pdu, len < BT_COMM - 1 ? len : BT_COMM - 1);
}

static int comm_note(struct bt_src *b, const struct bt_file *f, const char *name, struct sr_err *e)
{
	struct bt_comm *old = b->comms;
	size_t i, j;

	if (2 * (b->ncomm + 1) > b->comm_cap) {
		size_t cap = b->comm_cap ? 2 * b->comm_cap : 64;

		b->comms = calloc(cap, sizeof(*b->comms));
		if (!b->comms) {
			b->comms = old;
			return sr_errf(e, -ENOMEM, "%s: out of memory", b->src.name);
		}
		b->comm_cap = cap;
		for (j = 0; old && j < cap / 2; j++)
			if (old[j].comm[0])
				b->comms[comm_slot(b, old[j].pid)] = old[j];
		free(old);
	}
	i = comm_slot(b, f->pid);
	if (!b->comms[i].comm[0])
		b->ncomm++;
	b->comms[i].pid = f->pid;
	memcpy(b->comms[i].comm, name, BT_COMM);
	return 0;
}

/* A process note: for --comm, and for the pairing (convert names pids). */
static int process_note(struct bt_src *b, const struct bt_file *f, struct sr_err *e)
{
	char name[BT_COMM];

	note_name(f, name);
	if (!name[0])
		return 0;
	if (b->o.lat && sr_blklat_comm(b->o.lat, f->pid, name))
		return sr_errf(e, -ENOMEM, "%s: out of memory", b->src.name);
	return b->o.comm ? comm_note(b, f, name, e) : 0;
}

/* Hand a request's Q, M, F, R, D or C event to the pairing (blklat.h). */
static int pair(struct bt_src *b, const struct bt_file *f, unsigned ev, struct sr_err *e)
{
	static const char act[] = { [TA_QUEUE] = 'Q', [TA_BACKMERGE] = 'M', [TA_FRONTMERGE] = 'F',
				    [TA_REQUEUE] = 'R', [TA_ISSUE] = 'D', [TA_COMPLETE] = 'C' };
	uint32_t maj = f->dev >> 20, min = f->dev & 0xfffff;

	if (ev >= sizeof(act) || !act[ev] || (b->o.have_dev && (maj != b->o.dev_major ||
								min != b->o.dev_minor)))
		return 0;
	if (sr_blklat_event(b->o.lat, maj, min, act[ev], f->sector, f->bytes >> 9, f->time, b->recno))
		return sr_errf(e, -ENOMEM, "%s: out of memory", b->src.name);
	return 0;
}

/* ---- the source ---- */

/* Turn the head record into *r: 1 kept, 0 skipped, -errno. */
static int take(struct bt_src *b, const struct bt_file *f, struct sr_rec *r, struct sr_err *e)
{
	unsigned ev = (unsigned)(f->action & 0xffff) & ~TA_CGROUP;
	uint64_t cat = f->action >> 16;
	int ret;

	if (cat & TC_NOTIFY)
		return ev == TN_PROCESS && (b->o.comm || b->o.lat) ? process_note(b, f, e) : 0;
	if (cat & TC_PC)
		return 0;
	if (b->o.lat && (ret = pair(b, f, ev, e)))
		return ret;
	if (ev != b->want)
		return 0;
	if (!f->bytes && !(cat & TC_FLUSH))
		return 0;
	sr_trace_dev_seen(f->dev >> 20, f->dev & 0xfffff); /* analyze tells several devices apart */
	if (b->filter && !sr_trace_keep(&b->o, f->dev >> 20, f->dev & 0xfffff, f->pid,
					b->o.comm ? comm_of(b, f->pid) : NULL))
		return 0;
	if (!b->have_t0) {
		b->t0 = f->time;
		b->have_t0 = 1;
	}
	r->t_ns = f->time > b->t0 ? f->time - b->t0 : 0;
	if (r->t_ns == SR_T_NONE)
		r->t_ns--;
	r->seq = b->recno;
	r->target = 0;
	r->tag = f->pid;
	r->flags = 0;
	if (!f->bytes) {
		r->op = SR_OP_SYNC;
		r->off = 0;
		r->len = 0;
		return 1;
	}
	if (f->sector > (UINT64_MAX - f->bytes) >> 9)
		return sr_inputf(e, "%s@%llu: sector %llu + %u bytes is past 64-bit byte offsets",
				 f->path, (unsigned long long)f->pos,
				 (unsigned long long)f->sector, f->bytes);
	r->op = cat & TC_DISCARD ? SR_OP_TRIM : cat & TC_WRITE ? SR_OP_WRITE : SR_OP_READ;
	r->off = f->sector << 9;
	r->len = f->bytes;
	return 1;
}

static int bt_next(struct sr_source *s, struct sr_rec *out, size_t max, struct sr_err *e)
{
	struct bt_src *b = (struct bt_src *)s;
	struct bt_file *f;
	size_t n = 0;
	int ret;

	if (b->err.code)
		return sr_err_forward(e, &b->err);
	if (!b->primed && prime(b, &b->err))
		return sr_err_forward(e, &b->err);
	if (max > INT32_MAX)
		max = INT32_MAX;
	while (n < max && b->nheap) {
		f = &b->files[b->heap[0]];
		b->recno++;
		ret = take(b, f, &out[n], &b->err);
		if (ret < 0)
			break;
		n += (size_t)ret;
		ret = advance(f, &b->err);
		if (ret < 0)
			break;
		if (!ret)
			b->heap[0] = b->heap[--b->nheap];
		if (b->nheap > 1)
			sift_down(b, 0);
	}
	if (b->err.code && !n)
		return sr_err_forward(e, &b->err); /* else it comes with the next call */
	return (int)n;
}

static int bt_rewind(struct sr_source *s, struct sr_err *e)
{
	struct bt_src *b = (struct bt_src *)s;
	struct bt_file *f;
	size_t i;

	sr_err_clear(&b->err);
	for (i = 0; i < b->nfiles; i++) {
		f = &b->files[i];
		if (lseek(f->fd, 0, SEEK_SET) < 0)
			return sr_errf(e, -errno, "%s: cannot rewind: %s", f->path, strerror(errno));
		f->start = f->end = f->cur = 0;
		f->pos = 0;
		f->eof = 0;
		f->ver = BT_V7;
	}
	if (b->comm_cap)
		memset(b->comms, 0, b->comm_cap * sizeof(*b->comms));
	b->ncomm = 0;
	b->primed = b->have_t0 = 0;
	b->recno = 0;
	b->nheap = 0;
	return 0;
}

/* The per-CPU files are read side by side: their offsets of their sizes. */
static void bt_pos(struct sr_source *s, uint64_t *done, uint64_t *total)
{
	struct bt_src *b = (struct bt_src *)s;
	size_t i;

	*done = *total = 0;
	for (i = 0; i < b->nfiles; i++) {
		if (!b->files[i].size) {
			*total = 0; /* one of unknown size: the sum is not known */
			return;
		}
		*done += b->files[i].pos;
		*total += b->files[i].size;
	}
}

static void bt_close(struct sr_source *s)
{
	struct bt_src *b = (struct bt_src *)s;
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->nfiles; i++) {
		if (b->files[i].fd >= 0)
			close(b->files[i].fd);
		free(b->files[i].buf);
		free(b->files[i].path);
	}
	free(b->files);
	free(b->heap);
	free(b->comms);
	free((char *)b->src.name);
	free(b);
}

/* ---- finding the per-CPU files ---- */

/* The length of name's "NAME.blktrace." part when the rest is a cpu number, else 0. */
static size_t cpu_file(const char *name)
{
	size_t n = strlen(name), d = n;

	while (d && name[d - 1] >= '0' && name[d - 1] <= '9')
		d--;
	if (d == n || d <= 10 || memcmp(name + d - 10, ".blktrace.", 10))
		return 0;
	return d;
}

/* a[0, alen) followed by b, malloc'd; NULL when out of memory */
static char *join(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);
	char *s = malloc(alen + blen + 1);

	if (s) {
		memcpy(s, a, alen);
		memcpy(s + alen, b, blen + 1);
	}
	return s;
}

/* Open path (malloc'd, NULL when out of memory; b owns it) as one more file. */
static int add_file(struct bt_src *b, char *path, struct sr_err *e)
{
	struct bt_file *f, *files;
	struct stat st;

	files = path ? realloc(b->files, (b->nfiles + 1) * sizeof(*files)) : NULL;
	if (!files) {
		free(path);
		return sr_errf(e, -ENOMEM, "%s: out of memory", b->src.name);
	}
	b->files = files;
	f = &files[b->nfiles++];
	memset(f, 0, sizeof(*f));
	f->path = path;
	f->ver = BT_V7;
	f->fd = sr_trace_open_fd(path, e); /* .gz and .zst decompressed */
	if (f->fd < 0)
		return f->fd;
	if (fstat(f->fd, &st) < 0)
		return sr_errf(e, -errno, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return sr_inputf(e, "%s: is a directory", path);
	if (S_ISREG(st.st_mode))
		f->size = (uint64_t)st.st_size; /* of the decompressed copy for a .gz/.zst */
	f->buf = malloc(BT_BUF);
	if (!f->buf)
		return sr_errf(e, -ENOMEM, "%s: out of memory", path);
	return 0;
}

/* Add dir's files named PREFIX<cpu> (prefix NULL: any NAME.blktrace.<cpu>),
 * as lead + name, by device name, then cpu number (versionsort). */
static int scan(struct bt_src *b, const char *dir, const char *lead, const char *prefix,
		struct sr_err *e)
{
	size_t plen = prefix ? strlen(prefix) : 0, k;
	struct dirent **list;
	int i, n, ret = 0;

	n = scandir(dir, &list, NULL, versionsort);
	if (n < 0)
		return sr_inputf(e, "%s: %s", dir, strerror(errno));
	for (i = 0; i < n; i++) {
		k = cpu_file(list[i]->d_name);
		if (!ret && k && (!prefix || (k == plen && !strncmp(list[i]->d_name, prefix, k))))
			ret = add_file(b, join(lead, strlen(lead), list[i]->d_name), e);
		free(list[i]);
	}
	free(list);
	return ret;
}

/* path: a file, a directory, or DIR/DEV[.blktrace] naming DEV.blktrace.N files. */
static int find_files(struct bt_src *b, const char *path, struct sr_err *e)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	size_t n = strlen(path);
	int dot = n > 9 && !strcmp(path + n - 9, ".blktrace"), ret = -ENOMEM;
	char *dir = NULL, *lead = NULL, *prefix = NULL;
	struct stat st;

	if (!stat(path, &st)) {
		if (!S_ISDIR(st.st_mode))
			return add_file(b, join(path, n, ""), e);
		lead = join(path, n, path[n - 1] == '/' ? "" : "/");
		if (!lead)
			goto out;
		ret = scan(b, path, lead, NULL, e);
		if (!ret && !b->nfiles)
			ret = sr_inputf(e, "%s: no NAME.blktrace.N files in this directory", path);
		goto out;
	}
	if (errno != ENOENT || !*base)
		return sr_inputf(e, "%s: %s", path, strerror(errno));
	/* "dir/sda": dir's sda.blktrace.N, as "dir/" + name */
	dir = slash ? join(path, slash > path ? (size_t)(slash - path) : 1, "") : join(".", 1, "");
	lead = join(path, (size_t)(base - path), "");
	prefix = join(base, strlen(base), dot ? "." : ".blktrace.");
	if (!dir || !lead || !prefix)
		goto out;
	ret = scan(b, dir, lead, prefix, e);
	if (!ret && !b->nfiles)
		ret = sr_inputf(e, "%s: no such file, nor %s%s.N per-CPU files", path, path,
				dot ? "" : ".blktrace");
out:
	if (ret == -ENOMEM && !e->code)
		sr_errf(e, -ENOMEM, "%s: out of memory", path);
	free(dir);
	free(lead);
	free(prefix);
	return ret;
}

static int blktrace_open(const char *path, const struct sr_trace_opts *o, struct sr_source **out,
			 struct sr_err *e)
{
	struct bt_src *b;
	int ret;

	b = calloc(1, sizeof(*b));
	if (!b)
		return sr_errf(e, -ENOMEM, "%s: out of memory", path);
	b->src.name = strdup(path);
	b->src.next = bt_next;
	b->src.rewind = bt_rewind;
	b->src.close = bt_close;
	b->src.pos = bt_pos;
	b->o = *o;
	b->want = o->event == 'Q' ? TA_QUEUE : o->event == 'C' ? TA_COMPLETE : TA_ISSUE;
	b->filter = o->have_dev || o->have_pid || o->comm;
	if (o->event && o->event != 'D' && o->event != 'Q' && o->event != 'C')
		ret = sr_inputf(e, "%s: --event: expected D, Q or C, found '%c'", path, o->event);
	else if (!b->src.name)
		ret = sr_errf(e, -ENOMEM, "%s: out of memory", path);
	else
		ret = find_files(b, path, e);
	if (!ret) {
		b->heap = calloc(b->nfiles, sizeof(*b->heap));
		if (!b->heap)
			ret = sr_errf(e, -ENOMEM, "%s: out of memory", path);
	}
	if (ret) {
		bt_close(&b->src);
		return ret;
	}
	*out = &b->src;
	return 0;
}

/* 100 for a blktrace magic of either byte order and a known version, 50
 * for an unknown version (the reader says which). */
static int blktrace_probe(const char *head, size_t len)
{
	uint32_t m;

	if (len < 4)
		return 0;
	memcpy(&m, head, 4);
	if ((m & ~0xffu) != BT_MAGIC)
		m = bswap_32(m);
	if ((m & ~0xffu) != BT_MAGIC)
		return 0;
	return (m & 0xff) == BT_V7 || (m & 0xff) == BT_V8 ? 100 : 50;
}

const struct sr_trace_format sr_trace_fmt_blktrace = {
	.name = "blktrace",
	.help = "blktrace binary (v7, v8; either byte order): DEV.blktrace.N per-CPU files, "
		"DEV naming them, a directory of them, or one file",
	.caps = SR_CAP_DEV | SR_CAP_PID | SR_CAP_COMM | SR_CAP_EVENT,
	.probe = blktrace_probe,
	.open = blktrace_open,
};
