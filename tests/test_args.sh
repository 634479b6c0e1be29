#!/usr/bin/env bash
# test_args.sh: the command line of every program in build/bin but the mmfree CLI (tests/test_host.sh
# and others check that one); the libFuzzer targets' --help and two-dash options (tests/fuzz_args.h).
#
# Proves: each program prints its usage for --help and exits 0, and refuses an unknown option with a
# message naming it; every Verilator harness (tb_*, bench_*) refuses, before simulating, a count or
# seed that is not a whole number (abc, -1, 12abc, 2^64), a count of 0 (it would check nothing), a
# missing value, --trace-from above --trace-to, --trace-from without --trace and a trace file in a
# missing directory, each with a message that names the option; the C programs refuse stray
# arguments, mmfree-vboard its bad numbers and trace windows, gen_vh a directory it cannot write.
# Then a few tiny valid runs: a harness's last line says how many transactions it checked (at least
# one), a trace window is written as an FST file, and a window the run never reaches is reported.
# Expects the programs built (make programs); run from anywhere.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh
BIN=build/bin
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# status NAME WANT COMMAND...: the command exits with status WANT
status() {
	local name=$1 want=$2 out rc; shift 2
	out=$("$@" 2>&1); rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$name"; else no "$name" "exit $rc, not $want: $out"; fi
}
# helps NAME COMMAND...: exits 0 and prints a usage line
helps() {
	local name=$1 out; shift
	if out=$("$@" 2>&1) && grep -qi '^usage' <<<"$out"; then ok "$name"; else no "$name" "$out"; fi
}

# the programs: every one in build/bin, or those named (bash tests/test_args.sh tb_spi tb_lut3: their
# own checks only)
progs=("$@")
if [ $# -eq 0 ]; then
	for p in "$BIN"/*; do
		n=${p##*/}
		case $n in mmfree) continue ;; esac
		[ -x "$p" ] && [ -f "$p" ] && progs+=("$n")
	done
	[ ${#progs[@]} -gt 20 ] || { echo "only ${#progs[@]} programs in $BIN: run make programs first"; exit 1; }
fi

# every program: --help, an unknown option (exit 2)
for n in "${progs[@]}"; do
	helps "$n-help" "$BIN/$n" --help
	refuse "$n-unknown" "'--bogus'" "$BIN/$n" --bogus
	status "$n-unknown-exit2" 2 "$BIN/$n" --bogus
done

# the Verilator harnesses: numbers, ranges, missing values and trace files, refused before simulating
for n in "${progs[@]}"; do
	case $n in tb_*) c=--count ;; bench_*) c=--matrices ;; *) continue ;; esac
	b=$BIN/$n
	refuse "$n-count-abc" "$c 'abc'" "$b" $c abc
	refuse "$n-count-negative" "$c '-1'" "$b" $c -1
	refuse "$n-count-trailing" "$c '12abc'" "$b" $c 12abc
	refuse "$n-count-overflow" "$c '18446744073709551616': larger than" "$b" $c 18446744073709551616
	refuse "$n-count-zero" "$c 0: out of range" "$b" $c 0
	refuse "$n-count-missing" "$c needs a value" "$b" $c
	refuse "$n-seed-x" "--seed 'x'" "$b" --seed x
	refuse "$n-trace-window" "--trace-from 100 --trace-to 5" "$b" --trace "$T/t.fst" --trace-from 100 --trace-to 5
	refuse "$n-trace-from-alone" "--trace-from without --trace" "$b" --trace-from 5
	refuse "$n-trace-missing-dir" "--trace $T/no/such/dir/t.fst: cannot write" "$b" --trace "$T/no/such/dir/t.fst"
done

[ $# -eq 0 ] || { finish args; exit; }

# the C programs' own arguments
refuse test_hls-stray "unexpected argument 'x'" $BIN/test_hls x
refuse test_dev-stray "unexpected argument 'x'" $BIN/test_dev x
refuse host_faults-count "COUNT 'ten'" $BIN/host_faults ten
refuse host_faults-count-zero "COUNT 0: out of range" $BIN/host_faults 0
refuse host_api-stray "unexpected argument 'b'" $BIN/host_api cpu b
refuse gen_vh-none "no OUTDIR" $BIN/gen_vh
refuse gen_vh-missing-dir "cannot write $T/no/such/mmf_consts.vh" $BIN/gen_vh "$T/no/such"
V=$BIN/mmfree-vboard
refuse vboard-seed "--seed 'x': not a whole number" $V --listen "$T/vb.sock" --seed x
refuse vboard-seed-negative "--seed '-1'" $V --listen "$T/vb.sock" --seed -1
refuse vboard-trace-window "--trace-to above --trace-from" $V --listen "$T/vb.sock" --trace "$T/v.fst" \
	--trace-from 100 --trace-to 5
refuse vboard-trace-from-alone "go with --trace" $V --listen "$T/vb.sock" --trace-from 5
refuse vboard-trace-missing-dir "--trace '$T/no/such/v.fst'" $V --listen "$T/vb.sock" \
	--trace "$T/no/such/v.fst" --trace-to 10
[ ! -e "$T/vb.sock" ] && ok vboard-refused-before-listening || no vboard-refused-before-listening

# tiny valid runs: the last line counts what was checked (a number of at least 1)
counted() {  # counted NAME COMMAND...: exit 0, the last line of stdout names a count of 1 or more
	local name=$1 out; shift
	if out=$("$@" 2>"$T/err") && tail -n 1 <<<"$out" | grep -Eq '(^|[^0-9.])[1-9][0-9]* [a-z]|"transactions_checked": [1-9]'
	then ok "$name" "$(tail -n 1 <<<"$out" | cut -c1-90)"; else no "$name" "$out $(cat "$T/err")"; fi
}
counted tb_lut3-count-1 $BIN/tb_lut3 --count 1
counted tb_crc32-count-1 $BIN/tb_crc32 --count 1
counted tb_pkt_rx-count-1 $BIN/tb_pkt_rx --count 1
counted tb_pkt_tx-count-1 $BIN/tb_pkt_tx --count 1
counted tb_i2c-count-1 $BIN/tb_i2c --count 1
counted tb_soc-count-1 $BIN/tb_soc --count 1
counted tb_spi-count-1 $BIN/tb_spi --count 1
counted tb_ft245-count-hex $BIN/tb_ft245 --count 0x10
counted bench_lut3-matrices-1 $BIN/bench_lut3 --matrices 1
# a trace window: the FST file is written; a window after the run's end is reported, no file left
if $BIN/tb_crc32 --count 2 --trace "$T/w.fst" --trace-from 2 --trace-to 50 >/dev/null 2>&1 && [ -s "$T/w.fst" ]
then ok trace-written; else no trace-written; fi
out=$($BIN/tb_crc32 --count 2 --trace "$T/late.fst" --trace-from 100000000 2>&1)
if grep -q "nothing written to $T/late.fst" <<<"$out" && [ ! -e "$T/late.fst" ]; then ok trace-never-reached
else no trace-never-reached "$out"; fi

finish args
