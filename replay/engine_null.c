/* No I/O at all: every request completes at once with its full length. What
 * is left is the replayer's own cost per request (parsing, shaping, stats). */
#include "replay/engine.h"

static int null_init(struct sr_engine *eng, struct sr_err *e)
{
	(void)eng;
	(void)e;
	return 0;
}

static int null_queue(struct sr_engine *eng, struct sr_io *io)
{
	(void)eng;
	io->res = io->len;
	return SR_Q_COMPLETED;
}

static int null_submit(struct sr_engine *eng)
{
	(void)eng;
	return 0;
}

static int null_reap(struct sr_engine *eng, unsigned min, unsigned max, uint64_t timeout_ns,
		     struct sr_io **out)
{
	(void)eng;
	(void)min;
	(void)max;
	(void)timeout_ns;
	(void)out;
	return 0;
}

static void null_cleanup(struct sr_engine *eng)
{
	(void)eng;
}

const struct sr_engine_ops sr_engine_null = {
	.flags = SR_ENGINE_NODATA,
	.name = "null",
	.help = "no I/O: measures the replayer's own overhead",
	.init = null_init,
	.queue = null_queue,
	.submit = null_submit,
	.reap = null_reap,
	.cleanup = null_cleanup,
};
