/* Is it the same file? Two names (a symlink, a hard link, ./x and x) or two
 * open descriptors naming one file or one block device: a target given
 * twice is bad input, not two targets. */
#ifndef SR_SAMEFILE_H
#define SR_SAMEFILE_H

#include <sys/stat.h>

/* Same regular file (device and inode), or same block device (st_rdev, so
 * two device nodes of one disk count). */
int sr_same_stat(const struct stat *a, const struct stat *b);
/* The same for two descriptors, and for two paths (stat follows symlinks);
 * 0 when either cannot be stat'ed. */
int sr_same_fd(int a, int b);
int sr_same_path(const char *a, const char *b);

#endif
