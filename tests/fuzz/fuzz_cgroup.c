/* Fuzzes the cgroup parsers (src/sources/cgroup.c): /proc/PID/cgroup is
 * the target's, and mountinfo and memory.stat are text a container's
 * owner can shape.
 *
 * Input: one byte choosing the parser, then the text.  For the resolver,
 * the text is "CGROUP-PATH\n" followed by a mountinfo.  Results are
 * checked against their contracts: a resolved directory never climbs out
 * with "..", counts stay in range. */
#include <stdlib.h>

#include "fuzz.h"
#include "lt_cgroup.h"
#include "lt_text.h"

static void check(int ok)
{
	if (!ok)
		abort();
}

static void stat_(const char *b, size_t n)
{
	struct lt_cgroup_stat s;
	int64_t v;

	check(lt_cgroup_parse_stat_v1(b, n, &s) >= 0);
	check(lt_cgroup_parse_stat_v2(b, n, &s) <= 4);
	/* As lt_cgroup_read calls it: both figures parsed, so not negative. */
	if (lt_cgroup_parse_usage(b, n, &v) == 0 && s.inactive_file >= 0)
		check(v >= 0 && lt_cgroup_working_set(v, s.inactive_file) >= 0);
	lt_cgroup_parse_limit(b, n);
}

static void proc(const char *b, size_t n)
{
	char *v1 = NULL, *v2 = NULL;
	int rc = lt_cgroup_parse_proc(b, n, &v1, &v2);

	check(rc == 0 ? (v1 || v2) : (!v1 && !v2));
	free(v1);
	free(v2);
}

static void mountinfo(const char *b, size_t n)
{
	struct lt_lines it;
	const char *l;
	size_t len;

	lt_lines_init(&it, b, n);
	while (lt_lines_next(&it, &l, &len)) {
		struct lt_cgroup_mount m = {0};

		if (lt_cgroup_parse_mountinfo_line(l, len, &m) == 1) {
			check(m.version == 1 || m.version == 2);
			check(m.root && m.mountpoint);
		}
		lt_cgroup_mount_clear(&m);
	}
}

/* A ".." component anywhere in s. */
static int dotdot(const char *s)
{
	for (const char *p = s; (p = strstr(p, "..")); p++)
		if ((p == s || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
			return 1;
	return 0;
}

static void resolve(const char *b, size_t n)
{
	const char *nl = memchr(b, '\n', n);
	char *path, *dir;
	size_t k;

	if (!nl)
		return;
	k = (size_t)(nl - b);
	path = lt_text_span_dup(b, k);
	for (int version = 1; version <= 2; version++) {
		lt_err err = {0};

		dir = lt_cgroup_resolve(nl + 1, n - k - 1, version, path, &err);
		check(dir ? !dotdot(dir) : err.msg[0] != 0);
		free(dir);
	}
	free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = {data, size};
	unsigned which = fz_u8(&in);
	const char *b = (const char *)in.p;

	switch (which % 4) {
	case 0: stat_(b, in.n); break;
	case 1: proc(b, in.n); break;
	case 2: mountinfo(b, in.n); break;
	case 3: resolve(b, in.n); break;
	}
	return 0;
}
