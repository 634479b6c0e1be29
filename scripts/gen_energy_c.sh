#!/usr/bin/env bash
# gen_energy_c.sh IN.json OUT.c: the energy coefficients (boards/energy.json) as a C array, so that
# libmmfree carries them (host/src/energy.c parses them with cJSON). od and awk only, no xxd.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 IN.json OUT.c" >&2; exit 2; }
in=$1 out=$2
tmp=$out.tmp
{
	echo "/* Generated from $in by scripts/gen_energy_c.sh: do not edit. */"
	echo "#include <stddef.h>"
	echo "const unsigned char mmfi_energy_json[] = {"
	od -An -v -tx1 "$in" | awk '{ s = "\t"; for (i = 1; i <= NF; i++) s = s "0x" $i ","; print s }'
	echo "	0x00"
	echo "};"
	echo "const size_t mmfi_energy_json_len = sizeof(mmfi_energy_json) - 1;"
} > "$tmp"
mv "$tmp" "$out"
