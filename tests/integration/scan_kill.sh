#!/usr/bin/env bash
# scan_kill: SIGKILL of leaktop while a reachability scan holds the
# target's threads stopped.  The scan runs in a thread of leaktop's own
# (src/session/scan.c), which stops every thread of the target while it
# reads the roots (up to 250 ms; warm_service with a 64 MiB cache takes
# about 100 ms here).  tests/tools/killtrace watches the target's threads'
# TracerPid in a tight loop and kills leaktop a chosen number of
# microseconds (0 to 50 ms) after it sees every thread (the target's and
# the agent's) traced by a thread of leaktop at once: the thread sampler
# stops one at a time, and runs only at the first tick here
# (--threads-interval 10m), and killtrace is armed once the first scan is
# in the file (the injection is over).  Six
# rounds on one target, each a new recording (the agent is injected again
# after the last one let go).  After every kill: no thread of the target is
# stopped or traced, it goes on serving requests, no GOT slot points into
# the agent and the agent's thread is gone; at the end it exits 0 on
# SIGTERM.  Most kills must land while the threads are held, so that the
# test cannot pass without killing a scan.
. "$(dirname "$0")/../lib.sh"

KILLTRACE=${LT_TOOLS:-$LT_ROOT/build/tools}/killtrace
[ -x "$KILLTRACE" ] || bail "$KILLTRACE is not built (make build/tools/killtrace)"
ROUNDS=6

# free_running PID: no thread of PID is stopped or traced.  A thread may
# exit while it is looked at (the agent's does, once leaktop is gone):
# its file vanishing is no failure.
free_running() {
	local f
	for f in /proc/"$1"/task/*/status; do
		awk '/^State:/ && ($2 == "t" || $2 == "T") { bad = 1 }
		     /^TracerPid:/ && $2 != 0 { bad = 1 }
		     END { exit bad }' "$f" 2>/dev/null && continue
		[ -e "$f" ] || continue
		return 1
	done
}
served() { grep -c '^served ' "$TARGET_OUT" || true; }
scans() { sql "$1" 'SELECT count(*) FROM reach_scan' 2>/dev/null || echo 0; }

start_target warm_service 128 64 120
pid=$TARGET_PID
wait_for "grep -q '^warm' '$TARGET_OUT'" 30 || bail "warm_service did not warm"

landed=0
for ((r = 1; r <= ROUNDS; r++)); do
	us=$(((r - 1) * 10000))
	start_record "k$r" "$pid" --scan-interval 1s --threads-interval 10m --duration 60s
	rec=${REC[k$r]}
	if ! wait_for "[ \"\$(scans '$T/k$r.db')\" -ge 1 ]" 15; then
		fail "round $r: a first scan is recorded" "none within 15 s"
		note "$T/k$r.err"
		kill_wait KILL "$rec"
		continue
	fi
	# Every thread at once (the target's and the agent's): a scan.
	nth=$(ls /proc/"$pid"/task | wc -l)
	res=$("$KILLTRACE" "$rec" "$pid" "$us" 10 "$nth" || true)
	kill -KILL "$rec" 2>/dev/null || true
	wait_exit "$rec" 5 || true
	echo "# round $r: kill ${us} us into a hold of $nth threads: $res"
	case $res in landed*) landed=$((landed + 1)) ;; esac
	check "round $r: leaktop died of SIGKILL (status ${WAIT_RC:-none})" test "${WAIT_RC:-0}" = 137
	if free_running "$pid"; then
		ok "round $r: no thread of the target stopped or traced"
	else
		fail "round $r: no thread of the target stopped or traced" \
			"$(grep -H '^State:\|^TracerPid:' /proc/"$pid"/task/*/status | tr '\n' ' ')"
	fi
	n=$(served)
	check "round $r: the target goes on serving" wait_for "[ \"\$(served)\" -ge $((n + 2)) ]" 5
	if wait_for "got_clean $pid >/dev/null" 5; then
		ok "round $r: no GOT slot left pointing into the agent"
	else
		fail "round $r: no GOT slot left pointing into the agent" "$(got_clean "$pid")"
	fi
	check "round $r: the agent's thread is gone" wait_for "! grep -qx lt-agent /proc/$pid/task/*/comm" 5
done
echo "# $landed of $ROUNDS kills landed while a scan held the threads"
check "most kills landed while a scan held the threads ($landed of $ROUNDS)" test "$landed" -ge $((ROUNDS - 2))
check "the target still runs" alive "$pid"
kill -TERM "$pid"
wait_exit "$pid" 10 || true
check "the target exits 0 on SIGTERM (status ${WAIT_RC:-timeout})" test "${WAIT_RC:-timeout}" = 0
