/* leaktop report FILE */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "lt_cmd.h"
#include "lt_report.h"
#include "lt_store.h"

static const char usage[] =
	"usage: leaktop report FILE\n"
	"\n"
	"Print what grew during a recorded session: the target, the sources that\n"
	"were available, each series' start, end, change, rate and trend, and\n"
	"verdict lines such as \"memory growth is file cache ..., anonymous memory\n"
	"is flat: not a heap leak\".  Works on a session still being recorded\n"
	"(committed ticks only).\n"
	"\n"
	"Options:\n"
	"  -h, --help   show this help\n";

int lt_cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	lt_model *m = NULL;
	lt_err err = {0};
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return LT_EXIT_OK;
		}
		return lt_cmd_fail(LT_EXIT_USAGE, "report: unknown option '%s' (see leaktop report --help)",
				   argv[optind - 1]);
	}
	if (optind != argc - 1)
		return lt_cmd_fail(LT_EXIT_USAGE, "report: expected one session FILE (see leaktop report --help)");
	if (lt_store_load(argv[optind], &m, &err) < 0)
		return lt_cmd_fail(err.code, "%s", err.msg);
	rc = lt_report_write(m, stdout, &err);
	lt_model_free(m);
	if (rc < 0)
		return lt_cmd_fail(err.code, "%s", err.msg);
	return LT_EXIT_OK;
}
