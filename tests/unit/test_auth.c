/*
 * test_auth.c - dashboard sessions expire and evict, CSRF tokens are
 * checked exactly, logins are limited per client, and the admin
 * password comes from the config, then the database, then is generated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "http/auth.h"
#include "base/buf.h"
#include "config/config.h"
#include "base/crypto.h"
#include "db/db.h"
#include "base/err.h"
#include "testdb.h"

#define T0 INT64_C(1000000)

static struct auth *new_auth(void)
{
	struct auth *a = NULL;
	struct err e = {0};

	assert_int_equal(auth_new(&a, &e), 0);
	return a;
}

/* One login attempt with a wrong password: 1 when it was allowed. */
static int failed_attempt(struct auth *a, const char *client, int64_t now_mono)
{
	if (!auth_login_allowed(a, client, now_mono))
		return 0;
	auth_login_failed(a, client, now_mono);
	return 1;
}

static void test_auth_session_found_until_idle_timeout(void **state)
{
	struct auth *a = new_auth();
	const struct auth_session *s;
	char id[AUTH_TOKEN_LEN + 1];
	struct err e = {0};

	(void)state;
	assert_int_equal(auth_session_create(a, T0, &s, &e), 0);
	assert_int_equal(strlen(s->id), AUTH_TOKEN_LEN);
	assert_string_not_equal(s->id, s->csrf);
	memcpy(id, s->id, sizeof(id));
	assert_non_null(auth_session_find(a, id, T0 + AUTH_SESSION_IDLE_MS - 1));
	/* Use renews the idle timer... */
	assert_non_null(auth_session_find(a, id, T0 + 2 * AUTH_SESSION_IDLE_MS - 2));
	/* ...and idleness ends it. */
	assert_null(auth_session_find(a, id, T0 + 3 * AUTH_SESSION_IDLE_MS));
	assert_null(auth_session_find(a, id, T0 + 3 * AUTH_SESSION_IDLE_MS));
	auth_free(a);
}

static void test_auth_session_ends_at_max_age_even_when_used(void **state)
{
	struct auth *a = new_auth();
	const struct auth_session *s;
	char id[AUTH_TOKEN_LEN + 1];
	int64_t t;
	struct err e = {0};

	(void)state;
	assert_int_equal(auth_session_create(a, T0, &s, &e), 0);
	memcpy(id, s->id, sizeof(id));
	for (t = T0; t < T0 + AUTH_SESSION_MAX_MS; t += AUTH_SESSION_IDLE_MS / 2)
		assert_non_null(auth_session_find(a, id, t));
	assert_null(auth_session_find(a, id, T0 + AUTH_SESSION_MAX_MS));
	auth_free(a);
}

static void test_auth_session_unknown_or_malformed_ids_are_refused(void **state)
{
	struct auth *a = new_auth();
	const struct auth_session *s;
	char id[AUTH_TOKEN_LEN + 1];
	struct err e = {0};

	(void)state;
	assert_int_equal(auth_session_create(a, T0, &s, &e), 0);
	memcpy(id, s->id, sizeof(id));
	assert_null(auth_session_find(a, NULL, T0));
	assert_null(auth_session_find(a, "", T0));
	assert_null(auth_session_find(a, "short", T0));
	id[5] = id[5] == 'A' ? 'B' : 'A';
	assert_null(auth_session_find(a, id, T0));
	auth_free(a);
}

static void test_auth_logout_ends_session(void **state)
{
	struct auth *a = new_auth();
	const struct auth_session *s;
	char id[AUTH_TOKEN_LEN + 1];
	struct err e = {0};

	(void)state;
	assert_int_equal(auth_session_create(a, T0, &s, &e), 0);
	memcpy(id, s->id, sizeof(id));
	auth_session_end(a, id);
	assert_null(auth_session_find(a, id, T0));
	auth_session_end(a, "unknown"); /* no-op */
	auth_free(a);
}

static void test_auth_full_table_evicts_least_recently_used(void **state)
{
	struct auth *a = new_auth();
	const struct auth_session *s;
	char first[AUTH_TOKEN_LEN + 1], second[AUTH_TOKEN_LEN + 1];
	struct err e = {0};
	int i;

	(void)state;
	assert_int_equal(auth_session_create(a, T0, &s, &e), 0);
	memcpy(first, s->id, sizeof(first));
	assert_int_equal(auth_session_create(a, T0 + 1, &s, &e), 0);
	memcpy(second, s->id, sizeof(second));
	assert_non_null(auth_session_find(a, first, T0 + 100)); /* first is now recent */
	for (i = 2; i < AUTH_MAX_SESSIONS + 1; i++)
		assert_int_equal(auth_session_create(a, T0 + 100 + i, &s, &e), 0);
	assert_non_null(auth_session_find(a, first, T0 + 200));
	assert_null(auth_session_find(a, second, T0 + 200));
	auth_free(a);
}

static void test_auth_csrf_must_match_exactly(void **state)
{
	struct auth *a = new_auth();
	const struct auth_session *s;
	char token[AUTH_TOKEN_LEN + 2];
	struct err e = {0};

	(void)state;
	assert_int_equal(auth_session_create(a, T0, &s, &e), 0);
	assert_true(auth_csrf_ok(s, s->csrf));
	assert_false(auth_csrf_ok(s, NULL));
	assert_false(auth_csrf_ok(s, ""));
	assert_false(auth_csrf_ok(NULL, s->csrf));
	assert_false(auth_csrf_ok(s, s->id));
	memcpy(token, s->csrf, AUTH_TOKEN_LEN);
	token[AUTH_TOKEN_LEN] = 'x';
	token[AUTH_TOKEN_LEN + 1] = '\0';
	assert_false(auth_csrf_ok(s, token));
	auth_free(a);
}

static void test_auth_login_limit_per_client_and_window(void **state)
{
	struct auth *a = new_auth();
	int i;

	(void)state;
	for (i = 0; i < AUTH_LOGIN_ATTEMPTS; i++)
		assert_true(failed_attempt(a, "10.0.0.1", T0 + i));
	assert_false(failed_attempt(a, "10.0.0.1", T0 + 10));
	/* Another client is not affected. */
	assert_true(failed_attempt(a, "10.0.0.2", T0 + 10));
	/* The next window allows again. */
	assert_true(failed_attempt(a, "10.0.0.1", T0 + AUTH_LOGIN_WINDOW_MS));
	auth_free(a);
}

static void test_auth_login_successes_never_lock_out(void **state)
{
	struct auth *a = new_auth();
	int i;

	(void)state;
	/* Many good logins from one address (a household behind a proxy). */
	for (i = 0; i < 10 * AUTH_LOGIN_ATTEMPTS; i++)
		assert_true(auth_login_allowed(a, "10.0.0.1", T0 + i));
	for (i = 0; i < AUTH_LOGIN_ATTEMPTS - 1; i++)
		assert_true(failed_attempt(a, "10.0.0.1", T0 + 100));
	assert_true(auth_login_allowed(a, "10.0.0.1", T0 + 100));
	auth_login_failed(a, "10.0.0.1", T0 + 100);
	assert_false(auth_login_allowed(a, "10.0.0.1", T0 + 100));
	auth_free(a);
}

static void test_auth_login_limit_table_full_reuses_oldest(void **state)
{
	struct auth *a = new_auth();
	char client[32];
	int i;

	(void)state;
	for (i = 0; i < AUTH_LOGIN_ATTEMPTS; i++)
		assert_true(failed_attempt(a, "attacker", T0 + 1000));
	for (i = 0; i < AUTH_MAX_CLIENTS; i++) {
		snprintf(client, sizeof(client), "10.1.0.%d", i);
		assert_true(failed_attempt(a, client, T0 + i));
	}
	/* The table overflowed; the limit still holds for the newest entries. */
	for (i = 0; i < AUTH_LOGIN_ATTEMPTS - 1; i++)
		assert_true(failed_attempt(a, "10.1.0.63", T0 + 2000));
	assert_false(failed_attempt(a, "10.1.0.63", T0 + 2000));
	auth_free(a);
}

static void test_auth_password_generated_once_then_kept(void **state)
{
	struct testdb *t = testdb_open(0);
	sqlite3 *db = t->db;
	struct config cfg;
	char generated[25], again[25], hash[AUTH_HASH_MAX];
	struct err e = {0};

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(auth_password_hash_get(db, &cfg, hash, sizeof(hash), &e),
			 ERR_NOTFOUND);
	assert_int_equal(auth_password_ensure(db, &cfg, generated, &e), 0);
	assert_int_equal(strlen(generated), 24);
	assert_int_equal(auth_password_hash_get(db, &cfg, hash, sizeof(hash), &e), 0);
	assert_int_equal(crypto_password_verify(generated, hash, &e), 0);
	assert_int_equal(auth_password_ensure(db, &cfg, again, &e), 0);
	assert_string_equal(again, "");
	testdb_close(t);
}

static void test_auth_password_config_hash_takes_precedence(void **state)
{
	struct testdb *t = testdb_open(0);
	sqlite3 *db = t->db;
	struct config cfg;
	struct buf hash;
	char got[AUTH_HASH_MAX];
	struct err e = {0};

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(auth_password_set(db, "stored-password", &e), 0);
	buf_init(&hash, AUTH_HASH_MAX);
	assert_int_equal(crypto_password_hash("config-password", 1000, &hash, &e), 0);
	snprintf(cfg.dashboard.admin_password_hash, sizeof(cfg.dashboard.admin_password_hash),
		 "%s", buf_str(&hash));
	assert_int_equal(auth_password_hash_get(db, &cfg, got, sizeof(got), &e), 0);
	assert_int_equal(crypto_password_verify("config-password", got, &e), 0);
	assert_int_equal(crypto_password_verify("stored-password", got, &e), ERR_PERM);
	assert_int_equal(auth_password_set(db, "", &e), ERR_INVALID);
	buf_free(&hash);
	testdb_close(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth_session_found_until_idle_timeout),
		cmocka_unit_test(test_auth_session_ends_at_max_age_even_when_used),
		cmocka_unit_test(test_auth_session_unknown_or_malformed_ids_are_refused),
		cmocka_unit_test(test_auth_logout_ends_session),
		cmocka_unit_test(test_auth_full_table_evicts_least_recently_used),
		cmocka_unit_test(test_auth_csrf_must_match_exactly),
		cmocka_unit_test(test_auth_login_limit_per_client_and_window),
		cmocka_unit_test(test_auth_login_successes_never_lock_out),
		cmocka_unit_test(test_auth_login_limit_table_full_reuses_oldest),
		cmocka_unit_test(test_auth_password_generated_once_then_kept),
		cmocka_unit_test(test_auth_password_config_hash_takes_precedence),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
