/* User page faults on mapped files, as written by `ssdreplay record --faults`:
 * tracefs text of exceptions:page_fault_user (x86: arch/x86/include/asm/
 * trace/exceptions.h, "address=%ps ip=%ps error_code=0x%lx"; %ps of a user
 * address prints it in hex) with, before the faults they explain, '#' lines
 * for the process's file mappings as record saw them in /proc/PID/maps:
 *
 *	# map add pid=812 start=0x7f3a00000000 end=0x7f3a02000000 off=0x0 perms=r--s dev=254:0 ino=0xa726a4 path=/m/model.gguf
 *	python3-812 [001] ..... 3543.315676: page_fault_user: address=0x7f3a00110008 ip=0x7f3a1c2d3e4f error_code=0x4
 *	# map del pid=812 start=0x7f3a00000000 end=0x7f3a02000000 off=0x0 perms=r--s dev=254:0 ino=0xa726a4 path=/m/model.gguf
 *
 * Each fault inside a mapping is one 4 KiB record at the file offset of its
 * page: (address & ~4095) - start + off. Faults outside every mapping
 * (anonymous memory, the stack, files record was not asked about) carry no
 * record. A write fault (error_code bit 1) on a shared mapping is a write;
 * every other fault reads the file page. t_ns is the trace clock, tag the
 * faulting thread, dev the mapping's device (for --dev). Only the first
 * touch of a page faults, and the kernel maps up to fault_around_bytes
 * (64 KiB by default) of cached pages around a read fault, so a capture
 * holds about one fault per 64 KiB window the first time it is touched. */
#include "trace/filekey.h"

#include <stdlib.h>
#include <string.h>

#define EVENT "page_fault_user"
#define MAP_LINE "# map "
#define PAGE_BYTES 4096u
#define MAPS_MAX (1u << 20) /* live mappings; /proc/sys/vm/max_map_count is 65530 */

struct fmap {
	uint64_t start, end, off, ino;
	uint32_t maj, min;
	int shared;
};

struct faults {
	struct sr_tsrc t; /* first: the source's close frees the whole */
	int have_key;
	struct sr_file_key key;
	struct fmap *maps;
	size_t n, cap, last;
	void (*tclose)(struct sr_source *s);
};

static int hexval(char c)
{
	if (sr_tp_digit(c))
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "0x" and hex digits making up all of [p, end): 0 or -EINVAL. */
static int hex_tok(const char *p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	int d;

	if (end - p < 3 || p[0] != '0' || (p[1] | 0x20) != 'x' || end - p > 18)
		return -EINVAL;
	for (p += 2; p < end; p++) {
		d = hexval(*p);
		if (d < 0)
			return -EINVAL;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

static int map_line(struct faults *f, char *line, struct sr_err *e)
{
	struct sr_tsrc *t = &f->t;
	struct fmap m = { 0 };
	const char *p = line + sizeof(MAP_LINE) - 1, *tok, *end, *v;
	unsigned seen = 0;
	int add;
	size_t i;

	if (!strncmp(p, "add ", 4))
		add = 1;
	else if (!strncmp(p, "del ", 4))
		add = 0;
	else
		return sr_tsrc_bad(t, "'# map add' or '# map del'", p, e);
	for (tok = sr_tp_blanks(p + 4); *tok; tok = sr_tp_blanks(end)) {
		end = sr_tp_tok_end(tok);
		v = memchr(tok, '=', (size_t)(end - tok));
		if (!v)
			return sr_tsrc_bad(t, "KEY=VALUE (start=, end=, off=, dev=, ino=)", tok, e);
		v++;
		if (!strncmp(tok, "path=", 5))
			break; /* the rest of the line, blanks and all */
		if (!strncmp(tok, "start=", 6)) {
			if (hex_tok(v, end, &m.start))
				return sr_tsrc_bad(t, "start=0xADDRESS", tok, e);
			seen |= 1;
		} else if (!strncmp(tok, "end=", 4)) {
			if (hex_tok(v, end, &m.end))
				return sr_tsrc_bad(t, "end=0xADDRESS", tok, e);
			seen |= 2;
		} else if (!strncmp(tok, "off=", 4)) {
			if (hex_tok(v, end, &m.off))
				return sr_tsrc_bad(t, "off=0xBYTES", tok, e);
			seen |= 4;
		} else if (!strncmp(tok, "ino=", 4)) {
			if (hex_tok(v, end, &m.ino))
				return sr_tsrc_bad(t, "ino=0xINODE", tok, e);
			seen |= 8;
		} else if (!strncmp(tok, "dev=", 4)) {
			p = v;
			if (sr_tp_u32(&p, &m.maj) || *p++ != ':' || sr_tp_u32(&p, &m.min) || p != end)
				return sr_tsrc_bad(t, "dev=MAJOR:MINOR", tok, e);
			seen |= 16;
		} else if (!strncmp(tok, "perms=", 6)) {
			if (end - v != 4)
				return sr_tsrc_bad(t, "perms= as in /proc/PID/maps (r--s)", tok, e);
			m.shared = v[3] == 's';
		}
		/* pid= and keys to come are ignored */
	}
	if (seen != 31)
		return sr_tsrc_bad_n(t, "start=, end=, off=, dev= and ino= in a map line", line,
				     strlen(line), e);
	if (m.end <= m.start || (m.start | m.end) % PAGE_BYTES || m.off % PAGE_BYTES ||
	    m.off + (m.end - m.start) < m.off)
		return sr_tsrc_bad_n(t, "page-aligned start < end and off + length within 64 bits",
				     line, strlen(line), e);
	for (i = 0; i < f->n; i++)
		if (f->maps[i].start == m.start && f->maps[i].end == m.end)
			break;
	if (!add) {
		if (i < f->n)
			f->maps[i] = f->maps[--f->n]; /* a del without its add is harmless */
		return 0;
	}
	if (i == f->n) {
		if (f->n == f->cap) {
			struct fmap *q;
			size_t cap = f->cap ? f->cap * 2 : 16;

			if (cap > MAPS_MAX)
				return sr_tsrc_bad_n(t, "fewer than 2^20 live mappings", line,
						     strlen(line), e);
			q = realloc(f->maps, cap * sizeof(*q));
			if (!q)
				return sr_errf(e, -ENOMEM, "out of memory");
			f->maps = q;
			f->cap = cap;
		}
		f->n++;
	}
	f->maps[i] = m;
	return 0;
}

static const struct fmap *find(struct faults *f, uint64_t addr)
{
	size_t i;

	if (f->last < f->n && addr - f->maps[f->last].start < f->maps[f->last].end - f->maps[f->last].start)
		return &f->maps[f->last];
	for (i = 0; i < f->n; i++)
		if (addr >= f->maps[i].start && addr < f->maps[i].end) {
			f->last = i;
			return &f->maps[i];
		}
	return NULL;
}

static int faults_parse(struct sr_tsrc *t, char *line, size_t len, struct sr_rec *r,
			struct sr_err *e)
{
	struct faults *f = (struct faults *)t;
	struct sr_ftrace_head h;
	const struct fmap *m;
	const char *tok, *end;
	uint64_t addr = 0, code = 0;
	unsigned seen = 0;
	int ret;

	if (!t->state) { /* opened or rewound: no mappings yet */
		f->n = 0;
		t->state = 1;
	}
	if (!strncmp(line, MAP_LINE, sizeof(MAP_LINE) - 1))
		return map_line(f, line, e);
	ret = sr_ftrace_head(t, line, len, &h, e);
	if (ret <= 0)
		return ret;
	if (h.event_len != sizeof(EVENT) - 1 || !sr_tp_same(h.event, EVENT, h.event_len))
		return 0;
	for (tok = sr_tp_blanks(h.payload); *tok; tok = sr_tp_blanks(end)) {
		end = sr_tp_tok_end(tok);
		if (!strncmp(tok, "address=", 8)) {
			if (hex_tok(tok + 8, end, &addr))
				return sr_tsrc_bad(t, "address=0xADDRESS", tok, e);
			seen |= 1;
		} else if (!strncmp(tok, "error_code=", 11)) {
			if (hex_tok(tok + 11, end, &code))
				return sr_tsrc_bad(t, "error_code=0xBITS", tok, e);
			seen |= 2;
		} else if (strncmp(tok, "ip=", 3)) {
			return sr_tsrc_bad(t, "address=, ip= or error_code=", tok, e);
		}
	}
	if (seen != 3)
		return sr_tsrc_bad(t, "address=0xADDRESS and error_code=0xBITS", tok, e);
	m = find(f, addr);
	if (!m)
		return 0;
	if (f->have_key && !sr_file_key_match(&f->key, m->maj, m->min, m->ino))
		return 0;
	if (!sr_tsrc_keep(t, m->maj, m->min, h.pid, h.comm))
		return 0;
	r->off = (addr & ~(uint64_t)(PAGE_BYTES - 1)) - m->start + m->off;
	r->len = PAGE_BYTES;
	r->op = m->shared && (code & 2) ? SR_OP_WRITE : SR_OP_READ;
	r->t_ns = h.t_ns;
	r->tag = h.pid;
	return 1;
}

static void faults_close(struct sr_source *s)
{
	struct faults *f = (struct faults *)s;

	if (!f)
		return;
	free(f->maps);
	f->tclose(s);
}

int sr_faults_open_key(const char *path, const struct sr_trace_opts *o,
		       const struct sr_file_key *k, struct sr_source **out, struct sr_err *e)
{
	struct sr_tsrc *t = NULL;
	struct faults *f;
	int ret;

	ret = sr_tsrc_open_in(path, o, faults_parse, sizeof(*f), &t, e);
	if (ret)
		return ret;
	f = (struct faults *)t;
	f->tclose = t->src.close;
	t->src.close = faults_close;
	if (k) {
		f->have_key = 1;
		f->key = *k;
	}
	*out = &t->src;
	return 0;
}

static int faults_open(const char *path, const struct sr_trace_opts *o, struct sr_source **out,
		       struct sr_err *e)
{
	return sr_faults_open_key(path, o, NULL, out, e);
}

int sr_tsrc_open_in(const char *path, const struct sr_trace_opts *o, sr_tsrc_parse_fn parse,
		    size_t size, struct sr_tsrc **out, struct sr_err *e)
{
	struct sr_tsrc *t, *big;
	int ret;

	ret = sr_tsrc_open(path, o, parse, &t, e);
	if (ret)
		return ret;
	big = calloc(1, size);
	if (!big) {
		t->src.close(&t->src);
		return sr_errf(e, -ENOMEM, "%s: out of memory", path);
	}
	*big = *t; /* nothing in it points into itself: the path and buffer are on the heap */
	free(t);
	*out = big;
	return 0;
}

/* 95 for the event or a map line in the first 4 KiB. */
static int faults_probe(const char *head, size_t len)
{
	static const char tag[] = "\n" MAP_LINE "add ";
	size_t i;

	if (sr_ftrace_probe_event(head, len, EVENT))
		return 95;
	for (i = 0; i + sizeof(tag) - 1 <= len; i++)
		if (!memcmp(head + i, tag, sizeof(tag) - 1))
			return 95;
	return 0;
}

const struct sr_trace_format sr_trace_fmt_faults = {
	.name = "faults",
	.help = "tracefs text of page_fault_user with '# map' lines (record --faults): user page faults as 4 KiB reads at file offsets",
	.caps = SR_CAP_DEV | SR_CAP_PID | SR_CAP_COMM,
	.probe = faults_probe,
	.open = faults_open,
};
