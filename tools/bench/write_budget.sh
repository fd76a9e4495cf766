#!/usr/bin/env bash
# tools/bench/write_budget.sh - what the daemon writes, per job and per
# idle recurring fire (an SD card wears by the byte and the page).
#
# 1. A 5,000-job drain (`run --drain`, no-op jobs inserted by SQL) under
#    `strace -c -f`: pwrite64 (a WAL frame is two: header and page) and
#    fcntl (locks) per job.
# 2. The same drain without strace: write_bytes per job, the counter that
#    /proc/PID/io shows, taken for the whole process (start-up and the
#    closing checkpoint included) from wait4()'s rusage (ru_oublock, in
#    512-byte units, is that counter).
# 3. SyncRetry firing every 2 s on a database with nothing to retry (it
#    fires every 5 minutes by default: 288 times a day): write_bytes and
#    wchar from /proc/PID/io before and after 10 fires, per fire.
# Prints figures; asserts nothing.
set -u
: "${BIN:?BIN must point at the built binary}"
N=${N:-5000}
FIRES=${FIRES:-10}
T=$(mktemp -d "${TMPDIR:-/var/tmp}/domecek-bench-writes.XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
export Http__Enabled=false Logging__Level=Warning
unset DOMECEK_CONFIG DOMECEK_DB

fresh() {
	rm -f "$T"/d.db*
	"$BIN" --db "$T/d.db" migrate >/dev/null
	sqlite3 "$T/d.db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
	                   INSERT INTO jobs (type, payload) SELECT 'noop', '{}' FROM n"
}

echo "write budget, $N no-op jobs drained:"
if command -v strace >/dev/null; then
	fresh
	strace -c -f -o "$T/strace" "$BIN" --db "$T/d.db" run --drain 2>/dev/null
	awk -v n="$N" '$NF == "pwrite64" || $NF == "fcntl" || $NF == "fdatasync" {
		printf "  %-10s %6.2f per job (%d calls)\n", $NF, $4 / n, $4 }' "$T/strace"
else
	echo "  (strace not installed: no syscall counts)"
fi
fresh
/usr/bin/python3 - "$BIN" "$T/d.db" "$N" <<'PY'
import os, sys
bin_, db, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
pid = os.fork()
if pid == 0:
    os.execv(bin_, [bin_, "--db", db, "run", "--drain"])
_, status, usage = os.wait4(pid, 0)
written = usage.ru_oublock * 512
print(f"  write_bytes {written / n:8.0f} bytes per job ({written} bytes in all, "
      f"{written / n / 4096:.2f} pages of 4 KiB)")
PY

echo "an idle SyncRetry fire (nothing to retry), $FIRES fires 2 s apart:"
rm -f "$T"/d.db*
"$BIN" --db "$T/d.db" migrate >/dev/null
# Only SyncRetry runs, every 2 seconds (Quartz form with seconds).
for job in DraftCleanup DraftReminder InvitationExpiration ActivityCleanup NotificationCleanup \
	RefreshTokenCleanup WeeklySummaryEmail ExportCleanup Backup; do
	export "Jobs__${job}__Enabled=false"
done
export Jobs__SyncRetry__CronSchedule="*/2 * * * * ?"
"$BIN" --db "$T/d.db" run 2>"$T/daemon.log" &
pid=$!
fires() { sqlite3 -cmd '.timeout 5000' "$T/d.db" "SELECT count(*) FROM schedule_history WHERE name = 'SyncRetry' AND result = 'succeeded'"; }
io() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/io"; }
until [ "$(fires)" -ge 2 ]; do sleep 0.2; kill -0 "$pid" 2>/dev/null || { cat "$T/daemon.log"; exit 1; }; done
start=$(fires) wb0=$(io write_bytes) wc0=$(io wchar)
until [ "$(fires)" -ge $((start + FIRES)) ]; do sleep 0.2; kill -0 "$pid" 2>/dev/null || exit 1; done
end=$(fires) wb1=$(io write_bytes) wc1=$(io wchar)
awk -v n=$((end - start)) -v wb=$((wb1 - wb0)) -v wc=$((wc1 - wc0)) 'BEGIN {
	printf "  write_bytes %.0f bytes per fire, wchar %.0f bytes per fire (%d fires)\n", wb / n, wc / n, n
	printf "  at 288 fires a day: %.1f MB a day\n", wb / n * 288 / 1e6 }'
