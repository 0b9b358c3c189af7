#!/usr/bin/env bash
# namespaces: targets in another PID or mount namespace, as in a container
# (issue 13), made with unshare (root only).  Each is recorded with its
# heap agent, or refused with the reason; either way its GOT is clean and
# no agent thread is left afterwards.  Before the fix a PID namespace was
# refused ("the heap agent says it runs in pid 1, not N": the agent sees
# its own namespace's pid) and a mount namespace with the agent's
# directory hidden could not load it (same root, other mounts).
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null ||
	! unshare -m --pid --fork --kill-child --mount-proc true 2>/dev/null; then
	skip "namespaces" "needs root and unshare with PID and mount namespaces"
	exit 0
fi

# recorded NAME PID: the heap source was available, the leak was seen,
# and the target was left clean.
recorded() {
	local name=$1 pid=$2
	run "$LEAKTOP" record -p "$pid" -o "$T/$name.db" --interval 250ms --threads-interval 1s --duration 4s --sample-rate 16K
	check "$name: record exits 0" test "$LAST_RC" = 0
	[ "$LAST_RC" = 0 ] || note "$T/last.err"
	why=$(sql "$T/$name.db" "SELECT available || ' ' || coalesce(reason, '') FROM source WHERE name = 'heap'")
	check "$name: the heap source is available ($why)" test "${why%% *}" = 1
	check "$name: the leak is recorded" test "$(site_live "$T/$name.db" leak_request_buffer)" -gt 0
	check "$name: threads were sampled" test "$(sql "$T/$name.db" 'SELECT count(*) FROM thread_sample')" -ge 1
	check "$name: no GOT slot left hooked" got_clean "$pid"
	check "$name: no agent thread left" wait_for "! grep -qx lt-agent /proc/$pid/task/*/comm" 5
	check "$name: nothing left stopped or traced" sh -c "! grep -q '^State:.*\\(t\\|T\\)' /proc/$pid/task/*/status && ! grep -q '^TracerPid:.[1-9]' /proc/$pid/task/*/status"
	check "$name: the target still runs" alive "$pid"
}

# --- a PID namespace (and its own /proc) ------------------------------------------
TARGET_WRAP="unshare --pid --fork --kill-child --mount-proc" start_target heap_sites 1024
wrap=$TARGET_PID
wait_for "[ -s /proc/$wrap/task/$wrap/children ]" 5 || true
pid=$(awk '{ print $1 }' "/proc/$wrap/task/$wrap/children")
check "pidns: the target is pid 1 of its namespace" grep -q "^NStgid:.*[[:space:]]1\$" "/proc/$pid/status"
recorded pidns "$pid"
kill_wait TERM "$wrap"

# --- a mount namespace that hides the agent's directory ----------------------------
# The target runs from a copy, since its own directory may be hidden too.
agent_dir=$(dirname "$(readlink -f "$LEAKTOP")")
cp "$LT_TARGETS/heap_sites" "$T/heap_sites"
unshare -m sh -c "mount -t tmpfs none '$agent_dir' && exec '$T/heap_sites' 1024" >"$T/hidden.out" 2>&1 &
pid=$!
track "$pid"
wait_for "[ -s '$T/hidden.out' ]" 5 || bail "heap_sites in a mount namespace did not start: $(cat "$T/hidden.out")"
check "hidden: the agent's directory is empty for the target" test -z "$(ls "/proc/$pid/root$agent_dir")"
recorded hidden "$pid"
check "hidden: the agent was loaded from a copy the target can see" grep -q '/tmp/liblt-agent-[0-9a-f]*\.so' "/proc/$pid/maps"
kill_wait TERM "$pid"

# --- a mount namespace with its own /tmp (where the agent's socket goes) ------------
unshare -m sh -c "mount -t tmpfs none /tmp && exec '$LT_TARGETS/heap_sites' 1024" >"$T/tmp.out" 2>&1 &
pid=$!
track "$pid"
wait_for "[ -s '$T/tmp.out' ]" 5 || bail "heap_sites with its own /tmp did not start: $(cat "$T/tmp.out")"
recorded owntmp "$pid"
kill_wait TERM "$pid"
