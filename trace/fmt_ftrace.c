/* Block request events as text from tracefs (trace, trace_pipe), trace-cmd
 * report or perf script:
 *
 *	# tracer: nop
 *	dd-7791 [000] ..... 5151.576556: block_rq_issue: 7,0 RS 131072 () 25600 + 256 be,0,4 [dd]
 *	<idle>-0 [001] ..s1. 5151.577000: block_rq_complete: 7,0 RS () 25600 + 256 be,0,4 [0]
 *
 * The print formats (include/trace/events/block.h; ioprio since 6.x):
 *	block_rq_issue, block_rq_insert:
 *		"%d,%d %s %u (%s) %llu + %u %s,%u,%u [%s]"  dev rwbs bytes (cmd) sector + nr ioprio [comm]
 *	block_rq_complete:
 *		"%d,%d %s (%s) %llu + %u %s,%u,%u [%d]"     dev rwbs (cmd) sector + nr ioprio [error]
 *	block_bio_queue:
 *		"%d,%d %s %llu + %u [%s]"                   dev rwbs sector + nr [comm]
 * Older kernels print the same without the ioprio field. --event picks the
 * event: Q block_bio_queue, I block_rq_insert, D block_rq_issue (default),
 * C block_rq_complete; lines of other events are skipped. The length is
 * nr_sector * 512 (bytes is 0 for some requests); requests without sectors
 * (flushes, passthrough commands) and RWBS without R, W or D carry no record.
 * pid and comm: the task's, except that issue, insert and queue take comm
 * from the payload (the task column shows "<...>" for pids ftrace forgot). */
#include "trace/textparse.h"

#include <string.h>

enum ev_kind { EV_QUEUE, EV_INSERT, EV_ISSUE, EV_COMPLETE };

static const struct {
	const char *name;
	uint8_t name_len;
	char letter;
	uint8_t bytes;   /* payload has the bytes field and "(cmd)" */
	uint8_t cmd;     /* payload has "(cmd)" */
} events[] = {
	[EV_QUEUE] = { "block_bio_queue", sizeof("block_bio_queue") - 1, 'Q', 0, 0 },
	[EV_INSERT] = { "block_rq_insert", sizeof("block_rq_insert") - 1, 'I', 1, 1 },
	[EV_ISSUE] = { "block_rq_issue", sizeof("block_rq_issue") - 1, 'D', 1, 1 },
	[EV_COMPLETE] = { "block_rq_complete", sizeof("block_rq_complete") - 1, 'C', 0, 1 },
};

#define NEVENTS (sizeof(events) / sizeof(events[0]))

/* What the payload says, up to its "[COMM]" or "[ERROR]". */
struct payload {
	uint32_t maj, min;
	int op;
	uint64_t sector, nr;
	const char *sec; /* the sector's text, for messages */
	const char *end; /* at the '[' */
};

/* Digits (at most 19: no overflow) and then the byte stop: 1 with *v set
 * and *pp past the stop, else 0. */
static inline __attribute__((always_inline)) int num_then(const char **pp, const char *end, char stop, uint64_t *v)
{
	size_t n = sr_tp_digits_to(*pp, end, stop, v);

	*pp += n + 1;
	return n != 0;
}

/* RWBS flags ("RS", "WFS") and then a blank: 1 with *seen's bits (1: D,
 * 2: W, 4: R) and *pp past the blank, else 0. One word where it fits: the
 * flags' length varies from line to line, a loop over them mispredicts. */
static inline __attribute__((always_inline)) int rwbs_then(const char **pp, const char *end,
							   unsigned *seen)
{
	const char *p = *pp, *tok = p;
	unsigned s = 0;

#ifdef SR_TP_SWAR
	if (end - p >= 8) {
		uint64_t w = sr_tp_word(p), x = w - 0x4141414141414141ull, m, keep;
		unsigned k;

		/* high bit in each byte not 'A' to 'Z', lowest one exact */
		m = (x | (x + 0x6666666666666666ull)) & 0x8080808080808080ull;
		if (m) {
			k = (unsigned)__builtin_ctzll(m) >> 3;
			if (!k || (char)(w >> 8 * k) != ' ')
				return 0;
			keep = (1ull << 8 * k) - 1; /* a false hit only follows a true one */
			*seen = (unsigned)!!(sr_tp_eq8(w, 'D') & keep) |
				(unsigned)!!(sr_tp_eq8(w, 'W') & keep) << 1 |
				(unsigned)!!(sr_tp_eq8(w, 'R') & keep) << 2;
			*pp = p + k + 1;
			return 1;
		}
	}
#endif
	for (; (unsigned)(*p - 'A') < 26; p++)
		s |= (unsigned)(*p == 'D') | (unsigned)(*p == 'W') << 1 | (unsigned)(*p == 'R') << 2;
	if (p == tok || *p != ' ')
		return 0;
	*seen = s;
	*pp = p + 1;
	return 1;
}

/* A token ("be,0,4", the ioprio of newer kernels), one blank and the '['
 * of "[COMM]": 1 with *pp at the '[', else 0. [*pp, end) holds no NUL. */
static inline __attribute__((always_inline)) int skip_to_bracket(const char **pp, const char *end)
{
	const char *p = *pp;

#ifdef SR_TP_SWAR
	if (end - p >= 8) {
		uint64_t w = sr_tp_word(p), m = sr_tp_eq8(w, ' ') | sr_tp_eq8(w, '\t');

		if (m) {
			p += __builtin_ctzll(m) >> 3;
			goto blank;
		}
	}
#endif
	while (*p && *p != ' ' && *p != '\t')
		p++;
#ifdef SR_TP_SWAR
blank:
#endif
	if (*p++ != ' ' || *p != '[')
		return 0;
	*pp = p;
	return 1;
}

/* RWBS letters seen (1: D, 2: W, 4: R) to the op: D trim, else W write,
 * else R read, else -1 (as sr_tp_rwbs_op), a load instead of three tests. */
static const int8_t op_of_seen[8] = {
	-1, SR_OP_TRIM, SR_OP_WRITE, SR_OP_TRIM, SR_OP_READ, SR_OP_TRIM, SR_OP_WRITE, SR_OP_TRIM,
};

/* The payload as the kernel prints it, single blanks between the fields
 * ("259,0 RS 131072 () 25600 + 256 be,0,4 [dd]"), read in one pass: 1 with
 * *pl set exactly as payload_checked() would, 0 for any other shape. */
static int payload_fast(const struct sr_tsrc *t, const char *p, const char *end,
			struct payload *pl)
{
	unsigned seen = 0;
	uint64_t maj, min, v;

	if (!num_then(&p, end, ',', &maj) || maj > UINT32_MAX || !num_then(&p, end, ' ', &min) ||
	    min > UINT32_MAX)
		return 0;
	if (!rwbs_then(&p, end, &seen))
		return 0;
	if (events[t->kind].bytes && !num_then(&p, end, ' ', &v))
		return 0;
	if (events[t->kind].cmd) {
		if (p[0] != '(' || p[1] != ')' || p[2] != ' ')
			return 0;
		p += 3;
	}
	pl->sec = p;
	if (!num_then(&p, end, ' ', &pl->sector) || p[0] != '+' || p[1] != ' ')
		return 0;
	p += 2;
	if (!num_then(&p, end, ' ', &pl->nr))
		return 0;
	if (*p != '[' && !skip_to_bracket(&p, end)) /* ioprio "be,0,4" on newer kernels */
		return 0;
	pl->maj = (uint32_t)maj;
	pl->min = (uint32_t)min;
	pl->op = op_of_seen[seen];
	pl->end = p;
	return 1;
}

/* Any payload, blanks as they come: 0 with *pl set, or -EINVAL with e
 * naming the field. */
static int payload_checked(struct sr_tsrc *t, const char *p, struct payload *pl,
			   struct sr_err *e)
{
	const char *tok, *end, *start = p;
	uint64_t v;

	if (sr_tp_u32(&p, &pl->maj) || *p != ',')
		return sr_tsrc_bad(t, "device MAJOR,MINOR", start, e);
	p++;
	if (sr_tp_u32(&p, &pl->min) || !sr_tp_sep(*p))
		return sr_tsrc_bad(t, "device MAJOR,MINOR", start, e);
	tok = sr_tp_blanks(p);
	end = sr_tp_tok_end(tok);
	pl->op = sr_tp_rwbs_op(tok, (size_t)(end - tok));
	if (pl->op == -EINVAL)
		return sr_tsrc_bad(t, "RWBS flags", tok, e);
	p = sr_tp_blanks(end);
	if (events[t->kind].bytes) {
		if (sr_tp_u64(&p, &v) || !sr_tp_sep(*p))
			return sr_tsrc_bad(t, "bytes as an unsigned 64-bit integer", p, e);
		p = sr_tp_blanks(p);
	}
	if (events[t->kind].cmd) {
		/* "()" for file system requests, a hex dump for passthrough */
		tok = *p == '(' ? strchr(p, ')') : NULL;
		if (!tok)
			return sr_tsrc_bad(t, "'(CMD)'", p, e);
		p = sr_tp_blanks(tok + 1);
	}
	pl->sec = p;
	if (sr_tp_u64(&p, &pl->sector) || !sr_tp_sep(*p))
		return sr_tsrc_bad(t, "sector as an unsigned 64-bit integer", pl->sec, e);
	p = sr_tp_blanks(p);
	if (*p != '+' || !sr_tp_sep(p[1]))
		return sr_tsrc_bad(t, "'+' after the sector", p, e);
	tok = p = sr_tp_blanks(p + 1);
	if (sr_tp_u64(&p, &pl->nr) || !sr_tp_sep(*p))
		return sr_tsrc_bad(t, "sector count as an unsigned 64-bit integer", tok, e);
	p = sr_tp_blanks(p);
	if (*p && *p != '[') /* ioprio "be,0,4" on newer kernels */
		p = sr_tp_blanks(sr_tp_tok_end(p));
	pl->end = p;
	return 0;
}

static int ftrace_parse(struct sr_tsrc *t, char *line, size_t len, struct sr_rec *r,
			struct sr_err *e)
{
	const char *p, *tok;
	struct sr_ftrace_head h;
	struct payload pl = { 0 };
	uint64_t v;
	char *comm, *close;
	int ret;

	ret = sr_ftrace_head(t, line, len, &h, e);
	if (ret <= 0)
		return ret;
	if (h.event != t->want && (h.event_len != events[t->kind].name_len ||
				   !sr_tp_same(h.event, events[t->kind].name, h.event_len)))
		return 0;
	if (!(sr_ftrace_fast && payload_fast(t, h.payload, line + len, &pl)) && (ret = payload_checked(t, h.payload, &pl, e)))
		return ret;
	/* "[comm]" or "[error]" ends the line; comm may hold blanks and ']' */
	p = pl.end;
	close = line + len;
	while (close > p && (close[-1] == ' ' || close[-1] == '\t'))
		close--;
	if (*p != '[' || close - p < 2 || close[-1] != ']')
		return sr_tsrc_bad(t, t->kind == EV_COMPLETE ? "'[ERROR]' at the end" :
				   "'[COMM]' at the end", p, e);
	close[-1] = '\0';
	comm = (char *)p + 1;
	if (t->kind == EV_COMPLETE) {
		tok = comm + (*comm == '-');
		if (sr_tp_u64(&tok, &v) || *tok || v > (uint64_t)INT32_MAX + 1)
			return sr_tsrc_bad(t, "an error number in '[ERROR]'", comm, e);
		comm = h.comm;
	}

	if (!pl.nr || pl.op < 0)
		return 0; /* flush, passthrough, write-zeroes: no data here */
	if (sr_tp_sectors(pl.sector, pl.nr, r))
		return sr_tsrc_bad(t, "sector + count within 64 bits of bytes", pl.sec, e);
	if (!sr_tsrc_keep(t, pl.maj, pl.min, h.pid, comm))
		return 0;
	r->op = (uint8_t)pl.op;
	r->t_ns = h.t_ns;
	r->tag = h.pid;
	return 1;
}

static int ftrace_open(const char *path, const struct sr_trace_opts *o, struct sr_source **out,
		       struct sr_err *e)
{
	char event = o->event ? o->event : 'D';
	struct sr_tsrc *t;
	size_t k;
	int ret;

	for (k = 0; k < NEVENTS && events[k].letter != event; k++)
		;
	if (k == NEVENTS)
		return sr_inputf(e, "%s: --event %c: ftrace traces here carry Q (block_bio_queue), "
				 "I (block_rq_insert), D (block_rq_issue) and C (block_rq_complete)",
				 path, event);
	ret = sr_tsrc_open(path, o, ftrace_parse, &t, e);
	if (ret)
		return ret;
	t->kind = (int)k;
	t->want = events[k].name;
	t->want_len = events[k].name_len;
	t->parallel = 1; /* ftrace_parse keeps no state between lines */
	*out = &t->src;
	return 0;
}

/* 95 when the first 4 KiB hold one of the block events. */
static int ftrace_probe(const char *head, size_t len)
{
	size_t k;

	for (k = 0; k < NEVENTS; k++)
		if (sr_ftrace_probe_event(head, len, events[k].name))
			return 95;
	return 0;
}

const struct sr_trace_format sr_trace_fmt_ftrace = {
	.name = "ftrace",
	.help = "tracefs text of block_rq_issue (--event D), block_rq_complete (C), "
		"block_rq_insert (I) or block_bio_queue (Q)",
	.caps = SR_CAP_DEV | SR_CAP_PID | SR_CAP_COMM | SR_CAP_EVENT,
	.probe = ftrace_probe,
	.open = ftrace_open,
};
