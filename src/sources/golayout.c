/* The Go runtime's layout from DWARF (lt_golayout.h).
 *
 * One pass over the top-level entries of every compile unit: the Go
 * linker puts runtime globals, their types and the package's constants
 * there.  Go compresses its DWARF sections; libdw decompresses them. */
#include "lt_golayout.h"

#include <ctype.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define G_MAX_SIZE 65536   /* runtime.g is ~400 bytes; anything huge is bogus */

struct scan {
	struct lt_golayout *l;
	Dwarf_Die g;             /* the runtime.g struct */
	int have_g;
	Dwarf_Die bucket, memrec; /* runtime.bucket, runtime.memRecord */
	int have_bucket, have_memrec;
	uint64_t wr_type_size;   /* byte size of waitReasonStrings' array */
};

/* The type DIE of die, typedefs and qualifiers peeled.  Returns 0 or -1. */
static int type_of(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute a;

	if (!dwarf_attr_integrate(die, DW_AT_type, &a) || !dwarf_formref_die(&a, out))
		return -1;
	for (int i = 0; i < 8; i++) {
		int tag = dwarf_tag(out);

		if (tag != DW_TAG_typedef && tag != DW_TAG_const_type &&
		    tag != DW_TAG_volatile_type)
			return 0;
		if (!dwarf_attr_integrate(out, DW_AT_type, &a) ||
		    !dwarf_formref_die(&a, out))
			return -1;
	}
	return -1;
}

static int size_of(Dwarf_Die *type, size_t *size)
{
	Dwarf_Word w;

	if (dwarf_aggregate_size(type, &w) != 0 || w == 0 || w > G_MAX_SIZE)
		return -1;
	*size = (size_t)w;
	return 0;
}

/* Member name of struct st: its offset and type.  Returns 0 or -1. */
static int member(Dwarf_Die *st, const char *name, size_t *off, Dwarf_Die *type)
{
	Dwarf_Die m;
	Dwarf_Attribute a;
	Dwarf_Word w;

	if (dwarf_child(st, &m) != 0)
		return -1;
	do {
		const char *n = dwarf_diename(&m);

		if (dwarf_tag(&m) != DW_TAG_member || !n || strcmp(n, name))
			continue;
		if (!dwarf_attr(&m, DW_AT_data_member_location, &a) ||
		    dwarf_formudata(&a, &w) != 0 || w > G_MAX_SIZE)
			return -1;
		*off = (size_t)w;
		return type_of(&m, type);
	} while (dwarf_siblingof(&m, &m) == 0);
	return -1;
}

/* A field of runtime.g by path ("sched.pc"): an integer or pointer of at
 * most 8 bytes, inside the struct.  An atomic wrapper (Go 1.20's
 * atomic.Uint32 and friends: a struct with a "value" member) is looked
 * through.  Leaves f zeroed when not found. */
static void field_in(Dwarf_Die *st, size_t st_size, const char *path,
		     struct lt_gofield *f)
{
	Dwarf_Die cur = *st, type;
	char part[64];
	size_t off = 0, o, sz;
	const char *p = path;

	memset(f, 0, sizeof(*f));
	while (*p) {
		size_t n = strcspn(p, ".");

		if (n >= sizeof(part))
			return;
		memcpy(part, p, n);
		part[n] = '\0';
		p += n + (p[n] == '.');
		if (member(&cur, part, &o, &type) < 0)
			return;
		off += o;
		cur = type;
	}
	for (int i = 0; i < 2 && dwarf_tag(&cur) == DW_TAG_structure_type; i++) {
		if (member(&cur, "value", &o, &type) < 0)
			return;
		off += o;
		cur = type;
	}
	if (size_of(&cur, &sz) < 0 || sz > 8 || off > st_size || st_size - off < sz)
		return;
	f->off = off;
	f->size = sz;
}

static void field(struct scan *s, const char *path, struct lt_gofield *f)
{
	field_in(&s->g, s->l->g_size, path, f);
}

/* memRecord.future, the runtime's ring of three unpublished cycles (Go
 * 1.13 on), laid out like memRecord.active; with runtime.mProfCycle it
 * tells which slot holds the last GC cycle.  Left 0 when not found. */
static void future_fields(struct scan *s)
{
	struct lt_golayout *l = s->l;
	size_t a_off, f_off, a_size, f_size;
	Dwarf_Die at, ft;

	l->mr_future = 0;
	if (!l->mprof_cycle || member(&s->memrec, "active", &a_off, &at) < 0 ||
	    member(&s->memrec, "future", &f_off, &ft) < 0 ||
	    size_of(&at, &a_size) < 0 || size_of(&ft, &f_size) < 0 ||
	    f_size != 3 * a_size || f_off > l->memrecord_size ||
	    l->memrecord_size - f_off < f_size)
		return;
	/* The active.* fields lie in active: their offsets in a slot are the
	 * same less active's. */
	if (l->mr_allocs.off < a_off || l->mr_free_bytes.off + 8 > a_off + a_size ||
	    l->mr_frees.off < a_off || l->mr_alloc_bytes.off < a_off)
		return;
	l->mr_active = a_off;
	l->mr_future = f_off;
	l->mr_cycle_size = a_size;
}

/* The heap profile's structs; all or nothing. */
static void heap_fields(struct scan *s)
{
	struct lt_golayout *l = s->l;
	struct lt_gofield *need[] = {
		&l->b_allnext, &l->b_nstk, &l->mr_allocs, &l->mr_frees,
		&l->mr_alloc_bytes, &l->mr_free_bytes,
	};

	if (!s->have_bucket || !s->have_memrec || !l->mbuckets)
		goto none;
	field_in(&s->bucket, l->bucket_size, "allnext", &l->b_allnext);
	field_in(&s->bucket, l->bucket_size, "typ", &l->b_typ);
	field_in(&s->bucket, l->bucket_size, "nstk", &l->b_nstk);
	field_in(&s->memrec, l->memrecord_size, "active.allocs", &l->mr_allocs);
	field_in(&s->memrec, l->memrecord_size, "active.frees", &l->mr_frees);
	field_in(&s->memrec, l->memrecord_size, "active.alloc_bytes", &l->mr_alloc_bytes);
	field_in(&s->memrec, l->memrecord_size, "active.free_bytes", &l->mr_free_bytes);
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (need[i]->size != 8)
			goto none;
	future_fields(s);
	return;
none:
	l->bucket_size = 0;
}

/* The address of a global variable: a location that is one DW_OP_addr.
 * Go writes it as DW_FORM_block1 in version 4 units, which
 * dwarf_getlocation refuses ("not a location list value"), so the block
 * is decoded here: the opcode and an 8-byte address, nothing else. */
static uint64_t var_addr(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	Dwarf_Block b;
	uint64_t addr;

	if (!dwarf_attr(die, DW_AT_location, &a) || dwarf_formblock(&a, &b) != 0 ||
	    b.length != 9 || b.data[0] != DW_OP_addr)
		return 0;
	memcpy(&addr, b.data + 1, 8);   /* little-endian, as amd64 */
	return addr;
}

/* "ChanSendNilChan" -> "chan send nil chan". */
static char *wr_name(const char *camel)
{
	size_t n = strlen(camel);
	char *s = lt_xmalloc(2 * n + 1), *o = s;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)camel[i];

		if (isupper(c) && o != s && !isupper((unsigned char)camel[i - 1]))
			*o++ = ' ';
		*o++ = (char)tolower(c);
	}
	*o = '\0';
	return s;
}

static void constant(struct scan *s, Dwarf_Die *die, const char *name)
{
	static const struct { const char *name; size_t off; } st[] = {
#define ST(n, f) {"runtime." n, offsetof(struct lt_golayout, f)}
		ST("_Gidle", st_idle), ST("_Grunnable", st_runnable),
		ST("_Grunning", st_running), ST("_Gsyscall", st_syscall),
		ST("_Gwaiting", st_waiting), ST("_Gdead", st_dead),
		ST("_Gcopystack", st_copystack), ST("_Gpreempted", st_preempted),
		ST("_Gscan", st_scan),
#undef ST
	};
	Dwarf_Attribute a;
	Dwarf_Sword v;

	if (!dwarf_attr(die, DW_AT_const_value, &a) || dwarf_formsdata(&a, &v) != 0)
		return;
	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++)
		if (!strcmp(name, st[i].name)) {
			*(int64_t *)((char *)s->l + st[i].off) = v;
			return;
		}
	if (!strcmp(name, "runtime.memProfile")) {
		s->l->bt_mem = v;
		return;
	}
	if (!strncmp(name, "runtime.waitReason", 18) && name[18] &&
	    v > 0 && v < LT_GO_WAITREASONS && !s->l->wr_names[v])
		s->l->wr_names[v] = wr_name(name + 18);
}

static void visit(struct scan *s, Dwarf_Die *die)
{
	const char *name = dwarf_diename(die);
	struct lt_golayout *l = s->l;
	Dwarf_Die type;
	size_t sz;

	if (!name || strncmp(name, "runtime.", 8) != 0)
		return;
	switch (dwarf_tag(die)) {
	case DW_TAG_variable:
		if (!strcmp(name, "runtime.allgs"))
			l->allgs = var_addr(die);
		else if (!strcmp(name, "runtime.buildVersion"))
			l->build_version = var_addr(die);
		else if (!strcmp(name, "runtime.mbuckets"))
			l->mbuckets = var_addr(die);
		else if (!strcmp(name, "runtime.mProfCycle") &&
			 type_of(die, &type) == 0 && size_of(&type, &sz) == 0 && sz == 4)
			l->mprof_cycle = var_addr(die);
		else if (!strcmp(name, "runtime.MemProfileRate"))
			l->mem_profile_rate = var_addr(die);
		else if (!strcmp(name, "runtime.waitReasonStrings") &&
			 type_of(die, &type) == 0 &&
			 dwarf_tag(&type) == DW_TAG_array_type) {
			Dwarf_Word w;

			l->wr_strings = var_addr(die);
			if (dwarf_aggregate_size(&type, &w) == 0)
				s->wr_type_size = w;
		}
		break;
	case DW_TAG_constant:
		constant(s, die, name);
		break;
	case DW_TAG_structure_type:
		if (!s->have_g && !strcmp(name, "runtime.g") &&
		    size_of(die, &l->g_size) == 0) {
			s->g = *die;
			s->have_g = 1;
		} else if (!s->have_bucket && !strcmp(name, "runtime.bucket") &&
			   size_of(die, &l->bucket_size) == 0) {
			s->bucket = *die;
			s->have_bucket = 1;
		} else if (!s->have_memrec && !strcmp(name, "runtime.memRecord") &&
			   size_of(die, &l->memrecord_size) == 0) {
			s->memrec = *die;
			s->have_memrec = 1;
		}
		break;
	}
}

static int read_elf(Dwarf *dw, struct lt_golayout *l)
{
	Elf *elf = dwarf_getelf(dw);
	GElf_Ehdr eh;
	size_t n;

	if (!elf || !gelf_getehdr(elf, &eh) || elf_getphdrnum(elf, &n) != 0)
		return -1;
	l->pie = eh.e_type == ET_DYN;
	l->entry = eh.e_entry;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD &&
		    ph.p_offset == 0) {
			l->load_vaddr = ph.p_vaddr & ~(uint64_t)0xfff;
			return 0;
		}
	}
	return l->pie ? -1 : 0;
}

static const char *missing(const struct lt_golayout *l)
{
	if (!l->allgs)
		return "runtime.allgs";
	if (!l->g_size)
		return "runtime.g";
	if (!l->goid.size)
		return "runtime.g.goid";
	if (!l->status.size)
		return "runtime.g.atomicstatus";
	if (!l->sched_pc.size || !l->sched_sp.size || !l->sched_bp.size)
		return "runtime.g.sched.pc/sp/bp";
	if (!l->stack_lo.size || !l->stack_hi.size)
		return "runtime.g.stack.lo/hi";
	if (l->st_running < 0 || l->st_waiting < 0 || l->st_runnable < 0 ||
	    l->st_dead < 0 || l->st_syscall < 0)
		return "the runtime._G* status constants";
	return NULL;
}

int lt_golayout_read(int fd, const char *what, struct lt_golayout *out,
		     lt_err *err)
{
	struct scan s = {.l = out};
	Dwarf *dw;
	Dwarf_Off off = 0, next;
	size_t hsize;
	const char *miss;

	memset(out, 0, sizeof(*out));
	out->st_idle = out->st_runnable = out->st_running = out->st_syscall =
		out->st_waiting = out->st_dead = out->st_copystack =
		out->st_preempted = out->st_scan = out->bt_mem = -1;
	dw = dwarf_begin(fd, DWARF_C_READ);
	if (!dw) {
		lt_err_set(err, LT_EXIT_TARGET, "%s has no DWARF (stripped with "
			   "-s -w?): %s", what, dwarf_errmsg(-1));
		return -1;
	}
	if (read_elf(dw, out) < 0) {
		dwarf_end(dw);
		lt_err_set(err, LT_EXIT_TARGET, "%s: no loadable segment at offset 0", what);
		return -1;
	}
	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, die;

		if (dwarf_offdie(dw, off + hsize, &cu) && dwarf_child(&cu, &die) == 0)
			do
				visit(&s, &die);
			while (dwarf_siblingof(&die, &die) == 0);
		off = next;
	}
	if (s.have_g) {
		field(&s, "goid", &out->goid);
		field(&s, "atomicstatus", &out->status);
		field(&s, "waitreason", &out->waitreason);
		field(&s, "waitsince", &out->waitsince);
		field(&s, "gopc", &out->gopc);
		field(&s, "startpc", &out->startpc);
		field(&s, "sched.pc", &out->sched_pc);
		field(&s, "sched.sp", &out->sched_sp);
		field(&s, "sched.bp", &out->sched_bp);
		field(&s, "stack.lo", &out->stack_lo);
		field(&s, "stack.hi", &out->stack_hi);
		field(&s, "syscallpc", &out->syscallpc);
	}
	heap_fields(&s);
	if (out->wr_strings && s.wr_type_size % 16 == 0 &&
	    s.wr_type_size / 16 <= LT_GO_WAITREASONS)
		out->wr_count = (size_t)(s.wr_type_size / 16);
	else
		out->wr_strings = 0;
	dwarf_end(dw);
	miss = missing(out);
	if (miss) {
		lt_err_set(err, LT_EXIT_TARGET, "%s: no %s in its DWARF (not a Go "
			   "program, or an unknown Go release)", what, miss);
		lt_golayout_free(out);
		return -1;
	}
	return 0;
}

void lt_golayout_free(struct lt_golayout *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < LT_GO_WAITREASONS; i++)
		free(l->wr_names[i]);
	memset(l, 0, sizeof(*l));
}
