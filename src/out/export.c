/* Moments, samples, and the text exporters: folded stacks, speedscope JSON
 * and CSV timelines.  pprof is in export_pprof.c. */
#include "lt_export_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lt_duration.h"
#include "lt_metric.h"

static const char *const sample_names[LT_SAMPLE_COUNT_] = {
	"alloc_objects", "alloc_space", "inuse_objects", "inuse_space",
	"unreachable_objects", "unreachable_space",
};

int lt_export_sample_bytes(enum lt_export_sample s)
{
	return s == LT_SAMPLE_ALLOC_SPACE || s == LT_SAMPLE_INUSE_SPACE ||
	       s == LT_SAMPLE_UNREACH_SPACE;
}

int lt_export_sample_parse(const char *name)
{
	for (int i = 0; i < LT_SAMPLE_COUNT_; i++)
		if (!strcmp(name, sample_names[i]))
			return i;
	return -1;
}

const char *lt_export_sample_name(enum lt_export_sample s)
{
	return (int)s >= 0 && s < LT_SAMPLE_COUNT_ ? sample_names[s] : "?";
}

/* "2026-11-23T04:47:56[.123][Z|+02:00]" into ns since the epoch. */
static int parse_iso(const char *s, int64_t *ns)
{
	struct tm tm;
	int n = 0, off_h = 0, off_m = 0, has_zone = 0;
	double frac = 0;
	char sign = 0;
	const char *p;
	time_t secs;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2d%*[T ]%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 || !n)
		return -1;
	p = s + n;
	if (*p == '.') {
		char *end;

		frac = strtod(p, &end);
		p = end;
	}
	if (*p == 'Z') {
		has_zone = 1;
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p;
		if (sscanf(p + 1, "%2d:%2d%n", &off_h, &off_m, &n) != 2)
			return -1;
		has_zone = 1;
		p += 1 + n;
	}
	if (*p || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	secs = has_zone ? timegm(&tm) : mktime(&tm);
	if (secs == (time_t)-1)
		return -1;
	if (sign)
		secs -= (sign == '+' ? 1 : -1) * (off_h * 3600 + off_m * 60);
	*ns = (int64_t)secs * 1000000000LL + (int64_t)(frac * 1e9);
	return 0;
}

int lt_export_moment(const lt_model *m, const char *text, const char *what,
		     size_t *tick, lt_err *err)
{
	size_t n = lt_model_tick_count(m);
	const struct lt_meta *meta = lt_model_meta_c(m);
	double t, last;
	int64_t ns;

	if (!n) {
		lt_err_set(err, LT_EXIT_FILE, "the session has no ticks");
		return -1;
	}
	last = lt_model_tick(m, n - 1)->t;
	if (text[0] == '@') {
		char *end;
		double e = strtod(text + 1, &end);

		if (end == text + 1 || *end || !isfinite(e)) {
			lt_err_set(err, LT_EXIT_USAGE, "%s: '%s' is not @SECONDS since the epoch", what, text);
			return -1;
		}
		t = (e * 1e9 - (double)meta->start_ns) / 1e9;
	} else if (strchr(text, ':') || (strlen(text) >= 10 && text[4] == '-')) {
		if (parse_iso(text, &ns)) {
			lt_err_set(err, LT_EXIT_USAGE,
				   "%s: '%s' is not a time like 2026-11-23T04:47:56Z", what, text);
			return -1;
		}
		t = (double)(ns - meta->start_ns) / 1e9;
	} else {
		lt_err e2 = {0, ""};

		if (lt_duration_parse(text, what, &t, &e2)) {
			lt_err_set(err, LT_EXIT_USAGE,
				   "%s: '%s' is neither seconds from the start (90, 5m) nor a time "
				   "(2026-11-23T04:47:56Z, @EPOCH)", what, text);
			return -1;
		}
	}
	if (t < -1e-6 || t > last + fmax(meta->interval, 1e-3)) {
		lt_err_set(err, LT_EXIT_USAGE,
			   "%s: %s is outside the session (0 to %.1fs from its start)", what, text, last);
		return -1;
	}
	*tick = 0;
	for (size_t i = 0; i < n; i++)
		if (lt_model_tick(m, i)->t <= t + meta->interval / 4 + 1e-6)
			*tick = i;
	return 0;
}

const lt_tgroups *lt_export_groups(const lt_model *m, enum lt_export_type type)
{
	return type == LT_EXPORT_GOROUTINES ? lt_model_goroutines_c(m)
					    : lt_model_tgroups_c(m);
}

/* The last heap (or thread) sample taken by tick i, or -1: samples are
 * taken with or just after their tick, so half an interval of slack. */
static long sample_at(const lt_model *m, enum lt_export_type type, size_t i)
{
	const lt_hsites *h = lt_model_hsites_c(m);
	const lt_tgroups *g = lt_export_groups(m, type);
	double t = lt_model_tick(m, i)->t + lt_model_meta_c(m)->interval / 2;
	int heap = type == LT_EXPORT_HEAP;
	size_t n = heap ? lt_hsites_sample_count(h) : lt_tgroups_sample_count(g);
	long k = -1;

	for (size_t s = 0; s < n; s++)
		if ((heap ? lt_hsites_sample(h, s)->t : lt_tgroups_sample(g, s)->t) <= t)
			k = (long)s;
	return k;
}

/* The last reachability scan of tick i (that began before it), or -1. */
static long scan_at(const lt_model *m, size_t i)
{
	return lt_unreach_at(lt_model_unreach_c(m), lt_model_tick(m, i)->t +
			     lt_model_meta_c(m)->interval / 2);
}

static void hvals(const lt_model *m, size_t i, long k, long scan,
		  int64_t v[LT_SAMPLE_COUNT_])
{
	const lt_hsites *h = lt_model_hsites_c(m);
	const struct lt_unreach_site *u = NULL;
	struct lt_hval x = {0};

	if (k >= 0)
		lt_hsites_value(h, i, (size_t)k, &x);
	if (scan >= 0)
		u = lt_unreach_find(lt_model_unreach_c(m), (size_t)scan,
				    lt_hsites_get(h, i)->stack);
	v[LT_SAMPLE_ALLOC_OBJECTS] = x.alloc_count;
	v[LT_SAMPLE_ALLOC_SPACE] = x.alloc_bytes;
	v[LT_SAMPLE_INUSE_OBJECTS] = x.live_count;
	v[LT_SAMPLE_INUSE_SPACE] = x.live_bytes;
	v[LT_SAMPLE_UNREACH_OBJECTS] = u ? u->direct_count + u->indirect_count : 0;
	v[LT_SAMPLE_UNREACH_SPACE] = u ? u->direct_bytes + u->indirect_bytes : 0;
}

long lt_export_samples(const lt_model *m, const struct lt_export_opts *o,
		       struct lt_xsample **out, lt_err *err)
{
	const lt_hsites *h = lt_model_hsites_c(m);
	const lt_tgroups *g = lt_export_groups(m, o->type);
	size_t n = o->type == LT_EXPORT_HEAP ? lt_hsites_count(h) : lt_tgroups_count(g);
	struct lt_xsample *x;
	long k1, k0, u1, u0, c = 0;

	*out = NULL;
	if (o->type == LT_EXPORT_HEAP ? !lt_hsites_sample_count(h) : !lt_tgroups_sample_count(g)) {
		lt_err_set(err, LT_EXIT_FILE, "the session has no %s data to export",
			   o->type == LT_EXPORT_HEAP ? "heap" :
			   o->type == LT_EXPORT_GOROUTINES ? "goroutine" : "thread");
		return -1;
	}
	x = lt_xcalloc(n ? n : 1, sizeof(*x));
	k1 = sample_at(m, o->type, o->to);
	k0 = o->delta ? sample_at(m, o->type, o->from) : -1;
	u1 = scan_at(m, o->to);
	u0 = o->delta ? scan_at(m, o->from) : -1;
	for (size_t i = 0; i < n; i++) {
		int64_t a[LT_SAMPLE_COUNT_] = {0}, b[LT_SAMPLE_COUNT_] = {0};
		int any = 0;

		if (o->type == LT_EXPORT_HEAP) {
			hvals(m, i, k1, u1, b);
			if (o->delta)
				hvals(m, i, k0, u0, a);
			x[c].stack = lt_hsites_get(h, i)->stack;
		} else {
			b[0] = k1 >= 0 ? lt_tgroups_value(g, i, (size_t)k1) : 0;
			a[0] = o->delta && k0 >= 0 ? lt_tgroups_value(g, i, (size_t)k0) : 0;
			x[c].stack = lt_tgroups_get(g, i)->stack;
			x[c].group = i;
		}
		for (int s = 0; s < LT_SAMPLE_COUNT_; s++) {
			x[c].v[s] = b[s] - a[s];
			any |= x[c].v[s] != 0;
		}
		if (any)
			c++;
	}
	*out = x;
	return c;
}

const char *lt_export_fn_name(const lt_stacktab *t, size_t frame, size_t sym,
			      char *buf, size_t len)
{
	const struct lt_frame *f = lt_stacktab_frame(t, frame);
	const char *mod;

	if (f->syms[sym].function) {
		snprintf(buf, len, "%s", f->syms[sym].function);
		return buf;
	}
	mod = f->module ? strrchr(f->module, '/') : NULL;
	mod = mod ? mod + 1 : f->module;
	snprintf(buf, len, "0x%llx (%s)", (unsigned long long)f->pc, mod ? mod : "?");
	return buf;
}

/* Calls fn(name) for the frames of stack s, root first: the outermost
 * frame first and, within a frame, the function the code belongs to
 * before the ones inlined into it. */
static void root_first(const lt_stacktab *t, size_t s,
		       void (*fn)(void *arg, size_t frame, size_t sym), void *arg)
{
	const struct lt_stack *st;

	if (s == LT_NONE || s >= lt_stacktab_stack_count(t)) {
		fn(arg, LT_NONE, 0);
		return;
	}
	st = lt_stacktab_stack(t, s);
	for (size_t d = st->depth; d-- > 0;) {
		const struct lt_frame *f = lt_stacktab_frame(t, st->frames[d]);

		for (size_t k = f->nsyms; k-- > 0;)
			fn(arg, st->frames[d], k);
	}
}

struct folded_ctx {
	const lt_stacktab *t;
	FILE *out;
	int first;
};

static void folded_frame(void *arg, size_t frame, size_t sym)
{
	struct folded_ctx *c = arg;
	char name[512];

	if (frame == LT_NONE)
		snprintf(name, sizeof(name), "(no stack)");
	else
		lt_export_fn_name(c->t, frame, sym, name, sizeof(name));
	/* ';' separates frames and the last space the value. */
	for (char *p = name; *p; p++)
		if (*p == ';' || (unsigned char)*p < 0x20)
			*p = ':';
	fprintf(c->out, "%s%s", c->first ? "" : ";", name);
	c->first = 0;
}

static int finish(FILE *out, lt_err *err)
{
	if (fflush(out) || ferror(out)) {
		lt_err_set(err, LT_EXIT_ERROR, "cannot write the export");
		return -1;
	}
	return 0;
}

int lt_export_folded(const lt_model *m, const struct lt_export_opts *o,
		     FILE *out, lt_err *err)
{
	struct lt_xsample *x;
	long n = lt_export_samples(m, o, &x, err);
	int vi = o->type == LT_EXPORT_HEAP ? (int)o->sample : 0;

	if (n < 0)
		return -1;
	for (long i = 0; i < n; i++) {
		struct folded_ctx c = {lt_model_stacks_c(m), out, 1};

		if (!x[i].v[vi])
			continue;
		root_first(c.t, x[i].stack, folded_frame, &c);
		fprintf(out, " %lld\n", (long long)x[i].v[vi]);
	}
	free(x);
	return finish(out, err);
}
