/* GOT interception: every loaded object's relocated slots for the malloc
 * family (R_X86_64_JUMP_SLOT, R_X86_64_GLOB_DAT) are pointed at the hooks,
 * and put back on stop.  Nothing is patched in the agent itself, in ld.so
 * (its allocations happen under the loader lock, where unwinding would
 * deadlock) or in the vdso. */
#include "agent.h"

#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_SLOTS 8192

struct slot {
	void **addr;
	void *orig;
	void *hook;
	uintptr_t obj;           /* load address of its object */
};

static struct slot slots[MAX_SLOTS];
static size_t nslots;
static uint32_t nobjects;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
uint64_t ag_dlopens;

static int self_marker(void)
{
	return 0;
}

/* Whether addr lies in one of info's PT_LOAD segments. */
static int in_object(const struct dl_phdr_info *info, uintptr_t addr)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && addr >= lo && addr - lo < ph->p_memsz)
			return 1;
	}
	return 0;
}

static int skipped(const struct dl_phdr_info *info)
{
	const char *name = info->dlpi_name ? info->dlpi_name : "";
	unsigned long vdso = getauxval(AT_SYSINFO_EHDR);

	if (in_object(info, (uintptr_t)&self_marker))
		return 1;
	if (vdso && in_object(info, vdso))
		return 1;
	if (strstr(name, "/ld-linux") || strstr(name, "/ld64.so") ||
	    strncmp(name, "ld-linux", 8) == 0 || strstr(name, "linux-vdso"))
		return 1;
	return 0;
}

/* Dynamic entries hold absolute addresses once ld.so relocated them, and
 * offsets in objects it did not touch: take what is below the load
 * address as an offset. */
static uintptr_t dyn_ptr(const struct dl_phdr_info *info, uintptr_t v)
{
	return v < info->dlpi_addr ? v + info->dlpi_addr : v;
}

struct dyn {
	const ElfW(Rela) *jmprel, *rela;
	size_t jmprelsz, relasz;
	const ElfW(Sym) *symtab;
	const char *strtab;
	size_t strsz;
	uintptr_t relro_lo, relro_hi;
};

static int read_dynamic(const struct dl_phdr_info *info, struct dyn *d)
{
	const ElfW(Dyn) *dyn = NULL;
	size_t max = 0;

	memset(d, 0, sizeof(*d));
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_DYNAMIC) {
			dyn = (const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr);
			max = ph->p_memsz / sizeof(*dyn);
		} else if (ph->p_type == PT_GNU_RELRO) {
			d->relro_lo = info->dlpi_addr + ph->p_vaddr;
			d->relro_hi = d->relro_lo + ph->p_memsz;
		}
	}
	if (!dyn)
		return -1;
	for (size_t i = 0; i < max && dyn[i].d_tag != DT_NULL; i++) {
		uintptr_t v = dyn[i].d_un.d_ptr;

		switch (dyn[i].d_tag) {
		case DT_JMPREL: d->jmprel = (const void *)dyn_ptr(info, v); break;
		case DT_PLTRELSZ: d->jmprelsz = dyn[i].d_un.d_val; break;
		case DT_RELA: d->rela = (const void *)dyn_ptr(info, v); break;
		case DT_RELASZ: d->relasz = dyn[i].d_un.d_val; break;
		case DT_SYMTAB: d->symtab = (const void *)dyn_ptr(info, v); break;
		case DT_STRTAB: d->strtab = (const void *)dyn_ptr(info, v); break;
		case DT_STRSZ: d->strsz = dyn[i].d_un.d_val; break;
		default: break;
		}
	}
	return d->symtab && d->strtab && d->strsz ? 0 : -1;
}

static int set_slot(void **addr, void *value, const struct dyn *d)
{
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t pg = (uintptr_t)addr & ~(uintptr_t)(page - 1);
	/* RELRO pages are read-only after relocation; ld.so rounds the end
	 * down to a page, so only whole pages inside it are protected. */
	uintptr_t ro_hi = d->relro_hi & ~(uintptr_t)(page - 1);
	int ro = d->relro_lo && pg >= (d->relro_lo & ~(uintptr_t)(page - 1)) &&
		 pg < ro_hi;

	if (ro && mprotect((void *)pg, (size_t)page, PROT_READ | PROT_WRITE))
		return -1;
	__atomic_store_n(addr, value, __ATOMIC_RELEASE);
	if (ro)
		mprotect((void *)pg, (size_t)page, PROT_READ);
	return 0;
}

static int known_slot(void **addr)
{
	for (size_t i = 0; i < nslots; i++)
		if (slots[i].addr == addr)
			return 1;
	return 0;
}

static int patch_relocs(const struct dl_phdr_info *info, const struct dyn *d,
			const ElfW(Rela) *r, size_t bytes)
{
	int n = 0;

	if (!r)
		return 0;
	for (size_t i = 0; i < bytes / sizeof(*r); i++) {
		unsigned type = ELF64_R_TYPE(r[i].r_info);
		size_t sym = ELF64_R_SYM(r[i].r_info);
		const char *name;
		void **addr, *hook;

		if ((type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) ||
		    !sym || d->symtab[sym].st_name >= d->strsz)
			continue;
		name = d->strtab + d->symtab[sym].st_name;
		if (!memchr(name, '\0', d->strsz - d->symtab[sym].st_name))
			continue;
		hook = ag_hook_for(name);
		if (!hook)
			continue;
		addr = (void **)(info->dlpi_addr + r[i].r_offset);
		if (!in_object(info, (uintptr_t)addr) || known_slot(addr) ||
		    *addr == hook || nslots == MAX_SLOTS)
			continue;
		slots[nslots].addr = addr;
		slots[nslots].orig = *addr;
		slots[nslots].hook = hook;
		slots[nslots].obj = info->dlpi_addr;
		if (set_slot(addr, hook, d) == 0) {
			nslots++;
			n++;
		}
	}
	return n;
}

static int patch_one(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct dyn d;
	int *total = arg, n;

	(void)size;
	if (skipped(info) || read_dynamic(info, &d))
		return 0;
	n = patch_relocs(info, &d, d.jmprel, d.jmprelsz) +
	    patch_relocs(info, &d, d.rela, d.relasz);
	if (n)
		nobjects++;
	*total += n;
	return 0;
}

int ag_got_patch_all(void)
{
	int total = 0;

	pthread_mutex_lock(&lock);
	dl_iterate_phdr(patch_one, &total);
	pthread_mutex_unlock(&lock);
	return total;
}

struct restore_ctx {
	size_t i;
	int found;
};

static int slot_loaded(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct restore_ctx *c = arg;

	(void)size;
	if (info->dlpi_addr == slots[c->i].obj &&
	    in_object(info, (uintptr_t)slots[c->i].addr)) {
		c->found = 1;
		return 1;
	}
	return 0;
}

static int restore_one(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct dyn d;

	(void)size;
	(void)arg;
	if (skipped(info) || read_dynamic(info, &d))
		return 0;
	for (size_t i = 0; i < nslots; i++)
		if (slots[i].addr && in_object(info, (uintptr_t)slots[i].addr) &&
		    slots[i].obj == info->dlpi_addr) {
			/* Only a slot that still holds our hook: a program
			 * that rewrote it since keeps its own value. */
			if (*slots[i].addr == slots[i].hook)
				set_slot(slots[i].addr, slots[i].orig, &d);
			slots[i].addr = NULL;
		}
	return 0;
}

void ag_got_restore_all(void)
{
	pthread_mutex_lock(&lock);
	/* Walking the loaded objects (under the loader's lock) means a slot
	 * of an object unloaded meanwhile is never written. */
	dl_iterate_phdr(restore_one, NULL);
	nslots = 0;
	nobjects = 0;
	pthread_mutex_unlock(&lock);
}

void ag_got_forget_unloaded(void)
{
	size_t j = 0;

	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < nslots; i++) {
		struct restore_ctx c = {i, 0};

		dl_iterate_phdr(slot_loaded, &c);
		if (c.found)
			slots[j++] = slots[i];
	}
	nslots = j;
	pthread_mutex_unlock(&lock);
}

void ag_got_counts(uint32_t *objects, uint32_t *nslot)
{
	pthread_mutex_lock(&lock);
	*objects = nobjects;
	*nslot = (uint32_t)nslots;
	pthread_mutex_unlock(&lock);
}
