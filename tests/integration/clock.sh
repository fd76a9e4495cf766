#!/usr/bin/env bash
# clock.sh - `run --now` days ahead must not stop the schedules for the
# real clock (issue 14, item 4). SyncRetry fires every second here.
#   1. `run --now <3 days ahead>` fires, is stopped with SIGTERM: the fires
#      it recorded in the future are forgotten on stop, so a daemon on the
#      real clock fires at once.
#   2. The same run killed with SIGKILL leaves them: the real daemon sees
#      the last fire more than a day ahead, says schedule.clock_recovered
#      and fires, instead of waiting three days.
. "$(dirname "$0")/lib.bash"
setup
export Http__Enabled=false Jobs__SyncRetry__CronSchedule='* * * * * ?'
AHEAD=$(date -u -d '+3 days' +%Y-%m-%dT%H:%M:%SZ)
NOW_SQL="strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
jobs_bin migrate >/dev/null

fires_ahead() { sql "SELECT count(*) FROM schedule_history WHERE name = 'SyncRetry' AND planned_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+2 days')"; }
fires_now() { sql "SELECT count(*) FROM schedule_history WHERE name = 'SyncRetry' AND planned_at <= $NOW_SQL"; }
wait_for() { # command: up to 20 s
	local i
	for i in $(seq 1 200); do "$@" && return 0; sleep 0.1; done
	return 1
}
has_fires_ahead() { [ "$(fires_ahead)" -gt 0 ]; }
has_fires_now() { [ "$(fires_now)" -gt "$1" ]; }

# ---- 1. stopped cleanly --------------------------------------------------
"$BIN" --db "$T/domecek.db" --now "$AHEAD" run 2>"$T/ahead.log" &
pid=$!
track_pid "$pid"
check "--now 3 days ahead: SyncRetry fires at that time" wait_for has_fires_ahead
kill -TERM "$pid"
wait "$pid"
check "--now run stops cleanly" test $? -eq 0
contains "the stop says it forgot the fires in the future" "$T/ahead.log" "schedule.forgot_future"
check "no recorded fire is left in the future" \
	test "$(sql "SELECT count(*) FROM recurring_jobs WHERE last_fire_at > $NOW_SQL")" -eq 0
check "no plan is left days ahead" \
	test "$(sql "SELECT count(*) FROM recurring_jobs WHERE next_fire_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+1 day') AND name = 'SyncRetry'")" -eq 0
before=$(fires_now)
start_daemon "$T/real1.log" run
check "the real clock's daemon fires at once" wait_for has_fires_now "$before"
kill -TERM "$DAEMON_PID" && wait "$DAEMON_PID"
not_contains "no clock_behind wait" "$T/real1.log" "schedule.clock_behind"

# ---- 2. killed ----------------------------------------------------------
sql "DELETE FROM schedule_history"
"$BIN" --db "$T/domecek.db" --now "$AHEAD" run 2>"$T/ahead2.log" &
pid=$!
track_pid "$pid"
check "--now run (to be killed) fires" wait_for has_fires_ahead
kill -9 "$pid"
wait "$pid" 2>/dev/null
check "the killed run left a fire days ahead" \
	test "$(sql "SELECT count(*) FROM recurring_jobs WHERE last_fire_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+2 days')")" -gt 0
start_daemon "$T/real2.log" run
check "the real clock's daemon fires (does not wait 3 days)" wait_for has_fires_now 0
kill -TERM "$DAEMON_PID" && wait "$DAEMON_PID"
contains "and says it recovered" "$T/real2.log" "schedule.clock_recovered"
grep -m1 'schedule.clock_recovered' "$T/real2.log" | sed 's/^/# /'
check "integrity_check" test "$(sql 'PRAGMA integrity_check')" = ok
