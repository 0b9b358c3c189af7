#include "lt_procfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lt_cgroup.h"
#include "lt_elf.h"
#include "lt_proc.h"
#include "lt_text.h"

#define PF_KTHREAD 0x00200000u /* include/linux/sched.h */
/* status, smaps_rollup, io, stat: a few KiB; Groups: can be long. */
#define SMALL_CAP (1024 * 1024)
#define CMDLINE_CAP (128 * 1024)
/* maps is streamed through this buffer; a longer line is counted and
 * skipped. */
#define MAPS_CHUNK (64 * 1024)
/* Beyond this fd number, path descriptors are stat'ed every tick rather
 * than cached (the kernel's default nr_open is 1 Mi). */
#define FD_CACHE_MAX (1u << 20)

/* Metrics this module owns: all of them up to the cgroup ones. */
#define OWN_MASK ((UINT64_C(1) << (LT_M_CG_WORKING_SET + 1)) - 1)

/* Last tick's classification of a path descriptor, by fd number: a stat per
 * regular file per tick is most of the cost on a process with 100k fds. */
struct fd_slot {
	uint64_t hash; /* of the link text */
	int kind;      /* LT_M_FD_FILE or LT_M_FD_OTHER; 0 = empty */
};
_Static_assert(LT_M_FD_FILE != 0 && LT_M_FD_OTHER != 0,
	       "0 marks an empty fd_slot");

struct lt_procfs {
	pid_t pid;
	int dirfd;      /* /proc/PID: O_PATH, so a reused pid is not followed */
	DIR *fddir;     /* /proc/PID/fd, rewound each tick; NULL if unreadable */
	lt_cgroup *cg;
	char *cg_reason;
	struct lt_text_buf buf;
	char *maps;     /* MAPS_CHUNK bytes */
	struct fd_slot *fdc;
	size_t fdc_len;
};

/* ---- parsers ---- */

void lt_procfs_parse_rollup(const char *buf, size_t len,
			    struct lt_proc_rollup *out)
{
	struct lt_lines it = {buf, buf + len};
	const char *l;
	size_t n;

	out->pss = out->swap = -1;
	while (lt_lines_next(&it, &l, &n))
		if (!lt_proc_key_num(l, n, "Pss", 1, &out->pss))
			lt_proc_key_num(l, n, "Swap", 1, &out->swap);
}

void lt_procfs_parse_io(const char *buf, size_t len, struct lt_proc_io *out)
{
	struct lt_lines it = {buf, buf + len};
	const char *l;
	size_t n;

	out->write_bytes = out->wchar = -1;
	while (lt_lines_next(&it, &l, &n))
		if (!lt_proc_key_num(l, n, "write_bytes", 0,
				     &out->write_bytes))
			lt_proc_key_num(l, n, "wchar", 0, &out->wchar);
}

/* Counts a well-formed line, and its size when it is the [heap]. */
static void maps_line(const char *l, size_t n, struct lt_proc_maps *m)
{
	struct lt_proc_map mp;
	uint64_t size;

	if (lt_proc_parse_map(l, n, &mp) < 0)
		return;
	m->count++;
	if (!lt_text_span_eq(mp.path, mp.pathlen, "[heap]"))
		return;
	size = mp.end - mp.start;
	if (size > (uint64_t)(INT64_MAX - m->heap))
		m->heap = INT64_MAX;
	else
		m->heap += (int64_t)size;
}

void lt_procfs_parse_maps(const char *buf, size_t len,
			  struct lt_proc_maps *out)
{
	struct lt_lines it = {buf, buf + len};
	const char *l;
	size_t n;

	out->count = out->heap = 0;
	while (lt_lines_next(&it, &l, &n))
		maps_line(l, n, out);
}

int lt_procfs_fd_classify(const char *target, size_t len)
{
	if (lt_text_has_prefix(target, len, "socket:["))
		return LT_M_FD_SOCKET;
	if (lt_text_has_prefix(target, len, "pipe:["))
		return LT_M_FD_PIPE;
	if (lt_text_has_prefix(target, len, "anon_inode:"))
		return LT_M_FD_ANON;
	/* A memfd is anonymous shared memory, not a file anyone can find,
	 * though it stats as regular. */
	if (lt_text_has_prefix(target, len, "/memfd:"))
		return LT_M_FD_OTHER;
	if (len > 0 && target[0] == '/')
		return -1;
	return LT_M_FD_OTHER;
}

/* ---- reading ---- */

/* Streams maps through chunk (MAPS_CHUNK bytes): a process near
 * vm.max_map_count has several MB of maps.  The head of a line longer than
 * the chunk still counts when well-formed. */
static int read_maps(int dirfd, char *chunk, struct lt_proc_maps *m)
{
	struct lt_proc_lines it;
	const char *l;
	size_t n;
	int cut, rc;

	m->count = m->heap = 0;
	if (lt_proc_lines_open(&it, dirfd, 0, "maps", chunk, MAPS_CHUNK) < 0)
		return -1;
	while ((rc = lt_proc_lines_next(&it, &l, &n, &cut)) > 0)
		maps_line(l, n, m);
	lt_proc_lines_close(&it);
	return rc;
}

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * UINT64_C(1099511628211);
	return h;
}

/* File or other, for a descriptor whose link is a path.  stat through the
 * magic link reaches the open file even when deleted or in another mount
 * namespace.  Cached by fd number and link text between ticks. */
static int path_kind(struct lt_procfs *p, int dfd, const char *name,
		     const char *link, size_t len)
{
	struct fd_slot *slot = NULL;
	uint64_t h = fnv1a(link, len);
	unsigned long fdno = strtoul(name, NULL, 10);
	struct stat st;
	int kind;

	if (fdno < FD_CACHE_MAX) {
		if (fdno >= p->fdc_len) {
			size_t nl = p->fdc_len ? p->fdc_len : 256;

			while (nl <= fdno)
				nl *= 2;
			p->fdc = lt_xrealloc(p->fdc, nl * sizeof(*p->fdc));
			memset(p->fdc + p->fdc_len, 0,
			       (nl - p->fdc_len) * sizeof(*p->fdc));
			p->fdc_len = nl;
		}
		slot = &p->fdc[fdno];
		if (slot->kind != 0 && slot->hash == h)
			return slot->kind;
	}
	if (fstatat(dfd, name, &st, 0) < 0)
		return LT_M_FD_OTHER; /* closed meanwhile: not cached */
	kind = S_ISREG(st.st_mode) ? LT_M_FD_FILE : LT_M_FD_OTHER;
	if (slot) {
		slot->hash = h;
		slot->kind = kind;
	}
	return kind;
}

/* Counts descriptors by kind.  Returns -1 with errno when the directory
 * cannot be listed. */
static int count_fds(struct lt_procfs *p, struct lt_sample *out)
{
	int64_t n[LT_M_COUNT] = {0}, total = 0;
	char link[PATH_MAX + 64];
	struct dirent *de;
	int dfd;

	if (!p->fddir) {
		errno = EACCES;
		return -1;
	}
	dfd = dirfd(p->fddir);
	rewinddir(p->fddir);
	for (;;) {
		ssize_t l;
		int kind;

		errno = 0;
		de = readdir(p->fddir);
		if (!de)
			break;
		if (de->d_name[0] == '.')
			continue;
		l = readlinkat(dfd, de->d_name, link, sizeof(link));
		if (l < 0)
			continue; /* closed since the listing */
		kind = lt_procfs_fd_classify(link, (size_t)l);
		if (kind < 0)
			kind = path_kind(p, dfd, de->d_name, link, (size_t)l);
		n[kind]++;
		total++;
	}
	if (errno != 0)
		return -1;
	lt_sample_set(out, LT_M_FDS, total);
	lt_sample_set(out, LT_M_FD_FILE, n[LT_M_FD_FILE]);
	lt_sample_set(out, LT_M_FD_SOCKET, n[LT_M_FD_SOCKET]);
	lt_sample_set(out, LT_M_FD_PIPE, n[LT_M_FD_PIPE]);
	lt_sample_set(out, LT_M_FD_ANON, n[LT_M_FD_ANON]);
	lt_sample_set(out, LT_M_FD_OTHER, n[LT_M_FD_OTHER]);
	return 0;
}

static int is_gone(int e)
{
	return e == ENOENT || e == ESRCH;
}

/* ---- check ---- */

/* Opens name as the sampler will; EACCES/EPERM become the user's reason. */
static int check_readable(int dirfd, pid_t pid, const char *name, int dir,
			  lt_err *err)
{
	int fd = openat(dirfd, name,
			O_RDONLY | O_CLOEXEC | (dir ? O_DIRECTORY : 0));

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno == EACCES || errno == EPERM)
		lt_err_set(err, LT_EXIT_TARGET,
			   "permission denied reading /proc/%d/%s: run "
			   "leaktop as the target's user or as root",
			   (int)pid, name);
	else if (errno == ESRCH)
		lt_err_set(err, LT_EXIT_TARGET, "no such process: %d",
			   (int)pid);
	else if (errno == ENOENT && strcmp(name, "smaps_rollup") == 0)
		return 1; /* before Linux 4.14; checked through maps */
	else
		lt_err_set(err, LT_EXIT_TARGET, "cannot read /proc/%d/%s: %s",
			   (int)pid, name, strerror(errno));
	return -1;
}

static int check_at(int dirfd, pid_t pid, struct lt_text_buf *b, pid_t *tgid,
		    lt_err *err)
{
	struct lt_proc_status st;
	struct lt_proc_stat ps;
	ssize_t n;
	int r;

	n = lt_proc_read(dirfd, 0, "stat", b, SMALL_CAP);
	if (n < 0 && is_gone(errno)) {
		lt_err_set(err, LT_EXIT_TARGET, "no such process: %d",
			   (int)pid);
		return -1;
	}
	if (n < 0 || lt_proc_parse_stat(b->p, (size_t)n, &ps) < 0) {
		lt_err_set(err, LT_EXIT_TARGET, "cannot read /proc/%d/stat%s%s",
			   (int)pid, n < 0 ? ": " : "",
			   n < 0 ? strerror(errno) : "");
		return -1;
	}
	if (ps.flags & PF_KTHREAD) {
		lt_err_set(err, LT_EXIT_TARGET,
			   "%d is a kernel thread: it has no user memory to "
			   "sample", (int)pid);
		return -1;
	}
	if (ps.state == 'Z' || ps.state == 'X') {
		lt_err_set(err, LT_EXIT_TARGET,
			   "%d is a zombie (exited, not yet reaped by its "
			   "parent)", (int)pid);
		return -1;
	}
	n = lt_proc_read(dirfd, 0, "status", b, SMALL_CAP);
	if (n < 0) {
		lt_err_set(err, LT_EXIT_TARGET, "no such process: %d",
			   (int)pid);
		return -1;
	}
	lt_proc_parse_status(b->p, (size_t)n, &st);
	r = check_readable(dirfd, pid, "smaps_rollup", 0, err);
	if (r > 0)
		r = check_readable(dirfd, pid, "maps", 0, err);
	if (r < 0 || check_readable(dirfd, pid, "fd", 1, err) < 0)
		return -1;
	if (tgid)
		*tgid = st.tgid > 0 && st.tgid <= INT_MAX ? (pid_t)st.tgid
							  : pid;
	return 0;
}

int lt_procfs_check(pid_t pid, pid_t *tgid, lt_err *err)
{
	struct lt_text_buf b = {0};
	int dirfd = lt_proc_open(pid), r;

	if (dirfd < 0) {
		lt_err_set(err, LT_EXIT_TARGET, "no such process: %d",
			   (int)pid);
		return -1;
	}
	r = check_at(dirfd, pid, &b, tgid, err);
	lt_text_buf_free(&b);
	close(dirfd);
	return r;
}

/* ---- target info ---- */

/* Control characters would reach terminals through the report. */
static void sanitize(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = '?';
}

/* cmdline (NULs between arguments become spaces) or comm (newline
 * dropped), sanitized; NULL when empty or unreadable (kernel threads and
 * zombies have an empty cmdline). */
static char *read_text(int dirfd, const char *name, struct lt_text_buf *b,
		       size_t cap)
{
	ssize_t n = lt_proc_read(dirfd, 0, name, b, cap);
	size_t len = n > 0 ? (size_t)n : 0;
	int cut = (size_t)n == cap;
	char *s;

	while (len > 0 && (b->p[len - 1] == '\0' || b->p[len - 1] == '\n'))
		len--;
	if (len == 0)
		return NULL;
	s = lt_xmalloc(len + 5);
	memcpy(s, b->p, len);
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\0')
			s[i] = ' ';
	sanitize(s, len);
	/* Cut at the cap: say so rather than pass a prefix off as whole. */
	strcpy(s + len, cut ? " ..." : "");
	return s;
}

int lt_procfs_target_info(pid_t pid, struct lt_target_info *out, lt_err *err)
{
	char path[PATH_MAX + 1], id[129];
	struct lt_text_buf b = {0};
	ssize_t n;
	int dirfd = lt_proc_open(pid);

	memset(out, 0, sizeof(*out));
	if (dirfd < 0) {
		lt_err_set(err, LT_EXIT_TARGET, "no such process: %d",
			   (int)pid);
		return -1;
	}
	out->cmdline = read_text(dirfd, "cmdline", &b, CMDLINE_CAP);
	out->comm = read_text(dirfd, "comm", &b, 4096);
	n = readlinkat(dirfd, "exe", path, sizeof(path) - 1);
	if (n > 0) {
		path[n] = '\0';
		out->exe = lt_xstrdup(path);
	}
	/* Through the magic link: the very file the target runs, even if
	 * replaced on disk or in another mount namespace. */
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (lt_elf_build_id(path, id, sizeof(id), NULL) == 0)
		out->build_id = lt_xstrdup(id);
	lt_text_buf_free(&b);
	close(dirfd);
	return 0;
}

void lt_procfs_target_info_free(struct lt_target_info *ti)
{
	if (!ti)
		return;
	free(ti->cmdline);
	free(ti->exe);
	free(ti->build_id);
	free(ti->comm);
	memset(ti, 0, sizeof(*ti));
}

/* ---- the sampler ---- */

lt_procfs *lt_procfs_new(pid_t pid, lt_err *err)
{
	struct lt_procfs *p;
	lt_err cerr = {0, ""};
	int fd;

	p = lt_xcalloc(1, sizeof(*p));
	p->pid = pid;
	p->dirfd = lt_proc_open(pid);
	if (p->dirfd < 0) {
		lt_err_set(err, LT_EXIT_TARGET, "no such process: %d",
			   (int)pid);
		free(p);
		return NULL;
	}
	fd = openat(p->dirfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		p->fddir = fdopendir(fd);
		if (!p->fddir)
			close(fd);
	}
	p->cg = lt_cgroup_new(pid, &cerr);
	if (!p->cg)
		p->cg_reason = lt_xstrdup(cerr.msg);
	p->maps = lt_xmalloc(MAPS_CHUNK);
	return p;
}

void lt_procfs_free(lt_procfs *p)
{
	if (!p)
		return;
	if (p->fddir)
		closedir(p->fddir);
	close(p->dirfd);
	lt_cgroup_free(p->cg);
	free(p->cg_reason);
	lt_text_buf_free(&p->buf);
	free(p->maps);
	free(p->fdc);
	free(p);
}

const char *lt_procfs_cgroup(const lt_procfs *p)
{
	return p->cg && !p->cg_reason ? lt_cgroup_name(p->cg) : NULL;
}

const char *lt_procfs_cgroup_reason(const lt_procfs *p)
{
	return p->cg_reason;
}

static void set_if(struct lt_sample *out, int id, int64_t v)
{
	if (v >= 0)
		lt_sample_set(out, id, v);
}

/* 1 if the target has exited or is a zombie, 0 if alive, -1 on error. */
static int exited(struct lt_procfs *p)
{
	struct lt_proc_status st;
	ssize_t n = lt_proc_read(p->dirfd, 0, "status", &p->buf, SMALL_CAP);

	if (n < 0)
		return is_gone(errno) ? 1 : -1;
	lt_proc_parse_status(p->buf.p, (size_t)n, &st);
	return st.state == 'Z' || st.state == 'X';
}

static void sample_cgroup(struct lt_procfs *p, struct lt_sample *out)
{
	lt_err cerr = {0, ""};

	if (!p->cg)
		return;
	free(p->cg_reason);
	p->cg_reason = NULL;
	if (lt_cgroup_read(p->cg, out, &cerr) < 0)
		p->cg_reason = lt_xstrdup(cerr.msg);
}

int lt_procfs_sample(lt_procfs *p, struct lt_sample *out, lt_err *err)
{
	struct lt_proc_status st;
	struct lt_proc_rollup ru;
	struct lt_proc_maps mp;
	struct lt_proc_io io;
	int gone = 0, e;
	ssize_t n;

	out->have &= ~OWN_MASK;
	n = lt_proc_read(p->dirfd, 0, "status", &p->buf, SMALL_CAP);
	if (n < 0) {
		e = errno;
		if (is_gone(e))
			goto exited;
		lt_err_set(err, LT_EXIT_ERROR, "cannot read /proc/%d/status: %s",
			   (int)p->pid, strerror(e));
		return -1;
	}
	lt_proc_parse_status(p->buf.p, (size_t)n, &st);
	if (st.state == 'Z' || st.state == 'X')
		goto exited;
	set_if(out, LT_M_RSS_ANON, st.rss_anon);
	set_if(out, LT_M_RSS_FILE, st.rss_file);
	set_if(out, LT_M_RSS_SHMEM, st.rss_shmem);
	set_if(out, LT_M_VM_DATA, st.vm_data);
	set_if(out, LT_M_THREADS, st.threads);

	/* Below, a file that cannot be read leaves its metrics unset; ESRCH
	 * means the target died during this tick. */
	n = lt_proc_read(p->dirfd, 0, "smaps_rollup", &p->buf, SMALL_CAP);
	if (n >= 0) {
		lt_procfs_parse_rollup(p->buf.p, (size_t)n, &ru);
		set_if(out, LT_M_PSS, ru.pss);
		set_if(out, LT_M_SWAP, ru.swap);
	} else {
		gone |= errno == ESRCH;
	}
	/* A live process always has mappings: an empty maps means its mm is
	 * already gone, and 0 would be a false point. */
	if (read_maps(p->dirfd, p->maps, &mp) == 0 && mp.count > 0) {
		lt_sample_set(out, LT_M_MAPS, mp.count);
		lt_sample_set(out, LT_M_HEAP_MAP, mp.heap);
	} else {
		gone = 1;
	}
	if (count_fds(p, out) < 0)
		gone |= is_gone(errno);
	n = lt_proc_read(p->dirfd, 0, "io", &p->buf, SMALL_CAP);
	if (n >= 0) {
		lt_procfs_parse_io(p->buf.p, (size_t)n, &io);
		set_if(out, LT_M_WRITE_BYTES, io.write_bytes);
		set_if(out, LT_M_WCHAR, io.wchar);
	} else {
		gone |= errno == ESRCH;
	}
	sample_cgroup(p, out);
	if (gone && exited(p) == 1)
		goto exited;
	return 0;
exited:
	out->have &= ~OWN_MASK;
	lt_err_set(err, LT_EXIT_TARGET, "process %d exited", (int)p->pid);
	return -1;
}
