#!/usr/bin/env bash
# go_cgo: a cgo program (tests/targets/go/cgo_leak.go) leaking on both
# heaps: a 64 KiB block malloc'd in C per request (c_leak) and a Go buffer
# held by a goroutine blocked forever in a channel send.  The heap agent
# is injected (through the main thread, on its own stack) for the C heap
# while the Go reader reads the goroutines and the Go heap from outside;
# the verdicts name both leaks and the goroutines, not the C churn or the
# steady worker pool.  The program runs on, never left stopped, also when
# leaktop is killed with SIGKILL.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../go_lib.sh"

if ! command -v gcc >/dev/null 2>&1; then
	skip "$LT_NAME" "no C compiler for cgo"
	exit 0
fi
go_build cgo_leak
ok "cgo: cgo_leak built with $(go version | awk '{print $3}')"
# GOGC=10: a GC about every second publishes the Go heap profile.
GOGC=10 LT_TARGETS=$T/go start_target cgo_leak 10 300
target=$TARGET_PID
start_record both "$target" -d 15s
sleep 6
check "both: the program runs free while recorded" runs_free "$target"
finish_record both
src=$(sql "$T/both.db" "SELECT available || ' ' || coalesce(reason, '') FROM source WHERE name = 'heap'")
case $src in
"1 C heap: unwinder "*"; Go heap: the Go runtime's heap profile (runtime.mbuckets)"*) ok "both: heap source is the agent and the Go heap profile" ;;
*) fail "both: heap source is the agent and the Go heap profile" "source row: '$src'"; note "$T/both.err" ;;
esac
expect_warning "both: verdict names the C leak" "$T/both.report" "live in c_leak (cgo_leak.go:"
expect_warning "both: verdict names the Go heap leak" "$T/both.report" "live in main.longRunningTask (cgo_leak.go:"
if grep -qE '^! goroutines \+[0-9.]+/s: [0-9]+ of [0-9]+ blocked in chan send - main\.longRunningTask \(cgo_leak\.go:[0-9]+\), created by main\.handler \(cgo_leak\.go:[0-9]+\)' "$T/both.report"; then
	ok "both: goroutine verdict names main.longRunningTask and main.handler"
else
	fail "both: goroutine verdict names main.longRunningTask and main.handler" "no such warning"
	note "$T/both.report"
fi
if grep '^! ' "$T/both.report" | grep -q 'c_churn\|main\.worker'; then
	fail "both: churn and pool not flagged" "$(grep '^! ' "$T/both.report" | grep 'c_churn\|main\.worker')"
else
	ok "both: churn and pool not flagged"
fi
c=$(site_live "$T/both.db" c_leak)
check "both: the C site holds memory ($c bytes)" test "${c:-0}" -gt 1000000
# The agent's sites are kind 0, the Go profile's kind 2 (judged GC by GC).
kinds=$(sql "$T/both.db" "SELECT group_concat(DISTINCT s.kind) FROM heap_site s
	JOIN stack_frame sf ON sf.stack_id = s.stack_id
	JOIN frame_symbol fs ON fs.frame_id = sf.frame_id
	WHERE fs.function = 'c_leak'")
check "both: c_leak's sites are the agent's (kind '$kinds')" test "$kinds" = 0
kinds=$(sql "$T/both.db" "SELECT group_concat(DISTINCT s.kind) FROM heap_site s
	JOIN stack_frame sf ON sf.stack_id = s.stack_id
	JOIN frame_symbol fs ON fs.frame_id = sf.frame_id
	WHERE fs.function = 'main.longRunningTask'")
check "both: main.longRunningTask's sites are the Go profile's (kind '$kinds')" test "$kinds" = 2
alive_free() { alive "$1" && runs_free "$1"; }
check "both: the program runs on after the recording" alive_free "$target"

# SIGKILL of leaktop while the agent is in: the program keeps running.
start_record killed "$target" -d 60s
wait_for "[ -s '$T/killed.db' ] && [ \"\$(ticks '$T/killed.db')\" -ge 3 ]" 20 || true
kill -KILL "${REC[killed]}" 2>/dev/null || true
wait "${REC[killed]}" 2>/dev/null || true
sleep 2
check "killed: the program runs on, not stopped or traced" alive_free "$target"
n0=$(awk '/^VmRSS/ {print $2}' /proc/"$target"/status)
sleep 1
check "killed: still alive a second later (RSS ${n0} KiB)" alive "$target"
kill_wait TERM "$target"
