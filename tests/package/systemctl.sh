#!/bin/sh
# A stand-in for systemctl inside system.sh's chroot, where systemd does not
# run. It logs each call to /res/systemctl.log with the number of backup
# copies and the database's schema at that moment (so the test sees what
# happened before a stop and before a start), and starts and stops
# domecek-jobs the way its unit does: migrate first, then `run` as the user
# domecek in /var/lib/domecek with the unit's environment; stop is SIGTERM
# and waits for the exit. Its stdout and stderr are the "journal",
# /res/daemon.log. Only what deb-systemd-helper, deb-systemd-invoke and the
# package's scripts ask is answered; offline work on unit files (`--root=/
# preset`, which enables the unit on a first install) is done by the real
# systemctl, kept as systemctl.real.
state=/var/lib/domecek
pidfile=/run/domecek-jobs.pid
wants=/etc/systemd/system/multi-user.target.wants
case " $* " in *" --root="*) exec /usr/bin/systemctl.real "$@" ;; esac
words=
for a in "$@"; do
	case "$a" in --*) ;; *) words="$words $a" ;; esac
done
# shellcheck disable=SC2086
set -- $words
echo "$* backups=$(ls "$state/backups" 2>/dev/null | wc -l) schema=$(sqlite3 "$state/domecek.db" 'PRAGMA user_version' 2>/dev/null)" >>/res/systemctl.log
running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
as_unit() { # exec: in the background, $! is the daemon itself
	cd "$state" && exec setpriv --reuid=domecek --regid=domecek --init-groups \
		env -i PATH=/usr/bin:/bin DOMECEK_CONFIG=/etc/domecek/appsettings.json \
		DOMECEK_DB="$state/domecek.db" "$@"
}
case "$1" in
--version) echo "systemd 252 (252)" ;;
list-units | daemon-reload) ;;
is-enabled)
	for u in "$wants"/*; do [ "$(basename "$u")" = "$2" ] && echo enabled && exit 0; done
	echo disabled
	exit 1
	;;
is-active) running ;;
start)
	running && exit 0
	(as_unit /usr/bin/domecek-jobs migrate) >>/res/daemon.log 2>&1 || exit 1
	(as_unit /usr/bin/domecek-jobs run) >>/res/daemon.log 2>&1 &
	echo $! >"$pidfile"
	echo $! >>/res/daemon.pids
	;;
stop)
	running || exit 0
	pid=$(cat "$pidfile")
	kill -TERM "$pid"
	timeout 10 tail --pid="$pid" -f /dev/null
	rm -f "$pidfile"
	;;
*) echo "systemctl stand-in: $* is not answered" >&2; exit 1 ;;
esac
