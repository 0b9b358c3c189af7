/* Names of system calls, for "blocked in read()" lines. */
#ifndef LT_SYSCALL_H
#define LT_SYSCALL_H

/* The name of syscall nr on this architecture ("read", "epoll_wait"), or
 * NULL for a number the build's kernel headers do not name.  This function
 * can't fail. */
const char *lt_syscall_name(long nr);

#endif
