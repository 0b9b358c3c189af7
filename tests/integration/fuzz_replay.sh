#!/usr/bin/env bash
# fuzz_replay: every input of every fuzz corpus (tests/fuzz/corpus/NAME,
# the seeds, what `make fuzz` found, the regression inputs of fixed crashes)
# still runs clean through its harness (build/fuzz/fuzz_NAME: ASan, UBSan).
# One test per harness.  The harnesses are built by `make fuzz-build`
# (part of `make test`); a missing one is a failure, not a skip.
. "$(dirname "$0")/../lib.sh"

for src in tests/fuzz/fuzz_*.c; do
	name=${src##*/fuzz_}
	name=${name%.c}
	bin=build/fuzz/fuzz_$name
	corpus=tests/fuzz/corpus/$name
	if [ ! -x "$bin" ]; then
		fail "fuzz $name corpus replays" "$bin is not built (make fuzz-build)"
		continue
	fi
	n=$(find "$corpus" -type f 2>/dev/null | wc -l)
	if [ "$n" -eq 0 ]; then
		fail "fuzz $name corpus replays" "$corpus has no inputs"
		continue
	fi
	# Files given one by one: libFuzzer runs each once and stops at the
	# first crash with a non-zero status.
	if find "$corpus" -type f -print0 | sort -z |
		xargs -0 -n 200 "$bin" -timeout=20 >"$T/$name.log" 2>&1; then
		got=$(grep -c '^Executed ' "$T/$name.log" || true)
		if [ "$got" -eq "$n" ]; then
			ok "fuzz $name corpus replays ($n inputs)"
		else
			fail "fuzz $name corpus replays" "ran $got of $n inputs"
		fi
	else
		fail "fuzz $name corpus replays" "an input crashed the harness"
		grep -E 'ERROR: |runtime error|Running: ' "$T/$name.log" | tail -n 5 | sed 's/^/#   /'
	fi
done
