#!/usr/bin/env bash
# heap_attach: the heap agent injected into running processes with ptrace.
# Ranking of a known leak among noise, leaks reached through a library, C++
# and a dlopen'd plugin, the safety of the target (SIGKILL of leaktop, 50
# attach/detach cycles on an allocator storm), refusals with reasons, and
# the heap source next to the thread sampler.
. "$(dirname "$0")/../lib.sh"

GOT=$LT_TARGETS/got_check


# first_site REPORT: the first site line of a report's heap section.
first_site() {
	sed -n '/^Heap call sites (/,/^$/p' "$1" | awk 'NR > 2 && /^  +[0-9]/ {print; exit}'
}

# site_trend REPORT FUNCTION: the trend column of FUNCTION's site line
# (live and growth are two words each: "2 MiB +59.1 MiB/min 211.2 growing
# leak_request_buffer (...)"), empty when the site is not shown.
site_trend() {
	sed -n '/^Heap call sites (/,/^$/p' "$1" | awk -v f="$2" '/^  +[0-9]/ && index($0, f) {print $6; exit}'
}

heap_available() {
	[ "$(sql "$1" "SELECT available FROM source WHERE name = 'heap'")" = 1 ]
}

# --- a leak among noise, attached by pid ------------------------------------
start_target heap_sites 2048
sites_pid=$TARGET_PID
sites_out=$TARGET_OUT
start_record sites "$sites_pid" --interval 250ms --duration 8s --no-threads
finish_record sites
check "attach: the heap source is available" heap_available "$T/sites.db"
case $(first_site "$T/sites.report") in
*leak_request_buffer*growing* | *growing*leak_request_buffer*) ok "attach: leak_request_buffer ranks first, growing" ;;
*) fail "attach: leak_request_buffer ranks first, growing" "$(first_site "$T/sites.report")"; note "$T/sites.report" ;;
esac
for fn in handle_temporary fill_cache churn_strings; do
	tr=$(site_trend "$T/sites.report" "$fn")
	check "attach: $fn is not ranked growing (${tr:-not shown})" test "$tr" != growing
done
expect_line "attach: the stack is symbolized with file:line" "$T/sites.report" "heap_sites.c:"
expect_line "attach: the verdict names the leak" "$T/sites.report" "! heap site"
check "attach: the target still runs" alive "$sites_pid"
check "attach: no GOT slot left hooked after the recording" got_clean $sites_pid
check "attach: no agent thread left running" sh -c "! grep -qx lt-agent /proc/$sites_pid/task/*/comm"
check "attach: nothing left traced or stopped" sh -c "! grep -q '^State:.*\\(t\\|T\\)' /proc/$sites_pid/status && grep -q '^TracerPid:.0' /proc/$sites_pid/status"

# Re-attach: the agent is found already loaded and starts again.
start_record again "$sites_pid" --interval 250ms --duration 3s --no-threads
finish_record again
check "re-attach: the heap source is available again" heap_available "$T/again.db"
check "re-attach: the agent is mapped once" test "$(grep -c 'r-xp.*liblt-agent' /proc/$sites_pid/maps)" = 1
check "re-attach: leak_request_buffer recorded" test "$(site_live "$T/again.db" leak_request_buffer)" -gt 0

# Re-attach at another rate: each thread's countdown to its next sample
# was drawn at the first start's rate (1 GiB: a draw of gigabytes), and
# must not carry over.  At rate 1 every block leaked while attached is
# counted, in whole 4000-byte blocks; a countdown carried over would
# leave the leak unseen for hundreds of seconds.
start_record coarse "$sites_pid" --interval 250ms --duration 2s --no-threads --sample-rate 1G
finish_record coarse
before=$(awk '$1 == "leaked" {b = $2} END {print b + 0}' "$sites_out")
start_record every "$sites_pid" --interval 250ms --duration 3s --no-threads --sample-rate 1
finish_record every
after=$(awk '$1 == "leaked" {b = $2} END {print b + 0}' "$sites_out")
got=$(site_live "$T/every.db" leak_request_buffer)
if [ "${got:-0}" -gt 0 ] && [ $((got % 4000)) = 0 ] && [ $((got * 2)) -ge $((after - before)) ] &&
	[ "$got" -le $((after - before)) ]; then
	ok "re-attach at rate 1 after 1G: every leaked block counted ($got of $((after - before)) bytes leaked meanwhile)"
else
	fail "re-attach at rate 1 after 1G: every leaked block counted" "recorded ${got:-none}, leaked $((after - before)) meanwhile"
fi

# --- SIGKILL of leaktop mid-session ----------------------------------------------
start_record killed "$sites_pid" --interval 250ms --no-threads
wait_for "[ \"\$(sql '$T/killed.db' 'SELECT count(*) FROM heap_value' 2>/dev/null || echo 0)\" -gt 0 ]" 15 || true
check "SIGKILL: hooks are active while recording" got_hooked $sites_pid
kill -KILL "${REC[killed]}"
wait_exit "${REC[killed]}" 5 || true
if wait_for "got_clean $sites_pid >/dev/null" 5; then
	ok "SIGKILL: the agent restored every GOT slot"
else
	fail "SIGKILL: the agent restored every GOT slot" "$("$GOT" "$sites_pid")"
fi
check "SIGKILL: the agent thread is gone" wait_for "! grep -qx lt-agent /proc/$sites_pid/task/*/comm" 5
check "SIGKILL: the target keeps running" alive "$sites_pid"
check "SIGKILL: the session file is readable" lt report "$T/killed.db"
killed_at=$(date +%s)

# --- refusals, with the reason in the session and the report --------------------
start_target static_sleeper
start_record static "$TARGET_PID" --duration 2s --no-threads
finish_record static
check "static: the heap is unavailable" test "$(sql "$T/static.db" "SELECT available FROM source WHERE name = 'heap'")" = 0
expect_line "static: the report says why" "$T/static.report" "statically linked"
expect_line "static: the recording went on" "$T/static.err" "recording ended (duration)"

# A Go binary (here a C program carrying Go's build-info section, which is
# what the check reads): its heap is not malloc's.
if objcopy --add-section .go.buildinfo=/dev/null "$LT_TARGETS/static_sleeper" "$T/gofake" 2>/dev/null; then
	"$T/gofake" 30 >/dev/null &
	go_pid=$!
	track "$go_pid"
	start_record gofake "$go_pid" --duration 1s --no-threads
	finish_record gofake
	expect_line "Go: the report says it is a Go program" "$T/gofake.report" "is a Go program"
else
	skip "Go: the report says it is a Go program" "objcopy failed"
fi

start_target heap_sites 100
traced_pid=$TARGET_PID
start_target tracer "$traced_pid"
start_record traced "$traced_pid" --duration 2s --no-threads
finish_record traced
expect_line "traced: the report says it is already traced" "$T/traced.report" "already traced"

kill -STOP "$traced_pid" 2>/dev/null
kill_wait TERM "$TARGET_PID"
start_record stopped "$traced_pid" --duration 2s --no-threads
finish_record stopped
expect_line "stopped: the report says it is stopped" "$T/stopped.report" "is stopped"
kill -CONT "$traced_pid"

# --- a leak inside a library, C++, a dlopen'd plugin ------------------------------
# after_session NAME PID OBJECT: the hooks are gone from the whole
# process and from OBJECT's own GOT (the library the leak is reached
# through), and the agent's thread has ended.
after_session() {
	check "$1: no GOT slot left hooked" got_clean "$2"
	check "$1: $3's own slots restored" got_clean "$2" "$3"
	check "$1: no agent thread left running" wait_for "! grep -qx lt-agent /proc/$2/task/*/comm" 5
	check "$1: the target still runs" alive "$2"
}

start_target zlib_leak 40
zlib_pid=$TARGET_PID
start_record zlib "$zlib_pid" --interval 250ms --duration 6s --no-threads
# Mapped is not yet hooked: the agent's start comes after its dlopen.
wait_for "grep -q 'r-xp.*liblt-agent' /proc/$zlib_pid/maps" 10 || true
check "zlib: libz's own slots hooked while recording" wait_for "got_hooked $zlib_pid libz.so >/dev/null" 3
finish_record zlib
after_session zlib "$zlib_pid" libz.so
case $(first_site "$T/zlib.report") in
*open_compressor*deflateInit*) ok "zlib: the leak inside libz is traced to its caller open_compressor" ;;
*) fail "zlib: the leak inside libz is traced to its caller open_compressor" "$(first_site "$T/zlib.report")"; note "$T/zlib.report" ;;
esac
expect_line "zlib: library frames are in the stack" "$T/zlib.report" "(libz.so"

start_target leak_cxx 1024
cxx_pid=$TARGET_PID
start_record cxx "$cxx_pid" --interval 250ms --duration 6s --no-threads --sample-rate 64K
wait_for "grep -q 'r-xp.*liblt-agent' /proc/$cxx_pid/maps" 10 || true
check "C++: libstdc++'s own slots hooked while recording" wait_for "got_hooked $cxx_pid libstdc++ >/dev/null" 3
finish_record cxx
after_session C++ "$cxx_pid" libstdc++
case $(first_site "$T/cxx.report") in
*app::Session::remember*) ok "C++: the demangled leaking method ranks first" ;;
*) fail "C++: the demangled leaking method ranks first" "$(first_site "$T/cxx.report")"; note "$T/cxx.report" ;;
esac
expect_line "C++: operator new's library frame is shown" "$T/cxx.report" "operator new"

# The plugin is dlopen'd 4 s after start; the attach must come first, or
# the test would only show that objects loaded before it are hooked.
start_target dlopen_leak 4
dl_pid=$TARGET_PID
dl_out=$TARGET_OUT
start_record dl "$dl_pid" --interval 250ms --duration 9s --no-threads --sample-rate 16K
if wait_for "grep -q 'r-xp.*liblt-agent' /proc/$dl_pid/maps" 10; then
	# Read the plugin's state right after the agent's arrival.
	if grep -q libdlleak.so "/proc/$dl_pid/maps" || grep -q loading "$dl_out"; then
		fail "dlopen: the agent was loaded before the plugin" "the plugin was already loading or mapped"
	else
		ok "dlopen: the agent was loaded before the plugin"
	fi
else
	fail "dlopen: the agent was loaded before the plugin" "the agent never appeared in the target"
fi
wait_for "grep -q loaded '$dl_out'" 10 || true
check "dlopen: the plugin is mapped after the attach" grep -q libdlleak.so "/proc/$dl_pid/maps"
check "dlopen: the plugin's own slots were hooked by the agent" wait_for "got_hooked $dl_pid libdlleak.so >/dev/null" 3
finish_record dl
after_session dlopen "$dl_pid" libdlleak.so
case $(first_site "$T/dl.report") in
*plugin_remember*growing* | *growing*plugin_remember*) ok "dlopen: the plugin loaded after attach is hooked, its leak ranks first" ;;
*) fail "dlopen: the plugin loaded after attach is hooked, its leak ranks first" "$(first_site "$T/dl.report")"; note "$T/dl.report" ;;
esac
expect_line "dlopen: its frames name the plugin" "$T/dl.report" "libdlleak.so"

# --- heap and threads together; --no-heap -----------------------------------------
start_target thread_grower
start_record both "$TARGET_PID" --interval 250ms --threads-interval 500ms --duration 4s
finish_record both
check "heap+threads: both sources available" test "$(sql "$T/both.db" "SELECT group_concat(name || available, ',') FROM (SELECT * FROM source WHERE name IN ('heap', 'threads') ORDER BY name)")" = "heap1,threads1"
check "heap+threads: thread samples were taken" test "$(sql "$T/both.db" 'SELECT count(*) FROM thread_sample')" -ge 3
check "heap+threads: nothing left traced or stopped" sh -c "! grep -q '^State:.*\\(t\\|T\\)' /proc/$TARGET_PID/task/*/status"
start_target heap_sites 100
start_record noheap "$TARGET_PID" --duration 2s --no-heap
finish_record noheap
check "--no-heap: the reason is recorded" test "$(sql "$T/noheap.db" "SELECT reason FROM source WHERE name = 'heap'")" = "disabled with --no-heap"
check "--no-heap: no agent was loaded" sh -c "! grep -q liblt-agent /proc/$TARGET_PID/maps"

# --- 50 attach/detach cycles on an allocator storm --------------------------------
start_target alloc_storm 4
storm=$TARGET_PID
good=0
for i in $(seq 50); do
	if "$LEAKTOP" record -p "$storm" -o "$T/cycle.db" -f --interval 100ms --duration 200ms --no-threads >/dev/null 2>"$T/cycle.err" &&
		heap_available "$T/cycle.db"; then
		good=$((good + 1))
	else
		note "$T/cycle.err"
	fi
	alive "$storm" || break
done
check "cycles: 50 attach/detach cycles all recorded heap data ($good)" test "$good" = 50
check "cycles: the storm survived with its data intact" alive "$storm"
check "cycles: no GOT slot left hooked" got_clean $storm
check "cycles: its threads run (none stopped or traced)" sh -c "! grep -q '^State:.*\\(t\\|T\\)' /proc/$storm/task/*/status && ! grep -q '^TracerPid:.[1-9]' /proc/$storm/task/*/status"

# --- the SIGKILL'd target, a minute later -----------------------------------------
left=$((killed_at + 60 - $(date +%s)))
[ "$left" -gt 0 ] && sleep "$left"
check "SIGKILL: a minute later the target still runs and allocates" alive "$sites_pid"
n1=$(grep -c leaked "$sites_out")
sleep 1
n2=$(grep -c leaked "$sites_out")
check "SIGKILL: and it is still making progress" test "$n2" -gt "$n1"
