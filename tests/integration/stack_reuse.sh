#!/usr/bin/env bash
# stack_reuse: stacks the agent knows again without unwinding are the
# stacks an unwind gives.  stack_alias allocates through one leaf function
# from callers that run it at the same stack pointer (with and without
# frame pointers), from a frame whose size changes, from recursion, from a
# signal handler and from a second thread, in a shuffled order.  At
# --sample-rate 1 every allocation is counted under its stack: each
# caller's count must be the target's own, while most stacks were reused
# (else the test would prove nothing).  Then 1,500 short threads one after
# another, more than the agent has blocks for at once: each gives its
# block back as it ends.
. "$(dirname "$0")/../lib.sh"

run lt run -o "$T/alias.db" --sample-rate 1 --interval 250ms --no-threads -- \
	"$LT_TARGETS/stack_alias" 3 1500
check "the target ran to its end" grep -qx done "$T/last.out"
# Allocations per caller of leaf (the frame above it), at each site's
# last row.
sql "$T/alias.db" "SELECT fs.function, sum(v.alloc_count) FROM heap_value v
	JOIN (SELECT site_id, max(tick_id) AS t FROM heap_value GROUP BY site_id) last
	  ON last.site_id = v.site_id AND last.t = v.tick_id
	JOIN heap_site s ON s.id = v.site_id AND s.kind = 0
	JOIN stack_frame s0 ON s0.stack_id = s.stack_id AND s0.pos = 0
	JOIN frame_symbol f0 ON f0.frame_id = s0.frame_id AND f0.depth = 0 AND f0.function = 'leaf'
	JOIN stack_frame sf ON sf.stack_id = s.stack_id AND sf.pos = 1
	JOIN frame_symbol fs ON fs.frame_id = sf.frame_id AND fs.depth = 0
	GROUP BY fs.function" >"$T/recorded" 2>"$T/sql.err" || true
for fn in alias_a alias_b fp_a fp_b vla rec on_usr1 thread_fn short_fn; do
	want=$(awk -v f="$fn" '$1 == "count" && $2 == f {print $3}' "$T/last.out")
	got=$(awk -F'|' -v f="$fn" '$1 == f {print $2}' "$T/recorded")
	if [ -n "$want" ] && [ "$want" -gt 0 ] && [ "$got" = "$want" ]; then
		ok "$fn: every allocation under its own stack ($got)"
	else
		fail "$fn: every allocation under its own stack" "recorded ${got:-none}, the target made ${want:-none}"
		note "$T/recorded" "$T/sql.err" "$T/last.err"
	fi
done
# No allocation of leaf's under a caller that does not exist.
extra=$(awk -F'|' '$1 !~ /^(alias_a|alias_b|fp_a|fp_b|vla|rec|on_usr1|thread_fn|short_fn)$/' "$T/recorded")
check "no leaf allocation under another caller" test -z "$extra"
read -r samples reused < <(sql "$T/alias.db" "SELECT samples, reused FROM heap_agent ORDER BY tick_id DESC LIMIT 1" | tr '|' ' ')
if [ "${samples:-0}" -gt 0 ] && [ "$((reused * 2))" -gt "$samples" ]; then
	ok "most stacks were known without an unwind ($reused of $samples)"
else
	fail "most stacks were known without an unwind" "${reused:-none} of ${samples:-none}"
fi
lt report "$T/alias.db" >"$T/report" 2>&1 || true
expect_line "the report says how many stacks needed no unwind" "$T/report" "of the stacks known without an unwind"

# Threads that come and go: 1,500 of them one after another, each 200
# allocations.  Had blocks not come back as threads end, the last 476
# would unwind every sample (about a third of them all).
run lt run -o "$T/short.db" --sample-rate 1 --interval 250ms --no-threads -- \
	"$LT_TARGETS/stack_alias" 0.001 1500
want=$(awk '$1 == "count" && $2 == "short_fn" {print $3}' "$T/last.out")
check "short threads: every allocation recorded (${want:-none})" test "${want:-0}" = 300000
read -r samples reused < <(sql "$T/short.db" "SELECT samples, reused FROM heap_agent ORDER BY tick_id DESC LIMIT 1" | tr '|' ' ')
if [ "${samples:-0}" -gt 0 ] && [ "$((reused * 100))" -gt "$((samples * 90))" ]; then
	ok "short threads: over 90% of stacks reused, blocks given back ($reused of $samples)"
else
	fail "short threads: over 90% of stacks reused, blocks given back" "${reused:-none} of ${samples:-none}"
fi
