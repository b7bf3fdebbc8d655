/* PLACEHOLDER: replaced by the sweep work before it lands. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_sweep(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ssdreplay: sweep: not built yet\n");
	return SR_EXIT_FAIL;
}
