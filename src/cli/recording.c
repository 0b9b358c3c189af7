/* What record, run and live (`leaktop PID`) share around their session:
 * the line that says what is recorded, and the one way a session is
 * finished and its end reported. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lt_cmd.h"
#include "lt_report.h"
#include "lt_verdict.h"

void lt_cmd_print_sources(lt_session *s, const char *what,
			  const struct lt_session_opts *o)
{
	const lt_model *m = lt_session_model(s);
	const struct lt_meta *mt = lt_model_meta_c(m);
	const struct lt_source *th = lt_model_source_find(m, "threads");
	const struct lt_source *hp = lt_model_source_find(m, "heap");
	const struct lt_source *go = lt_model_source_find(m, "goroutines");

	fprintf(stderr, "leaktop: %s %d (%s) to %s every %gs%s\n", what, (int)mt->pid,
		mt->exe ? mt->exe : "?", lt_session_output(s), o->interval,
		o->duration > 0 ? "" : " until stopped (Ctrl-C)");
	if (hp && hp->available)
		fprintf(stderr, "leaktop: heap sites: %s\n", hp->reason ? hp->reason : "on");
	else if (hp && !o->no_heap)
		fprintf(stderr, "leaktop: heap sites unavailable: %s\n", hp->reason);
	/* A Go program that cannot be read says so, with what to do. */
	if (go && !go->available)
		fprintf(stderr, "leaktop: goroutines unavailable: %s\n", go->reason);
	else if (go && o->pprof)
		fprintf(stderr, "leaktop: goroutines: %s\n", go->reason);
	if (th && !th->available && !o->no_threads)
		fprintf(stderr, "leaktop: threads unavailable: %s\n", th->reason);
}

int lt_cmd_finish(lt_session *s, const char *what, const struct lt_end *end)
{
	char reason[LT_END_LEN];
	size_t ticks = lt_session_ticks(s);
	/* The session's own copy goes with it. */
	char *output = lt_xstrdup(lt_session_output(s));
	int status = lt_end_status(end);
	lt_err err = {0};

	lt_end_format(end, reason, sizeof(reason));
	if (end->kind == LT_END_ERROR)
		lt_cmd_fail(status, "%s stopped by an %s", what, reason);
	if (lt_session_close(s, end, &err) < 0)
		status = lt_cmd_fail(err.code ? err.code : LT_EXIT_ERROR, "%s", err.msg);
	else
		fprintf(stderr, "leaktop: %s ended (%s): %zu ticks in %s\n", what,
			reason, ticks, output);
	free(output);
	return status;
}

void lt_cmd_default_output(pid_t pid, char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32] = "0";

	if (localtime_r(&now, &tm))
		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(buf, len, "leaktop-%d-%s.db", (int)pid, stamp);
}

/* Prints s single-quoted for a shell when it holds anything but the
 * characters a file name usually has. */
static void put_shell(const char *s, FILE *f)
{
	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/+:,=@") == strlen(s)) {
		fputs(s, f);
		return;
	}
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	}
	fputc('\'', f);
}

int lt_cmd_finish_ui(lt_session *s, const char *what, const struct lt_end *end)
{
	struct lt_verdict v[32];
	size_t n = lt_verdict_compute(lt_session_model(s), v, 32);
	char *output = lt_xstrdup(lt_session_output(s));
	int status = lt_cmd_finish(s, what, end);

	/* A terminal that went away takes the summary's reader with it. */
	if (status == LT_EXIT_OK && end->kind != LT_END_TERMINAL) {
		lt_report_verdicts(v, n, NULL, stdout, NULL);
		fputs("\nThe whole report: leaktop report ", stdout);
		put_shell(output, stdout);
		fputs("\n", stdout);
		fflush(stdout);
	}
	free(output);
	return status;
}
