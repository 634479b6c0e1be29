#!/usr/bin/env bash
# run.sh: every test of `make test`, each one line PASS/FAIL with its time, then "N passed, N failed".
# Expects `make programs` to have run (the Makefile does it). Logs go to build/tests/<name>.log.
#
#   tests/run.sh                 every test
#   tests/run.sh NAME...         only these (shell patterns too: 'sim-*'); an unknown name fails
#   tests/run.sh --list          the names, one a line
set -uo pipefail
case "${1:-}" in
-h|--help)
	sed -n '2,8s/^# \{0,1\}//p' "$0"
	exit 0 ;;
--list) list=1; shift ;;
-*)	echo "run.sh: unknown option '$1' (--list, --help, or test names)" >&2
	exit 2 ;;
*)	list=0 ;;
esac
wanted=("$@")
declare -A matched=()
cd "$(dirname "$0")/.."
LOGS=build/tests
mkdir -p "$LOGS"
# shellcheck disable=SC1090
eval "$(sed -n 's/^\([A-Z_]*\) *:= *\(.*\)$/\1="\2"/p' boards/${BOARD:-icebreaker}/board.mk)"
TB_COUNT=${TB_COUNT:-100000}
# the engine formats, as gen_vh writes them from the engine table (hls_c/mmf_engines.c)
read -r -a ENGINES <<< "$(sed -n 's/^ENGINES := //p' build/gen/engines.mk 2>/dev/null)"
[ ${#ENGINES[@]} -gt 0 ] || { echo "run.sh: no build/gen/engines.mk (make programs first)" >&2; exit 2; }
passed=0 failed=0 failed_names=()

selected() {  # selected NAME: whether NAME is asked for (every test when none are named)
	local w
	[ ${#wanted[@]} -eq 0 ] && return 0
	for w in "${wanted[@]}"; do
		# shellcheck disable=SC2053
		if [[ $1 == $w ]]; then matched[$w]=1; return 0; fi
	done
	return 1
}

run() {  # run NAME COMMAND...: one test
	local name=$1; shift
	if [ "$list" = 1 ]; then echo "$name"; return; fi
	selected "$name" || return 0
	local t0=$SECONDS
	if "$@" > "$LOGS/$name.log" 2>&1; then
		passed=$((passed + 1))
		printf 'PASS %-28s %4ds  %s\n' "$name" $((SECONDS - t0)) "$(tail -n 1 "$LOGS/$name.log" | cut -c1-110)"
	else
		failed=$((failed + 1))
		failed_names+=("$name")
		printf 'FAIL %-28s %4ds  (log: %s)\n' "$name" $((SECONDS - t0)) "$LOGS/$name.log"
		tail -n 15 "$LOGS/$name.log" | sed 's/^/     | /'
	fi
}

# hls_c: the subset, the checker itself, the models against independent references
run hls-subset tools/check_hls_subset.sh
run hls-subset-rejects tests/test_subset_rejects.sh
# the build front door: make help before deps, the targets it names, BOARD=foo, tests/run.sh by name
run build tests/test_build.sh
run hls-models build/bin/test_hls
# the board's link side in C (docs/protocol.md): every command, damaged packets, repeats, faults
run device-model build/bin/test_dev
# the command line of every program but the CLI: --help, unknown options, bad numbers, counts of 0,
# trace windows and unwritable trace files refused with a message naming the option; tiny valid runs
run args tests/test_args.sh

# host library and CLI over the C model of the board: codec, API, faults, dead boards, install
run host tests/test_host.sh
# mmfree flash and make prog against stand-in programmers: command lines, refusals, --check
run flash tests/test_flash.sh
# the same library and CLI against the SoC's RTL under Verilator (board sim, fast and UART mode)
run sim-board tests/test_sim_board.sh
# the MatMul-free LM: checkpoints (loader checks, mkmodel), tokenizers, the runtime end to end
run ckpt tests/test_ckpt.sh
run tokenizer build/bin/host_tok
run model tests/test_model.sh
# the on-chip forward pass in fixed point: tables and element-wise unit against libm, logits against
# the float runtime, the subset checker on it
run onchip tests/test_onchip.sh
# mmfree eval: bits per byte against the cross-entropy of run --logits, cpu = sim, bad texts refused
run eval tests/test_eval.sh
# files written and read: devices, FIFOs and symlinks as outputs, read-only files refused, SIGINT and
# SIGTERM leave no partial file, a FIFO as a checkpoint file refused at once
run outputs tests/test_outputs.sh
# the energy estimate: coefficient data and sources, linearity, malformed files, a cpu-board run
run energy build/bin/host_energy
# power meters against their fakes (sysfs trees, umockdev /sys, a UM25C emulator on a pty, sigrok-cli's
# demo), measured power in run and bench model, the SVG plot
run power tests/test_power.sh
# the float64 model reference checks itself (float32 vs float64 within the tolerance, mutants caught),
# then the runtime's logits against it on 8 checkpoints (shapes, dtypes, shards; cpu and sim, tac and lut)
run model-ref-self tests/ref/test_ref.sh
run model-ref tests/test_model_ref.sh
# the trainer (tools/train/): the KJV split, the chunked scan, a tiny model whose loss falls, its export
# loaded by mmfree, PyTorch's quantised forward against mmfree's logits (and the float forward refused)
run train tests/test_train.sh
# parsers of untrusted files under libFuzzer: crashers replayed, then FUZZ_SECONDS (20) per target
run fuzz tests/test_fuzz.sh
# the virtual board as a server (mmfree-vboard) behind socket:PATH: commands, faults, a killed board
run vboard tests/test_vboard.sh
# the ftdi board over real libusb against an emulated FT2232H (umockdev) serving the Verilator iCEBreaker
run usb tests/test_usb.sh
# the same ftdi board with link=ft245: an emulated FT2232H whose channel A in bit mode 0x40 is the 245
# synchronous FIFO bus of the FT245 SoC (sim/vboard_ft245.v; no board wires it), refusals, unplug
run usb-ft245 tests/test_usb_ft245.sh

# rtl: lint and formal proofs of the stream handshakes
run lint tests/test_lint.sh
run formal tests/test_formal.sh

# each engine against its C twin: random transactions with back-pressure, then the largest matrix
# streamed from the SPRAM weight memory
for e in "${ENGINES[@]}"; do
	run "sim-$e" "build/bin/tb_$e" --count "$TB_COUNT" --seed "${SEED:-1}"
	run "spram-$e" "build/bin/bench_$e" --matrices 2
done

# the link's packet receiver against packets built with zlib, damaged on purpose
run sim-pkt-rx build/bin/tb_pkt_rx --count 20000
run sim-pkt-tx build/bin/tb_pkt_tx --count 5000
# the SoC core fed bytes directly (the virtual board's fast mode) against the C model, byte for byte
run sim-soc build/bin/tb_soc --count 3000
run sim-soc-uart build/bin/tb_soc_uart --count 1000
run sim-soc-lut build/bin/tb_soc_lut --count 1000
# the SoC behind its SPI PHY (UPduino v3) against the C model, and the UPduino's own top as a board
run sim-soc-spi build/bin/tb_soc_spi --count 1000
# the I2C master against the INA226 model and its C twin, fast and standard mode, NAKs included
run sim-i2c build/bin/tb_i2c --count 1000
run sim-i2c-100k build/bin/tb_i2c_100k --count 200
run spi-board tests/test_spi_board.sh
# the FT245 synchronous FIFO PHY against the C model of the FT2232H's side of the bus (random stalls,
# three core clocks against 60 MHz, bytes to the core every cycle and every 8th), and the SoC behind it
# against the C model, byte for byte
run sim-ft245 build/bin/tb_ft245 --count 300000
run sim-ft245-s8 build/bin/tb_ft245_s8 --count 100000
run sim-soc-ft245 build/bin/tb_soc_ft245 --count 1000
# the iCE40HX8K-B-EVN's SoC (tac2 alone, 768 words of block RAM) against the C model, past the end of
# its memory too, and the board's own top as a board (its own build tree)
run sim-soc-hx8k build/bin/tb_soc_hx8k --count 1000
run hx8k-board tests/test_hx8k_board.sh
# UART PHY and CRC-32: loopback at several divisors, baud mismatch, frame errors, zlib, proofs
run link-phy tests/test_link_phy.sh

# place and route: every engine fits the UP5K within 60% of its cells and meets the board clock
for e in "${ENGINES[@]}"; do
	run "fit-$e" tests/test_fit.sh "$e" "$FREQ_MHZ"
done

# the SoC's bitstream for each board (built when stale): the metadata mmfree flash checks, the
# bitstream it describes, the board clock met; a missed clock leaves no bitstream
run bitstream-icebreaker tests/test_bitstream.sh icebreaker
# (after the iCEBreaker's bitstream is built: the emulated board checks what is flashed against it)
# the real iceprog (fpga-icestorm) against the emulated iCEBreaker's channel A: its W25Q128JV flash in
# a file, CRESET_B and CDONE; flash and SRAM programming, protection, unplug, what --flash refuses
run flashers tests/test_flashers.sh
run bitstream-upduino3 tests/test_bitstream.sh upduino3
run bitstream-hx8k-evn tests/test_bitstream.sh hx8k-evn
run bitstream-missed-clock tests/test_bitstream.sh --missed-clock icebreaker

[ "$list" = 1 ] && exit 0
for w in "${wanted[@]}"; do
	if [ -z "${matched[$w]:-}" ]; then
		echo "run.sh: no test named '$w' (tests/run.sh --list names them)" >&2
		failed=$((failed + 1))
	fi
done
if [ $failed -ne 0 ] && [ ${#failed_names[@]} -ne 0 ]; then
	echo "failed: ${failed_names[*]}"
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
