# layers.sh - the shape of the source: dependencies point down the layers
# (tools/deps over the includes and the symbols of the build's objects),
# every SQL literal is whole (tools/sql-lines), make lint's checks pass
# (clang-format and cppcheck), src/README.md names only
# files and functions that exist, and the loop's code sees no blocking
# storage call (tools/deps again, on a copy of the tree with one violation
# at a time, so that the rule is seen to fail).
. "$(dirname "$0")/lib.bash"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1

if tools/deps "$BUILD" >"/tmp/deps.$$" 2>&1; then
	ok "make deps: $(tail -n 1 "/tmp/deps.$$")"
else
	not_ok "make deps: no include or symbol points up a layer or closes a circle" "$(head -n 20 "/tmp/deps.$$")"
fi
rm -f "/tmp/deps.$$"

if out=$(tools/sql-lines --check src/*.c src/*/*.c); then
	ok "no SQL literal is cut mid-clause, no literal of 1-2 characters split off"
else
	not_ok "no SQL literal is cut mid-clause" "$(echo "$out" | head -n 20)"
fi

# make lint (the Makefile is where its checks are defined): clang-format
# would change nothing, every SQL literal is whole, cppcheck finds nothing.
if out=$(make --no-print-directory -s lint 2>&1); then
	ok "make lint: clang-format would change nothing, SQL whole, cppcheck clean"
else
	not_ok "make lint (run make format, read the diff)" "$(echo "$out" | grep -vE '^(clang-format|tools/sql-lines|cppcheck) ' | head -n 10)"
fi

stray=$(find src -maxdepth 1 -name '*.c' ! -name main.c ! -name 'daemon*.c')
if [ -z "$stray" ]; then ok "only the wiring (main.c, daemon.c and its parts) sits directly in src/"
else not_ok "only the wiring sits directly in src/" "$stray"; fi

missing=""
for f in $(grep -oE '`[a-z_]+\.[ch]`|(src|include|tests|tools|assets)/[A-Za-z0-9_./-]+' src/README.md | tr -d '`' | grep -v NAME | sort -u); do
	f=${f%.}
	case "$f" in
	*/*) [ -e "$f" ] || missing="$missing $f" ;;
	*) [ -n "$(find src include -name "$f" | head -n 1)" ] || missing="$missing $f" ;;
	esac
done
if [ -z "$missing" ]; then ok "every file src/README.md names exists"
else not_ok "every file src/README.md names exists" "missing:$missing"; fi

missing=""
for fn in $(grep -oE '`[a-z_]+\(\)`' src/README.md | tr -d '`()' | sort -u); do
	grep -rqE "^([a-z].*[ *])?$fn\(" src tests/unit || missing="$missing $fn"
done
if [ -z "$missing" ]; then ok "every function src/README.md names is defined (src, tests/unit)"
else not_ok "every function src/README.md names is defined (src, tests/unit)" "missing:$missing"; fi

# Nothing blocks the loop, and the rule can fail: tools/deps runs on a copy
# of the tree (src, include and tools/deps; an empty or one-object build)
# with one violation at a time, and must name it.
F=$(mktemp -d /tmp/domecek-deps.XXXXXX)
trap 'rm -rf "$F"' EXIT
mkdir -p "$F/tools" "$F/build/src"
cp tools/deps "$F/tools/" && cp -r src include "$F/"
deps_fixture() { # name, text the report must hold (empty: must pass)
	local out rc
	out=$("$F/tools/deps" build 2>&1)
	rc=$?
	if [ -z "$2" ]; then
		if [ $rc -eq 0 ]; then ok "$1"; else not_ok "$1" "$(echo "$out" | head -n 5)"; fi
	elif [ $rc -ne 0 ] && grep -qF -- "$2" <<<"$out"; then
		ok "$1"
	else
		not_ok "$1" "exit $rc, expected a report holding: $2" "$(echo "$out" | head -n 5)"
	fi
}
deps_fixture "deps on the copy of the tree passes (the fixture itself is clean)" ""

echo '#include "storage/storage_blocking.h"' >"$F/src/jobs/zz_bad.c"
deps_fixture "deps fails when a job includes storage/storage_blocking.h" \
	'src/jobs/zz_bad.c: #include "storage/storage_blocking.h": the daemon'"'"'s loop may not see the blocking storage calls'
rm "$F/src/jobs/zz_bad.c"

echo '#include "../storage/storage_impl.h"' >"$F/src/http/zz_bad.c"
deps_fixture "deps fails when HTTP reaches the blocking calls through another header" \
	"src/http/zz_bad.c: #include \"../storage/storage_impl.h\" (it includes include/storage/storage_blocking.h)"
rm "$F/src/http/zz_bad.c"

echo '#include "storage/storage_blocking.h"' >"$F/src/demo/zz_ok.c"
deps_fixture "deps lets the demo (run from the CLI) include storage/storage_blocking.h" ""
rm "$F/src/demo/zz_ok.c"

mkdir -p "$F/build/src/app"
printf 'int storage_stat(void);\nint zz_bad(void) { return storage_stat(); }\n' >"$F/zz_bad.c"
if cc -std=c11 -c -o "$F/build/src/app/zz_bad.o" "$F/zz_bad.c"; then
	deps_fixture "deps fails when app code calls storage_stat without any include (link view)" \
		"src/app/zz_bad.c: uses storage_stat, declared in include/storage/storage_blocking.h"
else
	not_ok "deps fails when app code calls storage_stat (link view)" "cannot compile the fixture object"
fi
rm -f "$F/build/src/app/zz_bad.o"

rm "$F/include/storage/storage_blocking.h"
deps_fixture "deps fails when the blocking header is gone (the rule cannot check nothing)" \
	"include/storage/storage_blocking.h: cannot read it"
