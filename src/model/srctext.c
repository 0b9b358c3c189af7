/* Source lines kept with a session (lt_srctext.h).  Snippets are found by
 * (file, first) through an open-addressing index, and a file's snippets
 * through a second one and a chain, since a recording adds one per
 * distinct frame line and checks each new frame against its file's. */
#include "lt_srctext.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lt_err.h"

struct lt_srctext {
	struct lt_srcsnip *s;
	size_t *same;       /* per snippet: the previous one of its file,
			       index + 1; 0 = none */
	size_t n, cap;
	size_t bytes;
	size_t *idx;        /* by (file, first): snippet index + 1; 0 = empty */
	size_t *fidx;       /* by file: its last snippet, index + 1 */
	size_t idxcap;      /* of both; a power of two */
};

static uint64_t key(const char *file, int first)
{
	uint64_t h = 1469598103934665603ULL;

	while (*file)
		h = (h ^ (unsigned char)*file++) * 1099511628211ULL;
	return (h ^ (uint64_t)(unsigned)first) * 1099511628211ULL;
}

static size_t *slot(const lt_srctext *t, const char *file, int first)
{
	size_t i = key(file, first) & (t->idxcap - 1);

	while (t->idx[i]) {
		const struct lt_srcsnip *p = &t->s[t->idx[i] - 1];

		if (p->first == first && strcmp(p->file, file) == 0)
			break;
		i = (i + 1) & (t->idxcap - 1);
	}
	return &t->idx[i];
}

/* The file's slot in fidx (found, or the empty one to fill). */
static size_t *file_slot(const lt_srctext *t, const char *file)
{
	size_t i = key(file, 0) & (t->idxcap - 1);

	while (t->fidx[i] && strcmp(t->s[t->fidx[i] - 1].file, file) != 0)
		i = (i + 1) & (t->idxcap - 1);
	return &t->fidx[i];
}

static void grow_index(lt_srctext *t)
{
	free(t->idx);
	free(t->fidx);
	t->idxcap = t->idxcap ? 2 * t->idxcap : 256;
	t->idx = lt_xcalloc(t->idxcap, sizeof(*t->idx));
	t->fidx = lt_xcalloc(t->idxcap, sizeof(*t->fidx));
	for (size_t i = 0; i < t->n; i++) {
		*slot(t, t->s[i].file, t->s[i].first) = i + 1;
		*file_slot(t, t->s[i].file) = i + 1;  /* ends with the last */
	}
}

lt_srctext *lt_srctext_new(void)
{
	lt_srctext *t = lt_xcalloc(1, sizeof(*t));

	grow_index(t);
	return t;
}

void lt_srctext_free(lt_srctext *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		for (int k = 0; k < t->s[i].n; k++)
			free(t->s[i].lines[k]);
		free(t->s[i].lines);
		free(t->s[i].file);
	}
	free(t->s);
	free(t->same);
	free(t->idx);
	free(t->fidx);
	free(t);
}

int lt_srctext_add(lt_srctext *t, const char *file, int first, int n,
		   char *const *lines)
{
	struct lt_srcsnip *p;
	size_t *sl, *fs;

	if (!file || !*file || first < 1 || n < 1 || n > LT_SRCTEXT_MAX_LINES ||
	    first > INT32_MAX - n)
		return 0;
	if (*(sl = slot(t, file, first)))
		return 0;
	if (2 * (t->n + 1) > t->idxcap) {
		grow_index(t);
		sl = slot(t, file, first);
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->s = lt_xrealloc(t->s, t->cap * sizeof(*t->s));
		t->same = lt_xrealloc(t->same, t->cap * sizeof(*t->same));
	}
	p = &t->s[t->n];
	p->file = lt_xstrdup(file);
	p->first = first;
	p->n = n;
	p->lines = lt_xcalloc((size_t)n, sizeof(*p->lines));
	p->bytes = 0;
	for (int k = 0; k < n; k++) {
		p->lines[k] = lt_xstrdup(lines[k] ? lines[k] : "");
		p->bytes += strlen(p->lines[k]) + 1;
	}
	t->bytes += p->bytes;
	*sl = t->n + 1;
	fs = file_slot(t, file);
	t->same[t->n] = *fs;
	*fs = ++t->n;
	return 1;
}

size_t lt_srctext_count(const lt_srctext *t)
{
	return t->n;
}

const struct lt_srcsnip *lt_srctext_get(const lt_srctext *t, size_t i)
{
	return i < t->n ? &t->s[i] : NULL;
}

size_t lt_srctext_bytes(const lt_srctext *t)
{
	return t->bytes;
}

const struct lt_srcsnip *lt_srctext_find(const lt_srctext *t,
					 const char *file, int line)
{
	const struct lt_srcsnip *best = NULL;
	int best_margin = -1;

	if (!file || !t->n)
		return NULL;
	for (size_t i = *file_slot(t, file); i; i = t->same[i - 1]) {
		const struct lt_srcsnip *p = &t->s[i - 1];
		int before, after, margin;

		if (line < p->first || line - p->first >= p->n)
			continue;
		before = line - p->first;
		after = p->n - 1 - before;
		margin = before < after ? before : after;
		if (margin > best_margin) {
			best = p;
			best_margin = margin;
		}
	}
	return best;
}
