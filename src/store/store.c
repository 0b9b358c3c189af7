/* The session file (lt_store.h; tables in data/schema.sql, doc/schema.md).
 *
 * Durability: the writer uses WAL with synchronous=NORMAL.  A commit then
 * returns once its frames are written to the -wal file (write(2), no
 * fsync).  What write(2) returned is in the kernel's page cache and survives
 * the death of the writing process however it dies (crash, SIGKILL, OOM
 * kill); only a kernel crash or power loss can drop the last commits, and
 * then WAL checksums make SQLite stop at the last intact commit, so the file
 * still opens.  Surviving power loss is not a goal for a diagnostic
 * recording; being readable after any stop of leaktop is, and a per-tick
 * fsync would cost more than the sampling itself on slow disks. */
#include "lt_store.h"
#include "lt_store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern const char lt_schema_sql[]; /* data/schema.sql, via build/gen */

#define FINISH_BUSY_MS 200    /* ... but not at exit for the journal switch */

/* Statements prepared once per store and reused for every tick. */
enum {
	S_BEGIN, S_COMMIT, S_ROLLBACK, S_TICK, S_VALUE,
	S_META_PUT, S_META_DEL, S_SRC_CLEAR, S_SRC_PUT, S_COUNT
};

static const char *const stmt_sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_TICK] = "INSERT INTO tick (id, t, wall_ns) VALUES (?, ?, ?)",
	[S_VALUE] = "INSERT INTO metric_value (metric_id, tick_id, value) "
		    "VALUES (?, ?, ?)",
	[S_META_PUT] = "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
	[S_META_DEL] = "DELETE FROM meta WHERE key = ?",
	[S_SRC_CLEAR] = "DELETE FROM source",
	[S_SRC_PUT] = "INSERT INTO source (name, available, reason) "
		      "VALUES (?, ?, ?)",
};

struct lt_store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmt[S_COUNT];
	int64_t tick_id;           /* id of the last tick committed */
	uint64_t have;             /* availability as last stored */
	int64_t last[LT_M_COUNT];  /* values as last stored */
	/* What of the model each part has in the file already. */
	struct lt_store_stacks stacks;
	struct lt_store_heap heap;
	struct lt_store_goroutines go;
	struct lt_store_srctext src;
	struct lt_store_reach reach;
	struct lt_store_agent agent;
};

/* Files SQLite keeps next to the database.  create refuses or removes
 * them like the file itself: SQLite opens FILE-shm following symlinks and
 * truncates it, so a link planted there would clobber its target. */
static const char *const sidecars[] = {"-wal", "-shm", "-journal"};
#define NSIDECARS (sizeof(sidecars) / sizeof(sidecars[0]))

static const uint64_t all_metrics =
	LT_M_COUNT >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << LT_M_COUNT) - 1;

char *lt_store_concat(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *s = lt_xmalloc(na + nb + 1);

	memcpy(s, a, na);
	memcpy(s + na, b, nb + 1);
	return s;
}

/* "file:" URI for path (percent-encoded, so '?', '#' and '%' in file names
 * stay part of the name) with optional query params. */
char *lt_store_file_uri(const char *path, const char *params)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path);
	char *u = lt_xmalloc(8 + 3 * n + (params ? strlen(params) + 1 : 0) + 1);
	char *p = u;

	p += sprintf(p, "file:%s", path[0] == '/' ? "//" : "");
	for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr("/._-~", *c)) {
			*p++ = (char)*c;
		} else {
			*p++ = '%';
			*p++ = hex[*c >> 4];
			*p++ = hex[*c & 15];
		}
	}
	if (params)
		p += sprintf(p, "?%s", params);
	*p = '\0';
	return u;
}

/* First column of the first row of sql as text in buf ("" when no row or
 * NULL).  Returns SQLITE_OK or the error code. */
int lt_store_query_text(sqlite3 *db, const char *sql, char *buf, size_t n)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);

	buf[0] = '\0';
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_text(s, 0))
		snprintf(buf, n, "%s", (const char *)sqlite3_column_text(s, 0));
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(s);
	return rc;
}

/* The directory part of path: "." for a bare name, "/" for "/name". */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (!slash)
		return lt_xstrdup(".");
	if (slash == path)
		return lt_xstrdup("/");
	d = lt_xmalloc((size_t)(slash - path) + 1);
	memcpy(d, path, (size_t)(slash - path));
	d[slash - path] = '\0';
	return d;
}

/* ---------------------------------------------------------------------- */
/* Writing                                                                  */

static int db_fail(sqlite3 *db, const char *path, lt_err *err)
{
	lt_err_set(err, LT_EXIT_ERROR, "cannot write %s: %s", path,
		   db ? sqlite3_errmsg(db) : "out of memory");
	return -1;
}

/* Steps a prepared statement to completion and resets it for reuse. */
static int run(lt_store *st, int which, lt_err *err)
{
	sqlite3_stmt *s = st->stmt[which];
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		db_fail(st->db, st->path, err);
		sqlite3_reset(s);
		return -1;
	}
	sqlite3_reset(s);
	return 0;
}

static int begin(lt_store *st, lt_err *err)
{
	return run(st, S_BEGIN, err);
}

/* Commits, or rolls back whatever is left when rc or the commit failed. */
static int end(lt_store *st, int rc, lt_err *err)
{
	if (rc == 0)
		rc = run(st, S_COMMIT, err);
	if (rc < 0 && !sqlite3_get_autocommit(st->db))
		run(st, S_ROLLBACK, NULL);
	return rc;
}

/* Stores value under key, or deletes the row when value is NULL. */
static int meta_put(lt_store *st, const char *key, const char *value,
		    lt_err *err)
{
	int which = value ? S_META_PUT : S_META_DEL;
	sqlite3_stmt *s = st->stmt[which];

	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if (value)
		sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
	return run(st, which, err);
}

/* Shortest decimal text that reads back as the same double. */
static void fmt_double(char *buf, size_t n, double v)
{
	snprintf(buf, n, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, n, "%.17g", v);
}

/* Refuses what create must never write through or over.  Returns 1 when
 * path exists (a regular file, force given), 0 when it does not. */
static int check_target(const char *path, int force, lt_err *err)
{
	struct stat sb;

	if (lstat(path, &sb) < 0) {
		if (errno == ENOENT)
			return 0;
		lt_err_set(err, LT_EXIT_FILE, "cannot create %s: %s", path,
			   strerror(errno));
		return -1;
	}
	if (S_ISLNK(sb.st_mode))
		lt_err_set(err, LT_EXIT_FILE,
			   "%s is a symbolic link; refusing to write through it",
			   path);
	else if (S_ISDIR(sb.st_mode))
		lt_err_set(err, LT_EXIT_FILE,
			   "%s is a directory; give a file name", path);
	else if (!force)
		lt_err_set(err, LT_EXIT_FILE,
			   "%s exists; use --force to replace it", path);
	else if (!S_ISREG(sb.st_mode))
		lt_err_set(err, LT_EXIT_FILE,
			   "%s is not a regular file; refusing to replace it",
			   path);
	else
		return 1;
	return -1;
}

/* access(2) rather than the mode bits: it answers for this process's
 * credentials, ACLs and read-only mounts (EROFS) alike. */
static int check_dir(const char *path, lt_err *err)
{
	char *dir = dir_of(path);
	struct stat sb;
	int rc = -1;

	if (stat(dir, &sb) < 0) {
		if (errno == ENOENT)
			lt_err_set(err, LT_EXIT_FILE, "cannot create %s: "
				   "directory %s does not exist", path, dir);
		else
			lt_err_set(err, LT_EXIT_FILE, "cannot create %s: %s: %s",
				   path, dir, strerror(errno));
	} else if (!S_ISDIR(sb.st_mode)) {
		lt_err_set(err, LT_EXIT_FILE,
			   "cannot create %s: %s is not a directory", path, dir);
	} else if (access(dir, W_OK | X_OK) < 0) {
		lt_err_set(err, LT_EXIT_FILE,
			   "cannot create %s: directory %s is not writable%s",
			   path, dir,
			   errno == EROFS ? " (read-only file system)" : "");
	} else {
		rc = 0;
	}
	free(dir);
	return rc;
}

/* Removes path (exists = 1) and stale sidecars when forced; without force
 * a leftover sidecar is refused like the file itself.  unlink(2) never
 * follows a symlink: it removes the link. */
static int clear_old(const char *path, int exists, int force, lt_err *err)
{
	struct stat sb;

	for (size_t i = 0; i < NSIDECARS; i++) {
		char *side = lt_store_concat(path, sidecars[i]);
		int rc = 0;

		if (lstat(side, &sb) == 0 && !force) {
			lt_err_set(err, LT_EXIT_FILE,
				   "%s exists; use --force to replace it", side);
			rc = -1;
		} else if (force && unlink(side) < 0 && errno != ENOENT) {
			lt_err_set(err, LT_EXIT_FILE, "cannot remove %s: %s",
				   side, strerror(errno));
			rc = -1;
		}
		free(side);
		if (rc < 0)
			return -1;
	}
	if (exists && unlink(path) < 0 && errno != ENOENT) {
		lt_err_set(err, LT_EXIT_FILE, "cannot remove %s: %s", path,
			   strerror(errno));
		return -1;
	}
	return 0;
}

static int insert_metrics(lt_store *st, lt_err *err)
{
	static const char sql[] = "INSERT INTO metric (id, key, title, unit, "
				  "kind) VALUES (?, ?, ?, ?, ?)";
	sqlite3_stmt *s;
	int rc = 0;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return db_fail(st->db, st->path, err);
	for (int i = 0; i < LT_M_COUNT && rc == 0; i++) {
		const struct lt_metric_def *d = lt_metric_def(i);

		sqlite3_bind_int(s, 1, i + 1);
		sqlite3_bind_text(s, 2, d->key, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, d->title, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, d->unit == LT_UNIT_BYTES ? "bytes" :
				  "count", -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, d->kind == LT_KIND_CUMULATIVE ?
				  "cumulative" : "level", -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = db_fail(st->db, st->path, err);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	return rc;
}

/* Journal, schema and statements of a freshly created, empty file. */
static int setup(lt_store *st, lt_err *err)
{
	sqlite3 *db = st->db;
	char buf[32];

	sqlite3_busy_timeout(db, LT_STORE_BUSY_MS);
	if (lt_store_query_text(db, "PRAGMA journal_mode = WAL", buf, sizeof(buf)) !=
	    SQLITE_OK)
		return db_fail(db, st->path, err);
	if (strcmp(buf, "wal") != 0) {
		/* e.g. a file system without shared mmap (some network FS) */
		lt_err_set(err, LT_EXIT_FILE, "cannot create %s: the file system "
			   "does not support SQLite's WAL journal", st->path);
		return -1;
	}
	if (sqlite3_exec(db, "PRAGMA synchronous = NORMAL; BEGIN IMMEDIATE",
			 NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, st->path, err);
	if (sqlite3_exec(db, lt_schema_sql, NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	for (int i = 0; i < S_COUNT; i++)
		if (sqlite3_prepare_v3(db, stmt_sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &st->stmt[i],
				       NULL) != SQLITE_OK)
			goto fail;
	if (insert_metrics(st, err) < 0)
		goto rollback;
	if (lt_store_query_text(db, "PRAGMA user_version", buf, sizeof(buf)) != SQLITE_OK)
		goto fail;
	if (atoi(buf) != LT_STORE_SCHEMA_VERSION) {
		/* data/schema.sql and lt_store.h disagree: a build bug. */
		lt_err_set(err, LT_EXIT_ERROR, "cannot write %s: schema.sql is "
			   "version %s, expected %d", st->path, buf,
			   LT_STORE_SCHEMA_VERSION);
		goto rollback;
	}
	return end(st, 0, err);
fail:
	db_fail(db, st->path, err);
rollback:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static void store_free(lt_store *st)
{
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	lt_store_stacks_free(&st->stacks);
	lt_store_heap_free(&st->heap);
	lt_store_goroutines_free(&st->go);
	lt_store_srctext_free(&st->src);
	lt_store_reach_free(&st->reach);
	lt_store_agent_free(&st->agent);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

/* Error exit of create: drops everything, including the files it made. */
static lt_store *create_fail(lt_store *st, int remove_files)
{
	char *path = st->path;

	st->path = NULL;
	store_free(st);  /* closes first: SQLite may still write on close */
	if (remove_files) {
		unlink(path);
		for (size_t i = 0; i < NSIDECARS; i++) {
			char *side = lt_store_concat(path, sidecars[i]);

			unlink(side);
			free(side);
		}
	}
	free(path);
	return NULL;
}

lt_store *lt_store_create(const char *path, int force, lt_err *err)
{
	lt_store *st;
	struct stat made, now;
	char *uri;
	int exists, fd, rc;

	exists = check_target(path, force, err);
	if (exists < 0 || check_dir(path, err) < 0 ||
	    clear_old(path, exists, force, err) < 0)
		return NULL;
	/* O_EXCL|O_NOFOLLOW: if anything appeared at path since the checks
	 * (a symlink planted in a shared directory), fail rather than write
	 * through it. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0) {
		int e = errno;

		/* EEXIST: something appeared; say what. */
		if (e != EEXIST || check_target(path, 0, err) == 0)
			lt_err_set(err, LT_EXIT_FILE, "cannot create %s: %s",
				   path, strerror(e));
		return NULL;
	}
	st = lt_xcalloc(1, sizeof(*st));
	st->path = lt_xstrdup(path);
	uri = lt_store_file_uri(path, NULL);
	rc = sqlite3_open_v2(uri, &st->db, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_URI | SQLITE_OPEN_NOFOLLOW, NULL);
	free(uri);
	/* Our descriptor pins the inode, so equal dev/ino means SQLite opened
	 * the file we created.  It is closed before SQLite takes any lock:
	 * closing a descriptor drops the process's POSIX locks on the file. */
	if (fstat(fd, &made) < 0 || lstat(path, &now) < 0 ||
	    made.st_dev != now.st_dev || made.st_ino != now.st_ino) {
		close(fd);
		lt_err_set(err, LT_EXIT_FILE,
			   "cannot create %s: it was replaced while opening",
			   path);
		return create_fail(st, 0);
	}
	close(fd);
	if (rc != SQLITE_OK || setup(st, err) < 0) {
		if (rc != SQLITE_OK)
			lt_err_set(err, LT_EXIT_FILE, "cannot create %s: %s",
				   path, st->db ? sqlite3_errmsg(st->db) :
				   "out of memory");
		return create_fail(st, 1);
	}
	return st;
}

int lt_store_write_meta(lt_store *st, const lt_model *m, lt_err *err)
{
	const struct lt_meta *mt = lt_model_meta_c(m);
	char pid[24], start[24], endn[24], ival[32], fdl[24], meml[24];
	const struct { const char *key, *value; } kv[] = {
		{"pid", pid}, {"cmdline", mt->cmdline}, {"exe", mt->exe},
		{"build_id", mt->build_id}, {"host", mt->host},
		{"kernel", mt->kernel}, {"version", mt->version},
		{"options", mt->options}, {"cgroup", mt->cgroup},
		{"wrappers", mt->wrappers},
		{"start_ns", start}, {"end_ns", mt->end_ns ? endn : NULL},
		{"end_reason", mt->end_reason}, {"interval", ival},
		{"fd_limit", mt->fd_limit > 0 ? fdl : NULL},
		{"memory_limit", mt->mem_limit > 0 ? meml : NULL},
	};
	int rc;

	snprintf(pid, sizeof(pid), "%ld", (long)mt->pid);
	snprintf(start, sizeof(start), "%" PRId64, mt->start_ns);
	snprintf(endn, sizeof(endn), "%" PRId64, mt->end_ns);
	snprintf(fdl, sizeof(fdl), "%" PRId64, mt->fd_limit);
	snprintf(meml, sizeof(meml), "%" PRId64, mt->mem_limit);
	fmt_double(ival, sizeof(ival), mt->interval);
	if (begin(st, err) < 0)
		return -1;
	rc = run(st, S_SRC_CLEAR, err);
	for (size_t i = 0; rc == 0 && i < sizeof(kv) / sizeof(kv[0]); i++)
		rc = meta_put(st, kv[i].key, kv[i].value, err);
	for (size_t i = 0; rc == 0 && i < lt_model_source_count(m); i++) {
		const struct lt_source *src = lt_model_source(m, i);
		sqlite3_stmt *s = st->stmt[S_SRC_PUT];

		sqlite3_bind_text(s, 1, src->name, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 2, src->available != 0);
		if (src->reason)
			sqlite3_bind_text(s, 3, src->reason, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(s, 3);
		rc = run(st, S_SRC_PUT, err);
	}
	return end(st, rc, err);
}

/* The tick row and the metric values that changed, inside an open
 * transaction. */
static int write_tick(lt_store *st, const struct lt_sample *s, int64_t id,
		      lt_err *err)
{
	sqlite3_stmt *tick = st->stmt[S_TICK], *val = st->stmt[S_VALUE];
	uint64_t have = s->have & all_metrics;
	int rc;

	sqlite3_bind_int64(tick, 1, id);
	sqlite3_bind_double(tick, 2, s->t);
	sqlite3_bind_int64(tick, 3, s->wall_ns);
	rc = run(st, S_TICK, err);
	for (int i = 0; rc == 0 && i < LT_M_COUNT; i++) {
		int had = (st->have >> i) & 1, has = (have >> i) & 1;

		if (had == has && (!has || st->last[i] == s->v[i]))
			continue;
		sqlite3_bind_int(val, 1, i + 1);
		sqlite3_bind_int64(val, 2, id);
		if (has)
			sqlite3_bind_int64(val, 3, s->v[i]);
		else
			sqlite3_bind_null(val, 3);
		rc = run(st, S_VALUE, err);
	}
	return rc;
}

/* Only after COMMIT: a failed tick must be compared against what is
 * stored. */
static void tick_committed(lt_store *st, const struct lt_sample *s, int64_t id)
{
	st->tick_id = id;
	st->have = s->have & all_metrics;
	memcpy(st->last, s->v, sizeof(st->last));
}

int lt_store_add_tick(lt_store *st, const struct lt_sample *s, lt_err *err)
{
	int64_t id = st->tick_id + 1;

	if (begin(st, err) < 0)
		return -1;
	if (end(st, write_tick(st, s, id, err), err) < 0)
		return -1;
	tick_committed(st, s, id);
	return 0;
}

int lt_store_commit_tick(lt_store *st, const lt_model *m, lt_err *err)
{
	size_t n = lt_model_tick_count(m);
	const struct lt_sample *s;
	int64_t id = st->tick_id + 1;
	int rc;

	if (n == 0) {
		lt_err_set(err, LT_EXIT_ERROR, "cannot write %s: no tick to commit", st->path);
		return -1;
	}
	s = lt_model_tick(m, n - 1);
	if (begin(st, err) < 0)
		return -1;
	/* The parts side by side (lt_store_int.h); stacks first, since heap
	 * sites name stacks. */
	rc = write_tick(st, s, id, err);
	if (rc == 0)
		rc = lt_store_stacks_write(st->db, &st->stacks, m, id, st->path,
					   err);
	if (rc == 0)
		rc = lt_store_heap_write(st->db, &st->heap, m, id, st->path,
					 err);
	if (rc == 0)
		rc = lt_store_goroutines_write(st->db, &st->go, m, id, st->path,
					       err);
	if (rc == 0)
		rc = lt_store_srctext_write(st->db, &st->src, m, st->path, err);
	if (rc == 0)
		rc = lt_store_reach_write(st->db, &st->reach, m, id, st->path, err);
	if (rc == 0)
		rc = lt_store_agent_write(st->db, &st->agent, m, id, st->path,
					  err);
	if (end(st, rc, err) < 0)
		return -1;
	tick_committed(st, s, id);
	lt_store_agent_commit(&st->agent, m);
	lt_store_stacks_commit(&st->stacks, m);
	lt_store_heap_commit(&st->heap, m);
	lt_store_goroutines_commit(&st->go, m);
	lt_store_srctext_commit(&st->src, m);
	lt_store_reach_commit(&st->reach, m);
	return 0;
}

/* Makes the finished file self-contained: everything checkpointed into the
 * main file, and the journal switched back to DELETE so that readers need
 * no -shm (a WAL file cannot be opened from a read-only directory or medium
 * without one).  Both steps fail harmlessly while another process has the
 * file open (a live viewer): the file then stays a valid WAL database. */
static void compact(sqlite3 *db)
{
	sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL,
				  NULL);
	sqlite3_busy_timeout(db, FINISH_BUSY_MS);
	sqlite3_exec(db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
}

int lt_store_finish(lt_store *st, int64_t end_ns, const char *reason,
		    lt_err *err)
{
	char buf[24];
	int rc;

	snprintf(buf, sizeof(buf), "%" PRId64, end_ns);
	rc = begin(st, err);
	if (rc == 0) {
		/* The heap rows still waiting (store_heap.c), at the last tick:
		 * a finished file ends on every site's last counters. */
		rc = lt_store_heap_flush(st->db, &st->heap, st->tick_id, st->path,
					 err);
		if (rc == 0)
			rc = meta_put(st, "end_ns", buf, err);
		if (rc == 0)
			rc = meta_put(st, "end_reason", reason, err);
		rc = end(st, rc, err);
	}
	for (int i = 0; i < S_COUNT; i++) {
		sqlite3_finalize(st->stmt[i]);
		st->stmt[i] = NULL;
	}
	if (rc == 0)
		compact(st->db);
	store_free(st);
	return rc;
}

void lt_store_close(lt_store *st)
{
	if (st)
		store_free(st);
}

