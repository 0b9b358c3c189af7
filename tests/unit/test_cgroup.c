/* Unit tests for the memory cgroup module: memory.stat (v1, v2), usage,
 * /proc/PID/cgroup and mountinfo parsers over fixtures in
 * tests/fixtures/cgroup/, path resolution (hybrid, pure v2, container mount
 * roots, escaped mount points), and end-to-end discovery and reading over the
 * fixture directory trees in tests/fixtures/cgroup/fs/.  Run from the repo
 * root. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lt_cgroup.h"
#include "test_util.h"

#define FIX "tests/fixtures/cgroup/"
#define MiB (1024 * 1024)

/* The fixture FIX/name, NUL-terminated; the caller frees it. */
static char *load(const char *name, size_t *len)
{
	return tu_load_fixture(FIX, name, len);
}

/* ---- memory.stat ---- */

static void stat_file(const char *name, int v2, struct lt_cgroup_stat *st,
		      int expect_found)
{
	size_t len;
	char *buf = load(name, &len);
	int found = v2 ? lt_cgroup_parse_stat_v2(buf, len, st)
		       : lt_cgroup_parse_stat_v1(buf, len, st);

	assert_int_equal(found, expect_found);
	free(buf);
}

static void test_stat_v1_real(void **state)
{
	struct lt_cgroup_stat st;

	(void)state;
	stat_file("memory.stat.v1", 0, &st, 4);
	assert_int_equal(st.anon, 2097152);
	assert_int_equal(st.file, 168644608);
	assert_int_equal(st.active_file, 84529152);
	assert_int_equal(st.inactive_file, 84115456);
}

/* A parent cgroup: plain counters are 0, the hierarchical totals hold the
 * children's memory, and those must win. */
static void test_stat_v1_prefers_total(void **state)
{
	struct lt_cgroup_stat st;

	(void)state;
	stat_file("memory.stat.v1_parent", 0, &st, 4);
	assert_int_equal(st.anon, 1073741824);
	assert_int_equal(st.file, 2147483648);
	assert_int_equal(st.active_file, 536870912);
	assert_int_equal(st.inactive_file, 1610612736);
}

/* No total_* lines: plain counters; rss_huge is part of rss, not added. */
static void test_stat_v1_flat(void **state)
{
	struct lt_cgroup_stat st;

	(void)state;
	stat_file("memory.stat.v1_flat", 0, &st, 4);
	assert_int_equal(st.anon, 268435456);
	assert_int_equal(st.file, 536870912);
	assert_int_equal(st.active_file, 134217728);
	assert_int_equal(st.inactive_file, 402653184);
}

static void test_stat_v1_hostile(void **state)
{
	struct lt_cgroup_stat st;

	(void)state;
	/* total_rss before rss still wins; an overflowing total_cache does
	 * not replace the earlier good one. */
	stat_file("memory.stat.v1_hostile", 0, &st, 2);
	assert_int_equal(st.anon, 1024);
	assert_int_equal(st.file, 5);
	assert_int_equal(st.active_file, -1);
	assert_int_equal(st.inactive_file, -1);
}

/* anon_thp, file_mapped, active_anon must not be taken for anon/file. */
static void test_stat_v2(void **state)
{
	struct lt_cgroup_stat st;

	(void)state;
	stat_file("memory.stat.v2", 1, &st, 4);
	assert_int_equal(st.anon, 157286400);
	assert_int_equal(st.file, 524288000);
	assert_int_equal(st.active_file, 104857600);
	assert_int_equal(st.inactive_file, 419430400);
}

static void test_stat_v2_hostile(void **state)
{
	struct lt_cgroup_stat st;

	(void)state;
	/* Overflow and trailing garbage are dropped; the cut last line
	 * ("inactive_file 419") must not replace the earlier 777. */
	stat_file("memory.stat.hostile", 1, &st, 2);
	assert_int_equal(st.anon, -1);
	assert_int_equal(st.file, -1);
	assert_int_equal(st.active_file, 1048576);
	assert_int_equal(st.inactive_file, 777);
}

static void test_stat_empty(void **state)
{
	struct lt_cgroup_stat st;

	(void)state;
	assert_int_equal(lt_cgroup_parse_stat_v2("", 0, &st), 0);
	assert_int_equal(st.anon, -1);
	assert_int_equal(lt_cgroup_parse_stat_v1("\n\n", 2, &st), 0);
	assert_int_equal(st.inactive_file, -1);
}

static void test_usage(void **state)
{
	static const struct {
		const char *text;
		int ok;
		int64_t v;
	} cases[] = {
		{"209457152\n", 0, 209457152},
		{"0\n", 0, 0},
		{"9223372036854775807\n", 0, INT64_MAX},
		{"9223372036854775808\n", -1, 0},
		{"max\n", -1, 0},
		{"123", -1, 0},     /* cut: no newline */
		{"12 \n", -1, 0},
		{"-1\n", -1, 0},
		{"\n", -1, 0},
		{"", -1, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t v = -42;
		int r = lt_cgroup_parse_usage(cases[i].text,
					      strlen(cases[i].text), &v);

		assert_int_equal(r, cases[i].ok);
		if (r == 0)
			assert_int_equal(v, cases[i].v);
	}
}

static void test_working_set(void **state)
{
	(void)state;
	assert_int_equal(lt_cgroup_working_set(723517440, 419430400),
			 304087040);
	assert_int_equal(lt_cgroup_working_set(100, 300), 0);
	assert_int_equal(lt_cgroup_working_set(100, 100), 0);
	assert_int_equal(lt_cgroup_working_set(0, 0), 0);
}

/* ---- /proc/PID/cgroup ---- */

static void proc_file(const char *name, int expect, const char *v1,
		      const char *v2)
{
	size_t len;
	char *buf = load(name, &len), *a = (char *)"x", *b = (char *)"x";

	assert_int_equal(lt_cgroup_parse_proc(buf, len, &a, &b), expect);
	if (v1)
		assert_string_equal(a, v1);
	else
		assert_null(a);
	if (v2)
		assert_string_equal(b, v2);
	else
		assert_null(b);
	free(a);
	free(b);
	free(buf);
}

static void test_proc_cgroup(void **state)
{
	(void)state;
	proc_file("proc_cgroup.hybrid", 0,
		  "/process_api/9b6e728be452726667a8d3496dbc5041", "/");
	proc_file("proc_cgroup.v1", 0, "/system.slice/nginx.service", NULL);
	proc_file("proc_cgroup.v1_combined", 0,
		  "/kubepods/burstable/pod1234/abcd", "/");
	proc_file("proc_cgroup.v2", 0, NULL, "/system.slice/app.service");
	proc_file("proc_cgroup.v1_docker", 0, "/docker/4f1c2a/sub",
		  "/system.slice/containerd.service");
	/* Every line is wrong in some way; the good-looking last one has no
	 * newline. */
	proc_file("proc_cgroup.hostile", -1, NULL, NULL);
}

/* ---- mountinfo ---- */

static void test_mountinfo_hybrid(void **state)
{
	size_t len, llen;
	char *buf = load("mountinfo.hybrid", &len);
	const char *p = buf, *end = buf + len, *nl;
	int v1 = 0, v2 = 0, other = 0;

	(void)state;
	for (; p < end && (nl = memchr(p, '\n', (size_t)(end - p))); p = nl + 1) {
		struct lt_cgroup_mount m;
		int r;

		llen = (size_t)(nl - p);
		r = lt_cgroup_parse_mountinfo_line(p, llen, &m);
		assert_true(r >= 0);
		if (r == 0) {
			other++;
			continue;
		}
		assert_string_equal(m.root, "/");
		if (m.version == 1) {
			assert_string_equal(m.mountpoint,
					    "/sys/fs/cgroup/memory");
			v1++;
		} else {
			assert_int_equal(m.version, 2);
			assert_string_equal(m.mountpoint,
					    "/sys/fs/cgroup/unified");
			v2++;
		}
		lt_cgroup_mount_clear(&m);
	}
	/* cpu, pids, name=systemd ... are cgroup v1 mounts without memory. */
	assert_int_equal(v1, 1);
	assert_int_equal(v2, 1);
	assert_true(other >= 10);
	free(buf);
}

static void test_mountinfo_escaped(void **state)
{
	size_t len;
	char *buf = load("mountinfo.escaped", &len);
	char *l2 = strchr(buf, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
	struct lt_cgroup_mount m;

	(void)state;
	assert_int_equal(lt_cgroup_parse_mountinfo_line(
				 buf, (size_t)(l2 - 1 - buf), &m), 1);
	assert_int_equal(m.version, 2);
	assert_string_equal(m.mountpoint, "/c g\tx");
	lt_cgroup_mount_clear(&m);
	/* optional fields "shared:5 master:2" before the separator */
	assert_int_equal(lt_cgroup_parse_mountinfo_line(
				 l2, (size_t)(l3 - 1 - l2), &m), 1);
	assert_string_equal(m.root, "/kube");
	assert_string_equal(m.mountpoint, "/srv/kube\\dir");
	lt_cgroup_mount_clear(&m);
	/* name=memory is a named hierarchy, not the memory controller */
	assert_int_equal(lt_cgroup_parse_mountinfo_line(
				 l3, strlen(l3) - 1, &m), 0);
	lt_cgroup_mount_clear(NULL);
	free(buf);
}

static void test_mountinfo_hostile(void **state)
{
	size_t len;
	char *buf = load("mountinfo.hostile", &len);
	char *p = buf, *nl;
	struct lt_cgroup_mount m = {0, NULL, NULL};
	int lines = 0;

	(void)state;
	while ((nl = strchr(p, '\n')) != NULL) {
		assert_int_equal(lt_cgroup_parse_mountinfo_line(
					 p, (size_t)(nl - p), &m), -1);
		assert_null(m.root);
		lines++;
		p = nl + 1;
	}
	assert_int_equal(lines, 8);
	/* The last line is well formed, only cut before its newline: fine
	 * alone, but ignored inside a file. */
	assert_int_equal(lt_cgroup_parse_mountinfo_line(p, strlen(p), &m), 1);
	assert_string_equal(m.mountpoint, "/sys/fs/cgroup/memory");
	lt_cgroup_mount_clear(&m);
	free(buf);
}

/* ---- resolution ---- */

static void resolve_ok(const char *mi, int version, const char *path,
		       const char *expect)
{
	size_t len;
	char *buf = load(mi, &len);
	lt_err err = {0, ""};
	char *dir = lt_cgroup_resolve(buf, len, version, path, &err);

	if (!dir)
		fail_msg("%s v%d %s: %s", mi, version, path, err.msg);
	assert_string_equal(dir, expect);
	free(dir);
	free(buf);
}

static void resolve_fails(const char *mi, int version, const char *path,
			  const char *why)
{
	size_t len;
	char *buf = load(mi, &len);
	lt_err err = {0, ""};

	assert_null(lt_cgroup_resolve(buf, len, version, path, &err));
	assert_int_equal(err.code, LT_EXIT_ERROR);
	if (!strstr(err.msg, why))
		fail_msg("expected \"%s\" in \"%s\"", why, err.msg);
	free(buf);
}

static void test_resolve(void **state)
{
	(void)state;
	resolve_ok("mountinfo.hybrid", 1,
		   "/process_api/9b6e728be452726667a8d3496dbc5041",
		   "/sys/fs/cgroup/memory/process_api/"
		   "9b6e728be452726667a8d3496dbc5041");
	resolve_ok("mountinfo.hybrid", 2, "/", "/sys/fs/cgroup/unified");
	resolve_ok("mountinfo.v2", 2, "/system.slice/app.service",
		   "/sys/fs/cgroup/system.slice/app.service");
	/* Container without a cgroup namespace: the mount root is the
	 * container's own cgroup and must be stripped from the path. */
	resolve_ok("mountinfo.v1_docker", 1, "/docker/4f1c2a/sub",
		   "/sys/fs/cgroup/memory/sub");
	resolve_ok("mountinfo.v1_docker", 1, "/docker/4f1c2a",
		   "/sys/fs/cgroup/memory");
	/* The longest matching root wins, at a '/' boundary only. */
	resolve_ok("mountinfo.escaped", 2, "/kube/pod/x", "/srv/kube\\dir/pod/x");
	resolve_ok("mountinfo.escaped", 2, "/kubelet", "/c g\tx/kubelet");

	resolve_fails("mountinfo.v1_docker", 1, "/docker/other", "not under");
	resolve_fails("mountinfo.v1_docker", 1, "/docker/4f1c2ab", "not under");
	resolve_fails("mountinfo.v2", 1, "/x",
		      "no cgroup v1 memory hierarchy is mounted");
	resolve_fails("mountinfo.v1_docker", 2, "/",
		      "no cgroup2 hierarchy is mounted");
	resolve_fails("mountinfo.escaped", 1, "/",
		      "no cgroup v1 memory hierarchy is mounted");
	resolve_fails("mountinfo.hostile", 1, "/",
		      "no cgroup v1 memory hierarchy is mounted");
	resolve_fails("mountinfo.hybrid", 2, "/../../system.slice/x",
		      "outside leaktop's cgroup namespace");
	resolve_fails("mountinfo.hybrid", 2, "/a/..", "namespace");
}

/* ---- end to end over tests/fixtures/cgroup/fs ---- */

/* mountinfo text mounting fs/v1/memory (v1 memory) and fs/v2 (cgroup2). */
static char *fixture_mountinfo(void)
{
	char fs[PATH_MAX], *mi;
	size_t size;

	if (!realpath(FIX "fs", fs))
		fail_msg("cannot find " FIX "fs");
	size = 3 * strlen(fs) + 256;
	mi = malloc(size);
	assert_non_null(mi);
	snprintf(mi, size,
		"35 31 0:32 / %s/v1/memory rw,relatime - cgroup cgroup rw,memory\n"
		"36 31 0:33 / %s/v1/cpu rw,relatime - cgroup cgroup rw,cpu\n"
		"41 31 0:38 / %s/v2 rw,relatime shared:9 - cgroup2 cgroup2 rw\n",
		fs, fs, fs);
	return mi;
}

static lt_cgroup *open_fixture(const char *proc, lt_err *err)
{
	char *mi = fixture_mountinfo();
	lt_cgroup *cg = lt_cgroup_new_from(proc, strlen(proc), mi, strlen(mi),
					   err);

	free(mi);
	return cg;
}

static void expect_read(lt_cgroup *cg, int64_t usage, int64_t anon,
			int64_t file, int64_t active, int64_t inactive)
{
	struct lt_sample s;
	lt_err err = {0, ""};
	uint64_t cg_bits = 0;

	memset(&s, 0, sizeof(s));
	assert_int_equal(lt_cgroup_read(cg, &s, &err), 0);
	for (int id = LT_M_CG_USAGE; id <= LT_M_CG_WORKING_SET; id++)
		cg_bits |= UINT64_C(1) << id;
	assert_int_equal(s.have, cg_bits); /* only its own metrics */
	assert_int_equal(s.v[LT_M_CG_USAGE], usage);
	assert_int_equal(s.v[LT_M_CG_ANON], anon);
	assert_int_equal(s.v[LT_M_CG_FILE], file);
	assert_int_equal(s.v[LT_M_CG_ACTIVE_FILE], active);
	assert_int_equal(s.v[LT_M_CG_INACTIVE_FILE], inactive);
	assert_int_equal(s.v[LT_M_CG_WORKING_SET], usage - inactive);
}

static void test_e2e_v2(void **state)
{
	lt_err err = {0, ""};
	lt_cgroup *cg = open_fixture("0::/system.slice/app.service\n", &err);

	(void)state;
	if (!cg)
		fail_msg("%s", err.msg);
	assert_string_equal(lt_cgroup_name(cg), "v2:/system.slice/app.service");
	assert_non_null(strstr(lt_cgroup_dir(cg),
			       "/fs/v2/system.slice/app.service"));
	expect_read(cg, 723517440, 157286400, 524288000, 104857600, 419430400);
	lt_cgroup_free(cg);
	lt_cgroup_free(NULL);
}

/* Hybrid: a memory line means v1, even though "0::/" is there too. */
static void test_e2e_hybrid_prefers_v1(void **state)
{
	lt_err err = {0, ""};
	lt_cgroup *cg = open_fixture(
		"5:cpu:/\n4:memory:/kubepods/pod1234\n0::/system.slice/app.service\n",
		&err);

	(void)state;
	if (!cg)
		fail_msg("%s", err.msg);
	assert_string_equal(lt_cgroup_name(cg), "v1:/kubepods/pod1234");
	expect_read(cg, 3221225472, 1073741824, 2147483648, 536870912,
		    1610612736);
	lt_cgroup_free(cg);
}

static void open_fails(const char *proc, const char *mi, const char *why)
{
	lt_err err = {0, ""};
	char *gen = mi ? NULL : fixture_mountinfo();
	const char *m = mi ? mi : gen;
	lt_cgroup *cg = lt_cgroup_new_from(proc, strlen(proc), m, strlen(m),
					   &err);

	assert_null(cg);
	assert_int_equal(err.code, LT_EXIT_ERROR);
	if (!strstr(err.msg, why))
		fail_msg("expected \"%s\" in \"%s\"", why, err.msg);
	free(gen);
}

static void test_e2e_unavailable(void **state)
{
	(void)state;
	open_fails("0::/system.slice/nomem.service\n", NULL,
		   "memory controller not enabled for v2 cgroup "
		   "/system.slice/nomem.service");
	open_fails("0::/\n", NULL, "root v2 cgroup");
	open_fails("0::/system.slice/missing.service\n", NULL,
		   "cannot open cgroup");
	open_fails("4:memory:/x\n0::/\n",
		   "41 31 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
		   "no cgroup v1 memory hierarchy is mounted");
	open_fails("1:name=systemd:/\n", NULL, "no memory cgroup listed");
	open_fails("", NULL, "no memory cgroup listed");
}

static void test_e2e_garbage_usage(void **state)
{
	lt_err err = {0, ""};
	struct lt_sample s;
	lt_cgroup *cg = open_fixture("0::/system.slice/garbage.service\n", &err);

	(void)state;
	if (!cg)
		fail_msg("%s", err.msg);
	memset(&s, 0, sizeof(s));
	assert_int_equal(lt_cgroup_read(cg, &s, &err), -1);
	assert_int_equal(s.have, 0);
	assert_non_null(strstr(err.msg, "unexpected contents"));
	lt_cgroup_free(cg);
}

/* The cgroup disappears after discovery (pod deleted, unit stopped). */
static void test_e2e_removed(void **state)
{
	char dir[] = "/tmp/lt_cgroup_test.XXXXXX", path[PATH_MAX], mi[PATH_MAX + 128];
	lt_err err = {0, ""};
	struct lt_sample s;
	lt_cgroup *cg;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/memory.current", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("4096\n", f);
	fclose(f);
	snprintf(mi, sizeof(mi), "1 1 0:1 / %s rw - cgroup2 cgroup2 rw\n", dir);
	cg = lt_cgroup_new_from("0::/\n", 5, mi, strlen(mi), &err);
	if (!cg)
		fail_msg("%s", err.msg);
	memset(&s, 0, sizeof(s));
	/* memory.stat is missing: usage alone is still reported */
	assert_int_equal(lt_cgroup_read(cg, &s, &err), 0);
	assert_int_equal(s.have, UINT64_C(1) << LT_M_CG_USAGE);
	assert_int_equal(s.v[LT_M_CG_USAGE], 4096);
	assert_int_equal(unlink(path), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(lt_cgroup_read(cg, &s, &err), -1);
	assert_int_equal(s.have, 0);
	assert_non_null(strstr(err.msg, "No such file"));
	lt_cgroup_free(cg);
	rmdir(dir);
}

/* This machine's own cgroup: only invariants, and only when available. */
static void test_live_self(void **state)
{
	lt_err err = {0, ""};
	struct lt_sample s;
	lt_cgroup *cg = lt_cgroup_new(getpid(), &err);

	(void)state;
	if (!cg) {
		print_message("no memory cgroup here (%s)\n", err.msg);
		skip();
	}
	assert_true(strncmp(lt_cgroup_name(cg), "v1:/", 4) == 0 ||
		    strncmp(lt_cgroup_name(cg), "v2:/", 4) == 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(lt_cgroup_read(cg, &s, &err), 0);
	assert_true(s.v[LT_M_CG_USAGE] > 0);
	if (lt_sample_has(&s, LT_M_CG_WORKING_SET))
		assert_true(s.v[LT_M_CG_WORKING_SET] <= s.v[LT_M_CG_USAGE]);
	lt_cgroup_free(cg);
}

/* memory.max / memory.limit_in_bytes: bytes, or no limit. */
static void test_limit(void **state)
{
	(void)state;
	assert_int_equal(lt_cgroup_parse_limit("536870912\n", 10), 536870912);
	assert_int_equal(lt_cgroup_parse_limit("max\n", 4), 0);
	/* v1's "no limit" is the largest page multiple below 2^63. */
	assert_int_equal(lt_cgroup_parse_limit("9223372036854771712\n", 20), 0);
	assert_int_equal(lt_cgroup_parse_limit("-1\n", 3), 0);
	assert_int_equal(lt_cgroup_parse_limit("", 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_v1_real),
		cmocka_unit_test(test_stat_v1_prefers_total),
		cmocka_unit_test(test_stat_v1_flat),
		cmocka_unit_test(test_stat_v1_hostile),
		cmocka_unit_test(test_stat_v2),
		cmocka_unit_test(test_stat_v2_hostile),
		cmocka_unit_test(test_stat_empty),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_working_set),
		cmocka_unit_test(test_proc_cgroup),
		cmocka_unit_test(test_mountinfo_hybrid),
		cmocka_unit_test(test_mountinfo_escaped),
		cmocka_unit_test(test_mountinfo_hostile),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_e2e_v2),
		cmocka_unit_test(test_e2e_hybrid_prefers_v1),
		cmocka_unit_test(test_e2e_unavailable),
		cmocka_unit_test(test_e2e_garbage_usage),
		cmocka_unit_test(test_e2e_removed),
		cmocka_unit_test(test_live_self),
		cmocka_unit_test(test_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
