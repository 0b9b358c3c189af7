/* Unit tests for the procfs sampler.
 *
 * Parsers run over fixtures in tests/fixtures/proc/ (real files copied from
 * Linux 6.x, plus hand-written old-kernel and hostile ones: cut last lines,
 * numbers that overflow, missing fields, garbage).  Then the sampler runs on
 * this very process and on children it creates, checking invariants and
 * deltas it causes itself (threads, descriptors of each kind, anonymous
 * memory, bytes written), never absolute values of the machine.  The ELF
 * build-id reader runs on hand-made ELF files and on this executable.  Run
 * from the repo root. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lt_elf.h"
#include "lt_procfs.h"
#include "test_util.h"

#define FIX "tests/fixtures/proc/"
#define KiB 1024
#define MiB (1024 * 1024)
#define PF_KTHREAD 0x00200000u

static const char *argv0;

/* The fixture FIX/name, NUL-terminated; the caller frees it. */
static char *load(const char *name, size_t *len)
{
	return tu_load_fixture(FIX, name, len);
}

/* ---- status ---- */

static struct lt_proc_status status_of(const char *name)
{
	struct lt_proc_status st;
	size_t len;
	char *buf = load(name, &len);

	lt_proc_parse_status(buf, len, &st);
	free(buf);
	return st;
}

static void test_status_real(void **state)
{
	struct lt_proc_status st = status_of("status.sleep");

	(void)state;
	assert_int_equal(st.rss_anon, 112 * KiB);
	assert_int_equal(st.rss_file, 1640 * KiB);
	assert_int_equal(st.rss_shmem, 0);
	assert_int_equal(st.vm_data, 224 * KiB);
	assert_int_equal(st.threads, 1);
	assert_int_equal(st.tgid, 6021);
	assert_int_equal(st.state, 'S');

	st = status_of("status.threads");
	assert_int_equal(st.rss_anon, 6972 * KiB);
	assert_int_equal(st.rss_file, 6616 * KiB);
	assert_int_equal(st.rss_shmem, 4096 * KiB);
	assert_int_equal(st.vm_data, 41308 * KiB);
	assert_int_equal(st.threads, 5);
	assert_int_equal(st.state, 'R');
}

/* Zombies and kernel threads have no Vm or Rss lines at all. */
static void test_status_no_mm(void **state)
{
	struct lt_proc_status st = status_of("status.zombie");

	(void)state;
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.rss_anon, -1);
	assert_int_equal(st.vm_data, -1);
	assert_int_equal(st.threads, 1);
	st = status_of("status.kthread");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.tgid, 2);
	assert_int_equal(st.rss_file, -1);
}

/* Before Linux 4.5 there is no RssAnon/RssFile/RssShmem. */
static void test_status_old_kernel(void **state)
{
	struct lt_proc_status st = status_of("status.old_kernel");

	(void)state;
	assert_int_equal(st.rss_anon, -1);
	assert_int_equal(st.rss_file, -1);
	assert_int_equal(st.rss_shmem, -1);
	assert_int_equal(st.vm_data, INT64_C(4301240) * KiB);
	assert_int_equal(st.threads, 48);
	assert_int_equal(st.tgid, 1234);
}

static void test_status_truncated(void **state)
{
	struct lt_proc_status st = status_of("status.truncated");

	(void)state;
	assert_int_equal(st.rss_anon, 112 * KiB);
	assert_int_equal(st.rss_file, 1640 * KiB);
	assert_int_equal(st.rss_shmem, -1);
	assert_int_equal(st.vm_data, -1);
	assert_int_equal(st.threads, -1);
	/* "Threads:\t5" with no newline: could have been 50 */
	st = status_of("status.truncated_threads");
	assert_int_equal(st.rss_shmem, 4096 * KiB);
	assert_int_equal(st.threads, -1);
}

static void test_status_hostile(void **state)
{
	struct lt_proc_status st = status_of("status.hostile");

	(void)state;
	assert_int_equal(st.rss_anon, -1);  /* overflows int64 */
	assert_int_equal(st.rss_file, -1);  /* overflows once in bytes */
	assert_int_equal(st.rss_shmem, -1); /* "MB" */
	assert_int_equal(st.vm_data, -1);   /* no colon */
	assert_int_equal(st.threads, -1);   /* "abc" */
	assert_int_equal(st.tgid, -1);      /* negative */
	assert_int_equal(st.state, 0);
	lt_proc_parse_status("", 0, &st);
	assert_int_equal(st.threads, -1);
}

/* ---- smaps_rollup, io ---- */

static void test_rollup(void **state)
{
	struct lt_proc_rollup ru;
	size_t len;
	char *buf;

	(void)state;
	buf = load("smaps_rollup", &len);
	lt_procfs_parse_rollup(buf, len, &ru);
	assert_int_equal(ru.pss, 319 * KiB);
	assert_int_equal(ru.swap, 0);
	free(buf);
	/* Pss_Anon/Pss_Dirty before Pss, SwapPss before Swap */
	buf = load("smaps_rollup.swapped", &len);
	lt_procfs_parse_rollup(buf, len, &ru);
	assert_int_equal(ru.pss, 500224 * KiB);
	assert_int_equal(ru.swap, 65536 * KiB);
	free(buf);
	buf = load("smaps_rollup.truncated", &len);
	lt_procfs_parse_rollup(buf, len, &ru);
	assert_int_equal(ru.pss, 500224 * KiB);
	assert_int_equal(ru.swap, -1);
	free(buf);
}

static void io_file(const char *name, int64_t wb, int64_t wchar)
{
	struct lt_proc_io io;
	size_t len;
	char *buf = load(name, &len);

	lt_procfs_parse_io(buf, len, &io);
	assert_int_equal(io.write_bytes, wb);
	assert_int_equal(io.wchar, wchar);
	free(buf);
}

static void test_io(void **state)
{
	(void)state;
	io_file("io", 0, 0);
	io_file("io.writer", 3162112, 3149384);
	io_file("io.truncated", -1, 42);
	io_file("io.huge", INT64_MAX, -1);
}

/* ---- maps ---- */

static void maps_file(const char *name, int64_t count, int64_t heap)
{
	struct lt_proc_maps m;
	size_t len;
	char *buf = load(name, &len);

	lt_procfs_parse_maps(buf, len, &m);
	assert_int_equal(m.count, count);
	assert_int_equal(m.heap, heap);
	free(buf);
}

static void test_maps(void **state)
{
	(void)state;
	maps_file("maps.heap", 37, 0x555e1fde8000 - 0x555e1fdc7000);
	maps_file("maps.noheap", 23, 0);
	/* Counted: the 5 well-formed lines.  Heap: two real [heap] lines;
	 * not "/tmp/evil [heap]", "[heap]x", end < start, or the cut last
	 * line. */
	maps_file("maps.hostile", 5, 0x21000 + 0x1000);
	maps_file("status.sleep", 0, 0);
}

/* stat: test_proc.c (lt_proc_parse_stat). */

/* ---- fd links ---- */

static void test_fd_classify(void **state)
{
	static const struct {
		const char *name;
		int id;
	} classes[] = {
		{"socket", LT_M_FD_SOCKET}, {"pipe", LT_M_FD_PIPE},
		{"anon", LT_M_FD_ANON},     {"other", LT_M_FD_OTHER},
		{"path", -1},
	};
	size_t len;
	char *buf = load("fd_links", &len), *line = buf, *nl;
	int cases = 0;

	(void)state;
	for (; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		char *tab = memchr(line, '\t', (size_t)(nl - line));
		int expect = -2;

		if (line[0] == '#' || !tab)
			continue;
		for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
			if ((size_t)(tab - line) == strlen(classes[i].name) &&
			    memcmp(line, classes[i].name, (size_t)(tab - line)) == 0)
				expect = classes[i].id;
		assert_int_not_equal(expect, -2);
		if (lt_procfs_fd_classify(tab + 1, (size_t)(nl - tab - 1)) != expect)
			fail_msg("fd link \"%.*s\": expected %.*s",
				 (int)(nl - tab - 1), tab + 1,
				 (int)(tab - line), line);
		cases++;
	}
	assert_true(cases >= 20);
	free(buf);
}

/* ---- the live sampler on this process ---- */

static struct lt_sample sample_pid(lt_procfs *p)
{
	struct lt_sample s;
	lt_err err = {0, ""};

	memset(&s, 0, sizeof(s));
	if (lt_procfs_sample(p, &s, &err) < 0)
		fail_msg("sample: %s", err.msg);
	return s;
}

static int64_t need(const struct lt_sample *s, int id)
{
	if (!lt_sample_has(s, id))
		fail_msg("metric %s not measured", lt_metric_def(id)->key);
	return s->v[id];
}

static void test_sample_self(void **state)
{
	lt_err err = {0, ""};
	lt_procfs *p = lt_procfs_new(getpid(), &err);
	struct lt_sample s;
	int64_t kinds = 0;

	(void)state;
	if (!p)
		fail_msg("%s", err.msg);
	s = sample_pid(p);
	assert_true(need(&s, LT_M_THREADS) >= 1);
	assert_true(need(&s, LT_M_FDS) >= 3);
	assert_true(need(&s, LT_M_RSS_ANON) > 0);
	assert_true(need(&s, LT_M_RSS_FILE) > 0);
	assert_true(need(&s, LT_M_RSS_SHMEM) >= 0);
	assert_true(need(&s, LT_M_VM_DATA) >= need(&s, LT_M_RSS_ANON) / 2);
	assert_true(need(&s, LT_M_PSS) > 0);
	assert_true(need(&s, LT_M_SWAP) >= 0);
	assert_true(need(&s, LT_M_MAPS) >= 5);
	assert_true(need(&s, LT_M_HEAP_MAP) >= 0);
	assert_true(need(&s, LT_M_WCHAR) >= 0);
	assert_true(need(&s, LT_M_WRITE_BYTES) >= 0);
	for (int id = LT_M_FD_FILE; id <= LT_M_FD_OTHER; id++)
		kinds += need(&s, id);
	assert_int_equal(kinds, s.v[LT_M_FDS]);
	/* The cgroup is optional: when there is one, its metrics are set. */
	if (lt_procfs_cgroup(p)) {
		assert_null(lt_procfs_cgroup_reason(p));
		assert_true(need(&s, LT_M_CG_USAGE) > 0);
	} else {
		assert_non_null(lt_procfs_cgroup_reason(p));
		assert_false(lt_sample_has(&s, LT_M_CG_USAGE));
	}
	lt_procfs_free(p);
	lt_procfs_free(NULL);
}

/* A fresh regular file, then unlinked: still a regular file. */
static int deleted_file(void)
{
	char path[] = "/tmp/lt_procfs_test.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

static void test_sample_fd_kinds(void **state)
{
	lt_err err = {0, ""};
	lt_procfs *p = lt_procfs_new(getpid(), &err);
	struct lt_sample a, b, c;
	int fds[16], n = 0, pfd[2], sv[2];

	(void)state;
	assert_non_null(p);
	a = sample_pid(p);
	fds[n++] = deleted_file();                           /* file */
	fds[n++] = open("/proc/self/exe", O_RDONLY);         /* file */
	assert_int_equal(pipe(pfd), 0);                      /* 2 pipes */
	fds[n++] = pfd[0];
	fds[n++] = pfd[1];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fds[n++] = sv[0];
	fds[n++] = sv[1];
	fds[n++] = socket(AF_INET, SOCK_DGRAM, 0);           /* 3 sockets */
	fds[n++] = eventfd(0, 0);                            /* anon */
	fds[n++] = open("/dev/null", O_RDONLY);              /* other */
	fds[n++] = open("/", O_RDONLY | O_DIRECTORY);        /* other */
	fds[n++] = memfd_create("lt-test", 0);               /* other */
	for (int i = 0; i < n; i++)
		assert_true(fds[i] >= 0);
	b = sample_pid(p);
	assert_int_equal(need(&b, LT_M_FDS) - need(&a, LT_M_FDS), n);
	assert_int_equal(b.v[LT_M_FD_FILE] - a.v[LT_M_FD_FILE], 2);
	assert_int_equal(b.v[LT_M_FD_PIPE] - a.v[LT_M_FD_PIPE], 2);
	assert_int_equal(b.v[LT_M_FD_SOCKET] - a.v[LT_M_FD_SOCKET], 3);
	assert_int_equal(b.v[LT_M_FD_ANON] - a.v[LT_M_FD_ANON], 1);
	assert_int_equal(b.v[LT_M_FD_OTHER] - a.v[LT_M_FD_OTHER], 3);
	/* Reuse the numbers with other kinds: the per-fd cache must not
	 * keep the old answer. */
	for (int i = 0; i < n; i++)
		close(fds[i]);
	c = sample_pid(p);
	assert_int_equal(c.v[LT_M_FDS], a.v[LT_M_FDS]);
	assert_int_equal(c.v[LT_M_FD_FILE], a.v[LT_M_FD_FILE]);
	assert_int_equal(c.v[LT_M_FD_OTHER], a.v[LT_M_FD_OTHER]);
	fds[0] = open("/", O_RDONLY | O_DIRECTORY);
	fds[1] = deleted_file();
	c = sample_pid(p);
	assert_int_equal(c.v[LT_M_FD_FILE] - a.v[LT_M_FD_FILE], 1);
	assert_int_equal(c.v[LT_M_FD_OTHER] - a.v[LT_M_FD_OTHER], 1);
	close(fds[0]);
	close(fds[1]);
	lt_procfs_free(p);
}

static pthread_barrier_t barrier;

static void *parked(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&barrier); /* started */
	pthread_barrier_wait(&barrier); /* released */
	return NULL;
}

static void test_sample_threads_memory_io(void **state)
{
	lt_err err = {0, ""};
	lt_procfs *p = lt_procfs_new(getpid(), &err);
	struct lt_sample a, b;
	pthread_t t[3];
	char *mem;
	int fd;

	(void)state;
	assert_non_null(p);
	a = sample_pid(p);
	pthread_barrier_init(&barrier, NULL, 4);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&t[i], NULL, parked, NULL), 0);
	pthread_barrier_wait(&barrier);
	mem = mmap(NULL, 64 * MiB, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(mem != MAP_FAILED);
	memset(mem, 1, 64 * MiB);
	fd = open("/dev/null", O_WRONLY);
	assert_true(fd >= 0);
	for (int i = 0; i < 16; i++)
		assert_int_equal(write(fd, mem, MiB), MiB);
	close(fd);
	b = sample_pid(p);
	assert_int_equal(need(&b, LT_M_THREADS) - need(&a, LT_M_THREADS), 3);
	assert_true(need(&b, LT_M_RSS_ANON) - need(&a, LT_M_RSS_ANON) >=
		    60 * MiB);
	assert_true(need(&b, LT_M_VM_DATA) - need(&a, LT_M_VM_DATA) >=
		    64 * MiB);
	assert_true(need(&b, LT_M_PSS) - need(&a, LT_M_PSS) >= 60 * MiB);
	assert_true(need(&b, LT_M_WCHAR) - need(&a, LT_M_WCHAR) >= 16 * MiB);
	assert_true(need(&b, LT_M_MAPS) > need(&a, LT_M_MAPS));
	pthread_barrier_wait(&barrier);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&barrier);
	munmap(mem, 64 * MiB);
	lt_procfs_free(p);
}

/* ---- check ---- */

static void check_rejects(pid_t pid, const char *why)
{
	lt_err err = {0, ""};

	assert_int_equal(lt_procfs_check(pid, NULL, &err), -1);
	assert_int_equal(err.code, LT_EXIT_TARGET);
	if (!strstr(err.msg, why))
		fail_msg("pid %d: expected \"%s\" in \"%s\"", (int)pid, why,
			 err.msg);
}

static pid_t unused_pid(void)
{
	for (pid_t pid = 4194000; pid > 1000; pid -= 7)
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return pid;
	fail_msg("no unused pid found");
	return -1;
}

static pid_t thread_tid;

static void *report_tid(void *arg)
{
	(void)arg;
	thread_tid = gettid();
	pthread_barrier_wait(&barrier);
	pthread_barrier_wait(&barrier);
	return NULL;
}

static void test_check_self_and_thread(void **state)
{
	lt_err err = {0, ""};
	pid_t tgid = 0;
	pthread_t t;

	(void)state;
	assert_int_equal(lt_procfs_check(getpid(), &tgid, &err), 0);
	assert_int_equal(tgid, getpid());
	pthread_barrier_init(&barrier, NULL, 2);
	assert_int_equal(pthread_create(&t, NULL, report_tid, NULL), 0);
	pthread_barrier_wait(&barrier);
	assert_int_not_equal(thread_tid, getpid());
	tgid = 0;
	assert_int_equal(lt_procfs_check(thread_tid, &tgid, &err), 0);
	assert_int_equal(tgid, getpid());
	pthread_barrier_wait(&barrier);
	pthread_join(t, NULL);
	pthread_barrier_destroy(&barrier);
}

static void test_check_rejects(void **state)
{
	char buf[1024], msg[64];
	FILE *f = fopen("/proc/2/stat", "r");
	unsigned long flags = 0;
	pid_t none = unused_pid();

	(void)state;
	snprintf(msg, sizeof(msg), "no such process: %d", (int)none);
	check_rejects(none, msg);
	check_rejects(0, "no such process: 0");
	check_rejects(-1, "no such process");
	/* kthreadd, unless this is a pid namespace where 2 is something
	 * else: decide with a parse independent of the one under test. */
	if (f && fgets(buf, sizeof(buf), f) && strrchr(buf, ')') &&
	    sscanf(strrchr(buf, ')') + 2, "%*c %*d %*d %*d %*d %*d %lu",
		   &flags) == 1 &&
	    (flags & PF_KTHREAD))
		check_rejects(2, "2 is a kernel thread: it has no user memory");
	else
		print_message("pid 2 is not a kernel thread here; skipped\n");
	if (f)
		fclose(f);
}

/* Polls until pid's state letter in /proc/pid/stat is c. */
static void wait_state(pid_t pid, char c)
{
	char path[64], buf[512];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (int i = 0; i < 500; i++) {
		FILE *f = fopen(path, "r");
		char *rp;

		if (f && fgets(buf, sizeof(buf), f) &&
		    (rp = strrchr(buf, ')')) != NULL && rp[1] == ' ' &&
		    rp[2] == c) {
			fclose(f);
			return;
		}
		if (f)
			fclose(f);
		usleep(10000);
	}
	fail_msg("pid %d never reached state %c", (int)pid, c);
}

static void test_check_zombie(void **state)
{
	char msg[64];
	pid_t pid = fork();

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	wait_state(pid, 'Z');
	snprintf(msg, sizeof(msg), "%d is a zombie (exited, not yet reaped",
		 (int)pid);
	check_rejects(pid, msg);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	snprintf(msg, sizeof(msg), "no such process: %d", (int)pid);
	check_rejects(pid, msg);
}

/* A child that drops to nobody may not read root's memory statistics. */
static void test_check_permission(void **state)
{
	pid_t parent = getpid(), pid;
	int status;

	(void)state;
	if (geteuid() != 0) {
		struct stat st;

		/* Not root: init, when someone else's, is unreadable. */
		if (stat("/proc/1", &st) < 0 || st.st_uid == geteuid()) {
			print_message("no unreadable target available\n");
			skip();
		}
		check_rejects(1, "permission denied reading /proc/1/smaps_rollup"
				 ": run leaktop as the target's user or as root");
		return;
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		lt_err err = {0, ""};
		char want[128];

		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(2);
		snprintf(want, sizeof(want),
			 "permission denied reading /proc/%d/smaps_rollup: run "
			 "leaktop as the target's user or as root",
			 (int)parent);
		if (lt_procfs_check(parent, NULL, &err) == 0)
			_exit(3);
		_exit(err.code == LT_EXIT_TARGET &&
			      strcmp(err.msg, want) == 0 ? 0 : 4);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- sampling a process that goes away ---- */

static void test_sample_exit(void **state)
{
	lt_err err = {0, ""};
	struct lt_sample s;
	char msg[64];
	lt_procfs *p;
	pid_t pid = fork();

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	p = lt_procfs_new(pid, &err);
	assert_non_null(p);
	s = sample_pid(p);
	assert_int_equal(need(&s, LT_M_THREADS), 1);
	kill(pid, SIGKILL);
	wait_state(pid, 'Z');
	snprintf(msg, sizeof(msg), "process %d exited", (int)pid);
	memset(&s, 0, sizeof(s));
	assert_int_equal(lt_procfs_sample(p, &s, &err), -1);
	assert_int_equal(err.code, LT_EXIT_TARGET);
	assert_string_equal(err.msg, msg);
	assert_int_equal(s.have, 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	err.code = 0;
	assert_int_equal(lt_procfs_sample(p, &s, &err), -1);
	assert_int_equal(err.code, LT_EXIT_TARGET);
	assert_string_equal(err.msg, msg);
	lt_procfs_free(p);
	assert_null(lt_procfs_new(pid, &err));
	assert_int_equal(err.code, LT_EXIT_TARGET);
}

/* ---- target info and build-id ---- */

/* The build-id of an ELF image by a walk of its program headers, written
 * apart from lt_elf so that the two can check each other. */
static int naive_build_id(const char *path, char *hex)
{
	size_t len;
	unsigned char *img = (unsigned char *)tu_read_file(path, &len);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
	int found = 0;

	for (int i = 0; i < eh->e_phnum && !found; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(img + eh->e_phoff +
							    (size_t)i * eh->e_phentsize);
		size_t off = ph->p_offset, end = ph->p_offset + ph->p_filesz;

		while (ph->p_type == PT_NOTE && off + sizeof(Elf64_Nhdr) <= end) {
			const Elf64_Nhdr *nh = (const Elf64_Nhdr *)(img + off);
			size_t name = off + sizeof(*nh);
			size_t desc = name + ((nh->n_namesz + 3) & ~3u);

			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    memcmp(img + name, "GNU", 4) == 0) {
				for (size_t k = 0; k < nh->n_descsz; k++)
					sprintf(hex + 2 * k, "%02x", img[desc + k]);
				found = 1;
				break;
			}
			off = desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
	free(img);
	return found;
}

/* Compared with what the kernel gives through a /proc/PID directory fd:
 * valgrind rewrites readlink("/proc/self/exe") and opens of
 * /proc/self/cmdline to show its client, not what an outside observer sees. */
static void test_target_info_self(void **state)
{
	struct lt_target_info ti;
	char exe[PATH_MAX], comm[64], naive[256], dir[32];
	lt_err err = {0, ""};
	FILE *f;
	ssize_t n;
	int dfd;

	(void)state;
	assert_int_equal(lt_procfs_target_info(getpid(), &ti, &err), 0);
	snprintf(dir, sizeof(dir), "/proc/%d", (int)getpid());
	dfd = open(dir, O_PATH | O_DIRECTORY);
	assert_true(dfd >= 0);
	n = readlinkat(dfd, "exe", exe, sizeof(exe) - 1);
	close(dfd);
	assert_true(n > 0);
	exe[n] = '\0';
	assert_non_null(ti.exe);
	assert_string_equal(ti.exe, exe);
	snprintf(dir, sizeof(dir), "/proc/%d/comm", (int)getpid());
	f = fopen(dir, "r");
	assert_non_null(f);
	assert_non_null(fgets(comm, sizeof(comm), f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	assert_non_null(ti.comm);
	assert_string_equal(ti.comm, comm);
	assert_non_null(ti.cmdline);
	assert_non_null(strstr(ti.cmdline, argv0));
	/* The same path the implementation opens; the parse is independent. */
	snprintf(dir, sizeof(dir), "/proc/%d/exe", (int)getpid());
	if (naive_build_id(dir, naive)) {
		assert_non_null(ti.build_id);
		assert_string_equal(ti.build_id, naive);
	} else {
		assert_null(ti.build_id);
	}
	lt_procfs_target_info_free(&ti);
	assert_null(ti.exe);
	lt_procfs_target_info_free(NULL);
	assert_int_equal(lt_procfs_target_info(unused_pid(), &ti, &err), -1);
	assert_int_equal(err.code, LT_EXIT_TARGET);
	assert_null(ti.cmdline);
}

static void test_target_info_cmdline(void **state)
{
	struct lt_target_info ti;
	lt_err err = {0, ""};
	pid_t pid = fork();

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Own group, so the kill below also reaches sh's sleep. */
		setpgid(0, 0);
		/* "; exit" keeps sh from exec'ing sleep in its place */
		execl("/bin/sh", "sh", "-c", "sleep 30; exit 0", "two words",
		      "line\nbreak", (char *)NULL);
		_exit(127);
	}
	/* Wait for the exec to have happened: comm changes before the new
	 * argv is visible in cmdline, so wait for both. */
	for (int i = 0; i < 500; i++) {
		assert_int_equal(lt_procfs_target_info(pid, &ti, &err), 0);
		if (ti.comm && strcmp(ti.comm, "sh") == 0 && ti.cmdline &&
		    strncmp(ti.cmdline, "sh -c", 5) == 0)
			break;
		lt_procfs_target_info_free(&ti);
		usleep(10000);
	}
	assert_non_null(ti.comm);
	assert_string_equal(ti.comm, "sh");
	assert_non_null(ti.cmdline);
	assert_string_equal(ti.cmdline,
			    "sh -c sleep 30; exit 0 two words line?break");
	assert_non_null(ti.exe);
	assert_non_null(strstr(ti.exe, "sh"));
	lt_procfs_target_info_free(&ti);
	kill(-pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* A minimal ELF64 with one PT_NOTE and no section headers. */
static char *write_elf(uint32_t namesz, uint32_t descsz, int magic_ok)
{
	static char path[64];
	unsigned char img[256];
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof(*eh));
	Elf64_Nhdr *nh = (Elf64_Nhdr *)(img + sizeof(*eh) + sizeof(*ph));
	static const unsigned char id[8] = {0xde, 0xad, 0xbe, 0xef,
					    0x00, 0x01, 0x02, 0x03};
	size_t note = sizeof(*eh) + sizeof(*ph), size = note + 24;
	int fd;

	memset(img, 0, sizeof(img));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	if (!magic_ok)
		eh->e_ident[1] = 'X';
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 1;
	ph->p_type = PT_NOTE;
	ph->p_offset = note;
	ph->p_filesz = 24;
	ph->p_align = 4;
	nh->n_namesz = namesz;
	nh->n_descsz = descsz;
	nh->n_type = NT_GNU_BUILD_ID;
	memcpy(img + note + sizeof(*nh), "GNU", 4);
	memcpy(img + note + sizeof(*nh) + 4, id, sizeof(id));
	strcpy(path, "/tmp/lt_elf_test.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, img, size), (ssize_t)size);
	close(fd);
	return path;
}

static void expect_no_id(const char *path, size_t len, const char *why)
{
	char hex[64] = "unchanged";
	lt_err err = {0, ""};

	assert_int_equal(lt_elf_build_id(path, hex, len, &err), -1);
	assert_int_equal(err.code, LT_EXIT_ERROR);
	if (len > 0)
		assert_string_equal(hex, "");
	if (!strstr(err.msg, why))
		fail_msg("%s: expected \"%s\" in \"%s\"", path, why, err.msg);
}

static void test_elf_build_id(void **state)
{
	char hex[64], *path;
	lt_err err = {0, ""};

	(void)state;
	path = write_elf(4, 8, 1);
	assert_int_equal(lt_elf_build_id(path, hex, sizeof(hex), &err), 0);
	assert_string_equal(hex, "deadbeef00010203");
	expect_no_id(path, 16, "does not fit"); /* needs 17 */
	assert_int_equal(lt_elf_build_id(path, hex, 17, &err), 0);
	unlink(path);

	path = write_elf(4, 0x10000, 1); /* descriptor past the segment */
	expect_no_id(path, sizeof(hex), "build-id");
	unlink(path);
	path = write_elf(0xfffffff0u, 8, 1); /* name past the segment */
	expect_no_id(path, sizeof(hex), "no GNU build-id note");
	unlink(path);
	path = write_elf(4, 8, 0);
	expect_no_id(path, sizeof(hex), "not an ELF file");
	unlink(path);
	expect_no_id("/nonexistent/lt", sizeof(hex), "cannot open");
	expect_no_id(FIX "status.sleep", sizeof(hex), "not an ELF file");
}

/* The first 100 bytes of a real executable: headers point past the end. */
static void test_elf_truncated(void **state)
{
	char path[] = "/tmp/lt_elf_trunc.XXXXXX", buf[100];
	int in = open("/proc/self/exe", O_RDONLY), out = mkstemp(path);

	(void)state;
	assert_true(in >= 0 && out >= 0);
	assert_int_equal(read(in, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	assert_int_equal(write(out, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	close(in);
	close(out);
	expect_no_id(path, 64, "");
	unlink(path);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_real),
		cmocka_unit_test(test_status_no_mm),
		cmocka_unit_test(test_status_old_kernel),
		cmocka_unit_test(test_status_truncated),
		cmocka_unit_test(test_status_hostile),
		cmocka_unit_test(test_rollup),
		cmocka_unit_test(test_io),
		cmocka_unit_test(test_maps),
		cmocka_unit_test(test_fd_classify),
		cmocka_unit_test(test_sample_self),
		cmocka_unit_test(test_sample_fd_kinds),
		cmocka_unit_test(test_sample_threads_memory_io),
		cmocka_unit_test(test_check_self_and_thread),
		cmocka_unit_test(test_check_rejects),
		cmocka_unit_test(test_check_zombie),
		cmocka_unit_test(test_check_permission),
		cmocka_unit_test(test_sample_exit),
		cmocka_unit_test(test_target_info_self),
		cmocka_unit_test(test_target_info_cmdline),
		cmocka_unit_test(test_elf_build_id),
		cmocka_unit_test(test_elf_truncated),
	};

	(void)argc;
	argv0 = argv[0];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
