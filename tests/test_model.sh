#!/usr/bin/env bash
# The MatMul-free LM runtime end to end, on checkpoints written by `mmfree mkmodel`. Proves:
#  - the host kernels (`host`, the default board), the board's C model behind the link (`cpu`) and
#    the SoC's RTL (`sim`, fast and UART mode) give byte-identical logits for every engine (same
#    integers, same float order), resident and streamed placement alike; `cpu` is a board (cycles,
#    the energy estimate), `host` is none;
#  - K wider than an engine's activation buffer is cut into tiles and still matches;
#  - the link path with 1e-3 of its bytes damaged gives the same logits, retries counted;
#  - generation is repeatable (greedy and seeded sampling), stops at --max-new, and the JSON has
#    the ids, text and board figures; bytes that are not UTF-8 still give valid UTF-8 JSON, with
#    the exact bytes in hex;
#  - the quantisers round exact ties as upstream does (host_quant: activations away from zero,
#    weights to even);
#  - progress on a terminal: one bar for the whole placement, cleared before a report;
#  - bad input is refused with a message that names it, and nothing is left half-written.
set -uo pipefail
cd "$(dirname "$0")/.."
M=build/bin/mmfree
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/lib.sh

# the quantisers on exact ties: activation codes half away from zero, weight codes half to even
check host-quant build/bin/host_quant

# small: resident on the board; intermediate 1200 > lut's 1152 columns: down_proj takes two tiles
$M mkmodel --out "$T/small" --hidden 48 --layers 2 --vocab 300 --intermediate 1200 --seed 3 >/dev/null \
	|| { echo "mkmodel failed"; exit 1; }
# big: 17k+ packed words, more than the board's 16384: streamed every token
$M mkmodel --out "$T/big" --hidden 128 --layers 2 --vocab 259 --seed 4 >/dev/null || exit 1

IDS=1,70,80,90,100
run() {  # run NAME MODEL BOARD ENGINE [extra...]: logits to $T/NAME.f32, JSON to $T/NAME.json
	local name=$1 model=$2 board=$3 engine=$4; shift 4
	$M run --model "$T/$model" --board "$board" --engine "$engine" --prompt-ids $IDS --max-new 3 \
		--greedy --logits "$T/$name.f32" --json "$@" > "$T/$name.json" 2> "$T/$name.err"
}
same() {  # same NAME A B: logits files identical, and not empty
	if [ -s "$T/$2.f32" ] && cmp -s "$T/$2.f32" "$T/$3.f32"; then ok "$1";
	else no "$1" "$(cat "$T/$2.err" "$T/$3.err" 2>/dev/null)"; fi
}

for e in tac lut sac; do
	run "host-$e" small host $e
	run "cpu-$e" small cpu $e
	run "sim-$e" small 'sim?timeout_ms=5' $e
	same "host-sim-identical-$e" "host-$e" "sim-$e"
	same "host-cpu-identical-$e" "host-$e" "cpu-$e"
done
# `cpu` is the board's C model behind the link: a board with cycles and the energy estimate; `host`
# (the hls_c kernels, no link) is no board
check cpu-is-a-board jqok "$(cat "$T/cpu-tac.json")" \
	'.board == "cpu" and .on_board == true and .board_cycles > 0 and .energy_estimate.estimate == true'
check host-is-no-board jqok "$(cat "$T/host-tac.json")" '.board == "host" and .on_board == false'
j=$($M run --model "$T/small" --prompt-ids 1 --max-new 1 --json 2>/dev/null)
check default-board-host jqok "$j" '.board == "host" and .on_board == false'
check resident-on-sim jqok "$(cat "$T/sim-lut.json")" '.resident == true and .on_board == true'
check logits-rows jqok "$(cat "$T/host-tac.json")" "(.generated_ids | length) == 3"
rows=$(( $(stat -c %s "$T/host-tac.f32") / (300 * 4) ))
[ "$rows" -eq 8 ] && ok "logits-file-8-rows" || no "logits-file-8-rows" "$rows rows"
# a clean link needs no retransmission (deadlines run in simulated time, not wall time)
check no-retries-clean-link jqok "$(cat "$T/sim-tac.json")" '.link_retries == 0 and .link_timeouts == 0'
# the energy estimate comes from the board's counters and says it is one
check energy-estimate jqok "$(cat "$T/sim-tac.json")" \
	'.energy_estimate.estimate == true and .energy_estimate.measured == false and .energy_estimate.j_per_token > 0 and .energy_estimate.idle_w > 0'
check json-board-figures jqok "$(cat "$T/sim-tac.json")" \
	'.board_cycles > 0 and .tokens_per_s_at_clock > 0 and .link_bytes_per_token > 0 and .engine_busy_cycles > 0'

run sim-uart small 'sim?uart=1&timeout_ms=5' lut
same host-sim-uart-identical host-lut sim-uart

run faults small 'cpu?faults=1e-3&seed=9' tac
same faults-identical host-tac faults
check faults-retried jqok "$(cat "$T/faults.json")" '.link_retries > 0'

run big-host big host tac
run big-sim big 'sim?timeout_ms=5' tac
same streamed-identical big-host big-sim
check streamed-on-sim jqok "$(cat "$T/big-sim.json")" '.resident == false and .upload_words > 0'

# repeatable generation: greedy twice, seeded sampling twice
a=$($M run --model "$T/small" --prompt-ids 1,5 --max-new 6 --temperature 0.8 --seed 7 --json | jq -c .generated_ids)
b=$($M run --model "$T/small" --prompt-ids 1,5 --max-new 6 --temperature 0.8 --seed 7 --json | jq -c .generated_ids)
[ "$a" = "$b" ] && [ -n "$a" ] && ok sampling-repeatable || no sampling-repeatable "$a vs $b"
c=$($M run --model "$T/small" --prompt 'hello world' --max-new 4 --json)
check prompt-text jqok "$c" '(.prompt_ids | length) == 12 and .prompt_ids[0] == 1'
# bytes that are not UTF-8 (a byte-level vocabulary sampled at random): the JSON is still UTF-8 that
# a strict reader takes, each bad byte is U+FFFD in "text", and "text_hex" holds the exact bytes
$M run --model "$T/big" --prompt-ids 1,5 --max-new 16 --temperature 1 --seed 1 --json >"$T/bytes.json" 2>&1
check json-not-utf8-text python3 -c '
import json, sys
raw = open(sys.argv[1], "rb").read()
d = json.loads(raw.decode("utf-8"))
b = bytes.fromhex(d["text_hex"])
try:
    b.decode("utf-8"); sys.exit("the generated bytes are valid UTF-8: this proves nothing")
except UnicodeDecodeError:
    pass
assert d["text_utf8"] is False, d["text_utf8"]
assert d["text"] == b.decode("utf-8", "replace"), (d["text"], b)
' "$T/bytes.json"

# progress on a terminal (script(1) gives the command a pty): placement is one bar from 0 to 100%,
# not one per tensor, and bench engines clears its progress line before the report
script -qc "$M run --model $T/small --board sim --engine lut --prompt-ids 1 --max-new 1 --quiet" /dev/null \
	>"$T/tty.txt" 2>&1
pcts=$(tr '\r' '\n' <"$T/tty.txt" | grep -ao 'placing weights *[0-9]*%' | grep -o '[0-9]*%' | tr -d %)
[ "$(wc -l <<<"$pcts")" -gt 5 ] && [ "$pcts" = "$(sort -n <<<"$pcts")" ] && [ "$(tail -1 <<<"$pcts")" = 100 ] &&
	ok placement-one-progress-bar || no placement-one-progress-bar "$(tr '\n' ' ' <<<"$pcts")"
script -qc "$M bench engines --board sim --count 1" /dev/null >"$T/tty2.txt" 2>&1
grep -aq $'\033\[Kbench engines on sim' "$T/tty2.txt" && ! grep -aq '%bench engines on' "$T/tty2.txt" &&
	ok bench-engines-progress-cleared || no bench-engines-progress-cleared "$(cat -A "$T/tty2.txt" | head -3)"

# no --engine: the first of tac, tac2, lut, sac the board's INFO lists, named on stderr; the
# iCEBreaker's SoC has lut alone, the iCE40HX8K-B-EVN's tac2 alone (as the cpu model builds them)
$M run --model "$T/small" --board 'sim:icebreaker?timeout_ms=5' --prompt-ids 1,5 --max-new 1 --json \
	> "$T/ib.json" 2> "$T/ib.err"
check default-engine-icebreaker jqok "$(cat "$T/ib.json")" '.engine == "lut" and .on_board'
grep -q "^mmfree: run: the lut engine, the first of tac, tac2, lut, sac that board icebreaker has" "$T/ib.err" \
	&& ok default-engine-named || no default-engine-named "$(cat "$T/ib.err")"
j=$($M run --model "$T/small" --board 'cpu?engines=tac2' --prompt-ids 1 --max-new 1 --json 2>/dev/null)
check default-engine-tac2 jqok "$j" '.engine == "tac" and .format == "tac2"'
j=$($M bench model --model "$T/small" --board 'cpu?engines=sac4,lut3' --tokens 1 --json 2>/dev/null)
check default-engine-bench jqok "$j" '.engine == "lut"'
j=$($M run --model "$T/small" --prompt-ids 1 --max-new 1 --json 2>/dev/null)
check default-engine-host jqok "$j" '.engine == "tac" and .format == "tac5"'
# an engine the board lacks: a usage error naming the ones it has, before the model is loaded
refuse engine-board-lacks "--engine tac: board sim (cpu?engines=lut3,sac4) has no tac engine; it has lut, sac" \
	$M run --model "$T/none" --board 'cpu?engines=lut3,sac4' --engine tac
$M run --model "$T/small" --board 'cpu?engines=lut3' --engine tac2 >/dev/null 2>&1
[ $? -eq 2 ] && ok engine-board-lacks-exit-2 || no engine-board-lacks-exit-2

# bad input
refuse no-model "model" $M run --model "$T/none" --max-new 1
refuse bad-ids "--prompt-ids" $M run --model "$T/small" --prompt-ids 1,x
refuse id-beyond-vocab "--prompt-ids" $M run --model "$T/small" --prompt-ids 1,300
# contradictory or half-given sampling options are usage errors, not silently resolved
refuse greedy-and-temperature "--greedy and --temperature contradict each other" \
	$M run --model "$T/none" --greedy --temperature 0.8
refuse seed-without-temperature "--seed seeds the sampling: it needs --temperature" $M run --model "$T/none" --seed 3
# ids are strict: no space, sign, empty or trailing element; the one beyond the vocabulary is named
refuse ids-trailing-comma "--prompt-ids: '5,' (id 2 on): not a comma-separated list" $M run --model "$T/small" --prompt-ids 1,5,
refuse ids-space "--prompt-ids: ' 5' (id 2 on)" $M run --model "$T/small" --prompt-ids '1, 5'
refuse ids-sign "--prompt-ids: '+5' (id 2 on)" $M run --model "$T/small" --prompt-ids 1,+5
refuse ids-beyond-named "id 3 is 300, not below the vocabulary size 300" $M run --model "$T/small" --prompt-ids 1,2,300
# a prompt too long names the limit; a missing prompt is said, and refused when the model has no
# tokenizer to encode <s> with
refuse prompt-too-long "--prompt: 70001 tokens, more than the 65536 a run takes" \
	$M run --model "$T/small" --prompt "$(head -c 70000 /dev/zero | tr '\0' x)" --max-new 1
$M run --model "$T/small" --max-new 1 --quiet 2> "$T/noprompt.err" >/dev/null
grep -q "^mmfree: run: no --prompt or --prompt-ids: generating from <s> alone" "$T/noprompt.err" \
	&& ok missing-prompt-said || no missing-prompt-said "$(cat "$T/noprompt.err")"
$M mkmodel --out "$T/ids-only" --hidden 32 --layers 1 --vocab 100 >/dev/null
refuse missing-prompt-no-tokenizer "no prompt, and the model has no tokenizer .*: give --prompt-ids" \
	$M run --model "$T/ids-only" --max-new 1
refuse prompt-no-tokenizer "--prompt: the model has no tokenizer" $M run --model "$T/ids-only" --prompt hi --max-new 1
refuse bad-engine "--engine 'fpu': one of tac, tac2, lut, sac" $M run --model "$T/small" --engine fpu
cp -r "$T/small" "$T/trunc"
f=$(ls "$T/trunc"/*.safetensors | head -1)
truncate -s -100 "$f"
refuse truncated-checkpoint "safetensors" $M run --model "$T/trunc" --max-new 1
$M run --model "$T/trunc" --max-new 1 --logits "$T/half.f32" >/dev/null 2>&1
[ ! -e "$T/half.f32" ] && ok no-logits-file-on-failure || no no-logits-file-on-failure

finish model
