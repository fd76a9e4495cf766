#!/usr/bin/env bash
# `demo` stores its document files where the daemon looks for them:
# under Storage.Local.Root, or in the bucket with Storage.Provider=S3
# (s3rver from npm, as in s3.sh: installed into tests/.node, started on a
# free loopback port with a temp directory and stopped by pid; without the
# npm registry this test FAILS, it never skips). Every stored file is a
# byte-for-byte copy of a fixture in assets/demo/.
. "$(dirname "$0")/lib.bash"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NODE_DIR="$ROOT/tests/.node"
NOW=2026-11-28T20:00:00Z
setup

# sha256 of every fixture, one per line.
sha256sum "$ROOT"/assets/demo/*.jpg "$ROOT"/assets/demo/*.png \
	"$ROOT"/assets/demo/*.pdf | cut -d' ' -f1 >"$T/fixtures.sha"
keys() { sqlite3 -batch "$1" "SELECT storage_key || ' ' || size_bytes FROM zaznam_dokumenty"; }
# verify KEYS DIR: counts the keys whose file DIR/KEY is missing, has
# another size than its row says, or is no fixture's copy (one sha256sum
# and one stat for all files: a loop of processes is slow on a busy box).
verify() {
	local key size bad=0 files=() sizes=() i
	while read -r key size; do
		files+=("$2/$key")
		sizes+=("$size")
	done <"$1"
	sha256sum "${files[@]}" 2>/dev/null | cut -d' ' -f1 >"$T/got.sha"
	stat -c %s "${files[@]}" >"$T/got.size" 2>/dev/null
	[ "$(wc -l <"$T/got.sha")" -eq ${#files[@]} ] || bad=$((bad + 1))
	[ "$(wc -l <"$T/got.size")" -eq ${#files[@]} ] || bad=$((bad + 1))
	i=0
	while read -r size; do
		[ "$size" = "${sizes[$i]}" ] || bad=$((bad + 1))
		i=$((i + 1))
	done <"$T/got.size"
	bad=$((bad + $(grep -cvxFf "$T/fixtures.sha" "$T/got.sha")))
	echo "$bad"
}

# --- Local --------------------------------------------------------------
jobs_bin migrate >/dev/null
check "demo with Storage.Provider=Local" jobs_bin --now "$NOW" demo
contains "demo says where the files went" "$T/out" "files ("
contains "demo names the local root" "$T/out" "in var/storage"
keys "$T/domecek.db" >"$T/local.keys"
check "demo wrote document rows" test "$(wc -l <"$T/local.keys")" -gt 30
check "every document row's local file is a copy of a fixture with its size" \
	test "$(verify "$T/local.keys" var/storage)" -eq 0
check "no other files under the local root" \
	test "$(find var/storage/documents -type f | wc -l)" -eq "$(wc -l <"$T/local.keys")"

# --- S3 -------------------------------------------------------------------
S3RVER="$NODE_DIR/node_modules/.bin/s3rver"
if [ ! -x "$S3RVER" ]; then
	if ! npm install --prefix "$NODE_DIR" s3rver@3 --no-audit --no-fund >"$T/npm.log" 2>&1; then
		not_ok "npm install s3rver@3 (registry unreachable?)" "$(tail -n 5 "$T/npm.log")"
		exit 1
	fi
fi
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
mkdir -p "$T/s3data"
"$S3RVER" -d "$T/s3data" -a 127.0.0.1 -p "$PORT" -s --configure-bucket domecek >"$T/s3rver.log" 2>&1 &
track_pid $!
for _ in $(seq 1 100); do
	curl -s -o /dev/null "$URL/" && break
	sleep 0.1
done
check "s3rver answers on 127.0.0.1:$PORT" curl -sf -o /dev/null "$URL/domecek"
s3get() { # KEY OUT: GET with curl's own SigV4 signer
	curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
		-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -o "$2" "$URL/domecek/$1"
}

export Storage__Provider=S3 Storage__S3__Endpoint="$URL" \
	Storage__S3__Bucket=domecek Storage__S3__AccessKey=S3RVER \
	Storage__S3__SecretKey=S3RVER Storage__S3__PathStyle=true
mkdir -p "$T/s3" && cd "$T/s3" || exit 1
"$BIN" --db "$T/s3.db" migrate >/dev/null
check "demo with Storage.Provider=S3" "$BIN" --db "$T/s3.db" --now "$NOW" demo
contains "demo names the bucket" "$T/out" "in S3 bucket domecek"
check "nothing was written to the local root" test ! -e "$T/s3/var/storage/documents"
keys "$T/s3.db" >"$T/s3.keys"
check "the same household with S3 as with Local" cmp "$T/local.keys" "$T/s3.keys"
# Every object in one curl run (one connection), into $T/got/KEY.
args=()
while read -r key _; do
	args+=(-o "$T/got/$key" "$URL/domecek/$key")
done <"$T/s3.keys"
check "every document row's object downloads from the bucket" \
	curl -sf --create-dirs --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
	-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "${args[@]}"
check "every object is a copy of a fixture with its row's size" \
	test "$(verify "$T/s3.keys" "$T/got")" -eq 0
check "the bucket lists as many objects as document rows" s3get "?list-type=2&prefix=documents/" "$T/list.xml"
check "the listing has one key per document row" \
	test "$(grep -o '<Key>' "$T/list.xml" | wc -l)" -eq "$(wc -l <"$T/s3.keys")"

# A bucket that does not exist: a clear error, and neither rows nor files.
"$BIN" --db "$T/s3-missing.db" migrate >/dev/null
Storage__S3__Bucket=no-such-bucket expect_exit 1 "demo into a missing bucket fails" \
	"$BIN" --db "$T/s3-missing.db" --now "$NOW" demo
contains "the error names a document file" "$T/out" "demo: cannot store the document file documents/"
check "the failed demo left no users" \
	test "$(sqlite3 -batch "$T/s3-missing.db" 'SELECT count(*) FROM users')" -eq 0
