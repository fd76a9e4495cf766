#!/usr/bin/env bash
# tools/bench/drain.sh - the daemon against the floor, same run, same disk.
#
# The floor is ../shared/bench/floor.c (a verbatim copy in
# tools/bench/floor/, built by `make bench` into $BUILD/floor as its own
# comment says): the least SQL a durable SQLite queue must run, claim and
# complete each in its own IMMEDIATE transaction. Against it: the real
# `domecek-jobs run --drain` (HTTP off, log level Warning) over N no-op
# jobs inserted by plain SQL, timed from outside, start-up included.
# RUNS rounds (default 3) alternate floor and daemon; each prints both
# rates and the ratio. Then plain-SQL enqueue: single autocommit INSERTs
# from Python's sqlite3 (synchronous=NORMAL) into `jobs` and into the
# floor's table, same client, same run, ENQUEUE_ROUNDS rounds (default 5)
# in alternating order, and the median ratio. Prints figures; asserts nothing.
set -u
: "${BIN:?BIN must point at the built binary}"
FLOOR=${FLOOR:-$(dirname "$BIN")/floor}
N=${N:-20000}
RUNS=${RUNS:-3}
ENQUEUE_ROUNDS=${ENQUEUE_ROUNDS:-5}
[ -x "$FLOOR" ] || { echo "no floor at $FLOOR (make bench builds it)"; exit 1; }
shared=$(dirname "$0")/../../../shared/bench/floor.c
if [ -f "$shared" ] && ! cmp -s "$shared" "$(dirname "$0")/floor/floor.c"; then
	echo "tools/bench/floor/floor.c differs from $shared: copy it again"
	exit 1
fi
T=$(mktemp -d "${TMPDIR:-/var/tmp}/domecek-bench-drain.XXXXXX")
trap 'rm -rf "$T"' EXIT
export Http__Enabled=false Logging__Level=Warning
unset DOMECEK_CONFIG DOMECEK_DB

now() { date +%s.%N; }

daemon_rate() {
	rm -f "$T"/d.db*
	"$BIN" --db "$T/d.db" migrate >/dev/null || return 1
	sqlite3 "$T/d.db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
	                   INSERT INTO jobs (type, payload) SELECT 'noop', '{}' FROM n" || return 1
	local a b
	a=$(now)
	"$BIN" --db "$T/d.db" run --drain 2>"$T/daemon.log" || return 1
	b=$(now)
	local done
	done=$(sqlite3 "$T/d.db" "SELECT count(*) FROM jobs WHERE state = 'succeeded'")
	[ "$done" = "$N" ] || { echo "only $done of $N succeeded" >&2; return 1; }
	awk -v n="$N" -v a="$a" -v b="$b" 'BEGIN { printf "%.0f", n / (b - a) }'
}

floor_rate() {
	"$FLOOR" "$N" "$T/floor.db" | sed -E 's/.*claim\+complete ([0-9]+) jobs\/s.*/\1/'
	rm -f "$T"/floor.db*
}

echo "drain of $N no-op jobs inserted by SQL: daemon (run --drain) vs floor (claim+complete)"
for r in $(seq "$RUNS"); do
	f=$(floor_rate) || exit 1
	d=$(daemon_rate) || { echo "daemon run failed"; cat "$T/daemon.log"; exit 1; }
	awk -v r="$r" -v f="$f" -v d="$d" \
		'BEGIN { printf "  run %d: floor %6d jobs/s, daemon %6d jobs/s, ratio %.2fx\n", r, f, d, d / f }'
done

echo "plain-SQL enqueue, $N single INSERTs from Python sqlite3 (autocommit, synchronous=NORMAL):"
rm -f "$T"/d.db* "$T"/floor.db*
"$BIN" --db "$T/d.db" migrate >/dev/null
"$FLOOR" 1 "$T/floor.db" >/dev/null # creates the floor's table (one job, drained)
/usr/bin/python3 - "$T/d.db" "$T/floor.db" "$N" "$ENQUEUE_ROUNDS" <<'PY'
import sqlite3, sys, time
jobs_db, floor_db, n, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def rate(path, sql):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=NORMAL")
    t = time.perf_counter()
    for i in range(n):
        db.execute(sql)
    r = n / (time.perf_counter() - t)
    db.close()
    return r
ratios = []
floor_sql = ("INSERT INTO jobs (type, payload, state, run_at) VALUES "
             "('noop', '{}', 'enqueued', strftime('%Y-%m-%dT%H:%M:%fZ'))")
jobs_sql = "INSERT INTO jobs (type, payload) VALUES ('noop', '{}')"
for round in range(rounds):
    # Alternate which table goes first, so neither always meets a warmer
    # (or a busier) machine.
    if round % 2 == 0:
        f = rate(floor_db, floor_sql); j = rate(jobs_db, jobs_sql)
    else:
        j = rate(jobs_db, jobs_sql); f = rate(floor_db, floor_sql)
    ratios.append(j / f)
    print(f"  round {round + 1}: floor's table {f:7.0f}/s, jobs {j:7.0f}/s, ratio {j / f:.2f}x")
ratios.sort()
print(f"  median ratio over {rounds} rounds: {ratios[len(ratios) // 2]:.2f}x")
PY
