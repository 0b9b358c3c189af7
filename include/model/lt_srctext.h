/* Source lines kept with a session: the lines around the frames of its
 * heap sites and thread and goroutine groups, read while recording (or at
 * export) so that the source view works where the files are not (a copy
 * of the session on a laptop).  One snippet per file and first line;
 * their total size is bounded by whoever adds them (lt_srccap). */
#ifndef LT_SRCTEXT_H
#define LT_SRCTEXT_H

#include <stddef.h>

#define LT_SRCTEXT_CONTEXT 8          /* lines kept each side of a frame's */
#define LT_SRCTEXT_MAX_LINES 1000     /* lines of one snippet, at most */

struct lt_srcsnip {
	char *file;      /* as the frames name it (lt_frame_sym.file) */
	int first;       /* line number of lines[0], >= 1 */
	int n;           /* >= 1 */
	char **lines;    /* NUL-terminated, without '\n' */
	size_t bytes;    /* sum of the lines' lengths plus one each */
};

typedef struct lt_srctext lt_srctext;

lt_srctext *lt_srctext_new(void);       /* never NULL */
void lt_srctext_free(lt_srctext *t);    /* NULL-safe */

/* Adds a copy of lines [first, first + n) of file, unless a snippet of
 * file starting at first is there already.  Returns 1 when added, 0 when
 * already there or invalid (no file, first < 1, n outside 1..MAX_LINES).
 * Indexes are dense from 0 and stable, so a writer can persist
 * "everything from index N on". */
int lt_srctext_add(lt_srctext *t, const char *file, int first, int n,
		   char *const *lines);
size_t lt_srctext_count(const lt_srctext *t);
const struct lt_srcsnip *lt_srctext_get(const lt_srctext *t, size_t i);
/* Bytes of every snippet's lines (lt_srcsnip.bytes summed). */
size_t lt_srctext_bytes(const lt_srctext *t);
/* The snippet of file that holds line with the most lines around it, or
 * NULL. */
const struct lt_srcsnip *lt_srctext_find(const lt_srctext *t,
					 const char *file, int line);

#endif
