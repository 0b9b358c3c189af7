#!/usr/bin/env bash
# page_cache: seed story 3.  A process that only writes a file, alone in its
# own memory cgroup: cgroup usage and file cache rise while anonymous memory
# is flat, and the report must say "memory growth is file cache ... not a
# heap leak" rather than "anonymous memory grows".
#
# The cgroup is created for this test (v1 memory hierarchy if mounted, else
# cgroup v2 under the first ancestor with the memory controller enabled for
# its children) and removed on exit.  Nothing global is touched: no drop
# caches, no change to existing cgroups.  Skips when no memory cgroup can
# be created (not root, read-only cgroupfs).
. "$(dirname "$0")/../lib.sh"

# make_memcg: creates the cgroup; sets CG_DIR and CG_NAME ("v1:/path" or
# "v2:/path", the path relative to its hierarchy's root).  Returns 1 with
# CG_WHY if impossible.
make_memcg() {
	local mnt path dir
	CG_WHY="no memory cgroup hierarchy is mounted"
	# cgroup v1: the hierarchy with the memory controller.
	mnt=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break }
		$(i + 1) == "cgroup" && $4 == "/" && $(i + 3) ~ /(^|,)memory(,|$)/ { print $5; exit }' /proc/self/mountinfo)
	path=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3; exit }' /proc/self/cgroup)
	if [ -n "$mnt" ] && [ -n "$path" ]; then
		for dir in "$mnt${path%/}" "$mnt"; do
			if mkdir "$dir/lt-test-$$" 2>/dev/null; then
				CG_DIR=$dir/lt-test-$$
				CG_NAME=v1:${CG_DIR#"$mnt"}
				return 0
			fi
		done
		CG_WHY="cannot create a cgroup in $mnt$path or $mnt"
		return 1
	fi
	# cgroup v2: the first ancestor of our cgroup that gives its children
	# the memory controller.
	mnt=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break }
		$(i + 1) == "cgroup2" && $4 == "/" { print $5; exit }' /proc/self/mountinfo)
	path=$(awk -F: '$1 == "0" && $2 == "" { print $3; exit }' /proc/self/cgroup)
	[ -n "$mnt" ] && [ -n "$path" ] || return 1
	dir=$mnt${path%/}
	while :; do
		if grep -qw memory "$dir/cgroup.subtree_control" 2>/dev/null &&
			mkdir "$dir/lt-test-$$" 2>/dev/null; then
			if [ -e "$dir/lt-test-$$/memory.current" ]; then
				CG_DIR=$dir/lt-test-$$
				CG_NAME=v2:${CG_DIR#"$mnt"}
				return 0
			fi
			rmdir "$dir/lt-test-$$"
		fi
		[ "$dir" != "$mnt" ] || break
		dir=${dir%/*}
	done
	CG_WHY="no cgroup v2 ancestor enables memory for its children (or not writable)"
	return 1
}

# remove_memcg: the cgroup can go once its processes are gone (they were
# stopped before this hook runs); its charges move to the parent.
remove_memcg() {
	local i
	for ((i = 0; i < 40; i++)); do
		rmdir "$CG_DIR" 2>/dev/null && return 0
		[ -d "$CG_DIR" ] || return 0
		sleep 0.05
	done
	echo "# could not remove cgroup $CG_DIR" >&2
}

if ! make_memcg; then
	skip "file cache growth is not a heap leak" "$CG_WHY"
	exit 0
fi
on_exit remove_memcg

# A disk-backed directory: on tmpfs the writes would be shared memory, not
# file cache.
data=$T/data
if [ "$(stat -f -c %T "$T")" = tmpfs ]; then
	data=$LT_ROOT/build/lt-page-cache.$$
	on_exit "rm -rf '$data'"
fi
mkdir -p "$data"

# file_writer appends 8 MiB/s and never fsyncs; it joins the cgroup before
# it execs, so every page it dirties is charged there.
TARGET_CGROUP=$CG_DIR start_target file_writer "$data" 8 60
pid=$TARGET_PID
check "target runs in the test cgroup" grep -qx "$pid" "$CG_DIR/cgroup.procs"

db=$T/page.db
expect_exit 0 "record exits 0" lt record -p "$pid" -o "$db" --interval 250ms --duration 4s

check "meta cgroup names the test cgroup" test "$(meta "$db" cgroup)" = "$CG_NAME"
check "source cgroup is available" test "$(sql "$db" "SELECT available FROM source WHERE name = 'cgroup'")" = 1

g=$(growth "$db" cg_file)
if [ "$g" -ge $((16 << 20)) ]; then ok "cg_file rises (~8 MiB/s)"; else fail "cg_file rises (~8 MiB/s)" "grew $g bytes in 4 s"; fi
g=$(growth "$db" cg_usage)
if [ "$g" -ge $((16 << 20)) ]; then ok "cg_usage rises"; else fail "cg_usage rises" "grew $g bytes in 4 s"; fi
span=$(value_span "$db" rss_anon)
if [ "${span:-0}" -lt $((2 << 20)) ]; then ok "rss_anon stays flat"; else fail "rss_anon stays flat" "spans $span bytes"; fi

expect_exit 0 "report exits 0" lt report "$db"
cp "$T/last.out" "$T/report.txt"
for want in "memory growth is file cache" "not a heap leak"; do
	expect_line "report says \"$want\"" "$T/report.txt" "$want"
done
expect_no_line "report does not say anonymous memory grows" "$T/report.txt" "anonymous memory grows"
