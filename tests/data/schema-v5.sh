#!/usr/bin/env bash
# schema-v5.sh - how tests/data/schema-v5.sql and schema-v5.history were
# made: with a test build of acctbatch at schema version 5 (commit 88bd9cd..
# 8df0fb4^, e.g. 'git worktree add /tmp/v5 8df0fb4^ && make -C /tmp/v5
# BUILD=build/check TEST_HOOKS=1'), run as
#   ACCTBATCH=/tmp/v5/build/check/acctbatch bash tests/data/schema-v5.sh
# It builds a database with five batches of every kind (inserts of all four
# entities, updates, a cascade delete, a sync, a revert), dumps it as SQL and
# records what that acctbatch's history printed of it. e2e.sh upgrades the
# dump with today's acctbatch and compares the history byte for byte.
set -euo pipefail
: "${ACCTBATCH:?}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/tests/data
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
export ACCTBATCH_TEST_WEAK_HASH=1
S=$ROOT/samples/onboarding/csv
# nine accounts and what belongs to them
keep='^(account_id|NL-000[1-8]|NL-0028),'
grep -E "$keep" "$S/accounts.csv" >accounts.csv
grep -E "$keep" "$S/contacts.csv" >contacts.csv
grep -E '^(invoice_number|[^,]*,NL-000[1-8]|[^,]*,NL-0028),' "$S/invoices.csv" >invoices.csv
grep -E "$keep" "$S/logins.csv" >logins.csv
ab() { "$ACCTBATCH" --no-progress --quiet --db v5.db "$@"; }
ACCTBATCH_NOW=2026-01-01T00:00:00Z ab import accounts.csv logins.csv contacts.csv invoices.csv
printf 'account_id,name,city\nNL-0001,Renamed One,Utrecht\nNL-0002,Renamed Two,\n' >rename.csv
printf 'account_id,email,first_name\n' >c2.csv
sed -n 2p contacts.csv | awk -F, '{ print $1 "," $4 ",Changed" }' >>c2.csv
ACCTBATCH_NOW=2026-01-02T00:00:00Z ab import --mode update --entity accounts rename.csv
ACCTBATCH_NOW=2026-01-02T12:00:00Z ab import --mode update --entity contacts c2.csv
awk -F, 'NR == 1 || $1 == "NL-0003"' contacts.csv | head -n 2 >sync.csv
ACCTBATCH_NOW=2026-01-03T00:00:00Z ab import --mode sync --entity contacts sync.csv
printf 'account_id\nNL-0028\n' >del.csv
grep -q '^[^,]*,NL-0028,' invoices.csv && { echo "NL-0028 has invoices: pick another" >&2; exit 1; }
ACCTBATCH_NOW=2026-01-04T00:00:00Z ab import --mode delete --cascade --entity accounts del.csv
ACCTBATCH_NOW=2026-01-05T00:00:00Z ab revert 2
{
	echo "-- A database at schema version 5, made by tests/data/schema-v5.sh with"
	echo "-- acctbatch at $(cd "$(dirname "$ACCTBATCH")/../.." && git rev-parse --short HEAD 2>/dev/null || echo '?'):"
	echo "-- six batches (inserts of all four entities, updates, a sync, a cascade"
	echo "-- delete, a revert) and their journal."
	sqlite3 v5.db .dump
	# .dump leaves the schema version out
	echo "PRAGMA user_version = $(sqlite3 v5.db 'PRAGMA user_version');"
} >"$OUT/schema-v5.sql"
{
	"$ACCTBATCH" --no-progress --db v5.db history
	"$ACCTBATCH" --no-progress --db v5.db history --format json
	n=$(sqlite3 v5.db 'select max(id) from batches')
	for b in $(seq 1 "$n"); do
		"$ACCTBATCH" --no-progress --db v5.db history "$b"
		"$ACCTBATCH" --no-progress --db v5.db history --format json "$b"
	done
} >"$OUT/schema-v5.history"
