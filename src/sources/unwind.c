/* Unwinding stopped threads with libdw's frame unwinder (CFI from
 * .eh_frame, .debug_frame when present, frame pointers as libdw's last
 * resort). */
#include "lt_unwind.h"

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_symbols.h"

struct lt_unwind {
	pid_t pid;
	Dwfl *dwfl;
	uint64_t maps_hash;
	char errmsg[160];
};

/* Module files come from the target's own mount namespace; the vdso and
 * deleted files from its memory (libdw's reader, which needs the process
 * attached).  A file that cannot be opened there must not be replaced by
 * the file of the same name on our side, which may be another build. */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *name,
		    Dwarf_Addr base, char **file_name, Elf **elfp)
{
	const lt_unwind *u = *userdata;
	size_t n = strlen(name);
	static const char deleted[] = " (deleted)";

	if (u && name[0] == '/') {
		int fd = lt_symbols_open_module(u->pid, name, file_name);

		if (fd >= 0)
			return fd;
		if (n < sizeof(deleted) - 1 ||
		    strcmp(name + n - (sizeof(deleted) - 1), deleted) != 0)
			return -1;
	}
	return dwfl_linux_proc_find_elf(mod, userdata, name, base, file_name,
					elfp);
}

/* Unwinding needs only .eh_frame, which is in the module itself; separate
 * debug files are the symbolizer's business. */
static int no_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			Dwarf_Addr base, const char *file_name,
			const char *debuglink_file, GElf_Word debuglink_crc,
			char **debuginfo_file_name)
{
	(void)mod, (void)userdata, (void)modname, (void)base, (void)file_name;
	(void)debuglink_file, (void)debuglink_crc, (void)debuginfo_file_name;
	return -1;
}

static const Dwfl_Callbacks callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = no_debuginfo,
};

/* Gives each module our context (for find_elf) and loads its unwind
 * table now rather than while a thread is stopped. */
static int prepare_module(Dwfl_Module *mod, void **userdata, const char *name,
			  Dwarf_Addr start, void *arg)
{
	Dwarf_Addr bias;

	(void)name, (void)start;
	if (*userdata == NULL)
		*userdata = arg;
	(void)dwfl_module_eh_cfi(mod, &bias);
	return DWARF_CB_OK;
}

static int report(lt_unwind *u, lt_err *err)
{
	int rc;

	dwfl_report_begin(u->dwfl);
	rc = dwfl_linux_proc_report(u->dwfl, u->pid);
	if (dwfl_report_end(u->dwfl, NULL, NULL) != 0 && rc == 0)
		rc = -1;
	if (rc > 0) {
		lt_err_set(err, rc == ENOENT || rc == ESRCH ? LT_EXIT_TARGET
							    : LT_EXIT_ERROR,
			   "cannot read the modules of process %d: %s",
			   (int)u->pid, strerror(rc));
		return -1;
	}
	if (rc < 0) {
		lt_err_set(err, LT_EXIT_ERROR,
			   "cannot read the modules of process %d: %s",
			   (int)u->pid, dwfl_errmsg(-1));
		return -1;
	}
	dwfl_getmodules(u->dwfl, prepare_module, u, 0);
	return 0;
}

lt_unwind *lt_unwind_new(pid_t pid, lt_err *err)
{
	lt_unwind *u = lt_xcalloc(1, sizeof(*u));
	int rc;

	u->pid = pid;
	if (lt_symbols_maps_hash(pid, &u->maps_hash) != 0) {
		lt_err_set(err, errno == ENOENT || errno == ESRCH
					? LT_EXIT_TARGET : LT_EXIT_ERROR,
			   "cannot read /proc/%d/maps: %s", (int)pid,
			   strerror(errno));
		goto fail;
	}
	u->dwfl = dwfl_begin(&callbacks);
	if (!u->dwfl) {
		lt_err_set(err, LT_EXIT_ERROR, "dwfl_begin: %s",
			   dwfl_errmsg(-1));
		goto fail;
	}
	if (report(u, err) != 0)
		goto fail;
	rc = dwfl_linux_proc_attach(u->dwfl, pid, true);
	if (rc != 0) {
		lt_err_set(err, rc == ENOENT || rc == ESRCH ? LT_EXIT_TARGET
							    : LT_EXIT_ERROR,
			   "cannot prepare unwinding of process %d: %s",
			   (int)pid, rc > 0 ? strerror(rc) : dwfl_errmsg(-1));
		goto fail;
	}
	return u;
fail:
	lt_unwind_free(u);
	return NULL;
}

void lt_unwind_free(lt_unwind *u)
{
	if (!u)
		return;
	if (u->dwfl)
		dwfl_end(u->dwfl);
	free(u);
}

int lt_unwind_refresh(lt_unwind *u, lt_err *err)
{
	uint64_t h;

	if (lt_symbols_maps_hash(u->pid, &h) != 0) {
		lt_err_set(err, LT_EXIT_TARGET, "process %d exited",
			   (int)u->pid);
		return -1;
	}
	if (h == u->maps_hash)
		return 0;
	u->maps_hash = h;
	if (report(u, err) != 0)
		return -1;
	return 1;
}

struct collect {
	uint64_t *pcs;
	uint64_t act;
	int n, max;
};

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct collect *c = arg;
	Dwarf_Addr pc;
	bool activation = false;

	if (!dwfl_frame_pc(state, &pc, &activation))
		return DWARF_CB_ABORT;
	/* A zero return address is the outermost frame's sentinel. */
	if (pc == 0)
		return DWARF_CB_ABORT;
	if (activation && c->n < 64)
		c->act |= (uint64_t)1 << c->n;
	c->pcs[c->n++] = pc;
	return c->n >= c->max ? DWARF_CB_ABORT : DWARF_CB_OK;
}

int lt_unwind_capture(lt_unwind *u, pid_t tid, uint64_t *pcs,
		      uint64_t *activations, int max)
{
	struct collect c = {pcs, 0, 0, max};

	u->errmsg[0] = '\0';
	if (max <= 0)
		return 0;
	if (dwfl_getthread_frames(u->dwfl, tid, frame_cb, &c) < 0) {
		/* The walk ends with an error at the outermost frame as a rule
		 * (no CFI for _start or clone's child); keep what we got and
		 * remember the reason only when we got nothing. */
		if (c.n == 0)
			snprintf(u->errmsg, sizeof(u->errmsg), "%s",
				 dwfl_errmsg(-1));
	}
	if (c.n > 0)
		c.act |= 1; /* the current pc is never a return address */
	if (activations)
		*activations = c.act;
	return c.n;
}

const char *lt_unwind_last_error(const lt_unwind *u)
{
	return u->errmsg;
}
