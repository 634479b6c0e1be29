#!/usr/bin/env bash
# Files mmfree writes and reads (docs/host.md, "Files written and read"), on a tiny checkpoint and the
# cpu board. Proves:
#  - an output that is a character device or a FIFO is written through, never replaced by a regular
#    file; a symlink is followed (its target gets the content) and stays a symlink, a dangling one too;
#    a replaced regular file keeps its mode;
#  - a read-only file, a directory, a read-only file in mkmodel's folder are refused before any work,
#    exit 1, the file unchanged, no temporary left;
#  - SIGINT and SIGTERM in the middle of run and mkmodel exit 130 and 143 with one line naming what was
#    removed, and leave no *.part (an earlier logits file unchanged, a folder mkmodel made gone);
#  - a FIFO named config.json, model.safetensors or tokenizer.json is refused at once, not waited on.
# As root the character device is a private copy of /dev/null (mknod), so that a regression replaces
# that one and not the machine's.
set -uo pipefail
cd "$(dirname "$0")/.."
M=$PWD/build/bin/mmfree
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/lib.sh

$M mkmodel --out "$T/m" --hidden 32 --layers 1 --vocab 259 >/dev/null || { echo "mkmodel failed"; exit 1; }
ROW=$((259 * 4))                 # bytes of one logits row
SIZE=$((ROW * 3))                # <s> and two generated tokens
run() { $M run --model "$T/m" --prompt-ids 1 --max-new 2 --quiet "$@"; }
noparts() { ! compgen -G "$1/*.part" >/dev/null && ! compgen -G "$1/*/*.part" >/dev/null; }

# ---- outputs that are not regular files ----
NULL=/dev/null
if [ "$(id -u)" -eq 0 ] && mknod "$T/null" c 1 3 2>/dev/null; then NULL=$T/null; fi
if run --logits "$NULL" 2>"$T/err" && [ -c "$NULL" ]; then ok "char-device-written-through ($NULL)"
else no char-device-written-through "$(ls -l "$NULL"; cat "$T/err")"; fi

# /dev/stdout's kind of link (-> /proc/self/fd/1 -> pipe:[N]) onto a pipe: the bytes come through
ln -s /proc/self/fd/1 "$T/stdout"
n=$(run --logits "$T/stdout" 2>/dev/null | wc -c)
[ "$n" -eq "$SIZE" ] && [ -L "$T/stdout" ] && ok "proc-link-to-pipe ($n bytes)" || no proc-link-to-pipe "$n bytes"

mkfifo "$T/fifo"
timeout 10 cat "$T/fifo" > "$T/fifo.got" &   # bounded: a regression that never opens the FIFO
reader=$!
if run --logits "$T/fifo" 2>"$T/err"; then st=0; else st=$?; fi
wait $reader
if [ $st -eq 0 ] && [ -p "$T/fifo" ] && [ "$(stat -c %s "$T/fifo.got")" -eq "$SIZE" ]; then ok fifo-written-through
else no fifo-written-through "exit $st; $(ls -l "$T/fifo" "$T/fifo.got"; cat "$T/err")"; fi

# ---- symlinks: followed, never replaced ----
echo old > "$T/target.f32"
ln -s target.f32 "$T/link.f32"
if run --logits "$T/link.f32" 2>"$T/err" && [ -L "$T/link.f32" ] && [ "$(stat -c %s "$T/target.f32")" -eq "$SIZE" ]
then ok symlink-followed; else no symlink-followed "$(ls -l "$T"; cat "$T/err")"; fi
ln -s new.f32 "$T/dangling.f32"
if run --logits "$T/dangling.f32" 2>"$T/err" && [ -L "$T/dangling.f32" ] && [ "$(stat -c %s "$T/new.f32")" -eq "$SIZE" ]
then ok dangling-symlink-target-created; else no dangling-symlink-target-created "$(ls -l "$T"; cat "$T/err")"; fi

echo old > "$T/mode.f32"
chmod 640 "$T/mode.f32"
run --logits "$T/mode.f32" 2>/dev/null
[ "$(stat -c %a "$T/mode.f32")" = 640 ] && [ "$(stat -c %s "$T/mode.f32")" -eq "$SIZE" ] && ok replaced-file-keeps-mode \
	|| no replaced-file-keeps-mode "$(ls -l "$T/mode.f32")"

# ---- refusals, before the model is loaded ----
echo keep > "$T/ro.f32"
chmod 444 "$T/ro.f32"
if out=$(run --logits "$T/ro.f32" 2>&1); then st=0; else st=$?; fi
if [ $st -eq 1 ] && grep -q "ro.f32: a read-only file" <<<"$out" && ! grep -q '^load' <<<"$out" &&
	[ "$(cat "$T/ro.f32")" = keep ] && noparts "$T"; then ok read-only-refused
else no read-only-refused "exit $st; $out"; fi
ln -s ro.f32 "$T/ro-link.f32"
refuse read-only-through-symlink "ro.f32.*symlink .*ro-link.f32" run --logits "$T/ro-link.f32"
refuse directory-refused "a directory" run --logits "$T"
refuse plot-read-only-refused "--plot: .*ro.f32: a read-only file" \
	$M bench model --model "$T/m" --board 'sim?timeout_ms=5' --tokens 1 --plot "$T/ro.f32"

mkdir "$T/mk"
echo '{}' > "$T/mk/config.json"
chmod 444 "$T/mk/config.json"
if out=$($M mkmodel --out "$T/mk" --hidden 32 --layers 1 2>&1); then st=0; else st=$?; fi
if [ $st -ne 0 ] && grep -q "config.json: a read-only file" <<<"$out" && [ ! -e "$T/mk/model.safetensors" ] &&
	[ "$(cat "$T/mk/config.json")" = '{}' ] && noparts "$T/mk"; then ok mkmodel-read-only-refused
else no mkmodel-read-only-refused "exit $st; $out; $(ls "$T/mk")"; fi

# ---- interrupts ----
# interrupt SIG WAITGLOB PROGRAM ARGS...: start the program (not a shell function: the signal goes to
# the process started) (job control on, so that SIGINT is not ignored as
# in a background job), wait for its temporary to appear, send the signal; $st: its exit status,
# $T/int.err its stderr
interrupt() {
	local sig=$1 glob=$2 i; shift 2
	set -m
	"$@" > /dev/null 2> "$T/int.err" &
	local pid=$!
	set +m
	for i in $(seq 200); do compgen -G "$glob" >/dev/null && break; sleep 0.05; done
	sleep 0.2
	kill -"$sig" $pid 2>/dev/null
	wait $pid
	st=$?
}
echo earlier > "$T/long.f32"
for sig in INT TERM; do
	want=$([ $sig = INT ] && echo 130 || echo 143)
	interrupt $sig "$T/long.f32.*.part" $M run --model "$T/m" --prompt a --quiet --logits "$T/long.f32" --max-new 100000
	err=$(cat "$T/int.err")
	if [ $st -eq "$want" ] && [ "$(wc -l < "$T/int.err")" -eq 1 ] &&
		grep -q "^mmfree: run: interrupted (SIG$sig); removed partial .*long.f32\..*\.part$" <<<"$err" &&
		[ "$(cat "$T/long.f32")" = earlier ] && noparts "$T"; then ok "run-sig$sig-exit-$want"
	else no "run-sig$sig-exit-$want" "exit $st; $err; $(ls "$T")"; fi
done
interrupt TERM "$T/big/*.part" $M mkmodel --out "$T/big" --hidden 1024 --layers 24 --vocab 32000
if [ $st -eq 143 ] && [ ! -e "$T/big" ] && grep -q "^mmfree: mkmodel: interrupted (SIGTERM); removed partial" "$T/int.err"
then ok mkmodel-interrupted-leaves-nothing; else no mkmodel-interrupted-leaves-nothing "exit $st; $(cat "$T/int.err"; ls -R "$T/big" 2>&1)"; fi

# ---- inputs that are FIFOs: refused at once ----
for f in config.json model.safetensors tokenizer.json; do
	mkdir "$T/in-$f"
	cp "$T/m/config.json" "$T/m/model.safetensors" "$T/in-$f/"
	rm -f "$T/in-$f/$f"
	mkfifo "$T/in-$f/$f"
	if out=$(timeout 10 $M run --model "$T/in-$f" --max-new 1 --quiet 2>&1); then st=0; else st=$?; fi
	if [ $st -eq 1 ] && grep -q "$f: a FIFO, not a regular file" <<<"$out"; then ok "fifo-$f-refused"
	else no "fifo-$f-refused" "exit $st (124: it hung); $out"; fi
done

# mmfree flash: a FIFO as the bitstream or as its metadata (mmfree.json beside it) is refused at once
mkdir "$T/fl"
printf '\xff\x00mmfree test\x00\xff\x7e\xaa\x99\x7e' > "$T/fl/mmfree.bin"
mkfifo "$T/fl/mmfree.json"
if out=$(timeout 10 $M flash "$T/fl/mmfree.bin" --meta "$T/fl/mmfree.json" --board icebreaker --dry-run 2>&1); then st=0; else st=$?; fi
if [ $st -eq 1 ] && grep -q "mmfree.json: a FIFO, not a regular file" <<<"$out"; then ok fifo-flash-metadata-refused
else no fifo-flash-metadata-refused "exit $st (124: it hung); $out"; fi
mkfifo "$T/fl/fifo.bin"
if out=$(timeout 10 $M flash "$T/fl/fifo.bin" --board icebreaker --dry-run --force 2>&1); then st=0; else st=$?; fi
if [ $st -ne 0 ] && [ $st -ne 124 ] && grep -q "fifo.bin.*not a regular file" <<<"$out"; then ok fifo-flash-bitstream-refused
else no fifo-flash-bitstream-refused "exit $st (124: it hung); $out"; fi

finish outputs
