/* Fuzz the INI readers: the model profile loader (synth/profile.c, through
 * a memfd's /proc/self/fd/N path) and the device spec parser (devices/
 * spec.c) and the cheops reference loader, given the same bytes as a --spec file,
 * a cheops --reference file and, up to the first NUL or
 * newline, as a --spec key=value string. Contract: success, or -errno with
 * a one-line message; a loaded model's tensors lie in file order inside the
 * file; nothing leaks or crashes. Hermetic: no sysfs, no calibration state. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli/cli.h"
#include "devices/spec.h"
#include "study/cheops.h"
#include "synth/profile.h"

#include "fuzz_common.h"

static void check_err(int ret, const struct sr_err *e)
{
	if (!ret) {
		if (e->code)
			abort();
		return;
	}
	if (ret > 0 || e->code != ret || !e->msg[0] || !memchr(e->msg, '\0', sizeof(e->msg)) ||
	    strchr(e->msg, '\n'))
		abort();
}

static void check_model(const struct sr_model *m)
{
	size_t i;

	for (i = 0; i < m->n_tensors; i++) {
		const struct sr_tensor *t = &m->tensors[i];

		if (t->off + t->bytes < t->off || t->off < m->data_off || t->off + t->bytes > m->file_size)
			abort();
		if (i && t->off < m->tensors[i - 1].off)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	struct sr_model m;
	struct sr_devspec s;
	struct sr_err e = { 0 };
	char path[64], ov[1100];
	size_t n;
	int fd, ret;

	if (!once) {
		setenv("SSDREPLAY_STATE", "/nonexistent/ssdreplay-fuzz", 1); /* no calibration files */
		once = 1;
	}
	fd = memfd_create("fuzz.ini", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	memset(&m, 0, sizeof(m));
	ret = sr_profile_load(path, &m, &e);
	check_err(ret, &e);
	if (!ret)
		check_model(&m);
	sr_model_free(&m);

	sr_err_clear(&e);
	ret = sr_devspec_for_path(NULL, path, "/nonexistent", &s, &e);
	check_err(ret, &e);

	sr_err_clear(&e);
	ret = sr_cheops_ref_check(path, &e); /* cheops --reference FILE */
	check_err(ret, &e);

	for (n = 0; n < size && n < sizeof(ov) - 1 && data[n] && data[n] != '\n'; n++)
		ov[n] = (char)data[n];
	ov[n] = '\0';
	if (strchr(ov, '=')) { /* else it names a file: not this input's business */
		sr_err_clear(&e);
		ret = sr_devspec_for_path(NULL, ov, "/nonexistent", &s, &e);
		check_err(ret, &e);
	}
	close(fd);
	return 0;
}
