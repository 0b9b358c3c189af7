/* The one parser of the options commands share: the session options of
 * record, run and live (`leaktop PID`), and the display options of live
 * and view.  An option means the same and has the same limits in every
 * command that takes it; each command takes only its own (the others are
 * "unknown option", as a typo is). */
#ifndef LT_OPTS_H
#define LT_OPTS_H

#include "lt_err.h"
#include "lt_session.h"

enum lt_opts_cmd {
	LT_OPTS_RECORD,  /* record -p PID -o FILE [OPTIONS] */
	LT_OPTS_RUN,     /* run [OPTIONS] -- CMD [ARGS...] */
	LT_OPTS_LIVE,    /* PID [OPTIONS]: argv[0] is the pid */
	LT_OPTS_VIEW,    /* view FILE [OPTIONS] */
	LT_OPTS_CHECK,   /* check -p PID --duration D [OPTIONS], or
			    check [OPTIONS] -- CMD [ARGS...] */
};

/* At most this many --ignore functions. */
#define LT_OPTS_MAX_IGNORE 32

struct lt_opts {
	/* record, run, live: what the session is opened with.  output is
	 * NULL when not given (run and live choose a name); argc and argv
	 * are the command's, kept as the session's metadata. */
	struct lt_session_opts session;
	int help;          /* -h/--help: print the command's help, exit 0 */
	/* live and view */
	int dump;          /* --dump: print the screen as text */
	const char *keys;  /* --keys, or NULL */
	int cols, rows;    /* --size (default 100x30) */
	int iterations;    /* --iterations, 1 to 1000000; 0 when not given */
	/* --wrapper NAME... as the comma-separated list the session keeps */
	char wrappers[512];
	/* check: --max-growth (bytes/s) and --max-count-growth (per
	 * second), 0 when not given; the --ignore functions. */
	double max_growth, max_count_growth;
	const char *ignore[LT_OPTS_MAX_IGNORE];
	size_t nignore;
	/* run, check: index in argv of CMD; view: of FILE; otherwise argc. */
	int arg;
};

/* Parses the options of cmd; argv[0] is the command's name (for live, the
 * pid).  Fills *o with the values given and the defaults for the rest
 * (interval 1s, threads interval 5s).  Stops at -h/--help with o->help
 * set.  Limits: --duration more than 0; --interval 10ms to 1h;
 * --threads-interval 10ms to 1d; --sample-rate 1 byte to 1GiB (units K,
 * KB, KiB, M, G, any case); --max-depth 1 to LT_AGENT_MAX_DEPTH; a pid 1
 * to 2^30 - 1; --max-growth BYTES/DUR (1MiB/min, 512K/s, 0) and
 * --max-count-growth N/DUR (10/min).  check takes -p PID with --duration
 * and no CMD, or CMD without -p.  Returns 0, or -1 with err (LT_EXIT_USAGE and the message
 * to print after "leaktop: ") on a bad, unknown or missing option or
 * argument; *o is then partly filled.  Uses getopt_long: not reentrant. */
int lt_opts_parse(enum lt_opts_cmd cmd, int argc, char **argv,
		  struct lt_opts *o, lt_err *err);

#endif
