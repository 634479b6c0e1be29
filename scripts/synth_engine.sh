#!/usr/bin/env bash
# synth_engine.sh NAME ENGINE FMT LANES LG_ACT DEVICE PACKAGE FREQ_MHZ
# Synthesises one engine with its SPRAM weight memory (rtl/mmf_bench_shell.v) with Yosys, places and
# routes it with nextpnr-ice40 at FREQ_MHZ, and leaves in build/synth/:
#   NAME.json (netlist), NAME.asc, NAME.report.json (nextpnr: utilisation and Fmax), NAME.*.log
# Timing failure does not stop the script: the report says it, and the tests and the benchmark read it.
set -euo pipefail
[ $# -eq 8 ] || { echo "usage: $0 NAME ENGINE FMT LANES LG_ACT DEVICE PACKAGE FREQ_MHZ" >&2; exit 2; }
name=$1 engine=$2 fmt=$3 lanes=$4 lg_act=$5 device=$6 package=$7 freq=$8
cd "$(dirname "$0")/.."
out=build/synth
mkdir -p "$out"
rtl=$(ls rtl/*.v | tr '\n' ' ')

echo "synth $name: yosys" >&2
yosys -q -l "$out/$name.yosys.log" -p "read_verilog -Ibuild/gen -Irtl $rtl; \
	chparam -set ENGINE $engine -set FMT $fmt -set LANES $lanes -set LG_ACT $lg_act mmf_bench_shell; \
	synth_ice40 -top mmf_bench_shell -json $out/$name.json"

echo "synth $name: nextpnr-ice40 --$device --package $package --freq $freq" >&2
nextpnr-ice40 "--$device" --package "$package" --json "$out/$name.json" --asc "$out/$name.asc" \
	--freq "$freq" --seed 1 --report "$out/$name.report.tmp" --pcf-allow-unconstrained \
	--timing-allow-fail -q -l "$out/$name.pnr.log"
mv "$out/$name.report.tmp" "$out/$name.report.json"
