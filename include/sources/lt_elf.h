/* Facts about ELF files (the target's executable and, later, its libraries).
 *
 * The only module that includes libelf.  Files are read with pread, never
 * mmap'd: a file truncated under us must give an error, not a SIGBUS. */
#ifndef LT_ELF_H
#define LT_ELF_H

#include <stddef.h>
#include <stdint.h>

#include "lt_err.h"

/* Writes the GNU build-id of the ELF file at path (NT_GNU_BUILD_ID note,
 * looked up in SHT_NOTE sections, else in PT_NOTE segments) into hex as
 * lowercase hex digits and a NUL.  len is the size of hex; a 20-byte SHA-1 id
 * needs 41.  Returns 0, or -1 with LT_EXIT_ERROR when the file cannot be
 * opened, is not ELF, has no build-id note, has a malformed note, or the id
 * does not fit in len (hex is then an empty string when len > 0). */
int lt_elf_build_id(const char *path, char *hex, size_t len, lt_err *err);

/* Looks up the defined function name in the .dynsym of the ELF file open
 * at fd (what names it in messages): its st_value, and the vaddr of the
 * segment at file offset 0, so that the runtime address is
 * value + (load address of the file's first mapping - load_vaddr).
 * Returns 0, or -1 with LT_EXIT_ERROR. */
int lt_elf_dynsym(int fd, const char *what, const char *name,
		  uint64_t *value, uint64_t *load_vaddr, lt_err *err);

/* What kind of program an executable is. */
struct lt_elf_program {
	int has_interp;   /* PT_INTERP: dynamically linked */
	int dynamic;      /* PT_DYNAMIC */
	int go;           /* Go's sections (.go.buildinfo, .gopclntab ...) */
};

/* Fills out for the ELF file open at fd.  Returns 0, or -1 with
 * LT_EXIT_ERROR when it is not ELF. */
int lt_elf_program(int fd, const char *what, struct lt_elf_program *out,
		   lt_err *err);
#endif
