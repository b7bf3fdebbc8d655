/* Printing strings that come from files (GGUF tensor and model names,
 * trace fields): a control character would move the cursor, clear the
 * terminal or start a new report line, so each one is printed escaped. */
#ifndef SR_ESCAPE_H
#define SR_ESCAPE_H

#include <stddef.h>

/* s with \n \r \t as themselves escaped, other bytes below 0x20 and 0x7f
 * as \xHH, and a backslash as \\ (so the escape is unambiguous), into
 * dst[n]; cut with "..." when it does not fit. Returns dst ("" for NULL). */
const char *sr_esc(char *dst, size_t n, const char *s);

#endif
