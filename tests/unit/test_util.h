/* test_util.h: helpers the unit tests share — reading fixture files and
 * building synthetic sessions in memory.
 *
 * Each test binary is built from its own .c file alone (see the Makefile),
 * so everything here is static inline: a test that does not use a helper
 * gets no "unused" warning and no code for it.  The helpers fail the
 * running cmocka test instead of returning errors.  Paths are relative to
 * the repository root, where the tests run. */
#ifndef LT_TEST_UTIL_H
#define LT_TEST_UTIL_H

/* cmocka needs these before it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lt_metric.h"
#include "lt_model.h"
#include "lt_store.h"

/* ---- session files ---- */

/* The model of the session file at path, or the test fails with the
 * loader's message. */
static inline lt_model *tu_load_ok(const char *path)
{
	lt_model *m = NULL;
	lt_err err = {0, ""};

	if (lt_store_load(path, &m, &err) < 0)
		fail_msg("load %s: %s", path, err.msg);
	return m;
}

/* ---- files ---- */

/* The whole of the file at path, NUL-terminated (not counted in *len), or
 * the test fails.  The caller frees it. */
static inline char *tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s (run from the repo root)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	assert_true(n >= 0);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* The fixture dir/name (dir ends in "/", e.g. "tests/fixtures/proc/"), as
 * tu_read_file. */
static inline char *tu_load_fixture(const char *dir, const char *name,
				    size_t *len)
{
	char path[512];

	assert_true((size_t)snprintf(path, sizeof(path), "%s%s", dir, name) <
		    sizeof(path));
	return tu_read_file(path, len);
}

/* ---- synthetic sessions ---- */

/* 2023-11-14T22:13:20Z, the start of every synthetic session. */
#define TU_T0 (INT64_C(1700000000) * 1000000000)

/* One series of a synthetic session: start + per_s * min(t, until) (until
 * 0: no limit), plus uniform jitter in [-jitter, +jitter], never below 0. */
struct tu_series {
	int id;
	double start, per_s, until, jitter;
};

static uint64_t tu_rng;

/* Uniform in [-a, a), from xorshift64* on tu_rng: reproducible anywhere. */
static inline double tu_uniform(double a)
{
	tu_rng ^= tu_rng >> 12;
	tu_rng ^= tu_rng << 25;
	tu_rng ^= tu_rng >> 27;
	return a * (2.0 * (double)((tu_rng * 2685821657736338717ULL) >> 11) /
		    9007199254740992.0 - 1.0);
}

/* A session of `ticks` ticks starting at TU_T0 with interval 1: tick i is
 * at t = i s, each but the first up to 0.1 s late, and holds the series
 * s[0..ns-1].  The jitter comes from seed alone, so a seed always gives the
 * same session.  The caller frees it with lt_model_free. */
static inline lt_model *tu_build_model(uint64_t seed, size_t ticks,
				       const struct tu_series *s, size_t ns)
{
	lt_model *m = lt_model_new();

	tu_rng = seed;
	lt_model_meta(m)->start_ns = TU_T0;
	lt_model_meta(m)->interval = 1;
	for (size_t i = 0; i < ticks; i++) {
		struct lt_sample smp = {0};

		smp.t = i ? (double)i + 0.05 + tu_uniform(0.05) : 0;
		smp.wall_ns = TU_T0 + (int64_t)(smp.t * 1e9);
		for (size_t k = 0; k < ns; k++) {
			double t = smp.t;
			double v;

			if (s[k].until > 0 && t > s[k].until)
				t = s[k].until;
			v = s[k].start + s[k].per_s * t + tu_uniform(s[k].jitter);
			lt_sample_set(&smp, s[k].id, llround(v < 0 ? 0 : v));
		}
		lt_model_add_sample(m, &smp);
	}
	return m;
}

#endif
