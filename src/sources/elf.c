#include "lt_elf.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include <unistd.h>

enum scan { SCAN_BAD = -1, SCAN_NONE = 0, SCAN_FOUND = 1 };

static void to_hex(const unsigned char *id, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[id[i] >> 4];
		hex[2 * i + 1] = digits[id[i] & 0xf];
	}
	hex[2 * n] = '\0';
}

/* Looks for the GNU build-id note in one block of notes.  gelf_getnote
 * checks each header against d_size; the name and descriptor spans are
 * checked again here because the file is untrusted. */
static enum scan scan_notes(const Elf_Data *data, char *hex, size_t len,
			    const char *path, lt_err *err)
{
	const unsigned char *buf = data->d_buf;
	size_t off = 0, next, name_off, desc_off;
	GElf_Nhdr nh;

	if (!buf)
		return SCAN_NONE;
	while (off < data->d_size &&
	       (next = gelf_getnote((Elf_Data *)data, off, &nh, &name_off,
				    &desc_off)) > 0) {
		off = next;
		if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
		    name_off > data->d_size || data->d_size - name_off < 4 ||
		    memcmp(buf + name_off, "GNU", 4) != 0)
			continue;
		if (nh.n_descsz == 0 || desc_off > data->d_size ||
		    data->d_size - desc_off < nh.n_descsz) {
			lt_err_set(err, LT_EXIT_ERROR,
				   "%s: malformed build-id note", path);
			return SCAN_BAD;
		}
		if (len == 0 || nh.n_descsz > (len - 1) / 2) {
			lt_err_set(err, LT_EXIT_ERROR,
				   "%s: build-id of %u bytes does not fit", path,
				   (unsigned)nh.n_descsz);
			return SCAN_BAD;
		}
		to_hex(buf + desc_off, nh.n_descsz, hex);
		return SCAN_FOUND;
	}
	return SCAN_NONE;
}

static enum scan scan_sections(Elf *elf, char *hex, size_t len,
			       const char *path, lt_err *err)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		Elf_Data *data = NULL;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		while ((data = elf_getdata(scn, data)) != NULL) {
			enum scan r = scan_notes(data, hex, len, path, err);

			if (r != SCAN_NONE)
				return r;
		}
	}
	return SCAN_NONE;
}

/* Stripped-of-sections binaries still carry the note in a PT_NOTE. */
static enum scan scan_segments(Elf *elf, char *hex, size_t len,
			       const char *path, lt_err *err)
{
	size_t n;

	if (elf_getphdrnum(elf, &n) != 0)
		return SCAN_NONE;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		Elf_Data *data;
		enum scan r;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		/* rawchunk checks offset and size against the file. */
		data = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset,
					    ph.p_filesz,
					    ph.p_align == 8 ? ELF_T_NHDR8
							    : ELF_T_NHDR);
		if (!data)
			continue;
		r = scan_notes(data, hex, len, path, err);
		if (r != SCAN_NONE)
			return r;
	}
	return SCAN_NONE;
}

int lt_elf_build_id(const char *path, char *hex, size_t len, lt_err *err)
{
	Elf *elf = NULL;
	enum scan r = SCAN_BAD;
	int fd;

	if (len > 0)
		hex[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		lt_err_set(err, LT_EXIT_ERROR, "cannot open %s: %s", path,
			   strerror(errno));
		return -1;
	}
	if (elf_version(EV_CURRENT) == EV_NONE) {
		lt_err_set(err, LT_EXIT_ERROR, "libelf: %s",
			   elf_errmsg(-1));
		goto out;
	}
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		lt_err_set(err, LT_EXIT_ERROR, "%s: not an ELF file", path);
		goto out;
	}
	r = scan_sections(elf, hex, len, path, err);
	if (r == SCAN_NONE)
		r = scan_segments(elf, hex, len, path, err);
	if (r == SCAN_NONE)
		lt_err_set(err, LT_EXIT_ERROR, "%s: no GNU build-id note",
			   path);
out:
	if (r != SCAN_FOUND && len > 0)
		hex[0] = '\0';
	elf_end(elf);
	close(fd);
	return r == SCAN_FOUND ? 0 : -1;
}

static Elf *open_elf(int fd, const char *what, lt_err *err)
{
	Elf *elf;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		lt_err_set(err, LT_EXIT_ERROR, "libelf: %s", elf_errmsg(-1));
		return NULL;
	}
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		lt_err_set(err, LT_EXIT_ERROR, "%s: not an ELF file", what);
		elf_end(elf);
		return NULL;
	}
	return elf;
}

/* The vaddr of the PT_LOAD at file offset 0: what the load address in
 * /proc/PID/maps (the mapping at offset 0) corresponds to. */
static int first_load(Elf *elf, uint64_t *vaddr)
{
	size_t n;

	if (elf_getphdrnum(elf, &n))
		return -1;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD &&
		    ph.p_offset == 0) {
			*vaddr = ph.p_vaddr;
			return 0;
		}
	}
	return -1;
}

int lt_elf_dynsym(int fd, const char *what, const char *name,
		  uint64_t *value, uint64_t *load_vaddr, lt_err *err)
{
	Elf *elf = open_elf(fd, what, err);
	Elf_Scn *scn = NULL;
	int rc = -1;

	if (!elf)
		return -1;
	if (first_load(elf, load_vaddr)) {
		lt_err_set(err, LT_EXIT_ERROR, "%s: no loadable segment", what);
		goto out;
	}
	while ((scn = elf_nextscn(elf, scn)) != NULL && rc) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t count;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM ||
		    !sh.sh_entsize || !(d = elf_getdata(scn, NULL)))
			continue;
		count = d->d_size / sh.sh_entsize;
		for (size_t i = 1; i < count; i++) {
			GElf_Sym sym;
			const char *s;

			if (!gelf_getsym(d, (int)i, &sym) ||
			    sym.st_shndx == SHN_UNDEF || !sym.st_value ||
			    GELF_ST_TYPE(sym.st_info) != STT_FUNC)
				continue;
			/* elf_strptr checks the offset against the table */
			s = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (s && !strcmp(s, name)) {
				*value = sym.st_value;
				rc = 0;
				break;
			}
		}
	}
	if (rc)
		lt_err_set(err, LT_EXIT_ERROR, "%s: no symbol %s", what, name);
out:
	elf_end(elf);
	return rc;
}

int lt_elf_program(int fd, const char *what, struct lt_elf_program *out,
		   lt_err *err)
{
	Elf *elf = open_elf(fd, what, err);
	Elf_Scn *scn = NULL;
	size_t n, shstr;

	memset(out, 0, sizeof(*out));
	if (!elf)
		return -1;
	if (elf_getphdrnum(elf, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			GElf_Phdr ph;

			if (!gelf_getphdr(elf, (int)i, &ph))
				continue;
			if (ph.p_type == PT_INTERP)
				out->has_interp = 1;
			if (ph.p_type == PT_DYNAMIC)
				out->dynamic = 1;
		}
	}
	if (elf_getshdrstrndx(elf, &shstr) == 0) {
		while ((scn = elf_nextscn(elf, scn)) != NULL) {
			GElf_Shdr sh;
			const char *s;

			if (!gelf_getshdr(scn, &sh))
				continue;
			s = elf_strptr(elf, shstr, sh.sh_name);
			if (s && (!strcmp(s, ".go.buildinfo") ||
				  !strcmp(s, ".note.go.buildid") ||
				  !strcmp(s, ".gopclntab")))
				out->go = 1;
		}
	}
	elf_end(elf);
	return 0;
}
