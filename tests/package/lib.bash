# Helpers of the package tests (tests/package/*.sh), on top of the
# integration tests' lib.bash.
#
#   REPO, VERSION, DEB_DIR   the repository, debian/changelog's version,
#                            where `make deb` leaves the packages
#   scratch_root DIR         an empty dpkg database in DIR
#   dpkg_in DIR ARGS...      dpkg on that root: the maintainer scripts run
#                            on this system with DPKG_ROOT=DIR (no chroot,
#                            no container; they start no service there), and
#                            the libraries the root lacks are not asked for
#   lint NAME DEB            lintian at its default level: no error, no warning
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../integration/lib.bash"
REPO=$(cd "$HERE/../.." && pwd)
VERSION=$(dpkg-parsechangelog -l "$REPO/debian/changelog" -S Version)
DEB_DIR=$REPO/build/deb

scratch_root() {
	mkdir -p "$1/var/lib/dpkg/info" "$1/var/lib/dpkg/updates"
	: >"$1/var/lib/dpkg/status"
}

dpkg_in() {
	local root=$1
	shift
	dpkg --root="$root" --log=/dev/null --force-script-chrootless --force-depends "$@" </dev/null 2>&1 |
		grep -vE '^ .*(depends on|is not installed|; however:)|dependency problems, but'
	return "${PIPESTATUS[0]}"
}

lint() {
	local name=$1 deb=$2
	if ! command -v lintian >/dev/null; then
		not_ok "$name" "lintian is missing (tools/install-deps --package)"
		return
	fi
	# lintian refuses nothing as root but says so; the tags are what count.
	lintian --fail-on error,warning "$deb" >"$T/lintian.txt" 2>&1
	local rc=$?
	grep -v 'running with root privileges' "$T/lintian.txt" | sed 's/^/# /'
	check "$name" test "$rc" -eq 0
}

# owner_name ROOT PATH: the user:group of PATH by ROOT's own passwd/group.
owner_name() {
	local uid gid
	uid=$(stat -c %u "$1$2")
	gid=$(stat -c %g "$1$2")
	# A scratch root has no root entry: 0 is root.
	echo "$(awk -F: -v id="$uid" 'BEGIN { if (id == 0) print "root" } $3 == id { print $1 }' "$1/etc/passwd"):$(awk -F: -v id="$gid" 'BEGIN { if (id == 0) print "root" } $3 == id { print $1 }' "$1/etc/group")"
}
