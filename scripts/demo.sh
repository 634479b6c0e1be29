#!/usr/bin/env bash
# demo.sh: `make demo`. A MatMul-free LM generates tokens on the simulated iCEBreaker: the SoC's RTL
# under Verilator, spoken to through its UART at 12 Mbaud in simulated time, the lut engine (the one
# the iCEBreaker bitstream carries). Prints the text, tokens/s at the board's 48 MHz clock, link bytes
# per token and the energy estimate per token.
#
# The model is build/demo-model, written by `mmfree mkmodel` when missing (random weights: the hub
# checkpoints cannot be downloaded here, so the text is not meaningful; the arithmetic is the real
# model's). Override with DEMO_MODEL=DIR (any checkpoint in the Hugging Face layout), DEMO_TOKENS=N,
# DEMO_PROMPT=TEXT, DEMO_BOARD=URI, DEMO_ENGINE=tac|lut|sac.
set -euo pipefail
cd "$(dirname "$0")/.."
M=build/bin/mmfree
MODEL=${DEMO_MODEL:-build/demo-model}
TOKENS=${DEMO_TOKENS:-24}
PROMPT=${DEMO_PROMPT:-The board says: }
BOARD=${DEMO_BOARD:-sim:icebreaker?timeout_ms=5}
ENGINE=${DEMO_ENGINE:-lut}

if [ ! -f "$MODEL/config.json" ]; then
	echo "demo: writing a small random MatMul-free LM to $MODEL (d=96, 3 layers, byte vocabulary)"
	$M mkmodel --out "$MODEL" --hidden 96 --layers 3 --vocab 259 --seed 1
fi
echo "demo: mmfree run --model $MODEL --board '$BOARD' --engine $ENGINE --max-new $TOKENS"
echo "----"
$M run --model "$MODEL" --board "$BOARD" --engine "$ENGINE" --prompt "$PROMPT" --max-new "$TOKENS"
