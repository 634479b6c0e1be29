# tests/lib.sh: what the shell tests share. Source it, then use:
#   ok NAME [NOTE] / no NAME [DETAIL]      count a check passed or failed (DETAIL's last lines shown)
#   check NAME COMMAND...                  the command must succeed
#   refuse NAME PATTERN COMMAND...         the command must fail, with PATTERN in its output
#   jqok JSON FILTER                       the jq filter must be true of JSON
#   finish LABEL                           "LABEL: N passed, M failed"; the exit status to return
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "PASS $1${2:+ ($2)}"; }
no() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && echo "$2" | tail -8 | sed 's/^/   | /'; return 0; }
check() {
	local name=$1 out; shift
	if out=$("$@" 2>&1); then ok "$name"; else no "$name" "$out"; fi
}
refuse() {
	local name=$1 pat=$2 out; shift 2
	if out=$("$@" 2>&1); then no "$name" "accepted: $out"
	elif grep -q -- "$pat" <<<"$out"; then ok "$name"
	else no "$name" "message lacks '$pat': $out"; fi
}
jqok() { jq -e "$2" <<<"$1" >/dev/null 2>&1; }
finish() {
	echo "$1: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
