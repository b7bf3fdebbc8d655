#include "cli/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "replay/units.h"

volatile sig_atomic_t sr_cli_stop;

static void on_signal(int sig)
{
	sr_cli_stop = sig;
}

void sr_cli_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: waits return EINTR and the loop sees the flag */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int sr_cli_fail(const struct sr_err *e)
{
	fprintf(stderr, "ssdreplay: %s\n", e->msg[0] ? e->msg : strerror(-e->code));
	return e->bad_input ? SR_EXIT_USAGE : SR_EXIT_FAIL;
}

int sr_cli_size(const char *cmd, const char *opt, const char *arg, uint64_t *out, struct sr_err *e)
{
	int ret = sr_parse_size(arg, out);

	if (ret == -ERANGE)
		return sr_inputf(e, "%s: --%s: size '%s' does not fit in 64 bits", cmd, opt, arg);
	if (ret)
		return sr_inputf(e, "%s: --%s: expected a size like 4096, 128k, 4M, 2G, found '%s'", cmd, opt, arg);
	return 0;
}

int sr_cli_uint(const char *cmd, const char *opt, const char *arg, uint64_t min, uint64_t max,
		uint64_t *out, struct sr_err *e)
{
	uint64_t v;

	if (sr_parse_u64(arg, &v) || v < min || v > max)
		return sr_inputf(e, "%s: --%s: expected an integer from %" PRIu64 " to %" PRIu64 ", found '%s'",
				 cmd, opt, min, max, arg);
	*out = v;
	return 0;
}
