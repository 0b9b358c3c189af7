#!/usr/bin/env bash
# threads_fds: leaked threads and leaked descriptors are flagged by kind;
# descriptors opened and closed again (regular files) are not.  Three
# recordings run side by side.
. "$(dirname "$0")/../lib.sh"

# thread_grower: a blocked watcher thread every 200 ms (+5/s), 4 steady
# workers.
start_target thread_grower 200 60
start_record thr "$TARGET_PID" --interval 250ms --duration 3s

# fd_grower: 20 sockets/s and a pipe (2 fds) every 250 ms (+8/s); opens and
# closes a regular file every 50 ms.
start_target fd_grower 20 250 60
start_record fd "$TARGET_PID" --interval 250ms --duration 3s

# fd_grower again, leaking only regular files (8/s).
start_target fd_grower 0 0 60 8
start_record file "$TARGET_PID" --interval 250ms --duration 3s

for run in thr fd file; do
	finish_record "$run"
done

# verdict NAME RUN TEXT: the report of RUN has a warning line with TEXT.
verdict() { expect_warning "$1" "$T/$2.report" "$3"; }

# no_verdict NAME RUN TEXT: the report of RUN does not contain TEXT.
no_verdict() { expect_no_line "$1" "$T/$2.report" "$3"; }

# --- threads ---------------------------------------------------------------
g=$(growth "$T/thr.db" threads)
if [ "$g" -ge 10 ] && [ "$g" -le 20 ]; then ok "thr: session shows +5 threads/s"; else fail "thr: session shows +5 threads/s" "threads grew by $g in 3 s"; fi
verdict "thr: report says threads +" thr "threads +"
no_verdict "thr: report does not say sockets +" thr "sockets +"
no_verdict "thr: report does not say pipes +" thr "pipes +"

# --- descriptors -----------------------------------------------------------
g=$(growth "$T/fd.db" fd_socket)
if [ "$g" -ge 40 ] && [ "$g" -le 80 ]; then ok "fd: session shows +20 sockets/s"; else fail "fd: session shows +20 sockets/s" "fd_socket grew by $g in 3 s"; fi
g=$(growth "$T/fd.db" fd_pipe)
if [ "$g" -ge 16 ] && [ "$g" -le 32 ]; then ok "fd: session shows +8 pipe fds/s"; else fail "fd: session shows +8 pipe fds/s" "fd_pipe grew by $g in 3 s"; fi
span=$(value_span "$T/fd.db" fd_file)
if [ "${span:-9}" -le 1 ]; then ok "fd: regular files stay flat in the session"; else fail "fd: regular files stay flat in the session" "fd_file spans ${span:-?}"; fi
verdict "fd: report says sockets +" fd "sockets +"
verdict "fd: report says pipes +" fd "pipes +"
no_verdict "fd: report does not say regular files +" fd "regular files +"
no_verdict "fd: report does not say threads +" fd "threads +"

g=$(growth "$T/file.db" fd_file)
if [ "$g" -ge 16 ] && [ "$g" -le 32 ]; then ok "file: session shows +8 regular files/s"; else fail "file: session shows +8 regular files/s" "fd_file grew by $g in 3 s"; fi
verdict "file: report says regular files +" file "regular files +"
no_verdict "file: report does not say sockets +" file "sockets +"
no_verdict "file: report does not say pipes +" file "pipes +"
