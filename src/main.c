/* leaktop: find memory, thread and descriptor leaks in a running process. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lt_agent_proto.h"
#include "lt_cmd.h"
#include "lt_err.h"
#include "lt_ui.h"

static const char usage[] =
	"usage: leaktop COMMAND [OPTIONS]\n"
	"\n"
	"Find memory, thread and file-descriptor leaks in a running process.\n"
	"\n"
	"Commands:\n"
	"  PID                     attach and explore live (recorded to a file too)\n"
	"  record -p PID -o FILE   sample a running process into a session file\n"
	"  run [-o FILE] -- CMD    start CMD with the heap agent preloaded, record it\n"
	"  report FILE             print what grew during a recorded session\n"
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
	"killed it, 127 when it cannot be run).\n"
	"\n"
	"See leaktop(1) for details.\n";

int lt_cmd_parse_pid(const char *s, pid_t *pid)
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

int lt_cmd_parse_rate(const char *s, uint64_t *bytes)
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

	if (strspn(s, "0123456789") == 0)
		return lt_cmd_fail(LT_EXIT_USAGE, "invalid sample rate '%s': expected bytes, e.g. 512K, 64KiB, 1", s);
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
	return lt_cmd_fail(LT_EXIT_USAGE, "invalid sample rate '%s': expected 1 byte to 1GiB, e.g. 512K, 64KiB, 1", s);
}

int lt_cmd_parse_depth(const char *s, unsigned *depth)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > LT_AGENT_MAX_DEPTH)
		return lt_cmd_fail(LT_EXIT_USAGE, "invalid max depth '%s': must be 1 to %d frames",
				   s, LT_AGENT_MAX_DEPTH);
	*depth = (unsigned)v;
	return 0;
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
	return lt_cmd_fail(LT_EXIT_USAGE,
			   "unknown command '%s' (see leaktop --help)", cmd);
}
