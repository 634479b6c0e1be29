#!/usr/bin/env bash
# test_bitstream.sh BOARD: the SoC for BOARD builds (`make build/BOARD/mmfree.bin`: scripts/bitstream.sh,
# Yosys, nextpnr-ice40, icepack; rebuilt only when the RTL, the board or the script changed) and its
# metadata build/BOARD/mmfree.json says what `mmfree flash` relies on. Proves:
#  - the board, this tree's protocol version, a git revision of 8 hex digits, the board clock of
#    boards/BOARD/board.mk met (timing_met, fmax_mhz >= clock_mhz), and the programmer fields of
#    board.mk (PROGRAMMER, OFL_BOARD, OFL_CABLE);
#  - bitstream_bytes and bitstream_crc32 are mmfree.bin's (the CRC computed here by Python's zlib);
#  - `mmfree flash` accepts the bitstream for BOARD (--dry-run) and refuses it for another board;
#  - on a board with REV_EBR (INFO's revision in a block RAM, scripts/bitstream.sh): the placed design
#    holds the placeholder bytes and mmfree.asc the same bytes with git_rev at INFO bytes 20..23 (least
#    significant first), icebram being asked to find every bit column of each; mmfree.bin is mmfree.asc.
# test_bitstream.sh --missed-clock BOARD: bitstream.sh asked for a clock the design cannot reach
# (FREQ_MHZ=200, one seed, in a temporary folder) fails saying so, removes the mmfree.bin an earlier
# build left there, writes none, and leaves no temporary file; its mmfree.json says timing_met false.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh
M=build/bin/mmfree
proto=$(sed -n 's/.*MMF_PROTO_VERSION = \([0-9]*\).*/\1/p' hls_c/mmf_dev.h)

if [ "${1:-}" = --missed-clock ]; then
	board=${2:?usage: $0 --missed-clock BOARD}
	T=$(mktemp -d)
	trap 'rm -rf "$T"' EXIT
	mkdir -p "$T/out"
	echo "an earlier bitstream" > "$T/out/mmfree.bin"
	out=$(OUT=$T/out FREQ_MHZ=200 SEEDS=1 bash scripts/bitstream.sh "$board" 2>&1); st=$?
	if [ $st -ne 0 ] && grep -q "misses the board clock of 200 MHz with every seed tried (seed 1 .* MHz" <<<"$out" &&
		grep -q "no mmfree.bin written" <<<"$out"; then ok missed-clock-fails
	else no missed-clock-fails "exit $st: $out"; fi
	[ ! -e "$T/out/mmfree.bin" ] && ok no-bitstream-left || no no-bitstream-left "$(ls -l "$T/out")"
	compgen -G "$T/out/*.tmp" >/dev/null && no no-temporary-files "$(ls "$T/out")" || ok no-temporary-files
	check metadata-says-missed jqok "$(cat "$T/out/mmfree.json" 2>/dev/null)" \
		".board == \"$board\" and .timing_met == false and .clock_mhz == 200 and .fmax_mhz < 200 and .nextpnr_seed == 1"
	finish "bitstream --missed-clock $board"
	exit
fi

board=${1:?usage: $0 BOARD | --missed-clock BOARD}
j=build/$board/mmfree.json
bin=build/$board/mmfree.bin
t0=$SECONDS
if ! out=$(make --no-print-directory -s BOARD="$board" "$bin" 2>&1); then
	no "build-$board" "$out"
	finish "bitstream $board"
	exit
fi
ok "build-$board" "$((SECONDS - t0)) s"
eval "$(sed -n 's/^\(DEVICE\|FREQ_MHZ\|PROGRAMMER\|OFL_BOARD\|OFL_CABLE\) *:= *\(.*\)$/\1="\2"/p' "boards/$board/board.mk")"
# what the device has: block RAMs and SPRAMs (docs/boards.md)
case $DEVICE in
up5k) ebr_max=30 spram_max=4 ;;
hx8k) ebr_max=32 spram_max=0 ;;
*) ebr_max=0 spram_max=0 ;;
esac
meta=$(cat "$j")
echo "$(jq -r '"\(.board): \(.cells)/\(.cells_total) cells, \(.ebr) EBR, \(.spram) SPRAM, Fmax \(.fmax_mhz) MHz (clock \(.clock_mhz) MHz; \(.nextpnr_tried)), git \(.git_rev), protocol \(.protocol_version)"' "$j")"
check metadata-board jqok "$meta" ".board == \"$board\" and (.git_rev | test(\"^[0-9a-f]{8}\$\"))"
check metadata-protocol jqok "$meta" ".protocol_version == $proto"
check metadata-timing jqok "$meta" ".timing_met == true and .clock_mhz == $FREQ_MHZ and .fmax_mhz >= .clock_mhz"
check metadata-fits jqok "$meta" ".cells <= .cells_total and .ebr <= $ebr_max and .spram <= $spram_max"
check metadata-programmer jqok "$meta" ".programmer == \"$PROGRAMMER\" and (.openfpgaloader_board // \"\") == \"${OFL_BOARD:-}\"
	and (.openfpgaloader_cable // \"\") == \"${OFL_CABLE:-}\""
bytes=$(stat -c %s "$bin")
crc=$(python3 -c 'import sys, zlib; print("%08x" % zlib.crc32(open(sys.argv[1], "rb").read()))' "$bin")
check metadata-size-crc jqok "$meta" ".bitstream == \"mmfree.bin\" and .bitstream_bytes == $bytes and .bitstream_crc32 == \"$crc\""
if jq -e '.git_rev_in | startswith("block RAM")' "$j" >/dev/null; then
	d=build/$board
	# the ROM as INFO should read it, built here from the placeholder and mmfree.json's revision
	python3 - "$d/rev_placeholder.hex" "$(jq -r .git_rev "$j")" > "$d/rev.expected.hex" <<-'EOF'
	import sys
	words = open(sys.argv[1]).read().split()
	rev = int(sys.argv[2], 16)
	for k in range(4):
	    words[20 + k] = "%02x" % ((rev >> (8 * k)) & 0xff)
	print("\n".join(words))
	EOF
	icebram "$d/rev.expected.hex" "$d/rev_placeholder.hex" < "$d/mmfree.asc" >/dev/null 2>"$d/icebram.log" &&
		ok revision-rom-holds-git-rev || no revision-rom-holds-git-rev "$(cat "$d/icebram.log")"
	icebram "$d/rev_placeholder.hex" "$d/rev.expected.hex" < "$d/mmfree.placed.asc" >/dev/null 2>"$d/icebram.log" &&
		ok placed-design-holds-placeholder || no placed-design-holds-placeholder "$(cat "$d/icebram.log")"
	icepack "$d/mmfree.asc" "$d/mmfree.packed" && cmp -s "$d/mmfree.packed" "$bin" &&
		ok bitstream-is-patched-design || no bitstream-is-patched-design "mmfree.bin is not icepack of mmfree.asc"
	rm -f "$d/mmfree.packed" "$d/rev.expected.hex" "$d/icebram.log"
fi
if [ -x "$M" ]; then
	out=$("$M" flash "$bin" --board "$board" --dry-run 2>&1)
	[ "$out" = "$PROGRAMMER $bin" ] && ok flash-accepts "$out" || no flash-accepts "$out"
	other=$(ls boards/*/board.mk | sed 's|boards/\(.*\)/board.mk|\1|' | grep -vx "$board" | head -1)
	refuse flash-refuses-another-board "built for another board: \"board\" is $board" \
		"$M" flash "$bin" --board "$other" --dry-run
fi
finish "bitstream $board"
