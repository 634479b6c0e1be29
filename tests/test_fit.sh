#!/usr/bin/env bash
# test_fit.sh NAME FREQ_MHZ: the engine NAME with its SPRAM weight memory, placed and routed for the
# UP5K (build/synth/NAME.report.json, made by `make synth`), fits, uses at most 60% of the logic
# cells, and reaches FREQ_MHZ, the clock in boards/<board>/board.mk.
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1 freq=$2
r=build/synth/$name.report.json
make --no-print-directory -s "$r" >/dev/null
lc=$(jq '.utilization.ICESTORM_LC.used' "$r")
lc_total=$(jq '.utilization.ICESTORM_LC.available' "$r")
fmax=$(jq '[.fmax[].achieved] | min' "$r")
echo "$name: $lc / $lc_total logic cells, Fmax $fmax MHz (board clock $freq MHz)"
ok=1
awk -v a="$lc" -v b="$lc_total" 'BEGIN { exit !(a <= 0.60 * b) }' || { echo "$name: over 60% of the logic cells"; ok=0; }
awk -v f="$fmax" -v c="$freq" 'BEGIN { exit !(f >= c) }' || { echo "$name: misses $freq MHz"; ok=0; }
[ $ok -eq 1 ]
echo "$name: fits, $(awk -v a="$lc" -v b="$lc_total" 'BEGIN { printf "%.0f%%", 100 * a / b }') of cells, timing met"
