#!/usr/bin/env bash
# inject_kill: SIGKILL of leaktop in the middle of the injection (issue
# 13).  The moment is found, not guessed: leaktop traces the one thread it
# injects through only while it injects (--no-threads: nothing else is
# traced), and tests/tools/killtrace polls the target's threads' TracerPid
# in a tight loop and kills leaktop a chosen number of microseconds into
# that tracing, while it still traces -- a shell loop is too slow for an
# injection that takes a few ms.  Four rounds on fresh targets kill it in
# the dlopen of the agent or its first start, four on a target that
# already has the agent in its restart, at points spread over how long
# an injection takes here and now (measured first).  Every time the target must go on
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
		rc=0
		wait "$!" || rc=$?
		if [ "$rc" -gt 128 ]; then
			echo "signal $((rc - 128)), $(kill -l $((rc - 128)))" >"$WATCH"
		else
			echo "exit status $rc" >"$WATCH"
		fi
	) >"$TARGET_OUT" 2>&1 &
	track "$!"
	wait_for "[ -s '$TARGET_OUT.pid' ] && [ -s '$TARGET_OUT' ]" 5 ||
		bail "heap_sites did not start"
	pid=$(cat "$TARGET_OUT.pid")
	out=$TARGET_OUT
	on_exit "end_target $pid"
}

# how_it_ended: how the watched target ended, e.g. "signal 11, SEGV".
how_it_ended() {
	wait_for "[ -s '$WATCH' ]" 2 && cat "$WATCH" || echo "unknown"
}

# free_running PID: no thread of PID is stopped or traced.
free_running() {
	awk '/^State:/ && ($2 == "t" || $2 == "T") { bad = 1 }
	     /^TracerPid:/ && $2 != 0 { bad = 1 }
	     END { exit bad }' /proc/"$1"/task/*/status 2>/dev/null
}

# traced_us VAR: sets VAR to how long (us) one injection into $pid
# traces it, untouched.
traced_us() {
	local r us
	start_bg probe "$LEAKTOP" record -p "$pid" -o "$T/probe.db" --force --no-threads --interval 100ms
	r=$("$KILLTRACE" "$BG_PID" "$pid" 100000000 10 || true)
	kill -KILL "$BG_PID" 2>/dev/null || true
	wait "$BG_PID" 2>/dev/null || true
	us=${r#missed tracing ended after }
	us=${us% us}
	case $us in '' | *[!0-9]*) bail "no injection seen to measure: $r" ;; esac
	printf -v "$1" %s "$us"
}

# min_us VAR N: sets VAR to the shortest of N untouched injections into
# $pid (a fresh target for each when FRESH=yes).
min_us() {
	local i t best=
	for ((i = 0; i < $2; i++)); do
		[ "${FRESH:-}" = yes ] && start_watched
		traced_us t
		wait_for "! grep -qx lt-agent /proc/$pid/task/*/comm" 5 || true
		if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
	done
	printf -v "$1" %s "$best"
}

# The kills are spread over the first half of an injection as it goes on
# this machine now: first attaches (dlopen and start) and restarts are
# measured untouched, the shortest of each kept (they vary), and the kills
# come at 0, 1/6, 1/3 and 1/2 of that.
FRESH=yes min_us first 2
min_us again 3
echo "# untouched, an injection traced the target for $first us at least, a restart for $again us"
specs=""
for k in 0 1 2 3; do specs="$specs fresh:$((first * k / 6))"; done
for k in 0 1 2 3; do specs="$specs same:$((again * k / 6))"; done

hit=0 rounds=0
for spec in $specs; do
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
