/* base/: the output helper, checked arithmetic and the memory budget. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/checked.h"
#include "base/membudget.h"
#include "base/outfile.h"

static char dir[] = "/tmp/sr-base-XXXXXX";

static const char *in_dir(const char *name)
{
	static char path[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(path[k], sizeof(path[k]), "%s/%s", dir, name);
	return path[k];
}

/* Files in dir other than those named (a leftover temp file). */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void slurp(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	size_t got;

	assert_non_null(f);
	got = fread(buf, 1, n - 1, f);
	buf[got] = 0;
	fclose(f);
}

static void test_checked(void **state)
{
	uint64_t r, v;

	(void)state;
	assert_int_equal(sr_add_u64(UINT64_MAX - 1, 1, &r), 0);
	assert_true(r == UINT64_MAX);
	assert_int_equal(sr_add_u64(UINT64_MAX, 1, &r), -ERANGE);
	assert_int_equal(sr_mul_u64(1ull << 32, 1ull << 31, &r), 0);
	assert_int_equal(sr_mul_u64(1ull << 32, 1ull << 32, &r), -ERANGE);
	assert_true(sr_fits_u64(4096, 4096, 8192));
	assert_false(sr_fits_u64(4096, UINT64_MAX - 100, UINT64_MAX));
	/* the sweep's 4k..8k:+(2^64-4096): stops instead of wrapping to 0 */
	assert_int_equal(sr_range_next(4096, 18446744073709547520ull, 0, 8192, &v), 0);
	assert_int_equal(sr_range_next(2, UINT64_MAX, 0, 32, &v), 0);
	assert_int_equal(sr_range_next(4096, 2, 1, 8192, &v), 1);
	assert_true(v == 8192);
	assert_int_equal(sr_range_next(8192, 2, 1, 8192, &v), 0);
	assert_int_equal(sr_range_next(1ull << 63, 2, 1, UINT64_MAX, &v), 0);
	assert_int_equal(sr_range_next(1, 0, 0, 8, &v), -EINVAL);
	assert_int_equal(sr_range_next(1, 1, 1, 8, &v), -EINVAL);
}

static void test_membudget(void **state)
{
	struct sr_err e = { 0 };
	uint64_t avail, f[3] = { 1024, 32768, 1 << 20 }, p;

	(void)state;
	assert_int_equal(sr_mem_available(&avail), 0);
	assert_true(avail > 0 && avail < UINT64_MAX);
	assert_int_equal(sr_mem_product(f, 3, &p), 0);
	assert_true(p == 35184372088832ull); /* 32 TiB */
	assert_int_equal(sr_mem_budget(p, "replay: buffers", &e), -EINVAL);
	assert_true(e.bad_input);
	assert_non_null(strstr(e.msg, "replay: buffers need 32.00 TiB, more than"));
	sr_err_clear(&e);
	assert_int_equal(sr_mem_budget(4096, "x", &e), 0);
	f[0] = UINT64_MAX;
	assert_int_equal(sr_mem_product(f, 3, &p), -ERANGE);
}

static void test_outfile_new_and_replace(void **state)
{
	struct sr_outfile o, o2;
	struct sr_err e = { 0 };
	struct stat st;
	char buf[64];

	(void)state;
	assert_int_equal(sr_outfile_open(&o, in_dir("a.txt"), &e), 0);
	assert_false(sr_outfile_direct(&o));
	assert_int_equal(entries(), 1); /* the temp file only */
	assert_int_equal(sr_outfile_open(&o2, in_dir("a.txt"), &e), 0);
	assert_string_not_equal(o.tmp, o2.tmp); /* unique per run: never a shared OUT.tmp */
	sr_outfile_abort(&o2);
	fputs("new\n", o.f);
	assert_int_equal(sr_outfile_commit(&o, &e), 0);
	slurp(in_dir("a.txt"), buf, sizeof(buf));
	assert_string_equal(buf, "new\n");
	assert_int_equal(entries(), 1);
	/* replacing keeps the old mode; an aborted write keeps the old content */
	assert_int_equal(chmod(in_dir("a.txt"), 0640), 0);
	assert_int_equal(sr_outfile_open(&o, in_dir("a.txt"), &e), 0);
	fputs("half", o.f);
	sr_outfile_abort(&o);
	slurp(in_dir("a.txt"), buf, sizeof(buf));
	assert_string_equal(buf, "new\n");
	assert_int_equal(entries(), 1);
	assert_int_equal(sr_outfile_open(&o, in_dir("a.txt"), &e), 0);
	fputs("newer\n", o.f);
	assert_int_equal(sr_outfile_commit(&o, &e), 0);
	assert_int_equal(stat(in_dir("a.txt"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	unlink(in_dir("a.txt"));
}

static void test_outfile_symlink_device(void **state)
{
	struct sr_outfile o;
	struct sr_err e = { 0 };
	struct stat st;
	char buf[64];

	(void)state;
	/* a symlink stays a symlink; the file it names gets the output */
	assert_int_equal(symlink("real.txt", in_dir("link.txt")), 0);
	assert_int_equal(sr_outfile_open(&o, in_dir("link.txt"), &e), -EINVAL); /* dangling */
	assert_true(e.bad_input);
	sr_err_clear(&e);
	fclose(fopen(in_dir("real.txt"), "w"));
	assert_int_equal(sr_outfile_open(&o, in_dir("link.txt"), &e), 0);
	fputs("via link\n", o.f);
	assert_int_equal(sr_outfile_commit(&o, &e), 0);
	assert_int_equal(lstat(in_dir("link.txt"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	slurp(in_dir("real.txt"), buf, sizeof(buf));
	assert_string_equal(buf, "via link\n");
	unlink(in_dir("link.txt"));
	unlink(in_dir("real.txt"));
	/* a character device is written through, not renamed over */
	assert_int_equal(sr_outfile_open(&o, "/dev/null", &e), 0);
	assert_true(sr_outfile_direct(&o));
	fputs("gone\n", o.f);
	assert_int_equal(sr_outfile_commit(&o, &e), 0);
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	/* stdout: NULL and "-" */
	assert_int_equal(sr_outfile_open(&o, "-", &e), 0);
	assert_ptr_equal(o.f, stdout);
	assert_int_equal(sr_outfile_commit(&o, &e), 0);
}

static void test_outfile_refused(void **state)
{
	struct sr_outfile o;
	struct sr_err e = { 0 };

	(void)state;
	assert_int_equal(sr_outfile_open(&o, dir, &e), -EINVAL);
	assert_true(e.bad_input);
	assert_non_null(strstr(e.msg, "a directory: expected a regular file"));
	sr_err_clear(&e);
	assert_int_equal(sr_outfile_open(&o, "/nonexistent/x.json", &e), -ENOENT);
	assert_true(e.bad_input);
	assert_non_null(strstr(e.msg, "/nonexistent/x.json: cannot write there"));
	sr_err_clear(&e);
	/* a write error (/dev/full) is reported by commit */
	assert_int_equal(sr_outfile_open(&o, "/dev/full", &e), 0);
	fputs("x", o.f);
	assert_int_equal(sr_outfile_commit(&o, &e), -ENOSPC);
	assert_non_null(strstr(e.msg, "/dev/full: cannot write: No space left on device"));
	assert_int_equal(entries(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checked),
		cmocka_unit_test(test_membudget),
		cmocka_unit_test(test_outfile_new_and_replace),
		cmocka_unit_test(test_outfile_symlink_device),
		cmocka_unit_test(test_outfile_refused),
	};
	int ret;

	if (!mkdtemp(dir))
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return ret;
}
