# A short libFuzzer run of every target in tests/fuzz (cron parser, config
# loader, template renderer, signed-link verifier, sync envelopes, ...).
# It builds its own instrumented binaries, so it runs once: with the plain
# build, not again for the sanitizer build. FUZZ_SECONDS per target (10).
cd "$(dirname "$0")/../.." || exit 1
case "$BUILD" in */asan) exit 0 ;; esac
FUZZ_SECONDS=${FUZZ_SECONDS:-10} FUZZ_BUILD="$BUILD/fuzz" tests/fuzz/run
