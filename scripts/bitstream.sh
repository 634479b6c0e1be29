#!/usr/bin/env bash
# bitstream.sh BOARD: the whole SoC for one board: Yosys (rtl/ + boards/BOARD/), nextpnr-ice40 with the
# board's pins and clock, icepack. Leaves in build/BOARD/ (or $OUT):
#   mmfree.json  what the bitstream is: the board, git revision and protocol version it was built with
#                (the same three the SoC reports in INFO), utilisation and Fmax from nextpnr's report,
#                whether it met the board clock, how to program it (board.mk PROGRAMMER, OFL_BOARD,
#                OFL_CABLE), and the bitstream's size and CRC-32: what `mmfree flash` checks
#   mmfree.bin   the bitstream, only when it met the board clock
#   mmfree.asc, report.json, yosys.log, nextpnr.log; with REV_EBR also mmfree.placed.asc (the placed
#   design before the revision is written in) and rev_placeholder.hex
# Fails, with one line saying why, when the design does not fit or misses the board clock; either
# way no mmfree.bin from an earlier build is left behind to be mistaken for this one, and the two
# files appear whole or not at all (written beside, then renamed).
# Placement decides whether the clock is met, and small changes move it. So that the git revision does
# not (INFO reports it), a board whose board.mk sets REV_EBR := yes has it in a block RAM of its own
# (rtl/mmf_info_rom.v): synthesis fills that ROM with fixed placeholder bytes (icebram -g, seed 1), and
# after place and route icebram writes the revision into the placed design. The netlist, placement and
# Fmax then change only with the RTL, not with every commit. Without REV_EBR (no block RAM to spare)
# the revision is a parameter, in logic. Either way nextpnr runs with the seeds in SEEDS (default
# "1 2 3 4 5 6 7 8") until one meets the clock; the seed used is in mmfree.json.
# Environment: SEEDS; FREQ_MHZ (the clock to meet instead of the board's) and OUT (another output
# folder) let a test miss the clock on purpose without touching build/BOARD/.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 BOARD" >&2; exit 2; }
board=$1
seeds=${SEEDS:-1 2 3 4 5 6 7 8}
[ -n "${seeds// }" ] || seeds=1
freq_override=${FREQ_MHZ:-}
cd "$(dirname "$0")/.."
[ -f "boards/$board/board.mk" ] || { echo "bitstream: no boards/$board/board.mk" >&2; exit 2; }
OFL_BOARD="" OFL_CABLE="" REV_EBR=""
eval "$(sed -n 's/^\([A-Z_]*\) *:= *\(.*\)$/\1="\2"/p' "boards/$board/board.mk")"
: "${TOP:?boards/$board/board.mk sets no TOP}" "${PCF:?boards/$board/board.mk sets no PCF}"
: "${PROGRAMMER:?boards/$board/board.mk sets no PROGRAMMER}"
FREQ_MHZ=${freq_override:-$FREQ_MHZ}
out=${OUT:-build/$board}
mkdir -p "$out"
rm -f "$out/mmfree.bin" "$out/mmfree.json" "$out/mmfree.bin.tmp" "$out/mmfree.json.tmp"
rev=$(git rev-parse --short=8 HEAD 2>/dev/null || echo 00000000)
dirty=$(git status --porcelain -- rtl boards 2>/dev/null | head -c1)
proto=$(sed -n 's/.*MMF_PROTO_VERSION = \([0-9]*\).*/\1/p' hls_c/mmf_dev.h)

rm -f "$out/mmfree.placed.asc" "$out/rev_placeholder.hex" "$out/rev.hex"
if [ "$REV_EBR" = yes ]; then
	# the ROM's contents at synthesis, and the same bytes with the revision at 20..23 (least
	# significant byte first), which icebram writes in after place and route
	icebram -g -s 1 8 256 > "$out/rev_placeholder.hex"
	cp_rev=""
	awk -v r="$rev" 'NR >= 21 && NR <= 24 { i = 2 * (24 - NR) + 1; $0 = substr(r, i, 2) } { print }' \
		"$out/rev_placeholder.hex" > "$out/rev.hex"
	set_rev="verilog_defines -DMMF_REV_EBR=\"$out/rev_placeholder.hex\"; "
	rev_in="block RAM, written after place and route"
else
	set_rev="" cp_rev="chparam -set GIT_REV $((16#$rev)) $TOP; "
	rev_in="logic"
fi
echo "bitstream $board: yosys ($TOP, git $rev${dirty:+ with local changes}; revision in $rev_in)" >&2
# only the modules the top uses: the board's files, then each module rtl/ holds by name as hierarchy
# asks for it, so that a file in rtl/ the board does not use cannot move its placement
yosys -q -l "$out/yosys.log" -p "${set_rev}verilog_defaults -add -Ibuild/gen -Irtl; \
	read_verilog boards/$board/*.v; ${cp_rev}hierarchy -top $TOP -libdir rtl; \
	synth_ice40 -top $TOP -json $out/mmfree.json.netlist"
# place and route with each seed in turn until one meets the clock; a design that does not fit fails at once
tried=""
for seed in $seeds; do
	echo "bitstream $board: nextpnr-ice40 --$DEVICE --package $PACKAGE --freq $FREQ_MHZ --seed $seed" >&2
	if ! nextpnr-ice40 "--$DEVICE" --package "$PACKAGE" --json "$out/mmfree.json.netlist" --pcf "$PCF" \
		--asc "$out/mmfree.asc" --freq "$FREQ_MHZ" --seed "$seed" --report "$out/report.json" \
		--timing-allow-fail -q -l "$out/nextpnr.log" 2>/dev/null; then
		# say why in one line: usually a resource over 100%
		over=$(grep -E "ICESTORM_[A-Z]+: +[0-9]+/ *[0-9]+ +[0-9]+%" "$out/nextpnr.log" |
			awk '{split($3, a, "/"); if (a[1] + 0 > $4 + 0) print $2, a[1], "of", $4}' | tr -d ':' | paste -sd, -)
		echo "bitstream $board: place and route failed${over:+: the design needs $over}" \
			"(see $out/nextpnr.log)" >&2
		exit 1
	fi
	fmax=$(jq '[.fmax[].achieved] | min * 100 | floor / 100' "$out/report.json")
	tried="$tried${tried:+, }seed $seed $fmax MHz"
	jq -e --argjson f "$FREQ_MHZ" '[.fmax[].achieved] | min >= $f' "$out/report.json" >/dev/null && break
	echo "bitstream $board: seed $seed: Fmax $fmax MHz misses $FREQ_MHZ MHz" >&2
done
if [ "$REV_EBR" = yes ]; then
	# write the revision in; then check that the ROM holds exactly the bytes asked for (icebram fails
	# unless it finds every bit column of rev.hex, the same number of times)
	echo "bitstream $board: icebram (git $rev into INFO's revision ROM)" >&2
	mv "$out/mmfree.asc" "$out/mmfree.placed.asc"
	icebram "$out/rev_placeholder.hex" "$out/rev.hex" < "$out/mmfree.placed.asc" > "$out/mmfree.asc.tmp"
	if ! icebram "$out/rev.hex" "$out/rev_placeholder.hex" < "$out/mmfree.asc.tmp" >/dev/null; then
		rm -f "$out/mmfree.asc.tmp"
		echo "bitstream $board: the revision ROM does not hold git $rev after icebram" >&2
		exit 1
	fi
	mv "$out/mmfree.asc.tmp" "$out/mmfree.asc"
fi
echo "bitstream $board: icepack" >&2
icepack "$out/mmfree.asc" "$out/mmfree.bin.tmp"
bytes=$(stat -c %s "$out/mmfree.bin.tmp")
# zlib's CRC-32 (what mmfree flash computes): gzip's trailer holds it, least significant byte first
crc=$(gzip -1 -c "$out/mmfree.bin.tmp" | tail -c 8 | od -An -tx1 -N4 | awk '{print $4 $3 $2 $1}')

jq -n --arg board "$board" --arg rev "$rev" --arg dirty "${dirty:+yes}" --argjson proto "$proto" \
	--arg top "$TOP" --arg device "$DEVICE" --arg package "$PACKAGE" --argjson freq "$FREQ_MHZ" \
	--argjson seed "$seed" --arg tried "$tried" --arg revin "$rev_in" --arg prog "$PROGRAMMER" --arg oflb "$OFL_BOARD" --arg oflc "$OFL_CABLE" \
	--argjson bytes "$bytes" --arg crc "$crc" --slurpfile r "$out/report.json" '
	def orNull: if . == "" then null else . end;
	($r[0]) as $r | ([$r.fmax[].achieved] | min) as $fmax |
	{board: $board, git_rev: $rev, git_rev_in: $revin, local_changes: ($dirty == "yes"), protocol_version: $proto,
	 top: $top, device: $device, package: $package, clock_mhz: $freq, nextpnr_seed: $seed, nextpnr_tried: $tried,
	 fmax_mhz: ($fmax * 100 | floor / 100), timing_met: ($fmax >= $freq),
	 cells: $r.utilization.ICESTORM_LC.used, cells_total: $r.utilization.ICESTORM_LC.available,
	 ebr: $r.utilization.ICESTORM_RAM.used, spram: ($r.utilization.ICESTORM_SPRAM.used // 0),
	 dsp: ($r.utilization.ICESTORM_DSP.used // 0),
	 programmer: $prog, openfpgaloader_board: ($oflb | orNull), openfpgaloader_cable: ($oflc | orNull),
	 bitstream: "mmfree.bin", bitstream_bytes: $bytes, bitstream_crc32: $crc}' > "$out/mmfree.json.tmp"
mv "$out/mmfree.json.tmp" "$out/mmfree.json"
cat "$out/mmfree.json"
if ! jq -e .timing_met "$out/mmfree.json" >/dev/null; then
	rm -f "$out/mmfree.bin.tmp"
	echo "bitstream $board: misses the board clock of $FREQ_MHZ MHz with every seed tried ($tried;" \
		"critical path in $out/nextpnr.log); no mmfree.bin written" >&2
	exit 1
fi
mv "$out/mmfree.bin.tmp" "$out/mmfree.bin"
echo "bitstream $board: $out/mmfree.bin, $(jq -r '"\(.cells)/\(.cells_total) cells, Fmax \(.fmax_mhz) MHz"' \
	"$out/mmfree.json")" >&2
