#!/usr/bin/env bash
# heap_scale: no silent loss at scale.  A million live blocks from 100,000
# call stacks recorded at --sample-rate 1: the agent grows its tables, the
# recorder spreads the new stacks over ticks without stalling, and the file
# holds the live bytes (or the report says how much is missing).  Loss the
# agent reports is said in the header, the heap section and the verdicts;
# the agent's figures load from the file, and a file without them (older)
# still loads.
. "$(dirname "$0")/../lib.sh"

BYTES=32000000   # many_sites: 1,000,000 blocks of 32 bytes
run lt run -o "$T/big.db" --no-threads --sample-rate 1 --duration 25s -- \
	"$LT_TARGETS/many_sites" 1000000 5 400000 26
status_ok "scale: run exits 0" "$LAST_RC" "$T/last.err"
live=$(sql "$T/big.db" "SELECT coalesce(sum(v.live_bytes), 0) FROM heap_value v
	JOIN (SELECT site_id, max(tick_id) AS t FROM heap_value GROUP BY site_id) l
	ON l.site_id = v.site_id AND l.t = v.tick_id")
sites=$(sql "$T/big.db" "SELECT count(*) FROM heap_site WHERE kind = 0")
dropped=$(sql "$T/big.db" "SELECT coalesce(max(dropped), -1) FROM heap_agent")
waiting=$(sql "$T/big.db" "SELECT deferred FROM heap_agent ORDER BY tick_id DESC LIMIT 1")
lt report "$T/big.db" >"$T/big.report" 2>&1 || true
if [ "$live" -ge $((BYTES * 99 / 100)) ] && [ "$live" -le $((BYTES * 101 / 100)) ]; then
	ok "scale: the file holds the live bytes ($live of $BYTES, $sites sites)"
elif has_line "$T/big.report" "understated by" || has_line "$T/big.report" "still waiting" ||
	has_line "$T/big.report" "the heap figures end"; then
	ok "scale: the live bytes fall short ($live of $BYTES) and the report says so"
else
	fail "scale: the live bytes are recorded or the loss is said" "$live of $BYTES bytes in $sites sites, nothing said"
	note "$T/big.report"
fi
# Read between ticks, the agent's reports do not back up: read only at
# ticks they ended the session 17-23 s behind.
behind=$(sql "$T/big.db" "SELECT behind_ms FROM heap_agent ORDER BY tick_id DESC LIMIT 1")
check "scale: the heap figures are current at the end (${behind:-none} ms behind)" test "${behind:-1}" = 0
check "scale: the agent dropped nothing (its tables grew)" test "$dropped" = 0
check "scale: its tables grew" test "$(sql "$T/big.db" "SELECT max(grows) FROM heap_agent")" -gt 0
# New stacks the recorder had not written by the end are said, not hidden.
if [ "${waiting:-0}" = 0 ]; then
	ok "scale: every new stack reached the file"
else
	expect_line "scale: $waiting stacks still waiting at the end are said" "$T/big.report" "$waiting new stacks or site updates were still waiting"
fi
# No stall: a tick at least every 3 s all along (1 s interval).
gap=$(sql "$T/big.db" "SELECT coalesce(max(b.t - a.t), 99) FROM tick a JOIN tick b ON b.id = a.id + 1")
check "scale: the recorder never stalled (longest gap between ticks ${gap}s)" \
	awk -v g="$gap" 'BEGIN { exit !(g < 3) }'
expect_line "scale: the header shows the agent's cost" "$T/big.report" "ns per sample"

# --- loss said, from the file ------------------------------------------------
cp "$T/big.db" "$T/loss.db"
sqlite3 "$T/loss.db" "UPDATE heap_agent SET dropped = 1234, dropped_bytes = 5242880
	WHERE tick_id = (SELECT max(tick_id) FROM heap_agent)"
run lt report "$T/loss.db"
status_ok "loss: report exits 0" "$LAST_RC" "$T/last.err"
expect_line "loss: the header says what was dropped" "$T/last.out" "data loss  1234 heap samples dropped"
expect_line "loss: the heap section says it" "$T/last.out" "DATA LOST: 1234 heap samples dropped"
expect_warning "loss: a verdict says how much live memory is missing" "$T/last.out" "understated by up to 5 MiB"

# Leaktop behind the agent at the end: the figures stop early, and the
# report says by how much.
cp "$T/big.db" "$T/late.db"
sqlite3 "$T/late.db" "UPDATE heap_agent SET behind_ms = 4200
	WHERE tick_id = (SELECT max(tick_id) FROM heap_agent)"
run lt report "$T/late.db"
expect_warning "late: a verdict says the heap figures end early" "$T/last.out" \
	"the heap figures end 4.2 s before the session does"
# A file from before behind_ms: loads, says nothing of it.
cp "$T/big.db" "$T/nolate.db"
sqlite3 "$T/nolate.db" "UPDATE heap_agent SET behind_ms = 4200; ALTER TABLE heap_agent DROP COLUMN behind_ms"
run lt report "$T/nolate.db"
status_ok "late: a file without behind_ms loads" "$LAST_RC" "$T/last.err"
expect_no_line "late: and says nothing of it" "$T/last.out" "the heap figures end"

cp "$T/big.db" "$T/neg.db"
sqlite3 "$T/neg.db" "UPDATE heap_agent SET dropped = -5"
expect_exit 4 "loss: a negative count is refused" lt report "$T/neg.db"
expect_line "loss: naming the table and the column" "$T/last.err" "heap_agent at"
expect_line "loss: and the column" "$T/last.err" "column dropped is negative"

# A file from before the table: loads, no agent line.
cp "$T/big.db" "$T/old.db"
sqlite3 "$T/old.db" "DROP TABLE heap_agent"
run lt report "$T/old.db"
status_ok "old: a file without heap_agent loads" "$LAST_RC" "$T/last.err"
expect_no_line "old: and shows no agent figures" "$T/last.out" "heap agent"


# --- SIGINT while the agent is being loaded ------------------------------------
# The recording ends cleanly, the target runs on without the agent's thread.
start_target churn 250 30
start_bg intr "$LEAKTOP" record -p "$TARGET_PID" -o "$T/intr.db" --no-threads --interval 50ms
sleep 0.05
kill -INT "$BG_PID"
wait_exit "$BG_PID" 10 || true
status_ok "intr: SIGINT during the attach ends the recording with 0" "${WAIT_RC:-timeout}" "$T/intr.err"
check "intr: the target still runs" alive "$TARGET_PID"
agent_gone() { ! grep -qx lt-agent /proc/"$TARGET_PID"/task/*/comm 2>/dev/null; }
check "intr: and its agent thread has ended" wait_for agent_gone 5
