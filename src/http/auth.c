/*
 * auth.c - sessions, CSRF tokens, the login rate limit and the admin
 * password's storage for the dashboard.
 *
 * Everything is a small fixed table searched linearly: one admin, a few
 * browsers, a handful of clients guessing passwords. A full table evicts
 * rather than grows, so a flood of logins costs no memory.
 */
#include "http/auth.h"
#include "base/buf.h"
#include "config/config.h"
#include "base/crypto.h"
#include "db/db.h"
#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct login_client {
	char address[64];
	int64_t window_start;
	int attempts;
};

struct auth {
	struct auth_session sessions[AUTH_MAX_SESSIONS];
	struct login_client clients[AUTH_MAX_CLIENTS];
};

int auth_new(struct auth **out, struct err *e)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0
		    : err_set(e, ERR_NOMEM,
			      "out of memory for dashboard sessions");
}

void auth_free(struct auth *a)
{
	free(a);
}

int auth_token(char out[AUTH_TOKEN_LEN + 1])
{
	unsigned char raw[32];
	struct buf text;
	int rc;

	if (crypto_random(raw, sizeof(raw)))
		return ERR_IO;
	buf_init(&text, 64);
	rc = crypto_base64url_encode(raw, sizeof(raw), &text);
	if (!rc && text.len == AUTH_TOKEN_LEN)
		memcpy(out, text.data, AUTH_TOKEN_LEN + 1);
	else
		rc = rc ? rc : ERR_INVALID;
	buf_free(&text);
	return rc;
}

static int is_expired(const struct auth_session *s, int64_t now)
{
	return now - s->used_mono >= AUTH_SESSION_IDLE_MS ||
	       now - s->created_mono >= AUTH_SESSION_MAX_MS;
}

int auth_session_create(struct auth *a, int64_t now_mono,
			const struct auth_session **out, struct err *e)
{
	struct auth_session *slot = &a->sessions[0];
	int i;

	for (i = 0; i < AUTH_MAX_SESSIONS; i++) {
		struct auth_session *s = &a->sessions[i];
		if (!s->id[0] || is_expired(s, now_mono)) {
			slot = s;
			break;
		}
		if (s->used_mono < slot->used_mono)
			slot = s;
	}
	memset(slot, 0, sizeof(*slot));
	if (auth_token(slot->id) || auth_token(slot->csrf)) {
		memset(slot, 0, sizeof(*slot));
		return err_set(e, ERR_IO, "no random bytes for a session id");
	}
	slot->created_mono = slot->used_mono = now_mono;
	*out = slot;
	return 0;
}

static struct auth_session *session_slot(struct auth *a, const char *id)
{
	int i;

	if (!id || strlen(id) != AUTH_TOKEN_LEN)
		return NULL;
	for (i = 0; i < AUTH_MAX_SESSIONS; i++)
		if (a->sessions[i].id[0] &&
		    crypto_equal(a->sessions[i].id, id, AUTH_TOKEN_LEN))
			return &a->sessions[i];
	return NULL;
}

const struct auth_session *auth_session_find(struct auth *a, const char *id,
					     int64_t now_mono)
{
	struct auth_session *s = session_slot(a, id);

	if (!s)
		return NULL;
	if (is_expired(s, now_mono)) {
		memset(s, 0, sizeof(*s));
		return NULL;
	}
	s->used_mono = now_mono;
	return s;
}

void auth_session_end(struct auth *a, const char *id)
{
	struct auth_session *s = session_slot(a, id);

	if (s)
		memset(s, 0, sizeof(*s));
}

int auth_csrf_ok(const struct auth_session *s, const char *token)
{
	return s && token && strlen(token) == AUTH_TOKEN_LEN &&
	       crypto_equal(s->csrf, token, AUTH_TOKEN_LEN);
}

/* The client's entry; else an empty one; else the one whose window
 * began longest ago, which is the least useful to keep. */
static struct login_client *client_slot(struct auth *a, const char *client,
					int64_t now_mono)
{
	struct login_client *pick = NULL;
	int i;

	for (i = 0; i < AUTH_MAX_CLIENTS; i++) {
		struct login_client *c = &a->clients[i];
		if (c->address[0] &&
		    !strncmp(c->address, client, sizeof(c->address) - 1))
			return c;
		if (!pick ||
		    (pick->address[0] &&
		     (!c->address[0] || c->window_start < pick->window_start)))
			pick = c;
	}
	memset(pick, 0, sizeof(*pick));
	snprintf(pick->address, sizeof(pick->address), "%s", client);
	pick->window_start = now_mono;
	return pick;
}

/* The client's entry with its window brought up to date. */
static struct login_client *login_window(struct auth *a, const char *client,
					 int64_t now_mono)
{
	struct login_client *c = client_slot(a, client ? client : "", now_mono);

	if (now_mono - c->window_start >= AUTH_LOGIN_WINDOW_MS) {
		c->window_start = now_mono;
		c->attempts = 0;
	}
	return c;
}

int auth_login_allowed(struct auth *a, const char *client, int64_t now_mono)
{
	return login_window(a, client, now_mono)->attempts <
	       AUTH_LOGIN_ATTEMPTS;
}

void auth_login_failed(struct auth *a, const char *client, int64_t now_mono)
{
	login_window(a, client, now_mono)->attempts++;
}

int auth_password_hash_get(sqlite3 *db, const struct config *cfg, char *hash,
			   size_t size, struct err *e)
{
	if (cfg->dashboard.admin_password_hash[0]) {
		if (strlen(cfg->dashboard.admin_password_hash) >= size)
			return err_set(
			    e, ERR_INVALID,
			    "Dashboard.AdminPasswordHash is too long");
		memcpy(hash, cfg->dashboard.admin_password_hash,
		       strlen(cfg->dashboard.admin_password_hash) + 1);
		return 0;
	}
	return db_setting_get(db, AUTH_SETTING_KEY, hash, size, e);
}

int auth_password_set(sqlite3 *db, const char *password, struct err *e)
{
	struct buf hash;
	int rc;

	if (!password || !*password)
		return err_set(e, ERR_INVALID, "the password is empty");
	buf_init(&hash, AUTH_HASH_MAX);
	if (!(rc = crypto_password_hash(password, 0, &hash, e)))
		rc = db_setting_set(db, AUTH_SETTING_KEY, buf_str(&hash), e);
	buf_free(&hash);
	return rc;
}

int auth_password_ensure(sqlite3 *db, const struct config *cfg,
			 char generated[25], struct err *e)
{
	char hash[AUTH_HASH_MAX], token[AUTH_TOKEN_LEN + 1];
	int rc;

	generated[0] = '\0';
	rc = auth_password_hash_get(db, cfg, hash, sizeof(hash), e);
	if (rc != ERR_NOTFOUND)
		return rc;
	err_clear(e);
	if (auth_token(token))
		return err_set(e, ERR_IO,
			       "no random bytes for the admin password");
	memcpy(generated, token, 24); /* 144 random bits */
	generated[24] = '\0';
	if ((rc = auth_password_set(db, generated, e)))
		generated[0] = '\0';
	return rc;
}
