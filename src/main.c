/* leaktop: find memory, thread and descriptor leaks in a running process.
 * This file only dispatches to the commands in src/cli/. */
#include <stdio.h>
#include <string.h>

#include "lt_cmd.h"
#include "lt_err.h"
#include "lt_ui.h"

static const char usage[] =
	"usage: leaktop COMMAND [OPTIONS]\n"
	"\n"
	"Find memory, thread and file-descriptor leaks in a running process.\n"
	"\n"
	"Commands:\n"
	"  PID, -p PID             attach and explore live (recorded to a file too)\n"
	"  record -p PID -o FILE   sample a running process into a session file\n"
	"  run [-o FILE] -- CMD    start CMD with the heap agent preloaded, record it\n"
	"  check -p PID -d DUR     record, print the verdicts, exit 1 if something\n"
	"  check [-d DUR] -- CMD   grows (a gate for tests and CI)\n"
	"  report FILE [--json]    print what grew during a recorded session\n"
	"  export FILE --format F  pprof, folded stacks, speedscope or CSV\n"
	"  view FILE               explore a recorded session, with a time cursor\n"
	"  demo                    start the bundled leaking demo and explore it live\n"
	"\n"
	"Options:\n"
	"  -h, --help              show this help (COMMAND --help for a command's)\n"
	"  -V, --version           show the version\n"
	"\n"
	"Exit status: 0 ok (also when the target exits or a signal ends a\n"
	"recording), 1 runtime error, 2 usage error, 3 target unusable (no such\n"
	"process, kernel thread, zombie, permission denied), 4 session file\n"
	"problem (exists, symlink, not writable, missing, corrupt, newer).\n"
	"leaktop run exits with CMD's status instead (128+N when a signal N\n"
	"killed it, 127 when it cannot be run).  leaktop check exits 1 when\n"
	"something grows, 5 on a runtime error (see leaktop check --help).\n"
	"\n"
	"See leaktop(1) for details.\n";

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd) {
		fputs(usage, stderr);
		return LT_EXIT_USAGE;
	}
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		fputs(usage, stdout);
		return LT_EXIT_OK;
	}
	if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
		printf("leaktop %s\n", LT_VERSION);
		return LT_EXIT_OK;
	}
	if (!strcmp(cmd, "record"))
		return lt_cmd_record(argc - 1, argv + 1);
	if (!strcmp(cmd, "run"))
		return lt_cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "check"))
		return lt_cmd_check(argc - 1, argv + 1);
	if (!strcmp(cmd, "report"))
		return lt_cmd_report(argc - 1, argv + 1);
	if (!strcmp(cmd, "export"))
		return lt_cmd_export(argc - 1, argv + 1);
	if (!strcmp(cmd, "demo"))
		return lt_cmd_demo(argc - 1, argv + 1);
	if (!strcmp(cmd, "view"))
		return lt_cmd_view(argc - 1, argv + 1);
	if (strspn(cmd, "0123456789") == strlen(cmd))
		return lt_cmd_live(argc - 1, argv + 1);
	/* leaktop -p PID, as htop and perf take it: the live view. */
	if (!strcmp(cmd, "-p") || !strcmp(cmd, "--pid")) {
		if (argc < 3)
			return lt_cmd_fail(LT_EXIT_USAGE, "option '%s' needs a PID", cmd);
		return lt_cmd_live(argc - 2, argv + 2);
	}
	if (!strncmp(cmd, "--pid=", 6) || (!strncmp(cmd, "-p", 2) && cmd[2])) {
		argv[1] += cmd[1] == '-' ? 6 : 2;
		return lt_cmd_live(argc - 1, argv + 1);
	}
	return lt_cmd_fail(LT_EXIT_USAGE,
			   "unknown command '%s' (see leaktop --help)", cmd);
}
