/* The text report of a synthetic session: header facts, sources, the series
 * table (only what was measured, in table order, aligned), verdicts, plain
 * ASCII whatever the session holds, and write failures. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lt_report.h"
#include "test_util.h"

#define KiB 1024.0
#define MiB (1024.0 * 1024.0)
#define GiB (1024.0 * MiB)
#define SEED 0x9e3779b97f4a7c15ULL /* of the jitter */

/* A leaking service: anon memory and sockets grow, the rest holds.  Fields:
 * id, start, per_s, until, jitter (struct tu_series). */
static const struct tu_series service[] = {
	{LT_M_RSS_ANON, 40 * MiB, 2 * MiB, 0, 300 * KiB},
	{LT_M_RSS_FILE, 8 * MiB, 0, 0, 100 * KiB},
	{LT_M_THREADS, 12, 0, 0, 0},
	{LT_M_FDS, 30, 4, 0, 0},
	{LT_M_FD_SOCKET, 10, 4, 0, 0},
	{LT_M_CG_USAGE, 200 * MiB, 2 * MiB, 0, 300 * KiB},
	{LT_M_CG_FILE, 100 * MiB, 0, 0, 300 * KiB},
	{LT_M_WRITE_BYTES, 1 * GiB, 1 * MiB, 0, 0},
};

static lt_model *service_model(void)
{
	lt_model *m = tu_build_model(SEED, 61, service,
				     sizeof(service) / sizeof(service[0]));
	struct lt_meta *me = lt_model_meta(m);

	me->pid = 4242;
	me->end_ns = TU_T0 + INT64_C(60) * 1000000000;
	lt_model_set_str(m, &me->cmdline, "/usr/bin/demo --port 8080");
	lt_model_set_str(m, &me->exe, "/usr/bin/demo");
	lt_model_set_str(m, &me->build_id, "5f0c3a9e1b2d");
	lt_model_set_str(m, &me->host, "web-1");
	lt_model_set_str(m, &me->kernel, "6.1.0-18-amd64 #1 SMP x86_64");
	lt_model_set_str(m, &me->version, "0.1.0");
	lt_model_set_str(m, &me->options, "-p 4242 -i 1s -d 1m");
	lt_model_set_str(m, &me->cgroup, "v2:/system.slice/demo.service");
	lt_model_set_str(m, &me->end_reason, "duration");
	lt_model_set_source(m, "procfs", 1, NULL);
	lt_model_set_source(m, "cgroup", 1, NULL);
	lt_model_set_source(m, "heap", 0, "not attached");
	return m;
}

/* The report of m as a string (caller frees); m is freed. */
static char *report(lt_model *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	lt_err err = {0};

	assert_non_null(f);
	assert_int_equal(lt_report_write(m, f, &err), 0);
	assert_int_equal(fclose(f), 0);
	lt_model_free(m);
	return text;
}

/* The line that starts with prefix, copied into line; NULL if none. */
static char *line_of(const char *text, const char *prefix, char *line,
		     size_t len)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
		size_t n = strcspn(p, "\n");

		if (strncmp(p, prefix, strlen(prefix)) == 0) {
			snprintf(line, len, "%.*s", (int)n, p);
			return line;
		}
	}
	return NULL;
}

static int setup_utc(void **state)
{
	(void)state;
	setenv("TZ", "UTC0", 1);
	tzset();
	return 0;
}

static void test_header(void **state)
{
	char *r = report(service_model());
	(void)state;

	assert_non_null(strstr(r, "leaktop report\n"));
	assert_non_null(strstr(r, "\n  target     pid 4242\n"));
	assert_non_null(strstr(r, "\n  command    /usr/bin/demo --port 8080\n"));
	assert_non_null(strstr(r, "\n  exe        /usr/bin/demo\n"));
	assert_non_null(strstr(r, "\n  build-id   5f0c3a9e1b2d\n"));
	assert_non_null(strstr(r, "\n  host       web-1\n"));
	assert_non_null(strstr(r, "\n  kernel     6.1.0-18-amd64 #1 SMP x86_64\n"));
	assert_non_null(strstr(r, "\n  leaktop    0.1.0\n"));
	assert_non_null(strstr(r, "\n  options    -p 4242 -i 1s -d 1m\n"));
	assert_non_null(strstr(r, "\n  cgroup     v2:/system.slice/demo.service\n"));
	assert_non_null(strstr(r, "\n  started    2023-11-14T22:13:20+00:00\n"));
	assert_non_null(strstr(r, "\n  duration   1m00s (61 ticks, every 1s)\n"));
	assert_non_null(strstr(r, "\n  end        duration "
				  "(2023-11-14T22:14:20+00:00)\n"));
	assert_non_null(strstr(r, "\nSources:\n  procfs     available\n"
				  "  cgroup     available\n"
				  "  heap       unavailable: not attached\n"));
	free(r);
}

static void test_local_time_offset(void **state)
{
	char *r;
	(void)state;

	/* POSIX TZ: "IST-5:30" is 5 h 30 min east of UTC. */
	setenv("TZ", "IST-5:30", 1);
	tzset();
	r = report(service_model());
	setup_utc(NULL);
	assert_non_null(strstr(r, "\n  started    2023-11-15T03:43:20+05:30\n"));
	free(r);
}

static void test_growing_row_and_verdict(void **state)
{
	char *r = report(service_model()), line[256];
	(void)state;

	assert_non_null(line_of(r, "  RSS anon ", line, sizeof(line)));
	assert_non_null(strstr(line, " +2 MiB/s "));
	assert_non_null(strstr(line, " +120 MiB "));  /* 40 -> 160 MiB */
	assert_non_null(strstr(line, "growing"));
	/* A flat series shows no rate made of jitter. */
	assert_non_null(line_of(r, "  RSS file ", line, sizeof(line)));
	assert_non_null(strstr(line, " +0 B/s  flat"));
	assert_non_null(line_of(r, "  sockets ", line, sizeof(line)));
	assert_non_null(strstr(line, "10 "));
	assert_non_null(strstr(line, " +4/s  growing"));
	assert_non_null(line_of(r, "  threads ", line, sizeof(line)));
	assert_non_null(strstr(line, "12         12          0           +0/s  flat"));
	/* A counter: its rate is a throughput, not a trend. */
	assert_non_null(line_of(r, "  bytes written (storage) ", line,
				sizeof(line)));
	assert_non_null(strstr(line, " +60"));  /* MiB written in ~60 s */
	assert_non_null(strstr(line, "+1 MiB/s  throughput"));
	assert_non_null(line_of(r, "! anonymous memory grows +2 MiB/s", line,
				sizeof(line)));
	assert_non_null(line_of(r, "! sockets +4/s (10 -> 2", line,
				sizeof(line)));
	/* Verdicts come last. */
	assert_true(strstr(r, "\nVerdicts:\n") > strstr(r, "\nSeries:\n"));
	free(r);
}

static void test_unmeasured_absent(void **state)
{
	char *r = report(service_model()), line[256];
	(void)state;

	assert_null(line_of(r, "  pipes ", line, sizeof(line)));
	assert_null(line_of(r, "  swap ", line, sizeof(line)));
	assert_null(line_of(r, "  cgroup working set ", line, sizeof(line)));
	assert_null(line_of(r, "  bytes written (syscalls) ", line,
			    sizeof(line)));
	/* Measured ones are there. */
	assert_non_null(line_of(r, "  cgroup usage ", line, sizeof(line)));
	assert_non_null(line_of(r, "  cgroup file cache ", line, sizeof(line)));
	free(r);

	/* Only threads measured, and swap once: no cgroup group at all, and
	 * a single measurement has no rate. */
	const struct tu_series th[] = {{LT_M_THREADS, 5, 0, 0, 0}};
	lt_model *m = tu_build_model(SEED, 10, th, 1);
	struct lt_sample once = *lt_model_tick(m, 9);

	once.t += 1;
	lt_sample_set(&once, LT_M_SWAP, 4096);
	lt_model_add_sample(m, &once);
	r = report(m);
	assert_null(strstr(r, "\ncgroup\n"));
	assert_non_null(strstr(r, "\nthreads and mappings\n  threads "));
	assert_non_null(line_of(r, "  swap ", line, sizeof(line)));
	assert_non_null(strstr(line, "4 KiB      4 KiB        0 B              "
				     "-  unknown"));
	free(r);
}

static void test_table_order_and_alignment(void **state)
{
	char *r = report(service_model());
	const char *order[] = {"\nmemory\n", "\n  RSS anon ", "\n  RSS file ",
			       "\ncgroup\n", "\n  cgroup usage ",
			       "\n  cgroup file cache ", "\ndescriptors\n",
			       "\n  descriptors ", "\n  sockets ",
			       "\nthreads and mappings\n", "\n  threads ",
			       "\nI/O", "\n  bytes written (storage) ",
			       "\nVerdicts:\n"};
	const char *prev = r, *p, *table, *end;
	long col = -1;
	(void)state;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		p = strstr(r, order[i]);
		assert_non_null(p);
		assert_true(p > prev);
		prev = p;
	}
	/* Every row (and the column heading) puts its trend in the same
	 * column: the text before the last field has one length. */
	table = strstr(r, "\nSeries:\n") + 9;
	end = strstr(r, "\nVerdicts:\n");
	for (p = table; p < end; p = strchr(p, '\n') + 1) {
		size_t n = strcspn(p, "\n");
		const char *last = p + n;

		if (strncmp(p, "  ", 2) != 0)
			continue; /* a group heading */
		while (last > p && last[-1] != ' ')
			last--;
		if (col < 0)
			col = last - p;
		assert_int_equal(last - p, col);
	}
	assert_true(col > 0);
	free(r);
}

static void test_no_end_reason(void **state)
{
	lt_model *m = service_model();
	char *r;
	(void)state;

	lt_model_set_str(m, &lt_model_meta(m)->end_reason, NULL);
	lt_model_meta(m)->end_ns = 0;
	r = report(m);
	assert_non_null(strstr(r, "\n  end        still recording or killed "
				  "(no end recorded)\n"));
	/* Duration then comes from the ticks recorded so far. */
	assert_non_null(strstr(r, "\n  duration   1m00s (61 ticks"));
	free(r);
}

static void test_empty_model(void **state)
{
	char *r = report(lt_model_new());
	(void)state;

	assert_non_null(strstr(r, "\n  target     unknown\n"));
	assert_non_null(strstr(r, "\n  started    unknown\n"));
	assert_non_null(strstr(r, "\n  duration   0s (0 ticks)\n"));
	assert_non_null(strstr(r, "\nSources:\n  (none recorded)\n"));
	assert_non_null(strstr(r, "  (no series measured)\n"));
	assert_non_null(strstr(r, "\n  session too short to judge growth "
				  "(0 ticks)\n"));
	free(r);
}

static void test_hostile_strings_stay_ascii(void **state)
{
	lt_model *m = service_model();
	char *r;
	(void)state;

	lt_model_set_str(m, &lt_model_meta(m)->cmdline,
			 "evil\n  end        duration\x1b[2J\xc3\xa9 a\\b");
	lt_model_set_str(m, &lt_model_meta(m)->exe, "/tmp/\x7f\t");
	lt_model_set_source(m, "cgroup", 0, "bad\rreason\xff");
	r = report(m);
	for (const char *p = r; *p; p++)
		assert_true(*p == '\n' || (*p >= 0x20 && *p < 0x7f));
	assert_non_null(strstr(r, "\n  command    evil\\x0a  end        "
				  "duration\\x1b[2J\\xc3\\xa9 a\\\\b\n"));
	assert_non_null(strstr(r, "\n  exe        /tmp/\\x7f\\x09\n"));
	assert_non_null(strstr(r, "cgroup     unavailable: bad\\x0dreason\\xff\n"));
	/* ... and the verdict quoting the same reason. */
	assert_non_null(strstr(r, "\n  cgroup memory unavailable: "
				  "bad\\x0dreason\\xff; file cache"));
	free(r);
}

static void test_write_failure(void **state)
{
	lt_model *m = service_model();
	lt_err err = {0};
	FILE *f;
	(void)state;

	f = fopen("/dev/full", "w");
	if (!f)
		skip();
	assert_int_equal(lt_report_write(m, f, &err), -1);
	assert_int_equal(err.code, LT_EXIT_ERROR);
	assert_non_null(strstr(err.msg, strerror(ENOSPC)));
	fclose(f);

	/* A stream open for reading fails on the first write. */
	memset(&err, 0, sizeof(err));
	f = fopen("/dev/null", "r");
	assert_non_null(f);
	assert_int_equal(lt_report_write(m, f, &err), -1);
	assert_int_equal(err.code, LT_EXIT_ERROR);
	assert_non_null(strstr(err.msg, "cannot write the report: "));
	fclose(f);
	/* err may be NULL. */
	f = fopen("/dev/full", "w");
	assert_non_null(f);
	assert_int_equal(lt_report_write(m, f, NULL), -1);
	fclose(f);
	lt_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_local_time_offset),
		cmocka_unit_test(test_growing_row_and_verdict),
		cmocka_unit_test(test_unmeasured_absent),
		cmocka_unit_test(test_table_order_and_alignment),
		cmocka_unit_test(test_no_end_reason),
		cmocka_unit_test(test_empty_model),
		cmocka_unit_test(test_hostile_strings_stay_ascii),
		cmocka_unit_test(test_write_failure),
	};

	return cmocka_run_group_tests(tests, setup_utc, NULL);
}
