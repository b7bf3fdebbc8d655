/* PLACEHOLDER being replaced by its reader: not registered in a release. */
#include "trace/lines.h"

static int blktrace_probe(const char *head, size_t len)
{
	(void)head;
	(void)len;
	return 0;
}

static int blktrace_open(const char *path, const struct sr_trace_opts *o, struct sr_source **out,
		 struct sr_err *e)
{
	(void)o;
	(void)out;
	return sr_inputf(e, "%s: the blktrace reader is not written yet", path);
}

const struct sr_trace_format sr_trace_fmt_blktrace = {
	.name = "blktrace",
	.help = "(not yet)",
	.probe = blktrace_probe,
	.open = blktrace_open,
};
