# The daemon: pickup of jobs another program inserts, SIGTERM in the
# middle of a long job, standby takeover, and kill -9 at random moments
# while it works through 2,000 jobs (nothing lost, nothing run twice).
. "$(dirname "$0")/lib.bash"
setup
export Http__Enabled=false

# wait_for TIMEOUT_S SQL EXPECTED: polls the database until SQL returns
# EXPECTED (an event, not a clock: the bound only stops a hung test).
wait_for() {
	local deadline=$((SECONDS + $1))
	while [ $SECONDS -lt $deadline ]; do
		[ "$(sql "$2" 2>/dev/null)" = "$3" ] && return 0
		sleep 0.02
	done
	return 1
}
wait_log() { # FILE TEXT TIMEOUT_S
	local deadline=$((SECONDS + $3))
	while [ $SECONDS -lt $deadline ]; do
		grep -qF -- "$2" "$1" && return 0
		sleep 0.02
	done
	return 1
}

jobs_bin migrate >/dev/null

# 1. another program inserts a job; the running daemon picks it up
start_daemon daemon.log run
pid=$DAEMON_PID
check "daemon starts and leads" wait_log daemon.log daemon.leader 10
sql "INSERT INTO jobs (type, payload) VALUES ('noop', '{\"steps\": 3}')"
check "an inserted job is picked up and done" wait_for 10 "SELECT state FROM jobs" succeeded
check "the job ran its three steps" test "$(sql "SELECT json_extract(result, '\$.steps') FROM jobs")" = 3

# 2. SIGTERM during a long job: finish the step, put the job back, exit 0
sql "INSERT INTO jobs (type, payload) VALUES ('noop', '{\"steps\": 1000, \"sleepMs\": 100000}')"
check "the long job is running" wait_for 10 "SELECT state FROM jobs WHERE id = 2" processing
kill -TERM $pid
wait $pid
rc=$?
check "SIGTERM exits 0" test $rc -eq 0
check "the long job is back in the queue" test "$(sql 'SELECT state FROM jobs WHERE id = 2')" = enqueued
check "the stop did not spend an attempt" test "$(sql 'SELECT attempts FROM jobs WHERE id = 2')" = 0
check "the WAL was checkpointed" test "$(stat -c %s domecek.db-wal 2>/dev/null || echo 0)" = 0
contains "the stop is logged" daemon.log daemon.stopped
sql "DELETE FROM jobs WHERE id = 2"

# 3. a second daemon waits as standby and takes over when the first dies
start_daemon a.log run
a=$DAEMON_PID
check "first daemon leads" wait_log a.log daemon.leader 10
start_daemon b.log run
b=$DAEMON_PID
check "second daemon reports standby" wait_log b.log daemon.standby 10
contains "standby names the leader's pid" b.log "pid=$a"
kill -KILL $a
wait $a 2>/dev/null
check "standby takes over" wait_log b.log daemon.leader 10
sql "INSERT INTO jobs (type, payload) VALUES ('noop', '{}')"
check "the new leader runs jobs" wait_for 10 "SELECT count(*) FROM jobs WHERE state = 'succeeded'" 2
kill -TERM $b
wait $b

# 4. kill -9 at random moments while 2,000 jobs run; restart; drain
sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
     INSERT INTO jobs (type, payload) SELECT 'noop', '{\"steps\": 2}' FROM n"
for round in 1 2 3 4 5 6; do
	start_daemon "kill$round.log" run
	k=$DAEMON_PID
	sleep "0.$((RANDOM % 40 + 5))"
	kill -KILL $k
	wait $k 2>/dev/null
done
check "drain after the kills finishes" jobs_bin run --drain
total=$(sql "SELECT count(*) FROM jobs WHERE payload = '{\"steps\": 2}'")
done_once=$(sql "SELECT count(*) FROM jobs j WHERE payload = '{\"steps\": 2}' AND state = 'succeeded'
                 AND (SELECT count(*) FROM job_attempts a WHERE a.job_id = j.id AND a.outcome = 'succeeded') = 1")
check "no job was lost" test "$total" = 2000
check "every job finished exactly once" test "$done_once" = 2000
check "nothing is stuck in processing" test "$(sql "SELECT count(*) FROM jobs WHERE state <> 'succeeded'")" = 0
check "integrity_check is ok" test "$(sql 'PRAGMA integrity_check')" = ok
lost=$(sql "SELECT count(*) FROM job_attempts WHERE outcome = 'lost'")
echo "# kill -9 rounds: 6, attempts lost and rerun: $lost"
