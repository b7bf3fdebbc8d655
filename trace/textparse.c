/* The shared skeleton and scanners of the line-based capture readers. */
#include "trace/textparse.h"
#include "trace/plines.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The reader's parse, then what every line-based capture shares: seq is
 * the line, one target. Touches only t's line number: the parallel reader
 * runs it on copies of t. */
static int tsrc_parse(void *ctx, char *line, size_t len, struct sr_rec *r, struct sr_err *e)
{
	struct sr_tsrc *t = ctx;
	int ret;

	r->tag = 0;
	ret = t->parse(t, line, len, r, e);
	if (ret <= 0)
		return ret;
	r->seq = t->lines.lineno;
	r->target = 0;
	r->flags = 0;
	return 1;
}

/* t_ns since the first timed record, in record order. */
static void tsrc_fix(void *ctx, struct sr_rec *r, size_t n)
{
	struct sr_tsrc *t = ctx;
	size_t i;

	for (i = 0; i < n; i++) {
		if (r[i].t_ns == SR_T_NONE)
			continue;
		if (!t->have_t0) {
			t->t0 = r[i].t_ns;
			t->have_t0 = 1;
		}
		/* Out-of-order stamps (per-CPU buffers) clamp to 0. */
		r[i].t_ns = r[i].t_ns > t->t0 ? r[i].t_ns - t->t0 : 0;
	}
}

static int tsrc_line(void *ctx, char *line, size_t len, struct sr_rec *r, struct sr_err *e)
{
	int ret = tsrc_parse(ctx, line, len, r, e);

	if (ret > 0)
		tsrc_fix(ctx, r, 1);
	return ret;
}

static int tsrc_next(struct sr_source *s, struct sr_rec *out, size_t max, struct sr_err *e)
{
	static const struct sr_plines_ops ops = {
		.parse = tsrc_parse,
		.ctx_size = sizeof(struct sr_tsrc),
		.lines_off = offsetof(struct sr_tsrc, lines),
		.fix = tsrc_fix,
	};
	struct sr_tsrc *t = (struct sr_tsrc *)s;
	int ret;

	/* Started at the first read: the reader sets parallel after open. */
	if (t->parallel && !t->pl_tried) {
		t->pl_tried = 1;
		ret = sr_plines_start(&t->lines, t, &ops, &t->pl, e);
		if (ret)
			return ret;
	}
	if (t->pl)
		return sr_plines_batch(t->pl, &t->err, out, max, e);
	return sr_lines_batch(&t->lines, &t->err, tsrc_line, t, out, max, e);
}

static void tsrc_pos(struct sr_source *s, uint64_t *done, uint64_t *total)
{
	struct sr_tsrc *t = (struct sr_tsrc *)s;

	sr_lines_pos(&t->lines, done, total);
	if (t->pl)
		*done = sr_plines_pos(t->pl);
}

static int tsrc_rewind(struct sr_source *s, struct sr_err *e)
{
	struct sr_tsrc *t = (struct sr_tsrc *)s;

	sr_err_clear(&t->err);
	sr_plines_stop(t->pl);
	t->pl = NULL;
	t->pl_tried = 0;
	t->have_t0 = 0;
	t->t0 = 0;
	t->state = 0;
	return sr_lines_rewind(&t->lines, e);
}

static void tsrc_close(struct sr_source *s)
{
	struct sr_tsrc *t = (struct sr_tsrc *)s;

	if (!t)
		return;
	sr_plines_stop(t->pl);
	sr_lines_close(&t->lines);
	free((char *)t->o.comm);
	free(t);
}

int sr_tsrc_open(const char *path, const struct sr_trace_opts *o, sr_tsrc_parse_fn parse,
		 struct sr_tsrc **out, struct sr_err *e)
{
	struct sr_tsrc *t;
	int ret;

	t = calloc(1, sizeof(*t));
	if (!t)
		return sr_errf(e, -ENOMEM, "%s: out of memory", path);
	t->o = *o;
	t->o.comm = NULL;
	if (o->comm && !(t->o.comm = strdup(o->comm))) {
		free(t);
		return sr_errf(e, -ENOMEM, "%s: out of memory", path);
	}
	t->filters = o->have_dev || o->have_pid || o->comm;
	t->event = o->event ? o->event : 'D';
	t->parse = parse;
	ret = sr_lines_open(&t->lines, path, e);
	if (ret) {
		free((char *)t->o.comm);
		free(t);
		return ret;
	}
	t->src.name = t->lines.path;
	t->src.next = tsrc_next;
	t->src.rewind = tsrc_rewind;
	t->src.close = tsrc_close;
	t->src.pos = tsrc_pos;
	*out = t;
	return 0;
}

int sr_tsrc_bad_n(struct sr_tsrc *t, const char *what, const char *p, size_t n,
		  struct sr_err *e)
{
	char q[SR_QUOTE_BUF];

	if (!n && !*p)
		return sr_inputf(e, "%s:%llu: expected %s, found end of line", t->lines.path,
				 (unsigned long long)t->lines.lineno, what);
	return sr_inputf(e, "%s:%llu: expected %s, found '%s'", t->lines.path,
			 (unsigned long long)t->lines.lineno, what, sr_text_quote(q, p, n));
}

int sr_tsrc_bad(struct sr_tsrc *t, const char *what, const char *p, struct sr_err *e)
{
	return sr_tsrc_bad_n(t, what, p, (size_t)(sr_tp_tok_end(p) - p), e);
}

int sr_tp_time(const char **pp, uint64_t *ns)
{
	const char *p = *pp;
	uint64_t s, f = 0;
	unsigned n = 0;

	if (sr_tp_u64(&p, &s) || *p != '.')
		return -EINVAL;
	for (p++; sr_tp_digit(*p); p++, n++) {
		if (n == 9)
			return -EINVAL;
		f = f * 10 + (uint64_t)(*p - '0');
	}
	if (!n)
		return -EINVAL;
	for (; n < 9; n++)
		f *= 10;
	if (__builtin_mul_overflow(s, 1000000000u, &s) || __builtin_add_overflow(s, f, &s))
		return -ERANGE;
	*pp = p;
	*ns = s;
	return 0;
}

int sr_tp_rwbs_op(const char *s, size_t n)
{
	unsigned seen = 0;
	size_t i;

	if (!n)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (s[i] < 'A' || s[i] > 'Z')
			return -EINVAL;
		seen |= s[i] == 'D' ? 1u : s[i] == 'W' ? 2u : s[i] == 'R' ? 4u : 0u;
	}
	if (seen & 1u)
		return SR_OP_TRIM;
	if (seen & 2u)
		return SR_OP_WRITE;
	if (seen & 4u)
		return SR_OP_READ;
	return -1;
}

/* Lines of a tracefs or trace-cmd dump that carry no event. */
static int ftrace_other(struct sr_tsrc *t, const char *p, struct sr_err *e)
{
	static const char *const skip[] = {
		"CPU",               /* "CPU:1 [LOST 42 EVENTS]", "CPU 0 is empty" */
		"cpus=",             /* trace-cmd report */
		"version = ",        /* trace-cmd report */
		"=>",                /* stacktrace option */
		"<stack trace>",
		"<user stack trace>",
	};
	size_t i;

	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (!strncmp(p, skip[i], strlen(skip[i])))
			return 0;
	return sr_tsrc_bad_n(t, "an ftrace event line 'TASK-PID [CPU] SECONDS: EVENT: ...'", p,
			     strlen(p), e);
}

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

int sr_ftrace_fast = 1;

/* The first byte of [p, end) that is c (any of ':', ' ' and '\t' for
 * EVENT_END), or end. Eight bytes at a time: these scans of the line
 * prefix were a quarter of an ftrace line's parse. */
#define EVENT_END 0
static inline const char *find_stop(const char *p, const char *end, unsigned char c)
{
#ifdef SR_TP_SWAR
	uint64_t w, m;

	for (; end - p >= 8; p += 8) {
		w = sr_tp_word(p);
		m = c ? sr_tp_eq8(w, c) : sr_tp_eq8(w, ':') | sr_tp_eq8(w, ' ') | sr_tp_eq8(w, '\t');
		if (m)
			return p + (__builtin_ctzll(m) >> 3);
	}
#endif
	for (; p < end; p++)
		if (c ? *p == (char)c : *p == ':' || blank(*p))
			return p;
	return end;
}

/* "SECONDS.FRACTION:" and then a blank or the end, with at most 9 digits of
 * seconds (no overflow in nanoseconds): the ':' with *ns set, or NULL for
 * anything else, which sr_tp_time() then reads or rejects. */
static const char *time_fast(const char *p, const char *end, uint64_t *ns)
{
	static const uint32_t scale[10] = { 0, 100000000, 10000000, 1000000, 100000,
					    10000, 1000, 100, 10, 1 };
	uint64_t sec, frac;
	size_t n = sr_tp_digits_to(p, end, '.', &sec), f;

	if (!n || n > 9)
		return NULL;
	p += n + 1;
	f = sr_tp_digits_to(p, end, ':', &frac);
	if (!f || f > 9 || !sr_tp_sep(p[f + 1]))
		return NULL;
	*ns = sec * 1000000000u + frac * scale[f];
	return p + f;
}

/* "SECONDS.FRACTION: EVENT: " at s: 1 with h's time, event and payload
 * set, else 0. The event the reader wants (t->want) is compared first:
 * most lines carry it, and a compare costs less than the search for its
 * end (the same answer: the name holds no ':' or blank). */
static int head_rest(const struct sr_tsrc *t, const char *s, const char *end,
		     struct sr_ftrace_head *h)
{
	const char *q;

	s = time_fast(s, end, &h->t_ns);
	if (!s)
		return 0;
	s = sr_tp_blanks(s + 1);
	h->event = s;
	if (t->want_len && (size_t)(end - s) > t->want_len &&
	    sr_tp_same(s, t->want, t->want_len) && s[t->want_len] == ':') {
		q = s + t->want_len;
		h->event = t->want; /* the same bytes: the reader need not compare again */
	} else {
		q = find_stop(s, end, EVENT_END);
	}
	if (q == end || *q != ':' || q == s || !sr_tp_sep(q[1]))
		return 0;
	h->event_len = (size_t)(q - s);
	h->payload = (char *)sr_tp_blanks(q + 1);
	return 1;
}

/* The prefix "TASK-PID [CPU] FLAGS " of the usual tracefs line (TASK
 * right-aligned in 16 columns), read in one pass: where the timestamp
 * starts, with *pf's comm and pid set; NULL for any other shape. What it
 * finds depends on the prefix's bytes alone, hence the cache. */
static const char *prefix_fast(const char *line, const char *end, struct sr_ftrace_pfx *pf)
{
	const char *p = line, *q, *c, *a, *b, *s;
	uint64_t pid = 0, w;

	for (; end - p >= 8; p += 8) { /* the padding, a word at a time */
		memcpy(&w, p, 8);
		if (w != 0x2020202020202020ull)
			break;
	}
	p = sr_tp_blanks(p);
	if (*p == '#')
		return NULL;
	q = find_stop(p, end, '[');
	if (q == end || q == p || !blank(q[-1]) || !sr_tp_digit(q[1]))
		return NULL;
	for (c = q + 1; sr_tp_digit(*c); c++)
		;
	if (*c != ']')
		return NULL;
	for (b = q - 1; b > p && blank(b[-1]); b--)
		;
	for (a = b; a > p && sr_tp_digit(a[-1]); a--)
		;
	if (a == b || a - 1 <= p || a[-1] != '-' || b - a > 10) /* perf's "TASK PID", tgid */
		return NULL;
	for (s = a; s < b; s++)
		pid = pid * 10 + (uint64_t)(*s - '0');
	if (pid > UINT32_MAX)
		return NULL;
	for (b = a - 1; b > p && blank(b[-1]); b--)
		;
	pf->comm = (uint16_t)(p - line); /* lines are at most SR_LINES_MAX bytes */
	pf->comm_end = (uint16_t)(b - line);
	pf->pid = (uint32_t)pid;
	/* A token ending in ':' is the timestamp, else irq-info flags come first */
	s = sr_tp_blanks(c + 1);
	q = sr_tp_tok_end(s);
	if (q == s)
		return NULL;
	return q[-1] == ':' ? s : sr_tp_blanks(q);
}

/* The usual tracefs line: 1 with h filled in, exactly as the checked path
 * below would; 0 for any other shape, which that path then reads, skips or
 * rejects (the line is untouched). Consecutive lines of one task on one
 * CPU share their prefix: the one last read is kept in t and compared. */
static int head_fast(struct sr_tsrc *t, char *line, size_t len, struct sr_ftrace_head *h)
{
	struct sr_ftrace_pfx *pf = &t->pfx, fresh;
	const char *end = line + len, *ts;

	if (pf->len && len > pf->len && sr_tp_same(line, pf->text, pf->len)) {
		if (!head_rest(t, line + pf->len, end, h))
			return 0;
	} else {
		ts = prefix_fast(line, end, &fresh);
		if (!ts || !head_rest(t, ts, end, h))
			return 0;
		*pf = fresh;
		pf->len = 0;
		if (ts - line <= (ptrdiff_t)sizeof(pf->text)) {
			memcpy(pf->text, line, (size_t)(ts - line));
			pf->len = (uint8_t)(ts - line);
		}
	}
	line[pf->comm_end] = '\0';
	h->comm = line + pf->comm;
	h->pid = pf->pid;
	return 1;
}

int sr_ftrace_head(struct sr_tsrc *t, char *line, size_t len, struct sr_ftrace_head *h,
		   struct sr_err *e)
{
	char *p, *q, *a, *b, *c;
	const char *s, *end, *tok;
	uint32_t pid;

	if (sr_ftrace_fast && head_fast(t, line, len, h))
		return 1;
	p = (char *)sr_tp_blanks(line);
	if (!*p || *p == '#')
		return 0;
	/* The CPU column " [NNN]" ends TASK-PID, whatever the task name holds. */
	for (q = p; (q = strchr(q, '[')); q++) {
		if (q == p || (q[-1] != ' ' && q[-1] != '\t') || !sr_tp_digit(q[1]))
			continue;
		for (c = q + 1; sr_tp_digit(*c); c++)
			;
		if (*c == ']')
			break;
	}
	if (!q)
		return ftrace_other(t, p, e);
	for (b = q; b > p && (b[-1] == ' ' || b[-1] == '\t'); b--)
		;
	if (b > p && b[-1] == ')') { /* record-tgid: "TASK-PID (TGID)" */
		for (a = b - 1; a > p && *a != '('; a--)
			;
		for (b = a; b > p && (b[-1] == ' ' || b[-1] == '\t'); b--)
			;
	}
	for (a = b; a > p && sr_tp_digit(a[-1]); a--)
		;
	s = a;
	if (a == b || a - 1 <= p || (a[-1] != '-' && a[-1] != ' ') || sr_tp_u32(&s, &pid) ||
	    s != b)
		return sr_tsrc_bad_n(t, "TASK-PID before the CPU column", p, (size_t)(q - p), e);
	/* "TASK-PID" from tracefs, "TASK PID" from perf script */
	for (b = a - 1; b > p && (b[-1] == ' ' || b[-1] == '\t'); b--)
		;
	*b = '\0';
	h->comm = p;
	h->pid = pid;

	/* Optional irq-info flags ("d..1."), then "SECONDS.FRACTION:" */
	s = sr_tp_blanks(c + 1);
	end = sr_tp_tok_end(s);
	if (end == s || end[-1] != ':') {
		s = sr_tp_blanks(end);
		end = sr_tp_tok_end(s);
	}
	tok = s;
	if (end == s || end[-1] != ':' || sr_tp_time(&s, &h->t_ns) || s != end - 1)
		return sr_tsrc_bad(t, "a timestamp 'SECONDS.FRACTION:'", tok, e);

	s = sr_tp_blanks(end);
	end = sr_tp_tok_end(s);
	if (end == s || end[-1] != ':') {
		if (*sr_tp_blanks(end))
			return 0; /* function tracer: "func <-parent" */
		return sr_tsrc_bad(t, "'EVENT: ' after the timestamp", s, e);
	}
	h->event_len = (size_t)(end - 1 - s);
	h->event = s;
	for (a = (char *)end - 1; a > s; a--) {
		if (a[-1] == ':') { /* perf script: "block:block_rq_issue:" */
			h->event_len = (size_t)(end - 1 - a);
			h->event = a;
			break;
		}
	}
	h->payload = (char *)sr_tp_blanks(end);
	return 1;
}

int sr_ftrace_probe_event(const char *head, size_t len, const char *name)
{
	size_t n = strlen(name);
	const char *p = head, *end = head + len, *hit;

	while (p < end && (hit = memmem(p, (size_t)(end - p), name, n))) {
		if (hit + n + 2 <= end && hit[n] == ':' && hit[n + 1] == ' ' && hit > head &&
		    (hit[-1] == ':' || (hit[-1] == ' ' && hit - 1 > head && hit[-2] == ':')))
			return 1;
		p = hit + 1;
	}
	return 0;
}
