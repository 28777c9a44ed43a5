# harness.sh - what the shell tests share (sourced by e2e.sh, hardening.sh,
# crash.sh and faults.sh): the acctbatch wrapper and the test bookkeeping.
# The sourcing script sets ACCTBATCH and WORK first, and ends with
# 'echo "NAME: $passed passed, $failed failed"; [ "$failed" = 0 ]'.
export ACCTBATCH_TEST_WEAK_HASH=1 # fast Argon2id parameters: tests only
export ACCTBATCH_NOW=2026-11-26T14:07:06Z
unset ACCTBATCH_DB
passed=0
failed=0
name=""

ab() { "$ACCTBATCH" --no-progress "$@"; }
# abx: ab as the last thing a (background) subshell does, so that $! is acctbatch itself
abx() { exec "$ACCTBATCH" --no-progress "$@"; }

# A test is begun, then decided by ok or fail; one that ends undecided (a
# check in a chain of && failed without a fail of its own) counts as failed.
decided=1
begin() {
	verdict_check
	name=$1
	decided=0
}
ok() {
	passed=$((passed + 1))
	decided=1
	echo "ok - $name"
}
fail() {
	failed=$((failed + 1))
	decided=1
	echo "FAIL - $name: $*"
}
# verdict_check: the test under way (if any) got its verdict; call it before the totals too
verdict_check() {
	[ "$decided" = 1 ] || fail "no verdict: a check failed without saying which"
}

# run STATUS CMD...: run CMD capturing stdout/stderr in $WORK/out, $WORK/err
run() {
	local want=$1
	shift
	"$@" >"$WORK/out" 2>"$WORK/err"
	status=$?
	if [ "$status" != "$want" ]; then
		fail "exit status $status, expected $want; stderr: $(head -c 600 "$WORK/err")"
		return 1
	fi
	return 0
}

# has_err TEXT, has_out TEXT: the last run's stderr or stdout contains TEXT
has_err() { grep -qF -- "$1" "$WORK/err"; }
has_out() { grep -qF -- "$1" "$WORK/out"; }
# err_is TEXT: the last run's whole stderr is TEXT (trailing newlines aside)
err_is() { [ "$(cat "$WORK/err")" = "$1" ]; }
# out_is TEXT: the last run's whole stdout is TEXT (trailing newlines aside)
out_is() { [ "$(cat "$WORK/out")" = "$1" ]; }
