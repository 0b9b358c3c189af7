/* Code addresses of a live process turned into function, file:line and
 * module, with libdw.
 *
 * Only this module and lt_unwind include libdw.  Module files are read from
 * the target's own mount namespace (/proc/PID/root/...); separate debug
 * files are looked up by build-id under /usr/lib/debug/.build-id, locally
 * only (never from a debuginfod server, even when DEBUGINFOD_URLS is set:
 * a network fetch would stall the sampling loop).  Results are cached per
 * address, so resolving the same stacks every tick costs a hash lookup per
 * frame after the first time. */
#ifndef LT_SYMBOLS_H
#define LT_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lt_err.h"

/* One function at an address.  Strings are owned by the lt_symbols and
 * stay valid until lt_symbols_free (also across lt_symbols_refresh). */
struct lt_sym {
	const char *function; /* demangled when possible; NULL if unknown */
	const char *file;     /* source file, NULL if unknown */
	int line;             /* 0 if unknown */
	const char *module;   /* path of the mapped file as the target sees it,
				 "[vdso]", or NULL when pc is in no module */
	uint64_t module_addr; /* pc - load bias: the ELF virtual address, as
				 addr2line -e MODULE takes it; pc if no module */
	const char *build_id; /* lowercase hex, NULL if unknown */
};

typedef struct lt_symbols lt_symbols;

/* A symbolizer for process pid, with the modules mapped now.  Files are
 * opened lazily, at the first address in them.  Returns NULL with
 * LT_EXIT_TARGET when the process is gone, LT_EXIT_ERROR otherwise. */
lt_symbols *lt_symbols_new(pid_t pid, lt_err *err);
void lt_symbols_free(lt_symbols *s); /* NULL-safe */

/* Resolves pc into out[0..max) and returns how many entries it filled
 * (>= 1 when max >= 1): one per function at pc, innermost first, i.e. the
 * functions inlined at pc and last the one the code belongs to; each entry
 * has the same module, module_addr and build_id.  activation 0 means pc is
 * a return address: it is looked up at pc - 1, inside the call.  An
 * address in no module or without symbols gives one entry with function
 * NULL.  This function can't fail. */
size_t lt_symbols_resolve(lt_symbols *s, uint64_t pc, int activation,
			  struct lt_sym *out, size_t max);

/* The ELF symbol (not demangled) and the module path at pc, looked up
 * like lt_symbols_resolve's but from the symbol table alone: no DWARF is
 * read, so it is fast on a module not met before (the injector asks this
 * while it holds a thread of the target stopped).  *function and *module
 * are NULL when unknown; they stay valid as long as s.  This function
 * can't fail. */
void lt_symbols_name(lt_symbols *s, uint64_t pc, int activation,
		     const char **function, const char **module);

/* Call when the target's modules may have changed (dlopen, dlclose; see
 * lt_thread_tick.maps_changed): if its executable mappings differ from
 * those last read, re-reads the modules and forgets cached addresses;
 * otherwise costs one read of /proc/PID/maps.  Keeps the old modules if
 * the process is gone.  This function can't fail. */
void lt_symbols_refresh(lt_symbols *s);

/* Opens the file of the module that the target pid maps under name (a path
 * in /proc/PID/maps), through /proc/PID/root, read-only; only a regular
 * file (a mapped device could block).  Returns the descriptor and, when
 * path is not NULL, stores the path opened in *path (malloc'd; the caller
 * frees it); -1 with errno when it cannot be opened. */
int lt_symbols_open_module(pid_t pid, const char *name, char **path);

/* A 64-bit hash of the executable mappings in /proc/PID/maps: it changes
 * with a dlopen or dlclose, not with the constant churn of anonymous
 * memory.  Returns 0, or -1 with errno (ENOENT, ESRCH: process gone). */
int lt_symbols_maps_hash(pid_t pid, uint64_t *out);

#endif
