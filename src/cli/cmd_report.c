/* leaktop report FILE */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_cmd.h"
#include "lt_report.h"
#include "lt_report_json.h"
#include "lt_store.h"

static const char usage[] =
	"usage: leaktop report FILE [--json] [OPTIONS]\n"
	"\n"
	"Print what grew during a recorded session: the target, the sources that\n"
	"were available, each series' start, end, change, rate and trend, and\n"
	"verdict lines such as \"memory growth is file cache ..., anonymous memory\n"
	"is flat: not a heap leak\".  Works on a session still being recorded\n"
	"(committed ticks only).\n"
	"\n"
	"Heap call sites are listed one row per leak: by default by \"your code\",\n"
	"the first frame in the program itself that is not an allocation wrapper\n"
	"(xmalloc, g_malloc, operator new, sqlite3Malloc, ... or one detected).\n"
	"\n"
	"Options:\n"
	"  --view V       heap rows by 'yours' (default), 'function' (cumulative,\n"
	"                 like pprof top -cum) or 'site' (one per call stack)\n"
	"  --wrapper NAME a function of yours that only wraps malloc: rows name\n"
	"                 its callers (repeatable, up to 16)\n"
	"  --json         the whole report as one JSON document: metadata,\n"
	"                 sources, series, every heap row, descriptor site,\n"
	"                 thread and goroutine group with its stack, verdicts\n"
	"                 (keys in doc/json.md; stable)\n"
	"  -h, --help     show this help\n";

int lt_cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"view", required_argument, NULL, 'v'},
		{"wrapper", required_argument, NULL, 'w'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	static const char *const views[] = {"yours", "function", "site"};
	const char *wrappers[16];
	struct lt_diag_opts dopt = {.view = LT_DIAG_YOURS, .wrappers = wrappers};
	lt_model *m = NULL;
	lt_err err = {0};
	char why[256];
	int c, rc, json = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			return LT_EXIT_OK;
		case 'v': {
			size_t i;

			for (i = 0; i < 3 && strcmp(optarg, views[i]); i++)
				;
			if (i == 3)
				return lt_cmd_fail(LT_EXIT_USAGE, "report: --view takes yours, function or site, not '%s'",
						   optarg);
			dopt.view = (enum lt_diag_view)i;
			continue;
		}
		case 'j':
			json = 1;
			continue;
		case 'w':
			if (dopt.nwrappers == sizeof(wrappers) / sizeof(wrappers[0]))
				return lt_cmd_fail(LT_EXIT_USAGE, "report: at most 16 --wrapper functions");
			if (!*optarg)
				return lt_cmd_fail(LT_EXIT_USAGE, "report: --wrapper needs a function name");
			wrappers[dopt.nwrappers++] = optarg;
			continue;
		case '?':
			if (optopt)
				return lt_cmd_fail(LT_EXIT_USAGE, "report: option '%s' needs a value (see leaktop report --help)",
						   argv[optind - 1]);
			break;
		}
		return lt_cmd_fail(LT_EXIT_USAGE, "report: unknown option '%s' (see leaktop report --help)",
				   argv[optind - 1]);
	}
	if (optind != argc - 1)
		return lt_cmd_fail(LT_EXIT_USAGE, "report: expected one session FILE (see leaktop report --help)");
	if (lt_store_load(argv[optind], &m, &err) < 0)
		return lt_cmd_fail(err.code, "%s", err.msg);
	/* Not a report of "unknown" fields: say the file holds nothing. */
	if (lt_report_no_data(m, why, sizeof(why))) {
		lt_model_free(m);
		return lt_cmd_fail(LT_EXIT_FILE, "report: %s %s", argv[optind], why);
	}
	rc = json ? lt_report_json_write(m, &dopt, stdout, &err)
		  : lt_report_write_with(m, &dopt, stdout, &err);
	lt_model_free(m);
	if (rc < 0)
		return lt_cmd_fail(err.code, "%s", err.msg);
	return LT_EXIT_OK;
}
