/* fio iolog version 2 and 3 (fio's write_iolog= / read_iolog=):
 *
 *	fio version 3 iolog
 *	28 /dev/nvme0n1 add
 *	263 /dev/nvme0n1 open
 *	267 /dev/nvme0n1 read 0 4096
 *	1738 /dev/nvme0n1 close
 *
 * v2 lines lack the leading timestamp (microseconds since the start of the
 * run); instead "FILE wait USEC" delays the lines after it. Each file that
 * is added gets the next target index, in order of its first add. */
#include "trace/lines.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define IOLOG_SHAPE_V2 "FILE ACTION [OFFSET LENGTH]"
#define IOLOG_SHAPE_V3 "TIME_USEC FILE ACTION [OFFSET LENGTH]"
#define IOLOG_ACTIONS "add|open|close|unlink|read|write|trim|sync|datasync|wait"

/* File names seen in "add" lines: an arena of NUL-terminated names and an
 * open-addressing hash from name to index. Grows only on add, never per I/O. */
struct ftab {
	char *arena;
	size_t used, size;
	size_t *off;      /* name i is arena + off[i] */
	size_t n, off_cap;
	uint32_t *slot;   /* index + 1, 0 = empty; nslot is a power of two */
	size_t nslot;
};

struct iolog_src {
	struct sr_source src;
	struct sr_lines lines;
	struct sr_err err;  /* kept error, see sr_err_forward() */
	int version;        /* 2 or 3 */
	int timed;          /* v2: a wait was seen, clock_us is meaningful */
	uint64_t clock_us;  /* v2: sum of waits so far */
	struct ftab files;
};

struct tok {
	const char *s;
	size_t n;
};

enum act { ACT_ADD, ACT_OPEN, ACT_CLOSE, ACT_UNLINK, ACT_READ, ACT_WRITE, ACT_TRIM,
	   ACT_SYNC, ACT_DATASYNC, ACT_WAIT };

static const char *const act_names[] = {
	"add", "open", "close", "unlink", "read", "write", "trim", "sync", "datasync", "wait",
};

static uint64_t name_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ull;
	return h;
}

static int64_t ftab_find(const struct ftab *t, const char *s, size_t n)
{
	size_t i, mask = t->nslot - 1;
	const char *name;
	uint32_t v;

	if (!t->nslot)
		return -1;
	for (i = name_hash(s, n) & mask;; i = (i + 1) & mask) {
		v = t->slot[i];
		if (!v)
			return -1;
		name = t->arena + t->off[v - 1];
		if (!memcmp(name, s, n) && !name[n])
			return v - 1;
	}
}

static void *grow(void *p, size_t *cap, size_t need, size_t elem, size_t first)
{
	size_t c = *cap ? *cap : first;

	while (c < need)
		c *= 2;
	if (c == *cap)
		return p;
	p = realloc(p, c * elem);
	if (p)
		*cap = c;
	return p;
}

static int ftab_rehash(struct ftab *t, size_t nslot)
{
	uint32_t *slot = calloc(nslot, sizeof(*slot));
	size_t i, j, mask = nslot - 1;
	const char *name;

	if (!slot)
		return -ENOMEM;
	for (i = 0; i < t->n; i++) {
		name = t->arena + t->off[i];
		for (j = name_hash(name, strlen(name)) & mask; slot[j]; j = (j + 1) & mask)
			;
		slot[j] = (uint32_t)(i + 1);
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = nslot;
	return 0;
}

/* Index of name s[0, n), adding it when new: >= 0 or -ENOMEM. */
static int64_t ftab_add(struct ftab *t, const char *s, size_t n)
{
	int64_t idx = ftab_find(t, s, n);
	size_t i;
	void *p;

	if (idx >= 0)
		return idx;
	if (t->n >= UINT32_MAX - 1)
		return -ENOMEM;
	if ((t->n + 1) * 2 > t->nslot && ftab_rehash(t, t->nslot ? t->nslot * 2 : 16))
		return -ENOMEM;
	p = grow(t->arena, &t->size, t->used + n + 1, 1, 4096);
	if (!p)
		return -ENOMEM;
	t->arena = p;
	p = grow(t->off, &t->off_cap, t->n + 1, sizeof(*t->off), 16);
	if (!p)
		return -ENOMEM;
	t->off = p;
	memcpy(t->arena + t->used, s, n);
	t->arena[t->used + n] = '\0';
	t->off[t->n] = t->used;
	t->used += n + 1;
	for (i = name_hash(s, n) & (t->nslot - 1); t->slot[i]; i = (i + 1) & (t->nslot - 1))
		;
	t->slot[i] = (uint32_t)++t->n;
	return (int64_t)(t->n - 1);
}

static void ftab_reset(struct ftab *t)
{
	t->n = 0;
	t->used = 0;
	if (t->slot)
		memset(t->slot, 0, t->nslot * sizeof(*t->slot));
}

static void ftab_free(struct ftab *t)
{
	free(t->arena);
	free(t->off);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

/* Whitespace-separated tokens of s[0, n): store at most max, return the count. */
static unsigned tokenize(const char *s, size_t n, struct tok *t, unsigned max)
{
	const char *end = s + n, *a;
	unsigned count = 0;

	for (;;) {
		while (s < end && is_space(*s))
			s++;
		if (s == end)
			return count;
		for (a = s; s < end && !is_space(*s); s++)
			;
		if (count < max) {
			t[count].s = a;
			t[count].n = (size_t)(s - a);
		}
		count++;
	}
}

static int bad(struct iolog_src *g, const char *what, const char *s, size_t n, struct sr_err *e)
{
	char q[SR_QUOTE_BUF];

	return sr_inputf(e, "%s:%llu: expected %s, found '%s'", g->lines.path,
			 (unsigned long long)g->lines.lineno, what, sr_text_quote(q, s, n));
}

static int parse_header(struct iolog_src *g, struct sr_err *e)
{
	static const char pfx[] = "fio version ";
	struct sr_lines *l = &g->lines;
	char q[SR_QUOTE_BUF];
	struct tok t[5];
	char *line;
	size_t len;
	int ret;

	ret = sr_lines_next(l, &line, &len, e);
	if (ret < 0)
		return ret;
	if (!ret)
		return sr_inputf(e, "%s:1: expected 'fio version 2 iolog' or "
				 "'fio version 3 iolog', found end of file", l->path);
	while (len && is_space(line[len - 1]))
		len--;
	if (len == 19 && !memcmp(line, "fio version 2 iolog", 19))
		g->version = 2;
	else if (len == 19 && !memcmp(line, "fio version 3 iolog", 19))
		g->version = 3;
	else if (len > sizeof(pfx) - 1 && !memcmp(line, pfx, sizeof(pfx) - 1) &&
		 tokenize(line, len, t, 5) == 4 && t[3].n == 5 && !memcmp(t[3].s, "iolog", 5))
		return sr_inputf(e, "%s:1: unsupported fio iolog version '%s', expected 2 or 3",
				 l->path, sr_text_quote(q, t[2].s, t[2].n));
	else
		return bad(g, "'fio version 2 iolog' or 'fio version 3 iolog'", line, len, e);
	return 0;
}

static int parse_act(const struct tok *t)
{
	size_t i;

	for (i = 0; i < sizeof(act_names) / sizeof(act_names[0]); i++)
		if (strlen(act_names[i]) == t->n && !memcmp(act_names[i], t->s, t->n))
			return (int)i;
	return -1;
}

/* One line: 1 with a record in *r, 0 for lines without one, -errno. */
static int parse_line(void *ctx, char *line, size_t len, struct sr_rec *r, struct sr_err *e)
{
	struct iolog_src *g = ctx;
	const char *shape = g->version == 3 ? IOLOG_SHAPE_V3 : IOLOG_SHAPE_V2;
	struct tok t[6];
	const struct tok *file, *arg1, *arg2; /* arg: OFFSET LENGTH, or USEC */
	unsigned n, base = g->version == 3 ? 1 : 0, nargs;
	uint64_t usec = 0, off = 0, blen = 0;
	int64_t idx;
	int act;

	n = tokenize(line, len, t, 6);
	if (!n)
		return 0;
	if (n < base + 2 || n > base + 4)
		return bad(g, shape, line, len, e);
	if (base && sr_text_u64(t[0].s, t[0].n, &usec))
		return bad(g, "a timestamp in microseconds", t[0].s, t[0].n, e);
	act = parse_act(&t[base + 1]);
	if (act < 0)
		return bad(g, "an action (" IOLOG_ACTIONS ")", t[base + 1].s, t[base + 1].n, e);
	nargs = n - base - 2;
	file = &t[base];
	arg1 = &t[base + 2];
	arg2 = &t[base + 3];
	if (act == ACT_WAIT && g->version == 3)
		return 0; /* fio ignores wait in v3: the timestamps say it */
	if (nargs == 1 && act != ACT_WAIT)
		return bad(g, shape, line, len, e);
	if (nargs >= 1 && sr_text_u64(arg1->s, arg1->n, &off))
		return bad(g, act == ACT_WAIT ? "a wait in microseconds" :
			   "an offset as an unsigned 64-bit integer", arg1->s, arg1->n, e);
	if (nargs == 2 && sr_text_u64(arg2->s, arg2->n, &blen))
		return bad(g, "a length as an unsigned 64-bit integer", arg2->s, arg2->n, e);

	switch (act) {
	case ACT_WAIT:
		if (!nargs)
			return bad(g, "'FILE wait USEC'", line, len, e);
		if (off > (UINT64_MAX - 1) / 1000 - g->clock_us)
			return bad(g, "waits adding up to less than 2^64 ns", arg1->s, arg1->n, e);
		g->clock_us += off;
		g->timed = 1;
		return 0;
	case ACT_ADD:
	case ACT_OPEN:
	case ACT_CLOSE:
	case ACT_UNLINK:
		if (nargs)
			return bad(g, base ? "'TIME_USEC FILE ACTION' without offset and length" :
				   "'FILE ACTION' without offset and length", line, len, e);
		break;
	case ACT_READ:
	case ACT_WRITE:
	case ACT_TRIM:
		if (nargs != 2)
			return bad(g, shape, line, len, e);
		if (!blen)
			return bad(g, "length > 0", arg2->s, arg2->n, e);
		if (off + blen < off)
			return bad(g, "offset+length within 64 bits", arg2->s, arg2->n, e);
		break;
	}

	if (act == ACT_ADD)
		idx = ftab_add(&g->files, file->s, file->n);
	else
		idx = ftab_find(&g->files, file->s, file->n);
	if (idx == -ENOMEM)
		return sr_errf(e, -ENOMEM, "%s:%llu: out of memory for file names", g->lines.path,
			       (unsigned long long)g->lines.lineno);
	if (idx < 0) {
		char q[SR_QUOTE_BUF];

		return sr_inputf(e, "%s:%llu: file '%s' was never added, expected a '%sFILE add' "
				 "line before its use", g->lines.path,
				 (unsigned long long)g->lines.lineno,
				 sr_text_quote(q, file->s, file->n), base ? "TIME_USEC " : "");
	}
	if (act <= ACT_UNLINK)
		return 0;

	if (base) {
		if (usec > (UINT64_MAX - 1) / 1000)
			return bad(g, "a timestamp below 2^64 ns", t[0].s, t[0].n, e);
		r->t_ns = usec * 1000;
	} else {
		r->t_ns = g->timed ? g->clock_us * 1000 : SR_T_NONE;
	}
	r->seq = g->lines.lineno;
	r->target = (uint32_t)idx;
	r->tag = 0;
	r->flags = 0;
	switch (act) {
	case ACT_READ:
		r->op = SR_OP_READ;
		break;
	case ACT_WRITE:
		r->op = SR_OP_WRITE;
		break;
	case ACT_TRIM:
		r->op = SR_OP_TRIM;
		break;
	default: /* sync, datasync: fio logs the last offset and 0, meaningless */
		r->op = SR_OP_SYNC;
		off = blen = 0;
		break;
	}
	r->off = off;
	r->len = blen;
	return 1;
}

static int iolog_next(struct sr_source *s, struct sr_rec *out, size_t max, struct sr_err *e)
{
	struct iolog_src *g = (struct iolog_src *)s;

	return sr_lines_batch(&g->lines, &g->err, parse_line, g, out, max, e);
}

static int iolog_rewind(struct sr_source *s, struct sr_err *e)
{
	struct iolog_src *g = (struct iolog_src *)s;
	int ret;

	sr_err_clear(&g->err);
	ftab_reset(&g->files);
	g->timed = 0;
	g->clock_us = 0;
	ret = sr_lines_rewind(&g->lines, e);
	if (ret)
		return ret;
	return parse_header(g, e);
}

static void iolog_pos(struct sr_source *s, uint64_t *done, uint64_t *total)
{
	sr_lines_pos(&((struct iolog_src *)s)->lines, done, total);
}

static void iolog_close(struct sr_source *s)
{
	struct iolog_src *g = (struct iolog_src *)s;

	if (!g)
		return;
	sr_lines_close(&g->lines);
	ftab_free(&g->files);
	free(g);
}

static int iolog_open(const char *path, const struct sr_trace_opts *o, struct sr_source **out,
		       struct sr_err *e)
{
	(void)o; /* no device, pid or event fields: nothing to filter here */
	struct iolog_src *g;
	int ret;

	g = calloc(1, sizeof(*g));
	if (!g)
		return sr_errf(e, -ENOMEM, "%s: out of memory", path);
	ret = sr_lines_open(&g->lines, path, e);
	if (ret) {
		free(g);
		return ret;
	}
	g->src.name = g->lines.path;
	g->src.next = iolog_next;
	g->src.rewind = iolog_rewind;
	g->src.close = iolog_close;
	g->src.pos = iolog_pos;
	ret = parse_header(g, e);
	if (ret) {
		iolog_close(&g->src);
		return ret;
	}
	*out = &g->src;
	return 0;
}

static int iolog_probe(const char *head, size_t len)
{
	return len >= 12 && !memcmp(head, "fio version ", 12) ? 100 : 0;
}

const struct sr_trace_format sr_trace_fmt_iolog = {
	.name = "fio-iolog",
	.help = "fio iolog version 2 or 3 (write_iolog=), files in order of their 'add' lines",
	.probe = iolog_probe,
	.open = iolog_open,
};
