#!/usr/bin/env bash
# power_crosscheck.sh [CFG]: check the counter-based energy estimate (host/src/energy.c, boards/energy.json)
# of one engine run against an estimate from simulated switching activity. CFG is an engine
# configuration of the Makefile (lut3, the iCEBreaker's engine, by default; tac2 tac5 sac4 lut3).
#
#   1. Yosys synth_ice40 turns rtl/mmf_bench_top.v (the engine behind its SPRAM weight memory) into a
#      gate-level netlist of iCE40 cells; Verilator runs it with Yosys's cell models and
#      --coverage-toggle under sim/bench_engine.cpp, which checks every row against hls_c and writes
#      the toggle counts of one full-memory matrix, from the first weight word to the last result.
#   2. The calibration designs sim/power/cal_math.v and cal_counters.v (the UP5K designs whose currents
#      were measured, see boards/energy.json) go through the same flow, so one toggle of a cell output
#      gets an energy: the measured energy of the multiplier (or of a counter) over its toggles.
#   3. The counter model (sim/power/estimate.c, which calls libmmfree) gets the same run's counters.
# Prints both fabric energies, their ratio and the totals, and writes build/power/crosscheck_CFG.json.
# Takes ~10 minutes the first time (Verilator compiles each netlist); results are cached in build/power.
set -euo pipefail
cfg=${1:-lut3}
cd "$(dirname "$0")/.."
out=build/power
mkdir -p "$out"
cells_sim=$(yosys-config --datdir 2>/dev/null || echo /usr/share/yosys)/ice40/cells_sim.v
[ -f "$cells_sim" ] || cells_sim=/usr/share/yosys/ice40/cells_sim.v
make --no-print-directory -s build/lib/libmmf_hls.a build/lib/libmmfree.a build/gen/.stamp >&2
# the engine table's row for $cfg, as gen_vh writes it for the Makefile
read -r engine fmt lanes lg_act _ < <(sed -n "s/^CFG_$cfg := //p" build/gen/engines.mk) ||
	{ echo "power_crosscheck: no engine configuration '$cfg' in build/gen/engines.mk ($(sed -n 's/^ENGINES := //p' build/gen/engines.mk))" >&2; exit 2; }
json=boards/energy.json
coef() { jq -e ".families.ice40up.coefficients.$1.value" "$json"; }

cc -std=c99 -O2 -Wall -Wextra -Werror -Ihost/include -Ihls_c sim/power/estimate.c build/lib/libmmfree.a \
	-lz -lcjson -lm -o "$out/estimate"

VFLAGS=(--cc --exe --build -j 2 -O3 --x-assign fast --x-initial fast --coverage-toggle -Wno-fatal -Wno-lint
	-Wno-style -DNO_ICE40_DEFAULT_ASSIGNMENTS)

# gate_netlist NAME TOP 'chparam ...' FILES...: build/power/NAME_gl.v (flattened, iCE40 cells) and, for
# the calibration designs (the bench top has more ports than the package has pins), the placed cell
# count (nextpnr --report)
gate_netlist() {
	local name=$1 top=$2 chparam=$3; shift 3
	[ -s "$out/${name}_gl.v" ] && return
	echo "power_crosscheck: yosys $name" >&2
	yosys -q -l "$out/$name.yosys.log" -p "read_verilog -Ibuild/gen -Irtl $*; $chparam; \
		synth_ice40 -top $top -json $out/$name.json; write_verilog -noattr $out/${name}_gl.v.tmp"
	mv "$out/${name}_gl.v.tmp" "$out/${name}_gl.v"
	[ "$top" = mmf_bench_top ] && return
	nextpnr-ice40 --up5k --package sg48 --json "$out/$name.json" --pcf-allow-unconstrained --seed 1 \
		--timing-allow-fail -q -l "$out/$name.pnr.log" --report "$out/$name.report.json" >/dev/null 2>&1 || true
}

# toggle_sum FILE: cell-output toggles in a coverage file, as JSON (LUT O, CARRY CO, DFF Q; block RAM
# and SPRAM read data). Internal nets of the cell models and the netlist's aliases are not counted,
# so every net is counted once, at the cell that drives it.
toggle_sum() {
	python3 - "$1" <<'EOF'
import collections, json, sys
t = collections.Counter()
for line in open(sys.argv[1], encoding='latin-1'):
    if not line.startswith("C '"):
        continue
    key, cnt = line[3:].rsplit("' ", 1)
    d = dict(p.split('\x02', 1) for p in key.split('\x01') if '\x02' in p)
    mod = d.get('page', '').split('/')[-1].split('__')[0]
    sig = d.get('o', '')
    base = sig.split('[')[0]
    if mod == 'SB_LUT4' and sig == 'O': t['lut'] += int(cnt)
    elif mod == 'SB_CARRY' and sig == 'CO': t['carry'] += int(cnt)
    elif mod.startswith('SB_DFF') and sig == 'Q': t['ff'] += int(cnt)
    elif mod.startswith('SB_RAM40') and base == 'RDATA': t['ebr_out'] += int(cnt)
    elif mod == 'SB_SPRAM256KA' and base == 'DATAOUT': t['spram_out'] += int(cnt)
t['fabric'] = sum(t[k] for k in ('lut', 'carry', 'ff', 'ebr_out', 'spram_out'))
print(json.dumps(dict(t)))
EOF
}

# ---- calibration designs: toggles per cycle ----
cal() {  # cal NAME FILE TOP PARAM VALUE: build/power/NAME.toggles.json
	local name=$1 file=$2 top=$3 p=$4 v=$5
	[ -s "$out/$name.toggles.json" ] && return
	gate_netlist "$name" "$top" "chparam -set $p $v $top" "$file"
	echo "power_crosscheck: verilator $name" >&2
	verilator "${VFLAGS[@]}" --top-module "$top" -CFLAGS "-O1 -DVTOP=V$top -DVTOP_H='\"V$top.h\"'" \
		--Mdir "$out/obj_$name" -o sim "$CURDIR/$out/${name}_gl.v" "$cells_sim" \
		"$CURDIR/sim/power/toggle_main.cpp" > "$out/$name.verilator.log" 2>&1 ||
		{ tail -20 "$out/$name.verilator.log" >&2; exit 1; }
	"$out/obj_$name/sim" --cycles 100000 --warmup 1000 --out "$out/$name.dat" >/dev/null
	toggle_sum "$out/$name.dat" | jq --argjson cycles 100000 '. + {cycles: $cycles}' > "$out/$name.toggles.json"
}
CURDIR=$PWD
cal cal_math0 sim/power/cal_math.v cal_math OPT_MATH 0
cal cal_math1 sim/power/cal_math.v cal_math OPT_MATH 1
cal cal_cnt1 sim/power/cal_counters.v cal_counters N 1
cal cal_cnt8 sim/power/cal_counters.v cal_counters N 8

# ---- the engine: one full-memory matrix through the gate-level netlist ----
rtl=$(ls rtl/*.v | tr '\n' ' ')
gate_netlist "$cfg" mmf_bench_top \
	"chparam -set ENGINE $engine -set FMT $fmt -set LANES $lanes -set LG_ACT $lg_act mmf_bench_top" "$rtl"
if [ ! -x "$out/obj_$cfg/bench" ]; then
	echo "power_crosscheck: verilator $cfg (gate level, a few minutes)" >&2
	verilator "${VFLAGS[@]}" --trace-fst --top-module mmf_bench_top \
		-CFLAGS "-O1 -I$CURDIR/hls_c -I$CURDIR/sim -DTB_FMT=$fmt -DTB_LANES=$lanes \
			-DTB_CFG='\"$cfg\"'" -LDFLAGS "$CURDIR/build/lib/libmmf_hls.a" \
		--Mdir "$out/obj_$cfg" -o bench "$CURDIR/$out/${cfg}_gl.v" "$cells_sim" "$CURDIR/sim/bench_engine.cpp" \
		> "$out/$cfg.verilator.log" 2>&1 || { tail -20 "$out/$cfg.verilator.log" >&2; exit 1; }
fi
echo "power_crosscheck: simulating one $cfg matrix at gate level" >&2
"$out/obj_$cfg/bench" --matrices 1 --seed 1 --coverage "$out/$cfg.dat" > "$out/$cfg.bench.json"
toggle_sum "$out/$cfg.dat" > "$out/$cfg.toggles.json"

# ---- the counter model for the same window: cycles of the stream, its weight words, its MACs ----
# (the engine's placed cells as the data file has them: nextpnr inside the bench shell, less the shell)
cells=$(coef "engine_cells_$cfg")
"$out/estimate" --board icebreaker --format "$cfg" --lanes "$lanes" --clock 48000000 \
	--cycles "$(jq .stream_cycles "$out/$cfg.bench.json")" --busy "$(jq .weight_words "$out/$cfg.bench.json")" \
	--macs "$(jq .macs "$out/$cfg.bench.json")" --cells "$cells" > "$out/$cfg.estimate.json"

jq -n --slurpfile bench "$out/$cfg.bench.json" --slurpfile tog "$out/$cfg.toggles.json" \
	--slurpfile est "$out/$cfg.estimate.json" --slurpfile m0 "$out/cal_math0.toggles.json" \
	--slurpfile m1 "$out/cal_math1.toggles.json" --slurpfile c1 "$out/cal_cnt1.toggles.json" \
	--slurpfile c8 "$out/cal_cnt8.toggles.json" --argjson cell "$(coef cell_j_per_cycle)" \
	--argjson arith "$(coef arith_j_per_cell_cycle)" --argjson stream "$(coef stream_j_per_word)" \
	--arg cfg "$cfg" --argjson cells "$cells" '
	($bench[0]) as $b | ($tog[0]) as $t | ($est[0]) as $e |
	# energy per toggle: the measured energy of the added logic over its simulated toggles
	# (multiplier: 180 cells of 8x8 product at 198 fJ each per cycle; counters: 28 cells at cell_j each)
	(180 * ($arith + $cell)) as $e_math |
	((($m1[0].fabric - $m0[0].fabric) / $m1[0].cycles)) as $tg_math |
	(28 * $cell) as $e_cnt |
	((($c8[0].fabric - $c1[0].fabric) / $c1[0].cycles) / 7) as $tg_cnt |
	($e_math / $tg_math) as $j_tog_math | ($e_cnt / $tg_cnt) as $j_tog_cnt |
	($t.fabric / $b.stream_cycles) as $tg_eng |
	# the counter model fabric part: clocked cells, MACs, the stream reader
	($e.logic_j + $e.mac_j + $b.weight_words * $stream) as $fab_counter |
	($t.fabric * $j_tog_math) as $fab_tog_math | ($t.fabric * $j_tog_cnt) as $fab_tog_cnt |
	($e.total_j - $fab_counter) as $rest |
	{
		config: $cfg, estimate: true,
		window: {cycles: $b.stream_cycles, weight_words: $b.weight_words, macs: $b.macs, rows: $b.rows,
			cols: $b.cols, rows_checked: $b.rows_checked, mismatches: $b.mismatches, placed_cells: $cells},
		toggles: ($t + {per_cycle: ($tg_eng * 100 | round / 100)}),
		calibration: {
			math_toggles_per_cycle: ($tg_math * 100 | round / 100),
			counter_toggles_per_cycle: ($tg_cnt * 100 | round / 100),
			j_per_toggle_math: $j_tog_math, j_per_toggle_counter: $j_tog_cnt},
		counter_model: {fabric_j: $fab_counter, logic_j: $e.logic_j, mac_j: $e.mac_j,
			stream_j: ($b.weight_words * $stream), total_j: $e.total_j, j_per_mac: $e.j_per_mac},
		toggle_model: {fabric_j_math: $fab_tog_math, fabric_j_counter: $fab_tog_cnt,
			total_j_math: ($rest + $fab_tog_math), total_j_counter: ($rest + $fab_tog_cnt)},
		ratio_fabric_toggle_math_over_counter_model: ($fab_tog_math / $fab_counter),
		ratio_fabric_toggle_counter_over_counter_model: ($fab_tog_cnt / $fab_counter),
		ratio_total_toggle_math_over_counter_model: (($rest + $fab_tog_math) / $e.total_j),
		ratio_total_toggle_counter_over_counter_model: (($rest + $fab_tog_cnt) / $e.total_j)
	}' > "$out/crosscheck_$cfg.json"

jq -r '
	def pj: . * 1e12 * 100 | round / 100 | tostring + " pJ";
	def uj: . * 1e6 * 1000 | round / 1000 | tostring + " uJ";
	"power cross-check, \(.config): one matrix of \(.window.rows) x \(.window.cols) (\(.window.macs) MACs, " +
	"\(.window.weight_words) weight words, \(.window.cycles) cycles at 48 MHz), \(.window.mismatches) mismatches " +
	"(ESTIMATES, both from the same UP5K calibration)",
	"  switching: \(.toggles.per_cycle) cell-output toggles per cycle in the gate-level netlist",
	"  energy per toggle: \(.calibration.j_per_toggle_math | pj) (8x8 multiplier, \(.calibration.math_toggles_per_cycle) " +
	"toggles/cycle), \(.calibration.j_per_toggle_counter | pj) (counters, \(.calibration.counter_toggles_per_cycle) per counter)",
	"  fabric energy, counter model:        \(.counter_model.fabric_j | uj) (cells \(.counter_model.logic_j | uj) + " +
	"MACs \(.counter_model.mac_j | uj) + stream \(.counter_model.stream_j | uj))",
	"  fabric energy, toggles x multiplier: \(.toggle_model.fabric_j_math | uj)   ratio \(.ratio_fabric_toggle_math_over_counter_model * 1000 | round / 1000)",
	"  fabric energy, toggles x counter:    \(.toggle_model.fabric_j_counter | uj)   ratio \(.ratio_fabric_toggle_counter_over_counter_model * 1000 | round / 1000)",
	"  whole FPGA (same static, clock, PLL, SPRAM, EBR terms): counter model \(.counter_model.total_j | uj), " +
	"toggle model \(.toggle_model.total_j_math | uj) .. \(.toggle_model.total_j_counter | uj)"' "$out/crosscheck_$cfg.json"
cat "$out/crosscheck_$cfg.json"
# Fail if the netlist computed a wrong row, or if the counter model's fabric energy falls outside the
# band the two calibrations span (widened by 2x each way): a coefficient change that leaves the
# simulated switching behind shows up here.
jq -e '.window.mismatches == 0 and
	.counter_model.fabric_j >= 0.5 * .toggle_model.fabric_j_counter and
	.counter_model.fabric_j <= 2 * .toggle_model.fabric_j_math' "$out/crosscheck_$cfg.json" >/dev/null ||
	{ echo "power_crosscheck: $cfg: mismatches, or the counter model outside the toggle models' band" >&2; exit 1; }
