#!/usr/bin/env bash
# check_hls_subset.sh: hls_c must stay in the synthesizable subset (docs/datapaths.md): fixed-width
# integers, no heap, no floating point, no library calls, no recursion.
#
# Two checks on every hls_c source that is part of a datapath (gen_vh.c is a build tool):
#  1. a scan for forbidden words (float, double, malloc and friends, stdio, libm);
#  2. a compile with flags that reject floating point and variable-length arrays, and a link
#     without libc that fails on any library call.
set -euo pipefail
# Usage: check_hls_subset.sh [DIR]   (default: the project's hls_c/)
dir=${1:-$(dirname "$0")/../hls_c}
fail=0
# every datapath source and header (gen_vh.c is a build tool, not part of the subset)
srcs=()
for f in "$dir"/*.c; do [ "$(basename "$f")" = gen_vh.c ] || srcs+=("$f"); done
hdrs=("$dir"/*.h)

forbidden='\b(float|double|long double|malloc|calloc|realloc|free|alloca|printf|fprintf|sprintf|puts|memcpy|memset|sqrt|pow|exp|log|abort|exit)\b|#include <(stdio|stdlib|string|math)\.h>'
for f in "${srcs[@]}" "${hdrs[@]}"; do
	# drop comments before scanning
	if hits=$(sed -e 's://.*$::' "$f" | perl -0pe 's:/\*.*?\*/::gs' | grep -nE "$forbidden"); then
		echo "check_hls_subset: $f uses something outside the subset:" >&2
		echo "$hits" >&2
		fail=1
	fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in "${srcs[@]}"; do
	if ! gcc -std=c99 -O1 -ffreestanding -fno-builtin -mgeneral-regs-only -Werror -Wall -Wextra \
		-Wvla -Wdouble-promotion -Wfloat-conversion -fno-asynchronous-unwind-tables \
		-c "$f" -o "$tmp/$(basename "$f" .c).o"; then
		echo "check_hls_subset: $f does not compile as freestanding integer-only C" >&2
		fail=1
	fi
done
# Link the objects alone, without libc: any library call or heap use is an undefined symbol.
if [ $fail -eq 0 ] && ! ld -r -o "$tmp/all.o" "$tmp"/*.o 2>/dev/null; then
	fail=1
fi
if [ $fail -eq 0 ]; then
	undef=$(nm -u "$tmp/all.o" || true)
	if [ -n "$undef" ]; then
		echo "check_hls_subset: hls_c calls outside itself: $undef" >&2
		fail=1
	fi
fi
# Recursion: the call graph (gcc -fcallgraph-info) must have no self-edge and no cycle (tsort).
if [ $fail -eq 0 ]; then
	for f in "${srcs[@]}"; do
		gcc -std=c99 -O0 -fcallgraph-info -c "$f" -o "$tmp/$(basename "$f" .c).cg.o"
	done
	sed -n 's/^edge: { sourcename: "\([^"]*\)" targetname: "\([^"]*\)".*/\1 \2/p' "$tmp"/*.ci |
		sed 's/[^ ]*://g' > "$tmp/edges"
	if awk '$1 == $2 {print "check_hls_subset: " $1 " calls itself"; bad=1} END{exit !bad}' "$tmp/edges" >&2 ||
		! tsort "$tmp/edges" >/dev/null 2>&1; then
		echo "check_hls_subset: recursion in hls_c" >&2
		fail=1
	fi
fi
if [ $fail -ne 0 ]; then
	exit 1
fi
echo "check_hls_subset: ${#srcs[@]} files in the synthesizable subset"
