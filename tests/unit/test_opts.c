/* The shared option parser (src/cli/opts.c): one table of options for
 * record, run, live (`leaktop PID`) and view, the same limits in each, and
 * the message every refusal prints after "leaktop: ".  Data-driven: the
 * command line, then what it must give. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "lt_agent_proto.h"
#include "lt_opts.h"

#define MAXARGS 24

/* Parses a NULL-terminated list of words as cmd's argv. */
static int parse(enum lt_opts_cmd cmd, const char *const *words,
		 struct lt_opts *o, lt_err *err)
{
	static char buf[MAXARGS][64];
	static char *argv[MAXARGS + 1];
	int argc = 0;

	for (; words[argc]; argc++) {
		assert_true(argc < MAXARGS);
		snprintf(buf[argc], sizeof(buf[argc]), "%s", words[argc]);
		argv[argc] = buf[argc];
	}
	argv[argc] = NULL;
	memset(err, 0, sizeof(*err));
	return lt_opts_parse(cmd, argc, argv, o, err);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_record(void **state)
{
	struct lt_opts o;
	lt_err err;

	(void)state;
	assert_int_equal(parse(LT_OPTS_RECORD, ARGS("record", "-p", "42", "-o", "s.db"), &o, &err), 0);
	assert_int_equal(o.session.pid, 42);
	assert_string_equal(o.session.output, "s.db");
	assert_true(o.session.interval == 1.0);
	assert_true(o.session.threads_interval == 5.0);
	assert_true(o.session.duration == 0);
	assert_int_equal(o.session.argc, 5);
	assert_false(o.help);

	assert_int_equal(parse(LT_OPTS_RECORD,
			       ARGS("record", "--pid", "7", "--output=x.db", "-d", "1m30s", "-i", "250ms",
				    "-f", "-T", "1d", "--no-threads", "--sample-rate", "64KiB",
				    "--max-depth", "256", "--no-heap"), &o, &err), 0);
	assert_int_equal(o.session.pid, 7);
	assert_string_equal(o.session.output, "x.db");
	assert_true(o.session.duration == 90);
	assert_true(o.session.interval == 0.25);
	assert_true(o.session.threads_interval == 86400);
	assert_true(o.session.force && o.session.no_threads && o.session.no_heap);
	assert_true(o.session.sample_rate == 65536);
	assert_int_equal(o.session.max_depth, LT_AGENT_MAX_DEPTH);
}

/* Each refusal: the command line, and the message. */
static const struct bad {
	enum lt_opts_cmd cmd;
	const char *const *argv;
	const char *msg;
} bads[] = {
	{LT_OPTS_RECORD, ARGS("record", "-o", "s.db"), "record: -p PID is required (see leaktop record --help)"},
	{LT_OPTS_RECORD, ARGS("record", "-p", "1"), "record: -o FILE is required (see leaktop record --help)"},
	{LT_OPTS_RECORD, ARGS("record", "-p", "abc", "-o", "s"), "invalid pid 'abc'"},
	{LT_OPTS_RECORD, ARGS("record", "-p", "0", "-o", "s"), "invalid pid '0'"},
	{LT_OPTS_RECORD, ARGS("record", "-p", "1073741824", "-o", "s"), "invalid pid '1073741824'"},
	{LT_OPTS_RECORD, ARGS("record", "-p", "1", "-o", "s", "extra"), "record: unexpected argument 'extra'"},
	{LT_OPTS_RECORD, ARGS("record", "-p", "1", "--bogus"), "record: unknown option '--bogus' (see leaktop record --help)"},
	{LT_OPTS_RECORD, ARGS("record", "-p", "1", "-o"), "record: option '-o' needs a value"},
	{LT_OPTS_RECORD, ARGS("record", "-p", "1", "--dump"), "record: unknown option '--dump' (see leaktop record --help)"},
	{LT_OPTS_RECORD, ARGS("record", "-d", "0"), "invalid duration '0': must be more than 0"},
	{LT_OPTS_RECORD, ARGS("record", "-d", "10x"), "invalid duration '10x'"},
	{LT_OPTS_RECORD, ARGS("record", "-i", "5ms"), "invalid interval '5ms': must be between 10ms and 1h"},
	{LT_OPTS_RECORD, ARGS("record", "-i", "61m"), "invalid interval '61m': must be between 10ms and 1h"},
	{LT_OPTS_RECORD, ARGS("record", "-T", "1d1s"), "invalid threads interval '1d1s': must be between 10ms and 1d"},
	{LT_OPTS_RECORD, ARGS("record", "--sample-rate", "0"), "invalid sample rate '0': expected 1 byte to 1GiB"},
	{LT_OPTS_RECORD, ARGS("record", "--sample-rate", "2G"), "invalid sample rate '2G': expected 1 byte to 1GiB"},
	{LT_OPTS_RECORD, ARGS("record", "--sample-rate", "K"), "invalid sample rate 'K': expected bytes"},
	{LT_OPTS_RECORD, ARGS("record", "--sample-rate", "12Q"), "invalid sample rate '12Q'"},
	{LT_OPTS_RECORD, ARGS("record", "--max-depth", "257"), "invalid max depth '257': must be 1 to 256 frames"},
	{LT_OPTS_RECORD, ARGS("record", "--max-depth", "0"), "invalid max depth '0'"},
	{LT_OPTS_RUN, ARGS("run", "-o", "s.db"), "run: no command given (leaktop run [OPTIONS] -- CMD [ARGS...])"},
	{LT_OPTS_RUN, ARGS("run", "-p", "1", "--", "true"), "run: --pid does not go with run: it starts its own process"},
	{LT_OPTS_RUN, ARGS("run", "--pid", "1", "--", "true"), "run: --pid does not go with run"},
	{LT_OPTS_RUN, ARGS("run", "--keys", "q", "--", "true"), "run: unknown option '--keys' (see leaktop run --help)"},
	{LT_OPTS_RUN, ARGS("run", "-T", "2d", "--", "true"), "invalid threads interval '2d': must be between 10ms and 1d"},
	{LT_OPTS_LIVE, ARGS("0"), "invalid pid '0'"},
	{LT_OPTS_LIVE, ARGS("12", "-d", "1s"), "unknown option '-d' (see leaktop PID --help)"},
	{LT_OPTS_LIVE, ARGS("12", "-p", "1"), "unknown option '-p' (see leaktop PID --help)"},
	{LT_OPTS_LIVE, ARGS("12", "extra"), "unexpected argument 'extra'"},
	{LT_OPTS_LIVE, ARGS("12", "-o"), "option '-o' needs a value"},
	/* The same limit as record's, which live once did not have. */
	{LT_OPTS_LIVE, ARGS("12", "-T", "2d"), "invalid threads interval '2d': must be between 10ms and 1d"},
	{LT_OPTS_LIVE, ARGS("12", "--size", "100"), "invalid size '100': expected COLSxROWS, e.g. 100x30"},
	{LT_OPTS_LIVE, ARGS("12", "--size", "1001x30"), "invalid size '1001x30'"},
	{LT_OPTS_LIVE, ARGS("12", "--iterations", "0"), "invalid number of iterations '0'"},
	{LT_OPTS_VIEW, ARGS("view"), "view: expected one session FILE (see leaktop view --help)"},
	{LT_OPTS_VIEW, ARGS("view", "a.db", "b.db"), "view: expected one session FILE"},
	{LT_OPTS_VIEW, ARGS("view", "a.db", "-o", "x"), "view: unknown option '-o' (see leaktop view --help)"},
	{LT_OPTS_VIEW, ARGS("view", "a.db", "--no-heap"), "view: unknown option '--no-heap' (see leaktop view --help)"},
	{LT_OPTS_VIEW, ARGS("view", "a.db", "--keys"), "view: option '--keys' needs a value"},
	{LT_OPTS_VIEW, ARGS("view", "a.db", "--iterations", "x"), "invalid number of iterations 'x'"},
	{LT_OPTS_CHECK, ARGS("check"), "check: give -p PID --duration DUR, or -- CMD [ARGS...]"},
	{LT_OPTS_CHECK, ARGS("check", "-p", "1"), "check: -p PID needs --duration DUR"},
	{LT_OPTS_CHECK, ARGS("check", "-p", "1", "-d", "1s", "--", "true"), "check: -p PID and a command do not go together"},
	{LT_OPTS_CHECK, ARGS("check", "--max-growth", "1MiB", "--", "true"), "invalid max growth '1MiB': expected bytes per period, e.g. 1MiB/min, 512K/s, or 0"},
	{LT_OPTS_CHECK, ARGS("check", "--max-growth", "-1MiB/s", "--", "true"), "invalid max growth '-1MiB/s'"},
	{LT_OPTS_CHECK, ARGS("check", "--max-growth", "1QiB/s", "--", "true"), "invalid max growth '1QiB/s'"},
	{LT_OPTS_CHECK, ARGS("check", "--max-growth", "1MiB/0s", "--", "true"), "invalid max growth '1MiB/0s'"},
	{LT_OPTS_CHECK, ARGS("check", "--max-growth", "1MiB/fortnight", "--", "true"), "invalid max growth"},
	{LT_OPTS_CHECK, ARGS("check", "--max-growth", "nan/s", "--", "true"), "invalid max growth 'nan/s'"},
	{LT_OPTS_CHECK, ARGS("check", "--max-count-growth", "1K/s", "--", "true"), "invalid max count growth '1K/s': expected a count per period, e.g. 10/min, 1/s, or 0"},
	{LT_OPTS_CHECK, ARGS("check", "--ignore", "", "--", "true"), "check: --ignore needs a function name"},
	{LT_OPTS_CHECK, ARGS("check", "--keys", "q", "--", "true"), "check: unknown option '--keys' (see leaktop check --help)"},
	{LT_OPTS_RECORD, ARGS("record", "-p", "1", "-o", "s", "--ignore", "f"), "record: unknown option '--ignore'"},
};

static void test_refusals(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct lt_opts o;
		lt_err err;
		int rc = parse(bads[i].cmd, bads[i].argv, &o, &err);

		if (rc != -1 || err.code != LT_EXIT_USAGE ||
		    strncmp(err.msg, bads[i].msg, strlen(bads[i].msg)))
			fail_msg("case %zu (%s %s): rc %d, code %d, message '%s', expected '%s'",
				 i, bads[i].argv[0], bads[i].argv[1] ? bads[i].argv[1] : "",
				 rc, err.code, err.msg, bads[i].msg);
	}
}

static void test_run(void **state)
{
	struct lt_opts o;
	lt_err err;

	(void)state;
	/* Parsing stops at CMD: its own options stay its own. */
	assert_int_equal(parse(LT_OPTS_RUN, ARGS("run", "-i", "100ms", "sh", "-c", "exit 3"), &o, &err), 0);
	assert_int_equal(o.arg, 3);
	assert_true(o.session.interval == 0.1);
	assert_null(o.session.output);
	assert_int_equal(parse(LT_OPTS_RUN, ARGS("run", "--no-heap", "--", "ls", "-l"), &o, &err), 0);
	assert_int_equal(o.arg, 3);
	assert_true(o.session.no_heap);
	assert_int_equal(parse(LT_OPTS_RUN, ARGS("run", "-d", "6s", "-o", "f.db", "-f", "--", "x"), &o, &err), 0);
	assert_true(o.session.duration == 6);
	assert_true(o.session.force);
}

static void test_live(void **state)
{
	struct lt_opts o;
	lt_err err;

	(void)state;
	assert_int_equal(parse(LT_OPTS_LIVE, ARGS("4321"), &o, &err), 0);
	assert_int_equal(o.session.pid, 4321);
	assert_null(o.session.output);
	assert_int_equal(o.cols, 100);
	assert_int_equal(o.rows, 30);
	assert_int_equal(o.iterations, 0);
	assert_false(o.dump);
	assert_int_equal(parse(LT_OPTS_LIVE,
			       ARGS("4321", "--dump", "--iterations", "3", "--interval", "100ms", "-o", "d.db",
				    "--keys", "2\\n", "--size", "80x24", "--no-threads"), &o, &err), 0);
	assert_true(o.dump);
	assert_int_equal(o.iterations, 3);
	assert_true(o.session.interval == 0.1);
	assert_string_equal(o.session.output, "d.db");
	assert_string_equal(o.keys, "2\\n");
	assert_int_equal(o.cols, 80);
	assert_int_equal(o.rows, 24);
	assert_true(o.session.no_threads);
}

static void test_view(void **state)
{
	struct lt_opts o;
	lt_err err;

	(void)state;
	/* FILE may come before or after the options. */
	assert_int_equal(parse(LT_OPTS_VIEW, ARGS("view", "s.db", "--dump", "--size", "120x40"), &o, &err), 0);
	assert_true(o.dump);
	assert_int_equal(o.cols, 120);
	assert_string_equal(o.session.argv[o.arg], "s.db");
	assert_int_equal(parse(LT_OPTS_VIEW, ARGS("view", "--iterations", "2", "s.db"), &o, &err), 0);
	assert_int_equal(o.iterations, 2);
	assert_string_equal(o.session.argv[o.arg], "s.db");
}

/* -h stops the parse whatever follows, in every command. */
static void test_check(void **state)
{
	struct lt_opts o;
	lt_err err;

	(void)state;
	assert_int_equal(parse(LT_OPTS_CHECK, ARGS("check", "-p", "42", "-d", "10s", "--max-growth", "1MiB/min",
						    "--max-count-growth", "10/min", "--ignore", "a", "--ignore", "b*"),
			       &o, &err), 0);
	assert_int_equal(o.session.pid, 42);
	assert_true(o.session.duration == 10);
	assert_null(o.session.output);
	assert_true(o.max_growth > 17476.2 && o.max_growth < 17476.3);  /* 1 MiB / 60 s */
	assert_true(o.max_count_growth > 0.1666 && o.max_count_growth < 0.1667);
	assert_int_equal(o.nignore, 2);
	assert_string_equal(o.ignore[0], "a");
	assert_string_equal(o.ignore[1], "b*");
	/* A command keeps its own options; the duration is optional. */
	assert_int_equal(parse(LT_OPTS_CHECK, ARGS("check", "-o", "s.db", "--max-growth", "0", "--",
						    "./srv", "-p", "9"), &o, &err), 0);
	assert_int_equal(o.arg, 6);
	assert_int_equal(o.session.pid, 0);
	assert_true(o.max_growth == 0);
	/* Units and periods as users type them. */
	assert_int_equal(parse(LT_OPTS_CHECK, ARGS("check", "--max-growth", "512K/s", "--", "x"), &o, &err), 0);
	assert_true(o.max_growth == 512 * 1024);
	assert_int_equal(parse(LT_OPTS_CHECK, ARGS("check", "--max-growth", "1.5gb/2h", "--", "x"), &o, &err), 0);
	assert_true(o.max_growth > 223696.2 && o.max_growth < 223696.3);
	assert_int_equal(parse(LT_OPTS_CHECK, ARGS("check", "--max-growth", "100/10s", "--", "x"), &o, &err), 0);
	assert_true(o.max_growth == 10);
	assert_int_equal(parse(LT_OPTS_CHECK, ARGS("check", "--max-count-growth", "0.5/s", "--", "x"), &o, &err), 0);
	assert_true(o.max_count_growth == 0.5);
}

static void test_help(void **state)
{
	struct lt_opts o;
	lt_err err;

	(void)state;
	assert_int_equal(parse(LT_OPTS_RECORD, ARGS("record", "-h", "--bogus"), &o, &err), 0);
	assert_true(o.help);
	assert_int_equal(parse(LT_OPTS_RUN, ARGS("run", "--help"), &o, &err), 0);
	assert_true(o.help);
	assert_int_equal(parse(LT_OPTS_LIVE, ARGS("1", "--help"), &o, &err), 0);
	assert_true(o.help);
	assert_int_equal(parse(LT_OPTS_VIEW, ARGS("view", "-h"), &o, &err), 0);
	assert_true(o.help);
	/* A fresh parse after a half-read cluster of short options starts
	 * clean. */
	assert_int_equal(parse(LT_OPTS_RECORD, ARGS("record", "-fh", "-p"), &o, &err), 0);
	assert_int_equal(parse(LT_OPTS_RECORD, ARGS("record", "-p", "3", "-o", "f"), &o, &err), 0);
	assert_int_equal(o.session.pid, 3);
	assert_false(o.session.force);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_live),
		cmocka_unit_test(test_view),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
