/* Symbolization of code addresses with lt_symbols, on this very process:
 * its functions' addresses are known here, so every answer can be checked
 * exactly (function, file:line, module, ELF address, build-id, inlined
 * frames, return-address adjustment, the cache, modules loaded later). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <link.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lt_elf.h"
#include "lt_symbols.h"

/* Present when the program links libstdc++ (see lt_symbols). */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len,
			    int *status);

static lt_symbols *syms;
static char self_exe[PATH_MAX];

static int ends_with(const char *s, const char *tail)
{
	size_t n = s ? strlen(s) : 0, m = strlen(tail);

	return s && n >= m && strcmp(s + n - m, tail) == 0;
}

/* ---- functions with known places ---- */

/* Its entry has the line of its name, brace or statement, by compiler. */
static const int known_fn_line = __LINE__ + 1;
__attribute__((noinline)) int known_fn(int x)
{
	return x * 3 + 1;
}

/* The caller's return address: an address just after a call. */
__attribute__((noinline)) void *return_address(void)
{
	return __builtin_return_address(0);
}

static const int caller_fn_line = __LINE__ + 4;
__attribute__((noinline)) void *caller_fn(void)
{
	void *(*volatile fn)(void) = return_address;
	void *ra = fn();

	__asm__ volatile("" ::: "memory"); /* the call is not the last insn */
	return ra;
}

#if defined(__x86_64__)
/* The address after an instruction of an always-inlined function (rip
 * is the next instruction's). */
static inline __attribute__((always_inline)) void *inlined_here(void)
{
	void *pc;

	__asm__ volatile("lea 0(%%rip), %0" : "=r"(pc));
	return pc;
}

static const int inline_call_line = __LINE__ + 4;
__attribute__((noinline)) void *outer_of_inline(void)
{
	__asm__ volatile("" ::: "memory");
	return inlined_here();
}
#endif

/* Load bias of the main program, as the dynamic linker applied it. */
static int find_bias(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	if (info->dlpi_name == NULL || info->dlpi_name[0] == '\0') {
		*(uint64_t *)arg = info->dlpi_addr;
		return 1;
	}
	return 0;
}

/* ---- tests ---- */

static void test_function_file_line_module(void **state)
{
	uint64_t pc = (uint64_t)(uintptr_t)known_fn, bias = 0;
	char build_id[129];
	struct lt_sym y[4];
	size_t n;
	(void)state;

	n = lt_symbols_resolve(syms, pc, 1, y, 4);
	assert_int_equal(n, 1);
	assert_string_equal(y[0].function, "known_fn");
	assert_true(ends_with(y[0].file, "test_symbols.c"));
	/* Compiled as tests/unit/test_symbols.c: the unit's DW_AT_comp_dir
	 * makes it absolute, readable from any current directory. */
	assert_true(y[0].file[0] == '/');
	assert_int_equal(access(y[0].file, R_OK), 0);
	assert_in_range(y[0].line, known_fn_line, known_fn_line + 3);
	assert_string_equal(y[0].module, self_exe);
	dl_iterate_phdr(find_bias, &bias);
	assert_int_equal(y[0].module_addr, pc - bias);
	assert_int_equal(lt_elf_build_id("/proc/self/exe", build_id,
					 sizeof(build_id), NULL), 0);
	assert_non_null(y[0].build_id);
	assert_string_equal(y[0].build_id, build_id);
}

static void test_return_address_is_looked_up_in_the_call(void **state)
{
	uint64_t ra = (uint64_t)(uintptr_t)caller_fn();
	struct lt_sym y[4];
	(void)state;

	/* ra - 1 is inside the call instruction, in caller_fn, on the line
	 * of the call. */
	assert_int_equal(lt_symbols_resolve(syms, ra, 0, y, 4), 1);
	assert_string_equal(y[0].function, "caller_fn");
	assert_int_equal(y[0].line, caller_fn_line);
	/* the same address taken as an activation keeps its own module
	 * address: the cache must not mix the two up */
	struct lt_sym a[4];

	lt_symbols_resolve(syms, ra - 1, 1, a, 4);
	assert_string_equal(a[0].function, "caller_fn");
	assert_int_equal(a[0].module_addr + 1, y[0].module_addr);
}

/* Names from the symbol table alone (the injector's safe-point check):
 * the function a PC is in, a return address looked up inside its call,
 * the module, and nothing for an address in no module. */
static void test_name_only(void **state)
{
	uint64_t ra = (uint64_t)(uintptr_t)caller_fn();
	const char *fn, *mod;
	(void)state;

	lt_symbols_name(syms, (uint64_t)(uintptr_t)known_fn, 1, &fn, &mod);
	assert_non_null(fn);
	assert_string_equal(fn, "known_fn");
	assert_string_equal(mod, self_exe);
	lt_symbols_name(syms, ra, 0, &fn, &mod);
	assert_string_equal(fn, "caller_fn");
	/* In libc, not interposed by a sanitizer. */
	lt_symbols_name(syms, (uint64_t)(uintptr_t)gnu_get_libc_version, 1, &fn, &mod);
	assert_non_null(mod);
	assert_non_null(strstr(mod, "libc"));
	assert_non_null(fn);
	assert_non_null(strstr(fn, "gnu_get_libc_version"));
	lt_symbols_name(syms, 8, 1, &fn, &mod);
	assert_null(fn);
	assert_null(mod);
}

static void test_inlined_frames(void **state)
{
#if defined(__x86_64__)
	uint64_t pc = (uint64_t)(uintptr_t)outer_of_inline();
	struct lt_sym y[4];
	size_t n;
	(void)state;

	/* pc follows the lea: as a return address it is looked up at pc - 1,
	 * inside the inlined code. */
	n = lt_symbols_resolve(syms, pc, 0, y, 4);
	assert_int_equal(n, 2);
	assert_string_equal(y[0].function, "inlined_here");
	assert_true(ends_with(y[0].file, "test_symbols.c"));
	assert_string_equal(y[1].function, "outer_of_inline");
	assert_int_equal(y[1].line, inline_call_line);
	assert_string_equal(y[1].module, y[0].module);
	/* max bounds the entries filled */
	assert_int_equal(lt_symbols_resolve(syms, pc, 0, y, 1), 1);
	assert_string_equal(y[0].function, "inlined_here");
#else
	(void)state;
	skip();
#endif
}

static void test_unknown_address(void **state)
{
	struct lt_sym y[2];
	(void)state;

	assert_int_equal(lt_symbols_resolve(syms, 0x10, 1, y, 2), 1);
	assert_null(y[0].function);
	assert_null(y[0].module);
	assert_null(y[0].file);
	assert_int_equal(y[0].module_addr, 0x10);
	assert_int_equal(lt_symbols_resolve(syms, 0x10, 1, y, 0), 0);
}

static void test_cache_is_cheap_and_stable(void **state)
{
	uint64_t pcs[3] = {(uint64_t)(uintptr_t)known_fn,
			   (uint64_t)(uintptr_t)caller_fn,
			   (uint64_t)(uintptr_t)&gnu_get_libc_version};
	struct lt_sym first[3], y;
	struct timespec a, b;
	double ns;
	(void)state;

	for (int i = 0; i < 3; i++)
		lt_symbols_resolve(syms, pcs[i], 1, &first[i], 1);
	/* in libc, another module (and not wrapped by the sanitizers) */
	assert_non_null(first[2].module);
	assert_true(strstr(first[2].module, "libc") != NULL);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 300000; i++) {
		lt_symbols_resolve(syms, pcs[i % 3], 1, &y, 1);
		/* the very same strings: interned, nothing looked up again */
		assert_ptr_equal(y.function, first[i % 3].function);
		assert_ptr_equal(y.module, first[i % 3].module);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 300000;
	/* A lookup in libdw takes microseconds; a cached one a hash probe
	 * (bound generous enough for sanitizer builds). */
	if (ns > 2000)
		fail_msg("cached resolve takes %.0f ns", ns);
}

static void test_refresh_sees_new_modules(void **state)
{
	struct link_map *lm = NULL;
	struct lt_sym y;
	uint64_t pc;
	void *h;
	(void)state;

	uint64_t h0, h1, h2;
	void *anon;

	/* Anonymous memory coming and going is not a module change. */
	assert_int_equal(lt_symbols_maps_hash(getpid(), &h0), 0);
	anon = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(anon != MAP_FAILED);
	assert_int_equal(lt_symbols_maps_hash(getpid(), &h1), 0);
	munmap(anon, 1 << 20);
	assert_int_equal(h0, h1);
	/* A library this program does not load by itself. */
	h = dlopen("libutil.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		h = dlopen("libdl.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		skip();
	/* An address in the library: its ELF header, always mapped. */
	assert_int_equal(dlinfo(h, RTLD_DI_LINKMAP, &lm), 0);
	pc = (uint64_t)lm->l_addr + 0x10;

	assert_int_equal(lt_symbols_maps_hash(getpid(), &h2), 0);
	assert_int_not_equal(h0, h2);
	lt_symbols_resolve(syms, pc, 1, &y, 1);
	if (y.module && strstr(y.module, lm->l_name))
		fail_msg("%s known before the refresh", y.module);
	lt_symbols_refresh(syms);
	lt_symbols_resolve(syms, pc, 1, &y, 1);
	assert_non_null(y.module);
	assert_true(ends_with(y.module, strrchr(lm->l_name, '/')));
	assert_int_equal(y.module_addr, 0x10);
	/* nothing changed since: the cached answer stays (same string) */
	const char *mod = y.module;

	lt_symbols_refresh(syms);
	lt_symbols_resolve(syms, pc, 1, &y, 1);
	assert_ptr_equal(y.module, mod);
	/* strings handed out before the refresh stay valid */
	lt_symbols_resolve(syms, (uint64_t)(uintptr_t)known_fn, 1, &y, 1);
	assert_string_equal(y.function, "known_fn");
	dlclose(h);
}

static void test_open_module_through_proc_root(void **state)
{
	char *path = NULL;
	int fd;
	(void)state;

	fd = lt_symbols_open_module(getpid(), self_exe, &path);
	assert_true(fd >= 0);
	close(fd);
	assert_non_null(path);
	assert_true(strncmp(path, "/proc/", 6) == 0);
	assert_true(strstr(path, "/root/") != NULL);
	assert_true(ends_with(path, self_exe));
	free(path);
	/* only regular files: a device could block the reader */
	assert_int_equal(lt_symbols_open_module(getpid(), "/dev/zero", NULL), -1);
	assert_int_equal(lt_symbols_open_module(getpid(), "[vdso]", NULL), -1);
	assert_int_equal(lt_symbols_open_module(getpid(), "/no/such/file", NULL), -1);
}

static void test_cxx_names_demangled(void **state)
{
	void *fn = dlsym(RTLD_DEFAULT, "_ZSt9terminatev");
	struct lt_sym y;
	(void)state;

	assert_non_null(__cxa_demangle);
	assert_non_null(fn);
	lt_symbols_resolve(syms, (uint64_t)(uintptr_t)fn, 1, &y, 1);
	assert_non_null(y.function);
	assert_string_equal(y.function, "std::terminate()");
}

/* Whether a library whose path contains name is mapped in this process. */
static int mapped(const char *name)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, name) != NULL;
	fclose(f);
	return found;
}

static void test_no_debuginfod(void **state)
{
	uint64_t pc = (uint64_t)(uintptr_t)&_assert_true;
	struct lt_sym y;
	(void)state;

	/* setup set DEBUGINFOD_URLS; libcmocka has no debug info anywhere,
	 * so libdw would ask the server if it were let. */
	assert_non_null(getenv("DEBUGINFOD_URLS"));
	lt_symbols_resolve(syms, pc, 1, &y, 1);
	assert_non_null(y.module);
	assert_true(strstr(y.module, "cmocka") != NULL);
	assert_non_null(y.function); /* from the ELF symbol table */
	assert_null(y.file);
	assert_false(mapped("libdebuginfod"));
}

static void test_gone_process(void **state)
{
	lt_err err = {0};
	(void)state;

	/* pid_max is at most 2^22: this pid cannot exist */
	assert_null(lt_symbols_new(1 << 23, &err));
	assert_int_equal(err.code, LT_EXIT_TARGET);
}

static int setup(void **state)
{
	ssize_t n;

	(void)state;
	/* A server that is not there: asking it would hang or fail slowly. */
	setenv("DEBUGINFOD_URLS", "http://127.0.0.1:9/", 1);
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (n <= 0)
		return -1;
	self_exe[n] = '\0';
	syms = lt_symbols_new(getpid(), NULL);
	return syms ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	lt_symbols_free(syms);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_function_file_line_module),
		cmocka_unit_test(test_return_address_is_looked_up_in_the_call),
		cmocka_unit_test(test_inlined_frames),
		cmocka_unit_test(test_name_only),
		cmocka_unit_test(test_unknown_address),
		cmocka_unit_test(test_cache_is_cheap_and_stable),
		cmocka_unit_test(test_refresh_sees_new_modules),
		cmocka_unit_test(test_open_module_through_proc_root),
		cmocka_unit_test(test_cxx_names_demangled),
		cmocka_unit_test(test_no_debuginfod),
		cmocka_unit_test(test_gone_process),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
