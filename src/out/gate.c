/* leaktop check's gate over the verdicts (lt_gate.h). */
#include "lt_gate.h"

#include <fnmatch.h>
#include <string.h>

#include "lt_metric.h"

/* Whether a frame of stack s is function pattern p: the name itself (C++
 * names hold brackets fnmatch would read as a set) or a match of p. */
static int stack_has(const lt_stacktab *t, size_t s, const char *p)
{
	const struct lt_stack *st = lt_stacktab_stack(t, s);

	if (!st)
		return 0;
	for (size_t i = 0; i < st->depth; i++) {
		const struct lt_frame *f = lt_stacktab_frame(t, st->frames[i]);

		for (size_t k = 0; f && k < f->nsyms; k++) {
			const char *fn = f->syms[k].function;

			if (fn && (!strcmp(fn, p) || !fnmatch(p, fn, 0)))
				return 1;
		}
	}
	return 0;
}

enum lt_gate_why lt_gate_judge(const lt_model *m, const struct lt_verdict *v,
			       const struct lt_gate_opts *o, const char **matched)
{
	double max = 0;

	if (v->topic == LT_VT_SHORT)
		return LT_GATE_SHORT;
	if (v->kind != LT_VERDICT_WARN)
		return LT_GATE_INFO;
	/* The cgroup holds other processes (a CI runner, the test harness)
	 * and page cache is reclaimable: neither is this process leaking. */
	if (v->topic == LT_VT_CGROUP || v->topic == LT_VT_FILE_CACHE)
		return LT_GATE_SCOPE;
	if (v->topic == LT_VT_NOTE)
		return LT_GATE_NOTE;
	if (v->derived)
		return LT_GATE_DERIVED;
	for (size_t i = 0; v->stack != LT_NONE && i < o->nignore; i++) {
		if (stack_has(lt_model_stacks_c(m), v->stack, o->ignore[i])) {
			if (matched)
				*matched = o->ignore[i];
			return LT_GATE_IGNORED;
		}
	}
	if (v->unit == LT_UNIT_BYTES)
		max = o->max_bytes_rate;
	else if (v->unit == LT_UNIT_COUNT)
		max = o->max_count_rate;
	/* A verdict without a rate (a limit reached, a new kind) always
	 * counts. */
	if (v->unit >= 0 && max > 0 && v->rate <= max)
		return LT_GATE_BELOW;
	return LT_GATE_FAIL;
}

const char *lt_gate_why_name(enum lt_gate_why w)
{
	switch (w) {
	case LT_GATE_FAIL: return "fail";
	case LT_GATE_INFO: return "info";
	case LT_GATE_SHORT: return "too short";
	case LT_GATE_SCOPE: return "cgroup or page cache, not counted";
	case LT_GATE_NOTE: return "a note on the data, not counted";
	case LT_GATE_DERIVED: return "counted in another line";
	case LT_GATE_IGNORED: return "ignored";
	case LT_GATE_BELOW: return "below the threshold";
	}
	return "?";
}
