#!/usr/bin/env bash
# gen_boards_c.sh OUT.c BOARD_MK...: how to program each board, from its board.mk (PROGRAMMER,
# OFL_BOARD, OFL_CABLE), as the C table `mmfree flash` falls back on when a bitstream has no metadata
# (host/src/mmfree_flash.c), so that the boards are described once, in boards/<board>/board.mk.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 OUT.c BOARD_MK..." >&2; exit 2; }
out=$1; shift
tmp=$out.tmp
cstr() { if [ -n "$1" ]; then printf '"%s"' "$1"; else printf 'NULL'; fi; }
{
	echo "/* Generated from boards/<board>/board.mk by scripts/gen_boards_c.sh: do not edit. */"
	echo "#include \"mmfree_cli.h\""
	echo "const struct cli_board_prog cli_boards[] = {"
	for mk in "$@"; do
		name=$(basename "$(dirname "$mk")")
		PROGRAMMER="" OFL_BOARD="" OFL_CABLE=""
		eval "$(sed -n 's/^\(PROGRAMMER\|OFL_BOARD\|OFL_CABLE\) *:= *\([A-Za-z0-9_.-]*\) *$/\1="\2"/p' "$mk")"
		[ -n "$PROGRAMMER" ] || { echo "gen_boards_c: $mk sets no PROGRAMMER" >&2; exit 1; }
		printf '\t{ "%s", "%s", %s, %s },\n' "$name" "$PROGRAMMER" "$(cstr "$OFL_BOARD")" "$(cstr "$OFL_CABLE")"
	done
	echo "};"
	echo "const unsigned cli_n_boards = sizeof(cli_boards) / sizeof(cli_boards[0]);"
} > "$tmp"
mv "$tmp" "$out"
