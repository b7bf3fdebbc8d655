/* Q/D/C pairing of a block trace's requests; see blklat.h. Three open
 * addressing tables (linear probing): the requests in flight by (device,
 * sector), and for convert the latency of each completed event by its
 * number and the process names by pid. */
#include "trace/blklat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define COMM_LEN 16 /* TASK_COMM_LEN */
/* Requests in flight are few (a queue's depth); only a trace without D or
 * C events piles them up. At this many they are all written off as
 * pending, so memory stays bounded (32 MiB of table). */
#define REQ_MAX (1u << 18)

struct req {
	uint64_t sector;
	uint32_t dev;             /* index into devs, + 1; 0: a free slot */
	uint8_t has_q, has_d, d_q; /* queued; issued; the issued one had a Q */
	uint64_t q_t, q_seq;      /* the queued request */
	uint64_t dq_t, dq_seq;    /* the issued request's Q */
	uint64_t d_t, d_seq;      /* its D */
};

struct lat {
	uint64_t seq1; /* seq + 1; 0: free */
	uint64_t ns;
};

struct comm {
	uint32_t pid;
	char name[COMM_LEN]; /* "" : free */
};

struct sr_blklat {
	int remember, finished;
	struct sr_blklat_dev *devs[SR_BLKLAT_DEVS];
	unsigned ndevs, last;
	uint64_t dropped;
	struct req *req;
	size_t nreq, req_cap;
	struct lat *lat;
	size_t nlat, lat_cap;
	struct comm *comm;
	size_t ncomm, comm_cap;
};

static size_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= UINT64_C(0xff51afd7ed558ccd);
	k ^= k >> 33;
	return (size_t)k;
}

int sr_blklat_new(int remember, struct sr_blklat **out)
{
	struct sr_blklat *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->remember = remember;
	*out = l;
	return 0;
}

void sr_blklat_free(struct sr_blklat *l)
{
	unsigned i;

	if (!l)
		return;
	for (i = 0; i < l->ndevs; i++)
		free(l->devs[i]);
	free(l->req);
	free(l->lat);
	free(l->comm);
	free(l);
}

/* Index + 1 of the device, added when new; 0 when there are too many. */
static unsigned dev_index(struct sr_blklat *l, uint32_t major, uint32_t minor)
{
	struct sr_blklat_dev *d;
	unsigned i;

	if (l->ndevs && l->devs[l->last]->major == major && l->devs[l->last]->minor == minor)
		return l->last + 1;
	for (i = 0; i < l->ndevs; i++)
		if (l->devs[i]->major == major && l->devs[i]->minor == minor)
			return (l->last = i) + 1;
	if (l->ndevs == SR_BLKLAT_DEVS)
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return 0;
	d->major = major;
	d->minor = minor;
	sr_hist_init(&d->q2d);
	sr_hist_init(&d->d2c);
	sr_hist_init(&d->q2c);
	l->devs[l->ndevs] = d;
	l->last = l->ndevs++;
	return l->ndevs;
}

/* ---- requests by (device, sector) ---- */

static size_t req_home(const struct sr_blklat *l, uint32_t dev, uint64_t sector)
{
	return mix(sector * 31 + dev) & (l->req_cap - 1);
}

static struct req *req_find(struct sr_blklat *l, uint32_t dev, uint64_t sector)
{
	size_t i;

	if (!l->req_cap)
		return NULL;
	for (i = req_home(l, dev, sector); l->req[i].dev; i = (i + 1) & (l->req_cap - 1))
		if (l->req[i].dev == dev && l->req[i].sector == sector)
			return &l->req[i];
	return NULL;
}

/* Remove slot r, shifting back the entries of its probe run. */
static void req_del(struct sr_blklat *l, struct req *r)
{
	size_t i = (size_t)(r - l->req), j = i, k, mask = l->req_cap - 1;

	for (;;) {
		l->req[i].dev = 0;
		for (;;) {
			j = (j + 1) & mask;
			if (!l->req[j].dev) {
				l->nreq--;
				return;
			}
			k = req_home(l, l->req[j].dev, l->req[j].sector);
			/* j may move to i when its home is not in (i, j] */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		l->req[i] = l->req[j];
		i = j;
	}
}

static void req_put(struct sr_blklat *l, const struct req *r)
{
	size_t i = req_home(l, r->dev, r->sector);

	while (l->req[i].dev)
		i = (i + 1) & (l->req_cap - 1);
	l->req[i] = *r;
	l->nreq++;
}

/* Write every request in flight off as pending (never issued or never
 * completed), to stay under REQ_MAX: only a trace without D or C events
 * gets here. */
static void req_sweep(struct sr_blklat *l)
{
	size_t i;

	if (!l->req_cap)
		return;
	for (i = 0; i < l->req_cap; i++) {
		if (!l->req[i].dev)
			continue;
		l->devs[l->req[i].dev - 1]->q_pending += l->req[i].has_q;
		l->devs[l->req[i].dev - 1]->d_pending += l->req[i].has_d;
	}
	memset(l->req, 0, l->req_cap * sizeof(*l->req));
	l->nreq = 0;
}

/* The entry of (dev, sector), made empty when new; NULL when out of memory. */
static struct req *req_get(struct sr_blklat *l, uint32_t dev, uint64_t sector)
{
	struct req *r = req_find(l, dev, sector), *old = l->req;
	size_t cap = l->req_cap, i;

	if (r)
		return r;
	if (l->nreq >= REQ_MAX)
		req_sweep(l);
	if (2 * (l->nreq + 1) > l->req_cap) {
		l->req = calloc(cap ? 2 * cap : 1024, sizeof(*l->req));
		if (!l->req) {
			l->req = old;
			return NULL;
		}
		l->req_cap = cap ? 2 * cap : 1024;
		l->nreq = 0;
		for (i = 0; i < cap; i++)
			if (old[i].dev)
				req_put(l, &old[i]);
		free(old);
	}
	req_put(l, &(struct req){ .sector = sector, .dev = dev });
	return req_find(l, dev, sector);
}

/* ---- latencies by event number (remember) ---- */

static int lat_put(struct sr_blklat *l, uint64_t seq, uint64_t ns)
{
	struct lat *old = l->lat;
	size_t cap = l->lat_cap, i;

	if (!l->remember)
		return 0;
	if (2 * (l->nlat + 1) > l->lat_cap) {
		l->lat = calloc(cap ? 2 * cap : 1024, sizeof(*l->lat));
		if (!l->lat) {
			l->lat = old;
			return -ENOMEM;
		}
		l->lat_cap = cap ? 2 * cap : 1024;
		l->nlat = 0;
		for (i = 0; i < cap; i++)
			if (old[i].seq1)
				lat_put(l, old[i].seq1 - 1, old[i].ns);
		free(old);
	}
	for (i = mix(seq) & (l->lat_cap - 1); l->lat[i].seq1 && l->lat[i].seq1 != seq + 1;
	     i = (i + 1) & (l->lat_cap - 1))
		;
	if (!l->lat[i].seq1)
		l->nlat++;
	l->lat[i] = (struct lat){ seq + 1, ns };
	return 0;
}

int sr_blklat_lookup(const struct sr_blklat *l, uint64_t seq, uint64_t *ns)
{
	size_t i;

	if (!l->lat_cap)
		return -ENOENT;
	for (i = mix(seq) & (l->lat_cap - 1); l->lat[i].seq1; i = (i + 1) & (l->lat_cap - 1))
		if (l->lat[i].seq1 == seq + 1) {
			*ns = l->lat[i].ns;
			return 0;
		}
	return -ENOENT;
}

/* ---- the events ---- */

static uint64_t since(uint64_t t, uint64_t t0)
{
	return t > t0 ? t - t0 : 0; /* per-CPU clocks may disagree by a little */
}

static int complete(struct sr_blklat *l, struct sr_blklat_dev *d, struct req *r, uint64_t t)
{
	int ret;

	sr_hist_add(&d->d2c, since(t, r->d_t));
	ret = lat_put(l, r->d_seq, since(t, r->d_t));
	if (r->d_q) {
		sr_hist_add(&d->q2c, since(t, r->dq_t));
		if (!ret)
			ret = lat_put(l, r->dq_seq, since(t, r->dq_t));
	}
	r->has_d = 0;
	return ret;
}

int sr_blklat_event(struct sr_blklat *l, uint32_t major, uint32_t minor, char action,
		    uint64_t sector, uint32_t sectors, uint64_t t_ns, uint64_t seq)
{
	struct sr_blklat_dev *d;
	struct req *r;
	unsigned dev;
	int ret = 0;

	if (l->finished || !sectors || !action || !strchr("QDCRMF", action))
		return 0;
	dev = dev_index(l, major, minor);
	if (!dev) {
		l->dropped++;
		return 0;
	}
	d = l->devs[dev - 1];
	r = action == 'Q' || action == 'D' ? req_get(l, dev, sector) : req_find(l, dev, sector);
	if (!r && (action == 'Q' || action == 'D'))
		return -ENOMEM;
	switch (action) {
	case 'Q':
		d->q++;
		d->q_replaced += r->has_q;
		r->has_q = 1;
		r->q_t = t_ns;
		r->q_seq = seq;
		return 0;
	case 'D':
		d->d++;
		d->d_replaced += r->has_d;
		d->d_without_q += !r->has_q;
		if (r->has_q)
			sr_hist_add(&d->q2d, since(t_ns, r->q_t));
		r->d_q = r->has_q;
		r->dq_t = r->q_t;
		r->dq_seq = r->q_seq;
		r->has_q = 0;
		r->has_d = 1;
		r->d_t = t_ns;
		r->d_seq = seq;
		return 0;
	case 'C':
		d->c++;
		if (!r || !r->has_d) {
			d->c_unmatched++;
			return 0;
		}
		ret = complete(l, d, r, t_ns);
		break;
	case 'R':
		d->requeued++;
		if (r && r->has_d && !r->has_q) {
			/* back to the queue with its first Q time, when it had one */
			r->has_q = r->d_q;
			r->q_t = r->dq_t;
			r->q_seq = r->dq_seq;
			r->has_d = 0;
		}
		break;
	default: /* 'M', 'F' */
		d->merged++;
		if (r && action == 'M')
			r->has_q = 0; /* a back merge joins a request that starts elsewhere */
		break;
	}
	if (r && !r->has_q && !r->has_d)
		req_del(l, r);
	return ret;
}

void sr_blklat_finish(struct sr_blklat *l)
{
	if (l->finished)
		return;
	req_sweep(l);
	free(l->req);
	l->req = NULL;
	l->nreq = l->req_cap = 0;
	l->finished = 1;
}

unsigned sr_blklat_devs(const struct sr_blklat *l, const struct sr_blklat_dev **devs,
			uint64_t *dropped)
{
	unsigned i;

	for (i = 0; i < l->ndevs; i++)
		devs[i] = l->devs[i];
	if (dropped)
		*dropped = l->dropped;
	return l->ndevs;
}

/* ---- process names ---- */

static size_t comm_slot(const struct sr_blklat *l, uint32_t pid)
{
	size_t i = mix(pid) & (l->comm_cap - 1);

	while (l->comm[i].name[0] && l->comm[i].pid != pid)
		i = (i + 1) & (l->comm_cap - 1);
	return i;
}

const char *sr_blklat_comm_of(const struct sr_blklat *l, uint32_t pid)
{
	size_t i;

	if (!l->comm_cap)
		return NULL;
	i = comm_slot(l, pid);
	return l->comm[i].name[0] ? l->comm[i].name : NULL;
}

int sr_blklat_comm(struct sr_blklat *l, uint32_t pid, const char *name)
{
	struct comm *old = l->comm;
	size_t cap = l->comm_cap, i;

	if (!name || !name[0] || sr_blklat_comm_of(l, pid))
		return 0;
	if (2 * (l->ncomm + 1) > l->comm_cap) {
		l->comm = calloc(cap ? 2 * cap : 64, sizeof(*l->comm));
		if (!l->comm) {
			l->comm = old;
			return -ENOMEM;
		}
		l->comm_cap = cap ? 2 * cap : 64;
		for (i = 0; i < cap; i++)
			if (old[i].name[0])
				l->comm[comm_slot(l, old[i].pid)] = old[i];
		free(old);
	}
	i = comm_slot(l, pid);
	l->comm[i].pid = pid;
	strncpy(l->comm[i].name, name, COMM_LEN - 1);
	l->comm[i].name[COMM_LEN - 1] = '\0';
	l->ncomm++;
	return 0;
}
