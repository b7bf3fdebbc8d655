/* sr_model_load: a GGUF file or a model profile, whichever the argument names. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "synth/gguf.h"
#include "synth/profile.h"

static int has_gguf_magic(const char *path)
{
	char magic[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, magic, sizeof(magic));
	close(fd);
	return n == 4 && !memcmp(magic, "GGUF", 4);
}

int sr_model_load(const char *gguf_or_profile, struct sr_model *m, struct sr_err *e)
{
	const char *s = gguf_or_profile;
	size_t n = s ? strlen(s) : 0;

	if (n > 5 && !strcmp(s + n - 5, ".gguf"))
		return sr_gguf_read(s, m, e);
	if (n && has_gguf_magic(s))
		return sr_gguf_read(s, m, e);
	return sr_profile_load(s, m, e);
}
