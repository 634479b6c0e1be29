#!/usr/bin/env bash
# bitstream.sh BOARD: the whole SoC for one board: Yosys (rtl/ + boards/BOARD/), nextpnr-ice40 with the
# board's pins and clock, icepack. Leaves in build/BOARD/: mmfree.bin, mmfree.asc, mmfree.json (the
# board, git revision and protocol version the bitstream was built with, and the utilisation and Fmax
# from nextpnr's report), and the logs. Fails when the design misses the board's clock.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 BOARD" >&2; exit 2; }
board=$1
cd "$(dirname "$0")/.."
[ -f "boards/$board/board.mk" ] || { echo "bitstream: no boards/$board/board.mk" >&2; exit 2; }
eval "$(sed -n 's/^\([A-Z_]*\) *:= *\(.*\)$/\1="\2"/p' "boards/$board/board.mk")"
: "${TOP:?boards/$board/board.mk sets no TOP}" "${PCF:?boards/$board/board.mk sets no PCF}"
out=build/$board
mkdir -p "$out"
rev=$(git rev-parse --short=8 HEAD 2>/dev/null || echo 00000000)
dirty=$(git status --porcelain -- rtl boards 2>/dev/null | head -c1)
proto=$(sed -n 's/.*MMF_PROTO_VERSION = \([0-9]*\).*/\1/p' hls_c/mmf_dev.h)

echo "bitstream $board: yosys ($TOP, git $rev${dirty:+ with local changes})" >&2
yosys -q -l "$out/yosys.log" -p "read_verilog -Ibuild/gen -Irtl rtl/*.v boards/$board/*.v; \
	chparam -set GIT_REV $((16#$rev)) $TOP; synth_ice40 -top $TOP -json $out/mmfree.json.netlist"
echo "bitstream $board: nextpnr-ice40 --$DEVICE --package $PACKAGE --freq $FREQ_MHZ" >&2
if ! nextpnr-ice40 "--$DEVICE" --package "$PACKAGE" --json "$out/mmfree.json.netlist" --pcf "$PCF" \
	--asc "$out/mmfree.asc" --freq "$FREQ_MHZ" --seed 1 --report "$out/report.json" \
	--timing-allow-fail -q -l "$out/nextpnr.log" 2>/dev/null; then
	# say why in one line: usually a resource over 100%
	over=$(grep -E "ICESTORM_[A-Z]+: +[0-9]+/ *[0-9]+ +[0-9]+%" "$out/nextpnr.log" |
		awk '{split($3, a, "/"); if (a[1] + 0 > $4 + 0) print $2, a[1], "of", $4}' | tr -d ':' | paste -sd, -)
	echo "bitstream $board: place and route failed${over:+: the design needs $over}" \
		"(see $out/nextpnr.log)" >&2
	exit 1
fi
echo "bitstream $board: icepack" >&2
icepack "$out/mmfree.asc" "$out/mmfree.bin"

jq -n --arg board "$board" --arg rev "$rev" --arg dirty "${dirty:+yes}" --argjson proto "$proto" \
	--arg top "$TOP" --arg device "$DEVICE" --arg package "$PACKAGE" --argjson freq "$FREQ_MHZ" \
	--slurpfile r "$out/report.json" '
	($r[0]) as $r | ([$r.fmax[].achieved] | min) as $fmax |
	{board: $board, git_rev: $rev, local_changes: ($dirty == "yes"), protocol_version: $proto,
	 top: $top, device: $device, package: $package, clock_mhz: $freq,
	 fmax_mhz: ($fmax * 100 | round / 100), timing_met: ($fmax >= $freq),
	 cells: $r.utilization.ICESTORM_LC.used, cells_total: $r.utilization.ICESTORM_LC.available,
	 ebr: $r.utilization.ICESTORM_RAM.used, spram: $r.utilization.ICESTORM_SPRAM.used,
	 dsp: ($r.utilization.ICESTORM_DSP.used // 0), bitstream: "mmfree.bin"}' > "$out/mmfree.json"
cat "$out/mmfree.json"
if ! jq -e .timing_met "$out/mmfree.json" >/dev/null; then
	echo "bitstream $board: Fmax $(jq .fmax_mhz "$out/mmfree.json") MHz misses the board clock of $FREQ_MHZ MHz" >&2
	exit 1
fi
