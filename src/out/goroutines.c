/* Goroutine groups in the report and the verdicts (lt_goroutines.h). */
#include "lt_goroutines.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lt_err.h"
#include "lt_fmt.h"
#include "lt_growth.h"

#define MAX_GROUPS 20   /* groups shown with their stacks */
#define MAX_FRAMES 12   /* frames shown per stack */

const char *lt_goroutines_status_name(char st, char *buf, size_t len)
{
	switch (st) {
	case 'R': return "running";
	case 'Q': return "runnable";
	case 'Y': return "in a system call";
	case 'W': return "waiting";
	case 'P': return "listed by pprof (no state)";
	default:
		snprintf(buf, len, "status %c", st > ' ' && st < 127 ? st : '?');
		return buf;
	}
}

/* The Go runtime and the blocking plumbing of the standard library (a
 * goroutine stuck on a mutex, a WaitGroup, a sleep or a poller): the
 * frame to name is the caller of these. */
static int is_runtime(const char *fn)
{
	return !strncmp(fn, "runtime.", 8) || !strncmp(fn, "runtime/", 8) ||
	       !strncmp(fn, "sync.", 5) || !strncmp(fn, "internal/", 9) ||
	       !strcmp(fn, "time.Sleep");
}

/* Where every parked goroutine is: naming it says nothing. */
static int is_parking(const char *fn)
{
	return !strcmp(fn, "runtime.gopark") || !strcmp(fn, "runtime.goparkunlock") ||
	       !strcmp(fn, "runtime.goexit");
}

/* "fn (file.go:12)" for inlined function k of frame f. */
static char *sym_label(const struct lt_frame *f, size_t k, char *buf, size_t len)
{
	const struct lt_frame_sym *y = &f->syms[k];
	const char *file = y->file ? strrchr(y->file, '/') : NULL;

	file = file ? file + 1 : y->file;
	if (file && y->line > 0)
		snprintf(buf, len, "%s (%s:%d)", y->function, file, y->line);
	else
		snprintf(buf, len, "%s", y->function);
	return buf;
}

char *lt_goroutines_where(const lt_stacktab *t, size_t s, char *buf, size_t len)
{
	const struct lt_frame *rf = NULL;
	const struct lt_stack *st;
	size_t rk = 0;

	if (s == LT_NONE || s >= lt_stacktab_stack_count(t)) {
		snprintf(buf, len, "(no stack)");
		return buf;
	}
	st = lt_stacktab_stack(t, s);
	/* Inlined functions count as frames of their own: goparkunlock is
	 * inlined into the function that parks. */
	for (size_t i = 0; i < st->depth; i++) {
		const struct lt_frame *f = lt_stacktab_frame(t, st->frames[i]);

		for (size_t k = 0; k < f->nsyms; k++) {
			const char *fn = f->syms[k].function;

			if (fn && !is_runtime(fn))
				return sym_label(f, k, buf, len);
			if (fn && !rf && !is_parking(fn)) {
				rf = f;
				rk = k;
			}
		}
	}
	/* The runtime's own goroutines: the function that parked. */
	if (rf)
		return sym_label(rf, rk, buf, len);
	if (st->depth)
		return lt_stacktab_frame_label(t, st->frames[0], buf, len);
	snprintf(buf, len, "(empty stack)");
	return buf;
}

void lt_goroutines_doing(const struct lt_tgroup *grp, char *buf, size_t len)
{
	char sb[16];

	if (grp->state == 'W' && grp->syscall)
		snprintf(buf, len, "blocked in %s", grp->syscall);
	else
		snprintf(buf, len, "%s", lt_goroutines_status_name(grp->state, sb, sizeof(sb)));
}

int lt_goroutines_waiting(const lt_tgroups *g, size_t i, size_t k, char *buf,
			  size_t len)
{
	double since, w;
	char d[32];

	buf[0] = '\0';
	if (i >= lt_tgroups_count(g) || k >= lt_tgroups_sample_count(g) ||
	    lt_tgroups_value(g, i, k) <= 0)
		return 0;
	since = lt_tgroups_since(g, i, k);
	w = lt_tgroups_sample(g, k)->t - since;
	if (isnan(since) || w < 0)
		return 0;
	lt_fmt_duration(w, d, sizeof(d));
	snprintf(buf, len, "waiting %s", d);
	return 1;
}

/* Strings came from the target's files: plain ASCII out. */
static void put_esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\')
			fputs("\\\\", f);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

static void frames(FILE *f, const lt_stacktab *t, size_t s)
{
	const struct lt_stack *st = lt_stacktab_stack(t, s);
	char label[512];

	for (size_t i = 0; i < st->depth && i < MAX_FRAMES; i++) {
		const struct lt_frame *fr = lt_stacktab_frame(t, st->frames[i]);

		/* Inlined functions first, as report.c and pprof show them. */
		for (size_t k = 0; k < fr->nsyms || k == 0; k++) {
			if (k < fr->nsyms && fr->syms[k].function)
				sym_label(fr, k, label, sizeof(label));
			else
				lt_stacktab_frame_label(t, st->frames[i], label, sizeof(label));
			fprintf(f, "      #%-2zu ", i);
			put_esc(f, label);
			fputs(k + 1 < fr->nsyms ? " [inlined]\n" : "\n", f);
		}
	}
	if (st->depth > MAX_FRAMES)
		fprintf(f, "      ... %zu more frames\n", st->depth - MAX_FRAMES);
}

/* Ranks the groups; returns the number of samples. */
static size_t rank(const lt_tgroups *g, size_t **order, struct lt_growth **gr)
{
	size_t n = lt_tgroups_count(g);

	*order = lt_xmalloc((n ? n : 1) * sizeof(**order));
	*gr = lt_xmalloc((n ? n : 1) * sizeof(**gr));
	lt_tgroups_rank(g, *order, *gr);
	return lt_tgroups_sample_count(g);
}

void lt_goroutines_report(const lt_model *m, FILE *f)
{
	const lt_tgroups *g = lt_model_goroutines_c(m);
	const lt_stacktab *t = lt_model_stacks_c(m);
	size_t n = lt_tgroups_count(g), ns, *order;
	struct lt_growth *gr;
	int64_t dropped = 0, read_max = 0;
	struct lt_tcoverage cov;
	size_t k0;

	if (!lt_tgroups_sample_count(g))
		return;
	ns = rank(g, &order, &gr);
	for (size_t k = 0; k < ns; k++) {
		const struct lt_tsample *s = lt_tgroups_sample(g, k);

		dropped += s->skipped;
		if (s->max_stop_ns > read_max)
			read_max = s->max_stop_ns;
	}
	fprintf(f, "\nGoroutine groups (%zu samples, %zu groups; read without stopping "
		"the process, longest read %.1fms; %lld goroutines dropped as changing "
		"or invalid):\n", ns, n, read_max / 1e6, (long long)dropped);
	lt_tgroups_coverage(g, 0, ns - 1, &cov);
	if (cov.partial)
		fprintf(f, "  partial: %zu of %zu samples dropped up to %lld goroutines "
			"(in no group); trends leave those samples out\n",
			cov.partial, ns, (long long)cov.max_unseen);
	k0 = lt_tgroups_first_full(g);
	if (k0 >= ns)
		k0 = 0;
	fprintf(f, "  %6s %6s %10s  %-10s %-24s %s\n", "start", "end", "rate",
		"trend", "state", "where");
	for (size_t r = 0; r < n && r < MAX_GROUPS; r++) {
		size_t i = order[r];
		const struct lt_tgroup *grp = lt_tgroups_get(g, i);
		char rate[48], where[512], what[96];

		lt_fmt_rate(gr[i].trend == LT_TREND_FLAT ? 0 : gr[i].slope,
			    LT_UNIT_COUNT, rate, sizeof(rate));
		lt_goroutines_doing(grp, what, sizeof(what));
		lt_goroutines_where(t, grp->stack, where, sizeof(where));
		fprintf(f, "  %6lld %6lld %10s  %-10s %-24s ",
			(long long)lt_tgroups_value(g, i, k0),
			(long long)lt_tgroups_value(g, i, ns - 1), rate,
			lt_growth_trend_name(gr[i].trend), what);
		put_esc(f, where);
		if (lt_goroutines_waiting(g, i, ns - 1, what, sizeof(what)))
			fprintf(f, "  [oldest %s]", what);
		fputc('\n', f);
		for (size_t k = 0; k < grp->nnames; k++) {
			fputs(k ? ", " : "      created by ", f);
			put_esc(f, grp->names[k]);
		}
		if (grp->nnames)
			fputc('\n', f);
		if (grp->stack != LT_NONE)
			frames(f, t, grp->stack);
	}
	if (n > MAX_GROUPS)
		fprintf(f, "  ... %zu more groups\n", n - MAX_GROUPS);
	free(order);
	free(gr);
}
