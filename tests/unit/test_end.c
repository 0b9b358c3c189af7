/* End reasons, the stop signals and the clock (src/base): the text an end
 * becomes is what the session file's end_reason holds and what tests and
 * users read, so each kind is pinned here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "lt_clock.h"
#include "lt_end.h"
#include "lt_stop.h"

static const char *fmt(const struct lt_end *e)
{
	static char buf[LT_END_LEN];

	return lt_end_format(e, buf, sizeof(buf));
}

static void test_kinds(void **state)
{
	static const struct {
		enum lt_end_kind kind;
		const char *text;
	} cases[] = {
		{LT_END_NONE, ""},
		{LT_END_QUIT, "quit"},
		{LT_END_DURATION, "duration"},
		{LT_END_TARGET_EXITED, "target exited"},
		{LT_END_ITERATIONS, "iterations"},
		{LT_END_TERMINAL, "terminal closed"},
	};
	struct lt_end e;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lt_end_set(&e, cases[i].kind);
		assert_string_equal(fmt(&e), cases[i].text);
		assert_int_equal(lt_end_status(&e), LT_EXIT_OK);
	}
}

static void test_signals(void **state)
{
	struct lt_end e;

	(void)state;
	lt_end_signal(&e, SIGINT);
	assert_string_equal(fmt(&e), "signal SIGINT");
	lt_end_signal(&e, SIGTERM);
	assert_string_equal(fmt(&e), "signal SIGTERM");
	lt_end_signal(&e, SIGHUP);
	assert_string_equal(fmt(&e), "signal SIGHUP");
	assert_int_equal(e.sig, SIGHUP);
	/* A signal ends a session normally. */
	assert_int_equal(lt_end_status(&e), LT_EXIT_OK);
	lt_end_signal(&e, 4242);
	assert_string_equal(fmt(&e), "signal 4242");
}

static void test_errors(void **state)
{
	lt_err err = {LT_EXIT_FILE, "disk full"};
	struct lt_end e;

	(void)state;
	lt_end_error(&e, &err);
	assert_string_equal(fmt(&e), "error: disk full");
	assert_int_equal(lt_end_status(&e), LT_EXIT_FILE);
	/* No code: a runtime error; no err at all: still an error. */
	err.code = 0;
	lt_end_error(&e, &err);
	assert_int_equal(lt_end_status(&e), LT_EXIT_ERROR);
	lt_end_error(&e, NULL);
	assert_int_equal(e.kind, LT_END_ERROR);
	assert_string_equal(fmt(&e), "error: unknown error");
	assert_int_equal(lt_end_status(&e), LT_EXIT_ERROR);
	/* Setting another kind forgets the error. */
	lt_end_set(&e, LT_END_QUIT);
	assert_int_equal(lt_end_status(&e), LT_EXIT_OK);
	assert_string_equal(e.err.msg, "");
}

static void test_long_and_short_buffers(void **state)
{
	lt_err err = {LT_EXIT_ERROR, ""};
	char big[LT_END_LEN], small[6] = "xxxxx";
	struct lt_end e;

	(void)state;
	memset(err.msg, 'm', sizeof(err.msg) - 1);
	lt_end_error(&e, &err);
	/* LT_END_LEN holds the longest error whole. */
	assert_int_equal(strlen(lt_end_format(&e, big, sizeof(big))),
			 strlen("error: ") + sizeof(err.msg) - 1);
	assert_string_equal(lt_end_format(&e, small, sizeof(small)), "error");
	lt_end_set(&e, LT_END_QUIT);
	assert_ptr_equal(lt_end_format(&e, small, 0), small);
	assert_string_equal(small, "error");  /* untouched */
}

static void test_clock(void **state)
{
	double a = lt_clock_mono(), b = lt_clock_mono();
	struct timespec ts;

	(void)state;
	assert_true(b >= a);
	assert_true(lt_clock_wall_ns() > (int64_t)1600000000 * 1000000000);
	ts = lt_clock_until(a - 5);
	assert_true(ts.tv_sec == 0 && ts.tv_nsec == 0);
	ts = lt_clock_until(lt_clock_mono() + 2.5);
	assert_true(ts.tv_sec == 2 || (ts.tv_sec == 1 && ts.tv_nsec > 900000000));
	assert_true(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
}

/* A stop signal is held while blocked and caught only inside the wait. */
static void test_stop_signal(void **state)
{
	int from_process = -1;
	double t0;

	(void)state;
	lt_stop_setup();
	lt_stop_setup();  /* again: no change */
	raise(SIGTERM);
	assert_int_equal(lt_stop_caught(NULL), 0);  /* still blocked */
	t0 = lt_clock_mono();
	assert_int_equal(lt_stop_wait(NULL, 0, t0 + 5), 0);
	assert_true(lt_clock_mono() - t0 < 2);
	assert_int_equal(lt_stop_caught(&from_process), SIGTERM);
	assert_int_equal(from_process, 1);  /* raise is a process's tgkill */
	/* It stays caught: the next wait returns at once. */
	t0 = lt_clock_mono();
	assert_int_equal(lt_stop_wait(NULL, 0, t0 + 5), 0);
	assert_true(lt_clock_mono() - t0 < 1);
	lt_stop_clear();
	assert_int_equal(lt_stop_caught(&from_process), 0);
	assert_int_equal(from_process, 0);
	/* A time-out is a 0 too, with nothing caught. */
	assert_int_equal(lt_stop_wait(NULL, 0, lt_clock_mono() + 0.02), 0);
	assert_int_equal(lt_stop_caught(NULL), 0);
}

/* A ready descriptor ends the wait with its count. */
static void test_stop_wait_fd(void **state)
{
	int p[2];
	struct pollfd pfd;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	pfd = (struct pollfd){.fd = p[0], .events = POLLIN};
	assert_int_equal(lt_stop_wait(&pfd, 1, lt_clock_mono() + 5), 1);
	assert_true(pfd.revents & POLLIN);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_long_and_short_buffers),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_stop_signal),
		cmocka_unit_test(test_stop_wait_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
