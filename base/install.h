/* Where an installed ssdreplay finds its data: relative to its own binary,
 * so that a tree installed under any prefix (or DESTDIR, moved) works. */
#ifndef SR_INSTALL_H
#define SR_INSTALL_H

#include <stddef.h>

/* <dir of /proc/self/exe>/../share/ssdreplay/profiles into buf when that
 * directory exists. Returns 0, or -ENOENT (not installed: a build tree). */
int sr_installed_profile_dir(char *buf, size_t n);

/* Optional parts this binary was built with, for --version and the
 * configure summary: "libnvme hwloc zlib zstd" minus what is absent. */
const char *sr_build_features(void);

/* Directory holding profiles/: $SSDREPLAY_PROFILES, else an installed
 * binary's ../share/ssdreplay/profiles, else the source tree's profiles/
 * (compiled in as SR_PROFILE_DIR, for the build tree), else ./profiles. */
const char *sr_profile_dir(void);

#endif
