#!/usr/bin/env bash
# test_hx8k_board.sh: the iCE40HX8K-B-EVN, the board without SPRAM, end to end without hardware. A
# build simulates one BOARD, so this one builds its own tree (build/sim-hx8k-evn, or $HX8K_BUILD) with
# BOARD=hx8k-evn and runs its mmfree and mmfree-vboard on `sim:hx8k-evn`, the board's own top (PLL
# model, reset after lock, UART at 12 Mbaud, the tac engine with 2-bit codes, 768 words of weight
# memory in block RAM). Proves: INFO says hx8k-evn, uart, the tac2 engine and 768 words; the whole
# (smaller) memory uploaded and read back exact; WRITE_MEM and READ_MEM at and past its end refused
# with BAD_ADDRESS (raw packets built here, over mmfree-vboard's socket: the host library refuses
# them before they leave) while the last words are taken; random products match hls_c; a tiny model
# (streamed: it does not fit in 768 words) gives logits byte-identical to the cpu board built the
# same way (cpu?wmem=768&engines=tac2) and to the host kernels.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh
B=${HX8K_BUILD:-build/sim-hx8k-evn}
mkdir -p "$B"
if ! make --no-print-directory -s BOARD=hx8k-evn BUILD="$B" "$B/bin/mmfree" "$B/bin/mmfree-vboard" \
	> "$B.log" 2>&1; then
	tail -20 "$B.log"
	echo "hx8k board: the BOARD=hx8k-evn build failed (log: $B.log)"
	exit 1
fi
M=$B/bin/mmfree
V=$B/bin/mmfree-vboard
S='sim:hx8k-evn?timeout_ms=5'
T=$(mktemp -d)
VB=
trap '[ -n "$VB" ] && kill "$VB" 2>/dev/null; rm -rf "$T"' EXIT

# ---- INFO, the link over the whole memory, products ----
r=$($M info --board "$S" --json 2>&1)
check info-sim jqok "$r" '.board_id == 3 and .board_name == "hx8k-evn" and .link == "uart"
	and .link_rate == 12000000 and .clock_hz == 48000000 and .wmem_words == 768 and (.engines | length) == 1
	and .engines[0].engine == "tac" and .engines[0].format == "tac2" and .engines[0].lanes == 32'
r=$($M bench link --board "$S" --json 2>&1)
echo "   $(jq -c '{words, mismatches, efficiency, upload_vs_line}' <<<"$r" 2>/dev/null)"
check link-whole-memory jqok "$r" '.words == 768 and .mismatches == 0'
refuse link-past-the-memory "769: the board.s weight memory has 768 words" $M bench link --board "$S" --words 769
r=$($M bench engines --board "$S" --count 4 --seed 3 --json 2>&1)
echo "   $(jq -c '{transactions, mismatches}' <<<"$r" 2>/dev/null)"
check engines-sim jqok "$r" '.transactions == 4 and .mismatches == 0'

# ---- the board's own range checks, with packets the host library would not send ----
"$V" --listen "$T/vb.sock" --quiet &
VB=$!
for _ in $(seq 50); do [ -S "$T/vb.sock" ] && break; sleep 0.1; done
out=$(python3 - "$T/vb.sock" <<'EOF' 2>&1
import socket, struct, sys, zlib

def packet(t, seq, pl):
    n = len(pl)
    hchk = 0xFF ^ t ^ seq ^ (n & 0xFF) ^ (n >> 8)
    body = bytes([t, seq]) + struct.pack('<H', n) + bytes([hchk]) + pl
    return b'\xa5\x5a' + body + struct.pack('<I', zlib.crc32(body))

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(20)
buf = b''
def answer():
    global buf
    while True:
        i = buf.find(b'\xa5\x5a')
        if i >= 0 and len(buf) >= i + 7:
            n = struct.unpack('<H', buf[i + 4:i + 6])[0]
            if len(buf) >= i + 11 + n:
                t, seq, pl = buf[i + 2], buf[i + 3], buf[i + 7:i + 7 + n]
                buf = buf[i + 11 + n:]
                return t, seq, pl
        buf += s.recv(4096)

seq = 0
def cmd(t, pl):
    global seq
    s.sendall(packet(t, seq, pl))
    a = answer()
    assert a[0] == t | 0x80 and a[1] == seq, a
    seq += 1
    return a[2]

cmd(0x01, b'')                                           # SYNC
w = struct.pack('<QQ', 0x0123456789abcdef, 0xfedcba9876543210)
names = {0: 'OK', 3: 'BAD_ADDRESS'}
for what, t, pl in [('write 766+2', 0x10, struct.pack('<H', 766) + w),
                    ('write 767+2', 0x10, struct.pack('<H', 767) + w),
                    ('write 768+1', 0x10, struct.pack('<H', 768) + w[:8]),
                    ('write 16383+1', 0x10, struct.pack('<H', 16383) + w[:8]),
                    ('read 766+2', 0x11, struct.pack('<HH', 766, 2)),
                    ('read 767+2', 0x11, struct.pack('<HH', 767, 2))]:
    a = cmd(t, pl)
    print(what, names.get(a[0], a[0]), a[1:].hex())
EOF
)
kill "$VB" 2>/dev/null
wait "$VB" 2>/dev/null
VB=
echo "$out" | sed 's/^/   /'
want="write 766+2 OK 
write 767+2 BAD_ADDRESS 
write 768+1 BAD_ADDRESS 
write 16383+1 BAD_ADDRESS 
read 766+2 OK efcdab89674523011032547698badcfe
read 767+2 BAD_ADDRESS "
[ "$out" = "$want" ] && ok bad-address-past-the-end || no bad-address-past-the-end "$out"

# ---- a tiny model, streamed through the 768 words, against the C model built the same way ----
$M mkmodel --out "$T/m" --hidden 48 --layers 1 --vocab 259 >/dev/null 2>&1
$M run --model "$T/m" --board "$S" --engine tac2 --max-new 4 --logits "$T/sim.f32" --quiet 2>"$T/err"
st=$?
$M run --model "$T/m" --board 'cpu?wmem=768&engines=tac2' --engine tac2 --max-new 4 --logits "$T/cpu.f32" \
	--quiet 2>/dev/null
$M run --model "$T/m" --board host --engine tac2 --max-new 4 --logits "$T/host.f32" --quiet 2>/dev/null
if [ $st -eq 0 ] && [ -s "$T/sim.f32" ] && cmp -s "$T/sim.f32" "$T/cpu.f32" && cmp -s "$T/sim.f32" "$T/host.f32"; then
	ok run-model-logits "$(stat -c %s "$T/sim.f32") bytes equal; $(grep -o '[0-9.]* tokens/s at the board.s clock' "$T/err")"
else no run-model-logits "exit $st; $(cat "$T/err")"; fi
r=$($M bench model --model "$T/m" --board "$S" --engine tac2 --tokens 2 --json 2>&1)
check model-streamed jqok "$r" '.resident == false'
# the tac engine with 5-trit codes is not on this board: named, it is refused naming the one there is;
# not named, the board's own (tac2) is taken
refuse model-tac5-refused "has no tac engine; it has tac2" $M run --model "$T/m" --board "$S" --engine tac --max-new 1
if out=$($M run --model "$T/m" --board "$S" --max-new 1 --quiet 2>&1) && grep -q "the tac2 engine" <<<"$out"
then ok model-default-engine-tac2; else no model-default-engine-tac2 "$out"; fi

finish "hx8k board"
