# layers.sh - the shape of the source: dependencies point down the layers
# (tools/deps over the includes and the symbols of the build's objects),
# every SQL literal is whole (tools/sql-lines), and src/README.md names
# only files and functions that exist.
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
