/* Verdicts about thread and goroutine groups (seed stories 1 and 2): the
 * groups that keep growing, named by where they are stuck. */
#include <stdlib.h>

#include "lt_err.h"
#include "lt_fmt.h"
#include "lt_goroutines.h"
#include "lt_verdict_int.h"

/* The short names the verdict code was written with. */
#define say lt_verdict_say
#define tag lt_verdict_tag
#define tag_at lt_verdict_tag_at
#define ctx lt_verdict_ctx

/* Ranks groups g (growing first, fastest first) into fresh arrays and
 * sums their members at the last sample; 0 when there are too few samples
 * to judge (nothing allocated then). */
static size_t rank_groups(const lt_tgroups *g, size_t **order, struct lt_growth **gr,
			  int64_t *total)
{
	size_t n = lt_tgroups_count(g), ns = lt_tgroups_sample_count(g);

	*total = 0;
	if (ns < 3 || !n)
		return 0;
	*order = lt_xmalloc(n * sizeof(**order));
	*gr = lt_xmalloc(n * sizeof(**gr));
	lt_tgroups_rank(g, *order, *gr);
	for (size_t i = 0; i < n; i++)
		*total += lt_tgroups_value(g, i, ns - 1);
	return ns;
}

/* Beyond the groups named: one line for the other growing ones, so that
 * none goes uncounted; then, when the named and the other groups grow at
 * least half as fast as the whole count (threads: the metric line), that
 * line is derived from them. */
static void more_groups(struct ctx *c, enum lt_verdict_topic topic,
			const char *what, size_t n, const size_t *order,
			const struct lt_growth *gr, size_t shown)
{
	double all = 0, rest = 0;
	size_t more = 0;

	for (size_t r = 0; r < n && gr[order[r]].trend == LT_TREND_GROWING; r++) {
		all += gr[order[r]].slope;
		if (r >= shown) {
			rest += gr[order[r]].slope;
			more++;
		}
	}
	if (more) {
		char rate[48];

		lt_fmt_rate(rest, LT_UNIT_COUNT, rate, sizeof(rate));
		say(c, LT_VERDICT_WARN, "%zu more %s grow, %s in all", more, what, rate);
		tag_at(c, topic, LT_UNIT_COUNT, rest, LT_NONE);
	}
	for (size_t i = 0; i < c->n && topic == LT_VT_THREADS; i++)
		if (c->line[i].metric == LT_M_THREADS && all > 0 &&
		    all >= 0.5 * c->line[i].rate)
			c->line[i].derived = 1;
}

/* Seed stories 1 and 2: name where the growing threads are stuck, not
 * only that their number grows.  At most three groups, fastest first. */
void lt_verdict_thread_groups(struct ctx *c, const lt_model *m)
{
	const lt_tgroups *g = lt_model_tgroups_c(m);
	size_t n = lt_tgroups_count(g), ns, *order, shown = 0;
	struct lt_growth *gr;
	int64_t total;

	if (!(ns = rank_groups(g, &order, &gr, &total)))
		return;
	for (size_t r = 0; r < n && shown < 3; r++) {
		size_t i = order[r];
		const struct lt_tgroup *grp = lt_tgroups_get(g, i);
		char rate[48], where[300], sbuf[16];

		if (gr[i].trend != LT_TREND_GROWING)
			break;
		lt_fmt_rate(gr[i].slope, LT_UNIT_COUNT, rate, sizeof(rate));
		lt_stacktab_describe(lt_model_stacks_c(m), grp->stack, where, sizeof(where));
		say(c, LT_VERDICT_WARN,
		    "thread group %s: %lld of %lld threads %s%s%s%s - %s",
		    rate, (long long)lt_tgroups_value(g, i, ns - 1), (long long)total,
		    lt_tgroups_state_name(grp->state, sbuf, sizeof(sbuf)),
		    grp->syscall ? " in " : "", grp->syscall ? grp->syscall : "",
		    grp->syscall ? "()" : "", where);
		tag_at(c, LT_VT_THREADS, LT_UNIT_COUNT, gr[i].slope, grp->stack);
		shown++;
	}
	more_groups(c, LT_VT_THREADS, "thread groups", n, order, gr, shown);
	free(order);
	free(gr);
}

/* Seed stories 1 and 2 in a Go program: goroutine groups that keep
 * growing, fastest first (at most three), else one line saying none
 * does. */
void lt_verdict_goroutine_groups(struct ctx *c, const lt_model *m)
{
	const lt_tgroups *g = lt_model_goroutines_c(m);
	size_t n = lt_tgroups_count(g), ns, *order, k = 0;
	struct lt_growth *gr;
	int64_t total;

	if (!(ns = rank_groups(g, &order, &gr, &total)))
		return;
	for (; k < n && k < 3 && gr[order[k]].trend == LT_TREND_GROWING; k++) {
		size_t i = order[k];
		const struct lt_tgroup *grp = lt_tgroups_get(g, i);
		char rate[48], where[200], what[96], wait[48];

		lt_fmt_rate(gr[i].slope, LT_UNIT_COUNT, rate, sizeof(rate));
		lt_goroutines_where(lt_model_stacks_c(m), grp->stack, where, sizeof(where));
		lt_goroutines_doing(grp, what, sizeof(what));
		lt_goroutines_waiting(g, i, ns - 1, wait, sizeof(wait));
		say(c, LT_VERDICT_WARN, "goroutines %s: %lld of %lld %s - %s%s%s%s%s", rate,
		    (long long)lt_tgroups_value(g, i, ns - 1), (long long)total,
		    what, where, grp->nnames ? ", created by " : "",
		    grp->nnames ? grp->names[0] : "", wait[0] ? "; the oldest " : "", wait);
		tag_at(c, LT_VT_GOROUTINES, LT_UNIT_COUNT, gr[i].slope, grp->stack);
	}
	more_groups(c, LT_VT_GOROUTINES, "goroutine groups", n, order, gr, k);
	if (!k) {
		say(c, LT_VERDICT_INFO, "%lld goroutines, no group of them keeps growing (%zu groups)",
		    (long long)total, n);
		tag(c, LT_VT_GOROUTINES, -1);
	}
	free(order);
	free(gr);
}
