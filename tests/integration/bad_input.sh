#!/usr/bin/env bash
# bad_input: every documented failure gives its exit code (2 usage, 3 target
# unusable, 4 session file) and one "leaktop: ..." line naming the cause,
# and leaves no file behind.  Data-driven where it can be: code, expected
# message, command.
. "$(dirname "$0")/../lib.sh"

NOBODY=65534
start_target heap_grower 0 60
pid=$TARGET_PID                       # a healthy, root-owned target

# no_file NAME PATH: the failed command left nothing at PATH.
no_file() {
	if [ -e "$2" ] || [ -e "$2-wal" ] || [ -e "$2-journal" ]; then
		fail "$1" "$(ls -d "$2"* | tr '\n' ' ')left behind"
	else
		ok "$1"
	fi
}

# --- usage (exit 2) ----------------------------------------------------------
for bad in abc -1s 0 10x; do
	expect_fail 2 "invalid duration" "--duration $bad" \
		lt record -p "$pid" -o "$T/u.db" --duration "$bad"
	expect_fail 2 "invalid interval" "--interval $bad" \
		lt record -p "$pid" -o "$T/u.db" --interval "$bad"
done
expect_fail 2 "-p" "missing -p" lt record -o "$T/u.db"
expect_fail 2 "-o" "missing -o" lt record -p "$pid"
expect_fail 2 "--bogus" "unknown record option" lt record -p "$pid" -o "$T/u.db" --bogus
expect_fail 2 "--bogus" "unknown report option" lt report --bogus "$T/u.db"
expect_exit 2 "report without FILE" lt report
expect_exit 2 "-p that is not a number" lt record -p abc -o "$T/u.db"
expect_exit 2 "unknown command" lt frobnicate
expect_exit 2 "no command" lt
no_file "usage errors leave no file" "$T/u.db"

# --- target unusable (exit 3) --------------------------------------------------
sh -c 'exit 0' &
gone=$!
wait "$gone"
expect_fail 3 "no such process" "pid of a reaped process" lt record -p "$gone" -o "$T/t.db"

kthread=""
for stat in /proc/2/stat /proc/[0-9]*/stat; do
	# flags (field 9 after the parenthesised comm) has PF_KTHREAD 0x00200000
	flags=$(sed 's/^.*) //' "$stat" 2>/dev/null | awk '{ print $7 }') || continue
	if [ -n "$flags" ] && [ $((flags & 0x00200000)) -ne 0 ]; then
		kthread=$(basename "$(dirname "$stat")")
		break
	fi
done
if [ -n "$kthread" ]; then
	expect_fail 3 "kernel thread" "kernel thread (pid $kthread)" lt record -p "$kthread" -o "$T/t.db"
else
	skip "kernel thread" "no kernel thread visible in this pid namespace"
fi

start_target zombie_parent 60
zombie=$(awk '$1 == "zombie" { print $2 }' "$TARGET_OUT")
if [ -n "$zombie" ] && grep -q '^State:.*Z' "/proc/$zombie/status"; then
	expect_fail 3 "zombie" "zombie" lt record -p "$zombie" -o "$T/t.db"
else
	fail "zombie" "zombie_parent gave no zombie: $(cat "$TARGET_OUT")"
fi

# As nobody, against the root-owned target, into nobody's own directory.
# Switching users needs root (and setpriv), and nobody must reach the
# binaries and $T.
as_root=""
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null &&
	as_nobody test -x "$LEAKTOP" -a -x "$LT_TARGETS/heap_grower" -a -x "$T"; then
	as_root=yes
fi
if [ -n "$as_root" ]; then
	mkdir "$T/nobody"
	chown "$NOBODY:$NOBODY" "$T/nobody"
	expect_fail 3 "permission denied" "root's process, as nobody" \
		as_nobody "$LEAKTOP" record -p "$pid" -o "$T/nobody/t.db"
	no_file "permission error leaves no file" "$T/nobody/t.db"
else
	skip "permission denied" "needs root, setpriv, and binaries nobody can run"
fi
no_file "target errors leave no file" "$T/t.db"

# --- output file (exit 4) ------------------------------------------------------
echo "precious" >"$T/exists.db"
expect_fail 4 "exists" "output exists" lt record -p "$pid" -o "$T/exists.db" --duration 1s
check "existing file is untouched" grep -qx precious "$T/exists.db"
expect_exit 0 "--force replaces it" lt record -p "$pid" -o "$T/exists.db" --duration 300ms --interval 100ms --force
check "replaced file is a session" test "$(meta "$T/exists.db" pid)" = "$pid"

echo "precious" >"$T/pointee"
ln -s "$T/pointee" "$T/link.db"
expect_fail 4 "symbolic link" "output is a symlink, with --force" \
	lt record -p "$pid" -o "$T/link.db" --duration 1s --force
check "symlink target is untouched" grep -qx precious "$T/pointee"
ln -s "$T/nowhere.db" "$T/dangling.db"
expect_fail 4 "symbolic link" "output is a dangling symlink" \
	lt record -p "$pid" -o "$T/dangling.db" --duration 1s
check "dangling symlink target is not created" test ! -e "$T/nowhere.db"

expect_fail 4 "does not exist" "output directory missing" \
	lt record -p "$pid" -o "$T/no/such/dir/s.db" --duration 1s

# nobody records nobody's own process into root's 0755 directory.
if [ -n "$as_root" ]; then
	mkdir -m 0755 "$T/rootdir"
	TARGET_WRAP="setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups" start_target heap_grower 0 60
	npid=$TARGET_PID
	expect_fail 4 "not writable" "output directory not writable" \
		as_nobody "$LEAKTOP" record -p "$npid" -o "$T/rootdir/s.db" --duration 1s
	no_file "not writable leaves no file" "$T/rootdir/s.db"
else
	skip "output directory not writable" "needs root, setpriv, and binaries nobody can run"
fi

# --- report (exit 4) -----------------------------------------------------------
expect_fail 4 "no such file" "report: missing file" lt report "$T/missing.db"
head -c 8192 /dev/urandom >"$T/random.db"
expect_fail 4 "not a leaktop session" "report: random bytes" lt report "$T/random.db"
: >"$T/empty.db"
expect_fail 4 "not a leaktop session" "report: empty file" lt report "$T/empty.db"
sqlite3 "$T/other.db" 'CREATE TABLE t (x); INSERT INTO t VALUES (1);'
expect_fail 4 "not a leaktop session" "report: SQLite database of something else" lt report "$T/other.db"

# A real session to damage.
if lt record -p "$pid" -o "$T/real.db" --interval 50ms --duration 1s 2>"$T/real.err" &&
	lt report "$T/real.db" >/dev/null 2>&1; then
	cp "$T/real.db" "$T/newer.db"
	sqlite3 "$T/newer.db" 'PRAGMA user_version = 99'
	expect_fail 4 "newer leaktop" "report: user_version 99" lt report "$T/newer.db"
	cp "$T/real.db" "$T/cut.db"
	truncate -s $(($(stat -c %s "$T/cut.db") / 2)) "$T/cut.db"
	expect_fail 4 "corrupt or truncated" "report: truncated to 50%" lt report "$T/cut.db"
else
	fail "report: damaged sessions" "could not record a session to damage"
	note "$T/real.err"
fi
