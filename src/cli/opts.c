/* The shared option parser (lt_opts.h) and the one way commands print an
 * error.  Options are a table: each says which commands take it, so the
 * getopt tables of every command come from the same rows and a limit is
 * written once. */
#include "lt_opts.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lt_agent_proto.h"
#include "lt_cmd.h"
#include "lt_duration.h"
#include "lt_httpget.h"

enum {
	C_RECORD = 1 << LT_OPTS_RECORD,
	C_RUN = 1 << LT_OPTS_RUN,
	C_LIVE = 1 << LT_OPTS_LIVE,
	C_VIEW = 1 << LT_OPTS_VIEW,
	C_CHECK = 1 << LT_OPTS_CHECK,
	C_SESSION = C_RECORD | C_RUN | C_LIVE | C_CHECK,
	C_SCREEN = C_LIVE | C_VIEW,
};

/* Options without a short form have keys above any character. */
enum { O_NO_THREADS = 256, O_RATE, O_DEPTH, O_NO_HEAP, O_DUMP, O_KEYS,
       O_SIZE, O_ITER, O_NO_FREE_FLOW, O_WRAPPER, O_PPROF,
       O_NO_SOURCES, O_MAX_GROWTH, O_MAX_COUNT_GROWTH, O_IGNORE,
       O_SCAN_INTERVAL, O_SCAN_AT_END };

static const struct opt_row {
	const char *name;
	int has_arg;
	int key;        /* the short option's character, or an O_ value */
	unsigned cmds;  /* C_ bits of the commands that take it */
} rows[] = {
	/* run takes -p only to say that it does not go with run. */
	{"pid", required_argument, 'p', C_RECORD | C_RUN | C_CHECK},
	{"output", required_argument, 'o', C_SESSION},
	{"duration", required_argument, 'd', C_RECORD | C_RUN | C_CHECK},
	{"interval", required_argument, 'i', C_SESSION},
	{"force", no_argument, 'f', C_SESSION},
	{"threads-interval", required_argument, 'T', C_SESSION},
	{"no-threads", no_argument, O_NO_THREADS, C_SESSION},
	{"sample-rate", required_argument, O_RATE, C_SESSION},
	{"max-depth", required_argument, O_DEPTH, C_SESSION},
	{"no-heap", no_argument, O_NO_HEAP, C_SESSION},
	{"no-free-flow", no_argument, O_NO_FREE_FLOW, C_SESSION},
	{"no-sources", no_argument, O_NO_SOURCES, C_SESSION},
	{"wrapper", required_argument, O_WRAPPER, C_SESSION | C_VIEW},
	{"pprof", required_argument, O_PPROF, C_SESSION},
	{"scan-interval", required_argument, O_SCAN_INTERVAL, C_SESSION},
	{"scan-at-end", no_argument, O_SCAN_AT_END, C_RECORD | C_RUN},
	{"dump", no_argument, O_DUMP, C_SCREEN},
	{"keys", required_argument, O_KEYS, C_SCREEN},
	{"size", required_argument, O_SIZE, C_SCREEN},
	{"iterations", required_argument, O_ITER, C_SCREEN},
	{"max-growth", required_argument, O_MAX_GROWTH, C_CHECK},
	{"max-count-growth", required_argument, O_MAX_COUNT_GROWTH, C_CHECK},
	{"ignore", required_argument, O_IGNORE, C_CHECK},
	{"help", no_argument, 'h', C_RECORD | C_RUN | C_LIVE | C_VIEW | C_CHECK},
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* How each command names itself in messages: a prefix for its errors and
 * the name in "see leaktop NAME --help". */
static const struct {
	const char *prefix, *name;
} cmd_names[] = {
	[LT_OPTS_RECORD] = {"record: ", "record"},
	[LT_OPTS_RUN] = {"run: ", "run"},
	[LT_OPTS_LIVE] = {"", "PID"},
	[LT_OPTS_VIEW] = {"view: ", "view"},
	[LT_OPTS_CHECK] = {"check: ", "check"},
};

static int parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || v <= 0 || v > 0x3fffffff)
		return -1;
	*pid = (pid_t)v;
	return 0;
}

static int parse_rate(const char *s, uint64_t *bytes, lt_err *err)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = {
		{"", 1}, {"b", 1}, {"k", 1024}, {"kb", 1024}, {"kib", 1024},
		{"m", 1 << 20}, {"mb", 1 << 20}, {"mib", 1 << 20},
		{"g", 1 << 30}, {"gb", 1 << 30}, {"gib", 1 << 30},
	};
	char *end;
	unsigned long long v;

	if (strspn(s, "0123456789") == 0) {
		lt_err_set(err, LT_EXIT_USAGE, "invalid sample rate '%s': expected bytes, e.g. 512K, 64KiB, 1", s);
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(end, units[i].suffix))
			continue;
		if (errno || v == 0 || v > (1ULL << 30) / units[i].mult)
			break;
		*bytes = v * units[i].mult;
		return 0;
	}
	lt_err_set(err, LT_EXIT_USAGE, "invalid sample rate '%s': expected 1 byte to 1GiB, e.g. 512K, 64KiB, 1", s);
	return -1;
}

/* A growth rate, "AMOUNT/DUR" (1MiB/min, 512K/s, 10/5m) or 0, into *out
 * per second; bytes says whether AMOUNT takes byte units. */
static int parse_growth(const char *s, int bytes, double *out, lt_err *err)
{
	static const struct {
		const char *suffix;
		double mult;
	} units[] = {
		{"", 1}, {"b", 1}, {"k", 1024}, {"kb", 1024}, {"kib", 1024},
		{"m", 1 << 20}, {"mb", 1 << 20}, {"mib", 1 << 20},
		{"g", 1 << 30}, {"gb", 1 << 30}, {"gib", 1 << 30},
	};
	const char *slash = strchr(s, '/');
	char unit[8], per[64];
	double v, secs = 1;
	char *end;
	size_t ul;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !isfinite(v) || v < 0 || (!slash && v != 0))
		goto bad;
	if (!slash && !*end) {
		*out = 0;
		return 0;
	}
	ul = (size_t)((slash ? slash : end + strlen(end)) - end);
	if (ul >= sizeof(unit) || (!bytes && ul))
		goto bad;
	memcpy(unit, end, ul);
	unit[ul] = '\0';
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(unit, units[i].suffix))
			continue;
		if (!slash) {   /* "0MiB": nothing may grow */
			*out = 0;
			return 0;
		}
		/* "/min" reads as "/1min". */
		snprintf(per, sizeof(per), "%s%s",
			 slash[1] >= '0' && slash[1] <= '9' ? "" : "1", slash + 1);
		if (lt_duration_parse(per, "max growth period", &secs, NULL) < 0 ||
		    secs <= 0)
			goto bad;
		*out = v * units[i].mult / secs;
		return 0;
	}
bad:
	lt_err_set(err, LT_EXIT_USAGE, "invalid %s '%s': expected %s per period, e.g. %s, or 0",
		   bytes ? "max growth" : "max count growth", s,
		   bytes ? "bytes" : "a count", bytes ? "1MiB/min, 512K/s" : "10/min, 1/s");
	return -1;
}

/* A whole decimal number from lo to hi into *out. */
static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* A duration from lo to hi seconds (what names it in messages; the
 * limits' text is said as users type them). */
static int parse_span(const char *s, const char *what, double lo, double hi,
		      const char *limits, double *out, lt_err *err)
{
	double v;

	if (lt_duration_parse(s, what, &v, err) < 0)
		return -1;
	if (v < lo || v > hi) {
		lt_err_set(err, LT_EXIT_USAGE, "invalid %s '%s': must be %s", what, s, limits);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_size(const char *s, struct lt_opts *o, lt_err *err)
{
	int c, r;
	char tail;

	if (sscanf(s, "%dx%d%c", &c, &r, &tail) != 2 || c < 1 || r < 1 ||
	    c > 1000 || r > 1000) {
		lt_err_set(err, LT_EXIT_USAGE, "invalid size '%s': expected COLSxROWS, e.g. 100x30", s);
		return -1;
	}
	o->cols = c;
	o->rows = r;
	return 0;
}

/* One option's value into o. */
static int take(enum lt_opts_cmd cmd, int key, const char *arg,
		struct lt_opts *o, lt_err *err)
{
	struct lt_session_opts *so = &o->session;
	long v;

	switch (key) {
	case 'p':
		if (cmd == LT_OPTS_RUN) {
			lt_err_set(err, LT_EXIT_USAGE, "run: --pid does not go with run: it starts its own process");
			return -1;
		}
		if (parse_pid(arg, &so->pid) < 0) {
			lt_err_set(err, LT_EXIT_USAGE, "invalid pid '%s'", arg);
			return -1;
		}
		return 0;
	case 'o':
		so->output = arg;
		return 0;
	case 'd':
		return parse_span(arg, "duration", 1e-9, INFINITY, "more than 0", &so->duration, err);
	case 'i':
		return parse_span(arg, "interval", 0.01, 3600, "between 10ms and 1h", &so->interval, err);
	case 'T':
		return parse_span(arg, "threads interval", 0.01, 86400, "between 10ms and 1d",
				  &so->threads_interval, err);
	case 'f':
		so->force = 1;
		return 0;
	case O_NO_THREADS:
		so->no_threads = 1;
		return 0;
	case O_NO_HEAP:
		so->no_heap = 1;
		return 0;
	case O_NO_FREE_FLOW:
		so->no_free_flow = 1;
		return 0;
	case O_PPROF: {
		struct lt_url u;

		if (lt_httpget_parse(arg, &u, err) < 0)
			return -1;
		so->pprof = arg;
		return 0;
	}
	case O_NO_SOURCES:
		so->no_sources = 1;
		return 0;
	case O_SCAN_INTERVAL:
		return parse_span(arg, "scan interval", 0, 86400, "between 0 (off) and 1d",
				  &so->scan_interval, err);
	case O_SCAN_AT_END:
		so->scan_at_end = 1;
		return 0;
	case O_WRAPPER: {
		size_t have = strlen(o->wrappers), n = strlen(arg);

		if (!n || strpbrk(arg, ", \t\n")) {
			lt_err_set(err, LT_EXIT_USAGE, "invalid --wrapper '%s': one function name", arg);
			return -1;
		}
		if (have + n + 2 > sizeof(o->wrappers)) {
			lt_err_set(err, LT_EXIT_USAGE, "too many --wrapper names");
			return -1;
		}
		if (have)
			o->wrappers[have++] = ',';
		memcpy(o->wrappers + have, arg, n + 1);
		so->wrappers = o->wrappers;
		return 0;
	}
	case O_RATE:
		return parse_rate(arg, &so->sample_rate, err);
	case O_MAX_GROWTH:
		return parse_growth(arg, 1, &o->max_growth, err);
	case O_MAX_COUNT_GROWTH:
		return parse_growth(arg, 0, &o->max_count_growth, err);
	case O_IGNORE:
		if (!*arg) {
			lt_err_set(err, LT_EXIT_USAGE, "check: --ignore needs a function name");
			return -1;
		}
		if (o->nignore == LT_OPTS_MAX_IGNORE) {
			lt_err_set(err, LT_EXIT_USAGE, "check: at most %d --ignore functions",
				   LT_OPTS_MAX_IGNORE);
			return -1;
		}
		o->ignore[o->nignore++] = arg;
		return 0;
	case O_DEPTH:
		if (parse_long(arg, 1, LT_AGENT_MAX_DEPTH, &v) < 0) {
			lt_err_set(err, LT_EXIT_USAGE, "invalid max depth '%s': must be 1 to %d frames",
				   arg, LT_AGENT_MAX_DEPTH);
			return -1;
		}
		so->max_depth = (unsigned)v;
		return 0;
	case O_DUMP:
		o->dump = 1;
		return 0;
	case O_KEYS:
		o->keys = arg;
		return 0;
	case O_SIZE:
		return parse_size(arg, o, err);
	case O_ITER:
		if (parse_long(arg, 1, 1000000, &v) < 0) {
			lt_err_set(err, LT_EXIT_USAGE, "invalid number of iterations '%s'", arg);
			return -1;
		}
		o->iterations = (int)v;
		return 0;
	}
	return 0;
}

/* What must follow the options, and what the command requires. */
static int check_args(enum lt_opts_cmd cmd, int argc, char **argv,
		      struct lt_opts *o, lt_err *err)
{
	const char *p = cmd_names[cmd].prefix;

	o->arg = optind;
	switch (cmd) {
	case LT_OPTS_RUN:
		if (optind >= argc) {
			lt_err_set(err, LT_EXIT_USAGE, "run: no command given (leaktop run [OPTIONS] -- CMD [ARGS...])");
			return -1;
		}
		return 0;
	case LT_OPTS_VIEW:
		if (optind != argc - 1) {
			lt_err_set(err, LT_EXIT_USAGE, "view: expected one session FILE (see leaktop view --help)");
			return -1;
		}
		return 0;
	case LT_OPTS_CHECK:
		if (o->session.pid && optind < argc) {
			lt_err_set(err, LT_EXIT_USAGE, "check: -p PID and a command do not go together (see leaktop check --help)");
			return -1;
		}
		if (!o->session.pid && optind >= argc) {
			lt_err_set(err, LT_EXIT_USAGE, "check: give -p PID --duration DUR, or -- CMD [ARGS...] (see leaktop check --help)");
			return -1;
		}
		/* An attached check must end by itself for a pipeline to go
		 * on; a command's ends when it exits. */
		if (o->session.pid && !(o->session.duration > 0)) {
			lt_err_set(err, LT_EXIT_USAGE, "check: -p PID needs --duration DUR");
			return -1;
		}
		return 0;
	case LT_OPTS_RECORD:
	case LT_OPTS_LIVE:
		break;
	}
	if (optind < argc) {
		lt_err_set(err, LT_EXIT_USAGE, "%sunexpected argument '%s'", p, argv[optind]);
		return -1;
	}
	if (cmd == LT_OPTS_RECORD && !o->session.pid) {
		lt_err_set(err, LT_EXIT_USAGE, "record: -p PID is required (see leaktop record --help)");
		return -1;
	}
	if (cmd == LT_OPTS_RECORD && !o->session.output) {
		lt_err_set(err, LT_EXIT_USAGE, "record: -o FILE is required (see leaktop record --help)");
		return -1;
	}
	return 0;
}

int lt_opts_parse(enum lt_opts_cmd cmd, int argc, char **argv,
		  struct lt_opts *o, lt_err *err)
{
	struct option longs[NROWS + 1];
	char shorts[2 * NROWS + 3];
	size_t nl = 0, ns = 0;
	unsigned bit = 1u << cmd;
	int c;

	*o = (struct lt_opts){.cols = 100, .rows = 30, .arg = argc};
	o->session = (struct lt_session_opts){.interval = 1.0, .threads_interval = 5.0,
					      .scan_interval = 30.0,
					      .argc = argc, .argv = argv};
	if (cmd == LT_OPTS_LIVE && (argc < 1 || parse_pid(argv[0], &o->session.pid) < 0)) {
		lt_err_set(err, LT_EXIT_USAGE, "invalid pid '%s'", argc > 0 ? argv[0] : "");
		return -1;
	}
	/* view alone takes its FILE anywhere; the others stop at the first
	 * argument, which for run is CMD and must keep its own options. */
	if (cmd != LT_OPTS_VIEW)
		shorts[ns++] = '+';
	shorts[ns++] = ':';
	for (size_t i = 0; i < NROWS; i++) {
		if (!(rows[i].cmds & bit))
			continue;
		longs[nl++] = (struct option){rows[i].name, rows[i].has_arg, NULL, rows[i].key};
		if (rows[i].key < 256 && cmd != LT_OPTS_VIEW) {
			shorts[ns++] = (char)rows[i].key;
			if (rows[i].has_arg)
				shorts[ns++] = ':';
		}
	}
	if (cmd == LT_OPTS_VIEW)
		shorts[ns++] = 'h';
	shorts[ns] = '\0';
	longs[nl] = (struct option){NULL, 0, NULL, 0};
	/* 0, not 1: glibc then forgets the state of an earlier parse (a
	 * half-read cluster of short options, another optstring). */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (c == 'h') {
			o->help = 1;
			return 0;
		}
		if (c == ':') {
			lt_err_set(err, LT_EXIT_USAGE, "%soption '%s' needs a value",
				   cmd_names[cmd].prefix, argv[optind - 1]);
			return -1;
		}
		if (c == '?') {
			lt_err_set(err, LT_EXIT_USAGE, "%sunknown option '%s' (see leaktop %s --help)",
				   cmd_names[cmd].prefix, argv[optind - 1], cmd_names[cmd].name);
			return -1;
		}
		if (take(cmd, c, optarg, o, err) < 0)
			return -1;
	}
	return check_args(cmd, argc, argv, o, err);
}

int lt_cmd_fail(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("leaktop: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}
