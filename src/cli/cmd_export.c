/* leaktop export FILE --format pprof|folded|speedscope|csv */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lt_cmd.h"
#include "lt_export.h"
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
	"  -h, --help           show this help\n"
	"\n"
	"WHEN is seconds from the session's start (90, 90s, 5m, 1h30m) or a time\n"
	"(2026-11-23T04:47:56Z, with an optional +02:00 offset, or @EPOCH).\n"
	"\n"
	"Exit status: 0 done, 2 bad option or moment, 4 session file missing,\n"
	"corrupt, without data of the type, or OUT exists.\n";

enum { O_TYPE = 256, O_SAMPLE, O_AT, O_FROM, O_TO, O_SERIES };

struct args {
	const char *file, *format, *out, *type, *sample, *at, *from, *to, *series;
	int force;
};

static int parse(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'F'}, {"output", required_argument, NULL, 'o'},
		{"force", no_argument, NULL, 'f'},         {"type", required_argument, NULL, O_TYPE},
		{"sample-type", required_argument, NULL, O_SAMPLE},
		{"at", required_argument, NULL, O_AT},     {"from", required_argument, NULL, O_FROM},
		{"to", required_argument, NULL, O_TO},     {"series", required_argument, NULL, O_SERIES},
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
		return lt_cmd_fail(LT_EXIT_USAGE, "export: --format is required: pprof, folded, speedscope or csv");
	if (strcmp(a->format, "pprof") && strcmp(a->format, "folded") &&
	    strcmp(a->format, "speedscope") && strcmp(a->format, "csv"))
		return lt_cmd_fail(LT_EXIT_USAGE, "export: --format '%s' is none of pprof, folded, speedscope, csv",
				   a->format);
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

/* The temporary file being written, removed if a signal ends the export
 * (unlink is async-signal-safe). */
static const char *volatile tmp_path;

static void on_signal(int sig)
{
	if (tmp_path)
		unlink(tmp_path);
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

	if (lstat(a->out, &sb) < 0)
		return errno == ENOENT ? 0 :
			lt_cmd_fail(LT_EXIT_FILE, "export: cannot create %s: %s", a->out, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return lt_cmd_fail(LT_EXIT_FILE, "export: %s exists and is not a regular file%s", a->out,
				   S_ISLNK(sb.st_mode) || S_ISCHR(sb.st_mode) ?
				   " (for standard output, leave out -o or use -o -)" : "");
	if (!a->force)
		return lt_cmd_fail(LT_EXIT_FILE, "export: %s exists (use --force to replace it)", a->out);
	return 0;
}

/* Writes to a temporary file next to OUT and renames it: a failed or
 * interrupted export leaves nothing, not a truncated file. */
static int to_file(const lt_model *m, const struct args *a,
		   const struct lt_export_opts *o, lt_err *err)
{
	size_t n = strlen(a->out) + 32;
	char *tmp;
	FILE *f;
	int fd, rc;

	if ((rc = check_out(a)))
		return rc;
	tmp = lt_xmalloc(n);
	snprintf(tmp, n, "%s.tmp%d", a->out, (int)getpid());
	tmp_path = tmp;
	catch_signals(on_signal);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
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
	free(tmp);
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
		lt_model_free(m);
		return lt_cmd_fail(LT_EXIT_FILE, "export: %s has no ticks", a.file);
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
