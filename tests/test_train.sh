#!/usr/bin/env bash
# test_train.sh: the trainer (tools/train/) as an independent check of the runtime.
#
# - the KJV split is the one the model card states (1189 chapters, every 20th held out);
# - the chunked scan equals the recurrence taken one token at a time;
# - a tiny model (d 32, 2 layers) trained for 40 steps: the loss falls;
# - its export (config.json + bf16 model.safetensors, written by hand) loads in `mmfree run`;
# - PyTorch's quantised forward (written from docs/model.md, not from host/) and `mmfree run --board
#   host --logits` agree on the same ids within docs/reference.md's tolerance (tests/ref/compare.py),
#   for both ternary engines; and the comparison can fail: the float forward (no quantisation) on
#   the same ids is refused;
# - the shipped model (models/kjv-ternary) loads, and on a KJV prompt mmfree's logits and PyTorch's agree
#   the same way; so do the power-of-two model (models/kjv-pow2) on sac and PyTorch's pow2 forward;
# - each shipped model's `mmfree eval` on the first 1024 held-out bytes is the figure its card states
#   (within 0.001 bits per byte), and its greedy text is at least 80% training-text words.
# Needs `bash scripts/deps.sh train` (python3-torch, bible-kjv) and build/bin/mmfree. ~1 minute.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh
PY=/usr/bin/python3
T=tools/train/train.py
M=build/bin/mmfree
OUT=build/tests/train
rm -rf "$OUT"
mkdir -p "$OUT"
export OMP_NUM_THREADS=1
$PY -c 'import torch' 2>/dev/null || { echo "train: $PY has no torch (bash scripts/deps.sh train)"; exit 1; }
command -v bible > /dev/null || { echo "train: no bible program (bash scripts/deps.sh train)"; exit 1; }

# the split: every 20th chapter held out; the held-out text starts with Genesis 20:1, reference stripped
if $PY $T prep --out "$OUT/kjv" > "$OUT/prep.log" 2>&1 && grep -q "1189 chapters, 59 held out" "$OUT/prep.log" &&
	head -n 1 "$OUT/kjv/heldout.txt" | grep -q '^And Abraham journeyed from thence toward the south country'; then
	ok split "$(cat "$OUT/prep.log")"
else
	no split "$(cat "$OUT/prep.log"; head -c 200 "$OUT/kjv/heldout.txt" 2>/dev/null)"
fi

# the chunked scan is the recurrence (lengths around the chunk size, a carried-in state)
check scan $PY -c 'import sys, torch; sys.path.insert(0, "tools/train"); import hgrn
for n in (1, 15, 16, 17, 50):
    f = torch.rand(3, n, 5, dtype=torch.float64); c = torch.randn(3, n, 5, dtype=torch.float64)
    s0 = torch.randn(3, 5, dtype=torch.float64)
    d = (hgrn.scan(f, c, s0) - hgrn.scan_loop(f, c, s0)).abs().max().item()
    assert d < 1e-12, "T=%d: max diff %g" % (n, d)'

# a tiny model for a few dozen steps: the mean loss of the last 10 steps is below the first 10's
$PY $T train --data "$OUT/kjv" --out "$OUT/tiny" --hidden 32 --layers 2 --intermediate 64 --steps 40 \
	--batch 8 --seq 64 --lr 1e-2 --warmup 5 --seed 3 --log-every 1 --eval-every 40 --eval-bytes 2048 \
	> "$OUT/train.log" 2>&1
if fall=$(awk '$1 == "step" { l[n++] = $4 } END { if (n < 40) exit 1; for (i = 0; i < 10; i++) { a += l[i]; b += l[n - 1 - i] }
	printf "first 10 steps %.3f, last 10 %.3f", a / 10, b / 10; exit !(b < a - 0.3) }' "$OUT/train.log"); then
	ok "loss falls" "$fall"
else
	no "loss falls" "$fall$(tail -5 "$OUT/train.log")"
fi

# the export loads in mmfree; same ids, both ternary engines: mmfree's logits vs PyTorch's
prompt=1,55,107,35,101,104,106,109,109,108,109,106
for e in tac lut; do
	if $M run --model "$OUT/tiny" --board host --engine $e --prompt-ids $prompt --max-new 6 --greedy \
		--logits "$OUT/run-$e.f32" --json > "$OUT/run-$e.json" 2> "$OUT/run-$e.err"; then
		ok "mmfree loads the export ($e)"
	else
		no "mmfree loads the export ($e)" "$(cat "$OUT/run-$e.err")"; continue
	fi
	ids=$(jq -r '(.prompt_ids + .generated_ids) | map(tostring) | join(",")' "$OUT/run-$e.json")
	$PY $T logits --model "$OUT/tiny" --ids "$ids" --out "$OUT/torch.f32"
	check "logits agree ($e)" $PY tests/ref/compare.py --vocab 259 --layers 2 "$OUT/run-$e.f32" "$OUT/torch.f32"
done
# the comparison can tell: PyTorch's float forward (latent weights, no quantisation) is refused
$PY $T logits --model "$OUT/tiny" --ids "$ids" --out "$OUT/float.f32" --float
refuse "float forward refused" "rel" $PY tests/ref/compare.py --vocab 259 --layers 2 "$OUT/run-lut.f32" "$OUT/float.f32"

# the shipped model: loads, agrees with PyTorch on a KJV prompt (the lut engine the demo uses)
K=models/kjv-ternary
if $M run --model $K --board host --engine lut --prompt "And God said, Let there be" --max-new 16 --greedy \
	--logits "$OUT/kjv-run.f32" --json > "$OUT/kjv-run.json" 2> "$OUT/kjv-run.err"; then
	ok "shipped model loads" "$(jq -r '.text' "$OUT/kjv-run.json" | tr '\n' ' ')"
	ids=$(jq -r '(.prompt_ids + .generated_ids) | map(tostring) | join(",")' "$OUT/kjv-run.json")
	$PY $T logits --model $K --ids "$ids" --out "$OUT/kjv-torch.f32"
	check "shipped model: logits agree" $PY tests/ref/compare.py --vocab 259 --layers "$(jq .num_hidden_layers $K/config.json)" \
		"$OUT/kjv-run.f32" "$OUT/kjv-torch.f32"
else
	no "shipped model loads" "$(cat "$OUT/kjv-run.err")"
fi

# the power-of-two model: mmfree's sac engine and PyTorch's pow2 forward (its own quantiser, from
# docs/datapaths.md's code set) agree on the same ids within docs/reference.md's tolerance, and the
# ternary forward on the same ids is refused (the comparison tells the two weight sets apart)
K2=models/kjv-pow2
if $M run --model $K2 --board host --engine sac --prompt "And God said, Let there be" --max-new 16 --greedy \
	--logits "$OUT/pow2-run.f32" --json > "$OUT/pow2-run.json" 2> "$OUT/pow2-run.err"; then
	ids=$(jq -r '(.prompt_ids + .generated_ids) | map(tostring) | join(",")' "$OUT/pow2-run.json")
	$PY $T logits --model $K2 --ids "$ids" --out "$OUT/pow2-torch.f32" --quant pow2
	$PY $T logits --model $K2 --ids "$ids" --out "$OUT/pow2-tern.f32" --quant ternary
	check "pow2 model: logits agree (sac)" $PY tests/ref/compare.py --vocab 259 --layers "$(jq .num_hidden_layers $K2/config.json)" \
		"$OUT/pow2-run.f32" "$OUT/pow2-torch.f32"
	refuse "pow2 model: ternary forward refused" "rel" $PY tests/ref/compare.py --vocab 259 \
		--layers "$(jq .num_hidden_layers $K2/config.json)" "$OUT/pow2-run.f32" "$OUT/pow2-tern.f32"
else
	no "pow2 model loads" "$(cat "$OUT/pow2-run.err")"
fi

# each shipped model, on the engine it was trained for: `mmfree eval` on the first 1024 bytes of the
# held-out split gives the figure its model card states, within 0.001 bits per byte (the card rounds
# to 4 decimals; a different number means the weights, the split or the runtime's arithmetic moved);
# and its greedy text from "In the beginning" is at least 80% words of the training text
for me in kjv-ternary:lut kjv-pow2:sac; do
	m=models/${me%%:*} e=${me##*:}
	want=$(awk -F'|' '/^\| the first 1024 bytes of heldout.txt \|/ { gsub(/ /, "", $4); print $4 }' $m/README.md)
	got=$($M eval --model $m --text "$OUT/kjv/heldout.txt" --max-bytes 1024 --engine $e --json 2> "$OUT/eval-$e.err" |
		jq -r .bits_per_byte)
	if [ -n "$want" ] && [ -n "$got" ] && awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; exit !(d < 0.001 && d > -0.001) }'; then
		ok "${m#models/}: card's held-out figure" "mmfree eval --engine $e, first 1024 bytes: $got, card $want"
	else
		no "${m#models/}: card's held-out figure" "got '$got', card '$want' $(cat "$OUT/eval-$e.err")"
	fi
	$M run --model $m --board host --engine $e --prompt "In the beginning" --max-new 300 --greedy \
		> "$OUT/greedy-$e.txt" 2> /dev/null
	check "${m#models/}: greedy words in the training vocabulary" $PY tools/train/words.py "$OUT/kjv/train.txt" \
		"$OUT/greedy-$e.txt" --min 80
done
finish train
