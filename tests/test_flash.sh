#!/usr/bin/env bash
# `mmfree flash` and `make prog` without a board: stand-in `iceprog` and `openFPGALoader` scripts
# first on PATH record their argv and exit with a chosen status. Proves:
#  - the exact command line for each board (hx8k-evn, icebreaker, upduino3) x flash/SRAM x programmer (the
#    board's own, iceprog, openFPGALoader), taken from boards/<board>/board.mk through the metadata,
#    and the same line from --dry-run, which runs nothing;
#  - a bitstream is refused, naming the file, the field, what was expected and what was found, and
#    no programmer runs, when: it was built for another board, its CRC-32 or size differs from the
#    metadata (damaged, truncated), the protocol version is not this mmfree's, timing was missed,
#    the metadata lacks a field, is not JSON, or is missing; --force programs anyway with a warning;
#  - usage errors (exit 2), a programmer missing from PATH (its Debian package named), a programmer
#    that fails or is killed (exit 1, its status named), --json on stdout with the programmer's
#    output kept on stderr, --check against the board model (board and RTL revision compared);
#  - `make prog BOARD=... BITSTREAM=...` runs the same command lines and stops at a refusal;
#  - a bitstream from `make bitstream`, when there is one, passes the checks (bitstream.sh's CRC-32
#    is mmfree's).
set -uo pipefail
cd "$(dirname "$0")/.."
M=$PWD/build/bin/mmfree
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/lib.sh
[ -x "$M" ] || { echo "no $M: make programs first"; exit 1; }
proto=$(sed -n 's/.*MMF_PROTO_VERSION = \([0-9]*\).*/\1/p' hls_c/mmf_dev.h)

# status NAME WANT PATTERN COMMAND...: exit status WANT and PATTERN (grep -E) in stdout + stderr
status() {
	local name=$1 want=$2 pat=$3 out st; shift 3
	out=$("$@" 2>&1); st=$?
	if [ "$st" -ne "$want" ]; then no "$name" "exit status $st, expected $want: $out"
	elif grep -Eq -- "$pat" <<<"$out"; then ok "$name"
	else no "$name" "message lacks /$pat/: $out"; fi
}

# the stand-in programmers: one line per run in $ARGLOG, the arguments joined by '|'
mkdir -p "$T/fake" "$T/empty"
for p in iceprog openFPGALoader; do
	cat > "$T/fake/$p" <<'EOF'
#!/usr/bin/env bash
{ printf '%s' "${0##*/}"; printf '|%s' "$@"; echo; } >> "$ARGLOG"
echo "${0##*/}: writing 100%"
[ -n "${FAKE_SIGNAL:-}" ] && kill -"$FAKE_SIGNAL" $$
exit "${FAKE_STATUS:-0}"
EOF
	chmod +x "$T/fake/$p"
done
export ARGLOG=$T/argv.log
FPATH=$T/fake:$PATH
ran() { cat "$ARGLOG" 2>/dev/null; }             # what the stand-ins recorded since the last reset
reset() { rm -f "$ARGLOG"; }
fl() { reset; env PATH="$FPATH" "$M" flash "$@"; }    # mmfree flash with the stand-ins first on PATH

# preamble: what icepack writes first: a comment block (0xFF 0x00, text, 0x00 0xFF), then the sync word
preamble() { printf '\xff\x00mmfree test\x00\xff\x7e\xaa\x99\x7e'; }
# bitstream DIR BOARD [JQ-EDIT]: 4096 bytes (the preamble, then random) and the metadata
# scripts/bitstream.sh writes for BOARD (its programmer fields from boards/BOARD/board.mk), edited by JQ-EDIT
bitstream() {
	local dir=$1 board=$2 edit=${3:-.} crc PROGRAMMER OFL_BOARD="" OFL_CABLE=""
	eval "$(sed -n 's/^\(PROGRAMMER\|OFL_BOARD\|OFL_CABLE\) *:= *\(.*\)$/\1="\2"/p' "boards/$board/board.mk")"
	mkdir -p "$dir"
	{ preamble; head -c $((4096 - 19)) /dev/urandom; } > "$dir/mmfree.bin"
	crc=$(python3 -c 'import sys, zlib; print("%08x" % zlib.crc32(open(sys.argv[1], "rb").read()))' "$dir/mmfree.bin")
	jq -n --arg b "$board" --argjson p "$proto" --arg crc "$crc" --arg prog "$PROGRAMMER" \
		--arg oflb "$OFL_BOARD" --arg oflc "$OFL_CABLE" '
		def orNull: if . == "" then null else . end;
		{board: $b, git_rev: "00000000", local_changes: false, protocol_version: $p, clock_mhz: 48,
		 fmax_mhz: 50.12, timing_met: true, cells: 4000, cells_total: 5280, programmer: $prog,
		 openfpgaloader_board: ($oflb | orNull), openfpgaloader_cable: ($oflc | orNull),
		 bitstream: "mmfree.bin", bitstream_bytes: 4096, bitstream_crc32: $crc}' | jq "$edit" > "$dir/mmfree.json"
}
IB=$T/icebreaker/mmfree.bin UP=$T/upduino3/mmfree.bin
bitstream "$T/icebreaker" icebreaker
bitstream "$T/upduino3" upduino3
bitstream "$T/hx8k-evn" hx8k-evn

# ---- help and usage errors (exit 2) ----
check help bash -c "'$M' flash --help | grep -q 'usage: mmfree flash FILE'"
check main-help-lists-flash bash -c "'$M' --help | grep -q 'flash FILE'"
status usage-no-file 2 'which bitstream' "$M" flash
status usage-two-files 2 'one bitstream at a time' "$M" flash "$IB" "$IB"
status usage-bad-option 2 "unknown option '--bogus'" "$M" flash "$IB" --bogus
status usage-bad-programmer 2 "unknown programmer 'avrdude' \(iceprog or openFPGALoader\)" \
	"$M" flash "$IB" --programmer avrdude
status usage-bad-board 2 "unknown board 'icebraker' \(boards: hx8k-evn, icebreaker, upduino3\)" \
	"$M" flash "$IB" --board icebraker
status usage-no-value 2 '--check needs a value' "$M" flash "$IB" --check
status missing-file 1 "$T/none.bin: No such file or directory" "$M" flash "$T/none.bin"

# ---- the command lines: board x mode x programmer, run through the stand-ins ----
# want BOARD PROGRAMMER MODE: the argv the stand-in must record ('|'-joined), from board.mk
want() {
	local board=$1 prog=$2 mode=$3 file=$T/$1/mmfree.bin PROGRAMMER OFL_BOARD="" OFL_CABLE=""
	eval "$(sed -n 's/^\(PROGRAMMER\|OFL_BOARD\|OFL_CABLE\) *:= *\(.*\)$/\1="\2"/p' "boards/$board/board.mk")"
	[ "$prog" = default ] && prog=$PROGRAMMER
	if [ "$prog" = iceprog ]; then
		echo "iceprog${mode:+|-S}|$file"
	else
		echo "openFPGALoader|-b|$OFL_BOARD${OFL_CABLE:+|-c|$OFL_CABLE}|$([ -n "$mode" ] && echo -m || echo -f)|$file"
	fi
}
for board in icebreaker upduino3 hx8k-evn; do
	for prog in default iceprog openFPGALoader; do
		for mode in "" sram; do
			name=cmdline-$board-$prog-${mode:-flash}
			args=("$T/$board/mmfree.bin" --board "$board")
			[ "$prog" != default ] && args+=(--programmer "$prog")
			[ -n "$mode" ] && args+=(--sram)
			w=$(want "$board" "$prog" "$mode")
			out=$(fl "${args[@]}" 2>&1)
			if [ "$(ran)" = "$w" ]; then ok "$name" "$w"; else no "$name" "ran '$(ran)', expected '$w': $out"; fi
			dry=$(fl "${args[@]}" --dry-run 2>&1)
			if [ "$dry" = "${w//|/ }" ] && [ -z "$(ran)" ]; then ok "dry-run-$name"
			else no "dry-run-$name" "printed '$dry' (expected '${w//|/ }'), ran '$(ran)'"; fi
		done
	done
done
# the board's own programmer is the default: iceprog for every board (board.mk PROGRAMMER)
status default-board-from-metadata 0 "icebreaker flash with $IB" fl "$IB"
[ "$(ran)" = "iceprog|$IB" ] && ok default-programmer || no default-programmer "ran '$(ran)'"
status progress-passed-through 0 'iceprog: writing 100%' fl "$IB"
# a file name with a space reaches the programmer as one argument, and prints quoted
mkdir -p "$T/sp ace" && cp "$IB" "$T/icebreaker/mmfree.json" "$T/sp ace/"
fl "$T/sp ace/mmfree.bin" >/dev/null 2>&1
[ "$(ran)" = "iceprog|$T/sp ace/mmfree.bin" ] && ok space-one-argument || no space-one-argument "ran '$(ran)'"
status space-quoted 0 "^iceprog '$T/sp ace/mmfree.bin'\$" fl "$T/sp ace/mmfree.bin" --dry-run

# ---- refusals: exit 1, file, field, expected and found named, nothing run ----
# refused NAME PATTERN ARGS...: mmfree flash ARGS refuses with PATTERN and runs no programmer
refused() {
	local name=$1 pat=$2 out st; shift 2
	out=$(fl "$@" 2>&1); st=$?
	if [ "$st" -ne 1 ]; then no "$name" "exit status $st, expected 1: $out"
	elif [ -n "$(ran)" ]; then no "$name" "a programmer ran: $(ran)"
	elif grep -Eq -- "$pat" <<<"$out"; then ok "$name"
	else no "$name" "message lacks /$pat/: $out"; fi
}
refused wrong-board "^mmfree: flash: $UP: built for another board: \"board\" is upduino3 in $T/upduino3/mmfree.json, expected icebreaker \(--board\)\$" \
	"$UP" --board icebreaker
refused wrong-board-says-nothing-programmed 'refused \(1 check failed\): nothing programmed' "$UP" --board icebreaker
refused wrong-board-dry-run 'built for another board' "$UP" --board icebreaker --dry-run
bitstream "$T/crc" icebreaker
printf '\x55' | dd of="$T/crc/mmfree.bin" bs=1 seek=100 conv=notrunc status=none
printf '\xaa' | dd of="$T/crc/mmfree.bin" bs=1 seek=101 conv=notrunc status=none
refused wrong-crc "$T/crc/mmfree.bin: not the bitstream the metadata describes: CRC-32 [0-9a-f]{8}, expected $(jq -r .bitstream_crc32 "$T/crc/mmfree.json") \(\"bitstream_crc32\" in $T/crc/mmfree.json\)" \
	"$T/crc/mmfree.bin"
bitstream "$T/short" icebreaker
truncate -s 4000 "$T/short/mmfree.bin"
refused truncated "$T/short/mmfree.bin: not the bitstream the metadata describes: 4000 bytes, expected 4096 .*truncated" \
	"$T/short/mmfree.bin"
bitstream "$T/proto" icebreaker ".protocol_version = $((proto + 1))"
refused wrong-protocol "\"protocol_version\" is $((proto + 1)) in $T/proto/mmfree.json, expected $proto" "$T/proto/mmfree.bin"
bitstream "$T/slow" icebreaker '.timing_met = false | .fmax_mhz = 41.02'
refused timing-missed "missed the board clock: \"timing_met\" is false in $T/slow/mmfree.json, expected true \(Fmax 41.02 MHz, clock 48 MHz\)" \
	"$T/slow/mmfree.bin"
bitstream "$T/old" icebreaker 'del(.bitstream_bytes, .bitstream_crc32)'
refused metadata-without-crc "no \"bitstream_crc32\" in $T/old/mmfree.json" "$T/old/mmfree.bin"
bitstream "$T/many" upduino3 '.timing_met = false | .protocol_version = 9'
refused every-failure-named 'refused \(3 checks failed\)' "$T/many/mmfree.bin" --board icebreaker
cp "$IB" "$T/lonely.bin"
refused no-metadata "^mmfree: flash: $T/lonely.bin: no metadata \(looked for $T/lonely.json, $T/mmfree.json\)" "$T/lonely.bin"
echo '{"board": ' > "$T/broken.json"; cp "$IB" "$T/broken.bin"
refused broken-metadata "the metadata $T/broken.json is not a JSON object" "$T/broken.bin"
# a key twice in the metadata: which one would be checked is not what a reader sees
bitstream "$T/twice" icebreaker
sed -i 's/^{/{"board": "upduino3", /' "$T/twice/mmfree.json"
refused metadata-key-twice "the metadata $T/twice/mmfree.json has \"board\" twice" "$T/twice/mmfree.bin"
refused meta-unreadable "cannot read the metadata $T/nowhere.json: No such file" "$IB" --meta "$T/nowhere.json"
# the folder's mmfree.json speaks for a renamed copy only if it names it
cp "$IB" "$T/icebreaker/copy.bin"
refused folder-metadata-names-another "no metadata \(looked for $T/icebreaker/copy.json, $T/icebreaker/mmfree.json\)" \
	"$T/icebreaker/copy.bin"
mkdir -p "$T/named" && cp "$IB" "$T/named/top.bin" && jq '.bitstream = "top.bin"' "$T/icebreaker/mmfree.json" > "$T/named/mmfree.json"
status folder-metadata-named 0 "^iceprog $T/named/top.bin\$" fl "$T/named/top.bin" --dry-run
status meta-option 0 "^iceprog $T/lonely.bin\$" fl "$T/lonely.bin" --meta "$T/icebreaker/mmfree.json" --dry-run

# not an iCE40 bitstream (no sync word where icepack's preamble ends): refused with what it starts
# with, even when the metadata matches it (size and CRC-32 of an empty file) and even with --force
mkdir -p "$T/empty-bs" && : > "$T/empty-bs/mmfree.bin"
jq --arg crc 00000000 '.bitstream_bytes = 0 | .bitstream_crc32 = $crc' "$T/icebreaker/mmfree.json" > "$T/empty-bs/mmfree.json"
refused empty-bitstream "^mmfree: flash: $T/empty-bs/mmfree.bin: an empty file \(0 bytes\), not an iCE40 bitstream\$" \
	"$T/empty-bs/mmfree.bin"
refused empty-bitstream-force "an empty file \(0 bytes\), not an iCE40 bitstream" "$T/empty-bs/mmfree.bin" --force
refused empty-bitstream-dry-run "an empty file" "$T/empty-bs/mmfree.bin" --dry-run
head -c 4096 /dev/urandom | tr '\176' x > "$T/noise.bin"
refused random-bytes-force "^mmfree: flash: $T/noise.bin: not an iCE40 bitstream: it starts [0-9a-f]{2} .* and has no sync word 7e aa 99 7e" \
	"$T/noise.bin" --force --board icebreaker
printf 'ff 00\n.comment\n' > "$T/text.bin"
refused text-force "$T/text.bin: not an iCE40 bitstream: it starts 66 66 20 30 30 0a 2e 63 ..." "$T/text.bin" --force --board icebreaker
{ printf '\xff\x00never ends'; head -c 100 /dev/zero | tr '\0' x; } > "$T/open-comment.bin"
refused comment-without-end "not an iCE40 bitstream: it starts ff 00 6e 65" "$T/open-comment.bin" --force --board icebreaker
# the sync word alone, or after 0xFF padding, is a bitstream (no comment block)
{ printf '\xff\xff\x7e\xaa\x99\x7e'; head -c 100 /dev/urandom; } > "$T/padded.bin"
status padded-sync-word 0 "^iceprog $T/padded.bin\$" fl "$T/padded.bin" --force --board icebreaker --dry-run

# ---- --force: programs anyway, each overridden check a warning ----
status force-wrong-board 0 "warning: --force: $UP: built for another board" fl "$UP" --board icebreaker --force
# the attached board's way of programming, not the bitstream's: upduino3's openFPGALoader cable is not used
fl "$UP" --board icebreaker --force --programmer openFPGALoader >/dev/null 2>&1
[ "$(ran)" = "openFPGALoader|-b|ice40_generic|-f|$UP" ] && ok force-attached-board-programmer || no force-attached-board-programmer "ran '$(ran)'"
status force-no-metadata-needs-board 2 'a bitstream without metadata needs --board NAME' fl "$T/lonely.bin" --force
status force-no-metadata 0 "warning: --force: $T/lonely.bin: no metadata .*programming it unchecked" \
	fl "$T/lonely.bin" --force --board upduino3
[ "$(ran)" = "iceprog|$T/lonely.bin" ] && ok force-raw-board-table || no force-raw-board-table "ran '$(ran)'"
j=$(fl "$UP" --board icebreaker --force --json 2>/dev/null)
check force-json jqok "$j" '.forced == ["board"] and .ok and .exit_status == 0'

# ---- running the programmer: missing, failing, killed; --json ----
reset
status missing-iceprog 1 '^mmfree: flash: iceprog not found in PATH \(install it: apt-get install fpga-icestorm\)$' \
	env PATH="$T/empty" "$M" flash "$IB"
status missing-openfpgaloader 1 'openFPGALoader not found in PATH \(install it: apt-get install openfpgaloader\)' \
	env PATH="$T/empty" "$M" flash "$IB" --programmer openFPGALoader
status programmer-fails 1 'iceprog exited with status 2: is the board plugged in' \
	env FAKE_STATUS=2 PATH="$FPATH" "$M" flash "$IB"
status programmer-verify-fails 1 'iceprog exited with status 3: what it read back differs' \
	env FAKE_STATUS=3 PATH="$FPATH" "$M" flash "$IB"
status programmer-killed 1 'iceprog was ended by signal 15: the flash may be half-written' \
	env FAKE_SIGNAL=TERM PATH="$FPATH" "$M" flash "$IB"
j=$(fl "$IB" --sram --json 2>/dev/null)
check run-json jqok "$j" ".ok and .exit_status == 0 and .mode == \"sram\" and .board == \"icebreaker\"
	and .command == [\"iceprog\", \"-S\", \"$IB\"] and .metadata == \"$T/icebreaker/mmfree.json\" and .dry_run == false"
j=$(env FAKE_STATUS=2 PATH="$FPATH" "$M" flash "$IB" --json 2>/dev/null)
check run-json-failed jqok "$j" '(.ok | not) and .exit_status == 2'
j=$(fl "$UP" --dry-run --json --programmer openFPGALoader 2>/dev/null)
check dry-run-json jqok "$j" '.dry_run and (has("exit_status") | not) and .command[3] == "-c" and .command[4] == "ft232"'

# ---- --check: the board's INFO against the metadata, on the board model mmfree was built with ----
vb=$(cat build/vsim/board.name 2>/dev/null)
if [ -n "$vb" ] && [ -f "boards/$vb/board.mk" ]; then
	bitstream "$T/vb" "$vb"
	status check-agrees 0 "--check sim:$vb.*: board $vb, protocol version $proto, RTL revision 00000000: as expected" \
		fl "$T/vb/mmfree.bin" --check "sim:$vb?timeout_ms=5"
	bitstream "$T/vbrev" "$vb" '.git_rev = "deadbeef"'
	status check-git-rev 1 "the board says RTL revision 00000000, expected deadbeef \(\"git_rev\" in $T/vbrev/mmfree.json\)" \
		fl "$T/vbrev/mmfree.bin" --check "sim:$vb?timeout_ms=5"
	j=$(fl "$T/vbrev/mmfree.bin" --check "sim:$vb?timeout_ms=5" --json 2>/dev/null)
	check check-json jqok "$j" '(.ok | not) and .exit_status == 0 and .check.git_rev == "00000000" and (.check.ok | not)'
fi
status check-board 1 "--check cpu: the board says board sim, expected icebreaker" fl "$IB" --check cpu
status check-no-board 1 "programmed, but --check ftdi:NOPE: .*no FTDI board" fl "$IB" --check ftdi:NOPE
out=$(env FAKE_STATUS=2 PATH="$FPATH" "$M" flash "$IB" --check cpu 2>&1)
grep -q 'exited with status 2' <<<"$out" && ! grep -q -- '--check cpu:' <<<"$out" && ok check-not-after-failure \
	|| no check-not-after-failure "$out"

# ---- make prog: the board.mk's programmer, SRAM=1, PROGRAMMER=, a refusal stops it ----
mk() { reset; env PATH="$FPATH" make --no-print-directory -s prog "$@"; }
mk BOARD=upduino3 BITSTREAM="$UP" >/dev/null 2>&1
[ "$(ran)" = "iceprog|$UP" ] && ok make-prog-upduino3 || no make-prog-upduino3 "ran '$(ran)'"
mk BOARD=upduino3 BITSTREAM="$UP" SRAM=1 PROGRAMMER=openFPGALoader >/dev/null 2>&1
[ "$(ran)" = "openFPGALoader|-b|ice40_generic|-c|ft232|-m|$UP" ] && ok make-prog-upduino3-ofl-sram || no make-prog-upduino3-ofl-sram "ran '$(ran)'"
mk BOARD=icebreaker BITSTREAM="$IB" SRAM=1 >/dev/null 2>&1
[ "$(ran)" = "iceprog|-S|$IB" ] && ok make-prog-icebreaker-sram || no make-prog-icebreaker-sram "ran '$(ran)'"
out=$(mk BOARD=icebreaker BITSTREAM="$UP" 2>&1); st=$?
if [ $st -ne 0 ] && [ -z "$(ran)" ] && grep -q 'built for another board: "board" is upduino3' <<<"$out"; then ok make-prog-refuses
else no make-prog-refuses "exit $st, ran '$(ran)': $out"; fi
out=$(mk BOARD=icebreaker BITSTREAM="$IB" PROG_FLAGS=--dry-run 2>&1)
[ -z "$(ran)" ] && grep -qx "iceprog $IB" <<<"$out" && ok make-prog-dry-run || no make-prog-dry-run "ran '$(ran)': $out"

# ---- a bitstream from make bitstream, when there is one: bitstream.sh and mmfree agree ----
for b in icebreaker upduino3; do
	if [ -f "build/$b/mmfree.bin" ] && [ -f "build/$b/mmfree.json" ]; then
		status "real-bitstream-$b" 0 "^iceprog build/$b/mmfree.bin\$" \
			"$M" flash "build/$b/mmfree.bin" --board "$b" --dry-run
	fi
done

finish flash
