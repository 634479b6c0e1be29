#!/usr/bin/env bash
# prove.sh TOP [PARAM=VALUE ...]
# Proves the `ifdef FORMAL assertions of rtl/TOP.v (and the modules it uses) by induction with
# Yosys: sat -tempinduct -prove-asserts. Memories are mapped to registers, so prove small
# configurations (the handshake logic does not depend on the sizes).
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 TOP [PARAM=VALUE ...]" >&2; exit 2; }
top=$1; shift
cd "$(dirname "$0")/.."
chp=""
for kv in "$@"; do chp="$chp -set ${kv%%=*} ${kv#*=}"; done
log=build/formal/$top${*:+_${*// /_}}.log
mkdir -p build/formal
rtl=$(ls ${RTL_DIR:-rtl}/*.v | tr '\n' ' ')
if yosys -l "$log" -q -p "read_verilog -formal -Ibuild/gen -I${RTL_DIR:-rtl} $rtl; \
	${chp:+chparam $chp $top;} prep -top $top; flatten; memory_map; opt -fast; \
	sat -tempinduct -prove-asserts -set-assumes -verify -set-init-zero -maxsteps 12" >/dev/null 2>&1; then
	echo "prove $top $*: proven ($(grep -c 'Induction step proven' "$log" || true) induction step)"
else
	echo "prove $top $*: FAILED, see $log" >&2
	grep -E "failed|ERROR|Assert" "$log" | head -20 >&2
	exit 1
fi
