#!/usr/bin/env bash
# crash.sh - crash consistency. acctbatch is killed with SIGKILL at random
# moments of seven commands: an import into a new database, an update
# import, an XML import, a revert, export -o, export --all and lists. After
# each kill the database must pass PRAGMA integrity_check and hold exactly
# the state before or the state after the command (a new database: no file,
# or the complete one), an output path must hold nothing or the complete
# output (byte for byte that of an uninterrupted run), and the next run must
# do what it does from that state uninterrupted. Temporary files a kill
# leaves (.NAME.new-XXXXXX, .NAME.tmpXXXXXX) are reported, and the next run
# that creates the same database or output must have removed them.
#
# Part of 'make check': ACCTBATCH=/abs/path/acctbatch bash tests/crash.sh
# (it needs nothing else but sqlite3). About 40-60 s on two cores: the data
# is sized to the build's speed (see the data section).
#
# The kill times are random but reproducible: each run prints the
# CRASH_SEED and CRASH_SCALE that repeat it. Every outcome that is correct
# passes, wherever the kill lands: before the work, inside it, or after the
# process ended.
set -u
: "${ACCTBATCH:?set ACCTBATCH to the acctbatch binary}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
. "$(dirname "$0")/harness.sh"
unset SOURCE_DATE_EPOCH
# SQLite's and anyone's temporary files stay inside WORK too
mkdir -p "$WORK/tmp" "$WORK/log" "$WORK/ref" "$WORK/tpl" "$WORK/data" "$WORK/s"
export TMPDIR=$WORK/tmp SQLITE_TMPDIR=$WORK/tmp
SEED=${CRASH_SEED:-20261126}
RANDOM=$SEED
START_US=${EPOCHREALTIME//[!0-9]/}

finish() {
	local now=${EPOCHREALTIME//[!0-9]/}
	verdict_check
	echo "crash.sh: seed $SEED, $(((now - START_US) / 1000000)) s"
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}

begin "sqlite3 is installed, with sha3_query()"
if ! command -v sqlite3 >"$WORK/log/which" 2>&1; then
	fail "crash.sh needs the sqlite3 command-line shell (Debian package sqlite3)"
	finish
fi
if [ "$(sqlite3 :memory: "select length(sha3_query('select 1'))" 2>&1)" != 32 ]; then
	fail "this sqlite3 shell has no sha3_query(): $(sqlite3 :memory: "select sha3_query('select 1')" 2>&1 | head -c 200)"
	finish
fi
ok

# us_now: the time in microseconds
us_now() { echo "${EPOCHREALTIME//[!0-9]/}"; }
# secs US: microseconds as seconds for sleep(1)
secs() { printf '%d.%06d' $(($1 / 1000000)) $(($1 % 1000000)); }

# state_hash DB: SHA3 of every table's rows in key order: the four entities,
# batches, list builds, export jobs, and of the journal's chunks their ids
# (hashing the journal's text would take longer than most commands here)
state_hash() {
	sqlite3 "$1" "SELECT hex(sha3_query((SELECT group_concat('SELECT ' ||
		CASE WHEN name = 'journal_chunks' THEN 'rowid' ELSE '*' END || ' FROM \"' || name || '\" ORDER BY ' ||
		CASE WHEN wr THEN (SELECT group_concat('\"' || p.name || '\"', ', ') FROM
		(SELECT name FROM pragma_table_info(t.name) WHERE pk > 0 ORDER BY pk) AS p) ELSE 'rowid' END, '; ')
		FROM (SELECT name, wr FROM pragma_table_list WHERE schema = 'main' AND type = 'table'
		AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name) AS t)))" 2>&1
}

# counts DB: rows per table, for messages
counts() {
	local t out=""
	for t in accounts contacts invoices batches list_builds; do
		out="$out $t=$(sqlite3 "$1" "SELECT count(*) FROM $t" 2>&1)"
	done
	echo "$out"
}

# copy_db SRC DST: a database file (and its WAL, if any) to DST
copy_db() {
	rm -f "$2" "$2-wal" "$2-shm"
	cp "$1" "$2" && if [ -e "$1-wal" ]; then cp "$1-wal" "$2-wal"; fi
}

# ---------------------------------------------------------------- data
# gen DIR PERCENT: the test data at PERCENT% of the full size, which is
# 4000 accounts, 60000 contacts and 15000 invoices (the base database), an
# update of 40000 contacts (standard_invoices flipped), 40000 new contacts
# in XML, and a rename of 5000 contacts (the batch that is reverted). Plain
# arithmetic, no rand(), so that every awk writes the same bytes.
gen() {
	local p=$2
	awk -v dir="$1" -v na=$((40 * p)) -v nc=$((600 * p)) -v ni=$((150 * p)) -v nu=$((400 * p)) \
		-v nx=$((400 * p)) -v nr=$((50 * p)) 'BEGIN {
	split("DE FR NO SE PL ES US JP GB KW", co, " ")
	split("Anna Björn Zoë François Małgorzata José Øyvind Şule Nguyễn Liam Olivia Noah", fn, " ")
	split("Lindqvist O'\''Brien Müller García Søreide Nakamura Smith Kowalska D'\''Angelo Dubois", ln, " ")
	split("EUR USD JPY KWD GBP NOK", cur, " ")
	split("true false", tf, " ")
	a = dir "/accounts.csv"; c = dir "/contacts.csv"; u = dir "/contacts-update.csv"
	r = dir "/contacts-rename.csv"; x = dir "/contacts.xml"; v = dir "/invoices.csv"
	print "account_id,name,email,country,status,subscriptions" > a
	for (i = 0; i < na; i++)
		printf "A-%06d,\"%s, %s & Co\",holder%d@crash.example,%s,active,newsletter\n", i,
			ln[i % 10 + 1], ln[(i * 7) % 10 + 1], i, co[(i * 3) % 10 + 1] > a
	h = "account_id,first_name,last_name,email,country,standard_invoices,summary_invoices,important_notices"
	print h > c; print h > u; print h > r
	for (i = 0; i < nc; i++) {
		acct = int(i * na / nc); f = fn[(i * 5) % 12 + 1]; l = ln[(i * 3) % 10 + 1]
		k = co[(i * 7) % 10 + 1]; s = (i * 13) % 8
		b1 = tf[s % 2 + 1]; b2 = tf[int(s / 2) % 2 + 1]; b3 = tf[int(s / 4) % 2 + 1]
		printf "A-%06d,%s,\"%s\",c%d@crash.example,%s,%s,%s,%s\n", acct, f, l, i, k, b1, b2, b3 > c
		if (i < nu) # standard_invoices flipped
			printf "A-%06d,%s,\"%s\",c%d@crash.example,%s,%s,%s,%s\n", acct, f, l, i, k,
				tf[(s + 1) % 2 + 1], b2, b3 > u
		if (i < nr)
			printf "A-%06d,%s,\"Renamed-%d\",c%d@crash.example,%s,%s,%s,%s\n", acct, f, i, i,
				k, b1, b2, b3 > r
	}
	print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<contacts>" > x
	for (i = 0; i < nx; i++) {
		acct = (i * 7) % na; s = (i * 5) % 8
		printf "  <contact>\n    <account_id>A-%06d</account_id>\n    <first_name>%s</first_name>\n" \
			"    <last_name>%s</last_name>\n    <email>x%d@crash.example</email>\n" \
			"    <country>%s</country>\n    <standard_invoices>%s</standard_invoices>\n" \
			"    <summary_invoices>%s</summary_invoices>\n" \
			"    <important_notices>%s</important_notices>\n  </contact>\n", acct,
			fn[(i * 7) % 12 + 1], ln[(i * 9) % 10 + 1], i, co[(i * 3) % 10 + 1],
			tf[s % 2 + 1], tf[int(s / 2) % 2 + 1], tf[int(s / 4) % 2 + 1] > x
	}
	print "</contacts>" > x
	print "invoice_number,account_id,kind,issued_on,due_on,currency,total,status" > v
	for (i = 0; i < ni; i++) {
		m = (i * 31) % 24; y = 2025 + int(m / 12); mo = m % 12 + 1; cu = cur[i % 6 + 1]
		printf "INV-%08d,A-%06d,%s,%04d-%02d-%02d,%04d-%02d-28,%s,%d%s,%s\n", i, (i * 7919) % na,
			i % 4 ? "standard" : "summary", y, mo, i % 28 + 1, y, mo, cu, (i * 4099) % 100000,
			cu == "JPY" ? "" : cu == "KWD" ? ".125" : ".50",
			i % 20 < 12 ? "open" : i % 20 < 19 ? "paid" : "void" > v
	}
}'
}

# The full size makes each command run for about 0.2-0.6 s in the gcc test
# build here. A slower build (ASan) or machine gets less data, so that the
# trials stay within the time budget: the import of a fifth of the data into
# a new database is timed first (the quicker of two runs). CRASH_SCALE=PERCENT
# sets the size instead.
begin "the test data is written"
if [ -n "${CRASH_SCALE:-}" ]; then
	SCALE=$CRASH_SCALE
	probe="CRASH_SCALE"
else
	mkdir -p "$WORK/probe"
	gen "$WORK/probe" 20
	probe_us=""
	for _ in 1 2; do
		rm -f "$WORK/probe/probe.db"
		t0=$(us_now)
		ab --db "$WORK/probe/probe.db" import "$WORK/probe/accounts.csv" "$WORK/probe/contacts.csv" \
			"$WORK/probe/invoices.csv" >"$WORK/log/probe.out" 2>"$WORK/log/probe.err"
		rc=$? t0=$(($(us_now) - t0))
		[ $rc != 0 ] && break
		if [ -z "$probe_us" ] || [ $t0 -lt $probe_us ]; then probe_us=$t0; fi
	done
	rm -rf "$WORK/probe"
	if [ "$rc" != 0 ]; then
		fail "the import of the probe data exits $rc: $(head -c 600 "$WORK/log/probe.err")"
		finish
	fi
	# 150 ms for the probe or less: the full size; slower: less, down to 20%
	SCALE=$((100 * 150000 / (probe_us + 1)))
	[ $SCALE -gt 100 ] && SCALE=100
	[ $SCALE -lt 20 ] && SCALE=20
	probe="the import of 20% took $((probe_us / 1000)) ms"
fi
gen "$WORK/data" "$SCALE"
D=$WORK/data
REVERT_ROWS=$((50 * SCALE))
if [ -s "$D/contacts.xml" ] && [ -s "$D/invoices.csv" ]; then ok; else fail "no data in $D"; fi
echo "# data at $SCALE% of the full size ($probe): $((600 * SCALE)) contacts"
echo "# CRASH_SEED=$SEED CRASH_SCALE=$SCALE reproduce this run's kill times and data"

# The "before" databases: BASE (the three CSV files, batch 1) and RENAMED
# (BASE and the rename of REVERT_ROWS contacts, batch 2, for revert 2).
begin "the before-state databases are built"
if ab --db "$WORK/tpl/base.db" import "$D/accounts.csv" "$D/contacts.csv" "$D/invoices.csv" \
	>"$WORK/log/tpl.out" 2>"$WORK/log/tpl.err" &&
	copy_db "$WORK/tpl/base.db" "$WORK/tpl/renamed.db" &&
	ab --db "$WORK/tpl/renamed.db" import --mode update "$D/contacts-rename.csv" \
		>>"$WORK/log/tpl.out" 2>>"$WORK/log/tpl.err" &&
	[ "$(sqlite3 "$WORK/tpl/renamed.db" "SELECT count(*) FROM contacts WHERE last_name LIKE 'Renamed-%'")" = $REVERT_ROWS ]; then
	ok
else
	fail "$(head -c 600 "$WORK/log/tpl.err")"
	finish
fi

# ---------------------------------------------------------------- the trials
# Per scenario (set by the caller):
#   S        the name; its files are in $WORK/s/$S
#   TPL      the before-state database, or "" for a database that does not exist yet
#   OUT      the output file name in the scenario directory, or ""
#   CMD      the command's arguments after --db DB
#   NTRIALS  how many kills
DB_NAME=acct.db

# reset: an empty scenario directory, with the before state in it
reset() {
	rm -rf "${WORK:?}/s/$S"
	mkdir -p "$WORK/s/$S"
	if [ -n "$TPL" ]; then copy_db "$TPL" "$DIR/$DB_NAME"; fi
}

# classify: the database's state, "before", "after", "unchanged" (for a
# command that does not change the database: both), "again" (the state of
# a second complete run), "corrupt: ..." or "other: ..."
classify() {
	local db=$DIR/$DB_NAME ic h
	if [ ! -e "$db" ]; then
		if [ -n "$TPL" ]; then
			echo "other: the database is gone"
		elif [ -e "$db-wal" ]; then
			echo "other: no database, but a WAL file $DB_NAME-wal"
		else
			echo before
		fi
		return
	fi
	ic=$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1)
	if [ "$ic" != ok ]; then
		echo "corrupt: $(echo "$ic" | head -c 400)"
		return
	fi
	h=$(state_hash "$db")
	if [ "$H_BEFORE" = "$H_AFTER" ] && [ "$h" = "$H_AFTER" ]; then
		echo unchanged
	elif [ "$h" = "$H_BEFORE" ]; then
		echo before
	elif [ "$h" = "$H_AFTER" ]; then
		echo after
	elif [ -n "$H_AGAIN" ] && [ "$h" = "$H_AGAIN" ]; then
		echo again
	else
		echo "other: content is neither the before nor the after state:$(counts "$db")"
	fi
}

# leftovers: the temporary files acctbatch leaves beside the database and
# the output: .NAME.new-XXXXXX (with -wal, -shm) and .NAME.tmpXXXXXX
leftovers() {
	local f list=""
	for f in "$DIR"/."$DB_NAME".new-* ${OUT:+"$DIR"/."$OUT".tmp*}; do
		[ -e "$f" ] && list="$list ${f##*/}"
	done
	echo "${list# }"
}

# strangers: any other file that is neither the database, its WAL files,
# the output nor one of the leftovers above
strangers() {
	local f n list=""
	for f in "$DIR"/* "$DIR"/.*; do
		n=${f##*/}
		case $n in
		. | .. | "$DB_NAME" | "$DB_NAME-wal" | "$DB_NAME-shm" | ."$DB_NAME".new-*) continue ;;
		esac
		if [ -n "$OUT" ]; then
			case $n in "$OUT" | ."$OUT".tmp*) continue ;; esac
		fi
		[ -e "$f" ] && list="$list $n"
	done
	echo "${list# }"
}

# run_cmd LOG: the command to completion; sets rc and the duration dur_us
run_cmd() {
	local t0
	t0=$(us_now)
	ab --db "$DIR/$DB_NAME" "${CMD[@]}" >"$WORK/log/$1.out" 2>"$WORK/log/$1.err"
	rc=$?
	dur_us=$(($(us_now) - t0))
}

# again: the reference for a run started from the after state (a second
# complete run): exit status RC_AGAIN, state H_AGAIN, output ref/$S.again.
# Computed when first needed, in a directory of its own at the same path.
again() {
	[ -n "$RC_AGAIN" ] && return
	mv "$DIR" "$DIR.held"
	mkdir -p "$DIR"
	copy_db "$WORK/ref/$S.after.db" "$DIR/$DB_NAME"
	if [ -n "$OUT" ]; then cp "$WORK/ref/$S.out" "$DIR/$OUT"; fi
	run_cmd "$S.again"
	RC_AGAIN=$rc
	H_AGAIN=$(state_hash "$DIR/$DB_NAME")
	[ "$H_AGAIN" = "$H_AFTER" ] && H_AGAIN=""
	rm -f "$WORK/ref/$S.again"
	if [ -n "$OUT" ] && [ -e "$DIR/$OUT" ]; then cp "$DIR/$OUT" "$WORK/ref/$S.again"; fi
	echo "# $S: a second complete run exits $RC_AGAIN$([ -n "$H_AGAIN" ] && echo ", one more batch" || echo ", nothing changed")"
	rm -rf "$DIR"
	mv "$DIR.held" "$DIR"
}

# scenario: the reference run, then NTRIALS kills, each followed by a run to completion
scenario() {
	local i delay_us permille pid st state left strange out_ok want_rc want_state want_out
	local n_before=0 n_after=0 n_same=0 n_done=0 n_left=0 got
	DIR=$WORK/s/$S
	RC_AGAIN="" H_AGAIN=""

	begin "$S: an uninterrupted run"
	reset
	if [ -n "$TPL" ]; then H_BEFORE=$(state_hash "$TPL"); else H_BEFORE="(no database)"; fi
	run_cmd "$S.ref"
	if [ "$rc" != 0 ]; then
		fail "exit status $rc: $(head -c 600 "$WORK/log/$S.ref.err")"
		return
	fi
	if [ "$(sqlite3 "$DIR/$DB_NAME" 'PRAGMA integrity_check' 2>&1)" != ok ]; then
		fail "integrity_check after a complete run"
		return
	fi
	H_AFTER=$(state_hash "$DIR/$DB_NAME")
	copy_db "$DIR/$DB_NAME" "$WORK/ref/$S.after.db"
	if [ -n "$OUT" ]; then
		if [ ! -s "$DIR/$OUT" ]; then
			fail "no output $OUT"
			return
		fi
		cp "$DIR/$OUT" "$WORK/ref/$S.out"
	fi
	left=$(leftovers)
	if [ -n "$left" ]; then
		fail "temporary files left by a complete run: $left"
		return
	fi
	ok
	echo "# $S: ${CMD[*]}: $((dur_us / 1000)) ms uninterrupted; $NTRIALS kills between 5% and 95% of that"
	local run_us=$dur_us

	for ((i = 0; i < NTRIALS; i++)); do
		# one kill in each of NTRIALS equal slices of 5%..95%, at a random point of it
		permille=$((50 + (900 * i + RANDOM % 900) / NTRIALS))
		delay_us=$((run_us * permille / 1000))
		reset
		"$ACCTBATCH" --no-progress --db "$DIR/$DB_NAME" "${CMD[@]}" >"$WORK/log/$S.kill.out" 2>"$WORK/log/$S.kill.err" &
		pid=$!
		sleep "$(secs $delay_us)"
		kill -KILL "$pid" 2>>"$WORK/log/kill.err"
		wait "$pid" 2>>"$WORK/log/kill.err" # bash's "Killed" notice
		st=$?

		begin "$S #$((i + 1)): killed at $((delay_us / 1000)) ms ($((permille / 10))%): database and output are the before or the after state"
		state=$(classify)
		out_ok=1
		if [ -n "$OUT" ] && [ -e "$DIR/$OUT" ] && ! cmp -s "$DIR/$OUT" "$WORK/ref/$S.out"; then
			out_ok=0
		fi
		if [ "$st" != 137 ] && [ "$st" != 0 ]; then
			fail "exit status $st (neither killed nor done): $(head -c 400 "$WORK/log/$S.kill.err")"
		elif [ "$st" = 0 ] && [ "$state" != after ] && [ "$state" != unchanged ]; then
			fail "the run ended (exit 0) before the kill but the database is '$state'"
		elif [ "$state" != before ] && [ "$state" != after ] && [ "$state" != unchanged ]; then
			fail "database: $state"
		elif [ $out_ok = 0 ]; then
			fail "$OUT exists and is not the complete output ($(wc -c <"$DIR/$OUT") bytes, complete: $(wc -c <"$WORK/ref/$S.out"))"
		elif [ -n "$OUT" ] && [ -e "$DIR/$OUT" ] && [ "$H_BEFORE" != "$H_AFTER" ] && [ "$state" = before ]; then
			fail "$OUT is complete but the database does not record the run (it is in the before state)"
		elif [ "$st" = 0 ] && [ -n "$OUT" ] && [ ! -e "$DIR/$OUT" ]; then
			fail "the run ended (exit 0) before the kill but $OUT is missing"
		else
			ok
		fi
		left=$(leftovers)
		strange=$(strangers)
		if [ "$st" = 0 ]; then
			n_done=$((n_done + 1))
		elif [ "$state" = after ]; then
			n_after=$((n_after + 1))
		elif [ "$state" = before ]; then
			n_before=$((n_before + 1))
		else
			n_same=$((n_same + 1))
		fi
		if [ -n "$left" ]; then
			n_left=$((n_left + 1))
			echo "# $S #$((i + 1)): $state; the kill left temporary files: $left"
		else
			echo "# $S #$((i + 1)): $state$([ "$st" = 0 ] && echo " (the run had ended before the kill)")"
		fi
		if [ -n "$OUT" ] && [ "$state" = after ] && [ ! -e "$DIR/$OUT" ] && [ "$H_BEFORE" != "$H_AFTER" ]; then
			echo "# $S #$((i + 1)): note: the database records the run but $OUT does not exist"
		fi
		[ -n "$strange" ] && echo "# $S #$((i + 1)): note: other files in the directory: $strange"

		# the next run, to completion, from whatever state the kill left
		case $state in
		before | unchanged)
			want_rc=0 want_out=$WORK/ref/$S.out
			want_state=after
			[ "$state" = unchanged ] && want_state=unchanged
			;;
		after)
			again
			want_rc=$RC_AGAIN want_out=$WORK/ref/$S.again
			want_state=after
			[ -n "$H_AGAIN" ] && want_state=again
			;;
		*) continue ;;
		esac
		run_cmd "$S.next"
		# a complete run from the before state: the kills that follow use the
		# shortest time seen (the first run may be slower, with a cold cache)
		if [ "$rc" = 0 ] && [ "$state" != after ] && [ $dur_us -lt $run_us ]; then run_us=$dur_us; fi
		begin "$S #$((i + 1)): the next run from the $state state succeeds"
		got=$(classify)
		if [ "$rc" != "$want_rc" ]; then
			fail "exit status $rc, expected $want_rc: $(head -c 600 "$WORK/log/$S.next.err")"
		elif [ "$got" != "$want_state" ]; then
			fail "database after the next run: $got (expected the $want_state state)"
		elif [ -n "$OUT" ] && [ "$want_rc" = 0 ] && ! cmp -s "$DIR/$OUT" "$want_out"; then
			fail "$OUT after the next run is not the complete output"
		else
			ok
		fi
		# a run that creates the same database or output sweeps what a killed run left
		if [ "$rc" = 0 ] && { [ -n "$OUT" ] || [ "$state" != after ]; } && [ -n "$(leftovers)$left" ]; then
			begin "$S #$((i + 1)): the next run removes the killed run's temporary files"
			left=$(leftovers)
			if [ -n "$left" ]; then fail "still there after the next run: $left"; else ok; fi
		fi
	done
	if [ "$H_BEFORE" = "$H_AFTER" ]; then
		echo "# $S: $NTRIALS kills: $n_same killed (the database unchanged, as it must be), $n_done ended before the kill; $n_left left temporary files"
	else
		echo "# $S: $NTRIALS kills: $n_before left the before state, $n_after the after state, $n_done ended before the kill; $n_left left temporary files"
	fi
}

S=import-new-db TPL="" OUT="" NTRIALS=6
CMD=(import "$D/accounts.csv" "$D/contacts.csv" "$D/invoices.csv")
scenario

S=import-update TPL=$WORK/tpl/base.db OUT="" NTRIALS=5
CMD=(import --mode update "$D/contacts-update.csv")
scenario

S=import-xml TPL=$WORK/tpl/base.db OUT="" NTRIALS=5
CMD=(import "$D/contacts.xml")
scenario

S=revert TPL=$WORK/tpl/renamed.db OUT="" NTRIALS=5
CMD=(revert 2)
scenario

# the exports read the larger database the XML import made (when it did)
BIG=$WORK/ref/import-xml.after.db
[ -e "$BIG" ] || BIG=$WORK/tpl/base.db

S=export-contacts TPL=$BIG OUT=contacts.csv NTRIALS=4
CMD=(export contacts -o "$WORK/s/$S/$OUT")
scenario

S=export-all TPL=$BIG OUT=all.tar.gz NTRIALS=4
CMD=(export --all -o "$WORK/s/$S/$OUT")
scenario

S=lists TPL=$WORK/tpl/base.db OUT=lists.zip NTRIALS=5
CMD=(lists -o "$WORK/s/$S/$OUT" standard-invoices important-notices)
scenario

finish
