# The amd64 package in empty scratch roots (dpkg --root, the scripts run
# chrootless with DPKG_ROOT): lintian, contents and
# modes, install (user, state directory, config for the service's group,
# migrated database, unit enabled, the welcome text), an upgrade to a next
# build with a new migration over a database with demo data and a changed
# config (data and config survive, the migration ran, the backup copy made
# by the old version's own `backup` exists), an upgrade refused when that
# backup fails, remove (keeps data and config) and purge (deletes them).
. "$(cd "$(dirname "$0")" && pwd)/lib.bash"
setup
export LC_ALL=C.UTF-8
DEB=$DEB_DIR/domecek-jobs_${VERSION}_amd64.deb
if [ ! -f "$DEB" ]; then
	not_ok "the amd64 package of $VERSION was built" "no $DEB: run make deb"
	exit 1
fi
ok "the amd64 package of $VERSION was built"
lint "lintian: no error or warning on the amd64 package" "$DEB"

# --- what the package holds -------------------------------------------
dpkg-deb -c "$DEB" | awk '{ print $1, $2, $6 }' >contents.txt
for line in "-rwxr-xr-x root/root ./usr/bin/domecek-jobs" \
	"-rw-r--r-- root/root ./usr/share/man/man1/domecek-jobs.1.gz" \
	"-rw-r--r-- root/root ./lib/systemd/system/domecek-jobs.service" \
	"-rw-r--r-- root/root ./usr/lib/sysusers.d/domecek-jobs.conf" \
	"-rw-r--r-- root/root ./usr/lib/tmpfiles.d/domecek-jobs.conf" \
	"-rw-r--r-- root/root ./etc/domecek/appsettings.json"; do
	contains "the package has ${line##* } (${line%% *})" contents.txt "$line"
done
dpkg-deb -I "$DEB" conffiles >conffiles.txt
contains "the config is a conffile" conffiles.txt /etc/domecek/appsettings.json
dpkg-deb -f "$DEB" Depends >depends.txt
for lib in libc6 libsqlite3-0 libcurl4 libcjson1 libarchive13 libmbedcrypto7 libmicrohttpd12 systemd; do
	contains "dh_shlibdeps/misc: it depends on $lib" depends.txt "$lib"
done
dpkg-deb --fsys-tarfile "$DEB" | tar -xO ./lib/systemd/system/domecek-jobs.service >unit.txt
contains "the unit runs /usr/bin/domecek-jobs" unit.txt "ExecStart=/usr/bin/domecek-jobs run"

# --- install -----------------------------------------------------------
R=$T/root
scratch_root "$R"
check "dpkg -i into a scratch root" dpkg_in "$R" -i "$DEB"
cp "$T/out" install.txt
sed 's/^/# /' install.txt | head -n 30
dpkg_in "$R" -s domecek-jobs >status.txt 2>&1
contains "dpkg knows it as installed" status.txt "Status: install ok installed"
check "the installed binary runs --version" "$R/usr/bin/domecek-jobs" --version
contains "and prints $VERSION" "$T/out" "domecek-jobs $VERSION (schema"
schema=$(sed -n 's/.*(schema \([0-9]*\)).*/\1/p' "$T/out")
contains "the system user domecek exists in the root" "$R/etc/passwd" "domecek:"
check "/var/lib/domecek belongs to domecek, mode 750" \
	test "$(owner_name "$R" /var/lib/domecek) $(stat -c %a "$R/var/lib/domecek")" = "domecek:domecek 750"
check "the config is root:domecek, mode 640 (it may hold secrets)" \
	test "$(owner_name "$R" /etc/domecek/appsettings.json) $(stat -c %a "$R/etc/domecek/appsettings.json")" = "root:domecek 640"
check "the config is the default one" cmp "$REPO/assets/appsettings.json" "$R/etc/domecek/appsettings.json"
DB=$R/var/lib/domecek/domecek.db
check "postinst migrated a database" test "$(sqlite3 "$DB" 'PRAGMA user_version')" = "$schema"
check "which belongs to domecek" test "$(owner_name "$R" /var/lib/domecek/domecek.db)" = "domecek:domecek"
check "the unit is enabled" test -L "$R/etc/systemd/system/multi-user.target.wants/domecek-jobs.service"
contains "postinst says where the dashboard is" install.txt "Dashboard: http://127.0.0.1:8080/jobs"
contains "and how to set the admin password" install.txt "domecek-jobs passwd"
contains "and that it started no service here" install.txt "systemd is not running here"

# --- a household and a changed config ------------------------------------
as_service() { # the installed binary on the root's config and database
	(cd "$R/var/lib/domecek" && DOMECEK_CONFIG="$R/etc/domecek/appsettings.json" \
		DOMECEK_DB="$DB" "$R/usr/bin/domecek-jobs" "$@")
}
check "demo data in the installed database" as_service --now 2026-11-28T20:00:00Z demo
fingerprint() { sqlite3 "$1" '.dump users zaznamy zaznam_dokumenty activities notifications' | md5sum; }
before=$(fingerprint "$DB")
users=$(sqlite3 "$DB" 'SELECT count(*) FROM users')
check "the demo has users" test "$users" -gt 0
sed -i 's/"Keep": 7/"Keep": 14/' "$R/etc/domecek/appsettings.json"
contains "the owner changed the config" "$R/etc/domecek/appsettings.json" '"Keep": 14'

# --- the next version: a new migration and a changed default config ------
next_schema=$((schema + 1))
NEXT=$(next_version)
check "tools/build-deb --version $NEXT builds the next package" build_next
NEXT_DEB=$(next_deb amd64)

# --- upgrade ---------------------------------------------------------------
# --force-confold answers dpkg's question about the changed config as a Pi
# owner keeping their own would (apt asks it on a terminal).
check "dpkg -i of the next version upgrades" dpkg_in "$R" --force-confold -i "$NEXT_DEB"
cp "$T/out" upgrade.txt
sed 's/^/# /' upgrade.txt | head -n 30
dpkg_in "$R" -s domecek-jobs >status.txt 2>&1
contains "dpkg has the next version installed" status.txt "Version: $NEXT"
check "the binary is the next one" "$R/usr/bin/domecek-jobs" --version
contains "it prints $NEXT" "$T/out" "domecek-jobs $NEXT (schema $next_schema)"
contains "postinst migrated" upgrade.txt "migrated from schema version $schema to $next_schema"
check "the database has the new schema" test "$(sqlite3 "$DB" 'PRAGMA user_version')" = "$next_schema"
check "the new migration's table is there" sqlite3 "$DB" 'SELECT count(*) FROM package_upgrade_probe'
check "the demo data survived unchanged" test "$(fingerprint "$DB")" = "$before"
contains "the owner's config survived" "$R/etc/domecek/appsettings.json" '"Keep": 14'
check "the new default config lies beside it" grep -q '"Keep": 8' "$R/etc/domecek/appsettings.json.dpkg-dist"
check "the config is still root:domecek, mode 640" \
	test "$(owner_name "$R" /etc/domecek/appsettings.json) $(stat -c %a "$R/etc/domecek/appsettings.json")" = "root:domecek 640"
check "not a welcome text again" test -z "$(grep 'Dashboard:' upgrade.txt)"
ls "$R"/var/lib/domecek/backups/before-"$NEXT"-*.db >backups.txt 2>/dev/null
check "prerm made one backup copy before the upgrade" test "$(wc -l <backups.txt)" -eq 1
bak=$(head -n 1 backups.txt)
check "its name is dated" bash -c '[[ $1 =~ ^before-.+-[0-9]{8}T[0-9]{6}Z\.db$ ]]' _ "$(basename "$bak")"
check "the backup passes integrity_check" test "$(sqlite3 "$bak" 'PRAGMA integrity_check')" = ok
check "it has the old schema" test "$(sqlite3 "$bak" 'PRAGMA user_version')" = "$schema"
check "and the demo data" test "$(fingerprint "$bak")" = "$before"
check "it belongs to domecek" test "$(owner_name "$R" "${bak#"$R"}")" = "domecek:domecek"

# --- no backup, no upgrade ---------------------------------------------
R2=$T/root2
scratch_root "$R2"
check "a second root with $VERSION" dpkg_in "$R2" -i "$DEB"
echo "not a database" >"$R2/var/lib/domecek/domecek.db"
expect_exit 1 "an upgrade whose backup fails is refused" dpkg_in "$R2" -i "$NEXT_DEB"
contains "prerm says why" "$T/out" "the backup before the upgrade to $NEXT failed; not upgrading"
dpkg_in "$R2" -s domecek-jobs >status2.txt 2>&1
contains "the old version stays installed" status2.txt "Version: $VERSION"
contains "and configured" status2.txt "Status: install ok installed"
check "its binary is the old one" "$R2/usr/bin/domecek-jobs" --version
contains "printing $VERSION" "$T/out" "domecek-jobs $VERSION (schema"

# --- remove, purge -------------------------------------------------------
check "dpkg -r removes it" dpkg_in "$R" -r domecek-jobs
contains "postrm says what it kept" "$T/out" "are kept; apt purge domecek-jobs deletes them"
check "the binary is gone" test ! -e "$R/usr/bin/domecek-jobs"
check "the database stays" test "$(fingerprint "$DB")" = "$before"
check "the backups stay" test -f "$bak"
contains "the config stays" "$R/etc/domecek/appsettings.json" '"Keep": 14'
check "the purge deletes it all" dpkg_in "$R" -P domecek-jobs
check "/var/lib/domecek is gone" test ! -e "$R/var/lib/domecek"
check "/etc/domecek is gone" test ! -e "$R/etc/domecek"
dpkg_in "$R" -s domecek-jobs >status.txt 2>&1
check "dpkg forgot the package" grep -q "not installed" status.txt
