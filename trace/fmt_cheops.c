/* The block traces of the CHEOPS'25 LLM offloading study (stonet-research/
 * cheops25-IO-characterization-of-LLM-model-kv-cache-offloading-nvme): one
 * bpftrace row per block_rq_issue,
 *
 *	printf("%llu, %s, %d, %llu, %d\n", nsecs, args->rwbs, args->bytes,
 *	       args->sector, args->nr_sector);
 *
 *	Attaching 1 probe...
 *	45502109053447, W, 4096, 170104688, 8
 *
 * optionally under a header "nsecs,rwbs,bytes,sector,nr_sector". The
 * "Attaching"/"Attached" and "Lost N events" lines of bpftrace, blank lines
 * and '#' comments are skipped. nsecs (bpftrace's monotonic clock) becomes
 * time since the first row; the length is nr_sector * 512, as bytes is 0
 * for some requests (a non-zero bytes that disagrees is bad input); rows
 * without sectors (flushes) carry no record. */
#include "trace/textparse.h"

#include <string.h>
#include <strings.h>

#define NCOLS 5
#define HEADER "nsecs,rwbs,bytes,sector,nr_sector"

static const char *const col_names[NCOLS] = { "nsecs", "rwbs", "bytes", "sector", "nr_sector" };

static int is_header(const struct sr_field *f, unsigned n)
{
	unsigned i;

	if (n != NCOLS)
		return 0;
	for (i = 0; i < NCOLS; i++)
		if (f[i].n != strlen(col_names[i]) || strncasecmp(f[i].s, col_names[i], f[i].n))
			return 0;
	return 1;
}

static int skip_line(const char *p)
{
	return !*p || *p == '#' || !strncmp(p, "Attaching ", 10) || !strncmp(p, "Attached ", 9) ||
	       !strncmp(p, "Lost ", 5);
}

static int num(const struct sr_field *f, uint64_t *v)
{
	return sr_text_u64(f->s, f->n, v) || (f->n > 1 && f->s[0] == '0' && (f->s[1] | 0x20) == 'x');
}

static int cheops_parse(struct sr_tsrc *t, char *line, size_t len, struct sr_rec *r,
			struct sr_err *e)
{
	const char *p = sr_tp_blanks(line);
	struct sr_field f[NCOLS];
	uint64_t ns, bytes, sector, nr;
	unsigned n;
	int op;

	if (skip_line(p))
		return 0;
	n = sr_text_split(p, (size_t)(line + len - p), f, NCOLS);
	if (n != NCOLS)
		return sr_tsrc_bad_n(t, "5 comma-separated fields (" HEADER ")", p,
				     (size_t)(line + len - p), e);
	if (is_header(f, n))
		return 0;
	if (num(&f[0], &ns))
		return sr_tsrc_bad_n(t, "nsecs as an unsigned 64-bit integer", f[0].s, f[0].n, e);
	op = sr_tp_rwbs_op(f[1].s, f[1].n);
	if (op == -EINVAL)
		return sr_tsrc_bad_n(t, "RWBS flags (R, W, D, F, S, ...)", f[1].s, f[1].n, e);
	if (num(&f[2], &bytes))
		return sr_tsrc_bad_n(t, "bytes as an unsigned 64-bit integer", f[2].s, f[2].n, e);
	if (num(&f[3], &sector))
		return sr_tsrc_bad_n(t, "sector as an unsigned 64-bit integer", f[3].s, f[3].n, e);
	if (num(&f[4], &nr))
		return sr_tsrc_bad_n(t, "nr_sector as an unsigned 64-bit integer", f[4].s, f[4].n, e);
	if (!nr || op < 0)
		return 0;
	if (sr_tp_sectors(sector, nr, r))
		return sr_tsrc_bad_n(t, "sector + nr_sector within 64 bits of bytes", f[3].s,
				     f[3].n, e);
	/* block_rq_issue prints blk_rq_bytes and its sectors: a row where both
	 * are set and disagree is damaged, not a request of either length */
	if (bytes && bytes != r->len)
		return sr_inputf(e, "%s:%llu: expected bytes 0 or nr_sector * 512 = %llu, found %llu",
				 t->lines.path, (unsigned long long)t->lines.lineno,
				 (unsigned long long)r->len, (unsigned long long)bytes);
	r->op = (uint8_t)op;
	r->t_ns = ns;
	return 1;
}

static int cheops_open(const char *path, const struct sr_trace_opts *o, struct sr_source **out,
		       struct sr_err *e)
{
	struct sr_tsrc *t;
	int ret;

	ret = sr_tsrc_open(path, o, cheops_parse, &t, e);
	if (ret)
		return ret;
	*out = &t->src;
	return 0;
}

/* A data row: decimal, RWBS letters, then three decimals. */
static int is_row(const struct sr_field *f, unsigned n)
{
	uint64_t v;
	unsigned i;

	if (n != NCOLS || sr_tp_rwbs_op(f[1].s, f[1].n) == -EINVAL)
		return 0;
	for (i = 0; i < NCOLS; i++)
		if (i != 1 && num(&f[i], &v))
			return 0;
	return 1;
}

/* 100 for the header, 80 for bpftrace's "Attaching" line over data rows
 * (40 with no row yet), 60 for a data row first. */
static int cheops_probe(const char *head, size_t len)
{
	const char *p = head, *end = head + len, *nl, *q;
	struct sr_field f[NCOLS];
	int attaching = 0;
	char buf[256];
	unsigned n;
	size_t m;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		m = (size_t)(nl - p);
		if (m && p[m - 1] == '\r')
			m--;
		if (m >= sizeof(buf))
			return 0;
		memcpy(buf, p, m);
		buf[m] = '\0';
		q = sr_tp_blanks(buf);
		if (!*q)
			continue;
		if (!attaching && (!strncmp(q, "Attaching ", 10) || !strncmp(q, "Attached ", 9))) {
			attaching = 1;
			continue;
		}
		n = sr_text_split(q, (size_t)(buf + m - q), f, NCOLS);
		if (!attaching && is_header(f, n))
			return 100;
		if (is_row(f, n))
			return attaching ? 80 : 60;
		return 0;
	}
	return attaching ? 40 : 0;
}

const struct sr_trace_format sr_trace_fmt_cheops = {
	.name = "cheops-csv",
	.help = "CHEOPS'25 bpftrace rows nsecs,rwbs,bytes,sector,nr_sector (block_rq_issue)",
	.probe = cheops_probe,
	.open = cheops_open,
};
