#!/usr/bin/env bash
# maildir_once.sh - Maildir delivery is exactly once (issue 14, item 5):
# 30 times, 5 emails are queued, the daemon is started and killed with
# SIGKILL at a random moment (often mid-delivery), and a "mail client"
# moves what arrived from new/ to cur/NAME:2,S (so a second delivery of a
# job would be a second file, not a replaced one). At the end, after
# `run --drain`: every job succeeded, every subject is in exactly one
# file (0 duplicates, 0 lost), and Maildir tmp/ is empty (the daemon
# sweeps what killed deliveries left there).
# Run by `make test-long`.
. "$(dirname "$0")/../integration/lib.bash"
setup
export Http__Enabled=false Email__Maildir__Path="$T/mail"
RUNS=${MAILDIR_RUNS:-30}
jobs_bin migrate >/dev/null

read_mail() {
	for f in "$T"/mail/new/*.eml; do [ -e "$f" ] && mv "$f" "$T/mail/cur/$(basename "$f"):2,S"; done
}

mid_delivery=0
for r in $(seq 1 "$RUNS"); do
	values=$(for k in $(seq 1 5); do
		printf "%s('send_email', '{\"to\":\"jana@example.cz\",\"subject\":\"once %d/%d\",\"text\":\"run %d\"}')" \
			"$([ "$k" -gt 1 ] && echo ,)" "$r" "$k" "$r"
	done)
	sql "INSERT INTO jobs (type, payload) VALUES $values"
	"$BIN" --db "$T/domecek.db" run 2>>"$T/daemon.log" &
	pid=$!
	sleep "0.$(printf '%03d' $((RANDOM % 300)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ -n "$(ls -A "$T/mail/tmp" 2>/dev/null)" ] && mid_delivery=$((mid_delivery + 1))
	read_mail
done
check "run --drain" timeout 300 "$BIN" --db "$T/domecek.db" run --drain
read_mail
jobs=$(sql "SELECT count(*) FROM jobs WHERE type = 'send_email'")
check "all $jobs email jobs succeeded" \
	test "$(sql "SELECT count(*) FROM jobs WHERE state = 'succeeded'")" -eq "$jobs"
files=$(ls "$T/mail/cur" | wc -l)
subjects=$(cat "$T"/mail/cur/* | grep -a '^Subject: once' | sort | uniq | wc -l)
dups=$(cat "$T"/mail/cur/* | grep -a '^Subject: once' | sort | uniq -d | wc -l)
interrupted=$(sql "SELECT count(*) FROM job_attempts WHERE outcome = 'interrupted'")
already=$(sql "SELECT count(*) FROM jobs WHERE result LIKE '%already_delivered%'")
echo "# maildir: $RUNS kills, $interrupted interrupted attempts, $mid_delivery kill(s) after which tmp/ held a partial file," \
	"$already retry(ies) found the message delivered; $jobs jobs, $files files, $dups duplicate(s)"
check "one file per job ($files files, $jobs jobs)" test "$files" -eq "$jobs"
check "every subject arrived ($subjects of $jobs)" test "$subjects" -eq "$jobs"
check "0 duplicate emails ($dups)" test "$dups" -eq 0
check "Maildir tmp/ is empty" test -z "$(ls -A "$T/mail/tmp")"
