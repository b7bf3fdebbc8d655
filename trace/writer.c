#include "trace/writer.h"

#include "trace/blklat.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum wfmt { W_CSV, W_IOLOG, W_BLKPARSE, W_BLKTRACE };

/* A completion to write once the records reach its time. */
struct pend_c {
	uint64_t time, sector;
	uint32_t bytes, pid, tc;
};

struct sr_writer {
	enum wfmt fmt;
	FILE *f;
	struct sr_writer_cfg cfg;
	int started;
	int timed;          /* the first record carried a time: so does the output */
	int flags;          /* csv: the first record carried flags (a synthetic schedule): a flags column */
	uint64_t last_t;    /* for records without a time in a timed stream */
	uint64_t seq;
	uint32_t max_target; /* fio-iolog: files added so far (+1) */
	/* blktrace */
	struct pend_c *cq;  /* min-heap by time */
	size_t ncq, cq_cap;
	uint64_t *pids;     /* pid + 1 of each process named so far; 0: free */
	size_t npids, pid_cap;
	int nomem;
};

const char *sr_writer_names(void)
{
	return "csv, fio-iolog, blkparse, blktrace";
}

int sr_writer_open(const char *fmt, FILE *f, const struct sr_writer_cfg *cfg,
		   struct sr_writer **out, struct sr_err *e)
{
	struct sr_writer *w;
	enum wfmt k;

	if (!strcmp(fmt, "csv"))
		k = W_CSV;
	else if (!strcmp(fmt, "fio-iolog"))
		k = W_IOLOG;
	else if (!strcmp(fmt, "blkparse"))
		k = W_BLKPARSE;
	else if (!strcmp(fmt, "blktrace"))
		k = W_BLKTRACE;
	else
		return sr_inputf(e, "--to: expected %s, found '%s'", sr_writer_names(), fmt);
	w = calloc(1, sizeof(*w));
	if (!w)
		return sr_errf(e, -ENOMEM, "out of memory");
	w->fmt = k;
	w->f = f;
	w->cfg = *cfg;
	if (!w->cfg.iolog_name)
		w->cfg.iolog_name = "target";
	*out = w;
	return 0;
}

static uint64_t rec_time(struct sr_writer *w, const struct sr_rec *r)
{
	if (r->t_ns != SR_T_NONE)
		w->last_t = r->t_ns;
	return w->last_t;
}

/* fio names a target by file name: target 0 is the name itself, target N
 * the name with ".N" appended. */
static void iolog_name(const struct sr_writer *w, uint32_t target, char *buf, size_t n)
{
	if (target)
		snprintf(buf, n, "%s.%" PRIu32, w->cfg.iolog_name, target);
	else
		snprintf(buf, n, "%s", w->cfg.iolog_name);
}

static void start(struct sr_writer *w, const struct sr_rec *r)
{
	w->started = 1;
	w->timed = r->t_ns != SR_T_NONE;
	w->flags = r->flags != 0;
	switch (w->fmt) {
	case W_CSV:
		fprintf(w->f, "%soffset,length,op,target,tag%s\n", w->timed ? "time_ns," : "",
			w->flags ? ",flags" : "");
		break;
	case W_IOLOG:
		fprintf(w->f, "fio version %d iolog\n", w->timed ? 3 : 2);
		break;
	case W_BLKPARSE:
	case W_BLKTRACE:
		break;
	}
}

static void iolog_add_targets(struct sr_writer *w, uint32_t target, uint64_t t_us)
{
	char name[512];

	while (w->max_target <= target) {
		iolog_name(w, w->max_target, name, sizeof(name));
		if (w->timed)
			fprintf(w->f, "%" PRIu64 " %s add\n%" PRIu64 " %s open\n", t_us, name, t_us, name);
		else
			fprintf(w->f, "%s add\n%s open\n", name, name);
		w->max_target++;
	}
}

static void write_iolog(struct sr_writer *w, const struct sr_rec *r)
{
	static const char *const act[SR_OP_NR] = { "read", "write", "trim", "sync" };
	uint64_t t_us = rec_time(w, r) / 1000;
	char name[512];

	iolog_add_targets(w, r->target, t_us);
	iolog_name(w, r->target, name, sizeof(name));
	if (w->timed)
		fprintf(w->f, "%" PRIu64 " ", t_us);
	if (r->op == SR_OP_SYNC)
		fprintf(w->f, "%s sync\n", name);
	else
		fprintf(w->f, "%s %s %" PRIu64 " %" PRIu64 "\n", name, act[r->op], r->off, r->len);
}

/* The source's name for pid (cfg.lat), else "ssdreplay". */
static const char *proc_name(const struct sr_writer *w, uint32_t pid)
{
	const char *name = w->cfg.lat ? sr_blklat_comm_of(w->cfg.lat, pid) : NULL;

	return name ? name : "ssdreplay";
}


/* Binary blktrace as the kernel writes it (blktrace_api.h: struct
 * blk_io_trace, version 7, native byte order): a queue (Q) and an issue (D)
 * event per record at its time, and when the source's pairing knows the
 * record's latency to its completion (cfg.lat: the source had C events), a
 * completion (C) that much later; none is made up for a source without
 * them. Before a process's first event, a BLK_TN_PROCESS note names it (the
 * source's name, else "ssdreplay"), so blkparse shows [name]. Sectors are
 * 512 bytes, rounded out as the blkparse writer does. */
struct blk_io_trace {
	uint32_t magic, sequence;
	uint64_t time, sector;
	uint32_t bytes, action, pid, device, cpu;
	uint16_t error, pdu_len;
};
_Static_assert(sizeof(struct blk_io_trace) == 48, "blktrace v7 record is 48 bytes");

#define BLK_TC_SHIFT 16
#define COMM_LEN 16 /* TASK_COMM_LEN: the PDU of a process note */
enum { TN_PROCESS = 0, TA_QUEUE = 1, TA_ISSUE = 7, TA_COMPLETE = 8 };
enum { TC_READ = 1 << 0, TC_WRITE = 1 << 1, TC_FLUSH = 1 << 2, TC_QUEUE = 1 << 4, TC_ISSUE = 1 << 6,
       TC_COMPLETE = 1 << 7, TC_FS = 1 << 8, TC_NOTIFY = 1 << 10, TC_DISCARD = 1 << 13 };

static void bt_put(struct sr_writer *w, struct blk_io_trace *t, uint32_t action, const void *pdu)
{
	t->magic = 0x65617400u | 7;
	t->sequence = (uint32_t)++w->seq;
	t->action = action;
	t->device = w->cfg.dev_major << 20 | (w->cfg.dev_minor & 0xfffff);
	fwrite(t, sizeof(*t), 1, w->f);
	if (t->pdu_len && pdu)
		fwrite(pdu, t->pdu_len, 1, w->f);
}

static const char *const bp_rwbs[SR_OP_NR] = { "R", "W", "D", "FWS" };

/* One blkparse line, its default format: "%D %2c %8s %5T.%9t %5p %2a %3d "
 * then "%S + %n [%C]"; ranges are in 512-byte sectors, so sub-sector
 * offsets and lengths are rounded out. A completion (C) is pid 0, [0], as
 * blkparse shows one from interrupt context. */
static void bp_line(struct sr_writer *w, char act, uint64_t t, uint32_t pid, int op, uint64_t sector,
		    uint64_t sectors, const char *name)
{
	fprintf(w->f, "%3" PRIu32 ",%-3" PRIu32 " %2d %8" PRIu64 " %5" PRIu64 ".%09" PRIu64 " %5" PRIu32 "  %c %3s ",
		w->cfg.dev_major, w->cfg.dev_minor, 0, ++w->seq, t / UINT64_C(1000000000), t % UINT64_C(1000000000),
		pid, act, bp_rwbs[op]);
	if (op == SR_OP_SYNC)
		fprintf(w->f, "[%s]\n", name);
	else
		fprintf(w->f, "%" PRIu64 " + %" PRIu64 " [%s]\n", sector, sectors, name);
}

/* Write the pending completions due by time t (all: UINT64_MAX). */
static void flush_c(struct sr_writer *w, uint64_t t)
{
	struct pend_c c, *h = w->cq;
	size_t i, k;

	while (w->ncq && h[0].time <= t) {
		c = h[0];
		h[0] = h[--w->ncq];
		for (i = 0; (k = 2 * i + 1) < w->ncq; i = k) {
			if (k + 1 < w->ncq && h[k + 1].time < h[k].time)
				k++;
			if (h[i].time <= h[k].time)
				break;
			struct pend_c x = h[i];
			h[i] = h[k];
			h[k] = x;
		}
		if (w->fmt == W_BLKPARSE) /* tc holds the record's op there */
			bp_line(w, 'C', c.time, 0, (int)c.tc, c.sector, c.bytes / 512, "0");
		else
			bt_put(w, &(struct blk_io_trace){ .time = c.time, .sector = c.sector, .bytes = c.bytes,
							  .pid = c.pid },
			       TA_COMPLETE | (c.tc | TC_COMPLETE | TC_FS) << BLK_TC_SHIFT, NULL);
	}
}

static void push_c(struct sr_writer *w, const struct pend_c *c)
{
	struct pend_c *h;
	size_t i;

	if (w->ncq == w->cq_cap) {
		h = realloc(w->cq, (w->cq_cap ? 2 * w->cq_cap : 256) * sizeof(*h));
		if (!h) {
			w->nomem = 1;
			return;
		}
		w->cq = h;
		w->cq_cap = w->cq_cap ? 2 * w->cq_cap : 256;
	}
	h = w->cq;
	for (i = w->ncq++; i && h[(i - 1) / 2].time > c->time; i = (i - 1) / 2)
		h[i] = h[(i - 1) / 2];
	h[i] = *c;
}

/* Name pid with a process note unless done already. */
static void note_pid(struct sr_writer *w, uint32_t pid, uint64_t time)
{
	char pdu[COMM_LEN] = { 0 };
	uint64_t *old = w->pids;
	size_t i, cap = w->pid_cap;

	for (i = cap ? (pid * 0x9e3779b1u) & (cap - 1) : 0; cap && w->pids[i]; i = (i + 1) & (cap - 1))
		if (w->pids[i] == (uint64_t)pid + 1)
			return;
	if (2 * (w->npids + 1) > cap) {
		w->pids = calloc(cap ? 2 * cap : 64, sizeof(*w->pids));
		if (!w->pids) {
			w->pids = old;
			w->nomem = 1;
			return;
		}
		w->pid_cap = cap ? 2 * cap : 64;
		w->npids = 0;
		for (i = 0; i < cap; i++)
			if (old[i])
				note_pid(w, (uint32_t)(old[i] - 1), UINT64_MAX); /* UINT64_MAX: rehash only */
		free(old);
	}
	for (i = (pid * 0x9e3779b1u) & (w->pid_cap - 1); w->pids[i]; i = (i + 1) & (w->pid_cap - 1))
		;
	w->pids[i] = (uint64_t)pid + 1;
	w->npids++;
	if (time == UINT64_MAX)
		return;
	strncpy(pdu, proc_name(w, pid), COMM_LEN - 1);
	bt_put(w, &(struct blk_io_trace){ .time = time, .pid = pid, .pdu_len = COMM_LEN },
	       TN_PROCESS | (uint32_t)TC_NOTIFY << BLK_TC_SHIFT, pdu);
}

/* The blkparse text writer: a D line per record at its time, and a C line
 * its recorded latency later when the source's pairing knows it (cfg.lat),
 * in time order with the D lines. */
static void write_blkparse(struct sr_writer *w, const struct sr_rec *r)
{
	uint64_t t = rec_time(w, r), sectors = (r->off % 512 + r->len + 511) / 512, lat;

	flush_c(w, t);
	bp_line(w, 'D', t, r->tag, r->op, r->off / 512, sectors, proc_name(w, r->tag));
	if (w->cfg.lat && !sr_blklat_lookup(w->cfg.lat, r->seq, &lat))
		push_c(w, &(struct pend_c){ .time = t + lat, .sector = r->off / 512, .bytes = sectors * 512 > UINT32_MAX ? UINT32_MAX / 512 * 512 : (uint32_t)(sectors * 512),
					    .pid = r->tag, .tc = (uint32_t)r->op });
}

static void write_blktrace(struct sr_writer *w, const struct sr_rec *r)
{
	static const uint32_t tc[SR_OP_NR] = { TC_READ, TC_WRITE, TC_WRITE | TC_DISCARD, TC_WRITE | TC_FLUSH };
	uint64_t sectors = r->op == SR_OP_SYNC ? 0 : (r->off % 512 + r->len + 511) / 512, lat;
	struct blk_io_trace t = {
		.time = rec_time(w, r),
		.sector = r->op == SR_OP_SYNC ? 0 : r->off / 512,
		.bytes = sectors * 512 > UINT32_MAX ? UINT32_MAX / 512 * 512 : (uint32_t)(sectors * 512),
		.pid = r->tag,
	};

	flush_c(w, t.time);
	note_pid(w, r->tag, t.time);
	bt_put(w, &t, TA_QUEUE | (uint32_t)(tc[r->op] | TC_QUEUE | TC_FS) << BLK_TC_SHIFT, NULL);
	bt_put(w, &t, TA_ISSUE | (uint32_t)(tc[r->op] | TC_ISSUE | TC_FS) << BLK_TC_SHIFT, NULL);
	if (w->cfg.lat && !sr_blklat_lookup(w->cfg.lat, r->seq, &lat))
		push_c(w, &(struct pend_c){ .time = t.time + lat, .sector = t.sector, .bytes = t.bytes,
					    .pid = r->tag, .tc = tc[r->op] });
}

int sr_writer_write(struct sr_writer *w, const struct sr_rec *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++, r++) {
		if (r->op >= SR_OP_NR)
			continue;
		if (!w->started)
			start(w, r);
		switch (w->fmt) {
		case W_CSV:
			if (w->timed)
				fprintf(w->f, "%" PRIu64 ",", rec_time(w, r));
			fprintf(w->f, "%" PRIu64 ",%" PRIu64 ",%c,%" PRIu32 ",%" PRIu32, r->off, r->len,
				"rwts"[r->op], r->target, r->tag);
			if (w->flags)
				fprintf(w->f, ",%u", (unsigned)r->flags);
			fputc('\n', w->f);
			break;
		case W_IOLOG:
			write_iolog(w, r);
			break;
		case W_BLKPARSE:
			write_blkparse(w, r);
			break;
		case W_BLKTRACE:
			write_blktrace(w, r);
			break;
		}
	}
	return ferror(w->f) ? -EIO : w->nomem ? -ENOMEM : 0;
}

int sr_writer_close(struct sr_writer *w)
{
	int ret;
	uint32_t t;
	char name[512];

	if (!w->started) {
		/* an empty trace still gets a header the readers accept */
		struct sr_rec none = { .t_ns = SR_T_NONE };

		if (w->fmt != W_BLKPARSE && w->fmt != W_BLKTRACE)
			start(w, &none);
	}
	if (w->fmt == W_BLKTRACE || w->fmt == W_BLKPARSE)
		flush_c(w, UINT64_MAX);
	if (w->fmt == W_IOLOG)
		for (t = 0; t < w->max_target; t++) {
			iolog_name(w, t, name, sizeof(name));
			if (w->timed)
				fprintf(w->f, "%" PRIu64 " ", w->last_t / 1000);
			fprintf(w->f, "%s close\n", name);
		}
	ret = ferror(w->f) ? -EIO : w->nomem ? -ENOMEM : 0;
	free(w->cq);
	free(w->pids);
	free(w);
	return ret;
}
