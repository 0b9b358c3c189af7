/* Symbolization with libdw: DWARF scopes for inlined functions and
 * file:line, the ELF symbol table when there is no DWARF.
 *
 * Every answer is cached by looked-up address in an open-addressing table;
 * the strings in answers are interned in a pool that only grows, so a
 * pointer handed out stays valid until lt_symbols_free. */
#include "lt_symbols.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lt_proc.h"

/* libstdc++'s demangler (leaktop links libstdc++ for it, as eu-stack
 * does).  Names come from the target's files: the demangler recurses on
 * nesting, so names longer than MAX_MANGLED stay mangled rather than
 * letting a hostile symbol table exhaust our stack. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len,
			    int *status);
#define MAX_MANGLED 4096

#define MAX_INLINE 16            /* functions kept per address */
#define CACHE_MAX (1u << 20)     /* addresses cached before starting over */

struct slot {
	uint64_t key;   /* looked-up address (pc, or pc - 1) */
	uint32_t off;   /* first entry in syms */
	uint32_t n;     /* entries; 0 = empty slot */
};

/* Address ranges of a module's compile units, for modules without
 * .debug_aranges (clang does not emit it), where libdw 0.188's
 * dwfl_module_addrdie finds nothing.  Addresses are DWARF addresses. */
struct cu_range {
	uint64_t lo, hi;
	Dwarf_Off off;  /* of the CU DIE */
};

struct cu_index {
	Dwfl_Module *mod;
	struct cu_range *r;
	size_t n;
};

struct lt_symbols {
	pid_t pid;
	Dwfl *dwfl;
	uint64_t maps_hash;      /* of the modules reported */
	struct cu_index *idx;    /* built on demand; dropped on refresh */
	size_t nidx;
	struct slot *slots;
	size_t cap, used;        /* cap is a power of two */
	struct lt_sym *syms;
	size_t nsyms, capsyms;
	char **strs;             /* interned strings, open addressing */
	size_t strcap, strused;
	char *dembuf;            /* __cxa_demangle's reusable buffer */
	size_t demlen;
};

/* ---- module files ------------------------------------------------------ */

/* Opens path only if it is a regular file: a mapped device could block or
 * act on open.  O_NONBLOCK keeps a file swapped for a FIFO after the stat
 * from blocking us; it means nothing for regular files. */
static int open_regular(const char *path)
{
	struct stat sb;
	int fd;

	if (stat(path, &sb) != 0)
		return -1;
	if (!S_ISREG(sb.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd >= 0 && (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

int lt_symbols_open_module(pid_t pid, const char *name, char **path)
{
	char buf[4200];
	int fd, n;

	if (name[0] != '/') {
		errno = ENOENT;
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "/proc/%d/root%s", (int)pid, name);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open_regular(buf);
	if (fd >= 0 && path)
		*path = lt_xstrdup(buf);
	return fd;
}

/* FNV-1a over the lines of executable mappings, streamed through lt_proc
 * (a line longer than the buffer counts by its head). */
int lt_symbols_maps_hash(pid_t pid, uint64_t *out)
{
	char buf[16384];
	uint64_t total = 1469598103934665603ULL;
	struct lt_proc_lines it;
	const char *l;
	size_t n;
	int fd = lt_proc_open(pid), rc, cut, e;

	if (fd < 0)
		return -1;
	if (lt_proc_lines_open(&it, fd, 0, "maps", buf, sizeof(buf)) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	while ((rc = lt_proc_lines_next(&it, &l, &n, &cut)) > 0) {
		struct lt_proc_map mp;
		uint64_t line = 1469598103934665603ULL;

		if (lt_proc_parse_map(l, n, &mp) < 0 || mp.perms[2] != 'x')
			continue;
		for (size_t i = 0; i < n; i++)
			line = (line ^ (unsigned char)l[i]) * 1099511628211ULL;
		total = (total ^ line) * 1099511628211ULL;
	}
	e = errno;
	lt_proc_lines_close(&it);
	close(fd);
	if (rc < 0) {
		errno = e;
		return -1;
	}
	*out = total;
	return 0;
}

static int find_elf(Dwfl_Module *mod, void **userdata, const char *name,
		    Dwarf_Addr base, char **file_name, Elf **elfp)
{
	const lt_symbols *s = *userdata;
	static const char deleted[] = " (deleted)";
	size_t n = strlen(name);

	if (s && name[0] == '/') {
		int fd = lt_symbols_open_module(s->pid, name, file_name);

		if (fd >= 0)
			return fd;
		/* Never the file of the same name on our side: it may be
		 * another build.  Deleted files are read from memory. */
		if (n < sizeof(deleted) - 1 ||
		    strcmp(name + n - (sizeof(deleted) - 1), deleted) != 0)
			return -1;
	}
	return dwfl_linux_proc_find_elf(mod, userdata, name, base, file_name,
					elfp);
}

/* Separate debug files by build-id only, on the target's side first, and
 * never from the network. */
static int find_debuginfo(Dwfl_Module *mod, void **userdata,
			  const char *modname, Dwarf_Addr base,
			  const char *file_name, const char *debuglink_file,
			  GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	const lt_symbols *s = *userdata;
	const unsigned char *id;
	GElf_Addr vaddr;
	char rel[200], path[300];
	int len, pos, fd;

	(void)modname, (void)base, (void)file_name, (void)debuglink_file;
	(void)debuglink_crc;
	len = dwfl_module_build_id(mod, &id, &vaddr);
	if (len < 2 || len > 64)
		return -1;
	pos = snprintf(rel, sizeof(rel), "/usr/lib/debug/.build-id/%02x/",
		       id[0]);
	for (int i = 1; i < len; i++)
		pos += snprintf(rel + pos, sizeof(rel) - (size_t)pos, "%02x",
				id[i]);
	snprintf(rel + pos, sizeof(rel) - (size_t)pos, ".debug");
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 0 && s)
			snprintf(path, sizeof(path), "/proc/%d/root%s",
				 (int)s->pid, rel);
		else if (pass == 0)
			continue;
		else
			snprintf(path, sizeof(path), "%s", rel);
		fd = open_regular(path);
		if (fd >= 0) {
			*debuginfo_file_name = lt_xstrdup(path);
			return fd;
		}
	}
	return -1;
}

static const Dwfl_Callbacks callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = find_debuginfo,
};

static int set_context(Dwfl_Module *mod, void **userdata, const char *name,
		       Dwarf_Addr start, void *arg)
{
	(void)mod, (void)name, (void)start;
	if (*userdata == NULL)
		*userdata = arg;
	return DWARF_CB_OK;
}

/* Reads the modules again.  When the process is gone the old ones stay,
 * so what was captured before it exited still resolves. */
static void report(lt_symbols *s)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)s->pid);
	if (access(path, R_OK) != 0)
		return;
	dwfl_report_begin(s->dwfl);
	(void)dwfl_linux_proc_report(s->dwfl, s->pid);
	dwfl_report_end(s->dwfl, NULL, NULL);
	dwfl_getmodules(s->dwfl, set_context, s, 0);
}

/* ---- interned strings -------------------------------------------------- */

static uint64_t hash_str(const char *p)
{
	uint64_t h = 1469598103934665603ULL;

	while (*p)
		h = (h ^ (unsigned char)*p++) * 1099511628211ULL;
	return h;
}

static const char *intern(lt_symbols *s, const char *str)
{
	size_t i;

	if (!str)
		return NULL;
	if (2 * (s->strused + 1) > s->strcap) {
		size_t ncap = s->strcap ? 2 * s->strcap : 256;
		char **n = lt_xcalloc(ncap, sizeof(*n));

		for (size_t k = 0; k < s->strcap; k++) {
			if (!s->strs[k])
				continue;
			i = hash_str(s->strs[k]) & (ncap - 1);
			while (n[i])
				i = (i + 1) & (ncap - 1);
			n[i] = s->strs[k];
		}
		free(s->strs);
		s->strs = n;
		s->strcap = ncap;
	}
	i = hash_str(str) & (s->strcap - 1);
	while (s->strs[i]) {
		if (strcmp(s->strs[i], str) == 0)
			return s->strs[i];
		i = (i + 1) & (s->strcap - 1);
	}
	s->strs[i] = lt_xstrdup(str);
	s->strused++;
	return s->strs[i];
}

static const char *demangle(lt_symbols *s, const char *name)
{
	int status = -1;
	char *d;

	if (!name || name[0] != '_' || name[1] != 'Z' ||
	    strnlen(name, MAX_MANGLED + 1) > MAX_MANGLED)
		return intern(s, name);
	d = __cxa_demangle(name, s->dembuf, &s->demlen, &status);
	if (status != 0 || !d)
		return intern(s, name);
	s->dembuf = d; /* it may have been realloc'd */
	return intern(s, d);
}

/* ---- lookups ----------------------------------------------------------- */

static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name;

	name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name,
						     &attr));
	if (!name)
		name = dwarf_formstring(dwarf_attr_integrate(
			die, DW_AT_MIPS_linkage_name, &attr));
	if (!name)
		name = dwarf_diename(die);
	return name;
}

static int is_function(Dwarf_Die *die)
{
	int tag = dwarf_tag(die);

	return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine ||
	       tag == DW_TAG_entry_point;
}

/* file made absolute with its unit's DW_AT_comp_dir (interned), so that
 * the source is found whatever leaktop's current directory: compilers name
 * files relative to where they ran ("tests/targets/demo.c", "./x.c").
 * Left as it is when already absolute or the unit names no absolute
 * directory; the joined path is bounded like any path. */
static const char *abs_file(lt_symbols *s, Dwarf_Die *cu, const char *file)
{
	Dwarf_Attribute attr;
	const char *dir;
	char buf[4096];
	int n;

	if (!file || file[0] == '/' || !cu)
		return intern(s, file);
	dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &attr));
	if (!dir || dir[0] != '/')
		return intern(s, file);
	while (file[0] == '.' && file[1] == '/')
		file += 2;
	n = snprintf(buf, sizeof(buf), "%s%s%s", dir,
		     dir[strlen(dir) - 1] == '/' ? "" : "/", file);
	return n > 0 && (size_t)n < sizeof(buf) ? intern(s, buf) : intern(s, file);
}

/* Where inlined scope `die` was called from: its DW_AT_call_file and
 * DW_AT_call_line, which is the location in the function around it.  The
 * file number is an index into the line table of the DIE's own unit. */
static void call_site(lt_symbols *s, Dwarf_Die *die, const char **file,
		      int *line)
{
	Dwarf_Attribute attr;
	Dwarf_Files *files;
	Dwarf_Die cu;
	Dwarf_Word v;

	*file = NULL;
	*line = 0;
	if (dwarf_formudata(dwarf_attr(die, DW_AT_call_file, &attr), &v) == 0 &&
	    dwarf_diecu(die, &cu, NULL, NULL) &&
	    dwarf_getsrcfiles(&cu, &files, NULL) == 0)
		*file = abs_file(s, &cu, dwarf_filesrc(files, v, NULL, NULL));
	if (dwarf_formudata(dwarf_attr(die, DW_AT_call_line, &attr), &v) == 0 &&
	    v <= 0x7fffffff)
		*line = (int)v;
}

static int cmp_range(const void *a, const void *b)
{
	const struct cu_range *x = a, *y = b;

	return (x->lo > y->lo) - (x->lo < y->lo);
}

static const struct cu_index *cu_index_of(lt_symbols *s, Dwfl_Module *mod)
{
	struct cu_index *ix;
	Dwarf_Die *cu = NULL;
	Dwarf_Addr bias;
	size_t cap = 0;

	for (size_t i = 0; i < s->nidx; i++)
		if (s->idx[i].mod == mod)
			return &s->idx[i];
	s->idx = lt_xrealloc(s->idx, (s->nidx + 1) * sizeof(*s->idx));
	ix = &s->idx[s->nidx++];
	memset(ix, 0, sizeof(*ix));
	ix->mod = mod;
	while ((cu = dwfl_module_nextcu(mod, cu, &bias))) {
		Dwarf_Addr base, lo, hi;
		ptrdiff_t off = 0;

		while ((off = dwarf_ranges(cu, off, &base, &lo, &hi)) > 0) {
			if (hi <= lo)
				continue;
			if (ix->n == cap) {
				cap = cap ? 2 * cap : 64;
				ix->r = lt_xrealloc(ix->r, cap * sizeof(*ix->r));
			}
			ix->r[ix->n++] = (struct cu_range){lo, hi,
							  dwarf_dieoffset(cu)};
		}
	}
	qsort(ix->r, ix->n, sizeof(*ix->r), cmp_range);
	return ix;
}

static void cu_index_clear(lt_symbols *s)
{
	for (size_t i = 0; i < s->nidx; i++)
		free(s->idx[i].r);
	free(s->idx);
	s->idx = NULL;
	s->nidx = 0;
}

/* The compile unit holding addr, or NULL; *bias is the DWARF bias. */
static Dwarf_Die *find_cu(lt_symbols *s, Dwfl_Module *mod, uint64_t addr,
			  Dwarf_Addr *bias, Dwarf_Die *mem)
{
	Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, bias);
	const struct cu_index *ix;
	Dwarf *dw;
	size_t lo = 0, hi;
	uint64_t a;

	/* A cgo binary's .debug_aranges covers only its C units, wrongly
	 * relocated by the Go linker: they claim every address.  A unit
	 * is believed only when its own ranges hold addr. */
	if (cu && dwarf_haspc(cu, addr - *bias) > 0)
		return cu;
	dw = dwfl_module_getdwarf(mod, bias);
	if (!dw)
		return NULL;
	ix = cu_index_of(s, mod);
	a = addr - *bias;
	hi = ix->n;
	while (lo < hi) { /* first range with lo > a */
		size_t mid = lo + (hi - lo) / 2;

		if (ix->r[mid].lo <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Nested or overlapping ranges are rare: look a few back. */
	for (size_t k = lo; k > 0 && lo - k < 8; k--)
		if (a >= ix->r[k - 1].lo && a < ix->r[k - 1].hi)
			return dwarf_offdie(dw, ix->r[k - 1].off, mem);
	return NULL;
}

/* Fills out[0..max) from DWARF; returns the count (0 without DWARF).
 * dwarf_getscopes finds the innermost function at addr, but past an
 * inlined instance it continues with the scopes of the inlined function's
 * abstract definition; the concrete chain of callers comes from the DIE's
 * own parents (dwarf_getscopes_die). */
static size_t from_dwarf(lt_symbols *s, Dwfl_Module *mod, uint64_t addr,
			 struct lt_sym *out, size_t max)
{
	Dwarf_Addr bias = 0;
	Dwarf_Die cumem, *cu = find_cu(s, mod, addr, &bias, &cumem);
	Dwarf_Die *scopes = NULL, *chain = NULL, fn;
	Dwarf_Line *l;
	const char *file = NULL;
	int line = 0, nscopes, nchain = 0, found = 0;
	size_t n = 0;

	if (!cu)
		return 0;
	l = dwarf_getsrc_die(cu, addr - bias);
	if (l) {
		file = abs_file(s, cu, dwarf_linesrc(l, NULL, NULL));
		if (dwarf_lineno(l, &line) != 0)
			line = 0;
	}
	nscopes = dwarf_getscopes(cu, addr - bias, &scopes);
	for (int i = 0; i < nscopes && !found; i++)
		if (is_function(&scopes[i])) {
			fn = scopes[i];
			found = 1;
		}
	free(scopes);
	if (found)
		nchain = dwarf_getscopes_die(&fn, &chain);
	for (int i = 0; i < nchain && n < max; i++) {
		if (!is_function(&chain[i]))
			continue;
		out[n].function = demangle(s, die_name(&chain[i]));
		out[n].file = intern(s, file);
		out[n].line = line > 0 ? line : 0;
		n++;
		if (dwarf_tag(&chain[i]) != DW_TAG_inlined_subroutine)
			break;
		/* The next function out is where this one was inlined. */
		call_site(s, &chain[i], &file, &line);
	}
	free(chain);
	if (n == 0 && file && max > 0) {
		out[0].function = NULL;
		out[0].file = intern(s, file);
		out[0].line = line > 0 ? line : 0;
		n = 1;
	}
	return n;
}

static size_t lookup(lt_symbols *s, uint64_t addr, struct lt_sym *out,
		     size_t max)
{
	Dwfl_Module *mod = dwfl_addrmodule(s->dwfl, addr);
	struct lt_sym common = {NULL, NULL, 0, NULL, addr, NULL};
	const unsigned char *id;
	GElf_Addr idaddr;
	Dwarf_Addr start = 0, bias = 0;
	const char *name;
	size_t n;
	int idlen;

	if (!mod) {
		out[0] = common;
		return 1;
	}
	name = dwfl_module_info(mod, NULL, &start, NULL, NULL, NULL, NULL,
				NULL);
	common.module = intern(s, name);
	common.module_addr = addr - start;
	if (dwfl_module_getelf(mod, &bias))
		common.module_addr = addr - bias;
	idlen = dwfl_module_build_id(mod, &id, &idaddr);
	if (idlen > 0 && idlen <= 64) {
		char hex[129];

		for (int i = 0; i < idlen; i++)
			snprintf(hex + 2 * i, 3, "%02x", id[i]);
		common.build_id = intern(s, hex);
	}
	n = from_dwarf(s, mod, addr, out, max);
	if (n == 0) {
		GElf_Off off;
		GElf_Sym sym;

		out[0] = common;
		out[0].function = demangle(s, dwfl_module_addrinfo(
			mod, addr, &off, &sym, NULL, NULL, NULL));
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		out[i].module = common.module;
		out[i].module_addr = common.module_addr;
		out[i].build_id = common.build_id;
	}
	return n;
}

void lt_symbols_name(lt_symbols *s, uint64_t pc, int activation,
		     const char **function, const char **module)
{
	uint64_t addr = activation || pc == 0 ? pc : pc - 1;
	Dwfl_Module *mod = dwfl_addrmodule(s->dwfl, addr);
	GElf_Off off;
	GElf_Sym sym;

	*function = *module = NULL;
	if (!mod)
		return;
	*module = intern(s, dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL,
					     NULL, NULL));
	*function = intern(s, dwfl_module_addrinfo(mod, addr, &off, &sym, NULL,
						   NULL, NULL));
}

/* ---- the address cache ------------------------------------------------- */

static uint64_t hash_addr(uint64_t a)
{
	a ^= a >> 33;
	a *= 0xff51afd7ed558ccdULL;
	a ^= a >> 33;
	return a;
}

static void cache_clear(lt_symbols *s)
{
	if (s->slots)
		memset(s->slots, 0, s->cap * sizeof(*s->slots));
	s->used = 0;
	s->nsyms = 0;
}

static struct slot *cache_find(lt_symbols *s, uint64_t key)
{
	size_t i = hash_addr(key) & (s->cap - 1);

	while (s->slots[i].n) {
		if (s->slots[i].key == key)
			return &s->slots[i];
		i = (i + 1) & (s->cap - 1);
	}
	return &s->slots[i];
}

static void cache_grow(lt_symbols *s)
{
	struct slot *old = s->slots;
	size_t oldcap = s->cap;

	s->cap = oldcap ? 2 * oldcap : 1024;
	s->slots = lt_xcalloc(s->cap, sizeof(*s->slots));
	for (size_t k = 0; k < oldcap; k++)
		if (old[k].n)
			*cache_find(s, old[k].key) = old[k];
	free(old);
}

size_t lt_symbols_resolve(lt_symbols *s, uint64_t pc, int activation,
			  struct lt_sym *out, size_t max)
{
	uint64_t key = activation || pc == 0 ? pc : pc - 1;
	struct lt_sym tmp[MAX_INLINE];
	struct slot *sl;
	size_t n;

	if (max == 0)
		return 0;
	if (s->used >= CACHE_MAX)
		cache_clear(s);
	if (2 * (s->used + 1) > s->cap)
		cache_grow(s);
	sl = cache_find(s, key);
	if (!sl->n) {
		n = lookup(s, key, tmp, MAX_INLINE);
		if (s->nsyms + n > s->capsyms) {
			s->capsyms = s->capsyms ? 2 * s->capsyms : 1024;
			s->syms = lt_xrealloc(s->syms,
					      s->capsyms * sizeof(*s->syms));
		}
		memcpy(s->syms + s->nsyms, tmp, n * sizeof(*tmp));
		sl->key = key;
		sl->off = (uint32_t)s->nsyms;
		sl->n = (uint32_t)n;
		s->nsyms += n;
		s->used++;
	}
	/* Cached entries hold the module address of key; pc may be key + 1. */
	n = sl->n < max ? sl->n : max;
	memcpy(out, s->syms + sl->off, n * sizeof(*out));
	for (size_t i = 0; i < n; i++)
		out[i].module_addr += pc - key;
	return n;
}

/* ---- life cycle -------------------------------------------------------- */

lt_symbols *lt_symbols_new(pid_t pid, lt_err *err)
{
	lt_symbols *s = lt_xcalloc(1, sizeof(*s));
	int rc;

	s->pid = pid;
	if (lt_symbols_maps_hash(pid, &s->maps_hash) != 0) {
		lt_err_set(err, errno == ENOENT || errno == ESRCH
					? LT_EXIT_TARGET : LT_EXIT_ERROR,
			   "cannot read /proc/%d/maps: %s", (int)pid,
			   strerror(errno));
		goto fail;
	}
	s->dwfl = dwfl_begin(&callbacks);
	if (!s->dwfl) {
		lt_err_set(err, LT_EXIT_ERROR, "dwfl_begin: %s",
			   dwfl_errmsg(-1));
		goto fail;
	}
	dwfl_report_begin(s->dwfl);
	rc = dwfl_linux_proc_report(s->dwfl, pid);
	if (dwfl_report_end(s->dwfl, NULL, NULL) != 0 && rc == 0)
		rc = -1;
	if (rc != 0) {
		lt_err_set(err, rc == ENOENT || rc == ESRCH ? LT_EXIT_TARGET
							    : LT_EXIT_ERROR,
			   "cannot read the modules of process %d: %s",
			   (int)pid, rc > 0 ? strerror(rc) : dwfl_errmsg(-1));
		goto fail;
	}
	dwfl_getmodules(s->dwfl, set_context, s, 0);
	/* Lets libdw read the vdso and deleted files from the target's
	 * memory.  Stops nothing (libdw is told the caller does that); on
	 * failure those just stay unnamed. */
	(void)dwfl_linux_proc_attach(s->dwfl, pid, true);
	return s;
fail:
	lt_symbols_free(s);
	return NULL;
}

void lt_symbols_refresh(lt_symbols *s)
{
	uint64_t h;

	if (lt_symbols_maps_hash(s->pid, &h) != 0 || h == s->maps_hash)
		return;
	s->maps_hash = h;
	cu_index_clear(s);
	report(s);
	cache_clear(s);
}

void lt_symbols_free(lt_symbols *s)
{
	if (!s)
		return;
	cu_index_clear(s);
	if (s->dwfl)
		dwfl_end(s->dwfl);
	for (size_t i = 0; i < s->strcap; i++)
		free(s->strs[i]);
	free(s->strs);
	free(s->slots);
	free(s->syms);
	free(s->dembuf);
	free(s);
}
