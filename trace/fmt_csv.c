/* CSV traces: a header line naming the columns, then one record per line.
 *
 *	# comment
 *	time_ns,op,offset,length
 *	0,read,0,4096
 *	1500,w,0x10000,8192
 *
 * Required columns: offset, length; optional: op (default read), time_ns
 * (default: untimed), target, tag (default 0), flags (SR_RF_* bits of
 * synthetic schedules, default 0). Names are case-insensitive and may come
 * in any order. */
#include "trace/lines.h"
#include "trace/plines.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum csv_col { COL_OFFSET, COL_LENGTH, COL_OP, COL_TIME, COL_TARGET, COL_TAG, COL_FLAGS, COL_NR };

static const char *const col_names[COL_NR] = {
	"offset", "length", "op", "time_ns", "target", "tag", "flags",
};

#define UTF8_BOM "\xef\xbb\xbf"
#define COLS_EXPECTED "offset,length[,op][,time_ns][,target][,tag][,flags]"

struct csv_src {
	struct sr_source src;
	struct sr_lines lines;
	struct sr_err err;     /* kept error, see sr_err_forward() */
	struct sr_plines *pl;  /* parallel reader of a large file, or NULL */
	unsigned ncols;
	uint8_t kind[COL_NR];  /* column i holds enum csv_col kind[i] */
	char cols[72];         /* "offset,length,op": the header, for messages */
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Blank lines and '#' comments carry no record. */
static int skip_line(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && is_blank(s[i]))
		i++;
	return i == n || s[i] == '#';
}

static int col_kind(const struct sr_field *f)
{
	int k;

	for (k = 0; k < COL_NR; k++)
		if (strlen(col_names[k]) == f->n && !strncasecmp(col_names[k], f->s, f->n))
			return k;
	return -1;
}

static int parse_header(struct csv_src *c, struct sr_err *e)
{
	struct sr_lines *l = &c->lines;
	struct sr_field f[COL_NR + 1];
	char q[SR_QUOTE_BUF];
	unsigned i, n, seen = 0;
	char *line;
	size_t len;
	int ret, k;

	do {
		ret = sr_lines_next(l, &line, &len, e);
		if (ret < 0)
			return ret;
		if (!ret)
			return sr_inputf(e, "%s:%llu: expected a header line naming the columns "
					 "(" COLS_EXPECTED "), found end of file",
					 l->path, (unsigned long long)l->lineno + 1);
		if (l->lineno == 1 && len >= 3 && !memcmp(line, UTF8_BOM, 3)) {
			line += 3; /* spreadsheets like to start with one */
			len -= 3;
		}
	} while (skip_line(line, len));

	n = sr_text_split(line, len, f, COL_NR + 1);
	if (f[0].n && f[0].s[0] >= '0' && f[0].s[0] <= '9')
		return sr_inputf(e, "%s:%llu: expected a header line naming the columns "
				 "(" COLS_EXPECTED "), found '%s'", l->path,
				 (unsigned long long)l->lineno, sr_text_quote(q, line, len));
	/* More than COL_NR columns means an unknown or repeated one among the
	 * first COL_NR + 1, which the loop reports. */
	c->cols[0] = '\0';
	for (i = 0; i < n && i <= COL_NR; i++) {
		k = col_kind(&f[i]);
		if (k < 0)
			return sr_inputf(e, "%s:%llu: unknown column '%s', expected " COLS_EXPECTED,
					 l->path, (unsigned long long)l->lineno,
					 sr_text_quote(q, f[i].s, f[i].n));
		if (seen & (1u << k))
			return sr_inputf(e, "%s:%llu: column '%s' appears twice", l->path,
					 (unsigned long long)l->lineno, col_names[k]);
		seen |= 1u << k;
		c->kind[i] = (uint8_t)k;
		if (i)
			strcat(c->cols, ",");
		strcat(c->cols, col_names[k]);
	}
	for (k = COL_OFFSET; k <= COL_LENGTH; k++)
		if (!(seen & (1u << k)))
			return sr_inputf(e, "%s:%llu: header lacks column '%s', expected "
					 COLS_EXPECTED, l->path, (unsigned long long)l->lineno,
					 col_names[k]);
	c->ncols = n;
	return 0;
}

static int parse_op(const struct sr_field *f)
{
	static const struct {
		const char *name;
		int op;
	} ops[] = {
		{ "r", SR_OP_READ },  { "read", SR_OP_READ },   { "w", SR_OP_WRITE },
		{ "write", SR_OP_WRITE }, { "t", SR_OP_TRIM },  { "trim", SR_OP_TRIM },
		{ "s", SR_OP_SYNC },  { "sync", SR_OP_SYNC },   { "flush", SR_OP_SYNC },
	};
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strlen(ops[i].name) == f->n && !strncasecmp(ops[i].name, f->s, f->n))
			return ops[i].op;
	return -1;
}

static int bad_field(struct csv_src *c, const char *what, const struct sr_field *f,
		     struct sr_err *e)
{
	char q[SR_QUOTE_BUF];

	return sr_inputf(e, "%s:%llu: expected %s, found '%s'", c->lines.path,
			 (unsigned long long)c->lines.lineno, what, sr_text_quote(q, f->s, f->n));
}

static int parse_rec(struct csv_src *c, const char *line, size_t len, struct sr_rec *r,
		     struct sr_err *e)
{
	struct sr_field f[COL_NR];
	const struct sr_field *len_f = NULL;
	char what[112];
	uint64_t v;
	unsigned i, n;
	int op = SR_OP_READ;

	n = sr_text_split(line, len, f, COL_NR);
	if (n != c->ncols) {
		struct sr_field all = { line, len };

		snprintf(what, sizeof(what), "%u comma-separated fields (%s)", c->ncols, c->cols);
		return bad_field(c, what, &all, e);
	}
	r->t_ns = SR_T_NONE;
	r->target = 0;
	r->tag = 0;
	r->flags = 0;
	r->seq = c->lines.lineno;
	for (i = 0; i < n; i++) {
		switch (c->kind[i]) {
		case COL_OP:
			op = parse_op(&f[i]);
			if (op < 0)
				return bad_field(c, "op (read|write|trim|sync|r|w|t|s|flush)",
						 &f[i], e);
			break;
		case COL_OFFSET:
			if (sr_text_u64(f[i].s, f[i].n, &r->off))
				return bad_field(c, "offset as an unsigned 64-bit integer",
						 &f[i], e);
			break;
		case COL_LENGTH:
			if (sr_text_u64(f[i].s, f[i].n, &r->len))
				return bad_field(c, "length as an unsigned 64-bit integer",
						 &f[i], e);
			len_f = &f[i];
			break;
		case COL_TIME:
			if (sr_text_u64(f[i].s, f[i].n, &r->t_ns))
				return bad_field(c, "time_ns as an unsigned 64-bit integer",
						 &f[i], e);
			if (r->t_ns == SR_T_NONE) /* a u64, but the value that means 'untimed' */
				return bad_field(c, "time_ns below 2^64-1 (the clock's limit)", &f[i], e);
			break;
		case COL_TARGET:
		case COL_TAG:
			if (sr_text_u64(f[i].s, f[i].n, &v) || v > UINT32_MAX)
				return bad_field(c, c->kind[i] == COL_TAG ?
						 "tag as an unsigned 32-bit integer" :
						 "target as an unsigned 32-bit integer", &f[i], e);
			if (c->kind[i] == COL_TAG)
				r->tag = (uint32_t)v;
			else
				r->target = (uint32_t)v;
			break;
		case COL_FLAGS:
			if (sr_text_u64(f[i].s, f[i].n, &v) || v > UINT8_MAX)
				return bad_field(c, "flags as an integer from 0 to 255", &f[i], e);
			r->flags = (uint8_t)v;
			break;
		}
	}
	r->op = (uint8_t)op;
	if (op == SR_OP_SYNC) {
		/* A sync covers the whole target: offset and length say nothing. */
		r->off = 0;
		r->len = 0;
		return 0;
	}
	if (!r->len)
		return bad_field(c, "length > 0", len_f, e);
	if (r->off + r->len < r->off)
		return bad_field(c, "offset+length within 64 bits", len_f, e);
	return 0;
}

static int csv_line(void *ctx, char *line, size_t len, struct sr_rec *r, struct sr_err *e)
{
	int ret;

	if (skip_line(line, len))
		return 0;
	ret = parse_rec(ctx, line, len, r, e);
	return ret ? ret : 1;
}

static int csv_next(struct sr_source *s, struct sr_rec *out, size_t max, struct sr_err *e)
{
	struct csv_src *c = (struct csv_src *)s;

	if (c->pl)
		return sr_plines_batch(c->pl, &c->err, out, max, e);
	return sr_lines_batch(&c->lines, &c->err, csv_line, c, out, max, e);
}

/* After the header: a large file is parsed ahead on the other CPUs
 * (csv_line only reads c, so helpers can run it on copies). */
static int csv_parallel(struct csv_src *c, struct sr_err *e)
{
	static const struct sr_plines_ops ops = {
		.parse = csv_line,
		.ctx_size = sizeof(struct csv_src),
		.lines_off = offsetof(struct csv_src, lines),
	};

	return sr_plines_start(&c->lines, c, &ops, &c->pl, e);
}

static void csv_pos(struct sr_source *s, uint64_t *done, uint64_t *total)
{
	struct csv_src *c = (struct csv_src *)s;

	sr_lines_pos(&c->lines, done, total);
	if (c->pl)
		*done = sr_plines_pos(c->pl);
}

static int csv_rewind(struct sr_source *s, struct sr_err *e)
{
	struct csv_src *c = (struct csv_src *)s;
	int ret;

	sr_err_clear(&c->err);
	sr_plines_stop(c->pl);
	c->pl = NULL;
	ret = sr_lines_rewind(&c->lines, e);
	if (ret)
		return ret;
	ret = parse_header(c, e);
	return ret ? ret : csv_parallel(c, e);
}

static void csv_close(struct sr_source *s)
{
	struct csv_src *c = (struct csv_src *)s;

	if (!c)
		return;
	sr_plines_stop(c->pl);
	sr_lines_close(&c->lines);
	free(c);
}

static int csv_open(const char *path, const struct sr_trace_opts *o, struct sr_source **out,
		     struct sr_err *e)
{
	(void)o; /* no device, pid or event fields: nothing to filter here */
	struct csv_src *c;
	int ret;

	c = calloc(1, sizeof(*c));
	if (!c)
		return sr_errf(e, -ENOMEM, "%s: out of memory", path);
	ret = sr_lines_open(&c->lines, path, e);
	if (ret) {
		free(c);
		return ret;
	}
	c->src.name = c->lines.path;
	c->src.next = csv_next;
	c->src.rewind = csv_rewind;
	c->src.close = csv_close;
	c->src.pos = csv_pos;
	ret = parse_header(c, e);
	if (!ret)
		ret = csv_parallel(c, e);
	if (ret) {
		csv_close(&c->src);
		return ret;
	}
	*out = &c->src;
	return 0;
}

/* 80 when the first line that is not blank or a comment names offset and
 * length among comma-separated fields, 90 when it names nothing else, 20
 * when it names at least one column. */
static int csv_probe(const char *head, size_t len)
{
	const char *p = head, *end = head + len, *nl;
	struct sr_field f[COL_NR + 1];
	unsigned i, n, seen = 0, unknown = 0;
	int k;

	if (len >= 3 && !memcmp(p, UTF8_BOM, 3))
		p += 3;
	for (;;) {
		if (p >= end)
			return 0;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (!skip_line(p, (size_t)(nl - p)))
			break;
		p = nl + 1;
	}
	if (nl > p && nl[-1] == '\r')
		nl--;
	n = sr_text_split(p, (size_t)(nl - p), f, COL_NR + 1);
	for (i = 0; i < n; i++) {
		k = i <= COL_NR ? col_kind(&f[i]) : -1;
		if (k < 0)
			unknown = 1;
		else
			seen |= 1u << k;
	}
	if ((seen & 3u) == 3u)
		return unknown ? 80 : 90;
	return seen ? 20 : 0; /* a header gone wrong: let the reader say how */
}

const struct sr_trace_format sr_trace_fmt_csv = {
	.name = "csv",
	.help = "header line naming offset,length[,op][,time_ns][,target][,tag][,flags], one record a line",
	.probe = csv_probe,
	.open = csv_open,
};
