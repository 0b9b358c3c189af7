#!/usr/bin/env bash
# heap_accuracy: the heap estimates against what the target knows it
# leaked.  With --sample-rate 1 every allocation is recorded, so the leak
# site's live bytes equal the target's own count exactly; at 64 KiB the
# estimate is within +-25% over a 20 s window.  Both under `leaktop run`,
# so that no allocation happens before the agent is there.
. "$(dirname "$0")/../lib.sh"


# Exact: 400 KiB/s for 2 s, then nothing more; recorded for 4 s.
run lt run -o "$T/exact.db" --sample-rate 1 --interval 250ms --duration 4s --no-threads -- \
	"$LT_TARGETS/heap_sites" 400 2 10
done_bytes=$(awk '$1 == "done" {print $2}' "$T/last.out")
live=$(site_live "$T/exact.db" leak_request_buffer)
if [ -n "$done_bytes" ] && [ "$done_bytes" -gt 0 ] && [ "$live" = "$done_bytes" ]; then
	ok "rate 1: the leak site's live bytes equal what the target leaked ($live)"
else
	fail "rate 1: the leak site's live bytes equal what the target leaked" "recorded ${live:-none}, target says ${done_bytes:-nothing}"
	note "$T/last.err"
fi
count=$(sql "$T/exact.db" "SELECT v.live_count FROM heap_value v JOIN heap_site s ON s.id = v.site_id
	JOIN stack_frame sf ON sf.stack_id = s.stack_id AND sf.pos = 0
	JOIN frame_symbol fs ON fs.frame_id = sf.frame_id AND fs.depth = 0
	WHERE fs.function = 'leak_request_buffer' ORDER BY v.tick_id DESC LIMIT 1")
check "rate 1: and its live count is one per block (${count:-none})" test "${count:-0}" = "$((${done_bytes:-0} / 4000))"
check "rate 1: the sample rate is in the file" test "$(meta "$T/exact.db" heap_sample_rate)" = 1

# Estimated: 1 MiB/s for 20 s at a mean sample interval of 64 KiB.
run lt run -o "$T/est.db" --sample-rate 64K --interval 500ms --duration 22s --no-threads -- \
	"$LT_TARGETS/heap_sites" 1024 20 30
done_bytes=$(awk '$1 == "done" {print $2}' "$T/last.out")
live=$(site_live "$T/est.db" leak_request_buffer)
if [ -n "$done_bytes" ] && awk -v a="$live" -v b="$done_bytes" 'BEGIN {exit !(b > 0 && a >= 0.75 * b && a <= 1.25 * b)}'; then
	ok "64 KiB: the estimate is within 25% ($live of $done_bytes)"
else
	fail "64 KiB: the estimate is within 25%" "estimated ${live:-none}, target says ${done_bytes:-nothing}"
fi
lt report "$T/est.db" >"$T/est.report" 2>&1 || true
expect_line "64 KiB: the report states the sample rate" "$T/est.report" "sampled every 64 KiB"
