#!/usr/bin/env bash
# test_model_ref.sh: the C runtime end to end against the independent float64 reference
# (tests/ref/mmf_ref.py, docs/reference.md).
#
# For each case (shape, dtype, shards, seed): `mmfree mkmodel` writes a random checkpoint (one case's
# checkpoint comes from tests/ref/write_ckpt.py instead, so the C loader also reads a file it did not
# write); `mmfree run` generates 4 greedy tokens on each board (host, and sim unless MMF_TEST_SIM=0)
# and engine (tac, lut), writing its logits; host and sim logits must be byte-identical per engine; each
# run's logits must agree with the reference teacher-forced on the same prompt + generated ids, within
# the tolerance of docs/reference.md (max |diff| <= 0.1*sqrt(layers)*max|ref row| + 1e-4 per row;
# argmax equal unless a near tie), and the ids the runtime generated must be its own logits' argmax.
# One line per case; the last line "model-ref: N cases passed" (or "..., M failed"); exit 1 on a failure.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
M=${MMFREE:-build/bin/mmfree}   # MMFREE=tests/ref/fake_mmfree.py: a dry run of this script
PY=/usr/bin/python3
REF=tests/ref/mmf_ref.py
OUT=build/tests/model_ref
SIM=${MMF_TEST_SIM:-1}
rm -rf "$OUT"
mkdir -p "$OUT"
passed=0 failed=0 failed_names=()

for need in "$M" jq; do
	command -v "$need" > /dev/null || { echo "model-ref: $need not found (make programs; scripts/deps.sh)"; exit 1; }
done
$PY -c 'import numpy' 2>/dev/null || { echo "model-ref: $PY has no numpy (scripts/deps.sh)"; exit 1; }

boards=(host)
[ "$SIM" = 1 ] && boards+=(sim)
engines=(tac lut)

# case NAME WRITER(c|py) HIDDEN LAYERS VOCAB INTERMEDIATE(- = default) DTYPE SHARDS SEED PROMPT
case_run() {
	local name=$1 writer=$2 d=$3 l=$4 v=$5 i=$6 dt=$7 sh=$8 seed=$9 prompt=${10}
	local dir=$OUT/$name log=$OUT/$name.log why=""
	local iopt=()
	[ "$i" != - ] && iopt=(--intermediate "$i")
	: > "$log"
	if [ "$writer" = c ]; then
		$M mkmodel --out "$dir" --hidden "$d" --layers "$l" --vocab "$v" "${iopt[@]}" --shards "$sh" \
			--dtype "$dt" --seed "$seed" >> "$log" 2>&1 || why="mkmodel failed"
	else
		$PY tests/ref/write_ckpt.py --out "$dir" --hidden "$d" --layers "$l" --vocab "$v" "${iopt[@]}" \
			--shards "$sh" --dtype "$dt" --seed "$seed" >> "$log" 2>&1 || why="write_ckpt.py failed"
	fi
	local shape="d$d L$l V$v I$i $dt x$sh ($writer)"
	local b e report=""
	declare -A ids_of=()
	for e in "${engines[@]}"; do
		[ -n "$why" ] && break
		for b in "${boards[@]}"; do
			if ! $M run --model "$dir" --board "$b" --engine "$e" --prompt-ids "$prompt" --max-new 4 --greedy \
				--logits "$dir/$b-$e.f32" --json > "$dir/$b-$e.json" 2>> "$log"; then
				why="run --board $b --engine $e failed"; break
			fi
			local ids
			ids=$(jq -r '(.prompt_ids + .generated_ids) | map(tostring) | join(",")' "$dir/$b-$e.json" 2>> "$log")
			if [ -z "$ids" ] || [ "$(jq -r '.prompt_ids | map(tostring) | join(",")' "$dir/$b-$e.json")" != "$prompt" ]; then
				why="$b/$e: --json has no prompt_ids $prompt + generated_ids"; break
			fi
			ids_of[$b-$e]=$ids
		done
		[ -n "$why" ] && break
		# the simulated board computes the same integers as the C model: the logits are the same bytes
		if [ "$SIM" = 1 ] && ! cmp -s "$dir/host-$e.f32" "$dir/sim-$e.f32"; then
			why="$e: host and sim logits differ ($(cmp "$dir/host-$e.f32" "$dir/sim-$e.f32" 2>&1 | head -n 1))"; break
		fi
		# the generated ids are the runtime's own argmax: row P-1+k chose generated token k
		local am gen
		am=$($PY -c 'import sys, numpy as np
a = np.fromfile(sys.argv[1], dtype="<f4").reshape(-1, int(sys.argv[2])).argmax(1)
p = int(sys.argv[3]); print(",".join(str(int(t)) for t in a[p - 1:-1]))' "$dir/host-$e.f32" "$v" \
			"$(jq '.prompt_ids | length' "$dir/host-$e.json")" 2>> "$log")
		gen=$(jq -r '.generated_ids | map(tostring) | join(",")' "$dir/host-$e.json")
		if [ "$am" != "$gen" ]; then
			why="$e: generated ids $gen are not the argmax of the runtime's own logits ($am)"; break
		fi
		# the reference, teacher-forced on what this engine generated
		local ids=${ids_of[host-$e]} js
		if ! js=$($PY $REF --model "$dir" --prompt-ids "$ids" --compare "$dir/host-$e.f32" --json 2>> "$log"); then
			why="$e: $(grep -m1 -E '^mmf_ref: (row|shape)' "$log" | sed 's/^mmf_ref: //')"
			[ -z "$js" ] && why="$e: the reference failed (log: $log)"
			break
		fi
		local mad rel rtol agree rows ties
		read -r mad rel rtol agree rows ties < <(jq -r '.compare | [.max_abs_diff, .max_rel_diff, .rtol,
			.argmax_agree, .rows, .argmax_near_ties] | @tsv' <<<"$js")
		report+=$(printf '  %s: max|diff| %.3g rel %.3g (tol %.3g) argmax %d/%d' "$e" "$mad" "$rel" "$rtol" "$agree" "$rows")
		[ "$ties" -gt 0 ] && report+=" ($ties near ties)"
		[ "$i" = - ] && shape="d$d L$l V$v I$(jq .intermediate <<<"$js")(null) $dt x$sh ($writer)"
	done
	if [ -z "$why" ]; then
		passed=$((passed + 1))
		local same="tac==lut"
		cmp -s "$dir/host-tac.f32" "$dir/host-lut.f32" || same="tac!=lut"
		printf 'PASS %-18s %s%s  %s\n' "$name" "$shape" "$report" "$same"
	else
		failed=$((failed + 1)); failed_names+=("$name")
		printf 'FAIL %-18s %s: %s\n' "$name" "$shape" "$why"
		tail -n 6 "$log" | sed 's/^/     | /'
	fi
}

case_run d48-bf16        c  48  2 300  -   bf16 1 1 1,5,9,42,7,100
case_run d80-i200-f16-x2 c  80  3 300  200 f16  2 2 1,2,3,4,5,6,7,8
case_run d64-f32-x3      c  64  1 257  -   f32  3 3 256,0,1,128
case_run d48-L4-bf16-x2  c  48  4 300  -   bf16 2 4 9,8,7,6,5,4,3,2,1,0
case_run d96-i160-f16    c  96  2 500  160 f16  1 5 1,499,2,498
case_run d128-L4-bf16    c  128 4 1000 -   bf16 1 6 17,900,3,44,512
case_run py-d80-bf16-x2  py 80  3 300  200 bf16 2 7 1,2,3,250
case_run py-d48-f16      py 48  2 300  -   f16  1 8 5,6,7

[ $failed -ne 0 ] && echo "failed: ${failed_names[*]}"
if [ $failed -eq 0 ]; then
	echo "model-ref: $passed cases passed"
else
	echo "model-ref: $passed cases passed, $failed failed"
fi
[ $failed -eq 0 ]
