/* pprof's profile.proto, built with the protobuf-c code generated from
 * data/profile.proto and gzipped with zlib.
 *
 * Locations are the stack table's frames (their inlined functions as
 * lines, callees first), functions are deduplicated by name and file,
 * mappings by module, strings through one table. */
#include "lt_export_int.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lt_goroutines.h"
#include "profile.pb-c.h"

typedef Perftools__Profiles__Profile Profile;
typedef Perftools__Profiles__ValueType ValueType;
typedef Perftools__Profiles__Sample Sample;
typedef Perftools__Profiles__Location Location;
typedef Perftools__Profiles__Line Line;
typedef Perftools__Profiles__Function Function;
typedef Perftools__Profiles__Mapping Mapping;
typedef Perftools__Profiles__Label Label;

struct strtab {
	char **s;
	size_t n, cap;
	size_t *hash;          /* open addressing: index + 1 */
	size_t hcap;
};

static uint64_t fnv(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static void str_rehash(struct strtab *t)
{
	free(t->hash);
	t->hcap = t->hcap ? t->hcap * 2 : 1024;
	t->hash = lt_xcalloc(t->hcap, sizeof(size_t));
	for (size_t i = 0; i < t->n; i++) {
		size_t j = fnv(t->s[i]) & (t->hcap - 1);

		while (t->hash[j])
			j = (j + 1) & (t->hcap - 1);
		t->hash[j] = i + 1;
	}
}

static int64_t str_id(struct strtab *t, const char *s)
{
	size_t j;

	if (!s)
		s = "";
	if ((t->n + 1) * 2 > t->hcap)
		str_rehash(t);
	for (j = fnv(s) & (t->hcap - 1); t->hash[j]; j = (j + 1) & (t->hcap - 1))
		if (!strcmp(t->s[t->hash[j] - 1], s))
			return (int64_t)t->hash[j] - 1;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->s = lt_xrealloc(t->s, t->cap * sizeof(char *));
	}
	t->s[t->n] = lt_xstrdup(s);
	t->hash[j] = t->n + 1;
	return (int64_t)t->n++;
}

struct build {
	Profile p;
	struct strtab st;
	const lt_stacktab *t;
	uint64_t *loc_of;      /* frame -> location id (0: not yet) */
	Location **locs;
	size_t nlocs;
	Function **fns;
	size_t nfns;
	size_t *fn_hash;       /* open addressing by (name, file): index + 1 */
	size_t fn_hcap;
	Mapping **maps;
	size_t nmaps;
	char **map_key;        /* module path per mapping */
};

static size_t fn_slot(const struct build *b, int64_t name, int64_t file)
{
	uint64_t h = ((uint64_t)name * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)file;

	return (size_t)((h ^ (h >> 29)) & (b->fn_hcap - 1));
}

static void fn_rehash(struct build *b)
{
	free(b->fn_hash);
	b->fn_hcap = b->fn_hcap ? b->fn_hcap * 2 : 1024;
	b->fn_hash = lt_xcalloc(b->fn_hcap, sizeof(size_t));
	for (size_t i = 0; i < b->nfns; i++) {
		size_t j = fn_slot(b, b->fns[i]->name, b->fns[i]->filename);

		while (b->fn_hash[j])
			j = (j + 1) & (b->fn_hcap - 1);
		b->fn_hash[j] = i + 1;
	}
}

/* One Function per (name, file): a profile of 100,000 sites has as many
 * functions, so a hash, not a scan. */
static uint64_t function_id(struct build *b, const char *name, const char *file)
{
	int64_t n = str_id(&b->st, name), f = str_id(&b->st, file);
	Function *fn;
	size_t j;

	if ((b->nfns + 1) * 2 > b->fn_hcap)
		fn_rehash(b);
	for (j = fn_slot(b, n, f); b->fn_hash[j]; j = (j + 1) & (b->fn_hcap - 1)) {
		fn = b->fns[b->fn_hash[j] - 1];
		if (fn->name == n && fn->filename == f)
			return fn->id;
	}
	if ((b->nfns & (b->nfns - 1)) == 0)   /* capacity: powers of two */
		b->fns = lt_xrealloc(b->fns, (b->nfns ? b->nfns * 2 : 1) * sizeof(*b->fns));
	fn = lt_xcalloc(1, sizeof(*fn));
	perftools__profiles__function__init(fn);
	fn->id = b->nfns + 1;
	fn->name = n;
	fn->system_name = n;
	fn->filename = f;
	b->fn_hash[j] = b->nfns + 1;
	b->fns[b->nfns++] = fn;
	return fn->id;
}

static uint64_t mapping_id(struct build *b, const struct lt_frame *f)
{
	uint64_t start = f->pc - f->module_addr;
	Mapping *mp;

	if (!f->module)
		return 0;
	for (size_t i = 0; i < b->nmaps; i++)
		if (!strcmp(b->map_key[i], f->module)) {
			mp = b->maps[i];
			if (start < mp->memory_start)
				mp->memory_start = start;
			if (f->pc + 1 > mp->memory_limit)
				mp->memory_limit = f->pc + 1;
			return mp->id;
		}
	b->maps = lt_xrealloc(b->maps, (b->nmaps + 1) * sizeof(*b->maps));
	b->map_key = lt_xrealloc(b->map_key, (b->nmaps + 1) * sizeof(char *));
	mp = lt_xcalloc(1, sizeof(*mp));
	perftools__profiles__mapping__init(mp);
	mp->id = b->nmaps + 1;
	mp->memory_start = start;
	mp->memory_limit = f->pc + 1;
	mp->filename = str_id(&b->st, f->module);
	mp->build_id = str_id(&b->st, f->build_id);
	mp->has_functions = mp->has_filenames = mp->has_line_numbers = 1;
	mp->has_inline_frames = 1;
	b->map_key[b->nmaps] = f->module;
	b->maps[b->nmaps++] = mp;
	return mp->id;
}

static uint64_t location_id(struct build *b, size_t frame)
{
	const struct lt_frame *f = lt_stacktab_frame(b->t, frame);
	char name[512];
	Location *l;

	if (b->loc_of[frame])
		return b->loc_of[frame];
	l = lt_xcalloc(1, sizeof(*l));
	perftools__profiles__location__init(l);
	l->id = b->nlocs + 1;
	l->mapping_id = mapping_id(b, f);
	l->address = f->pc;
	l->n_line = f->nsyms;
	l->line = lt_xcalloc(f->nsyms, sizeof(Line *));
	for (size_t k = 0; k < f->nsyms; k++) {
		Line *ln = lt_xcalloc(1, sizeof(*ln));

		perftools__profiles__line__init(ln);
		ln->function_id = function_id(b, lt_export_fn_name(b->t, frame, k, name, sizeof(name)),
					      f->syms[k].file);
		ln->line = f->syms[k].line;
		l->line[k] = ln;
	}
	if ((b->nlocs & (b->nlocs - 1)) == 0)
		b->locs = lt_xrealloc(b->locs, (b->nlocs ? b->nlocs * 2 : 1) * sizeof(*b->locs));
	b->locs[b->nlocs++] = l;
	b->loc_of[frame] = l->id;
	return l->id;
}

static ValueType *value_type(struct build *b, const char *type, const char *unit)
{
	ValueType *v = lt_xcalloc(1, sizeof(*v));

	perftools__profiles__value_type__init(v);
	v->type = str_id(&b->st, type);
	v->unit = str_id(&b->st, unit);
	return v;
}

static Label *label(struct build *b, const char *key, const char *str)
{
	Label *l = lt_xcalloc(1, sizeof(*l));

	perftools__profiles__label__init(l);
	l->key = str_id(&b->st, key);
	l->str = str_id(&b->st, str);
	return l;
}

static void build_free(struct build *b)
{
	Profile *p = &b->p;

	for (size_t i = 0; i < p->n_sample_type; i++)
		free(p->sample_type[i]);
	free(p->sample_type);
	free(p->period_type);
	for (size_t i = 0; i < p->n_sample; i++) {
		for (size_t k = 0; k < p->sample[i]->n_label; k++)
			free(p->sample[i]->label[k]);
		free(p->sample[i]->label);
		free(p->sample[i]->location_id);
		free(p->sample[i]->value);
		free(p->sample[i]);
	}
	free(p->sample);
	for (size_t i = 0; i < b->nlocs; i++) {
		for (size_t k = 0; k < b->locs[i]->n_line; k++)
			free(b->locs[i]->line[k]);
		free(b->locs[i]->line);
		free(b->locs[i]);
	}
	free(b->locs);
	for (size_t i = 0; i < b->nfns; i++)
		free(b->fns[i]);
	free(b->fns);
	free(b->fn_hash);
	for (size_t i = 0; i < b->nmaps; i++)
		free(b->maps[i]);
	free(b->maps);
	free(b->map_key);
	for (size_t i = 0; i < b->st.n; i++)
		free(b->st.s[i]);
	free(b->st.s);
	free(b->st.hash);
	free(b->loc_of);
}

static void add_samples(struct build *b, const lt_model *m, const struct lt_export_opts *o,
			const struct lt_xsample *x, long n)
{
	const lt_tgroups *g = lt_export_groups(m, o->type);
	Profile *p = &b->p;
	int heap = o->type == LT_EXPORT_HEAP, go = o->type == LT_EXPORT_GOROUTINES;

	p->sample = lt_xcalloc((size_t)n + 1, sizeof(Sample *));
	for (long i = 0; i < n; i++) {
		Sample *s = lt_xcalloc(1, sizeof(*s));
		const struct lt_stack *st = x[i].stack != LT_NONE &&
			x[i].stack < lt_stacktab_stack_count(b->t) ?
			lt_stacktab_stack(b->t, x[i].stack) : NULL;

		perftools__profiles__sample__init(s);
		s->n_location_id = st ? st->depth : 0;
		s->location_id = lt_xcalloc(s->n_location_id + 1, sizeof(uint64_t));
		for (size_t d = 0; st && d < st->depth; d++)
			s->location_id[d] = location_id(b, st->frames[d]);
		s->n_value = heap ? LT_SAMPLE_COUNT_ : 1;
		s->value = lt_xcalloc(s->n_value, sizeof(int64_t));
		memcpy(s->value, x[i].v, s->n_value * sizeof(int64_t));
		if (!heap) {
			const struct lt_tgroup *gr = lt_tgroups_get(g, x[i].group);
			char state[32];

			s->n_label = gr->syscall ? 2 : 1;
			s->label = lt_xcalloc(2, sizeof(Label *));
			s->label[0] = label(b, "state", go ?
				lt_goroutines_status_name(gr->state, state, sizeof(state)) :
				lt_tgroups_state_name(gr->state, state, sizeof(state)));
			if (gr->syscall)
				s->label[1] = label(b, go ? "wait reason" : "syscall", gr->syscall);
		}
		p->sample[p->n_sample++] = s;
	}
}

/* gzip of buf[0..len) to out. */
static int write_gzip(const uint8_t *buf, size_t len, FILE *out, lt_err *err)
{
	z_stream z;
	uint8_t chunk[65536];
	int rc;

	memset(&z, 0, sizeof(z));
	/* 15 + 16: a gzip header and trailer, as pprof expects. */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		lt_err_set(err, LT_EXIT_ERROR, "zlib: cannot start compressing");
		return -1;
	}
	z.next_in = (uint8_t *)buf;
	z.avail_in = (uInt)len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		rc = deflate(&z, Z_FINISH);
		if (fwrite(chunk, 1, sizeof(chunk) - z.avail_out, out) !=
		    sizeof(chunk) - z.avail_out) {
			deflateEnd(&z);
			lt_err_set(err, LT_EXIT_ERROR, "cannot write the export");
			return -1;
		}
	} while (rc == Z_OK);
	deflateEnd(&z);
	if (rc != Z_STREAM_END || fflush(out) || ferror(out)) {
		lt_err_set(err, LT_EXIT_ERROR, "cannot write the export");
		return -1;
	}
	return 0;
}

int lt_export_pprof(const lt_model *m, const struct lt_export_opts *o,
		    FILE *out, lt_err *err)
{
	const struct lt_meta *meta = lt_model_meta_c(m);
	struct build b;
	struct lt_xsample *x;
	long n = lt_export_samples(m, o, &x, err);
	uint8_t *buf;
	size_t len;
	int rc;
	double t0, t1;

	if (n < 0)
		return -1;
	memset(&b, 0, sizeof(b));
	perftools__profiles__profile__init(&b.p);
	b.t = lt_model_stacks_c(m);
	b.loc_of = lt_xcalloc(lt_stacktab_frame_count(b.t) + 1, sizeof(uint64_t));
	str_id(&b.st, "");
	if (o->type == LT_EXPORT_HEAP) {
		b.p.n_sample_type = LT_SAMPLE_COUNT_;
		b.p.sample_type = lt_xcalloc(LT_SAMPLE_COUNT_, sizeof(ValueType *));
		for (int s = 0; s < LT_SAMPLE_COUNT_; s++)
			b.p.sample_type[s] = value_type(&b, lt_export_sample_name(s),
							lt_export_sample_bytes(s) ? "bytes" : "count");
		b.p.period_type = value_type(&b, "space", "bytes");
		b.p.period = (int64_t)lt_hsites_rate(lt_model_hsites_c(m));
		b.p.default_sample_type = b.p.sample_type[o->sample]->type;
	} else {
		b.p.n_sample_type = 1;
		b.p.sample_type = lt_xcalloc(1, sizeof(ValueType *));
		b.p.sample_type[0] = value_type(&b, o->type == LT_EXPORT_GOROUTINES ?
						"goroutine" : "threads", "count");
		b.p.period_type = value_type(&b, o->type == LT_EXPORT_GOROUTINES ?
					     "goroutine" : "threads", "count");
		b.p.period = 1;
	}
	/* pprof names a profile after its first mapping: the program's own. */
	for (size_t f = 0; meta->exe && f < lt_stacktab_frame_count(b.t); f++) {
		const struct lt_frame *fr = lt_stacktab_frame(b.t, f);

		if (fr->module && !strcmp(fr->module, meta->exe)) {
			mapping_id(&b, fr);
			break;
		}
	}
	add_samples(&b, m, o, x, n);
	b.p.n_location = b.nlocs;
	b.p.location = b.locs;
	b.p.n_function = b.nfns;
	b.p.function = b.fns;
	b.p.n_mapping = b.nmaps;
	b.p.mapping = b.maps;
	t1 = lt_model_tick(m, o->to)->t;
	t0 = o->delta ? lt_model_tick(m, o->from)->t : 0;
	b.p.time_nanos = meta->start_ns + (int64_t)(t0 * 1e9);
	b.p.duration_nanos = (int64_t)((t1 - t0) * 1e9);
	b.p.n_string_table = b.st.n;
	b.p.string_table = b.st.s;
	len = perftools__profiles__profile__get_packed_size(&b.p);
	buf = lt_xmalloc(len ? len : 1);
	perftools__profiles__profile__pack(&b.p, buf);
	rc = write_gzip(buf, len, out, err);
	free(buf);
	free(x);
	build_free(&b);
	return rc;
}
