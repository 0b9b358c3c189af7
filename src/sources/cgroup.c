#include "lt_cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lt_proc.h"
#include "lt_text.h"

/* memory.stat is about 1.5 KiB on 6.x kernels; the keys we need come well
 * before this cap in both versions, and a cut last line is ignored. */
#define STAT_CAP (32 * 1024)
/* /proc/self/mountinfo grows with every mount (containers hosts have
 * thousands); read once per discovery, so a generous cap is fine. */
#define MOUNTINFO_CAP (16 * 1024 * 1024)
#define PROC_CGROUP_CAP (64 * 1024)

struct lt_cgroup {
	int version;
	int dirfd;          /* the cgroup directory, O_PATH */
	char *name;         /* "v1:/path" */
	char *dir;
	char stat[STAT_CAP];
};

/* ---- memory.stat, usage ---- */

static void stat_init(struct lt_cgroup_stat *out)
{
	out->anon = out->file = out->active_file = out->inactive_file = -1;
}

/* Splits "key value" into key and a parsed value. */
static int kv_line(const char *line, size_t len, const char **key,
		   size_t *klen, int64_t *v)
{
	const char *sp = memchr(line, ' ', len);

	if (!sp)
		return -1;
	*key = line;
	*klen = (size_t)(sp - line);
	return lt_text_dec_all(sp + 1, len - *klen - 1, v);
}

static int count_found(const struct lt_cgroup_stat *s)
{
	return (s->anon >= 0) + (s->file >= 0) + (s->active_file >= 0) +
	       (s->inactive_file >= 0);
}

int lt_cgroup_parse_stat_v1(const char *buf, size_t len,
			    struct lt_cgroup_stat *out)
{
	static const char *const keys[4] = {"rss", "cache", "active_file",
					    "inactive_file"};
	int64_t plain[4] = {-1, -1, -1, -1}, total[4] = {-1, -1, -1, -1};
	struct lt_lines it = {buf, buf + len};
	const char *line, *key;
	size_t llen, klen;
	int64_t v;

	while (lt_lines_next(&it, &line, &llen)) {
		if (kv_line(line, llen, &key, &klen, &v) < 0)
			continue;
		for (int i = 0; i < 4; i++) {
			if (lt_text_span_eq(key, klen, keys[i]))
				plain[i] = v;
			else if (lt_text_has_prefix(key, klen, "total_") &&
				 lt_text_span_eq(key + 6, klen - 6, keys[i]))
				total[i] = v;
		}
	}
	out->anon = total[0] >= 0 ? total[0] : plain[0];
	out->file = total[1] >= 0 ? total[1] : plain[1];
	out->active_file = total[2] >= 0 ? total[2] : plain[2];
	out->inactive_file = total[3] >= 0 ? total[3] : plain[3];
	return count_found(out);
}

int lt_cgroup_parse_stat_v2(const char *buf, size_t len,
			    struct lt_cgroup_stat *out)
{
	struct lt_lines it = {buf, buf + len};
	const char *line, *key;
	size_t llen, klen;
	int64_t v;

	stat_init(out);
	while (lt_lines_next(&it, &line, &llen)) {
		if (kv_line(line, llen, &key, &klen, &v) < 0)
			continue;
		if (lt_text_span_eq(key, klen, "anon"))
			out->anon = v;
		else if (lt_text_span_eq(key, klen, "file"))
			out->file = v;
		else if (lt_text_span_eq(key, klen, "active_file"))
			out->active_file = v;
		else if (lt_text_span_eq(key, klen, "inactive_file"))
			out->inactive_file = v;
	}
	return count_found(out);
}

int lt_cgroup_parse_usage(const char *buf, size_t len, int64_t *out)
{
	struct lt_lines it = {buf, buf + len};
	const char *line;
	size_t llen;

	if (!lt_lines_next(&it, &line, &llen))
		return -1;
	return lt_text_dec_all(line, llen, out);
}

int64_t lt_cgroup_working_set(int64_t usage, int64_t inactive_file)
{
	return usage > inactive_file ? usage - inactive_file : 0;
}

/* ---- /proc/PID/cgroup ---- */

static int has_token(const char *s, size_t n, const char *tok)
{
	const char *end = s + n;

	while (s < end) {
		const char *c = memchr(s, ',', (size_t)(end - s));
		size_t l = c ? (size_t)(c - s) : (size_t)(end - s);

		if (lt_text_span_eq(s, l, tok))
			return 1;
		s += l + 1;
	}
	return 0;
}

int lt_cgroup_parse_proc(const char *buf, size_t len, char **v1_memory,
			 char **v2)
{
	struct lt_lines it = {buf, buf + len};
	const char *line;
	size_t llen;

	*v1_memory = *v2 = NULL;
	while (lt_lines_next(&it, &line, &llen)) {
		const char *c1 = memchr(line, ':', llen), *c2, *path;
		size_t plen, ctl_len;
		int64_t id;

		if (!c1 || lt_text_dec_all(line, (size_t)(c1 - line), &id) < 0)
			continue;
		c2 = memchr(c1 + 1, ':', llen - (size_t)(c1 + 1 - line));
		if (!c2)
			continue;
		ctl_len = (size_t)(c2 - c1 - 1);
		path = c2 + 1;
		plen = llen - (size_t)(path - line);
		if (plen == 0 || path[0] != '/' || memchr(path, '\0', plen))
			continue;
		if (id == 0 && ctl_len == 0 && !*v2)
			*v2 = lt_text_span_dup(path, plen);
		else if (id != 0 && !*v1_memory &&
			 has_token(c1 + 1, ctl_len, "memory"))
			*v1_memory = lt_text_span_dup(path, plen);
	}
	return *v1_memory || *v2 ? 0 : -1;
}

/* ---- mountinfo ---- */

static int is_oct(char c)
{
	return c >= '0' && c <= '7';
}

/* Copies a mountinfo field, decoding the kernel's \ooo escapes (space, tab,
 * newline, backslash).  NULL if it would decode to a NUL byte. */
static char *unescape(const char *s, size_t n)
{
	char *out = lt_xmalloc(n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && n - i >= 4 && s[i + 1] >= '0' &&
		    s[i + 1] <= '3' && is_oct(s[i + 2]) && is_oct(s[i + 3])) {
			int c = (s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
				(s[i + 3] - '0');

			if (c == 0) {
				free(out);
				return NULL;
			}
			*o++ = (char)c;
			i += 3;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

/* A ".." component in path. */
static int has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
			return 1;
	return 0;
}

struct field {
	const char *s;
	size_t n;
};

/* Splits on single spaces; returns the number of fields, or max + 1 when
 * there are more than max. */
static size_t split(const char *line, size_t len, struct field *f, size_t max)
{
	size_t nf = 0, i = 0;

	while (i < len) {
		if (nf == max)
			return max + 1;
		size_t start = i;

		while (i < len && line[i] != ' ')
			i++;
		f[nf].s = line + start;
		f[nf].n = i - start;
		nf++;
		i++; /* the space */
	}
	return nf;
}

int lt_cgroup_parse_mountinfo_line(const char *line, size_t len,
				   struct lt_cgroup_mount *out)
{
	/* 6 fixed fields, optional fields ("shared:1", ...), "-", fstype,
	 * source, super options.  64 fields is far more than any kernel
	 * prints; a line with more is treated as malformed. */
	struct field f[64];
	size_t nf = split(line, len, f, 64), sep = 0;
	struct field *fstype, *opts;
	int version;
	char *root, *mnt;

	if (nf < 10 || nf > 64)
		return -1;
	for (size_t i = 6; i < nf; i++)
		if (lt_text_span_eq(f[i].s, f[i].n, "-")) {
			sep = i;
			break;
		}
	if (sep == 0 || sep + 3 >= nf)
		return -1;
	fstype = &f[sep + 1];
	opts = &f[sep + 3];
	if (lt_text_span_eq(fstype->s, fstype->n, "cgroup2"))
		version = 2;
	else if (lt_text_span_eq(fstype->s, fstype->n, "cgroup") &&
		 has_token(opts->s, opts->n, "memory"))
		version = 1;
	else
		return 0;
	if (f[3].n == 0 || f[3].s[0] != '/' || f[4].n == 0 ||
	    f[4].s[0] != '/')
		return -1;
	root = unescape(f[3].s, f[3].n);
	mnt = unescape(f[4].s, f[4].n);
	/* The kernel prints canonical paths; a ".." would let the resolved
	 * directory climb out of the mount (found by tests/fuzz). */
	if (!root || !mnt || has_dotdot(root) || has_dotdot(mnt)) {
		free(root);
		free(mnt);
		return -1;
	}
	out->version = version;
	out->root = root;
	out->mountpoint = mnt;
	return 1;
}

void lt_cgroup_mount_clear(struct lt_cgroup_mount *m)
{
	if (!m)
		return;
	free(m->root);
	free(m->mountpoint);
	m->root = m->mountpoint = NULL;
}

/* Length of root's match as a prefix of path, or -1. */
static long root_match(const char *root, const char *path)
{
	size_t rl = strlen(root);

	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	if (rl == 1 && root[0] == '/')
		return 0;
	if (strncmp(root, path, rl) != 0)
		return -1;
	if (path[rl] != '/' && path[rl] != '\0')
		return -1;
	return (long)rl;
}

static char *join(const char *mnt, const char *rest)
{
	size_t ml = strlen(mnt), rl;
	char *out;

	while (ml > 1 && mnt[ml - 1] == '/')
		ml--;
	while (rest[0] == '/' && rest[1] == '/')
		rest++;
	if (strcmp(rest, "/") == 0)
		rest = "";
	rl = strlen(rest);
	out = lt_xmalloc(ml + rl + 1);
	memcpy(out, mnt, ml);
	memcpy(out + ml, rest, rl + 1);
	return out;
}

char *lt_cgroup_resolve(const char *mountinfo, size_t len, int version,
			const char *path, lt_err *err)
{
	struct lt_lines it = {mountinfo, mountinfo + len};
	struct lt_cgroup_mount best = {0, NULL, NULL};
	const char *what = version == 1 ? "cgroup v1 memory" : "cgroup2";
	const char *line;
	size_t llen;
	long best_len = -1;
	int seen = 0;
	char *dir;

	if (has_dotdot(path)) {
		lt_err_set(err, LT_EXIT_ERROR,
			   "cgroup %s is outside leaktop's cgroup namespace",
			   path);
		return NULL;
	}
	while (lt_lines_next(&it, &line, &llen)) {
		struct lt_cgroup_mount m;
		long ml;

		if (lt_cgroup_parse_mountinfo_line(line, llen, &m) != 1)
			continue;
		if (m.version != version) {
			lt_cgroup_mount_clear(&m);
			continue;
		}
		seen = 1;
		ml = root_match(m.root, path);
		if (ml > best_len) {
			lt_cgroup_mount_clear(&best);
			best = m;
			best_len = ml;
		} else {
			lt_cgroup_mount_clear(&m);
		}
	}
	if (!seen) {
		lt_err_set(err, LT_EXIT_ERROR, "no %s hierarchy is mounted",
			   what);
		return NULL;
	}
	if (best_len < 0) {
		lt_err_set(err, LT_EXIT_ERROR,
			   "cgroup %s is not under any mounted %s hierarchy",
			   path, what);
		return NULL;
	}
	dir = join(best.mountpoint, path + best_len);
	lt_cgroup_mount_clear(&best);
	return dir;
}

/* ---- the reader ---- */

static const char *usage_file(int version)
{
	return version == 1 ? "memory.usage_in_bytes" : "memory.current";
}

/* Opens dir and checks the usage file; fills err with a user-facing reason. */
static int open_dir(struct lt_cgroup *cg, const char *path, lt_err *err)
{
	int fd;

	cg->dirfd = open(cg->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cg->dirfd < 0) {
		lt_err_set(err, LT_EXIT_ERROR, "cannot open cgroup %s: %s",
			   cg->dir, strerror(errno));
		return -1;
	}
	fd = openat(cg->dirfd, usage_file(cg->version), O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno == ENOENT && cg->version == 2 && strcmp(path, "/") == 0)
		lt_err_set(err, LT_EXIT_ERROR,
			   "the process is in the root v2 cgroup, which has "
			   "no memory.current");
	else if (errno == ENOENT && cg->version == 2)
		lt_err_set(err, LT_EXIT_ERROR,
			   "memory controller not enabled for v2 cgroup %s",
			   path);
	else
		lt_err_set(err, LT_EXIT_ERROR, "cannot read %s/%s: %s",
			   cg->dir, usage_file(cg->version), strerror(errno));
	return -1;
}

lt_cgroup *lt_cgroup_new_from(const char *proc_cgroup, size_t plen,
			      const char *mountinfo, size_t mlen, lt_err *err)
{
	char *v1 = NULL, *v2 = NULL, *path;
	struct lt_cgroup *cg = NULL;
	size_t nl;

	if (lt_cgroup_parse_proc(proc_cgroup, plen, &v1, &v2) < 0) {
		lt_err_set(err, LT_EXIT_ERROR,
			   "no memory cgroup listed in /proc/PID/cgroup");
		return NULL;
	}
	cg = lt_xcalloc(1, sizeof(*cg));
	cg->dirfd = -1;
	/* A memory line means the controller is bound to a v1 hierarchy, so
	 * the v2 hierarchy (if any) cannot account memory. */
	cg->version = v1 ? 1 : 2;
	path = v1 ? v1 : v2;
	cg->dir = lt_cgroup_resolve(mountinfo, mlen, cg->version, path, err);
	if (!cg->dir)
		goto fail;
	if (open_dir(cg, path, err) < 0)
		goto fail;
	nl = strlen(path) + 4;
	cg->name = lt_xmalloc(nl);
	snprintf(cg->name, nl, "v%d:%s", cg->version, path);
	free(v1);
	free(v2);
	return cg;
fail:
	lt_cgroup_free(cg);
	free(v1);
	free(v2);
	return NULL;
}

lt_cgroup *lt_cgroup_new(pid_t pid, lt_err *err)
{
	struct lt_text_buf pc = {0}, mi = {0};
	ssize_t plen = -1, mlen;
	lt_cgroup *cg = NULL;
	int fd = lt_proc_open(pid);

	if (fd >= 0) {
		plen = lt_proc_read(fd, 0, "cgroup", &pc, PROC_CGROUP_CAP);
		close(fd);
	}
	if (plen < 0) {
		lt_err_set(err, LT_EXIT_ERROR, "cannot read /proc/%d/cgroup: %s",
			   (int)pid, strerror(errno));
		goto out;
	}
	mlen = lt_text_read_grow(AT_FDCWD, "/proc/self/mountinfo", &mi,
				 MOUNTINFO_CAP);
	if (mlen < 0) {
		lt_err_set(err, LT_EXIT_ERROR,
			   "cannot read /proc/self/mountinfo: %s",
			   strerror(errno));
		goto out;
	}
	cg = lt_cgroup_new_from(pc.p, (size_t)plen, mi.p, (size_t)mlen, err);
out:
	lt_text_buf_free(&pc);
	lt_text_buf_free(&mi);
	return cg;
}

void lt_cgroup_free(lt_cgroup *cg)
{
	if (!cg)
		return;
	if (cg->dirfd >= 0)
		close(cg->dirfd);
	free(cg->name);
	free(cg->dir);
	free(cg);
}

const char *lt_cgroup_name(const lt_cgroup *cg)
{
	return cg->name;
}

const char *lt_cgroup_dir(const lt_cgroup *cg)
{
	return cg->dir;
}

int lt_cgroup_read(lt_cgroup *cg, struct lt_sample *out, lt_err *err)
{
	char ubuf[64];
	struct lt_cgroup_stat st;
	int64_t usage;
	ssize_t n;

	n = lt_text_read_at(cg->dirfd, usage_file(cg->version), ubuf,
			    sizeof(ubuf));
	if (n < 0 || lt_cgroup_parse_usage(ubuf, (size_t)n, &usage) < 0) {
		lt_err_set(err, LT_EXIT_ERROR, "cannot read %s/%s: %s",
			   cg->dir, usage_file(cg->version),
			   n < 0 ? strerror(errno) : "unexpected contents");
		return -1;
	}
	lt_sample_set(out, LT_M_CG_USAGE, usage);
	n = lt_text_read_at(cg->dirfd, "memory.stat", cg->stat,
			    sizeof(cg->stat));
	if (n < 0)
		return 0; /* usage alone is still worth a point */
	if (cg->version == 1)
		lt_cgroup_parse_stat_v1(cg->stat, (size_t)n, &st);
	else
		lt_cgroup_parse_stat_v2(cg->stat, (size_t)n, &st);
	if (st.anon >= 0)
		lt_sample_set(out, LT_M_CG_ANON, st.anon);
	if (st.file >= 0)
		lt_sample_set(out, LT_M_CG_FILE, st.file);
	if (st.active_file >= 0)
		lt_sample_set(out, LT_M_CG_ACTIVE_FILE, st.active_file);
	if (st.inactive_file >= 0) {
		lt_sample_set(out, LT_M_CG_INACTIVE_FILE, st.inactive_file);
		lt_sample_set(out, LT_M_CG_WORKING_SET,
			      lt_cgroup_working_set(usage, st.inactive_file));
	}
	return 0;
}

int64_t lt_cgroup_parse_limit(const char *buf, size_t len)
{
	int64_t v;

	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	if (lt_text_dec_all(buf, len, &v) < 0 || v <= 0 || v >= (INT64_C(1) << 62))
		return 0;
	return v;
}

int64_t lt_cgroup_limit(lt_cgroup *cg)
{
	char buf[64];
	ssize_t n;

	if (!cg)
		return 0;
	n = lt_text_read_at(cg->dirfd, cg->version == 2 ? "memory.max" : "memory.limit_in_bytes",
			    buf, sizeof(buf));
	return n > 0 && (size_t)n < sizeof(buf) ? lt_cgroup_parse_limit(buf, (size_t)n) : 0;
}
