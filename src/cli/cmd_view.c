/* leaktop view FILE and leaktop PID: the interactive explorer, over a
 * recorded session or a live one.
 *
 * Both share the UI loop of ui/tui.c; the live one drives an lt_session
 * from it, so what is explored is also recorded.  --dump renders the
 * screen as text without a terminal: the scripted mode tests use. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lt_cmd.h"
#include "lt_duration.h"
#include "lt_session.h"
#include "lt_store.h"
#include "lt_ui.h"
#include "lt_view.h"

static const char view_usage[] =
	"usage: leaktop view FILE [OPTIONS]\n"
	"\n"
	"Explore a recorded session with the same screens as the live view, with\n"
	"a time cursor: [ and ] move it, b marks a baseline, < and > move the\n"
	"baseline, ? lists every key.  Works on a session still being recorded.\n"
	"\n"
	"Options:\n"
	"      --dump             print the screen as text instead of opening the\n"
	"                         terminal UI (a scripted mode for tests)\n"
	"      --keys KEYS        with --dump: keys to press first; \\n Enter,\n"
	"                         \\t Tab, \\e Esc, \\b Backspace, \\u \\d \\l \\r arrows\n"
	"      --size COLSxROWS   with --dump: the screen size (default 100x30)\n"
	"      --iterations N     draw N frames, then exit\n"
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
	"      --dump             take --iterations ticks (default 2), print the\n"
	"                         screen as text and exit (no terminal needed)\n"
	"      --keys KEYS        with --dump: keys to press first (see view --help)\n"
	"      --size COLSxROWS   with --dump: the screen size (default 100x30)\n"
	"      --iterations N     draw N frames (with --dump: take N ticks), then\n"
	"                         finish the session and exit\n"
	"  -h, --help             show this help\n";

struct view_opts {
	int dump, iterations, cols, rows;
	const char *keys;
};

enum { OPT_DUMP = 256, OPT_KEYS, OPT_SIZE, OPT_ITER, OPT_NO_THREADS,
       OPT_RATE, OPT_DEPTH, OPT_NO_HEAP };

static int parse_size(const char *s, struct view_opts *o)
{
	int c, r;
	char tail;

	if (sscanf(s, "%dx%d%c", &c, &r, &tail) != 2 || c < 1 || r < 1 ||
	    c > 1000 || r > 1000)
		return lt_cmd_fail(LT_EXIT_USAGE, "invalid size '%s': expected COLSxROWS, e.g. 100x30", s);
	o->cols = c;
	o->rows = r;
	return 0;
}

static int parse_count(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 1000000)
		return lt_cmd_fail(LT_EXIT_USAGE, "invalid number of iterations '%s'", s);
	*out = (int)v;
	return 0;
}

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
	default: k = (unsigned char)s[1]; break;
	}
	return k;
}

/* Renders the view of m after the scripted keys and prints it. */
static int dump(const lt_model *m, const struct view_opts *o, int live,
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

/* Options shared by view and live; returns 1 if c was one of them, or an
 * exit status (> 1) on a bad value. */
static int common_opt(int c, struct view_opts *o)
{
	int rc;

	switch (c) {
	case OPT_DUMP:
		o->dump = 1;
		return 1;
	case OPT_KEYS:
		o->keys = optarg;
		return 1;
	case OPT_SIZE:
		rc = parse_size(optarg, o);
		return rc ? rc : 1;
	case OPT_ITER:
		rc = parse_count(optarg, &o->iterations);
		return rc ? rc : 1;
	}
	return 0;
}

static const lt_model *replay_model(void *ctx)
{
	return ctx;
}

int lt_cmd_view(int argc, char **argv)
{
	static const struct option opts[] = {
		{"dump", no_argument, NULL, OPT_DUMP},
		{"keys", required_argument, NULL, OPT_KEYS},
		{"size", required_argument, NULL, OPT_SIZE},
		{"iterations", required_argument, NULL, OPT_ITER},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct view_opts o = {.cols = 100, .rows = 30};
	struct lt_ui_source src = {.model = replay_model, .pidfd = -1};
	struct lt_ui_opts uo = {0};
	lt_model *m = NULL;
	lt_err err = {0};
	char reason[600];
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(view_usage, stdout);
			return LT_EXIT_OK;
		}
		rc = common_opt(c, &o);
		if (rc > 1)
			return rc;
		if (rc == 0)
			return lt_cmd_fail(LT_EXIT_USAGE, c == ':' ?
					   "view: option '%s' needs a value" :
					   "view: unknown option '%s' (see leaktop view --help)",
					   argv[optind - 1]);
	}
	if (optind != argc - 1)
		return lt_cmd_fail(LT_EXIT_USAGE, "view: expected one session FILE (see leaktop view --help)");
	if (lt_store_load(argv[optind], &m, &err) < 0)
		return lt_cmd_fail(err.code, "%s", err.msg);
	if (o.dump) {
		rc = dump(m, &o, 0, NULL);
		lt_model_free(m);
		return rc;
	}
	src.ctx = m;
	uo.iterations = o.iterations;
	rc = lt_ui_run(&uo, &src, reason, sizeof(reason), &err);
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

static int live_tick(void *ctx, lt_err *err)
{
	return lt_session_tick(ctx, err);
}

static int parse_live(int argc, char **argv, struct lt_session_opts *so,
		      struct view_opts *o)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"force", no_argument, NULL, 'f'},
		{"interval", required_argument, NULL, 'i'},
		{"threads-interval", required_argument, NULL, 'T'},
		{"no-threads", no_argument, NULL, OPT_NO_THREADS},
		{"sample-rate", required_argument, NULL, OPT_RATE},
		{"max-depth", required_argument, NULL, OPT_DEPTH},
		{"no-heap", no_argument, NULL, OPT_NO_HEAP},
		{"dump", no_argument, NULL, OPT_DUMP},
		{"keys", required_argument, NULL, OPT_KEYS},
		{"size", required_argument, NULL, OPT_SIZE},
		{"iterations", required_argument, NULL, OPT_ITER},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	lt_err err = {0};
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+o:fi:T:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': so->output = optarg; continue;
		case 'f': so->force = 1; continue;
		case OPT_NO_THREADS: so->no_threads = 1; continue;
		case OPT_NO_HEAP: so->no_heap = 1; continue;
		case OPT_RATE:
			if (lt_cmd_parse_rate(optarg, &so->sample_rate))
				return LT_EXIT_USAGE;
			continue;
		case OPT_DEPTH:
			if (lt_cmd_parse_depth(optarg, &so->max_depth))
				return LT_EXIT_USAGE;
			continue;
		case 'h': fputs(live_usage, stdout); return -1;
		case 'i':
			if (lt_duration_parse(optarg, "interval", &so->interval, &err) < 0)
				return lt_cmd_fail(err.code, "%s", err.msg);
			if (so->interval < 0.01 || so->interval > 3600)
				return lt_cmd_fail(LT_EXIT_USAGE, "invalid interval '%s': must be between 10ms and 1h", optarg);
			continue;
		case 'T':
			if (lt_duration_parse(optarg, "threads interval", &so->threads_interval, &err) < 0)
				return lt_cmd_fail(err.code, "%s", err.msg);
			if (so->threads_interval < 0.01)
				return lt_cmd_fail(LT_EXIT_USAGE, "invalid threads interval '%s': must be at least 10ms", optarg);
			continue;
		}
		rc = common_opt(c, o);
		if (rc > 1)
			return rc;
		if (rc == 0)
			return lt_cmd_fail(LT_EXIT_USAGE, c == ':' ? "option '%s' needs a value" :
					   "unknown option '%s' (see leaktop PID --help)", argv[optind - 1]);
	}
	if (optind < argc)
		return lt_cmd_fail(LT_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	return 0;
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

/* Takes n ticks at their deadlines, then prints the screen. */
static int live_dump(lt_session *s, const struct view_opts *o, char *reason,
		     size_t len)
{
	int n = o->iterations ? o->iterations : 2;
	lt_err err = {0};

	for (int k = 0; k < n; k++) {
		struct timespec now, ts;
		double left;
		int rc;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = lt_session_next_deadline(s) - ((double)now.tv_sec + (double)now.tv_nsec / 1e9);
		if (left > 0) {
			ts.tv_sec = (time_t)left;
			ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
			nanosleep(&ts, NULL);
		}
		rc = lt_session_tick(s, &err);
		if (rc < 0) {
			snprintf(reason, len, "error: %s", err.msg);
			return lt_cmd_fail(err.code ? err.code : LT_EXIT_ERROR, "%s", err.msg);
		}
		if (rc > 0) {
			snprintf(reason, len, "%s", lt_session_end_reason(s) ? lt_session_end_reason(s) : "target exited");
			break;
		}
	}
	if (!strcmp(reason, "quit"))
		snprintf(reason, len, "iterations");
	return dump(lt_session_model(s), o, 1, lt_session_output(s));
}

int lt_cmd_live(int argc, char **argv)
{
	struct lt_session_opts so = {.interval = 1.0, .threads_interval = 5.0,
				     .argc = argc, .argv = argv};
	struct view_opts o = {.cols = 100, .rows = 30};
	struct lt_ui_source src = {.model = live_model, .deadline = live_deadline,
				   .tick = live_tick};
	struct lt_ui_opts uo = {0};
	char output[64], reason[600] = "quit";
	lt_session *s;
	lt_err err = {0};
	sigset_t stops;
	int rc, status = LT_EXIT_OK;

	if (lt_cmd_parse_pid(argv[0], &so.pid) < 0)
		return lt_cmd_fail(LT_EXIT_USAGE, "invalid pid '%s'", argv[0]);
	rc = parse_live(argc, argv, &so, &o);
	if (rc != 0)
		return rc < 0 ? LT_EXIT_OK : rc;
	if (!so.output) {
		lt_cmd_default_output(so.pid, output, sizeof(output));
		so.output = output;
	}
	/* Loading the agent stops a thread of the target: a Ctrl-C then
	 * must wait until it runs again (the UI takes the signal later). */
	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGHUP);
	sigprocmask(SIG_BLOCK, &stops, NULL);
	s = lt_session_open(&so, &err);
	if (!s)
		return lt_cmd_fail(err.code, "%s", err.msg);
	if (o.dump) {
		status = live_dump(s, &o, reason, sizeof(reason));
	} else {
		src.ctx = s;
		src.pidfd = lt_session_pidfd(s);
		uo.output = lt_session_output(s);
		uo.iterations = o.iterations;
		if (lt_ui_run(&uo, &src, reason, sizeof(reason), &err) < 0) {
			snprintf(reason, sizeof(reason), "error: %s", err.msg);
			status = lt_cmd_fail(err.code, "%s", err.msg);
		}
	}
	fprintf(stderr, "leaktop: session ended (%s): %zu ticks in %s\n", reason,
		lt_session_ticks(s), lt_session_output(s));
	if (lt_session_close(s, reason, &err) < 0)
		status = lt_cmd_fail(err.code ? err.code : LT_EXIT_ERROR, "%s", err.msg);
	return status;
}
