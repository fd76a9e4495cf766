# Shared helpers for integration tests: sourced by tests/integration/*.sh.
# Each test prints TAP lines; the runner counts them.
#
#   setup                      fresh temp dir in $T, cd into it, cleanup on exit
#   check NAME CMD...          ok when CMD exits 0
#   expect_exit CODE NAME CMD  ok when CMD exits with CODE (output in $T/out)
#   contains NAME FILE TEXT    ok when FILE contains TEXT (fixed string)
#   jobs_bin ARGS...           the binary with --db $T/domecek.db
set -u
: "${BIN:?BIN must point at the built binary}"
export TZ=UTC
unset DOMECEK_CONFIG DOMECEK_DB

_pids=()
setup() {
	T=$(mktemp -d /tmp/domecek-test.XXXXXX)
	cd "$T" || exit 1
	trap teardown EXIT
}
teardown() {
	for pid in "${_pids[@]:-}"; do
		[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	cd / && rm -rf "$T"
}
# Remember a background process so that teardown stops it by pid.
track_pid() { _pids+=("$1"); }

ok() { echo "ok - $1"; }
not_ok() {
	echo "not ok - $1"
	shift
	for line in "$@"; do echo "# $line"; done
}

check() {
	local name=$1
	shift
	if "$@" >"$T/out" 2>&1; then ok "$name"; else
		not_ok "$name" "command: $*" "$(tail -n 5 "$T/out")"
	fi
}

expect_exit() {
	local code=$1 name=$2 rc
	shift 2
	"$@" >"$T/out" 2>&1
	rc=$?
	if [ "$rc" -eq "$code" ]; then ok "$name"; else
		not_ok "$name" "expected exit $code, got $rc: $*" "$(tail -n 5 "$T/out")"
	fi
}

contains() {
	local name=$1 file=$2 text=$3
	if grep -qF -- "$text" "$file"; then ok "$name"; else
		not_ok "$name" "'$text' not in $file:" "$(head -n 8 "$file")"
	fi
}

not_contains() {
	local name=$1 file=$2 text=$3
	if grep -qF -- "$text" "$file"; then
		not_ok "$name" "'$text' unexpectedly in $file"
	else ok "$name"; fi
}

jobs_bin() { "$BIN" --db "$T/domecek.db" "$@"; }
# start_daemon LOG ARGS...: the binary itself in the background (so that
# $DAEMON_PID is its pid, not a subshell's), stopped by teardown.
start_daemon() {
	local log=$1
	shift
	"$BIN" --db "$T/domecek.db" "$@" 2>"$log" &
	DAEMON_PID=$!
	track_pid "$DAEMON_PID"
}
sql() { sqlite3 -batch "$T/domecek.db" "$@"; }
