/* blkparse's default text output (blkparse -i DEV, or blktrace -o - | blkparse -i -):
 *
 *	  8,0    3        1     0.000000000   697  D   W 223490 + 8 [kjournald]
 *	  8,0    3        2     0.000164009     0  C   W 223490 + 8 (  164009) [0]
 *	CPU0 (8,0):
 *	 Reads Queued: ...
 *
 * Each event line is blkparse's HEADER "%D %2c %8s %5T.%9t %5p %2a %3d "
 * (MAJ,MIN cpu sequence SECONDS.NANOS pid action RWBS) and, for Q I D C
 * and the other requests with a range, "%S + %n [(elapsed)] [%C]" (command
 * name; the error number for C). Only the action --event names (D issue by
 * default, Q queue, C complete, ...) makes records; with o->lat, the Q, M,
 * F, R, D and C lines also go to the Q/D/C pairing (blklat.h). A line that starts with
 * "MAJ,MIN" is an event line and must be whole. Blank lines are skipped, and
 * so is everything after the summary's first header ("CPU0 (8,0):",
 * "Total (8,0):", or with -s "COMM (PID)"): blkparse prints its summary
 * after the last event. Any other line is bad input (FILE:LINE), as a
 * garbage line in every other text reader is. Flushes ("D FW
 * [comm]") and passthrough commands ("D N 0 (12 00 ..) [comm]") carry no
 * sector range and no record. */
#include "trace/blklat.h"
#include "trace/textparse.h"

#include <string.h>

/* The actions blkparse prints with "SECTOR + COUNT". */
#define RANGE_ACTIONS "QMFGSRDCIBA"

/* Does line[0, n) end with " (DIGITS)"? */
static int ends_paren_digits(const char *line, size_t n)
{
	size_t i;

	if (n < 4 || line[n - 1] != ')')
		return 0;
	for (i = n - 1; i > 0 && sr_tp_digit(line[i - 1]); i--)
		;
	return i > 1 && i < n - 1 && line[i - 1] == '(' && line[i - 2] == ' ';
}

/* A summary header: "CPU<N> (DEV):", "Total (DEV):" (DEV is MAJ,MIN or a
 * name), or -s's per-process "COMM (PID)" at the start of the line. */
static int summary_header(const char *line, size_t n)
{
	const char *p = line;

	if (!n || *line == ' ' || *line == '\t')
		return 0;
	if (n > 2 && line[n - 2] == ')' && line[n - 1] == ':') {
		if (!strncmp(line, "Total (", 7))
			return 1;
		if (!strncmp(line, "CPU", 3) && sr_tp_digit(line[3])) {
			for (p = line + 3; sr_tp_digit(*p); p++)
				;
			return p[0] == ' ' && p[1] == '(';
		}
		return 0;
	}
	return ends_paren_digits(line, n);
}

/* A line that is not an event line: blank, the summary, or bad input. */
static int not_event(struct sr_tsrc *t, const char *line, size_t len, struct sr_err *e)
{
	const char *p = sr_tp_blanks(line);

	while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
		len--;
	if (!*p || p >= line + len || t->state)
		return 0;
	if (summary_header(line, len)) {
		t->state = 1; /* the summary: the rest is blkparse's statistics */
		return 0;
	}
	return sr_tsrc_bad(t, "a blkparse event line 'MAJ,MIN CPU SEQ TIME PID ACTION RWBS ...' "
			   "or its summary", p, e);
}

/* With o.lat: a Q, M, F, R, D or C line to the Q/D/C pairing (blklat.h),
 * its [COMMAND] as the pid's name; p is past the RWBS column. A line whose
 * range cannot be read is left unpaired: it is checked as a record only
 * when --event names its action. */
static int pair(struct sr_tsrc *t, uint32_t maj, uint32_t min, char act, uint64_t ns,
		uint32_t pid, const char *p, struct sr_err *e)
{
	const char *close;
	char name[16];
	uint64_t sector, nr;
	size_t n;

	if (!t->o.lat || !act || !strchr("QDCRMF", act) ||
	    (t->o.have_dev && (maj != t->o.dev_major || min != t->o.dev_minor)))
		return 0;
	p = sr_tp_blanks(p);
	if (sr_tp_u64(&p, &sector) || !sr_tp_sep(*p))
		return 0;
	p = sr_tp_blanks(p);
	if (*p != '+' || !sr_tp_sep(p[1]))
		return 0;
	p = sr_tp_blanks(p + 1);
	if (sr_tp_u64(&p, &nr) || !sr_tp_sep(*p) || nr > UINT32_MAX)
		return 0;
	if (sr_blklat_event(t->o.lat, maj, min, act, sector, (uint32_t)nr, ns, t->lines.lineno))
		return sr_errf(e, -ENOMEM, "%s: out of memory", t->src.name);
	p = sr_tp_blanks(p);
	if (act == 'C' || *p != '[' || !(close = strrchr(p, ']')) || close == p + 1)
		return 0; /* a completion's [ERROR] names no process */
	n = (size_t)(close - p - 1) < sizeof(name) - 1 ? (size_t)(close - p - 1) : sizeof(name) - 1;
	memcpy(name, p + 1, n);
	name[n] = '\0';
	if (sr_blklat_comm(t->o.lat, pid, name))
		return sr_errf(e, -ENOMEM, "%s: out of memory", t->src.name);
	return 0;
}

static int blkparse_parse(struct sr_tsrc *t, char *line, size_t len, struct sr_rec *r,
			  struct sr_err *e)
{
	const char *p = sr_tp_blanks(line), *tok, *end, *sec;
	uint32_t maj, min, v32, pid;
	uint64_t v, ns, sector, nr;
	char *comm, *close, act;
	int op, ret;

	/* Only "MAJ,MIN " starts an event line. */
	if (sr_tp_u32(&p, &maj) || *p != ',' || !sr_tp_digit(p[1]))
		return not_event(t, line, len, e);
	p++;
	if (sr_tp_u32(&p, &min) || (*p != ' ' && *p != '\t'))
		return not_event(t, line, len, e);

	tok = p = sr_tp_blanks(p);
	if (sr_tp_u32(&p, &v32) || !sr_tp_sep(*p))
		return sr_tsrc_bad(t, "a CPU number", tok, e);
	tok = p = sr_tp_blanks(p);
	if (sr_tp_u64(&p, &v) || !sr_tp_sep(*p))
		return sr_tsrc_bad(t, "a sequence number", tok, e);
	tok = p = sr_tp_blanks(p);
	if (sr_tp_time(&p, &ns) || !sr_tp_sep(*p))
		return sr_tsrc_bad(t, "a timestamp SECONDS.NANOSECONDS", tok, e);
	tok = p = sr_tp_blanks(p);
	if (sr_tp_u32(&p, &pid) || !sr_tp_sep(*p))
		return sr_tsrc_bad(t, "a pid", tok, e);
	tok = sr_tp_blanks(p);
	end = sr_tp_tok_end(tok);
	if (end == tok || end - tok > 2 || !((*tok >= 'A' && *tok <= 'Z') || *tok == 'm'))
		return sr_tsrc_bad(t, "an action (Q, I, D, C, ...)", tok, e);
	act = end - tok == 1 ? *tok : 0;
	if (act != t->event) {
		/* Another action: check that the RWBS column is there, no more. */
		tok = sr_tp_blanks(end);
		end = sr_tp_tok_end(tok);
		if (sr_tp_rwbs_op(tok, (size_t)(end - tok)) == -EINVAL)
			return sr_tsrc_bad(t, "RWBS flags", tok, e);
		return act ? pair(t, maj, min, act, ns, pid, end, e) : 0;
	}
	tok = sr_tp_blanks(end);
	end = sr_tp_tok_end(tok);
	op = sr_tp_rwbs_op(tok, (size_t)(end - tok));
	if (op == -EINVAL)
		return sr_tsrc_bad(t, "RWBS flags", tok, e);
	if ((ret = pair(t, maj, min, t->event, ns, pid, end, e)))
		return ret;

	sec = p = sr_tp_blanks(end);
	if (*p == '[' || *p == '(')
		return 0; /* flush or passthrough without a sector range */
	if (sr_tp_u64(&p, &sector) || !sr_tp_sep(*p))
		return sr_tsrc_bad(t, "a sector as an unsigned 64-bit integer", sec, e);
	p = sr_tp_blanks(p);
	if (*p == '(')
		return 0; /* passthrough: "BYTES (CDB)" */
	if (*p != '+' || !sr_tp_sep(p[1]))
		return sr_tsrc_bad(t, "'+' after the sector", p, e);
	tok = p = sr_tp_blanks(p + 1);
	if (sr_tp_u64(&p, &nr) || !sr_tp_sep(*p))
		return sr_tsrc_bad(t, "a sector count as an unsigned 64-bit integer", tok, e);
	p = sr_tp_blanks(p);
	if (*p == '(') { /* blkparse -t: "(ELAPSED_NS)" */
		tok = p;
		p = sr_tp_blanks(p + 1);
		if (sr_tp_u64(&p, &v) || *p != ')')
			return sr_tsrc_bad(t, "'(ELAPSED)'", tok, e);
		p = sr_tp_blanks(p + 1);
	}
	comm = NULL;
	if (t->event == 'A') {
		if (strncmp(p, "<- ", 3))
			return sr_tsrc_bad(t, "'<- (MAJ,MIN) SECTOR'", p, e);
	} else {
		/* "[comm]" or "[error]" ends the line; comm may hold blanks and ']' */
		close = line + len;
		while (close > p && (close[-1] == ' ' || close[-1] == '\t'))
			close--;
		if (*p != '[' || close - p < 2 || close[-1] != ']')
			return sr_tsrc_bad(t, t->event == 'C' ? "'[ERROR]' at the end" :
					   "'[COMMAND]' at the end", p, e);
		close[-1] = '\0';
		comm = (char *)p + 1;
		if (t->event == 'C') {
			tok = comm;
			if (sr_tp_u32(&tok, &v32) || *tok)
				return sr_tsrc_bad(t, "an error number in '[ERROR]'", comm, e);
			comm = NULL; /* completions carry no command name */
		}
	}

	if (!nr || op < 0)
		return 0;
	if (sr_tp_sectors(sector, nr, r))
		return sr_tsrc_bad(t, "sector + count within 64 bits of bytes", sec, e);
	if (!sr_tsrc_keep(t, maj, min, pid, comm))
		return 0;
	r->op = (uint8_t)op;
	r->t_ns = ns;
	r->tag = pid;
	return 1;
}

static int blkparse_open(const char *path, const struct sr_trace_opts *o, struct sr_source **out,
			 struct sr_err *e)
{
	char event = o->event ? o->event : 'D';
	struct sr_tsrc *t;
	int ret;

	if (!strchr(RANGE_ACTIONS, event))
		return sr_inputf(e, "%s: --event %c: blkparse actions with a sector range are "
				 "Q, M, F, G, S, R, D, C, I, B and A", path, event);
	ret = sr_tsrc_open(path, o, blkparse_parse, &t, e);
	if (ret)
		return ret;
	*out = &t->src;
	return 0;
}

/* Is line (NUL-terminated) a blkparse event line, through the RWBS column? */
static int event_shape(const char *p)
{
	const char *end;
	uint64_t v;

	if (sr_tp_u64(&p, &v) || *p++ != ',' || sr_tp_u64(&p, &v) || !sr_tp_sep(*p))
		return 0;
	p = sr_tp_blanks(p);
	if (sr_tp_u64(&p, &v) || !sr_tp_sep(*p)) /* cpu */
		return 0;
	p = sr_tp_blanks(p);
	if (sr_tp_u64(&p, &v) || !sr_tp_sep(*p)) /* sequence */
		return 0;
	p = sr_tp_blanks(p);
	if (sr_tp_time(&p, &v) || !sr_tp_sep(*p))
		return 0;
	p = sr_tp_blanks(p);
	if (sr_tp_u64(&p, &v) || !sr_tp_sep(*p)) /* pid */
		return 0;
	p = sr_tp_blanks(p);
	end = sr_tp_tok_end(p);
	if (end == p || end - p > 2) /* action */
		return 0;
	p = sr_tp_blanks(end);
	end = sr_tp_tok_end(p);
	return sr_tp_rwbs_op(p, (size_t)(end - p)) != -EINVAL;
}

/* 90 when the first line that is not blank is a blkparse event line. */
static int blkparse_probe(const char *head, size_t len)
{
	const char *p = head, *end = head + len, *nl, *q;
	char buf[160];
	size_t n;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		n = (size_t)(nl - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (n >= sizeof(buf))
			n = sizeof(buf) - 1;
		memcpy(buf, p, n);
		buf[n] = '\0';
		q = sr_tp_blanks(buf);
		if (*q)
			return event_shape(q) ? 90 : 0;
		p = nl + 1;
	}
	return 0;
}

const struct sr_trace_format sr_trace_fmt_blkparse = {
	.name = "blkparse",
	.help = "blkparse's default text output; --event picks the action (D issue by default, "
		"Q queue, C complete)",
	.caps = SR_CAP_DEV | SR_CAP_PID | SR_CAP_COMM | SR_CAP_EVENT,
	.probe = blkparse_probe,
	.open = blkparse_open,
};
