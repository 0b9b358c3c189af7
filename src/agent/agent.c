/* The agent's entry point and its reporting thread.
 *
 * lt_agent_start connects to leaktop, installs the hooks and starts one
 * thread (every signal blocked) that sends new stacks and changed counters
 * every REPORT_MS.  When leaktop asks it to stop, or the socket closes
 * because leaktop died, the thread makes the hooks pass-through, restores
 * every GOT slot and exits.  The library itself stays loaded (unloading
 * code that another thread may still be returning into is what crashes
 * targets), so a later attach finds it and calls lt_agent_start again. */
#include "agent.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define REPORT_MS 200
#define OUT_CAP (LT_AGENT_MAX_PAYLOAD + 4096)

enum { IDLE, RUNNING, STOPPING };

static int state = IDLE;
static uint32_t starts;
static int sock = -1;
/* The socket's identity: the target may close our descriptor (a daemon's
 * close-everything loop) and reuse its number for a file or a socket of
 * its own.  Nothing is sent, read or closed through sock unless it is
 * still ours. */
static dev_t sock_dev;
static ino_t sock_ino;
static char unwinder[16];
static unsigned char *out;        /* message buffer, mmap'd */
static size_t out_len;
static uint32_t stacks_sent;
static uint64_t seq;

static int parse_num(const char *v, size_t n, uint64_t *res)
{
	uint64_t x = 0;

	if (!n || n > 19)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*res = x;
	return 0;
}

/* "sock=PATH;rate=N;depth=N;freeflow=0|1", without allocating. */
static int parse_config(const char *c, struct ag_config *cfg)
{
	cfg->sock[0] = '\0';
	cfg->rate = LT_AGENT_DEFAULT_RATE;
	cfg->depth = LT_AGENT_DEFAULT_DEPTH;
	cfg->free_flow = 1;
	while (c && *c) {
		const char *end = strchr(c, ';'), *eq;
		size_t len = end ? (size_t)(end - c) : strlen(c);
		uint64_t v;

		eq = memchr(c, '=', len);
		if (eq) {
			size_t k = (size_t)(eq - c), vl = len - k - 1;

			if (k == 4 && !memcmp(c, "sock", 4)) {
				if (vl == 0 || vl >= sizeof(cfg->sock))
					return -1;
				memcpy(cfg->sock, eq + 1, vl);
				cfg->sock[vl] = '\0';
			} else if (k == 4 && !memcmp(c, "rate", 4)) {
				if (parse_num(eq + 1, vl, &v) || v == 0)
					return -1;
				cfg->rate = v;
			} else if (k == 5 && !memcmp(c, "depth", 5)) {
				if (parse_num(eq + 1, vl, &v) || v == 0 ||
				    v > LT_AGENT_MAX_DEPTH)
					return -1;
				cfg->depth = (unsigned)v;
			} else if (k == 8 && !memcmp(c, "freeflow", 8)) {
				if (parse_num(eq + 1, vl, &v) || v > 1)
					return -1;
				cfg->free_flow = (int)v;
			}
		}
		c = end ? end + 1 : NULL;
	}
	/* At rate 1 every block is tracked and its free counted exactly;
	 * sampling frees too would unwind every free (4.6x on the churn
	 * bench instead of 2.5x) for the blocks from before the attach
	 * alone. */
	if (cfg->rate <= 1)
		cfg->free_flow = 0;
	return cfg->sock[0] ? 0 : -1;
}

/* Whether sock is still the socket we connected (see sock_ino). */
static int sock_ours(void)
{
	struct stat st;

	return sock >= 0 && fstat(sock, &st) == 0 && st.st_ino == sock_ino &&
	       st.st_dev == sock_dev;
}

static int flush(void)
{
	size_t done = 0;

	if (!sock_ours())
		return -1;

	while (done < out_len) {
		ssize_t n = send(sock, out + done, out_len - done, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	out_len = 0;
	return 0;
}

/* Appends one message; flushes first when it would not fit. */
static int put(uint16_t type, const void *a, size_t alen, const void *b,
	       size_t blen)
{
	struct lt_msg_hdr h = {LT_AGENT_MAGIC, type, 0, (uint32_t)(alen + blen), 0};

	if (out_len + sizeof(h) + alen + blen > OUT_CAP && flush())
		return -1;
	memcpy(out + out_len, &h, sizeof(h));
	out_len += sizeof(h);
	if (alen)
		memcpy(out + out_len, a, alen);
	out_len += alen;
	if (blen)
		memcpy(out + out_len, b, blen);
	out_len += blen;
	return 0;
}

static int send_hello(void)
{
	struct lt_msg_hello h;

	memset(&h, 0, sizeof(h));
	h.version = LT_AGENT_PROTO_VERSION;
	h.pid = (int32_t)getpid();
	h.sample_rate = ag_cfg.rate;
	h.max_depth = ag_cfg.depth;
	h.starts = starts;
	ag_got_counts(&h.objects, &h.slots);
	memcpy(h.unwinder, unwinder, sizeof(h.unwinder));
	/* Sent from the reporting thread itself: its tid is ours. */
	h.agent_tid = (int32_t)syscall(SYS_gettid);
	h.agent_fd = sock;
	h.fd_slots = ag_fd_slots;
	return put(LT_MSG_HELLO, &h, sizeof(h), NULL, 0) || flush();
}

static int64_t us_since_start(uint64_t ns)
{
	return ns > ag_t0 ? (int64_t)((ns - ag_t0) / 1000) : 0;
}

static void site_of(uint32_t id, struct ag_stack *s, struct lt_msg_site *m)
{
#define LD(f) __atomic_load_n(&s->f, __ATOMIC_RELAXED)
	m->stack_id = id;
	m->reserved = 0;
	m->live_bytes = LD(live_bytes);
	m->live_count = LD(live_count);
	m->alloc_bytes = LD(alloc_bytes);
	m->alloc_count = LD(alloc_count);
	m->free_bytes = LD(free_bytes);
	m->free_count = LD(free_count);
	m->samples = LD(samples);
	m->samples_freed = LD(samples_freed);
	m->freed_age_us = (int64_t)(LD(freed_age_ns) / 1000);
	m->oldest_live_us = s->oldest_ns ? us_since_start(s->oldest_ns) : -1;
	m->alloc_ubytes = LD(alloc_ubytes);
	m->ff_bytes = LD(ff_bytes);
	m->ff_count = LD(ff_count);
	m->ff_samples = LD(ff_samples);
#undef LD
}

/* The fd sites that changed, after the heap sites. */
static int report_fds(void)
{
	static struct lt_msg_fdsite fds[1024];
	uint32_t k = 0;

	for (uint32_t id = 0; id < stacks_sent; id++) {
		struct ag_stack *s = ag_stack_get(id);
		uint32_t mask = __atomic_exchange_n(&s->fd_dirty, 0, __ATOMIC_ACQ_REL);

		for (int kind = 0; mask && kind < LT_FD_KINDS_; kind++) {
			const struct ag_fdsite *f = ag_fdsite_get(id, kind);

			if (!(mask & (1u << kind)))
				continue;
			fds[k].stack_id = id;
			fds[k].kind = (uint32_t)kind;
			fds[k].live = __atomic_load_n(&f->live, __ATOMIC_RELAXED);
			fds[k].opened = __atomic_load_n(&f->opened, __ATOMIC_RELAXED);
			if (++k == sizeof(fds) / sizeof(fds[0])) {
				if (put(LT_MSG_FDSITES, fds, k * sizeof(fds[0]), NULL, 0))
					return -1;
				k = 0;
			}
		}
	}
	return k ? put(LT_MSG_FDSITES, fds, k * sizeof(fds[0]), NULL, 0) : 0;
}

/* CPU time of the process or of this thread, ns since it began: the
 * process's at this start is subtracted by leaktop, which gets it from
 * the first tick. */
static uint64_t cpu_ns(clockid_t c)
{
	struct timespec ts;

	if (clock_gettime(c, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int report(void)
{
	static struct lt_msg_site sites[1024];
	uint32_t n, k = 0;
	struct lt_msg_tick t;

	/* The oldest live samples first: a change marks the stack dirty. */
	ag_scan_oldest();
	n = ag_stack_count();

	for (; stacks_sent < n; stacks_sent++) {
		struct ag_stack *s = ag_stack_get(stacks_sent);
		struct lt_msg_stack m = {stacks_sent, s->depth};

		if (!__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE))
			break;
		if (put(LT_MSG_STACK, &m, sizeof(m), ag_stack_pcs(s),
			s->depth * sizeof(uint64_t)))
			return -1;
	}
	for (uint32_t id = 0; id < stacks_sent; id++) {
		struct ag_stack *s = ag_stack_get(id);

		if (!__atomic_exchange_n(&s->dirty, 0, __ATOMIC_ACQ_REL))
			continue;
		site_of(id, s, &sites[k]);
		if (++k == sizeof(sites) / sizeof(sites[0])) {
			if (put(LT_MSG_SITES, sites, k * sizeof(sites[0]), NULL, 0))
				return -1;
			k = 0;
		}
	}
	if (k && put(LT_MSG_SITES, sites, k * sizeof(sites[0]), NULL, 0))
		return -1;
	if (report_fds())
		return -1;
	memset(&t, 0, sizeof(t));
	t.seq = ++seq;
	t.dlopens = __atomic_load_n(&ag_dlopens, __ATOMIC_RELAXED);
	t.samples = __atomic_load_n(&ag_n.samples, __ATOMIC_RELAXED);
	t.tracked = __atomic_load_n(&ag_n.tracked, __ATOMIC_RELAXED);
	t.dropped = __atomic_load_n(&ag_n.dropped, __ATOMIC_RELAXED);
	t.stacks = stacks_sent;
	t.now_us = (uint64_t)us_since_start(ag_now_ns());
	t.fd_lost = __atomic_load_n(&ag_n.fd_lost, __ATOMIC_RELAXED);
	t.sample_ns = __atomic_load_n(&ag_sample_cost.ns, __ATOMIC_RELAXED);
	t.free_hits = __atomic_load_n(&ag_n.free_hits, __ATOMIC_RELAXED);
	t.lock_waits = __atomic_load_n(&ag_n.lock_waits, __ATOMIC_RELAXED);
	t.dropped_bytes = __atomic_load_n(&ag_n.dropped_bytes, __ATOMIC_RELAXED);
	t.cpu_ns = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
	t.agent_cpu_ns = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
	t.ptr_cap = ag_ptr_cap();
	t.grows = __atomic_load_n(&ag_n.grows, __ATOMIC_RELAXED);
	t.reused = ag_sc_reused();
	return put(LT_MSG_TICK, &t, sizeof(t), NULL, 0) || flush();
}

/* Every sampled block live now, for leaktop's reachability scan: the
 * answer to BLOCKS_ASK number ask.  The addresses go out as the table
 * keeps them (XOR-ed with its key): neither this buffer nor the socket's
 * ever holds a plain one. */
static int send_blocks(uint32_t ask)
{
	static struct lt_msg_block blk[1024];
	struct lt_msg_blocks m;
	uint32_t at = 0;

	do {
		memset(&m, 0, sizeof(m));
		m.n = ag_blocks_copy(&at, blk, sizeof(blk) / sizeof(blk[0]), &m.key);
		m.now_us = (uint64_t)us_since_start(ag_now_ns());
		m.ask = ask;
		m.last = (uint32_t)ag_blocks_done(at);
		ag_tables_range(&m.tables_lo, &m.tables_hi);
		m.buf_lo = (uint64_t)(uintptr_t)out;
		m.buf_hi = m.buf_lo + ((OUT_CAP + 4095) & ~(size_t)4095);
		if (put(LT_MSG_BLOCKS, &m, sizeof(m), blk, m.n * sizeof(blk[0])))
			return -1;
	} while (!m.last);
	return flush();
}

/* Hooks off, GOT restored, and no thread left inside the slow path, so
 * the tables may be reset by the next start. */
static void stop_sampling(void)
{
	struct timespec ms = {0, 1000000};

	ag_active = 0;
	ag_got_restore_all();
	while (ag_inflight_any())
		nanosleep(&ms, NULL);
}

/* 1 when leaktop asked to stop, -1 when the connection is gone, 0 else;
 * *asks counts the BLOCKS_ASKs read. */
static int read_control(uint32_t *asks)
{
	unsigned char buf[256];
	ssize_t n;

	if (!sock_ours())
		return -1;
	n = recv(sock, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	for (ssize_t i = 0; i + (ssize_t)sizeof(struct lt_msg_hdr) <= n;
	     i += (ssize_t)sizeof(struct lt_msg_hdr)) {
		struct lt_msg_hdr h;

		memcpy(&h, buf + i, sizeof(h));
		if (h.magic == LT_AGENT_MAGIC && h.type == LT_MSG_STOP)
			return 1;
		if (h.magic == LT_AGENT_MAGIC && h.type == LT_MSG_BLOCKS_ASK)
			++*asks;
	}
	return 0;
}

static void *reporter(void *arg)
{
	uint32_t asks = 0, answered = 0;
	int asked = 0;

	(void)arg;
	/* Named, so that one can see whether an agent is active. */
	prctl(PR_SET_NAME, "lt-agent", 0, 0, 0);
	if (send_hello() == 0) {
		/* The first reports come soon after the attach (10, 20, 40 ...
		 * ms), so leaktop has heap data at once; then every
		 * REPORT_MS (its thread costs about 0.1% of the target's CPU
		 * time then, measured). */
		int wait_ms = 10;

		for (;;) {
			struct pollfd p = {sock, POLLIN, 0};
			int r = poll(&p, 1, wait_ms);

			wait_ms = wait_ms * 2 < REPORT_MS ? wait_ms * 2 : REPORT_MS;
			if (r > 0) {
				r = read_control(&asks);
				if (r) {
					asked = r > 0;
					break;
				}
			}
			if (report())
				break;
			/* After the report, so every block's stack is sent. */
			if (asks != answered && send_blocks(answered = asks))
				break;
		}
	}
	stop_sampling();
	if (asked) {
		/* The last counters, then goodbye: leaktop waits for it. */
		report();
		out_len = 0;
		put(LT_MSG_BYE, NULL, 0, NULL, 0);
		flush();
	}
	if (sock_ours())
		close(sock);
	sock = -1;
	__atomic_store_n(&state, IDLE, __ATOMIC_RELEASE);
	return NULL;
}

/* A forked child has no reporting thread: it must not keep hooks on. */
static void in_child(void)
{
	if (state == IDLE)
		return;
	ag_active = 0;
	ag_got_restore_all();
	if (sock_ours())
		close(sock);
	sock = -1;
	state = IDLE;
}

static int connect_to(const char *path)
{
	struct sockaddr_un a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

static int start(const char *config)
{
	static int once;
	struct ag_config cfg;
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t t;
	int fd, rc;

	if (!__atomic_compare_exchange_n(&state, &(int){IDLE}, RUNNING, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return -EBUSY;
	if (parse_config(config, &cfg)) {
		state = IDLE;
		return -EINVAL;
	}
	if (!once) {
		ag_real_init();
		if (ag_tables_init() || !(out = mmap(NULL, OUT_CAP,
				PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) ||
		    out == MAP_FAILED) {
			state = IDLE;
			return -ENOMEM;
		}
		if (ag_unwind_init(unwinder, sizeof(unwinder))) {
			state = IDLE;
			return -ENOSYS;
		}
		pthread_atfork(NULL, NULL, in_child);
		once = 1;
	}
	fd = connect_to(cfg.sock);
	if (fd < 0) {
		state = IDLE;
		return fd;
	}
	{
		struct stat st;

		if (fstat(fd, &st)) {
			close(fd);
			state = IDLE;
			return -EBADF;
		}
		sock_dev = st.st_dev;
		sock_ino = st.st_ino;
	}
	ag_cfg = cfg;
	ag_tables_reset();   /* sized for cfg's rate */
	ag_sc_reset();
	sock = fd;
	out_len = 0;
	stacks_sent = 0;
	seq = 0;
	starts++;
	ag_t0 = ag_now_ns();
	ag_new_start();
	ag_ff_mode = !ag_cfg.free_flow ? AG_FF_OFF : ag_glibc_chunks ? AG_FF_INLINE : AG_FF_CALL;
	ag_active = 1;
	ag_got_patch_all();
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, reporter, NULL);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		stop_sampling();
		close(fd);
		sock = -1;
		state = IDLE;
		return -rc;
	}
	return 0;
}

__attribute__((visibility("default"))) int lt_agent_start(const char *config,
							 int *result)
{
	int rc = start(config);

	if (result)
		*result = rc;
	return rc;
}

/* `leaktop run`: the configuration comes in the environment, which is
 * cleared so that the target's own children do not connect too. */
__attribute__((constructor)) static void from_environment(void)
{
	char cfg[512];
	const char *c = getenv(LT_AGENT_ENV);

	if (!c || strlen(c) >= sizeof(cfg))
		return;
	memcpy(cfg, c, strlen(c) + 1);
	unsetenv(LT_AGENT_ENV);
	start(cfg);
}
