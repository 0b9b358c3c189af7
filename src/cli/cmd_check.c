/* leaktop check: a gate for test suites and CI, like valgrind's
 * --error-exitcode and goleak.  It records as `record` (-p PID) or `run`
 * (-- CMD) do, loads the finished file as `report` does, and judges the
 * verdicts (lt_gate.h): exit 0 when nothing grows, 1 when something does,
 * 2 and up when it cannot tell. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lt_cmd.h"
#include "lt_fmt.h"
#include "lt_gate.h"
#include "lt_opts.h"
#include "lt_report.h"
#include "lt_store.h"
#include "lt_verdict.h"

#define MAX_VERDICTS 32

static const char usage[] =
	"usage: leaktop check -p PID --duration DUR [OPTIONS]\n"
	"       leaktop check [--duration DUR] [OPTIONS] -- CMD [ARGS...]\n"
	"\n"
	"Record a process as `leaktop record` (-p) or `leaktop run` (CMD) do,\n"
	"print the verdicts, and exit 0 when nothing grows, 1 when something\n"
	"does: a heap row, the process's memory, threads or goroutines,\n"
	"descriptors, mappings.  Growth of the cgroup as a whole or of page\n"
	"cache is shown but does not count.  CMD runs until it exits, or until\n"
	"DUR when given (then SIGTERM, and SIGKILL 5s later); a CMD that exits\n"
	"first is judged on what was recorded, and leaktop says so.\n"
	"\n"
	"Options:\n"
	"  -p, --pid PID          process to attach to (needs --duration)\n"
	"  -d, --duration DUR     how long to record\n"
	"  -o, --output FILE      keep the session in FILE (default: a temporary\n"
	"                         file, removed unless something grows; then its\n"
	"                         name is printed for `leaktop report`)\n"
	"      --max-growth RATE  heap rows and memory growing at most RATE pass:\n"
	"                         bytes per period, e.g. 1MiB/min, 64K/s (default 0:\n"
	"                         any growth the statistics call growing fails)\n"
	"      --max-count-growth RATE  the same for threads, goroutines,\n"
	"                         descriptors and mappings: 10/min, 1/s\n"
	"      --ignore FUNC      a finding whose stack has a frame in function FUNC\n"
	"                         (or an fnmatch pattern: 'std::*') passes\n"
	"                         (repeatable; heap rows, thread and goroutine\n"
	"                         groups, descriptor sites)\n"
	"  -i, --interval DUR     time between ticks (default 1s, 10ms to 1h)\n"
	"  -f, --force            replace FILE if it exists (never a symlink)\n"
	"  -T, --threads-interval DUR  time between thread samples (default 5s)\n"
	"      --no-threads       never stop the target's threads\n"
	"      --sample-rate BYTES  heap: one sample per BYTES allocated, on average\n"
	"                         (default 512K; 1 = every allocation)\n"
	"      --max-depth N      heap: frames per allocating stack (default 64)\n"
	"      --no-heap          do not load the heap agent\n"
	"      --no-free-flow     heap: sample allocations only, not frees\n"
	"      --wrapper NAME     a function of yours that only wraps malloc\n"
	"                         (repeatable)\n"
	"  -h, --help             show this help\n"
	"\n"
	"Each warning is printed with how it was judged: [fail], [ignored: FUNC],\n"
	"[below the threshold], [counted in another line], [cgroup or page\n"
	"cache, not counted].  Judging needs at least 3 ticks: record longer or\n"
	"use a shorter --interval.\n"
	"\n"
	"Exit status: 0 nothing grows; 1 something grows; 2 usage error; 3 target\n"
	"unusable, or CMD exited before the recording started; 4 session file\n"
	"problem; 5 runtime error, or too few ticks to judge; 6 CMD failed by\n"
	"itself (non-zero exit, or a signal leaktop did not send) and nothing\n"
	"grows; 126/127 CMD cannot be executed/found.\n";

/* The temporary session file: leaktop-check.db in a fresh directory. */
static int temp_output(char *dir, size_t dlen, char *file, size_t flen)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, dlen, "%s/leaktop-check-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return lt_cmd_fail(LT_EXIT_CHECK_ERROR, "check: cannot create a temporary directory in %s: %s",
				   tmp && *tmp ? tmp : "/tmp", strerror(errno));
	snprintf(file, flen, "%s/leaktop-check.db", dir);
	return 0;
}

/* Removes the temporary session (SQLite's side files too) and its
 * directory. */
static void remove_temp(const char *dir, const char *file)
{
	static const char *const ext[] = {"", "-wal", "-shm", "-journal"};
	char path[4200];

	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", file, ext[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* Records as the options say; returns the recording's status (check's
 * codes: a runtime failure is LT_EXIT_CHECK_ERROR) and whether CMD failed
 * by itself. */
static int record(struct lt_opts *o, char **argv, int *cmd_failed)
{
	const char *name = o->session.pid ? "the target" : argv[o->arg];
	enum lt_end_kind how = LT_END_NONE;
	struct lt_run_result r;
	char dur[32];
	int status;

	*cmd_failed = 0;
	if (o->session.pid) {
		status = lt_cmd_record_session(o, &how);
	} else {
		status = lt_cmd_run_cmd(o, argv + o->arg, 1, &r);
		if (!r.cmd_ran)
			return status;
		how = r.early ? LT_END_TARGET_EXITED : LT_END_NONE;
		*cmd_failed = r.cmd_status != 0 && !r.stopped;
	}
	if (status == LT_EXIT_ERROR)
		status = LT_EXIT_CHECK_ERROR;
	if (status == LT_EXIT_OK && how == LT_END_TARGET_EXITED && o->session.duration > 0)
		fprintf(stderr, "leaktop: check: %s exited before the %s duration: judging what was recorded\n",
			name, lt_fmt_duration(o->session.duration, dur, sizeof(dur)));
	return status;
}

/* Judges the verdicts of the session in file and prints them; returns
 * check's status. */
static int judge(const char *file, const struct lt_opts *o)
{
	struct lt_gate_opts g = {.max_bytes_rate = o->max_growth,
				 .max_count_rate = o->max_count_growth,
				 .ignore = o->ignore, .nignore = o->nignore};
	struct lt_verdict v[MAX_VERDICTS];
	char notes[MAX_VERDICTS][128];
	const char *np[MAX_VERDICTS];
	size_t n, fails = 0, ticks;
	lt_model *m = NULL;
	lt_err err = {0};
	int short_ = 0;

	if (lt_store_load(file, &m, &err) < 0)
		return lt_cmd_fail(err.code == LT_EXIT_ERROR ? LT_EXIT_CHECK_ERROR : err.code,
				   "%s", err.msg);
	n = lt_verdict_compute(m, v, MAX_VERDICTS);
	ticks = lt_model_tick_count(m);
	for (size_t i = 0; i < n; i++) {
		const char *matched = "";
		enum lt_gate_why why = lt_gate_judge(m, &v[i], &g, &matched);

		fails += why == LT_GATE_FAIL;
		short_ |= why == LT_GATE_SHORT;
		if (why == LT_GATE_IGNORED)
			snprintf(notes[i], sizeof(notes[i]), "ignored: %s", matched);
		else if (why == LT_GATE_INFO || why == LT_GATE_SHORT)
			notes[i][0] = '\0';
		else
			snprintf(notes[i], sizeof(notes[i]), "%s", lt_gate_why_name(why));
		np[i] = notes[i];
	}
	lt_model_free(m);
	if (lt_report_verdicts(v, n, np, stdout, &err) < 0)
		return lt_cmd_fail(LT_EXIT_CHECK_ERROR, "%s", err.msg);
	if (short_) {
		printf("\ncheck: cannot judge: %zu ticks are too few\n", ticks);
		return lt_cmd_fail(LT_EXIT_CHECK_ERROR, "check: the session is too short to judge growth (%zu ticks): record longer (--duration) or use a shorter --interval",
				   ticks);
	}
	if (fails)
		printf("\ncheck: FAIL: %zu finding%s grow%s (%zu ticks)\n", fails,
		       fails == 1 ? "" : "s", fails == 1 ? "s" : "", ticks);
	else
		printf("\ncheck: ok: nothing grows (%zu ticks)\n", ticks);
	if (fflush(stdout) != 0)
		return lt_cmd_fail(LT_EXIT_CHECK_ERROR, "check: cannot write: %s", strerror(errno));
	return fails ? 1 : LT_EXIT_OK;
}

int lt_cmd_check(int argc, char **argv)
{
	struct lt_opts o;
	char dir[4096] = "", file[4200];
	lt_err err = {0};
	int status, cmd_failed;

	if (lt_opts_parse(LT_OPTS_CHECK, argc, argv, &o, &err) < 0)
		return lt_cmd_fail(err.code, "%s", err.msg);
	if (o.help) {
		fputs(usage, stdout);
		return LT_EXIT_OK;
	}
	if (!o.session.output) {
		if ((status = temp_output(dir, sizeof(dir), file, sizeof(file))) != 0)
			return status;
		o.session.output = file;
	} else {
		snprintf(file, sizeof(file), "%s", o.session.output);
	}
	status = record(&o, argv, &cmd_failed);
	if (status == LT_EXIT_OK)
		status = judge(file, &o);
	if (status == LT_EXIT_OK && cmd_failed) {
		lt_cmd_fail(LT_EXIT_CHECK_CMD, "check: %s failed by itself; nothing grows",
			    argv[o.arg]);
		status = LT_EXIT_CHECK_CMD;
	}
	if (status == 1)
		fprintf(stderr, "leaktop: check: something grows; the session is in %s (leaktop report %s)\n",
			file, file);
	if (dir[0] && status != 1)
		remove_temp(dir, file);
	return status;
}
