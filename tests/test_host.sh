#!/usr/bin/env bash
# test_host.sh: the host library and CLI: the C tests (codec, API against `cpu`, 10,000 products under
# injected faults, a board that stops answering), the mmfree CLI (help, info, both benches, bad URIs,
# exit codes), and `make install` into a temporary prefix with a program built against the installed
# header and pkg-config file. One line per check, the last line a summary; exits non-zero on a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=build/bin
MMFREE=$BIN/mmfree
LOGS=build/tests/host
mkdir -p "$LOGS"
passed=0 failed=0 failed_names=()

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

# ---- build what this script runs (cheap when `make programs` has run) ----
targets="$MMFREE $BIN/host_codec $BIN/host_api $BIN/host_faults $BIN/host_dead $BIN/host_window build/lib/libmmfree.so"
check build 0 make --no-print-directory $targets

# ---- the C tests ----
check host-codec 0 $BIN/host_codec
check host-api 0 $BIN/host_api
check host-faults 0 $BIN/host_faults 10000 'cpu?faults=1e-3&seed=1'
says host-faults '10000 products, 0 wrong, 0 failed; [0-9]+ packets, [1-9][0-9]* retries'
check host-dead 0 $BIN/host_dead
# a window of WRITE_MEMs in flight: in flight before the first answer, damaged answers and commands,
# cuts; then the 10,000 products again with every weight upload through a window of 4
check host-window 0 $BIN/host_window
check host-faults-window 0 $BIN/host_faults 10000 'cpu?faults=1e-3&seed=1&window=4'
says host-faults-window '10000 products, 0 wrong, 0 failed; [0-9]+ packets, [1-9][0-9]* retries'

# ---- the CLI ----
check cli-help 0 $MMFREE --help
says cli-help '^usage: mmfree <command>'
# the boards list of --help names every board kind, sim:BOARD included, and every URI option the
# parser knows (the list its "unknown option" message gives), so the help cannot fall behind uri.c
opts=$($MMFREE info --board 'cpu?no_such_option=1' 2>&1 | sed -n 's/.*(options: \([^)]*\)).*/\1/p')
missing=""
[ -n "$opts" ] || missing="(no option list in the unknown-option message)"
for o in ${opts//,/ }; do grep -q -- "$o=" "$LOGS/cli-help.log" || missing="$missing $o="; done
for b in cpu sim sim:BOARD socket:PATH 'ftdi[:SERIAL]'; do
	grep -qF -- "  $b " "$LOGS/cli-help.log" || missing="$missing $b"
done
if [ -z "$missing" ]; then pass cli-help-boards "every board and option: ${opts}"
else fail cli-help-boards "not in mmfree --help:$missing" "$LOGS/cli-help.log"; fi
for sub in "info" "bench" "bench link" "bench engines" "version"; do
	# shellcheck disable=SC2086
	check "cli-help-${sub// /-}" 0 $MMFREE $sub --help
	says "cli-help-${sub// /-}" '^usage: mmfree'
done
check cli-version 0 $MMFREE version
check cli-no-args 2 $MMFREE
check cli-unknown-command 2 $MMFREE frobnicate
says cli-unknown-command "^mmfree: unknown command 'frobnicate'"
check cli-no-board 2 $MMFREE info
says cli-no-board '^mmfree: info: --board URI is required'
check cli-bad-number 2 $MMFREE bench link --board cpu --words many
says cli-bad-number "^mmfree: bench link: --words 'many': not a whole number"
check cli-unknown-option 2 $MMFREE bench engines --board cpu --fast
says cli-unknown-option "^mmfree: bench engines: unknown option '--fast'"

jqcheck cli-info-json '.version == 1 and .board_name == "sim" and (.engines | length) == 3 and
	.engines[0].format == "tac5" and .engines[2].max_cols == 1152' $MMFREE info --board cpu --json
check cli-info-text 0 $MMFREE info --board cpu
says cli-info-text 'tac +tac5 +40 +8 +10240'
jqcheck cli-bench-engines '.mismatches == 0 and .transactions == 60 and .retries == 0' \
	$MMFREE bench engines --board cpu --count 20 --json
jqcheck cli-bench-engines-faults '.mismatches == 0 and .transactions == 30 and .retries > 0' \
	$MMFREE bench engines --board 'cpu?faults=1e-3&seed=2' --count 10 --seed 5 --json
jqcheck cli-bench-link '.mismatches == 0 and .words == 16384 and .efficiency > 0.95' \
	$MMFREE bench link --board cpu --json
jqcheck cli-bench-link-faults '.mismatches == 0 and .retries > 0 and .efficiency > 0.3' \
	$MMFREE bench link --board 'cpu?faults=1e-3&seed=1' --json
jqcheck cli-bench-link-faults-window '.mismatches == 0 and .retries > 0' \
	$MMFREE bench link --board 'cpu?faults=3e-3&seed=2&window=8' --json
check cli-bad-window 2 $MMFREE info --board 'cpu?window=9'
says cli-bad-window "bad value '9' for window \\(commands in flight, 1 to 8\\)"
check cli-bench-link-text 0 $MMFREE bench link --board cpu --words 1000
says cli-bench-link-text '^efficiency +0\.9'

# numbers are decimal or 0x hex, nothing else: a leading zero is not octal, a space or sign is refused
jqcheck cli-number-leading-zero '.words == 10' $MMFREE bench link --board cpu --words 010 --json
jqcheck cli-number-hex '.words == 16' $MMFREE bench link --board cpu --words 0x10 --json
check cli-number-space 2 $MMFREE bench link --board cpu --words ' 5'
says cli-number-space "^mmfree: bench link: --words ' 5': not a whole number"
check cli-number-plus 2 $MMFREE bench engines --board cpu --count +5
check cli-number-bare-0x 2 $MMFREE bench engines --board cpu --count 0x
check cli-uri-number-octal 0 $MMFREE info --board 'cpu?wmem=0100' --json
jqcheck cli-uri-number-decimal '.wmem_words == 100' $MMFREE info --board 'cpu?wmem=0100' --json
check cli-uri-number-space 2 $MMFREE info --board 'cpu?timeout_ms= 5'
# `host` (the model commands' kernels, no board) is no board to open: a usage error that points at cpu
check cli-host-no-board 2 $MMFREE info --board host
says cli-host-no-board "^mmfree: --board host: the host kernels of run, eval and bench model are no board to open; the board's C model is --board cpu"
# an option given twice is refused, whichever command (last-one-wins hides a typo)
check cli-twice-info 2 $MMFREE info --board cpu --board 'cpu?faults=0.1'
says cli-twice-info "^mmfree: info: --board given twice: give each option once"
check cli-twice-bench 2 $MMFREE bench engines --board cpu --count 3 --count=4
says cli-twice-bench "^mmfree: bench engines: --count given twice"
check cli-twice-run 2 $MMFREE run --model x --max-new 3 --max-new=4
says cli-twice-run "^mmfree: run: --max-new given twice"
check cli-twice-mkmodel 2 $MMFREE mkmodel --out x --hidden 8 --hidden 16
says cli-twice-mkmodel "^mmfree: mkmodel: --hidden given twice"
check cli-twice-power 2 $MMFREE power --meter rapl --seconds 1 --seconds 2
says cli-twice-power "^mmfree: power: --seconds given twice"
check cli-twice-flash 2 $MMFREE flash x.bin --sram --sram
says cli-twice-flash "^mmfree: flash: --sram given twice"
check cli-twice-list 2 $MMFREE list --json --json
says cli-twice-list "^mmfree: list: --json given twice"
check cli-json-value 2 $MMFREE info --board cpu --json=no
says cli-json-value "^mmfree: info: --json takes no value"
check cli-bad-real 2 $MMFREE power --meter rapl --seconds 0x1p1
says cli-bad-real "^mmfree: power: --seconds '0x1p1': a number of seconds"
# a benchmark of nothing is refused rather than passed
check cli-count-zero 2 $MMFREE bench engines --board cpu --count 0
says cli-count-zero "^mmfree: bench engines: --count 0: at least 1 product per engine"
check cli-tokens-zero 2 $MMFREE bench model --model x --tokens 0
says cli-tokens-zero "^mmfree: bench model: --tokens 0: at least 1 token to measure"
# power takes --opt=VALUE like every other command
check cli-power-equals 1 $MMFREE power --meter=rapl:/nonexistent --seconds=0.1
says cli-power-equals "meter 'rapl:/nonexistent': no RAPL zone"
check cli-uri-twice 2 $MMFREE info --board 'cpu?seed=1&seed=2'
says cli-uri-twice "board URI 'cpu\?seed=1&seed=2': option 'seed' given twice"

check cli-bad-uri 2 $MMFREE info --board nonsense
says cli-bad-uri "^mmfree: open board: board URI 'nonsense': unknown board 'nonsense' .*\(MMF_ERR_ARG\)"
check cli-bad-option 2 $MMFREE info --board 'cpu?speed=9'
says cli-bad-option "unknown option 'speed' .*\(MMF_ERR_ARG\)"
# no FTDI chip on this machine's USB (tests/test_usb.sh runs the transport against an emulated one)
check cli-no-ftdi 1 $MMFREE info --board ftdi:FT1234
says cli-no-ftdi "ftdi:FT1234: no .*\(MMF_ERR_NO_BOARD\)"
check cli-no-vboard 1 $MMFREE info --board socket:/tmp/mmfree-none.sock
says cli-no-vboard "no virtual board listening there .*mmfree-vboard --listen .*\(MMF_ERR_NO_BOARD\)"
check cli-dead-board 1 $MMFREE info --board 'cpu?dead_after=5'
says cli-dead-board "^mmfree: open board 'cpu\?dead_after=5': SYNC seq 0: no answer after 8 tries .*\(MMF_ERR_TIMEOUT\)"

# ---- make install into a temporary prefix, then a program against what was installed ----
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
check install 0 make --no-print-directory install PREFIX="$prefix"
cat > "$prefix/hello.c" <<'EOF'
#include <stdio.h>
#include <mmfree.h>
int main(void)
{
	struct mmf_info in;
	mmf_board *b;
	int r = mmf_open("cpu", &b);
	if (r) {
		fprintf(stderr, "open: %s (%s)\n", mmf_board_error(NULL), mmf_error_name(r));
		return 1;
	}
	mmf_get_info(b, &in);
	printf("installed libmmfree: protocol %u, %u engines, %s\n", in.version, in.n_engines,
	       mmf_format_name(in.engine[0].format));
	mmf_close(b);
	return 0;
}
EOF
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
# shellcheck disable=SC2046
check install-cc-shared 0 cc -std=c99 -Wall -Werror "$prefix/hello.c" $(pkg-config --cflags --libs mmfree) \
	-o "$prefix/hello"
check install-run-shared 0 env LD_LIBRARY_PATH="$prefix/lib" "$prefix/hello"
says install-run-shared '^installed libmmfree: protocol 1, 3 engines, tac5'
# shellcheck disable=SC2046
check install-cc-static 0 cc -std=c99 -Wall -Werror "$prefix/hello.c" $(pkg-config --cflags mmfree) \
	"$prefix/lib/libmmfree.a" $(pkg-config --static --libs-only-l mmfree | sed 's/-lmmfree//') \
	-o "$prefix/hello-static"
check install-run-static 0 "$prefix/hello-static"
check install-cli 0 "$prefix/bin/mmfree" version
check install-soname 0 sh -c "readelf -d '$prefix/lib/libmmfree.so.1' | grep -q 'SONAME.*libmmfree.so.1'"

if [ $failed -ne 0 ]; then
	echo "failed: ${failed_names[*]}"
fi
echo "test_host: $passed passed, $failed failed"
[ $failed -eq 0 ]
