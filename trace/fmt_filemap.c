/* Page-cache fills as tracefs text (event filemap/mm_filemap_add_to_page_cache):
 * the file pages a program brings in, which for mmap'd model loading is the
 * read pattern the storage sees, before readahead and the block layer merge it.
 *
 *	cat-12404 [001] ..... 3543.315676: mm_filemap_add_to_page_cache: dev 254:0 ino a726a4 pfn=0x57bef0 ofs=524288 order=2
 *
 * The print formats (include/trace/events/filemap.h):
 *	6.x:        "dev %d:%d ino %lx pfn=0x%lx ofs=%lu order=%u"
 *	5.16 - 6.x: "dev %d:%d ino %lx pfn=0x%lx ofs=%lu"
 *	older:      "dev %d:%d ino %lx page=%p pfn=%lu ofs=%lu"
 * Each line is a read of 4096 << order bytes (order 0 when absent) at file
 * offset ofs, which the kernel prints as index << PAGE_SHIFT: 4 KiB pages
 * are assumed. Every file maps onto target 0 at its own offsets; pid and
 * comm are the task's. Lines of other events are skipped. Opened with a
 * file key (--file-map FILE, --ino N: trace/filekey.h), only that inode's
 * insertions are kept. */
#include "trace/filekey.h"

#include <string.h>

#define EVENT "mm_filemap_add_to_page_cache"
#define PAGE_BYTES 4096u

/* With --file-map/--ino: keep one file's insertions. */
struct filemap {
	struct sr_tsrc t; /* first: the source's close frees the whole */
	struct sr_file_key key;
};

/* Hex digits (no 0x) making up all of [s, end): 1 with *v set, else 0. */
static int hex_ino(const char *s, const char *end, uint64_t *v)
{
	if (s == end || end - s > 16)
		return 0;
	for (*v = 0; s < end; s++) {
		if (sr_tp_digit(*s))
			*v = *v << 4 | (uint64_t)(*s - '0');
		else if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			*v = *v << 4 | (uint64_t)((*s | 0x20) - 'a' + 10);
		else
			return 0;
	}
	return 1;
}

static int filemap_parse(struct sr_tsrc *t, char *line, size_t len, struct sr_rec *r,
			 struct sr_err *e)
{
	struct sr_ftrace_head h;
	const char *p, *tok, *end, *ofs_tok = NULL;
	uint32_t maj, min, order = 0;
	uint64_t ofs = 0, ino;
	int ret;

	ret = sr_ftrace_head(t, line, len, &h, e);
	if (ret <= 0)
		return ret;
	if (h.event_len != sizeof(EVENT) - 1 || !sr_tp_same(h.event, EVENT, h.event_len))
		return 0;

	p = h.payload;
	if (strncmp(p, "dev ", 4))
		return sr_tsrc_bad(t, "'dev MAJOR:MINOR'", p, e);
	tok = p = sr_tp_blanks(p + 4);
	if (sr_tp_u32(&p, &maj) || *p++ != ':' || sr_tp_u32(&p, &min) || !sr_tp_sep(*p))
		return sr_tsrc_bad(t, "device MAJOR:MINOR", tok, e);
	p = sr_tp_blanks(p);
	if (strncmp(p, "ino ", 4))
		return sr_tsrc_bad(t, "'ino INODE'", p, e);
	tok = sr_tp_blanks(p + 4);
	end = sr_tp_tok_end(tok);
	if (!hex_ino(tok, end, &ino))
		return sr_tsrc_bad(t, "an inode number in hex", tok, e);
	/* KEY=VALUE fields: ofs and order count, pfn and page are ignored */
	for (tok = sr_tp_blanks(end); *tok; tok = sr_tp_blanks(end)) {
		end = sr_tp_tok_end(tok);
		p = tok + 4;
		if (!strncmp(tok, "ofs=", 4)) {
			if (sr_tp_u64(&p, &ofs) || p != end)
				return sr_tsrc_bad(t, "ofs=BYTES as an unsigned 64-bit integer",
						   tok, e);
			ofs_tok = tok;
		} else if (!strncmp(tok, "order=", 6)) {
			p = tok + 6;
			if (sr_tp_u32(&p, &order) || p != end || order > 40)
				return sr_tsrc_bad(t, "order=N with N <= 40", tok, e);
		} else if (!memchr(tok, '=', (size_t)(end - tok))) {
			return sr_tsrc_bad(t, "KEY=VALUE (pfn=, ofs=, order=)", tok, e);
		}
	}
	if (!ofs_tok)
		return sr_tsrc_bad(t, "'ofs=BYTES'", tok, e);
	r->off = ofs;
	r->len = (uint64_t)PAGE_BYTES << order;
	if (r->off + r->len < r->off)
		return sr_tsrc_bad(t, "ofs + page size within 64 bits", ofs_tok, e);
	if (t->kind && !sr_file_key_match(&((struct filemap *)t)->key, maj, min, ino))
		return 0;
	if (!sr_tsrc_keep(t, maj, min, h.pid, h.comm))
		return 0;
	r->op = SR_OP_READ;
	r->t_ns = h.t_ns;
	r->tag = h.pid;
	return 1;
}

static int filemap_open(const char *path, const struct sr_trace_opts *o, struct sr_source **out,
			struct sr_err *e)
{
	struct sr_tsrc *t;
	int ret;

	ret = sr_tsrc_open(path, o, filemap_parse, &t, e);
	if (ret)
		return ret;
	*out = &t->src;
	return 0;
}

int sr_filemap_open_key(const char *path, const struct sr_trace_opts *o,
			const struct sr_file_key *k, struct sr_source **out, struct sr_err *e)
{
	struct sr_tsrc *t;
	int ret;

	ret = sr_tsrc_open_in(path, o, filemap_parse, sizeof(struct filemap), &t, e);
	if (ret)
		return ret;
	t->kind = 1; /* keyed */
	((struct filemap *)t)->key = *k;
	*out = &t->src;
	return 0;
}

/* 95 when the first 4 KiB hold the event, 85 when block events (the
 * ftrace reader's) are there too. */
static int filemap_probe(const char *head, size_t len)
{
	if (!sr_ftrace_probe_event(head, len, EVENT))
		return 0;
	if (sr_ftrace_probe_event(head, len, "block_rq_issue") ||
	    sr_ftrace_probe_event(head, len, "block_rq_complete") ||
	    sr_ftrace_probe_event(head, len, "block_rq_insert") ||
	    sr_ftrace_probe_event(head, len, "block_bio_queue"))
		return 85;
	return 95;
}

const struct sr_trace_format sr_trace_fmt_filemap = {
	.name = "filemap",
	.help = "tracefs text of mm_filemap_add_to_page_cache: page-cache fills as reads at file offsets",
	.caps = SR_CAP_DEV | SR_CAP_PID | SR_CAP_COMM,
	.probe = filemap_probe,
	.open = filemap_open,
};
