/* got_check: whether any GOT slot of a process still points into the
 * leaktop heap agent.
 *
 * Usage: got_check PID [OBJECT]
 *
 * For every ELF object mapped by PID (other than the agent), reads its
 * relocations (.rela.plt and .rela.dyn) from the file, and for those of the
 * malloc family and the descriptor calls the agent hooks reads the slot's current value from /proc/PID/mem.  Prints
 * "hooked N" when N slots point into a mapping of liblt-agent*.so, "clean"
 * otherwise, and "slots M" (how many such slots were checked, so a
 * test can tell that it looked at all).  With OBJECT, only objects whose
 * path contains OBJECT are checked (a dlopen'd plugin's own slots).
 * Exit 0; 2 on error, and when it checked no slot at all ("slots 0"):
 * "clean" then only means it looked nowhere (wrong pid, an object not
 * mapped, relocations it could not read), which must fail a test rather
 * than pass it.  Written
 * independently of the agent, so that a test does not take the agent's
 * word for its own cleanup.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_OBJ 512

struct obj {
	char path[512];
	uint64_t base;          /* mapping at file offset 0 */
};

static struct obj objs[MAX_OBJ];
static int nobjs;
static uint64_t agent_lo[64], agent_hi[64];
static int nagent;

static const char *const names[] = {
	"malloc", "free", "calloc", "realloc", "reallocarray", "posix_memalign",
	"aligned_alloc", "memalign", "valloc", "pvalloc", "dlopen", "dlclose",
	/* descriptor sites */
	"socket", "socketpair", "accept", "accept4", "open", "open64",
	"__open_2", "__open64_2", "openat", "openat64", "__openat_2",
	"__openat64_2", "creat", "creat64", "pipe", "pipe2", "dup", "dup2",
	"dup3", "eventfd", "timerfd_create", "epoll_create", "epoll_create1",
	"memfd_create", "signalfd", "inotify_init", "inotify_init1", "close",
};

static int family(const char *s)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i]))
			return 1;
	return 0;
}

static void read_maps(int pid)
{
	char path[64], line[1024];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f) {
		perror(path);
		exit(2);
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, off;
		char file[512] = "";

		if (sscanf(line, "%lx-%lx %*s %lx %*s %*s %511s", &lo, &hi, &off, file) < 3 ||
		    file[0] != '/')
			continue;
		if (strstr(file, "liblt-agent")) {
			if (nagent < 64) {
				agent_lo[nagent] = lo;
				agent_hi[nagent++] = hi;
			}
			continue;
		}
		if (off == 0 && nobjs < MAX_OBJ) {
			snprintf(objs[nobjs].path, sizeof(objs[nobjs].path), "%s", file);
			objs[nobjs++].base = lo;
		}
	}
	fclose(f);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf || pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		free(buf);
		close(fd);
		return NULL;
	}
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static int in_agent(uint64_t v)
{
	for (int i = 0; i < nagent; i++)
		if (v >= agent_lo[i] && v < agent_hi[i])
			return 1;
	return 0;
}

/* Checks one object; adds to *slots and *hooked. */
static void check(int mem, int pid, const struct obj *o, int *slots, int *hooked)
{
	char path[64 + sizeof(o->path)];
	size_t len;
	unsigned char *b;
	Elf64_Ehdr *eh;
	Elf64_Shdr *sh;
	uint64_t bias = o->base, first_vaddr = 0;

	snprintf(path, sizeof(path), "/proc/%d/root%.512s", pid, o->path);
	b = slurp(path, &len);
	if (!b)
		return;
	eh = (Elf64_Ehdr *)b;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > len ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len)
		goto out;
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr *ph = (Elf64_Phdr *)(b + eh->e_phoff) + i;

		if (ph->p_type == PT_LOAD && ph->p_offset == 0) {
			first_vaddr = ph->p_vaddr;
			break;
		}
	}
	bias -= first_vaddr;
	sh = (Elf64_Shdr *)(b + eh->e_shoff);
	for (int i = 0; i < eh->e_shnum; i++) {
		Elf64_Shdr *symtab, *strtab;

		if (sh[i].sh_type != SHT_RELA || sh[i].sh_link >= eh->e_shnum)
			continue;
		symtab = &sh[sh[i].sh_link];
		if (symtab->sh_type != SHT_DYNSYM || symtab->sh_link >= eh->e_shnum)
			continue;
		strtab = &sh[symtab->sh_link];
		if (sh[i].sh_offset + sh[i].sh_size > len ||
		    symtab->sh_offset + symtab->sh_size > len ||
		    strtab->sh_offset + strtab->sh_size > len)
			continue;
		for (size_t r = 0; r < sh[i].sh_size / sizeof(Elf64_Rela); r++) {
			Elf64_Rela *ra = (Elf64_Rela *)(b + sh[i].sh_offset) + r;
			unsigned type = ELF64_R_TYPE(ra->r_info);
			size_t si = ELF64_R_SYM(ra->r_info);
			Elf64_Sym *sym;
			uint64_t v;

			if ((type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) ||
			    (si + 1) * sizeof(Elf64_Sym) > symtab->sh_size)
				continue;
			sym = (Elf64_Sym *)(b + symtab->sh_offset) + si;
			if (sym->st_name >= strtab->sh_size ||
			    !memchr(b + strtab->sh_offset + sym->st_name, 0,
				    strtab->sh_size - sym->st_name) ||
			    !family((char *)b + strtab->sh_offset + sym->st_name))
				continue;
			if (pread(mem, &v, 8, (off_t)(bias + ra->r_offset)) != 8)
				continue;
			(*slots)++;
			if (in_agent(v))
				(*hooked)++;
		}
	}
out:
	free(b);
}

int main(int argc, char **argv)
{
	int pid, mem, slots = 0, hooked = 0;
	char path[64];

	if (argc < 2 || argc > 3 || (pid = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: got_check PID [OBJECT]\n");
		return 2;
	}
	read_maps(pid);
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	mem = open(path, O_RDONLY);
	if (mem < 0) {
		perror(path);
		return 2;
	}
	for (int i = 0; i < nobjs; i++)
		if (argc < 3 || strstr(objs[i].path, argv[2]))
			check(mem, pid, &objs[i], &slots, &hooked);
	close(mem);
	if (!slots) {
		printf("slots 0\n");
		fprintf(stderr, "got_check: no slot of the malloc family checked in pid %d%s%s: "
			"cannot tell\n", pid, argc > 2 ? " in " : "", argc > 2 ? argv[2] : "");
		return 2;
	}
	if (hooked)
		printf("hooked %d\n", hooked);
	else
		printf("clean\n");
	printf("slots %d\n", slots);
	return 0;
}
