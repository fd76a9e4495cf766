# Email: send_email through every transport against real receivers on
# 127.0.0.1 — Maildir (the default), a real SMTP server (aiosmtpd, with
# scripted refusals) and a loopback HTTP receiver standing in for the
# SendGrid and Mailgun APIs. Messages are parsed with Python's standard
# email package, as a mail client would.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.bash"
setup

PY=/usr/bin/python3
if ! "$PY" -c 'import aiosmtpd' 2>/dev/null; then
	not_ok "python3-aiosmtpd is installed (tools/install-deps)"
	exit 0
fi

# A port for Http.Listen that nobody uses, so the daemon never clashes with
# another test (once it serves HTTP).
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export Http__Listen="127.0.0.1:$(free_port)"
export Email__RetryDelaySeconds=1

# start_receiver NAME SCRIPT ARGS...: starts a receiver recording into
# $T/NAME, waits until it listens and sets PORT.
start_receiver() {
	local name=$1 program=$2 i
	shift 2
	mkdir -p "$T/$name"
	rm -f "$T/$name.ready"
	"$PY" "$HERE/$program" --dir "$T/$name" --ready-file "$T/$name.ready" "$@" \
		>"$T/$name.log" 2>&1 &
	RECEIVER_PID=$!
	track_pid "$RECEIVER_PID"
	for i in $(seq 100); do
		[ -s "$T/$name.ready" ] && break
		sleep 0.05
	done
	PORT=$(cat "$T/$name.ready" 2>/dev/null)
}
stop_receiver() { kill "$RECEIVER_PID" 2>/dev/null && wait "$RECEIVER_PID" 2>/dev/null; }

fresh_db() { rm -f "$T"/domecek.db*; jobs_bin migrate >/dev/null; }
enqueue() { jobs_bin enqueue send_email --payload "$1" | tail -n 1; }
job_field() { sql "SELECT $2 FROM jobs WHERE id = $1"; }

CZECH_PAYLOAD='{"template": "export_ready", "to": "jana@example.cz", "toName": "Jana Nováková",
 "language": "cs", "data": {"name": "Jana <script>alert(1)</script>", "size": "12,4 MB",
 "link": "https://app.mujdomecek.cz/e?a=1&b=2", "expiresHours": 24}}'
PLAIN_PAYLOAD='{"to": "petr@example.cz", "subject": "Ahoj", "text": "Dobrý den", "html": "<p>Dobrý den</p>"}'

# ---- Maildir (default) --------------------------------------------------
fresh_db
a=$(enqueue "$CZECH_PAYLOAD")
b=$(enqueue "$PLAIN_PAYLOAD")
check "Maildir: run --drain delivers" jobs_bin run --drain
check "Maildir: both jobs succeeded" test "$(job_field "$a" state) $(job_field "$b" state)" = "succeeded succeeded"
check "Maildir: exactly one .eml per job in var/mail/new" test "$(ls var/mail/new/*.eml | wc -l)" = 2
check "Maildir: tmp/ is empty" test -z "$(ls -A var/mail/tmp)"
check "Maildir: the file is named after its job" test -n "$(ls var/mail/new/ | grep "\.J${a}\.eml")"
check "Maildir: every file parses as a two-part message" "$PY" - var/mail/new/*.eml <<'PY'
import sys
from email import policy
from email.parser import BytesParser
for path in sys.argv[1:]:
    m = BytesParser(policy=policy.default).parse(open(path, "rb"))
    assert m.get_content_type() == "multipart/alternative", path
    assert m.get_body(("plain",)) and m.get_body(("html",)), path
PY

# check_czech FILE: the export_ready message as a client sees it.
check_czech() {
	"$PY" - "$1" <<'PY'
import sys
from email import policy
from email.parser import BytesParser
m = BytesParser(policy=policy.default).parse(open(sys.argv[1], "rb"))
assert m["Subject"] == "Váš export dat z MujDomecek je připraven", m["Subject"]
assert m["To"].addresses[0].display_name == "Jana Nováková", m["To"]
assert m["To"].addresses[0].addr_spec == "jana@example.cz"
assert m["From"].addresses[0].addr_spec == "noreply@mujdomecek.cz", m["From"]
assert m["Message-ID"] and m["Date"]
text = m.get_body(("plain",)).get_content()
html = m.get_body(("html",)).get_content()
assert "12,4 MB" in text and "Jana <script>alert(1)</script>" in text, text
assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, html
assert "<script>" not in html, html
assert "https://app.mujdomecek.cz/e?a=1&amp;b=2" in html, html
PY
}
check "Maildir: Czech subject, both parts, escaped HTML" check_czech "$(ls var/mail/new/*.eml | grep "\.J${a}\.eml")"

# ---- SMTP ---------------------------------------------------------------
smtp_env() {
	env Email__Provider=SMTP Email__Smtp__Host=127.0.0.1 Email__Smtp__Port="$PORT" \
		Email__Smtp__Security=None "$@"
}

fresh_db
start_receiver smtp1 smtp_server.py
check "SMTP: the test server listens" test -n "$PORT"
a=$(enqueue "$CZECH_PAYLOAD")
check "SMTP: run --drain sends" smtp_env "$BIN" --db "$T/domecek.db" run --drain
check "SMTP: the job succeeded on attempt 1" test "$(job_field "$a" "state || ' ' || attempts")" = "succeeded 1"
check "SMTP: the server received one message" test -f "$T/smtp1/001.eml" -a ! -f "$T/smtp1/002.eml"
contains "SMTP: envelope sender is Email.From" "$T/smtp1/001.envelope" "from noreply@mujdomecek.cz"
contains "SMTP: envelope recipient" "$T/smtp1/001.envelope" "to jana@example.cz"
check "SMTP: Czech subject, both parts, escaped HTML" check_czech "$T/smtp1/001.eml"
stop_receiver

fresh_db
start_receiver smtp2 smtp_server.py --script 450,250
a=$(enqueue "$PLAIN_PAYLOAD")
check "SMTP 450 then 250: drain waits for the retry" smtp_env "$BIN" --db "$T/domecek.db" run --drain
check "SMTP 450 then 250: succeeded on attempt 2" test "$(job_field "$a" "state || ' ' || attempts")" = "succeeded 2"
check "SMTP 450 then 250: the first error is kept" test "$(sql "SELECT count(*) FROM job_attempts WHERE job_id = $a AND error LIKE '%450 4.2.0%'")" = 1
check "SMTP 450 then 250: one message arrived" test -f "$T/smtp2/001.eml" -a ! -f "$T/smtp2/002.eml"
stop_receiver

# A message that arrived although the sender saw a failure (451 after
# DATA, as after a crash): sent again, with the same Message-ID.
fresh_db
start_receiver smtp5 smtp_server.py --data-script 451,250
a=$(enqueue "$PLAIN_PAYLOAD")
check "SMTP 451 after DATA: drain sends again" smtp_env "$BIN" --db "$T/domecek.db" run --drain
check "SMTP 451 after DATA: succeeded on attempt 2" test "$(job_field "$a" "state || ' ' || attempts")" = "succeeded 2"
id1=$(grep -i '^Message-ID:' "$T/smtp5/001.eml" | tr -d '\r')
id2=$(grep -i '^Message-ID:' "$T/smtp5/002.eml" 2>/dev/null | tr -d '\r')
echo "# attempt 1: $id1; attempt 2: $id2"
check "SMTP: both attempts carry the same Message-ID" test -n "$id1" -a "$id1" = "$id2"
dbid=$(sql "SELECT value FROM jobs_settings WHERE key = 'database_id'")
check "SMTP: the Message-ID is the job's and the database's" \
	test "$id1" = "Message-ID: <job-$a.$dbid@mujdomecek.cz>"
stop_receiver

fresh_db
start_receiver smtp3 smtp_server.py --script 550
a=$(enqueue "$PLAIN_PAYLOAD")
smtp_env "$BIN" --db "$T/domecek.db" run --drain >"$T/out" 2>&1
check "SMTP 550: dead after one attempt" test "$(job_field "$a" "state || ' ' || attempts")" = "dead 1"
sql "SELECT last_error FROM jobs WHERE id = $a" >"$T/error"
contains "SMTP 550: last_error holds the server's reply" "$T/error" "550 5.1.1 Recipient address rejected: User unknown"
check "SMTP 550: nothing was delivered" test ! -f "$T/smtp3/001.eml"
stop_receiver

fresh_db
start_receiver smtp4 smtp_server.py
stop_receiver # a port where nobody listens any more
a=$(Email__RetryCount=2 enqueue "$PLAIN_PAYLOAD")
Email__RetryCount=2 smtp_env "$BIN" --db "$T/domecek.db" run --drain >"$T/out" 2>&1
check "SMTP refused connection: retried, then dead" test "$(job_field "$a" "state || ' ' || attempts")" = "dead 2"

# ---- SendGrid and Mailgun against a loopback receiver ---------------------
fresh_db
start_receiver sendgrid http_receiver.py
a=$(enqueue "$CZECH_PAYLOAD")
check "SendGrid: run --drain sends" env Email__Provider=SendGrid Email__SendGrid__ApiKey=SG.test-key \
	Email__SendGrid__BaseUrl="http://127.0.0.1:$PORT/" "$BIN" --db "$T/domecek.db" run --drain
check "SendGrid: the job succeeded" test "$(job_field "$a" state)" = succeeded
check "SendGrid: request line, bearer token and JSON body" "$PY" - "$T/sendgrid/001.request" 2>&1 <<'PY'
import json, sys
raw = open(sys.argv[1], "rb").read()
head, body = raw.split(b"\n\n", 1)
lines = head.decode().split("\n")
assert lines[0].startswith("POST /v3/mail/send HTTP/1.1"), lines[0]
headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l)}
assert headers["authorization"] == "Bearer SG.test-key", headers
assert headers["content-type"] == "application/json", headers
doc = json.loads(body)
assert doc["personalizations"][0]["to"] == [{"email": "jana@example.cz", "name": "Jana Nováková"}], doc
assert doc["from"] == {"email": "noreply@mujdomecek.cz", "name": "MujDomecek"}, doc
assert doc["subject"] == "Váš export dat z MujDomecek je připraven", doc
types = [c["type"] for c in doc["content"]]
assert types == ["text/plain", "text/html"], types
assert "&lt;script&gt;" in doc["content"][1]["value"]
PY
stop_receiver

fresh_db
start_receiver sendgrid400 http_receiver.py --script 400
a=$(enqueue "$PLAIN_PAYLOAD")
env Email__Provider=SendGrid Email__SendGrid__ApiKey=k Email__SendGrid__BaseUrl="http://127.0.0.1:$PORT" \
	"$BIN" --db "$T/domecek.db" run --drain >"$T/out" 2>&1
check "SendGrid 400: dead at once" test "$(job_field "$a" "state || ' ' || attempts")" = "dead 1"
sql "SELECT last_error FROM jobs WHERE id = $a" >"$T/error"
contains "SendGrid 400: the answer is in the error" "$T/error" "HTTP 400: {\"status\": 400"
stop_receiver

fresh_db
start_receiver mailgun http_receiver.py --script 503
a=$(enqueue "$CZECH_PAYLOAD")
check "Mailgun: run --drain sends" env Email__Provider=Mailgun Email__Mailgun__Domain=mg.example.cz \
	Email__Mailgun__ApiKey=key-test Email__Mailgun__BaseUrl="http://127.0.0.1:$PORT" \
	"$BIN" --db "$T/domecek.db" run --drain
check "Mailgun 503 then 200: succeeded on attempt 2" test "$(job_field "$a" "state || ' ' || attempts")" = "succeeded 2"
check "Mailgun: path, basic auth and the MIME message in the form" "$PY" - "$T/mailgun/002.request" <<'PY'
import base64, sys
from email import policy
from email.parser import BytesParser
raw = open(sys.argv[1], "rb").read()
request_line, rest = raw.split(b"\n", 1)
assert request_line.startswith(b"POST /v3/mg.example.cz/messages.mime HTTP/1.1"), request_line
form = BytesParser(policy=policy.default).parsebytes(rest)
assert form["Authorization"] == "Basic " + base64.b64encode(b"api:key-test").decode(), form["Authorization"]
assert form.get_content_type() == "multipart/form-data", form["Content-Type"]
parts = {p.get_param("name", header="content-disposition"): p for p in form.iter_parts()}
assert parts["to"].get_payload(decode=True) == b"jana@example.cz", parts["to"]
part = parts["message"]
assert part.get_filename() == "message.mime", part.get_filename()
message = part.get_payload(0) if part.get_content_type() == "message/rfc822" else \
    BytesParser(policy=policy.default).parsebytes(part.get_payload(decode=True))
assert message["Subject"] == "Váš export dat z MujDomecek je připraven", message["Subject"]
assert "&lt;script&gt;" in message.get_body(("html",)).get_content()
PY
stop_receiver

# ---- weekly summary: enqueues, never sends; a rerun adds nothing ---------
fresh_db
rm -rf var/mail
sql <<'SQL'
INSERT INTO users (id, email, first_name, preferred_language, created_at) VALUES
 ('00000000-0000-4000-8000-00000000000a', 'jana@example.cz', 'Jana', 'cs', '2026-01-01T00:00:00.000Z'),
 ('00000000-0000-4000-8000-00000000000b', 'petr@example.cz', 'Petr', 'en', '2026-01-01T00:00:00Z');
INSERT INTO user_preferences (user_id, email_weekly_summary) VALUES
 ('00000000-0000-4000-8000-00000000000a', 1), ('00000000-0000-4000-8000-00000000000b', 1);
INSERT INTO invitations (id, token_hash, target_type, target_id, email, expires_at, created_at, created_by)
 VALUES ('00000000-0000-4000-8000-000000000601', 'h1', 'property', 'p1', 'jana@example.cz',
         '2026-11-30T00:00:00Z', '2026-11-20T10:00:00Z', '00000000-0000-4000-8000-00000000000b');
SQL
check "weekly summary: run-job succeeds" jobs_bin --now 2026-11-23T09:00:00Z run-job WeeklySummaryEmail
contains "weekly summary: one email, one quiet user" "$T/out" 'users=2 emails=1 already=0 quiet=1'
check "weekly summary: the email is queued, not sent" test ! -d var/mail
check "weekly summary: unique per user and ISO week" test "$(sql "SELECT unique_key FROM jobs WHERE type = 'send_email'")" = "weekly_summary:00000000-0000-4000-8000-00000000000a:2026-W48"
check "weekly summary: rerun succeeds" jobs_bin --now 2026-11-23T10:00:00Z run-job WeeklySummaryEmail
contains "weekly summary: rerun enqueues nothing" "$T/out" 'emails=0 already=1'
check "weekly summary: still one send_email" test "$(sql "SELECT count(*) FROM jobs WHERE type = 'send_email'")" = 1
check "weekly summary: the queued email is delivered" jobs_bin run --drain
check "weekly summary: it reads as the weekly summary" "$PY" - var/mail/new/*.eml <<'PY'
import sys
from email import policy
from email.parser import BytesParser
m = BytesParser(policy=policy.default).parse(open(sys.argv[1], "rb"))
assert m["Subject"] == "Váš týdenní souhrn z MujDomecek", m["Subject"]
assert m["To"].addresses[0].addr_spec == "jana@example.cz"
assert "16. 11. 2026" in m.get_body(("plain",)).get_content()
PY
