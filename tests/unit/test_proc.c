/* Unit tests for lt_proc, the one reader of /proc/PID files.
 *
 * Parsers run over the fixtures in tests/fixtures/proc/ and over hostile
 * text written here: names (comm) with parentheses, spaces, digits and
 * control bytes, lines cut short, numbers that overflow.  The readers run
 * on this very process: its stat under a nasty thread name, its task
 * listing, and a line file with a line longer than the buffer.  Run from
 * the repo root. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lt_proc.h"
#include "test_util.h"

#define FIX "tests/fixtures/proc/"
#define PF_KTHREAD 0x00200000u

/* ---- stat ---- */

static int stat_file(const char *name, struct lt_proc_stat *ps)
{
	size_t len;
	char *buf = tu_load_fixture(FIX, name, &len);
	int r = lt_proc_parse_stat(buf, len, ps);

	free(buf);
	return r;
}

static int stat_str(const char *s, struct lt_proc_stat *ps)
{
	return lt_proc_parse_stat(s, strlen(s), ps);
}

static void test_stat_fixtures(void **state)
{
	struct lt_proc_stat ps;

	(void)state;
	assert_int_equal(stat_file("stat.sleep", &ps), 0);
	assert_int_equal(ps.pid, 6021);
	assert_string_equal(ps.comm, "sleep");
	assert_int_equal(ps.state, 'S');
	assert_int_equal(ps.ppid, 6020);
	assert_int_equal(ps.flags, 4194304);
	assert_int_equal(stat_file("stat.kthread", &ps), 0);
	assert_string_equal(ps.comm, "kthreadd");
	assert_int_equal(ps.ppid, 0);
	assert_true(ps.flags & PF_KTHREAD);
	assert_int_equal(stat_file("stat.zombie", &ps), 0);
	assert_int_equal(ps.state, 'Z');
	assert_false(ps.flags & PF_KTHREAD);
	/* comm "a) Z 1 (b": only the last ')' ends it */
	assert_int_equal(stat_file("stat.evil_comm", &ps), 0);
	assert_string_equal(ps.comm, "a) Z 1 (b");
	assert_int_equal(ps.state, 'S');
	assert_int_equal(ps.ppid, 1);
	assert_int_equal(ps.flags, 4194304);
	assert_int_equal(stat_file("stat.truncated", &ps), -1);
	assert_int_equal(stat_file("stat.garbage", &ps), -1);
	assert_int_equal(stat_file("stat.huge", &ps), -1);
}

static void test_stat_nasty_names(void **state)
{
	static const struct {
		const char *text, *comm;
		char state;
	} ok[] = {
		{"1 () S 0 0 0 0 -1 64\n", "", 'S'},
		{"7 ( ) ) R 1 1 1 0 -1 64\n", " ) ", 'R'},
		{"7 ((((() t 1 1 1 0 -1 64 0 0\n", "((((", 't'},
		{"7 ()))) S 1 1 1 0 -1 64\n", ")))", 'S'},
		{"7 (1 2 3) S 1 1 1 0 -1 64\n", "1 2 3", 'S'},
		{"7 (x) S 1 2 3) S 1 1 1 0 -1 64\n", "x) S 1 2 3", 'S'},
		{"7 (a\nb\x01\x7f) D 1 1 1 0 -1 64\n", "a?b??", 'D'},
		{"7 (x) S 1 1 1 0 -1 64", "x", 'S'}, /* no newline: whole */
		{"7 (x) S 1 -1 -1 -1 -1 64\n", "x", 'S'},
	};
	static const char *const bad[] = {
		"", ")", "(", "7", "7 (x", "7 (x S 1 1 1 0 -1 64\n",
		"(x) S 1 1 1 0 -1 64\n",       /* no pid */
		"-7 (x) S 1 1 1 0 -1 64\n",
		"7 (x) 1 1 1 1 0 -1 64\n",     /* no state letter */
		"7 (x) ? 1 1 1 0 -1 64\n",
		"7 (x)S 1 1 1 0 -1 64\n",
		"7 (x) S\n", "7 (x) S 1 1 1 0 -1", /* cut before flags */
		"7 (x) S -1 1 1 0 -1 64\n",    /* negative ppid */
		"7 (x) S 1 1 1 0 -1 -64\n",    /* negative flags */
		"7 (x) S 1 1 1 0 -1 64x\n",
		"7 (x) S 1 1 1 0 -1 99999999999999999999\n",
		"99999999999999999999 (x) S 1 1 1 0 -1 64\n",
		"7 (x) S 1  1 1 0 -1 64\n",
	};
	struct lt_proc_stat ps;
	char big[300];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (stat_str(ok[i].text, &ps) != 0)
			fail_msg("rejected: %s", ok[i].text);
		assert_string_equal(ps.comm, ok[i].comm);
		assert_int_equal(ps.state, ok[i].state);
		assert_int_equal(ps.flags, 64);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (stat_str(bad[i], &ps) != -1)
			fail_msg("accepted: %s", bad[i]);
	/* A name longer than the kernel allows is cut, not overflowed. */
	memset(big, 'n', sizeof(big));
	memcpy(big, "9 (", 3);
	snprintf(big + 250, sizeof(big) - 250, ") S 1 1 1 0 -1 64\n");
	assert_int_equal(stat_str(big, &ps), 0);
	assert_int_equal(strlen(ps.comm), LT_PROC_COMM_MAX - 1);
	assert_int_equal(ps.comm[0], 'n');
}

static void *name_and_wait(void *arg)
{
	pid_t *tid = arg;

	prctl(PR_SET_NAME, "a) Z (b c", 0, 0, 0);
	__atomic_store_n(tid, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	while (__atomic_load_n(tid, __ATOMIC_SEQ_CST) > 0)
		usleep(1000);
	return NULL;
}

/* This process's own stat, and a thread of it under a nasty name, found in
 * its task listing. */
static void test_stat_and_tasks_self(void **state)
{
	struct lt_proc_stat ps;
	struct lt_proc_tasks it;
	pthread_t th;
	pid_t tid = 0, t;
	int fd = lt_proc_open(getpid()), seen_self = 0, seen_thread = 0;
	char buf[1024];
	ssize_t n;

	(void)state;
	assert_true(fd >= 0);
	n = lt_proc_read_buf(fd, 0, "stat", buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(lt_proc_parse_stat(buf, (size_t)n, &ps), 0);
	assert_int_equal(ps.pid, getpid());
	assert_int_equal(ps.ppid, getppid());
	assert_int_equal(ps.state, 'R');

	assert_int_equal(pthread_create(&th, NULL, name_and_wait, &tid), 0);
	while (__atomic_load_n(&tid, __ATOMIC_SEQ_CST) == 0)
		usleep(1000);
	n = lt_proc_read_buf(fd, tid, "stat", buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(lt_proc_parse_stat(buf, (size_t)n, &ps), 0);
	assert_int_equal(ps.pid, tid);
	assert_string_equal(ps.comm, "a) Z (b c");
	assert_true(ps.state == 'S' || ps.state == 'R');

	assert_int_equal(lt_proc_tasks_open(fd, &it), 0);
	while (lt_proc_tasks_next(&it, &t)) {
		seen_self |= t == getpid();
		seen_thread |= t == tid;
	}
	lt_proc_tasks_close(&it);
	lt_proc_tasks_close(&it); /* idempotent */
	assert_true(seen_self && seen_thread);

	__atomic_store_n(&tid, -1, __ATOMIC_SEQ_CST);
	pthread_join(th, NULL);
	close(fd);
}

static void test_open_and_read_errors(void **state)
{
	struct lt_text_buf b = {0};
	int fd;

	(void)state;
	errno = 0;
	assert_int_equal(lt_proc_open(0), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(lt_proc_open(-5), -1);
	fd = lt_proc_open(getpid());
	assert_true(fd >= 0);
	assert_int_equal(lt_proc_read(fd, 0, "no-such-file", &b, 4096), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(lt_proc_read(fd, INT_MAX, "stat", &b, 4096), -1);
	/* The cap holds: a read of 5 bytes of status returns 5. */
	assert_int_equal(lt_proc_read(fd, 0, "status", &b, 5), 5);
	assert_memory_equal(b.p, "Name:", 5);
	lt_text_buf_free(&b);
	close(fd);
}

/* ---- status, "Key: value" ---- */

static void test_status(void **state)
{
	static const char traced[] =
		"Name:\tx\nState:\tt (tracing stop)\nTgid:\t12\n"
		"TracerPid:\t4711\nThreads:\t3\n";
	struct lt_proc_status st;
	size_t len;
	char *buf = tu_load_fixture(FIX, "status.sleep", &len);

	(void)state;
	lt_proc_parse_status(buf, len, &st);
	assert_int_equal(st.tracer_pid, 0);
	assert_int_equal(st.state, 'S');
	free(buf);
	lt_proc_parse_status(traced, sizeof(traced) - 1, &st);
	assert_int_equal(st.state, 't');
	assert_int_equal(st.tracer_pid, 4711);
	assert_int_equal(st.tgid, 12);
	assert_int_equal(st.threads, 3);
	/* Cut before its newline: not 47. */
	lt_proc_parse_status("TracerPid:\t47", 13, &st);
	assert_int_equal(st.tracer_pid, -1);
	lt_proc_parse_status("TracerPid:\t-1\nState:\t?\n", 23, &st);
	assert_int_equal(st.tracer_pid, -1);
	assert_int_equal(st.state, 0);
	assert_int_equal(st.ns_tgid, -1);
	/* In a container: host pid first, its own namespace's last. */
	lt_proc_parse_status("NStgid:\t17591\t42\t1\n", 19, &st);
	assert_int_equal(st.ns_tgid, 1);
	lt_proc_parse_status("NStgid:\t17591\n", 14, &st);
	assert_int_equal(st.ns_tgid, 17591);
}

static void test_key_num(void **state)
{
	int64_t v = -7;

	(void)state;
	assert_int_equal(lt_proc_key_num("Pss:  12 kB", 11, "Pss", 1, &v), 1);
	assert_int_equal(v, 12 * 1024);
	v = -7;
	assert_int_equal(lt_proc_key_num("Pss:  12", 8, "Pss", 1, &v), 1);
	assert_int_equal(v, -7); /* no unit */
	assert_int_equal(lt_proc_key_num("Pss: 12 MB", 10, "Pss", 1, &v), 1);
	assert_int_equal(v, -7);
	assert_int_equal(lt_proc_key_num("Pss: 9007199254740993 kB", 24, "Pss",
					 1, &v), 1);
	assert_int_equal(v, -7); /* overflows once in bytes */
	assert_int_equal(lt_proc_key_num("Pss_Anon: 1 kB", 14, "Pss", 1, &v),
			 0);
	assert_int_equal(lt_proc_key_num("Threads: 4x", 11, "Threads", 0, &v),
			 1);
	assert_int_equal(v, -7);
	assert_int_equal(lt_proc_key_num("Threads:\t4", 10, "Threads", 0, &v),
			 1);
	assert_int_equal(v, 4);
}

/* ---- syscall ---- */

static void test_syscall(void **state)
{
	static const struct {
		const char *text;
		long nr;
	} cases[] = {
		{"0 0x3 0x7ffd 0x1 0x0 0x0 0x0 0x7ffc 0x7f00\n", 0},
		{"232 0x4 0x1 0x2 0x3 0x0 0x0 0x7ffc 0x7f00\n", 232},
		{"7\n", 7},
		{"running\n", -1},
		{"-1 0x7ffc 0x7f00\n", -1},
		{"7", -1},             /* cut: maybe 7, maybe 70 */
		{"", -1},
		{"99999999999999999999 0x1\n", -1},
		{"100001 0x1\n", -1},
		{"12x 0x1\n", -1},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(lt_proc_parse_syscall(cases[i].text,
						       strlen(cases[i].text)),
				 cases[i].nr);
}

/* ---- maps ---- */

static int map_str(const char *s, struct lt_proc_map *m)
{
	return lt_proc_parse_map(s, strlen(s), m);
}

static void test_map_lines(void **state)
{
	struct lt_proc_map m;

	(void)state;
	assert_int_equal(map_str("7f0000001000-7f0000002000 r-xp 00001000 08:02 "
				 "173521      /usr/lib/a b (deleted)", &m), 0);
	assert_int_equal(m.start, 0x7f0000001000);
	assert_int_equal(m.end, 0x7f0000002000);
	assert_int_equal(m.offset, 0x1000);
	assert_string_equal(m.perms, "r-xp");
	assert_true(lt_text_span_eq(m.path, m.pathlen,
				    "/usr/lib/a b (deleted)"));
	assert_int_equal(map_str("00e03000-00e24000 rw-p 00000000 00:00 0", &m),
			 0);
	assert_int_equal(m.pathlen, 0);
	assert_int_equal(map_str("00e03000-00e24000 rw-p 00000000 00:00 0   "
				 "[heap]x", &m), 0);
	assert_false(lt_text_span_eq(m.path, m.pathlen, "[heap]"));
	assert_int_equal(map_str("00f00000-00e00000 rw-p 00000000 00:00 0", &m),
			 -1);
	assert_int_equal(map_str("fffffffffffffffff-0 rw-p 0 00:00 0", &m), -1);
	assert_int_equal(map_str("1000-2000 rw- 00000000 00:00 0 /x", &m), -1);
	assert_int_equal(map_str("1000-2000 rw-p zz 00:00 0 /x", &m), -1);
	assert_int_equal(map_str("1000-2000 rw-p 0 00:00", &m), -1);
	assert_int_equal(map_str("1000-2000 rw-p 0 00:00 12x /x", &m), -1);
	assert_int_equal(map_str("garbage line here", &m), -1);
	assert_int_equal(map_str("-", &m), -1);
	assert_int_equal(map_str("", &m), -1);
}

/* A line file streamed through a 16-byte buffer: short lines whole, a long
 * one once, cut and flagged, its tail skipped, the unterminated last line
 * dropped. */
static void test_lines_stream(void **state)
{
	static const char text[] =
		"one\n"
		"0123456789abcdefXYZ-this-is-the-tail\n"
		"two\n"
		"exactly-15-byte\n"
		"0123456789abcdef\n"
		"cut-last-line";
	char dir[] = "/tmp/lt-test-proc-XXXXXX", path[64], buf[16];
	struct lt_proc_lines it;
	const char *l;
	size_t n;
	int dfd, cut, k = 0;
	FILE *f;
	static const struct {
		const char *line;
		int cut;
	} want[] = {
		{"one", 0}, {"0123456789abcdef", 1}, {"two", 0},
		{"exactly-15-byte", 0}, {"0123456789abcdef", 1},
	};

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/maps", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	assert_int_equal(lt_proc_lines_open(&it, dfd, 0, "maps", buf,
					    sizeof(buf)), 0);
	while (lt_proc_lines_next(&it, &l, &n, &cut) > 0) {
		assert_true(k < 5);
		assert_true(lt_text_span_eq(l, n, want[k].line));
		assert_int_equal(cut, want[k].cut);
		k++;
	}
	assert_int_equal(k, 5);
	lt_proc_lines_close(&it);
	lt_proc_lines_close(&it);
	assert_int_equal(lt_proc_lines_open(&it, dfd, 0, "none", buf,
					    sizeof(buf)), -1);
	lt_proc_lines_close(&it);
	unlink(path);
	rmdir(dir);
	close(dfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_fixtures),
		cmocka_unit_test(test_stat_nasty_names),
		cmocka_unit_test(test_stat_and_tasks_self),
		cmocka_unit_test(test_open_and_read_errors),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_key_num),
		cmocka_unit_test(test_syscall),
		cmocka_unit_test(test_map_lines),
		cmocka_unit_test(test_lines_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
