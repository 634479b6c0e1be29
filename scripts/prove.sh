#!/usr/bin/env bash
# prove.sh TOP [PARAM=VALUE ...]
# Proves the `ifdef FORMAL assertions of rtl/TOP.v (and the modules it uses) by induction with
# Yosys: sat -tempinduct -prove-asserts. Memories are mapped to registers, so prove small
# configurations (the handshake logic does not depend on the sizes). The top is read with
# MMF_PROVE_TOP_<top> defined (assumptions that only hold for the module alone). MULTICLOCK=1 frees
# the clocks (clk2fflogic: each step any clocks may toggle) for a design with more than one.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 TOP [PARAM=VALUE ...]" >&2; exit 2; }
top=$1; shift
cd "$(dirname "$0")/.."
chp=""
for kv in "$@"; do chp="$chp -set ${kv%%=*} ${kv#*=}"; done
log=build/formal/$top${*:+_${*// /_}}.log
mkdir -p build/formal
rtl=$(ls ${RTL_DIR:-rtl}/*.v | tr '\n' ' ')
mc=""
[ -n "${MULTICLOCK:-}" ] && mc="clk2fflogic; opt_clean;"
if yosys -l "$log" -q -p "read_verilog -formal -DMMF_PROVE_TOP_$top -Ibuild/gen -I${RTL_DIR:-rtl} $rtl; \
	${chp:+chparam $chp $top;} prep -top $top; flatten; memory_map; opt -fast; $mc \
	sat -tempinduct -prove-asserts -set-assumes -verify -set-init-zero -maxsteps 12" >/dev/null 2>&1; then
	echo "prove $top $*: proven ($(grep -c 'Induction step proven' "$log" || true) induction step)"
else
	echo "prove $top $*: FAILED, see $log" >&2
	grep -E "failed|ERROR|Assert" "$log" | head -20 >&2
	exit 1
fi
