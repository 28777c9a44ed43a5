#!/usr/bin/env bash
# tests/fuzz/run.sh - run the libFuzzer targets built by 'make fuzz-build'
# (tests/fuzz/README.md).
#
#   run.sh run SECONDS   fuzz each target for SECONDS, FUZZ_JOBS at a time
#   run.sh replay        run each target once over tests/fuzz/regress/<target>/*
#   run.sh check SECONDS replay, then run
#
# Environment: FUZZ_BUILD (build/fuzz), FUZZ_JOBS (1), FUZZ_TARGETS (all five),
# CONFORMANCE_DIR (../shared/conformance), FUZZ_SEED (libFuzzer's -seed: by
# default 1 for check, so that make check tries the same inputs in the same
# order on every run and a red CI is not luck; random for run). Everything a run writes is under
# FUZZ_BUILD: corpus/<target> (kept between runs: libFuzzer's new inputs),
# seeds/<target> (made afresh each run: links and generated inputs; samples/
# and the conformance data are read in place), artifacts/<target>-*, logs/,
# and tmp/<target> (the targets' TMPDIR). Prints one line per target; exits
# 1 when any crashed, leaked, timed out, ran out of memory, broke a contract
# or did not start.
set -u
cd "$(dirname "$0")/../.." || exit 2

mode=${1:-}
seconds=${2:-}
build=${FUZZ_BUILD:-build/fuzz}
jobs=${FUZZ_JOBS:-1}
targets=${FUZZ_TARGETS:-archive csv email fields xml}
conf=${CONFORMANCE_DIR:-../shared/conformance}
if [[ $mode == check ]]; then
	seed=${FUZZ_SEED:-1}
else
	seed=${FUZZ_SEED:-0} # 0: libFuzzer picks one
fi

usage() {
	echo "usage: tests/fuzz/run.sh run SECONDS | replay | check SECONDS" >&2
	exit 2
}
case $mode in
run | check) [[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || usage ;;
replay) ;;
*) usage ;;
esac
[[ $jobs =~ ^[0-9]+$ && $jobs -gt 0 ]] || usage
[[ $seed =~ ^[0-9]+$ ]] || usage

# the largest input each target is given, in bytes
max_len() {
	case $1 in
	csv | xml) echo 32768 ;;
	archive) echo 16384 ;;
	fields) echo 4096 ;;
	email) echo 1024 ;;
	esac
}

# What went wrong, from a libFuzzer log.
failure_kind() {
	if grep -q 'contract broken' "$1"; then
		echo "contract broken: $(grep -m1 'contract broken' "$1" | sed 's/^contract broken: //')"
	elif grep -q 'ERROR: LeakSanitizer' "$1"; then
		echo "memory leak"
	elif grep -q 'ALARM: working on the last Unit' "$1"; then
		echo "timeout"
	elif grep -q -- '-rss_limit_mb\|out-of-memory' "$1"; then
		echo "out of memory"
	elif grep -q 'ERROR: AddressSanitizer' "$1"; then
		grep -m1 'ERROR: AddressSanitizer' "$1" | sed 's/.*AddressSanitizer: //; s/ on .*//'
	elif grep -q 'runtime error:' "$1"; then
		echo "undefined behaviour: $(grep -m1 'runtime error:' "$1" | sed 's/.*runtime error: //')"
	elif grep -q 'deadly signal' "$1"; then
		echo "deadly signal"
	else
		echo "exit status $2"
	fi
}

# run_one TARGET SECONDS: fuzz TARGET; the result line goes to logs/TARGET.result.
run_one() {
	local t=$1 secs=$2
	local bin=$build/fuzz_$t log=$build/logs/$t.log res=$build/logs/$t.result
	local seeds=$build/seeds/$t corpus=$build/corpus/$t rc execs cov ft artifact dirs
	local start=$SECONDS

	if [[ ! -x $bin ]]; then
		echo "fuzz $t: FAILED: no $bin (make fuzz-build)" >"$res"
		return 1
	fi
	rm -rf "$seeds" "$build/tmp/$t"
	mkdir -p "$seeds" "$corpus" "$build/artifacts" "$build/tmp/$t"
	if ! dirs=$(python3 tests/fuzz/make_seeds.py "$t" "$seeds" "$conf" 2>"$build/logs/$t.seeds"); then
		echo "fuzz $t: FAILED: the seeds could not be made (see $build/logs/$t.seeds)" >"$res"
		return 1
	fi
	# the first directory takes the new inputs; the others are only read
	# shellcheck disable=SC2086 # dirs: one directory a line, none with blanks
	TMPDIR=$PWD/$build/tmp/$t "$bin" -max_total_time="$secs" -seed="$seed" -timeout=10 -rss_limit_mb=2048 \
		-max_len="$(max_len "$t")" -print_final_stats=1 \
		-artifact_prefix="$build/artifacts/$t-" \
		"$corpus" "$seeds" $dirs tests/fuzz/regress/"$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
	ft=${cov##* }
	cov=${cov#cov: }
	cov=${cov%% *}
	if [[ $rc -eq 0 && ${execs:-0} -gt 0 ]]; then
		echo "fuzz $t: ${execs} execs, cov ${cov:-?}, ft ${ft:-?}, $((SECONDS - start)) s: ok" >"$res"
		return 0
	fi
	artifact=$(sed -n 's/.*Test unit written to //p' "$log" | tail -1)
	if [[ -z ${execs:-} ]] && ! grep -q 'INFO: Seed:' "$log"; then
		echo "fuzz $t: FAILED: did not start (see $log)" >"$res"
	else
		echo "fuzz $t: ${execs:-?} execs, cov ${cov:-?}, ft ${ft:-?}: FAILED:" \
			"$(failure_kind "$log" "$rc"): ${artifact:-no artifact} (log: $log)" >"$res"
	fi
	return 1
}

# replay_one TARGET: each file of tests/fuzz/regress/TARGET once; a line per failure.
replay_one() {
	local t=$1
	local bin=$build/fuzz_$t dir=tests/fuzz/regress/$t log f rc n=0 failed=0

	if [[ ! -x $bin ]]; then
		echo "replay $t: FAILED: no $bin (make fuzz-build)"
		return 1
	fi
	mkdir -p "$build/logs" "$build/tmp/$t"
	for f in "$dir"/*; do
		[[ -f $f ]] || continue
		n=$((n + 1))
		log=$build/logs/replay-$t-$(basename "$f").log
		TMPDIR=$PWD/$build/tmp/$t "$bin" -timeout=10 -rss_limit_mb=2048 "$f" >"$log" 2>&1
		rc=$?
		if [[ $rc -eq 0 ]]; then
			rm -f "$log"
		else
			echo "replay $t: FAILED: $f: $(failure_kind "$log" "$rc") (log: $log)"
			failed=1
		fi
	done
	[[ $failed -eq 0 ]] && echo "replay $t: $n inputs: ok"
	return $failed
}

status=0
begin=$SECONDS
mkdir -p "$build/logs"

if [[ $mode == replay || $mode == check ]]; then
	for t in $targets; do
		replay_one "$t" || status=1
	done
fi

if [[ $mode == run || $mode == check ]]; then
	running=0
	for t in $targets; do
		rm -f "$build/logs/$t.result"
		if [[ $running -ge $jobs ]]; then
			wait -n
			running=$((running - 1))
		fi
		run_one "$t" "$seconds" &
		running=$((running + 1))
	done
	wait
	for t in $targets; do
		if [[ -f $build/logs/$t.result ]]; then
			cat "$build/logs/$t.result"
			grep -q ': ok$' "$build/logs/$t.result" || status=1
		else
			echo "fuzz $t: FAILED: no result (see $build/logs/$t.log)"
			status=1
		fi
	done
fi

echo "fuzz $mode: $(wc -w <<<"$targets") targets, $((SECONDS - begin)) s: $([[ $status -eq 0 ]] && echo ok || echo FAILED)"
exit $status
