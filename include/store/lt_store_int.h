/* Internal to the store's files (src/store*.c): what they share.  Nothing
 * outside the store includes this header. */
#ifndef LT_STORE_INT_H
#define LT_STORE_INT_H

#include <sqlite3.h>
#include <stdint.h>

#include "lt_err.h"
#include "lt_model.h"

#define LT_STORE_BUSY_MS 5000   /* wait this long for a lock held by another */
#define LT_STORE_FORMAT "leaktop-session" /* meta 'format' of our files */

/* a + b, newly allocated. */
char *lt_store_concat(const char *a, const char *b);
/* "file:" URI for path with optional query params (percent-encoded so
 * '?', '#' and '%' in file names survive); caller frees. */
char *lt_store_file_uri(const char *path, const char *params);
/* First column of the first row of sql as text in buf ("" when no row or
 * NULL).  Returns SQLITE_OK or the error code. */
int lt_store_query_text(sqlite3 *db, const char *sql, char *buf, size_t n);

/* How much of the model's stacks and thread groups is already in the file:
 * the writer persists everything past it with each tick. */
struct lt_store_cursor {
	size_t frames, stacks, groups, samples;
	size_t *group_names;    /* names persisted per group */
	int64_t *group_last;    /* count last persisted per group */
	size_t cap;
	char **modules;         /* module paths, id = index + 1 */
	size_t nmodules;
	sqlite3_stmt **stmt;    /* prepared on first use */
	/* heap sites (store_heap.c) */
	size_t sites, hsamples;
	uint64_t heap_rate;
	sqlite3_stmt *heap_site, *heap_value;
	struct lt_store_gcur *go; /* goroutine groups (store_goroutines.c) */
};

/* Writes what the model gained since cur (frames, stacks, thread groups,
 * their names and the counts of new thread samples, tagged with tick_id)
 * inside the caller's open transaction.  cur is advanced only by
 * lt_store_cursor_commit after the transaction commits. */
int lt_store_stacks_write(sqlite3 *db, struct lt_store_cursor *cur,
			  const lt_model *m, int64_t tick_id, const char *path,
			  lt_err *err);
/* Marks everything of m as persisted (call after COMMIT). */
void lt_store_cursor_commit(struct lt_store_cursor *cur, const lt_model *m);
void lt_store_cursor_free(struct lt_store_cursor *cur);

/* Loads frames, stacks and thread groups into m. */
int lt_store_stacks_load(sqlite3 *db, lt_model *m, const char *path,
			 lt_err *err);

/* Writes the heap sites the model gained since cur, and the counters of
 * the heap samples taken since, as of tick_id (store_heap.c).  Same
 * transaction rules as lt_store_stacks_write. */
int lt_store_heap_write(sqlite3 *db, struct lt_store_cursor *cur,
			const lt_model *m, int64_t tick_id, const char *path,
			lt_err *err);
void lt_store_heap_commit(struct lt_store_cursor *cur, const lt_model *m);
void lt_store_heap_free(struct lt_store_cursor *cur);
/* Loads heap sites into m (after its stacks). */
int lt_store_heap_load(sqlite3 *db, lt_model *m, const char *path,
		       lt_err *err);

/* Goroutine groups (store_goroutines.c): written, committed, freed and
 * loaded like the thread groups, in their own tables. */
int lt_store_goroutines_write(sqlite3 *db, struct lt_store_cursor *cur,
			      const lt_model *m, int64_t tick_id,
			      const char *path, lt_err *err);
void lt_store_goroutines_commit(struct lt_store_cursor *cur, const lt_model *m);
void lt_store_goroutines_free(struct lt_store_cursor *cur);
/* Loads them into m (after its stacks); a file without the tables loads
 * with none. */
int lt_store_goroutines_load(sqlite3 *db, lt_model *m, const char *path,
			     lt_err *err);
#endif
