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
#   next_version, build_next, next_deb ARCH
#                            the "next" package the upgrade tests install:
#                            this source plus one migration, with a changed
#                            default config, as VERSION+upgradetest1, built
#                            once into DEB_DIR/next by tools/build-deb
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

next_version() { echo "${VERSION}+upgradetest1"; }
next_deb() { echo "$DEB_DIR/next/domecek-jobs_$(next_version)_$1.deb"; }

build_next() {
	local deb src n
	deb=$(next_deb amd64)
	if [ -f "$deb" ] && [ "$deb" -nt "$DEB_DIR/domecek-jobs_${VERSION}_amd64.deb" ]; then
		echo "build_next: $deb is newer than the package it follows"
		return 0
	fi
	src=$T/next-src
	mkdir -p "$src"
	if git -C "$REPO" rev-parse >/dev/null 2>&1; then
		(cd "$REPO" && git ls-files -co --exclude-standard -z |
			xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
			tar -c --null -T - -f -) | tar -x -C "$src"
	else
		(cd "$REPO" && tar -c --exclude=./build -f - .) | tar -x -C "$src"
	fi
	n=$(basename "$(ls "$src"/schema/*.sql | tail -n 1)" | sed 's/^0*\([0-9]*\)_.*/\1/')
	printf -- '-- tests/package: proves that the upgrade migrated.\nCREATE TABLE package_upgrade_probe (id INTEGER PRIMARY KEY);\n' \
		>"$src/schema/$(printf %03d $((n + 1)))_package_upgrade_probe.sql"
	sed -i 's/"Keep": 7/"Keep": 8/' "$src/assets/appsettings.json"
	# Objects of `make deb`, copied with their times: only what changed compiles.
	rm -rf "$DEB_DIR/next"
	mkdir -p "$DEB_DIR/next"
	[ ! -d "$DEB_DIR/obj-amd64" ] || cp -a "$DEB_DIR/obj-amd64" "$DEB_DIR/next/obj-amd64"
	"$src/tools/build-deb" --version "$(next_version)" --out "$DEB_DIR/next"
}
