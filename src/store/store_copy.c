/* A consistent single-file copy of a session (lt_store_copy, lt_store.h).
 *
 * VACUUM INTO reads the source in one read transaction, so the copy is one
 * snapshot even while a recorder appends (WAL: the reader sees every
 * commit made before it started, whether still in FILE-wal or not), and
 * writes a new rollback-journal file that needs no -wal or -shm beside it.
 * Trimming then happens on the copy, never on the source. */
#include "lt_store.h"
#include "lt_store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(sqlite3 *db, const char *what, const char *path, lt_err *err)
{
	lt_err_set(err, LT_EXIT_ERROR, "cannot %s %s: %s", what, path,
		   db ? sqlite3_errmsg(db) : "out of memory");
	return -1;
}

/* Runs printf-formatted sql (numbers only are formatted in: no text). */
static int exec(sqlite3 *db, const char *path, lt_err *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int exec(sqlite3 *db, const char *path, lt_err *err, const char *fmt, ...)
{
	char sql[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail(db, "write", path, err);
	return 0;
}

static int has_table(sqlite3 *db, const char *name)
{
	char sql[128], buf[16];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM sqlite_master WHERE "
		 "type = 'table' AND name = '%s'", name);
	return lt_store_query_text(db, sql, buf, sizeof(buf)) == SQLITE_OK &&
	       strcmp(buf, "0") != 0;
}

/* The columns of table but col, comma-separated, into buf. */
static int columns_but(sqlite3 *db, const char *table, const char *col,
		       char *buf, size_t n)
{
	char sql[128];
	sqlite3_stmt *s;
	size_t len = 0;
	int rc;

	snprintf(sql, sizeof(sql), "PRAGMA table_info(%s)", table);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	buf[0] = '\0';
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(s, 1);

		if (!c || strcmp(c, col) == 0)
			continue;
		len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? ", " : "", c);
		if (len >= n) {
			rc = SQLITE_TOOBIG;
			break;
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Tables whose rows hold a value from their tick on (readers carry the
 * last row forward), by the column naming what the value is of. */
static const struct { const char *table, *key; } carried[] = {
	{"metric_value", "metric_id"}, {"heap_value", "site_id"},
	{"thread_count", "group_id"},  {"goroutine_count", "group_id"},
};
/* Tables with one row per tick, or none. */
static const char *const per_tick[] = {"thread_sample", "goroutine_sample"};

/* Keeps ticks a..b (ids) and renumbers them from 1.  The state at a of
 * everything carried forward is written at a first, so the copy reads the
 * same as the original from a on. */
static int trim(sqlite3 *db, const char *path, int64_t a, int64_t b, lt_err *err)
{
	char cols[1024];
	int64_t d = a - 1, off;
	char buf[32];

	if (lt_store_query_text(db, "SELECT max(id) FROM tick", buf, sizeof(buf)) != SQLITE_OK)
		return fail(db, "write", path, err);
	off = strtoll(buf, NULL, 10) + 1;
	for (size_t i = 0; i < sizeof(carried) / sizeof(carried[0]); i++) {
		const char *t = carried[i].table, *k = carried[i].key;

		if (!has_table(db, t))
			continue;
		if (columns_but(db, t, "tick_id", cols, sizeof(cols)) < 0)
			return fail(db, "write", path, err);
		if (exec(db, path, err, "INSERT OR IGNORE INTO %s (tick_id, %s) SELECT %" PRId64
			 ", %s FROM %s AS v WHERE tick_id = (SELECT max(tick_id) FROM %s AS w "
			 "WHERE w.%s = v.%s AND w.tick_id < %" PRId64 ")",
			 t, cols, a, cols, t, t, k, k, a) < 0 ||
		    exec(db, path, err, "DELETE FROM %s WHERE tick_id < %" PRId64
			 " OR tick_id > %" PRId64, t, a, b) < 0)
			return -1;
	}
	for (size_t i = 0; i < sizeof(per_tick) / sizeof(per_tick[0]); i++)
		if (has_table(db, per_tick[i]) &&
		    exec(db, path, err, "DELETE FROM %s WHERE tick_id < %" PRId64
			 " OR tick_id > %" PRId64, per_tick[i], a, b) < 0)
			return -1;
	/* Heap sites first seen after b go (the last ids: sites are numbered
	 * as they appear); earlier ones start at a.  Mappings likewise. */
	/* Groups first counted after b go too (the last ids, like sites;
	 * ids must stay dense), with their names. */
	for (int g = 0; g < 2; g++) {
		const char *grp = g ? "goroutine_group" : "thread_group";
		const char *cnt = g ? "goroutine_count" : "thread_count";
		const char *nm = g ? "goroutine_creator" : "thread_name";

		if (!has_table(db, grp))
			continue;
		if (exec(db, path, err, "DELETE FROM %s WHERE id > (SELECT coalesce(max(group_id), 0) "
			 "FROM %s); DELETE FROM %s WHERE group_id NOT IN (SELECT id FROM %s)",
			 grp, cnt, nm, grp) < 0)
			return -1;
	}
	if (exec(db, path, err, "DELETE FROM heap_site WHERE first_tick > %" PRId64, b) < 0 ||
	    exec(db, path, err, "UPDATE heap_site SET first_tick = %" PRId64
		 " WHERE first_tick < %" PRId64, a, a) < 0 ||
	    exec(db, path, err, "DELETE FROM module_map WHERE first_tick > %" PRId64
		 " OR last_tick < %" PRId64, b, a) < 0 ||
	    exec(db, path, err, "UPDATE module_map SET first_tick = max(first_tick, %" PRId64
		 "), last_tick = CASE WHEN last_tick > %" PRId64 " THEN NULL ELSE last_tick END",
		 a, b) < 0 ||
	    exec(db, path, err, "DELETE FROM tick WHERE id < %" PRId64 " OR id > %" PRId64, a, b) < 0)
		return -1;
	if (d == 0)
		return 0;
	/* Renumbered through ids above every existing one, so no step of an
	 * UPDATE meets a key still in use. */
	for (int pass = 0; pass < 2; pass++) {
		int64_t by = pass == 0 ? off : -(off + d);

		for (size_t i = 0; i < sizeof(carried) / sizeof(carried[0]); i++)
			if (has_table(db, carried[i].table) &&
			    exec(db, path, err, "UPDATE %s SET tick_id = tick_id + %" PRId64,
				 carried[i].table, by) < 0)
				return -1;
		for (size_t i = 0; i < sizeof(per_tick) / sizeof(per_tick[0]); i++)
			if (has_table(db, per_tick[i]) &&
			    exec(db, path, err, "UPDATE %s SET tick_id = tick_id + %" PRId64,
				 per_tick[i], by) < 0)
				return -1;
		if (exec(db, path, err, "UPDATE tick SET id = id + %" PRId64, by) < 0)
			return -1;
	}
	return exec(db, path, err, "UPDATE heap_site SET first_tick = first_tick - %" PRId64
		    "; UPDATE module_map SET first_tick = first_tick - %" PRId64
		    ", last_tick = last_tick - %" PRId64, d, d, d);
}

static int meta_put(sqlite3 *db, const char *path, const char *key,
		    const char *value, lt_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db, value ? "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)" :
			       "DELETE FROM meta WHERE key = ?", -1, &s, NULL) != SQLITE_OK)
		return fail(db, "write", path, err);
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if (value)
		sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : fail(db, "write", path, err);
}

/* The id of the tick at index i in time order, or -1. */
static int64_t tick_id_at(sqlite3 *db, size_t i)
{
	char sql[96], buf[32];

	snprintf(sql, sizeof(sql), "SELECT id FROM tick ORDER BY id LIMIT 1 OFFSET %zu", i);
	if (lt_store_query_text(db, sql, buf, sizeof(buf)) != SQLITE_OK || !buf[0])
		return -1;
	return strtoll(buf, NULL, 10);
}

/* Everything done on the copy, in one transaction. */
static int edit(sqlite3 *db, const char *dst, const struct lt_store_copy_opts *o,
		lt_err *err)
{
	struct lt_store_srctext src = {0, NULL};
	char ns[24];
	int rc;

	if (exec(db, dst, err, "BEGIN IMMEDIATE") < 0)
		return -1;
	rc = 0;
	if (o->trim) {
		int64_t a = tick_id_at(db, o->from), b = tick_id_at(db, o->to);

		if (a < 0 || b < a) {
			lt_err_set(err, LT_EXIT_USAGE, "no ticks between the two moments");
			rc = -1;
		} else {
			rc = trim(db, dst, a, b, err);
		}
	}
	snprintf(ns, sizeof(ns), "%" PRId64, o->copy_ns);
	if (rc == 0)
		rc = meta_put(db, dst, "copy_of", o->copy_of, err);
	if (rc == 0)
		rc = meta_put(db, dst, "copy_ns", ns, err);
	if (rc == 0)
		rc = meta_put(db, dst, "copy_range", o->trim ? o->range : NULL, err);
	if (rc == 0 && o->no_sources && has_table(db, "source_text"))
		rc = exec(db, dst, err, "DELETE FROM source_text");
	if (rc == 0 && !o->no_sources && o->m) {
		rc = exec(db, dst, err, "%s", lt_store_srctext_sql);
		if (rc == 0)
			rc = lt_store_srctext_write(db, &src, o->m, dst, err);
		lt_store_srctext_free(&src);
	}
	if (rc == 0)
		return exec(db, dst, err, "COMMIT");
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int open_db(const char *path, const char *params, int flags, sqlite3 **db)
{
	char *uri = lt_store_file_uri(path, params);
	int rc = sqlite3_open_v2(uri, db, flags | SQLITE_OPEN_URI, NULL);

	free(uri);
	if (rc == SQLITE_OK)
		sqlite3_busy_timeout(*db, LT_STORE_BUSY_MS);
	return rc;
}

int lt_store_copy(const char *src, const char *dst,
		  const struct lt_store_copy_opts *o, lt_err *err)
{
	sqlite3 *in = NULL, *out = NULL;
	sqlite3_stmt *s = NULL;
	struct stat sb;
	char *uri = NULL, *wal = lt_store_concat(src, "-wal");
	int rc = -1, fd;

	/* Without FILE-wal no writer is running and the main file holds
	 * every commit: read it as immutable (no -shm made beside it). */
	if (open_db(src, lstat(wal, &sb) < 0 && errno == ENOENT ? "immutable=1" : NULL,
		    SQLITE_OPEN_READONLY, &in) != SQLITE_OK) {
		fail(in, "read", src, err);
		if (err)
			err->code = LT_EXIT_FILE;
		goto out;
	}
	uri = lt_store_file_uri(dst, NULL);
	if (sqlite3_prepare_v2(in, "VACUUM INTO ?", -1, &s, NULL) != SQLITE_OK) {
		fail(in, "copy", src, err);
		goto out;
	}
	sqlite3_bind_text(s, 1, uri, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		fail(in, "copy", src, err);
		goto out;
	}
	if (open_db(dst, NULL, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, &out) != SQLITE_OK ||
	    sqlite3_exec(out, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		fail(out, "write", dst, err);
		goto out;
	}
	if (edit(out, dst, o, err) < 0)
		goto out;
	/* Trimmed or stripped: give the space back. */
	if ((o->trim || o->no_sources) &&
	    sqlite3_exec(out, "VACUUM", NULL, NULL, NULL) != SQLITE_OK) {
		fail(out, "write", dst, err);
		goto out;
	}
	if (sqlite3_close(out) != SQLITE_OK) {
		fail(out, "write", dst, err);
		goto out;
	}
	out = NULL;
	/* On disk before the caller renames it into place. */
	fd = open(dst, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fsync(fd) < 0) {
		lt_err_set(err, LT_EXIT_ERROR, "cannot write %s: %s", dst, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	rc = 0;
out:
	sqlite3_finalize(s);
	sqlite3_close(in);
	sqlite3_close(out);
	free(uri);
	free(wal);
	return rc;
}
