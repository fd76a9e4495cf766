#!/usr/bin/env bash
# edges_storage.sh - signed download links against a hostile storage root:
# a link through a symlinked directory or to a symlinked file serves
# nothing (it once served /etc/passwd), a link serves keys under exports/
# only, and a JSON export is sent as application/json.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/http_lib.bash"
setup

SIGNING_KEY=0123456789abcdef0123456789abcdef0123456789abcdef
export Links__SigningKey=$SIGNING_KEY Storage__Local__Root="$T/storage"
jobs_bin migrate >/dev/null

token() { # key expiry_ms
	"$PY" - "$1" "$2" "$SIGNING_KEY" <<'PY'
import base64, hashlib, hmac, sys
key, expiry, secret = sys.argv[1], sys.argv[2], sys.argv[3]
b64 = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")
mac = hmac.new(secret.encode(), (key + "\n" + expiry).encode(), hashlib.sha256).digest()
print(b64(key.encode()) + "." + expiry + "." + b64(mac))
PY
}
code() { curl -s -D "$T/headers" -o "$T/body" -w '%{http_code}' "$@"; }

mkdir -p "$T/outside" "$T/storage/exports/42" "$T/storage/documents/1"
echo "secret outside the root" >"$T/outside/secret.txt"
ln -s "$T/outside" "$T/storage/exports/link"
ln -s /etc "$T/storage/exports/etc"
ln -s "$T/outside/secret.txt" "$T/storage/exports/42/export_link.zip"
echo '{"user":"42"}' >"$T/storage/exports/42/export_1.json"
head -c 300 /dev/urandom >"$T/storage/exports/42/export_1.zip"
echo "a document" >"$T/storage/documents/1/photo.jpg"

PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
check "daemon serves HTTP" start_daemon "$PORT"
EXP=$((($(date +%s) + 3600) * 1000))

for key in exports/link/secret.txt exports/etc/passwd exports/42/export_link.zip; do
	got=$(code "$URL/exports/$(token "$key" $EXP)")
	if [ "$got" = 404 ] && ! grep -q "secret outside\|root:" "$T/body"; then
		ok "signed link to $key through a symlink serves nothing (404)"
	else
		not_ok "signed link to $key through a symlink serves nothing (404)" "got $got" "$(head -c 200 "$T/body")"
	fi
done
contains "the refusal is logged with the key" "$T/daemon.log" 'exports/link/secret.txt\" refused'

[ "$(code "$URL/exports/$(token documents/1/photo.jpg $EXP)")" = 403 ] &&
	ok "a signed link outside exports/ is refused (403)" ||
	not_ok "a signed link outside exports/ is refused (403)" "$(cat "$T/body")"
not_contains "the document is not sent" "$T/body" "a document"

[ "$(code "$URL/exports/$(token exports/42/export_1.json $EXP)")" = 200 ] &&
	ok "a JSON export downloads" || not_ok "a JSON export downloads" "$(cat "$T/body")"
contains "a JSON export is application/json" "$T/headers" "Content-Type: application/json"
check "the JSON body is the file" cmp "$T/body" "$T/storage/exports/42/export_1.json"
[ "$(code "$URL/exports/$(token exports/42/export_1.zip $EXP)")" = 200 ] &&
	ok "a ZIP export downloads" || not_ok "a ZIP export downloads"
contains "a ZIP export is application/zip" "$T/headers" "Content-Type: application/zip"
