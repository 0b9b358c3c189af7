#!/usr/bin/env bash
# demo_cmd: `leaktop demo` starts the bundled leaking service next to the
# binary, attaches the live view to it, records the session, and stops the
# service when the view ends.
. "$(dirname "$0")/../lib.sh"

demo_bin=$(dirname "$LEAKTOP")/leaktop-demo
check "leaktop-demo is built next to leaktop" test -x "$demo_bin"
expect_exit 0 "demo --help exits 0" lt demo --help
check "demo --help says what the demo leaks" grep -q "never evicts" "$T/last.out"

run lt demo --dump --iterations 3 -o "$T/demo.db"
if [ "$LAST_RC" -eq 0 ]; then ok "demo --dump exits 0"; else fail "demo --dump exits 0" "status $LAST_RC"; note "$T/last.err"; fi
check "demo screen shows the live header" grep -q "leaktop  pid" "$T/last.out"
check "the session is of the demo program" test "$(basename "$(meta "$T/demo.db" exe)")" = leaktop-demo
pid=$(meta "$T/demo.db" pid)
check "session file records the demo's pid" test -n "$pid"
if [ -n "$pid" ] && wait_for "! alive $pid" 5; then ok "the demo service is stopped afterwards"; else fail "the demo service is stopped afterwards" "pid $pid still alive"; fi
check "session ended cleanly" test -n "$(meta "$T/demo.db" end_reason)"
