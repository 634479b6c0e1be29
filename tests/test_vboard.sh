#!/usr/bin/env bash
# The virtual board as a server (mmfree-vboard) and the host's `socket:` board. Proves: every command
# works across the socket (INFO from the board's own top, weight upload and read-back, products on
# every engine checked against hls_c); with 1e-3 of the link bytes damaged by the board process the
# results are still exact and retries are counted; a board process killed in the middle of a weight
# upload gives the host a clean error within a bounded time; the `board` meter reads the INA226 model
# on the board's I2C pins across the socket; an FST trace of a window is written;
# bad options and paths are refused.
set -uo pipefail
cd "$(dirname "$0")/.."
M=build/bin/mmfree
V=build/bin/mmfree-vboard
T=$(mktemp -d)
VB=
cleanup() { [ -n "$VB" ] && kill "$VB" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
. tests/lib.sh
start() {  # start ARGS...: a board on $T/vb.sock, waiting until it listens
	rm -f "$T/vb.sock"
	$V --listen "$T/vb.sock" --quiet "$@" & VB=$!
	for _ in $(seq 50); do [ -S "$T/vb.sock" ] && return 0; sleep 0.1; done
	return 1
}
halt() { kill "$VB" 2>/dev/null; wait "$VB" 2>/dev/null; VB=; }
S="socket:$T/vb.sock"

# the iCEBreaker's own top: INFO, upload through its UART, its lut engine
start
r=$($M info --board "$S" --json)
check info-icebreaker jqok "$r" '.board_name == "icebreaker" and (.engines | length) == 1 and .engines[0].engine == "lut"'
r=$($M bench link --board "$S" --words 1024 --json)
check link-icebreaker jqok "$r" '.mismatches == 0 and .words == 1024'
r=$($M bench engines --board "$S" --count 3 --json)
check engines-icebreaker jqok "$r" '.transactions == 3 and .mismatches == 0'
# the weight memory outlives a host, as on a real board: read back what the last host wrote
r=$($M bench link --board "$S" --words 16 --json)
check second-host jqok "$r" '.mismatches == 0'
# its I2C master and the INA226 model on its pins (defaults: 1.2 V, 18 mA), read across the socket
r=$($M info --board "$S" --json)
check info-i2c jqok "$r" '.i2c == true'
r=$($M power --meter board --board "$S" --seconds 0.3 --interval 100 --json)
check board-meter jqok "$r" '.source == "simulated" and .failures == 0 and ((.avg_v - 1.2) | fabs) <= 0.00125 and ((.avg_a - 0.018) | fabs) <= 0.000025'
halt

# the generic core: every engine, and every command of the protocol checked against hls_c
start --board sim
check api-socket build/bin/host_api_sim "$S"
r=$($M bench engines --board "$S" --count 2 --json)
check engines-sim-socket jqok "$r" '.transactions == 6 and .mismatches == 0'
halt

# faults injected by the board process, both ways
start --board sim --inject-errors 1e-3 --seed 5
r=$($M bench engines --board "$S?timeout_ms=10" --count 2 --seed 3 --json)
echo "$r" | jq -c '{transactions, mismatches, retries, naks, timeouts}'
check faults-socket jqok "$r" '.transactions == 6 and .mismatches == 0 and .retries > 0'
halt

# a board killed in the middle of a weight upload: a clean error, quickly
start
( sleep 0.5; kill -9 "$VB" ) &
t0=$SECONDS
out=$($M bench link --board "$S" 2>&1); rc=$?
dt=$((SECONDS - t0))
wait "$VB" 2>/dev/null; VB=
if [ $rc -eq 1 ] && grep -q "stopped or was killed" <<<"$out" && [ $dt -le 10 ]; then
	ok "killed-board (${dt}s: $(tail -1 <<<"$out" | cut -c1-100))"
else
	no killed-board "exit $rc after ${dt}s: $out"
fi
refuse no-board-after-kill "no virtual board listening" $M info --board "$S"

# an FST trace of cycles [1000, 3000)
start --board sim --trace "$T/w.fst" --trace-from 1000 --trace-to 3000
$M bench link --board "$S" --words 64 >/dev/null 2>&1
halt
if [ -s "$T/w.fst" ] && [ "$(head -c 1 "$T/w.fst" | od -An -tx1 | tr -d ' ')" = "00" ]; then
	ok "trace-window ($(stat -c %s "$T/w.fst") bytes)"
else
	no trace-window "no FST file"
fi

# refused
touch "$T/file"
refuse refuse-regular-file "not a socket" $V --listen "$T/file"
refuse refuse-other-board "simulates the icebreaker board" $V --listen "$T/x.sock" --board upduino3
refuse refuse-bad-window "window" $V --listen "$T/x.sock" --trace "$T/t.fst"
check vboard-help $V --help

finish vboard
