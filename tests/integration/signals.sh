#!/usr/bin/env bash
# signals: SIGINT, SIGTERM and SIGHUP end a recording cleanly (exit 0, end
# reason "signal SIGxxx", a readable file); SIGKILL leaves a file that opens,
# keeps every tick committed before the kill, and reports "no end".  The
# target never notices.  The four recorders run side by side on one target.
. "$(dirname "$0")/../lib.sh"

start_target heap_grower 1 60
pid=$TARGET_PID

for sig in INT TERM HUP KILL; do
	start_record "$sig" "$pid" --interval 100ms
done

# Each gets its signal once it has committed a few ticks.
declare -A before
for sig in INT TERM HUP KILL; do
	if ! wait_ticks "$T/$sig.db" 5 15; then
		fail "SIG$sig: ticks are committed while recording" "fewer than 5 after 15 s"
		note "$T/$sig.err"
		continue
	fi
	before[$sig]=$(ticks "$T/$sig.db")
	kill -s "$sig" "${REC[$sig]}"
done

for sig in INT TERM HUP; do
	if ! wait_exit "${REC[$sig]}" 10; then
		fail "SIG$sig: record stops" "still running 10 s after the signal"
		continue
	fi
	status_ok "SIG$sig: record exits 0" "$WAIT_RC" "$T/$sig.err"
	db=$T/$sig.db
	reason=$(meta "$db" end_reason 2>&1)
	check "SIG$sig: end_reason is \"signal SIG$sig\"" test "$reason" = "signal SIG$sig"
	check "SIG$sig: end_ns is recorded" test -n "$(meta "$db" end_ns)"
	n=$(ticks "$db")
	if [ "$n" -ge "${before[$sig]:-1}" ]; then ok "SIG$sig: ticks kept"; else fail "SIG$sig: ticks kept" "$n ticks, $((before[$sig])) before the signal"; fi
	check "SIG$sig: integrity_check is ok" test "$(sql "$db" 'PRAGMA integrity_check')" = ok
	expect_exit 0 "SIG$sig: report works" lt report "$db"
	if grep -qi "signal" "$T/$sig.err"; then ok "SIG$sig: end line names the signal"; else fail "SIG$sig: end line names the signal" "stderr does not"; note "$T/$sig.err"; fi
done

# SIGKILL: no end, but the file is whole up to the last committed tick.
if wait_exit "${REC[KILL]}" 10; then
	check "SIGKILL: record was killed" test "$WAIT_RC" -eq 137
	db=$T/KILL.db
	# report first: it opens read-only, as on a live session.
	expect_exit 0 "SIGKILL: report works" lt report "$db"
	if grep -qiE "no end|not end|never ended|did not (finish|end)|unfinished|incomplete|still (being )?record|interrupted|killed|crashed" "$T/last.out"; then
		ok "SIGKILL: report says the recording has no end"
	else
		fail "SIGKILL: report says the recording has no end" "no such statement"
		note "$T/last.out"
	fi
	n=$(ticks "$db")
	if [ "$n" -ge "${before[KILL]:-1}" ]; then ok "SIGKILL: committed ticks are there"; else fail "SIGKILL: committed ticks are there" "$n ticks, ${before[KILL]:-?} before the kill"; fi
	check "SIGKILL: no end_reason" test -z "$(meta "$db" end_reason)"
	check "SIGKILL: file opens, integrity_check is ok" test "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok
else
	fail "SIGKILL: record dies" "still running 10 s after SIGKILL"
fi

if alive "$pid"; then ok "target still runs after all four"; else fail "target still runs after all four" "it is gone"; fi
state=$(sed -n 's/^State:[[:space:]]*\([A-Za-z]\).*/\1/p' "/proc/$pid/status" 2>/dev/null || true)
case $state in
R | S | D) ok "target is not stopped or traced" ;;
*) fail "target is not stopped or traced" "state '$state'" ;;
esac
