#!/usr/bin/env bash
# inject_kill: SIGKILL of leaktop in the middle of the injection (issue
# 13).  The moment is found, not guessed: leaktop traces the one thread it
# injects through only while it injects (--no-threads: nothing else is
# traced), and tests/tools/killtrace polls the target's threads' TracerPid
# in a tight loop and kills leaktop a chosen number of microseconds into
# that tracing, while it still traces -- a shell loop is too slow for an
# injection that takes a few ms.  Four rounds on fresh targets kill it in
# the dlopen of the agent or its first start, four on a target that
# already has the agent in its restart.  Every time the target must go on
# running and allocating (its exit status is kept: a death is reported
# with its signal), with no thread left stopped or traced, no GOT slot
# left pointing into the agent, and no agent thread left.
. "$(dirname "$0")/../lib.sh"

KILLTRACE=${LT_TOOLS:-$LT_ROOT/build/tools}/killtrace
[ -x "$KILLTRACE" ] || bail "$KILLTRACE is not built (make build/tools/killtrace)"

# end_target PID: a watched target is the shell's child, not ours: killed
# on exit unless its pid is someone else's by then.
end_target() {
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = heap_sites ] && kill -KILL "$1" 2>/dev/null
	return 0
}

# start_watched: heap_sites under a shell that records how it ended, so a
# dead target says which signal killed it.  Sets pid and out.
start_watched() {
	TARGET_OUT=$T/heap_sites.$RANDOM.out
	WATCH=$TARGET_OUT.status
	(
		"$LT_TARGETS/heap_sites" 512 &
		echo "$!" >"$TARGET_OUT.pid"
		wait "$!"
		echo "exit status $?" >"$WATCH"
	) >"$TARGET_OUT" 2>&1 &
	track "$!"
	wait_for "[ -s '$TARGET_OUT.pid' ] && [ -s '$TARGET_OUT' ]" 5 ||
		bail "heap_sites did not start"
	pid=$(cat "$TARGET_OUT.pid")
	out=$TARGET_OUT
	on_exit "end_target $pid"
}

# how_it_ended: the watched target's exit, e.g. "exit status 139" (128 +
# SIGSEGV).
how_it_ended() {
	wait_for "[ -s '$WATCH' ]" 2 && cat "$WATCH" || echo "unknown"
}

# free_running PID: no thread of PID is stopped or traced.
free_running() {
	awk '/^State:/ && ($2 == "t" || $2 == "T") { bad = 1 }
	     /^TracerPid:/ && $2 != 0 { bad = 1 }
	     END { exit bad }' /proc/"$1"/task/*/status 2>/dev/null
}

hit=0 rounds=0 dead=""
for spec in fresh:0 fresh:400 fresh:1500 fresh:4000 same:0 same:300 same:1000 same:3000; do
	rounds=$((rounds + 1))
	usec=${spec#*:}
	[ "${spec%%:*}" = fresh ] && start_watched
	start_bg inj "$LEAKTOP" record -p "$pid" -o "$T/inj.db" --force --no-threads --interval 100ms
	rec=$BG_PID
	landed=$("$KILLTRACE" "$rec" "$pid" "$usec" 10 || true)
	echo "# round $rounds ($spec): $landed"
	kill -KILL "$rec" 2>/dev/null || true
	wait "$rec" 2>/dev/null || true
	case $landed in landed*) hit=$((hit + 1)) ;; esac
	n=$(grep -c leaked "$out" || true)
	if ! alive "$pid"; then
		dead=yes
		fail "round $rounds: the target survives" "it died ($(how_it_ended)) after a kill $usec us into the tracing"
		note "$out"
		break
	fi
	ok "round $rounds: the target survives"
	check "round $rounds: no thread left stopped or traced" wait_for "free_running $pid" 3
	check "round $rounds: no GOT slot left hooked" wait_for "got_clean $pid >/dev/null" 5
	check "round $rounds: no agent thread left" wait_for "! grep -qx lt-agent /proc/$pid/task/*/comm" 5
	check "round $rounds: the target still allocates" wait_for "[ \$(grep -c leaked '$out' || true) -gt $n ]" 3
done
echo "# $hit of $rounds kills landed while the target was traced for the injection"
check "kills landed during the injection ($hit of $rounds)" test "$hit" -ge $((rounds - 1))

# After all that, an attach works and cleans up after itself.
run "$LEAKTOP" record -p "$pid" -o "$T/after.db" --force --no-threads --interval 100ms --duration 1s
check "a normal recording afterwards exits 0" test "$LAST_RC" = 0
check "it has heap data" test "$(sql "$T/after.db" "SELECT available FROM source WHERE name = 'heap'")" = 1
check "and leaves the GOT clean" got_clean "$pid"
check "the target survived every kill" alive "$pid"
