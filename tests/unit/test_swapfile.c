/* The study's swap area: the header's fields where linux/swap.h puts them,
 * and the failure paths of sr_swapfile_on leaving nothing behind and never
 * touching a file that was already there. swapon itself is exercised by
 * integration/study (root, a file system that takes swap files). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "real/swapfile.h"

static void test_header(void **st)
{
	unsigned char page[4096];
	uint32_t v;

	(void)st;
	memset(page, 0xaa, sizeof(page));
	sr_swap_header(page, sizeof(page), 65536);
	memcpy(&v, page + 1024, 4);
	assert_int_equal(v, 1); /* version */
	memcpy(&v, page + 1028, 4);
	assert_int_equal(v, 65535); /* last_page */
	memcpy(&v, page + 1032, 4);
	assert_int_equal(v, 0); /* nr_badpages */
	assert_memory_equal(page + 4096 - 10, "SWAPSPACE2", 10);
	assert_int_equal(page[0], 0); /* boot block zeroed */
	assert_int_equal(page[4096 - 11], 0);
}

static void test_failures(void **st)
{
	char dir[] = "/tmp/sr_swapXXXXXX", path[64];
	struct sr_swapfile sw;
	struct sr_err e = { 0 };
	struct stat sb;
	int fd;

	(void)st;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/swap", dir);
	/* too small: bad input, nothing made */
	assert_int_not_equal(sr_swapfile_on(&sw, path, 4096, &e), 0);
	assert_true(e.bad_input);
	assert_int_equal(stat(path, &sb), -1);
	sr_err_clear(&e);
	/* an existing file is refused and kept as it was */
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	assert_int_equal(sr_swapfile_on(&sw, path, 1 << 20, &e), -EEXIST);
	assert_non_null(strstr(e.msg, path));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 4);
	assert_int_equal(sw.path[0], 0);
	assert_int_equal(sr_swapfile_off(&sw), 0); /* nothing to undo */
	assert_int_equal(stat(path, &sb), 0);
	sr_err_clear(&e);
	unlink(path);
	/* a directory that is not there */
	snprintf(path, sizeof(path), "%s/no/swap", dir);
	assert_int_equal(sr_swapfile_on(&sw, path, 1 << 20, &e), -ENOENT);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
