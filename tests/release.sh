#!/usr/bin/env bash
# release.sh - the binary users get (the release objects, without hooks) runs the
# onboarding samples end to end and honours none of the test hooks: the
# clock, the hashing cost and read faults are the real ones (src/seams.h).
set -uo pipefail
: "${ACCTBATCH:?}"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SAMPLES=$ROOT/samples
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
source "$ROOT/tests/harness.sh"
# harness.sh exports the hooks the test build honours: here they must do nothing
export ACCTBATCH_TEST_FAIL_READ_AT=100
DB=$WORK/r.db
q() { sqlite3 "$DB" "$1"; }

begin "release build: the onboarding samples import (test hooks set, and ignored)"
run 0 ab --db "$DB" --quiet import "$SAMPLES/onboarding/csv" &&
	[ "$(q 'select count(*) from accounts')" -gt 0 ] && ok || fail "$(head -c 300 "$WORK/err")"

begin "release build: ACCTBATCH_NOW does not fix the clock"
t=$(q 'select started_at from batches where id = 1')
[ -n "$t" ] && [ "$t" != "$ACCTBATCH_NOW" ] && ok || fail "batch time '$t'"

begin "release build: ACCTBATCH_TEST_WEAK_HASH does not weaken a new password's hash"
h=$(q "select password_hash from logins where password_hash like '\$argon2id\$%' limit 1")
case "$h" in
'$argon2id$v=19$m=65536,t=2,p=1$'*) ok ;;
*) fail "hash '$h'" ;;
esac

begin "release build: export, import into an empty database, export: the same bytes"
run 0 ab --db "$DB" export -o "$WORK/c1.csv" contacts &&
	run 0 ab --db "$WORK/r2.db" --quiet import --entity accounts "$SAMPLES/onboarding/csv/accounts.csv" &&
	run 0 ab --db "$WORK/r2.db" --quiet import "$WORK/c1.csv" &&
	run 0 ab --db "$WORK/r2.db" export -o "$WORK/c2.csv" contacts &&
	cmp -s "$WORK/c1.csv" "$WORK/c2.csv" && ok || fail "$(head -c 300 "$WORK/err")"

verdict_check
echo "release: $passed passed, $failed failed"
[ "$failed" = 0 ]
