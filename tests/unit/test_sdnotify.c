/*
 * test_sdnotify.c - sd_notify without libsystemd: datagrams reach a path
 * socket and an abstract one, nothing happens outside systemd, bad
 * addresses and a missing listener are errors that name the socket, and
 * the watchdog interval follows WATCHDOG_USEC / WATCHDOG_PID.
 */
/* cmocka.h needs these first */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include "base/err.h"
#include "base/sdnotify.h"
#include "testdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* A receiving socket at name ('@' = abstract), as systemd would hold. */
static int listen_at(const char *name)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	memcpy(addr.sun_path, name, n);
	if (name[0] == '@')
		addr.sun_path[0] = '\0';
	else
		len++;
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, len), 0);
	return fd;
}

static void expect_datagram(int fd, const char *text)
{
	char got[256];
	ssize_t n = recv(fd, got, sizeof(got) - 1, 0);

	assert_true(n >= 0);
	got[n] = '\0';
	assert_string_equal(got, text);
}

static void test_sdnotify_outside_systemd_does_nothing(void **state)
{
	struct err e = {0};

	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(sdnotify_send("READY=1", &e), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	assert_int_equal(sdnotify_send("READY=1", &e), 0);
	unsetenv("NOTIFY_SOCKET");
}

static void test_sdnotify_reaches_a_path_socket(void **state)
{
	char dir[256], path[300];
	struct err e = {0};
	int fd;

	(void)state;
	assert_int_equal(testdb_tempdir(dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = listen_at(path);
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(sdnotify_send("READY=1\nSTATUS=leader", &e), 0);
	expect_datagram(fd, "READY=1\nSTATUS=leader");
	assert_int_equal(sdnotify_send("STOPPING=1", &e), 0);
	expect_datagram(fd, "STOPPING=1");
	unsetenv("NOTIFY_SOCKET");
	close(fd);
	testdb_rmrf(dir);
}

static void test_sdnotify_reaches_an_abstract_socket(void **state)
{
	char name[64];
	struct err e = {0};
	int fd;

	(void)state;
	snprintf(name, sizeof(name), "@domecek-test-%ld", (long)getpid());
	fd = listen_at(name);
	setenv("NOTIFY_SOCKET", name, 1);
	assert_int_equal(sdnotify_send("WATCHDOG=1", &e), 0);
	expect_datagram(fd, "WATCHDOG=1");
	unsetenv("NOTIFY_SOCKET");
	close(fd);
}

static void test_sdnotify_bad_addresses_are_named(void **state)
{
	char too_long[200];
	static const struct {
		const char *socket;
		int code;
		const char *message;
	} cases[] = {
		{"run/notify", ERR_INVALID, "only an absolute path"},
		{"vsock:2:1234", ERR_INVALID, "vsock:2:1234"},
		{NULL, ERR_INVALID, "longer than"},
		{"/nonexistent/domecek/notify", ERR_IO, "/nonexistent/domecek/notify"},
	};

	(void)state;
	memset(too_long, 'a', sizeof(too_long) - 1);
	too_long[0] = '/';
	too_long[sizeof(too_long) - 1] = '\0';
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err e = {0};
		setenv("NOTIFY_SOCKET", cases[i].socket ? cases[i].socket : too_long, 1);
		assert_int_equal(sdnotify_send("READY=1", &e), cases[i].code);
		if (!strstr(e.msg, cases[i].message))
			fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, cases[i].message);
	}
	unsetenv("NOTIFY_SOCKET");
}

static void test_sdnotify_watchdog_interval_is_half_of_usec(void **state)
{
	char own_pid[24];
	const struct {
		const char *usec, *pid;
		int64_t expected;
	} cases[] = {
		{NULL, NULL, 0},
		{"20000000", NULL, 10000},
		{"20000000", own_pid, 10000},
		{"20000000", "1", 0}, /* meant for another process */
		{"1", NULL, 1},
		{"0", NULL, 0},
		{"ten", NULL, 0},
		{"-5", NULL, 0},
	};

	(void)state;
	snprintf(own_pid, sizeof(own_pid), "%ld", (long)getpid());
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].usec)
			setenv("WATCHDOG_USEC", cases[i].usec, 1);
		else
			unsetenv("WATCHDOG_USEC");
		if (cases[i].pid)
			setenv("WATCHDOG_PID", cases[i].pid, 1);
		else
			unsetenv("WATCHDOG_PID");
		if (sdnotify_watchdog_ms() != cases[i].expected)
			fail_msg("case %zu: %lld, expected %lld", i,
				 (long long)sdnotify_watchdog_ms(), (long long)cases[i].expected);
	}
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sdnotify_outside_systemd_does_nothing),
		cmocka_unit_test(test_sdnotify_reaches_a_path_socket),
		cmocka_unit_test(test_sdnotify_reaches_an_abstract_socket),
		cmocka_unit_test(test_sdnotify_bad_addresses_are_named),
		cmocka_unit_test(test_sdnotify_watchdog_interval_is_half_of_usec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
