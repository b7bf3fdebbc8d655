/* Filters every reader shares: the op (--rw) and time window (--time) act on
 * records, so one wrapper serves all formats; device, pid and comm are known
 * only inside the readers that parse them (sr_trace_keep). */
#include "trace/lines.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct filter_src {
	struct sr_source src;
	struct sr_source *inner;
	struct sr_trace_opts o;
};

int sr_trace_keep(const struct sr_trace_opts *o, uint32_t dev_major, uint32_t dev_minor,
		  uint32_t pid, const char *comm)
{
	if (o->have_dev && (o->dev_major != dev_major || o->dev_minor != dev_minor))
		return 0;
	if (o->have_pid && o->pid != pid)
		return 0;
	if (o->comm && (!comm || strcmp(o->comm, comm)))
		return 0;
	return 1;
}

static int keep_rec(const struct sr_trace_opts *o, const struct sr_rec *r)
{
	if (o->rw) {
		unsigned bit = r->op == SR_OP_READ ? SR_RW_READ : r->op == SR_OP_WRITE ? SR_RW_WRITE : 0;

		if (!(o->rw & bit))
			return 0;
	}
	if (o->t_start_ns || o->t_end_ns) {
		if (r->t_ns == SR_T_NONE || r->t_ns < o->t_start_ns)
			return 0;
		if (o->t_end_ns && r->t_ns >= o->t_end_ns)
			return 0;
	}
	return 1;
}

static int filter_next(struct sr_source *s, struct sr_rec *out, size_t max, struct sr_err *e)
{
	struct filter_src *f = (struct filter_src *)s;
	size_t n = 0;

	/* Keep pulling until something passes or the inner source ends, so a
	 * return of 0 still means "end of trace". */
	while (n == 0) {
		int got = sr_source_next(f->inner, out, max, e); /* filtered in place */
		size_t i;

		if (got <= 0)
			return got;
		for (i = 0; i < (size_t)got; i++)
			if (keep_rec(&f->o, &out[i]))
				out[n++] = out[i];
	}
	return (int)n;
}

static int filter_rewind(struct sr_source *s, struct sr_err *e)
{
	struct filter_src *f = (struct filter_src *)s;

	return f->inner->rewind(f->inner, e);
}

static void filter_pos(struct sr_source *s, uint64_t *done, uint64_t *total)
{
	sr_source_pos(((struct filter_src *)s)->inner, done, total);
}

static void filter_close(struct sr_source *s)
{
	struct filter_src *f = (struct filter_src *)s;

	f->inner->close(f->inner);
	free(f);
}

int sr_filter_wrap(struct sr_source **src, const struct sr_trace_opts *o, struct sr_err *e)
{
	struct filter_src *f;

	if (!o->rw && !o->t_start_ns && !o->t_end_ns)
		return 0;
	f = calloc(1, sizeof(*f));
	if (!f) {
		(*src)->close(*src);
		*src = NULL;
		return sr_errf(e, -ENOMEM, "out of memory");
	}
	f->inner = *src;
	f->o = *o;
	sr_source_wrap(&f->src, f->inner, filter_next, filter_rewind, filter_close, filter_pos);
	*src = &f->src;
	return 0;
}
