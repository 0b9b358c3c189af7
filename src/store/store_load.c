/* Loading a session file into a model (part of the store; lt_store.h). */
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

/* One-line diagnosis of a failed read, from SQLite's last error. */
static int load_fail(sqlite3 *db, const char *path, lt_err *err)
{
	int ec = sqlite3_extended_errcode(db);

	if ((ec & 0xff) == SQLITE_CORRUPT || (ec & 0xff) == SQLITE_NOTADB ||
	    ec == SQLITE_IOERR_SHORT_READ)
		lt_err_set(err, LT_EXIT_FILE, "%s is corrupt or truncated: %s",
			   path, sqlite3_errmsg(db));
	else
		lt_err_set(err, LT_EXIT_FILE, "cannot read %s: %s", path,
			   sqlite3_errmsg(db));
	return -1;
}

/* Tells "not SQLite at all" (SQLite would only say so at the first query,
 * and says the same of a corrupt page) and non-files apart.  O_NONBLOCK: a
 * FIFO given by mistake must not hang the open. */
static int check_header(const char *path, lt_err *err)
{
	static const char magic[16] = "SQLite format 3";
	unsigned char h[100];
	struct stat sb;
	size_t got = 0;
	ssize_t n = 0;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &sb) < 0) {
		lt_err_set(err, LT_EXIT_FILE, "cannot open %s: %s", path,
			   strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		lt_err_set(err, LT_EXIT_FILE, "cannot open %s: %s", path,
			   S_ISDIR(sb.st_mode) ? strerror(EISDIR) :
			   "not a regular file");
		goto fail;
	}
	while (got < sizeof(h)) {
		n = read(fd, h + got, sizeof(h) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (n < 0) {
		lt_err_set(err, LT_EXIT_FILE, "cannot read %s: %s", path,
			   strerror(errno));
		goto fail;
	}
	close(fd);
	if (got < sizeof(magic) || memcmp(h, magic, sizeof(magic)) != 0) {
		lt_err_set(err, LT_EXIT_FILE, "%s is not a leaktop session file "
			   "(not an SQLite database)", path);
		return -1;
	}
	if (got < sizeof(h)) {
		lt_err_set(err, LT_EXIT_FILE, "%s is corrupt or truncated: only "
			   "%zu bytes", path, got);
		return -1;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Opens read-only and starts the read transaction that every query of the
 * load shares: one consistent snapshot while a writer goes on appending. */
static int open_snapshot(const char *path, const char *params, sqlite3 **db)
{
	char *uri = lt_store_file_uri(path, params);
	int rc = sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
				 NULL);

	free(uri);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_extended_result_codes(*db, 1);
	sqlite3_busy_timeout(*db, LT_STORE_BUSY_MS);
	return sqlite3_exec(*db, "BEGIN; SELECT count(*) FROM sqlite_master",
			    NULL, NULL, NULL);
}

/* How to open a session for reading.  A WAL reader needs FILE-shm and
 * creates it (and an empty FILE-wal) when missing, which fails in a
 * directory the reader may not write and otherwise leaves files behind.
 * Neither is needed when FILE-wal does not exist: the main file then holds
 * every commit, and no writer is running (a writer keeps its -wal until it
 * closes, and leaktop never reopens a session to write), so the file is
 * read as immutable: no locks, no side files.  An existing -wal is read
 * the normal way, since it may hold committed ticks, or still be growing;
 * only if that fails for want of a writable -shm and the -wal is empty is
 * immutable tried.  A non-empty -wal in a read-only directory (a crashed
 * writer's) is left to SQLite, which reads it when the -shm is readable. */
enum wal_state { WAL_MISSING, WAL_EMPTY, WAL_DATA };

static enum wal_state wal_state(const char *path)
{
	char *wal = lt_store_concat(path, "-wal");
	struct stat sb;
	enum wal_state ws = WAL_DATA;

	if (lstat(wal, &sb) < 0)
		ws = errno == ENOENT ? WAL_MISSING : WAL_DATA;
	else if (S_ISREG(sb.st_mode) && sb.st_size == 0)
		ws = WAL_EMPTY;
	free(wal);
	return ws;
}

static int open_session(const char *path, sqlite3 **db)
{
	enum wal_state ws = wal_state(path);
	int rc;

	rc = open_snapshot(path, ws == WAL_MISSING ? "immutable=1" : NULL, db);
	if (rc != SQLITE_OK && ws == WAL_EMPTY &&
	    ((rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_READONLY)) {
		sqlite3_close(*db);
		*db = NULL;
		rc = open_snapshot(path, "immutable=1", db);
	}
	return rc;
}

/* The format row first: every schema version keeps it, so a session from a
 * newer leaktop is recognised as such and not as a foreign database. */
static int check_session(sqlite3 *db, const char *path, lt_err *err)
{
	char buf[256];
	int rc, version;

	rc = lt_store_query_text(db, "SELECT value FROM meta WHERE key = 'format'", buf,
			sizeof(buf));
	if ((rc & 0xff) == SQLITE_ERROR ||
	    (rc == SQLITE_OK && strcmp(buf, LT_STORE_FORMAT) != 0))
		goto not_session;
	if (rc != SQLITE_OK || (rc = lt_store_query_text(db, "PRAGMA user_version", buf,
						sizeof(buf))) != SQLITE_OK)
		return load_fail(db, path, err);
	version = atoi(buf);
	if (version < 1)
		goto not_session;
	if (version > LT_STORE_SCHEMA_VERSION) {
		lt_err_set(err, LT_EXIT_FILE, "%s was written by a newer leaktop "
			   "(schema version %d; this leaktop reads up to %d)",
			   path, version, LT_STORE_SCHEMA_VERSION);
		return -1;
	}
	/* Reads every page once: a truncated or damaged file is refused here
	 * rather than half-loaded. */
	rc = lt_store_query_text(db, "PRAGMA quick_check(1)", buf, sizeof(buf));
	if (rc != SQLITE_OK)
		return load_fail(db, path, err);
	if (strcmp(buf, "ok") != 0) {
		const char *why = buf;

		/* One line: drop the "*** in database main ***" heading. */
		if (strncmp(why, "***", 3) == 0 && strchr(why, '\n'))
			why = strchr(why, '\n') + 1;
		for (char *c = buf; *c; c++)
			if (*c == '\n' || *c == '\t')
				*c = ' ';
		lt_err_set(err, LT_EXIT_FILE, "%s is corrupt or truncated: %s",
			   path, why);
		return -1;
	}
	return 0;
not_session:
	/* A recording creates its file, then its tables: in between, or if
	 * killed right then, the file is an SQLite database with none, which
	 * is said rather than left to look like some other program's. */
	if (lt_store_query_text(db, "SELECT count(*) FROM sqlite_master", buf,
				sizeof(buf)) == SQLITE_OK && strcmp(buf, "0") == 0) {
		lt_err_set(err, LT_EXIT_FILE, "%s is not a leaktop session file (an "
			   "SQLite database without tables: a recording just starting or "
			   "killed as it started, or no session at all)", path);
		return -1;
	}
	lt_err_set(err, LT_EXIT_FILE, "%s is not a leaktop session file", path);
	return -1;
}

static int parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Sets the lt_meta field named key.  Unknown keys (from a newer writer,
 * and 'format') are ignored; a malformed number fails. */
static int meta_field(lt_model *m, const char *key, const char *v)
{
	struct lt_meta *mt = lt_model_meta(m);
	const struct { const char *key; char **field; } strs[] = {
		{"cmdline", &mt->cmdline}, {"exe", &mt->exe},
		{"build_id", &mt->build_id}, {"host", &mt->host},
		{"kernel", &mt->kernel}, {"version", &mt->version},
		{"options", &mt->options}, {"cgroup", &mt->cgroup},
		{"wrappers", &mt->wrappers},
		{"end_reason", &mt->end_reason},
		{"copy_of", &mt->copy_of}, {"copy_range", &mt->copy_range},
	};
	int64_t n;
	char *end;

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (strcmp(key, strs[i].key) == 0) {
			lt_model_set_str(m, strs[i].field, v);
			return 0;
		}
	if (strcmp(key, "pid") == 0) {
		if (parse_i64(v, 0, INT_MAX, &n) < 0)
			return -1;
		mt->pid = (pid_t)n;
	} else if (strcmp(key, "start_ns") == 0) {
		return parse_i64(v, INT64_MIN, INT64_MAX, &mt->start_ns);
	} else if (strcmp(key, "fd_limit") == 0) {
		return parse_i64(v, 0, INT64_MAX, &mt->fd_limit);
	} else if (strcmp(key, "memory_limit") == 0) {
		return parse_i64(v, 0, INT64_MAX, &mt->mem_limit);
	} else if (strcmp(key, "copy_ns") == 0) {
		return parse_i64(v, 0, INT64_MAX, &mt->copy_ns);
	} else if (strcmp(key, "end_ns") == 0) {
		return parse_i64(v, INT64_MIN, INT64_MAX, &mt->end_ns);
	} else if (strcmp(key, "interval") == 0) {
		mt->interval = strtod(v, &end);
		if (end == v || *end || !isfinite(mt->interval) ||
		    mt->interval < 0)
			return -1;
	}
	return 0;
}

static int load_meta(sqlite3 *db, const char *path, lt_model *m, lt_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT key, value FROM meta", -1, &s,
			       NULL) != SQLITE_OK)
		return load_fail(db, path, err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(s, 0);
		const char *v = (const char *)sqlite3_column_text(s, 1);

		if (k && v && meta_field(m, k, v) < 0) {
			lt_err_set(err, LT_EXIT_FILE, "%s is corrupt or "
				   "truncated: meta %.40s has an invalid value "
				   "'%.40s'", path, k, v);
			sqlite3_finalize(s);
			return -1;
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : load_fail(db, path, err);
}

static int load_sources(sqlite3 *db, const char *path, lt_model *m,
			lt_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT name, available, reason FROM source "
			       "ORDER BY rowid", -1, &s, NULL) != SQLITE_OK)
		return load_fail(db, path, err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);

		if (name)
			lt_model_set_source(m, name, sqlite3_column_int(s, 1) != 0,
					    (const char *)sqlite3_column_text(s, 2));
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : load_fail(db, path, err);
}

/* Replays one metric's change rows onto the ticks: its state (have, v)
 * holds from a row's tick until the next row. */
struct carry {
	int id;        /* lt_metric id, -1 for a key this leaktop lacks */
	size_t next;   /* first tick not yet given the state */
	int have;
	int64_t v;
};

static void carry(struct lt_sample *ticks, const int64_t *ids, size_t n,
		  struct carry *c, int64_t upto, int to_end)
{
	for (; c->next < n && (to_end || ids[c->next] < upto); c->next++)
		if (c->have)
			lt_sample_set(&ticks[c->next], c->id, c->v);
}

static int load_values(sqlite3 *db, struct lt_sample *ticks,
		       const int64_t *ids, size_t n)
{
	static const char sql[] =
		"SELECT v.metric_id, m.key, v.tick_id, v.value "
		"FROM metric_value AS v JOIN metric AS m ON m.id = v.metric_id "
		"ORDER BY v.metric_id, v.tick_id";
	struct carry c = {.id = -1};
	sqlite3_stmt *s;
	int64_t mid = 0;
	int rc, started = 0;

	if ((rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL)) != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t tid = sqlite3_column_int64(s, 2);

		if (!started || sqlite3_column_int64(s, 0) != mid) {
			const char *key = (const char *)sqlite3_column_text(s, 1);

			if (c.id >= 0)
				carry(ticks, ids, n, &c, 0, 1);
			started = 1;
			mid = sqlite3_column_int64(s, 0);
			c = (struct carry){.id = key ? lt_metric_by_key(key) : -1};
		}
		if (c.id < 0)
			continue;
		carry(ticks, ids, n, &c, tid, 0);
		if (c.next < n && ids[c.next] == tid) {
			c.have = sqlite3_column_type(s, 3) != SQLITE_NULL;
			c.v = sqlite3_column_int64(s, 3);
		}
	}
	if (c.id >= 0)
		carry(ticks, ids, n, &c, 0, 1);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int load_ticks(sqlite3 *db, const char *path, lt_model *m, lt_err *err)
{
	struct lt_sample *ticks = NULL;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT id, t, wall_ns FROM tick ORDER BY id",
			       -1, &s, NULL) != SQLITE_OK)
		return load_fail(db, path, err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			ticks = lt_xrealloc(ticks, cap * sizeof(*ticks));
			ids = lt_xrealloc(ids, cap * sizeof(*ids));
		}
		memset(&ticks[n], 0, sizeof(ticks[n]));
		ids[n] = sqlite3_column_int64(s, 0);
		ticks[n].t = sqlite3_column_double(s, 1);
		ticks[n].wall_ns = sqlite3_column_int64(s, 2);
		n++;
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		rc = load_values(db, ticks, ids, n);
	if (rc == SQLITE_DONE || rc == SQLITE_OK)
		for (size_t i = 0; i < n; i++)
			lt_model_add_sample(m, &ticks[i]);
	free(ticks);
	free(ids);
	return rc == SQLITE_DONE || rc == SQLITE_OK ? 0 :
	       load_fail(db, path, err);
}

int lt_store_load(const char *path, lt_model **out, lt_err *err)
{
	sqlite3 *db = NULL;
	lt_model *m = NULL;

	*out = NULL;
	if (check_header(path, err) < 0)
		return -1;
	if (open_session(path, &db) != SQLITE_OK) {
		load_fail(db, path, err);
		goto out;
	}
	if (check_session(db, path, err) < 0 || lt_store_check(db, path, err) < 0)
		goto out;
	m = lt_model_new();
	if (load_meta(db, path, m, err) < 0 || load_sources(db, path, m, err) < 0 ||
	    load_ticks(db, path, m, err) < 0 ||
	    lt_store_stacks_load(db, m, path, err) < 0 ||
	    lt_store_heap_load(db, m, path, err) < 0 ||
	    lt_store_goroutines_load(db, m, path, err) < 0 ||
	    lt_store_srctext_load(db, m, path, err) < 0 ||
	    lt_store_reach_load(db, m, path, err) < 0 ||
	    lt_store_agent_load(db, m, path, err) < 0)
		goto out;
	*out = m;
	m = NULL;
out:
	lt_model_free(m);
	sqlite3_close(db);
	return *out ? 0 : -1;
}
