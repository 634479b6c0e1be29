#!/usr/bin/env bash
# test_spi_board.sh: the UPduino v3, the SPI board, end to end without hardware. A build simulates one
# BOARD, so this one builds its own tree (build/sim-upduino3, or $SPI_BUILD) with BOARD=upduino3 and
# runs its mmfree and mmfree-vboard. Proves: INFO from the board's own top through the SPI link layer
# (board 2, link spi, 10 MHz SCK, the lut engine); random products on it match hls_c; weight upload and
# read-back exact at >= 0.9 of SCK/8 in board time; with 1e-3 of the link bytes damaged the results
# are still exact; the same board on a socket (mmfree-vboard --listen); and through the real libusb
# path against the emulated FT232H (umockdev) whose MPSSE clocks the SoC's SPI pins: info, every word
# of an upload read back (>= 0.9 of the line with the window of WRITE_MEMs; host-side faults through
# a window of 4 still exact), products checked, a tiny model's logits byte-identical to the host kernels',
# unplug mid-upload a clean error, a UART option refused, the FT2232H of the other board descriptors
# only in this build.
set -uo pipefail
cd "$(dirname "$0")/.."
B=${SPI_BUILD:-build/sim-upduino3}
mkdir -p "$B"
if ! make --no-print-directory -s BOARD=upduino3 BUILD="$B" "$B/bin/mmfree" "$B/bin/mmfree-vboard" \
	> "$B.log" 2>&1; then
	tail -20 "$B.log"
	echo "spi board: the BOARD=upduino3 build failed (log: $B.log)"
	exit 1
fi
M=$B/bin/mmfree
V=$B/bin/mmfree-vboard
T=$(mktemp -d)
VB=
trap '[ -n "$VB" ] && kill "$VB" 2>/dev/null; rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "PASS $1"; }
no() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && echo "$2" | tail -8 | sed 's/^/   | /'; }
jqok() { jq -e "$2" <<<"$1" >/dev/null 2>&1; }
check() {  # check NAME JSON FILTER
	if jqok "$2" "$3"; then ok "$1"; else no "$1" "$2"; fi
}
# usb ARGS... -- PROGRAM...: run PROGRAM with the emulated chips; stdout in $out, stderr in $err, exit in $rc
usb() { out=$(timeout 300 "$V" --usb "$@" 2>"$T/err"); rc=$?; err=$(cat "$T/err"); }

# ---- in-process: sim:upduino3 ----
r=$($M info --board sim:upduino3 --json 2>&1)
check info-sim "$r" '.board_id == 2 and .board_name == "upduino3" and .link == "spi" and .link_rate == 10000000
	and .clock_hz == 48000000 and (.engines | length) == 1 and .engines[0].engine == "lut"'
r=$($M bench engines --board sim:upduino3 --count 3 --seed 2 --json 2>&1)
check engines-sim "$r" '.transactions == 3 and .mismatches == 0'
r=$($M bench link --board sim:upduino3 --words 4096 --json 2>&1)
echo "   $(jq -c '{words, mismatches, efficiency, upload_vs_line, upload_bytes_per_s, board_cycles_per_wall_s}' <<<"$r" 2>/dev/null)"
check link-sim "$r" '.words == 4096 and .mismatches == 0 and .efficiency > 0.95'
# the host's master polls as fast as the link goes: an upload reaches >= 0.9 of SCK / 8 in board time
check upload-vs-line-sim "$r" '.upload_vs_line >= 0.90 and .upload_vs_line <= 1.0'
r=$($M bench link --board 'sim:upduino3?faults=1e-3&seed=5&timeout_ms=2' --words 2048 --json 2>&1)
echo "   $(jq -c '{mismatches, retries, naks, timeouts}' <<<"$r" 2>/dev/null)"
check faults-link-sim "$r" '.mismatches == 0 and .retries > 0'

# ---- on a socket ----
"$V" --listen "$T/vb.sock" --quiet &
VB=$!
for _ in $(seq 50); do [ -S "$T/vb.sock" ] && break; sleep 0.1; done
r=$($M bench engines --board "socket:$T/vb.sock" --count 2 --seed 4 --json 2>&1)
check engines-socket "$r" '.transactions == 2 and .mismatches == 0'
kill "$VB" 2>/dev/null
wait "$VB" 2>/dev/null
VB=

# ---- real libusb against the emulated FT232H: MPSSE clocks the SoC's SPI pins ----
usb upduino3 -- $M info --board ftdi --json
if [ $rc -eq 0 ] && jqok "$out" '.board_name == "upduino3" and .link == "spi" and .link_rate == 10000000' &&
   grep -q "bit mode 0x02 (MPSSE)" <<<"$err" && ! grep -q "MPSSE:" <<<"$err"; then ok info-ftdi-spi
else no info-ftdi-spi "exit $rc; $out $err"; fi
usb upduino3 --quiet -- $M bench link --board ftdi --words 2048 --json
echo "   $(jq -c '{words, mismatches, efficiency, upload_vs_line, upload_bytes_per_s, cpu_s_per_mb, wall_s_per_mb}' <<<"$out" 2>/dev/null)"
if [ $rc -eq 0 ] && jqok "$out" '.words == 2048 and .mismatches == 0 and .efficiency > 0.95'; then ok link-ftdi-spi
else no link-ftdi-spi "exit $rc; $out $err"; fi
# a WRITE per packet, READs with 0x87 (send now): no latency-timer period per command, as the UART's;
# with the window of 3 WRITE_MEMs (ftdi's default) a READ collects several answers, so the SCK idles
# for one USB turnaround per few packets instead of one per packet (window=1: ~0.90)
if jqok "$out" '.upload_vs_line >= 0.90'; then ok "upload-vs-line-ftdi-spi ($(jq .upload_vs_line <<<"$out"))"
else no upload-vs-line-ftdi-spi "$out"; fi
# the window over SPI with the host's fault injector (the emulator damages no SPI bytes): every
# word back, retries counted
usb upduino3 --quiet -- $M bench link --board 'ftdi?faults=1e-3&seed=3&timeout_ms=100&window=4' --words 2048 --json
echo "   $(jq -c '{mismatches, retries, naks, timeouts}' <<<"$out" 2>/dev/null)"
if [ $rc -eq 0 ] && jqok "$out" '.mismatches == 0 and .retries > 0'; then ok faults-link-ftdi-spi-window
else no faults-link-ftdi-spi-window "exit $rc; $out $err"; fi
usb upduino3 --quiet -- $M bench engines --board ftdi --count 3 --json
if [ $rc -eq 0 ] && jqok "$out" '.transactions == 3 and .mismatches == 0'; then ok engines-ftdi-spi
else no engines-ftdi-spi "exit $rc; $out $err"; fi

$M mkmodel --out "$T/m" --hidden 48 --layers 1 --vocab 259 >/dev/null 2>&1
usb upduino3 --quiet -- $M run --model "$T/m" --board ftdi --engine lut --max-new 4 --logits "$T/usb.f32" --quiet
$M run --model "$T/m" --board host --engine lut --max-new 4 --logits "$T/host.f32" --quiet 2>/dev/null
if [ $rc -eq 0 ] && [ -s "$T/usb.f32" ] && cmp -s "$T/usb.f32" "$T/host.f32"; then
	ok "run-model-logits-spi ($(stat -c %s "$T/usb.f32") bytes equal; $(grep -o '[0-9.]* tokens/s at the board.s clock' <<<"$err"))"
else no run-model-logits-spi "exit $rc; $err"; fi

t0=$SECONDS
usb upduino3 --unplug-after-bytes 20000 -- $M bench link --board ftdi --words 8192
dt=$((SECONDS - t0))
if [ $rc -eq 1 ] && grep -q "LIBUSB_ERROR_NO_DEVICE: board unplugged" <<<"$err" && grep -q "(MMF_ERR_IO)" <<<"$err" &&
   [ $dt -le 20 ]; then ok "unplug-spi (${dt}s)"
else no unplug-spi "exit $rc after ${dt}s: $err"; fi

usb upduino3 --quiet -- $M info --board 'ftdi?baud=3000000'
if [ $rc -eq 2 ] && grep -q "its link is SPI at 10000000 Hz; baud is an option of the FT2232H's UART" <<<"$err"
then ok refuse-baud-on-ft232h; else no refuse-baud-on-ft232h "exit $rc; $err"; fi

# in this build the iCEBreaker's FT2232H has nothing behind it
usb icebreaker,upduino3 --quiet -- $M info --board ftdi:MMF0001
if [ $rc -ne 0 ] && grep -q "this FT2232H has no SoC behind it in this build" <<<"$err"; then ok other-board-descriptors-only
else no other-board-descriptors-only "exit $rc; $err"; fi

echo "spi board: $pass passed, $fail failed"
[ $fail -eq 0 ]
