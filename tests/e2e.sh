#!/usr/bin/env bash
# e2e.sh - end-to-end tests of the built binary: outputs, exit statuses and
# database contents. Run by 'make e2e' (and 'make check') with ACCTBATCH set
# to the binary and CONFORMANCE_DIR to the shared conformance data.
set -u
: "${ACCTBATCH:?set ACCTBATCH to the acctbatch binary}"
: "${CONFORMANCE_DIR:=../shared/conformance}"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SAMPLES=$ROOT/samples
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
. "$ROOT/tests/harness.sh"
q() { sqlite3 "$DB" "$1"; }
dump() { sqlite3 "$1" .dump; }

fresh() {
	DB=$WORK/$1.db
	rm -f "$DB" "$DB-wal" "$DB-shm"
}
# wait_until CMD...: run CMD every 50 ms until it succeeds, for at most 10 s (a fixed
# sleep is too short when make check runs four test scripts at a time)
wait_until() {
	local i
	for i in $(seq 1 200); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}
# sha256_of FILE: FILE's SHA-256 in hex
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# ---------------------------------------------------------------- samples
begin "onboarding CSV imports into a fresh database"
fresh csv
# what importing the onboarding samples into an empty database prints
onboarded='            inserted   updated unchanged   deleted  rejected
accounts          32         0         0         0         0
logins            72         0         0         0         0
contacts          61         0         0         0         0
invoices          88         0         0         0         0
batch 1 committed'
if run 0 ab --db "$DB" import "$SAMPLES/onboarding/csv"; then
	if out_is "$onboarded" &&
		[ "$(q 'select count(*) from accounts')" = 32 ] &&
		[ "$(q 'select count(*) from journal where batch_id = 1')" = 253 ]; then ok; else fail "summary or counts: $(cat "$WORK/out")"; fi
fi

begin "re-importing the same files changes nothing and counts unchanged"
if run 0 ab --db "$DB" import "$SAMPLES/onboarding/csv"; then
	if out_is '            inserted   updated unchanged   deleted  rejected
accounts           0         0        32         0         0
logins             0         0        72         0         0
contacts           0         0        61         0         0
invoices           0         0        88         0         0
batch 2 committed' &&
		[ "$(q 'select count(*) from journal where batch_id = 2')" = 0 ]; then ok; else fail "$(cat "$WORK/out")"; fi
fi

begin "onboarding XML gives the same database content as CSV"
CSVDB=$DB
fresh xml
if run 0 ab --db "$DB" import "$SAMPLES/onboarding/xml"; then
	same=1
	for t in "accounts" "contacts" "invoices" "logins"; do
		cols=$(sqlite3 "$DB" "select group_concat(name) from pragma_table_info('$t') where name not in ('password_hash','created_at','updated_at')")
		if [ "$(sqlite3 "$DB" "select $cols from $t order by 1,2")" != "$(sqlite3 "$CSVDB" "select $cols from $t order by 1,2")" ]; then
			same=0
			fail "table $t differs"
		fi
	done
	[ $same = 1 ] && ok
fi

begin "amounts are stored as integer minor units per currency"
if [ "$(q "select typeof(total) from invoices group by 1")" = integer ] &&
	[ "$(q "select total from invoices where currency = 'KWD' and total = 1250375")" = 1250375 ] &&
	[ "$(q "select count(*) from invoices where currency = 'JPY'")" -gt 0 ]; then ok; else fail "totals"; fi

begin "a schema version 1 database is upgraded and keeps its journal"
fresh v1
sqlite3 "$DB" <"$ROOT/tests/data/schema-v1.sql"
printf 'account_id,name,email,country\nNEW-1,New,new@x.example,SE\n' >"$WORK/new.csv"
if run 0 ab --db "$DB" init && err_is "acctbatch: init: database '$DB' is at schema version 8" &&
	[ "$(q "select count(*) from sqlite_schema where name = 'export_jobs'")" = 1 ] &&
	run 0 ab --db "$DB" import "$WORK/new.csv"; then
	# the old inserts are full entries, the new one a compact insert; each has an id
	want='1|OLD-1|insert|1|Old One
1|OLD-2|insert|1|Old Two
2|OLD-1|update|1|Old One Renamed
3|NEW-1|insert|1|New'
	got=$(q "select batch_id, key, op, id is not null, after ->> 'name' from journal order by batch_id, id, key")
	# migration 6 indexed the changes logged before it, and the new import's
	if [ "$got" = "$want" ] && [ "$(q 'select count(*) from accounts where inserted_by is null')" = 2 ] &&
		[ "$(q 'select count(*) from journal_keys')" = "$(q 'select count(*) from journal_logged')" ] &&
		[ "$(q "select group_concat(key || ':' || op || ':' || batch_id) from journal_keys")" = "OLD-1:insert:1,OLD-1:update:2,OLD-2:insert:1" ] &&
		[ "$(q "select inserted_by from accounts where account_id = 'NEW-1'")" = 3 ]; then ok; else fail "$got"; fi
else
	fail "upgrade: $(cat "$WORK/err")"
fi

begin "a version 1 database with logins and contacts loses email_norm, keeps keys case-insensitive"
fresh v1b
sqlite3 "$DB" <"$ROOT/tests/data/schema-v1.sql"
sqlite3 "$DB" "INSERT INTO logins VALUES('mixed.case@old.example', 'OLD-1', 'Mixed.Case@Old.example',
  'Old Login', '\$argon2id\$v=19\$m=65536,t=2,p=1\$c29tZXNhbHQ\$aGFzaGhhc2hoYXNoaGFzaA', 1, 0, 0, 1,
  '2026-11-26T16:44:51Z', '2026-11-26T16:44:51Z');
INSERT INTO contacts VALUES('OLD-2', 'bob@old.example', 'Bob', 'Old', 'Bob@Old.example', 'FR', 1, 0, 1,
  '2026-11-26T16:44:51Z', '2026-11-26T16:44:51Z');"
printf 'account_id,first_name,last_name,email,country,standard_invoices,summary_invoices,important_notices\nOLD-2,Bob,Renamed,BOB@old.example,FR,true,false,true\nOLD-2,Ann,New,Ann@Old.example,FR,true,true,true\n' >"$WORK/c.csv"
if run 0 ab --db "$DB" init && err_is "acctbatch: init: database '$DB' is at schema version 8" &&
	[ "$(q "select count(*) from pragma_table_info('contacts') where name = 'email_norm'")" = 0 ] &&
	[ "$(q "select count(*) from pragma_table_info('logins') where name = 'email_norm'")" = 0 ] &&
	[ "$(q "select email from logins where email = 'MIXED.case@OLD.example'")" = Mixed.Case@Old.example ] &&
	run 0 ab --db "$DB" import --mode upsert "$WORK/c.csv"; then
	# the upsert found Bob whatever the case; the journal keys are lower case
	want='OLD-2|Ann@Old.example|New
OLD-2|BOB@old.example|Renamed'
	keys='["OLD-2","ann@old.example"]|insert
["OLD-2","bob@old.example"]|update'
	got=$(q "select account_id, email, last_name from contacts order by account_id, email")
	gotk=$(q "select key, op from journal where entity = 'contacts' order by key")
	if [ "$got" = "$want" ] && [ "$gotk" = "$keys" ]; then ok; else fail "$got / $gotk"; fi
else
	fail "upgrade: $(cat "$WORK/err")"
fi

begin "a schema version 5 database with history is upgraded: history prints what version 5 printed"
fresh v5
sqlite3 "$DB" <"$ROOT/tests/data/schema-v5.sql"
{
	ab --db "$DB" history
	ab --db "$DB" history --format json
	for b in $(seq 1 "$(q 'select max(id) from batches')"); do
		ab --db "$DB" history "$b"
		ab --db "$DB" history --format json "$b"
	done
} >"$WORK/v5.history" 2>"$WORK/err"
if [ "$(q 'pragma user_version')" != 5 ] &&
	cmp -s "$WORK/v5.history" "$ROOT/tests/data/schema-v5.history"; then ok; else
	fail "$(diff "$ROOT/tests/data/schema-v5.history" "$WORK/v5.history" | head -20) $(head -c 300 "$WORK/err")"
fi

begin "the journal of an upgraded version 5 database reverts: a revert, an update, a cascade delete"
# batch 6 reverted batch 2's renames; batch 3 renamed a contact; batch 5 deleted NL-0028
c3=$(q "select first_name from contacts where first_name = 'Changed'")
if run 0 ab --db "$DB" revert 6 && [ "$(q "select name from accounts where account_id = 'NL-0001'")" = "Renamed One" ] &&
	run 0 ab --db "$DB" revert 3 && [ "$c3" = Changed ] && [ "$(q "select count(*) from contacts where first_name = 'Changed'")" = 0 ] &&
	run 0 ab --db "$DB" revert 5 && [ "$(q "select count(*) from contacts where account_id = 'NL-0028'")" = 2 ] &&
	[ "$(q "select count(*) from logins where account_id = 'NL-0028'")" = 1 ]; then ok; else fail "$(cat "$WORK/err")"; fi

begin "history of a batch whose journal cannot be read says so (74), not that standard output failed"
bad=$(q "select batch_id from journal_chunks order by id desc limit 1")
q "update journal_chunks set changes = '[' where batch_id = $bad"
if run 74 ab --db "$DB" history "$bad" &&
	err_is "acctbatch: history: cannot read the journal: malformed JSON"; then ok; else
	fail "$(cat "$WORK/err")"
fi

# ---------------------------------------------------------------- passwords
begin "plaintext passwords appear nowhere: database, WAL, journal, stderr, report, rejects"
fresh pw
cat >"$WORK/acc.csv" <<'CSV'
account_id,name,email,country
PW-1,Pw Test,holder@pw.example,DE
CSV
cat >"$WORK/logins.csv" <<'CSV'
account_id,email,full_name,password,password_confirm,activate_licenses
PW-1,one@pw.example,One,Sekrit-Plaintext-One,Sekrit-Plaintext-One,true
PW-1,two@pw.example,Two,Sekrit-Plaintext-Two,Sekrit-Plaintext-TwX,true
PW-1,three@pw.example,Three,short-Sekrit,short-Sekrit,false
CSV
run 1 ab --db "$DB" import --on-error skip --report "$WORK/pw.json" --rejects "$WORK/pw-rej.csv" "$WORK/acc.csv" "$WORK/logins.csv"
leak=""
for f in "$DB" "$DB-wal" "$WORK/err" "$WORK/out" "$WORK/pw.json" "$WORK/pw-rej.accounts.csv" "$WORK/pw-rej.logins.csv"; do
	[ -f "$f" ] || continue
	if grep -aq "Sekrit" "$f"; then leak="$leak $f"; fi
done
if [ -z "$leak" ] && [ "$(q "select count(*) from logins")" = 1 ] &&
	q "select password_hash from logins" | grep -q '^\$argon2id\$' &&
	err_is "acctbatch: import: $WORK/logins.csv:3: field 'password_confirm': password and password_confirm differ [password_mismatch]
acctbatch: import: $WORK/logins.csv:4: a login needs at least one access type (activate_licenses, make_purchases, view_pay_invoices) [no_access]"; then ok; else fail "leak in:$leak"; fi

begin "plaintext stays out of messages for a headerless logins file and bad UTF-8 in an XML password"
mkdir -p "$WORK/nh"
printf 'PW-1,nh@pw.example,NH,Sekrit-Plaintext-9,Sekrit-Plaintext-9,true\n' >"$WORK/nh/logins.csv"
printf '<logins><login><account_id>PW-1</account_id><email>u@pw.example</email><full_name>U</full_name><password>Sekrit-\351Plain</password></login></logins>\n' >"$WORK/nh/bad.xml"
run 1 ab validate --report "$WORK/nh.json" "$WORK/nh/logins.csv"
leak=""
grep -aq "Sekrit" "$WORK/err" "$WORK/nh.json" && leak="csv"
run 1 ab validate --report "$WORK/nh2.json" --entity logins "$WORK/nh/bad.xml"
grep -aq "Plain\|Sekrit" "$WORK/err" "$WORK/nh2.json" && leak="$leak xml"
if [ -z "$leak" ] && err_is "acctbatch: validate: $WORK/nh/bad.xml:1:113: not valid UTF-8 (or the document's encoding declaration is wrong) [bad_utf8]"; then ok; else fail "leak in: $leak: $(cat "$WORK/err")"; fi

begin "password_hash accepts Argon2id, bcrypt and yescrypt strings"
cat >"$WORK/hash.csv" <<'CSV'
account_id,email,full_name,password_hash,make_purchases
PW-1,h1@pw.example,H1,"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzYWx0$Vd9AqFvBz6B9xM2w5z5q5g",true
PW-1,h2@pw.example,H2,$2y$10$abcdefghijklmnopqrstuu5Ogyl9yHYxH5nFkSh5pW1XK5m6JH3b.,true
PW-1,h3@pw.example,H3,$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7,true
PW-1,h4@pw.example,H4,$1$saltsalt$hash,true
CSV
if run 1 ab --db "$DB" import --on-error skip "$WORK/hash.csv"; then
	if err_is "acctbatch: import: $WORK/hash.csv:5: field 'password_hash': not an Argon2id, bcrypt or yescrypt hash string [redacted] [bad_format]" &&
		[ "$(q "select count(*) from logins where email like 'h_@pw.example'")" = 3 ]; then ok; else fail "$(cat "$WORK/err")"; fi
fi

# ---------------------------------------------------------------- all or nothing
begin "every failure kind leaves the database exactly as it was"
fresh aon
run 0 ab --db "$DB" import "$SAMPLES/onboarding/csv"
dump "$DB" >"$WORK/before.sql"
all=1
check_same() {
	dump "$DB" >"$WORK/after.sql"
	if ! cmp -s "$WORK/before.sql" "$WORK/after.sql"; then all=0; fail "database changed after $1"; fi
}
printf 'account_id,email,first_name,last_name,country\nNL-0001,new@x.example,A,B,DE\nNL-0001,bad@,A,B,DE\n' >"$WORK/c1.csv"
run 65 ab --db "$DB" import "$WORK/c1.csv" && check_same "a rejected record (abort)"
run 65 ab --db "$DB" import --on-error skip --max-errors 1 "$WORK/c1.csv" && check_same "--max-errors"
run 65 ab --db "$DB" import --dry-run "$WORK/c1.csv" && check_same "--dry-run with errors"
printf 'account_id,email,first_name,last_name,country\nNL-0001,z@x.example,A,B,DE\nNL-0001,"open,A,B,DE\n' >"$WORK/c2.csv"
run 65 ab --db "$DB" import --on-error skip "$WORK/c2.csv" && check_same "a CSV syntax error"
ACCTBATCH_TEST_FAIL_READ_AT=6000 run 74 ab --db "$DB" import "$SAMPLES/onboarding/xml" && check_same "an I/O error in the middle of the input"
run 73 ab --db "$DB" import --on-error skip --rejects /nonexistent/dir/r.csv "$WORK/c1.csv" && check_same "an unwritable rejects file"
run 66 ab --db "$DB" import "$WORK/missing.csv" && check_same "a missing input file"
printf '<?xml version="1.0"?>\n<contacts><contact><account_id>NL-0001</account_id>\n' >"$WORK/trunc.xml"
run 65 ab --db "$DB" import --on-error skip "$WORK/trunc.xml" && check_same "truncated XML"
awk 'BEGIN { print "account_id,name,email,country"; for (i = 0; i < 20000; i++) printf "F-%d,Name %d,f%d@x.example,DE\n", i, i, i }' >"$WORK/fill.csv"
limit=$(( $(stat -c %s "$DB") / 1024 + 1024 ))
( ulimit -f "$limit"; ab --db "$DB" import "$WORK/fill.csv" ) >"$WORK/out" 2>"$WORK/err"
st=$?
if [ "$st" = 74 ] && grep -q "disk\|full\|large\|I/O" "$WORK/err"; then check_same "a file-size limit (disk full) while writing"; else all=0; fail "file-size limit: status $st: $(cat "$WORK/err")"; fi
[ $all = 1 ] && ok

begin "a second concurrent import waits, then exits 75 and changes nothing"
rm -f "$WORK/locked"
( sqlite3 "$DB" "BEGIN IMMEDIATE; INSERT INTO batches(kind, started_at, command) VALUES ('lock','x','x'); SELECT 1; " ".shell touch '$WORK/locked'; sleep 3" "ROLLBACK;" >/dev/null 2>&1 ) &
lockpid=$!
wait_until test -e "$WORK/locked"
ACCTBATCH_BUSY_TIMEOUT_MS=500 run 75 ab --db "$DB" import "$WORK/c1.csv"
status75=$status
wait $lockpid
if [ "$status75" = 75 ] && err_is "acctbatch: import: database is locked by another run; try again later" && { dump "$DB" >"$WORK/after.sql"; cmp -s "$WORK/before.sql" "$WORK/after.sql"; }; then ok; else fail "status $status75: $(cat "$WORK/err")"; fi

# ---------------------------------------------------------------- modes
begin "--dry-run prints the plan and writes nothing"
printf 'account_id,email,first_name,last_name,country,standard_invoices\nNL-0001,new@x.example,A,B,DE,yes\nNL-0002,accounts@smithjones.example,Acc,Team,GB,false\n' >"$WORK/c3.csv"
if run 0 ab --db "$DB" import --dry-run "$WORK/c3.csv"; then
	dump "$DB" >"$WORK/after.sql"
	if out_is '            inserted   updated unchanged   deleted  rejected
contacts           1         1         0         0         0
dry run: nothing written (the counts are what the batch would do)' && cmp -s "$WORK/before.sql" "$WORK/after.sql"; then ok; else fail "$(cat "$WORK/out")"; fi
fi

begin "--mode insert refuses an existing key with 'exists'"
printf 'account_id,name,email,country\nNL-0001,X,x@x.example,DE\n' >"$WORK/a1.csv"
run 65 ab --db "$DB" import --mode insert "$WORK/a1.csv" &&
	err_is "acctbatch: import: $WORK/a1.csv:2: field 'account_id': account already exists [exists]" && ok || fail "$(cat "$WORK/err")"

begin "--mode update refuses an unknown key with 'not_found' and changes only given columns"
printf 'account_id,city\nNL-0001,Bergen\n' >"$WORK/a2.csv"
printf 'account_id,city\nZZ-404,Bergen\n' >"$WORK/a3.csv"
before_name=$(q "select name||email||country from accounts where account_id='NL-0001'")
run 65 ab --db "$DB" import --mode update "$WORK/a3.csv" &&
	err_is "acctbatch: import: $WORK/a3.csv:2: field 'account_id': no account with this key [not_found]" &&
	run 0 ab --db "$DB" import --mode update "$WORK/a2.csv" &&
	[ "$(q "select city from accounts where account_id='NL-0001'")" = Bergen ] &&
	[ "$(q "select name||email||country from accounts where account_id='NL-0001'")" = "$before_name" ] &&
	[ "$(q "select updated_at from accounts where account_id='NL-0001'")" = "$ACCTBATCH_NOW" ] && ok || fail "$(cat "$WORK/err")"

begin "an upsert that changes nothing does not touch updated_at"
q "update accounts set updated_at='2000-01-01T00:00:00Z' where account_id='NL-0002'"
printf 'account_id,city\nNL-0002,%s\n' "$(q "select city from accounts where account_id='NL-0002'")" >"$WORK/a4.csv"
run 0 ab --db "$DB" import "$WORK/a4.csv" && out_is '            inserted   updated unchanged   deleted  rejected
accounts           0         0         1         0         0
batch 3 committed' &&
	[ "$(q "select updated_at from accounts where account_id='NL-0002'")" = 2000-01-01T00:00:00Z ] && ok || fail "$(cat "$WORK/out")"

begin "an empty cell clears an optional field"
printf 'account_id,region\nNL-0001,\n' >"$WORK/a5.csv"
run 0 ab --db "$DB" import "$WORK/a5.csv" && [ "$(q "select region is null from accounts where account_id='NL-0001'")" = 1 ] && ok || fail "$(cat "$WORK/err")"

begin "deleting an account with invoices is refused with has_invoices"
printf 'account_id\nNL-0001\n' >"$WORK/d1.csv"
run 65 ab --db "$DB" import --mode delete "$WORK/d1.csv" &&
	err_is "acctbatch: import: $WORK/d1.csv:2: field 'account_id': account has 3 invoices and can only be closed (status closed), never deleted [has_invoices]" && ok || fail "$(cat "$WORK/err")"

begin "deleting an account with logins needs --cascade, which deletes them too"
acct=$(q "select account_id from accounts a where not exists (select 1 from invoices i where i.account_id=a.account_id) limit 1")
printf 'account_id\n%s\n' "$acct" >"$WORK/d2.csv"
run 65 ab --db "$DB" import --mode delete "$WORK/d2.csv" &&
	err_is "acctbatch: import: $WORK/d2.csv:2: field 'account_id': account has 1 login and 2 contacts; use --cascade to delete them too [has_dependents]" &&
	run 0 ab --db "$DB" import --mode delete --cascade "$WORK/d2.csv" &&
	[ "$(q "select count(*) from accounts where account_id='$acct'")" = 0 ] &&
	[ "$(q "select count(*) from logins where account_id='$acct'")" = 0 ] && ok || fail "$(cat "$WORK/err")"

begin "--mode sync makes an account's contacts exactly those in the file"
printf 'account_id,first_name,last_name,email,country\nNL-0001,Only,One,only@x.example,NO\n' >"$WORK/s1.csv"
others=$(q "select count(*) from contacts where account_id <> 'NL-0001'")
run 0 ab --db "$DB" import --mode sync "$WORK/s1.csv" &&
	[ "$(q "select group_concat(email) from contacts where account_id='NL-0001'")" = only@x.example ] &&
	[ "$(q "select count(*) from contacts where account_id <> 'NL-0001'")" = "$others" ] && ok || fail "$(cat "$WORK/err") $(cat "$WORK/out")"

begin "--mode sync over two files of one account keeps the rows of both"
printf 'account_id,first_name,last_name,email,country\nNL-0002,Two,A,two-a@x.example,GB\n' >"$WORK/s2a.csv"
printf 'account_id,first_name,last_name,email,country\nNL-0002,Two,B,two-b@x.example,GB\n' >"$WORK/s2b.csv"
run 0 ab --db "$DB" import --mode sync --entity contacts "$WORK/s2a.csv" "$WORK/s2b.csv" &&
	[ "$(q "select group_concat(email) from (select email from contacts where account_id='NL-0002' order by 1)")" = "two-a@x.example,two-b@x.example" ] && ok || fail "$(cat "$WORK/err") $(cat "$WORK/out")"

# ---------------------------------------------------------------- references and duplicates
begin "a record whose account exists neither in the database nor earlier in the batch is no_account"
fresh ref
printf 'account_id,email,first_name,last_name,country\nNOPE,a@x.example,A,B,DE\n' >"$WORK/r1.csv"
run 65 ab --db "$DB" import "$WORK/r1.csv" &&
	err_is "acctbatch: import: $WORK/r1.csv:2: field 'account_id': account 'NOPE' exists neither in the database nor earlier in this batch [no_account]" && ok || fail "$(cat "$WORK/err")"

begin "a duplicate key in one batch is duplicate_in_file, naming the first occurrence"
printf 'account_id,name,email,country\nA-1,A,a@x.example,DE\nA-2,B,b@x.example,DE\na-1x,C,c@x.example,DE\nA-1,D,d@x.example,DE\n' >"$WORK/dup.csv"
run 65 ab --db "$DB" import "$WORK/dup.csv" &&
	err_is "acctbatch: import: $WORK/dup.csv:5: field 'account_id': same account_id as the record at $WORK/dup.csv:2 [duplicate_in_file]" && ok || fail "$(cat "$WORK/err")"

begin "login emails are unique case-insensitively"
printf 'account_id,name,email,country\nA-1,A,a@x.example,DE\n' >"$WORK/a6.csv"
printf 'account_id,email,full_name,password_hash,view_pay_invoices\nA-1,Bob@X.example,Bob,$2b$10$abcdefghijklmnopqrstuu5Ogyl9yHYxH5nFkSh5pW1XK5m6JH3b.,1\nA-1,bob@x.EXAMPLE,Bob2,$2b$10$abcdefghijklmnopqrstuu5Ogyl9yHYxH5nFkSh5pW1XK5m6JH3b.,1\n' >"$WORK/l6.csv"
run 65 ab --db "$DB" import "$WORK/a6.csv" "$WORK/l6.csv" &&
	err_is "acctbatch: import: $WORK/l6.csv:3: field 'email': same email as the record at $WORK/l6.csv:2 (emails are compared ignoring case) [duplicate_in_file]" && ok || fail "$(cat "$WORK/err")"

begin "standard input is read with --entity and --format, also twice for skip-account"
fresh stdin
printf 'account_id,name,email,country\nA-1,A,a@x.example,DE\nA-2,B,b@,DE\n' >"$WORK/in.csv"
run 64 ab --db "$DB" import - <"$WORK/in.csv" && err_is "acctbatch: import: <stdin>: reading standard input needs --format and --entity" &&
	run 1 ab --db "$DB" import --on-error skip-account --entity accounts --format csv - <"$WORK/in.csv" &&
	err_is "acctbatch: import: <stdin>:3: field 'email': not an email address 'b@' (domain is empty) [bad_email]" &&
	[ "$(q "select group_concat(account_id) from accounts")" = A-1 ] &&
	[ "$(q "select json_extract(inputs, '\$[0].file') from batches")" = "<stdin>" ] && ok || fail "$(cat "$WORK/err")"

begin "the key index skips rejected records and spans files, for CSV and XML alike"
for fmt in csv xml; do
	fresh "keys-$fmt"
	if [ $fmt = csv ]; then
		printf 'account_id,name,email,country\nK-1,A,a@x.example,XX\nK-2,B,b@x.example,DE\n' >"$WORK/ka.csv"
		printf 'account_id,name,email,country\nK-1,C,c@x.example,DE\nK-2,D,d@x.example,DE\n' >"$WORK/kb.csv"
		badat=2
		dupat=3
	else
		acct() { printf '<account><account_id>%s</account_id><name>%s</name><email>%s</email><country>%s</country></account>\n' "$@"; }
		{ echo '<accounts>'; acct K-1 A a@x.example XX; acct K-2 B b@x.example DE; echo '</accounts>'; } >"$WORK/ka.xml"
		{ echo '<accounts>'; acct K-1 C c@x.example DE; acct K-2 D d@x.example DE; echo '</accounts>'; } >"$WORK/kb.xml"
		badat=2:78 # XML locations carry the element's column
		dupat=3:10
	fi
	if run 1 ab --db "$DB" import --on-error skip "$WORK/ka.$fmt" "$WORK/kb.$fmt" &&
		err_is "acctbatch: import: $WORK/ka.$fmt:$badat: field 'country': not an ISO 3166-1 alpha-2 country code 'XX' [bad_country]
acctbatch: import: $WORK/kb.$fmt:$dupat: field 'account_id': same account_id as the record at $WORK/ka.$fmt:3 [duplicate_in_file]" &&
		[ "$(q "select group_concat(account_id || '=' || name) from (select * from accounts order by 1)")" = "K-1=C,K-2=B" ]; then
		ok
	else
		fail "$fmt: $(cat "$WORK/err")"
	fi
done

# ---------------------------------------------------------------- on-error
begin "--on-error skip applies the valid records and exits 1"
fresh skip
printf 'account_id,name,email,country\nA-1,A,a@x.example,DE\nA-2,B,b@,DE\nA-3,C,c@x.example,DE\n' >"$WORK/k1.csv"
run 1 ab --db "$DB" import --on-error skip "$WORK/k1.csv" && [ "$(q "select group_concat(account_id) from accounts")" = "A-1,A-3" ] && ok || fail "$(cat "$WORK/err")"

begin "--on-error skip-account drops every record of an account with a rejected record"
fresh skipacct
printf 'account_id,name,email,country\nA-1,A,a@x.example,DE\nA-2,B,b@x.example,DE\n' >"$WORK/k2a.csv"
printf 'account_id,first_name,last_name,email,country\nA-1,X,Y,x@x.example,DE\nA-2,X,Y,x@x.example,DE\nA-2,Q,R,q@x.example,QQ\n' >"$WORK/k2c.csv"
run 1 ab --db "$DB" import --on-error skip-account --rejects "$WORK/k2r.csv" "$WORK/k2a.csv" "$WORK/k2c.csv" &&
	[ "$(q "select group_concat(account_id) from accounts")" = "A-1" ] &&
	[ "$(q "select count(*) from contacts")" = 1 ] &&
	err_is "acctbatch: import: $WORK/k2a.csv:3: left out: another record of account 'A-2' was rejected [account_rejected]
acctbatch: import: $WORK/k2c.csv:3: left out: another record of account 'A-2' was rejected [account_rejected]
acctbatch: import: $WORK/k2c.csv:4: field 'country': not an ISO 3166-1 alpha-2 country code 'QQ' [bad_country]" &&
	grep -q "^A-2,B,b@x.example" "$WORK/k2r.accounts.csv" && ok || fail "$(cat "$WORK/err")"

begin "rejected logins keep their own errors and file order while passwords are hashed in groups"
fresh order
printf 'account_id,name,email,country\nO-1,O,o@x.example,DE\n' >"$WORK/o-acc.csv"
printf 'account_id,email,full_name,password,password_confirm,make_purchases\nO-1,a@x.example,A,correct-horse-1,correct-horse-X,1\nO-1,b@x.example,B,correct-horse-2,correct-horse-2,1\nO-1,c@x.example,C,correct-horse-3,correct-horse-3,maybe\nO-1,d@x.example,D,correct-horse-4,correct-horse-4,1\n' >"$WORK/o-log.csv"
run 1 ab --db "$DB" import --on-error skip --rejects "$WORK/o-rej.csv" "$WORK/o-acc.csv" "$WORK/o-log.csv"
if err_is "acctbatch: import: $WORK/o-log.csv:2: field 'password_confirm': password and password_confirm differ [password_mismatch]
acctbatch: import: $WORK/o-log.csv:4: field 'make_purchases': not a boolean (true/false, 1/0, yes/no) 'maybe' [bad_boolean]" &&
	grep -q "^O-1,a@x.example,A,,,1,$WORK/o-log.csv,2,password_confirm,password_mismatch," "$WORK/o-rej.logins.csv" &&
	grep -q "^O-1,c@x.example,C,,,maybe,$WORK/o-log.csv,4,make_purchases,bad_boolean," "$WORK/o-rej.logins.csv" &&
	[ "$(q "select group_concat(email) from logins")" = "b@x.example,d@x.example" ]; then ok; else fail "$(cat "$WORK/err") $(cat "$WORK/o-rej.logins.csv")"; fi

begin "skip-account reports each record's own problem, and account_rejected only for the others"
fresh sa
printf 'account_id,name,email,country\nA-1,A,a@x.example,DE\nA-2,B,b@x.example,DE\n' >"$WORK/sa.csv"
printf 'account_id,email,full_name,password_hash,make_purchases\nA-2,x@x.example,X,$2b$10$abcdefghijklmnopqrstuu5Ogyl9yHYxH5nFkSh5pW1XK5m6JH3b.,0\nA-9,y@x.example,Y,$2b$10$abcdefghijklmnopqrstuu5Ogyl9yHYxH5nFkSh5pW1XK5m6JH3b.,1\n' >"$WORK/sal.csv"
run 1 ab --db "$DB" import --on-error skip-account "$WORK/sa.csv" "$WORK/sal.csv" &&
	err_is "acctbatch: import: $WORK/sa.csv:3: left out: another record of account 'A-2' was rejected [account_rejected]
acctbatch: import: $WORK/sal.csv:2: a login needs at least one access type (activate_licenses, make_purchases, view_pay_invoices) [no_access]
acctbatch: import: $WORK/sal.csv:3: field 'account_id': account 'A-9' exists neither in the database nor earlier in this batch [no_account]" &&
	[ "$(q "select group_concat(account_id) from accounts")" = A-1 ] && ok || fail "$(cat "$WORK/err")"

begin "a record whose account's own record was rejected says so (account_rejected, not no_account)"
fresh arej
printf 'account_id,name,email,country\nR-1,R,r@,DE\n' >"$WORK/arej-a.csv"
printf 'account_id,first_name,last_name,email,country\nR-1,F,L,f@x.example,DE\n' >"$WORK/arej-c.csv"
run 65 ab --db "$DB" import "$WORK/arej-a.csv" "$WORK/arej-c.csv" &&
	err_is "acctbatch: import: $WORK/arej-a.csv:2: field 'email': not an email address 'r@' (domain is empty) [bad_email]
acctbatch: import: $WORK/arej-c.csv:2: field 'account_id': account 'R-1' was rejected earlier in this batch [account_rejected]" && ok || fail "$(cat "$WORK/err")"

begin "a file named twice is read once"
fresh twice
ln -f "$WORK/sa.csv" "$WORK/sa-hardlink.csv"
run 0 ab --db "$DB" import "$WORK/sa.csv" "$WORK/sa.csv" "$WORK/../$(basename "$WORK")/sa.csv" "$WORK/sa-hardlink.csv" &&
	out_is '            inserted   updated unchanged   deleted  rejected
accounts           2         0         0         0         0
batch 1 committed' && ok || fail "$(cat "$WORK/err") $(cat "$WORK/out")"

begin "a rejects file can be fixed and re-imported as it is"
fresh rej
run 0 ab --db "$DB" import "$WORK/k2a.csv"
printf 'account_id,first_name,last_name,email,country\nA-1,X,Y,x@x.example,DE\nA-2,Q,R,q@x.example,QQ\n' >"$WORK/k3.csv"
run 1 ab --db "$DB" import --on-error skip --rejects "$WORK/k3r.csv" "$WORK/k3.csv"
sed -i 's/,QQ,/,NL,/' "$WORK/k3r.csv"
run 0 ab --db "$DB" import "$WORK/k3r.csv" && [ "$(q "select country from contacts where email='q@x.example'")" = NL ] && ok || fail "$(cat "$WORK/err") $(cat "$WORK/k3r.csv")"

begin "--report writes the JSON summary"
if grep -q '"outcome": "committed"' "$WORK/pw.json" && grep -q '"code": "password_mismatch"' "$WORK/pw.json" && grep -q '"rejected": 2' "$WORK/pw.json"; then ok; else fail "$(cat "$WORK/pw.json")"; fi

# ---------------------------------------------------------------- validate, schema
begin "validate exits 0 for clean samples and touches no database"
cd "$WORK" && run 0 ab validate "$SAMPLES/onboarding/csv" && run 0 ab validate "$SAMPLES/onboarding/xml" && [ ! -e "$WORK/acctbatch.db" ] && ok || fail "$(cat "$WORK/err")"
cd "$ROOT"

begin "validate reports every problem with its location and exits 1"
run 1 ab validate "$WORK/k1.csv" "$WORK/c1.csv" &&
	err_is "acctbatch: validate: $WORK/k1.csv:3: field 'email': not an email address 'b@' (domain is empty) [bad_email]
acctbatch: validate: $WORK/c1.csv:3: field 'email': not an email address 'bad@' (domain is empty) [bad_email]" && ok || fail "$(cat "$WORK/err")"

begin "schema prints each entity's XSD, equal to schemas/"
all=1
for e in accounts logins contacts invoices; do
	ab schema "$e" | cmp -s - "$ROOT/schemas/$e.xsd" || { all=0; fail "schema $e differs"; }
done
[ $all = 1 ] && ok

begin "XML samples validate with xmllint against the checked-in schemas"
all=1
for e in accounts logins contacts invoices; do
	xmllint --noout --schema "$ROOT/schemas/$e.xsd" "$SAMPLES/onboarding/xml/$e.xml" 2>"$WORK/err" || { all=0; fail "$e: $(cat "$WORK/err")"; }
done
[ $all = 1 ] && ok

# ---------------------------------------------------------------- XML safety
begin "hostile XML (entities, DTDs, external references) is refused and nothing written"
fresh hostile
run 0 ab --db "$DB" init
dump "$DB" >"$WORK/before.sql"
X=$CONFORMANCE_DIR/xml-hardening/defusedxml/xmltestdata
sed "s|/PATH/TO|$X|" "$X/external_file.xml" >"$WORK/external_file.xml"
all=1
for f in "$X/xmlbomb.xml" "$X/quadratic.xml" "$X/external.xml" "$WORK/external_file.xml" "$X/cyclic.xml" "$X/xmlbomb2.xml" "$X/dtd.xml"; do
	at=1
	[ "$f" = "$X/dtd.xml" ] && at=2 # its DOCTYPE begins on line 2
	if ! run 65 ab --db "$DB" import --entity accounts "$f" ||
		! err_is "acctbatch: import: $f:$at: document type declarations and entities are not allowed [xml_syntax]"; then
		all=0
		fail "$f: $(cat "$WORK/err")"
	fi
done
dump "$DB" >"$WORK/after.sql"
cmp -s "$WORK/before.sql" "$WORK/after.sql" || { all=0; fail "database changed"; }
[ $all = 1 ] && ok

# ---------------------------------------------------------------- progress
begin "the progress line appears on a terminal only, never with --no-progress"
fresh prog
awk 'BEGIN { print "account_id,name,email,country"; for (i = 0; i < 150000; i++) printf "P-%d,Name %d,p%d@x.example,DE\n", i, i, i }' >"$WORK/big.csv"
if command -v script >/dev/null; then
	script -qec "$ACCTBATCH --db $DB import --dry-run $WORK/big.csv" /dev/null >"$WORK/tty" 2>&1
	"$ACCTBATCH" --db "$DB" import --dry-run "$WORK/big.csv" 2>"$WORK/notty" >/dev/null
	script -qec "$ACCTBATCH --no-progress --db $DB import --dry-run $WORK/big.csv" /dev/null >"$WORK/tty2" 2>&1
	if grep -q "records/s" "$WORK/tty" && ! grep -q "records/s" "$WORK/notty" && ! grep -q "records/s" "$WORK/tty2"; then ok; else fail "progress: $(cat -v "$WORK/tty" | head -5)"; fi
else
	fail "script(1) is missing (util-linux)"
fi

# ---------------------------------------------------------------- more behaviour
begin "an empty status cell keeps the stored status on update; an empty boolean clears"
fresh keep
run 0 ab --db "$DB" import "$SAMPLES/onboarding/csv"
printf 'account_id,status,city\nNL-0009,,Lyon\n' >"$WORK/st.csv"
printf 'account_id,email,important_notices\nNL-0001,oyvind.soreide@fjordbygg.example,\n' >"$WORK/st2.csv"
run 0 ab --db "$DB" import --mode update "$WORK/st.csv" &&
	[ "$(q "select status || ' ' || city from accounts where account_id='NL-0009'")" = "closed Lyon" ] &&
	run 0 ab --db "$DB" import --mode update --entity contacts "$WORK/st2.csv" &&
	[ "$(q "select important_notices from contacts where account_id='NL-0001' and email='oyvind.soreide@fjordbygg.example'")" = 0 ] && ok || fail "$(cat "$WORK/err")"

begin "validate --mode update accepts partial records; --mode delete needs only keys"
run 0 ab validate --mode update "$WORK/st.csv" && run 0 ab validate --mode delete --entity accounts "$WORK/d1.csv" && ok || fail "$(cat "$WORK/err")"

begin "--verbose names every input with its records and SHA-256; options may follow the files"
run 0 ab --verbose --db "$DB" import "$WORK/st.csv" --mode update &&
	has_err "st.csv: accounts as CSV, 1 record, sha256 $(sha256sum "$WORK/st.csv" | cut -c1-64)" && has_err "1 record in" && ok || fail "$(cat "$WORK/err")"

begin "--report is written also when an input is missing"
run 66 ab --db "$DB" import --report "$WORK/miss.json" "$WORK/nope.csv" &&
	grep -q '"exit_status": 66' "$WORK/miss.json" && grep -q '"outcome": "rolled_back"' "$WORK/miss.json" && ok || fail "$(cat "$WORK/miss.json")"

begin "a new database is created readable by its owner only, and XML can clear subscriptions"
rm -f "$WORK/mode.db"
printf '<accounts><account><account_id>S-1</account_id><name>S</name><email>s@x.example</email><country>DE</country><subscription>newsletter</subscription></account></accounts>\n' >"$WORK/sub1.xml"
printf '<accounts><account><account_id>S-1</account_id><subscription/></account></accounts>\n' >"$WORK/sub2.xml"
run 0 ab --db "$WORK/mode.db" import "$WORK/sub1.xml" && [ "$(stat -c %a "$WORK/mode.db")" = 600 ] &&
	run 0 ab --db "$WORK/mode.db" import --mode update "$WORK/sub2.xml" &&
	[ "$(sqlite3 "$WORK/mode.db" "select subscriptions is null from accounts")" = 1 ] && ok || fail "$(cat "$WORK/err") $(stat -c %a "$WORK/mode.db")"

begin "a failed import into a new database path leaves no database behind"
rm -f "$WORK/new.db"
run 65 ab --db "$WORK/new.db" import "$WORK/r1.csv" && [ ! -e "$WORK/new.db" ] && [ ! -e "$WORK/new.db-wal" ] && ok || fail "$(ls "$WORK")"

begin "an interrupted run rolls back, removes its temporary files and exits 128+signal"
fresh sig
awk 'BEGIN { print "account_id,name,email,country"; for (i = 0; i < 400000; i++) printf "G-%d,Name %d,g%d@x.example,DE\n", i, i, i }' >"$WORK/sig.csv"
"$ACCTBATCH" --no-progress --db "$DB" import --rejects "$WORK/sig-rej.csv" --report "$WORK/sig.json" "$WORK/sig.csv" >"$WORK/out" 2>"$WORK/err" &
pid=$!
# the signal once the run is under way: its new database exists (it holds signals by then)
wait_until sh -c "ls -a '$WORK' | grep -q '^\.sig\.db\.new-'"
kill -TERM $pid
wait $pid
st=$?
left=$(ls -a "$WORK" | grep -c '^\.sig\|new-' || true)
if [ "$st" = 143 ] && [ ! -e "$DB" ] && [ "$left" = 0 ] && err_is "acctbatch: import: stopped by signal 15; nothing written"; then ok; else fail "status $st, leftovers $left: $(ls -a "$WORK" | head -20) $(cat "$WORK/err")"; fi

begin "a pipe is read once and kept, so its entity can be told and skip-account reads it twice"
fresh pipe
run 0 ab --db "$DB" import <(cat "$SAMPLES/onboarding/csv/accounts.csv") &&
	run 0 ab --db "$DB" import --on-error skip-account --entity accounts --format csv <(cat "$SAMPLES/onboarding/csv/accounts.csv") &&
	[ "$(q "select count(*) from accounts")" = 32 ] && ok || fail "$(cat "$WORK/err")"

begin "a database path that is a dangling symbolic link is created at the link's target"
mkdir -p "$WORK/store"
ln -sf "$WORK/store/real.db" "$WORK/link.db"
run 0 ab --db "$WORK/link.db" import "$WORK/sa.csv" && [ -s "$WORK/store/real.db" ] && ok || fail "$(cat "$WORK/err")"

begin "a logins row of the wrong width keeps no cells in the rejects file (a password could have shifted)"
printf 'account_id,email,full_name,password,password_confirm,make_purchases\nA-1,X Y,Shifted-Sekrit-9,Shifted-Sekrit-9,true\n' >"$WORK/shift.csv"
run 1 ab --db "$WORK/shift.db" import --on-error skip --rejects "$WORK/shift-rej.csv" "$WORK/sa.csv" "$WORK/shift.csv" &&
	! grep -q "Sekrit" "$WORK/shift-rej.logins.csv" && grep -q "csv_syntax" "$WORK/shift-rej.logins.csv" && ok || fail "$(cat "$WORK/shift-rej.logins.csv")"

begin "a record with the wrong number of fields keeps its cells in the rejects file"
printf 'account_id,name,email,country\nW-1,A,a@x.example,DE\nW-2,B,b@x.example,DE,extra\n' >"$WORK/wc.csv"
run 1 ab --db "$DB" import --on-error skip --rejects "$WORK/wc-rej.csv" "$WORK/wc.csv" &&
	grep -q "^W-2,B,b@x.example,DE,$WORK/wc.csv,3,,csv_syntax," "$WORK/wc-rej.csv" && ok || fail "$(cat "$WORK/wc-rej.csv")"

begin "an output that would overwrite an input is refused; --db must name a file"
cp "$WORK/st.csv" "$WORK/st-keep.csv"
cp "$WORK/st.csv" "$WORK/rj.accounts.csv"
run 64 ab --db "$WORK/x.db" import --report "$WORK/st.csv" "$WORK/st.csv" &&
	err_is "acctbatch: import: '$WORK/st.csv' is an input; --report would overwrite it" &&
	cmp -s "$WORK/st.csv" "$WORK/st-keep.csv" &&
	run 64 ab --db "$WORK/x.db" import --rejects "$WORK/rj.csv" "$WORK/rj.accounts.csv" "$WORK/c1.csv" &&
	cmp -s "$WORK/rj.accounts.csv" "$WORK/st-keep.csv" &&
	run 64 ab --db ":memory:" import "$WORK/st.csv" && run 64 ab --db "" init &&
	run 0 ab --db "$WORK/keepdb.db" init && cp "$WORK/keepdb.db" "$WORK/keepdb.copy" &&
	run 64 ab --db "$WORK/keepdb.db" import --report "$WORK/keepdb.db" "$WORK/st.csv" &&
	err_is "acctbatch: import: '$WORK/keepdb.db' is the database; --report would overwrite it" &&
	cmp -s "$WORK/keepdb.db" "$WORK/keepdb.copy" && ok || fail "$(cat "$WORK/err")"

begin "ACCTBATCH_DB names the database when --db is not given; --quiet prints only errors"
rm -f "$WORK/env.db"
ACCTBATCH_DB="$WORK/env.db" run 0 ab --quiet import "$WORK/sa.csv" &&
	[ ! -s "$WORK/out" ] && [ ! -s "$WORK/err" ] &&
	[ "$(sqlite3 "$WORK/env.db" "select count(*) from accounts")" = 2 ] &&
	ACCTBATCH_DB="$WORK/env.db" run 65 ab --quiet import "$WORK/k1.csv" &&
	[ ! -s "$WORK/out" ] && err_is "acctbatch: import: $WORK/k1.csv:3: field 'email': not an email address 'b@' (domain is empty) [bad_email]" && ok || fail "$(cat "$WORK/out" "$WORK/err")"

# ---------------------------------------------------------------- export
# export_all DB DIR FORMAT: every entity of DB into DIR/ENTITY.FORMAT (logins with hashes)
export_all() {
	local ent h
	mkdir -p "$2"
	for ent in accounts logins contacts invoices; do
		h=
		[ $ent = logins ] && h=--include-password-hashes
		ab --db "$1" --quiet export $h --format "$3" -o "$2/$ent.$3" $ent || return 1
	done
}
# round_trip NAME INPUT...: import, export, import into an empty database, export: the same
# bytes, for CSV and for XML; the exported XML validates; both formats end in the same data
round_trip() {
	local name=$1 fmt
	shift
	rm -f "$WORK/rt1.db"*
	ab --db "$WORK/rt1.db" --quiet import "$@" || { fail "$name: first import"; return 1; }
	for fmt in csv xml; do
		rm -rf "$WORK/rt1" "$WORK/rt2" "$WORK/rt2.db"*
		export_all "$WORK/rt1.db" "$WORK/rt1" $fmt || { fail "$name: first export ($fmt)"; return 1; }
		ab --db "$WORK/rt2.db" --quiet import "$WORK/rt1/accounts.$fmt" "$WORK/rt1/logins.$fmt" \
			"$WORK/rt1/contacts.$fmt" "$WORK/rt1/invoices.$fmt" || { fail "$name: re-import ($fmt)"; return 1; }
		export_all "$WORK/rt2.db" "$WORK/rt2" $fmt || { fail "$name: second export ($fmt)"; return 1; }
		diff -r "$WORK/rt1" "$WORK/rt2" >/dev/null || { fail "$name: $fmt exports differ"; return 1; }
		export_all "$WORK/rt2.db" "$WORK/rt2-csv" csv || { fail "$name: CSV export after $fmt"; return 1; }
	done
	ab --quiet validate "$WORK/rt1/accounts.xml" "$WORK/rt1/logins.xml" "$WORK/rt1/contacts.xml" \
		"$WORK/rt1/invoices.xml" || { fail "$name: exported XML does not validate"; return 1; }
	export_all "$WORK/rt1.db" "$WORK/rt1-csv" csv && diff -r "$WORK/rt1-csv" "$WORK/rt2-csv" >/dev/null ||
		{ fail "$name: the XML round trip changed the data"; return 1; }
	rm -rf "$WORK/rt1-csv" "$WORK/rt2-csv"
	return 0
}

begin "export -> import into an empty database -> export gives the same bytes (onboarding, CSV and XML)"
round_trip onboarding "$SAMPLES/onboarding/csv" && ok

begin "the same round trip holds for 10,000 generated records per entity with hostile text"
if [ -n "${GEN_NASTY:-}" ]; then
	mkdir -p "$WORK/nasty"
	"$GEN_NASTY" 10000 "$WORK/nasty" &&
		round_trip nasty "$WORK/nasty/accounts.csv" "$WORK/nasty/logins.csv" \
			"$WORK/nasty/contacts.csv" "$WORK/nasty/invoices.csv" &&
		[ "$(sqlite3 "$WORK/rt2.db" "select count(*) from accounts")" = 10000 ] &&
		[ "$(sqlite3 "$WORK/rt2.db" "select count(*) from invoices")" = 10000 ] &&
		[ "$(sqlite3 "$WORK/rt2.db" "select count(*) from accounts where substr(name, 1, 1) in ('=', '+', '-', '@', char(9))")" -gt 1000 ] &&
		[ "$(sqlite3 "$WORK/rt2.db" "select count(*) from accounts where instr(name, char(10)) and instr(name, '\"') and length(name) = 200")" -gt 10 ] && ok
else
	fail "GEN_NASTY is not set (make e2e sets it)"
fi

begin "CSV export guards spreadsheet formulas and import takes the guard off exactly"
fresh guard
printf "account_id,name,email,country,city,street,region\nG-1,=1+1,g@x.example,DE,-12.50,\"''=x\",@home\n" >"$WORK/g.csv"
run 0 ab --db "$DB" import "$WORK/g.csv" &&
	[ "$(q "select name || '|' || city || '|' || street || '|' || region from accounts")" = "=1+1|-12.50|'=x|@home" ] &&
	run 0 ab --db "$DB" export accounts &&
	out_is "account_id,name,email,full_name,phone,street,city,region,postal_code,country,status,subscriptions,created_at,updated_at
G-1,\"'=1+1\",g@x.example,,,\"''=x\",-12.50,\"'@home\",,DE,active,,$ACCTBATCH_NOW,$ACCTBATCH_NOW" &&
	cp "$WORK/out" "$WORK/g2.csv" && fresh guard2 && run 0 ab --db "$DB" import "$WORK/g2.csv" &&
	[ "$(q "select name || '|' || city || '|' || street || '|' || region from accounts")" = "=1+1|-12.50|'=x|@home" ] &&
	run 0 ab --db "$DB" export --format xml accounts && out_is "<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<accounts>
  <account>
    <account_id>G-1</account_id>
    <name>=1+1</name>
    <email>g@x.example</email>
    <street>'=x</street>
    <city>-12.50</city>
    <region>@home</region>
    <country>DE</country>
    <status>active</status>
    <created_at>$ACCTBATCH_NOW</created_at>
    <updated_at>$ACCTBATCH_NOW</updated_at>
  </account>
</accounts>" && ok ||
	fail "$(cat "$WORK/out" "$WORK/err")"

begin "password hashes are exported only with --include-password-hashes, and only for logins"
fresh hashes
ab --db "$DB" --quiet import "$SAMPLES/onboarding/csv"
run 0 ab --db "$DB" export logins && ! grep -q 'password_hash\|\$argon2id' "$WORK/out" &&
	run 0 ab --db "$DB" export --include-password-hashes logins && head -1 "$WORK/out" | grep -q password_hash &&
	[ "$(grep -c '\$argon2id\$' "$WORK/out")" = 72 ] &&
	run 64 ab --db "$DB" export --include-password-hashes contacts && ok || fail "$(cat "$WORK/err")"

begin "export picks rows by --account and --changed-since, in key order, the same bytes each time"
fresh pick
ACCTBATCH_NOW=2026-01-01T00:00:00Z ab --db "$DB" --quiet import "$SAMPLES/onboarding/csv"
printf 'account_id,email,first_name,last_name,country\nNL-0003,late@x.example,Late,Comer,NL\n' >"$WORK/late.csv"
ACCTBATCH_NOW=2026-02-01T00:00:00Z ab --db "$DB" --quiet import "$WORK/late.csv"
run 0 ab --db "$DB" export --account NL-0003 contacts &&
	[ "$(tail -n +2 "$WORK/out" | cut -d, -f1 | sort -u)" = NL-0003 ] &&
	[ "$(tail -n +2 "$WORK/out" | wc -l)" = "$(q "select count(*) from contacts where account_id = 'NL-0003'")" ] &&
	run 0 ab --db "$DB" export --changed-since 2026-01-15T00:00:00Z contacts &&
	[ "$(tail -n +2 "$WORK/out")" = "NL-0003,Late,Comer,late@x.example,NL,false,false,false,2026-02-01T00:00:00Z,2026-02-01T00:00:00Z" ] &&
	run 0 ab --db "$DB" export -o "$WORK/c1.csv" contacts && run 0 ab --db "$DB" export -o "$WORK/c2.csv" contacts &&
	cmp -s "$WORK/c1.csv" "$WORK/c2.csv" &&
	[ "$(tail -n +2 "$WORK/c1.csv" | awk -F, '{ print $1 "," tolower($4) }')" = "$(q "select account_id || ',' || lower(email) from contacts order by account_id, lower(email)")" ] &&
	[ "$(stat -c %a "$WORK/c1.csv")" = 600 ] &&
	run 0 ab --db "$DB" export -o "$WORK/c.xml" contacts && sed -n 2p "$WORK/c.xml" | grep -q "<contacts>" &&
	run 0 ab --db "$DB" export --format csv -o "$WORK/c-forced.xml" contacts && head -1 "$WORK/c-forced.xml" | grep -q "^account_id," &&
	run 64 ab --db "$DB" export --changed-since yesterday contacts &&
	run 64 ab --db "$DB" export --format json contacts && run 64 ab --db "$DB" export customers && ok ||
	fail "$(cat "$WORK/out" "$WORK/err")"

begin "a failed export leaves no file and keeps the old one: no or an unwritable directory (73), file-size limit (74), no database (66)"
echo "the previous export" >"$WORK/kept.csv"
run 73 ab --db "$DB" export -o "$WORK/missing-dir/c.csv" contacts &&
	err_is "acctbatch: export: cannot create '$WORK/missing-dir/c.csv': No such file or directory" &&
	run 73 ab --db "$DB" export -o /proc/acctbatch-unwritable.csv contacts && # not even root writes there
	{
		( # the nasty accounts come to megabytes; 100 KiB is enough for the database's own files
			ulimit -f 100
			ab --db "$WORK/rt2.db" export -o "$WORK/kept.csv" accounts
		) >"$WORK/out" 2>"$WORK/err"
		[ $? = 74 ]
	} &&
	err_is "acctbatch: export: cannot write '$WORK/kept.csv': File too large; nothing written" &&
	[ "$(cat "$WORK/kept.csv")" = "the previous export" ] &&
	! ls -A "$WORK" | grep -q '^\.kept\.csv\.tmp' &&
	run 66 ab --db "$WORK/nope.db" export contacts && [ ! -e "$WORK/nope.db" ] && ok ||
	fail "$(cat "$WORK/err")"

begin "--since-last JOB: the first run writes all, a second run with no change only the header, then what changed"
fresh since
ACCTBATCH_NOW=2026-01-01T00:00:00Z ab --db "$DB" --quiet import "$SAMPLES/onboarding/csv"
run 0 ab --db "$DB" export --since-last nightly -o "$WORK/n1.csv" contacts &&
	[ "$(tail -n +2 "$WORK/n1.csv" | wc -l)" = 61 ] && err_is "acctbatch: export: 61 contacts written to $WORK/n1.csv
acctbatch: export: job 'nightly' now stands at batch 1 (this run: batches 1 to 1)" &&
	run 0 ab --db "$DB" export --since-last nightly -o "$WORK/n2.csv" contacts &&
	[ "$(wc -l <"$WORK/n2.csv")" = 1 ] && err_is "acctbatch: export: 0 contacts written to $WORK/n2.csv
acctbatch: export: job 'nightly' stays at batch 1 (no batch since its last run)" &&
	printf 'account_id,email,first_name,last_name,country\nNL-0001,kirsten.holm@holm-revision.example,Kirsten,Holm-Changed,DK\nNL-0001,new.person@x.example,New,Person,DK\n' >"$WORK/ch.csv" &&
	ACCTBATCH_NOW=2026-01-02T00:00:00Z ab --db "$DB" --quiet import "$WORK/ch.csv" &&
	run 0 ab --db "$DB" export --since-last nightly -o "$WORK/n3.csv" contacts &&
	[ "$(tail -n +2 "$WORK/n3.csv" | cut -d, -f3 | tr '\n' ' ')" = "Holm-Changed Person " ] &&
	run 0 ab --db "$DB" export --since-last other -o "$WORK/o1.csv" contacts &&
	[ "$(tail -n +2 "$WORK/o1.csv" | wc -l)" = 62 ] &&
	[ "$(q "select name || ':' || entity || ':' || changes || ':' || last_batch from export_jobs order by name")" = "nightly:contacts:0:2
other:contacts:0:2" ] && ok || fail "$(cat "$WORK/out" "$WORK/err")"

begin "a failed --since-last export does not move the watermark; the next run writes the rows again"
printf 'account_id,email,first_name,last_name,country\nNL-0002,late@x.example,Late,Comer,GB\n' >"$WORK/late2.csv"
ACCTBATCH_NOW=2026-01-03T00:00:00Z ab --db "$DB" --quiet import "$WORK/late2.csv"
run 73 ab --db "$DB" export --since-last nightly -o "$WORK/no-such-dir/n.csv" contacts &&
	{
		(
			ulimit -f 100
			ab --db "$WORK/rt2.db" export --since-last big -o "$WORK/big-job.csv" accounts
		) >"$WORK/out" 2>"$WORK/err"
		[ $? = 74 ]
	} && [ "$(sqlite3 "$WORK/rt2.db" "select count(*) from export_jobs")" = 0 ] &&
	[ "$(q "select last_batch from export_jobs where name = 'nightly'")" = 2 ] &&
	run 0 ab --db "$DB" export --since-last nightly contacts &&
	[ "$(tail -n +2 "$WORK/out" | cut -d, -f4)" = late@x.example ] &&
	[ "$(q "select last_batch from export_jobs where name = 'nightly'")" = 3 ] && ok ||
	fail "$(cat "$WORK/out" "$WORK/err")"

begin "--changes writes the change feed with deletions; with --since-last, only what is new"
printf 'account_id\nNL-0028\n' >"$WORK/del28.csv"
ACCTBATCH_NOW=2026-01-04T00:00:00Z ab --db "$DB" --quiet import --mode delete --cascade --entity accounts "$WORK/del28.csv"
run 0 ab --db "$DB" export --changes contacts &&
	head -1 "$WORK/out" | grep -q '^change,batch,changed_at,account_id,first_name,' &&
	[ "$(grep -c '^insert,1,2026-01-01T00:00:00Z,' "$WORK/out")" = 61 ] &&
	grep -q '^update,2,2026-01-02T00:00:00Z,NL-0001,Kirsten,Holm-Changed,' "$WORK/out" &&
	grep -q '^delete,4,2026-01-04T00:00:00Z,NL-0028,Els,De Smet,' "$WORK/out" &&
	run 0 ab --db "$DB" export --changes --since-last feed -o "$WORK/f1.csv" contacts &&
	[ "$(tail -n +2 "$WORK/f1.csv" | wc -l)" = 66 ] &&
	run 0 ab --db "$DB" export --changes --since-last feed -o "$WORK/f2.csv" contacts &&
	[ "$(wc -l <"$WORK/f2.csv")" = 1 ] &&
	run 0 ab --db "$DB" export --changes --account NL-0028 contacts &&
	[ "$(tail -n +2 "$WORK/out" | cut -d, -f1 | sort | uniq -c | tr -s ' ' | tr '\n' ';')" = " 2 delete; 2 insert;" ] &&
	run 64 ab --db "$DB" export --changes --format xml contacts &&
	run 64 ab --db "$DB" export --since-last "" contacts && ok || fail "$(cat "$WORK/out" "$WORK/err")"

begin "export --all writes every entity, manifest.xml and SHA256SUMS; the same data gives the same bytes"
fresh all
ACCTBATCH_NOW=2026-01-01T00:00:00Z ab --db "$DB" --quiet import "$SAMPLES/onboarding/csv"
allok=1
for ext in tar.gz tgz tar.xz zip; do
	run 0 ab --db "$DB" export --all --include-password-hashes -o "$WORK/all1.$ext" &&
		sleep 1 && # a clock in the archive would show
		run 0 ab --db "$DB" export --all --include-password-hashes -o "$WORK/all2.$ext" &&
		cmp -s "$WORK/all1.$ext" "$WORK/all2.$ext" && [ "$(stat -c %a "$WORK/all1.$ext")" = 600 ] || { allok=0; fail "$ext: $(cat "$WORK/err")"; }
done
rm -rf "$WORK/allx" && mkdir "$WORK/allx" && tar -xzf "$WORK/all1.tar.gz" -C "$WORK/allx" &&
	[ "$(tar -tzf "$WORK/all1.tar.gz" | tr '\n' ' ')" = "accounts.csv logins.csv contacts.csv invoices.csv manifest.xml SHA256SUMS " ] &&
	(cd "$WORK/allx" && sha256sum -c --quiet SHA256SUMS) &&
	xmllint --noout --schema "$ROOT/schemas/manifest.xsd" "$WORK/allx/manifest.xml" 2>/dev/null &&
	grep -q '<as_of>2026-01-01T00:00:00Z</as_of>' "$WORK/allx/manifest.xml" &&
	grep -q '<file name="contacts.csv" entity="contacts" rows="61" ' "$WORK/allx/manifest.xml" &&
	ab --db "$DB" --quiet export --include-password-hashes logins | cmp -s - "$WORK/allx/logins.csv" &&
	[ "$(tar -tvzf "$WORK/all1.tar.gz" | awk '{print $1, $2, $4, $5}' | sort -u)" = "-rw------- 0/0 2026-01-01 00:00" ] &&
	run 0 ab --db "$DB" export --all --format xml -o "$WORK/allxml.zip" &&
	err_is "acctbatch: export: 32 accounts, 72 logins, 61 contacts and 88 invoices written to $WORK/allxml.zip (as of 2026-01-01T00:00:00Z); without password hashes, its logins cannot be imported into an empty database" &&
	SOURCE_DATE_EPOCH=86400 run 0 ab --db "$DB" export --all -o "$WORK/sde.tar.xz" &&
	err_is "acctbatch: export: 32 accounts, 72 logins, 61 contacts and 88 invoices written to $WORK/sde.tar.xz (as of 1970-01-02T00:00:00Z); without password hashes, its logins cannot be imported into an empty database" &&
	run 64 ab --db "$DB" export --all -o "$WORK/all.rar" && run 64 ab --db "$DB" export --all &&
	run 64 ab --db "$DB" export --all --account NL-0001 -o "$WORK/a.zip" &&
	run 73 ab --db "$DB" export --all -o "$WORK/nodir/a.zip" && [ "$allok" = 1 ] && ok ||
	fail "$(cat "$WORK/out" "$WORK/err")"

begin "an export never overwrites its own database; a stop signal leaves no file behind"
fresh selfout
ab --db "$DB" --quiet import "$SAMPLES/onboarding/csv"
cp "$DB" "$WORK/selfout.copy"
run 64 ab --db "$DB" export -o "$DB" accounts && err_is "acctbatch: export: '$DB' is the database; the export would overwrite it" &&
	run 64 ab --db "$DB" export --all -o "$DB" && cmp -s "$DB" "$WORK/selfout.copy" &&
	{
		timeout --preserve-status -s TERM 0.3 "$ACCTBATCH" --no-progress --db "$WORK/rt2.db" \
			export --all --include-password-hashes -o "$WORK/sig.tar.xz" >"$WORK/out" 2>"$WORK/err"
		[ $? = 143 ]
	} && err_is "acctbatch: export: stopped by signal 15; nothing written" && [ ! -e "$WORK/sig.tar.xz" ] &&
	! ls -A "$WORK" | grep -q '^\.sig\.tar\.xz\.tmp' && ok || fail "$(cat "$WORK/err")"

begin "a .zip export does not depend on the time zone"
TZ=America/New_York run 0 ab --db "$DB" export --all -o "$WORK/tz1.zip" &&
	TZ=Asia/Tokyo run 0 ab --db "$DB" export --all -o "$WORK/tz2.zip" &&
	cmp -s "$WORK/tz1.zip" "$WORK/tz2.zip" && ok || fail "the zip files differ"

# ---------------------------------------------------------------- history
# the first line history prints
hist_head='batch  started               ended                 outcome     command'

begin "history lists the batches newest first, as a table or JSON, with --limit"
fresh hist
ACCTBATCH_NOW=2026-01-01T00:00:00Z ab --db "$DB" --quiet import "$SAMPLES/onboarding/csv"
printf 'account_id,name\nNL-0001,Renamed Ltd\n' >"$WORK/ren.csv"
ACCTBATCH_NOW=2026-01-02T00:00:00Z ab --db "$DB" --quiet import --mode update --entity accounts "$WORK/ren.csv"
# each batch as the table shows it
O=$SAMPLES/onboarding/csv
hist1="    1  2026-01-01T00:00:00Z  2026-01-01T00:00:00Z  committed   acctbatch --no-progress --db $DB --quiet import $O
       input $O/accounts.csv (accounts, sha256 $(sha256_of "$O/accounts.csv"))
       input $O/logins.csv (logins, sha256 $(sha256_of "$O/logins.csv"))
       input $O/contacts.csv (contacts, sha256 $(sha256_of "$O/contacts.csv"))
       input $O/invoices.csv (invoices, sha256 $(sha256_of "$O/invoices.csv"))
       accounts  32 inserted
       logins    72 inserted
       contacts  61 inserted
       invoices  88 inserted"
hist2="    2  2026-01-02T00:00:00Z  2026-01-02T00:00:00Z  committed   acctbatch --no-progress --db $DB --quiet import --mode update --entity accounts $WORK/ren.csv
       input $WORK/ren.csv (accounts, sha256 $(sha256_of "$WORK/ren.csv"))
       accounts  1 updated"
run 0 ab --db "$DB" history && out_is "$hist_head
$hist2
$hist1" &&
	run 0 ab --db "$DB" history --limit 1 && out_is "$hist_head
$hist2" &&
	run 0 ab --db "$DB" history --format json && cp "$WORK/out" "$WORK/h.json" &&
	[ "$(sqlite3 :memory: "select json_valid(readfile('$WORK/h.json')), json_array_length(readfile('$WORK/h.json')),
		readfile('$WORK/h.json') ->> '\$[0].batch', readfile('$WORK/h.json') ->> '\$[1].counts.logins.inserted',
		readfile('$WORK/h.json') ->> '\$[0].inputs[0].sha256'")" = "1|2|2|72|$(sha256sum "$WORK/ren.csv" | cut -d' ' -f1)" ] && ok ||
	fail "$(cat "$WORK/out" "$WORK/err")"

begin "history BATCH shows the batch with each change; unknown batch 65, no database 66, bad usage 64"
run 0 ab --db "$DB" history 2 && out_is "$hist_head
$hist2
       changes:
       update accounts  NL-0001
         name: \"Fjordbygg AS\" -> \"Renamed Ltd\"" &&
	run 0 ab --db "$DB" history 1 && [ "$(grep -c '^       insert ' "$WORK/out")" = 253 ] &&
	[ "$(grep '^       insert ' "$WORK/out" | head -1 | awk '{print $2}')" = accounts ] &&
	[ "$(grep '^       insert ' "$WORK/out" | tail -1 | awk '{print $2}')" = invoices ] &&
	run 0 ab --db "$DB" history --format json 2 && cp "$WORK/out" "$WORK/h2.json" &&
	[ "$(sqlite3 :memory: "select json_valid(readfile('$WORK/h2.json')), readfile('$WORK/h2.json') ->> '\$.changes[0].op',
		readfile('$WORK/h2.json') ->> '\$.changes[0].after.name', readfile('$WORK/h2.json') ->> '\$.changes[0].before.name'")" = "1|update|Renamed Ltd|Fjordbygg AS" ] &&
	run 65 ab --db "$DB" history 9 && err_is "acctbatch: history: there is no batch 9" &&
	run 66 ab --db "$WORK/none.db" history && [ ! -e "$WORK/none.db" ] &&
	run 64 ab --db "$DB" history --limit 0 && run 64 ab --db "$DB" history --format xml &&
	run 64 ab --db "$DB" history abc && ok || fail "$(cat "$WORK/out" "$WORK/err")"

# ---------------------------------------------------------------- revert
# exports_of DB DIR: every entity of DB, logins with hashes, as CSV into DIR
exports_of() { rm -rf "$2" && export_all "$1" "$2" csv; }

begin "revert undoes an upsert: the database equals the state after the first batch"
fresh rev
ACCTBATCH_NOW=2026-01-01T00:00:00Z ab --db "$DB" --quiet import "$SAMPLES/onboarding/csv"
exports_of "$DB" "$WORK/rev1"
printf 'account_id,email,first_name,last_name,country\nNL-0001,kirsten.holm@holm-revision.example,Kirsten,Holm-Changed,DK\nNL-0001,new.person@x.example,New,Person,DK\n' >"$WORK/up.csv"
printf 'account_id,name,city\nNL-0002,Smith & Jones Renamed,Leeds\n' >"$WORK/upa.csv"
ACCTBATCH_NOW=2026-01-02T00:00:00Z ab --db "$DB" --quiet import "$WORK/up.csv" "$WORK/upa.csv"
exports_of "$DB" "$WORK/rev2"
sqlite3 "$DB" .dump >"$WORK/rev2.dump"
ACCTBATCH_NOW=2026-01-03T00:00:00Z run 0 ab --db "$DB" revert --dry-run 2 &&
	out_is 'restore  contacts  ["NL-0001","kirsten.holm@holm-revision.example"]
restore  accounts  NL-0002
delete   contacts  ["NL-0001","new.person@x.example"]
            inserted   updated unchanged   deleted  rejected
accounts           0         1         0         0         0
contacts           0         1         0         1         0
dry run: nothing written (the counts are what reverting batch 2 would do)' &&
	sqlite3 "$DB" .dump | cmp -s - "$WORK/rev2.dump" &&
	ACCTBATCH_NOW=2026-01-03T00:00:00Z run 0 ab --db "$DB" revert 2 &&
	out_is '            inserted   updated unchanged   deleted  rejected
accounts           0         1         0         0         0
contacts           0         1         0         1         0
batch 3 committed (reverts batch 2)' &&
	exports_of "$DB" "$WORK/rev3" && diff -r "$WORK/rev1" "$WORK/rev3" >/dev/null &&
	[ "$(q 'select kind || ":" || reverts from batches where id = 3')" = "revert:2" ] && ok ||
	fail "$(cat "$WORK/out" "$WORK/err")"

begin "reverting the revert applies the batch again"
ACCTBATCH_NOW=2026-01-04T00:00:00Z run 0 ab --db "$DB" revert 3 && out_is '            inserted   updated unchanged   deleted  rejected
accounts           0         1         0         0         0
contacts           1         1         0         0         0
batch 4 committed (reverts batch 3)' &&
	exports_of "$DB" "$WORK/rev4" &&
	diff "$WORK/rev2/accounts.csv" "$WORK/rev4/accounts.csv" >/dev/null &&
	[ "$(q "select last_name from contacts where account_id = 'NL-0001' and email like 'kirsten%'")" = Holm-Changed ] &&
	[ "$(q "select count(*) from contacts where email = 'new.person@x.example'")" = 1 ] && ok ||
	fail "$(cat "$WORK/out" "$WORK/err")"

begin "revert refuses when a later batch changed the same rows (65, listed), unless --force"
printf 'account_id,email,first_name,last_name,country\nNL-0001,new.person@x.example,New,Person-Again,DK\n' >"$WORK/up2.csv"
ACCTBATCH_NOW=2026-01-05T00:00:00Z ab --db "$DB" --quiet import "$WORK/up2.csv"
sqlite3 "$DB" .dump >"$WORK/rev5.dump"
run 65 ab --db "$DB" revert 4 &&
	err_is '  contacts ["NL-0001","new.person@x.example"]: changed again by batch 5
acctbatch: revert: later batches changed 1 row that batch 4 changed (listed above); nothing written (--force reverts anyway)' &&
	sqlite3 "$DB" .dump | cmp -s - "$WORK/rev5.dump" &&
	ACCTBATCH_NOW=2026-01-06T00:00:00Z run 0 ab --db "$DB" revert --force 4 &&
	err_is '  contacts ["NL-0001","new.person@x.example"]: changed again by batch 5
acctbatch: revert: 1 later change of the same rows overridden (--force)' &&
	[ "$(q "select count(*) from contacts where email = 'new.person@x.example'")" = 0 ] && ok ||
	fail "$(cat "$WORK/out" "$WORK/err")"

begin "revert puts back what a --cascade delete removed, accounts before their dependents"
fresh revdel
ab --db "$DB" --quiet import "$SAMPLES/onboarding/csv"
exports_of "$DB" "$WORK/rd1"
printf 'account_id\nNL-0028\n' >"$WORK/del.csv" # an account without invoices
run 0 ab --db "$DB" import --mode delete --cascade --entity accounts "$WORK/del.csv" &&
	[ "$(q "select count(*) from accounts where account_id = 'NL-0028'")" = 0 ] &&
	[ "$(q "select count(*) from journal where batch_id = 2 and op = 'delete' and entity <> 'accounts'")" -gt 0 ] &&
	run 0 ab --db "$DB" history 2 && out_is "$hist_head
    2  $ACCTBATCH_NOW  $ACCTBATCH_NOW  committed   acctbatch --no-progress --db $DB import --mode delete --cascade --entity accounts $WORK/del.csv
       input $WORK/del.csv (accounts, sha256 $(sha256_of "$WORK/del.csv"))
       accounts  1 deleted
       logins    1 deleted
       contacts  2 deleted
       changes:
       delete logins    els.desmet@brouwerij-desmet.example
       delete contacts  [\"NL-0028\",\"els.desmet@brouwerij-desmet.example\"]
       delete contacts  [\"NL-0028\",\"wouter@brouwerij-desmet.example\"]
       delete accounts  NL-0028" &&
	run 0 ab --db "$DB" revert 2 && exports_of "$DB" "$WORK/rd2" &&
	diff -r "$WORK/rd1" "$WORK/rd2" >/dev/null && ok || fail "$(cat "$WORK/out" "$WORK/err")"

begin "revert of an unknown batch is 65, without a database 66, bad usage 64; nothing is left behind"
run 65 ab --db "$DB" revert 99 && err_is "acctbatch: revert: there is no batch 99; nothing written" &&
	run 65 ab --db "$DB" revert 4 && err_is "acctbatch: revert: there is no batch 4; nothing written" && # the next id
	[ "$(q 'select max(id) from batches')" = 3 ] &&
	run 66 ab --db "$WORK/nodb.db" revert 1 && [ ! -e "$WORK/nodb.db" ] &&
	run 64 ab --db "$DB" revert && run 64 ab --db "$DB" revert x && run 64 ab --db "$DB" revert --bogus 1 && ok ||
	fail "$(cat "$WORK/out" "$WORK/err")"

begin "history never shows a password hash"
fresh histpw
ab --db "$DB" --quiet import "$SAMPLES/onboarding/csv"
printf 'email,password,password_confirm\ningrid.haugen@fjordbygg.example,Another-Pass-2026-x,Another-Pass-2026-x\n' >"$WORK/pw.csv"
ab --db "$DB" --quiet import --mode update --entity logins "$WORK/pw.csv" 2>/dev/null
run 0 ab --db "$DB" history --format json 1 && ! grep -q 'argon2' "$WORK/out" && grep -q '"password_hash":"\[redacted\]"' "$WORK/out" &&
	run 0 ab --db "$DB" history 2 && ! grep -q 'argon2' "$WORK/out" && out_is "$hist_head
    2  $ACCTBATCH_NOW  $ACCTBATCH_NOW  committed   acctbatch --no-progress --db $DB --quiet import --mode update --entity logins $WORK/pw.csv
       input $WORK/pw.csv (logins, sha256 $(sha256_of "$WORK/pw.csv"))
       logins    1 updated
       changes:
       update logins    ingrid.haugen@fjordbygg.example
         password_hash: changed ([redacted])" && ok ||
	fail "$(head -c 400 "$WORK/out")"

begin "revert refuses (65) when other batches' rows need an account it would remove; --dry-run lists each step"
fresh revdep
ab --db "$DB" --quiet import "$SAMPLES/onboarding/csv/accounts.csv"
ab --db "$DB" --quiet import "$SAMPLES/onboarding/csv/contacts.csv"
sqlite3 "$DB" .dump >"$WORK/revdep.dump"
run 65 ab --db "$DB" revert 1 && has_err "61 rows of other batches need an account that reverting batch 1 would remove" &&
	has_err 'contacts ["NL-0001","kirsten.holm@holm-revision.example"] (batch 2) needs an account the revert removes' &&
	run 65 ab --db "$DB" revert --force 1 && sqlite3 "$DB" .dump | cmp -s - "$WORK/revdep.dump" &&
	run 0 ab --db "$DB" revert --dry-run 2 &&
	[ "$(grep -c '^delete   contacts  \[' "$WORK/out")" = 61 ] && has_out "dry run: nothing written" &&
	sqlite3 "$DB" .dump | cmp -s - "$WORK/revdep.dump" && ok || fail "$(cat "$WORK/out" "$WORK/err" | head -5)"

# ---------------------------------------------------------------- archives
# pack NAME FILE...: a .tar.gz of FILEs (in $WORK/pk) with fixed owners and times
pack() {
	local name=$1
	shift
	(cd "$WORK/pk" && tar --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - "$@" | gzip -n >"$WORK/$name")
}

begin "import ARCHIVE restores an export --all into an empty database, as one batch"
fresh arc1
ab --db "$DB" --quiet import "$SAMPLES/onboarding/csv"
exports_of "$DB" "$WORK/arc-before"
run 0 ab --db "$DB" export --all --include-password-hashes -o "$WORK/full.tar.xz" &&
	run 0 ab --db "$DB" export --all --include-password-hashes --format xml -o "$WORK/full.zip" &&
	fresh arc2 && run 0 ab --db "$DB" import "$WORK/full.tar.xz" && out_is "$onboarded" &&
	exports_of "$DB" "$WORK/arc-after" && diff -r "$WORK/arc-before" "$WORK/arc-after" >/dev/null &&
	run 0 ab --db "$DB" history 1 && has_out "input $WORK/full.tar.xz:accounts.csv (accounts, sha256 " &&
	fresh arc3 && run 0 ab --db "$DB" import "$WORK/full.zip" &&
	exports_of "$DB" "$WORK/arc-after2" && diff -r "$WORK/arc-before" "$WORK/arc-after2" >/dev/null && ok ||
	fail "$(cat "$WORK/out" "$WORK/err")"

begin "a problem inside a package names the member and line; nothing is written"
rm -rf "$WORK/pk" && mkdir "$WORK/pk"
printf 'account_id,name,email,country\nP-1,P,p@x.example,DE\n' >"$WORK/pk/accounts.csv"
printf 'account_id,email,first_name,last_name,country\nP-1,ok@x.example,A,B,DE\nP-1,bob@,Bob,Stone,DE\n' >"$WORK/pk/contacts.csv"
pack bad.tar.gz contacts.csv accounts.csv
fresh arc4
run 65 ab --db "$DB" import "$WORK/bad.tar.gz" &&
	err_is "acctbatch: import: $WORK/bad.tar.gz:contacts.csv:3: field 'email': not an email address 'bob@' (domain is empty) [bad_email]" &&
	[ ! -e "$DB" ] &&
	run 1 ab --db "$DB" import --on-error skip "$WORK/bad.tar.gz" &&
	[ "$(q 'select count(*) from contacts')" = 1 ] && ok || fail "$(cat "$WORK/err")"

begin "hostile packages are refused with bad_archive and nothing is written"
rm -rf "$WORK/pk" && mkdir "$WORK/pk"
printf 'account_id,name,email,country\nH-1,H,h@x.example,DE\n' >"$WORK/pk/accounts.csv"
echo "not data" >"$WORK/pk/notes.txt"
ln -s accounts.csv "$WORK/pk/link.csv"
ln "$WORK/pk/accounts.csv" "$WORK/pk/hard.csv"
head -c 20000000 /dev/zero >"$WORK/pk/zeros.csv"
pack other.tar.gz accounts.csv notes.txt
(cd "$WORK/pk" && tar --transform 's,^,../,' -czf "$WORK/dotdot.tgz" accounts.csv 2>/dev/null)
(cd "$WORK/pk" && tar -P --transform 's,^,/tmp/,' -czf "$WORK/abs.tgz" accounts.csv)
pack symlink.tar.gz accounts.csv link.csv
pack hardlink.tar.gz accounts.csv hard.csv
(cd "$WORK/pk" && tar -cf "$WORK/dup.tar" accounts.csv && tar -rf "$WORK/dup.tar" accounts.csv)
pack bomb.tar.gz zeros.csv
printf '%064d  accounts.csv\n' 0 >"$WORK/pk/SHA256SUMS"
pack badsum.tar.gz accounts.csv SHA256SUMS
(cd "$WORK/pk" && sha256sum notes.txt >SHA256SUMS)
pack unlisted.tar.gz accounts.csv SHA256SUMS
(cd "$WORK/pk" && sha256sum accounts.csv >SHA256SUMS)
pack goodsum.tar.gz accounts.csv SHA256SUMS
printf 'this is not an archive' >"$WORK/junk.zip"
fresh hostile
hostile=1
check_refused() { # FILE WHAT [OPTIONS]: the whole stderr is "acctbatch: import: FILE: WHAT [bad_archive]"
	local f=$1 what=$2
	shift 2
	if ! run 65 ab --db "$DB" import "$@" "$WORK/$f" || ! err_is "acctbatch: import: $WORK/$f: $what [bad_archive]"; then
		hostile=0
		fail "$f: $(cat "$WORK/err")"
	fi
}
check_refused other.tar.gz "member 'notes.txt' refused: not a .csv or .xml file (an archive may hold only those, and the manifest.xml and SHA256SUMS acctbatch writes); nothing imported"
check_refused dotdot.tgz "member '../accounts.csv' refused: '..' in the path; nothing imported"
check_refused abs.tgz "member '/tmp/accounts.csv' refused: absolute path; nothing imported"
check_refused symlink.tar.gz "member 'link.csv' refused: a link; nothing imported"
check_refused hardlink.tar.gz "member 'hard.csv' refused: a link; nothing imported"
check_refused dup.tar "member 'accounts.csv' refused: a second member of this name; nothing imported"
check_refused bomb.tar.gz "the archive unpacks to more than 100 times its size (a zip bomb?); nothing imported"
check_refused goodsum.tar.gz "unpacked, the archive is larger than 10 bytes (--max-unpacked); nothing imported" --max-unpacked 10
check_refused badsum.tar.gz "member 'accounts.csv' does not match its SHA-256 in SHA256SUMS; nothing imported"
check_refused unlisted.tar.gz "member 'accounts.csv' is not listed in SHA256SUMS; nothing imported"
check_refused junk.zip "not a readable archive: Unrecognized archive format"
if [ "$(id -u)" = 0 ] && mknod "$WORK/pk/dev.csv" c 1 3 2>/dev/null; then
	pack device.tar.gz accounts.csv dev.csv
	check_refused device.tar.gz "member 'dev.csv' refused: a device or other special file; nothing imported"
fi
[ "$hostile" = 1 ] && [ ! -e "$DB" ] &&
	run 0 ab --db "$DB" import "$WORK/goodsum.tar.gz" && [ "$(q 'select count(*) from accounts')" = 1 ] &&
	run 64 ab --db "$DB" import --max-unpacked lots "$WORK/goodsum.tar.gz" && ok ||
	{ [ "$hostile" = 0 ] || fail "$(cat "$WORK/err")"; }

# ---------------------------------------------------------------- lists
# list_members ARCHIVE: the member names in archive order, space-separated
list_members() {
	case $1 in
	*.zip) unzip -Z1 "$1" | tr '\n' ' ' ;;
	*) tar -tf "$1" | tr '\n' ' ' ;;
	esac
}
# unpack ARCHIVE DIR
unpack() {
	rm -rf "$2" && mkdir -p "$2" &&
		case $1 in
		*.zip) unzip -q "$1" -d "$2" ;;
		*) tar -xf "$1" -C "$2" ;;
		esac
}

begin "lists over the samples equal the lists written by hand (full, a month of open invoices, one account)"
fresh lists
ACCTBATCH_NOW=2026-10-15T00:00:00Z ab --db "$DB" --quiet import "$SAMPLES/onboarding/csv"
EXPECT=$ROOT/tests/data/lists
listok=1
check_list() { # DIR ARCHIVE-DIR FILE: FILE is as written by hand, and the manifest's counts agree
	local rows recipients kind
	if ! cmp -s "$ROOT/tests/data/lists/$1/$3" "$2/$3"; then
		listok=0
		fail "$1/$3 differs: $(diff "$ROOT/tests/data/lists/$1/$3" "$2/$3" | head -20)"
		return
	fi
	read -r rows recipients < <(awk -v f="$1/$3" '$1 == f { print $2, $3 }' "$EXPECT/counts.txt")
	kind=${3%.csv}
	kind=${kind/subscription-/subscription:}
	grep -q "<list kind=\"$kind\" rows=\"$rows\" recipients=\"$recipients\">" "$2/manifest.xml" ||
		{ listok=0; fail "$1/$3: manifest counts are not $rows rows, $recipients recipients: $(grep "<list kind=\"$kind\"" "$2/manifest.xml")"; }
}
run 0 ab --db "$DB" lists -o "$WORK/full.tar.gz" invoice-created standard-invoices summary-invoices \
	important-notices subscription:newsletter &&
	unpack "$WORK/full.tar.gz" "$WORK/full" &&
	for f in invoice-created.csv standard-invoices.csv summary-invoices.csv important-notices.csv subscription-newsletter.csv; do
		check_list full "$WORK/full" "$f"
	done
run 0 ab --db "$DB" lists --from 2026-10-01 --to 2026-10-31 --status open -o "$WORK/month.zip" \
	invoice-created standard-invoices summary-invoices &&
	unpack "$WORK/month.zip" "$WORK/month" &&
	for f in invoice-created.csv standard-invoices.csv summary-invoices.csv; do
		check_list filtered "$WORK/month" "$f"
	done
run 0 ab --db "$DB" lists --account NL-0014 -o "$WORK/acct.tar.xz" standard-invoices important-notices &&
	unpack "$WORK/acct.tar.xz" "$WORK/acct" &&
	for f in standard-invoices.csv important-notices.csv; do
		check_list account "$WORK/acct" "$f"
	done
[ "$listok" = 1 ] && err_is "acctbatch: lists: standard-invoices        3 rows, 1 recipient
acctbatch: lists: important-notices        1 row, 1 recipient
acctbatch: lists: $WORK/acct.tar.xz written (as of $ACCTBATCH_NOW, data up to batch 1)
acctbatch: lists: recorded as batch 4; archive sha256 $(sha256_of "$WORK/acct.tar.xz")" && ok ||
	[ "$listok" = 0 ] || fail "$(cat "$WORK/err")"

begin "lists archives: fixed order, byte-identical for the same data and options, valid manifest, XML and SHA256SUMS"
listok=1
for ext in tar.gz tgz tar.xz zip; do
	run 0 ab --db "$DB" lists --xml --as-of 2026-11-01T00:00:00Z -o "$WORK/l1.$ext" \
		subscription:newsletter standard-invoices important-notices &&
		sleep 1 && # a clock in the archive would show
		TZ=Asia/Tokyo run 0 ab --db "$DB" lists --as-of 2026-11-01T00:00:00Z --xml -o "$WORK/l2.$ext" \
			important-notices standard-invoices subscription:newsletter standard-invoices &&
		cmp -s "$WORK/l1.$ext" "$WORK/l2.$ext" && [ "$(stat -c %a "$WORK/l1.$ext")" = 600 ] &&
		[ "$(list_members "$WORK/l1.$ext")" = "standard-invoices.csv standard-invoices.xml important-notices.csv important-notices.xml subscription-newsletter.csv subscription-newsletter.xml manifest.xml SHA256SUMS " ] &&
		unpack "$WORK/l1.$ext" "$WORK/l1" && (cd "$WORK/l1" && sha256sum -c --quiet SHA256SUMS) &&
		xmllint --noout --schema "$ROOT/schemas/manifest.xsd" "$WORK/l1/manifest.xml" 2>/dev/null &&
		for x in standard-invoices important-notices subscription-newsletter; do
			xmllint --noout --schema "$ROOT/schemas/lists.xsd" "$WORK/l1/$x.xml" 2>/dev/null || exit 1
		done &&
		[ "$(grep -c '<recipient>' "$WORK/l1/standard-invoices.xml")" = "$(($(wc -l <"$WORK/l1/standard-invoices.csv") - 1))" ] ||
		{ listok=0; fail "$ext: $(cat "$WORK/err")"; }
done
[ "$(tar -tvzf "$WORK/l1.tar.gz" | awk '{print $1, $2, $4, $5}' | sort -u)" = "-rw------- 0/0 2026-11-01 00:00" ] &&
	grep -q '<kind>lists</kind>' "$WORK/l1/manifest.xml" && grep -q '<as_of>2026-11-01T00:00:00Z</as_of>' "$WORK/l1/manifest.xml" &&
	grep -q '<last_batch>1</last_batch>' "$WORK/l1/manifest.xml" && grep -q '<status>all</status>' "$WORK/l1/manifest.xml" &&
	grep -q '<role>contact</role>' "$WORK/l1/standard-invoices.xml" &&
	ab --db "$DB" --quiet export --all -o "$WORK/e1.zip" && ab --db "$DB" --quiet lists -o "$WORK/x.zip" important-notices &&
	ab --db "$DB" --quiet export --all -o "$WORK/e2.zip" && cmp -s "$WORK/e1.zip" "$WORK/e2.zip" &&
	printf 'account_id,name\nNL-0001,Fjordbygg AS\n' >"$WORK/same.csv" &&
	ab --db "$DB" --quiet import --entity accounts "$WORK/same.csv" &&
	(cd "$WORK" && "$ACCTBATCH" --no-progress --quiet --db "./$(basename "$DB")" lists --xml --as-of 2026-11-01T00:00:00Z \
		-o "$WORK/l3.zip" standard-invoices important-notices subscription:newsletter) &&
	cmp -s "$WORK/l1.zip" "$WORK/l3.zip" &&
	[ "$listok" = 1 ] && ok || { [ "$listok" = 0 ] || fail "$(cat "$WORK/err")"; }

begin "lists: the as-of time is --as-of, else SOURCE_DATE_EPOCH, else now"
run 0 ab --db "$DB" lists -o "$WORK/now.zip" important-notices && unpack "$WORK/now.zip" "$WORK/now" &&
	grep -q "<as_of>$ACCTBATCH_NOW</as_of>" "$WORK/now/manifest.xml" &&
	SOURCE_DATE_EPOCH=86400 run 0 ab --db "$DB" lists -o "$WORK/sde.tgz" important-notices &&
	unpack "$WORK/sde.tgz" "$WORK/sde" && grep -q '<as_of>1970-01-02T00:00:00Z</as_of>' "$WORK/sde/manifest.xml" &&
	SOURCE_DATE_EPOCH=86400 run 64 ab --db "$DB" lists -o "$WORK/sde.zip" important-notices &&
	err_is "acctbatch: lists: a .zip archive keeps times from 1980 to 2107, not 1970-01-02T00:00:00Z" &&
	run 64 ab --db "$DB" lists --as-of 2200-01-01T00:00:00Z -o "$WORK/late.zip" important-notices &&
	SOURCE_DATE_EPOCH=+86400 run 64 ab --db "$DB" lists -o "$WORK/sde.tgz" important-notices &&
	SOURCE_DATE_EPOCH=86400 run 0 ab --db "$DB" lists --as-of 2026-02-03T04:05:06Z -o "$WORK/asof.zip" important-notices &&
	unpack "$WORK/asof.zip" "$WORK/asof" && grep -q '<as_of>2026-02-03T04:05:06Z</as_of>' "$WORK/asof/manifest.xml" &&
	SOURCE_DATE_EPOCH=soon run 64 ab --db "$DB" lists -o "$WORK/bad.zip" important-notices && ok ||
	fail "$(cat "$WORK/err")"

begin "lists with nothing to list: empty lists and a manifest that says 0"
run 0 ab --db "$DB" lists --xml --from 2031-01-01 -o "$WORK/empty.tgz" standard-invoices subscription:no_such_list &&
	unpack "$WORK/empty.tgz" "$WORK/empty" &&
	[ "$(cat "$WORK/empty/standard-invoices.csv")" = "invoice_number,account_id,account_name,kind,issued_on,due_on,currency,total,email,name,role" ] &&
	[ "$(wc -l <"$WORK/empty/subscription-no_such_list.csv")" = 1 ] &&
	grep -q '<list kind="standard-invoices" rows="0" recipients="0">' "$WORK/empty/manifest.xml" &&
	grep -q '<list kind="subscription:no_such_list" rows="0" recipients="0">' "$WORK/empty/manifest.xml" &&
	xmllint --noout --schema "$ROOT/schemas/lists.xsd" "$WORK/empty/standard-invoices.xml" 2>/dev/null &&
	err_is "acctbatch: lists: standard-invoices        0 rows, 0 recipients
acctbatch: lists: subscription:no_such_list 0 rows, 0 recipients
acctbatch: lists: $WORK/empty.tgz written (as of $ACCTBATCH_NOW, data up to batch 1)
acctbatch: lists: recorded as batch $(q 'select max(id) from batches'); archive sha256 $(sha256_of "$WORK/empty.tgz")" && ok ||
	fail "$(cat "$WORK/err")"

begin "every build is recorded; history shows it; lists verify names it, or says what does not match (65)"
before=$(q 'select count(*) from batches')
ACCTBATCH_NOW=2026-11-20T10:00:00Z run 0 ab --db "$DB" lists --as-of 2026-11-20T00:00:00Z --account NL-0014 --status paid \
	-o "$WORK/audit.tar.gz" standard-invoices &&
	batch=$(q "select max(id) from batches") && [ "$batch" = $((before + 1)) ] &&
	[ "$(q "select kind, outcome from batches where id = $batch")" = "lists|committed" ] &&
	sha=$(sha256sum "$WORK/audit.tar.gz" | cut -d' ' -f1) &&
	[ "$(q "select archive, sha256, as_of, data_batch, kinds, params ->> 'status', params ->> 'account' from list_builds where batch_id = $batch")" = "$WORK/audit.tar.gz|$sha|2026-11-20T00:00:00Z|1|[\"standard-invoices\"]|paid|NL-0014" ] &&
	err_is "acctbatch: lists: standard-invoices        1 row, 1 recipient
acctbatch: lists: $WORK/audit.tar.gz written (as of 2026-11-20T00:00:00Z, data up to batch 1)
acctbatch: lists: recorded as batch $batch; archive sha256 $sha" &&
	run 0 ab --db "$DB" history "$batch" && out_is "$hist_head
$(printf '%5d' "$batch")  2026-11-20T10:00:00Z  2026-11-20T10:00:00Z  committed   acctbatch --no-progress --db $DB lists --as-of 2026-11-20T00:00:00Z --account NL-0014 --status paid -o $WORK/audit.tar.gz standard-invoices
       list build $WORK/audit.tar.gz (sha256 $sha)
       as of 2026-11-20T00:00:00Z, data up to batch 1
       parameters: --account NL-0014 --status paid
       standard-invoices        1 row, 1 recipient" &&
	run 0 ab --db "$DB" history --format json --limit 1 && cp "$WORK/out" "$WORK/hl.json" &&
	[ "$(sqlite3 :memory: "select readfile('$WORK/hl.json') ->> '\$[0].list_build.sha256', readfile('$WORK/hl.json') ->> '\$[0].kind'")" = "$sha|lists" ] &&
	run 0 ab --db "$DB" lists verify "$WORK/audit.tar.gz" &&
	out_is "$WORK/audit.tar.gz: SHA256SUMS OK (2 members)
$WORK/audit.tar.gz: built as batch $batch at 2026-11-20T10:00:00Z, as of 2026-11-20T00:00:00Z, from data up to batch 1
$WORK/audit.tar.gz: kinds standard-invoices; parameters {\"from\":null,\"to\":null,\"account\":\"NL-0014\",\"status\":\"paid\",\"xml\":false}; counts {\"standard-invoices\":{\"rows\":1,\"recipients\":1}}
$WORK/audit.tar.gz: sha256 $sha matches the recorded build" &&
	run 65 ab --db "$DB" revert "$batch" && ok || fail "$(cat "$WORK/out" "$WORK/err")"

begin "lists verify: a changed member, a rebuilt archive, another database, no SHA256SUMS: 65; no file 66"
unpack "$WORK/audit.tar.gz" "$WORK/au" &&
	echo "INV-X,G-1,x,standard,2026-01-01,2026-01-02,EUR,1.00,a@b.example,A,contact" >>"$WORK/au/standard-invoices.csv" &&
	(cd "$WORK/au" && tar -czf "$WORK/tampered.tar.gz" standard-invoices.csv manifest.xml SHA256SUMS) &&
	run 65 ab --db "$DB" lists verify "$WORK/tampered.tar.gz" &&
	err_is "acctbatch: lists: $WORK/tampered.tar.gz: member 'standard-invoices.csv' does not match its SHA-256 in SHA256SUMS" &&
	(cd "$WORK/au" && sha256sum standard-invoices.csv manifest.xml >SHA256SUMS &&
		tar -czf "$WORK/resummed.tar.gz" standard-invoices.csv manifest.xml SHA256SUMS) &&
	run 65 ab --db "$DB" lists verify "$WORK/resummed.tar.gz" && out_is "$WORK/resummed.tar.gz: SHA256SUMS OK (2 members)" &&
	err_is "acctbatch: lists: $WORK/resummed.tar.gz: no list build recorded in '$DB' has this archive's SHA-256 ($(sha256_of "$WORK/resummed.tar.gz")): it was changed after it was built, or built from another database" &&
	(cd "$WORK/au" && tar -czf "$WORK/nosums.tar.gz" standard-invoices.csv manifest.xml) &&
	run 65 ab --db "$DB" lists verify "$WORK/nosums.tar.gz" &&
	err_is "acctbatch: lists: $WORK/nosums.tar.gz: '$WORK/nosums.tar.gz' holds no SHA256SUMS" &&
	(cd "$WORK/au" && echo "0000000000000000000000000000000000000000000000000000000000000000  gone.csv" >>SHA256SUMS &&
		tar -czf "$WORK/extra.tar.gz" standard-invoices.csv manifest.xml SHA256SUMS) &&
	run 65 ab --db "$DB" lists verify "$WORK/extra.tar.gz" &&
	err_is "acctbatch: lists: $WORK/extra.tar.gz: SHA256SUMS lists 'gone.csv', which is not in the archive" &&
	run 65 ab --db "$DB" lists verify "$WORK/ren.csv" &&
	err_is "acctbatch: lists: $WORK/ren.csv: '$WORK/ren.csv' is not a readable archive: Unrecognized archive format" &&
	run 66 ab --db "$DB" lists verify "$WORK/nothing.zip" &&
	run 65 ab --db "$WORK/csv.db" lists verify "$WORK/audit.tar.gz" &&
	run 64 ab --db "$DB" lists verify && run 0 ab --db "$DB" lists verify --help && out_is 'usage: acctbatch [--db PATH] lists [OPTIONS] -o ARCHIVE KIND...
       acctbatch [--db PATH] lists verify ARCHIVE
  KIND                  invoice-created, standard-invoices, summary-invoices,
                        important-notices, subscription:NAME
  -o, --output ARCHIVE  .tar.gz, .tgz, .tar.xz or .zip
  --from DATE           invoices issued on or after DATE (YYYY-MM-DD)
  --to DATE             invoices issued on or before DATE
  --account ID          only account ID
  --status open|paid|all  invoices with this status (default all: open and paid;
                        void invoices are never listed)
  --xml                 an XML copy of each list (schemas/lists.xsd)
  --as-of TIME          the time written in the archive (YYYY-MM-DDTHH:MM:SSZ;
                        default: SOURCE_DATE_EPOCH when set, else now)' &&
	run 64 ab --db "$DB" lists --xml verify "$WORK/audit.tar.gz" &&
	err_is "acctbatch: lists: 'verify' comes right after 'lists': acctbatch lists verify ARCHIVE" &&
	ok || fail "$(cat "$WORK/out" "$WORK/err")"

begin "lists verify accepts a genuine archive that compresses far better than 100:1"
fresh ratio
printf 'account_id,name,email,country\nR-1,Ratio Ltd,r@ratio.example,DE\n' >"$WORK/ra.csv"
printf 'account_id,first_name,last_name,email,country,standard_invoices\nR-1,Ro,Ratio,r@ratio.example,DE,true\n' >"$WORK/rc.csv"
awk 'BEGIN { print "invoice_number,account_id,kind,issued_on,due_on,currency,total"
	for (i = 0; i < 40000; i++) printf "R%07d,R-1,standard,2026-01-01,2026-01-31,EUR,10\n", i }' >"$WORK/ri.csv"
ab --db "$DB" --quiet import "$WORK/ra.csv" "$WORK/rc.csv" "$WORK/ri.csv"
run 0 ab --db "$DB" lists -o "$WORK/ratio.tar.xz" standard-invoices &&
	[ "$(($(xz -dc "$WORK/ratio.tar.xz" | wc -c) / $(stat -c %s "$WORK/ratio.tar.xz")))" -gt 100 ] &&
	run 0 ab --db "$DB" lists verify "$WORK/ratio.tar.xz" && out_is "$WORK/ratio.tar.xz: SHA256SUMS OK (2 members)
$WORK/ratio.tar.xz: built as batch 2 at $ACCTBATCH_NOW, as of $ACCTBATCH_NOW, from data up to batch 1
$WORK/ratio.tar.xz: kinds standard-invoices; parameters {\"from\":null,\"to\":null,\"account\":null,\"status\":\"all\",\"xml\":false}; counts {\"standard-invoices\":{\"rows\":40000,\"recipients\":1}}
$WORK/ratio.tar.xz: sha256 $(sha256_of "$WORK/ratio.tar.xz") matches the recorded build" && ok ||
	fail "$(cat "$WORK/out" "$WORK/err")"

begin "lists refuses bad usage (64), an unknown account (65), no database (66), an unwritable output (73); nothing recorded"
cp "$DB" "$WORK/lists.before"
before=$(dump "$DB")
run 64 ab --db "$DB" lists -o "$WORK/u.zip" newsletter &&
	err_is "acctbatch: lists: unknown kind 'newsletter' (invoice-created, standard-invoices, summary-invoices, important-notices, subscription:NAME with NAME of 1 to 40 of a-z, 0-9, _)" &&
	run 64 ab --db "$DB" lists -o "$WORK/u.zip" subscription:News && run 64 ab --db "$DB" lists -o "$WORK/u.zip" &&
	run 64 ab --db "$DB" lists standard-invoices && run 64 ab --db "$DB" lists -o "$WORK/u.csv" standard-invoices &&
	run 64 ab --db "$DB" lists -o - standard-invoices &&
	run 64 ab --db "$DB" lists --from 2026-13-01 -o "$WORK/u.zip" standard-invoices &&
	err_is "acctbatch: lists: --from needs a date such as 2026-11-01, not '2026-13-01'" &&
	run 64 ab --db "$DB" lists --from 2026-10-02 --to 2026-10-01 -o "$WORK/u.zip" standard-invoices &&
	run 64 ab --db "$DB" lists --status overdue -o "$WORK/u.zip" standard-invoices &&
	run 64 ab --db "$DB" lists --status open -o "$WORK/u.zip" important-notices &&
	err_is "acctbatch: lists: --from, --to and --status select invoices; name an invoice list (invoice-created, standard-invoices, summary-invoices)" &&
	run 64 ab --db "$DB" lists --as-of yesterday -o "$WORK/u.zip" important-notices &&
	cp "$DB" "$WORK/db.zip" && run 64 ab --db "$WORK/db.zip" lists -o "$WORK/db.zip" important-notices &&
	err_is "acctbatch: lists: '$WORK/db.zip' is the database; the archive would overwrite it" && cmp -s "$DB" "$WORK/db.zip" &&
	run 65 ab --db "$DB" lists --account NL-9999 -o "$WORK/u.zip" important-notices &&
	err_is "acctbatch: lists: there is no account 'NL-9999'" &&
	run 66 ab --db "$WORK/none.db" lists -o "$WORK/u.zip" important-notices && [ ! -e "$WORK/none.db" ] &&
	run 73 ab --db "$DB" lists -o "$WORK/nodir/u.zip" important-notices &&
	mkdir -p "$WORK/adir.zip" && run 73 ab --db "$DB" lists -o "$WORK/adir.zip" important-notices &&
	err_is "acctbatch: lists: cannot create '$WORK/adir.zip': Is a directory" &&
	run 73 ab --db "$DB" export -o "$WORK/adir.zip" accounts &&
	TMPDIR=$WORK/nodir run 74 ab --db "$DB" lists --xml -o "$WORK/u.zip" important-notices &&
	err_is "acctbatch: lists: cannot create a temporary file in $WORK/nodir (TMPDIR): No such file or directory; nothing written" &&
	TMPDIR=$WORK/nodir run 74 ab --db "$DB" lists -o "$WORK/u.tgz" important-notices &&
	err_is "acctbatch: lists: cannot create a temporary file in $WORK/nodir (TMPDIR): No such file or directory; nothing written" &&
	[ ! -e "$WORK/u.zip" ] && [ "$(dump "$DB")" = "$before" ] && ok || fail "$(cat "$WORK/out" "$WORK/err")"

begin "lists: a stop signal leaves no archive, no temporary file and no record"
before=$(sqlite3 "$WORK/rt2.db" "select count(*) from batches")
{
	timeout --preserve-status -s TERM 0.5 "$ACCTBATCH" --no-progress --db "$WORK/rt2.db" \
		lists --xml -o "$WORK/sig.tar.xz" invoice-created standard-invoices important-notices >"$WORK/out" 2>"$WORK/err"
	[ $? = 143 ]
} && err_is "acctbatch: lists: stopped by signal 15; nothing written" && [ ! -e "$WORK/sig.tar.xz" ] &&
	! ls -A "$WORK" | grep -q '^\.sig\.tar\.xz' &&
	[ "$(sqlite3 "$WORK/rt2.db" "select count(*) from batches")" = "$before" ] && ok || fail "$(cat "$WORK/err")"

begin "lists: cells are guarded against spreadsheet formulas; a locked database gives 75 and no archive"
fresh guard
printf 'account_id,name,email,full_name,country\nG-1,=HYPERLINK("http://x"),Holder@Guard.example,@boss,DE\n' >"$WORK/ga.csv"
printf 'account_id,first_name,last_name,email,country,important_notices\nG-1,-Ann,Lee,holder@guard.example,DE,yes\n' >"$WORK/gc.csv"
ab --db "$DB" --quiet import "$WORK/ga.csv" "$WORK/gc.csv"
run 0 ab --db "$DB" lists -o "$WORK/g.zip" important-notices && unpack "$WORK/g.zip" "$WORK/g" &&
	[ "$(tail -n 1 "$WORK/g/important-notices.csv")" = "G-1,\"'=HYPERLINK(\"\"http://x\"\")\",Holder@Guard.example,\"'@boss\",contact;holder" ] &&
	{
		rm -f "$WORK/locked"
		(sqlite3 "$DB" "BEGIN IMMEDIATE; INSERT INTO batches(kind, started_at, command) VALUES ('lock','x','x'); SELECT 1; " ".shell touch '$WORK/locked'; sleep 2" "ROLLBACK;" >/dev/null 2>&1) &
		wait_until test -e "$WORK/locked"
		ACCTBATCH_BUSY_TIMEOUT_MS=200 run 75 ab --db "$DB" lists -o "$WORK/locked.zip" important-notices
		rc=$?
		wait
		[ $rc = 0 ]
	} && [ ! -e "$WORK/locked.zip" ] && [ "$(q "select count(*) from batches where kind = 'lists'")" = 1 ] && ok ||
	fail "$(cat "$WORK/g/important-notices.csv" "$WORK/err")"

# ---------------------------------------------------------------- usage
begin "bad usage exits 64"
run 64 ab import --mode nonsense x.csv && run 64 ab frobnicate && run 64 ab import && ok

echo
verdict_check
echo "e2e: $passed passed, $failed failed"
[ "$failed" = 0 ]
