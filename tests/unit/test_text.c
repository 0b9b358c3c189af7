/* Bounded text: cut lines, numbers that do not fit, spans, and reads that
 * stop at a cap.  The read tests work in a private temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lt_text.h"

/* ---- lines ---- */

static void test_lines_drop_cut_tail(void **state)
{
	const char buf[] = "VmRSS:\t1234 kB\nThreads:\t4\nRssAnon:\t12";
	struct lt_lines it = {buf, buf + strlen(buf)};
	const char *l;
	size_t n;
	(void)state;

	assert_int_equal(lt_lines_next(&it, &l, &n), 1);
	assert_int_equal(n, strlen("VmRSS:\t1234 kB"));
	assert_int_equal(lt_lines_next(&it, &l, &n), 1);
	assert_memory_equal(l, "Threads:\t4", n);
	/* "RssAnon:\t12" has no newline: it may be "12345" cut short */
	assert_int_equal(lt_lines_next(&it, &l, &n), 0);
	assert_int_equal(lt_lines_next(&it, &l, &n), 0);

	struct lt_lines empty = {buf, buf};
	assert_int_equal(lt_lines_next(&empty, &l, &n), 0);
	const char blank[] = "\n\n";
	struct lt_lines b = {blank, blank + 2};
	assert_int_equal(lt_lines_next(&b, &l, &n), 1);
	assert_int_equal(n, 0);
	assert_int_equal(lt_lines_next(&b, &l, &n), 1);
	assert_int_equal(lt_lines_next(&b, &l, &n), 0);
}

static void test_lines_init(void **state)
{
	/* The length, not a NUL, bounds the cursor: "b\n" lies beyond it. */
	const char buf[] = "a\nb\n";
	struct lt_lines it;
	const char *l = NULL;
	size_t n = 99;
	(void)state;

	lt_lines_init(&it, buf, 2);
	assert_int_equal(lt_lines_next(&it, &l, &n), 1);
	assert_ptr_equal(l, buf);
	assert_int_equal(n, 1);
	assert_int_equal(lt_lines_next(&it, &l, &n), 0);

	/* Only a cut tail: nothing, and the outputs are left alone. */
	lt_lines_init(&it, "no newline", 10);
	l = NULL;
	assert_int_equal(lt_lines_next(&it, &l, &n), 0);
	assert_null(l);

	lt_lines_init(&it, "", 0);
	assert_int_equal(lt_lines_next(&it, &l, &n), 0);
}

/* ---- numbers ---- */

static void test_dec(void **state)
{
	const char *s = "  42 kB";
	size_t i = 2;
	int64_t v = -1;
	(void)state;

	assert_int_equal(lt_text_dec(s, strlen(s), &i, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(i, 4);
	i = 0; /* no digits at a space: fails, i unchanged */
	assert_int_equal(lt_text_dec(s, strlen(s), &i, &v), -1);
	assert_int_equal(i, 0);
	const char *max = "9223372036854775807", *over = "9223372036854775808";
	i = 0;
	assert_int_equal(lt_text_dec(max, strlen(max), &i, &v), 0);
	assert_true(v == INT64_MAX);
	i = 0;
	assert_int_equal(lt_text_dec(over, strlen(over), &i, &v), -1);
	/* the length bounds the parse, not a NUL */
	i = 0;
	assert_int_equal(lt_text_dec("12345", 3, &i, &v), 0);
	assert_int_equal(v, 123);
}

static void test_dec_all(void **state)
{
	int64_t v = 7;
	(void)state;

	assert_int_equal(lt_text_dec_all("65536", 5, &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(lt_text_dec_all("", 0, &v), -1);
	assert_int_equal(lt_text_dec_all("-1", 2, &v), -1);
	assert_int_equal(lt_text_dec_all("12 ", 3, &v), -1);
	assert_int_equal(lt_text_dec_all("1x", 2, &v), -1);
	assert_int_equal(lt_text_dec_all("99999999999999999999", 20, &v), -1);
	assert_int_equal(v, 65536); /* untouched by failures */
}

static void test_hex(void **state)
{
	const char *m = "7f3a-DeadBeef rw-p";
	uint64_t v = 0;
	size_t i = 0;
	(void)state;

	assert_int_equal(lt_text_hex(m, strlen(m), &i, &v), 0);
	assert_true(v == 0x7f3a);
	assert_int_equal(i, 4);
	i = 5; /* either case */
	assert_int_equal(lt_text_hex(m, strlen(m), &i, &v), 0);
	assert_true(v == 0xdeadbeef);
	assert_int_equal(i, 13);

	/* No digits ('-', 'g', the end): fails, i and v unchanged. */
	i = 4;
	assert_int_equal(lt_text_hex(m, strlen(m), &i, &v), -1);
	assert_int_equal(i, 4);
	assert_true(v == 0xdeadbeef);
	i = 0;
	assert_int_equal(lt_text_hex("g1", 2, &i, &v), -1);
	i = 3;
	assert_int_equal(lt_text_hex("abc", 3, &i, &v), -1);
	assert_int_equal(i, 3);

	/* 64 bits fit, a 65th does not; leading zeros are not overflow. */
	const char *full = "ffffffffffffffff", *over = "10000000000000000";
	const char *zeros = "000000000000000000001";
	i = 0;
	assert_int_equal(lt_text_hex(full, strlen(full), &i, &v), 0);
	assert_true(v == UINT64_MAX);
	i = 0;
	assert_int_equal(lt_text_hex(over, strlen(over), &i, &v), -1);
	assert_int_equal(i, 0);
	assert_true(v == UINT64_MAX);
	i = 0;
	assert_int_equal(lt_text_hex(zeros, strlen(zeros), &i, &v), 0);
	assert_true(v == 1);

	/* The length bounds the parse. */
	i = 0;
	assert_int_equal(lt_text_hex("fff", 2, &i, &v), 0);
	assert_true(v == 0xff);
}

/* ---- spans ---- */

static void test_spans(void **state)
{
	size_t i = 0;
	(void)state;

	lt_text_skip_blanks(" \t x", 4, &i);
	assert_int_equal(i, 3);
	i = 0;
	lt_text_skip_blanks("  ", 2, &i); /* stops at the end */
	assert_int_equal(i, 2);
	i = 0;
	lt_text_skip_blanks("\nx", 2, &i); /* a newline is not a blank */
	assert_int_equal(i, 0);

	assert_true(lt_text_span_eq("anon", 4, "anon"));
	assert_false(lt_text_span_eq("anon_thp", 8, "anon"));
	assert_false(lt_text_span_eq("ano", 3, "anon"));
	assert_true(lt_text_span_eq("anonXYZ", 4, "anon")); /* length bounds */
	assert_true(lt_text_span_eq("", 0, ""));

	assert_true(lt_text_has_prefix("socket:[12]", 11, "socket:["));
	assert_false(lt_text_has_prefix("socket:[12]", 7, "socket:["));
	assert_true(lt_text_has_prefix("x", 1, ""));
	assert_false(lt_text_has_prefix("pipe", 4, "socket"));

	char *d = lt_text_span_dup("/a/b\nrest", 4);
	assert_string_equal(d, "/a/b");
	free(d);
	d = lt_text_span_dup("", 0);
	assert_string_equal(d, "");
	free(d);
}

static void test_key(void **state)
{
	const char *l = "VmRSS:\t  1234 kB";
	size_t v = 99;
	(void)state;

	assert_int_equal(lt_text_key(l, strlen(l), "VmRSS", &v), 1);
	assert_int_equal(v, 9);
	/* A key that is a prefix of another is not it. */
	v = 99;
	assert_int_equal(lt_text_key(l, strlen(l), "VmRS", &v), 0);
	assert_int_equal(lt_text_key("VmRSSX: 1", 9, "VmRSS", &v), 0);
	assert_int_equal(lt_text_key("VmRSS 1", 7, "VmRSS", &v), 0);
	assert_int_equal(v, 99);
	/* Cut right after the key, or before the colon. */
	assert_int_equal(lt_text_key("VmRSS", 5, "VmRSS", &v), 0);
	assert_int_equal(lt_text_key("VmRSS:", 6, "VmRSS", &v), 1);
	assert_int_equal(v, 6); /* empty value: == len */
	assert_int_equal(lt_text_key("State:\t\t", 8, "State", &v), 1);
	assert_int_equal(v, 8);
}

/* ---- reads ---- */

#define BIG_LEN 40000 /* more than the buffer's first allocation */

static char dir_path[64];
static int dir_fd = -1;

static char pattern(size_t i)
{
	return (char)('a' + (char)(i % 26));
}

static void put_file(const char *name, size_t len)
{
	char *buf = malloc(len + 1);
	int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_non_null(buf);
	assert_true(fd >= 0);
	for (size_t i = 0; i < len; i++)
		buf[i] = pattern(i);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
	free(buf);
}

static int has_pattern(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != pattern(i))
			return 0;
	return 1;
}

static int dir_setup(void **state)
{
	(void)state;
	snprintf(dir_path, sizeof(dir_path), "/tmp/lt_text_XXXXXX");
	if (!mkdtemp(dir_path))
		return -1;
	dir_fd = open(dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return -1;
	put_file("small", 6);
	put_file("empty", 0);
	put_file("exact", 16 * 1024);
	put_file("big", BIG_LEN);
	return 0;
}

static int dir_teardown(void **state)
{
	static const char *const names[] = {"small", "empty", "exact", "big"};
	(void)state;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlinkat(dir_fd, names[i], 0);
	close(dir_fd);
	return rmdir(dir_path);
}

static void test_read_at(void **state)
{
	char buf[16], path[128];
	(void)state;

	memset(buf, '#', sizeof(buf));
	assert_int_equal(lt_text_read_at(dir_fd, "small", buf, sizeof(buf)), 6);
	assert_true(has_pattern(buf, 6));
	assert_int_equal(buf[6], '#'); /* not NUL-terminated */

	/* Cap reached: exactly cap bytes, the rest is not read. */
	memset(buf, '#', sizeof(buf));
	assert_int_equal(lt_text_read_at(dir_fd, "big", buf, 10), 10);
	assert_true(has_pattern(buf, 10));
	assert_int_equal(buf[10], '#');
	assert_int_equal(lt_text_read_at(dir_fd, "small", buf, 6), 6);

	assert_int_equal(lt_text_read_at(dir_fd, "empty", buf, sizeof(buf)), 0);
	assert_int_equal(lt_text_read_at(dir_fd, "small", buf, 0), 0);

	errno = 0;
	assert_int_equal(lt_text_read_at(dir_fd, "missing", buf, sizeof(buf)),
			 -1);
	assert_int_equal(errno, ENOENT);
	/* A directory opens but cannot be read. */
	errno = 0;
	assert_int_equal(lt_text_read_at(AT_FDCWD, dir_path, buf, sizeof(buf)),
			 -1);
	assert_int_equal(errno, EISDIR);

	/* AT_FDCWD with an absolute name. */
	snprintf(path, sizeof(path), "%s/small", dir_path);
	assert_int_equal(lt_text_read_at(AT_FDCWD, path, buf, sizeof(buf)), 6);
}

static void test_read_grow(void **state)
{
	struct lt_text_buf b = {0};
	(void)state;

	/* Exactly the first allocation: the buffer fills, so it cannot know
	 * the file ended without looking again in a larger one. */
	assert_int_equal(lt_text_read_grow(dir_fd, "exact", &b, 1 << 20),
			 16 * 1024);
	assert_true(b.cap > 16 * 1024);
	assert_true(has_pattern(b.p, 16 * 1024));
	lt_text_buf_free(&b);
	assert_null(b.p);
	assert_int_equal(b.cap, 0);

	/* Grows past its first allocation to take the whole file. */
	assert_int_equal(lt_text_read_grow(dir_fd, "big", &b, 1 << 20),
			 BIG_LEN);
	assert_true(b.cap >= BIG_LEN);
	assert_true(has_pattern(b.p, BIG_LEN));
	lt_text_buf_free(&b);

	/* Larger than the cap: cut at max, and the buffer never exceeds it. */
	assert_int_equal(lt_text_read_grow(dir_fd, "big", &b, 20000), 20000);
	assert_true(b.cap <= 20000);
	assert_true(has_pattern(b.p, 20000));
	/* A smaller max on a buffer grown before still bounds the read. */
	assert_int_equal(lt_text_read_grow(dir_fd, "big", &b, 100), 100);
	assert_int_equal(lt_text_read_grow(dir_fd, "small", &b, 100), 6);
	assert_true(has_pattern(b.p, 6));
	assert_int_equal(lt_text_read_grow(dir_fd, "empty", &b, 100), 0);
	assert_int_equal(lt_text_read_grow(dir_fd, "small", &b, 0), 0);

	/* A missing file fails with errno and leaves b usable. */
	errno = 0;
	assert_int_equal(lt_text_read_grow(dir_fd, "missing", &b, 100), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(lt_text_read_grow(dir_fd, "small", &b, 100), 6);
	lt_text_buf_free(&b);

	/* ... also as the very first read. */
	errno = 0;
	assert_int_equal(lt_text_read_grow(dir_fd, "missing", &b, 100), -1);
	assert_int_equal(errno, ENOENT);
	lt_text_buf_free(&b);
	lt_text_buf_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_drop_cut_tail),
		cmocka_unit_test(test_lines_init),
		cmocka_unit_test(test_dec),
		cmocka_unit_test(test_dec_all),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_read_at),
		cmocka_unit_test(test_read_grow),
	};
	return cmocka_run_group_tests(tests, dir_setup, dir_teardown);
}
