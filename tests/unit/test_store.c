/* The session file: round trip, change-only storage, refusals on create
 * and load, readers beside a writer, and sessions whose writer died.
 *
 * Every file lives in one mkdtemp directory removed at the end.  The test
 * opens the database itself (sqlite3) only to look at what the store wrote
 * and to play a second writer or a damaged file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lt_store.h"
#include "test_util.h"

#define NOBODY 65534

static char dir[64];
static char **names;  /* every tmp() path, freed by teardown */
static size_t nnames;

/* dir/name; valid until the end of the run. */
static const char *tmp(const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	names = realloc(names, (nnames + 1) * sizeof(*names));
	assert_non_null(names);
	names[nnames++] = p;
	return p;
}

static int rm_one(const char *p, const struct stat *sb, int type,
		  struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return type == FTW_DP ? rmdir(p) : unlink(p);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/lt_store.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

static off_t size_of(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0 ? sb.st_size : -1;
}

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* Tick i of the standard series:
 *   rss_anon   1000 * (i / 3)        changes every third tick
 *   fds        7                      never changes
 *   threads    absent at 0, 3 at 1-2, absent at 3, 4 at 4, 5 from 5 on
 *   pss        never measured */
static struct lt_sample sample(int i)
{
	struct lt_sample s;

	memset(&s, 0, sizeof(s));
	s.t = 0.5 * i;
	s.wall_ns = INT64_C(1700000000000000000) + (int64_t)i * 500000000;
	lt_sample_set(&s, LT_M_RSS_ANON, 1000 * (i / 3));
	lt_sample_set(&s, LT_M_FDS, 7);
	if (i == 1 || i == 2)
		lt_sample_set(&s, LT_M_THREADS, 3);
	else if (i == 4)
		lt_sample_set(&s, LT_M_THREADS, 4);
	else if (i >= 5)
		lt_sample_set(&s, LT_M_THREADS, 5);
	return s;
}

static lt_model *meta_model(void)
{
	lt_model *m = lt_model_new();
	struct lt_meta *mt = lt_model_meta(m);

	mt->pid = 4242;
	lt_model_set_str(m, &mt->cmdline, "/usr/bin/demo --port 8080");
	lt_model_set_str(m, &mt->exe, "/usr/bin/demo");
	lt_model_set_str(m, &mt->build_id, "0123abcd");
	lt_model_set_str(m, &mt->host, "box");
	lt_model_set_str(m, &mt->kernel, "6.1.0 #1 SMP x86_64");
	lt_model_set_str(m, &mt->version, "0.1.0");
	lt_model_set_str(m, &mt->options, "-p 4242 -i 0.1");
	lt_model_set_str(m, &mt->cgroup, "v2:/system.slice/demo.service");
	mt->start_ns = INT64_C(1700000000123456789);
	mt->interval = 0.1;
	lt_model_set_source(m, "procfs", 1, NULL);
	lt_model_set_source(m, "cgroup", 1, NULL);
	lt_model_set_source(m, "heap", 0, "agent not injected: ptrace denied");
	return m;
}

/* A session at path with meta and ticks 0..n-1 of the standard series. */
static lt_store *write_session(const char *path, int n)
{
	lt_err err = {0};
	lt_store *st = lt_store_create(path, 0, &err);
	lt_model *m = meta_model();

	assert_non_null(st);
	assert_int_equal(lt_store_write_meta(st, m, &err), 0);
	for (int i = 0; i < n; i++) {
		struct lt_sample s = sample(i);

		assert_int_equal(lt_store_add_tick(st, &s, &err), 0);
	}
	lt_model_free(m);
	return st;
}

static void finish_session(const char *path, int n)
{
	lt_err err = {0};

	assert_int_equal(lt_store_finish(write_session(path, n),
					 INT64_C(1700000099000000000),
					 "duration", &err), 0);
}

static void load_fails(const char *path, const char *msg)
{
	lt_model *m = (lt_model *)1;
	lt_err err = {0};

	assert_int_equal(lt_store_load(path, &m, &err), -1);
	assert_null(m);
	assert_int_equal(err.code, LT_EXIT_FILE);
	if (strstr(err.msg, msg) == NULL)
		fail_msg("expected \"%s\" in \"%s\"", msg, err.msg);
	if (strchr(err.msg, '\n'))
		fail_msg("not one line: %s", err.msg);
}

static void create_fails(const char *path, int force, const char *msg)
{
	lt_err err = {0};

	assert_null(lt_store_create(path, force, &err));
	assert_int_equal(err.code, LT_EXIT_FILE);
	if (strcmp(err.msg, msg) != 0)
		fail_msg("expected \"%s\", got \"%s\"", msg, err.msg);
}

/* Checks tick i of a loaded model against sample(i). */
static void check_tick(const lt_model *m, int i)
{
	const struct lt_sample *got = lt_model_tick(m, (size_t)i);
	struct lt_sample want = sample(i);

	assert_true(got->t == want.t);
	assert_int_equal(got->wall_ns, want.wall_ns);
	assert_int_equal(got->have, want.have);
	for (int k = 0; k < LT_M_COUNT; k++)
		if (lt_sample_has(&want, k))
			assert_int_equal(got->v[k], want.v[k]);
}

/* SELECT returning one integer, through a connection of the test's own. */
static long long sql_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long long v = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static void sql_exec(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* ---------------------------------------------------------------------- */

static void test_round_trip(void **state)
{
	const char *path = tmp("round.lt");
	const struct lt_meta *mt;
	const struct lt_source *src;
	lt_model *m;

	(void)state;
	finish_session(path, 8);
	/* Finished = one self-contained file. */
	assert_true(size_of(tmp("round.lt-wal")) <= 0);
	assert_false(exists(tmp("round.lt-shm")));

	m = tu_load_ok(path);
	mt = lt_model_meta_c(m);
	assert_int_equal(mt->pid, 4242);
	assert_string_equal(mt->cmdline, "/usr/bin/demo --port 8080");
	assert_string_equal(mt->exe, "/usr/bin/demo");
	assert_string_equal(mt->build_id, "0123abcd");
	assert_string_equal(mt->host, "box");
	assert_string_equal(mt->kernel, "6.1.0 #1 SMP x86_64");
	assert_string_equal(mt->version, "0.1.0");
	assert_string_equal(mt->options, "-p 4242 -i 0.1");
	assert_string_equal(mt->cgroup, "v2:/system.slice/demo.service");
	assert_int_equal(mt->start_ns, INT64_C(1700000000123456789));
	assert_int_equal(mt->end_ns, INT64_C(1700000099000000000));
	assert_string_equal(mt->end_reason, "duration");
	assert_true(mt->interval == 0.1);

	assert_int_equal(lt_model_source_count(m), 3);
	assert_string_equal(lt_model_source(m, 0)->name, "procfs");
	src = lt_model_source_find(m, "heap");
	assert_non_null(src);
	assert_int_equal(src->available, 0);
	assert_string_equal(src->reason, "agent not injected: ptrace denied");
	assert_int_equal(lt_model_source_find(m, "cgroup")->available, 1);
	assert_null(lt_model_source_find(m, "cgroup")->reason);

	assert_int_equal(lt_model_tick_count(m), 8);
	for (int i = 0; i < 8; i++)
		check_tick(m, i);
	/* Spelled out: carried forward, and unavailable in the middle. */
	assert_int_equal(lt_model_tick(m, 2)->v[LT_M_RSS_ANON], 0);
	assert_int_equal(lt_model_tick(m, 5)->v[LT_M_RSS_ANON], 1000);
	assert_true(lt_sample_has(lt_model_tick(m, 2), LT_M_THREADS));
	assert_int_equal(lt_model_tick(m, 2)->v[LT_M_THREADS], 3);
	assert_false(lt_sample_has(lt_model_tick(m, 3), LT_M_THREADS));
	assert_int_equal(lt_model_tick(m, 4)->v[LT_M_THREADS], 4);
	assert_int_equal(lt_model_tick(m, 7)->v[LT_M_THREADS], 5);
	assert_false(lt_sample_has(lt_model_tick(m, 7), LT_M_PSS));
	lt_model_free(m);
}

static void test_meta_rewrite_and_unknown(void **state)
{
	const char *path = tmp("meta.lt");
	lt_store *st = write_session(path, 3);
	lt_model *m = meta_model();
	lt_err err = {0};

	(void)state;
	/* Rewriting meta replaces values; a cleared string disappears. */
	lt_model_set_str(m, &lt_model_meta(m)->host, NULL);
	lt_model_meta(m)->pid = 99;
	lt_model_set_source(m, "heap", 1, NULL);
	assert_int_equal(lt_store_write_meta(st, m, &err), 0);
	lt_model_free(m);
	lt_store_close(st);
	/* What a newer minor writer may add: a metric, a meta key, values. */
	sql_exec(path, "INSERT INTO metric VALUES (100, 'future_metric', 'f', "
		       "'count', 'level');"
		       "INSERT INTO metric_value VALUES (100, 1, 5);"
		       "INSERT INTO meta VALUES ('future_key', 'x');");
	m = tu_load_ok(path);
	assert_int_equal(lt_model_meta_c(m)->pid, 99);
	assert_null(lt_model_meta_c(m)->host);
	assert_null(lt_model_meta_c(m)->end_reason);
	assert_int_equal(lt_model_meta_c(m)->end_ns, 0);
	assert_int_equal(lt_model_source_find(m, "heap")->available, 1);
	assert_int_equal(lt_model_source_count(m), 3);
	assert_int_equal(lt_model_tick_count(m), 3);
	for (int i = 0; i < 3; i++)
		check_tick(m, i);
	lt_model_free(m);
}

static void test_only_changes_stored(void **state)
{
	const char *path = tmp("changes.lt");

	(void)state;
	finish_session(path, 8);
	/* rss_anon: ticks 0, 3, 6 (values 0, 1000, 2000); fds: tick 0;
	 * threads: 1 (3), 3 (NULL), 4 (4), 5 (5); pss: none. */
	assert_int_equal(sql_int(path, "SELECT count(*) FROM metric_value"), 8);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM metric_value v "
				 "JOIN metric m ON m.id = v.metric_id "
				 "WHERE m.key = 'rss_anon'"), 3);
	assert_int_equal(sql_int(path, "SELECT t.id FROM metric_value v "
				 "JOIN metric m ON m.id = v.metric_id JOIN tick t "
				 "ON t.id = v.tick_id WHERE m.key = 'threads' "
				 "AND v.value IS NULL"), 4);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM tick"), 8);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM metric"),
			 LT_M_COUNT);
	assert_int_equal(sql_int(path, "PRAGMA user_version"),
			 LT_STORE_SCHEMA_VERSION);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM meta WHERE "
				 "key = 'format' AND value = 'leaktop-session'"), 1);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM "
				 "pragma_foreign_key_check"), 0);
	/* The tables of later issues exist, empty. */
	assert_int_equal(sql_int(path, "SELECT count(*) FROM heap_value"), 0);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM thread_count"), 0);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM frame_symbol"), 0);
}

static void test_create_refusals(void **state)
{
	const char *path = tmp("exists.lt"), *link = tmp("link.lt");
	char msg[1024];
	lt_model *m;
	lt_err err = {0};

	(void)state;
	write_file(path, "precious", 8);
	snprintf(msg, sizeof(msg), "%s exists; use --force to replace it", path);
	create_fails(path, 0, msg);
	assert_int_equal(size_of(path), 8);

	assert_int_equal(symlink(path, link), 0);
	snprintf(msg, sizeof(msg),
		 "%s is a symbolic link; refusing to write through it", link);
	create_fails(link, 0, msg);
	create_fails(link, 1, msg);
	assert_int_equal(size_of(path), 8);      /* target untouched */
	assert_true(exists(link));

	assert_int_equal(symlink(tmp("nowhere"), tmp("dangling.lt")), 0);
	snprintf(msg, sizeof(msg), "%s is a symbolic link; refusing to write "
		 "through it", tmp("dangling.lt"));
	create_fails(tmp("dangling.lt"), 1, msg);
	assert_false(exists(tmp("nowhere")));

	snprintf(msg, sizeof(msg), "cannot create %s/no/such/x.lt: directory "
		 "%s/no/such does not exist", dir, dir);
	create_fails(tmp("no/such/x.lt"), 0, msg);
	snprintf(msg, sizeof(msg), "%s is a directory; give a file name", dir);
	create_fails(dir, 1, msg);

	/* Force replaces the file and drops its stale sidecars (a stale -wal
	 * would otherwise be replayed into the new session). */
	write_file(tmp("exists.lt-wal"), "garbage wal", 11);
	write_file(tmp("exists.lt-shm"), "garbage shm", 11);
	lt_store_close(lt_store_create(path, 1, &err));
	m = tu_load_ok(path);
	assert_int_equal(lt_model_tick_count(m), 0);
	lt_model_free(m);
	assert_true(size_of(tmp("exists.lt-wal")) <= 0);
}

/* Sidecars without their database, as a writer that died leaves them
 * once someone deletes just the .lt file.  Its -wal is valid and would be
 * replayed into a new database of the same name. */
static void test_create_leftovers(void **state)
{
	const char *path = tmp("stale.lt");
	char msg[1024];
	lt_err err = {0};
	lt_store *st;
	lt_model *m;
	pid_t pid;
	int status;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		write_session(path, 5);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(size_of(tmp("stale.lt-wal")) > 0);
	assert_int_equal(unlink(path), 0);

	snprintf(msg, sizeof(msg), "%s-wal exists; use --force to replace it",
		 path);
	create_fails(path, 0, msg);
	assert_false(exists(path));              /* nothing left behind */
	st = lt_store_create(path, 1, &err);
	if (!st)
		fail_msg("%s", err.msg);
	lt_store_close(st);
	m = tu_load_ok(path);
	assert_int_equal(lt_model_tick_count(m), 0);
	assert_null(lt_model_meta_c(m)->cmdline);
	lt_model_free(m);

	/* A planted -shm symlink: SQLite would open, truncate and write the
	 * file it points to. */
	write_file(tmp("victim"), "victim", 6);
	assert_int_equal(symlink(tmp("victim"), tmp("planted.lt-shm")), 0);
	snprintf(msg, sizeof(msg), "%s-shm exists; use --force to replace it",
		 tmp("planted.lt"));
	create_fails(tmp("planted.lt"), 0, msg);
	st = lt_store_create(tmp("planted.lt"), 1, &err);
	assert_non_null(st);
	assert_int_equal(lt_store_add_tick(st, &(struct lt_sample){0}, &err), 0);
	lt_store_close(st);
	assert_int_equal(size_of(tmp("victim")), 6);

	/* A FIFO is not replaced even with force. */
	assert_int_equal(mkfifo(tmp("fifo.lt"), 0600), 0);
	snprintf(msg, sizeof(msg), "%s is not a regular file; refusing to "
		 "replace it", tmp("fifo.lt"));
	create_fails(tmp("fifo.lt"), 1, msg);
}

/* Runs fn as an unprivileged user in a child (root passes every permission
 * check, so the refusals only show for others).  Returns the child's exit
 * status, or -1 when no unprivileged user can be had. */
static int as_nobody(int (*fn)(void))
{
	pid_t pid;
	int status;

	if (geteuid() != 0)
		return fn();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
			_exit(99);
		_exit(fn());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 99)
		return -1;
	return WEXITSTATUS(status);
}

static int create_in_ro_dir(void)
{
	char msg[1024];
	lt_err err = {0};
	lt_store *st = lt_store_create(tmp("ro/x.lt"), 1, &err);

	snprintf(msg, sizeof(msg), "cannot create %s/ro/x.lt: directory %s/ro "
		 "is not writable", dir, dir);
	if (st) {
		lt_store_close(st);
		return 1;
	}
	if (err.code != LT_EXIT_FILE || strcmp(err.msg, msg) != 0) {
		fprintf(stderr, "got: %s\n", err.msg);
		return 2;
	}
	return 0;
}

static void test_dir_not_writable(void **state)
{
	int rc;

	(void)state;
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(mkdir(tmp("ro"), 0555), 0);
	rc = as_nobody(create_in_ro_dir);
	if (rc < 0)
		skip();
	assert_int_equal(rc, 0);
	assert_false(exists(tmp("ro/x.lt")));
}

/* Byte 18 of the SQLite header: 1 rollback journal, 2 WAL.  Read from the
 * file because opening a WAL database would create its -shm. */
static int journal_byte(const char *path)
{
	unsigned char h[19];
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	assert_int_equal(fread(h, 1, sizeof(h), f), sizeof(h));
	fclose(f);
	return h[18];
}

/* Sessions the unprivileged reader may read in a directory it cannot
 * write: finished (rollback journal: no -shm needed), closed without
 * finish (WAL mode, no -wal: read as immutable), and one whose writer died
 * (WAL with data: SQLite reads it through the read-only -shm). */
static const char *const ro_names[] = {
	"rodir/finished.lt", "rodir/closed.lt", "rodir/crashed.lt",
};

static int load_in_ro_dir(void)
{
	for (int i = 0; i < 3; i++) {
		lt_model *m = NULL;
		lt_err err = {0};

		if (lt_store_load(tmp(ro_names[i]), &m, &err) < 0) {
			fprintf(stderr, "%s: %s\n", ro_names[i], err.msg);
			return 10 + i;
		}
		if (lt_model_tick_count(m) != 4)
			return 20 + i;
		lt_model_free(m);
	}
	return 0;
}

static void test_load_from_ro_dir(void **state)
{
	pid_t pid;
	int rc;

	(void)state;
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(mkdir(tmp("rodir"), 0755), 0);
	finish_session(tmp(ro_names[0]), 4);
	assert_int_equal(journal_byte(tmp(ro_names[0])), 1);
	lt_store_close(write_session(tmp(ro_names[1]), 4));
	assert_int_equal(journal_byte(tmp(ro_names[1])), 2);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		write_session(tmp(ro_names[2]), 4);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &rc, 0), pid);
	assert_true(size_of(tmp("rodir/crashed.lt-wal")) > 0);
	assert_int_equal(chmod(tmp("rodir"), 0555), 0);
	rc = as_nobody(load_in_ro_dir);
	assert_int_equal(chmod(tmp("rodir"), 0755), 0);
	if (rc < 0)
		skip();
	assert_int_equal(rc, 0);
	/* Loading left nothing behind. */
	assert_false(exists(tmp("rodir/finished.lt-shm")));
	assert_false(exists(tmp("rodir/closed.lt-shm")));
	assert_false(exists(tmp("rodir/closed.lt-wal")));
}

static void test_load_refusals(void **state)
{
	char buf[4096];
	char msg[1024];
	off_t n;
	int fd;

	(void)state;
	snprintf(msg, sizeof(msg), "cannot open %s: No such file or directory",
		 tmp("missing.lt"));
	load_fails(tmp("missing.lt"), msg);
	load_fails(dir, "Is a directory");

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7919 % 251);
	write_file(tmp("random.lt"), buf, sizeof(buf));
	load_fails(tmp("random.lt"), "is not a leaktop session file (not an "
		   "SQLite database)");
	write_file(tmp("empty.lt"), "", 0);
	load_fails(tmp("empty.lt"), "(not an SQLite database)");
	write_file(tmp("short.lt"), "SQLite format 3", 16);
	load_fails(tmp("short.lt"), "is corrupt or truncated");

	sql_exec(tmp("plain.db"), "CREATE TABLE x (a); DROP TABLE x;");
	snprintf(msg, sizeof(msg), "%s is not a leaktop session file",
		 tmp("plain.db"));
	load_fails(tmp("plain.db"), msg);
	sql_exec(tmp("othermeta.db"), "CREATE TABLE meta (key, value);"
		 "INSERT INTO meta VALUES ('format', 'something-else');");
	snprintf(msg, sizeof(msg), "%s is not a leaktop session file",
		 tmp("othermeta.db"));
	load_fails(tmp("othermeta.db"), msg);

	finish_session(tmp("newer.lt"), 3);
	sql_exec(tmp("newer.lt"), "PRAGMA user_version = 99");
	snprintf(msg, sizeof(msg), "%s was written by a newer leaktop (schema "
		 "version 99; this leaktop reads up to %d)", tmp("newer.lt"), LT_STORE_SCHEMA_VERSION);
	load_fails(tmp("newer.lt"), msg);

	/* Big enough that half of it cuts through the tick data. */
	finish_session(tmp("half.lt"), 3000);
	n = size_of(tmp("half.lt"));
	assert_true(n > 8192);
	fd = open(tmp("half.lt"), O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, n / 2), 0);
	close(fd);
	load_fails(tmp("half.lt"), "is corrupt or truncated: ");
}

/* Damage where loading does not look (an index it never uses) is still
 * found: the whole file is checked before it is believed. */
static void test_load_corrupt_page(void **state)
{
	const char *path = tmp("damaged.lt");
	long long page, psize;
	char junk[64];
	int fd;

	(void)state;
	finish_session(path, 50);
	page = sql_int(path, "SELECT rootpage FROM sqlite_master WHERE name = "
		       "'sqlite_autoindex_metric_1'");
	psize = sql_int(path, "PRAGMA page_size");
	assert_true(page > 1 && psize >= 512);
	memset(junk, 0x5a, sizeof(junk));
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, junk, sizeof(junk), (page - 1) * psize),
			 sizeof(junk));
	close(fd);
	load_fails(path, "is corrupt or truncated: ");
}

/* Another connection holds an open write transaction with a tick in it,
 * spilled into the -wal by a tiny cache: the reader must see only the
 * committed ticks, and the writer's later ticks once committed. */
static void test_reader_beside_writer(void **state)
{
	const char *path = tmp("live.lt");
	lt_store *st = write_session(path, 3);
	struct lt_sample s = sample(3);
	lt_model *m;
	sqlite3 *db;
	lt_err err = {0};
	int ok;

	(void)state;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	ok = sqlite3_exec(db,
		"PRAGMA cache_size = 2; BEGIN IMMEDIATE;"
		"INSERT INTO tick VALUES (4, 9.0, 1);"
		"INSERT INTO metric_value SELECT id, 4, 123 FROM metric;"
		"CREATE TABLE filler (x);"
		"WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
		"WHERE i < 20000) INSERT INTO filler SELECT randomblob(100) "
		"FROM c;", NULL, NULL, NULL);
	assert_int_equal(ok, SQLITE_OK);
	assert_true(size_of(tmp("live.lt-wal")) > 100000);  /* spilled */

	m = tu_load_ok(path);
	assert_int_equal(lt_model_tick_count(m), 3);
	for (int i = 0; i < 3; i++)
		check_tick(m, i);
	lt_model_free(m);

	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(lt_store_add_tick(st, &s, &err), 0);
	m = tu_load_ok(path);
	assert_int_equal(lt_model_tick_count(m), 4);
	check_tick(m, 3);
	lt_model_free(m);
	/* The reader is still there: finishing must still succeed. */
	assert_int_equal(lt_store_finish(st, 5, "duration", &err), 0);
	sqlite3_close(db);
	m = tu_load_ok(path);
	assert_int_equal(lt_model_tick_count(m), 4);
	assert_string_equal(lt_model_meta_c(m)->end_reason, "duration");
	lt_model_free(m);
}

static void test_close_without_finish(void **state)
{
	const char *path = tmp("closed.lt");
	lt_model *m;

	(void)state;
	lt_store_close(write_session(path, 6));
	lt_store_close(NULL);
	m = tu_load_ok(path);
	assert_int_equal(lt_model_tick_count(m), 6);
	for (int i = 0; i < 6; i++)
		check_tick(m, i);
	assert_int_equal(lt_model_meta_c(m)->end_ns, 0);
	assert_null(lt_model_meta_c(m)->end_reason);
	lt_model_free(m);
}

/* A writer that dies without closing: _exit() leaves the -wal and -shm
 * behind with every committed tick in the -wal. */
static void test_writer_exits(void **state)
{
	const char *path = tmp("exited.lt");
	lt_model *m;
	off_t wal;
	pid_t pid;
	int status;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		lt_err err = {0};
		lt_store *st = lt_store_create(path, 0, &err);

		for (int i = 0; st && i < 5; i++) {
			struct lt_sample s = sample(i);

			if (lt_store_add_tick(st, &s, &err) < 0)
				_exit(1);
		}
		_exit(st ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	wal = size_of(tmp("exited.lt-wal"));
	assert_true(wal > 0);
	m = tu_load_ok(path);
	assert_int_equal(lt_model_tick_count(m), 5);
	for (int i = 0; i < 5; i++)
		check_tick(m, i);
	lt_model_free(m);
	/* The reader wrote nothing: no checkpoint, the -wal is as it was. */
	assert_int_equal(size_of(tmp("exited.lt-wal")), wal);
}

/* SIGKILL at an arbitrary point of a writing loop: every tick the child
 * reported as committed is there, and any tick there is whole. */
static void test_writer_killed(void **state)
{
	const char *path = tmp("killed.lt");
	int fds[2], reported = 0, n;
	lt_model *m;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		lt_err err = {0};
		lt_store *st = lt_store_create(path, 0, &err);

		close(fds[0]);
		if (!st)
			_exit(1);
		for (int i = 0;; i++) {
			struct lt_sample s = sample(i);

			lt_sample_set(&s, LT_M_WCHAR, (int64_t)i * 4096);
			if (lt_store_add_tick(st, &s, &err) < 0 ||
			    write(fds[1], &i, sizeof(i)) != sizeof(i))
				_exit(1);
		}
		_exit(1);
	}
	close(fds[1]);
	while (reported < 200 && read(fds[0], &n, sizeof(n)) == sizeof(n))
		reported = n + 1;
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &n, 0), pid);
	assert_true(WIFSIGNALED(n));
	close(fds[0]);

	m = tu_load_ok(path);
	assert_true(lt_model_tick_count(m) >= (size_t)reported);
	for (size_t i = 0; i < lt_model_tick_count(m); i++) {
		const struct lt_sample *got = lt_model_tick(m, i);

		assert_true(got->t == 0.5 * (double)i);
		assert_true(lt_sample_has(got, LT_M_WCHAR));
		assert_int_equal(got->v[LT_M_WCHAR], (int64_t)i * 4096);
		assert_int_equal(got->v[LT_M_RSS_ANON], 1000 * ((int)i / 3));
	}
	lt_model_free(m);
}

/* File names are passed to SQLite as URIs: characters that mean something
 * in a URI must stay part of the name. */
static void test_odd_file_name(void **state)
{
	const char *path = tmp("a b?c=1#d%41:e.lt");
	lt_model *m;

	(void)state;
	finish_session(path, 2);
	assert_false(exists(tmp("a b")));
	assert_false(exists(tmp("a bAc")));
	m = tu_load_ok(path);
	assert_int_equal(lt_model_tick_count(m), 2);
	lt_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_meta_rewrite_and_unknown),
		cmocka_unit_test(test_only_changes_stored),
		cmocka_unit_test(test_create_refusals),
		cmocka_unit_test(test_create_leftovers),
		cmocka_unit_test(test_dir_not_writable),
		cmocka_unit_test(test_load_from_ro_dir),
		cmocka_unit_test(test_load_refusals),
		cmocka_unit_test(test_load_corrupt_page),
		cmocka_unit_test(test_reader_beside_writer),
		cmocka_unit_test(test_close_without_finish),
		cmocka_unit_test(test_writer_exits),
		cmocka_unit_test(test_writer_killed),
		cmocka_unit_test(test_odd_file_name),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
