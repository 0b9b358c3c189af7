#!/usr/bin/env bash
# inject_kill: SIGKILL of leaktop in the middle of the injection (issue
# 13).  The moment is found, not guessed: leaktop traces the one thread it
# injects through only while it injects (--no-threads: nothing else is
# traced), so the kill comes while a thread of the target shows leaktop as
# its TracerPid, at a different point of the injection each round.  Every
# time the target must go on running and allocating, with no thread left
# stopped or traced, no GOT slot left pointing into the agent, and no
# agent thread left.
. "$(dirname "$0")/../lib.sh"

start_target heap_sites 512
pid=$TARGET_PID
out=$TARGET_OUT

# traced_by PID TRACER: some thread of PID is traced by TRACER.
traced_by() {
	grep -qs "^TracerPid:[[:space:]]*$2\$" /proc/"$1"/task/*/status
}

# free_running PID: no thread of PID is stopped or traced.
free_running() {
	awk '/^State:/ && ($2 == "t" || $2 == "T") { bad = 1 }
	     /^TracerPid:/ && $2 != 0 { bad = 1 }
	     END { exit bad }' /proc/"$1"/task/*/status 2>/dev/null
}

hit=0 rounds=0
for extra in 0 0 2 4 8 12 16 24; do
	rounds=$((rounds + 1))
	start_bg inj "$LEAKTOP" record -p "$pid" -o "$T/inj.db" --force --no-threads --interval 100ms
	rec=$BG_PID
	# Spin until the injection starts, then let it go on for a few more
	# polls (each a few ms) so the kill lands at another step each round.
	landed=""
	deadline=$(($(date +%s) + 10))
	while alive "$rec" && [ "$(date +%s)" -lt "$deadline" ]; do
		if traced_by "$pid" "$rec"; then
			for _ in $(seq "$extra"); do traced_by "$pid" "$rec" || break; done
			traced_by "$pid" "$rec" && landed=yes
			kill -KILL "$rec" 2>/dev/null || true
			break
		fi
	done
	kill -KILL "$rec" 2>/dev/null || true
	wait "$rec" 2>/dev/null || true
	[ -n "$landed" ] && hit=$((hit + 1))
	n=$(grep -c leaked "$out" || true)
	if ! alive "$pid"; then
		fail "round $rounds: the target survives" "it died (after $extra polls)"
		note "$out"
		break
	fi
	check "round $rounds: no thread left stopped or traced" wait_for "free_running $pid" 3
	check "round $rounds: no GOT slot left hooked" wait_for "got_clean $pid >/dev/null" 5
	check "round $rounds: no agent thread left" wait_for "! grep -qx lt-agent /proc/$pid/task/*/comm" 5
	sleep 0.3
	check "round $rounds: the target still allocates" test "$(grep -c leaked "$out" || true)" -gt "$n"
done
echo "# $hit of $rounds kills landed while the target was traced for the injection"
check "kills landed during the injection ($hit of $rounds)" test "$hit" -ge $((rounds / 2))

# After all that, an attach works and cleans up after itself.
run "$LEAKTOP" record -p "$pid" -o "$T/after.db" --force --no-threads --interval 100ms --duration 1s
check "a normal recording afterwards exits 0" test "$LAST_RC" = 0
check "it has heap data" test "$(sql "$T/after.db" "SELECT available FROM source WHERE name = 'heap'")" = 1
check "and leaves the GOT clean" got_clean "$pid"
check "the target survived every kill" alive "$pid"
