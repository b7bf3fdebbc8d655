/* PLACEHOLDER: replaced by the devices work before it lands. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_devices(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ssdreplay: devices: not built yet\n");
	return SR_EXIT_FAIL;
}
