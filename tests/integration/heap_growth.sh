#!/usr/bin/env bash
# heap_growth: a steady heap leak is flagged; a cache that fills and then
# plateaus is not.  Both recordings run side by side.
. "$(dirname "$0")/../lib.sh"

declare -A rec   # recorder pid by run name

# heap_grower leaks 4 MiB/s from its first step.
start_target heap_grower 4 60
leak_pid=$TARGET_PID
start_bg leak "$LEAKTOP" record -p "$leak_pid" -o "$T/leak.db" --interval 250ms --duration 3s
rec[leak]=$BG_PID

# bounded_cache fills 32 MiB in its first 2 s, then replaces entries in
# place: a 6 s recording started with it sees 2 s of rise, 4 s of plateau.
start_target bounded_cache 32 2 60
cache_pid=$TARGET_PID
start_bg cache "$LEAKTOP" record -p "$cache_pid" -o "$T/cache.db" --interval 250ms --duration 6s
rec[cache]=$BG_PID

for run in leak cache; do
	if wait_exit "${rec[$run]}" 30 && [ "$WAIT_RC" -eq 0 ]; then
		ok "$run: record exits 0"
	else
		fail "$run: record exits 0" "status ${WAIT_RC:-timeout}"
		note "$T/$run.err"
	fi
	run_status=0
	lt report "$T/$run.db" >"$T/$run.report" 2>"$T/$run.report.err" || run_status=$?
	if [ "$run_status" -eq 0 ]; then ok "$run: report exits 0"; else fail "$run: report exits 0" "status $run_status"; note "$T/$run.report.err"; fi
done

# --- the leak --------------------------------------------------------------
grew=$(($(last_value "$T/leak.db" rss_anon) - $(first_value "$T/leak.db" rss_anon)))
if [ "$grew" -ge $((6 << 20)) ]; then ok "leak: rss_anon grew in the session"; else fail "leak: rss_anon grew in the session" "grew $grew bytes"; fi
if has_line "$T/leak.report" "anonymous memory grows"; then
	ok "leak: report says anonymous memory grows"
else
	fail "leak: report says anonymous memory grows" "no such verdict"
	note "$T/leak.report"
fi
if grep -q '^! .*anonymous memory grows' "$T/leak.report"; then
	ok "leak: that verdict is a warning (\"! \")"
else
	fail "leak: that verdict is a warning (\"! \")" "line does not start with \"! \""
fi

# --- the bounded cache -----------------------------------------------------
# The session must show the fill and the plateau, or the verdict proves
# nothing.
cache=$T/cache.db
rise=$(sql "$cache" "SELECT max(v.value) - min(v.value) FROM metric_value v JOIN metric m ON m.id = v.metric_id WHERE m.key = 'rss_anon'")
tail_span=$(sql "$cache" "SELECT max(v.value) - min(v.value) FROM metric_value v JOIN metric m ON m.id = v.metric_id
	JOIN tick t ON t.id = v.tick_id WHERE m.key = 'rss_anon' AND t.t >= (SELECT max(t) - 2.5 FROM tick)")
if [ "${rise:-0}" -ge $((24 << 20)) ] && [ "${tail_span:-0}" -le $((2 << 20)) ]; then
	ok "cache: session shows the fill, then a plateau"
else
	fail "cache: session shows the fill, then a plateau" "rose ${rise:-?} bytes, last 2.5 s spans ${tail_span:-?} bytes"
fi
if has_line "$T/cache.report" "anonymous memory grows"; then
	fail "cache: report does not say anonymous memory grows" "it does"
	note "$T/cache.report"
else
	ok "cache: report does not say anonymous memory grows"
fi
