/* Why a session ended, as a value.  Every loop (record, run, the live
 * dump, the terminal UI) fills one struct lt_end; it is turned into text
 * once, by lt_end_format, for the session file's end_reason and the
 * "ended (...)" line.  Nothing parses that text back. */
#ifndef LT_END_H
#define LT_END_H

#include <stddef.h>

#include "lt_err.h"

enum lt_end_kind {
	LT_END_NONE = 0,        /* still running */
	LT_END_QUIT,            /* the user quit the UI */
	LT_END_DURATION,        /* --duration was reached */
	LT_END_TARGET_EXITED,   /* the target process is gone */
	LT_END_SIGNAL,          /* a stop signal (sig) arrived */
	LT_END_ITERATIONS,      /* --iterations ticks or frames were done */
	LT_END_TERMINAL,        /* the UI's terminal went away */
	LT_END_ERROR,           /* sampling or writing failed (err) */
};

struct lt_end {
	enum lt_end_kind kind;
	int sig;                /* LT_END_SIGNAL: the signal's number */
	lt_err err;             /* LT_END_ERROR: the exit code and message */
};

/* Room for any formatted end reason: "error: " and an lt_err message. */
#define LT_END_LEN (sizeof(((lt_err *)0)->msg) + 16)

/* e becomes kind (sig and err cleared).  This function can't fail. */
void lt_end_set(struct lt_end *e, enum lt_end_kind kind);

/* e becomes "signal sig".  This function can't fail. */
void lt_end_signal(struct lt_end *e, int sig);

/* e becomes an error with err's code and message (LT_EXIT_ERROR when err
 * has no code, "unknown error" when err is NULL).  This function can't
 * fail. */
void lt_end_error(struct lt_end *e, const lt_err *err);

/* Writes e's text into buf (len bytes, LT_END_LEN is always enough) and
 * returns buf: "quit", "duration", "target exited", "signal SIGINT" (or
 * "signal 42" for a signal without a name), "iterations", "terminal
 * closed", "error: MSG"; "" for LT_END_NONE.  Longer text is truncated.
 * This function can't fail. */
const char *lt_end_format(const struct lt_end *e, char *buf, size_t len);

/* The exit status an end calls for: the error's code for LT_END_ERROR,
 * LT_EXIT_OK for every other end (a signal or a target exit is a normal
 * way for a session to end).  This function can't fail. */
int lt_end_status(const struct lt_end *e);

#endif
