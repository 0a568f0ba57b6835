#!/bin/sh
# run-all.sh - the whole test suite from a fresh checkout: install the
# dependencies (as root), build, run `make check`, run it again on a build
# with AddressSanitizer and UndefinedBehaviorSanitizer, run each fuzz
# target for a while, and print one closing line "N passed, N failed[, N skipped]".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
jobs=${JOBS:-2}
fuzz_seconds=${FUZZ_SECONDS:-20}
failed_steps=0
pass=0 fail=0 skip=0

step() { echo "==> $*"; }
count() { # LOG: add the totals of an automake test-suite.log
	[ -f "$1" ] || { fail=$((fail + 1)); return; }
	p=$(sed -n 's/^# PASS: *//p' "$1" | head -1)
	f=$(sed -n 's/^# FAIL: *//p' "$1" | head -1)
	x=$(sed -n 's/^# XPASS: *//p' "$1" | head -1)
	r=$(sed -n 's/^# ERROR: *//p' "$1" | head -1)
	s=$(sed -n 's/^# SKIP: *//p' "$1" | head -1)
	pass=$((pass + ${p:-0}))
	fail=$((fail + ${f:-0} + ${x:-0} + ${r:-0}))
	skip=$((skip + ${s:-0}))
}

if [ "$(id -u)" = 0 ]; then
	step "installing dependencies"
	sh tests/harness/install-deps.sh || exit 1
fi

step "building"
if [ ! -f config.status ]; then
	autoreconf -fi >/dev/null && ./configure -q || exit 1
fi
make -j"$jobs" >/dev/null || exit 1

step "make check"
make -j"$jobs" check >check.out 2>&1 || failed_steps=$((failed_steps + 1))
grep -E '^(PASS|FAIL|ERROR|SKIP|XPASS):' check.out | grep -v '^PASS' || true
count test-suite.log

step "make check with ASan and UBSan"
asan=$top/build-asan
rm -rf "$asan"
make -s distdir distdir="$asan" >/dev/null || exit 1
( cd "$asan" && ./configure -q --enable-asan CC=gcc && make -j"$jobs" >/dev/null &&
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	make -j"$jobs" check >check.out 2>&1 ) || failed_steps=$((failed_steps + 1))
grep -E '^(FAIL|ERROR|XPASS):' "$asan/check.out" || true
count "$asan/test-suite.log"

if command -v clang >/dev/null 2>&1; then
	step "fuzzing each target for ${fuzz_seconds}s"
	fz=$top/build-fuzz
	rm -rf "$fz"
	make -s distdir distdir="$fz" >/dev/null || exit 1
	if ( cd "$fz" && ./configure -q --enable-fuzz CC=clang && make -j"$jobs" >/dev/null ); then
		for t in "$fz"/fuzz/fuzz_*; do
			[ -x "$t" ] || continue
			mkdir -p "$fz/corpus/${t##*/}"
			if "$t" -max_total_time="$fuzz_seconds" -seed=1 "$fz/corpus/${t##*/}" \
				>"$t.log" 2>&1; then
				echo "PASS: ${t##*/}"; pass=$((pass + 1))
			else
				echo "FAIL: ${t##*/} (see $t.log)"; tail -30 "$t.log"; fail=$((fail + 1))
			fi
		done
	else
		echo "FAIL: fuzz build"; fail=$((fail + 1))
	fi
fi

[ "$failed_steps" -gt 0 ] && [ "$fail" -eq 0 ] && fail=$failed_steps
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
