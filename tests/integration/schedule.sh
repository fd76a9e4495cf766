# Schedules from the command line: cron next across DST, simulate,
# recurring list|trigger|pause|resume, and the daemon firing on time.
. "$(dirname "$0")/lib.bash"
setup
export Http__Enabled=false

jobs_bin migrate >/dev/null
jobs_bin cron next '0 2 * * 0' --tz Europe/Prague --from 2026-03-28T00:00:00Z --count 2 > next.txt 2>&1
check "a missing 02:00 fires once after the gap" test "$(head -1 next.txt)" = "2026-03-29T03:00:00+02:00"
check "the next Sunday is back at 02:00" test "$(sed -n 2p next.txt)" = "2026-04-05T02:00:00+02:00"
jobs_bin cron next '30 2 * * *' --tz Europe/Prague --from 2026-10-24T12:00:00Z --count 2 > fall.txt 2>&1
check "a doubled 02:30 fires once, the first" test "$(head -1 fall.txt)" = "2026-10-25T02:30:00+02:00"
check "the day after is normal" test "$(sed -n 2p fall.txt)" = "2026-10-26T02:30:00+01:00"
jobs_bin cron next '*/30 * * * *' --tz Europe/Prague --from 2026-10-25T00:15:00Z --count 4 > interval.txt 2>&1
check "an interval fires in both 02:xx hours" test "$(tr '\n' ' ' < interval.txt)" = \
	"2026-10-25T02:30:00+02:00 2026-10-25T02:00:00+01:00 2026-10-25T02:30:00+01:00 2026-10-25T03:00:00+01:00 "
jobs_bin cron next '0 0 2 ? * SUN' --tz Australia/Sydney --from 2026-10-03T00:00:00Z --count 1 > sydney.txt 2>&1
check "Quartz form in the southern hemisphere" test "$(cat sydney.txt)" = "2026-10-04T03:00:00+11:00"
expect_exit 2 "a bad expression exits 2" jobs_bin cron next '61 * * * *'
contains "the error names the field and token" "$T/out" "minute"
contains "the error names the token" "$T/out" '"61"'
expect_exit 2 "an impossible date exits 2" jobs_bin cron next '0 0 30 2 *'

# simulate: the configured jobs over the spring DST night
Scheduler__TimeZone=Europe/Prague jobs_bin simulate --from 2026-03-28T23:00:00Z --to 2026-03-29T04:00:00Z > sim.txt 2>&1
contains "simulate lists DraftCleanup at 03:00 CEST" sim.txt "2026-03-29T03:00:00+02:00  DraftCleanup"
check "simulate runs nothing" test "$(sql 'SELECT count(*) FROM jobs')" = 0
expect_exit 2 "simulate with --to before --from exits 2" jobs_bin simulate --from 2026-03-29T00:00:00Z --to 2026-03-28T00:00:00Z

# recurring list / trigger / pause / resume
check "recurring list works" jobs_bin --now 2026-11-10T12:00:00Z recurring list
contains "recurring list shows DraftCleanup" "$T/out" "DraftCleanup"
contains "recurring list shows the cron" "$T/out" "0 3 * * *"
check "recurring trigger enqueues" jobs_bin recurring trigger DraftCleanup
check "the triggered job is queued" test "$(sql "SELECT count(*) FROM jobs WHERE type = 'draft_cleanup'")" = 1
jobs_bin recurring trigger draft_cleanup > again.txt 2>&1
contains "a second trigger reuses the waiting job" again.txt "already waiting"
check "recurring pause" jobs_bin recurring pause DraftReminder
check "pause is stored" test "$(sql "SELECT paused FROM recurring_jobs WHERE name = 'DraftReminder'")" = 1
check "recurring resume" jobs_bin recurring resume DraftReminder
check "resume is stored" test "$(sql "SELECT paused FROM recurring_jobs WHERE name = 'DraftReminder'")" = 0
expect_exit 1 "pausing an unknown job fails" jobs_bin recurring pause Nope
expect_exit 2 "run-job of an unknown job exits 2" jobs_bin run-job Nope
check "run-job runs a recurring job in the foreground" jobs_bin --now 2026-11-10T12:00:00Z run-job InvitationExpiration
contains "run-job prints the result" "$T/out" "invitation_expiration: succeeded"

# the daemon fires a schedule when its time comes (clock started 0.1 s before)
sql "DELETE FROM jobs; DELETE FROM recurring_jobs; DELETE FROM schedule_history"
export Scheduler__TimeZone=Europe/Prague
start_daemon fire.log --now 2026-11-11T01:59:59.900Z run
deadline=$((SECONDS + 20))
until [ "$(sql "SELECT count(*) FROM schedule_history WHERE name = 'DraftCleanup' AND result = 'succeeded'")" = 1 ] || [ $SECONDS -ge $deadline ]; do sleep 0.05; done
check "DraftCleanup fired at 03:00 Prague time" test "$(sql "SELECT planned_at FROM schedule_history WHERE name = 'DraftCleanup'")" = "2026-11-11T02:00:00.000Z"
check "and its run was recorded as succeeded" test "$(sql "SELECT last_result FROM recurring_jobs WHERE name = 'DraftCleanup'")" = succeeded
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
