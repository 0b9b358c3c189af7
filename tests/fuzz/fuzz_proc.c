/* Fuzzes the parsers of /proc files (src/sources/proc.c, procfs.c and the
 * bounded text helpers of src/base/text.c they use): a target chooses its
 * name, and a read racing its exit cuts any file short.
 *
 * Input: one byte choosing the parser, then the file's text (never
 * NUL-terminated: the parsers take a length).  Beyond not crashing, each
 * parser's documented promises are checked: a comm is NUL-terminated and
 * printable, a map's path lies inside its line, a streamed line is never
 * longer than the buffer. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "lt_proc.h"
#include "lt_procfs.h"

static void check(int ok)
{
	if (!ok)
		abort();
}

static void stat_(const char *b, size_t n)
{
	struct lt_proc_stat st;

	if (lt_proc_parse_stat(b, n, &st) == 0) {
		size_t k = strnlen(st.comm, sizeof(st.comm));

		check(k < sizeof(st.comm));
		for (size_t i = 0; i < k; i++)
			check((unsigned char)st.comm[i] >= 0x20 && st.comm[i] != 0x7f);
	}
}

static void maps(const char *b, size_t n)
{
	struct lt_lines it;
	const char *l;
	size_t len;
	struct lt_proc_maps pm;

	lt_lines_init(&it, b, n);
	while (lt_lines_next(&it, &l, &len)) {
		struct lt_proc_map m;

		check(l >= b && l + len <= b + n);
		if (lt_proc_parse_map(l, len, &m) == 0) {
			check(m.end >= m.start && strlen(m.perms) <= 4);
			check(m.path >= l && m.path + m.pathlen <= l + len);
		}
	}
	lt_procfs_parse_maps(b, n, &pm);
	check(pm.count >= 0 && pm.heap >= 0);
}

static void status(const char *b, size_t n)
{
	struct lt_proc_status st;
	struct lt_proc_rollup r;
	struct lt_proc_io io;
	struct lt_lines it;
	const char *l;
	size_t len;
	int64_t v;

	lt_proc_parse_status(b, n, &st);
	lt_procfs_parse_rollup(b, n, &r);
	lt_procfs_parse_io(b, n, &io);
	lt_lines_init(&it, b, n);
	while (lt_lines_next(&it, &l, &len)) {
		lt_proc_key_num(l, len, "VmRSS", 1, &v);
		lt_proc_key_num(l, len, "Threads", 0, &v);
	}
}

static void numbers(const char *b, size_t n)
{
	size_t i = 0;
	int64_t d;
	uint64_t h;

	while (i < n) {
		size_t at = i;

		if (lt_text_dec(b, n, &i, &d) == 0)
			check(d >= 0 && i > at && i <= n);
		else if (lt_text_hex(b, n, &i, &h) == 0)
			check(i > at && i <= n);
		else
			i++;
		lt_text_skip_blanks(b, n, &i);
	}
	lt_text_dec_all(b, n, &d);
	lt_proc_parse_syscall(b, n);
	lt_procfs_parse_nofile(b, n);
	lt_procfs_fd_classify(b, n);
	free(lt_text_span_dup(b, n));
}

/* lt_proc_lines over a file holding the text, through a buffer of 1..64
 * bytes (the first byte of the text), so lines longer than it are cut. */
static void stream(const char *b, size_t n)
{
	struct lt_proc_lines s;
	char buf[64], path[64];
	size_t cap = n ? 1 + (unsigned char)b[0] % sizeof(buf) : 1;
	const char *l;
	size_t len;
	int cut, fd = memfd_create("fuzz_proc", MFD_CLOEXEC);

	if (fd < 0 || (n && write(fd, b, n) != (ssize_t)n))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (lt_proc_lines_open(&s, AT_FDCWD, 0, path, buf, cap) < 0)
		abort();
	while (lt_proc_lines_next(&s, &l, &len, &cut) == 1)
		check(len <= cap && l >= buf && l + len <= buf + cap &&
		      (!cut || len == cap));
	lt_proc_lines_close(&s);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = {data, size};
	unsigned which = fz_u8(&in);
	const char *b = (const char *)in.p;

	switch (which % 5) {
	case 0: stat_(b, in.n); break;
	case 1: maps(b, in.n); break;
	case 2: status(b, in.n); break;
	case 3: numbers(b, in.n); break;
	case 4: stream(b, in.n); break;
	}
	return 0;
}
