/* Source lines kept with a session (lt_srctext.h).  Snippets are found by
 * (file, first) through an open-addressing index, since a recording adds
 * one per distinct frame line and checks each new frame against them. */
#include "lt_srctext.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lt_err.h"

struct lt_srctext {
	struct lt_srcsnip *s;
	size_t n, cap;
	size_t bytes;
	size_t *idx;        /* snippet index + 1; 0 = empty */
	size_t idxcap;      /* power of two */
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

static void grow_index(lt_srctext *t)
{
	free(t->idx);
	t->idxcap = t->idxcap ? 2 * t->idxcap : 256;
	t->idx = lt_xcalloc(t->idxcap, sizeof(*t->idx));
	for (size_t i = 0; i < t->n; i++)
		*slot(t, t->s[i].file, t->s[i].first) = i + 1;
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
	free(t->idx);
	free(t);
}

int lt_srctext_add(lt_srctext *t, const char *file, int first, int n,
		   char *const *lines)
{
	struct lt_srcsnip *p;
	size_t *sl;

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
	*sl = ++t->n;
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

	if (!file)
		return NULL;
	for (size_t i = 0; i < t->n; i++) {
		const struct lt_srcsnip *p = &t->s[i];
		int before, after, margin;

		if (line < p->first || line - p->first >= p->n ||
		    strcmp(p->file, file) != 0)
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
