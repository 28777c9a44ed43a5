#!/usr/bin/env bash
# bench.sh - the benchmark of DESIGN section 8, run by 'make bench'.
# Generates (seeded) 100,000 accounts and 1,000,000 contacts, then prints in
# one run: acctbatch CSV import time / sqlite3 .import time of the same CSV,
# the revert of that import and the refused second revert / the import,
# history of a one-change batch on the database of 1,000,000 contacts (ms)
# into an equivalent table with acctbatch's own settings, key and foreign key,
# acctbatch XML import time / xmllint --stream --schema time, peak memory of
# importing 100,000 and 1,000,000 rows, acctbatch export of the 1,000,000
# contacts to CSV / sqlite3 -csv of the same rows in the same order, and the
# export's peak memory at 100,000 and 1,000,000 rows, and the
# standard-invoices mailing list over 1,000,000 invoices and the 1,000,000
# contacts (as .zip and as .tar.gz) / sqlite3 running the same join to CSV,
# with the list's peak memory. Medians of RUNS runs (default 3).
set -euo pipefail
: "${ACCTBATCH:?}" "${GEN_BENCH:?}"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${BENCH_DIR:-$ROOT/build/bench}
RUNS=${RUNS:-3}
ACCOUNTS=${ACCOUNTS:-100000}
CONTACTS=${CONTACTS:-1000000}
INVOICES=${INVOICES:-1000000}
mkdir -p "$DIR"
cd "$DIR"

if [ ! -f invoices.csv ] || [ "$(cat params 2>/dev/null)" != "$ACCOUNTS $CONTACTS $INVOICES" ]; then
	echo "generating $ACCOUNTS accounts, $CONTACTS contacts and $INVOICES invoices..."
	"$GEN_BENCH" "$ACCOUNTS" "$CONTACTS" . "$INVOICES"
	head -n $((CONTACTS / 10 + 1)) contacts.csv >contacts-small.csv
	rm -f lists.db lists.db-wal lists.db-shm
	echo "$ACCOUNTS $CONTACTS $INVOICES" >params
fi

now() { date +%s.%N; }
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# the accounts are loaded once; every timed run, the anchor's too, starts from a copy
rm -f base.db base.db-wal base.db-shm
"$ACCTBATCH" --no-progress --quiet --db base.db import accounts.csv
fresh() { rm -f run.db run.db-wal run.db-shm; cp base.db run.db; }

time_import() { # FILE -> seconds
	fresh
	local t0 t1
	t0=$(now)
	"$ACCTBATCH" --no-progress --quiet --db run.db import "$1"
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}

# The anchor is given exactly acctbatch's set-up: a copy of the same
# database with its accounts (8 KiB pages, WAL), the same 16 MiB cache,
# foreign keys on, the same key (WITHOUT ROWID, the email compared ignoring
# case) and the same foreign key to the same accounts table. Only the
# booleans stay text: sqlite3 .import does not convert them.
time_anchor() {
	rm -f anchor.db anchor.db-wal anchor.db-shm
	cp base.db anchor.db
	local t0 t1
	t0=$(now)
	sqlite3 anchor.db <<SQL >/dev/null
PRAGMA journal_mode = WAL;
PRAGMA foreign_keys = ON;
PRAGMA cache_size = -16384;
PRAGMA temp_store = MEMORY;
CREATE TABLE anchor_contacts(
  account_id TEXT NOT NULL REFERENCES accounts(account_id),
  first_name TEXT NOT NULL, last_name TEXT NOT NULL,
  email TEXT NOT NULL COLLATE NOCASE, country TEXT NOT NULL,
  standard_invoices TEXT NOT NULL, summary_invoices TEXT NOT NULL,
  important_notices TEXT NOT NULL,
  PRIMARY KEY (account_id, email)) STRICT, WITHOUT ROWID;
.mode csv
.import --skip 1 contacts.csv anchor_contacts
SQL
	t1=$(now)
	local n
	n=$(sqlite3 anchor.db 'SELECT count(*) FROM anchor_contacts')
	if [ "$n" != "$CONTACTS" ]; then
		echo "bench: the anchor imported $n contacts, not $CONTACTS" >&2
		exit 1
	fi
	echo "$t1 - $t0" | bc -l
}

time_xmllint() {
	local t0 t1
	t0=$(now)
	xmllint --stream --noout --schema "$ROOT/schemas/contacts.xsd" contacts.xml 2>/dev/null
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}

time_export() { # export the contacts of run.db to CSV
	local t0 t1
	t0=$(now)
	"$ACCTBATCH" --quiet --db run.db export -o export.csv contacts
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}

# the anchor: the same rows, columns and order straight from sqlite3
time_sqlite_export() {
	local t0 t1
	t0=$(now)
	sqlite3 -csv -header run.db "SELECT account_id, first_name, last_name, email, country,
	  standard_invoices, summary_invoices, important_notices, created_at, updated_at
	  FROM contacts ORDER BY account_id, email" >anchor-export.csv
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}

export_peak_kb() { # peak RSS in KiB of exporting the contacts of run.db
	/usr/bin/time -f %M "$ACCTBATCH" --quiet --db run.db export -o export.csv contacts 2>&1 | tail -n 1
}

peak_kb() { # FILE -> "peak RSS in KiB" "key index MiB at most (during a grow)" of importing it
	fresh
	/usr/bin/time -f %M "$ACCTBATCH" --no-progress --verbose --db run.db import "$1" 2>"$DIR/peak.err" >/dev/null
	printf '%s %s\n' "$(tail -n 1 "$DIR/peak.err")" "$(sed -n 's/.*key index: [0-9]* keys in .* (at most \([0-9.]*\) MiB while growing).*/\1/p' "$DIR/peak.err")"
}

time_cmd() { # CMD... -> seconds (any exit status)
	local t0 t1
	t0=$(now)
	"$@" >/dev/null 2>&1
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}

csv=() anchor=() xml=() lint=() rev=() rev2=()
for i in $(seq "$RUNS"); do
	echo "run $i of $RUNS..."
	csv+=("$(time_import contacts.csv)")
	# the batch of 1,000,000 contacts (batch 2) reverted, then the refused second revert
	rev+=("$(time_cmd "$ACCTBATCH" --no-progress --quiet --db run.db revert 2)")
	rev2+=("$(time_cmd "$ACCTBATCH" --no-progress --quiet --db run.db revert 2)")
	if "$ACCTBATCH" --no-progress --quiet --db run.db revert 2 2>/dev/null; then
		echo "bench: the second revert was not refused" >&2
		exit 1
	fi
	anchor+=("$(time_anchor)")
	xml+=("$(time_import contacts.xml)")
	lint+=("$(time_xmllint)")
done
# run.db now holds the 1,000,000 contacts of the last import
exp=() sqlexp=()
for i in $(seq "$RUNS"); do
	exp+=("$(time_export)")
	sqlexp+=("$(time_sqlite_export)")
done
# history of a batch that changed one contact, on that database
head -n 2 contacts.csv | awk -F, 'NR == 1 { print "account_id,email,first_name"; next } { print $1 "," $4 ",Renamed" }' >one.csv
"$ACCTBATCH" --no-progress --quiet --db run.db import --mode update one.csv
one_batch=$("$ACCTBATCH" --no-progress --db run.db history --limit 1 --format json |
	sed -n 's/.*"batch": *\([0-9]*\).*/\1/p' | head -n 1)
hist=()
for i in $(seq "$RUNS"); do
	hist+=("$(time_cmd "$ACCTBATCH" --no-progress --db run.db history "$one_batch")")
done
rm -f one.csv

# mailing lists: one database with the accounts, contacts and invoices
if [ ! -f lists.db ]; then
	echo "loading the mailing-list database..."
	"$ACCTBATCH" --no-progress --quiet --db lists.db import accounts.csv contacts.csv invoices.csv
fi
time_list() { # ARCHIVE
	local t0 t1
	t0=$(now)
	"$ACCTBATCH" --quiet --db lists.db lists --as-of 2026-12-01T00:00:00Z -o "$1" standard-invoices
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}
# the anchor: the same rows, columns and order from one join in sqlite3,
# roles and the currency's decimals included (the generator's currencies)
time_list_anchor() {
	local t0 t1
	t0=$(now)
	sqlite3 lists.db <<'SQL' >/dev/null
CREATE TEMP TABLE digits(currency TEXT PRIMARY KEY, d INTEGER) WITHOUT ROWID;
INSERT INTO digits VALUES ('EUR',2),('USD',2),('JPY',0),('KWD',3),('GBP',2),('NOK',2);
.headers on
.mode csv
.output anchor-list.csv
SELECT i.invoice_number, i.account_id, a.name AS account_name, i.kind, i.issued_on, i.due_on,
  i.currency, CASE d.d WHEN 0 THEN i.total ELSE printf('%d.%0*d', i.total / (CASE d.d WHEN 2
  THEN 100 ELSE 1000 END), d.d, i.total % (CASE d.d WHEN 2 THEN 100 ELSE 1000 END)) END AS total,
  c.email, c.first_name || ' ' || c.last_name AS name,
  'contact' || CASE WHEN lower(c.email) = lower(a.email) THEN ';holder' ELSE '' END
    || CASE WHEN EXISTS (SELECT 1 FROM logins AS l WHERE l.email = c.email
       AND l.account_id = i.account_id) THEN ';login' ELSE '' END AS role
FROM invoices AS i JOIN accounts AS a ON a.account_id = i.account_id
JOIN digits AS d ON d.currency = i.currency
JOIN contacts AS c ON c.account_id = i.account_id
WHERE i.kind = 'standard' AND i.status <> 'void' AND a.status <> 'closed'
  AND c.standard_invoices = 1
ORDER BY i.invoice_number, lower(c.email), c.email COLLATE BINARY;
SQL
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}
lzip=() ltgz=() lanchor=()
for i in $(seq "$RUNS"); do
	lzip+=("$(time_list list.zip)")
	ltgz+=("$(time_list list.tar.gz)")
	lanchor+=("$(time_list_anchor)")
done
list_rows=$(unzip -p list.zip standard-invoices.csv | wc -l)
anchor_rows=$(wc -l <anchor-list.csv)
if [ "$list_rows" != "$anchor_rows" ]; then
	echo "bench: the list has $list_rows lines, the anchor $anchor_rows: not the same query" >&2
	exit 1
fi
list_kb=$(/usr/bin/time -f %M "$ACCTBATCH" --quiet --db lists.db lists --as-of 2026-12-01T00:00:00Z -o list.zip standard-invoices 2>&1 | tail -n 1)
# the same with about a twelfth of the rows: memory must not follow the rows
list_small_kb=$(/usr/bin/time -f %M "$ACCTBATCH" --quiet --db lists.db lists --to 2025-02-28 --as-of 2026-12-01T00:00:00Z -o list.zip standard-invoices 2>&1 | tail -n 1)
list_small_rows=$(($(unzip -p list.zip standard-invoices.csv | wc -l) - 1))
m_lzip=$(printf '%s\n' "${lzip[@]}" | median)
m_ltgz=$(printf '%s\n' "${ltgz[@]}" | median)
m_lanchor=$(printf '%s\n' "${lanchor[@]}" | median)
rm -f list.zip list.tar.gz anchor-list.csv

m_exp=$(printf '%s\n' "${exp[@]}" | median)
m_sqlexp=$(printf '%s\n' "${sqlexp[@]}" | median)
m_csv=$(printf '%s\n' "${csv[@]}" | median)
m_anchor=$(printf '%s\n' "${anchor[@]}" | median)
m_xml=$(printf '%s\n' "${xml[@]}" | median)
m_lint=$(printf '%s\n' "${lint[@]}" | median)
m_rev=$(printf '%s\n' "${rev[@]}" | median)
m_rev2=$(printf '%s\n' "${rev2[@]}" | median)
m_hist=$(printf '%s\n' "${hist[@]}" | median)
read -r small_kb small_keys < <(peak_kb contacts-small.csv)
small_exp_kb=$(export_peak_kb)
read -r big_kb big_keys < <(peak_kb contacts.csv)
big_exp_kb=$(export_peak_kb)
rm -f export.csv anchor-export.csv
rm -f run.db run.db-wal run.db-shm anchor.db anchor.db-wal anchor.db-shm

printf '\nacctbatch benchmark: %s contacts over %s accounts, median of %s runs\n' "$CONTACTS" "$ACCOUNTS" "$RUNS"
printf '  %-44s %8.2f s\n' "acctbatch import contacts.csv" "$m_csv"
printf '  %-44s %8.2f s\n' "sqlite3 .import contacts.csv (anchor)" "$m_anchor"
printf '  %-44s %8.2f   (goal <= 1.5)\n' "CSV ratio" "$(echo "$m_csv / $m_anchor" | bc -l)"
printf '  %-44s %8.2f s\n' "acctbatch import contacts.xml" "$m_xml"
printf '  %-44s %8.2f s\n' "xmllint --stream --schema (anchor)" "$m_lint"
printf '  %-44s %8.2f   (goal <= 1.3)\n' "XML ratio" "$(echo "$m_xml / $m_lint" | bc -l)"
printf '  %-44s %8.2f s\n' "acctbatch revert of that import" "$m_rev"
printf '  %-44s %8.2f   (goal <= 1.5)\n' "revert ratio (revert / CSV import)" "$(echo "$m_rev / $m_csv" | bc -l)"
printf '  %-44s %8.2f s\n' "the refused second revert" "$m_rev2"
printf '  %-44s %8.2f   (goal <= 1.5)\n' "refused revert ratio (/ CSV import)" "$(echo "$m_rev2 / $m_csv" | bc -l)"
printf '  %-44s %8.0f ms (goal <= 50)\n' "history of a one-change batch, $CONTACTS rows" "$(echo "$m_hist * 1000" | bc -l)"
printf '  %-44s %8d KiB (key index at most %s MiB)\n' "peak memory, $((CONTACTS / 10)) contacts" "$small_kb" "$small_keys"
printf '  %-44s %8d KiB (key index at most %s MiB)\n' "peak memory, $CONTACTS contacts" "$big_kb" "$big_keys"
printf '  %-44s %8d KiB\n' "peak memory less key index, growth" \
	"$(echo "($big_kb - $big_keys * 1024) - ($small_kb - $small_keys * 1024)" | bc | cut -d. -f1)"
printf '  %-44s %8.2f s\n' "acctbatch export contacts to CSV" "$m_exp"
printf '  %-44s %8.2f s\n' "sqlite3 -csv of the same rows (anchor)" "$m_sqlexp"
printf '  %-44s %8.2f   (goal <= 1.2)\n' "export ratio" "$(echo "$m_exp / $m_sqlexp" | bc -l)"
printf '  %-44s %8d KiB\n' "export peak memory, $((CONTACTS / 10)) contacts" "$small_exp_kb"
printf '  %-44s %8d KiB\n' "export peak memory, $CONTACTS contacts" "$big_exp_kb"
printf '  %-44s %8d\n' "standard-invoices rows ($INVOICES invoices)" "$((list_rows - 1))"
printf '  %-44s %8.2f s\n' "acctbatch lists standard-invoices, .zip" "$m_lzip"
printf '  %-44s %8.2f s\n' "acctbatch lists standard-invoices, .tar.gz" "$m_ltgz"
printf '  %-44s %8.2f s\n' "sqlite3 join to CSV (anchor)" "$m_lanchor"
printf '  %-44s %8.2f   (goal <= 1.5)\n' "list ratio, .zip" "$(echo "$m_lzip / $m_lanchor" | bc -l)"
printf '  %-44s %8.2f   (goal <= 1.5)\n' "list ratio, .tar.gz" "$(echo "$m_ltgz / $m_lanchor" | bc -l)"
printf '  %-44s %8d KiB\n' "list peak memory, $list_small_rows rows (.zip)" "$list_small_kb"
printf '  %-44s %8d KiB\n' "list peak memory, $((list_rows - 1)) rows (.zip)" "$list_kb"
