#!/usr/bin/env bash
# threads_fds: leaked threads and leaked descriptors are flagged by kind;
# descriptors opened and closed again (regular files) are not.  Three
# recordings run side by side.
. "$(dirname "$0")/../lib.sh"

declare -A rec   # recorder pid by run name

# thread_grower: a blocked watcher thread every 200 ms (+5/s), 4 steady
# workers.
start_target thread_grower 200 60
thr_pid=$TARGET_PID
start_bg thr "$LEAKTOP" record -p "$thr_pid" -o "$T/thr.db" --interval 250ms --duration 3s
rec[thr]=$BG_PID

# fd_grower: 20 sockets/s and a pipe (2 fds) every 250 ms (+8/s); opens and
# closes a regular file every 50 ms.
start_target fd_grower 20 250 60
fd_pid=$TARGET_PID
start_bg fd "$LEAKTOP" record -p "$fd_pid" -o "$T/fd.db" --interval 250ms --duration 3s
rec[fd]=$BG_PID

# fd_grower again, leaking only regular files (8/s).
start_target fd_grower 0 0 60 8
file_pid=$TARGET_PID
start_bg file "$LEAKTOP" record -p "$file_pid" -o "$T/file.db" --interval 250ms --duration 3s
rec[file]=$BG_PID

for run in thr fd file; do
	if wait_exit "${rec[$run]}" 30 && [ "$WAIT_RC" -eq 0 ]; then
		ok "$run: record exits 0"
	else
		fail "$run: record exits 0" "status ${WAIT_RC:-timeout}"
		note "$T/$run.err"
	fi
	run_status=0
	lt report "$T/$run.db" >"$T/$run.report" 2>"$T/$run.report.err" || run_status=$?
	if [ "$run_status" -eq 0 ]; then ok "$run: report exits 0"; else fail "$run: report exits 0" "status $run_status"; note "$T/$run.report.err"; fi
done

# growth KEY DB: last minus first stored value of metric KEY.
growth() { echo $(($(last_value "$2" "$1") - $(first_value "$2" "$1"))); }

# verdict NAME RUN TEXT: the report of RUN has a warning line with TEXT.
verdict() {
	if grep -qF -- "$3" "$T/$2.report" && grep -F -- "$3" "$T/$2.report" | grep -q '^! '; then
		ok "$1"
	else
		fail "$1" "no warning line with \"$3\""
		note "$T/$2.report"
	fi
}

# no_verdict NAME RUN TEXT: the report of RUN does not contain TEXT.
no_verdict() {
	if grep -qF -- "$3" "$T/$2.report"; then
		fail "$1" "report says \"$(grep -F -- "$3" "$T/$2.report" | head -n 1)\""
	else
		ok "$1"
	fi
}

# --- threads ---------------------------------------------------------------
g=$(growth threads "$T/thr.db")
if [ "$g" -ge 10 ] && [ "$g" -le 20 ]; then ok "thr: session shows +5 threads/s"; else fail "thr: session shows +5 threads/s" "threads grew by $g in 3 s"; fi
verdict "thr: report says threads +" thr "threads +"
no_verdict "thr: report does not say sockets +" thr "sockets +"
no_verdict "thr: report does not say pipes +" thr "pipes +"

# --- descriptors -----------------------------------------------------------
g=$(growth fd_socket "$T/fd.db")
if [ "$g" -ge 40 ] && [ "$g" -le 80 ]; then ok "fd: session shows +20 sockets/s"; else fail "fd: session shows +20 sockets/s" "fd_socket grew by $g in 3 s"; fi
g=$(growth fd_pipe "$T/fd.db")
if [ "$g" -ge 16 ] && [ "$g" -le 32 ]; then ok "fd: session shows +8 pipe fds/s"; else fail "fd: session shows +8 pipe fds/s" "fd_pipe grew by $g in 3 s"; fi
span=$(sql "$T/fd.db" "SELECT max(v.value) - min(v.value) FROM metric_value v JOIN metric m ON m.id = v.metric_id WHERE m.key = 'fd_file'")
if [ "${span:-9}" -le 1 ]; then ok "fd: regular files stay flat in the session"; else fail "fd: regular files stay flat in the session" "fd_file spans ${span:-?}"; fi
verdict "fd: report says sockets +" fd "sockets +"
verdict "fd: report says pipes +" fd "pipes +"
no_verdict "fd: report does not say regular files +" fd "regular files +"
no_verdict "fd: report does not say threads +" fd "threads +"

g=$(growth fd_file "$T/file.db")
if [ "$g" -ge 16 ] && [ "$g" -le 32 ]; then ok "file: session shows +8 regular files/s"; else fail "file: session shows +8 regular files/s" "fd_file grew by $g in 3 s"; fi
verdict "file: report says regular files +" file "regular files +"
no_verdict "file: report does not say sockets +" file "sockets +"
no_verdict "file: report does not say pipes +" file "pipes +"
