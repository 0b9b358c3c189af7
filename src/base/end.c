/* End reasons (lt_end.h). */
#include "lt_end.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

void lt_end_set(struct lt_end *e, enum lt_end_kind kind)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
}

void lt_end_signal(struct lt_end *e, int sig)
{
	lt_end_set(e, LT_END_SIGNAL);
	e->sig = sig;
}

void lt_end_error(struct lt_end *e, const lt_err *err)
{
	lt_end_set(e, LT_END_ERROR);
	if (err)
		e->err = *err;
	else
		snprintf(e->err.msg, sizeof(e->err.msg), "unknown error");
	if (!e->err.code)
		e->err.code = LT_EXIT_ERROR;
}

const char *lt_end_format(const struct lt_end *e, char *buf, size_t len)
{
	static const char *const names[] = {
		[LT_END_NONE] = "",
		[LT_END_QUIT] = "quit",
		[LT_END_DURATION] = "duration",
		[LT_END_TARGET_EXITED] = "target exited",
		[LT_END_ITERATIONS] = "iterations",
		[LT_END_TERMINAL] = "terminal closed",
	};
	const char *abbrev;

	if (!len)
		return buf;
	switch (e->kind) {
	case LT_END_SIGNAL:
		abbrev = sigabbrev_np(e->sig);
		if (abbrev)
			snprintf(buf, len, "signal SIG%s", abbrev);
		else
			snprintf(buf, len, "signal %d", e->sig);
		break;
	case LT_END_ERROR:
		snprintf(buf, len, "error: %s", e->err.msg);
		break;
	default:
		if ((size_t)e->kind < sizeof(names) / sizeof(names[0]) && names[e->kind])
			snprintf(buf, len, "%s", names[e->kind]);
		else
			buf[0] = '\0';
		break;
	}
	return buf;
}

int lt_end_status(const struct lt_end *e)
{
	if (e->kind != LT_END_ERROR)
		return LT_EXIT_OK;
	return e->err.code ? e->err.code : LT_EXIT_ERROR;
}
