/*
 * sdnotify.h - telling systemd how the daemon is doing, without libsystemd.
 *
 * Under a Type=notify unit systemd passes a datagram socket in
 * $NOTIFY_SOCKET (a path, or an abstract name written with a leading '@')
 * and waits for "READY=1" before it counts the service as started. The
 * messages are newline-separated VAR=value lines (sd_notify(3)): READY=1,
 * STOPPING=1, STATUS=free text for `systemctl status`, WATCHDOG=1.
 *
 * Outside systemd ($NOTIFY_SOCKET unset or empty) every call does nothing
 * and succeeds, so callers never need to ask where they run.
 */
#ifndef DOMECEK_SDNOTIFY_H
#define DOMECEK_SDNOTIFY_H

#include <stdint.h>

struct err;

/* Sends message (e.g. "READY=1\nSTATUS=leader") in one datagram. Returns
 * 0 when sent or when there is no $NOTIFY_SOCKET; ERR_INVALID for an
 * address this module cannot use (relative, too long, vsock:), ERR_IO when
 * the send failed (the error names the socket). */
int sdnotify_send(const char *message, struct err *e);

/* How often to send WATCHDOG=1: half of $WATCHDOG_USEC, in milliseconds,
 * when that is set and $WATCHDOG_PID is unset or this process; else 0
 * (no watchdog asked for). */
int64_t sdnotify_watchdog_ms(void);

#endif
