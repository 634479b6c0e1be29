#!/usr/bin/env bash
# test_fuzz.sh: the libFuzzer targets of tests/fuzz.mk, each in two steps: every input of
# tests/fuzz/crashers/<target>/ replayed (each once crashed; a fixed bug stays fixed), then
# FUZZ_SECONDS (20) of fuzzing from the seed corpus with the target's dictionary. A crash, a leak, a
# timeout or running out of memory fails the target: the input goes to tests/fuzz/crashers/<target>/
# (commit it with the fix) and its path is printed. One line per target with executions per second
# and runs; exits non-zero on a failure.
#
#   tests/test_fuzz.sh [target...]         default: every target tests/fuzz.mk builds
#   FUZZ_SECONDS=600 tests/test_fuzz.sh    a longer run (make fuzz: FUZZ_TIME, 600 s per target)
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=build/bin
WORK=build/fuzz
SECONDS_EACH=${FUZZ_SECONDS:-20}
declare -A MAX_LEN=([tok]=8192 [safetensors]=4096 [config]=4096)
passed=0 failed=0 failed_names=()

if [ $# -eq 0 ]; then
	set -- tok
	[ -f host/src/ckpt.c ] && set -- tok safetensors config
fi
mkdir -p "$WORK"
if ! make --no-print-directory $(printf " $BIN/fuzz_%s" "$@") > "$WORK/build.log" 2>&1; then
	echo "FAIL build: $(tail -n 3 "$WORK/build.log" | tr '\n' ' ')"
	echo "test_fuzz: 0 passed, $# failed (not built; clang and libclang-rt-14-dev: make deps)"
	exit 1
fi

fail() {  # fail TARGET WHY LOG
	failed=$((failed + 1)); failed_names+=("$1")
	printf 'FAIL %-12s %s\n' "$1" "$2"
	grep -E 'ERROR: |SUMMARY: |fuzz_[a-z]+: tests/' "$3" | head -n 4 | sed 's/^/     | /'
	grep -E '^ *#[0-9]+ ' "$3" | grep -v -E 'fuzzer::|__sanitizer|libc\.so|raise|abort|pthread_kill' |
		head -n 8 | sed 's/^/     | /'
}

for t in "$@"; do
	bin=$BIN/fuzz_$t
	crashers=tests/fuzz/crashers/$t
	corpus=$WORK/corpus/$t
	log=$WORK/$t.log
	mkdir -p "$crashers" "$corpus"
	# 1. the inputs that crashed before
	mapfile -t old < <(find "$crashers" -type f ! -name '.*' | sort)
	still=()
	: > "$WORK/$t.replay.log"
	for f in "${old[@]}"; do
		"$bin" -runs=1 "$f" > "$WORK/$t.replay.one.log" 2>&1 || still+=("$f")
		cat "$WORK/$t.replay.one.log" >> "$WORK/$t.replay.log"
	done
	if [ ${#still[@]} -gt 0 ]; then
		fail "$t" "${#still[@]} of ${#old[@]} crashers still fail: ${still[*]}" "$WORK/$t.replay.log"
		continue
	fi
	# 2. fuzz: new inputs go to the working corpus, failing ones to the crashers
	"$bin" -max_total_time="$SECONDS_EACH" -max_len="${MAX_LEN[$t]:-4096}" -timeout=10 \
		-rss_limit_mb=2048 -error_exitcode=77 -timeout_exitcode=78 -print_final_stats=1 \
		-dict="tests/fuzz/$t.dict" -artifact_prefix="$crashers/" "$corpus" "tests/fuzz/corpus/$t" \
		> "$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	if [ $rc -ne 0 ]; then
		fail "$t" "exit $rc after ${runs:-?} runs; reproducer: $(grep -o 'Test unit written to .*' "$log" |
			tail -n 1 | cut -d' ' -f5) (replay: $bin FILE; log $log)" "$log"
		continue
	fi
	passed=$((passed + 1))
	printf 'PASS %-12s %d s, %s runs, %s exec/s, corpus %s, %d crashers replayed\n' "$t" "$SECONDS_EACH" \
		"${runs:-?}" "${rate:-?}" "$(find "$corpus" -type f | wc -l)" ${#old[@]}
done

if [ $failed -ne 0 ]; then
	echo "failed: ${failed_names[*]}"
fi
echo "test_fuzz: $passed passed, $failed failed"
[ $failed -eq 0 ]
