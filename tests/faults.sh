#!/usr/bin/env bash
# faults.sh - fault injection tests of the built binary: a full disk for the
# database, for -o / --report / --rejects and for $TMPDIR; a read-only
# database; a database that is not SQLite; a database from a newer version.
# Run as: ACCTBATCH=/abs/path/acctbatch bash tests/faults.sh
#
# Full disk: as root, each "disk" is a small tmpfs mounted in the work
# directory (the "tmpfs" variant). When tmpfs cannot be mounted (not root, no
# CAP_SYS_ADMIN) the same tests run with a file-size limit, `ulimit -f`, in a
# subshell around acctbatch (the "ulimit" variant). FAULTS_VARIANT=ulimit
# forces the second variant. Read-only: as root, file permissions do not stop
# writes, so a read-only bind mount is used; otherwise chmod. The variants
# that ran are printed. A test that cannot run says why and counts as failed.
set -u
: "${ACCTBATCH:?set ACCTBATCH to the acctbatch binary}"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SAMPLES=$ROOT/samples/onboarding/csv
WORK=$(mktemp -d)
MOUNTS=()
cleanup() {
	local i
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" 2>/dev/null ||
			echo "faults.sh: cannot unmount ${MOUNTS[i]}" >&2
	done
	chmod -R u+rwX "$WORK" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
. "$ROOT/tests/harness.sh" # ab, ok, fail, has_err; begin also clears the problems
problems=""
NOTES=()

begin() {
	verdict_check
	name=$1
	decided=0
	problems=""
}
# bad TEXT: one more problem of the current test; finish reports them all
bad() { problems="${problems:+$problems; }$*"; }
finish() { if [ -z "$problems" ]; then ok; else fail "$problems"; fi; }
note() {
	NOTES+=("$*")
	echo "# note: $*"
}

errtext() { head -c 600 "$WORK/err" | tr '\n' '|'; }
# want STATUS...: the last run ($status) ended with one of STATUS
want() {
	local s
	for s in "$@"; do [ "$status" = "$s" ] && return 0; done
	bad "exit status $status, expected $*; stderr: $(errtext)"
	return 1
}
# err_has TEXT: stderr contains TEXT, else a problem
err_has() { has_err "$1" || bad "stderr lacks '$1': $(errtext)"; }

sha() { sha256sum <"$1" | cut -d' ' -f1; }
content() { sqlite3 "$1" .dump | sha256sum | cut -d' ' -f1; }
q() { sqlite3 "$1" "$2"; }
# listing DIR: the names in DIR, the filler left out
listing() { ls -A "$1" | grep -vx filler | sort | tr '\n' ' '; }
# no_temp DIR NAME: no temporary file of output NAME is left in DIR
no_temp() {
	local left
	left=$(ls -A "$1" | grep -F -e ".$2.tmp" -e ".$2.new-" | tr '\n' ' ')
	[ -z "$left" ] || bad "temporary files left in $1: $left"
}

# ---------------------------------------------------------------- variants
VARIANT=${FAULTS_VARIANT:-}
why=""
if [ -z "$VARIANT" ]; then
	mkdir "$WORK/probe"
	if [ "$(id -u)" != 0 ]; then
		VARIANT="ulimit"
		why="not root"
	elif mount -t tmpfs -o size=1m tmpfs "$WORK/probe" 2>"$WORK/probe.err"; then
		umount "$WORK/probe"
		VARIANT="tmpfs"
	else
		VARIANT="ulimit"
		why="mount -t tmpfs failed: $(cat "$WORK/probe.err")"
	fi
fi
case $VARIANT in
tmpfs) echo "# full-disk variant: tmpfs (small tmpfs file systems mounted in $WORK)" ;;
ulimit) echo "# full-disk variant: ulimit (ulimit -f around acctbatch${why:+; $why})" ;;
*)
	echo "faults.sh: FAULTS_VARIANT must be tmpfs or ulimit" >&2
	exit 2
	;;
esac
RO_VARIANT="chmod"
ro_why=""
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$WORK/probe2"
	if mount --bind "$WORK/probe2" "$WORK/probe2" 2>"$WORK/probe.err" &&
		mount -o remount,bind,ro "$WORK/probe2" 2>>"$WORK/probe.err" &&
		! touch "$WORK/probe2/x" 2>/dev/null; then
		RO_VARIANT=mount
	else
		RO_VARIANT=none
		ro_why="running as root (file modes do not stop root) and a read-only bind mount failed: $(tr '\n' ' ' <"$WORK/probe.err")"
	fi
	umount "$WORK/probe2" 2>/dev/null
fi
case $RO_VARIANT in
mount) echo "# read-only variant: mount (read-only bind mounts, since root ignores file modes)" ;;
chmod) echo "# read-only variant: chmod (mode 0444 file, mode 0555 directory)" ;;
none) echo "# read-only variant: none ($ro_why)" ;;
esac

# smallfs NAME SIZE: make $WORK/NAME, in the tmpfs variant a tmpfs of SIZE
smallfs() {
	local d=$WORK/$1
	mkdir -p "$d" || return 1
	[ "$VARIANT" = tmpfs ] || return 0
	mount -t tmpfs -o "size=$2,mode=0755" tmpfs "$d" || return 1
	MOUNTS+=("$d")
}
# fill DIR KB: leave about KB KiB free on DIR's tmpfs with a file 'filler'
# (0: full to the last byte); nothing in the ulimit variant
fill() {
	local avail
	[ "$VARIANT" = tmpfs ] || return 0
	rm -f "$1/filler"
	if [ "$2" = 0 ]; then
		head -c 1G /dev/zero >"$1/filler" 2>/dev/null
	else
		avail=$(df -k --output=avail "$1" | tail -n 1)
		head -c $(((avail - $2) * 1024)) /dev/zero >"$1/filler" 2>/dev/null
	fi
	avail=$(df -k --output=avail "$1" | tail -n 1)
	[ "$avail" -le "$(($2 + 8))" ]
}
# limited KB CMD...: run CMD; in the ulimit variant under `ulimit -f KB`,
# with its standard output and error passed through pipes (so that the
# limit does not cut what it prints)
limited() {
	local kb=$1
	shift
	if [ "$VARIANT" = tmpfs ]; then
		"$@"
		return
	fi
	{ {
		(
			ulimit -f "$kb"
			"$@"
		)
		echo $? >"$WORK/limited.rc"
	} 2>&1 >&3 3>&- | cat >&2; } 3>&1 | cat
	return "$(cat "$WORK/limited.rc")"
}
# runs CMD...: run CMD with stdout and stderr in $WORK/out and $WORK/err, status in $status
runs() {
	"$@" >"$WORK/out" 2>"$WORK/err"
	status=$?
}

# ---------------------------------------------------------------- data
SCHEMA=$(sed -n 's/^#define STORE_SCHEMA_VERSION \([0-9]*\).*/\1/p' "$ROOT/src/store.h")
NEWER=$((${SCHEMA:-0} + 1))
G=$WORK/gen
mkdir -p "$G"
# 5000 accounts (about 430 KB of CSV, 1 MB of database and as much WAL)
awk 'BEGIN { print "account_id,name,email,country"
	for (i = 1; i <= 5000; i++)
		printf "GEN-%06d,Generated Company Number %d With A Longish Name,holder%d@gen.example,DE\n", i, i, i }' >"$G/accounts.csv"
# 4000 contacts with names that do not compress well, all on important-notices
awk 'BEGIN { srand(42)
	print "account_id,first_name,last_name,email,country,standard_invoices,summary_invoices,important_notices"
	for (i = 1; i <= 4000; i++)
		printf "NL-0001,F%08x%08x,L%08x%08x,m%05d-%08x@many.example,SE,true,false,true\n",
			rand() * 2^32, rand() * 2^32, rand() * 2^32, rand() * 2^32, i, rand() * 2^32 }' >"$G/many.csv"
# 3000 new contacts for the pipe imports
awk 'BEGIN { print "account_id,first_name,last_name,email,country,important_notices"
	for (i = 1; i <= 3000; i++)
		printf "NL-0002,Piped%d,Contact%d,p%05d@pipe.example,GB,true\n", i, i, i }' >"$G/contacts.csv"
# one good contact and 1500 with a bad country: a large report and rejects file
awk 'BEGIN { print "account_id,first_name,last_name,email,country"
	print "NL-0001,Good,One,good.one@bad.example,SE"
	for (i = 1; i <= 1500; i++)
		printf "NL-0001,Bad%d,Country%d,b%05d@bad.example,XX\n", i, i, i }' >"$G/bad.csv"
BASE=$G/base.db # the onboarding sample
BIG=$G/big.db   # the sample and the 4000 contacts
if ! ab --db "$BASE" --quiet import "$SAMPLES" >"$WORK/out" 2>"$WORK/err" ||
	! cp "$BASE" "$BIG" ||
	! ab --db "$BIG" --quiet import "$G/many.csv" >"$WORK/out" 2>"$WORK/err" ||
	[ -z "$SCHEMA" ]; then
	fail "setup: cannot build the test databases (schema version '${SCHEMA}'): $(errtext)"
	echo
	echo "faults: $passed passed, $failed failed"
	exit 1
fi

# ============================================================ full disk: database
D=$WORK/dbfs
if smallfs dbfs 4m; then
	begin "full disk: import into a nearly full existing database exits 74 and changes nothing"
	cp "$BASE" "$D/store.db"
	dbkb=$((($(stat -c %s "$D/store.db") + 1023) / 1024))
	sum=$(sha "$D/store.db")
	dump=$(content "$D/store.db")
	before=$(listing "$D")
	if fill "$D" 256; then
		runs limited $((dbkb + 64)) ab --db "$D/store.db" import "$G/accounts.csv"
		want 74 && { grep -qiE 'full|disk|space|too large' "$WORK/err" || bad "no disk-full message: $(errtext)"; }
		[ "$(sha "$D/store.db")" = "$sum" ] || bad "the database file changed"
		[ "$(content "$D/store.db")" = "$dump" ] || bad "the database content changed"
		[ "$(q "$D/store.db" 'pragma integrity_check')" = ok ] || bad "integrity_check: $(q "$D/store.db" 'pragma integrity_check' 2>&1)"
		[ "$(listing "$D")" = "$before" ] || bad "files left behind: $(listing "$D") (before: $before)"
	else
		bad "cannot fill the tmpfs"
	fi
	finish

	begin "full disk: after freeing space the same import into the existing database succeeds"
	rm -f "$D/filler"
	runs ab --db "$D/store.db" import "$G/accounts.csv"
	want 0 && { [ "$(q "$D/store.db" 'select count(*) from accounts')" = 5032 ] || bad "accounts: $(q "$D/store.db" 'select count(*) from accounts')"; }
	finish

	begin "full disk: import into a new database exits 74 and leaves no file"
	rm -f "$D"/store.db*
	before=$(listing "$D")
	if fill "$D" 256; then
		runs limited 64 ab --db "$D/new.db" import "$SAMPLES" "$G/accounts.csv"
		want 74 && { grep -qiE 'full|disk|space|too large' "$WORK/err" || bad "no disk-full message: $(errtext)"; }
		[ ! -e "$D/new.db" ] || bad "new.db was created"
		[ "$(listing "$D")" = "$before" ] || bad "files left behind: $(listing "$D")"
	else
		bad "cannot fill the tmpfs"
	fi
	finish

	begin "full disk: after freeing space the same import into a new database succeeds"
	rm -f "$D/filler"
	runs ab --db "$D/new.db" import "$SAMPLES" "$G/accounts.csv"
	want 0 && { [ "$(q "$D/new.db" 'select count(*) from accounts')" = 5032 ] || bad "accounts: $(q "$D/new.db" 'select count(*) from accounts')"; }
	[ "$(listing "$D")" = "new.db " ] || bad "files beside the database: $(listing "$D")"
	finish
	rm -f "$D"/new.db*
else
	fail "full disk for the database: cannot make $D"
fi

if [ "$VARIANT" = tmpfs ]; then
	# the file-size limit is documented in exit-codes.md too: check it once here
	begin "file-size limit (ulimit -f): import into an existing database exits 74 and changes nothing"
	cp "$BASE" "$WORK/fsize.db"
	sum=$(sha "$WORK/fsize.db")
	runs bash -c 'ulimit -f 200; exec "$@"' sh "$ACCTBATCH" --no-progress --db "$WORK/fsize.db" import "$G/accounts.csv"
	want 74 && { grep -qiE 'full|disk|space|too large' "$WORK/err" || bad "no I/O message: $(errtext)"; }
	[ "$(sha "$WORK/fsize.db")" = "$sum" ] || bad "the database file changed"
	[ "$(listing "$WORK" | tr ' ' '\n' | grep -c '^fsize\.db')" = 1 ] || bad "files left: $(listing "$WORK")"
	finish
fi

# ============================================================ full disk: outputs
F=$WORK/full
LIM=96 # KiB, ulimit variant: above the WAL of a small commit, below every output
if smallfs full 1m && fill "$F" 0; then
	DB=$WORK/out.db
	cp "$BIG" "$DB"
	dump=$(content "$DB")
	batches=$(q "$DB" 'select count(*) from batches')

	# out_clean: nothing in the full directory but the filler, database
	# content unchanged (a lists build that fails after recording itself
	# takes its record out again: the bytes may differ, the content may not)
	out_clean() {
		[ -z "$(listing "$F")" ] || bad "left in the output directory: $(listing "$F")"
		[ "$(content "$DB")" = "$dump" ] || bad "the database changed (batches: $(q "$DB" 'select count(*) from batches'), before $batches)"
	}

	begin "full disk: export contacts -o exits 74, no file, no temporary file"
	runs limited $LIM ab --db "$DB" export contacts -o "$F/x.csv"
	want 74 && { err_has "x.csv"; err_has "nothing written"; }
	out_clean
	finish

	begin "full disk: export --all -o ARCHIVE exits 74, no file, no temporary file"
	runs limited $LIM ab --db "$DB" export --all -o "$F/x.tar.gz"
	want 74 && { err_has "x.tar.gz"; err_has "nothing written"; }
	out_clean
	finish

	begin "full disk: lists -o ARCHIVE exits 74, no file, no batch recorded"
	runs limited $LIM ab --db "$DB" lists -o "$F/x.zip" important-notices
	want 74 && { err_has "x.zip"; err_has "nothing written"; }
	[ "$(q "$DB" "select count(*) from batches where kind = 'lists'")" = 0 ] || bad "a lists batch was recorded"
	out_clean
	finish

	if [ "$VARIANT" = tmpfs ]; then
		# 64 KiB free: the archive (about 125 KB) fails late, after the build was recorded
		for out in x.zip x.tar.gz; do
			begin "nearly full disk: lists -o $out exits 74, no file, no batch recorded"
			if fill "$F" 64; then
				runs ab --db "$DB" lists -o "$F/$out" important-notices
				want 74 && { err_has "$out"; err_has "nothing written"; }
				[ "$(q "$DB" "select count(*) from batches where kind = 'lists'")" = 0 ] || bad "a lists batch was recorded"
				out_clean
			else
				bad "cannot fill the tmpfs"
			fi
			finish
		done
		begin "nearly full disk: export contacts -o exits 74, no file, no temporary file"
		runs ab --db "$DB" export contacts -o "$F/x.csv"
		want 74 && { err_has "x.csv"; err_has "nothing written"; }
		out_clean
		finish
		fill "$F" 0 || fail "cannot fill $F again"
	fi

	# exit-codes.md: a report created but not written at the end (a full
	# disk) gives 73, and the import has already been committed
	begin "full disk: import --report exits 73 (documented: batch committed), no partial report"
	cp "$BIG" "$WORK/report.db"
	runs limited $LIM ab --db "$WORK/report.db" import --on-error skip --report "$F/r.json" "$G/bad.csv"
	want 73 && { err_has "report"; err_has "r.json"; }
	[ -z "$(listing "$F")" ] || bad "left in the output directory: $(listing "$F")"
	[ "$(q "$WORK/report.db" 'pragma integrity_check')" = ok ] || bad "integrity_check failed"
	[ "$(q "$WORK/report.db" "select count(*) from contacts where email = 'good.one@bad.example'")" = 1 ] &&
		[ "$(q "$WORK/report.db" 'select count(*) from batches')" = $((batches + 1)) ] ||
		bad "the batch was not committed, as exit-codes.md says it is"
	grep -q "batch $((batches + 1)) committed" "$WORK/out" || bad "no summary: $(head -c 300 "$WORK/out")"
	finish

	begin "full disk: import --rejects exits 73 or 74, no rejects file, nothing written"
	runs limited $LIM ab --db "$DB" import --on-error skip --rejects "$F/rej.csv" "$G/bad.csv"
	want 73 74 && err_has "rejects"
	out_clean
	[ "$(q "$DB" "select count(*) from contacts where email = 'good.one@bad.example'")" = 0 ] || bad "the good record was committed"
	finish
	[ "$status" = 74 ] && note "import --rejects FILE on a full disk: exit 74, last stderr line '$(tail -n 1 "$WORK/err")'; exit-codes.md documents 73 only for a rejects file that cannot be created, not for one that cannot be written"
else
	fail "full disk for outputs: cannot make and fill $F"
fi

# ============================================================ full $TMPDIR
T=$WORK/tmpfull
if smallfs tmpfull 1m && fill "$T" 0; then
	begin "full TMPDIR: lists -o ARCHIVE.tar.gz exits 74 naming \$TMPDIR, no file, no batch"
	DB=$WORK/tmp.db
	cp "$BIG" "$DB"
	sum=$(sha "$DB")
	TMPDIR=$T runs limited $LIM ab --db "$DB" lists -o "$WORK/lists-out.tar.gz" important-notices
	want 74 && {
		has_err "$T" || bad "the message does not name \$TMPDIR $T: $(errtext)"
		! has_err "cannot write '$WORK/lists-out.tar.gz'" || bad "the message blames the output, not \$TMPDIR"
	}
	[ ! -e "$WORK/lists-out.tar.gz" ] || bad "the archive was written"
	no_temp "$WORK" lists-out.tar.gz
	[ -z "$(listing "$T")" ] || bad "left in TMPDIR: $(listing "$T")"
	[ "$(sha "$DB")" = "$sum" ] || bad "the database changed ($(q "$DB" "select count(*) from batches where kind = 'lists'") lists batches)"
	finish

	begin "full TMPDIR: import from standard input (a pipe) exits 74 naming \$TMPDIR, nothing written"
	DB=$WORK/pipe.db
	cp "$BASE" "$DB"
	sum=$(sha "$DB")
	# shellcheck disable=SC2002 # the input must be a pipe
	cat "$G/contacts.csv" | TMPDIR=$T limited $LIM ab --db "$DB" import --entity contacts --format csv - >"$WORK/out" 2>"$WORK/err"
	status=${PIPESTATUS[1]}
	want 74 && { has_err "$T" || bad "the message does not name \$TMPDIR $T: $(errtext)"; }
	[ "$(sha "$DB")" = "$sum" ] || bad "the database changed: $(q "$DB" "select count(*) from contacts where email like '%@pipe.example'") piped contacts stored; stdout: $(tail -n 1 "$WORK/out")"
	[ -z "$(listing "$T")" ] || bad "left in TMPDIR: $(listing "$T")"
	finish

	begin "full TMPDIR: import from a FIFO exits 74 naming \$TMPDIR, nothing written"
	DB=$WORK/fifo.db
	cp "$BASE" "$DB"
	sum=$(sha "$DB")
	FIFO=$WORK/contacts-fifo.csv
	if mkfifo "$FIFO"; then
		cat "$G/contacts.csv" >"$FIFO" &
		writer=$!
		TMPDIR=$T runs limited $LIM timeout 30 "$ACCTBATCH" --no-progress --db "$DB" import "$FIFO"
		kill "$writer" 2>/dev/null
		wait "$writer" 2>/dev/null
		want 74 && { has_err "$T" || bad "the message does not name \$TMPDIR $T: $(errtext)"; }
		[ "$(sha "$DB")" = "$sum" ] || bad "the database changed: $(q "$DB" "select count(*) from contacts where email like '%@pipe.example'") piped contacts stored; stdout: $(tail -n 1 "$WORK/out")"
		[ -z "$(listing "$T")" ] || bad "left in TMPDIR: $(listing "$T")"
		rm -f "$FIFO"
	else
		bad "mkfifo failed"
	fi
	finish
else
	fail "full TMPDIR: cannot make and fill $T"
fi

# ============================================================ read-only database
printf 'account_id,name,email,country\nRO-1,Read Only,ro@ro.example,SE\n' >"$G/ro.csv"
# ro_db KIND PATH: make PATH (kind file: the file itself; dir: its directory) read-only
ro_db() {
	local target=$2
	[ "$1" = dir ] && target=$(dirname "$2")
	case $RO_VARIANT in
	mount)
		[ "$1" = file ] && chmod 0444 "$target" # as a user would; root needs the mount
		mount --bind "$target" "$target" || return 1
		MOUNTS+=("$target")
		mount -o remount,bind,ro "$target" || return 1
		;;
	chmod) if [ "$1" = dir ]; then chmod 0555 "$target"; else chmod 0444 "$target"; fi ;;
	*) return 1 ;;
	esac
}
ro_undo() {
	local target=$2
	[ "$1" = dir ] && target=$(dirname "$2")
	if [ "$RO_VARIANT" = mount ]; then
		umount "$target" && unset 'MOUNTS[${#MOUNTS[@]}-1]'
	fi
	chmod u+w "$target"
}

for kind in file dir; do
	case $kind in
	file) what="a read-only database file in a writable directory" ;;
	dir) what="a database in a read-only directory" ;;
	esac
	mkdir -p "$WORK/ro-$kind"
	R=$WORK/ro-$kind/store.db
	cp "$BASE" "$R"
	sum=$(sha "$R")
	begin "read-only ($RO_VARIANT): import into $what exits 74 and changes nothing"
	if ! ro_db $kind "$R"; then
		fail "cannot make $what read-only (read-only variant: $RO_VARIANT${ro_why:+; $ro_why})"
		continue
	fi
	runs ab --db "$R" import "$G/ro.csv"
	want 74 && { grep -qE '^acctbatch: import: .*(database|read)' "$WORK/err" || bad "unclear message: $(errtext)"; }
	[ "$(sha "$R")" = "$sum" ] || bad "the database file changed"
	note "import into $what: exit $status, stderr: $(head -n 1 "$WORK/err")"
	finish

	begin "read-only ($RO_VARIANT): lists and revert on $what exit 74 and change nothing"
	runs ab --db "$R" lists -o "$WORK/ro-$kind.zip" important-notices
	want 74
	[ ! -e "$WORK/ro-$kind.zip" ] || bad "lists wrote its archive"
	no_temp "$WORK" "ro-$kind.zip"
	runs ab --db "$R" revert 1
	want 74
	[ "$(sha "$R")" = "$sum" ] || bad "the database file changed"
	finish

	# not documented: whether export and history work on a read-only database
	begin "read-only ($RO_VARIANT): export and history on $what leave it unchanged"
	runs ab --db "$R" export contacts -o "$WORK/ro-$kind.csv"
	note "export contacts on $what (undocumented): exit $status, stderr: $(head -n 1 "$WORK/err")"
	no_temp "$WORK" "ro-$kind.csv"
	runs ab --db "$R" history --limit 1
	note "history on $what (undocumented): exit $status, stdout $(wc -l <"$WORK/out") lines, stderr: $(head -n 1 "$WORK/err")"
	[ "$(sha "$R")" = "$sum" ] || bad "the database file changed"
	finish
	leftover=$(listing "$(dirname "$R")")
	[ "$leftover" = "store.db " ] || note "after these runs on $what the directory holds: $leftover"
	ro_undo $kind "$R"
done

# ============================================================ not an SQLite database
mkdir -p "$WORK/ns/text" "$WORK/ns/zip" "$WORK/ns/trunc" "$WORK/nsout"
printf 'This is a text file, not a database.\nIt has two lines.\n' >"$WORK/ns/text/store.db"
(cd "$SAMPLES" && zip -q -X "$WORK/ns/zip/store.db" accounts.csv contacts.csv) || fail "setup: zip failed"
head -c 100 "$BASE" >"$WORK/ns/trunc/store.db"
for kind in text zip trunc; do
	N=$WORK/ns/$kind/store.db
	sum=$(sha "$N")
	case $kind in
	text) what="a text file" ;;
	zip) what="a zip file" ;;
	trunc) what="an SQLite file cut to 100 bytes" ;;
	esac
	for cmd in import export history revert lists; do
		begin "not SQLite: $cmd on $what exits 74 and leaves the file as it was"
		case $cmd in
		import) runs ab --db "$N" import "$SAMPLES" ;;
		export) runs ab --db "$N" export contacts -o "$WORK/nsout/x.csv" ;;
		history) runs ab --db "$N" history ;;
		revert) runs ab --db "$N" revert 1 ;;
		lists) runs ab --db "$N" lists -o "$WORK/nsout/x.zip" important-notices ;;
		esac
		if want 74; then
			err_has "cannot open database '$N'"
			if [ $kind = trunc ]; then
				grep -qE 'not a database|malformed' "$WORK/err" || bad "unclear message: $(errtext)"
			else
				err_has "file is not a database"
			fi
		fi
		[ "$(sha "$N")" = "$sum" ] || bad "the file changed"
		[ "$(listing "$WORK/ns/$kind")" = "store.db " ] || bad "files beside it: $(listing "$WORK/ns/$kind")"
		[ -z "$(listing "$WORK/nsout")" ] || bad "output or temporary file written: $(listing "$WORK/nsout")"
		finish
	done
done

# ============================================================ newer schema version
mkdir -p "$WORK/newer"
# as a newer acctbatch would leave it (WAL mode), and in rollback-journal mode
cp "$BASE" "$WORK/newer/wal.db"
sqlite3 "$WORK/newer/wal.db" "PRAGMA user_version = $NEWER" >/dev/null
cp "$BASE" "$WORK/newer/delete.db"
sqlite3 "$WORK/newer/delete.db" "PRAGMA journal_mode = DELETE; PRAGMA user_version = $NEWER" >/dev/null
for mode in wal delete; do
	cmds="import export history revert lists init"
	[ $mode = delete ] && cmds="import export history"
	for cmd in $cmds; do
		begin "newer version ($mode journal): $cmd refuses a version $NEWER database and leaves it as it was"
		mkdir -p "$WORK/newer/$mode-$cmd"
		N=$WORK/newer/$mode-$cmd/store.db
		cp "$WORK/newer/$mode.db" "$N"
		sum=$(sha "$N")
		case $cmd in
		import) runs ab --db "$N" import "$G/ro.csv" ;;
		export) runs ab --db "$N" export contacts -o "$WORK/newer/x.csv" ;;
		history) runs ab --db "$N" history ;;
		revert) runs ab --db "$N" revert 1 ;;
		lists) runs ab --db "$N" lists -o "$WORK/newer/x.zip" important-notices ;;
		init) runs ab --db "$N" init ;;
		esac
		want 74 && err_has "database schema version $NEWER is newer than this acctbatch ($SCHEMA)"
		if [ "$(sha "$N")" != "$sum" ]; then
			bad "the file changed (journal mode now $(q "$N" 'pragma journal_mode'), first differing bytes: $(cmp -l "$WORK/newer/$mode.db" "$N" | head -n 3 | tr -s ' \n' ' '))"
		fi
		[ "$(listing "$WORK/newer/$mode-$cmd")" = "store.db " ] || bad "files beside it: $(listing "$WORK/newer/$mode-$cmd")"
		[ ! -e "$WORK/newer/x.csv" ] && [ ! -e "$WORK/newer/x.zip" ] || bad "output written"
		no_temp "$WORK/newer" x.csv
		no_temp "$WORK/newer" x.zip
		finish
	done
done

echo
if [ ${#NOTES[@]} -gt 0 ]; then
	echo "# notes (behaviour that the docs do not describe):"
	for n in "${NOTES[@]}"; do echo "#   $n"; done
fi
verdict_check
echo "faults ($VARIANT, read-only: $RO_VARIANT): $passed passed, $failed failed"
[ "$failed" = 0 ]
