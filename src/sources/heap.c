/* The heap collector (lt_heap.h): the socket, the agent's messages, and
 * the hand-over of changed sites to the model once per tick.
 *
 * The agent's stack table is mirrored by agent id (dense from 0); each
 * entry keeps its PCs until collected, then only the model's stack index
 * and the latest counters. */
#include "lt_heap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lt_agentmsg.h"
#include "lt_clock.h"
#include "lt_heap_int.h"
#include "lt_heapblk.h"
#include "lt_inject.h"
#include "lt_proc.h"

/* Bytes read by one lt_heap_poll at most: an agent that writes without
 * pause must not keep the sampling loop from its other sources. */
#define POLL_BUDGET (16u << 20)
#define BYE_WAIT_S 1.0

/* The agent next to the running leaktop binary, unless given. */
static char *agent_path(const char *given, lt_err *err)
{
	char exe[PATH_MAX], *slash, *p;
	ssize_t n;

	if (given) {
		p = lt_xstrdup(given);
	} else {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0) {
			lt_err_set(err, LT_EXIT_TARGET, "cannot find the heap agent: /proc/self/exe: %s",
				   strerror(errno));
			return NULL;
		}
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			slash[1] = '\0';
		p = lt_xmalloc(strlen(exe) + sizeof("liblt-agent.so"));
		sprintf(p, "%sliblt-agent.so", slash ? exe : "./");
	}
	if (access(p, R_OK) < 0) {
		lt_err_set(err, LT_EXIT_TARGET, "heap agent %s: %s", p, strerror(errno));
		free(p);
		return NULL;
	}
	/* LD_PRELOAD and the config string split on these. */
	if (strpbrk(p, " :;\t\n")) {
		lt_err_set(err, LT_EXIT_TARGET, "heap agent path '%s' contains a space, ':' or ';'", p);
		free(p);
		return NULL;
	}
	return p;
}

static lt_heap *heap_new(const struct lt_heap_opts *o)
{
	lt_heap *h = lt_xcalloc(1, sizeof(*h));

	h->o = *o;
	h->o.agent_path = NULL;
	if (!h->o.sample_rate)
		h->o.sample_rate = LT_AGENT_DEFAULT_RATE;
	if (!h->o.max_depth || h->o.max_depth > LT_AGENT_MAX_DEPTH)
		h->o.max_depth = LT_AGENT_DEFAULT_DEPTH;
	h->lfd = h->fd = -1;
	h->rd = lt_agentmsg_new();
	return h;
}

static void heap_free(lt_heap *h)
{
	if (h->fd >= 0)
		close(h->fd);
	if (h->lfd >= 0)
		close(h->lfd);
	if (h->path)
		unlink(h->path);
	for (size_t i = 0; i < h->nst; i++)
		free(h->st[i].pcs);
	free(h->st);
	free(h->changed);
	free(h->ffchanged);
	free(h->bfrees);
	free(h->fresh);
	free(h->batch);
	free(h->bstacks);
	free(h->fchanged);
	free(h->bfds);
	free(h->path);
	free(h->target_path);
	free(h->agent);
	lt_heapblk_free(&h->blk);
	lt_agentmsg_free(h->rd);
	free(h);
}

/* Binds the listening socket at root + "/tmp/leaktop-OURPID-N.sock",
 * readable by its owner only, owned by uid/gid when those are not -1. */
static int make_socket(lt_heap *h, const char *root, uid_t uid, gid_t gid,
		       lt_err *err)
{
	static unsigned seq;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char name[64];
	mode_t old;
	int rc;

	snprintf(name, sizeof(name), "/tmp/leaktop-%d-%u.sock", (int)getpid(), seq++);
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s%s", root, name) >= sizeof(sa.sun_path)) {
		lt_err_set(err, LT_EXIT_TARGET, "socket path %s%s is too long", root, name);
		return -1;
	}
	h->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->lfd < 0) {
		lt_err_set(err, LT_EXIT_ERROR, "socket: %s", strerror(errno));
		return -1;
	}
	unlink(sa.sun_path); /* a leftover of an earlier leaktop with our pid */
	old = umask(077);
	rc = bind(h->lfd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0) {
		lt_err_set(err, LT_EXIT_TARGET, "cannot create the agent socket %s: %s",
			   sa.sun_path, strerror(errno));
		return -1;
	}
	h->path = lt_xstrdup(sa.sun_path);
	h->target_path = lt_xstrdup(name);
	/* Connecting takes write permission: the owner's, no one else's. */
	chmod(h->path, 0600);
	if (uid != (uid_t)-1 && chown(h->path, uid, gid) < 0) {
		lt_err_set(err, LT_EXIT_TARGET, "cannot give the agent socket %s to uid %d: %s",
			   h->path, (int)uid, strerror(errno));
		return -1;
	}
	if (listen(h->lfd, 8) < 0) {
		lt_err_set(err, LT_EXIT_ERROR, "listen: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static char *config(const lt_heap *h)
{
	char *s = lt_xmalloc(strlen(h->target_path) + 64);

	sprintf(s, "sock=%s;rate=%llu;depth=%u;freeflow=%d", h->target_path,
		(unsigned long long)h->o.sample_rate, h->o.max_depth, !h->o.no_free_flow);
	return s;
}

/* The heap source has ended: keep why, stop reading. */
static int die(lt_heap *h, lt_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int die(lt_heap *h, lt_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!h->dead) {
		va_start(ap, fmt);
		vsnprintf(h->why, sizeof(h->why), fmt, ap);
		va_end(ap);
		h->dead = 1;
		if (h->fd >= 0)
			close(h->fd);
		h->fd = -1;
	}
	lt_err_set(err, LT_EXIT_ERROR, "%s", h->why);
	return -1;
}

/* Takes every pending connection: the first from the target is the agent,
 * any other is closed and counted. */
static void accept_peers(lt_heap *h)
{
	for (;;) {
		struct ucred cr;
		socklen_t len = sizeof(cr);
		int fd = accept4(h->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 ||
		    cr.pid != h->o.pid || h->fd >= 0 || h->dead) {
			close(fd);
			h->rejected++;
			continue;
		}
		h->fd = fd;
	}
}

/* pid's own pid in its innermost PID namespace (NStgid), or -1. */
static int64_t ns_pid(pid_t pid)
{
	int procfd = lt_proc_open(pid);
	struct lt_proc_status st = {.ns_tgid = -1};
	char buf[4096];
	ssize_t n = procfd >= 0 ? lt_proc_read_buf(procfd, 0, "status", buf, sizeof(buf)) : -1;

	if (n > 0)
		lt_proc_parse_status(buf, (size_t)n, &st);
	if (procfd >= 0)
		close(procfd);
	return st.ns_tgid;
}

static struct astack *slot(lt_heap *h, uint32_t id)
{
	if (id >= h->nst) {
		size_t n = h->nst ? h->nst : 64;

		while (n <= id)
			n *= 2;
		h->st = lt_xrealloc(h->st, n * sizeof(*h->st));
		memset(h->st + h->nst, 0, (n - h->nst) * sizeof(*h->st));
		for (size_t i = h->nst; i < n; i++)
			h->st[i].oldest_us = -1;
		h->nst = n;
	}
	return &h->st[id];
}

/* Stack ids are dense from 0 and announced about in order: an id far
 * beyond those announced would make us allocate a table up to it. */
#define ID_SLACK (1u << 16)

static int on_stack(lt_heap *h, const struct lt_agentmsg *m, lt_err *err)
{
	struct astack *a;
	size_t bytes = m->stack.depth * sizeof(uint64_t);

	if (m->stack.id >= h->announced + ID_SLACK)
		return die(h, err, "the heap agent announced stack %u after only %zu stacks",
			   (unsigned)m->stack.id, h->announced);
	h->announced++;
	a = slot(h, m->stack.id);
	if (a->depth)
		return die(h, err, "the heap agent announced stack %u twice", (unsigned)m->stack.id);
	a->depth = m->stack.depth;
	a->pcs = lt_xmalloc(bytes);
	memcpy(a->pcs, m->pcs, bytes);
	if (h->nfresh == h->fcap) {
		h->fcap = h->fcap ? h->fcap * 2 : 256;
		h->fresh = lt_xrealloc(h->fresh, h->fcap * sizeof(*h->fresh));
	}
	h->fresh[h->nfresh++] = m->stack.id;
	h->st[m->stack.id].fresh = 1;
	return 0;
}

static int64_t clamp(int64_t v)
{
	return v < 0 ? 0 : v;
}

/* Appends v to the growing array *a of *n entries and *cap room. */
static void push_u32(uint32_t **a, size_t *n, size_t *cap, uint32_t v)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*a = lt_xrealloc(*a, *cap * sizeof(**a));
	}
	(*a)[(*n)++] = v;
}

static uint32_t sat_u32(int64_t v)
{
	return v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static int on_sites(lt_heap *h, const struct lt_agentmsg *m, lt_err *err)
{
	for (size_t i = 0; i < m->nsites; i++) {
		struct lt_msg_site s;
		struct astack *a;

		lt_agentmsg_site(m, i, &s);
		if (s.stack_id >= h->nst || !h->st[s.stack_id].depth)
			return die(h, err, "the heap agent sent counters of stack %u before the stack",
				   (unsigned)s.stack_id);
		a = &h->st[s.stack_id];
		a->v.live_bytes = clamp(s.live_bytes);
		a->v.live_count = clamp(s.live_count);
		a->v.alloc_bytes = clamp(s.alloc_bytes);
		a->v.alloc_count = clamp(s.alloc_count);
		a->v.free_bytes = s.free_bytes;
		a->v.free_count = s.free_count;
		a->v.samples = sat_u32(s.samples);
		a->v.samples_freed = sat_u32(s.samples_freed);
		a->v.freed_age_sum = (double)s.freed_age_us / 1e6;
		a->v.alloc_ubytes = clamp(s.alloc_ubytes);
		a->oldest_us = s.oldest_live_us;
		/* A stack that only frees is a free site, not an allocation
		 * site with zeros. */
		if ((s.samples || s.alloc_count || s.live_count) && !a->changed) {
			push_u32(&h->changed, &h->nchanged, &h->ccap, s.stack_id);
			a->changed = 1;
		}
		if (s.ff_samples && s.ff_samples != a->f.samples) {
			a->f.bytes = clamp(s.ff_bytes);
			a->f.count = clamp(s.ff_count);
			a->f.samples = s.ff_samples;
			if (!a->ffchanged) {
				push_u32(&h->ffchanged, &h->nffchanged, &h->ffccap, s.stack_id);
				a->ffchanged = 1;
			}
		}
	}
	return 0;
}

static int on_fdsites(lt_heap *h, const struct lt_agentmsg *m, lt_err *err)
{
	for (size_t i = 0; i < m->nfdsites; i++) {
		struct lt_msg_fdsite f;
		struct astack *a;

		lt_agentmsg_fdsite(m, i, &f);
		if (f.stack_id >= h->nst || !h->st[f.stack_id].depth)
			return die(h, err, "the heap agent sent descriptors of stack %u before the stack",
				   (unsigned)f.stack_id);
		a = &h->st[f.stack_id];
		a->fd_live[f.kind] = clamp(f.live);
		a->fd_opened[f.kind] = f.opened;
		if (!(a->fd_changed & (1u << f.kind))) {
			push_u32(&h->fchanged, &h->nfchanged, &h->fccap,
				 f.stack_id * LT_FD_KINDS_ + f.kind);
			a->fd_changed |= 1u << f.kind;
		}
	}
	return 0;
}

/* Whether stack id was announced (lt_heapblk_add). */
static int announced(void *ctx, uint32_t id)
{
	const lt_heap *h = ctx;

	return id < h->nst && h->st[id].depth;
}

static int on_message(lt_heap *h, const struct lt_agentmsg *m, lt_err *err)
{
	if (!h->hello && m->type != LT_MSG_HELLO && m->type != LT_MSG_ERROR)
		return die(h, err, "the heap agent sent message type %d before its hello", (int)m->type);
	switch (m->type) {
	case LT_MSG_HELLO:
		if (h->hello)
			return die(h, err, "the heap agent said hello twice");
		/* In a container the agent sees its pid in the target's own
		 * PID namespace. */
		if (m->hello.pid != h->o.pid && m->hello.pid != ns_pid(h->o.pid))
			return die(h, err, "the heap agent says it runs in pid %d, not %d",
				   (int)m->hello.pid, (int)h->o.pid);
		h->hi = m->hello;
		h->hello = 1;
		return 0;
	case LT_MSG_STACK:
		return on_stack(h, m, err);
	case LT_MSG_SITES:
		return on_sites(h, m, err);
	case LT_MSG_FDSITES:
		return on_fdsites(h, m, err);
	case LT_MSG_TICK:
		/* New objects in the target: the symbolizer must re-read its
		 * modules before it meets their addresses. */
		if (m->tick.dlopens != h->dlopens)
			h->refresh = 1;
		h->dlopens = m->tick.dlopens;
		h->last_tick = m->tick;
		if (!h->clock_mapped) {
			h->agent_t0 = lt_clock_mono() - (double)m->tick.now_us / 1e6;
			h->clock_mapped = 1;
		}
		h->ticks++;
		return 0;
	case LT_MSG_ERROR:
		return die(h, err, "the heap agent stopped: %s", m->error);
	case LT_MSG_BYE:
		h->bye = 1;
		return 0;
	case LT_MSG_BLOCKS:
		if (!h->clock_mapped) {
			h->agent_t0 = lt_clock_mono() - (double)m->blocks.now_us / 1e6;
			h->clock_mapped = 1;
		}
		lt_heapblk_add(&h->blk, m, h->agent_t0, announced, h);
		return 0;
	default:
		return die(h, err, "unexpected message type %d from the heap agent", (int)m->type);
	}
}

/* Why the agent's connection ended without a goodbye, in buf.  The agent
 * never closes it while leaktop reads (it says BYE or ERROR first), so
 * the target did: by exiting, by exec'ing another program, or by closing
 * a descriptor it did not open (a close-everything loop in a daemon). */
static void eof_cause(const lt_heap *h, char *buf, size_t len)
{
	int procfd = lt_proc_open(h->o.pid), mapped = 0, cut;
	struct lt_proc_lines ls;
	struct lt_proc_stat ps;
	char sbuf[1024], lbuf[4096];
	const char *line;
	size_t n;
	ssize_t r = procfd >= 0 ? lt_proc_read_buf(procfd, 0, "stat", sbuf, sizeof(sbuf)) : -1;

	if (r <= 0 || lt_proc_parse_stat(sbuf, (size_t)r, &ps) != 0 ||
	    ps.state == 'Z' || ps.state == 'X') {
		snprintf(buf, len, "the target exited, and the heap agent's connection with it");
		goto out;
	}
	if (lt_proc_lines_open(&ls, procfd, 0, "maps", lbuf, sizeof(lbuf)) == 0) {
		while (!mapped && lt_proc_lines_next(&ls, &line, &n, &cut) > 0)
			mapped = memmem(line, n, "liblt-agent", 11) != NULL;
		lt_proc_lines_close(&ls);
	}
	if (!mapped)
		snprintf(buf, len, "the target replaced its program (exec), and the heap agent with it");
	else
		snprintf(buf, len, "the target closed the heap agent's socket (descriptor %d in "
			 "the target; a program that closes descriptors it did not open): the "
			 "agent removed its hooks and stopped, heap data ends here",
			 h->hello ? (int)h->hi.agent_fd : -1);
out:
	if (procfd >= 0)
		close(procfd);
}

/* Reads and handles what is there, up to POLL_BUDGET bytes. */
static int pump(lt_heap *h, lt_err *err)
{
	unsigned char buf[65536];
	size_t total = 0;
	lt_err e = {0};
	int rc;

	while (h->fd >= 0 && total < POLL_BUDGET) {
		ssize_t n = read(h->fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0)
			return die(h, err, "reading from the heap agent: %s", strerror(errno));
		if (n == 0) {
			char why[256];

			if (h->bye)
				return die(h, err, "the heap agent has stopped");
			eof_cause(h, why, sizeof(why));
			return die(h, err, "%s%s", why, lt_agentmsg_pending(h->rd) ?
				   " (in the middle of a message)" : "");
		}
		total += (size_t)n;
		lt_agentmsg_feed(h->rd, buf, (size_t)n);
		while ((rc = lt_agentmsg_next(h->rd, &h->msg, &e)) > 0)
			if (on_message(h, &h->msg, err) < 0)
				return -1;
		if (rc < 0)
			return die(h, err, "%s", e.msg);
	}
	return 0;
}

int lt_heap_poll(lt_heap *h, lt_err *err)
{
	if (h->dead)
		return die(h, err, "%s", h->why);
	if (h->lfd >= 0)
		accept_peers(h);
	return h->fd >= 0 ? pump(h, err) : 0;
}

int lt_heap_fd(const lt_heap *h)
{
	return h->fd >= 0 ? h->fd : h->lfd;
}

const char *lt_heap_unwinder(const lt_heap *h)
{
	return h->hello ? h->hi.unwinder : NULL;
}

uint64_t lt_heap_rate(const lt_heap *h)
{
	return h->hello ? h->hi.sample_rate : 0;
}

unsigned lt_heap_rejected(const lt_heap *h)
{
	return h->rejected;
}

_Static_assert(LT_HEAP_FD_KINDS == LT_FD_KINDS_, "fd kinds of lt_heap.h");

const char *lt_heap_fd_kind(int kind)
{
	static const char *const names[LT_FD_KINDS_] = {
		[LT_FD_FILE] = "file", [LT_FD_SOCKET] = "socket",
		[LT_FD_PIPE] = "pipe", [LT_FD_ANON] = "anon",
	};

	return kind >= 0 && kind < LT_FD_KINDS_ ? names[kind] : "?";
}

pid_t lt_heap_agent_tid(const lt_heap *h)
{
	return h->hello ? (pid_t)h->hi.agent_tid : -1;
}

int lt_heap_agent_fd(const lt_heap *h)
{
	return h->hello ? h->hi.agent_fd : -1;
}

int lt_heap_ask_blocks(lt_heap *h, lt_err *err)
{
	unsigned char ask[sizeof(struct lt_msg_hdr)];

	if (h->dead || h->fd < 0 || !h->hello) {
		lt_err_set(err, LT_EXIT_ERROR, "the heap agent is not connected");
		return -1;
	}
	lt_agentmsg_header(ask, LT_MSG_BLOCKS_ASK, 0);
	if (send(h->fd, ask, sizeof(ask), MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)sizeof(ask)) {
		lt_err_set(err, LT_EXIT_ERROR, "asking the heap agent for its blocks: %s",
			   strerror(errno));
		return -1;
	}
	lt_heapblk_ask(&h->blk);
	return 0;
}

const struct lt_heapblk *lt_heap_blocks(const lt_heap *h)
{
	return h->blk.asked && h->blk.ready ? &h->blk : NULL;
}

/* Waits until the agent has said hello, or the deadline. */
static int wait_hello(lt_heap *h, double timeout_s, lt_err *err)
{
	double deadline = lt_clock_mono() + timeout_s;

	while (!h->hello) {
		struct pollfd pfd;
		double left = deadline - lt_clock_mono();

		if (lt_heap_poll(h, err) < 0)
			return -1;
		if (h->hello)
			break;
		/* Taken after the poll: it may have just accepted the agent,
		 * and the listening socket would then stay quiet until the
		 * deadline (attach took 5 s instead of 0.3 in 1 run of 6). */
		pfd = (struct pollfd){.fd = lt_heap_fd(h), .events = POLLIN};
		if (left <= 0) {
			lt_err_set(err, LT_EXIT_TARGET, h->fd >= 0 ?
				   "the heap agent connected but did not say hello within %gs" :
				   "the heap agent did not connect within %gs", timeout_s);
			return -1;
		}
		poll(&pfd, 1, (int)(left * 1000) + 1);
	}
	return 0;
}

lt_heap *lt_heap_attach(const struct lt_heap_opts *o, lt_err *err)
{
	char root[64], *cfg;
	struct stat st;
	lt_heap *h;

	if (lt_inject_check(o->pid, err) < 0)
		return NULL;
	h = heap_new(o);
	h->agent = agent_path(o->agent_path, err);
	if (!h->agent)
		goto fail;
	/* The owner of /proc/PID is the target's effective uid: the agent
	 * connects as that user. */
	snprintf(root, sizeof(root), "/proc/%d", (int)o->pid);
	if (stat(root, &st) < 0) {
		lt_err_set(err, LT_EXIT_TARGET, "%s: %s", root, strerror(errno));
		goto fail;
	}
	snprintf(root, sizeof(root), "/proc/%d/root", (int)o->pid);
	if (make_socket(h, root, st.st_uid == geteuid() ? (uid_t)-1 : st.st_uid,
			st.st_gid, err) < 0)
		goto fail;
	cfg = config(h);
	if (lt_inject_agent(o->pid, h->agent, cfg, o->timeout_s, o->unwind,
			    o->sym, err) < 0) {
		free(cfg);
		goto fail;
	}
	free(cfg);
	if (wait_hello(h, o->timeout_s, err) < 0) {
		if (err)
			err->code = LT_EXIT_TARGET;
		goto fail;
	}
	return h;
fail:
	heap_free(h);
	return NULL;
}

lt_heap *lt_heap_listen(const struct lt_heap_opts *o, char **preload_env,
			char **config_env, lt_err *err)
{
	lt_heap *h = heap_new(o);
	const char *old = getenv("LD_PRELOAD");
	char *cfg;

	h->agent = agent_path(o->agent_path, err);
	if (!h->agent || make_socket(h, "", (uid_t)-1, (gid_t)-1, err) < 0) {
		heap_free(h);
		return NULL;
	}
	/* Ours first, so our malloc hooks see the others' allocations too;
	 * the user's preloads stay. */
	*preload_env = lt_xmalloc(strlen(h->agent) + (old ? strlen(old) : 0) + 16);
	sprintf(*preload_env, "LD_PRELOAD=%s%s%s", h->agent, old && *old ? ":" : "",
		old ? old : "");
	cfg = config(h);
	*config_env = lt_xmalloc(strlen(cfg) + sizeof(LT_AGENT_ENV) + 2);
	sprintf(*config_env, "%s=%s", LT_AGENT_ENV, cfg);
	free(cfg);
	return h;
}

int lt_heap_accept(lt_heap *h, pid_t pid, double timeout_s, lt_err *err)
{
	h->o.pid = pid;
	return wait_hello(h, timeout_s, err);
}

void lt_heap_detach(lt_heap *h)
{
	unsigned char stop[sizeof(struct lt_msg_hdr)];
	double deadline = lt_clock_mono() + BYE_WAIT_S;

	if (!h)
		return;
	if (h->fd >= 0 && !h->dead) {
		lt_agentmsg_header(stop, LT_MSG_STOP, 0);
		if (send(h->fd, stop, sizeof(stop), MSG_NOSIGNAL) == (ssize_t)sizeof(stop)) {
			/* Counters that arrive meanwhile are dropped: the last
			 * tick has been taken. */
			while (!h->dead && !h->bye) {
				struct pollfd pfd = {.fd = h->fd, .events = POLLIN};
				double left = deadline - lt_clock_mono();

				if (left <= 0 || poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
					break;
				if (pump(h, NULL) < 0)
					break;
			}
		}
	}
	heap_free(h);
}
