/* Descriptor sites: the calls that create file descriptors, and close.
 *
 * Descriptors are created far more rarely than memory is allocated, so
 * every call is counted: the stack is unwound and interned in the stack
 * table, and the (stack, kind) site gains one live and one opened
 * descriptor; close takes it off again through the fd table.  A
 * descriptor that existed before this start is not in the table, and its
 * close is ignored.  The bookkeeping runs after the real call, with the
 * thread's guard up, so calls the unwinder makes pass straight through. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

/* The fortified variants programs built with _FORTIFY_SOURCE call. */
extern int __open_2(const char *, int);
extern int __open64_2(const char *, int);
extern int __openat_2(int, const char *, int);
extern int __openat64_2(int, const char *, int);

/* The real calls, as the agent's own (never patched) GOT resolved them. */
static struct {
	__typeof__(socket) *socket;
	__typeof__(socketpair) *socketpair;
	__typeof__(accept) *accept;
	__typeof__(accept4) *accept4;
	__typeof__(open) *open;
	__typeof__(open64) *open64;
	__typeof__(__open_2) *open_2;
	__typeof__(__open64_2) *open64_2;
	__typeof__(openat) *openat;
	__typeof__(openat64) *openat64;
	__typeof__(__openat_2) *openat_2;
	__typeof__(__openat64_2) *openat64_2;
	__typeof__(creat) *creat;
	__typeof__(creat64) *creat64;
	__typeof__(pipe) *pipe;
	__typeof__(pipe2) *pipe2;
	__typeof__(dup) *dup;
	__typeof__(dup2) *dup2;
	__typeof__(dup3) *dup3;
	__typeof__(eventfd) *eventfd;
	__typeof__(timerfd_create) *timerfd_create;
	__typeof__(epoll_create) *epoll_create;
	__typeof__(epoll_create1) *epoll_create1;
	__typeof__(memfd_create) *memfd_create;
	__typeof__(signalfd) *signalfd;
	__typeof__(inotify_init) *inotify_init;
	__typeof__(inotify_init1) *inotify_init1;
	__typeof__(close) *close;
} R;
#define RET __builtin_return_address(0)

/* Records n descriptors (1 or 2) made by one call of the hook that
 * returns to ret. */
__attribute__((noinline, cold)) static void record(const int *fds, int n,
						   int kind, void *ret)
{
	uint64_t pcs[LT_AGENT_MAX_DEPTH + 8];
	uint32_t from, depth;
	int keep = errno, truncated;

	ag_enter();
	if (ag_active) {
		ag_guard = 1;
		depth = ag_capture(pcs, ret, &from, &truncated);
		for (int i = 0; i < n; i++)
			ag_fd_open(fds[i], kind, pcs + from, depth);
		ag_guard = 0;
	}
	ag_leave();
	errno = keep;
}

static inline int made(int fd, int kind, void *ret)
{
	if (fd >= 0 && ag_active && !ag_guard)
		record(&fd, 1, kind, ret);
	return fd;
}

static inline int made2(int rc, const int *fds, int kind, void *ret)
{
	if (rc == 0 && ag_active && !ag_guard)
		record(fds, 2, kind, ret);
	return rc;
}

/* Before the real close: once it returns, another thread may be given
 * the same number, and its entry must not be the one forgotten. */
static inline void closing(int fd)
{
	/* Most closes are of descriptors not created since the start: the
	 * table (mapped for good) answers them with one load. */
	if (!ag_active || ag_guard || ag_fd_kind(fd) < 0)
		return;
	ag_enter();
	if (ag_active) {
		/* A signal handler's close, while this thread holds the
		 * table's lock, must pass through. */
		ag_guard = 1;
		ag_fd_close(fd);
		ag_guard = 0;
	}
	ag_leave();
}

/* What a duplicate of fd is: its recorded kind, or what fstat says; -1
 * when fd is not open (the dup will fail). */
static int kind_of(int fd)
{
	int k = ag_fd_kind(fd), keep = errno;
	struct stat st;

	if (k >= 0)
		return k;
	if (fstat(fd, &st) < 0)
		k = -1;
	else if (S_ISSOCK(st.st_mode))
		k = LT_FD_SOCKET;
	else if (S_ISFIFO(st.st_mode))
		k = LT_FD_PIPE;
	else if ((st.st_mode & S_IFMT) == 0)
		k = LT_FD_ANON;   /* anon_inode: eventfd, epoll, ... */
	else
		k = LT_FD_FILE;
	errno = keep;
	return k;
}

/* As glibc's __OPEN_NEEDS_MODE: only then was a mode passed. */
static int mode_arg(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE ?
	       va_arg(ap, int) : 0;
}

static int hk_socket(int d, int t, int p)
{
	return made(R.socket(d, t, p), LT_FD_SOCKET, RET);
}

static int hk_socketpair(int d, int t, int p, int sv[2])
{
	return made2(R.socketpair(d, t, p, sv), sv, LT_FD_SOCKET, RET);
}

static int hk_accept(int fd, struct sockaddr *restrict a, socklen_t *restrict l)
{
	return made(R.accept(fd, a, l), LT_FD_SOCKET, RET);
}

static int hk_accept4(int fd, struct sockaddr *restrict a, socklen_t *restrict l,
		      int f)
{
	return made(R.accept4(fd, a, l, f), LT_FD_SOCKET, RET);
}

static int hk_open(const char *path, int flags, ...)
{
	va_list ap;
	int mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return made(R.open(path, flags, mode), LT_FD_FILE, RET);
}

static int hk_open64(const char *path, int flags, ...)
{
	va_list ap;
	int mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return made(R.open64(path, flags, mode), LT_FD_FILE, RET);
}

static int hk_open_2(const char *path, int flags)
{
	return made(R.open_2(path, flags), LT_FD_FILE, RET);
}

static int hk_open64_2(const char *path, int flags)
{
	return made(R.open64_2(path, flags), LT_FD_FILE, RET);
}

static int hk_openat(int dir, const char *path, int flags, ...)
{
	va_list ap;
	int mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return made(R.openat(dir, path, flags, mode), LT_FD_FILE, RET);
}

static int hk_openat64(int dir, const char *path, int flags, ...)
{
	va_list ap;
	int mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return made(R.openat64(dir, path, flags, mode), LT_FD_FILE, RET);
}

static int hk_openat_2(int dir, const char *path, int flags)
{
	return made(R.openat_2(dir, path, flags), LT_FD_FILE, RET);
}

static int hk_openat64_2(int dir, const char *path, int flags)
{
	return made(R.openat64_2(dir, path, flags), LT_FD_FILE, RET);
}

static int hk_creat(const char *path, mode_t mode)
{
	return made(R.creat(path, mode), LT_FD_FILE, RET);
}

static int hk_creat64(const char *path, mode_t mode)
{
	return made(R.creat64(path, mode), LT_FD_FILE, RET);
}

static int hk_pipe(int fds[2])
{
	return made2(R.pipe(fds), fds, LT_FD_PIPE, RET);
}

static int hk_pipe2(int fds[2], int flags)
{
	return made2(R.pipe2(fds, flags), fds, LT_FD_PIPE, RET);
}

/* Only when it is on: fstat is not free. */
static int dup_kind(int fd)
{
	return ag_active && !ag_guard ? kind_of(fd) : -1;
}

static int hk_dup(int fd)
{
	int k = dup_kind(fd);

	return k < 0 ? R.dup(fd) : made(R.dup(fd), k, RET);
}

/* dup2 and dup3 close newfd first when it is open (and fd is: otherwise
 * they fail and newfd stays as it was). */
static int hk_dup2(int fd, int newfd)
{
	int k, rc;

	k = dup_kind(fd);
	if (fd == newfd || k < 0)
		return R.dup2(fd, newfd);
	closing(newfd);
	rc = R.dup2(fd, newfd);
	return made(rc, k, RET);
}

static int hk_dup3(int fd, int newfd, int flags)
{
	int k, rc;

	k = dup_kind(fd);
	if (fd == newfd || k < 0)
		return R.dup3(fd, newfd, flags);
	closing(newfd);
	rc = R.dup3(fd, newfd, flags);
	return made(rc, k, RET);
}

static int hk_eventfd(unsigned v, int flags)
{
	return made(R.eventfd(v, flags), LT_FD_ANON, RET);
}

static int hk_timerfd_create(int clock, int flags)
{
	return made(R.timerfd_create(clock, flags), LT_FD_ANON, RET);
}

static int hk_epoll_create(int size)
{
	return made(R.epoll_create(size), LT_FD_ANON, RET);
}

static int hk_epoll_create1(int flags)
{
	return made(R.epoll_create1(flags), LT_FD_ANON, RET);
}

static int hk_memfd_create(const char *name, unsigned flags)
{
	return made(R.memfd_create(name, flags), LT_FD_ANON, RET);
}

/* With fd != -1 it changes the mask of an existing signalfd. */
static int hk_signalfd(int fd, const sigset_t *mask, int flags)
{
	int rc = R.signalfd(fd, mask, flags);

	return fd == -1 ? made(rc, LT_FD_ANON, RET) : rc;
}

static int hk_inotify_init(void)
{
	return made(R.inotify_init(), LT_FD_ANON, RET);
}

static int hk_inotify_init1(int flags)
{
	return made(R.inotify_init1(flags), LT_FD_ANON, RET);
}

static int hk_close(int fd)
{
	closing(fd);
	return R.close(fd);
}

static const struct {
	const char *name;
	void *hook;
} hooks[] = {
	{"socket", (void *)hk_socket},
	{"socketpair", (void *)hk_socketpair},
	{"accept", (void *)hk_accept},
	{"accept4", (void *)hk_accept4},
	{"open", (void *)hk_open},
	{"open64", (void *)hk_open64},
	{"__open_2", (void *)hk_open_2},
	{"__open64_2", (void *)hk_open64_2},
	{"openat", (void *)hk_openat},
	{"openat64", (void *)hk_openat64},
	{"__openat_2", (void *)hk_openat_2},
	{"__openat64_2", (void *)hk_openat64_2},
	{"creat", (void *)hk_creat},
	{"creat64", (void *)hk_creat64},
	{"pipe", (void *)hk_pipe},
	{"pipe2", (void *)hk_pipe2},
	{"dup", (void *)hk_dup},
	{"dup2", (void *)hk_dup2},
	{"dup3", (void *)hk_dup3},
	{"eventfd", (void *)hk_eventfd},
	{"timerfd_create", (void *)hk_timerfd_create},
	{"epoll_create", (void *)hk_epoll_create},
	{"epoll_create1", (void *)hk_epoll_create1},
	{"memfd_create", (void *)hk_memfd_create},
	{"signalfd", (void *)hk_signalfd},
	{"inotify_init", (void *)hk_inotify_init},
	{"inotify_init1", (void *)hk_inotify_init1},
	{"close", (void *)hk_close},
};

void *ag_fd_hook_for(const char *name)
{
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++)
		if (!strcmp(hooks[i].name, name))
			return hooks[i].hook;
	return NULL;
}

void ag_fd_real_init(void)
{
	R.socket = socket;
	R.socketpair = socketpair;
	R.accept = accept;
	R.accept4 = accept4;
	R.open = open;
	R.open64 = open64;
	R.open_2 = __open_2;
	R.open64_2 = __open64_2;
	R.openat = openat;
	R.openat64 = openat64;
	R.openat_2 = __openat_2;
	R.openat64_2 = __openat64_2;
	R.creat = creat;
	R.creat64 = creat64;
	R.pipe = pipe;
	R.pipe2 = pipe2;
	R.dup = dup;
	R.dup2 = dup2;
	R.dup3 = dup3;
	R.eventfd = eventfd;
	R.timerfd_create = timerfd_create;
	R.epoll_create = epoll_create;
	R.epoll_create1 = epoll_create1;
	R.memfd_create = memfd_create;
	R.signalfd = signalfd;
	R.inotify_init = inotify_init;
	R.inotify_init1 = inotify_init1;
	R.close = close;
}
