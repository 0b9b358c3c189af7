/* Exports from a synthetic model: moments, folded stacks (root first,
 * inlined functions expanded, separators sanitized), deltas with negative
 * values, CSV shape, and pprof decoded back with protobuf-c: sample types,
 * period, time, locations with inlined lines, deduplicated functions,
 * mappings with build-ids, thread profiles with labels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lt_export.h"
#include "lt_metric.h"
#include "lt_model.h"
#include "profile.pb-c.h"

#define T0 1795400000000000000LL   /* 2026-11-23T02:13:20Z */

/* Ten ticks a second apart; site A grows 1000 bytes a tick, site B falls
 * from 5000 to 500; B's frame has an inlined function and a ';' in a
 * (hostile) name; both are called from main, at two addresses (one
 * function, two locations). */
static lt_model *make(void)
{
	lt_model *m = lt_model_new();
	lt_stacktab *t = lt_model_stacks(m);
	lt_hsites *h = lt_model_hsites(m);
	struct lt_frame_sym ma = {(char *)"main", (char *)"m.c", 1};
	struct lt_frame_sym ma2 = {(char *)"main", (char *)"m.c", 2};
	struct lt_frame_sym la = {(char *)"leak_a", (char *)"a.c", 10};
	struct lt_frame_sym lb[2] = {{(char *)"inl;ined", (char *)"b.h", 3},
				     {(char *)"outer_b", (char *)"b.c", 20}};
	size_t fm = lt_stacktab_frame_add(t, 0x100, "/bin/p", "abcd", 0x100, &ma, 1);
	size_t fa = lt_stacktab_frame_add(t, 0x200, "/bin/p", "abcd", 0x200, &la, 1);
	size_t fm2 = lt_stacktab_frame_add(t, 0x110, "/bin/p", "abcd", 0x110, &ma2, 1);
	size_t fb = lt_stacktab_frame_add(t, 0x7000300, "/lib/libx.so", NULL, 0x300, lb, 2);
	size_t sa = lt_stacktab_stack_intern(t, (size_t[]){fa, fm}, 2);
	size_t sb = lt_stacktab_stack_intern(t, (size_t[]){fb, fm2}, 2);

	lt_model_meta(m)->start_ns = T0;
	lt_model_meta(m)->interval = 1;
	lt_hsites_set_rate(h, 65536);
	for (int k = 0; k < 10; k++) {
		struct lt_sample s = {.t = k, .wall_ns = T0 + k * 1000000000LL};
		struct lt_hval a = {.live_bytes = 1000 * (k + 1), .live_count = k + 1, .alloc_bytes = 1000 * (k + 1), .alloc_count = k + 1};
		struct lt_hval b = {.live_bytes = k < 5 ? 5000 : 500, .live_count = 5, .alloc_bytes = 5000, .alloc_count = 5};

		lt_sample_set(&s, LT_M_RSS_ANON, 1000000 + k);
		lt_sample_set(&s, LT_M_FDS, 7);
		lt_model_add_sample(m, &s);
		lt_hsites_begin(h, k);
		lt_hsites_set(h, sa, &a);
		lt_hsites_set(h, sb, &b);
		lt_hsites_end(h);
	}
	return m;
}

static char *run(lt_model *m, int (*fn)(const lt_model *, const struct lt_export_opts *, FILE *, lt_err *),
		 const struct lt_export_opts *o, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	lt_err err = {0, ""};

	assert_non_null(f);
	assert_int_equal(fn(m, o, f, &err), 0);
	fclose(f);
	return buf;
}

static void test_moments(void **state)
{
	lt_model *m = make();
	lt_err err = {0, ""};
	size_t k = 99;
	(void)state;

	assert_int_equal(lt_export_moment(m, "3", "--at", &k, &err), 0);
	assert_int_equal(k, 3);
	assert_int_equal(lt_export_moment(m, "4.5s", "--at", &k, &err), 0);
	assert_int_equal(k, 4);    /* the last tick at or before */
	assert_int_equal(lt_export_moment(m, "4.8s", "--at", &k, &err), 0);
	assert_int_equal(k, 5);    /* tick 5 taken a little late is "at 5" */
	assert_int_equal(lt_export_moment(m, "4.7s", "--at", &k, &err), 0);
	assert_int_equal(k, 4);
	assert_int_equal(lt_export_moment(m, "@1795400007", "--at", &k, &err), 0);
	assert_int_equal(k, 7);
	assert_int_equal(lt_export_moment(m, "2026-11-23T02:13:28Z", "--at", &k, &err), 0);
	assert_int_equal(k, 8);
	assert_int_equal(lt_export_moment(m, "2026-11-23T04:13:22+02:00", "--at", &k, &err), 0);
	assert_int_equal(k, 2);
	assert_int_equal(lt_export_moment(m, "1h", "--at", &k, &err), -1);
	assert_int_equal(err.code, LT_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "outside the session"));
	assert_int_equal(lt_export_moment(m, "soon", "--from", &k, &err), -1);
	assert_non_null(strstr(err.msg, "--from"));
	assert_int_equal(lt_export_moment(m, "2026-13-40T99:00:00Z", "--at", &k, &err), -1);
	assert_int_equal(lt_export_sample_parse("alloc_space"), LT_SAMPLE_ALLOC_SPACE);
	assert_int_equal(lt_export_sample_parse("bytes"), -1);
	lt_model_free(m);
}

static void test_folded_root_first_and_inlined(void **state)
{
	lt_model *m = make();
	struct lt_export_opts o = {.type = LT_EXPORT_HEAP, .sample = LT_SAMPLE_INUSE_SPACE, .to = 9};
	size_t len;
	char *out;
	(void)state;

	out = run(m, lt_export_folded, &o, &len);
	assert_string_equal(out, "main;leak_a 10000\nmain;outer_b;inl:ined 500\n");
	free(out);
	/* a delta: the falling site is negative, allowed */
	o.delta = 1;
	o.from = 2;
	out = run(m, lt_export_folded, &o, &len);
	assert_string_equal(out, "main;leak_a 7000\nmain;outer_b;inl:ined -4500\n");
	free(out);
	/* objects instead of bytes */
	o.delta = 0;
	o.sample = LT_SAMPLE_ALLOC_OBJECTS;
	out = run(m, lt_export_folded, &o, &len);
	assert_string_equal(out, "main;leak_a 10\nmain;outer_b;inl:ined 5\n");
	free(out);
	lt_model_free(m);
}

typedef Perftools__Profiles__Profile Profile;

/* The profile in gz[0..len): gunzipped with zlib, then decoded by
 * protobuf-c, the reader of the same .proto; the test fails if either
 * refuses it.  Free with perftools__profiles__profile__free_unpacked. */
static Profile *decode(const char *gz, size_t len)
{
	size_t cap = 1 << 20, n;
	unsigned char *raw = malloc(cap);
	z_stream z;
	Profile *p;

	assert_non_null(raw);
	assert_true(len > 2);
	assert_int_equal((unsigned char)gz[0], 0x1f);  /* gzip, not zlib */
	assert_int_equal((unsigned char)gz[1], 0x8b);
	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (unsigned char *)gz;
	z.avail_in = (uInt)len;
	z.next_out = raw;
	z.avail_out = (uInt)cap;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	n = cap - z.avail_out;
	inflateEnd(&z);
	p = perftools__profiles__profile__unpack(NULL, n, raw);
	free(raw);
	assert_non_null(p);
	return p;
}

static const char *str(const Profile *p, int64_t i)
{
	assert_true(i >= 0 && (size_t)i < p->n_string_table);
	return p->string_table[i];
}

static const Perftools__Profiles__Location *loc(const Profile *p, uint64_t id)
{
	for (size_t i = 0; i < p->n_location; i++)
		if (p->location[i]->id == id)
			return p->location[i];
	fail_msg("no location %llu", (unsigned long long)id);
	return NULL;
}

static const Perftools__Profiles__Function *fn(const Profile *p, uint64_t id)
{
	for (size_t i = 0; i < p->n_function; i++)
		if (p->function[i]->id == id)
			return p->function[i];
	fail_msg("no function %llu", (unsigned long long)id);
	return NULL;
}

/* The name of line k of location id. */
static const char *line_fn(const Profile *p, uint64_t id, size_t k)
{
	const Perftools__Profiles__Location *l = loc(p, id);

	assert_true(k < l->n_line);
	return str(p, fn(p, l->line[k]->function_id)->name);
}

/* The sample whose innermost location is in function name. */
static const Perftools__Profiles__Sample *sample_of(const Profile *p,
						    const char *name)
{
	for (size_t i = 0; i < p->n_sample; i++)
		if (p->sample[i]->n_location_id &&
		    !strcmp(line_fn(p, p->sample[i]->location_id[0], 0), name))
			return p->sample[i];
	fail_msg("no sample in %s", name);
	return NULL;
}

static Profile *export_pprof(lt_model *m, const struct lt_export_opts *o)
{
	size_t len;
	char *gz = run(m, lt_export_pprof, o, &len);
	Profile *p = decode(gz, len);

	free(gz);
	return p;
}

static void test_pprof_heap_profile(void **state)
{
	static const char *const types[] = {"alloc_objects", "alloc_space",
					    "inuse_objects", "inuse_space",
					    "unreachable_objects", "unreachable_space"};
	static const char *const units[] = {"count", "bytes", "count", "bytes", "count", "bytes"};
	lt_model *m = make();
	struct lt_export_opts o = {.type = LT_EXPORT_HEAP, .sample = LT_SAMPLE_INUSE_SPACE, .to = 9};
	const Perftools__Profiles__Sample *a, *b;
	const Perftools__Profiles__Location *lb;
	Profile *p;
	int mains = 0;
	(void)state;

	p = export_pprof(m, &o);
	assert_string_equal(str(p, 0), "");
	assert_int_equal(p->n_sample_type, 6);
	for (int i = 0; i < 6; i++) {
		assert_string_equal(str(p, p->sample_type[i]->type), types[i]);
		assert_string_equal(str(p, p->sample_type[i]->unit), units[i]);
	}
	assert_string_equal(str(p, p->default_sample_type), "inuse_space");
	assert_string_equal(str(p, p->period_type->type), "space");
	assert_string_equal(str(p, p->period_type->unit), "bytes");
	assert_int_equal(p->period, 65536);
	assert_int_equal(p->time_nanos, T0);
	assert_int_equal(p->duration_nanos, 9000000000LL);

	assert_int_equal(p->n_sample, 2);
	a = sample_of(p, "leak_a");
	assert_int_equal(a->n_value, 6);
	assert_int_equal(a->value[0], 10);
	assert_int_equal(a->value[1], 10000);
	assert_int_equal(a->value[2], 10);
	assert_int_equal(a->value[3], 10000);
	assert_int_equal(a->value[4], 0);  /* no reachability scan */
	assert_int_equal(a->value[5], 0);
	assert_int_equal(a->n_location_id, 2);          /* innermost first */
	assert_string_equal(line_fn(p, a->location_id[1], 0), "main");

	/* B's frame: one location, the inlined function first, then the
	 * function it was inlined into, each with its file and line. */
	b = sample_of(p, "inl;ined");
	assert_int_equal(b->value[3], 500);
	lb = loc(p, b->location_id[0]);
	assert_int_equal(lb->address, 0x7000300);
	assert_int_equal(lb->n_line, 2);
	assert_string_equal(line_fn(p, lb->id, 1), "outer_b");
	assert_int_equal(lb->line[0]->line, 3);
	assert_int_equal(lb->line[1]->line, 20);
	assert_string_equal(str(p, fn(p, lb->line[1]->function_id)->filename), "b.c");

	/* main at two addresses: two locations, one function. */
	assert_int_equal(p->n_location, 4);
	assert_true(a->location_id[1] != b->location_id[1]);
	assert_int_equal(loc(p, a->location_id[1])->line[0]->function_id,
			 loc(p, b->location_id[1])->line[0]->function_id);
	for (size_t i = 0; i < p->n_function; i++)
		mains += !strcmp(str(p, p->function[i]->name), "main");
	assert_int_equal(mains, 1);
	assert_int_equal(p->n_function, 4);

	/* Mappings by module, with the build-id where known; the libx.so
	 * frame is 0x300 into a module loaded at 0x7000000. */
	assert_int_equal(p->n_mapping, 2);
	for (size_t i = 0; i < p->n_mapping; i++) {
		const Perftools__Profiles__Mapping *mp = p->mapping[i];

		if (!strcmp(str(p, mp->filename), "/bin/p")) {
			assert_string_equal(str(p, mp->build_id), "abcd");
			assert_int_equal(loc(p, a->location_id[0])->mapping_id, mp->id);
		} else {
			assert_string_equal(str(p, mp->filename), "/lib/libx.so");
			assert_string_equal(str(p, mp->build_id), "");
			assert_int_equal(mp->memory_start, 0x7000000);
			assert_int_equal(lb->mapping_id, mp->id);
		}
		assert_true(mp->has_functions && mp->has_line_numbers && mp->has_inline_frames);
	}
	perftools__profiles__profile__free_unpacked(p, NULL);

	/* A range: the change, negative where B shrank, timed from --from. */
	o.delta = 1;
	o.from = 2;
	o.sample = LT_SAMPLE_ALLOC_SPACE;
	p = export_pprof(m, &o);
	assert_string_equal(str(p, p->default_sample_type), "alloc_space");
	assert_int_equal(p->time_nanos, T0 + 2000000000LL);
	assert_int_equal(p->duration_nanos, 7000000000LL);
	assert_int_equal(p->n_sample, 2);
	a = sample_of(p, "leak_a");
	assert_int_equal(a->value[3], 7000);
	assert_int_equal(a->value[1], 7000);
	b = sample_of(p, "inl;ined");
	assert_int_equal(b->value[3], -4500);
	assert_int_equal(b->value[1], 0);
	perftools__profiles__profile__free_unpacked(p, NULL);
	lt_model_free(m);
}

/* Many functions, each at several addresses: one Function per name and
 * file however many there are (past the dedup table's first resize). */
static void test_pprof_many_functions(void **state)
{
	lt_model *m = lt_model_new();
	lt_stacktab *t = lt_model_stacks(m);
	lt_hsites *h = lt_model_hsites(m);
	struct lt_export_opts o = {.type = LT_EXPORT_HEAP, .sample = LT_SAMPLE_INUSE_SPACE};
	struct lt_sample smp = {.t = 0};
	Profile *p;
	size_t named = 0;
	(void)state;

	lt_model_meta(m)->interval = 1;
	lt_model_add_sample(m, &smp);
	lt_hsites_begin(h, 0);
	for (int i = 0; i < 1500; i++) {
		char name[32];
		struct lt_frame_sym sym = {name, NULL, i};
		struct lt_hval v = {.live_bytes = i + 1, .live_count = 1, .alloc_bytes = i + 1, .alloc_count = 1};
		size_t f;

		/* f0..f699, each name always in the same file */
		snprintf(name, sizeof(name), "f%d", i % 700);
		sym.file = (char *)((i % 700) % 2 ? "odd.c" : "even.c");
		f = lt_stacktab_frame_add(t, 0x1000 + (uint64_t)i, "/bin/q", NULL, 0x1000 + (uint64_t)i, &sym, 1);
		lt_hsites_set(h, lt_stacktab_stack_intern(t, &f, 1), &v);
	}
	lt_hsites_end(h);
	p = export_pprof(m, &o);
	assert_int_equal(p->n_sample, 1500);
	assert_int_equal(p->n_location, 1500);
	assert_int_equal(p->n_function, 700);
	for (size_t i = 0; i < p->n_function; i++)
		named += !strcmp(str(p, p->function[i]->name), "f699") &&
			 !strcmp(str(p, p->function[i]->filename), "odd.c");
	assert_int_equal(named, 1);
	perftools__profiles__profile__free_unpacked(p, NULL);
	lt_model_free(m);
}

/* Threads: one value per group (its thread count), the stack, and the
 * state and syscall as labels, as Go's goroutine profile does. */
static void test_pprof_threads_profile(void **state)
{
	lt_model *m = make();
	lt_stacktab *t = lt_model_stacks(m);
	lt_tgroups *g = lt_model_tgroups(m);
	struct lt_frame_sym w = {(char *)"watch_loop", (char *)"w.c", 7};
	size_t fw = lt_stacktab_frame_add(t, 0x400, "/bin/p", "abcd", 0x400, &w, 1);
	size_t sw = lt_stacktab_stack_intern(t, (size_t[]){fw}, 1);
	struct lt_tsample ts = {.t = 8, .sampled = 5};
	struct lt_export_opts o = {.type = LT_EXPORT_THREADS, .to = 9};
	const Perftools__Profiles__Sample *s;
	Profile *p;
	(void)state;

	lt_tgroups_begin(g, &ts);
	for (int i = 0; i < 4; i++)
		lt_tgroups_add(g, sw, 'S', "read", "watcher");
	lt_tgroups_add(g, LT_NONE, 'R', NULL, "spinner");
	lt_tgroups_end(g);

	p = export_pprof(m, &o);
	assert_int_equal(p->n_sample_type, 1);
	assert_string_equal(str(p, p->sample_type[0]->type), "threads");
	assert_string_equal(str(p, p->sample_type[0]->unit), "count");
	assert_int_equal(p->period, 1);
	assert_int_equal(p->n_sample, 2);
	s = sample_of(p, "watch_loop");
	assert_int_equal(s->n_value, 1);
	assert_int_equal(s->value[0], 4);
	assert_int_equal(s->n_label, 2);
	assert_string_equal(str(p, s->label[0]->key), "state");
	assert_string_equal(str(p, s->label[0]->str), "sleeping");
	assert_string_equal(str(p, s->label[1]->key), "syscall");
	assert_string_equal(str(p, s->label[1]->str), "read");
	/* the thread that was not unwound still counts, without a stack */
	for (size_t i = 0; i < p->n_sample; i++)
		if (!p->sample[i]->n_location_id)
			assert_int_equal(p->sample[i]->value[0], 1);
	perftools__profiles__profile__free_unpacked(p, NULL);
	lt_model_free(m);
}

static void test_no_data_is_an_error(void **state)
{
	lt_model *m = lt_model_new();
	struct lt_export_opts o = {.type = LT_EXPORT_THREADS};
	struct lt_sample s = {.t = 0};
	lt_err err = {0, ""};
	FILE *f = fopen("/dev/null", "w");
	(void)state;

	lt_model_add_sample(m, &s);
	assert_int_equal(lt_export_folded(m, &o, f, &err), -1);
	assert_int_equal(err.code, LT_EXIT_FILE);
	assert_non_null(strstr(err.msg, "no thread data"));
	assert_int_equal(lt_export_csv(m, "sites", NULL, f, &err), -1);
	assert_int_equal(lt_export_csv(m, "bogus", NULL, f, &err), -1);
	assert_int_equal(err.code, LT_EXIT_USAGE);
	fclose(f);
	lt_model_free(m);
}

static void test_csv_memory_and_fds(void **state)
{
	lt_model *m = make();
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	lt_err err = {0, ""};
	(void)state;

	assert_int_equal(lt_export_csv(m, "fds", NULL, f, &err), 0);
	fclose(f);
	assert_int_equal(strncmp(buf, "t,wall_ns,fds,fd_file,", 22), 0);
	assert_non_null(strstr(buf, "\n9.000,1795400009000000000,7,"));
	free(buf);
	lt_model_free(m);
}

static char *csv(lt_model *m, const char *series, const struct lt_export_opts *o)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	lt_err err = {0, ""};

	assert_int_equal(lt_export_csv(m, series, o, f, &err), 0);
	fclose(f);
	return buf;
}

/* --from/--to limit a CSV to its ticks; the sites series starts the range
 * with every site (its baseline), then only changes. */
static void test_csv_range(void **state)
{
	lt_model *m = make();
	struct lt_export_opts o = {.delta = 1, .from = 4, .to = 6};
	lt_err err = {0, ""};
	FILE *f = fopen("/dev/null", "w");
	char *out;
	(void)state;

	out = csv(m, "memory", &o);
	assert_non_null(strstr(out, "\n4.000,1795400004000000000,1000004,"));
	assert_non_null(strstr(out, "\n6.000,1795400006000000000,1000006,"));
	assert_null(strstr(out, "\n3.000,"));
	assert_null(strstr(out, "\n7.000,"));
	free(out);

	out = csv(m, "sites", &o);
	assert_string_equal(out,
		"t,site,live_bytes,live_count,alloc_bytes,alloc_count,where\n"
		"4.000,1,5000,5,5000,5,\"leak_a (a.c:10) <- main (m.c:1)\"\n"
		"4.000,2,5000,5,5000,5,\"inl;ined (b.h:3) <- main (m.c:2)\"\n"
		"5.000,1,6000,6,6000,6,\"leak_a (a.c:10) <- main (m.c:1)\"\n"
		"5.000,2,500,5,5000,5,\"inl;ined (b.h:3) <- main (m.c:2)\"\n"
		"6.000,1,7000,7,7000,7,\"leak_a (a.c:10) <- main (m.c:1)\"\n");
	free(out);

	o.from = 7;
	assert_int_equal(lt_export_csv(m, "memory", &o, f, &err), -1);
	assert_int_equal(err.code, LT_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "--from is after --to"));
	fclose(f);
	lt_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_moments),
		cmocka_unit_test(test_folded_root_first_and_inlined),
		cmocka_unit_test(test_pprof_heap_profile),
		cmocka_unit_test(test_pprof_threads_profile),
		cmocka_unit_test(test_pprof_many_functions),
		cmocka_unit_test(test_no_data_is_an_error),
		cmocka_unit_test(test_csv_memory_and_fds),
		cmocka_unit_test(test_csv_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
