#!/usr/bin/env bash
# The build's own front door, as a new user meets it. Proves:
#  - before scripts/deps.sh has run (pkg-config finds neither libusb nor umockdev), `make help` prints
#    the help and nothing on stderr, and a rule that needs the packages stops naming them and make deps;
#  - `make help` names every target a user types (demo, test, programs, deps, install, clean, ...);
#  - `make demo` builds mmfree-vboard too (the docs use it next);
#  - an unknown BOARD lists the boards, each a folder with a board.mk (not boards/energy.json);
#  - tests/run.sh runs tests by name, lists them, and fails on a name it does not know.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# a pkg-config that finds nothing, as on a machine where deps.sh has not run
if PKG_CONFIG_LIBDIR="$T/none" make --no-print-directory help >"$T/out" 2>"$T/err" && [ ! -s "$T/err" ] &&
	grep -q "make demo" "$T/out"; then ok help-without-packages-quiet
else no help-without-packages-quiet "$(cat "$T/err")"; fi
# -B -n: say what would be built, without building; the check stops it before any compile
refuse needs-packages-named "libusb-1.0 umockdev-1.0: run 'make deps'" \
	env PKG_CONFIG_LIBDIR="$T/none" make --no-print-directory -B build/host/board.o

missing=""
for t in demo test programs deps install clean bench-engines bitstream prog lint formal synth model "tests/run.sh"; do
	grep -q -- "$t" "$T/out" || missing="$missing $t"
done
if [ -z "$missing" ]; then ok help-names-targets; else no help-names-targets "missing:$missing"; fi

# -n: say what would run without running it (the sub-make line is shown, whatever is up to date)
out=$(make -n --no-print-directory demo 2>/dev/null | head -5)
if grep -q "build/bin/mmfree-vboard" <<<"$out"; then ok demo-builds-vboard
else no demo-builds-vboard "make -n demo does not build build/bin/mmfree-vboard"; fi

out=$(make --no-print-directory BOARD=foo help 2>&1)
want=$(for f in boards/*/board.mk; do basename "$(dirname "$f")"; done | tr '\n' ' ' | sed 's/ $//')
if grep -q "BOARD=foo: no boards/foo/board.mk (boards: $want)" <<<"$out"; then ok unknown-board-lists-boards
else no unknown-board-lists-boards "$out"; fi

if bash tests/run.sh --list > "$T/list" && grep -qx "hls-subset" "$T/list" && grep -qx "build" "$T/list"
then ok run-list; else no run-list "$(head -3 "$T/list")"; fi
refuse run-unknown-name "no test named 'no-such-test'" bash tests/run.sh no-such-test
if out=$(bash tests/run.sh hls-subset 2>&1) && grep -q "^PASS hls-subset " <<<"$out" &&
	grep -q "^1 passed, 0 failed" <<<"$out"; then ok run-one-by-name
else no run-one-by-name "$out"; fi

finish build
