# `make install` into a DESTDIR: the binary, the man page, the default
# config (never overwritten), the sysusers entry and the systemd unit with
# the PREFIX's paths; `systemd-analyze verify` accepts the unit; the
# installed config used from the unit's WorkingDirectory keeps everything
# under it.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.bash"
setup
REPO=$(cd "$HERE/../.." && pwd)
BUILD_DIR=${BUILD:-build}
install_to() { # DESTDIR PREFIX: -o: never rebuild the tested binary here
	make --no-print-directory -C "$REPO" -o "$BUILD_DIR/domecek-jobs" BUILD="$BUILD_DIR" \
		DESTDIR="$1" PREFIX="$2" install
}
R="$T/root"

check "make install into a DESTDIR" install_to "$R" /usr/local
check "the binary runs" "$R/usr/local/bin/domecek-jobs" --version
check "the man page is installed" cmp "$REPO/assets/domecek-jobs.1" "$R/usr/local/share/man/man1/domecek-jobs.1"
check "the default config is installed" cmp "$REPO/assets/appsettings.json" "$R/etc/domecek/appsettings.json"
check "the config is not world-readable (secrets)" test "$(stat -c %a "$R/etc/domecek/appsettings.json")" = 640
check "the sysusers entry is installed" grep -q '^u domecek ' "$R/usr/lib/sysusers.d/domecek-jobs.conf"
unit="$R/lib/systemd/system/domecek-jobs.service"
check "the unit is installed" test -f "$unit"
contains "it runs the installed binary" "$unit" "ExecStart=/usr/local/bin/domecek-jobs run"
contains "it migrates first" "$unit" "ExecStartPre=/usr/local/bin/domecek-jobs migrate"
for line in Type=notify StateDirectory=domecek WorkingDirectory=/var/lib/domecek \
	Restart=on-failure ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes \
	'ExecReload=/bin/kill -HUP $MAINPID' TimeoutStopSec=10 \
	DOMECEK_CONFIG=/etc/domecek/appsettings.json DOMECEK_DB=/var/lib/domecek/domecek.db; do
	contains "the unit has $line" "$unit" "$line"
done

echo '{ "Jobs": { "Backup": { "Keep": 3 } } }' >"$R/etc/domecek/appsettings.json"
check "make install again" install_to "$R" /usr/local
contains "an existing config is not overwritten" "$R/etc/domecek/appsettings.json" '"Keep": 3'

check "PREFIX=/usr installs there" install_to "$T/usr-root" /usr
contains "and the unit follows PREFIX" "$T/usr-root/lib/systemd/system/domecek-jobs.service" \
	"ExecStart=/usr/bin/domecek-jobs run"

# systemd-analyze verify checks that the commands exist: point them at
# the DESTDIR copy. --man=no: the man page is not in man's path here.
if command -v systemd-analyze >/dev/null; then
	sed "s|/usr/local/bin/|$R/usr/local/bin/|g" "$unit" >"$T/domecek-jobs.service"
	check "systemd-analyze verify accepts the unit" \
		systemd-analyze verify --man=no "$T/domecek-jobs.service"
	sed 's/^/# /' "$T/out"
else
	not_ok "systemd-analyze verify accepts the unit" "systemd-analyze is missing (tools/install-deps installs systemd)"
fi

# The service's view: cwd /var/lib/domecek, the installed default config.
mkdir -p "$T/state"
cp "$REPO/assets/appsettings.json" "$T/config.json"
(
	cd "$T/state" || exit 1
	export DOMECEK_CONFIG="$T/config.json" Http__Enabled=false
	"$R/usr/local/bin/domecek-jobs" migrate &&
		"$R/usr/local/bin/domecek-jobs" --now 2026-11-29T03:30:00Z run-job Backup
) >"$T/out" 2>&1
check "the installed config works from the state directory" test $? -eq 0
check "the database lands in it" test -f "$T/state/domecek.db"
check "and the backups" test -f "$T/state/var/backups/domecek-20261129T033000Z.db"
