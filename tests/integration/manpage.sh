# The man page domecek-jobs(1): renders without a warning, every command in
# its COMMANDS section answers --help, it lists every command the binary
# lists, and every key of `config show` is described in it.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.bash"
setup
PAGE="$HERE/../../assets/domecek-jobs.1"
export LC_ALL=C.UTF-8

if ! command -v groff >/dev/null; then
	not_ok "groff is installed (tools/install-deps: groff-base)"
	exit 1
fi
groff -man -Tutf8 -ww -z "$PAGE" 2>warnings.txt
check "groff renders it" test $? -eq 0
check "without a warning" test ! -s warnings.txt
sed 's/^/# /' warnings.txt
if command -v man >/dev/null; then
	MANWIDTH=80 man -l --warnings "$PAGE" >/dev/null 2>man-warnings.txt
	check "man -l shows it without a warning" test ! -s man-warnings.txt
fi
# Plain text, one long line per paragraph, no bold or underline marks.
groff -man -Tascii -P-cbou -rLL=300n "$PAGE" 2>/dev/null >page.txt

# (b) the COMMANDS section: tag lines are indented 7 spaces; a command is
# its leading lowercase words ("jobs list", "run-job").
sed -n '/^COMMANDS/,/^CONFIGURATION/p' page.txt |
	grep -E '^ {7}[a-z]' |
	awk '{ cmd = ""; for (i = 1; i <= NF && $i ~ /^[a-z][a-z-]*$/; i++) cmd = cmd (cmd ? " " : "") $i; print cmd }' \
		>man-commands.txt
check "the COMMANDS section lists commands" test "$(wc -l <man-commands.txt)" -ge 20
while read -r cmd; do
	# shellcheck disable=SC2086
	expect_exit 0 "'$cmd --help' answers" "$BIN" $cmd --help
	contains "'$cmd --help' prints its usage" "$T/out" "usage: domecek-jobs $cmd"
done <man-commands.txt
"$BIN" --help | sed -n '/^Commands:/,/^$/p' | grep -E '^  [a-z]' |
	sed -E 's/^  (.{20}).*/\1/; s/ +$//' >bin-commands.txt
while read -r cmd; do
	check "'$cmd' from --help is in the man page" grep -qxF -- "$cmd" man-commands.txt
done <bin-commands.txt

# (c) every key of config show; the common keys of a recurring job are
# described once as Jobs.<Name>.Key beside the list of jobs.
"$BIN" config show | /usr/bin/python3 -c '
import json, sys
def walk(path, value):
    if isinstance(value, dict):
        for k, v in value.items():
            walk(path + [k], v)
    else:
        print(".".join(path))
walk([], json.load(sys.stdin))' >keys.txt
check "config show has keys" test "$(wc -l <keys.txt)" -ge 100
described() {
	local key=$1
	grep -qF -- "$key" page.txt && return 0
	[[ "$key" =~ ^(Jobs\.[A-Za-z]+)\.(Enabled|CronSchedule|TimeZone|Misfire|BatchSize)$ ]] &&
		grep -qE "(^| )${BASH_REMATCH[1]//./\\.}( |$)" page.txt &&
		grep -qF "Jobs.<Name>.${BASH_REMATCH[2]}" page.txt
}
missing=()
while read -r key; do described "$key" || missing+=("$key"); done <keys.txt
if [ ${#missing[@]} -eq 0 ]; then ok "every config key is in the man page"; else
	not_ok "every config key is in the man page" "missing: ${missing[*]}"
fi
for section in "EXIT STATUS" ENVIRONMENT FILES; do
	check "it has $section" grep -qx "$section" page.txt
done
