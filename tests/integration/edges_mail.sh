#!/usr/bin/env bash
# edges_mail.sh - outgoing connections found wanting from outside (issue
# 17, items 8, 13-16): a private CA in Tls.CaFile is trusted by SMTP
# (STARTTLS and implicit TLS), SendGrid, S3 and the Slack webhook, and a
# missing one fails on the certificate; SendGrid carries replyTo; a 429 or
# 503 with Retry-After is retried no sooner than asked; a wrong SMTP
# password says "authentication failed"; S3 requests are signed with the
# real clock under --now. All receivers are loopback (tls_receiver.py).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.bash"
setup
PY=/usr/bin/python3
if ! "$PY" -c 'import aiosmtpd' 2>/dev/null; then
	not_ok "python3-aiosmtpd is installed (tools/install-deps)"
	exit 0
fi
export Http__Enabled=false Email__RetryDelaySeconds=1

# A private CA and a certificate for 127.0.0.1 signed by it.
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
	-subj "/CN=Domecek test CA" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
	-subj "/CN=127.0.0.1" >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1\n' >san.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
	-out server.pem -days 2 -extfile san.ext >/dev/null 2>&1
check "the test CA and certificate were made" test -s server.pem

check "config check accepts a readable CA file" env Tls__CaFile="$T/ca.pem" "$BIN" config check
expect_exit 2 "config check refuses a CA file without certificates" env Tls__CaFile="$T/ca.key" "$BIN" config check
contains "it names Tls.CaFile" "$T/out" "Tls.CaFile: $T/ca.key holds no usable PEM certificate"

# start NAME ARGS...: a receiver recording into $T/NAME; sets PORT.
start() {
	local name=$1 i
	shift
	rm -f "$T/$name.ready"
	"$PY" "$HERE/tls_receiver.py" "$@" --dir "$T/$name" --ready-file "$T/$name.ready" \
		>"$T/$name.log" 2>&1 &
	track_pid $!
	for i in $(seq 200); do [ -s "$T/$name.ready" ] && break; sleep 0.05; done
	PORT=$(cat "$T/$name.ready" 2>/dev/null)
}
fresh_db() { rm -f "$T"/domecek.db*; jobs_bin migrate >/dev/null; }
enqueue() { jobs_bin enqueue send_email --payload "$1" | tail -n 1; }
state() { sql "SELECT state FROM jobs WHERE id = $1"; }
error() { sql "SELECT coalesce(last_error, '') FROM jobs WHERE id = $1"; }
PAYLOAD='{"to": "jana@example.cz", "replyTo": "eva@example.cz", "subject": "Ahoj", "text": "Dobrý den"}'

# --- SendGrid over HTTPS with the private CA; replyTo --------------------------
start sendgrid http --cert server.pem --key server.key
sendgrid_env=(env Email__Provider=SendGrid Email__SendGrid__ApiKey=SG.test
	Email__SendGrid__BaseUrl="https://127.0.0.1:$PORT")
fresh_db
a=$(enqueue "$PAYLOAD")
"${sendgrid_env[@]}" "$BIN" --db "$T/domecek.db" run --once >"$T/run.log" 2>&1
check "SendGrid without the CA fails on the certificate" test "$(state "$a")" = dead
contains "the error says certificate" <(error "$a") "certificate"
fresh_db
a=$(enqueue "$PAYLOAD")
check "SendGrid with Tls.CaFile delivers" "${sendgrid_env[@]}" Tls__CaFile="$T/ca.pem" \
	"$BIN" --db "$T/domecek.db" run --drain
check "the job succeeded" test "$(state "$a")" = succeeded
contains "the request carries reply_to" "$(ls "$T"/sendgrid/*.request | tail -n 1)" '"reply_to":{"email":"eva@example.cz"}'

# --- Retry-After on 429 and 503 ---------------------------------------------------
start limited http --cert server.pem --key server.key --script "429:Retry-After=120"
fresh_db
a=$(enqueue "$PAYLOAD")
env Email__Provider=SendGrid Email__SendGrid__ApiKey=SG.test Tls__CaFile="$T/ca.pem" \
	Email__SendGrid__BaseUrl="https://127.0.0.1:$PORT" "$BIN" --db "$T/domecek.db" run --once >"$T/run.log" 2>&1
check "429 leaves the email to retry" test "$(state "$a")" = failed
wait_s=$(sql "SELECT CAST(round((julianday(run_at) - julianday('now')) * 86400) AS INT) FROM jobs WHERE id = $a")
check "the retry waits the 120 s Retry-After asked (not 1 s)" test "$wait_s" -ge 100 -a "$wait_s" -le 121
LATER=$(date -u -d '+600 seconds' '+%a, %d %b %Y %H:%M:%S GMT')
start unavailable http --cert server.pem --key server.key --script "503:Retry-After=$LATER"
fresh_db
a=$(enqueue "$PAYLOAD")
env Email__Provider=SendGrid Email__SendGrid__ApiKey=SG.test Tls__CaFile="$T/ca.pem" \
	Email__SendGrid__BaseUrl="https://127.0.0.1:$PORT" "$BIN" --db "$T/domecek.db" run --once >"$T/run.log" 2>&1
wait_s=$(sql "SELECT CAST(round((julianday(run_at) - julianday('now')) * 86400) AS INT) FROM jobs WHERE id = $a")
check "503 with a Retry-After date waits until that date" test "$wait_s" -ge 580 -a "$wait_s" -le 601

# --- SMTP: STARTTLS and implicit TLS with the CA; a wrong password -----------------
start smtp smtp --cert server.pem --key server.key --password right-password
smtp_env=(env Email__Provider=SMTP Email__Smtp__Host=127.0.0.1 Email__Smtp__Port="$PORT"
	Email__Smtp__Security=StartTls Email__Smtp__Username=jana Tls__CaFile="$T/ca.pem")
fresh_db
a=$(enqueue "$PAYLOAD")
"${smtp_env[@]}" Email__Smtp__Password=wrong "$BIN" --db "$T/domecek.db" run --once >"$T/run.log" 2>&1
check "a wrong SMTP password is final" test "$(state "$a")" = dead
contains "it says authentication failed" <(error "$a") "SMTP authentication failed: check Email.Smtp.Username and Email.Smtp.Password"
not_contains "not 'refused the message'" <(error "$a") "refused the message"
fresh_db
a=$(enqueue "$PAYLOAD")
check "STARTTLS with Tls.CaFile and the right password delivers" \
	"${smtp_env[@]}" Email__Smtp__Password=right-password "$BIN" --db "$T/domecek.db" run --drain
check "the STARTTLS job succeeded" test "$(state "$a")" = succeeded
start smtps smtp --cert server.pem --key server.key --password right-password --tls implicit
fresh_db
a=$(enqueue "$PAYLOAD")
check "SMTPS (implicit TLS) with Tls.CaFile delivers" env Email__Provider=SMTP Email__Smtp__Host=127.0.0.1 \
	Email__Smtp__Port="$PORT" Email__Smtp__Security=Tls Email__Smtp__Username=jana \
	Email__Smtp__Password=right-password Tls__CaFile="$T/ca.pem" "$BIN" --db "$T/domecek.db" run --drain
check "the SMTPS job succeeded" test "$(state "$a")" = succeeded
check "the message arrived" test -s "$T/smtps/001.eml"

# --- S3 over HTTPS with the CA, signed with the real clock under --now -------------
start s3 http --cert server.pem --key server.key
fresh_db
sql "INSERT INTO exports VALUES ('exports/u/old.zip', 'u', NULL, 'zip', 1,
     '2019-01-01T00:00:00.000Z', '2019-01-02T00:00:00.000Z')"
check "ExportCleanup on S3 over HTTPS with --now in 2020 runs" env Storage__Provider=S3 \
	Storage__S3__Endpoint="https://127.0.0.1:$PORT" Storage__S3__Bucket=b Storage__S3__AccessKey=AK \
	Storage__S3__SecretKey=SK Tls__CaFile="$T/ca.pem" \
	"$BIN" --db "$T/domecek.db" --now 2020-06-01T00:00:00Z run-job ExportCleanup
request=$(ls "$T"/s3/*.request | head -n 1)
contains "the DELETE reached S3" "$request" "DELETE /b/exports/u/old.zip"
TODAY=$(date -u +%Y%m%d)
contains "x-amz-date is today's, not --now's" "$request" "x-amz-date: $TODAY"
contains "the credential scope is today's" "$request" "/$TODAY/us-east-1/s3/aws4_request"
not_contains "nothing is signed in 2020" "$request" "20200601"

# --- the Slack webhook over HTTPS with the CA ---------------------------------------
start hook http --cert server.pem --key server.key
fresh_db
sql "INSERT INTO jobs (type, state, run_at) SELECT 'noop', 'enqueued',
     strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+1 day') FROM (SELECT 1 UNION SELECT 2 UNION SELECT 3);"
Alerts__QueueLengthThreshold=3 Alerts__SlackWebhookUrl="https://127.0.0.1:$PORT/hook" \
	Tls__CaFile="$T/ca.pem" start_daemon "$T/daemon.log" run
for i in $(seq 200); do ls "$T"/hook/*.request >/dev/null 2>&1 && break; sleep 0.05; done
kill "$DAEMON_PID" && wait "$DAEMON_PID" 2>/dev/null
check "the webhook reached the HTTPS receiver" test -n "$(ls "$T"/hook/*.request 2>/dev/null)"
contains "it carries the queue alert" "$(ls "$T"/hook/*.request 2>/dev/null | head -n 1)" "3 jobs are waiting"
