/* Fuzzes the session loader (src/store/store_load.c and the loaders of
 * store_stacks.c, store_heap.c, store_goroutines.c it calls): a session
 * file is whatever the user hands `view`, `report` or `export`.
 *
 * Input: a mode byte, then
 *   mode % 4 == 0: the file's bytes, as is (truncated, foreign, corrupt
 *     pages: SQLite and the loader's header checks must refuse them);
 *   otherwise: edits of a real session (tests/fixtures/export_session.lt,
 *     opened in memory with sqlite3_deserialize), 12 bytes each:
 *       op table row column value[8]
 *     op % 8: 0-3 set the cell to a value of kind (op >> 3) % 6 (int64,
 *     small int, double, decimal text, NULL, 8 raw bytes as text); 4
 *     delete the row; 5 drop the table (an older or foreign file); 6
 *     empty the table; 7 negate the cell.  Table, row and column wrap
 *     around the session's own.  Edits that break a constraint are
 *     dropped, as SQLite drops them.
 * The result is written to a file and loaded; a model that loads is
 * walked and freed.  Loading may refuse the file but never crash.
 *
 * fuzz_report.c includes this file with FUZZ_REPORT defined: a model that
 * loads is then also written as `leaktop report` writes it (to
 * /dev/null), so what the loader lets through is fuzzed downstream too. */
#include <stdio.h>
#include <stdlib.h>
#include <sqlite3.h>
#include <unistd.h>

#include "fuzz.h"
#include "lt_store.h"
#ifdef FUZZ_REPORT
#include "lt_report.h"
#endif

#define MAX_TABLES 64
#define MAX_COLS 32

struct table {
	char name[64];
	int rowid;                    /* 0: WITHOUT ROWID */
	int ncols;
	char cols[MAX_COLS][64];
	char key[256];                /* "rowid" or "(pk1, pk2)" */
};

static struct table tables[MAX_TABLES];
static int ntables;
static unsigned char *seed;
static sqlite3_int64 seed_len;
static char path[64];

static void die(const char *what)
{
	fprintf(stderr, "fuzz_store: %s\n", what);
	abort();
}

static sqlite3 *open_seed(void)
{
	sqlite3 *db = NULL;
	unsigned char *copy = sqlite3_malloc64((sqlite3_uint64)seed_len);

	if (!copy || sqlite3_open(":memory:", &db) != SQLITE_OK)
		die("sqlite3_open");
	memcpy(copy, seed, (size_t)seed_len);
	/* A WAL file (bytes 18-19 = 2) cannot be used in memory. */
	copy[18] = copy[19] = 1;
	if (sqlite3_deserialize(db, "main", copy, seed_len, seed_len,
				SQLITE_DESERIALIZE_FREEONCLOSE |
				SQLITE_DESERIALIZE_RESIZEABLE) != SQLITE_OK)
		die("sqlite3_deserialize");
	return db;
}

static void learn(sqlite3 *db)
{
	sqlite3_stmt *st, *ti;
	char sql[256];

	if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' "
			       "AND name NOT LIKE 'sqlite_%' ORDER BY name", -1, &st, NULL))
		die("sqlite_master");
	while (sqlite3_step(st) == SQLITE_ROW && ntables < MAX_TABLES) {
		struct table *t = &tables[ntables++];
		char pk[8][64] = {{0}};
		int npk = 0;

		snprintf(t->name, sizeof(t->name), "%s", sqlite3_column_text(st, 0));
		snprintf(sql, sizeof(sql), "SELECT rowid FROM \"%s\"", t->name);
		t->rowid = sqlite3_prepare_v2(db, sql, -1, &ti, NULL) == SQLITE_OK;
		sqlite3_finalize(ti);
		snprintf(sql, sizeof(sql), "PRAGMA table_info(\"%s\")", t->name);
		if (sqlite3_prepare_v2(db, sql, -1, &ti, NULL))
			die("table_info");
		while (sqlite3_step(ti) == SQLITE_ROW && t->ncols < MAX_COLS) {
			const char *c = (const char *)sqlite3_column_text(ti, 1);
			int k = sqlite3_column_int(ti, 5);

			snprintf(t->cols[t->ncols++], 64, "%s", c);
			if (k >= 1 && k <= 8)
				snprintf(pk[k - 1], 64, "%s", c);
			if (k > npk)
				npk = k;
		}
		sqlite3_finalize(ti);
		if (t->rowid) {
			snprintf(t->key, sizeof(t->key), "rowid");
		} else {
			size_t o = (size_t)snprintf(t->key, sizeof(t->key), "(");

			for (int i = 0; i < npk && i < 8; i++)
				o += (size_t)snprintf(t->key + o, sizeof(t->key) - o, "%s\"%s\"",
						      i ? ", " : "", pk[i]);
			snprintf(t->key + o, sizeof(t->key) - o, ")");
		}
	}
	sqlite3_finalize(st);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *file = LT_FUZZ_ROOT "/tests/fixtures/export_session.lt";
	FILE *f = fopen(file, "rb");
	sqlite3 *db = NULL;

	(void)argc;
	(void)argv;
	if (!f || fseek(f, 0, SEEK_END) || (seed_len = ftell(f)) < 100)
		die("cannot read tests/fixtures/export_session.lt");
	rewind(f);
	seed = malloc((size_t)seed_len);
	if (!seed || fread(seed, 1, (size_t)seed_len, f) != (size_t)seed_len)
		die("cannot read the seed session");
	fclose(f);
	db = open_seed();
	learn(db);
	sqlite3_close(db);
	snprintf(path, sizeof(path), "/dev/shm/lt-fuzz-store-%d.lt", (int)getpid());
	return 0;
}

static void edit(sqlite3 *db, struct fz *in)
{
	unsigned op = fz_u8(in);
	struct table *t = &tables[fz_u8(in) % ntables];
	unsigned row = fz_u8(in), col = fz_u8(in) % (unsigned)t->ncols;
	uint64_t v = fz_u64(in);
	const char *c = t->cols[col];
	char sql[1024], where[512], text[32];
	sqlite3_stmt *st;
	double d;

	snprintf(where, sizeof(where), "%s = (SELECT %s FROM \"%s\" LIMIT 1 OFFSET %u)",
		 t->key, t->key, t->name, row);
	switch (op % 8) {
	case 4:
		snprintf(sql, sizeof(sql), "DELETE FROM \"%s\" WHERE %s", t->name, where);
		break;
	case 5:
		snprintf(sql, sizeof(sql), "DROP TABLE \"%s\"", t->name);
		break;
	case 6:
		snprintf(sql, sizeof(sql), "DELETE FROM \"%s\"", t->name);
		break;
	case 7:
		snprintf(sql, sizeof(sql), "UPDATE \"%s\" SET \"%s\" = -\"%s\" WHERE %s",
			 t->name, c, c, where);
		break;
	default:
		snprintf(sql, sizeof(sql), "UPDATE \"%s\" SET \"%s\" = ?1 WHERE %s",
			 t->name, c, where);
		break;
	}
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return;   /* the table was dropped by an earlier edit */
	switch (op % 8 < 4 ? (op >> 3) % 6 : 99) {
	case 0: sqlite3_bind_int64(st, 1, (sqlite3_int64)v); break;
	case 1: sqlite3_bind_int64(st, 1, (signed char)v); break;
	case 2: memcpy(&d, &v, sizeof(d)); sqlite3_bind_double(st, 1, d); break;
	case 3:
		snprintf(text, sizeof(text), "%lld", (long long)v);
		sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
		break;
	case 4: sqlite3_bind_null(st, 1); break;
	case 5:
		memcpy(text, &v, 8);
		sqlite3_bind_text(st, 1, text, 8, SQLITE_TRANSIENT);
		break;
	}
	sqlite3_step(st);
	sqlite3_finalize(st);
}

static void write_file(const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0)
		die("cannot write the session file");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = {data, size};
	unsigned mode = fz_u8(&in);
	lt_model *m = NULL;
	lt_err err = {0};

	if (mode % 4 == 0) {
		write_file(in.p, in.n);
	} else {
		sqlite3 *db = open_seed();
		sqlite3_int64 n;
		unsigned char *img;

		for (int k = 0; in.n && k < 64; k++)
			edit(db, &in);
		img = sqlite3_serialize(db, "main", &n, 0);
		if (!img)
			die("sqlite3_serialize");
		write_file(img, (size_t)n);
		sqlite3_free(img);
		sqlite3_close(db);
	}
	if (lt_store_load(path, &m, &err) == 0) {
		size_t ticks = lt_model_tick_count(m);

		for (size_t i = 0; i < ticks; i++)
			if (!lt_model_tick(m, i))
				abort();
#ifdef FUZZ_REPORT
		{
			static FILE *null;

			if (!null && !(null = fopen("/dev/null", "w")))
				die("/dev/null");
			lt_report_write(m, null, NULL);
		}
#endif
		lt_model_free(m);
	} else if (!err.msg[0] || m) {
		abort();   /* a refusal always says why, and returns nothing */
	}
	unlink(path);
	return 0;
}
