#!/usr/bin/env bash
# tui_reach: reachability scans in the live view, in tmux.  With
# --scan-interval 0 nothing is scanned until the key u; Sites gets its
# LOST column once a scan ran, and after a second u (a second later) the
# dropped clients of warm_service are proven lost in client_new's row,
# first when sorted by lost.  q finishes the file with both scans in it.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tui_lib.sh"

# first_row WIN: the first table row of Sites.
first_row() { screen "$1" | awk '/ WHERE/ {getline; print; exit}'; }
# lost_of WIN FUNC: the LOST cell of FUNC's row ("" without the column).
lost_of() {
	screen "$1" | awk -v f="$2 (" 'match($0, / LOST\*? /) {at = RSTART + RLENGTH - 10; next}
		at && index($0, f) {s = substr($0, at, 9); gsub(/ /, "", s); print s; exit}'
}

start_target warm_service 128 16 60
wait_for "grep -q warm '$TARGET_OUT'" 20 || bail "warm_service did not warm"
ui_start r 160 30 "$TARGET_PID" --interval 250ms --sample-rate 1 --scan-interval 0 \
	--no-threads -o "$T/r.db"
expect_screen "reach: Sites opens" r "Heap by your code (v: view) at t=" 10
wait_screen r "client_new" 10 || true
sleep 1
if screen r | grep -q ' LOST '; then
	fail "reach: no LOST column before a scan" "$(screen r | grep ' LOST ')"
else
	ok "reach: no LOST column before a scan"
fi
keys r u
expect_screen "reach: u asks a scan" r "reachability scan asked"
expect_screen "reach: the LOST column shows once it ran" r " LOST " 10
sleep 1.5
keys r u
if wait_for "lost_of r client_new | grep -qE '^[0-9.]+[KM]iB$'" 15; then
	ok "reach: a second scan proves client_new's blocks lost ($(lost_of r client_new))"
else
	fail "reach: a second scan proves client_new's blocks lost" "LOST '$(lost_of r client_new)'"
	screen r | sed 's/^/#   /'
fi
keys r s s s s
expect_screen "reach: s sorts Sites by lost" r "sorted by lost"
if first_row r | grep -q 'client_new (' && lost_of r client_new | grep -qE '^[0-9.]+[KM]iB$'; then
	ok "reach: client_new first by lost"
else
	fail "reach: client_new first by lost" "$(first_row r)"
fi
keys r q
expect_restored "reach: q finishes and restores the terminal" r 0
check "reach: the two scans are in the session file" \
	test "$(sql "$T/r.db" "SELECT count(*) FROM reach_scan WHERE proof = 1")" -ge 2
stop_pid "$TARGET_PID"
