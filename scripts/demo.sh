#!/usr/bin/env bash
# demo.sh: `make demo`. A MatMul-free LM generates tokens on the simulated iCEBreaker: the SoC's RTL
# under Verilator, spoken to through its UART at 12 Mbaud in simulated time, the lut engine (the one
# the iCEBreaker bitstream carries). Prints the text, tokens/s at the board's 48 MHz clock, link bytes
# per token and the energy estimate per token.
#
# The model is models/kjv-ternary: the project's own ternary MatMul-free LM, trained on the King James
# Bible by tools/train/ and sized to sit whole in the UP5K's weight memory (models/kjv-ternary/README.md),
# so the text reads like the KJV. DEMO_MODEL=random writes a random model of the same kind to
# build/demo-model with `mmfree mkmodel` instead (the arithmetic alone, no meaningful text). Override
# with DEMO_MODEL=DIR (any checkpoint in the Hugging Face layout), DEMO_TOKENS=N, DEMO_PROMPT=TEXT,
# DEMO_BOARD=URI, DEMO_ENGINE=tac|lut|sac, DEMO_TEMPERATURE=T (default 0.5, seed 1: greedy text from
# this small model soon repeats "the LORD the LORD"; 0 means greedy).
set -euo pipefail
cd "$(dirname "$0")/.."
M=build/bin/mmfree
MODEL=${DEMO_MODEL:-models/kjv-ternary}
TOKENS=${DEMO_TOKENS:-64}
PROMPT=${DEMO_PROMPT:-In the beginning}
BOARD=${DEMO_BOARD:-sim:icebreaker?timeout_ms=5}
ENGINE=${DEMO_ENGINE:-lut}
TEMP=${DEMO_TEMPERATURE:-0.5}
SAMPLE=(--temperature "$TEMP" --seed 1)
[ "$TEMP" = 0 ] && SAMPLE=(--greedy)

if [ "$MODEL" = random ]; then
	MODEL=build/demo-model
	echo "demo: writing a small random MatMul-free LM to $MODEL (d=96, 3 layers, byte vocabulary)"
	$M mkmodel --out "$MODEL" --hidden 96 --layers 3 --vocab 259 --seed 1
elif [ ! -f "$MODEL/config.json" ]; then
	echo "demo: $MODEL has no config.json (DEMO_MODEL=DIR names a checkpoint folder; DEMO_MODEL=random writes one)" >&2
	exit 1
fi
echo "demo: mmfree run --model $MODEL --board '$BOARD' --engine $ENGINE --max-new $TOKENS ${SAMPLE[*]}"
echo "----"
$M run --model "$MODEL" --board "$BOARD" --engine "$ENGINE" --prompt "$PROMPT" --max-new "$TOKENS" "${SAMPLE[@]}"
