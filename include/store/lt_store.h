/* The session file: one SQLite database per session (schema in
 * data/schema.sql, documented in doc/schema.md).
 *
 * One writer; WAL journal; one transaction per tick, so a crash or SIGKILL
 * loses at most the tick being written and the file always opens.  Only
 * values that changed since the previous tick are stored (heap sites: by
 * the row policy of doc/schema.md, heap_value).  The schema
 * version is PRAGMA user_version; files from a newer leaktop are refused.
 * Only this module includes <sqlite3.h>. */
#ifndef LT_STORE_H
#define LT_STORE_H

#include "lt_err.h"
#include "lt_model.h"

#define LT_STORE_SCHEMA_VERSION 3

typedef struct lt_store lt_store;

/* Creates a new session file at path.  Refuses (LT_EXIT_FILE, one-line
 * message naming the path and the cause) when path exists (unless force),
 * is a symlink (even with force), or its directory is missing or not
 * writable.  With force an existing regular file and its -wal/-shm are
 * replaced.  On error NULL is returned and nothing is left behind. */
lt_store *lt_store_create(const char *path, int force, lt_err *err);

/* Writes (or rewrites) the metadata and source states of m.  One
 * transaction. */
int lt_store_write_meta(lt_store *st, const lt_model *m, lt_err *err);

/* Appends tick s as one transaction, storing only the metrics whose value or
 * availability changed since the previous tick. */
int lt_store_add_tick(lt_store *st, const struct lt_sample *s, lt_err *err);

/* Appends the model's last tick as one transaction, together with what the
 * model gained since the previous commit: new frames, stacks and thread
 * groups, and the group counts of a thread sample taken at this tick (only
 * counts that changed).  On error nothing of the tick is stored and the
 * next commit writes it all again. */
int lt_store_commit_tick(lt_store *st, const lt_model *m, lt_err *err);

/* Writes the heap rows still waiting (doc/schema.md, heap_value) at the
 * last tick committed, records end time and reason, checkpoints the WAL
 * into the main file and closes.  st is freed even on error. */
int lt_store_finish(lt_store *st, int64_t end_ns, const char *reason,
		    lt_err *err);

/* Closes without recording an end (the file stays valid: every committed
 * tick is readable; heap rows still waiting are lost, as in a kill).
 * NULL-safe. */
void lt_store_close(lt_store *st);

/* Loads a session file into a new model (*out, caller frees).  Fails with
 * LT_EXIT_FILE for a missing file, a file that is not a session (not SQLite,
 * or SQLite without leaktop's tables), a truncated or corrupt file, and a
 * schema version newer than this leaktop reads.  Opens read-only, so it
 * works on a session still being recorded (committed ticks only). */
int lt_store_load(const char *path, lt_model **out, lt_err *err);

/* What lt_store_copy writes besides the session. */
struct lt_store_copy_opts {
	int trim;               /* keep only ticks from..to (indexes in time
				   order, as loaded), renumbered from 1 */
	size_t from, to;
	const char *range;      /* meta copy_range when trimmed */
	const char *copy_of;    /* meta copy_of: "PATH on HOST" */
	int64_t copy_ns;        /* meta copy_ns: when the copy was taken */
	int no_sources;         /* leave out every kept source line */
	const lt_model *m;      /* unless no_sources, its lt_srctext lines
				   are added to those the file keeps; NULL:
				   none */
};

/* Copies session file src into dst, an empty file the caller created,
 * as one consistent snapshot: every tick committed when the copy starts,
 * also while src is being recorded (its -wal is read, never written), into
 * a single file that needs no -wal or -shm beside it.  Then trims it and
 * writes the copy's metadata (o).  Returns 0 (dst is synced to disk), or
 * -1 with err: LT_EXIT_FILE when src cannot be read, LT_EXIT_USAGE for an
 * empty range, LT_EXIT_ERROR when dst cannot be written; dst is then left
 * for the caller to remove. */
int lt_store_copy(const char *src, const char *dst,
		  const struct lt_store_copy_opts *o, lt_err *err);

#endif
