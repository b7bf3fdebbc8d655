/* --advise as the replay gives it to its mapping: sequential must leave the
 * mapping's VM_SEQ_READ unset (VmFlags "sr" in /proc/self/smaps), as
 * llama.cpp's loader does, since reclaim ignores references through such a
 * mapping; random sets VM_RAND_READ ("rr"). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "real/realmmap.h"

/* The VmFlags line of the mapping starting at addr, into flags. */
static int vmflags(const void *addr, char *flags, size_t len)
{
	char line[512], start[32];
	FILE *f = fopen("/proc/self/smaps", "r");
	int in = 0, found = 0;

	if (!f)
		return -1;
	snprintf(start, sizeof(start), "%lx-", (unsigned long)(uintptr_t)addr);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, start, strlen(start)))
			in = 1;
		else if (in && !strncmp(line, "VmFlags:", 8)) {
			snprintf(flags, len, "%s", line + 8);
			found = 1;
			break;
		}
	}
	fclose(f);
	return found ? 0 : -1;
}

static int has_flag(const char *flags, const char *f)
{
	char buf[512], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", flags);
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		if (!strcmp(tok, f))
			return 1;
	return 0;
}

static void advised(enum sr_advise a, char *flags, size_t len)
{
	char path[] = "/tmp/sr_realmmap_XXXXXX";
	int fd = mkstemp(path);
	long pg = sysconf(_SC_PAGESIZE);
	void *m;

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(ftruncate(fd, 4 * pg), 0);
	m = mmap(NULL, (size_t)(4 * pg), PROT_READ, MAP_SHARED, fd, 0);
	assert_true(m != MAP_FAILED);
	sr_mmap_advise(a, m, (uint64_t)(4 * pg), fd);
	assert_int_equal(vmflags(m, flags, len), 0);
	munmap(m, (size_t)(4 * pg));
	close(fd);
}

static void test_sequential_is_file_advice_only(void **st)
{
	char flags[512];

	(void)st;
	advised(SR_ADV_SEQUENTIAL, flags, sizeof(flags));
	assert_true(has_flag(flags, "rd")); /* the line was read */
	assert_false(has_flag(flags, "sr"));
	assert_false(has_flag(flags, "rr"));
}

static void test_random_and_none(void **st)
{
	char flags[512];

	(void)st;
	advised(SR_ADV_RANDOM, flags, sizeof(flags));
	assert_true(has_flag(flags, "rr"));
	advised(SR_ADV_NONE, flags, sizeof(flags));
	assert_false(has_flag(flags, "sr"));
	assert_false(has_flag(flags, "rr"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequential_is_file_advice_only),
		cmocka_unit_test(test_random_and_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
