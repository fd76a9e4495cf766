/*
 * sdnotify.c - the sd_notify(3) protocol: one datagram to $NOTIFY_SOCKET.
 *
 * The protocol is small enough that linking libsystemd (and its
 * dependencies, on a Raspberry Pi) is not worth it: a Unix datagram socket,
 * a path or an abstract name ('@' stands for the leading NUL byte, and the
 * address length must then not include a terminator), one sendto(). The
 * kernel attaches our credentials, which is how systemd knows the message
 * comes from the main process. A fresh socket per message: messages are
 * rare (start, stop, a watchdog ping every few seconds at most), and no
 * descriptor is kept that a fork could inherit.
 */
#include "base/sdnotify.h"
#include "base/err.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Fills addr from $NOTIFY_SOCKET; *len 0 when there is none. */
static int notify_address(struct sockaddr_un *addr, socklen_t *len,
			  struct err *e)
{
	const char *name = getenv("NOTIFY_SOCKET");
	size_t n;

	*len = 0;
	if (!name || !*name)
		return 0;
	n = strlen(name);
	if (name[0] != '/' && name[0] != '@')
		return err_set(e, ERR_INVALID,
			       "NOTIFY_SOCKET '%s': only an absolute path "
			       "or an @abstract name is supported",
			       name);
	if (n >= sizeof(addr->sun_path))
		return err_set(e, ERR_INVALID,
			       "NOTIFY_SOCKET '%s' is longer than %zu bytes",
			       name, sizeof(addr->sun_path) - 1);
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	memcpy(addr->sun_path, name, n);
	if (name[0] == '@') {
		addr->sun_path[0] = '\0';
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		*len =
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	}
	return 0;
}

int sdnotify_send(const char *message, struct err *e)
{
	struct sockaddr_un addr;
	socklen_t len;
	ssize_t sent;
	int fd, rc, saved;

	if ((rc = notify_address(&addr, &len, e)) || len == 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(e, ERR_IO, "NOTIFY_SOCKET: socket: %s",
			       strerror(errno));
	sent = sendto(fd, message, strlen(message), MSG_NOSIGNAL,
		      (const struct sockaddr *)&addr, len);
	saved = errno;
	close(fd);
	if (sent < 0)
		return err_set(e, ERR_IO, "NOTIFY_SOCKET %s: %s",
			       getenv("NOTIFY_SOCKET"), strerror(saved));
	return 0;
}

int64_t sdnotify_watchdog_ms(void)
{
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	char *end;
	long long value;

	if (!usec || !*usec)
		return 0;
	if (pid && *pid && strtoll(pid, &end, 10) != (long long)getpid())
		return 0;
	errno = 0;
	value = strtoll(usec, &end, 10);
	if (errno || *end || value <= 0)
		return 0;
	/* Half the interval, as sd_watchdog_enabled(3) advises; at least 1 ms.
	 */
	return value / 2000 > 0 ? value / 2000 : 1;
}
