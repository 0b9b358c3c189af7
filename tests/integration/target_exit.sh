#!/usr/bin/env bash
# target_exit: the target ends during the recording — by itself, or killed
# — and record stops at once with exit 0, end reason "target exited" and the
# ticks taken until then.  Both cases run side by side.
. "$(dirname "$0")/../lib.sh"

# heap_grower exits by itself after 2 s (its MAX_SECONDS).
start_target heap_grower 1 2
# --no-heap: the agent's load can take a good part of a 2 s life on a busy
# machine; this test is about the exit.
start_record self "$TARGET_PID" --interval 250ms --duration 30s --no-heap
self_start=$(date +%s%N)

# A second one is SIGKILLed by the test once some ticks are in.
start_target heap_grower 1 60
kill_pid=$TARGET_PID
start_record kill "$kill_pid" --interval 250ms --duration 30s
if wait_ticks "$T/kill.db" 3 10; then
	kill_wait KILL "$kill_pid"
else
	fail "kill: ticks before the kill" "fewer than 3 after 10 s"
fi

for run in self kill; do
	if ! wait_exit "${REC[$run]}" 10; then
		fail "$run: record stops when the target exits" "still running"
		note "$T/$run.err"
		continue
	fi
	status_ok "$run: record exits 0" "$WAIT_RC" "$T/$run.err"
	db=$T/$run.db
	check "$run: end_reason is \"target exited\"" test "$(meta "$db" end_reason)" = "target exited"
	n=$(ticks "$db")
	if [ "$n" -ge 3 ] && [ "$n" -le 40 ]; then ok "$run: ticks until the exit are kept"; else fail "$run: ticks until the exit are kept" "$n ticks"; fi
	check "$run: integrity_check is ok" test "$(sql "$db" 'PRAGMA integrity_check')" = ok
	expect_exit 0 "$run: report works" lt report "$db"
done

# It stopped when the target did (2 s), not at the end of --duration (30 s).
took=$((($(date +%s%N) - self_start) / 1000000))
if [ "$took" -lt 10000 ]; then ok "self: record stopped with the target"; else fail "self: record stopped with the target" "took ${took} ms"; fi
span=$(sql "$T/self.db" 'SELECT max(t) FROM tick')
check "self: last tick is near the target's end" awk -v t="$span" 'BEGIN { exit !(t >= 1.2 && t <= 3.0) }'
