#!/usr/bin/env bash
# The host library and CLI against the SoC's RTL under Verilator (board `sim`, fast and UART mode):
# the same bytes as to a real board. Proves: INFO comes from the RTL; random matrix-vector products on
# every engine match hls_c; weight upload and read-back are exact through the UART; with 2e-3 of the
# link bytes damaged the results are still exact and the retries are counted; weight uploads through
# a window of WRITE_MEMs exact on the RTL, with and without faults; fast mode reports no line and no
# ratio to a line's bound; options are checked.
set -uo pipefail
cd "$(dirname "$0")/.."
M=build/bin/mmfree
. tests/lib.sh

info=$($M info --board sim --json)
check info-sim jqok "$info" '.board_name == "sim" and (.engines | length) == 3 and .version == 1'
info=$($M info --board 'sim?uart=1' --json)
check info-sim-uart jqok "$info" '.link == "uart" and .link_rate == 12000000'

# every command of the protocol on the RTL, each result checked against hls_c (tests/host_api.c)
check api-sim build/bin/host_api_sim 'sim?timeout_ms=5'

r=$($M bench engines --board sim --count 2 --seed 2 --json)
echo "$r" | jq -c '{transactions, mismatches}'
check engines-sim jqok "$r" '.transactions == 6 and .mismatches == 0'

r=$($M bench engines --board 'sim?uart=1' --count 1 --seed 3 --json)
check engines-sim-uart jqok "$r" '.transactions == 3 and .mismatches == 0'

r=$($M bench link --board 'sim?uart=1' --words 512 --json)
echo "$r" | jq -c '{words, mismatches, efficiency, upload_vs_line, board_cycles_per_wall_s}'
check link-sim-uart jqok "$r" '.words == 512 and .mismatches == 0 and .efficiency > 0.9'
# weight upload through the UART in simulated time: at least 0.90 of the 8N1 bound (baud / 10)
check upload-vs-line-uart jqok "$r" '.upload_vs_line >= 0.90 and .upload_vs_line <= 1.0'
# fast mode has no line (the bytes go straight into the packet layer): no line time, no ratio to a
# bound the bytes never met, in JSON and text; the UART mode names its bound
r=$($M bench link --board sim --words 512 --json)
check link-sim-fast-no-line jqok "$r" '.line == false and .upload_vs_line == null and .link_s == 0 and .mismatches == 0'
out=$($M bench link --board sim --words 512)
grep -q "^upload .*no line, so no bound" <<<"$out" && ! grep -q "of the line's bound" <<<"$out" &&
	ok link-sim-fast-text || no link-sim-fast-text "$out"
out=$($M bench link --board 'sim?uart=1' --words 512)
grep -q "of the line's bound (1200000 bytes/s: 12000000 baud / 10)" <<<"$out" &&
	ok link-sim-uart-names-bound || no link-sim-uart-names-bound "$out"

# faults: a timeout costs its timeout_ms of simulated time, so keep it short (2 ms = 96k cycles;
# the longest answer here takes under 0.2 ms)
r=$($M bench link --board 'sim?faults=1e-3&seed=5&timeout_ms=2' --words 2048 --json)
echo "$r" | jq -c '{words, mismatches, retries, naks, timeouts}'
check faults-link-sim jqok "$r" '.mismatches == 0 and .retries > 0'
r=$($M bench engines --board 'sim?faults=1e-3&seed=6&timeout_ms=2' --count 1 --seed 4 --json)
echo "$r" | jq -c '{transactions, mismatches, retries, naks, timeouts}'
check faults-engines-sim jqok "$r" '.transactions == 3 and .mismatches == 0'

# a window of WRITE_MEMs on the RTL: the controller reads a packet from the one packet buffer while
# the receiver writes the next into it (docs/protocol.md, "A window of commands"); every word back,
# in the fast mode (a byte every 8 cycles), through the UART, and under faults
r=$($M bench link --board 'sim?window=8&timeout_ms=5' --words 4096 --json)
echo "$r" | jq -c '{words, mismatches, retries, upload_vs_line}'
check link-sim-window jqok "$r" '.mismatches == 0 and .retries == 0'
# sim:icebreaker's send returns when the UART has taken the bytes, so sending a window of 8 outlasts
# timeout_ms=5: a try of the oldest starts when the host waits for it, no retry on a clean link
r=$($M bench link --board 'sim:icebreaker?window=8&timeout_ms=5' --words 4096 --json)
echo "$r" | jq -c '{words, mismatches, retries, upload_vs_line}'
check link-sim-board-window jqok "$r" '.mismatches == 0 and .retries == 0 and .upload_vs_line >= 0.95'
r=$($M bench link --board 'sim?faults=3e-3&seed=4&timeout_ms=2&window=4' --words 2048 --json)
echo "$r" | jq -c '{words, mismatches, retries, naks, timeouts}'
check faults-link-sim-window jqok "$r" '.mismatches == 0 and .retries > 0'

refuse uart-option-on-cpu "uart is an option of 'sim' only" $M info --board 'cpu?uart=1'

finish "sim board"
