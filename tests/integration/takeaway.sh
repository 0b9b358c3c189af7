#!/usr/bin/env bash
# takeaway: a session to take away.  `leaktop export FILE --format sqlite`
# while FILE is being recorded gives one consistent file (integrity_check,
# opens with immutable=1, no -wal/-shm, every tick committed before the
# export, also those still in FILE-wal); --from/--to trim it and it reads
# the same as the original over that range; OUT is refused when it exists
# (without -f), is a symlink, a device, a directory or the session itself,
# and nothing is lost.  Source lines travel with the session: a copy's
# source view shows the leaking line after the program's sources and
# binary are moved away; --no-sources leaves them out.  Source lines are
# found through DW_AT_comp_dir from another current directory.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tui_lib.sh"

command -v sqlite3 >/dev/null || bail "sqlite3 is not installed (make deps)"

# --- a program built like a user's: relative file names, its own tree ------
# Compiled in $T/app as src/heap_sites.c, so its DWARF names the file
# relative to DW_AT_comp_dir $T/app; leaktop runs from / and the views
# from $T.
mkdir -p "$T/app/src"
cp tests/targets/heap_sites.c tests/targets/target.h "$T/app/src/"
(cd "$T/app" && ${CC:-cc} -std=gnu11 -O1 -g -pthread -o heap_sites src/heap_sites.c -lm) ||
	bail "cannot build the test program"
LT_TARGETS=$T/app start_target heap_sites 512 300
target=$TARGET_PID
leak_line='char *p = malloc(BLOCK);'

# in_root CMD...: runs CMD with / as its current directory.
in_root() { (cd / && "$@"); }

# --- export while recording ------------------------------------------------
start_bg rec sh -c 'cd / && exec "$@"' sh "$LEAKTOP" record -p "$target" -o "$T/rec.db" \
	--interval 250ms --duration 7s --sample-rate 64K
rec_pid=$BG_PID
wait_ticks "$T/rec.db" 10 15 || bail "the recording has no ticks: $(cat "$T/rec.err")"
before=$(ticks "$T/rec.db")
# What the main file holds without its -wal (read as immutable, the -wal
# ignored): fewer ticks than committed while the recorder runs.
main_only=$(sqlite3 -batch -noheader "file:$T/rec.db?immutable=1" "SELECT count(*) FROM tick" 2>/dev/null || echo 0)
run in_root "$LEAKTOP" export "$T/rec.db" --format sqlite -o "$T/copy.db"
status_ok "export --format sqlite while recording exits 0" "$LAST_RC" "$T/last.err"
check "the recording goes on during the export" alive "$rec_pid"
check "the session is in WAL mode while recorded (there is a -wal to leave out)" test -s "$T/rec.db-wal"
integrity=$(sqlite3 -batch -noheader "file:$T/copy.db?immutable=1" "PRAGMA integrity_check" 2>&1 || true)
check "the copy passes integrity_check, opened with immutable=1" test "$integrity" = ok
copied=$(sqlite3 -batch -noheader "file:$T/copy.db?immutable=1" "SELECT count(*) FROM tick" 2>/dev/null || echo 0)
if [ "$copied" -ge "$before" ] && [ "$before" -gt 0 ]; then
	ok "the copy has every tick committed before the export ($copied >= $before)"
else
	fail "the copy has every tick committed before the export" "$copied < $before"
fi
if [ "$copied" -gt "$main_only" ]; then
	ok "the copy has the ticks still in the -wal ($copied > $main_only in the main file)"
else
	fail "the copy has the ticks still in the -wal" "$copied, main file alone $main_only"
fi
check "the copy is one file: no -wal, no -shm beside it" \
	sh -c "! ls '$T/copy.db-wal' '$T/copy.db-shm' '$T/copy.db-journal' 2>/dev/null | grep -q ."
check "the copy is not in WAL mode" \
	test "$(sqlite3 -batch -noheader "file:$T/copy.db?immutable=1" "PRAGMA journal_mode")" = delete
check "the copy says what it was copied from" \
	sh -c "sqlite3 -batch -noheader 'file:$T/copy.db?immutable=1' \"SELECT value FROM meta WHERE key = 'copy_of'\" | grep -qF '$T/rec.db on '"
if wait_exit "$rec_pid" 30 && [ "$WAIT_RC" -eq 0 ]; then ok "the recording ends normally"; else fail "the recording ends normally" "status ${WAIT_RC:-timeout}"; note "$T/rec.err"; fi
kept=$(sql "$T/rec.db" "SELECT count(*) FROM source_text WHERE file = '$T/app/src/heap_sites.c' AND text LIKE '%$leak_line%'")
check "the recording kept the leaking line, under its absolute file name" test "$kept" -ge 1

# --- source view from another directory (DW_AT_comp_dir), not kept --------
start_bg nosrc sh -c 'cd / && exec "$@"' sh "$LEAKTOP" record -p "$target" -o "$T/nosrc.db" \
	--interval 250ms --duration 2s --sample-rate 64K --no-sources
wait_exit "$BG_PID" 30 || true
status_ok "record --no-sources exits 0" "${WAIT_RC:-timeout}" "$T/nosrc.err"
check "--no-sources keeps no source lines" test "$(sql "$T/nosrc.db" "SELECT count(*) FROM source_text")" = 0
check "frames name their file with DW_AT_comp_dir" \
	test "$(sql "$T/nosrc.db" "SELECT count(*) FROM frame_symbol WHERE file = '$T/app/src/heap_sites.c'")" -ge 1
# The views run in $T (ui_start), where src/heap_sites.c is not.
ui_start w 120 32 view "$T/nosrc.db"
keys w 1
expect_screen "view from another directory: Sites" w "Heap by your code (v: view) at t="
keys w C-u Enter   # Ctrl-U: a page up, the first row
expect_screen "view from another directory: the stack names the leak" w "> leak_request_buffer  heap_sites.c:"
keys w Enter
expect_screen "view from another directory: the source of the leaking line, from the file" w "$leak_line"
expect_screen "view from another directory: the file is named absolute" w "$T/app/src/heap_sites.c:"
if screen w | grep -qF "kept in the session"; then fail "view from another directory: read from the file, not kept lines" "kept"; else ok "view from another directory: read from the file, not kept lines"; fi
keys w q
# export adds the lines a session lacks, from the files its frames name.
run in_root "$LEAKTOP" export "$T/nosrc.db" --format sqlite -o "$T/nosrc-copy.db"
status_ok "export of a session without source lines exits 0" "$LAST_RC" "$T/last.err"
check "export adds the missing source lines" \
	test "$(sql "$T/nosrc-copy.db" "SELECT count(*) FROM source_text WHERE text LIKE '%$leak_line%'")" -ge 1
run lt export "$T/rec.db" --format sqlite -o "$T/private.db" --no-sources
status_ok "export --no-sources exits 0" "$LAST_RC" "$T/last.err"
check "export --no-sources leaves the lines out" test "$(sql "$T/private.db" "SELECT count(*) FROM source_text")" = 0

# --- trimmed copies -------------------------------------------------------
run lt export "$T/rec.db" --format sqlite -o "$T/part.db" --from 2s --to 5s
status_ok "export --from 2s --to 5s exits 0" "$LAST_RC" "$T/last.err"
first_t=$(sql "$T/part.db" "SELECT min(t) FROM tick")
last_t=$(sql "$T/part.db" "SELECT max(t) FROM tick")
got=$(ticks "$T/part.db")
want=$(sql "$T/rec.db" "SELECT count(*) FROM tick WHERE t >= $first_t - 1e-6 AND t <= $last_t + 1e-6")
check "the part holds the original's ticks from 2s to 5s ($got ticks, t=$first_t..$last_t)" \
	awk -v a="$first_t" -v b="$last_t" -v g="$got" -v w="$want" \
	'BEGIN { exit !(g == w && a > 1.6 && a < 2.4 && b > 4.6 && b < 5.4) }'
check "the part's ticks are numbered from 1" test "$(sql "$T/part.db" "SELECT min(id) FROM tick")" = 1
check "the part passes integrity_check" test "$(sqlite3 -batch -noheader "file:$T/part.db?immutable=1" "PRAGMA integrity_check")" = ok
check "the part says which range it holds" test -n "$(meta "$T/part.db" copy_range)"
lt export "$T/rec.db" --format csv --from 2s --to 5s >"$T/orig.csv" 2>"$T/orig.err" || true
lt export "$T/part.db" --format csv >"$T/part.csv" 2>"$T/part.err" || true
if [ -s "$T/part.csv" ] && cmp -s "$T/orig.csv" "$T/part.csv"; then
	ok "the part's memory timeline is the original's over the range"
else
	fail "the part's memory timeline is the original's over the range" "differs"
	diff "$T/orig.csv" "$T/part.csv" | head -5 | sed 's/^/#   /'
fi
lt export "$T/rec.db" --format folded --at 5s >"$T/orig.folded" 2>/dev/null || true
lt export "$T/part.db" --format folded >"$T/part.folded" 2>/dev/null || true
if [ -s "$T/part.folded" ] && cmp -s "$T/orig.folded" "$T/part.folded"; then
	ok "the part's heap at its end is the original's at --to"
else
	fail "the part's heap at its end is the original's at --to" "differs"
	diff "$T/orig.folded" "$T/part.folded" | head -5 | sed 's/^/#   /'
fi
lt export "$T/rec.db" --format folded --from 2s --to 5s >"$T/orig.delta" 2>/dev/null || true
lt export "$T/part.db" --format folded --from 2s --to 5s >"$T/part.delta" 2>/dev/null || true
if grep -q leak_request_buffer "$T/part.delta" && cmp -s "$T/orig.delta" "$T/part.delta"; then
	ok "the part's change over its range is the original's"
else
	fail "the part's change over its range is the original's" "differs"
	diff "$T/orig.delta" "$T/part.delta" | head -5 | sed 's/^/#   /'
fi
expect_fail 2 "" "a range with --at is refused" lt export "$T/rec.db" --format sqlite -o "$T/x.db" --at 2s
expect_fail 2 "-o OUT" "sqlite to standard output is refused" lt export "$T/rec.db" --format sqlite

# --- refusals: nothing lost -----------------------------------------------
sum=$(md5sum <"$T/copy.db")
expect_fail 4 "exists" "an existing OUT without -f is refused" \
	lt export "$T/rec.db" --format sqlite -o "$T/copy.db"
check "... and left as it was" test "$(md5sum <"$T/copy.db")" = "$sum"
echo keep >"$T/victim"
ln -s "$T/victim" "$T/link.db"
expect_fail 4 "symbolic link" "a symlink as OUT is refused, even with -f" \
	lt export "$T/rec.db" --format sqlite -o "$T/link.db" -f
check "... and its target is untouched" test "$(cat "$T/victim")" = keep
check "... and the link stays" test -L "$T/link.db"
expect_fail 4 "device" "a device as OUT is refused, even with -f" \
	lt export "$T/rec.db" --format sqlite -o /dev/null -f
check "... and /dev/null is still a device" test -c /dev/null
mkdir "$T/dir.db"
expect_fail 4 "directory" "a directory as OUT is refused, even with -f" \
	lt export "$T/rec.db" --format sqlite -o "$T/dir.db" -f
expect_fail 4 "being copied" "the session itself as OUT is refused, even with -f" \
	lt export "$T/rec.db" --format sqlite -o "$T/rec.db" -f
check "... and the session still loads" sh -c "'$LEAKTOP' report '$T/rec.db' >/dev/null"
: >"$T/rec.db-wal"
expect_fail 4 "being copied" "the session's -wal as OUT is refused, even with -f" \
	lt export "$T/rec.db" --format sqlite -o "$T/rec.db-wal" -f
rm -f "$T/rec.db-wal"
echo stale >"$T/copy2.db-journal"
expect_fail 4 "copy2.db-journal exists" "a journal left beside OUT is refused without -f" \
	lt export "$T/rec.db" --format sqlite -o "$T/copy2.db"
run lt export "$T/rec.db" --format sqlite -o "$T/copy.db" -f
status_ok "-f replaces an existing copy" "$LAST_RC" "$T/last.err"
check "no temporary file is left" sh -c "! ls '$T' | grep -q '\\.tmp'"

# --- the copy elsewhere: no sources, no binary ----------------------------
kill_wait TERM "$target"
mv "$T/app" "$T/gone"
run lt report "$T/copy.db"
if [ "$LAST_RC" -eq 0 ] && grep -qF "copy       of $T/rec.db on " "$T/last.out" &&
	grep -q '^! heap site .*leak_request_buffer' "$T/last.out"; then
	ok "report of the copy says where it came from and names the leak"
else
	fail "report of the copy says where it came from and names the leak" "status $LAST_RC"
	note "$T/last.out" "$T/last.err"
fi
check "report of the copy shows the leaking line, kept in the session" grep -qF "| $leak_line" "$T/last.out"
run lt export "$T/copy.db" --format pprof -o "$T/copy.pb.gz"
status_ok "export of the copy to pprof works without the binary" "$LAST_RC" "$T/last.err"
run lt export "$T/copy.db" --format sqlite -o "$T/copy-of-copy.db"
status_ok "a copy of the copy" "$LAST_RC" "$T/last.err"
ui_start c 120 32 view "$T/copy.db"
expect_screen "view of the copy: the header says it is a copy" c "replay (copy) t="
expect_screen "view of the copy says where it came from" c "copy of $T/rec.db on "
keys c 1
expect_screen "view of the copy: Sites" c "Heap by your code (v: view) at t="
keys c C-u Enter   # Ctrl-U: a page up, the first row
expect_screen "view of the copy: the stack names the leak" c "> leak_request_buffer  heap_sites.c:"
keys c Enter
expect_screen "view of the copy, sources moved away: the leaking line" c "$leak_line"
expect_screen "view of the copy: the lines are the session's" c "(kept in the session)"
keys c q
ui_start p 120 32 view "$T/private.db"
keys p 1
expect_screen "view of a --no-sources copy: Sites" p "Heap by your code (v: view) at t="
keys p C-u Enter   # Ctrl-U: a page up, the first row
keys p Enter
expect_screen "view of a --no-sources copy: source unavailable" p "source unavailable"
keys p q

# --- older files ----------------------------------------------------------
cp "$T/copy.db" "$T/old.db"
sqlite3 "$T/old.db" "DROP TABLE source_text; DELETE FROM meta WHERE key LIKE 'copy%'"
run lt report "$T/old.db"
status_ok "a file without source_text loads" "$LAST_RC" "$T/last.err"
check "... and is not called a copy" sh -c "! grep -q '^  copy ' '$T/last.out'"
