#!/usr/bin/env bash
# tools/bench/resources.sh - memory and CPU of the daemon, for the README's
# "Resources": idle for IDLE_SECONDS (default 60), then while it works
# through the demo household's jobs (the recurring jobs triggered at once,
# a backup, and 200 noop jobs). Figures from /proc/PID/status (VmRSS,
# VmHWM = peak RSS) and /proc/PID/stat (user+system CPU ticks). Prints
# figures; asserts nothing.
set -u
: "${BIN:?BIN must point at the built binary}"
IDLE_SECONDS=${IDLE_SECONDS:-60}
T=$(mktemp -d /tmp/domecek-bench.XXXXXX)
cd "$T" || exit 1
export Http__Enabled=false TZ=UTC
unset DOMECEK_CONFIG DOMECEK_DB
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; cd / && rm -rf "$T"; }
trap cleanup EXIT
hz=$(getconf CLK_TCK)

kib() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
wakeups() { awk '$1 ~ /ctxt_switches/ { n += $2 } END { print n }' "/proc/$1/status"; }
sqlq() { sqlite3 -batch -cmd '.timeout 5000' domecek.db "$@"; }

"$BIN" migrate >/dev/null
"$BIN" demo >/dev/null
echo "database with the demo household: $(stat -c %s domecek.db) bytes"
"$BIN" run 2>daemon.log &
pid=$!
for _ in $(seq 200); do grep -q daemon.leader daemon.log && break; sleep 0.05; done
sleep 2 # let the start-up misfire runs finish before measuring idle
while [ "$(sqlq "SELECT count(*) FROM jobs WHERE state IN ('enqueued','processing')")" != 0 ]; do sleep 0.2; done

echo "idle daemon, ${IDLE_SECONDS} s:"
t0=$(ticks "$pid") w0=$(wakeups "$pid")
sleep "$IDLE_SECONDS"
t1=$(ticks "$pid") w1=$(wakeups "$pid")
printf '  RSS %s KiB, peak RSS %s KiB\n' "$(kib "$pid" VmRSS)" "$(kib "$pid" VmHWM)"
awk -v t=$((t1 - t0)) -v hz="$hz" -v s="$IDLE_SECONDS" \
	'BEGIN { printf "  CPU %.2f s in %d s (%.3f%%)\n", t / hz, s, 100 * t / hz / s }'
echo "  context switches: $((w1 - w0)) (wake-ups while idle)"

echo "working through the demo jobs:"
t0=$(ticks "$pid") start=$(date +%s.%N)
sqlq "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
      INSERT INTO jobs (type, payload) SELECT 'noop', '{\"steps\": 5}' FROM n"
for job in DraftCleanup DraftReminder InvitationExpiration WeeklySummaryEmail Backup; do
	"$BIN" recurring trigger "$job" >/dev/null 2>&1
done
while [ "$(sqlq "SELECT count(*) FROM jobs WHERE state IN ('enqueued','processing')")" != 0 ]; do sleep 0.05; done
t1=$(ticks "$pid") end=$(date +%s.%N)
printf '  RSS %s KiB, peak RSS %s KiB\n' "$(kib "$pid" VmRSS)" "$(kib "$pid" VmHWM)"
awk -v t=$((t1 - t0)) -v hz="$hz" -v a="$start" -v b="$end" \
	'BEGIN { printf "  CPU %.2f s for %.2f s of work (to 0.01 s)\n", t / hz, b - a }'
echo "  jobs: $(sqlq "SELECT group_concat(state || '=' || n, ' ') FROM (SELECT state, count(*) n FROM jobs GROUP BY state)")"
echo "  backups: $(ls var/backups 2>/dev/null | wc -l) file(s), $(du -sk var/backups 2>/dev/null | cut -f1) KiB"
