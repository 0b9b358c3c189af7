/* Unreachable sampled blocks for a reader (lt_lost.h). */
#include "lt_lost.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lt_err.h"
#include "lt_fmt.h"

static int by_bytes(const void *a, const void *b)
{
	const struct lt_lost_row *x = a, *y = b;
	int64_t bx = x->v.direct_bytes + x->v.indirect_bytes;
	int64_t by = y->v.direct_bytes + y->v.indirect_bytes;

	if (bx != by)
		return bx > by ? -1 : 1;
	return strcmp(x->label, y->label);
}

size_t lt_lost_rows(const lt_model *m, const struct lt_diag_opts *o,
		    struct lt_lost_row **rows)
{
	static const struct lt_diag_opts yours = {.view = LT_DIAG_YOURS};
	const lt_unreach *u = lt_model_unreach_c(m);
	long last = lt_unreach_last_proof(u);
	const struct lt_unreach_site *s;
	size_t n, k = 0;

	*rows = NULL;
	if (last < 0 || !(n = lt_unreach_sites(u, (size_t)last, &s)))
		return 0;
	*rows = lt_xcalloc(n, sizeof(**rows));
	const char **fn = lt_xcalloc(n, sizeof(*fn));

	for (size_t i = 0; i < n; i++) {
		char label[300];
		size_t j;

		/* One row per function (the sites of its lines together),
		 * named by the line of its first directly lost block. */
		lt_diag_site_label(m, o ? o : &yours, s[i].stack, &fn[k], label, sizeof(label));
		for (j = 0; j < k && (fn[k] && fn[j] ? strcmp(fn[j], fn[k]) :
				      strcmp((*rows)[j].label, label)); j++)
			;
		if (j == k) {
			memcpy((*rows)[k].label, label, sizeof(label));
			(*rows)[k].function = fn[k];
			(*rows)[k++].v = (struct lt_unreach_site){.stack = s[i].stack};
		} else if (!(*rows)[j].v.direct_count && s[i].direct_count) {
			memcpy((*rows)[j].label, label, sizeof(label));
			(*rows)[j].v.stack = s[i].stack;
		}
		(*rows)[j].v.direct_bytes += s[i].direct_bytes;
		(*rows)[j].v.direct_count += s[i].direct_count;
		(*rows)[j].v.indirect_bytes += s[i].indirect_bytes;
		(*rows)[j].v.indirect_count += s[i].indirect_count;
		(*rows)[j].v.samples += s[i].samples;
		if (s[i].scans > (*rows)[j].v.scans)
			(*rows)[j].v.scans = s[i].scans;
		(*rows)[j].v.weak |= s[i].weak;
	}
	free(fn);
	qsort(*rows, k, sizeof(**rows), by_bytes);
	return k;
}

/* 1024 -> "1,024". */
static char *count(int64_t v, char *buf, size_t len)
{
	char raw[32];
	size_t n, w = 0;

	snprintf(raw, sizeof(raw), "%lld", (long long)v);
	n = strlen(raw);
	for (size_t i = 0; i < n && w + 2 < len; i++) {
		if (i && raw[i - 1] != '-' && (n - i) % 3 == 0)
			buf[w++] = ',';
		buf[w++] = raw[i];
	}
	buf[w] = '\0';
	return buf;
}

char *lt_lost_state(const struct lt_unreach_scan *sc, char *buf, size_t len)
{
	if (!sc->proof)
		snprintf(buf, len, "cannot prove: %s", sc->reason ? sc->reason : "?");
	else if (sc->weak)
		snprintf(buf, len, "weak: %s", sc->reason ? sc->reason : "?");
	else
		snprintf(buf, len, "proof");
	return buf;
}

static void line(struct lt_lost_line *out, size_t max, size_t *n, int warn,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void line(struct lt_lost_line *out, size_t max, size_t *n, int warn,
		 const char *fmt, ...)
{
	va_list ap;

	if (*n >= max)
		return;
	out[*n].warn = warn;
	out[*n].stack = LT_NONE;
	va_start(ap, fmt);
	vsnprintf(out[*n].text, sizeof(out[*n].text), fmt, ap);
	va_end(ap);
	++*n;
}

size_t lt_lost_verdicts(const lt_model *m, const struct lt_diag_opts *o,
			struct lt_lost_line *out, size_t max)
{
	const lt_unreach *u = lt_model_unreach_c(m);
	size_t ns = lt_unreach_count(u), nr, n = 0;
	long kp = lt_unreach_last_proof(u);
	const struct lt_unreach_scan *last, *end;
	struct lt_lost_row *rows;
	char state[300];

	if (!ns)
		return 0;
	end = lt_unreach_get(u, ns - 1);
	if (kp < 0) {
		line(out, max, &n, 0, "reachability: %s; growth trends only",
		     lt_lost_state(end, state, sizeof(state)));
		return n;
	}
	last = lt_unreach_get(u, (size_t)kp);
	nr = lt_lost_rows(m, o, &rows);
	for (size_t i = 0; i < nr; i++) {
		const struct lt_unreach_site *v = &rows[i].v;
		char b[32], c[32], agree[80];

		snprintf(agree, sizeof(agree), " (%d scans agree%s)", v->scans,
			 v->weak ? ", not every one a snapshot of the roots" : "");
		size_t first = n;

		if (v->direct_count)
			line(out, max, &n, 1, "definitely lost: %s in %s block%s from %s, "
			     "none referenced from anywhere in the process%s",
			     lt_fmt_bytes((double)v->direct_bytes, b, sizeof(b)),
			     count(v->direct_count, c, sizeof(c)), v->direct_count == 1 ? "" : "s",
			     rows[i].label, agree);
		if (v->indirect_count)
			line(out, max, &n, 1, "indirectly lost: %s in %s block%s from %s, "
			     "referenced only from lost blocks%s",
			     lt_fmt_bytes((double)v->indirect_bytes, b, sizeof(b)),
			     count(v->indirect_count, c, sizeof(c)), v->indirect_count == 1 ? "" : "s",
			     rows[i].label, agree);
		for (size_t k = first; k < n; k++)
			out[k].stack = v->stack;
	}
	/* Proven before stays proven; say why the scans since could not. */
	if (last != end)
		line(out, max, &n, 0, "reachability: the last scan (at %.0fs) %s; the proof is "
		     "the scan's at %.0fs", end->t, lt_lost_state(end, state, sizeof(state)),
		     last->t);
	if (!nr) {
		char un[32], judged[32];

		line(out, max, &n, 0, "reachability: no sampled block proven unreachable "
		     "(%s unreachable in the last scan, of %s judged)",
		     count((int64_t)last->unreachable, un, sizeof(un)),
		     count((int64_t)last->candidates, judged, sizeof(judged)));
	}
	free(rows);
	return n;
}

void lt_lost_report(const lt_model *m, FILE *f)
{
	const lt_unreach *u = lt_model_unreach_c(m);
	size_t ns = lt_unreach_count(u), proven = 0;
	const struct lt_unreach_scan *last;
	char took[32], read[32], heap[32], pause[32], state[300], c[32];

	if (!ns)
		return;
	for (size_t k = 0; k < ns; k++)
		proven += lt_unreach_get(u, k)->proof;
	last = lt_unreach_get(u, ns - 1);
	/* The last scan's cost and state; its proof, if it could not
	 * prove, is an earlier scan's (lt_lost_verdicts says which). */
	snprintf(took, sizeof(took), "%.0f ms", (double)last->took_ns / 1e6);
	snprintf(pause, sizeof(pause), "%.1f ms", (double)last->max_pause_ns / 1e6);
	fprintf(f, "\nReachability scans (sampled blocks nothing in the process points to;\n"
		"two scans must agree):\n");
	fprintf(f, "  %zu scans, %zu of them able to prove; the last at %.1fs:\n", ns,
		proven, last->t);
	fprintf(f, "    %s sampled blocks judged in %s, %s read (heap %s), longest pause %s\n",
		count((int64_t)last->candidates, c, sizeof(c)), took,
		lt_fmt_bytes((double)last->bytes_read, read, sizeof(read)),
		lt_fmt_bytes((double)last->heap_bytes, heap, sizeof(heap)), pause);
	fprintf(f, "    %s\n", lt_lost_state(last, state, sizeof(state)));
}
