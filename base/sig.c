#include "base/sig.h"

#include <errno.h>
#include <stddef.h>

int sr_sig_install(int sig, const struct sigaction *sa)
{
	struct sigaction old;

	if (sig != SIGINT && sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
		return 0;
	return sigaction(sig, sa, NULL) ? -errno : 0;
}
