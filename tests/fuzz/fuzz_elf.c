/* Fuzzes the ELF and DWARF helpers (src/sources/elf.c, golayout.c): the
 * target's executable and libraries are files its owner wrote.
 *
 * Input: the file.  It is put in a memfd and read by every helper: the
 * build-id (by path, as for a module in /proc/PID/maps), the dynamic
 * symbol lookup of the injector, the program kind, and the Go runtime's
 * layout from DWARF (libdw).  What the layout returns must keep the
 * promises lt_goread relies on: every runtime.g field inside runtime.g,
 * at most 8 bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "lt_elf.h"
#include "lt_golayout.h"

static void check(int ok)
{
	if (!ok)
		abort();
}

static void field_ok(const struct lt_gofield *f, size_t st_size)
{
	check(f->size <= 8 && f->off <= st_size && st_size - f->off >= f->size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz_elf", MFD_CLOEXEC);
	char path[64], hex[41];
	struct lt_elf_program prog;
	struct lt_golayout l;
	uint64_t value, vaddr;

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (lt_elf_build_id(path, hex, sizeof(hex), NULL) == 0)
		check(strlen(hex) > 0 && strlen(hex) < sizeof(hex));
	else
		check(hex[0] == '\0');
	lt_elf_dynsym(fd, "fuzz", "malloc", &value, &vaddr, NULL);
	lt_elf_program(fd, "fuzz", &prog, NULL);
	if (lt_golayout_read(fd, "fuzz", &l, NULL) == 0) {
		const struct lt_gofield *g[] = {
			&l.goid, &l.status, &l.waitreason, &l.waitsince, &l.gopc,
			&l.startpc, &l.sched_pc, &l.sched_sp, &l.sched_bp,
			&l.stack_lo, &l.stack_hi, &l.syscallpc,
		};

		check(l.g_size > 0 && l.wr_count <= LT_GO_WAITREASONS);
		for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++)
			field_ok(g[i], l.g_size);
		if (l.bucket_size) {
			field_ok(&l.b_allnext, l.bucket_size);
			field_ok(&l.b_nstk, l.bucket_size);
			field_ok(&l.mr_allocs, l.memrecord_size);
			field_ok(&l.mr_free_bytes, l.memrecord_size);
		}
		lt_golayout_free(&l);
	}
	close(fd);
	return 0;
}
