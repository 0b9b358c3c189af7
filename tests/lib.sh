# Shared prelude of the integration tests; every tests/integration/*.sh
# sources it first:   . "$(dirname "$0")/../lib.sh"
#
# It makes the script strict (set -eu, LC_ALL=C), moves to the repository
# root, creates a private temp dir $T, and on exit — normal, failure, or a
# signal from the runner's timeout — stops every process the script started
# through start_target/start_bg, runs the cleanup hooks (e.g. removing a
# cgroup once its processes are gone) and removes $T.  Results are TAP-like
# lines "ok - NAME" / "not ok - NAME: why" on stdout; the script exits 1 if
# any check failed.
#
# Environment: LEAKTOP (default bin/leaktop), LT_TARGETS (default
# build/targets), LT_CMD_TIMEOUT (seconds a foreground leaktop command may
# take, default 60).

set -eu
export LC_ALL=C

_lt_origin=$(pwd)
LEAKTOP=${LEAKTOP:-bin/leaktop}
LT_TARGETS=${LT_TARGETS:-build/targets}
LT_CMD_TIMEOUT=${LT_CMD_TIMEOUT:-60}
# Paths given relative to where the test was started stay valid after cd.
case $LEAKTOP in
/*) ;;
*/*) LEAKTOP=$_lt_origin/$LEAKTOP ;;
*) LEAKTOP=$(command -v "$LEAKTOP" || echo "$LEAKTOP") ;;
esac
case $LT_TARGETS in /*) ;; *) LT_TARGETS=$_lt_origin/$LT_TARGETS ;; esac
cd "$(dirname "${BASH_SOURCE[0]}")/.."
LT_ROOT=$(pwd)

LT_NAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/lt-$LT_NAME.XXXXXX")
# Traversable by other users, so tests that run leaktop as nobody can reach
# directories inside it.
chmod 755 "$T"

_lt_main=$BASHPID
_lt_pids=()
_lt_hooks=()
_lt_failed=0
_lt_count=0

# --- processes -----------------------------------------------------------

# alive PID: the process exists and is not a zombie.
alive() {
	local key val _
	# No command substitution: it would re-run the EXIT trap (see below).
	while read -r key val _; do
		if [ "$key" = State: ]; then
			[ "$val" != Z ] && [ "$val" != X ]
			return
		fi
	done 2>/dev/null <"/proc/$1/status"
	return 1
}

# stop_pid PID: SIGTERM, up to 3 s grace, then SIGKILL; reaps it if it is
# our child.  Never fails.
stop_pid() {
	local p=$1 i
	kill -TERM "$p" 2>/dev/null || true
	for ((i = 0; i < 60; i++)); do
		alive "$p" || break
		sleep 0.05
	done
	if alive "$p"; then
		kill -KILL "$p" 2>/dev/null || true
	fi
	{ wait "$p" || true; } 2>/dev/null
}

# _lt_ours PID: PID is still a child of this script.  A tracked process
# that was already reaped gives its pid back to the kernel, and with
# pid_max at 32768 and tests that fork a lot it is soon someone else's:
# cleanup must never signal that one.
_lt_ours() {
	local stat rest
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	rest=${stat##*) }           # after "(comm) ": state ppid ...
	set -- $rest
	[ "${2:-}" = "$_lt_main" ]
}

# track PID: stop PID when the script exits.
track() { _lt_pids+=("$1"); }

# on_exit CMD: run CMD (eval'd) on exit, after the tracked processes are
# gone, last registered first.
on_exit() { _lt_hooks=("$1" "${_lt_hooks[@]+"${_lt_hooks[@]}"}"); }

_lt_cleanup() {
	local rc=$?
	# bash runs this trap again in a command substitution forked while it
	# runs; only the script itself cleans up.
	[ "$BASHPID" = "$_lt_main" ] || return 0
	local p h
	set +e
	for p in "${_lt_pids[@]+"${_lt_pids[@]}"}"; do
		_lt_ours "$p" && kill -TERM "$p" 2>/dev/null
	done
	for p in "${_lt_pids[@]+"${_lt_pids[@]}"}"; do
		_lt_ours "$p" && stop_pid "$p"
	done
	for h in "${_lt_hooks[@]+"${_lt_hooks[@]}"}"; do
		eval "$h"
	done
	rm -rf "$T"
	if [ "$rc" -eq 0 ] && [ "$_lt_failed" -gt 0 ]; then
		rc=1
	fi
	exit "$rc"
}
trap _lt_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# start_target NAME ARGS...: starts $LT_TARGETS/NAME in the background with
# stdout and stderr in $TARGET_OUT, and waits (up to 5 s) for its first
# output line, so it has exec'd and set itself up.  Sets TARGET_PID and
# TARGET_OUT.  Every target prints a line first thing.
#   TARGET_CGROUP=DIR  the target joins cgroup DIR (writes cgroup.procs)
#                      before it execs
#   TARGET_WRAP="..."  a command (word-split) that execs the target, e.g.
#                      "setpriv --reuid=65534 --regid=65534 --clear-groups"
start_target() {
	local name=$1
	shift
	if [ ! -x "$LT_TARGETS/$name" ]; then
		bail "target $LT_TARGETS/$name is not built (make $LT_TARGETS/$name)"
	fi
	TARGET_OUT=$T/$name.$RANDOM.out
	(
		if [ -n "${TARGET_CGROUP:-}" ]; then
			echo "$BASHPID" >"$TARGET_CGROUP/cgroup.procs" || exit 1
		fi
		# shellcheck disable=SC2086 # TARGET_WRAP is a word list
		exec ${TARGET_WRAP:-} "$LT_TARGETS/$name" "$@"
	) >"$TARGET_OUT" 2>&1 &
	TARGET_PID=$!
	track "$TARGET_PID"
	if ! wait_for "[ -s '$TARGET_OUT' ]" 5; then
		bail "target $name did not start: $(head -c 300 "$TARGET_OUT")"
	fi
}

# start_bg NAME CMD...: runs CMD in the background with stdout in
# $T/NAME.out and stderr in $T/NAME.err; sets BG_PID.  SIGINT, SIGTERM and
# SIGHUP are reset to their defaults (a non-interactive shell would start a
# background job with SIGINT ignored, which an interactive user's leaktop
# never sees).
start_bg() {
	local name=$1
	shift
	env --default-signal=INT,TERM,HUP,QUIT "$@" >"$T/$name.out" 2>"$T/$name.err" &
	BG_PID=$!
	track "$BG_PID"
}

# wait_exit PID TIMEOUT: waits for our child PID to end (up to TIMEOUT
# seconds) and sets WAIT_RC to its exit status; returns 1 on timeout (the
# process is left running; cleanup will stop it).
wait_exit() {
	local p=$1
	WAIT_RC=
	# stderr: no "Killed" job notice from bash
	if ! wait_for "! alive $p" "$2" 2>/dev/null; then
		return 1
	fi
	WAIT_RC=0
	{ wait "$p" || WAIT_RC=$?; } 2>/dev/null
}

# kill_wait SIG PID: sends SIG to our child PID and reaps it (quietly, up to
# 5 s; then SIGKILL).
kill_wait() {
	{
		kill -s "$1" "$2" || true
		wait_for "! alive $2" 5 || kill -KILL "$2" || true
		wait "$2" || true
	} 2>/dev/null
}

# wait_for COND TIMEOUT: polls the shell condition COND (eval'd) every 50 ms
# until it holds (returns 0) or TIMEOUT seconds (may be fractional) passed
# (returns 1).
wait_for() {
	local cond=$1 deadline
	deadline=$(($(date +%s%N) + $(awk -v s="$2" 'BEGIN { printf "%.0f", s * 1e9 }')))
	while ! eval "$cond"; do
		if [ "$(date +%s%N)" -ge "$deadline" ]; then
			return 1
		fi
		sleep 0.05
	done
}

# --- results -------------------------------------------------------------

ok() {
	_lt_count=$((_lt_count + 1))
	echo "ok - $1"
}

skip() {
	_lt_count=$((_lt_count + 1))
	echo "ok - $1 # SKIP $2"
}

# fail NAME MSG: a failed check; the script goes on and exits 1 at the end.
fail() {
	_lt_count=$((_lt_count + 1))
	_lt_failed=$((_lt_failed + 1))
	echo "not ok - $1: $2"
}

# bail MSG: the script cannot go on (missing binary, target that will not
# start): reports one failure and exits.
bail() {
	fail "$LT_NAME" "$1"
	exit 1
}

# note FILE...: shows files as "# " comment lines (context for a failure).
note() {
	local f
	for f in "$@"; do
		[ -s "$f" ] || continue
		echo "# --- $(basename "$f")"
		head -n 40 "$f" | sed 's/^/#   /'
	done
}

# check NAME CMD...: ok when CMD succeeds; otherwise not ok with its output.
check() {
	local name=$1
	shift
	if "$@" >"$T/.check" 2>&1; then
		ok "$name"
	else
		fail "$name" "failed: $*"
		note "$T/.check"
	fi
}

# run CMD...: runs CMD, stdout in $T/last.out, stderr in $T/last.err, exit
# status in LAST_RC.  Never fails.
run() {
	LAST_RC=0
	"$@" >"$T/last.out" 2>"$T/last.err" || LAST_RC=$?
}

# expect_exit CODE NAME CMD...: ok when CMD exits with CODE.
expect_exit() {
	local code=$1 name=$2
	shift 2
	run "$@"
	if [ "$LAST_RC" -eq "$code" ]; then
		ok "$name"
	else
		fail "$name" "exit status $LAST_RC, expected $code"
		note "$T/last.err"
	fi
}

# _err_ok SUBSTRING: last stderr is exactly one line "leaktop: ..." that
# contains SUBSTRING (case-insensitive); else sets _err_why.
_err_ok() {
	local n
	n=$(wc -l <"$T/last.err")
	if ! grep -qiF -- "$1" "$T/last.err"; then
		_err_why="stderr lacks \"$1\""
	elif [ "$n" -ne 1 ]; then
		_err_why="stderr has $n lines, expected one"
	elif ! grep -q '^leaktop: ' "$T/last.err"; then
		_err_why="stderr does not start with \"leaktop: \""
	else
		return 0
	fi
	return 1
}

# expect_err SUBSTRING NAME CMD...: ok when CMD fails with one stderr line
# "leaktop: ..." containing SUBSTRING (case-insensitive).
expect_err() {
	local sub=$1 name=$2
	shift 2
	run "$@"
	if [ "$LAST_RC" -eq 0 ]; then
		fail "$name" "succeeded, expected an error \"$sub\""
	elif _err_ok "$sub"; then
		ok "$name"
	else
		fail "$name" "$_err_why"
		note "$T/last.err"
	fi
}

# expect_fail CODE SUBSTRING NAME CMD...: expect_exit and expect_err in one
# run (one result line).
expect_fail() {
	local code=$1 sub=$2 name=$3
	shift 3
	run "$@"
	if [ "$LAST_RC" -ne "$code" ]; then
		fail "$name" "exit status $LAST_RC, expected $code"
		note "$T/last.err"
	elif ! _err_ok "$sub"; then
		fail "$name" "$_err_why"
		note "$T/last.err"
	else
		ok "$name"
	fi
}

# --- leaktop and session files -------------------------------------------

# lt ARGS...: runs leaktop in the foreground, killed after LT_CMD_TIMEOUT s.
lt() {
	timeout --foreground -k 5 "$LT_CMD_TIMEOUT" "$LEAKTOP" "$@"
}

# as_nobody CMD...: runs CMD as uid/gid 65534 without supplementary groups
# or capabilities.
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

# sql FILE QUERY: runs QUERY on FILE read-only; rows on stdout, fields
# separated by "|".
sql() {
	sqlite3 -readonly -batch -noheader "$1" "$2"
}

# meta FILE KEY: the value of KEY in the session's meta table.
meta() {
	sql "$1" "SELECT value FROM meta WHERE key = '$2'"
}

# ticks FILE: the number of committed ticks (0 if unreadable).
ticks() {
	sql "$1" 'SELECT count(*) FROM tick' 2>/dev/null || echo 0
}

# value_rows FILE KEY: how many values are stored for metric KEY.
value_rows() {
	sql "$1" "SELECT count(*) FROM metric_value v JOIN metric m ON m.id = v.metric_id WHERE m.key = '$2'"
}

# last_value FILE KEY / first_value FILE KEY: the value of metric KEY at the
# last / first tick where it was stored.
last_value() {
	sql "$1" "SELECT v.value FROM metric_value v JOIN metric m ON m.id = v.metric_id JOIN tick t ON t.id = v.tick_id WHERE m.key = '$2' ORDER BY t.t DESC LIMIT 1"
}
first_value() {
	sql "$1" "SELECT v.value FROM metric_value v JOIN metric m ON m.id = v.metric_id JOIN tick t ON t.id = v.tick_id WHERE m.key = '$2' ORDER BY t.t ASC LIMIT 1"
}

# growth FILE KEY: the last minus the first stored value of metric KEY.
growth() { echo $(($(last_value "$1" "$2") - $(first_value "$1" "$2"))); }

# value_span FILE KEY: the largest minus the smallest stored value of metric
# KEY (empty when it has none).
value_span() {
	sql "$1" "SELECT max(v.value) - min(v.value) FROM metric_value v JOIN metric m ON m.id = v.metric_id WHERE m.key = '$2'"
}

# wait_ticks FILE N TIMEOUT: waits up to TIMEOUT seconds until FILE has at
# least N committed ticks; returns 1 if it never does.
wait_ticks() {
	wait_for "[ \"\$(ticks '$1')\" -ge $2 ]" "$3"
}

# --- recordings ------------------------------------------------------------

# Recorder pid by run name, set by start_record.
declare -A REC=()

# start_record RUN PID ARGS...: starts "leaktop record -p PID -o $T/RUN.db
# ARGS..." in the background (start_bg RUN: its stderr goes to $T/RUN.err)
# and sets REC[RUN] and BG_PID to its pid.
start_record() {
	local run=$1 pid=$2
	shift 2
	start_bg "$run" "$LEAKTOP" record -p "$pid" -o "$T/$run.db" "$@"
	REC[$run]=$BG_PID
}

# status_ok NAME STATUS LOG: ok NAME when STATUS is 0; otherwise not ok
# with the status, and LOG shown.
status_ok() {
	if [ "$2" = 0 ]; then
		ok "$1"
	else
		fail "$1" "status $2"
		note "$3"
	fi
}

# finish_record RUN: waits (up to 30 s) for the recorder REC[RUN] to end,
# then reports $T/RUN.db into $T/RUN.report.  Two results: "RUN: record
# exits 0" and "RUN: report exits 0".
finish_record() {
	local run=$1 rc=0
	wait_exit "${REC[$run]}" 30 || true
	status_ok "$run: record exits 0" "${WAIT_RC:-timeout}" "$T/$run.err"
	lt report "$T/$run.db" >"$T/$run.report" 2>"$T/$run.report.err" || rc=$?
	status_ok "$run: report exits 0" "$rc" "$T/$run.report.err"
}

# --- report contents -------------------------------------------------------

# has_line FILE TEXT: FILE has a line containing TEXT (fixed string).
has_line() { grep -qF -- "$2" "$1"; }

# expect_line NAME FILE TEXT: ok when FILE has a line containing TEXT.
expect_line() {
	if has_line "$2" "$3"; then
		ok "$1"
	else
		fail "$1" "no line with \"$3\""
		note "$2"
	fi
}

# expect_no_line NAME FILE TEXT: ok when no line of FILE contains TEXT.
expect_no_line() {
	if has_line "$2" "$3"; then
		fail "$1" "has \"$(grep -F -- "$3" "$2" | head -n 1)\""
		note "$2"
	else
		ok "$1"
	fi
}

# expect_warning NAME FILE TEXT: ok when FILE (a report) has a warning line,
# one that starts with "! ", containing TEXT.
expect_warning() {
	if grep -F -- "$3" "$2" | grep -q '^! '; then
		ok "$1"
	else
		fail "$1" "no warning line with \"$3\""
		note "$2"
	fi
}

if [ ! -x "$LEAKTOP" ]; then
	bail "leaktop binary $LEAKTOP is missing (make all)"
fi

# --- heap sites ------------------------------------------------------------

# site_live DB FUNCTION: the live bytes, at each site's last row, of the
# heap sites whose innermost frame is FUNCTION (summed).
site_live() {
	sql "$1" "SELECT coalesce(sum(v.live_bytes), 0) FROM heap_value v
		JOIN (SELECT site_id, max(tick_id) AS t FROM heap_value GROUP BY site_id) last
		  ON last.site_id = v.site_id AND last.t = v.tick_id
		JOIN heap_site s ON s.id = v.site_id
		JOIN stack_frame sf ON sf.stack_id = s.stack_id AND sf.pos = 0
		JOIN frame_symbol fs ON fs.frame_id = sf.frame_id AND fs.depth = 0
		WHERE fs.function = '$2'"
}

# got_clean PID [OBJECT]: no GOT slot of PID (of its objects whose path
# contains OBJECT) points into the heap agent, and got_check looked at
# some: "clean" of zero slots checked is no evidence.
got_clean() {
	local out
	out=$("$LT_TARGETS/got_check" "$@") || { echo "got_check failed: $out"; return 1; }
	echo "$out"
	printf '%s\n' "$out" | grep -qx clean &&
		[ "$(printf '%s\n' "$out" | awk '$1 == "slots" { print $2 }')" -gt 0 ]
}

# got_hooked PID [OBJECT]: some GOT slot of PID (of OBJECT) points into
# the heap agent.
got_hooked() {
	local out
	out=$("$LT_TARGETS/got_check" "$@") || { echo "got_check failed: $out"; return 1; }
	echo "$out"
	printf '%s\n' "$out" | grep -q '^hooked [1-9]'
}
