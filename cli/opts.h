/* Options described once in a table, as in fio's options.c: the same rows
 * drive getopt_long, --help, the defaults and, for typed rows, the parsing.
 *
 * A typed row names a field of the command's options struct (offsetof) and
 * its type; its def string is both what --help prints and the value stored
 * before argv is read, so no default is written twice. Rows whose value
 * needs more than a type (lists, repeatable options, several fields) keep
 * a callback: the row's own parse, or the command's handle() by key. */
#ifndef SR_OPTS_H
#define SR_OPTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"

enum sr_opt_type {
	SR_OPTT_CB = 0,   /* parse(), else handle() by key */
	SR_OPTT_FLAG,    /* int, set to 1 */
	SR_OPTT_UINT,    /* unsigned (4 or 8 bytes) from min to max */
	SR_OPTT_SIZE,    /* size with units (base/units.h), uint64_t from min to max */
	SR_OPTT_DOUBLE,   /* double from dmin to dmax */
	SR_OPTT_DURATION, /* sr_parse_duration, uint64_t ns, > 0, from min to max (0: none) */
	SR_OPTT_STR,     /* const char *, the argv string itself */
	SR_OPTT_CHOICE,  /* int: vals[i] (or i) for the names[i] given */
};

enum {
	SR_OPTF_DEFDOC = 1, /* def only describes the default (--help), nothing is stored */
	SR_OPTF_POW2 = 2,   /* SIZE: a power of two */
	SR_OPTF_FIRST = 4,  /* applied before every other option, wherever it stands (--kb_base) */
};

struct sr_opt {
	const char *name;    /* long name, without "--" */
	int key;             /* short option letter, or a unique id >= 256 */
	int has_arg;         /* 0 or 1 */
	const char *metavar; /* "SIZE" */
	const char *def;     /* default, for --help and, in typed rows, the value: its first word
			      * ("16 (trace: 1 pass)" stores 16; "" or NULL: none) */
	const char *help;    /* with list: a printf format taking the list's text once */
	/* typed rows */
	enum sr_opt_type type;
	size_t off, size;    /* where in the options struct, and how big */
	uint64_t min, max;
	double dmin, dmax;
	const char *const *names; /* CHOICE, NULL-terminated */
	const int *vals;
	const char *expect;  /* "expected EXPECT, found '...'" when out of range (default: the range) */
	unsigned flags;      /* SR_OPTF_* */
	size_t seen_off;     /* when not 0: an int set to 1 when the option is given */
	const char *alias;   /* another row's name: this one is parsed as that one (fio's --iodepth is --qd) */
	const char *(*map)(const char *arg); /* alias: the argument as the other row takes it */
	/* a row of its own: parse the argument into the options struct ctx */
	int (*parse)(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e);
	/* --help: the text help's format gets (engine names from the engine table, ...) */
	const char *(*list)(char *buf, size_t n);
};

#define SR_OPT_FIELD(st, f) .off = offsetof(st, f), .size = sizeof(((st *)0)->f)

/* Row bodies, { name, key, metavar, default, help } plus the field, written
 * { SR_OPT_UINT(...) } or with more designated fields after it. */
#define SR_OPT_FLAG(nm, k, h, st, f) nm, k, 0, "", "", h, .type = SR_OPTT_FLAG, SR_OPT_FIELD(st, f)
#define SR_OPT_UINT(nm, k, mv, d, h, st, f, lo, hi)                                                      \
	nm, k, 1, mv, d, h, .type = SR_OPTT_UINT, SR_OPT_FIELD(st, f), .min = (lo), .max = (hi)
#define SR_OPT_SIZE(nm, k, mv, d, h, st, f, lo, hi)                                                      \
	nm, k, 1, mv, d, h, .type = SR_OPTT_SIZE, SR_OPT_FIELD(st, f), .min = (lo), .max = (hi)
#define SR_OPT_DOUBLE(nm, k, mv, d, h, st, f, lo, hi)                                                    \
	nm, k, 1, mv, d, h, .type = SR_OPTT_DOUBLE, SR_OPT_FIELD(st, f), .dmin = (lo), .dmax = (hi)
#define SR_OPT_DURATION(nm, k, mv, d, h, st, f) nm, k, 1, mv, d, h, .type = SR_OPTT_DURATION, SR_OPT_FIELD(st, f)
#define SR_OPT_STR(nm, k, mv, d, h, st, f) nm, k, 1, mv, d, h, .type = SR_OPTT_STR, SR_OPT_FIELD(st, f)
#define SR_OPT_CHOICE(nm, k, mv, d, h, st, f, nms, vs)                                                   \
	nm, k, 1, mv, d, h, .type = SR_OPTT_CHOICE, SR_OPT_FIELD(st, f), .names = nms, .vals = vs
#define SR_OPT_CB(nm, k, mv, d, h, fn) nm, k, 1, mv, d, h, .parse = fn
#define SR_OPT_END { NULL, 0, 0, NULL, NULL, NULL }

/* Store arg (a typed row's) into ctx; errors name cmd and the option. */
int sr_opt_store(const char *cmd, void *ctx, const struct sr_opt *o, const char *arg, struct sr_err *e);
/* The default of the row with key (a repeatable row's, applied when none is given). */
const char *sr_opts_def(const struct sr_opt *opts, int key);
/* Apply every typed row's default to ctx. */
int sr_opts_defaults(const char *cmd, const struct sr_opt *opts, void *ctx, struct sr_err *e);

/* Apply the defaults to ctx, then parse argv against opts (terminated by a
 * NULL name): typed rows are stored into ctx, rows with parse() call it,
 * others call handle() (may be NULL when there are none); positional
 * arguments are left in argv[*first_pos..argc). Returns 0, 1 if --help was
 * given (help printed to stdout), or -EINVAL. */
int sr_opts_parse(const char *cmd, const struct sr_opt *opts, int argc, char **argv,
		  int (*handle)(void *ctx, int key, const char *arg, struct sr_err *e), void *ctx,
		  const char *usage, int *first_pos, struct sr_err *e);
void sr_opts_help(FILE *f, const char *cmd, const char *usage, const struct sr_opt *opts);

#endif
