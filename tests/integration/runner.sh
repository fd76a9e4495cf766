#!/usr/bin/env bash
# runner.sh - tests/run itself: a test program that dies (a sanitizer's
# abort) or stops before the end of its TAP plan is counted as failed,
# never as passed; a program that reports everything is counted as is.
set -u
cd "$(dirname "$0")/../.." || exit 1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/b/tests"
n=0
check() { # description, command
	n=$((n + 1))
	if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi
}
fake() { # name, body
	printf '#!/bin/sh\n%s\n' "$2" >"$T/b/tests/test_fake_$1"
	chmod +x "$T/b/tests/test_fake_$1"
}
run() { # pattern: the runner's last line
	TESTS="test_fake_$1" tests/run "$T/b" 2>&1 | tail -1
}

fake abort 'printf "1..3\nok 1 - a\n"; kill -ABRT $$'
fake short 'printf "1..3\nok 1 - a\n"; exit 0'
fake exit1 'echo "ok 1 - a"; exit 1'
fake whole 'printf "1..2\nok 1 - a\nok 2 - b\n"'
fake failing 'printf "1..2\nok 1 - a\nnot ok 2 - b\n"; exit 1'

check "a program killed by SIGABRT after 1 of 3 counts 1 passed, 2 failed" \
	'[ "$(run abort)" = "1 passed, 2 failed" ]'
check "a program that exits 0 after 1 of 3 planned counts the 2 missing as failed" \
	'[ "$(run short)" = "1 passed, 2 failed" ]'
check "a program that exits 1 without 'not ok' counts 1 failed" \
	'[ "$(run exit1)" = "1 passed, 1 failed" ]'
check "a program that reports its whole plan counts as it says" \
	'[ "$(run whole)" = "2 passed, 0 failed" ]'
check "a 'not ok' is counted once, not again for the exit code" \
	'[ "$(run failing)" = "1 passed, 1 failed" ]'
check "the runner exits non-zero when anything failed" \
	'! TESTS=test_fake_abort tests/run "$T/b" >/dev/null 2>&1'
