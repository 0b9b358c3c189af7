#!/usr/bin/env bash
# diagnosis: the 12 s outcome on warm services (make accuracy measures the
# hit rate over 20 runs; this checks one run of each in make test).
#   - warm_service: its 16 MiB cache is full before the attach; the client
#     leaked per request through xmalloc (libsvc.so) ranks first as one row
#     named client_new, growing; the cache and the scratch buffer are not
#     claimed growing; the verdict names client_new with its evidence.
#   - sqlite_leak: the leak inside libsqlite3 reads as one row, the
#     program's serve_request -> sqlite3_prepare_v2; lookup's finalized
#     statements (churn in the same library) are not claimed growing.
#   - fd_leak: the sockets verdict names the call site (client_new).
# A scenario that misses is run once more, and the miss is shown: about
# one run in twenty may miss by chance (make accuracy), two in a row mean
# the diagnosis is wrong.
. "$(dirname "$0")/../lib.sh"

first_row() { # REPORT: "CLAIM WHERE" of the first heap row
	sed -n '/^Heap call sites (/,/^$/p' "$1" |
		awk '/^ +[0-9.]+ [A-Za-z]+ +[-+0-9]/ {c=$6; $1=$2=$3=$4=$5=$6=$7=$8=""; sub(/^ +/, ""); print c " " $0; exit}'
}

row_claim() { # REPORT FUNC: the claim of the row named FUNC
	sed -n '/^Heap call sites (/,/^$/p' "$1" |
		awk -v f="$2 (" '/^ +[0-9.]+ [A-Za-z]+ +[-+0-9]/ && index($0, f) {print $6; exit}'
}

# one_run NAME WAITLINE TARGET ARGS...: a warm target recorded 12 s; the
# report in $T/NAME.report.
one_run() {
	local name=$1 wait=$2
	shift 2
	start_target "$@"
	wait_for "grep -q '$wait' '$TARGET_OUT'" 20 || bail "$1 did not say $wait"
	sleep 2
	start_record "$name" "$TARGET_PID" --duration 12s
	finish_record "$name"
	stop_pid "$TARGET_PID"
}

# judge NAME: empty when the run is right, else why not.
judge() {
	local r=$T/$1.report first why=""
	case $1 in
	warm*)
		first=$(first_row "$r")
		case $first in "growing client_new ("*) ;; *) why="first row: ${first:-none}" ;; esac
		[ "$(row_claim "$r" cache_put)" != growing ] || why="$why; the cache is claimed growing"
		[ "$(row_claim "$r" serve_request)" != growing ] || why="$why; the scratch buffer is claimed growing"
		[ "$(grep -c 'growing .*client_new (' "$r")" -le 1 ] || why="$why; client_new in several rows"
		grep -q '^! heap site .* in client_new (warm_service.c:[0-9]*).* samples freed, oldest' "$r" ||
			why="$why; no verdict naming client_new with its evidence"
		;;
	sqlite*)
		first=$(first_row "$r")
		# Forty times the leak's churn in the same function: in 12 s the
		# free flow may not yet tell it from a cache, and the row then
		# says "collecting" -- but it ranks first, never steady.
		case $first in "growing serve_request ("*"-> sqlite3_prepare_v2 (libsqlite3"* | \
			"collecting serve_request ("*"-> sqlite3_prepare_v2 (libsqlite3"*) ;;
		*) why="first row: ${first:-none}" ;; esac
		[ "$(row_claim "$r" lookup)" != growing ] || why="$why; lookup (finalized) is claimed growing"
		;;
	fd*)
		grep -q '^! sockets .* created by .*client_new' "$r" || why="no sockets verdict naming client_new"
		;;
	esac
	echo "$why"
}

scenario() { # NAME DESCRIPTION WAITLINE TARGET ARGS...
	local name=$1 what=$2 why
	shift 2
	one_run "$name" "$@"
	why=$(judge "$name")
	if [ -n "$why" ]; then
		echo "# $name missed once ($why); running it again"
		note "$T/$name.report"
		one_run "$name.again" "$@"
		cp "$T/$name.again.report" "$T/$name.report"
		why=$(judge "$name")
	fi
	if [ -z "$why" ]; then ok "$what"; else fail "$what" "$why"; note "$T/$name.report"; fi
}

scenario warm "warm service: the leak through xmalloc ranks first as one row, the full cache is not growing" \
	warm warm_service 128 16 60
scenario sqlite "a leak inside libsqlite3 is one row named serve_request -> sqlite3_prepare_v2, on top" \
	started sqlite_leak 200 60
scenario fd "a socket leak names its call site" started fd_leak 20 60
expect_line "the report says blocks from before the attach are not seen" "$T/warm.report" \
	"Blocks allocated before the attach are not seen"

# Our own footprint: the agent's thread and socket are not the target's
# (warm_service has one thread and no socket).
check "footprint: the agent's thread is not counted in the threads series" \
	test "$(last_value "$T/warm.db" threads)" = 1
check "footprint: nor its socket in the sockets series" \
	test "$(last_value "$T/warm.db" fd_socket)" = 0
check "footprint: nor in the thread groups" \
	sh -c "! sqlite3 '$T/warm.db' 'SELECT name FROM thread_name' | grep -qx lt-agent"

# RLIMIT_NOFILE in the header, and a descriptor leak that reaches it is
# said, though the series goes flat there (opens fail with EMFILE).
TARGET_WRAP="prlimit --nofile=128:128 --" start_target fd_leak 40 60
wait_for "grep -q started '$TARGET_OUT'" 10 || bail "fd_leak did not start"
start_record limit "$TARGET_PID" --duration 5s --no-threads
finish_record limit
stop_pid "$TARGET_PID"
expect_line "limits: the header names RLIMIT_NOFILE" "$T/limit.report" "128 descriptors (RLIMIT_NOFILE)"
run lt view "$T/limit.db" --dump --size 160x20
expect_line "limits: and so does the screen's header" "$T/last.out" "fd limit 128"
if grep -qE '^! descriptors (at|reach) RLIMIT_NOFILE' "$T/limit.report"; then
	ok "limits: the verdict says when (or that) descriptors reach RLIMIT_NOFILE"
else
	fail "limits: the verdict says when (or that) descriptors reach RLIMIT_NOFILE" "no such verdict"
	note "$T/limit.report"
fi

# --wrapper: a function named a wrapper at record time is kept in the
# file, and its callers name the rows (here client_new is declared one, so
# its leak is serve_request's); view --wrapper adds to them.
start_target warm_service 128 16 60
wait_for "grep -q warm '$TARGET_OUT'" 20 || bail "warm_service did not warm"
start_record wrap "$TARGET_PID" --duration 4s --no-threads --wrapper client_new
finish_record wrap
stop_pid "$TARGET_PID"
check "--wrapper: kept in the session file" test "$(meta "$T/wrap.db" wrappers)" = client_new
if sed -n '/^Heap call sites (/,/^$/p' "$T/wrap.report" | grep -q 'client_new ('; then
	fail "--wrapper: no heap row is named by the wrapper" "$(grep 'client_new (' "$T/wrap.report" | head -2)"
else
	ok "--wrapper: no heap row is named by the wrapper"
fi
run lt view "$T/wrap.db" --dump --size 160x30 --wrapper serve_request
check "view --wrapper: adds to the session's" sh -c "! grep -q 'serve_request (warm' '$T/last.out' && grep -q 'Heap by your code' '$T/last.out'"
