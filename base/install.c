/* Data directories of an installed binary; see install.h. */
#include "base/install.h"
#include "base/asan.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef SR_PROFILE_DIR
#define SR_PROFILE_DIR "profiles"
#endif

int sr_installed_profile_dir(char *buf, size_t n)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct stat st;
	char *slash;

	if (len <= 0)
		return -ENOENT;
	exe[len] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	/* PREFIX/bin/ssdreplay -> PREFIX/share/ssdreplay/profiles */
	if ((size_t)snprintf(buf, n, "%s/../share/ssdreplay/profiles", exe) >= n)
		return -ENAMETOOLONG;
	if (stat(buf, &st) || !S_ISDIR(st.st_mode))
		return -ENOENT;
	return 0;
}

const char *sr_build_features(void)
{
	return "libnvme:"
#ifdef SR_HAVE_LIBNVME
	       "yes"
#else
	       "no"
#endif
	       " hwloc:"
#ifdef SR_HAVE_HWLOC
	       "yes"
#else
	       "no"
#endif
	       " zlib:"
#ifdef SR_HAVE_ZLIB
	       "yes"
#else
	       "no"
#endif
	       " zstd:"
#ifdef SR_HAVE_ZSTD
	       "yes"
#else
	       "no"
#endif
	       " asan:"
#ifdef SR_ASAN
	       "yes"
#else
	       "no"
#endif
		;
}

const char *sr_profile_dir(void)
{
	static char installed[PATH_MAX];
	const char *env = getenv("SSDREPLAY_PROFILES");
	struct stat st;

	if (env && *env)
		return env;
	/* an installed binary's own share/ssdreplay/profiles before the
	 * source tree it was built from (which may be gone or newer) */
	if (!sr_installed_profile_dir(installed, sizeof(installed)))
		return installed;
	if (!stat(SR_PROFILE_DIR, &st) && S_ISDIR(st.st_mode))
		return SR_PROFILE_DIR;
	return "profiles";
}
