/* Loading the heap agent into a running process: which thread, when, and
 * what to call.  The mechanics of a call made by a stopped thread are in
 * ptrace_call.c.
 *
 * A thread is only borrowed at a safe point: its unwound stack must not be
 * inside ld.so, the allocator or dlopen, where the locks dlopen and the
 * agent need may be held by that very thread.  Threads blocked in a system
 * call are tried first (they are nearly always safe); a process that only
 * computes is interrupted again and again until one of its threads is
 * caught outside those places.
 *
 * A cgo program (Go, linked against libc dynamically) is entered through
 * its main thread only, and only while that thread runs on its own
 * [stack]: a Go thread blocked in a system call may be on a goroutine's
 * stack, a few KiB that dlopen would overflow, while the main thread's
 * system stack (g0 of the runtime's first M) is the process's 8 MiB one.
 * The Go runtime takes no glibc lock in its raw system calls, so dlopen
 * and malloc are free there; a preemption signal landing in our call is
 * ignored by the runtime (the PC is not Go code). */
#include "lt_inject.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <dlfcn.h>
#include <elf.h>
#include <pthread.h>

#include "lt_agent_proto.h"
#include "lt_elf.h"
#include "lt_proc.h"
#include "lt_ptrace.h"
#include "lt_symbols.h"
#include "lt_unwind.h"

#define MAX_RANGES 16
#define STATUS_CAP (1024 * 1024)    /* Groups: may be long */
#define STOP_NS 50000000LL          /* to stop one thread */
#define CALL_NS 5000000000LL        /* for dlopen and the agent's start */
#define AGENT_NAME "liblt-agent"
#define LT_AGENT_START_SYM LT_AGENT_START
#define RTLD_NOW_VALUE RTLD_NOW
/* glibc's __libc_dlopen_mode wants __RTLD_DLOPEN as well. */
#define RTLD_DLOPEN_MODE 0x80000000

struct range {
	uint64_t lo, hi;
};

struct maps {
	char libc[PATH_MAX];        /* as the target names it */
	uint64_t libc_base;         /* its mapping at offset 0 */
	char agent[PATH_MAX];
	uint64_t agent_base;
	int musl;
	struct range ld[MAX_RANGES];
	int nld;
	struct range stack;         /* the main thread's [stack] */
};

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* Notes one mapping of a file (path, pathlen: as /proc/PID/maps names
 * it) in m: ld.so's ranges, and where libc and the agent start. */
static void note_mapping(struct maps *m, const struct lt_proc_map *mp)
{
	char file[PATH_MAX];
	const char *b;

	if (mp->pathlen == 7 && !memcmp(mp->path, "[stack]", 7))
		m->stack = (struct range){mp->start, mp->end};
	/* Only absolute paths that fit, without a NUL: the name is the
	 * target's to choose, and it is handed to open() later. */
	if (mp->pathlen == 0 || mp->path[0] != '/' ||
	    mp->pathlen >= sizeof(file) || memchr(mp->path, '\0', mp->pathlen))
		return;
	memcpy(file, mp->path, mp->pathlen);
	file[mp->pathlen] = '\0';
	b = base_name(file);
	if (!strncmp(b, "ld-linux", 8) || !strncmp(b, "ld-musl", 7)) {
		if (m->nld < MAX_RANGES)
			m->ld[m->nld++] = (struct range){mp->start, mp->end};
		if (!strncmp(b, "ld-musl", 7))
			m->musl = 1;
	}
	if (mp->offset == 0 && !m->libc_base &&
	    (!strcmp(b, "libc.so.6") || !strncmp(b, "libc-2.", 7))) {
		m->libc_base = mp->start;
		memcpy(m->libc, file, mp->pathlen + 1);
	}
	if (mp->offset == 0 && !m->agent_base && !strncmp(b, AGENT_NAME, 11)) {
		m->agent_base = mp->start;
		memcpy(m->agent, file, mp->pathlen + 1);
	}
}

static int read_maps(pid_t pid, struct maps *m, lt_err *err)
{
	/* A line holds a path of up to PATH_MAX and five short fields; a
	 * longer one is not a file we could open. */
	char chunk[PATH_MAX + 256];
	struct lt_proc_lines it;
	const char *l;
	size_t n;
	int fd = lt_proc_open(pid), rc, cut;

	memset(m, 0, sizeof(*m));
	if (fd < 0 || lt_proc_lines_open(&it, fd, 0, "maps", chunk,
					 sizeof(chunk)) < 0) {
		lt_err_set(err, LT_EXIT_TARGET, "cannot read /proc/%d/maps: %s",
			   (int)pid, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((rc = lt_proc_lines_next(&it, &l, &n, &cut)) > 0) {
		struct lt_proc_map mp;

		if (!cut && lt_proc_parse_map(l, n, &mp) == 0)
			note_mapping(m, &mp);
	}
	if (rc < 0)
		lt_err_set(err, LT_EXIT_TARGET, "cannot read /proc/%d/maps: %s",
			   (int)pid, strerror(errno));
	lt_proc_lines_close(&it);
	close(fd);
	return rc < 0 ? -1 : 0;
}

/* Status fields: TracerPid (0 when not traced) and the state letter ('?'
 * when absent).  Returns 0, or -1 when the process is gone. */
static int read_status(pid_t pid, int *tracer, char *state)
{
	struct lt_text_buf b = {0};
	struct lt_proc_status st;
	int fd = lt_proc_open(pid);
	ssize_t n = fd >= 0 ? lt_proc_read(fd, 0, "status", &b, STATUS_CAP)
			    : -1;

	if (fd >= 0)
		close(fd);
	if (n < 0) {
		lt_text_buf_free(&b);
		return -1;
	}
	lt_proc_parse_status(b.p, (size_t)n, &st);
	lt_text_buf_free(&b);
	*tracer = st.tracer_pid > 0 && st.tracer_pid <= INT_MAX
			  ? (int)st.tracer_pid : 0;
	*state = st.state ? st.state : '?';
	return 0;
}

static int our_task(int tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d", tid);
	return access(path, F_OK) == 0 || tid == (int)getpid();
}

int lt_inject_check(pid_t pid, lt_err *err)
{
	struct lt_elf_program prog;
	struct maps m;
	char path[64], state;
	int tracer, fd, e;

	if (read_status(pid, &tracer, &state)) {
		lt_err_set(err, LT_EXIT_TARGET, "no process %d", (int)pid);
		return -1;
	}
	/* A thread of ours that traced it a moment ago (a probe, the thread
	 * sampler) has returned from pthread_join before the kernel let go
	 * of its tracee: wait for that, it takes microseconds. */
	for (int i = 0; tracer && i < 200 && our_task(tracer); i++) {
		nanosleep(&(struct timespec){0, 1000000}, NULL);
		if (read_status(pid, &tracer, &state)) {
			lt_err_set(err, LT_EXIT_TARGET, "no process %d", (int)pid);
			return -1;
		}
	}
	if (tracer) {
		lt_err_set(err, LT_EXIT_TARGET,
			   "process %d is already traced by process %d (a debugger?)",
			   (int)pid, tracer);
		return -1;
	}
	if (state == 'T' || state == 't') {
		lt_err_set(err, LT_EXIT_TARGET,
			   "process %d is stopped (kill -CONT %d resumes it)",
			   (int)pid, (int)pid);
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		int rc = lt_elf_program(fd, path, &prog, NULL);

		close(fd);
		/* A cgo program has malloc and a C heap; a Go program
		 * without cgo has neither (its heap is read from outside). */
		if (rc == 0 && prog.go && !prog.has_interp) {
			lt_err_set(err, LT_EXIT_TARGET,
				   "process %d is a Go program without cgo: its heap is "
				   "not malloc's", (int)pid);
			return -1;
		}
		if (rc == 0 && !prog.has_interp) {
			lt_err_set(err, LT_EXIT_TARGET,
				   "process %d is statically linked: there is no "
				   "malloc to intercept through the GOT", (int)pid);
			return -1;
		}
	}
	if (read_maps(pid, &m, err))
		return -1;
	if (!m.libc_base) {
		lt_err_set(err, LT_EXIT_TARGET, "process %d does not use glibc%s",
			   (int)pid, m.musl ? " (it uses musl)" : "");
		return -1;
	}
	e = lt_ptrace_probe(pid);
	/* EPERM while an exiting thread of ours still holds it: wait. */
	for (int i = 0; e == EPERM && i < 200; i++) {
		if (read_status(pid, &tracer, &state) || (tracer && !our_task(tracer)))
			break;
		nanosleep(&(struct timespec){0, 1000000}, NULL);
		e = lt_ptrace_probe(pid);
	}
	if (e) {
		lt_err_set(err, LT_EXIT_TARGET,
			   e == EPERM ? "no permission to trace process %d: run "
			   "leaktop as its owner or as root (see also "
			   "/proc/sys/kernel/yama/ptrace_scope)"
			   : "cannot trace process %d: %s", (int)pid,
			   strerror(e));
		return -1;
	}
	return 0;
}

/* Address of function name in the module the target maps at base under
 * the name file. */
static int resolve(pid_t pid, const char *file, uint64_t base,
		   const char *name, uint64_t *addr, lt_err *err)
{
	uint64_t value, vaddr;
	int fd = lt_symbols_open_module(pid, file, NULL), rc;

	if (fd < 0) {
		lt_err_set(err, LT_EXIT_TARGET, "cannot open %s of process %d: %s",
			   file, (int)pid, strerror(errno));
		return -1;
	}
	rc = lt_elf_dynsym(fd, file, name, &value, &vaddr, err);
	close(fd);
	if (rc == 0)
		*addr = base - vaddr + value;
	return rc;
}

/* Where the target's libc has "mov $15, %rax; syscall" -- __restore_rt,
 * through which every signal handler returns, not in .dynsym -- for the
 * injected calls to return through (see ptrace_call.c).  Found by its
 * bytes in libc's executable segments. */
static int find_restorer(pid_t pid, const struct maps *m, uint64_t *addr,
			 lt_err *err)
{
	static const unsigned char code[] = {0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00,
					     0x00, 0x0f, 0x05};
	Elf64_Ehdr eh;
	Elf64_Phdr ph[32];
	uint64_t first = UINT64_MAX;
	unsigned char *buf = NULL;
	int fd = lt_symbols_open_module(pid, m->libc, NULL), found = 0;

	if (fd < 0 || pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_phentsize != sizeof(ph[0]) ||
	    eh.e_phnum > 32 ||
	    pread(fd, ph, eh.e_phnum * sizeof(ph[0]), (off_t)eh.e_phoff) !=
		    (ssize_t)(eh.e_phnum * sizeof(ph[0])))
		goto out;
	for (int i = 0; i < eh.e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_vaddr < first)
			first = ph[i].p_vaddr & ~(uint64_t)4095;
	for (int i = 0; i < eh.e_phnum && !found; i++) {
		size_t n = ph[i].p_filesz;

		if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_X) ||
		    n < sizeof(code) || n > 64u << 20 || !(buf = malloc(n)))
			continue;
		if (pread(fd, buf, n, (off_t)ph[i].p_offset) == (ssize_t)n) {
			for (size_t k = 0; k + sizeof(code) <= n; k++)
				if (buf[k] == 0x48 && !memcmp(buf + k, code, sizeof(code))) {
					*addr = m->libc_base - first + ph[i].p_vaddr + k;
					found = 1;
					break;
				}
		}
		free(buf);
		buf = NULL;
	}
out:
	if (fd >= 0)
		close(fd);
	if (!found)
		lt_err_set(err, LT_EXIT_TARGET,
			   "cannot find rt_sigreturn's code in %s of process %d",
			   m->libc, (int)pid);
	return found ? 0 : -1;
}

/* The agent as the target can open it: the same path when the target sees
 * the same file there, else a copy under its /tmp named by the file's
 * content.  Sharing our root directory is not enough: a target in another
 * mount namespace (unshare -m, a container on the host's root) may have
 * another filesystem mounted over the agent's directory. */
static int agent_for_target(pid_t pid, const char *agent, char *out,
			    size_t len, lt_err *err)
{
	char root[64], dst[PATH_MAX + 64], tmp[PATH_MAX + 96];
	struct stat ours, theirs;
	unsigned char buf[65536];
	uint64_t h = 0xcbf29ce484222325ULL;
	int in, fd = -1;
	ssize_t n;

	snprintf(root, sizeof(root), "/proc/%d/root/", (int)pid);
	if (stat("/", &ours) || stat(root, &theirs)) {
		lt_err_set(err, LT_EXIT_TARGET, "cannot see the root of process %d: %s",
			   (int)pid, strerror(errno));
		return -1;
	}
	snprintf(dst, sizeof(dst), "/proc/%d/root%s", (int)pid, agent);
	if (ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino &&
	    stat(agent, &ours) == 0 && stat(dst, &theirs) == 0 &&
	    ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino) {
		snprintf(out, len, "%s", agent);
		return 0;
	}
	in = open(agent, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		goto fail;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			h = (h ^ buf[i]) * 0x100000001b3ULL;
	snprintf(out, len, "/tmp/%s-%016llx.so", AGENT_NAME, (unsigned long long)h);
	snprintf(dst, sizeof(dst), "/proc/%d/root%s", (int)pid, out);
	if (access(dst, R_OK) == 0) {
		close(in);
		return 0;
	}
	/* Written under a temporary name and renamed: the target never sees
	 * half a library. */
	snprintf(tmp, sizeof(tmp), "%s.%d", dst, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || lseek(in, 0, SEEK_SET) < 0)
		goto fail;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			goto fail;
	if (n < 0 || fsync(fd) || close(fd) || rename(tmp, dst)) {
		fd = -1;
		goto fail;
	}
	close(in);
	return 0;
fail:
	lt_err_set(err, LT_EXIT_TARGET,
		   "cannot place the agent in the mount namespace of process %d: %s",
		   (int)pid, strerror(errno));
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	if (in >= 0)
		close(in);
	return -1;
}

/* Functions inside which a borrowed thread may hold a lock that dlopen or
 * the agent's start needs (or is half-way through changing the link
 * map). */
static int unsafe_function(const char *f)
{
	static const char *const bad[] = {
		"malloc", "free", "calloc", "realloc", "__libc_malloc",
		"__libc_free", "__libc_calloc", "__libc_realloc",
		"__libc_memalign", "__libc_dlopen", "__libc_fork", "_int_",
		"__malloc", "tcache", "arena_", "sysmalloc", "__lll_lock_wait_private",
		"dlopen", "dlclose", "_dl_", "dl_open", "__GI__dl", "fork", "_IO_",
		"__pthread_create", "pthread_create", "posix_memalign",
		"aligned_alloc", "memalign", "valloc", "pvalloc", "reallocarray",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (strstr(f, bad[i]))
			return 1;
	return 0;
}

/* Whether the stopped thread tid is at a safe point; 1 yes, 0 no. */
static int safe_point(pid_t tid, const struct maps *m, lt_unwind *uw,
		      lt_symbols *sym)
{
	uint64_t pcs[64], act = 0;
	int n = lt_unwind_capture(uw, tid, pcs, &act, 64);

	int inner = 1;  /* still in the innermost run of libc frames */

	if (n <= 0)
		return 0;
	for (int i = 0; i < n; i++) {
		const char *b, *fn, *mod;
		int in_libc;

		for (int r = 0; r < m->nld; r++)
			if (pcs[i] >= m->ld[r].lo && pcs[i] < m->ld[r].hi)
				return 0;
		/* Names from the symbol tables only: reading DWARF here
		 * would keep the thread stopped for hundreds of ms. */
		lt_symbols_name(sym, pcs[i], (int)((act >> i) & 1), &fn, &mod);
		b = mod ? base_name(mod) : "";
		if (fn && unsafe_function(fn))
			return 0;
		in_libc = !strncmp(b, "libc.so", 7) || !strncmp(b, "libc-", 5);
		/* Code of libc we cannot name where the thread is (or just
		 * called from) may be the allocator's internals; unnamed
		 * outer frames (start_thread, __libc_start_call_main) are
		 * only where the thread began. */
		if (!fn && in_libc && inner)
			return 0;
		if (!in_libc)
			inner = 0;
	}
	return 1;
}

static int blocked_in_syscall(int procfd, pid_t tid)
{
	char buf[256];
	ssize_t n = lt_proc_read_buf(procfd, tid, "syscall", buf, sizeof(buf));

	return n > 0 && lt_proc_parse_syscall(buf, (size_t)n) >= 0;
}

/* Thread ids, those blocked in a system call first. */
static int list_threads(pid_t pid, pid_t *tids, int max)
{
	struct lt_proc_tasks it;
	int n = 0, blocked = 0, fd = lt_proc_open(pid);
	pid_t t;

	if (fd < 0 || lt_proc_tasks_open(fd, &it) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (n < max && lt_proc_tasks_next(&it, &t)) {
		tids[n] = t;
		if (blocked_in_syscall(fd, t)) {
			tids[n] = tids[blocked];
			tids[blocked++] = t;
		}
		n++;
	}
	lt_proc_tasks_close(&it);
	close(fd);
	return n;
}

struct job {
	pid_t pid;
	const char *config;
	char path[PATH_MAX];         /* the agent, as the target opens it */
	struct maps m;
	uint64_t dlopen_fn, start_fn;
	uint64_t restorer;           /* where the calls return: ptrace_call.c */
	int legacy;                  /* __libc_dlopen_mode (glibc < 2.34) */
	int go;                      /* a cgo program: main thread only */
};

/* Whether pid's executable is a Go program (cgo: it passed the checks). */
static int is_go(pid_t pid)
{
	struct lt_elf_program prog = {0};
	char path[64];
	int fd, rc;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	rc = lt_elf_program(fd, path, &prog, NULL);
	close(fd);
	return rc == 0 && prog.go;
}

/* A cgo program's thread st may run our call: the main thread, on the
 * main [stack] (not a goroutine's stack). */
static int go_thread_ok(const struct job *j, const struct lt_ptrace_stop *st)
{
	uint64_t regs[LT_PTRACE_NREGS];

	if (st->tid != j->pid || !j->m.stack.hi)
		return 0;
	if (lt_ptrace_regs(st, regs, LT_PTRACE_NREGS) <= LT_PTRACE_REG_SP)
		return 0;
	/* Room for the call frame we write below sp; the kernel grows the
	 * [stack] mapping as dlopen goes deeper. */
	return regs[LT_PTRACE_REG_SP] >= j->m.stack.lo + 16 * 1024 &&
	       regs[LT_PTRACE_REG_SP] < j->m.stack.hi;
}

/* Runs dlopen (unless the agent is mapped) and lt_agent_start on the
 * stopped thread st.  Returns 0, or -1 with err.  A call's return value
 * does not come back (ptrace_call.c): dlopen's success is read from the
 * maps, the agent's start writes its result into the int whose address
 * is its second argument (-EINPROGRESS left there: an older agent that
 * does not, judged by its hello). */
static int load_and_start(struct job *j, struct lt_ptrace_stop *st, lt_err *err)
{
	int32_t res = -EINPROGRESS;

	if (!j->m.agent_base) {
		struct lt_ptrace_arg a[2] = {
			{j->path, strlen(j->path) + 1, 0, NULL},
			{NULL, 0, RTLD_NOW_VALUE | (j->legacy ? RTLD_DLOPEN_MODE : 0), NULL},
		};

		if (lt_ptrace_call(st, j->pid, j->dlopen_fn, j->restorer, a, 2,
				   CALL_NS)) {
			lt_err_set(err, LT_EXIT_TARGET, "calling dlopen in process %d: %s",
				   (int)j->pid, strerror(errno));
			return -1;
		}
		if (read_maps(j->pid, &j->m, err))
			return -1;
		if (!j->m.agent_base) {
			lt_err_set(err, LT_EXIT_TARGET,
				   "process %d could not load %s (dlopen failed)",
				   (int)j->pid, j->path);
			return -1;
		}
	}
	if (resolve(j->pid, j->m.agent, j->m.agent_base, LT_AGENT_START_SYM,
		    &j->start_fn, err))
		return -1;
	{
		struct lt_ptrace_arg a[2] = {
			{j->config, strlen(j->config) + 1, 0, NULL},
			{&res, sizeof(res), 0, &res},
		};

		if (lt_ptrace_call(st, j->pid, j->start_fn, j->restorer, a, 2,
				   CALL_NS)) {
			lt_err_set(err, LT_EXIT_TARGET,
				   "calling the agent in process %d: %s",
				   (int)j->pid, strerror(errno));
			return -1;
		}
	}
	if (res == -EBUSY) {
		lt_err_set(err, LT_EXIT_TARGET,
			   "the agent in process %d is already reporting to another "
			   "leaktop (or still stopping)", (int)j->pid);
		return -1;
	}
	if (res != 0 && res != -EINPROGRESS) {
		lt_err_set(err, LT_EXIT_TARGET, "the agent in process %d did not start: %s",
			   (int)j->pid, res < 0 && res > -4096 ? strerror(-res)
							     : "bad result");
		return -1;
	}
	return 0;
}

/* One pass over the threads: borrows the first one found at a safe
 * point.  Returns 1 when done (rc in *rc), 0 to try again later. */
static int try_threads(struct job *j, lt_unwind *uw, lt_symbols *sym, int *rc,
		       lt_err *err)
{
	pid_t tids[256];
	int n = list_threads(j->pid, tids, 256);

	if (n <= 0) {
		lt_err_set(err, LT_EXIT_TARGET, "process %d is gone", (int)j->pid);
		*rc = -1;
		return 1;
	}
	for (int i = 0; i < n; i++) {
		struct lt_ptrace_stop st;
		enum lt_ptrace_result r;

		if (j->go && tids[i] != j->pid)
			continue;
		r = lt_ptrace_stop(tids[i], STOP_NS, &st);

		if (r == LT_PTRACE_DENIED) {
			lt_err_set(err, LT_EXIT_TARGET, "no permission to trace process %d",
				   (int)j->pid);
			*rc = -1;
			return 1;
		}
		if (r != LT_PTRACE_STOPPED) {
			/* PENDING: ptrace lets go of it when this thread
			 * ends; we are the caller's thread, so wait for the
			 * stop and release it at once. */
			while (r == LT_PTRACE_PENDING)
				r = lt_ptrace_poll(&st);
			if (r == LT_PTRACE_STOPPED)
				lt_ptrace_detach(&st);
			continue;
		}
		if (st.group_stop || (j->go && !go_thread_ok(j, &st)) ||
		    !lt_ptrace_call_ok(&st) || !safe_point(tids[i], &j->m, uw, sym)) {
			lt_ptrace_detach(&st);
			continue;
		}
		*rc = load_and_start(j, &st, err);
		lt_ptrace_detach(&st);
		return 1;
	}
	return 0;
}

int lt_inject_agent(pid_t pid, const char *agent_path, const char *config,
		    double timeout_s, lt_unwind *uw, lt_symbols *sym,
		    lt_err *err)
{
	int64_t deadline = lt_ptrace_now_ns() + (int64_t)(timeout_s * 1e9);
	struct job j = {.pid = pid, .config = config};
	sigset_t block, old;
	lt_unwind *own_uw = NULL;
	lt_symbols *own_sym = NULL;
	int rc = -1;

	if (lt_inject_check(pid, err) || read_maps(pid, &j.m, err))
		return -1;
	j.go = is_go(pid);
	if (!j.m.agent_base) {
		if (agent_for_target(pid, agent_path, j.path, sizeof(j.path), err))
			return -1;
		if (resolve(pid, j.m.libc, j.m.libc_base, "dlopen", &j.dlopen_fn,
			    NULL)) {
			if (resolve(pid, j.m.libc, j.m.libc_base,
				    "__libc_dlopen_mode", &j.dlopen_fn, err))
				return -1;
			j.legacy = 1;
		}
	}
	if (find_restorer(pid, &j.m, &j.restorer, err))
		return -1;
	/* Loading the modules is most of an attach's own cost: only when
	 * the caller has no unwinder or symbolizer of pid to lend. */
	if (!uw && !(uw = own_uw = lt_unwind_new(pid, err)))
		goto out;
	if (!sym && !(sym = own_sym = lt_symbols_new(pid, err)))
		goto out;
	/* A Ctrl-C while the target runs our call must wait for its end. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (;;) {
		if (try_threads(&j, uw, sym, &rc, err))
			break;
		if (lt_ptrace_now_ns() > deadline) {
			lt_err_set(err, LT_EXIT_TARGET,
				   "no thread of process %d reached a safe point "
				   "within %.1f s%s", (int)pid, timeout_s,
				   j.go ? " (a cgo program is entered through its main "
				   "thread only, while it runs on its own stack)" : "");
			rc = -1;
			break;
		}
		nanosleep(&(struct timespec){0, 5000000}, NULL);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
out:
	lt_symbols_free(own_sym);
	lt_unwind_free(own_uw);
	return rc;
}
