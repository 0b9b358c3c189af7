/* leaktop export FILE --format pprof|folded|speedscope|csv|sqlite */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "lt_clock.h"
#include "lt_cmd.h"
#include "lt_export.h"
#include "lt_report.h"
#include "lt_srccap.h"
#include "lt_store.h"

static const char usage[] =
	"usage: leaktop export FILE --format FORMAT [options]\n"
	"\n"
	"Write a recorded session (or one still being recorded: committed ticks\n"
	"only) in a format other tools read.\n"
	"\n"
	"Formats:\n"
	"  pprof        gzipped profile.proto for go tool pprof, Pyroscope, Parca:\n"
	"               sample types inuse_space (default), inuse_objects,\n"
	"               alloc_space, alloc_objects, unreachable_space,\n"
	"               unreachable_objects; or --type threads, goroutines\n"
	"  folded       one line per stack, frames root first separated by ';',\n"
	"               the value last (flamegraph.pl, inferno, speedscope)\n"
	"  speedscope   speedscope's JSON file format\n"
	"  csv          a timeline: --series memory (default), threads, fds, sites\n"
	"  sqlite       the session itself as one consistent file to take away\n"
	"               (also while it is being recorded: every tick committed\n"
	"               before the export; no -wal or -shm needed), which view,\n"
	"               report and export read anywhere: it keeps the source\n"
	"               lines of its stacks and says what it was copied from;\n"
	"               --from/--to keep only that part\n"
	"\n"
	"Options:\n"
	"  -o, --output OUT     write to OUT (default, or '-': standard output;\n"
	"                       pprof is not written to a terminal)\n"
	"  -f, --force          replace an existing OUT\n"
	"  --type heap|threads|goroutines  heap call sites (default), thread\n"
	"                       groups, or a Go program's goroutine groups\n"
	"  --sample-type TYPE   pprof's default and the value of folded and\n"
	"                       speedscope: inuse_space (default), inuse_objects,\n"
	"                       alloc_space, alloc_objects, unreachable_space\n"
	"                       (blocks reachability scans proved lost),\n"
	"                       unreachable_objects\n"
	"  --at WHEN            the state at WHEN (default: the end)\n"
	"  --from WHEN --to WHEN  the change between two moments (negative values\n"
	"                       where something shrank), like pprof -diff_base\n"
	"  --series NAME        csv: memory, threads, fds or sites; --from/--to\n"
	"                       limit its rows to a range\n"
	"  --no-sources         sqlite: leave out the source lines (privacy)\n"
	"  -h, --help           show this help\n"
	"\n"
	"WHEN is seconds from the session's start (90, 90s, 5m, 1h30m) or a time\n"
	"(2026-11-23T04:47:56Z, with an optional +02:00 offset, or @EPOCH).\n"
	"\n"
	"Exit status: 0 done, 2 bad option or moment, 4 session file missing,\n"
	"corrupt, without data of the type, or OUT exists.\n";

enum { O_TYPE = 256, O_SAMPLE, O_AT, O_FROM, O_TO, O_SERIES, O_NO_SOURCES };

struct args {
	const char *file, *format, *out, *type, *sample, *at, *from, *to, *series;
	int force, no_sources;
};

static int parse(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'F'}, {"output", required_argument, NULL, 'o'},
		{"force", no_argument, NULL, 'f'},         {"type", required_argument, NULL, O_TYPE},
		{"sample-type", required_argument, NULL, O_SAMPLE},
		{"at", required_argument, NULL, O_AT},     {"from", required_argument, NULL, O_FROM},
		{"to", required_argument, NULL, O_TO},     {"series", required_argument, NULL, O_SERIES},
		{"no-sources", no_argument, NULL, O_NO_SOURCES},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "F:o:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'F': a->format = optarg; break;
		case 'o': a->out = optarg; break;
		case 'f': a->force = 1; break;
		case O_TYPE: a->type = optarg; break;
		case O_SAMPLE: a->sample = optarg; break;
		case O_AT: a->at = optarg; break;
		case O_FROM: a->from = optarg; break;
		case O_TO: a->to = optarg; break;
		case O_SERIES: a->series = optarg; break;
		case O_NO_SOURCES: a->no_sources = 1; break;
		case 'h': fputs(usage, stdout); return 1;
		default:
			lt_cmd_fail(LT_EXIT_USAGE, "export: bad option '%s' (see leaktop export --help)",
				    argv[optind - 1]);
			return -1;
		}
	}
	if (optind != argc - 1) {
		lt_cmd_fail(LT_EXIT_USAGE, "export: expected one session FILE (see leaktop export --help)");
		return -1;
	}
	a->file = argv[optind];
	return 0;
}

static int check(const struct args *a, struct lt_export_opts *o)
{
	if (!a->format)
		return lt_cmd_fail(LT_EXIT_USAGE, "export: --format is required: pprof, folded, speedscope, "
				   "csv or sqlite");
	if (strcmp(a->format, "pprof") && strcmp(a->format, "folded") &&
	    strcmp(a->format, "speedscope") && strcmp(a->format, "csv") && strcmp(a->format, "sqlite"))
		return lt_cmd_fail(LT_EXIT_USAGE, "export: --format '%s' is none of pprof, folded, speedscope, "
				   "csv, sqlite", a->format);
	if (a->no_sources && strcmp(a->format, "sqlite"))
		return lt_cmd_fail(LT_EXIT_USAGE, "export: --no-sources is for --format sqlite");
	if (!strcmp(a->format, "sqlite")) {
		if (a->at || a->type || a->sample || a->series)
			return lt_cmd_fail(LT_EXIT_USAGE, "export: %s is not for sqlite, a copy of the "
					   "session (--from/--to keep a part of it)",
					   a->at ? "--at" : a->type ? "--type" :
					   a->sample ? "--sample-type" : "--series");
		if (!a->out || !strcmp(a->out, "-"))
			return lt_cmd_fail(LT_EXIT_USAGE, "export: sqlite is a file: use -o OUT");
	}
	if (a->type && strcmp(a->type, "heap") && strcmp(a->type, "threads") &&
	    strcmp(a->type, "goroutines"))
		return lt_cmd_fail(LT_EXIT_USAGE, "export: --type '%s' is none of heap, threads, goroutines",
				   a->type);
	o->type = !a->type || !strcmp(a->type, "heap") ? LT_EXPORT_HEAP :
		  !strcmp(a->type, "threads") ? LT_EXPORT_THREADS : LT_EXPORT_GOROUTINES;
	o->sample = LT_SAMPLE_INUSE_SPACE;
	if (a->sample) {
		int s = lt_export_sample_parse(a->sample);

		if (s < 0)
			return lt_cmd_fail(LT_EXIT_USAGE, "export: --sample-type '%s' is none of inuse_space, "
					   "inuse_objects, alloc_space, alloc_objects, unreachable_space, "
					   "unreachable_objects", a->sample);
		o->sample = (enum lt_export_sample)s;
	}
	if (a->at && (a->from || a->to))
		return lt_cmd_fail(LT_EXIT_USAGE, "export: --at goes with neither --from nor --to");
	if (!!a->from != !!a->to)
		return lt_cmd_fail(LT_EXIT_USAGE, "export: --from and --to go together");
	if (a->series && strcmp(a->format, "csv"))
		return lt_cmd_fail(LT_EXIT_USAGE, "export: --series is for --format csv");
	/* Options that would be ignored are refused: the user meant something. */
	if (!strcmp(a->format, "csv") && (a->at || a->type || a->sample))
		return lt_cmd_fail(LT_EXIT_USAGE, "export: %s is not for csv, a timeline (--series picks it, "
				   "--from/--to limit it)", a->at ? "--at" : a->type ? "--type" : "--sample-type");
	if (a->sample && o->type != LT_EXPORT_HEAP)
		return lt_cmd_fail(LT_EXIT_USAGE, "export: --sample-type is for heap exports; %s are counted",
				   o->type == LT_EXPORT_THREADS ? "threads" : "goroutines");
	return 0;
}

static int write_all(const lt_model *m, const struct args *a,
		     const struct lt_export_opts *o, FILE *f, lt_err *err)
{
	if (!strcmp(a->format, "pprof"))
		return lt_export_pprof(m, o, f, err);
	if (!strcmp(a->format, "folded"))
		return lt_export_folded(m, o, f, err);
	if (!strcmp(a->format, "speedscope"))
		return lt_export_speedscope(m, o, f, err);
	return lt_export_csv(m, a->series ? a->series : "memory", o, f, err);
}

/* The temporary file being written (and SQLite's journal of it), removed
 * if a signal ends the export (unlink is async-signal-safe). */
static const char *volatile tmp_path;
static const char *volatile tmp_journal;

static void on_signal(int sig)
{
	if (tmp_path)
		unlink(tmp_path);
	if (tmp_journal)
		unlink(tmp_journal);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Sets fn for the signals that end an export, leaving ignored ones
 * ignored (a background job's SIGINT). */
static void catch_signals(void (*fn)(int))
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (signal(sigs[i], fn) == SIG_IGN)
			signal(sigs[i], SIG_IGN);
}

/* OUT may be created, or replaced with --force: only a regular file is
 * ever replaced.  Renaming over a symlink, a device or a FIFO would
 * replace that node itself (-o /dev/null --force as root would remove
 * /dev/null), and -o /dev/stdout means standard output. */
static int check_out(const struct args *a)
{
	struct stat sb;
	const char *what;

	if (lstat(a->out, &sb) < 0)
		return errno == ENOENT ? 0 :
			lt_cmd_fail(LT_EXIT_FILE, "export: cannot create %s: %s", a->out, strerror(errno));
	if (!S_ISREG(sb.st_mode)) {
		what = S_ISLNK(sb.st_mode) ? "a symbolic link" : S_ISDIR(sb.st_mode) ? "a directory" :
		       S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode) ? "a device" :
		       S_ISFIFO(sb.st_mode) ? "a FIFO" : "a socket";
		return lt_cmd_fail(LT_EXIT_FILE, "export: %s exists and is %s, not a regular file; "
				   "nothing written%s", a->out, what,
				   S_ISLNK(sb.st_mode) || S_ISCHR(sb.st_mode) ?
				   " (for standard output, leave out -o or use -o -)" : "");
	}
	if (!a->force)
		return lt_cmd_fail(LT_EXIT_FILE, "export: %s exists (use --force to replace it)", a->out);
	return 0;
}

/* A copy must not replace the session it copies (a recorder may still be
 * writing it), and SQLite files left beside OUT would be read with it (a
 * hot OUT-journal is rolled back into the new file): they go with
 * --force, like OUT itself, and only when they are regular files. */
static int check_sqlite_out(const struct args *a)
{
	static const char *const sides[] = {"-wal", "-shm", "-journal"};
	struct stat in, out;
	size_t n = strlen(a->out) + 16;
	char *side = lt_xmalloc(n);
	int rc = 0;

	/* Nor its -wal or -shm, which a recorder is writing. */
	for (size_t i = 0; stat(a->out, &out) == 0 && i <= sizeof(sides) / sizeof(sides[0]); i++) {
		size_t m = strlen(a->file) + 16;
		char *f = lt_xmalloc(m);

		snprintf(f, m, "%s%s", a->file, i ? sides[i - 1] : "");
		rc = stat(f, &in) == 0 && in.st_dev == out.st_dev && in.st_ino == out.st_ino;
		free(f);
		if (rc) {
			free(side);
			return lt_cmd_fail(LT_EXIT_FILE, "export: %s is the session being copied%s",
					   a->out, i ? " (one of its files)" : "");
		}
	}
	for (size_t i = 0; rc == 0 && i < sizeof(sides) / sizeof(sides[0]); i++) {
		snprintf(side, n, "%s%s", a->out, sides[i]);
		if (lstat(side, &out) < 0)
			continue;
		if (!S_ISREG(out.st_mode))
			rc = lt_cmd_fail(LT_EXIT_FILE, "export: %s exists and is not a regular file", side);
		else if (!a->force)
			rc = lt_cmd_fail(LT_EXIT_FILE, "export: %s exists (use --force to replace it)", side);
		else if (unlink(side) < 0 && errno != ENOENT)
			rc = lt_cmd_fail(LT_EXIT_FILE, "export: cannot remove %s: %s", side, strerror(errno));
	}
	free(side);
	return rc;
}

/* "PATH on HOST" of the session being copied. */
static char *copy_of(const char *file)
{
	char *abs = realpath(file, NULL), *s;
	struct utsname u;
	size_t n;

	if (uname(&u) < 0)
		snprintf(u.nodename, sizeof(u.nodename), "?");
	n = strlen(abs ? abs : file) + strlen(u.nodename) + 8;
	s = lt_xmalloc(n);
	snprintf(s, n, "%s on %s", abs ? abs : file, u.nodename);
	free(abs);
	return s;
}

/* The session as one file in tmp (lt_store_copy), with the source lines
 * of its frames that it does not keep yet, read here from the files its
 * frames name, unless --no-sources. */
static int write_sqlite(lt_model *m, const struct args *a, const struct lt_export_opts *o,
			const char *tmp, lt_err *err)
{
	struct lt_store_copy_opts c = {0};
	char range[96];
	int rc;

	if (!a->no_sources) {
		struct lt_srccap cap;

		lt_srccap_init(&cap, m, 0);
		lt_srccap_scan(&cap, m, 0);
		lt_srccap_free(&cap);
		c.m = m;
	}
	if (a->from) {
		c.trim = 1;
		c.from = o->from < o->to ? o->from : o->to;
		c.to = o->from < o->to ? o->to : o->from;
		snprintf(range, sizeof(range), "t=%.1fs to t=%.1fs", lt_model_tick(m, c.from)->t,
			 lt_model_tick(m, c.to)->t);
		c.range = range;
	}
	c.no_sources = a->no_sources;
	c.copy_of = copy_of(a->file);
	c.copy_ns = lt_clock_wall_ns();
	rc = lt_store_copy(a->file, tmp, &c, err);
	free((char *)c.copy_of);
	return rc;
}

/* Writes to a temporary file next to OUT and renames it: a failed or
 * interrupted export leaves nothing, not a truncated file. */
static int to_file(lt_model *m, const struct args *a,
		   const struct lt_export_opts *o, lt_err *err)
{
	size_t n = strlen(a->out) + 32;
	int sqlite = !strcmp(a->format, "sqlite");
	char *tmp, *journal;
	FILE *f = NULL;
	int fd, rc;

	if ((rc = check_out(a)) || (sqlite && (rc = check_sqlite_out(a))))
		return rc;
	tmp = lt_xmalloc(n);
	journal = lt_xmalloc(n + 8);
	snprintf(tmp, n, "%s.tmp%d", a->out, (int)getpid());
	snprintf(journal, n + 8, "%s-journal", tmp);
	tmp_path = tmp;
	tmp_journal = journal;
	catch_signals(on_signal);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd >= 0 && sqlite) {
		/* lt_store_copy fills the empty file through SQLite. */
		close(fd);
		rc = write_sqlite(m, a, o, tmp, err);
		unlink(journal);
		goto written;
	}
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		rc = lt_cmd_fail(LT_EXIT_FILE, "export: cannot create %s: %s", a->out, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		goto out;
	}
	rc = write_all(m, a, o, f, err);
	if (fclose(f) && rc == 0) {
		lt_err_set(err, LT_EXIT_ERROR, "cannot write %s: %s", a->out, strerror(errno));
		rc = -1;
	}
written:
	if (rc == 0 && rename(tmp, a->out)) {
		lt_err_set(err, LT_EXIT_FILE, "cannot write %s: %s", a->out, strerror(errno));
		rc = -1;
	}
	if (rc < 0)
		unlink(tmp);
	rc = rc < 0 ? lt_cmd_fail(err->code, "export: %s", err->msg) : LT_EXIT_OK;
out:
	catch_signals(SIG_DFL);
	tmp_path = NULL;
	tmp_journal = NULL;
	free(tmp);
	free(journal);
	return rc;
}

int lt_cmd_export(int argc, char **argv)
{
	struct args a = {0};
	struct lt_export_opts o = {0};
	lt_model *m = NULL;
	lt_err err = {0, ""};
	int rc = parse(argc, argv, &a);

	if (rc)
		return rc > 0 ? LT_EXIT_OK : LT_EXIT_USAGE;
	if ((rc = check(&a, &o)))
		return rc;
	if (lt_store_load(a.file, &m, &err) < 0)
		return lt_cmd_fail(err.code, "%s", err.msg);
	if (!lt_model_tick_count(m)) {
		char why[256];

		lt_report_no_data(m, why, sizeof(why));
		lt_model_free(m);
		return lt_cmd_fail(LT_EXIT_FILE, "export: %s has no ticks: it %s", a.file, why);
	}
	o.to = lt_model_tick_count(m) - 1;
	if ((a.at && lt_export_moment(m, a.at, "--at", &o.to, &err)) ||
	    (a.from && (lt_export_moment(m, a.from, "--from", &o.from, &err) ||
			lt_export_moment(m, a.to, "--to", &o.to, &err)))) {
		lt_model_free(m);
		return lt_cmd_fail(err.code, "export: %s", err.msg);
	}
	o.delta = a.from != NULL;
	if (!a.out || !strcmp(a.out, "-")) {
		if (!strcmp(a.format, "pprof") && isatty(STDOUT_FILENO)) {
			lt_model_free(m);
			return lt_cmd_fail(LT_EXIT_USAGE, "export: pprof is binary: use -o FILE or a pipe");
		}
		rc = write_all(m, &a, &o, stdout, &err) < 0 ?
			lt_cmd_fail(err.code, "export: %s", err.msg) : LT_EXIT_OK;
	} else {
		rc = to_file(m, &a, &o, &err);
	}
	lt_model_free(m);
	return rc;
}
