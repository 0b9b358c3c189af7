/* speedscope JSON and CSV timelines. */
#include "lt_export_int.h"

#include <stdlib.h>
#include <string.h>

#include "lt_metric.h"

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* speedscope frames are (frame, sym) pairs: index = position of the pair
 * in a dense numbering over the stack table. */
struct sctx {
	const lt_stacktab *t;
	size_t *base;        /* first pair index of each frame */
	FILE *out;
	int first;
};

static void sframe(struct sctx *c, size_t frame, size_t sym)
{
	fprintf(c->out, "%s%zu", c->first ? "" : ",",
		frame == LT_NONE ? c->base[lt_stacktab_frame_count(c->t)] : c->base[frame] + sym);
	c->first = 0;
}

int lt_export_speedscope(const lt_model *m, const struct lt_export_opts *o,
			 FILE *out, lt_err *err)
{
	const lt_stacktab *t = lt_model_stacks_c(m);
	size_t nf = lt_stacktab_frame_count(t);
	struct lt_xsample *x;
	long n = lt_export_samples(m, o, &x, err);
	int vi = o->type == LT_EXPORT_HEAP ? (int)o->sample : 0;
	struct sctx c = {t, NULL, out, 1};
	int64_t total = 0;
	char name[512];

	if (n < 0)
		return -1;
	c.base = lt_xmalloc((nf + 1) * sizeof(size_t));
	fprintf(out, "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\","
		"\"exporter\":\"leaktop\",\"name\":");
	json_str(out, lt_model_meta_c(m)->cmdline ? lt_model_meta_c(m)->cmdline : "leaktop");
	fprintf(out, ",\"shared\":{\"frames\":[");
	for (size_t f = 0, k = 0; f < nf; f++) {
		const struct lt_frame *fr = lt_stacktab_frame(t, f);

		c.base[f] = k;
		for (size_t s = 0; s < fr->nsyms; s++, k++) {
			fprintf(out, "%s{\"name\":", k ? "," : "");
			json_str(out, lt_export_fn_name(t, f, s, name, sizeof(name)));
			if (fr->syms[s].file) {
				fprintf(out, ",\"file\":");
				json_str(out, fr->syms[s].file);
				if (fr->syms[s].line > 0)
					fprintf(out, ",\"line\":%d", fr->syms[s].line);
			}
			fputc('}', out);
		}
	}
	c.base[nf] = 0;
	for (size_t f = 0; f < nf; f++)
		c.base[nf] += lt_stacktab_frame(t, f)->nsyms;
	fprintf(out, "%s{\"name\":\"(no stack)\"}]},\"profiles\":[{\"type\":\"sampled\",\"name\":",
		nf ? "," : "");
	json_str(out, o->type == LT_EXPORT_HEAP ? lt_export_sample_name(o->sample) :
		 o->type == LT_EXPORT_GOROUTINES ? "goroutines" : "threads");
	fprintf(out, ",\"unit\":\"%s\",\"startValue\":0,\"samples\":[",
		o->type == LT_EXPORT_HEAP && lt_export_sample_bytes(o->sample) ? "bytes" : "none");
	for (long i = 0, first = 1; i < n; i++) {
		const struct lt_stack *st;

		if (x[i].v[vi] <= 0)
			continue;  /* speedscope weights are not negative */
		fprintf(out, "%s[", first ? "" : ",");
		first = 0;
		c.first = 1;
		if (x[i].stack == LT_NONE || x[i].stack >= lt_stacktab_stack_count(t)) {
			sframe(&c, LT_NONE, 0);
		} else {
			st = lt_stacktab_stack(t, x[i].stack);
			for (size_t d = st->depth; d-- > 0;)
				for (size_t k = lt_stacktab_frame(t, st->frames[d])->nsyms; k-- > 0;)
					sframe(&c, st->frames[d], k);
		}
		fputc(']', out);
	}
	fprintf(out, "],\"weights\":[");
	for (long i = 0, first = 1; i < n; i++) {
		if (x[i].v[vi] <= 0)
			continue;
		fprintf(out, "%s%lld", first ? "" : ",", (long long)x[i].v[vi]);
		first = 0;
		total += x[i].v[vi];
	}
	fprintf(out, "],\"endValue\":%lld}]}\n", (long long)total);
	free(c.base);
	free(x);
	if (fflush(out) || ferror(out)) {
		lt_err_set(err, LT_EXIT_ERROR, "cannot write the export");
		return -1;
	}
	return 0;
}

static void csv_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc((unsigned char)*s < 0x20 ? ' ' : *s, out);
	}
	fputc('"', out);
}

static int in_series(const char *series, int id)
{
	const struct lt_metric_def *d = lt_metric_def(id);

	if (!strcmp(series, "memory"))
		return d->unit == LT_UNIT_BYTES && d->kind == LT_KIND_LEVEL;
	if (!strcmp(series, "fds"))
		return !strncmp(d->key, "fd", 2);
	if (!strcmp(series, "threads"))
		return id == LT_M_THREADS || id == LT_M_MAPS;
	return 0;
}

static void csv_metrics(const lt_model *m, const char *series, size_t k0,
			size_t k1, FILE *out)
{
	const lt_tgroups *g = lt_model_tgroups_c(m);
	int threads = !strcmp(series, "threads");
	size_t ks = 0;

	fprintf(out, "t,wall_ns");
	for (int id = 0; id < LT_M_COUNT; id++)
		if (in_series(series, id))
			fprintf(out, ",%s", lt_metric_def(id)->key);
	for (size_t i = 0; threads && i < lt_tgroups_count(g); i++) {
		char where[300], col[400];
		const struct lt_tgroup *gr = lt_tgroups_get(g, i);

		lt_stacktab_describe(lt_model_stacks_c(m), gr->stack, where, sizeof(where));
		snprintf(col, sizeof(col), "group %zu: %c %s %s", i + 1, gr->state,
			 gr->syscall ? gr->syscall : "-", where);
		fputc(',', out);
		csv_str(out, col);
	}
	fputc('\n', out);
	for (size_t k = k0; k <= k1; k++) {
		const struct lt_sample *s = lt_model_tick(m, k);

		fprintf(out, "%.3f,%lld", s->t, (long long)s->wall_ns);
		for (int id = 0; id < LT_M_COUNT; id++) {
			if (!in_series(series, id))
				continue;
			if (lt_sample_has(s, id))
				fprintf(out, ",%lld", (long long)s->v[id]);
			else
				fputc(',', out);
		}
		/* Thread groups are counted every few ticks: the last count
		 * taken by this tick. */
		while (threads && ks + 1 < lt_tgroups_sample_count(g) &&
		       lt_tgroups_sample(g, ks + 1)->t <= s->t + 1e-6)
			ks++;
		for (size_t i = 0; threads && i < lt_tgroups_count(g); i++) {
			if (lt_tgroups_sample_count(g) && lt_tgroups_sample(g, ks)->t <= s->t + 1e-6)
				fprintf(out, ",%lld", (long long)lt_tgroups_value(g, i, ks));
			else
				fputc(',', out);
		}
		fputc('\n', out);
	}
}

/* Heap samples are taken with or just after their tick: those up to half
 * an interval after tick k1 belong to the range. */
static void csv_sites(const lt_model *m, size_t k0, size_t k1, FILE *out)
{
	const lt_hsites *h = lt_model_hsites_c(m);
	double t0 = k0 ? lt_model_tick(m, k0)->t : -1e300;
	double t1 = lt_model_tick(m, k1)->t + lt_model_meta_c(m)->interval / 2;
	char where[600];
	long start = -1;

	fprintf(out, "t,site,live_bytes,live_count,alloc_bytes,alloc_count,where\n");
	for (size_t k = 0; k < lt_hsites_sample_count(h); k++) {
		double t = lt_hsites_sample(h, k)->t;

		if (t < t0 - 1e-6 || t > t1)
			continue;
		if (start < 0)
			start = (long)k;
		for (size_t i = 0; i < lt_hsites_count(h); i++) {
			struct lt_hval a = {0}, b;

			if (lt_hsites_get(h, i)->first > k)
				continue;
			lt_hsites_value(h, i, k, &b);
			if (k)
				lt_hsites_value(h, i, k - 1, &a);
			/* the range's first sample is its baseline: every site */
			if ((long)k != start && lt_hsites_get(h, i)->first != k &&
			    !memcmp(&a, &b, sizeof(a)))
				continue;
			fprintf(out, "%.3f,%zu,%lld,%lld,%lld,%lld,", lt_hsites_sample(h, k)->t, i + 1,
				(long long)b.live_bytes, (long long)b.live_count,
				(long long)b.alloc_bytes, (long long)b.alloc_count);
			lt_stacktab_describe_alloc(lt_model_stacks_c(m), lt_hsites_get(h, i)->stack,
						   where, sizeof(where));
			csv_str(out, where);
			fputc('\n', out);
		}
	}
}

int lt_export_csv(const lt_model *m, const char *series,
		  const struct lt_export_opts *o, FILE *out, lt_err *err)
{
	size_t n = lt_model_tick_count(m);
	size_t k0 = o && o->delta ? o->from : 0, k1 = o && o->delta ? o->to : n - 1;

	if (n && (k1 >= n || k0 > k1)) {
		lt_err_set(err, LT_EXIT_USAGE, "--from is after --to: a timeline runs forward");
		return -1;
	}
	if (!strcmp(series, "sites")) {
		if (!lt_hsites_sample_count(lt_model_hsites_c(m))) {
			lt_err_set(err, LT_EXIT_FILE, "the session has no heap data to export");
			return -1;
		}
		if (!n) {
			lt_err_set(err, LT_EXIT_FILE, "the session has no ticks to export");
			return -1;
		}
		csv_sites(m, k0, k1, out);
	} else if (!strcmp(series, "memory") || !strcmp(series, "fds") ||
		   !strcmp(series, "threads")) {
		if (!lt_model_tick_count(m)) {
			lt_err_set(err, LT_EXIT_FILE, "the session has no ticks to export");
			return -1;
		}
		csv_metrics(m, series, k0, k1, out);
	} else {
		lt_err_set(err, LT_EXIT_USAGE,
			   "--series: '%s' is none of memory, threads, fds, sites", series);
		return -1;
	}
	if (fflush(out) || ferror(out)) {
		lt_err_set(err, LT_EXIT_ERROR, "cannot write the export");
		return -1;
	}
	return 0;
}
