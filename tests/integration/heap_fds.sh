#!/usr/bin/env bash
# heap_fds: what the heap agent hands over beyond live bytes, read from the
# heap source's batches (build/tools/heapdump, no model in between): fd
# sites with their stacks, frees and ages of heap sites, the agent's own
# thread and socket, and GOT slots restored afterwards; and the refusal,
# with its reason, of an agent of another protocol version already loaded
# in the target.
. "$(dirname "$0")/../lib.sh"

DUMP=${LT_TOOLS:-$LT_ROOT/build/tools}/heapdump
GOT=$LT_TARGETS/got_check
AGENT=$(dirname "$LEAKTOP")/liblt-agent.so
[ -x "$DUMP" ] || bail "$DUMP is not built (make build/tools/heapdump)"

# line OUT PATTERN: the first line of OUT matching the extended regex.
line() { grep -E -m1 -- "$2" "$1" || true; }
# field LINE NAME: the number after NAME in LINE.
field() { awk -v n="$2" '{for (i = 1; i < NF; i++) if ($i == n) {print $(i + 1) + 0; exit}}' <<<"$1"; }

# --- fd sites: a socket leaked per request through a helper --------------
start_target fd_leak 50 60
fd_pid=$TARGET_PID
sleep 0.5
"$DUMP" "$fd_pid" 3 0 "$AGENT" >"$T/fd.out" 2>"$T/fd.err" &
dump=$!
# While it runs: the agent's thread and socket, as its hello named them.
wait_for "grep -q '^agent tid' '$T/fd.out'" 30 || true
read -r _ _ atid _ afd <<<"$(line "$T/fd.out" '^agent tid')"
check "agent: its hello names its thread (lt-agent)" \
	sh -c "[ \"\$(cat /proc/$fd_pid/task/${atid:-0}/comm)\" = lt-agent ]"
check "agent: and its socket descriptor" \
	sh -c "readlink /proc/$fd_pid/fd/${afd:-x} | grep -q '^socket:'"
wait "$dump" || { fail "heapdump ran" "$(cat "$T/fd.err")"; }
leak=$(line "$T/fd.out" '^fd socket .*: open_stream_socket < client_new < serve_request')
live=$(field "$leak" live)
if [ "${live:-0}" -ge 50 ] && [ "$live" = "$(field "$leak" opened)" ]; then
	ok "fd: the leaked socket's site is client_new's, every one still open ($live)"
else
	fail "fd: the leaked socket's site is client_new's, every one still open" "${leak:-no such site}"
	note "$T/fd.out"
fi
probe=$(line "$T/fd.out" '^fd socket .*: open_stream_socket < probe_peer')
check "fd: the same helper under probe_peer is its own site, all closed ($probe)" \
	test -n "$probe" -a "$(field "$probe" live)" = 0 -a "$(field "$probe" opened)" -gt 0
pipe=$(line "$T/fd.out" '^fd pipe .*: notify_worker')
check "fd: pipes are counted two a call, all closed ($pipe)" \
	test -n "$pipe" -a "$(field "$pipe" live)" = 0 -a "$(field "$pipe" opened)" -gt 0
check "fd: eventfd and its dup are anon sites, closed" \
	test "$(grep -cE '^fd anon live 0 opened [1-9][0-9]*: wake_loop' "$T/fd.out")" = 2
check "fd: open of a file, closed" grep -qE '^fd file live 0 opened [1-9][0-9]*: read_config' "$T/fd.out"
# Only client_new's site has descriptors open: the closes of descriptors
# opened before the attach counted against nothing (none went negative).
check "fd: no other site has a descriptor open, none is negative" \
	test "$(grep -E '^fd ' "$T/fd.out" | grep -vc ' live 0 ')" = 1
check "fd: no stack holds an agent frame" sh -c "! grep -E 'hk_|ag_|lt_agent|liblt-agent' '$T/fd.out'"
check "fd: no descriptor lost" grep -q 'fd_lost 0$' "$T/fd.out"
check "fd: the descriptor GOT slots are restored" got_clean $fd_pid
check "fd: the target still runs" alive "$fd_pid"

# --- frees and ages of heap sites -----------------------------------------
start_target heap_sites 1024 60
hs_pid=$TARGET_PID
sleep 1
"$DUMP" "$hs_pid" 4 16384 "$AGENT" >"$T/hs.out" 2>"$T/hs.err" || fail "heapdump ran" "$(cat "$T/hs.err")"
leak=$(line "$T/hs.out" '^site .*: [^<]*malloc[^<]* < leak_request_buffer|^site .*: leak_request_buffer')
[ -n "$leak" ] || leak=$(line "$T/hs.out" '^site .*leak_request_buffer')
if [ -n "$leak" ] && [ "$(field "$leak" freed)" = 0 ] && [ "$(field "$leak" samples)" -gt 10 ] &&
	awk -v o="$(field "$leak" oldest)" 'BEGIN {exit !(o > 2)}'; then
	ok "heap: the leak's samples are never freed, its oldest is seconds old"
else
	fail "heap: the leak's samples are never freed, its oldest is seconds old" "${leak:-no such site}"
	note "$T/hs.out"
fi
tmp=$(grep -E '^site .*handle_temporary' "$T/hs.out" | sort -k6 -n -r | head -1 || true)
if [ -n "$tmp" ] && [ "$(field "$tmp" freed)" -gt 0 ] && [ "$(field "$tmp" free_bytes)" -gt 0 ] &&
	awk -v a="$(field "$tmp" age_sum)" -v n="$(field "$tmp" freed)" 'BEGIN {exit !(a >= 0 && a / n < 0.5)}'; then
	ok "heap: handle_temporary's samples are freed young"
else
	fail "heap: handle_temporary's samples are freed young" "${tmp:-no such site}"
	note "$T/hs.out"
fi
# The cache's entries live for seconds before they are replaced (the
# agent's clock counts in steps of a few ms: blocks freed within a step,
# like handle_temporary's, may show an age of 0).
cache=$(grep -E '^site .*fill_cache' "$T/hs.out" | awk '$8 > 0' | head -1 || true)
if [ -n "$cache" ] && awk -v a="$(field "$cache" age_sum)" -v n="$(field "$cache" freed)" 'BEGIN {exit !(a / n > 0.5)}'; then
	ok "heap: fill_cache's replaced entries were freed old"
else
	fail "heap: fill_cache's replaced entries were freed old" "${cache:-no fill_cache site with frees}"
	note "$T/hs.out"
fi
check "heap: no stack holds an agent frame" sh -c "! grep -E 'hk_|ag_|lt_agent|liblt-agent' '$T/hs.out'"
check "heap: GOT restored" got_clean $hs_pid

# --- an agent of another protocol version, already loaded -----------------
# (a stand-in for an older leaktop's agent: it says a version 1 hello)
TARGET_WRAP="env LD_PRELOAD=$LT_TARGETS/liblt-agent-v1.so" start_target heap_sites 100 60
old_pid=$TARGET_PID
start_record old "$old_pid" --duration 2s --no-threads
finish_record old
check "old agent: the heap is unavailable" test "$(sql "$T/old.db" "SELECT available FROM source WHERE name = 'heap'")" = 0
expect_line "old agent: the report names its protocol version" "$T/old.report" "speaks protocol version 1, this leaktop version 3"
expect_line "old agent: and what to do" "$T/old.report" "use that leaktop version, or restart the target"
expect_line "old agent: the recording went on" "$T/old.err" "recording ended (duration)"
check "old agent: the target still runs" alive "$old_pid"
