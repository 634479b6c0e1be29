#!/usr/bin/env bash
# The `ftdi?link=ft245` board end to end with no hardware: the unmodified mmfree (system libusb) against
# an emulated FT2232H whose EEPROM makes channel A a 245 FIFO (mmfree-vboard --usb ft245, umockdev), its
# bus in bit mode 0x40 the FPGA side of sim/vboard_ft245.v (the SoC behind rtl/mmf_ft245_sync.v, lut
# engine, core 48 MHz, CLKOUT 60 MHz) through the chip model of sim/ft245_chip.c. No board in boards/
# wires this bus. Proves: mmfree list names the chip by its EEPROM (channel A a 245 FIFO) with the URI
# ftdi:SERIAL?link=ft245; info over the FIFO reports link fifo at 60,000,000 bytes/s, with channel A
# claimed, put in bit mode 0x40 and given back, SIWU# strobed and no bus rule broken by the FPGA;
# bench link with every word read back equal and the upload's bytes/s in board time (SIWU# sends each
# answer at once: no answer waits for the chip's latency timer, the SoC's receiver sets the pace) and
# the round trip's payload bytes/s;
# bench engines checked against hls_c; a tiny model's logits byte-identical to the host kernels';
# refused with a message naming the problem: link=ft245 on a chip whose EEPROM leaves channel A a UART
# (the iCEBreaker's), on an FT232H, with baud=, on a board kind that is not ftdi, an unknown link;
# unplugged in the middle of a weight upload: a clean error in bounded time; the help texts.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
M=build/bin/mmfree
V=build/bin/mmfree-vboard
. tests/lib.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# usb ARGS... -- PROGRAM...: run PROGRAM with the emulated chips; stdout in $out, stderr in $err, exit in $rc
usb() { out=$(timeout 300 $V --usb "$@" 2>"$T/err"); rc=$?; err=$(cat "$T/err"); }
# want NAME RC PATTERN: the last run exited RC and its stderr holds PATTERN (grep -E)
want() {
	if [ "$rc" -eq "$2" ] && grep -Eq -- "$3" <<<"$err"; then ok "$1"; else no "$1" "exit $rc, expected $2; $err"; fi
}
B='ftdi?link=ft245'

# ---- mmfree list reads EEPROM word 0: the FT245 chip named as such, with the URI that opens it ----
usb icebreaker,ft245 --quiet -- $M list --json
if [ $rc -eq 0 ] && jqok "$out" '(.devices | length) == 2 and .devices[1].serial == "MMF0003"
	and .devices[1].uri == "ftdi:MMF0003?link=ft245" and (.devices[1].board | test("245 synchronous FIFO"))
	and .devices[0].uri == "ftdi:MMF0001" and (.devices[0].board | test("UART on channel B"))'; then
	ok list-ft245
else no list-ft245 "$out $err"; fi

# ---- INFO over the 245 FIFO ----
usb ft245 -- $M info --board "$B" --json
if [ $rc -eq 0 ] && jqok "$out" '.link == "fifo" and .link_rate == 60000000 and .clock_hz == 48000000
	and .engines[0].engine == "lut"'; then ok "info-ft245 ($(jq -c '{link, link_rate}' <<<"$out"))"
else no info-ft245 "$out $err"; fi
# channel A (interface 0) taken from ftdi_sio, put in bit mode 0x40, given back; the FPGA kept the
# bus rules the chip model checks (a rule broken is reported on stderr with its count) and strobed
# SIWU# at the ends of its answers
if grep -q "ftdi_sio detached from interface 0" <<<"$err" && grep -q "channel A bit mode 0x40 (245 synchronous FIFO)" <<<"$err" &&
   grep -q "ftdi_sio attached again to interface 0" <<<"$err" && grep -Eq "245 FIFO bus: [1-9][0-9]* bytes to the FPGA, [1-9][0-9]* from it, [1-9][0-9]* SIWU# strobes, .* 0 bus rules broken" <<<"$err"
then ok channel-a-fifo-mode; else no channel-a-fifo-mode "$err"; fi
# by the URI list gave, with the iCEBreaker's chip on the bus too (descriptors only then)
usb icebreaker,ft245 --quiet -- $M info --board 'ftdi:MMF0003?link=ft245'
if [ $rc -eq 0 ] && grep -q "fifo, 60000000 bytes/s" <<<"$out"; then ok info-ft245-serial-text; else no info-ft245-serial-text "$out $err"; fi

# ---- the link: every word back, throughput in board time ----
# the window of 3 WRITE_MEMs (ftdi's default): the FPGA strobes SIWU# at the end of each answer, so
# no answer waits for the chip's 1 ms latency timer (which would hold the upload near three 1 KiB
# packets per ms, 3 MB/s: docs/usb.md); the SoC's packet receiver takes at most 6 MB/s
usb ft245 --quiet -- $M bench link --board "$B" --words 2048 --json
echo "   $(jq -c '{words, mismatches, efficiency, upload_vs_line, upload_bytes_per_s, payload_bytes_per_s, upload_board_s, wall_s}' <<<"$out" 2>/dev/null)"
# the round trip's payload bytes/s: the read-back's answers leave at once (SIWU#) at the bus's write
# rate, not the receiver's, so the round trip is faster than the upload alone
if [ $rc -eq 0 ] && jqok "$out" '.words == 2048 and .mismatches == 0 and .efficiency > 0.95 and .link_rate == 60000000
	and .upload_bytes_per_s > 4500000 and .upload_bytes_per_s < 6000000
	and (8 * .words / .upload_board_s / .link_rate - .upload_vs_line | fabs) < 0.001
	and .payload_bytes_per_s > .upload_bytes_per_s
	and (.payload_bytes / .payload_board_s / .payload_bytes_per_s - 1 | fabs) < 0.001
	and .upload_board_s < .wall_s'; then
	ok "link-ft245 (upload $(jq .upload_bytes_per_s <<<"$out") bytes/s of board time, $(jq .upload_vs_line <<<"$out") of 60 MB/s; round trip $(jq .payload_bytes_per_s <<<"$out") payload bytes/s)"
else no link-ft245 "$out $err"; fi
w3=$(jq .upload_bytes_per_s <<<"$out" 2>/dev/null || echo 0)
# one WRITE_MEM at a time: each waits for its answer, which SIWU# sends at once; behind the latency
# timer this was 1 MB/s (one packet per ms). Slower than a window of 3, which keeps the receiver busy.
usb ft245 --quiet -- $M bench link --board "$B&window=1" --words 2048 --json
if [ $rc -eq 0 ] && jqok "$out" ".mismatches == 0 and .upload_bytes_per_s > 3000000 and .upload_bytes_per_s < $w3"; then
	ok "link-ft245-window-1 ($(jq .upload_bytes_per_s <<<"$out") bytes/s)"
else no link-ft245-window-1 "window 3: $w3; $out $err"; fi

usb ft245 --quiet -- $M bench engines --board "$B" --count 3 --json
if [ $rc -eq 0 ] && jqok "$out" '.transactions == 3 and .mismatches == 0 and .engines[0].macs > 0'; then
	ok engines-ft245
else no engines-ft245 "$out $err"; fi

# ---- a tiny model: logits through the FIFO byte-identical to the host kernels' ----
$M mkmodel --out "$T/m" --hidden 48 --layers 1 --vocab 259 >/dev/null 2>&1
usb ft245 --quiet -- $M run --model "$T/m" --board "$B" --engine lut --max-new 4 --logits "$T/usb.f32" --quiet
$M run --model "$T/m" --board host --engine lut --max-new 4 --logits "$T/host.f32" --quiet 2>/dev/null
if [ $rc -eq 0 ] && [ -s "$T/usb.f32" ] && cmp -s "$T/usb.f32" "$T/host.f32"; then
	ok "run-model-logits-ft245 ($(stat -c %s "$T/usb.f32") bytes equal; $(grep -o '[0-9.]* tokens/s at the board.s clock' <<<"$err"))"
else no run-model-logits-ft245 "exit $rc; $err"; fi

# ---- refused, saying why ----
usb icebreaker --quiet -- $M info --board "$B"
want ft245-channel-a-not-fifo 1 "link=ft245: channel A is no 245 FIFO: EEPROM word 0 = 0xffff makes it a UART \(blank EEPROM\).*\(MMF_ERR_UNSUPPORTED\)"
usb upduino3 --quiet -- $M info --board "$B"
want ft245-on-ft232h 2 "an FT232H \(UPduino v3\): its link is MPSSE SPI .*link=ft245 is an option of the FT2232H"
out=$($M info --board "$B&baud=3000000" 2>&1); rc=$?; err=$out
want ft245-with-baud 2 "baud is the UART's; link=ft245 has no baud rate"
out=$($M info --board 'cpu?link=ft245' 2>&1); rc=$?; err=$out
want link-not-ftdi 2 "link is an option of 'ftdi' only"
out=$($M info --board 'ftdi?link=spi' 2>&1); rc=$?; err=$out
want link-unknown 2 "bad value 'spi' for link \(uart .* or ft245"

# ---- unplugged in the middle of a weight upload: a clean error, quickly ----
t0=$SECONDS
usb ft245 --unplug-after-bytes 20000 -- $M bench link --board "$B" --words 8192
dt=$((SECONDS - t0))
if [ $rc -eq 1 ] && grep -q "LIBUSB_ERROR_NO_DEVICE: board unplugged" <<<"$err" && grep -q "(MMF_ERR_IO)" <<<"$err" &&
   grep -Eq "unplugged /dev/bus/usb/001/002 after 2[0-9]{4} bytes" <<<"$err" && [ $dt -le 20 ]; then
	ok "unplug-ft245 (${dt}s: $(grep '^mmfree:' <<<"$err" | grep -o 'LIBUSB_ERROR_NO_DEVICE.*' | cut -c1-90))"
else no unplug-ft245 "exit $rc after ${dt}s: $err"; fi

if $M --help | grep -q "link=ft245" && $V --help | grep -q -- "--usb ft245"; then ok help-ft245; else no help-ft245; fi

finish usb-ft245
