#!/usr/bin/env bash
# The `ftdi` board end to end with no hardware: the unmodified mmfree (system libusb) against an
# emulated FT2232H on an emulated USB bus (mmfree-vboard --usb, umockdev), whose channel B UART is
# the Verilator iCEBreaker SoC at 12 Mbaud in simulated time (a build for BOARD=icebreaker; the SPI
# board's FT232H path is tests/test_spi_board.sh). Proves: mmfree list and --json see the chips (and
# the FT232H, named as the SPI link); info through ftdi, ftdi:SERIAL, a wrong serial refused naming
# the serials found, several chips refused naming both, an FT232H whose FPGA answers nothing on MISO
# (no SoC behind it in this build: a board with no bitstream) refused saying so; bench link with
# every word read back equal, upload throughput against the line in board time (>= 0.9 with the
# window of WRITE_MEMs in flight, ~0.76 one at a time) and host CPU per MB;
# bench engines checked against hls_c; 1e-3 and 3e-3 of the UART bytes damaged, results still exact
# through windows of 3 and 8 and retries counted; a run of a tiny model whose logits are byte-identical to the host kernels'; unplug in the
# middle of a weight upload ends in a clean error in bounded time; a baud the board does not have is
# noted by the emulator; a busy interface and a node without permission say how to get out; the baud
# encoder and the messages unit-tested (host_ftdi); the udev rule.
set -uo pipefail
cd "$(dirname "$0")/.."
M=build/bin/mmfree
V=build/bin/mmfree-vboard
. tests/lib.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# usb ARGS... -- PROGRAM...: run PROGRAM with the emulated chips; stdout in $out, stderr in $err, exit in $rc
usb() { out=$(timeout 300 $V --usb "$@" 2>"$T/err"); rc=$?; err=$(cat "$T/err"); }
# want NAME RC PATTERN: the last usb run exited RC and its stderr holds PATTERN (grep -E)
want() {
	if [ "$rc" -eq "$2" ] && grep -Eq -- "$3" <<<"$err"; then ok "$1"; else no "$1" "exit $rc, expected $2; $err"; fi
}

# ---- pure parts: the baud divisor against hand-worked values, the messages ----
if r=$(build/bin/host_ftdi 2>&1); then ok "baud-encoder ($(head -1 <<<"$r"))"; else no baud-encoder "$r"; fi

# ---- finding chips ----
usb icebreaker,upduino3 --quiet -- $M list
if [ $rc -eq 0 ] && grep -q "0403:6010 MMF0001 .*iCEBreaker V1.0e .*iCEBreaker" <<<"$out" &&
   grep -q "0403:6014 MMF0002 .*MPSSE SPI link" <<<"$out"; then ok list; else no list "$out $err"; fi
echo "$out" | sed 's/^/   /'
usb icebreaker,upduino3 --quiet -- $M list --json
if jqok "$out" '(.devices | length) == 2 and .devices[0].pid == "6010" and .devices[0].serial == "MMF0001"
	and .devices[0].uri == "ftdi:MMF0001" and .devices[0].bus == 1 and .devices[0].address == 2
	and .devices[1].pid == "6014" and (.devices[1].board | test("MPSSE SPI"))'; then ok list-json
else no list-json "$out"; fi

usb icebreaker -- $M info --board ftdi --json
if [ $rc -eq 0 ] && jqok "$out" '.board_name == "icebreaker" and .link == "uart" and .link_rate == 12000000
	and .engines[0].engine == "lut"'; then ok info-ftdi; else no info-ftdi "$out $err"; fi
# the kernel's ftdi_sio is detached for the run and given back at close
if grep -q "ftdi_sio detached from interface 1" <<<"$err" && grep -q "ftdi_sio attached again to interface 1" <<<"$err"
then ok kernel-driver-detach-reattach; else no kernel-driver-detach-reattach "$err"; fi
usb icebreaker --quiet -- $M info --board ftdi:MMF0001 --json
if [ $rc -eq 0 ] && jqok "$out" '.board_name == "icebreaker"'; then ok info-ftdi-serial; else no info-ftdi-serial "$out $err"; fi
usb icebreaker --quiet --serial ICE42 -- $M info --board ftdi:MMF0001
want wrong-serial 1 "ftdi:MMF0001: no board with that serial; found 'ICE42' \(0403:6010, bus 1 address 2\) \(MMF_ERR_NO_BOARD\)"
usb icebreaker,upduino3 --quiet -- $M info --board ftdi
want several-boards 2 "2 FTDI boards match: 'MMF0001' .*'MMF0002' .*name one as ftdi:SERIAL \(MMF_ERR_ARG\)"
usb icebreaker,upduino3 --quiet -- $M info --board ftdi:MMF0002
want ft232h-no-bitstream 1 "the FT232H is there, but no SPI slave answers on MISO \(it read 0xff.*TP11.*\(MMF_ERR_NO_BOARD\)"
usb upduino3 --quiet -- $M info --board ftdi:NONE
want no-such-serial 1 "no board with that serial; found 'MMF0002'"

# ---- the link: every word back, throughput in board time, host CPU ----
usb icebreaker --quiet -- $M bench link --board ftdi --words 2048 --json
echo "   $(jq -c '{words, mismatches, efficiency, upload_vs_line, upload_bytes_per_s, cpu_s_per_mb, wall_s_per_mb, board_cycles_per_wall_s}' <<<"$out" 2>/dev/null)"
if [ $rc -eq 0 ] && jqok "$out" '.words == 2048 and .mismatches == 0 and .efficiency > 0.95'; then ok link-ftdi
else no link-ftdi "$out $err"; fi
# a window of 3 WRITE_MEMs in flight (the default on ftdi): the next packet is on the wire while an
# answer waits for the chip's 1 ms latency timer, so the line stays busy; docs/usb.md works it out
if jqok "$out" '.upload_vs_line >= 0.90 and .upload_vs_line <= 1.0'; then
	ok "upload-vs-line ($(jq .upload_vs_line <<<"$out"))"
else no upload-vs-line "$out"; fi
# the ratio is the board's time, not the wall's: from the board's cycle counter (upload_board_s), a
# small part of the emulated run's wall time, and the same again in a second run whose wall time
# differs
first=$out
usb icebreaker --quiet -- $M bench link --board ftdi --words 2048 --json
if jqok "$first" '(8 * .words / .upload_board_s / (.link_rate / 10) - .upload_vs_line | fabs) < 0.001
	and .upload_board_s < .wall_s / 5 and .upload_board_s * 48000000 < .board_cycles' &&
   jqok "$out" "(.upload_vs_line - $(jq .upload_vs_line <<<"$first") | fabs) < 0.005"; then
	ok "upload-vs-line-board-time ($(jq -c '[.upload_board_s, .wall_s]' <<<"$first") and $(jq -c '[.upload_board_s, .wall_s]' <<<"$out") s board, wall)"
else no upload-vs-line-board-time "$first $out"; fi
# one command at a time (window=1): every answer waits for the timer, a command costs one period
# (48,000 cycles), and 2048 words reach ~0.76 of baud/10
usb icebreaker --quiet -- $M bench link --board 'ftdi?window=1' --words 2048 --json
if [ $rc -eq 0 ] && jqok "$out" '.mismatches == 0 and .upload_vs_line >= 0.72 and .upload_vs_line <= 0.86'; then
	ok "upload-vs-line-window-1 ($(jq .upload_vs_line <<<"$out"))"
else no upload-vs-line-window-1 "$out $err"; fi

usb icebreaker --quiet -- $M bench engines --board ftdi --count 3 --json
if [ $rc -eq 0 ] && jqok "$out" '.transactions == 3 and .mismatches == 0'; then ok engines-ftdi
else no engines-ftdi "$out $err"; fi

# ---- 1e-3 of the UART bytes damaged both ways (flipped, dropped, doubled), through the window ----
usb icebreaker --quiet --inject-errors 1e-3 --seed 5 -- $M bench link --board 'ftdi?timeout_ms=100&window=3' --words 2048 --json
echo "   $(jq -c '{mismatches, retries, naks, timeouts}' <<<"$out" 2>/dev/null)"
if [ $rc -eq 0 ] && jqok "$out" '.mismatches == 0 and .retries > 0'; then ok faults-link-ftdi
else no faults-link-ftdi "$out $err"; fi
usb icebreaker --quiet --inject-errors 3e-3 --seed 11 -- $M bench link --board 'ftdi?timeout_ms=100&window=8' --words 1024 --json
echo "   $(jq -c '{mismatches, retries, naks, timeouts}' <<<"$out" 2>/dev/null)"
if [ $rc -eq 0 ] && jqok "$out" '.mismatches == 0 and .retries > 0'; then ok faults-link-ftdi-window-8
else no faults-link-ftdi-window-8 "$out $err"; fi
usb icebreaker --quiet --inject-errors 1e-3 --seed 7 -- $M bench engines --board 'ftdi?timeout_ms=100' --count 2 --seed 3 --json
echo "   $(jq -c '{transactions, mismatches, retries, naks, timeouts}' <<<"$out" 2>/dev/null)"
if [ $rc -eq 0 ] && jqok "$out" '.transactions == 2 and .mismatches == 0'; then ok faults-engines-ftdi
else no faults-engines-ftdi "$out $err"; fi

# ---- a tiny model: logits through USB byte-identical to the host kernels' ----
$M mkmodel --out "$T/m" --hidden 48 --layers 1 --vocab 259 >/dev/null 2>&1
usb icebreaker --quiet -- $M run --model "$T/m" --board ftdi --engine lut --max-new 4 --logits "$T/usb.f32" --quiet
$M run --model "$T/m" --board host --engine lut --max-new 4 --logits "$T/host.f32" --quiet 2>/dev/null
if [ $rc -eq 0 ] && [ -s "$T/usb.f32" ] && cmp -s "$T/usb.f32" "$T/host.f32"; then
	ok "run-model-logits ($(stat -c %s "$T/usb.f32") bytes equal; $(grep -o '[0-9.]* tokens/s at the board.s clock' <<<"$err"))"
else no run-model-logits "exit $rc; $err"; fi

# ---- unplugged in the middle of a weight upload: a clean error, quickly ----
# (the emulator feeds the UART 8 bytes a step, so the unplug lands in the step that reaches 20000:
# exactly there while one command is in flight, up to 7 bytes on while a window streams)
t0=$SECONDS
usb icebreaker --unplug-after-bytes 20000 -- $M bench link --board ftdi --words 8192
dt=$((SECONDS - t0))
if [ $rc -eq 1 ] && grep -q "LIBUSB_ERROR_NO_DEVICE: board unplugged" <<<"$err" && grep -q "(MMF_ERR_IO)" <<<"$err" &&
   grep -Eq "unplugged /dev/bus/usb/001/002 after 2000[0-7] bytes" <<<"$err" && [ $dt -le 20 ]; then
	ok "unplug (${dt}s: $(grep '^mmfree:' <<<"$err" | grep -o 'LIBUSB_ERROR_NO_DEVICE.*' | cut -c1-90))"
else no unplug "exit $rc after ${dt}s: $err"; fi

# ---- a baud the board's UART does not have: garbage both ways, the emulator says so ----
usb icebreaker -- $M info --board 'ftdi?baud=3000000&timeout_ms=20'
want wrong-baud 1 "channel B set to 3000000 baud \(divisor wValue 0x0004 wIndex 0x0202\).* garbled"

# ---- the ways out: busy, no permission ----
usb icebreaker --quiet --claim-busy -- $M info --board ftdi
want busy 1 "claiming interface 1 \(channel B\): LIBUSB_ERROR_BUSY: .*another program"
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	usb icebreaker --quiet --deny-access -- setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups $M info --board ftdi
	want no-permission 1 "LIBUSB_ERROR_ACCESS: .*mmfree udev-rule > /etc/udev/rules.d/60-mmfree.rules"
else
	no no-permission "needs setpriv and the user nobody (the message itself is checked by host_ftdi)"
fi

r=$($M udev-rule)
if [ "$(grep -c 'SUBSYSTEM=="usb", ATTRS{idVendor}=="0403", ATTRS{idProduct}=="601[04]", MODE="0660", GROUP="plugdev", TAG+="uaccess"' <<<"$r")" = 2 ]
then ok udev-rule; else no udev-rule "$r"; fi
if $M list --help | grep -q ftdi:SERIAL && $V --help | grep -q -- "--usb"; then ok help; else no help; fi

finish usb
