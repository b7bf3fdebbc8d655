/* Options described once in a table (name, argument, default, help), as in
 * fio's options.c: the same table drives getopt_long and --help. */
#ifndef SR_OPTS_H
#define SR_OPTS_H

#include <stdio.h>

#include "base/err.h"

struct sr_opt {
	const char *name;    /* long name, without "--" */
	int key;             /* short option letter, or a unique id >= 256 */
	int has_arg;         /* 0 or 1 */
	const char *metavar; /* "SIZE" */
	const char *def;     /* default, for --help ("" or NULL: none) */
	const char *help;
};

/* Parse argv against opts (terminated by a NULL name), calling handle() for
 * each option; positional arguments are left in argv[*first_pos..argc).
 * Returns 0, 1 if --help was given (help printed to stdout), or -EINVAL. */
int sr_opts_parse(const char *cmd, const struct sr_opt *opts, int argc, char **argv,
		  int (*handle)(void *ctx, int key, const char *arg, struct sr_err *e), void *ctx,
		  const char *usage, int *first_pos, struct sr_err *e);
void sr_opts_help(FILE *f, const char *cmd, const char *usage, const struct sr_opt *opts);

#endif
