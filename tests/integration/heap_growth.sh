#!/usr/bin/env bash
# heap_growth: a steady heap leak is flagged; a cache that fills and then
# plateaus is not.  Both recordings run side by side.
. "$(dirname "$0")/../lib.sh"

# heap_grower leaks 4 MiB/s from its first step.
start_target heap_grower 4 60
start_record leak "$TARGET_PID" --interval 250ms --duration 3s

# bounded_cache fills 32 MiB in its first 2 s, then replaces entries in
# place: a 6 s recording started with it sees 2 s of rise, 4 s of plateau.
start_target bounded_cache 32 2 60
# --no-heap: the plateau is checked to the page, and the agent's own
# tables (a few hundred KiB, touched as samples come) would blur it.
start_record cache "$TARGET_PID" --interval 250ms --duration 6s --no-heap

for run in leak cache; do
	finish_record "$run"
done

# --- the leak --------------------------------------------------------------
grew=$(growth "$T/leak.db" rss_anon)
if [ "$grew" -ge $((6 << 20)) ]; then ok "leak: rss_anon grew in the session"; else fail "leak: rss_anon grew in the session" "grew $grew bytes"; fi
expect_line "leak: report says anonymous memory grows" "$T/leak.report" "anonymous memory grows"
expect_warning "leak: that verdict is a warning (\"! \")" "$T/leak.report" "anonymous memory grows"

# --- the bounded cache -----------------------------------------------------
# The session must show the fill and the plateau, or the verdict proves
# nothing.
cache=$T/cache.db
rise=$(value_span "$cache" rss_anon)
tail_span=$(sql "$cache" "SELECT max(v.value) - min(v.value) FROM metric_value v JOIN metric m ON m.id = v.metric_id
	JOIN tick t ON t.id = v.tick_id WHERE m.key = 'rss_anon' AND t.t >= (SELECT max(t) - 2.5 FROM tick)")
if [ "${rise:-0}" -ge $((24 << 20)) ] && [ "${tail_span:-0}" -le $((2 << 20)) ]; then
	ok "cache: session shows the fill, then a plateau"
else
	fail "cache: session shows the fill, then a plateau" "rose ${rise:-?} bytes, last 2.5 s spans ${tail_span:-?} bytes"
fi
expect_no_line "cache: report does not say anonymous memory grows" "$T/cache.report" "anonymous memory grows"
