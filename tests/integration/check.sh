#!/usr/bin/env bash
# check: `leaktop check` as a CI gate.  A leaking program gives 1 and a
# steady one 0, by command (-- CMD) and by pid (-p); --ignore and the
# thresholds turn a 1 into a 0; the temporary session is removed on 0 and
# kept (and named) on 1; a command that exits before the duration is judged
# on what was recorded; errors give 2 and up (usage 2, target 3, file 4,
# too short 5, CMD failed 6, CMD not found 127).  A Go program's leaking
# goroutines fail it too, and --ignore on their function passes them.
. "$(dirname "$0")/../lib.sh"

# Temporary sessions go under $T, so the test sees them and cleans them up.
export TMPDIR=$T
# Quick ticks: a few seconds are enough for the growth statistics.
FAST=(--interval 250ms)
# Heap rows need samples to claim growth: 64K gives about 30 a second at
# heap_grower's 2 MiB/s (at the default 512K a loaded machine leaves the
# row "collecting" after 5 s).
HEAP=(--sample-rate 64K)

temps() { find "$T" -maxdepth 1 -name 'leaktop-check-*' | wc -l; }

# expect_check NAME STATUS OUTPUT-TEXT CMD...: leaktop check exits STATUS
# and prints OUTPUT-TEXT (a fixed string) on stdout.
expect_check() {
	local name=$1 status=$2 text=$3
	shift 3
	run lt check "$@"
	if [ "$LAST_RC" -ne "$status" ]; then
		fail "$name" "exit status $LAST_RC, expected $status"
		note "$T/last.out" "$T/last.err"
	elif ! grep -qF -- "$text" "$T/last.out"; then
		fail "$name" "stdout lacks \"$text\""
		note "$T/last.out" "$T/last.err"
	else
		ok "$name"
	fi
}

# --- a command: leaking, steady --------------------------------------------------
expect_check "check -- heap_grower: 1, the heap row fails" 1 "[fail] heap site" \
	--duration 5s "${FAST[@]}" "${HEAP[@]}" -- "$LT_TARGETS/heap_grower" 2
grep -qF "leak_request_buffer" "$T/last.out" && ok "check names the leaking function" ||
	fail "check names the leaking function" "no leak_request_buffer"
grep -qx "check: FAIL: 1 finding grows ([0-9]* ticks)" "$T/last.out" &&
	ok "check: the last line says FAIL and how many findings" ||
	fail "check: the last line says FAIL and how many findings" "$(tail -n 1 "$T/last.out")"
kept=$(sed -n 's/.*the session is in \([^ ]*\) (leaktop report.*/\1/p' "$T/last.err")
if [ -n "$kept" ] && [ -s "$kept" ] && lt report "$kept" >"$T/kept.report" 2>&1 &&
	grep -q "leak_request_buffer" "$T/kept.report"; then
	ok "check: on 1 the temporary session is kept, named, and reports"
else
	fail "check: on 1 the temporary session is kept, named, and reports" "'$kept'"
	note "$T/last.err"
fi
grep -qF "sending SIGTERM" "$T/last.err" && ok "check: the duration ends CMD" ||
	fail "check: the duration ends CMD" "no SIGTERM said"
rm -rf "$T"/leaktop-check-*

expect_check "check -- bounded_cache: 0 (a cache that levels off)" 0 "check: ok: nothing grows" \
	--duration 6s "${FAST[@]}" -- "$LT_TARGETS/bounded_cache" 8 1
if [ "$(temps)" -eq 0 ]; then ok "check: on 0 the temporary session is removed"; else fail "check: on 0 the temporary session is removed" "$(ls "$T")"; fi

# --- what flips a 1 into a 0 ------------------------------------------------------
expect_check "check --ignore leak_request_buffer: 0" 0 "[ignored: leak_request_buffer] heap site" \
	--duration 5s "${FAST[@]}" --ignore leak_request_buffer "${HEAP[@]}" -- "$LT_TARGETS/heap_grower" 2
grep -qF "[counted in another line] anonymous memory grows" "$T/last.out" &&
	ok "check: the memory growth the ignored row explains is not counted twice" ||
	fail "check: the memory growth the ignored row explains is not counted twice" "see output"
expect_check "check --ignore with a pattern ('leak_*'): 0" 0 "[ignored: leak_*]" \
	--duration 5s "${FAST[@]}" --ignore 'leak_*' "${HEAP[@]}" -- "$LT_TARGETS/heap_grower" 2
expect_check "check --max-growth 64MiB/s above a 2 MiB/s leak: 0" 0 "[below the threshold] heap site" \
	--duration 5s "${FAST[@]}" --max-growth 64MiB/s "${HEAP[@]}" -- "$LT_TARGETS/heap_grower" 2
expect_check "check --max-growth 10KiB/min below it: 1" 1 "[fail] heap site" \
	--duration 5s "${FAST[@]}" --max-growth 10KiB/min "${HEAP[@]}" -- "$LT_TARGETS/heap_grower" 2
expect_check "check --no-heap: the memory growth fails on its own" 1 "[fail] anonymous memory grows" \
	--duration 5s "${FAST[@]}" --no-heap "${HEAP[@]}" -- "$LT_TARGETS/heap_grower" 2

# --- a running process: descriptors, threads -----------------------------------
start_target fd_leak 20
expect_check "check -p fd_leak: 1, the sockets fail" 1 "[fail] sockets" \
	-p "$TARGET_PID" --duration 4s "${FAST[@]}" -o "$T/fd.db"
if [ -s "$T/fd.db" ]; then ok "check -o FILE keeps the session"; else fail "check -o FILE keeps the session" "no $T/fd.db"; fi
alive "$TARGET_PID" && ok "check -p leaves the target running" || fail "check -p leaves the target running" "gone"
expect_check "check -p fd_leak --max-count-growth 1000/s: 0" 0 "[below the threshold] sockets" \
	-p "$TARGET_PID" --duration 4s "${FAST[@]}" --max-count-growth 1000/s
kill_wait TERM "$TARGET_PID"

start_target thread_grower 100 60
expect_check "check -p thread_grower: 1, the thread group fails" 1 "zk_watch_loop" \
	-p "$TARGET_PID" --duration 5s "${FAST[@]}" --threads-interval 500ms
grep -qF "[fail] thread group" "$T/last.out" && ok "check: the growing thread group is a failure" ||
	fail "check: the growing thread group is a failure" "see output"
kill_wait TERM "$TARGET_PID"

# --- a command that ends first ------------------------------------------------------
expect_check "check: CMD exiting before the duration is judged on what was recorded" 1 "[fail] heap site" \
	--duration 30s --interval 100ms "${HEAP[@]}" -- "$LT_TARGETS/heap_grower" 4 3
grep -qF "exited before the 30s duration" "$T/last.err" && ok "check: says CMD exited before the duration" ||
	fail "check: says CMD exited before the duration" "$(cat "$T/last.err")"
rm -rf "$T"/leaktop-check-*
expect_check "check: too few ticks to judge is 5" 5 "cannot judge" \
	--interval 2s -- sleep 1
grep -qF "too short to judge" "$T/last.err" && ok "check: says the session is too short" ||
	fail "check: says the session is too short" "$(cat "$T/last.err")"
expect_check "check: CMD failing by itself with nothing growing is 6" 6 "check: ok: nothing grows" \
	"${FAST[@]}" --no-threads -- sh -c 'sleep 3; exit 3'
if [ "$(temps)" -eq 0 ]; then ok "check: no temporary session is left after errors"; else fail "check: no temporary session is left after errors" "$(ls "$T")"; fi

# --- errors ---------------------------------------------------------------------------------
expect_exit 2 "check without -p or CMD: 2" lt check
expect_err "needs --duration" "check -p without --duration: usage error" lt check -p 1
expect_exit 2 "check -p and CMD: 2" lt check -p 1 -d 1s -- true
expect_err "invalid max growth 'fast'" "check --max-growth fast: usage error" lt check --max-growth fast -- true
expect_err "invalid max growth '5MiB'" "check --max-growth without a period: usage error" lt check --max-growth 5MiB -- true
expect_err "invalid max count growth '1MiB/s'" "check --max-count-growth takes no bytes" lt check --max-count-growth 1MiB/s -- true
expect_err "unknown option '--ingore'" "check: a typo is an unknown option" lt check --ingore x -- true
sh -c 'exit 0' & dead=$!
wait "$dead" || true
expect_exit 3 "check -p of a process that is gone: 3" lt check -p "$dead" -d 1s
: >"$T/exists.db"
expect_exit 4 "check -o an existing file: 4" lt check -o "$T/exists.db" -d 1s -- sleep 5
expect_exit 127 "check -- a command that does not exist: 127" lt check -d 1s -- "$T/no-such-command"
if [ "$(temps)" -eq 0 ]; then ok "check: errors leave no temporary session"; else fail "check: errors leave no temporary session" "$(ls "$T")"; fi

# --- goroutines: a Go program read from outside ---------------------------------------
if command -v go >/dev/null 2>&1 && mkdir -p "$T/go" &&
	GOCACHE=$T/gocache GO111MODULE=off GOPROXY=off GOFLAGS= GOTOOLCHAIN=local \
		go build -o "$T/go/leak_handler" tests/targets/go/leak_handler.go >"$T/build.err" 2>&1; then
	LT_TARGETS=$T/go start_target leak_handler 20 60
	expect_check "check -p on leaking goroutines: 1, the goroutine group fails" 1 "[fail] goroutines +" \
		-p "$TARGET_PID" --duration 5s "${FAST[@]}"
	grep -qF "main.longRunningTask" "$T/last.out" && ok "check names the goroutines' function" ||
		fail "check names the goroutines' function" "see output"
	# The ignored goroutines keep their stacks and buffers: the process's
	# anonymous memory grows with them (about 17 MiB/min here), a finding
	# of its own; --max-growth is how a CI job tolerates that much.
	expect_check "check --ignore main.longRunningTask: 0" 0 "[ignored: main.longRunningTask] goroutines +" \
		-p "$TARGET_PID" --duration 5s "${FAST[@]}" --ignore main.longRunningTask --max-growth 256MiB/min
	kill_wait TERM "$TARGET_PID"
	rm -rf "$T"/leaktop-check-*
else
	skip "check on goroutines" "no go compiler (make deps installs golang-go)"
fi
