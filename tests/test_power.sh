#!/usr/bin/env bash
# Power measured by meters (docs/power.md), end to end through the CLI. Proves:
#  - the meters against their fakes (build/bin/host_meter: sysfs trees, a UM25C emulator on a
#    pseudo-terminal, sigrok-cli stand-ins and its demo driver, a powercap tree, the recorder);
#  - `mmfree power` reads a meter alone, as text and JSON: hwmon on a temporary directory, ina2xx and
#    rapl through the real /sys paths of a umockdev testbed, um: on the emulator, sigrok's demo driver;
#    bad, absent and not-built meters give their messages and exit codes;
#  - `mmfree run` and `bench model --meter` on a tiny model (board sim) with a fake meter of known
#    watts: the measured average and idle power are those watts, there is one interval per token, in
#    order, and the intervals' energies add up to watts x their time; the estimate stays beside it;
#  - a meter that is absent leaves the run going, says so, and the estimate is reported instead;
#  - a sensor model (the INA226 model of a simulated board, sigrok's demo) is labelled simulated in
#    text and JSON, never MEASURED, and in a run on a simulated board its figures take the board's
#    clock, not the simulation's wall time;
#  - --plot writes a well-formed SVG with one label per token, MEASURED with a meter, ESTIMATED
#    without one; no temporary files are left behind.
set -uo pipefail
cd "$(dirname "$0")/.."
M=build/bin/mmfree
T=$(mktemp -d)
EMU_PID=
cleanup() {
	[ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export TMPDIR=$T/tmp
mkdir -p "$TMPDIR"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "PASS $1"; }
no() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && echo "$2" | tail -5 | sed 's/^/   | /'; }
check() {  # check NAME COMMAND... : the command must succeed
	local name=$1; shift
	if out=$("$@" 2>&1); then ok "$name"; else no "$name" "$out"; fi
}
refuse() {  # refuse NAME STATUS PATTERN COMMAND... : exit status STATUS, PATTERN in the output
	local name=$1 want=$2 pat=$3; shift 3
	out=$("$@" 2>&1); local st=$?
	if [ $st -ne "$want" ]; then no "$name" "exit status $st, expected $want: $out";
	elif grep -q -- "$pat" <<<"$out"; then ok "$name";
	else no "$name" "message lacks '$pat': $out"; fi
}
jqok() { jq -e "$2" <<<"$1" >/dev/null; }
svg_ok() {  # svg_ok FILE TOKENS WORD: well-formed, <svg, TOKENS labels tok1..tokN, WORD in the title
	[ -s "$1" ] && grep -q '<svg' "$1" && grep -q "$3" "$1" &&
		python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$1" &&
		[ "$(grep -oE '>tok[0-9]+<' "$1" | sort -u | wc -l)" -eq "$2" ] &&
		grep -q ">tok$2<" "$1"
}

# the C tests of every meter against its fake
check meters-unit build/bin/host_meter

# a hwmon device of known power: 2.5 W (5 V, 0.5 A), as a plain directory
HW=$T/hwmon5
mkdir -p "$HW"
echo ina226 > "$HW/name"; echo 2500000 > "$HW/power1_input"; echo 5000 > "$HW/in1_input"
echo 500 > "$HW/curr1_input"; echo 10000 > "$HW/shunt_resistor"

check power-help $M power --help
check power-in-main-help bash -c "$M --help | grep -q 'power --meter URI'"
out=$($M power --meter "hwmon:$HW" --seconds 0.5 --interval 100 2>&1)
grep -q 'average    2.5000 W MEASURED' <<<"$out" && grep -q '5.0000 V, 0.5000 A' <<<"$out" &&
	[ "$(grep -cE '^ +[0-9.]+ +2.5000 +5.0000 +0.5000$' <<<"$out")" -ge 4 ] &&
	ok power-text || no power-text "$out"
j=$($M power --meter "ina2xx:$HW?shunt_uohm=20000" --seconds 0.4 --interval 100 --json)
check power-json jqok "$j" '.source == "measured" and .avg_w == 1.25 and .avg_a == 0.25 and .avg_v == 5 and .readings >= 3 and (.samples | length) == .readings and .failures == 0'

# the same through the real /sys paths: a umockdev testbed (umockdev-run preloads its redirection)
if command -v umockdev-run >/dev/null; then
	cat > "$T/ina.umockdev" <<-'EOF'
	P: /devices/platform/i2c-1/1-0040/hwmon/hwmon3
	E: SUBSYSTEM=hwmon
	A: name=ina226\n
	A: power1_input=1800000\n
	A: in1_input=12000\n
	A: curr1_input=150\n
	A: shunt_resistor=2000\n

	P: /devices/virtual/powercap/intel-rapl/intel-rapl:0
	E: SUBSYSTEM=powercap
	A: name=package-0\n
	A: energy_uj=123456789\n
	A: max_energy_range_uj=262143328850\n
	EOF
	j=$(umockdev-run --device "$T/ina.umockdev" -- $M power --meter ina2xx:ina226 --seconds 0.3 --interval 100 --json)
	check umockdev-ina2xx-by-name jqok "$j" '.avg_w == 1.8 and .avg_v == 12 and (.description | contains("/sys/class/hwmon/hwmon3"))'
	j=$(umockdev-run --device "$T/ina.umockdev" -- $M power --meter rapl --seconds 0.3 --interval 100 --json)
	check umockdev-rapl-default jqok "$j" '.avg_w == 0 and (.description | contains("package-0 at /sys/class/powercap/intel-rapl:0"))'
else
	echo "SKIP umockdev: umockdev-run is not installed (scripts/deps.sh)"
fi

# um: a UM25C emulator on a pseudo-terminal (it answers until its stdin closes)
mkfifo "$T/emu.in"
build/bin/host_meter --serve-um < "$T/emu.in" > "$T/emu.out" &
EMU_PID=$!
exec 7> "$T/emu.in"
for _ in $(seq 50); do [ -s "$T/emu.out" ] && break; sleep 0.05; done
PTS=$(head -1 "$T/emu.out")
j=$($M power --meter "um:$PTS" --seconds 0.4 --interval 100 --json)
check um-emulator jqok "$j" '.avg_w == 2.339 and .avg_v == 5.123 and .avg_a == 0.4567 and (.description | contains("UM25C"))'
exec 7>&-
wait "$EMU_PID" 2>/dev/null
EMU_PID=

# sigrok-cli's demo driver, its channel A0 made a 2.5 W source
if command -v sigrok-cli >/dev/null; then
	j=$($M power --meter 'sigrok:demo?channels=A0&group=A0&config=measured_quantity=power:amplitude=0:offset=2.5&samples=20' --seconds 0.5 --interval 100 --json)
	check sigrok-demo jqok "$j" '.avg_w == 2.5 and .readings >= 2 and (.description | contains("channel A0 in W"))'
	# the demo driver makes its values up: simulated, not measured
	check sigrok-demo-simulated jqok "$j" '.source == "simulated"'
	refuse sigrok-demo-volts 1 "a channel in W" $M power --meter 'sigrok:demo?channels=A0&samples=5' --seconds 0.3
else
	echo "SKIP sigrok: sigrok-cli is not installed (scripts/deps.sh)"
fi

# meters that are not there, not built, or not meters
refuse absent-hwmon 1 "no hwmon directory at /nonexistent" $M power --meter hwmon:/nonexistent/hwmon0 --seconds 0.2
refuse absent-rapl 1 "no RAPL zone" $M power --meter rapl:/nonexistent/intel-rapl:0 --seconds 0.2
refuse board-without-board 1 "no board to read it through" $M power --meter board --seconds 0.2

# board: the INA226 model on the virtual iCEBreaker's I2C pins (sim/ina226_model.v), read by the SoC's
# I2C master; by default 1800 uV across the shunt and 1200 mV on the bus: 18 mA at 0.1 ohm, 21.6 mW.
# Readings must match within the INA226's LSBs (bus 1.25 mV, current 2.5 uV / shunt).
j=$($M power --meter board --board 'sim:icebreaker?timeout_ms=5' --seconds 0.4 --interval 100 --json)
check board-sim-icebreaker jqok "$j" '.readings >= 2 and .failures == 0 and ((.avg_v - 1.2) | fabs) <= 0.00125 and ((.avg_a - 0.018) | fabs) <= 0.000025 and ((.avg_w - 0.0216) | fabs) <= 0.0001 and (.description | contains("INA226 at I2C 0x40 on the icebreaker board"))'
j=$($M power --meter 'board:shunt=0.05,addr=0x40' --board 'sim:icebreaker?timeout_ms=5&ina_shunt_uv=5000&ina_bus_mv=3300' --seconds 0.3 --interval 100 --json)
# the sensor of a simulated board is a model: labelled simulated in JSON and text, never MEASURED
check board-sim-simulated jqok "$j" '.source == "simulated" and (.description | contains("SIMULATED"))'
out=$($M power --meter board --board 'sim?timeout_ms=5' --seconds 0.3 --interval 100 2>&1)
grep -q '^average .* W SIMULATED over' <<<"$out" && ! grep -q MEASURED <<<"$out" &&
	ok board-sim-text-simulated || no board-sim-text-simulated "$out"
check board-sim-values jqok "$j" '((.avg_v - 3.3) | fabs) <= 0.00125 and ((.avg_a - 0.1) | fabs) <= 0.00005 and .failures == 0'
refuse board-sensor-absent 1 "no INA226 at 0x40 on the board's I2C: nothing acknowledged I2C address 0x40" \
	$M power --meter board --board 'sim:icebreaker?timeout_ms=5&ina226=0' --seconds 0.2
refuse board-other-address 1 "no INA226 at 0x41" \
	$M power --meter 'board?addr=0x41' --board 'sim:icebreaker?timeout_ms=5' --seconds 0.2
refuse board-no-i2c-master 1 "no INA226 at 0x40 on the board's I2C: the board has no I2C master" \
	$M power --meter board --board cpu --seconds 0.2
refuse board-bad-shunt 2 "shunt='x' is not a resistance" $M power --meter board:shunt=x --board cpu
refuse board-model-option-elsewhere 2 "ina226 is an option of 'sim' only, not of 'cpu'" \
	$M power --meter board --board 'cpu?ina226=0'
refuse bad-kind 2 "unknown kind 'volts'" $M power --meter volts:/dev/x
refuse no-meter-option 2 "meter URI is required" $M power --seconds 1

# a tiny model on the simulated board with the 2.5 W meter
$M mkmodel --out "$T/m" --hidden 48 --layers 1 --vocab 259 >/dev/null || { echo "mkmodel failed"; exit 1; }
SIM='sim?timeout_ms=5'
j=$($M run --model "$T/m" --board "$SIM" --prompt-ids 1,5,9 --max-new 4 --greedy --meter "hwmon:$HW" \
	--meter-interval 10 --json 2>"$T/run.err")
check run-measured jqok "$j" '.power.source == "measured" and .power.measured == true and .power.active_w == 2.5 and .power.idle_w == 2.5 and .power.readings_idle >= 10 and .power.read_failures == 0'
check run-estimate-beside jqok "$j" '.energy_estimate.estimate == true and .energy_estimate.j_per_token > 0'
check run-token-intervals jqok "$j" '.power.token_intervals == .tokens and (.power.intervals | length) == .tokens and .tokens == 7'
check run-intervals-in-order jqok "$j" '[.power.intervals[] | .t0 < .t1] | all'
check run-intervals-disjoint jqok "$j" '.power.intervals as $i | [range(1; $i | length) | $i[.].t0 >= $i[. - 1].t1] | all'
check run-interval-energy jqok "$j" '([.power.intervals[] | .j] | add) as $j | ([.power.intervals[] | (.t1 - .t0) * 2.5] | add) as $e | (($j - $e) | fabs) < 1e-3 * $e'
check run-j-per-token jqok "$j" '((.power.j_per_token - 2.5 * .power.run_s / .tokens) | fabs) < 1e-3 * .power.j_per_token and .power.j_per_token_above_idle == 0 and ((.power.run_j - 2.5 * .power.run_s) | fabs) < 1e-3 * .power.run_j'
check run-samples-timed jqok "$j" '(.power.samples | length) == .power.readings and ([.power.samples[] | .[1] == 2.5] | all)'

# text, and a meter that is absent: the run goes on, says so, and the estimate is what is reported
$M run --model "$T/m" --board "$SIM" --prompt-ids 1,5 --max-new 2 --quiet --meter "hwmon:$HW" 2>"$T/t.err" >/dev/null
grep -q '^power      MEASURED (hwmon:' "$T/t.err" && grep -q '^energy     ESTIMATE' "$T/t.err" &&
	ok run-text || no run-text "$(cat "$T/t.err")"
out=$($M run --model "$T/m" --board "$SIM" --prompt-ids 1,5 --max-new 2 --quiet --meter um:/nonexistent/ttyUSB9 2>&1)
st=$?
[ $st -eq 0 ] && grep -q 'no measurement: meter .um:/nonexistent/ttyUSB9.: cannot open' <<<"$out" &&
	grep -q 'power      NOT MEASURED: .*the energy line below is the ESTIMATE' <<<"$out" &&
	grep -q '^energy     ESTIMATE' <<<"$out" && ok run-absent-meter-falls-back || no run-absent-meter-falls-back "$out"
j=$($M run --model "$T/m" --board "$SIM" --prompt-ids 1,5 --max-new 2 --meter um:/nonexistent/ttyUSB9 --json 2>/dev/null)
check run-absent-meter-json jqok "$j" '.power.source == "estimate" and .power.measured == false and (.power.error | contains("ttyUSB9")) and .energy_estimate.estimate == true'
j=$($M run --model "$T/m" --prompt-ids 1,5 --max-new 2 --meter board --json 2>/dev/null)
check run-board-meter-no-estimate jqok "$j" '.power.source == "none" and (.power.error | contains("no board to read it through")) and (has("energy_estimate") | not)'
# the board meter in a run: read between tokens through the run's own board; then the sensor absent
j=$($M run --model "$T/m" --board "$SIM" --prompt-ids 1,5,9 --max-new 3 --greedy --meter board \
	--meter-interval 20 --json 2>"$T/run.err")
check run-board-meter jqok "$j" '.power.source == "simulated" and .power.measured == false and .power.read_failures == 0 and ((.power.active_w - 0.0216) | fabs) < 0.0001 and ((.power.idle_w - 0.0216) | fabs) < 0.0001 and .power.token_intervals == .tokens and .power.readings >= .tokens'
# the model's figures on the board's clock: run_s is the tokens' cycles / clock (the sum of their
# board_s), far less than the wall time the simulation took, and J/token and tokens/s/W follow from it
check run-board-meter-board-clock jqok "$j" '.power.time == "board clock" and ([.power.intervals[] | .board_s] | add) as $b | ((.power.run_s - $b) | fabs) < 1e-6 and .power.run_s < 0.5 * (.power.intervals[-1].t1 - .power.intervals[0].t0) and ((.power.j_per_token - .power.active_w * .power.run_s / .tokens) | fabs) < 1e-3 * .power.j_per_token and ((.power.tokens_per_s_per_w - .tokens / .power.run_s / .power.active_w) | fabs) < 1e-3 * .power.tokens_per_s_per_w'
out=$($M run --model "$T/m" --board "$SIM" --prompt-ids 1,5 --max-new 2 --quiet --meter board 2>&1)
grep -q "^power      SIMULATED (board): .* tokens/s/W at the board's clock" <<<"$out" && ! grep -q MEASURED <<<"$out" &&
	ok run-board-meter-text-simulated || no run-board-meter-text-simulated "$out"
out=$($M run --model "$T/m" --board "$SIM&ina226=0" --prompt-ids 1,5 --max-new 2 --quiet --meter board 2>&1)
st=$?
[ $st -eq 0 ] && grep -q "no measurement: no INA226 at 0x40 on the board's I2C" <<<"$out" &&
	grep -q '^energy     ESTIMATE' <<<"$out" && ok run-board-absent-falls-back || no run-board-absent-falls-back "$out"

# bench model with the meter and a plot; then the estimate's plot without a meter
j=$($M bench model --model "$T/m" --board "$SIM" --tokens 5 --meter "hwmon:$HW" --meter-interval 10 \
	--plot "$T/measured.svg" --json)
check bench-measured jqok "$j" '.power.source == "measured" and .power.active_w == 2.5 and .power.token_intervals == 5'
check plot-measured svg_ok "$T/measured.svg" 5 'MEASURED power'
$M bench model --model "$T/m" --board "$SIM" --tokens 6 --plot "$T/estimated.svg" >/dev/null
check plot-estimated svg_ok "$T/estimated.svg" 6 'ESTIMATED power per token'
$M run --model "$T/m" --board "$SIM" --prompt-ids 1,5,9 --max-new 2 --quiet --meter "hwmon:$HW" \
	--plot "$T/run.svg" 2>/dev/null
check plot-run svg_ok "$T/run.svg" 5 'MEASURED power'
refuse plot-nothing-to-plot 1 "no plot: no meter reading and no board counters" \
	$M run --model "$T/m" --prompt-ids 1 --max-new 1 --quiet --plot "$T/none.svg"
left=$(ls -A "$TMPDIR")
[ -z "$left" ] && ok no-temporary-files-left || no no-temporary-files-left "$left"

echo "power: $pass passed, $fail failed"
[ $fail -eq 0 ]
