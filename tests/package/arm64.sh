# The arm64 package (cross built by `make deb` with dpkg-buildpackage -a
# arm64): lintian, its architecture and library dependencies, and its binary,
# an aarch64 ELF, running --version, migrate and a DST `cron next` under
# qemu-user (Debian's qemu-user-static) with the :arm64 libraries, printing
# what the amd64 binary prints.
. "$(cd "$(dirname "$0")" && pwd)/lib.bash"
setup
export LC_ALL=C.UTF-8
DEB=$DEB_DIR/domecek-jobs_${VERSION}_arm64.deb
if [ ! -f "$DEB" ]; then
	not_ok "the arm64 package of $VERSION was built" "no $DEB: run make deb (on amd64)"
	exit 1
fi
ok "the arm64 package of $VERSION was built"
lint "lintian: no error or warning on the arm64 package" "$DEB"
check "its Architecture is arm64" test "$(dpkg-deb -f "$DEB" Architecture)" = arm64
dpkg-deb -f "$DEB" Depends >depends.txt
for lib in libc6 libsqlite3-0 libcurl4 libcjson1 libarchive13 libmbedcrypto7 libmicrohttpd12; do
	contains "the cross dh_shlibdeps found $lib" depends.txt "$lib"
done

check "dpkg-deb -x unpacks it" dpkg-deb -x "$DEB" x
A=$T/x/usr/bin/domecek-jobs
readelf -h "$A" >elf.txt 2>&1
contains "its binary is a 64-bit ELF" elf.txt "ELF64"
contains "for AArch64" elf.txt "AArch64"

qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)
if [ -z "$qemu" ]; then
	not_ok "qemu-user is installed" "tools/install-deps --package installs qemu-user-static"
	exit 1
fi
check "--version runs under qemu-user" "$qemu" "$A" --version
cp "$T/out" version-arm64.txt
contains "and prints $VERSION" version-arm64.txt "domecek-jobs $VERSION (schema"
"$BIN" --version >native-version.txt
check "the same as the amd64 binary" cmp native-version.txt version-arm64.txt
schema=$(sed -n 's/.*(schema \([0-9]*\)).*/\1/p' native-version.txt)
check "migrate creates a database under qemu-user" "$qemu" "$A" --db "$T/d.db" migrate
check "at the latest schema" test "$(sqlite3 "$T/d.db" 'PRAGMA user_version')" = "$schema"
check "integrity_check is ok" test "$(sqlite3 "$T/d.db" 'PRAGMA integrity_check')" = ok
cron=(cron next '0 2 * * 0' --tz Europe/Prague --from 2026-03-20T00:00:00Z --count 3)
check "cron next across the spring DST change runs under qemu-user" "$qemu" "$A" "${cron[@]}"
cp "$T/out" cron-arm64.txt
sed 's/^/# /' cron-arm64.txt
contains "the Sunday before: 02:00 CET" cron-arm64.txt "2026-03-22T02:00:00+01:00"
contains "the DST Sunday: 02:00 does not exist, 03:00 CEST" cron-arm64.txt "2026-03-29T03:00:00+02:00"
contains "the Sunday after: 02:00 CEST" cron-arm64.txt "2026-04-05T02:00:00+02:00"
"$BIN" "${cron[@]}" >cron-native.txt 2>&1
check "the same fires as the amd64 binary" cmp cron-native.txt cron-arm64.txt
