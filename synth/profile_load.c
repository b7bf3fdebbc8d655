/* sr_model_load: a GGUF file or a model profile, whichever the argument names. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "synth/gguf.h"
#include "synth/profile.h"

/* The first 4 bytes of path: 1 for the GGUF magic, -1 for a NUL byte among
 * them (neither GGUF nor INI text: /dev/zero), 0 otherwise. */
static int sniff(const char *path)
{
	char magic[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, magic, sizeof(magic));
	close(fd);
	if (n == 4 && !memcmp(magic, "GGUF", 4))
		return 1;
	return n > 0 && memchr(magic, 0, (size_t)n) ? -1 : 0;
}

int sr_model_load(const char *gguf_or_profile, struct sr_model *m, struct sr_err *e)
{
	const char *s = gguf_or_profile;
	size_t n = s ? strlen(s) : 0;

	if (n > 5 && !strcmp(s + n - 5, ".gguf"))
		return sr_gguf_read(s, m, e);
	switch (n ? sniff(s) : 0) {
	case 1:
		return sr_gguf_read(s, m, e);
	case -1:
		memset(m, 0, sizeof(*m));
		return sr_inputf(e, "%s@0: expected a GGUF file ('GGUF' magic) or an INI model profile, found NUL bytes",
				 s);
	}
	return sr_profile_load(s, m, e);
}
