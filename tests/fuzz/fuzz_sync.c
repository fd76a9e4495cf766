// fuzz-sources: src/app/sync.c src/app/app_tables.c src/db/db.c src/base/buf.c src/base/err.c src/base/clock.c src/storage/storage.c
// fuzz-sources: src/storage/storage_local.c src/storage/storage_local_list.c src/storage/beneath.c src/storage/storage_s3.c src/storage/sigv4.c src/base/crypto.c
// fuzz-sources: src/base/fsutil.c @gen/schema.c
// fuzz-libs: sqlite3 libcurl
/*
 * fuzz_sync.c - the sync envelope applier on arbitrary envelopes: every
 * input must end as applied, stale, or an envelope error (ERR_INVALID,
 * ERR_NOTFOUND), never a crash, a leak or a database error.
 *
 * Input: four lines "entity\nentity_id\noperation\npayload" (the payload
 * is the rest, may hold newlines; missing lines are NULL). The database is
 * an in-memory SQLite with the migrations applied and one household
 * (user, project, property, unit, record, document) made once per
 * process; each input runs inside a transaction that is rolled back, so
 * every input sees the same rows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "base/err.h"
#include "app/sync.h"

#define NOW INT64_C(1795898717000) /* 2026-11-28T20:45:17Z */

static const char household[] =
    "INSERT INTO users (id, email, first_name, created_at) VALUES"
    " ('u1', 'jana@example.cz', 'Jana', '2026-01-01T00:00:00.000Z');"
    "INSERT INTO projects (id, owner_id, name, created_at) VALUES"
    " ('p0', 'u1', 'Domov', '2026-01-01T00:00:00.000Z');"
    "INSERT INTO properties (id, project_id, name, created_at) VALUES"
    " ('p1', 'p0', 'Chata', '2026-01-01T00:00:00.000Z');"
    "INSERT INTO units (id, property_id, name, created_at) VALUES"
    " ('n1', 'p1', 'Kuchyň', '2026-01-01T00:00:00.000Z');"
    "INSERT INTO zaznamy (id, property_id, unit_id, title, created_by, created_at) VALUES"
    " ('r1', 'p1', 'n1', 'Střecha', 'u1', '2026-01-02T00:00:00.000Z');"
    "INSERT INTO zaznam_dokumenty (id, zaznam_id, storage_key, created_at) VALUES"
    " ('d1', 'r1', 'documents/p1/r1/a.jpg', '2026-01-02T00:00:00.000Z');";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sqlite3 *fuzz_db(void)
{
	static sqlite3 *db;
	struct db_options opt = {.create = 1};
	struct err e = {0};

	if (db)
		return db;
	if (db_open(":memory:", &opt, &db, &e) || db_migrate(db, NULL, NULL, &e) ||
	    db_exec(db, household, &e))
		abort();
	return db;
}

/* Cuts the next line off *rest (NULL when there is none). */
static char *next_line(char **rest, int is_last)
{
	char *line = *rest, *nl;

	if (!line)
		return NULL;
	nl = is_last ? NULL : strchr(line, '\n');
	*rest = nl ? nl + 1 : NULL;
	if (nl)
		*nl = '\0';
	return line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sqlite3 *db = fuzz_db();
	char *text = malloc(size + 1), *rest;
	struct sync_envelope env = {.sync_id = "fuzz", .user_id = "u1",
				    .client_updated_at = NOW};
	struct err e = {0};
	int rc;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	rest = text;
	env.entity_type = next_line(&rest, 0);
	env.entity_id = next_line(&rest, 0);
	env.operation = next_line(&rest, 0);
	env.payload = next_line(&rest, 1);
	if (db_exec(db, "BEGIN", &e))
		abort();
	rc = sync_apply(db, &env, &e);
	if (rc != SYNC_APPLIED && rc != SYNC_STALE && !sync_error_is_envelope(rc))
		abort(); /* a database error from an envelope: a bug */
	if (rc < 0 && !e.msg[0])
		abort(); /* every refusal says why */
	db_rollback(db);
	free(text);
	return 0;
}
