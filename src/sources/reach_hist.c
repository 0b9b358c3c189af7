/* "Two scans agree": the runs of scans that found a candidate unreachable
 * (see lt_reach.h).  One scan of a running process can miss a pointer that
 * moved while it read, or one held by a block allocated meanwhile; a
 * candidate is proven unreachable only when scans far enough apart agree
 * and it was allocated before the first of them began. */
#include "lt_reach.h"

#include <stdlib.h>
#include <string.h>

struct run {
	uint64_t id, addr;
	int64_t first_ns;  /* start of the first scan of the run */
	int scans;
	int weak;
};

struct lt_reach_hist {
	int64_t min_gap_ns;
	struct run *runs;  /* sorted by id */
	size_t n;
};

lt_reach_hist *lt_reach_hist_new(int64_t min_gap_ns)
{
	lt_reach_hist *h = lt_xcalloc(1, sizeof(*h));

	h->min_gap_ns = min_gap_ns;
	return h;
}

void lt_reach_hist_free(lt_reach_hist *h)
{
	if (!h)
		return;
	free(h->runs);
	free(h);
}

static int cmp_run(const void *a, const void *b)
{
	const struct run *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static const struct run *find(const lt_reach_hist *h, uint64_t id)
{
	struct run key = {id, 0, 0, 0, 0};

	return h->n ? bsearch(&key, h->runs, h->n, sizeof(*h->runs), cmp_run) : NULL;
}

void lt_reach_hist_judge(lt_reach_hist *h, const struct lt_reach_cand *c,
			 size_t n, const struct lt_reach_result *r,
			 struct lt_reach_judged *out)
{
	struct run *next = lt_xmalloc((n ? n : 1) * sizeof(*next));
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		enum lt_reach_verdict v = r->proof ? r->items[i].v : LT_REACH_UNKNOWN;
		const struct run *old;
		struct run *cur;

		out[i] = (struct lt_reach_judged){LT_PROOF_NONE, 0, 0};
		if (v != LT_REACH_DIRECT && v != LT_REACH_INDIRECT)
			continue;
		old = find(h, c[i].id);
		cur = &next[k++];
		if (old && old->addr == c[i].addr) {
			*cur = *old;
			cur->scans++;
			cur->weak |= r->weak;
		} else {
			*cur = (struct run){c[i].id, c[i].addr, r->st.t_start_ns, 1, r->weak};
		}
		out[i].scans = cur->scans;
		out[i].weak = cur->weak;
		if (cur->scans >= 2 && r->st.t_start_ns - cur->first_ns >= h->min_gap_ns &&
		    c[i].alloc_ns < cur->first_ns)
			out[i].proof = v == LT_REACH_DIRECT ? LT_PROOF_DIRECT
							    : LT_PROOF_INDIRECT;
		else
			out[i].proof = LT_PROOF_PENDING;
	}
	qsort(next, k, sizeof(*next), cmp_run);
	/* An id given twice keeps one run: the first after sorting. */
	if (k > 1) {
		size_t w = 1;

		for (size_t i = 1; i < k; i++)
			if (next[i].id != next[w - 1].id)
				next[w++] = next[i];
		k = w;
	}
	free(h->runs);
	h->runs = next;
	h->n = k;
}
