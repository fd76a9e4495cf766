# The amd64 package installed with apt as README says, on a copy of this
# very system: an overlay over / (its upper layer in memory) in a private
# mount and network namespace, entered with chroot, so that nothing reaches
# the real system and port 8080 is free. The libraries are installed, so
# apt needs no network. The maintainer scripts run as on a Pi (no
# DPKG_ROOT; runuser as domecek); systemd, which does not run here, is
# replaced by a systemctl that logs its calls and starts and stops the
# daemon the way the unit does (tests/package/systemctl-stand-in). Checked: apt
# install starts the daemon, whose dashboard answers with the generated
# password and with one set by the printed passwd command; apt upgrade to
# the next build stops it before the backup and starts it after the
# migration, with data and the changed config kept; apt remove stops it and
# keeps the data; apt purge deletes it.
. "$(cd "$(dirname "$0")" && pwd)/lib.bash"
setup
DEB=$DEB_DIR/domecek-jobs_${VERSION}_amd64.deb
if [ ! -f "$DEB" ]; then
	not_ok "the amd64 package of $VERSION was built" "no $DEB: run make deb"
	exit 1
fi
check "the next package is there (tools/build-deb --version $(next_version))" build_next
RES=$T/res
mkdir -p "$RES" "$T/ov"
cp "$DEB" "$RES/old.deb"
cp "$(next_deb amd64)" "$RES/next.deb"
cp "$HERE/../integration/lib.bash" "$HERE/../integration/http_lib.bash" "$RES/"
install -m 0755 "$HERE/systemctl-stand-in" "$RES/systemctl"
echo "$VERSION $(next_version)" >"$RES/versions"

cat >"$RES/inside.sh" <<'INSIDE'
# Runs in the chroot: TAP lines on stdout.
BIN=/usr/bin/domecek-jobs
. /res/lib.bash
. /res/http_lib.bash
setup
read -r VERSION NEXT </res/versions
export DEBIAN_FRONTEND=noninteractive
URL=http://127.0.0.1:8080
STATE=/var/lib/domecek
as_domecek() { (cd "$STATE" && runuser -u domecek -- env DOMECEK_CONFIG=/etc/domecek/appsettings.json "$@"); }
# The running daemon's jobs may change records, activities, invitations and
# what sync applies; users and contacts are only the app's.
fingerprint() { sqlite3 "$1" '.dump users contacts' | md5sum; }
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }

check "apt-get install /res/old.deb (domecek-jobs $VERSION)" apt-get install -y --no-install-recommends /res/old.deb
cp "$T/out" install.txt
grep -E '^(Setting up|Creating|database|domecek-jobs:|  [A-Z])' install.txt | sed 's/^/# /'
contains "postinst says the service is started" install.txt "the service domecek-jobs is enabled and started."
contains "systemd was asked to start it after the migration" /res/systemctl.log "start domecek-jobs.service backups=0 schema="
check "the daemon answers on the dashboard's address" wait_http 8080
check "the daemon runs as domecek" test "$(ps -o user= -p "$(cat /run/domecek-jobs.pid)")" = domecek
[ "$(code "$URL/jobs/")" = 303 ] && ok "the dashboard asks for a login" || not_ok "the dashboard asks for a login"
PASSWORD=$(sed -n 's/.*password_generated password=\([^ ]*\) .*/\1/p' /res/daemon.log | head -n 1)
check "the daemon logged a generated password once" test -n "$PASSWORD"
[ "$(login "$PASSWORD")" = 303 ] && ok "it logs in to the dashboard" || not_ok "it logs in to the dashboard"
[ "$(code -b "$T/cookies" "$URL/jobs/")" = 200 ] && ok "the overview is shown" || not_ok "the overview is shown"
# The passwd command postinst printed, as the admin types it (sudo -u is
# runuser -u here: no sudo in this system).
cmd=$(grep -o 'cd /var/lib/domecek && sudo -u domecek .* domecek-jobs passwd' install.txt | head -n 1)
check "postinst printed a passwd command" test -n "$cmd"
check "it sets a password" bash -c "{ ${cmd/sudo -u domecek/runuser -u domecek -- env}; } <<<'a-new-password-2026'"
rm -f "$T/cookies"
[ "$(login a-new-password-2026)" = 303 ] && ok "the new password logs in" || not_ok "the new password logs in"

check "demo data while the daemon runs" as_domecek domecek-jobs --now 2026-11-28T20:00:00Z demo
check "the demo has users" test "$(sqlite3 "$STATE/domecek.db" 'SELECT count(*) FROM users')" -gt 0
before=$(fingerprint "$STATE/domecek.db")
sed -i 's/"Keep": 7/"Keep": 14/' /etc/domecek/appsettings.json
: >/res/systemctl.log

check "apt-get install /res/next.deb upgrades (keeping the changed config)" \
	apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confold /res/next.deb
grep -E '^(Setting up|Unpacking|database|backed up)' "$T/out" | sed 's/^/# /'
sed 's/^/# systemctl /' /res/systemctl.log
grep -E '^(stop|start) ' /res/systemctl.log >calls.txt
schema=$(sqlite3 "$(ls $STATE/backups/before-*.db | head -n 1)" 'PRAGMA user_version')
check "stop before the backup, start after the migration" \
	test "$(cat calls.txt)" = "$(printf 'stop domecek-jobs.service backups=0 schema=%s\nstart domecek-jobs.service backups=1 schema=%s' "$schema" "$((schema + 1))")"
contains "the old daemon stopped on SIGTERM" /res/daemon.log "daemon.stopped"
check "the new daemon answers" wait_http 8080
check "it is the next version" curl -s -o /dev/null "$URL/health/jobs"
as_domecek domecek-jobs --version >version.txt 2>&1
contains "the installed binary is $NEXT" version.txt "domecek-jobs $NEXT"
check "the demo data is unchanged" test "$(fingerprint "$STATE/domecek.db")" = "$before"
contains "the changed config is kept" /etc/domecek/appsettings.json '"Keep": 14'
bak=$(ls "$STATE"/backups/before-"$NEXT"-*.db 2>/dev/null | head -n 1)
check "prerm made a backup copy" test -f "$bak"
check "it holds the same data" test "$(fingerprint "$bak")" = "$before"

check "apt-get remove" apt-get remove -y domecek-jobs
check "stops the daemon" test ! -f /run/domecek-jobs.pid
contains "systemd was asked to stop it" /res/systemctl.log "stop domecek-jobs.service"
check "the data stays" test "$(fingerprint "$STATE/domecek.db")" = "$before"
contains "the config stays" /etc/domecek/appsettings.json '"Keep": 14'
check "apt-get purge" apt-get purge -y domecek-jobs
check "deletes /var/lib/domecek" test ! -e "$STATE"
check "deletes /etc/domecek" test ! -e /etc/domecek
INSIDE

# The namespace: overlay root, /proc, /dev, empty /tmp and /run (with
# /run/systemd/system, the sign that systemd runs), /res, the stand-in.
unshare -m -n --propagation private bash -s "$T/ov" "$RES" <<'NS'
set -e
O=$1
RES=$2
ip link set lo up
mount -t tmpfs tmpfs "$O"
mkdir -p "$O/upper" "$O/work" "$O/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$O/upper,workdir=$O/work" "$O/root"
mount --bind /proc "$O/root/proc"
mount --rbind /dev "$O/root/dev"
mount -t tmpfs tmpfs "$O/root/tmp"
mount -t tmpfs tmpfs "$O/root/run"
mkdir -p "$O/root/run/systemd/system" "$O/root/res"
mount --bind "$RES" "$O/root/res"
# apt runs dpkg with PATH=/usr/sbin:/usr/bin:/sbin:/bin, so the stand-in
# takes systemctl's own place (in the overlay only). A container's
# policy-rc.d forbids starting services; a Pi has none.
mv "$O/root/usr/bin/systemctl" "$O/root/usr/bin/systemctl.real"
install -m 0755 "$RES/systemctl" "$O/root/usr/bin/systemctl"
rm -f "$O/root/usr/sbin/policy-rc.d"
chroot "$O/root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root LC_ALL=C.UTF-8 TZ=UTC bash /res/inside.sh
NS
rc=$?
# A daemon left by a failed run: stopped by its pid.
for pid in $(cat "$RES/daemon.pids" 2>/dev/null); do
	kill "$pid" 2>/dev/null && ok "(a daemon was left running: stopped)"
done
check "the chroot's test finished" test "$rc" -eq 0
