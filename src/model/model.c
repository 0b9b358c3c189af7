#include "lt_model.h"

#include <stdlib.h>
#include <string.h>

#include "lt_err.h"

struct lt_model {
	struct lt_meta meta;
	struct lt_source *sources;
	size_t nsources;
	struct lt_sample *ticks;
	size_t nticks, cap;
	size_t retention;
	lt_stacktab *stacks;
	lt_tgroups *tgroups;
	lt_tgroups *ggroups;     /* goroutine groups (Go programs) */
	lt_hsites *hsites, *fsites, *fdsites;
	lt_srctext *srctext;
	lt_unreach *unreach;
	struct lt_agent_stat *astats;
	size_t nastats, acap;
};

lt_model *lt_model_new(void)
{
	lt_model *m = lt_xcalloc(1, sizeof(lt_model));

	m->stacks = lt_stacktab_new();
	m->tgroups = lt_tgroups_new();
	m->ggroups = lt_tgroups_new();
	m->hsites = lt_hsites_new();
	m->fsites = lt_hsites_new();
	m->fdsites = lt_hsites_new();
	m->srctext = lt_srctext_new();
	m->unreach = lt_unreach_new();
	return m;
}

lt_stacktab *lt_model_stacks(lt_model *m)
{
	return m->stacks;
}

const lt_stacktab *lt_model_stacks_c(const lt_model *m)
{
	return m->stacks;
}

lt_tgroups *lt_model_tgroups(lt_model *m)
{
	return m->tgroups;
}

const lt_tgroups *lt_model_tgroups_c(const lt_model *m)
{
	return m->tgroups;
}

lt_tgroups *lt_model_goroutines(lt_model *m)
{
	return m->ggroups;
}

const lt_tgroups *lt_model_goroutines_c(const lt_model *m)
{
	return m->ggroups;
}

lt_unreach *lt_model_unreach(lt_model *m)
{
	return m->unreach;
}

const lt_unreach *lt_model_unreach_c(const lt_model *m)
{
	return m->unreach;
}

lt_hsites *lt_model_hsites(lt_model *m)
{
	return m->hsites;
}

const lt_hsites *lt_model_hsites_c(const lt_model *m)
{
	return m->hsites;
}

lt_hsites *lt_model_fsites(lt_model *m)
{
	return m->fsites;
}

const lt_hsites *lt_model_fsites_c(const lt_model *m)
{
	return m->fsites;
}

lt_hsites *lt_model_fdsites(lt_model *m)
{
	return m->fdsites;
}

const lt_hsites *lt_model_fdsites_c(const lt_model *m)
{
	return m->fdsites;
}

lt_srctext *lt_model_srctext(lt_model *m)
{
	return m->srctext;
}

const lt_srctext *lt_model_srctext_c(const lt_model *m)
{
	return m->srctext;
}

void lt_model_free(lt_model *m)
{
	if (!m)
		return;
	char **strs[] = {&m->meta.cmdline, &m->meta.exe, &m->meta.build_id,
			 &m->meta.host, &m->meta.kernel, &m->meta.version,
			 &m->meta.options, &m->meta.cgroup, &m->meta.wrappers,
			 &m->meta.end_reason, &m->meta.copy_of, &m->meta.copy_range};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	for (size_t i = 0; i < m->nsources; i++) {
		free(m->sources[i].name);
		free(m->sources[i].reason);
	}
	free(m->sources);
	free(m->ticks);
	free(m->astats);
	lt_stacktab_free(m->stacks);
	lt_tgroups_free(m->tgroups);
	lt_tgroups_free(m->ggroups);
	lt_hsites_free(m->hsites);
	lt_hsites_free(m->fsites);
	lt_hsites_free(m->fdsites);
	lt_srctext_free(m->srctext);
	lt_unreach_free(m->unreach);
	free(m);
}

struct lt_meta *lt_model_meta(lt_model *m)
{
	return &m->meta;
}

const struct lt_meta *lt_model_meta_c(const lt_model *m)
{
	return &m->meta;
}

void lt_model_set_str(lt_model *m, char **field, const char *value)
{
	(void)m;
	free(*field);
	*field = value ? lt_xstrdup(value) : NULL;
}

void lt_model_set_source(lt_model *m, const char *name, int available,
			 const char *reason)
{
	struct lt_source *s = NULL;

	for (size_t i = 0; i < m->nsources; i++)
		if (strcmp(m->sources[i].name, name) == 0)
			s = &m->sources[i];
	if (!s) {
		m->sources = lt_xrealloc(m->sources,
					 (m->nsources + 1) * sizeof(*s));
		s = &m->sources[m->nsources++];
		s->name = lt_xstrdup(name);
		s->reason = NULL;
	}
	s->available = available;
	free(s->reason);
	s->reason = reason ? lt_xstrdup(reason) : NULL;
}

size_t lt_model_source_count(const lt_model *m)
{
	return m->nsources;
}

const struct lt_source *lt_model_source(const lt_model *m, size_t i)
{
	return &m->sources[i];
}

const struct lt_source *lt_model_source_find(const lt_model *m,
					     const char *name)
{
	for (size_t i = 0; i < m->nsources; i++)
		if (strcmp(m->sources[i].name, name) == 0)
			return &m->sources[i];
	return NULL;
}

void lt_model_set_retention(lt_model *m, size_t max)
{
	m->retention = max;
}

void lt_model_add_sample(lt_model *m, const struct lt_sample *s)
{
	/* Dropping half at once keeps the cost amortised O(1) per tick. */
	if (m->retention && m->nticks >= m->retention) {
		size_t drop = m->nticks - m->retention / 2;

		memmove(m->ticks, m->ticks + drop,
			(m->nticks - drop) * sizeof(*m->ticks));
		m->nticks -= drop;
	}
	if (m->nticks == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 256;
		m->ticks = lt_xrealloc(m->ticks, m->cap * sizeof(*m->ticks));
	}
	m->ticks[m->nticks++] = *s;
}

size_t lt_model_tick_count(const lt_model *m)
{
	return m->nticks;
}

const struct lt_sample *lt_model_tick(const lt_model *m, size_t i)
{
	return &m->ticks[i];
}

void lt_model_growth(const lt_model *m, int id, size_t from, size_t to,
		     struct lt_growth *out)
{
	size_t n = 0;
	double *t, *v;

	if (to > m->nticks)
		to = m->nticks;
	if (from > to)
		from = to;
	t = lt_xmalloc((to - from + 1) * sizeof(double));
	v = lt_xmalloc((to - from + 1) * sizeof(double));
	for (size_t i = from; i < to; i++) {
		if (!lt_sample_has(&m->ticks[i], id))
			continue;
		t[n] = m->ticks[i].t;
		v[n] = (double)m->ticks[i].v[id];
		n++;
	}
	lt_growth_fit(t, v, n, lt_metric_def(id)->noise, out);
	free(t);
	free(v);
}

void lt_model_add_agent_stat(lt_model *m, const struct lt_agent_stat *a)
{
	if (m->nastats == m->acap) {
		m->acap = m->acap ? m->acap * 2 : 64;
		m->astats = lt_xrealloc(m->astats, m->acap * sizeof(*m->astats));
	}
	m->astats[m->nastats++] = *a;
}

size_t lt_model_agent_stat_count(const lt_model *m)
{
	return m->nastats;
}

const struct lt_agent_stat *lt_model_agent_stat(const lt_model *m, size_t i)
{
	return i < m->nastats ? &m->astats[i] : NULL;
}

void lt_model_agent_summary(const lt_model *m, int64_t ff_samples,
			    struct lt_agent_summary *out)
{
	const struct lt_agent_stat *a = NULL, *z;
	double dcpu;

	memset(out, 0, sizeof(*out));
	if (!m->nastats)
		return;
	z = &m->astats[m->nastats - 1];
	out->have = 1;
	for (size_t i = 0; i < m->nastats; i++) {
		const struct lt_agent_stat *r = &m->astats[i];

		if (!a && r->cpu_ns > 0)
			a = r;
		if (r->deferred > 0) {
			out->cut_ticks++;
			if (r->deferred > out->max_deferred)
				out->max_deferred = r->deferred;
		}
	}
	out->unrecorded = z->deferred;
	out->behind_ms = z->behind_ms;
	out->samples = z->samples;
	out->dropped = z->dropped;
	out->dropped_bytes = z->dropped_bytes;
	out->free_hits = z->free_hits;
	out->lock_waits = z->lock_waits;
	out->table_cap = z->table_cap;
	out->grows = z->grows;
	if (z->samples + ff_samples > 0)
		out->reused_share = (double)z->reused / (double)(z->samples + ff_samples);
	if (!a || z->cpu_ns <= 0)
		return;
	out->have_cost = 1;
	if (z->samples + z->dropped + ff_samples > 0)
		out->ns_per_sample = (double)z->sample_ns /
				     (double)(z->samples + z->dropped + ff_samples);
	out->span = z->t - a->t;
	dcpu = (double)(z->cpu_ns - a->cpu_ns);
	if (out->span > 0)
		out->samples_per_s = (double)(z->samples - a->samples) / out->span;
	if (dcpu > 0) {
		out->cpu_share = (double)(z->sample_ns - a->sample_ns) / dcpu;
		out->agent_share = (double)(z->agent_cpu_ns - a->agent_cpu_ns) / dcpu;
	}
}
