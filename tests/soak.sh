#!/usr/bin/env bash
# soak (`make soak`; not part of `make test`): does the target survive
# leaktop, many times over?
#
# One target, build/targets/soak_alloc: four threads allocating all the
# time and checking every byte of their blocks (it exits 3 on the first
# corrupt byte; a first short run with a byte flipped on purpose checks
# that it does).  Then
#   1. SOAK_CYCLES (default 1000) attach/detach cycles: `leaktop record`
#      for 200 ms with the heap agent and the thread sampler;
#   2. SOAK_KILLS (default 100) SIGKILLs of leaktop at a random moment of
#      its first 3 s: during the attach and the agent's injection (the
#      session then has no sources recorded yet) or while it records.
# A cycle survives when leaktop exits 0 having recorded heap data and the
# target still runs; a kill survives when, within 10 s, the target runs
# with no GOT slot left pointing into the agent (got_check), no agent
# thread, and no thread stopped or traced.  Prints survived/total for
# both, and the target's RSS, threads and descriptors at the start, every
# SOAK_EVERY cycles (default a tenth of them) and at the end.  Threads
# must come back to where they started, descriptors to where the first
# cycle left them: the agent stays loaded after a detach (it never
# dlcloses itself), and what it loaded once (the unwinder's pipe) stays
# too, but nothing may pile up cycle after cycle.  TAP lines as the
# integration tests; exits 1 if anything failed.
# Time: about 2 s a cycle and 2.5 s a kill on a 2-core machine shared
# with other work (load 8-17), so the defaults take some 40 minutes
# (SOAK_CYCLES=100 SOAK_KILLS=20: about 4 minutes).
. "$(dirname "$0")/lib.sh"

CYCLES=${SOAK_CYCLES:-1000}
KILLS=${SOAK_KILLS:-100}
EVERY=${SOAK_EVERY:-$(( CYCLES >= 10 ? CYCLES / 10 : 1 ))}
GOT=$LT_TARGETS/got_check
[ -x "$GOT" ] || bail "$GOT is not built (make $GOT)"

# First, that the target's check can fail: a byte flipped as a broken
# hook would flip it is caught, with exit status 3.
start_target soak_alloc 1 30 5000
if wait_exit "$TARGET_PID" 20 && [ "$WAIT_RC" = 3 ] && grep -q '^corrupt: ' "$TARGET_OUT"; then
	ok "self-check: soak_alloc exits 3 on a corrupt block"
else
	bail "self-check: soak_alloc did not catch a corrupt block (status ${WAIT_RC:-running})"
fi

# The target must outlive the whole run.
start_target soak_alloc 4 $(( CYCLES * 10 + KILLS * 20 + 600 ))
pid=$TARGET_PID

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null; }
nthreads() { awk '/^Threads:/ {print $2}' "/proc/$pid/status" 2>/dev/null; }
nfds() { find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
hooked() { "$GOT" "$pid" 2>/dev/null | sed -n 's/^hooked \([0-9]*\)/\1/p'; }
agent_thread() { grep -qx lt-agent "/proc/$pid/task/"*/comm 2>/dev/null; }
# Any thread of the target stopped (t/T) or traced.
held() {
	grep -q '^State:.*\(t\|T\)' "/proc/$pid/task/"*/status 2>/dev/null ||
		grep -q '^TracerPid:.[1-9]' "/proc/$pid/task/"*/status 2>/dev/null
}
row() { # LABEL
	printf '# %-14s rss %6s KiB  threads %3s  fds %3s  agent %s\n' "$1" \
		"$(rss_kib)" "$(nthreads)" "$(nfds)" \
		"$(grep -q liblt-agent "/proc/$pid/maps" 2>/dev/null && echo mapped || echo no)"
}
heap_recorded() {
	[ "$(sql "$1" "SELECT available FROM source WHERE name = 'heap'" 2>/dev/null)" = 1 ]
}

threads0=$(nthreads)
fds0=$(nfds)
echo "# soak: $CYCLES attach/detach cycles, $KILLS SIGKILLs, target soak_alloc pid $pid"
row start
t0=$(date +%s)

# --- attach/detach cycles -----------------------------------------------------
good=0 done_cycles=0
for ((i = 1; i <= CYCLES; i++)); do
	rc=0
	timeout -k 5 60 "$LEAKTOP" record -p "$pid" -o "$T/cycle.db" -f \
		--interval 100ms --duration 200ms --threads-interval 100ms \
		>/dev/null 2>"$T/cycle.err" || rc=$?
	done_cycles=$i
	if [ "$rc" = 0 ] && heap_recorded "$T/cycle.db" && alive "$pid"; then
		good=$((good + 1))
	else
		echo "# cycle $i: leaktop status $rc: $(tail -n 1 "$T/cycle.err")"
	fi
	alive "$pid" || break
	[ "$i" = 1 ] && fds1=$(nfds)
	[ $((i % EVERY)) = 0 ] && row "cycle $i"
done
fds1=${fds1:-$fds0}
t1=$(date +%s)
check "cycles: $good/$CYCLES attach/detach cycles recorded heap data and the target ran on" \
	test "$good" = "$CYCLES"
echo "# cycles took $((t1 - t0)) s ($(awk -v s=$((t1 - t0)) -v n="$done_cycles" 'BEGIN { printf "%.2f", n ? s / n : 0 }') s each)"

# --- SIGKILLs at random moments -----------------------------------------------
survived=0 early=0 traced=0 done_kills=0
for ((k = 1; k <= KILLS; k++)); do
	alive "$pid" || break
	rm -f "$T/kill.db" "$T/kill.db-wal" "$T/kill.db-shm"
	start_record kill "$pid" --interval 100ms --threads-interval 100ms
	# 0-3 s: the attach (injection included) takes 1-2 s on a loaded
	# machine, so most kills land in it and the rest while recording.
	sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.3f", r / 32768 * 3 }')"
	held && traced=$((traced + 1))
	kill -KILL "${REC[kill]}" 2>/dev/null || true
	wait_exit "${REC[kill]}" 5 || true
	done_kills=$k
	[ -n "$(sql "$T/kill.db" 'SELECT name FROM source LIMIT 1' 2>/dev/null)" ] || early=$((early + 1))
	if wait_for "alive $pid && [ \"\$(hooked)\" = '' ] && ! agent_thread && ! held" 10 &&
		"$GOT" "$pid" | grep -qx clean; then
		survived=$((survived + 1))
	else
		echo "# kill $k: alive=$(alive "$pid" && echo yes || echo no) hooked=$(hooked) agent_thread=$(agent_thread && echo yes || echo no) held=$(held && echo yes || echo no)"
	fi
	[ $((k % (KILLS >= 5 ? KILLS / 5 : 1))) = 0 ] && row "kill $k"
done
t2=$(date +%s)
check "kills: $survived/$KILLS SIGKILLs of leaktop left the target running, unhooked, untraced ($early before the sources were recorded, i.e. during the attach and injection; $traced with a target thread stopped or traced at that moment)" \
	test "$survived" = "$KILLS"
echo "# kills took $((t2 - t1)) s ($(awk -v s=$((t2 - t1)) -v n="$done_kills" 'BEGIN { printf "%.2f", n ? s / n : 0 }') s each)"

# --- the target at the end ----------------------------------------------------
row end
check "end: the target still runs" alive "$pid"
check "end: its threads are back to $threads0 ($(nthreads))" test "$(nthreads)" = "$threads0"
check "end: its descriptors are back to $fds1, as after the first cycle ($(nfds); $fds0 before it)" test "$(nfds)" = "$fds1"
check "end: no GOT slot points into the agent" sh -c "'$GOT' $pid | grep -qx clean"
kill -TERM "$pid"
wait_exit "$pid" 10 || true
if [ "${WAIT_RC:-none}" = 0 ]; then
	ok "end: the target exits 0 on SIGTERM, no corrupt block seen"
else
	fail "end: the target exits 0 on SIGTERM, no corrupt block seen" "status ${WAIT_RC:-none}"
	note "$TARGET_OUT"
fi
