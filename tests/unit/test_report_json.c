/* report --json: strings escaped to valid UTF-8 JSON whatever the session
 * holds (control characters, quotes, bytes that are not UTF-8, overlong
 * forms, surrogates), the document's fixed keys and values for a synthetic
 * session, and write failures. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_report_json.h"
#include "test_util.h"

#define MiB (1024.0 * 1024.0)

/* s as lt_report_json_string writes it (caller frees). */
static char *jstr(const char *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	lt_report_json_string(f, s);
	assert_int_equal(fclose(f), 0);
	return text;
}

static void expect(const char *in, const char *out)
{
	char *got = jstr(in);

	assert_string_equal(got, out);
	free(got);
}

static void test_strings(void **state)
{
	(void)state;
	expect(NULL, "null");
	expect("", "\"\"");
	expect("plain text", "\"plain text\"");
	expect("a\"b\\c/d", "\"a\\\"b\\\\c/d\"");
	expect("\x01\t\n\x1f\x7f", "\"\\u0001\\u0009\\u000a\\u001f\\u007f\"");
	/* Valid UTF-8 passes through: 2, 3 and 4 bytes. */
	expect("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* Not UTF-8: each bad byte is U+FFFD. */
	expect("\xff", "\"\\ufffd\"");
	expect("a\x80z", "\"a\\ufffdz\"");
	expect("\xc0\x80", "\"\\ufffd\\ufffd\"");             /* overlong NUL */
	expect("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");   /* overlong '/' */
	expect("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");   /* surrogate */
	expect("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* > U+10FFFF */
	expect("\xe2\x82", "\"\\ufffd\\ufffd\"");             /* cut short */
	expect("\xe2\x82\"", "\"\\ufffd\\ufffd\\\"\"");        /* cut by a quote */
}

static const struct tu_series service[] = {
	{LT_M_RSS_ANON, 40 * MiB, 2 * MiB, 0, 0},
	{LT_M_THREADS, 12, 0, 0, 0},
	{LT_M_FD_SOCKET, 10, 4, 0, 0},
	{LT_M_WRITE_BYTES, 1024 * MiB, 1 * MiB, 0, 0},
};

static char *document(lt_model *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	lt_err err = {0};

	assert_non_null(f);
	assert_int_equal(lt_report_json_write(m, NULL, f, &err), 0);
	assert_int_equal(fclose(f), 0);
	return text;
}

static void test_document(void **state)
{
	lt_model *m = tu_build_model(7, 61, service, 4);
	struct lt_meta *me = lt_model_meta(m);
	char *d;
	(void)state;

	me->pid = 4242;
	lt_model_set_str(m, &me->cmdline, "/bin/demo \"x\"\n\xff");
	lt_model_set_source(m, "heap", 0, "not attached");
	d = document(m);
	assert_int_equal(strncmp(d, "{\"format\":\"leaktop-report\",\"format_version\":1,\"meta\":{\"pid\":4242,", 65), 0);
	assert_non_null(strstr(d, "\"command\":\"/bin/demo \\\"x\\\"\\u000a\\ufffd\""));
	assert_non_null(strstr(d, "\"ticks\":61,"));
	assert_non_null(strstr(d, "\"end_reason\":null"));
	assert_non_null(strstr(d, "\"sources\":[{\"name\":\"heap\",\"available\":false,\"reason\":\"not attached\"}]"));
	assert_non_null(strstr(d, "{\"key\":\"rss_anon\",\"title\":\"RSS anon\",\"group\":\"memory\",\"unit\":\"bytes\",\"kind\":\"level\",\"samples\":61,"));
	assert_non_null(strstr(d, "\"trend\":\"growing\""));
	assert_non_null(strstr(d, "\"trend\":\"throughput\""));
	/* Not recorded: null, or empty lists. */
	assert_non_null(strstr(d, "\"heap\":null,\"fd_sites\":[],\"threads\":null,\"goroutines\":null,"));
	assert_non_null(strstr(d, "\"verdicts\":[{\"kind\":\"warn\",\"topic\":\"memory\",\"text\":\"anonymous memory grows +2 MiB/s"));
	assert_non_null(strstr(d, "\"topic\":\"fds\",\"text\":\"sockets +4/s (10 -> 250)\",\"metric\":\"fd_socket\",\"unit\":\"count\",\"rate\":"));
	assert_string_equal(d + strlen(d) - 3, "]}\n");
	/* Nothing raw below 0x20 but the final newline, and never a byte
	 * that is not ASCII here. */
	for (const char *p = d; p[1]; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	free(d);
	lt_model_free(m);
}

static void test_write_error(void **state)
{
	lt_model *m = tu_build_model(7, 61, service, 4);
	FILE *f = fopen("/dev/full", "w");
	lt_err err = {0};
	(void)state;

	assert_non_null(f);
	assert_int_equal(lt_report_json_write(m, NULL, f, &err), -1);
	assert_int_equal(err.code, LT_EXIT_ERROR);
	assert_non_null(strstr(err.msg, strerror(ENOSPC)));
	fclose(f);
	lt_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_document),
		cmocka_unit_test(test_write_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
