#include "base/escape.h"

#include <stdio.h>
#include <string.h>

const char *sr_esc(char *dst, size_t n, const char *s)
{
	size_t o = 0, safe = 0;

	if (!n)
		return dst;
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		char tmp[5];
		size_t k;

		if (c == '\n' || c == '\r' || c == '\t' || c == '\\') {
			tmp[0] = '\\';
			tmp[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : '\\';
			k = 2;
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", c);
			k = 4;
		} else {
			tmp[0] = (char)c;
			k = 1;
		}
		if (o + k + 1 > n) { /* no room: "..." after the last whole escape that leaves room for it */
			o = safe;
			if (n >= 4) {
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(dst + o, tmp, k);
		o += k;
		if (o + 4 <= n)
			safe = o;
	}
	dst[o] = '\0';
	return dst;
}
