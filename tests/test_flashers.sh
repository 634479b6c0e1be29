#!/usr/bin/env bash
# The real flashers against the emulated iCEBreaker: the unmodified Debian `iceprog` (fpga-icestorm,
# libftdi 0.20 on libusb-0.1) drives channel A of the emulated FT2232H (mmfree-vboard --usb icebreaker
# --flash FILE, umockdev), whose MPSSE reaches the W25Q128JV model (sim/spiflash_emu.c), CRESET_B and
# CDONE (sim/ice40_cfg.c). Proves:
#  - the flash model's own checks (build/bin/spiflash_emu_test);
#  - `iceprog FILE`: exit 0, VERIFY OK, the flash file holds exactly the bitstream at offset 0, the
#    rest of the two erased 64 KiB blocks is 0xFF and nothing beyond them changed (a flash filled with
#    random bytes first); the time it took (the figure is printed);
#  - the flash persists: a later run boots from it (CDONE high at power-up for our bitstream, low for
#    an erased flash or a foreign bitstream, with the reason on stderr);
#  - `iceprog -S`: CDONE high for our bitstream clocked in as an SPI slave, low for another one with
#    the same preamble, and the flash (selected by the same line) unchanged either way;
#  - a write-protected flash (status 1 BP2..0 set): iceprog's own "Found difference" and exit 3, the
#    flash unchanged, the refusals said by the emulator; a foreign JEDEC ID reaches iceprog as is
#    (iceprog prints it and does not check it);
#  - openFPGALoader -b ice40_generic (the iCEBreaker's entry): the flash as above, -m (SRAM) with CDONE
#    for our bitstream only and the flash unchanged, a protected flash (its "Wait for CDONE FAIL", the
#    flash unchanged), a foreign ID detected as that part, --dump-flash reading the file's bytes;
#  - unplugged in the middle of programming: iceprog's write error (exit 2); flashing again recovers;
#  - with an erased flash the SoC on channel B stays silent (mmfree info: no answer; the emulator says
#    why); after iceprog -S in the same run it answers INFO;
#  - `make prog ... PROG_FLAGS='--check ftdi'`: mmfree flash runs the real iceprog (its progress passed
#    through), then asks the board INFO over channel B: board and revision as expected;
#  - --flash refuses a symlink, a directory and a file of the wrong size, leaving them as they were,
#    and needs the icebreaker chip.
# Uses build/icebreaker/mmfree.bin when there is one (make bitstream; test_bitstream.sh builds it too);
# without it, a stand-in with the iCE40 preamble, for which CDONE stays low (nothing to compare with).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
V=build/bin/mmfree-vboard
. tests/lib.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
command -v iceprog >/dev/null || { echo "no iceprog: apt-get install fpga-icestorm"; exit 1; }
[ -x "$V" ] && [ -x build/bin/spiflash_emu_test ] || { echo "no $V or spiflash_emu_test: make programs first"; exit 1; }
SIZE=16777216

# fl FILE [VBOARD OPTIONS...] -- PROGRAM...: run PROGRAM with FILE as the flash; stdout + stderr in
# $out (carriage returns as newlines, NULs dropped: openFPGALoader prints some), exit status in $rc
fl() {
	local f=$1; shift
	timeout 300 $V --usb icebreaker --flash "$f" "$@" > "$T/out" 2>&1; rc=$?
	out=$(tr -d '\000' < "$T/out" | tr '\r' '\n')
}
# want NAME RC PATTERN: the last run exited RC and its output holds PATTERN (grep -E)
want() {
	if [ "$rc" -eq "$2" ] && grep -Eq -- "$3" <<<"$out"; then ok "$1"; else no "$1" "exit $rc, expected $2: $(tail -12 <<<"$out")"; fi
}
# same NAME A B: the files are equal
same() { if cmp -s "$2" "$3"; then ok "$1"; else no "$1" "$2 and $3 differ: $(cmp "$2" "$3" 2>&1 | head -1)"; fi; }

# ---- the flash model on its own ----
check spiflash-model build/bin/spiflash_emu_test

# ---- the bitstream: ours, or a stand-in with the preamble ----
if [ -f build/icebreaker/mmfree.bin ]; then
	BIT=build/icebreaker/mmfree.bin ours=1
else
	BIT=$T/standin.bin ours=0
	{ printf '\xff\x00stand-in\x00\xff\x7e\xaa\x99\x7e'; head -c 104000 /dev/urandom; } > "$BIT"
	echo "note: no build/icebreaker/mmfree.bin (make bitstream): a stand-in, CDONE stays low"
fi
N=$(stat -c %s "$BIT")
END=$(( (N + 65535) / 65536 * 65536 ))      # iceprog erases 64 KiB blocks up to here
# a foreign bitstream: the same preamble and length, other bytes
{ head -c 64 "$BIT"; head -c $((N - 64)) /dev/urandom; } > "$T/foreign.bin"

# ---- iceprog FILE over a flash full of random bytes ----
head -c $SIZE /dev/urandom > "$T/before.bin"
cp "$T/before.bin" "$T/flash.bin"
t0=$(date +%s%N)
fl "$T/flash.bin" -- iceprog "$BIT"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
want iceprog-flash 0 'VERIFY OK'
want iceprog-flash-id 0 'flash ID: 0xEF 0x40 0x18 0x00'
cmp -s -n "$N" "$T/flash.bin" "$BIT" && ok flash-holds-bitstream || no flash-holds-bitstream "first $N bytes differ"
pad=$(tail -c +$((N + 1)) "$T/flash.bin" | head -c $((END - N)) | tr -d '\377' | wc -c)
[ "$pad" -eq 0 ] && ok erased-rest-of-blocks || no erased-rest-of-blocks "$pad bytes not 0xFF in [$N, $END)"
if cmp -s <(tail -c +$((END + 1)) "$T/flash.bin") <(tail -c +$((END + 1)) "$T/before.bin"); then
	ok nothing-else-changed
else no nothing-else-changed "bytes past $END changed"; fi
[ "$(stat -c %s "$T/flash.bin")" -eq $SIZE ] && ok flash-file-size || no flash-file-size "$(stat -c %s "$T/flash.bin")"
if [ "$ours" = 1 ]; then want cdone-after-flash 0 'cdone: high'; fi
if [ "$ms" -lt 60000 ]; then ok iceprog-time "$N bytes in $((ms / 1000)).$((ms % 1000 / 100)) s, within a minute"
else no iceprog-time "$N bytes took $ms ms"; fi

# ---- a later run boots from the flash it left ----
fl "$T/flash.bin" -- iceprog -t
if [ "$ours" = 1 ]; then
	[ "$(grep -m1 '^cdone:' <<<"$out")" = "cdone: high" ] && ok boots-from-flash || no boots-from-flash "$out"
fi
head -c $SIZE /dev/zero | tr '\0' '\377' > "$T/erased.bin"
fl "$T/erased.bin" -- iceprog -t
[ "$rc" -eq 0 ] && [ "$(grep -m1 '^cdone:' <<<"$out")" = "cdone: low" ] && grep -q 'erased' <<<"$out" \
	&& ok erased-flash-stays-unconfigured || no erased-flash-stays-unconfigured "$out"
cp "$T/erased.bin" "$T/foreignflash.bin"
dd if="$T/foreign.bin" of="$T/foreignflash.bin" conv=notrunc status=none
fl "$T/foreignflash.bin" -- iceprog -t
# without our bitstream there is nothing to tell a foreign one from: the stand-in run says so instead
if [ "$ours" = 1 ]; then
	[ "$(grep -m1 '^cdone:' <<<"$out")" = "cdone: low" ] && grep -q 'an iCE40 bitstream that is not' <<<"$out" \
		&& ok foreign-flash-stays-unconfigured || no foreign-flash-stays-unconfigured "$out"
else want foreign-flash-stays-unconfigured 0 'cdone: low'; fi

# ---- iceprog -S: SRAM, the iCE40 as an SPI slave ----
cp "$T/before.bin" "$T/sram.bin"
fl "$T/sram.bin" -- iceprog -S "$BIT"
# cdone_after_programming: iceprog's CDONE line once the bitstream is in
cdone_after_programming() { grep -A1 '^programming\.\.' <<<"$out" | tail -1; }
if [ "$ours" = 1 ]; then
	[ "$rc" -eq 0 ] && [ "$(cdone_after_programming)" = "cdone: high" ] && ok sram-ours-cdone-high \
		|| no sram-ours-cdone-high "exit $rc: $out"
else want sram-standin-cdone-low 0 'cdone: low'; fi
same sram-leaves-flash "$T/sram.bin" "$T/before.bin"
fl "$T/sram.bin" -- iceprog -S "$T/foreign.bin"
if [ "$ours" = 1 ]; then
	[ "$rc" -eq 0 ] && [ "$(cdone_after_programming)" = "cdone: low" ] && grep -q 'clocked in is not' <<<"$out" \
		&& ok sram-foreign-cdone-low || no sram-foreign-cdone-low "exit $rc: $out"
else want sram-foreign-cdone-low 0 'cdone: low'; fi
same sram-foreign-leaves-flash "$T/sram.bin" "$T/before.bin"

# ---- a write-protected flash; a foreign JEDEC ID ----
cp "$T/before.bin" "$T/wp.bin"
fl "$T/wp.bin" --flash-sr1 0x1C -- iceprog "$BIT"
want write-protected-iceprog-fails 3 'Found difference between flash and file!'
want write-protected-said 3 'refused [0-9]+ program, erase or status writes .*write-protected'
same write-protected-unchanged "$T/wp.bin" "$T/before.bin"
cp "$T/erased.bin" "$T/id.bin"
fl "$T/id.bin" --flash-id 20BA16 -- iceprog -t
want foreign-id-shown 0 'flash ID: 0x20 0xBA 0x16 0x00'

# ---- unplugged while programming, then flashed again ----
cp "$T/erased.bin" "$T/unplug.bin"
fl "$T/unplug.bin" --unplug-after-bytes 60000 -- iceprog "$BIT"
want unplug-iceprog-error 2 'Write error|Read error'
want unplug-said 2 'unplugged .* after [0-9]+ bytes on channel A'
fl "$T/unplug.bin" -- iceprog "$BIT"
want reflash-after-unplug 0 'VERIFY OK'
cmp -s -n "$N" "$T/unplug.bin" "$BIT" && ok reflash-holds-bitstream || no reflash-holds-bitstream "differs"

# ---- openFPGALoader (as board.mk's OFL_BOARD names the iCEBreaker): flash, SRAM, protection, ID ----
if command -v openFPGALoader >/dev/null; then
	cp "$T/before.bin" "$T/ofl.bin"
	fl "$T/ofl.bin" -- openFPGALoader -b ice40_generic "$BIT"
	want ofl-flash 0 'Detected: Winbond W25Q128'
	cmp -s -n "$N" "$T/ofl.bin" "$BIT" && ok ofl-flash-holds-bitstream || no ofl-flash-holds-bitstream "differs"
	# openFPGALoader erases what it writes, in 64, 32 and 4 KiB pieces: nothing past the last 64 KiB block
	if cmp -s <(tail -c +$((END + 1)) "$T/ofl.bin") <(tail -c +$((END + 1)) "$T/before.bin"); then
		ok ofl-nothing-else-changed
	else no ofl-nothing-else-changed "bytes past $END changed"; fi
	[ "$ours" = 1 ] && want ofl-cdone 0 'Wait for CDONE DONE'
	cp "$T/before.bin" "$T/oflsram.bin"
	fl "$T/oflsram.bin" -- openFPGALoader -b ice40_generic -m "$BIT"
	[ "$ours" = 1 ] && want ofl-sram-cdone 0 'Wait for CDONE DONE'
	fl "$T/oflsram.bin" -- openFPGALoader -b ice40_generic -m "$T/foreign.bin"
	want ofl-sram-foreign-cdone-fail 0 'Wait for CDONE FAIL'
	same ofl-sram-leaves-flash "$T/oflsram.bin" "$T/before.bin"
	# openFPGALoader 0.10 reads the protection, writes anyway and exits 0: CDONE FAIL is its error
	cp "$T/before.bin" "$T/oflwp.bin"
	fl "$T/oflwp.bin" --flash-sr1 0x1C -- openFPGALoader -b ice40_generic "$BIT"
	want ofl-write-protected 0 'Wait for CDONE FAIL'
	want ofl-write-protected-said 0 'refused [0-9]+ program, erase or status writes .*write-protected'
	same ofl-write-protected-unchanged "$T/oflwp.bin" "$T/before.bin"
	# a foreign ID: detected as that part; its first 4 KiB read back (--dump-flash) as the file holds them
	fl "$T/before.bin" --flash-id 20BA16 -- openFPGALoader -b ice40_generic --dump-flash --file-size 4096 "$T/dump.bin"
	want ofl-foreign-id 0 'Detected: micron N25Q32'
	cmp -s -n 4096 "$T/dump.bin" "$T/before.bin" && ok ofl-dump-flash || no ofl-dump-flash "the 4 KiB read differ"
else
	no openfpgaloader "not installed: bash scripts/deps.sh (Debian package openfpgaloader)"
fi

# ---- an unconfigured board answers nothing on channel B; loaded over SRAM, it answers INFO ----
M=build/bin/mmfree
cp "$T/erased.bin" "$T/dark.bin"
fl "$T/dark.bin" -- $M info --board ftdi
want unconfigured-no-answer 1 'SYNC seq 0: no answer'
want unconfigured-said 1 'went nowhere: the iCE40 was not configured \(CDONE low'
if [ "$ours" = 1 ]; then
	fl "$T/dark.bin" -- bash -c "iceprog -S '$BIT' && $M info --board ftdi"
	want sram-then-info 0 'board +icebreaker \(ftdi\)'
fi

# ---- make prog and mmfree flash --check ftdi end to end: iceprog on channel A, INFO on channel B ----
# The Verilator SoC behind channel B carries no revision (bitstream.sh writes it into a block RAM of
# the placed design: the simulation has 00000000), so the bitstream's metadata is given that revision;
# its bytes, and so CDONE, stay ours.
if [ "$ours" = 1 ] && [ -f build/icebreaker/mmfree.json ]; then
	mkdir -p "$T/prog"
	cp "$BIT" "$T/prog/mmfree.bin"
	jq '.git_rev = "00000000" | .local_changes = false' build/icebreaker/mmfree.json > "$T/prog/mmfree.json"
	cp "$T/erased.bin" "$T/prog.bin"
	fl "$T/prog.bin" -- make -s prog BOARD=icebreaker BITSTREAM="$T/prog/mmfree.bin" PROG_FLAGS='--check ftdi'
	want make-prog-check 0 'board icebreaker, protocol version [0-9]+, RTL revision 00000000: as expected'
	want make-prog-progress-passed 0 'VERIFY OK'
	cmp -s -n "$N" "$T/prog.bin" "$BIT" && ok make-prog-flash-holds-bitstream || no make-prog-flash-holds-bitstream "differs"
fi

# ---- what --flash refuses ----
ln -s "$T/before.bin" "$T/link.bin"
fl "$T/link.bin" -- iceprog -t
[ "$rc" -ne 0 ] && grep -q 'symbolic link: not followed' <<<"$out" && [ -L "$T/link.bin" ] \
	&& ok refuse-symlink || no refuse-symlink "exit $rc: $out"
mkdir "$T/dir.bin"
fl "$T/dir.bin" -- iceprog -t
[ "$rc" -ne 0 ] && grep -q 'no regular file' <<<"$out" && [ -d "$T/dir.bin" ] \
	&& ok refuse-directory || no refuse-directory "exit $rc: $out"
head -c 1000 /dev/urandom > "$T/small.bin"
cp "$T/small.bin" "$T/small0.bin"
fl "$T/small.bin" -- iceprog -t
[ "$rc" -ne 0 ] && grep -q 'holds 1000 bytes; the flash is 16777216 bytes' <<<"$out" \
	&& ok refuse-size || no refuse-size "exit $rc: $out"
same refuse-size-untouched "$T/small.bin" "$T/small0.bin"
out=$(timeout 60 $V --usb upduino3 --flash "$T/x.bin" -- true 2>&1); rc=$?
want flash-needs-icebreaker 2 'add icebreaker to --usb'
[ ! -e "$T/x.bin" ] && ok flash-needs-icebreaker-no-file || no flash-needs-icebreaker-no-file "created"
fl "$T/new.bin" --quiet -- true
[ "$rc" -eq 0 ] && cmp -s "$T/new.bin" "$T/erased.bin" && ok new-file-erased || no new-file-erased "exit $rc"

finish flashers
