/* leaktop view FILE and leaktop PID: the interactive explorer, over a
 * recorded session or a live one.
 *
 * Both share the UI loop of ui/tui.c; the live one drives an lt_session
 * from it, so what is explored is also recorded.  --dump renders the
 * screen as text without a terminal: the scripted mode tests use. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lt_cmd.h"
#include "lt_driver.h"
#include "lt_opts.h"
#include "lt_session.h"
#include "lt_stop.h"
#include "lt_term.h"
#include "lt_store.h"
#include "lt_ui.h"
#include "lt_view.h"

static const char view_usage[] =
	"usage: leaktop view FILE [OPTIONS]\n"
	"\n"
	"Explore a recorded session with the same screens as the live view, with\n"
	"a time cursor: PgUp and PgDn move it, [ and ] one tick, g goes to a\n"
	"time, b marks a baseline, < and > move the baseline, F1 or ? lists every\n"
	"key.  Works on a session still being recorded.\n"
	"\n"
	"Options:\n"
	"      --dump             print the screen as text instead of opening the\n"
	"                         terminal UI (a scripted mode for tests)\n"
	"      --keys KEYS        with --dump: keys to press first; \\n Enter,\n"
	"                         \\t Tab, \\e Esc, \\b Backspace, \\u \\d \\l \\r arrows,\n"
	"                         \\P \\N PgUp PgDn, \\H \\E Home End, \\1-\\9 \\0 F1-F10\n"
	"      --size COLSxROWS   with --dump: the screen size (default 100x30)\n"
	"      --iterations N     draw N frames, then exit\n"
	"      --wrapper NAME     a function of yours that only wraps malloc: heap\n"
	"                         rows name its callers (adds to those in FILE)\n"
	"  -h, --help             show this help\n";

static const char live_usage[] =
	"usage: leaktop PID [OPTIONS]\n"
	"\n"
	"Attach to a running process and explore it live.  Everything shown is\n"
	"also recorded to a session file; q finishes the file and detaches,\n"
	"leaving the process running.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE      session file (default leaktop-PID-DATE-TIME.db\n"
	"                         in the current directory)\n"
	"  -f, --force            replace FILE if it exists (never a symlink)\n"
	"  -i, --interval DUR     time between ticks (default 1s, 10ms to 1h)\n"
	"  -T, --threads-interval DUR  time between thread samples (default 5s)\n"
	"      --no-threads       never stop the target's threads\n"
	"      --sample-rate BYTES  heap: one sample per BYTES allocated, on average\n"
	"                         (default 512K; 1 = every allocation)\n"
	"      --max-depth N      heap: frames per allocating stack (default 64)\n"
	"      --no-heap          do not load the heap agent into the process\n"
	LT_CMD_HELP_SESSION_A
	LT_CMD_HELP_SESSION_B
	"      --dump             take --iterations ticks (default 2), print the\n"
	"                         screen as text and exit (no terminal needed)\n"
	"      --keys KEYS        with --dump: keys to press first (see view --help)\n"
	"      --size COLSxROWS   with --dump: the screen size (default 100x30)\n"
	"      --iterations N     draw N frames (with --dump: take N ticks), then\n"
	"                         finish the session and exit\n"
	"  -h, --help             show this help\n";

/* The next key of a --keys string, advancing *p; -1 at the end. */
static int next_key(const char **p)
{
	const char *s = *p;
	int k;

	if (!*s)
		return -1;
	if (*s != '\\' || !s[1]) {
		*p = s + 1;
		return (unsigned char)*s;
	}
	*p = s + 2;
	switch (s[1]) {
	case 'n': k = LT_KEY_ENTER; break;
	case 't': k = '\t'; break;
	case 'e': k = LT_KEY_ESC; break;
	case 'b': k = LT_KEY_BACKSPACE; break;
	case 'u': k = LT_KEY_UP; break;
	case 'd': k = LT_KEY_DOWN; break;
	case 'l': k = LT_KEY_LEFT; break;
	case 'r': k = LT_KEY_RIGHT; break;
	case 'P': k = LT_KEY_PGUP; break;
	case 'N': k = LT_KEY_PGDN; break;
	case 'H': k = LT_KEY_HOME; break;
	case 'E': k = LT_KEY_END; break;
	case '0': k = LT_KEY_F10; break;
	default:
		if (s[1] >= '1' && s[1] <= '9') {
			k = LT_KEY_F1 + (s[1] - '1');
			break;
		} k = (unsigned char)s[1]; break;
	}
	return k;
}

/* Renders the view of m after the scripted keys and prints it. */
static int dump(const lt_model *m, const struct lt_opts *o, int live,
		const char *output)
{
	struct lt_view_opts vo = {.live = live, .output = output};
	const char *p = o->keys ? o->keys : "";
	lt_view *v;
	int k, rc;

	vo.ascii = !lt_ui_locale_utf8();
	v = lt_view_new(&vo);
	/* The frame size matters to some keys (page moves, flame layout). */
	lt_view_render(v, m, o->rows, o->cols);
	while ((k = next_key(&p)) >= 0) {
		if (lt_view_key(v, m, k) & LT_VIEW_QUIT)
			break;
		lt_view_render(v, m, o->rows, o->cols);
	}
	rc = lt_vframe_print(lt_view_render(v, m, o->rows, o->cols), stdout);
	lt_view_free(v);
	return rc < 0 ? lt_cmd_fail(LT_EXIT_ERROR, "cannot write the screen: %s", strerror(errno)) : LT_EXIT_OK;
}

static const lt_model *replay_model(void *ctx)
{
	return ctx;
}

int lt_cmd_view(int argc, char **argv)
{
	struct lt_opts o;
	struct lt_ui_source src = {.model = replay_model, .pidfd = -1};
	struct lt_ui_opts uo = {0};
	struct lt_end end;
	lt_model *m = NULL;
	lt_err err = {0};
	char why[128];
	int rc;

	if (lt_opts_parse(LT_OPTS_VIEW, argc, argv, &o, &err) < 0)
		return lt_cmd_fail(err.code, "%s", err.msg);
	if (o.help) {
		fputs(view_usage, stdout);
		return LT_EXIT_OK;
	}
	if (lt_store_load(argv[o.arg], &m, &err) == 0 && o.wrappers[0]) {
		/* --wrapper adds to the wrappers the session was recorded with. */
		struct lt_meta *mt = lt_model_meta(m);
		char all[1024];

		snprintf(all, sizeof(all), "%s%s%s", mt->wrappers ? mt->wrappers : "",
			 mt->wrappers ? "," : "", o.wrappers);
		lt_model_set_str(m, &mt->wrappers, all);
	}
	if (!m)
		return lt_cmd_fail(err.code, "%s", err.msg);
	if (o.dump) {
		rc = dump(m, &o, 0, NULL);
		lt_model_free(m);
		return rc;
	}
	if (!lt_term_usable(why, sizeof(why))) {
		lt_model_free(m);
		return lt_cmd_fail(LT_EXIT_USAGE,
				   "view needs a terminal: %s; run it as `ssh -t HOST leaktop view FILE`, or print the text report: `leaktop report FILE`",
				   why);
	}
	src.ctx = m;
	uo.iterations = o.iterations;
	rc = lt_ui_run(&uo, &src, &end, &err);
	lt_model_free(m);
	if (rc < 0)
		return lt_cmd_fail(err.code, "%s", err.msg);
	return LT_EXIT_OK;
}

/* --- live ---------------------------------------------------------------- */

static const lt_model *live_model(void *ctx)
{
	return lt_session_model(ctx);
}

static double live_deadline(void *ctx)
{
	return lt_session_next_deadline(ctx);
}

static int live_data_fd(void *ctx)
{
	return lt_session_data_fd(ctx);
}

static void live_pump(void *ctx)
{
	lt_session_pump(ctx);
}

static int live_tick(void *ctx, struct lt_end *end)
{
	return lt_driver_tick(ctx, end);
}

static void live_scan(void *ctx)
{
	lt_session_scan(ctx);
}

/* Takes --iterations ticks (default 2) at their deadlines, then prints
 * the screen; a stop signal or the session's own end cuts it short. */
static int live_dump(lt_session *s, const struct lt_opts *o,
		     struct lt_end *end)
{
	lt_driver_run(s, o->iterations ? (unsigned)o->iterations : 2, NULL, end);
	if (end->kind == LT_END_ERROR)
		return lt_end_status(end);
	return dump(lt_session_model(s), o, 1, lt_session_output(s));
}

/* The UI could not start after all (a TERM curses does not know): the
 * session is closed and its file removed, since nothing was shown or
 * recorded worth keeping. */
static int no_ui(lt_session *s, const struct lt_opts *o, const lt_err *why)
{
	static const char *const side[] = {"", "-wal", "-shm", "-journal"};
	char *output = lt_xstrdup(lt_session_output(s)), path[4200];
	struct lt_end end;

	lt_end_set(&end, LT_END_TERMINAL);
	lt_session_close(s, &end, NULL);
	for (size_t i = 0; i < sizeof(side) / sizeof(side[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", output, side[i]);
		unlink(path);
	}
	free(output);
	return lt_cmd_fail(why->code ? why->code : LT_EXIT_USAGE,
			   "%s; run it as `ssh -t HOST leaktop %d`, or record without one: `leaktop record -p %d -o FILE`",
			   why->msg, (int)o->session.pid, (int)o->session.pid);
}

int lt_cmd_live(int argc, char **argv)
{
	struct lt_opts o;
	struct lt_ui_source src = {.model = live_model, .deadline = live_deadline,
				   .tick = live_tick, .scan = live_scan,
				   .data_fd = live_data_fd, .pump = live_pump};
	struct lt_ui_opts uo = {0};
	struct lt_end end;
	char output[64], why[128];
	lt_session *s;
	lt_err err = {0};
	int status = LT_EXIT_OK, rc;

	if (lt_opts_parse(LT_OPTS_LIVE, argc, argv, &o, &err) < 0)
		return lt_cmd_fail(err.code, "%s", err.msg);
	if (o.help) {
		fputs(live_usage, stdout);
		return LT_EXIT_OK;
	}
	/* Said before anything is attached or created: without a terminal
	 * the session would end at once, leaving an empty file. */
	if (!o.dump && !lt_term_usable(why, sizeof(why)))
		return lt_cmd_fail(LT_EXIT_USAGE,
				   "the live view needs a terminal: %s; run it as `ssh -t HOST leaktop %d`, or record without one: `leaktop record -p %d -o FILE`",
				   why, (int)o.session.pid, (int)o.session.pid);
	if (!o.session.output) {
		lt_cmd_default_output(o.session.pid, output, sizeof(output));
		o.session.output = output;
	}
	/* Loading the agent stops a thread of the target: a Ctrl-C then
	 * must wait until it runs again. */
	lt_stop_setup();
	s = lt_session_open(&o.session, &err);
	if (!s)
		return lt_cmd_fail(err.code, "%s", err.msg);
	if (o.dump) {
		status = live_dump(s, &o, &end);
	} else {
		src.ctx = s;
		src.pidfd = lt_session_pidfd(s);
		uo.output = lt_session_output(s);
		uo.iterations = o.iterations;
		if (lt_ui_run(&uo, &src, &end, &err) < 0)
			return no_ui(s, &o, &err);
		return lt_cmd_finish_ui(s, "session", &end);
	}
	rc = lt_cmd_finish(s, "session", &end);
	return status != LT_EXIT_OK ? status : rc;
}
