#!/bin/bash
# tests/bad_samples.sh - run the error samples in samples/bad/ and compare
# what acctbatch prints with what each case expects.
#
#   ACCTBATCH=/abs/path/to/acctbatch bash tests/bad_samples.sh
#
# Each directory samples/bad/CODE/ that holds an `args` file is one case:
#   args             the acctbatch arguments after the global options (one line)
#   setup            optional; `onboarding` loads samples/onboarding/csv first
#   expected.stderr  the exact standard error of the run
#   expected.status  its exit status
#   other files      the inputs, named relative to the case directory
#
# A case runs in a fresh temporary directory holding a copy of its files and
# a fresh database case.db: either samples/onboarding/csv imported into it
# (setup `onboarding`) or an empty one made by `acctbatch init`. When an
# import is expected to exit 65 ("input invalid, nothing written") the
# database must be the same, `sqlite3 .dump` for `sqlite3 .dump`, after the
# run as before it.
#
# Every code of the code_names table in src/diag.c must have its case
# directory, and every case directory must be named after such a code.
#
# Prints `ok - bad/CODE` or `FAIL - bad/CODE: WHY` per case, then
# `bad-samples: N passed, M failed`; exits 1 when anything failed, 2 when it
# cannot run at all.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BAD="$ROOT/samples/bad"

export ACCTBATCH_TEST_WEAK_HASH=1
export ACCTBATCH_NOW=2026-11-26T14:07:06Z
unset ACCTBATCH_DB

if [ -z "${ACCTBATCH:-}" ]; then
	echo "bad_samples.sh: set ACCTBATCH to the acctbatch binary (absolute path)" >&2
	exit 2
fi
given=$ACCTBATCH
case "$ACCTBATCH" in
/*) ;;
*) ACCTBATCH="$(cd "$(dirname "$ACCTBATCH")" 2>/dev/null && pwd)/$(basename "$ACCTBATCH")" ;;
esac
if [ ! -x "$ACCTBATCH" ]; then
	echo "bad_samples.sh: ACCTBATCH=$given is not an executable file" >&2
	exit 2
fi
if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "bad_samples.sh: sqlite3 (the command-line shell) is needed to compare databases" >&2
	exit 2
fi

# The stable code names, from the code_names table of src/diag.c:
#	[DIAG_BAD_EMAIL] = "bad_email",
CODES=$(sed -n 's/^[[:space:]]*\[DIAG_[A-Z0-9_]*\][[:space:]]*=[[:space:]]*"\([a-z0-9_]*\)".*/\1/p' \
	"$ROOT/src/diag.c")
if [ -z "$CODES" ]; then
	echo "bad_samples.sh: found no code names in src/diag.c" >&2
	exit 2
fi

passed=0
failed=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bad_samples.XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT

# Print FILE indented, for the details under a FAIL line.
indent() {
	sed 's/^/    /' "$@"
}

is_code() {
	local c
	for c in $CODES; do
		[ "$c" = "$1" ] && return 0
	done
	return 1
}

# run_case DIR: run one case; print its ok/FAIL line; return 0 when it passed.
run_case() {
	local dir=$1 code t setup want_status got_status why="" argv=()
	code=$(basename "$dir")
	t="$WORK/$code"
	mkdir -p "$t"
	cp -R "$dir"/. "$t"/

	for f in expected.stderr expected.status; do
		if [ ! -f "$t/$f" ]; then
			echo "FAIL - bad/$code: $f is missing"
			return 1
		fi
	done
	if ! is_code "$code"; then
		echo "FAIL - bad/$code: not a code of src/diag.c (the directory must be named as its code)"
		return 1
	fi
	read -r -a argv <"$t/args"
	if [ ${#argv[@]} -eq 0 ]; then
		echo "FAIL - bad/$code: args is empty"
		return 1
	fi
	want_status=$(tr -d ' \t\r\n' <"$t/expected.status")

	(
		cd "$t" || exit 1
		setup=""
		[ -f setup ] && setup=$(tr -d ' \t\r\n' <setup)
		case "$setup" in
		onboarding)
			"$ACCTBATCH" --no-progress --db case.db import "$ROOT/samples/onboarding/csv" \
				>setup.out 2>&1 || { echo "setup: importing samples/onboarding/csv failed"; exit 1; }
			;;
		"")
			"$ACCTBATCH" --no-progress --db case.db init >setup.out 2>&1 ||
				{ echo "setup: acctbatch init failed"; exit 1; }
			;;
		*)
			echo "setup: unknown setup '$setup' (only 'onboarding')"
			exit 1
			;;
		esac
		sqlite3 case.db .dump >before.dump
		"$ACCTBATCH" --no-progress --db case.db "${argv[@]}" >actual.stdout 2>actual.stderr
		echo $? >actual.status
		sqlite3 case.db .dump >after.dump
	) >"$t/runner.log" 2>&1
	if [ ! -f "$t/actual.status" ]; then
		echo "FAIL - bad/$code: $(head -n 1 "$t/runner.log")"
		[ -f "$t/setup.out" ] && indent "$t/setup.out"
		return 1
	fi
	got_status=$(cat "$t/actual.status")

	if [ "$got_status" != "$want_status" ]; then
		why="${why:+$why; }exit status $got_status, expected $want_status"
	fi
	if ! cmp -s "$t/expected.stderr" "$t/actual.stderr"; then
		why="${why:+$why; }stderr differs"
	fi
	if [ "${argv[0]}" = import ] && [ "$want_status" = 65 ] &&
		! cmp -s "$t/before.dump" "$t/after.dump"; then
		why="${why:+$why; }the database changed although the import failed"
	fi
	if [ -z "$why" ]; then
		echo "ok - bad/$code"
		return 0
	fi
	echo "FAIL - bad/$code: $why (acctbatch --db case.db ${argv[*]})"
	if ! cmp -s "$t/expected.stderr" "$t/actual.stderr"; then
		diff -u --label expected.stderr --label actual.stderr \
			"$t/expected.stderr" "$t/actual.stderr" | indent
	fi
	if [ "${argv[0]}" = import ] && [ "$want_status" = 65 ] &&
		! cmp -s "$t/before.dump" "$t/after.dump"; then
		echo "    database rows changed (< before, > after; first 20, cut to 160 bytes):"
		diff "$t/before.dump" "$t/after.dump" | grep '^[<>]' | cut -c1-160 | head -n 20 |
			indent
	fi
	return 1
}

for dir in "$BAD"/*/; do
	dir=${dir%/}
	[ -f "$dir/args" ] || continue
	if run_case "$dir"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done

# every code keeps its case
for code in $CODES; do
	if [ ! -f "$BAD/$code/args" ]; then
		echo "FAIL - bad/$code: no case directory samples/bad/$code/ with an args file"
		failed=$((failed + 1))
	fi
done

echo "bad-samples: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
