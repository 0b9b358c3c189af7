/* The one reader of /proc/PID and /proc/PID/task/TID files, for every
 * source that reads them (procfs, threads, inject).
 *
 * Everything in those files is the target's to choose: its name (comm)
 * may hold spaces, parentheses and control bytes, a file may be cut short
 * by a read racing an exit, and a process near vm.max_map_count has
 * megabytes of maps.  So reads stop at a cap the caller gives, parsers take
 * a buffer and its length (never a NUL), check every bound, and no number
 * is trusted to fit until it is parsed (lt_text).  A line without its
 * newline is never parsed: "1234 kB" cut to "12" must not read as 12. */
#ifndef LT_PROC_H
#define LT_PROC_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lt_text.h"

/* ---- files ---- */

/* Opens /proc/PID as an O_PATH directory: files read through it belong to
 * this process even after pid is reused.  Returns the descriptor, or -1
 * with errno (ENOENT for no such process or pid <= 0). */
int lt_proc_open(pid_t pid);

/* Reads file of the process procfd refers to (tid 0) or of its thread tid
 * (task/TID/file) into b, at most max bytes (see lt_text_read_grow: the
 * length returned is max when the file may have been cut).  Returns the
 * length, or -1 with errno (ENOENT, ESRCH: the process or thread is
 * gone). */
ssize_t lt_proc_read(int procfd, pid_t tid, const char *file,
		     struct lt_text_buf *b, size_t max);

/* Like lt_proc_read, into the caller's buf of cap bytes (a small file read
 * per thread per tick, without allocating).  Not NUL-terminated. */
ssize_t lt_proc_read_buf(int procfd, pid_t tid, const char *file, char *buf,
			 size_t cap);

/* ---- task listing ---- */

/* The thread ids in /proc/PID/task, in directory order. */
struct lt_proc_tasks {
	DIR *d;
};

/* Opens the listing of procfd's threads.  Returns 0, or -1 with errno (the
 * process is gone or unreadable). */
int lt_proc_tasks_open(int procfd, struct lt_proc_tasks *it);
/* Sets *tid to the next thread id and returns 1; 0 at the end.  Entries
 * that are not a decimal in 1..INT_MAX are skipped. */
int lt_proc_tasks_next(struct lt_proc_tasks *it, pid_t *tid);
/* NULL-safe and idempotent. */
void lt_proc_tasks_close(struct lt_proc_tasks *it);

/* ---- stat ---- */

/* Bytes of comm kept: the kernel's TASK_COMM_LEN is 16; the rest of a
 * longer name (never seen) is cut. */
#define LT_PROC_COMM_MAX 64

/* /proc/PID/stat and /proc/PID/task/TID/stat, up to field 9. */
struct lt_proc_stat {
	int64_t pid;
	char comm[LT_PROC_COMM_MAX]; /* NUL-terminated, control bytes
					replaced by '?', cut to fit */
	char state;                  /* 'R', 'S', 'D', 'Z', 't', ... */
	int64_t ppid;
	uint64_t flags;              /* PF_* */
};

/* Parses "PID (COMM) S PPID PGRP SESSION TTY_NR TPGID FLAGS ...".  comm is
 * everything between the first '(' and the last ')': a name may hold both,
 * spaces and digits, but nothing after it holds a ')'.  Returns 0, or -1
 * when the text is malformed, cut before flags, or a number does not fit;
 * *out is then unspecified. */
int lt_proc_parse_stat(const char *buf, size_t len, struct lt_proc_stat *out);

/* ---- "Key: value" files (status, smaps_rollup, io) ---- */

/* For a line "key:<blanks>NUMBER" (or "... NUMBER kB" when kb, converted to
 * bytes): returns 1 when the line's key is exactly key, with *out set when
 * the value is a well-formed number that fits (left alone otherwise); 0
 * for another key.  Never fails. */
int lt_proc_key_num(const char *line, size_t len, const char *key, int kb,
		    int64_t *out);

/* /proc/PID/status; kB values converted to bytes; -1 when absent or
 * malformed. */
struct lt_proc_status {
	int64_t rss_anon, rss_file, rss_shmem, vm_data; /* bytes */
	int64_t threads;
	int64_t tgid;
	int64_t tracer_pid; /* TracerPid: 0 when not traced */
	int64_t ns_tgid;    /* the last NStgid: its pid in its own (innermost)
			       PID namespace; -1 when absent */
	char state;         /* 'R', 'S', 'Z', 't', ...; 0 when absent */
};
/* Parses status; unknown keys, malformed lines and a cut last line are
 * ignored.  This function can't fail. */
void lt_proc_parse_status(const char *buf, size_t len,
			  struct lt_proc_status *out);

/* ---- syscall ---- */

/* /proc/PID/task/TID/syscall: the number of the system call the thread is
 * blocked in ("NR ARGS... SP PC"), or -1 when it runs ("running"), is
 * blocked outside a system call ("-1 SP PC"), or the text is malformed. */
long lt_proc_parse_syscall(const char *buf, size_t len);

/* ---- maps ---- */

/* One line of /proc/PID/maps: "START-END PERMS OFFSET DEV INODE [PATH]". */
struct lt_proc_map {
	uint64_t start, end, offset;
	char perms[5];    /* "r-xp", NUL-terminated */
	const char *path; /* into the line; the rest of it, spaces included
			     ("/a b", "[heap]", "/x (deleted)"); "" if none */
	size_t pathlen;
};

/* Parses one line (without its newline).  Returns 0, or -1 when it is
 * malformed or end < start. */
int lt_proc_parse_map(const char *line, size_t len, struct lt_proc_map *out);

/* Streams maps (or any line file) through a fixed buffer: a process near
 * vm.max_map_count has several MB of them.  The caller provides buf (cap
 * > 0 bytes).  A zero-initialised one may be closed. */
struct lt_proc_lines {
	int fd;
	char *buf;
	size_t cap, pos, end;
	int skipping;     /* inside the rest of a line longer than cap */
};

/* Opens file of procfd (tid 0) or of thread tid for streaming.  Returns 0,
 * or -1 with errno. */
int lt_proc_lines_open(struct lt_proc_lines *s, int procfd, pid_t tid,
		       const char *file, char *buf, size_t cap);
/* Sets *line, *len to the next newline-terminated line (pointing into the
 * buffer, valid until the next call) and returns 1; 0 at the end (a last
 * line without newline is dropped); -1 with errno on a read error.  A line
 * of cap bytes or more (its newline not counted) is returned once, cut to
 * cap bytes, with *cut set (else *cut is 0); the rest of it is skipped. */
int lt_proc_lines_next(struct lt_proc_lines *s, const char **line,
		       size_t *len, int *cut);
/* NULL-safe and idempotent. */
void lt_proc_lines_close(struct lt_proc_lines *s);

#endif
