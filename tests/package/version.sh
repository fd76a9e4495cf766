# One version: the first line of debian/changelog. --version prints it, the
# built packages carry it, and the man page and the README say the same.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../integration/lib.bash"
setup
REPO=$(cd "$HERE/../.." && pwd)

v=$(dpkg-parsechangelog -l "$REPO/debian/changelog" -S Version)
check "debian/changelog names a version" test -n "$v"
echo "# version $v"

"$BIN" --version >version.txt 2>&1
contains "--version prints the changelog's version" version.txt "domecek-jobs $v (schema "

grep '^\.TH ' "$REPO/assets/domecek-jobs.1" >th.txt
contains "the man page's .TH names it" th.txt "\"domecek-jobs $v\""

# Every "domecek-jobs X.Y.Z" and every package file name in the README.
grep -oE 'domecek-jobs [0-9]+\.[0-9]+[0-9.~+a-z]*|domecek-jobs_[^_ ]+_' "$REPO/README.md" |
	sort -u >readme-versions.txt
check "the README shows versions" test -s readme-versions.txt
check "the README shows only this one" test -z "$(grep -vxF -e "domecek-jobs $v" -e "domecek-jobs_${v}_" readme-versions.txt)"
sed 's/^/# README: /' readme-versions.txt

for deb in "$REPO/build/deb/domecek-jobs_${v}_"*.deb; do
	if [ ! -f "$deb" ]; then
		not_ok "a package of $v was built (make deb)" "none in $REPO/build/deb"
		continue
	fi
	check "$(basename "$deb") has Version $v" test "$(dpkg-deb -f "$deb" Version)" = "$v"
	mkdir -p x && dpkg-deb -x "$deb" x
	zcat x/usr/share/man/man1/domecek-jobs.1.gz | grep '^\.TH ' >th-deb.txt
	contains "$(basename "$deb") has the man page of $v" th-deb.txt "\"domecek-jobs $v\""
	rm -rf x
done
