/*
 * auth.h - the dashboard's admin login: password, sessions, CSRF tokens
 * and the login rate limit.
 *
 * Sessions live in memory only (a daemon restart logs the admin out) in
 * a fixed table: ids and CSRF tokens are 32 random bytes as base64url.
 * A session ends after AUTH_SESSION_IDLE_MS without a request or
 * AUTH_SESSION_MAX_MS after login; a full table drops the least recently
 * used one. Times are monotonic ms, passed in so tests need no clock.
 *
 * The admin password hash comes from Dashboard.AdminPasswordHash, else
 * from jobs_settings key "dashboard.password_hash" (what `passwd` sets).
 */
#ifndef DOMECEK_AUTH_H
#define DOMECEK_AUTH_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct err;

#define AUTH_TOKEN_LEN 43 /* base64url of 32 bytes, without the NUL */
#define AUTH_MAX_SESSIONS 32
#define AUTH_SESSION_IDLE_MS (60 * 60 * 1000)
#define AUTH_SESSION_MAX_MS (12 * 60 * 60 * 1000)
#define AUTH_MAX_CLIENTS 64
#define AUTH_LOGIN_ATTEMPTS 5		 /* per client address ... */
#define AUTH_LOGIN_WINDOW_MS (60 * 1000) /* ... per this window */
#define AUTH_SETTING_KEY "dashboard.password_hash"
#define AUTH_HASH_MAX 256

struct auth_session {
	char id[AUTH_TOKEN_LEN + 1];
	char csrf[AUTH_TOKEN_LEN + 1];
	int64_t created_mono;
	int64_t used_mono;
};

struct auth;

int auth_new(struct auth **out, struct err *e);
void auth_free(struct auth *a);

/* Starts a session. *out points into a's table (valid until the next
 * create or end). ERR_IO when no random bytes could be had. */
int auth_session_create(struct auth *a, int64_t now_mono,
			const struct auth_session **out, struct err *e);
/* The live session with that id, marked used at now_mono; NULL when
 * unknown, expired (then dropped) or id is NULL. Compared in constant time. */
const struct auth_session *auth_session_find(struct auth *a, const char *id,
					     int64_t now_mono);
void auth_session_end(struct auth *a, const char *id);

/* 1 when token is the session's CSRF token (constant time), else 0. */
int auth_csrf_ok(const struct auth_session *s, const char *token);

/* 1 when client (its address text) may try to log in, 0 when it has
 * failed AUTH_LOGIN_ATTEMPTS times within AUTH_LOGIN_WINDOW_MS. Only
 * failures count (auth_login_failed): a household behind one address
 * logging in often is never locked out by its own successes. */
int auth_login_allowed(struct auth *a, const char *client, int64_t now_mono);
/* Counts one failed login (a wrong password) from client. */
void auth_login_failed(struct auth *a, const char *client, int64_t now_mono);

/* A fresh random token (32 bytes, base64url) into out. ERR_IO on no entropy. */
int auth_token(char out[AUTH_TOKEN_LEN + 1]);

/* The admin password hash into hash (AUTH_HASH_MAX bytes): the config's,
 * else the stored one. ERR_NOTFOUND when neither is set. */
int auth_password_hash_get(sqlite3 *db, const struct config *cfg, char *hash,
			   size_t size, struct err *e);
/* Hashes password and stores it in jobs_settings. */
int auth_password_set(sqlite3 *db, const char *password, struct err *e);
/* On a fresh install (no hash anywhere): generates a random password,
 * stores its hash and writes the password to *generated (caller shows it
 * once); *generated stays "" otherwise. generated holds 24 chars + NUL. */
int auth_password_ensure(sqlite3 *db, const struct config *cfg,
			 char generated[25], struct err *e);

#endif
