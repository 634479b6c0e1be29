#!/usr/bin/env bash
# `mmfree eval` (docs/accuracy.md) on random checkpoints from `mmfree mkmodel`. Proves:
#  - its bits per byte (and per token) are the teacher-forced cross-entropy computed independently,
#    in float64 numpy, from the logits `mmfree run --logits` writes for the same text: equal within
#    1e-9 bits (both read the same float32 logits; only the order of the sums differs), for the
#    byte-level tokenizer and for a tokenizer.json whose tokens are longer than a byte;
#  - the figure is the same on `host` (the default: the host kernels) and `sim` (byte-identical
#    logits: identical bits);
#  - --max-bytes N evaluates the file's first N bytes (cut back to a whole UTF-8 character), and
#    --window N scores each N-token piece as a text of its own;
#  - a progress line goes to stderr on a terminal, and nothing does otherwise;
#  - a missing, empty, binary (NUL, not UTF-8) or directory --text, and bad options, are refused
#    with a message naming the problem: exit 1 for the file, 2 for the usage.
# Under a minute: the sim evaluations are kept to a few dozen bytes.
set -uo pipefail
cd "$(dirname "$0")/.."
M=build/bin/mmfree
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/lib.sh

$PY -c 'import numpy' 2>/dev/null || { echo "eval: $PY has no numpy (scripts/deps.sh)"; exit 1; }
$M mkmodel --out "$T/m" --hidden 48 --layers 2 --vocab 300 --seed 11 > /dev/null || { echo "mkmodel failed"; exit 1; }
# the same weights with a BPE tokenizer.json (ids < 284 < 300): "the", "cat", "ing" are one token
$M mkmodel --out "$T/bpe" --hidden 48 --layers 2 --vocab 300 --seed 11 > /dev/null || exit 1
cp tests/fuzz/corpus/tok/mistral_like.json "$T/bpe/tokenizer.json"

# texts without a trailing newline (a shell variable would drop it when passed to run --prompt)
printf 'In the beginning the cat\nsang: caf\xc3\xa9 \xe2\x80\x94 "singing" at the gate' > "$T/text.txt"
printf 'the cat sat in the hat' > "$T/short.txt"

# ref NAME MODEL TEXT BOARD ENGINE: eval's JSON in $T/NAME.json, then run --logits on the same text,
# and the cross-entropy from those logits in numpy; prints "ok" or why not
ref() {
	local name=$1 model=$2 text=$3 board=$4 engine=$5
	$M eval --model "$T/$model" --text "$text" --board "$board" --engine "$engine" --json \
		> "$T/$name.json" 2> "$T/$name.err" || { echo "eval failed: $(cat "$T/$name.err")"; return; }
	$M run --model "$T/$model" --board "$board" --engine "$engine" --prompt "$(cat "$text")" \
		--max-new 0 --quiet --logits "$T/$name.f32" --json > "$T/$name.run.json" 2> "$T/$name.run.err" \
		|| { echo "run failed: $(cat "$T/$name.run.err")"; return; }
	$PY - "$T/$name.f32" "$T/$name.run.json" "$T/$name.json" "$(wc -c < "$text")" <<'EOF'
import json, sys
import numpy as np
f32, run_json, eval_json, nbytes = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ids = json.load(open(run_json))["prompt_ids"]
ev = json.load(open(eval_json))
lg = np.fromfile(f32, dtype="<f4").astype(np.float64).reshape(len(ids), -1)
# row i: the logits after ids[i]; it scores ids[i + 1]
mx = lg[:-1].max(axis=1)
lse = mx + np.log(np.exp(lg[:-1] - mx[:, None]).sum(axis=1))
bits = (lse - lg[np.arange(len(ids) - 1), ids[1:]]) / np.log(2)
want = {"bytes": nbytes, "tokens": len(ids) - 1, "bits_per_byte": bits.sum() / nbytes,
        "bits_per_token": bits.sum() / (len(ids) - 1)}
bad = [f"{k} {ev[k]} != {v}" for k, v in want.items()
       if (abs(ev[k] - v) > 1e-9 if isinstance(v, float) else ev[k] != v)]
print("; ".join(bad) if bad else "ok")
EOF
}
# field NAME KEY: a member of eval's JSON NAME
field() { jq -r ".$2" "$T/$1.json" 2>/dev/null; }
# evaljs NAME ARGS...: eval --json into $T/NAME.json
evaljs() { local name=$1; shift; $M eval --model "$T/m" --json "$@" > "$T/$name.json" 2> "$T/$name.err"; }
expect() {  # expect NAME WHAT GOT WANTED
	if [ "$3" = "$4" ]; then ok "$1" "$2 = $3"; else no "$1" "$2: got '$3', expected '$4'"; fi
}

# ---- against the logits of mmfree run ----
for e in tac lut; do
	r=$(ref "host-$e" m "$T/text.txt" host $e)
	if [ "$r" = ok ]; then ok "cross-entropy-host-$e" "$(field "host-$e" bits_per_byte) bits/byte"
	else no "cross-entropy-host-$e" "$r"; fi
done
r=$(ref bpe bpe "$T/text.txt" host tac)
if [ "$r" = ok ] && [ "$(field bpe tokens)" -lt "$(field bpe bytes)" ]; then
	ok cross-entropy-tokenizer-json "$(field bpe bits_per_byte) bits/byte, $(field bpe bits_per_token) \
bits/token, $(field bpe tokens) tokens for $(field bpe bytes) bytes"
else no cross-entropy-tokenizer-json "$r; tokens $(field bpe tokens), bytes $(field bpe bytes)"; fi
if $M eval --model "$T/bpe" --text "$T/text.txt" 2>&1 | grep -q '^bits/token'; then ok bits-per-token-shown
else no bits-per-token-shown "no bits/token line for a tokenizer.json"; fi

# ---- host (the default board) and sim: the same bits ----
r=$(ref sim-lut m "$T/short.txt" 'sim?timeout_ms=5' lut)
if [ "$r" = ok ]; then ok sim-cross-entropy; else no sim-cross-entropy "$r"; fi
evaljs host-short --text "$T/short.txt" --engine lut
expect host-sim-same "total bits on host and sim" "$(field sim-lut total_bits)" "$(field host-short total_bits)"
check sim-board-clock jqok "$(cat "$T/sim-lut.json")" '.board_cycles > 0 and .tokens_per_s_at_clock > 0'

# ---- --max-bytes and --window ----
head -c 20 "$T/text.txt" > "$T/head20.txt"
evaljs max20 --text "$T/text.txt" --max-bytes 20
evaljs head20 --text "$T/head20.txt"
expect max-bytes "bytes" "$(field max20 bytes)" 20
expect max-bytes-prefix "total bits of the first 20 bytes" "$(field max20 total_bits)" "$(field head20 total_bits)"
# --max-bytes 35 cuts inside the 2-byte e-acute (offsets 34, 35): the cut moves back before it
evaljs max35 --text "$T/text.txt" --max-bytes 35
expect max-bytes-utf8 "bytes (cut back to the e-acute's first byte)" "$(field max35 bytes)" 34
head -c 22 "$T/text.txt" | tail -c 11 > "$T/b.txt"
head -c 11 "$T/text.txt" > "$T/a.txt"
evaljs win --text "$T/text.txt" --max-bytes 22 --window 11
evaljs a --text "$T/a.txt"
evaljs b --text "$T/b.txt"
r=$($PY -c 'import sys; w, a, b = map(float, sys.argv[1:]); print("ok" if abs(w - a - b) < 1e-9 else f"{w} != {a} + {b}")' \
	"$(field win total_bits)" "$(field a total_bits)" "$(field b total_bits)" 2>&1)
if [ "$r" = ok ]; then ok window "two windows of 11 bytes = the two halves evaluated alone"; else no window "$r"; fi

# ---- progress: on a terminal only ----
head -c 300 /dev/zero | tr '\0' 'a' > "$T/a300.txt"
$M eval --model "$T/m" --text "$T/a300.txt" > /dev/null 2> "$T/quiet.err"
expect no-progress-off-terminal "stderr bytes when not a terminal" "$(wc -c < "$T/quiet.err")" 0
if command -v script > /dev/null; then
	script -qec "$M eval --model '$T/m' --text '$T/a300.txt' 2>&1 >/dev/null" /dev/null > "$T/tty.out" 2>&1
	if grep -q 'evaluating' "$T/tty.out"; then ok progress-on-terminal; else no progress-on-terminal "$(cat "$T/tty.out")"; fi
fi

# ---- bad input: the message names the problem; 1 for the file, 2 for the usage ----
: > "$T/empty.txt"
printf 'text\0more' > "$T/nul.txt"
printf 'text \xff\xfe more' > "$T/latin.txt"
printf 'over \xc0\xaf long' > "$T/overlong.txt"
# refuse_code NAME CODE PATTERN ARGS...: eval ARGS fails with exit CODE and PATTERN in its message
refuse_code() {
	local name=$1 code=$2 pat=$3 out rc; shift 3
	out=$($M eval "$@" 2>&1); rc=$?
	if [ $rc -ne "$code" ]; then no "$name" "exit $rc, expected $code: $out"
	elif grep -q -- "$pat" <<<"$out"; then ok "$name"
	else no "$name" "message lacks '$pat': $out"; fi
}
refuse_code missing-file 1 "$T/none.txt: No such file" --model "$T/m" --text "$T/none.txt"
refuse_code empty-file 1 "empty" --model "$T/m" --text "$T/empty.txt"
refuse_code nul-byte 1 "binary, not text: a NUL byte at offset 4" --model "$T/m" --text "$T/nul.txt"
refuse_code not-utf8 1 "byte 0xff at offset 5 is not UTF-8" --model "$T/m" --text "$T/latin.txt"
refuse_code overlong-utf8 1 "byte 0xc0 at offset 5 is not UTF-8" --model "$T/m" --text "$T/overlong.txt"
refuse_code directory 1 "is a directory" --model "$T/m" --text "$T"
mkfifo "$T/fifo.txt"
refuse_code fifo 1 "a FIFO, not a regular file" --model "$T/m" --text "$T/fifo.txt"   # not waited on
refuse_code max-bytes-abc 2 "max-bytes 'abc': not a whole number" --model "$T/m" --text "$T/text.txt" --max-bytes abc
refuse_code max-bytes-0 2 "max-bytes: at least 1" --model "$T/m" --text "$T/text.txt" --max-bytes 0
refuse_code max-bytes-neg 2 "max-bytes '-1': not a whole number" --model "$T/m" --text "$T/text.txt" --max-bytes -1
refuse_code max-bytes-tail 2 "max-bytes '12x'" --model "$T/m" --text "$T/text.txt" --max-bytes 12x
refuse_code window-0 2 "window: at least 1" --model "$T/m" --text "$T/text.txt" --window 0
refuse_code unknown-option 2 "unknown option '--bogus'" --model "$T/m" --text "$T/text.txt" --bogus
refuse_code option-twice 2 "--max-bytes given twice" --model "$T/m" --text "$T/text.txt" --max-bytes 5 --max-bytes 6
refuse_code no-text 2 "text FILE is required" --model "$T/m"
refuse_code no-model 2 "model DIR is required" --text "$T/text.txt"
refuse_code bad-engine 2 "engine 'tax'" --model "$T/m" --text "$T/text.txt" --engine tax
refuse_code missing-model 1 "load model" --model "$T/none" --text "$T/text.txt"
# a binary file is refused before the model is loaded: the text's message, not the model's
refuse_code text-checked-first 1 "NUL byte" --model "$T/none" --text "$T/nul.txt"
if "$M" eval --help | grep -q '^usage: mmfree eval'; then ok help; else no help "no usage line"; fi

finish eval
