# The libFuzzer targets in tests/fuzz (cron parser, config loader, template
# renderer, signed-link verifier, sync envelopes, ...), which build their
# own ASan+UBSan binaries into $BUILD/fuzz. With the plain build each one
# fuzzes for FUZZ_SECONDS (10); with the sanitizer build each one replays
# its checked-in corpus once, so a seed that once crashed stays a test.
# One TAP line per target; a target that does not build or run is "not ok".
cd "$(dirname "$0")/../.." || exit 1
case "$BUILD" in
*/asan) seconds=0 ;;
*) seconds=${FUZZ_SECONDS:-10} ;;
esac
out=$(FUZZ_SECONDS=$seconds FUZZ_BUILD="$BUILD/fuzz" tests/fuzz/run 2>&1)
rc=$?
printf '%s\n' "$out"
if [ "$rc" -eq 0 ] && ! grep -q '^ok - ' <<<"$out"; then
	echo "not ok - fuzz: tests/fuzz/run reported no target"
	exit 1
fi
exit "$rc"
