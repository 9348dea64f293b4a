#!/usr/bin/env bash
# run.sh: the tour. Runs every example folder (NN-name/) in order, or the ones
# named, and for each prints what it is about, what to watch for, the command a
# reader would type, the live output, and what the kernel still holds after it.
#
#   ./run.sh            run the whole tour
#   ./run.sh 01 03      run 01-pipe and 03-fifo only
#   ./run.sh --list     list the examples
#
# All examples are built once into a temporary directory first. Each runs with
# standard input from /dev/null (nothing waits for the keyboard) and a TMPDIR of
# its own, so two tours at once do not meet. Colour follows NO_COLOR and the
# terminal; the exit status is non-zero if any example failed.
set -euo pipefail
cd "$(dirname "$0")"

usage() {
	echo "usage: ./run.sh [--list] [NN ...]" >&2
	exit 2
}

if [[ -t 1 && -z "${NO_COLOR:-}" && "${TERM:-dumb}" != dumb ]] || [[ -n "${FORCE_COLOR:-}" && "${FORCE_COLOR}" != 0 && -z "${NO_COLOR:-}" ]]; then
	bold=$'\e[1m' dim=$'\e[2m' green=$'\e[32m' red=$'\e[31m' reset=$'\e[0m'
else
	bold='' dim='' green='' red='' reset=''
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
		found=''
		for d in "${all[@]}"; do
			if [[ "$d" == "$arg" || "$d" == "$arg"-* ]]; then found=$d; fi
		done
		[[ -n "$found" ]] || { echo "run.sh: no example folder matches '$arg' (try --list)" >&2; exit 2; }
		picked+=("$found")
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
trap 'echo; echo "run.sh: interrupted"; exit 130' INT TERM

printf '%sBuilding %d example(s) once...%s\n' "$dim" "${#picked[@]}" "$reset"
go build -o "$work/bin/" "${picked[@]/#/./}"

# sysv_ids lists "kind:id" for every System V object in this IPC namespace.
sysv_ids() {
	local kind
	for kind in msg sem shm; do
		[[ -r /proc/sysvipc/$kind ]] && awk -v k="$kind" 'NR > 1 { print k ":" $2 }' "/proc/sysvipc/$kind"
	done
	return 0
}

failed=()
for d in "${picked[@]}"; do
	echo
	printf '%s%s%s\n' "$bold" "━━━━ $(title "$d") ━━━━" "$reset"
	w=$(watch "$d")
	[[ -n "$w" ]] && printf '%sWatch for:%s %s\n' "$bold" "$reset" "$w"
	printf '\n%s$ go run ./%s%s\n' "$dim" "$d" "$reset"

	tmp="$work/tmp-$d"
	mkdir -m 700 "$tmp"
	before=$(sysv_ids | sort)
	rc=0
	# The example gets descriptors 0, 1 and 2 only, whatever this shell
	# inherited, so its /proc/self/fd listing shows just what it opened.
	(
		for f in /proc/$BASHPID/fd/*; do
			n=${f##*/}
			if ((n > 2)); then eval "exec $n>&-"; fi
		done 2>/dev/null
		TMPDIR="$tmp" exec "$work/bin/$d" </dev/null
	) || rc=$?

	# What the kernel still holds: files (FIFOs) in the example's TMPDIR, and
	# System V objects that appeared while it ran.
	left=$(find "$tmp" -mindepth 1 -printf '%M %p\n' 2>/dev/null || true)
	new=$(comm -13 <(echo "$before") <(sysv_ids | sort) | grep . || true)
	echo
	if [[ -z "$left$new" ]]; then
		printf '%s[after %s] the kernel holds nothing of it: no FIFO, no System V object%s\n' "$dim" "$d" "$reset"
	else
		[[ -n "$left" ]] && printf '%s[after %s] left in its TMPDIR:%s\n%s\n' "$red" "$d" "$reset" "$left"
		[[ -n "$new" ]] && printf '%s[after %s] System V objects created while it ran and still there (ipcs -a; maybe another user'"'"'s):%s\n%s\n' "$red" "$d" "$reset" "$new"
	fi
	if [[ $rc -ne 0 ]]; then
		printf '%s[after %s] it exited with status %d%s\n' "$red" "$d" "$rc" "$reset"
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
