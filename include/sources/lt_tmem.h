/* Reading another process's memory and mappings from outside, for the
 * reachability scan (lt_reach).  Everything read here is hostile input: the
 * target runs on while we read, and may have scribbled over anything.
 * Nothing is ever written into the target.
 *
 * Reads go through process_vm_readv, in as few calls as possible; when it
 * is not allowed (an old kernel, a seccomp profile) through pread of
 * /proc/PID/mem. */
#ifndef LT_TMEM_H
#define LT_TMEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lt_err.h"

/* One line of /proc/PID/maps. */
struct lt_tmem_map {
	uint64_t lo, hi;       /* [lo, hi) */
	char perm[5];          /* "rw-p", NUL-terminated */
	char path[112];        /* "" for anonymous; cut short if longer */
};

typedef struct lt_tmem lt_tmem;

/* Opens pid for reading: checks that process_vm_readv works on it, else
 * opens /proc/PID/mem.  Returns the handle (free with lt_tmem_free), or
 * NULL with err (LT_EXIT_TARGET: no such process, or no permission). */
lt_tmem *lt_tmem_open(pid_t pid, lt_err *err);

/* NULL-safe. */
void lt_tmem_free(lt_tmem *m);

/* "process_vm_readv" or "/proc/PID/mem".  This function can't fail. */
const char *lt_tmem_via(const lt_tmem *m);

/* Reads [addr, addr + len) into buf.  Returns how many bytes were read
 * from the start: len, or fewer when a page is unmapped or unreadable
 * (the rest of buf is then zeroed).  Bytes read are counted in
 * lt_tmem_bytes.  This function can't fail otherwise. */
size_t lt_tmem_read(lt_tmem *m, uint64_t addr, void *buf, size_t len);

/* Reads the 8-byte words at addr[0..n) into out[0..n), in as few system
 * calls as it can (1024 words a call).  A word that cannot be read is 0
 * and counted in the return value.  This function can't fail otherwise. */
size_t lt_tmem_read_words(lt_tmem *m, const uint64_t *addr, uint64_t *out,
			  size_t n);

/* Bytes read so far.  This function can't fail. */
uint64_t lt_tmem_bytes(const lt_tmem *m);

/* The mappings of pid (read with lt_proc), sorted by address, in a new
 * array (*n entries) the caller frees.  Returns 0, or -1 with err (the
 * process is gone). */
int lt_tmem_maps(pid_t pid, struct lt_tmem_map **maps, size_t *n,
		 lt_err *err);

/* The index of the mapping holding addr, or -1.  This function can't
 * fail. */
long lt_tmem_map_find(const struct lt_tmem_map *maps, size_t n,
		      uint64_t addr);

#endif
