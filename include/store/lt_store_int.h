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

/* Sets err to "cannot write PATH: <SQLite's message>" (LT_EXIT_ERROR) and
 * returns -1. */
int lt_store_write_fail(sqlite3 *db, const char *path, lt_err *err);
/* Steps statement s to its end and resets it with its bindings cleared.
 * Returns 0, or -1 with err (lt_store_write_fail). */
int lt_store_step(sqlite3 *db, sqlite3_stmt *s, const char *path, lt_err *err);

/* a + b, newly allocated. */
char *lt_store_concat(const char *a, const char *b);
/* "file:" URI for path with optional query params (percent-encoded so
 * '?', '#' and '%' in file names survive); caller frees. */
char *lt_store_file_uri(const char *path, const char *params);
/* First column of the first row of sql as text in buf ("" when no row or
 * NULL).  Returns SQLITE_OK or the error code. */
int lt_store_query_text(sqlite3 *db, const char *sql, char *buf, size_t n);

/* The store's parts.  store.c owns the file, the metadata and the ticks;
 * for each tick it calls the parts side by side, inside its one
 * transaction:
 *
 *     BEGIN; tick row; lt_store_stacks_write; lt_store_heap_write; COMMIT;
 *     then lt_store_stacks_commit and lt_store_heap_commit
 *
 * and loading (store_load.c) calls lt_store_stacks_load then
 * lt_store_heap_load.  A part never calls another part or back into
 * store.c: each owns its cursor (what of the model is in the file already)
 * and its prepared statements, and writes only its own tables.  The one
 * order that matters is stacks before heap: heap_site rows name stack
 * ids. */

/* ---- stacks (store_stacks.c): frames, modules, stacks, thread groups,
 * their names, counts and thread samples ---- */
struct lt_store_stacks {
	size_t frames, stacks, groups, samples;
	size_t *group_names;    /* names persisted per group */
	int64_t *group_last;    /* count last persisted per group */
	size_t cap;
	char **modules;         /* module paths, id = index + 1 */
	size_t nmodules;
	sqlite3_stmt **stmt;    /* prepared on first use */
};

/* Writes what m gained since cur (frames, stacks, thread groups, their
 * names and the counts of new thread samples, tagged with tick_id) inside
 * the caller's open transaction.  cur is not advanced: a tick that fails or
 * is rolled back is written again in full by the next call.  Returns 0, or
 * -1 with err (LT_EXIT_ERROR, SQLite's message); the caller rolls back. */
int lt_store_stacks_write(sqlite3 *db, struct lt_store_stacks *cur,
			  const lt_model *m, int64_t tick_id, const char *path,
			  lt_err *err);
/* The samples of groups g from sample `from` on (one sample row each,
 * tagged tick_id; with_total binds total_stop_ns as the 5th column) and
 * the group counts that differ from last (updated).  Thread and goroutine
 * groups share it.  Returns 0, or -1 with err. */
int lt_store_group_counts(sqlite3 *db, const lt_tgroups *g, size_t from,
			  int64_t *last, sqlite3_stmt *sample, sqlite3_stmt *count,
			  int with_total, int64_t tick_id, const char *path,
			  lt_err *err);
/* Marks everything of m as persisted; call after COMMIT.  Can't fail. */
void lt_store_stacks_commit(struct lt_store_stacks *cur, const lt_model *m);
/* Frees cur's memory and statements and zeroes it. */
void lt_store_stacks_free(struct lt_store_stacks *cur);
/* Loads frames, stacks and thread groups into m.  Returns 0, or -1 with
 * err (the file is corrupt or unreadable); m then holds part of them. */
int lt_store_stacks_load(sqlite3 *db, lt_model *m, const char *path,
			 lt_err *err);

/* ---- heap (store_heap.c): heap_site, heap_value, meta
 * 'heap_sample_rate' ---- */
/* What the file holds of one heap site, for the row policy of
 * store_heap.c (a changed site waits up to LT_STORE_HEAP_MAX_AGE for its
 * row unless its live counters leave the range written so far).  Changed
 * by lt_store_heap_commit only, but `seen`. */
struct lt_store_hrow {
	struct lt_hval val;     /* pending: the value still to write */
	int64_t lo[2], hi[2];   /* live_bytes, live_count: lowest and highest
				   written */
	double t;               /* tick time (lt_sample.t) of its last row */
	size_t k;               /* the heap sample that row holds */
	unsigned seen;          /* scratch of one write: lt_store_heap.pass */
	unsigned char has_row, pending; /* pending: changed since its row */
};

/* Allocation, free-flow and descriptor sites share heap_site's ids; each
 * family's persisted sites and samples, the ids of its sites and what the
 * file holds of each. */
struct lt_store_family {
	size_t sites, samples;
	int64_t *ids;           /* heap_site id of each site */
	struct lt_store_hrow *rows; /* per site, as committed */
	size_t cap;
	size_t *pend;           /* the sites with rows[i].pending */
	size_t npend, pcap;
};

/* What one write decided for a site, applied by lt_store_heap_commit. */
struct lt_store_hact {
	size_t site;
	int fam;
	int what;               /* LT_HACT_* (store_heap.c) */
};

/* The longest a changed site's row waits, in seconds of session time:
 * 5 ticks at the default interval (doc/schema.md, heap_value). */
#define LT_STORE_HEAP_MAX_AGE 5.0

struct lt_store_heap {
	struct lt_store_family fam[3];
	int64_t next_site_id;   /* the last heap_site id committed */
	int64_t pending_site_id; /* ... and written by the open tick */
	uint64_t heap_rate;
	struct lt_store_hact *act; /* the open tick's decisions */
	size_t nact, acap;
	unsigned pass;          /* writes so far (for lt_store_hrow.seen) */
	sqlite3_stmt *heap_site, *heap_value; /* prepared on first use */
};

/* Writes the heap sites m gained since cur, and the counters of the heap
 * samples taken since, as of tick_id, by the row policy of store_heap.c.
 * The sites' stacks must be written already (lt_store_stacks_write, same
 * transaction).  Same transaction and error rules as
 * lt_store_stacks_write. */
int lt_store_heap_write(sqlite3 *db, struct lt_store_heap *cur,
			const lt_model *m, int64_t tick_id, const char *path,
			lt_err *err);
/* Marks m's heap sites and samples as persisted, and what the write of
 * the tick decided for each site (written, or its row waiting) as what the
 * file holds; after COMMIT. */
void lt_store_heap_commit(struct lt_store_heap *cur, const lt_model *m);
/* Writes the row every pending site still waits for, as of tick_id (the
 * last tick committed), inside the caller's open transaction: the end of
 * a session holds every site's last counters.  cur is not changed.
 * Returns 0, or -1 with err. */
int lt_store_heap_flush(sqlite3 *db, struct lt_store_heap *cur,
			int64_t tick_id, const char *path, lt_err *err);
void lt_store_heap_free(struct lt_store_heap *cur);
/* Loads heap sites into m, after its stacks (lt_store_stacks_load).
 * Returns 0, or -1 with err. */
int lt_store_heap_load(sqlite3 *db, lt_model *m, const char *path,
		       lt_err *err);

/* ---- goroutine groups (store_goroutines.c): goroutine_group,
 * goroutine_creator, goroutine_count, goroutine_sample, goroutine_wait ---- */
struct lt_store_goroutines {
	size_t groups, samples, cap;
	size_t *names;          /* creators persisted per group */
	int64_t *last;          /* count last persisted per group */
	double *since;          /* wait start last persisted per group (NAN) */
	sqlite3_stmt *stmt[5];  /* prepared on first use */
};

/* Writes the goroutine groups m gained since cur, their creators and the
 * counts of the goroutine samples taken since, as of tick_id.  Their
 * stacks must be written already.  Same transaction and error rules as
 * lt_store_stacks_write. */
int lt_store_goroutines_write(sqlite3 *db, struct lt_store_goroutines *cur,
			      const lt_model *m, int64_t tick_id,
			      const char *path, lt_err *err);
/* Marks m's goroutine groups and samples as persisted; after COMMIT. */
void lt_store_goroutines_commit(struct lt_store_goroutines *cur,
				const lt_model *m);
void lt_store_goroutines_free(struct lt_store_goroutines *cur);
/* Loads them into m, after its stacks; a file written before these
 * tables existed loads with none.  Returns 0, or -1 with err. */
int lt_store_goroutines_load(sqlite3 *db, lt_model *m, const char *path,
			     lt_err *err);

/* ---- source lines (store_srctext.c): source_text ---- */
/* The table, for files written before it existed (a copy of one gains
 * it at export). */
extern const char lt_store_srctext_sql[];
struct lt_store_srctext {
	size_t n;               /* snippets persisted */
	sqlite3_stmt *ins;      /* prepared on first use */
};

/* Writes the snippets m gained since cur, inside the caller's open
 * transaction.  Same error rules as lt_store_stacks_write. */
int lt_store_srctext_write(sqlite3 *db, struct lt_store_srctext *cur,
			   const lt_model *m, const char *path, lt_err *err);
void lt_store_srctext_commit(struct lt_store_srctext *cur, const lt_model *m);
void lt_store_srctext_free(struct lt_store_srctext *cur);
/* Loads the kept lines into m; none from a file without the table.  Rows
 * out of bounds (a hand-edited file) are skipped.  Returns 0, or -1 with
 * err. */
int lt_store_srctext_load(sqlite3 *db, lt_model *m, const char *path,
			  lt_err *err);

/* ---- checks (store_check.c) ---- */

/* Checks every number of the session in db that a reader shows (sizes,
 * counts, times, their order) against what a recording can write.
 * Returns 0, or -1 with err (LT_EXIT_FILE) naming the table, row and
 * column of the first impossible value (or SQLite's message). */
int lt_store_check(sqlite3 *db, const char *path, lt_err *err);


/* ---- reachability scans (store_reach.c): reach_scan, reach_site ---- */
struct lt_store_reach {
	size_t scans;           /* scans persisted */
	sqlite3_stmt *stmt[2];  /* prepared on first use */
};

/* Writes the scans m gained since c (with the sites they proved), tagged
 * tick_id.  Their stacks must be written already.  Same transaction and
 * error rules as lt_store_stacks_write. */
int lt_store_reach_write(sqlite3 *db, struct lt_store_reach *c,
			 const lt_model *m, int64_t tick_id, const char *path,
			 lt_err *err);
/* Marks m's scans as persisted; after COMMIT. */
void lt_store_reach_commit(struct lt_store_reach *c, const lt_model *m);
void lt_store_reach_free(struct lt_store_reach *c);
/* Loads the scans into m, after its stacks; a file written before these
 * tables existed loads with none.  Returns 0, or -1 with err. */
int lt_store_reach_load(sqlite3 *db, lt_model *m, const char *path,
			lt_err *err);

/* ---- the heap agent's cost and losses (store_agent.c): heap_agent ---- */
struct lt_store_agent {
	size_t rows;            /* model rows persisted */
	sqlite3_stmt *ins;      /* prepared on first use */
};

/* Writes the agent rows m gained since cur, as of tick_id.  Same
 * transaction and error rules as lt_store_stacks_write. */
int lt_store_agent_write(sqlite3 *db, struct lt_store_agent *cur,
			 const lt_model *m, int64_t tick_id, const char *path,
			 lt_err *err);
/* Marks m's agent rows as persisted; after COMMIT. */
void lt_store_agent_commit(struct lt_store_agent *cur, const lt_model *m);
void lt_store_agent_free(struct lt_store_agent *cur);
/* Loads them into m; a file without the table loads with none, a row
 * with a negative or non-integer figure is refused naming it.  Returns
 * 0, or -1 with err. */
int lt_store_agent_load(sqlite3 *db, lt_model *m, const char *path,
			lt_err *err);
#endif
