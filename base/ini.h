/* INI files through libinih (<ini.h>), with the error wording every loader
 * here uses: "FILE: cannot open[ WHAT]: REASON" and "FILE:LINE: MESSAGE",
 * MESSAGE being the first complaint of the handler. */
#ifndef SR_INI_H
#define SR_INI_H

#include <ini.h>

#include "base/err.h"

struct sr_ini {
	char msg[300]; /* the handler's first complaint, "" for none */
	int bad;       /* set by sr_ini_fail: handlers ignore later lines */
};

/* Keep the handler's complaint (the first one wins). Returns 0, which tells
 * inih that the line is bad. */
int sr_ini_fail(struct sr_ini *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ini_parse(path, h, user), c being the sr_ini the handler complains into
 * (cleared first). what, when not NULL, says what the file is in the open
 * error ("the reference figures"). A line inih cannot read, without a
 * complaint, is "expected [section] or key = value". */
int sr_ini_parse(const char *path, const char *what, ini_handler h, void *user, struct sr_ini *c,
		 struct sr_err *e);

#endif
