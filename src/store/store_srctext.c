/* Source lines kept with a session (part of the store, lt_store_int.h;
 * table source_text, doc/schema.md). */
#include "lt_store.h"
#include "lt_store_int.h"

#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "lt_srcfile.h"

/* What a load takes at most: more than any recording keeps
 * (LT_SRCCAP_BUDGET), so only a hand-made file meets the bound.  Each row
 * counts ROW_COST more, so a million tiny rows are bounded too. */
#define LOAD_MAX_BYTES (64u << 20)
#define ROW_COST 128
#define SNIP_MAX_BYTES ((size_t)LT_SRCTEXT_MAX_LINES * (LT_SRCFILE_MAX_LINE + 1))

const char lt_store_srctext_sql[] =
	"CREATE TABLE IF NOT EXISTS source_text (file TEXT NOT NULL, "
	"first INTEGER NOT NULL, text TEXT NOT NULL, "
	"PRIMARY KEY (file, first)) WITHOUT ROWID";

int lt_store_srctext_write(sqlite3 *db, struct lt_store_srctext *cur,
			   const lt_model *m, const char *path, lt_err *err)
{
	const lt_srctext *t = lt_model_srctext_c(m);
	size_t n = lt_srctext_count(t);

	if (cur->n >= n)
		return 0;
	if (!cur->ins && sqlite3_prepare_v3(db, "INSERT OR IGNORE INTO source_text "
					    "(file, first, text) VALUES (?, ?, ?)", -1,
					    SQLITE_PREPARE_PERSISTENT, &cur->ins,
					    NULL) != SQLITE_OK)
		return lt_store_write_fail(db, path, err);
	for (size_t i = cur->n; i < n; i++) {
		const struct lt_srcsnip *p = lt_srctext_get(t, i);
		char *text = lt_xmalloc(p->bytes + 1), *q = text;
		int rc;

		for (int k = 0; k < p->n; k++) {
			size_t len = strlen(p->lines[k]);

			memcpy(q, p->lines[k], len);
			q += len;
			*q++ = '\n';
		}
		sqlite3_bind_text(cur->ins, 1, p->file, -1, SQLITE_STATIC);
		sqlite3_bind_int(cur->ins, 2, p->first);
		sqlite3_bind_text(cur->ins, 3, text, (int)(q - text), SQLITE_STATIC);
		rc = lt_store_step(db, cur->ins, path, err);
		free(text);
		if (rc < 0)
			return -1;
	}
	return 0;
}

void lt_store_srctext_commit(struct lt_store_srctext *cur, const lt_model *m)
{
	cur->n = lt_srctext_count(lt_model_srctext_c(m));
}

void lt_store_srctext_free(struct lt_store_srctext *cur)
{
	sqlite3_finalize(cur->ins);
	memset(cur, 0, sizeof(*cur));
}

/* Splits text (len bytes) into its lines, shown like lt_srcfile's: a line
 * cut at LT_SRCFILE_MAX_LINE, control characters as '?'.  Returns the
 * count, 0 when out of bounds. */
static int split(const unsigned char *text, size_t len, char ***out)
{
	char **lines = NULL;
	int n = 0;

	for (size_t i = 0; i < len && n < LT_SRCTEXT_MAX_LINES;) {
		const unsigned char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len, keep = end - i;

		if (keep > LT_SRCFILE_MAX_LINE)
			keep = LT_SRCFILE_MAX_LINE;
		lines = lt_xrealloc(lines, (size_t)(n + 1) * sizeof(*lines));
		lines[n] = lt_xmalloc(keep + 1);
		for (size_t k = 0; k < keep; k++) {
			unsigned char c = text[i + k];

			lines[n][k] = c == '\t' ? ' ' : (c < 0x20 || c == 0x7f) ? '?' : (char)c;
		}
		lines[n++][keep] = '\0';
		i = end + 1;
	}
	*out = lines;
	return n;
}

int lt_store_srctext_load(sqlite3 *db, lt_model *m, const char *path,
			  lt_err *err)
{
	lt_srctext *t = lt_model_srctext(m);
	sqlite3_stmt *s;
	char have[16];
	size_t total = 0;
	int rc;

	if (lt_store_query_text(db, "SELECT count(*) FROM sqlite_master WHERE "
				"name = 'source_text'", have, sizeof(have)) != SQLITE_OK)
		goto fail;
	if (strcmp(have, "0") == 0)
		return 0;
	if (sqlite3_prepare_v2(db, "SELECT file, first, text FROM source_text",
			       -1, &s, NULL) != SQLITE_OK)
		goto fail;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *file = (const char *)sqlite3_column_text(s, 0);
		const unsigned char *text = sqlite3_column_text(s, 2);
		sqlite3_int64 first = sqlite3_column_int64(s, 1);
		size_t len = (size_t)sqlite3_column_bytes(s, 2);
		char **lines;
		int n;

		if (!file || !text || first < 1 || first > INT_MAX / 2 ||
		    len > SNIP_MAX_BYTES || strlen(file) > PATH_MAX ||
		    total + len + ROW_COST > LOAD_MAX_BYTES)
			continue;
		total += len + ROW_COST;
		n = split(text, len, &lines);
		if (n > 0)
			lt_srctext_add(t, file, (int)first, n, lines);
		for (int k = 0; k < n; k++)
			free(lines[k]);
		free(lines);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return 0;
fail:
	lt_err_set(err, LT_EXIT_FILE, "cannot read %s: %s", path, sqlite3_errmsg(db));
	return -1;
}
