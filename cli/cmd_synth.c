/* PLACEHOLDER: replaced by the synth work before it lands. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_synth(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ssdreplay: synth: not built yet\n");
	return SR_EXIT_FAIL;
}
