/* PLACEHOLDER: replaced by the cheops work before it lands. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_cheops(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ssdreplay: cheops: not built yet\n");
	return SR_EXIT_FAIL;
}
