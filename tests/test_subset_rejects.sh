#!/usr/bin/env bash
# Proves the subset checker can fail: each forbidden construct, planted in a copy of hls_c, must be
# rejected (a float, a malloc, a library call hidden from the word scan, a recursive function).
set -uo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
plant() {  # plant NAME CODE: append CODE to a copy of tac.c, expect the checker to refuse it
	rm -rf "$tmp/h"; cp -r hls_c "$tmp/h"
	printf '%s\n' "$2" >> "$tmp/h/tac.c"
	if tools/check_hls_subset.sh "$tmp/h" >/dev/null 2>&1; then
		echo "not rejected: $1"; bad=1
	else
		echo "rejected: $1"
	fi
}
plant float 'int32_t tac_bad(int32_t a) { float f = (float)a; return (int32_t)(f * 0.5f); }'
plant malloc 'void *malloc(unsigned long); void *tac_bad(void) { return malloc(4); }'
plant hidden-call 'int tac_ext(int); int tac_bad(int a) { return tac_ext(a); }'
plant recursion 'uint32_t tac_bad(uint32_t n) { return n ? tac_bad(n - 1u) + 1u : 0u; }'
plant mutual-recursion 'uint32_t tac_b2(uint32_t n); uint32_t tac_b1(uint32_t n) { return n ? tac_b2(n - 1u) : 0u; } uint32_t tac_b2(uint32_t n) { return n ? tac_b1(n - 1u) : 1u; }'
plant vla 'int32_t tac_bad(uint32_t n) { int32_t v[n]; v[0] = 1; return v[0]; }'
[ $bad -eq 0 ] && echo "every planted violation was rejected"
exit $bad
