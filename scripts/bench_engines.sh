#!/usr/bin/env bash
# bench_engines.sh CFG...: the datapath benchmark behind `make bench-engines` (and, for now, `make demo`).
# For each engine configuration: the steady-state rate measured in Verilator (build/bin/bench_CFG,
# the engine fed from SPRAM), a random-transaction check against hls_c (build/bin/tb_CFG), and the
# nextpnr-ice40 report (build/synth/CFG.report.json). Prints a table; writes
# build/reports/engines.json. Figures are cycle counts and tool reports, not wall-clock timings.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(sed -n 's/^\([A-Z_]*\) *:= *\(.*\)$/\1="\2"/p' boards/${BOARD:-icebreaker}/board.mk)"
TB_COUNT=${BENCH_TB_COUNT:-20000}
mkdir -p build/reports
out=build/reports/engines.json
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# name -> engine, format, stored bits per weight (64 bits / weights per word)
declare -A ENGINE=([tac2]=tac [tac5]=tac [sac4]=sac [lut3]=lut)
declare -A FORMAT=([tac2]="ternary 2-bit codes" [tac5]="ternary 5 trits/byte"
	[sac4]="power of two, sign + 3-bit exponent" [lut3]="ternary triples, 5-bit mirrored index")
declare -A WPW=([tac2]=32 [tac5]=40 [sac4]=16 [lut3]=36)   # weights per 64-bit word

for cfg in "$@"; do
	echo "bench $cfg: steady state from SPRAM (Verilator)..." >&2
	sim=$("build/bin/bench_$cfg" --matrices 3)
	echo "bench $cfg: $TB_COUNT random transactions against hls_c..." >&2
	tbline=$("build/bin/tb_$cfg" --count "$TB_COUNT" --seed 7 | tail -n 1) || { echo "$tbline" >&2; exit 1; }
	tb_txn=$(sed -n 's/.*: \([0-9]*\) transactions.*/\1/p' <<<"$tbline")
	tb_bad=$(grep -q "0 mismatches" <<<"$tbline" && echo 0 || echo 1)
	rep=build/synth/$cfg.report.json
	jq -n --arg cfg "$cfg" --arg engine "${ENGINE[$cfg]}" --arg format "${FORMAT[$cfg]}" \
		--argjson wpw "${WPW[$cfg]}" --argjson sim "$sim" --slurpfile rep "$rep" \
		--argjson tb_txn "$tb_txn" --argjson tb_bad "$tb_bad" --argjson board_mhz "$FREQ_MHZ" '
		($rep[0]) as $r |
		([$r.fmax[].achieved] | min) as $fmax |
		{
			config: $cfg, engine: $engine, format: $format,
			bits_per_weight: (64 / $wpw * 1000 | round / 1000),
			lanes: $sim.lanes,
			macs_per_cycle: $sim.macs_per_cycle,
			bound_macs_per_cycle: $wpw,
			fraction_of_bound: ($sim.macs_per_cycle / $wpw * 10000 | round / 10000),
			rows: $sim.rows, cols: $sim.cols, stream_cycles: $sim.stream_cycles,
			act_load_cycles: $sim.act_load_cycles,
			transactions_checked: ($sim.transactions_checked + $tb_txn),
			rows_checked: $sim.rows_checked,
			mismatches: ($sim.mismatches + $tb_bad),
			cells: $r.utilization.ICESTORM_LC.used,
			cells_total: $r.utilization.ICESTORM_LC.available,
			ebr: $r.utilization.ICESTORM_RAM.used,
			spram: $r.utilization.ICESTORM_SPRAM.used,
			dsp: ($r.utilization.ICESTORM_DSP.used // 0),
			fmax_mhz: ($fmax * 100 | round / 100),
			board_clock_mhz: $board_mhz,
			gmacs_per_s: ($sim.macs_per_cycle * $fmax / 1000 * 1000 | round / 1000),
			gmacs_per_s_at_board_clock: ($sim.macs_per_cycle * $board_mhz / 1000 * 1000 | round / 1000),
			sim_cycles_per_s: $sim.sim_cycles_per_s
		}' >> "$tmp"
done

jq -s '{device: "iCE40 UP5K sg48", tool: "yosys + nextpnr-ice40 --up5k --package sg48, Verilator", engines: .}' "$tmp" > "$out"

printf '\n%-6s %-5s %5s %6s %9s %7s %8s %6s %5s %4s %4s %7s %8s %10s\n' \
	config engine b/w lanes MACs/cyc bound of_bnd cells %LC EBR SPR Fmax GMAC/s checked
jq -r '.engines[] | [.config, .engine, .bits_per_weight, .lanes, .macs_per_cycle, .bound_macs_per_cycle,
	.fraction_of_bound, .cells, (100 * .cells / .cells_total | floor), .ebr, .spram, .fmax_mhz,
	.gmacs_per_s, "\(.transactions_checked)/\(.mismatches)"] | @tsv' "$out" |
	awk -F'\t' '{ printf "%-6s %-5s %5.2f %6d %9.2f %7d %8.3f %6d %4d%% %4d %4d %7.1f %8.2f %10s\n", $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14 }'
echo "(checked = transactions checked against hls_c / mismatches; GMAC/s at Fmax)"
echo "wrote $out"
jq -e '[.engines[].mismatches] | add == 0' "$out" >/dev/null
