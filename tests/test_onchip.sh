#!/usr/bin/env bash
# The on-chip forward pass in fixed point (hls_c/mmf_onchip.c, docs/onchip.md). Proves:
#  - the subset checker reads mmf_onchip.c: a float planted in a copy of it is refused;
#  - the ROM tables are what tools/gen_onchip_tab.py writes (no hand edits);
#  - host_onchip: every table entry and the element-wise functions against libm, the quantiser, the
#    corner inputs, and the fixed-point logits against the float runtime (the reference's tolerance,
#    mean drift within twice the float runtime's own) on models of both writers (mkmodel's init and the reference's harsher one, where sigmoid and SiLU
#    are far from linear), greedy agreement reported; too big or wrongly packed models refused.
set -uo pipefail
cd "$(dirname "$0")/.."
M=build/bin/mmfree
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/lib.sh

cp -r hls_c "$T/hls"
printf '%s\n' 'int32_t mmf_onchip_bad(int32_t a) { float f = (float)a; return (int32_t)(f * 0.5f); }' >> "$T/hls/mmf_onchip.c"
refuse subset-covers-onchip "mmf_onchip.c" tools/check_hls_subset.sh "$T/hls"

/usr/bin/python3 tools/gen_onchip_tab.py > "$T/tab.c" && cmp -s "$T/tab.c" hls_c/mmf_onchip_tab.c \
	&& ok tables-generated || no tables-generated "hls_c/mmf_onchip_tab.c differs from tools/gen_onchip_tab.py's output"

# mkmodel's init (projections N(0, 0.02^2)) and the reference writer's (pre-activations near 1)
$M mkmodel --out "$T/a" --hidden 96 --layers 2 --vocab 259 --seed 3 >/dev/null || exit 1
$M mkmodel --out "$T/b" --hidden 64 --layers 3 --vocab 259 --seed 5 >/dev/null || exit 1
$M mkmodel --out "$T/c" --hidden 80 --layers 4 --vocab 259 --intermediate 256 --seed 9 >/dev/null || exit 1
/usr/bin/python3 tests/ref/write_ckpt.py --out "$T/r" --hidden 96 --layers 2 --vocab 259 --seed 7 >/dev/null || exit 1
/usr/bin/python3 tests/ref/write_ckpt.py --out "$T/r4" --hidden 80 --layers 4 --vocab 259 --intermediate 256 \
	--seed 8 >/dev/null || exit 1
# 4 layers of d 128: more packed words than the weight memory holds
$M mkmodel --out "$T/big" --hidden 128 --layers 4 --vocab 259 >/dev/null || exit 1
if out=$(build/bin/host_onchip "$T/a" 128 "$T/b" 128 "$T/c" 128 "$T/r" 128 "$T/r4" 128 --too-big "$T/big" 2>&1); then
	ok host-onchip
else
	no host-onchip "$(grep -m 8 FAIL <<<"$out")"
fi
grep -v '^FAIL' <<<"$out" | sed "s|$T/||"

finish onchip
