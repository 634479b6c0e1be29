#!/usr/bin/env bash
# test_ref.sh: the float64 model reference checks itself, without the C runtime (docs/reference.md).
# Hand-worked unit checks; random checkpoints from write_ckpt.py (non-power-of-two shapes, every dtype,
# 1 to 3 shards) run in float64 with greedy tokens and again in float32 teacher-forced on the same ids,
# which must agree within the stated tolerance (the float32 run stands in for a float32 runtime); the
# integer dot products checked against int64; a wrong logits file refused with its row and column;
# every harmful mutant of the model caught. One line per check, the last "test_ref: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
PY=/usr/bin/python3
REF=tests/ref/mmf_ref.py
OUT=build/tests/ref
rm -rf "$OUT"
mkdir -p "$OUT"
passed=0 failed=0

pass() { passed=$((passed + 1)); printf 'PASS %-34s %s\n' "$1" "${2:-}"; }
fail() {
	failed=$((failed + 1))
	printf 'FAIL %-34s %s\n' "$1" "${2:-}"
	[ -n "${3:-}" ] && [ -s "$3" ] && tail -n 8 "$3" | sed 's/^/     | /'
	return 0
}

if ! $PY -c 'import numpy' 2>/dev/null; then
	fail numpy "$PY has no numpy: apt-get install python3-numpy (scripts/deps.sh does)"
	echo "test_ref: $passed passed, $failed failed"
	exit 1
fi

if $PY tests/ref/test_units.py > "$OUT/units.log" 2>&1; then
	pass units "$(tail -n 1 "$OUT/units.log")"
else
	fail units "" "$OUT/units.log"
fi

# float32 against float64. case: NAME HIDDEN LAYERS VOCAB INTERMEDIATE(- = null) DTYPE SHARDS SEED PROMPT
case_f32() {
	local name=$1 d=$2 l=$3 v=$4 i=$5 dt=$6 sh=$7 seed=$8 prompt=$9
	local dir=$OUT/$name log=$OUT/$name.log
	local iopt=()
	[ "$i" != - ] && iopt=(--intermediate "$i")
	if ! $PY tests/ref/write_ckpt.py --out "$dir" --hidden "$d" --layers "$l" --vocab "$v" "${iopt[@]}" \
		--dtype "$dt" --shards "$sh" --seed "$seed" > "$log" 2>&1; then
		fail "$name" "write_ckpt failed" "$log"; return
	fi
	# float64 with 4 greedy tokens, then float32 teacher-forced on prompt + generated ids
	local js ids
	if ! js=$($PY $REF --model "$dir" --prompt-ids "$prompt" --max-new 4 --logits "$dir/ref64.f32" --json 2>> "$log"); then
		fail "$name" "float64 run failed" "$log"; return
	fi
	ids=$(jq -r '(.prompt_ids + .generated_ids) | map(tostring) | join(",")' <<<"$js")
	if ! $PY $REF --model "$dir" --prompt-ids "$ids" --dtype float32 --logits "$dir/ref32.f32" >> "$log" 2>&1; then
		fail "$name" "float32 run failed" "$log"; return
	fi
	# the float64 rows teacher-forced on the same ids are the rows of the greedy run
	if ! $PY $REF --model "$dir" --prompt-ids "$ids" --logits "$dir/tf64.f32" >> "$log" 2>&1 ||
		! cmp -s "$dir/ref64.f32" "$dir/tf64.f32"; then
		fail "$name" "teacher-forced float64 rows differ from the greedy run's" "$log"; return
	fi
	if $PY $REF --model "$dir" --prompt-ids "$ids" --compare "$dir/ref32.f32" >> "$log" 2>&1; then
		pass "$name" "d$d L$l V$v I$(jq .intermediate <<<"$js") $dt x$sh: $(tail -n 1 "$log" | sed 's/^mmf_ref: //')"
	else
		fail "$name" "float32 outside the tolerance" "$log"
	fi
}

case_f32 d48-bf16        48 2 300 -   bf16 1 1 1,5,9,42,7,100,3,250
case_f32 d80-i200-f16-x2 80 3 300 200 f16  2 2 1,2,3,4,5,6,7,8
case_f32 d64-f32-x3      64 1 257 -   f32  3 3 256,0,1,128,64
case_f32 d48-L4-bf16-x2  48 4 300 -   bf16 2 4 9,8,7,6,5,4,3,2,1,0
case_f32 d96-f16         96 2 500 160 f16  1 5 1,499,2,498
# seed 11 with these ids: activation codes flip from row 4 on (float32 rounds some y*s_x across a .5)
case_f32 d128-L4-flips   128 4 1000 - bf16 1 11 133,128,797,499,590,601,712,28

# the float32 dot products of integer codes are exact: every product checked against int64
if MMF_REF_CHECK_INT=1 $PY $REF --model "$OUT/d80-i200-f16-x2" --prompt-ids 1,2,3 --max-new 2 > "$OUT/check-int.log" 2>&1; then
	pass exact-int-dot "float32 sums of codes == int64 sums"
else
	fail exact-int-dot "" "$OUT/check-int.log"
fi

# a wrong model's logits are refused, naming the row and column: seed 99 instead of 1
$PY tests/ref/write_ckpt.py --out "$OUT/other" --hidden 48 --layers 2 --vocab 300 --seed 99 > /dev/null 2>&1
$PY $REF --model "$OUT/other" --prompt-ids 1,5,9,42,7,100,3,250 --logits "$OUT/other.f32" > /dev/null 2>&1
if $PY $REF --model "$OUT/d48-bf16" --prompt-ids 1,5,9,42,7,100,3,250 --compare "$OUT/other.f32" > "$OUT/wrong.log" 2>&1; then
	fail refuse-wrong-model "another model's logits passed" "$OUT/wrong.log"
elif grep -Eq 'row [0-9]+ col [0-9]+: ' "$OUT/wrong.log"; then
	pass refuse-wrong-model "$(grep -Em1 'row [0-9]+ col' "$OUT/wrong.log" | cut -c1-90)"
else
	fail refuse-wrong-model "no 'row R col C' in the message" "$OUT/wrong.log"
fi
# ... and so is a file with a row missing (compare.py on two files)
head -c $((300 * 4 * 7)) "$OUT/d48-bf16/ref64.f32" > "$OUT/short.f32"
if $PY tests/ref/compare.py --vocab 300 --layers 2 "$OUT/short.f32" "$OUT/d48-bf16/tf64.f32" > "$OUT/short.log" 2>&1; then
	fail refuse-missing-row "a short file passed" "$OUT/short.log"
elif grep -q "7 rows" "$OUT/short.log"; then
	pass refuse-missing-row "$(head -n 1 "$OUT/short.log" | cut -c1-90)"
else
	fail refuse-missing-row "message does not give the row counts" "$OUT/short.log"
fi

# the tolerance is meaningful: each plausible bug moves the logits beyond it
if $PY tests/ref/mutants.py --quick > "$OUT/mutants.log" 2>&1; then
	pass mutants "$(tail -n 1 "$OUT/mutants.log")"
else
	fail mutants "" "$OUT/mutants.log"
fi

echo "test_ref: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
