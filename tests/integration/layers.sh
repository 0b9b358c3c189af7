#!/usr/bin/env bash
# layers: the source tree reads as the data flow (doc/architecture.md).
# Each folder of src/ is a stage and may include headers only of the
# stages below it; library headers only where doc/style.md allows them;
# nothing but main.c is loose in src/; no file is over the size guideline.
. "$(dirname "$0")/../lib.sh"
cd "$LT_ROOT" || exit 1

# Which header groups (include/<group>/) each stage may include.  A stage
# never includes one above it, so no include circle can cross stages.
declare -A allowed=(
	[base]="base"
	[sources]="base agent sources"
	[model]="base model"
	[store]="base model store"
	[out]="base model out"
	[session]="base agent sources model store session"
	[ui]="base model out ui"
	[cli]="base agent sources model store out session ui cli"
	[main]="base cli ui"
)

# header name -> group
declare -A group_of=()
for h in include/*/*.h; do
	g=${h#include/}
	group_of[${h##*/}]=${g%%/*}
done

check_file() { # FILE STAGE
	local f=$1 stage=$2 h g bad=""
	while read -r h; do
		g=${group_of[$h]:-}
		[ -n "$g" ] || continue     # generated or local header
		case " ${allowed[$stage]} " in
		*" $g "*) ;;
		*) bad="$bad $h($g)" ;;
		esac
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
	if [ -n "$bad" ]; then
		fail "$f ($stage) includes only lower stages" "includes$bad"
	else
		ok "$f ($stage) includes only lower stages"
	fi
}

for f in src/*/*.c include/*/*.h ui/*.c ui/*.h; do
	case $f in
	src/agent/*) continue ;;    # its own small world: libc only
	src/*) stage=${f#src/}; stage=${stage%%/*} ;;
	include/agent/*) continue ;;
	include/*) stage=${f#include/}; stage=${stage%%/*} ;;
	ui/*) stage=ui ;;
	esac
	check_file "$f" "$stage"
done
check_file src/main.c main

# No include circle between modules, within a stage too.  A module is a .c
# file and its header (lt_NAME.h; an lt_NAME_int.h belongs to NAME).
declare -A deps=()
mod_of_header() { local b=${1%.h}; b=${b#lt_}; echo "${b%_int}"; }
for f in src/*/*.c ui/*.c include/*/*.h; do
	case $f in src/agent/* | include/agent/*) continue ;; esac
	b=${f##*/}
	case $f in *.h) m=$(mod_of_header "$b") ;; *) m=${b%.c} ;; esac
	while read -r h; do
		[ -n "${group_of[$h]:-}" ] || continue
		t=$(mod_of_header "$h")
		[ "$t" != "$m" ] && deps[$m]="${deps[$m]:-} $t"
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done
declare -A state=()
circle=""
visit() { # MODULE PATH
	local u=$1 v
	state[$u]=1
	for v in ${deps[$u]:-}; do
		[ -n "$circle" ] && return
		if [ "${state[$v]:-0}" = 1 ]; then
			circle="$2 $u -> $v"
			return
		fi
		[ "${state[$v]:-0}" = 0 ] && visit "$v" "$2 $u ->"
	done
	state[$u]=2
}
for u in "${!deps[@]}"; do
	[ "${state[$u]:-0}" = 0 ] && [ -z "$circle" ] && visit "$u" ""
done
if [ -z "$circle" ]; then
	ok "no include circle between modules"
else
	fail "no include circle between modules" "$circle"
fi

loose=$(find src -maxdepth 1 -type f ! -name main.c | sort | tr '\n' ' ')
if [ -z "$loose" ]; then
	ok "only main.c is loose in src/"
else
	fail "only main.c is loose in src/" "$loose"
fi

# Library boundaries (doc/style.md): who may include what.
lib_check() { # WHAT REGEX ALLOWED-REGEX
	local what=$1 re=$2 allow=$3 offenders
	offenders=$(grep -lE "$re" src/*/*.c src/*.c ui/*.c include/*/*.h 2>/dev/null |
		grep -vE "$allow" | tr '\n' ' ')
	if [ -z "$offenders" ]; then
		ok "only $what"
	else
		fail "only $what" "$offenders"
	fi
}
lib_check "the store includes sqlite3" '#include <sqlite3.h>' '^src/store/|^include/store/lt_store_int.h$'
lib_check "ui/ includes curses" '#include <(n?curses|ncursesw/)' '^ui/'
lib_check "ptrace modules include sys/ptrace.h" '#include <sys/ptrace.h>' '^src/sources/ptrace(_call)?\.c$'
# golayout reads the Go runtime's struct offsets and globals from DWARF
# for the Go reader (goread.c stays free of libdw).
lib_check "symbols and unwinding include libdw" '#include <elfutils/|#include <dwarf.h>' '^src/sources/(symbols|unwind|elf|golayout)\.c$|^include/sources/lt_(symbols|unwind)\.h$'

big=$(wc -l src/*/*.c src/*.c ui/*.c include/*/*.h 2>/dev/null |
	awk '$2 != "total" && $1 > 800 {printf "%s (%d) ", $2, $1}')
if [ -z "$big" ]; then
	ok "no file over 800 lines"
else
	fail "no file over 800 lines" "$big"
fi


