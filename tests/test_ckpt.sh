#!/usr/bin/env bash
# test_ckpt.sh: checkpoints: the C test (mkmodel -> open round trips in every dtype, one file and
# shards; every malformed case refused with its message; damaged files), then `mmfree mkmodel` (help,
# text and JSON summaries, a sharded f16 model, usage errors and their exit codes).
# One line per check, the last line a summary; exits non-zero on a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=build/bin
MMFREE=$BIN/mmfree
LOGS=build/tests/ckpt
mkdir -p "$LOGS"
passed=0 failed=0 failed_names=()
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() { passed=$((passed + 1)); printf 'PASS %-30s %s\n' "$1" "${2:-}"; }
fail() {
	failed=$((failed + 1)); failed_names+=("$1")
	printf 'FAIL %-30s %s\n' "$1" "${2:-}"
	[ -n "${3:-}" ] && [ -s "$3" ] && tail -n 12 "$3" | sed 's/^/     | /'
	return 0
}

# check NAME WANT_EXIT COMMAND...: the exit status is WANT_EXIT; stdout+stderr in $LOGS/NAME.log
check() {
	local name=$1 want=$2; shift 2
	"$@" > "$LOGS/$name.log" 2>&1
	local got=$?
	if [ "$got" -eq "$want" ]; then
		pass "$name" "$(tail -n 1 "$LOGS/$name.log" | cut -c1-100)"
	else
		fail "$name" "exit $got, expected $want" "$LOGS/$name.log"
	fi
}

# says NAME PATTERN: the last check's log holds PATTERN (grep -E)
says() {
	if grep -Eq -- "$2" "$LOGS/$1.log"; then
		pass "$1:says" "/$2/"
	else
		fail "$1:says" "no /$2/ in $LOGS/$1.log" "$LOGS/$1.log"
	fi
}

# jqcheck NAME FILTER COMMAND...: the command's JSON makes `jq -e FILTER` true
jqcheck() {
	local name=$1 filter=$2; shift 2
	if "$@" > "$LOGS/$name.json" 2> "$LOGS/$name.log" && jq -e "$filter" "$LOGS/$name.json" > /dev/null; then
		pass "$name" "$(jq -c "$filter" "$LOGS/$name.json") (${filter//[$'\n\t']/ })"
	else
		cat "$LOGS/$name.json" >> "$LOGS/$name.log"
		fail "$name" "not true: $filter" "$LOGS/$name.log"
	fi
}

check build 0 make --no-print-directory $MMFREE $BIN/host_ckpt

# ---- the C test ----
check host-ckpt 0 env TMPDIR="$tmp" $BIN/host_ckpt
says host-ckpt '^host_ckpt: [0-9]+ checks, 0 failed'

# ---- mmfree mkmodel ----
check mkmodel-help 0 $MMFREE mkmodel --help
says mkmodel-help '^usage: mmfree mkmodel --out DIR'
check mkmodel-listed 0 $MMFREE --help
says mkmodel-listed '^  mkmodel --out DIR'
check mkmodel-text 0 $MMFREE mkmodel --out "$tmp/small"
says mkmodel-text '^tensors +35, 166016 parameters'
says mkmodel-text 'model.safetensors +[0-9]+ bytes \(332032 of tensor data\)'
jqcheck mkmodel-json '.tensors == 50 and .shards == 3 and .dtype == "f16" and .hidden == 48 and
	.intermediate == 256 and .intermediate_in_config == null and (.files | length) == 5 and
	([.files[].bytes] | add) == .bytes' \
	$MMFREE mkmodel --out "$tmp/sharded" --hidden 48 --layers 3 --vocab 300 --shards 3 --dtype f16 --seed 9 --json
check mkmodel-files 0 test -f "$tmp/sharded/model-00003-of-00003.safetensors" -a -f \
	"$tmp/sharded/model.safetensors.index.json" -a ! -e "$tmp/sharded/model.safetensors"
jqcheck mkmodel-index '.metadata.total_size == 338400 and (.weight_map | length) == 50' \
	cat "$tmp/sharded/model.safetensors.index.json"
jqcheck mkmodel-config '.intermediate_size == null and .torch_dtype == "float16" and .hidden_size == 48 and
	.model_type == "hgrn_bit" and .tie_word_embeddings == false' cat "$tmp/sharded/config.json"
# the same seed gives the same bytes
$MMFREE mkmodel --out "$tmp/again" --hidden 48 --layers 3 --vocab 300 --shards 3 --dtype f16 --seed 9 > /dev/null 2>&1
check mkmodel-repeat 0 cmp "$tmp/sharded/model-00002-of-00003.safetensors" "$tmp/again/model-00002-of-00003.safetensors"
check mkmodel-intermediate 0 $MMFREE mkmodel --out "$tmp/i100" --hidden 40 --intermediate 100 --dtype f32
says mkmodel-intermediate '^model +hidden 40, layers 2, vocab 259, intermediate 100, f32'

check mkmodel-no-out 2 $MMFREE mkmodel --hidden 64
says mkmodel-no-out "^mmfree: mkmodel: --out DIR is required \(try 'mmfree mkmodel --help'\)"
check mkmodel-bad-dtype 2 $MMFREE mkmodel --out "$tmp/x" --dtype int8
says mkmodel-bad-dtype "^mmfree: mkmodel: --dtype 'int8': expected bf16, f16 or f32"
check mkmodel-bad-number 2 $MMFREE mkmodel --out "$tmp/x" --layers two
says mkmodel-bad-number "^mmfree: mkmodel: --layers 'two': not a whole number up to 1024"
check mkmodel-zero 2 $MMFREE mkmodel --out "$tmp/x" --hidden 0
says mkmodel-zero "^mmfree: mkmodel: hidden 0: expected 1 to 65536 \(MMF_ERR_ARG\)"
check mkmodel-unknown 2 $MMFREE mkmodel --out "$tmp/x" --fast
says mkmodel-unknown "^mmfree: mkmodel: unknown option '--fast'"
check mkmodel-no-parent 1 $MMFREE mkmodel --out "$tmp/no/such/dir"
says mkmodel-no-parent "cannot make the folder: No such file or directory \(MMF_ERR_IO\)"

if [ $failed -ne 0 ]; then
	echo "failed: ${failed_names[*]}"
fi
echo "test_ckpt: $passed passed, $failed failed"
[ $failed -eq 0 ]
