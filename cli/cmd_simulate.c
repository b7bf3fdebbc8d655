/* PLACEHOLDER: replaced by the simulate work before it lands. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_simulate(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ssdreplay: simulate: not built yet\n");
	return SR_EXIT_FAIL;
}
