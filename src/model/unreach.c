/* Reachability scans and what they proved, per site (lt_unreach.h). */
#include "lt_unreach.h"

#include <stdlib.h>
#include <string.h>

#include "lt_err.h"

struct entry {
	struct lt_unreach_scan sc;
	struct lt_unreach_site *s;
	size_t n;
};

struct lt_unreach {
	struct entry *e;
	size_t n, cap;
};

lt_unreach *lt_unreach_new(void)
{
	return lt_xcalloc(1, sizeof(lt_unreach));
}

void lt_unreach_free(lt_unreach *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->n; i++) {
		free(u->e[i].sc.reason);
		free(u->e[i].s);
	}
	free(u->e);
	free(u);
}

static int by_stack(const void *a, const void *b)
{
	const struct lt_unreach_site *x = a, *y = b;

	return x->stack < y->stack ? -1 : x->stack > y->stack;
}

void lt_unreach_add(lt_unreach *u, const struct lt_unreach_scan *sc,
		    const struct lt_unreach_site *s, size_t n)
{
	struct entry *e;

	if (u->n == u->cap) {
		u->cap = u->cap ? u->cap * 2 : 16;
		u->e = lt_xrealloc(u->e, u->cap * sizeof(*u->e));
	}
	e = &u->e[u->n++];
	e->sc = *sc;
	e->sc.reason = sc->reason && *sc->reason ? lt_xstrdup(sc->reason) : NULL;
	e->n = n;
	e->s = lt_xmalloc((n ? n : 1) * sizeof(*s));
	if (n)
		memcpy(e->s, s, n * sizeof(*s));
	/* Sorted by stack, for lt_unreach_latest. */
	qsort(e->s, n, sizeof(*e->s), by_stack);
}

size_t lt_unreach_count(const lt_unreach *u)
{
	return u->n;
}

const struct lt_unreach_scan *lt_unreach_get(const lt_unreach *u, size_t k)
{
	return &u->e[k].sc;
}

size_t lt_unreach_sites(const lt_unreach *u, size_t k,
			const struct lt_unreach_site **s)
{
	*s = u->e[k].s;
	return u->e[k].n;
}

const struct lt_unreach_site *lt_unreach_find(const lt_unreach *u, size_t k,
					      size_t stack)
{
	struct lt_unreach_site key = {.stack = stack};

	if (k >= u->n)
		return NULL;
	return bsearch(&key, u->e[k].s, u->e[k].n, sizeof(key), by_stack);
}

long lt_unreach_last_proof(const lt_unreach *u)
{
	for (size_t i = u->n; i > 0; i--)
		if (u->e[i - 1].sc.proof)
			return (long)i - 1;
	return -1;
}

const struct lt_unreach_site *lt_unreach_latest(const lt_unreach *u,
						size_t stack)
{
	long k = lt_unreach_last_proof(u);

	return k >= 0 ? lt_unreach_find(u, (size_t)k, stack) : NULL;
}

long lt_unreach_at(const lt_unreach *u, double t)
{
	long k = -1;

	for (size_t i = 0; i < u->n && u->e[i].sc.t <= t; i++)
		if (u->e[i].sc.proof)
			k = (long)i;
	return k;
}

size_t lt_unreach_total(const lt_unreach *u, struct lt_unreach_site *out)
{
	long k = lt_unreach_last_proof(u);
	const struct entry *e = k >= 0 ? &u->e[k] : NULL;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; e && i < e->n; i++) {
		out->direct_bytes += e->s[i].direct_bytes;
		out->direct_count += e->s[i].direct_count;
		out->indirect_bytes += e->s[i].indirect_bytes;
		out->indirect_count += e->s[i].indirect_count;
		out->samples += e->s[i].samples;
		if (e->s[i].scans > out->scans)
			out->scans = e->s[i].scans;
		out->weak |= e->s[i].weak;
	}
	return e ? e->n : 0;
}
