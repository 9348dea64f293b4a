#!/usr/bin/env bash
# run.sh: the tour. Runs every example folder (NN-name/) in order, or the ones
# named, and for each prints what it is about, what to watch for, the command a
# reader would type, the live output, and what the kernel still holds after it.
#
#   ./run.sh            run the whole tour
#   ./run.sh 01 03      run 01-pipe and 03-fifo only (01, 01-pipe and 01-pipe/ all work)
#   ./run.sh --list     list the examples
#
# All examples are built once into a temporary directory first. Each runs with
# standard input from /dev/null (nothing waits for the keyboard) and a TMPDIR of
# its own, so two tours at once do not meet. Colour follows NO_COLOR and the
# terminal; the exit status is non-zero if any example failed.
#
# The title and the "Watch for" line of each example come from the first lines
# of its README.md ("# NN-name: title" and "**Watch for:** ...").
set -euo pipefail
cd "$(dirname "$0")"

usage() {
	echo "usage: ./run.sh [--list] [NN ...]" >&2
	exit 2
}

# want_colour: a terminal that is not dumb, unless NO_COLOR is set; or
# FORCE_COLOR set to anything but 0 (NO_COLOR still wins).
want_colour() {
	[[ -n "${NO_COLOR:-}" ]] && return 1
	[[ -n "${FORCE_COLOR:-}" && "${FORCE_COLOR}" != 0 ]] && return 0
	[[ -t 1 && "${TERM:-dumb}" != dumb ]]
}

if want_colour; then
	bold=$'\e[1m' dim=$'\e[2m' green=$'\e[32m' red=$'\e[31m' reset=$'\e[0m'
	colour=1
else
	bold='' dim='' green='' red='' reset=''
	colour=0
fi

if [[ "$(uname -s)" != Linux ]]; then
	echo "run.sh: these examples need Linux (System V IPC, /proc, Linux system calls)." >&2
	echo "On macOS or Windows, run them in a container: see 'On macOS or Windows' in README.md." >&2
	exit 1
fi

all=()
for d in [0-9][0-9]-*/; do
	[[ -f "$d/main.go" ]] && all+=("${d%/}")
done

title() { sed -n '1s/^# //p' "$1/README.md" 2>/dev/null; }
watch() { sed -n 's/^\*\*Watch for:\*\* *//p' "$1/README.md" 2>/dev/null | head -n 1; }

list=0
picked=()
for arg in "$@"; do
	case "$arg" in
	--list) list=1 ;;
	-h | --help) usage ;;
	-*) echo "run.sh: unknown option $arg" >&2; usage ;;
	*)
		arg=${arg%/} # tab completion types 01-pipe/
		found=''
		for d in "${all[@]}"; do
			if [[ "$d" == "$arg" || "$d" == "$arg"-* ]]; then found=$d; fi
		done
		[[ -n "$found" ]] || { echo "run.sh: no example folder matches '$arg' (try --list)" >&2; exit 2; }
		dup=0
		for d in "${picked[@]}"; do [[ "$d" == "$found" ]] && dup=1; done
		((dup)) || picked+=("$found")
		;;
	esac
done
[[ ${#picked[@]} -gt 0 ]] || picked=("${all[@]}")

if [[ $list == 1 ]]; then
	for d in "${picked[@]}"; do printf '%-14s %s\n' "$d" "$(title "$d" | sed 's/^[^:]*: *//')"; done
	exit 0
fi

command -v go >/dev/null || { echo "run.sh: 'go' is not on PATH; install Go (see README.md)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ipc-tour.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'echo; echo "run.sh: interrupted"; exit 130' INT TERM HUP

printf '%sBuilding %d example(s) once...%s\n' "$dim" "${#picked[@]}" "$reset"
# -buildvcs=false: in a clone owned by another user (a shared lab checkout,
# a mounted workspace) git refuses the repository and go build would stop
# with "error obtaining VCS status"; the tour needs no VCS stamp.
go build -buildvcs=false -o "$work/bin/" "${picked[@]/#/./}"

me=$(id -u)

# sysv_ids lists "kind:id" for every System V object of this user in this
# IPC namespace.
sysv_ids() {
	local kind
	for kind in msg sem shm; do
		[[ -r /proc/sysvipc/$kind ]] || continue
		awk -v k="$kind" -v me="$me" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
			$col["cuid"] == me { print k ":" $2 }' "/proc/sysvipc/$kind"
	done
	return 0
}

# sysv_pids prints the PIDs the kernel records for one object: the creator
# and last user of a segment (cpid, lpid), the last sender and receiver of
# a queue (lspid, lrpid), the last process to operate on each semaphore
# of a set (sempid, from ipcs: /proc/sysvipc/sem has no PID column).
sysv_pids() {
	local kind=${1%%:*} id=${1#*:}
	case $kind in
	shm | msg)
		awk -v id="$id" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
			$2 == id { for (c in col) if (c ~ /pid$/) print $col[c] }' "/proc/sysvipc/$kind"
		;;
	sem)
		command -v ipcs >/dev/null && ipcs -s -i "$id" 2>/dev/null | awk 'f && NF == 5 { print $5 } /^semnum/ { f = 1 }'
		;;
	esac
	return 0
}

failed=()
for d in "${picked[@]}"; do
	echo
	printf '%s%s%s\n' "$bold" "━━━━ $(title "$d") ━━━━" "$reset"
	w=$(watch "$d")
	# Wrapped at 100 columns, as the examples' own lines are (fold counts
	# bytes, so a line with non-ASCII text breaks a little early).
	[[ -n "$w" ]] && printf 'Watch for: %s\n' "$w" | fold -s -w 100 | sed "s/ *$//; 1s/^Watch for:/${bold}Watch for:${reset}/"
	printf '\n%s$ go run ./%s%s\n' "$dim" "$d" "$reset"

	tmp="$work/tmp-$d"
	log="$work/log-$d"
	mkdir -m 700 "$tmp"
	before=$(sysv_ids | sort)
	# The example gets descriptors 0, 1 and 2 only, whatever this shell
	# inherited, so its /proc/self/fd listing shows just what it opened.
	# Its standard error joins its standard output (in the order written)
	# through tee, which keeps a copy to find the PIDs of its processes.
	set +e
	(
		fds=("/proc/$BASHPID/fd"/*)
		for f in "${fds[@]}"; do
			n=${f##*/}
			if ((n > 2)) && [[ -e $f ]]; then exec {n}>&-; fi
		done
		echo "$BASHPID" >"$work/pid-$d"
		if ((colour)); then export FORCE_COLOR=1; fi
		TMPDIR="$tmp" exec "$work/bin/$d" </dev/null 2>&1
	) | tee "$log"
	status=("${PIPESTATUS[@]}")
	set -e
	rc=${status[0]}

	# What the kernel still holds: files (FIFOs) in the example's TMPDIR,
	# and System V objects of this user that appeared while it ran and that
	# one of its processes made or used last: its first process, or a PID
	# one of its lines is tagged with ("server 4242: ..."). Another tour's
	# objects, running at the same time, are not this example's.
	pids=" $(cat "$work/pid-$d") $(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -oE '^[A-Za-z][A-Za-z0-9_-]*( [A-Za-z0-9_-]+)? [0-9]+:' | grep -oE '[0-9]+:$' | tr -d : | sort -u | tr '\n' ' ') "
	new=''
	for obj in $(comm -13 <(echo "$before") <(sysv_ids | sort)); do
		for pid in $(sysv_pids "$obj"); do
			if [[ "$pid" != 0 && "$pids" == *" $pid "* ]]; then
				new+="$obj (PID $pid)"$'\n'
				break
			fi
		done
	done
	left=$(find "$tmp" -mindepth 1 -printf '%M %p\n' 2>/dev/null || true)
	# POSIX shared memory: names in /dev/shm that carry one of its PIDs
	# (11-mmap names its objects NN-name-PID).
	for pid in $pids; do
		for f in /dev/shm/*-"$pid" /dev/shm/*-"$pid"-*; do
			[[ -e "$f" ]] && new+="$f"$'\n'
		done
	done
	echo
	if [[ -z "$left$new" ]]; then
		printf '%s[after %s] the kernel holds nothing of it: no FIFO, no System V object, nothing in /dev/shm%s\n' "$dim" "$d" "$reset"
	else
		[[ -n "$left" ]] && printf '%s[after %s] left in its TMPDIR:%s\n%s\n' "$red" "$d" "$reset" "$left"
		[[ -n "$new" ]] && printf '%s[after %s] kernel objects its processes made or used, still there (ipcs -a, /dev/shm):%s\n%s' "$red" "$d" "$reset" "$new"
	fi
	if [[ $rc -ne 0 ]]; then
		printf '%s[after %s] it exited with status %d%s\n' "$red" "$d" "$rc" "$reset"
		failed+=("$d")
	elif [[ -n "$left$new" ]]; then
		failed+=("$d")
	fi
	rm -rf "$tmp"
done

echo
if [[ ${#failed[@]} -eq 0 ]]; then
	printf '%s%d example(s) ran, all passed.%s\n' "$green" "${#picked[@]}" "$reset"
else
	printf '%s%d of %d example(s) failed: %s%s\n' "$red" "${#failed[@]}" "${#picked[@]}" "${failed[*]}" "$reset"
	exit 1
fi
