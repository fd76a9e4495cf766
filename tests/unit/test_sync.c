/*
 * test_sync.c - sync_apply(): every envelope error with its message and
 * nothing left behind, the payload mapping of each entity, create as
 * update, partial updates, soft deletes, last write wins both ways and at
 * equal times, SAVEPOINT isolation inside a caller's transaction, and a
 * locked database reported as the database's error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "demo/demo.h"
#include "base/err.h"
#include "testdb.h"
#include "app/sync.h"

/* 2026-11-28T20:45:17.000Z */
#define NOW INT64_C(1795898717000)
#define UNIT "44444444-4444-4444-8444-444444444444"
#define RECORD "55555555-5555-4555-8555-555555555555"
#define NEW_ID "66666666-6666-4666-8666-666666666666"
#define GONE_PROPERTY "77777777-7777-4777-8777-777777777777"
#define DELETED_PROPERTY "88888888-8888-4888-8888-888888888888"

static int setup(void **state)
{
	struct err e = {0};
	struct demo_unit unit = {.id = UNIT, .property_id = TESTDB_PROPERTY, .name = "Kuchyň",
				 .created_at = NOW - 10 * MS_PER_DAY};
	struct demo_record record = {.id = RECORD, .property_id = TESTDB_PROPERTY,
				     .title = "Oprava kotle", .description = "Servis",
				     .status = "complete", .created_at = NOW - 10 * MS_PER_DAY,
				     .updated_at = NOW - MS_PER_DAY};
	struct demo_property deleted = {.id = DELETED_PROPERTY, .project_id = TESTDB_PROJECT,
					.name = "Prodaný byt", .is_deleted = 1,
					.deleted_at = NOW - MS_PER_DAY,
					.created_at = NOW - 100 * MS_PER_DAY};
	struct testdb *t = NULL;

	if (testdb_make(TESTDB_HOUSEHOLD, &t) || demo_insert_unit(t->db, &unit, &e) ||
	    demo_insert_record(t->db, &record, &e) || demo_insert_property(t->db, &deleted, &e)) {
		testdb_close(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int apply(sqlite3 *db, const char *type, const char *id, const char *op,
		 const char *payload, int64_t client_updated_at, struct err *e)
{
	struct sync_envelope env = {.sync_id = "s1", .user_id = TESTDB_JANA,
				    .entity_type = type, .entity_id = id, .operation = op,
				    .payload = payload, .client_updated_at = client_updated_at};

	err_clear(e);
	return sync_apply(db, &env, e);
}

static const char *column(sqlite3 *db, const char *table, const char *col, const char *id)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE id = '%s'", col, table, id);
	return testdb_text(db, sql);
}

/* Rows in every table an envelope can touch. */
static int64_t app_rows(sqlite3 *db)
{
	return testdb_int(db, "SELECT (SELECT count(*) FROM projects)"
				" + (SELECT count(*) FROM properties)"
				" + (SELECT count(*) FROM units)"
				" + (SELECT count(*) FROM zaznamy)"
				" + (SELECT count(*) FROM zaznam_dokumenty)"
				" + (SELECT total_changes())");
}

static void test_sync_apply_reports_each_envelope_error_and_changes_nothing(void **state)
{
	static const struct {
		const char *type, *id, *op, *payload;
		int64_t client_time;
		int code;
		const char *message;
	} cases[] = {
		{"x", NEW_ID, "create", "{}", NOW, ERR_INVALID, "unknown entity type 'x'"},
		{NULL, NEW_ID, "create", "{}", NOW, ERR_INVALID, "unknown entity type '(null)'"},
		{"units", NEW_ID, "upsert", "{}", NOW, ERR_INVALID, "unknown operation 'upsert'"},
		{"units", NEW_ID, "create", "{\"name\": ", NOW, ERR_INVALID,
		 "payload is not valid JSON at offset 9 (it ends too early)"},
		{"units", NEW_ID, "create", "{\"name\": \"a\"} x", NOW, ERR_INVALID,
		 "payload is not valid JSON at offset 14 (near 'x')"},
		{"units", NEW_ID, "create", "[1, 2]", NOW, ERR_INVALID,
		 "payload is not a JSON object"},
		{"units", NEW_ID, "create", NULL, NOW, ERR_INVALID,
		 "missing payload: a create needs the entity's fields"},
		{"units", NEW_ID, "create", "{\"propertyId\": \"" TESTDB_PROPERTY "\"}", NOW,
		 ERR_INVALID, "missing field 'name'"},
		{"properties", NEW_ID, "create", "{\"name\": \"Byt\"}", NOW, ERR_INVALID,
		 "missing field 'projectId'"},
		{"dokumenty", NEW_ID, "create", "{\"zaznamId\": \"" RECORD "\"}", NOW,
		 ERR_INVALID, "missing field 'storageKey'"},
		{"units", NEW_ID, "create", "{\"propertyId\": \"" GONE_PROPERTY "\", \"name\": \"a\"}",
		 NOW, ERR_NOTFOUND, "missing parent property " GONE_PROPERTY},
		{"zaznamy", NEW_ID, "create", "{\"propertyId\": \"" DELETED_PROPERTY "\"}", NOW,
		 ERR_NOTFOUND, "parent property " DELETED_PROPERTY " is deleted"},
		{"zaznamy", NEW_ID, "create",
		 "{\"propertyId\": \"" TESTDB_PROPERTY "\", \"unitId\": \"nope\"}", NOW,
		 ERR_NOTFOUND, "missing unit nope"},
		{"zaznamy", NEW_ID, "create",
		 "{\"propertyId\": \"" TESTDB_PROPERTY "\", \"createdBy\": \"nobody\"}", NOW,
		 ERR_NOTFOUND, "missing user nobody"},
		{"projects", NEW_ID, "create", "{\"name\": \"a\", \"ownerId\": \"nobody\"}", NOW,
		 ERR_NOTFOUND, "missing user nobody"},
		{"zaznamy", NEW_ID, "update", "{\"title\": \"a\"}", NOW, ERR_NOTFOUND,
		 "cannot update zaznam " NEW_ID ": no such row"},
		{"zaznamy", RECORD, "update", "{\"cost\": 12.5}", NOW, ERR_INVALID,
		 "field 'cost' must be a whole number"},
		{"zaznamy", RECORD, "update", "{\"cost\": \"12\"}", NOW, ERR_INVALID,
		 "field 'cost' must be a whole number"},
		{"units", UNIT, "update", "{\"name\": 5}", NOW, ERR_INVALID,
		 "field 'name' must be a string"},
		{"units", UNIT, "update", "{\"name\": null}", NOW, ERR_INVALID,
		 "field 'name' must not be null"},
		{"properties", TESTDB_PROPERTY, "update", "{\"latitude\": \"north\"}", NOW,
		 ERR_INVALID, "field 'latitude' must be a number"},
		{"properties", TESTDB_PROPERTY, "update", "{\"latitude\": 91}", NOW, ERR_INVALID,
		 "property " TESTDB_PROPERTY ": CHECK constraint failed"},
		{"zaznamy", RECORD, "update", "{\"status\": \"done\"}", NOW, ERR_INVALID,
		 "zaznam " RECORD ": CHECK constraint failed"},
		{"zaznamy", RECORD, "update", "{\"date\": \"14.5.2026\"}", NOW, ERR_INVALID,
		 "CHECK constraint failed"},
		{"units", UNIT, "update", "{\"id\": \"" RECORD "\", \"name\": \"a\"}", NOW,
		 ERR_INVALID, "payload id " RECORD " does not match entity_id '" UNIT "'"},
		{"units", "", "delete", NULL, NOW, ERR_INVALID, "missing entity_id"},
		{"units", UNIT, "delete", NULL, 0, ERR_INVALID, "missing client_updated_at"},
		{"units", UNIT, "update", "{\"clientUpdatedAt\": \"yesterday\"}", 0, ERR_INVALID,
		 "field 'clientUpdatedAt' must be an ISO-8601 time"},
		{"units", NEW_ID, "create",
		 "{\"propertyId\": \"" TESTDB_PROPERTY "\", \"name\": \"a\", \"createdAt\": 5}",
		 NOW, ERR_INVALID, "field 'createdAt' must be an ISO-8601 time"},
	};
	struct testdb *f = *state;
	struct err e;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t before = app_rows(f->db);
		int rc = apply(f->db, cases[i].type, cases[i].id, cases[i].op, cases[i].payload,
			       cases[i].client_time, &e);

		if (rc != cases[i].code)
			fail_msg("case %zu: rc %d, expected %d (%s)", i, rc, cases[i].code, e.msg);
		assert_int_equal(sync_error_is_envelope(rc), 1);
		if (cases[i].message && !strstr(e.msg, cases[i].message))
			fail_msg("case %zu: '%s' does not say '%s'", i, e.msg, cases[i].message);
		assert_int_equal(app_rows(f->db), before);
		assert_string_equal(column(f->db, "zaznamy", "title", RECORD), "Oprava kotle");
	}
}

static void test_sync_apply_refuses_an_unsafe_storage_key(void **state)
{
	static const char *const keys[] = {"../etc/passwd", "/abs/key.jpg", "a\\\\b"};
	struct testdb *f = *state;
	char payload[256];
	struct err e;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(payload, sizeof(payload),
			 "{\"zaznamId\": \"" RECORD "\", \"storageKey\": \"%s\"}", keys[i]);
		assert_int_equal(apply(f->db, "dokumenty", NEW_ID, "create", payload, NOW, &e),
				 ERR_INVALID);
		assert_non_null(strstr(e.msg, "field 'storageKey'"));
	}
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM zaznam_dokumenty"), 0);
}

static void test_sync_apply_creates_each_entity_with_its_mapped_columns(void **state)
{
	struct testdb *f = *state;
	struct err e;

	assert_int_equal(apply(f->db, "projects", NEW_ID, "create",
			       "{\"id\": \"" NEW_ID "\", \"name\": \"Garáž\","
			       " \"description\": \"U babičky\"}", NOW, &e), SYNC_APPLIED);
	assert_string_equal(column(f->db, "projects", "owner_id", NEW_ID), TESTDB_JANA);
	assert_string_equal(column(f->db, "projects", "description", NEW_ID), "U babičky");
	assert_string_equal(column(f->db, "projects", "created_at", NEW_ID),
			    "2026-11-28T20:45:17.000Z");
	assert_int_equal(apply(f->db, "properties", "p2", "create",
			       "{\"projectId\": \"" NEW_ID "\", \"name\": \"Chata\","
			       " \"latitude\": 49.5, \"longitude\": 13.25, \"geoRadius\": 200}",
			       NOW, &e), SYNC_APPLIED);
	assert_string_equal(column(f->db, "properties", "latitude || ',' || longitude || ','"
				   " || geo_radius", "p2"), "49.5,13.25,200");
	assert_int_equal(apply(f->db, "units", "u2", "create",
			       "{\"propertyId\": \"p2\", \"parentUnitId\": null, \"name\": \"Sklep\","
			       " \"unitType\": \"room\", \"createdAt\": \"2026-11-01T08:00:00Z\"}",
			       NOW, &e), SYNC_APPLIED);
	assert_string_equal(column(f->db, "units", "unit_type || ' ' || created_at || ' '"
				   " || updated_at", "u2"),
			    "room 2026-11-01T08:00:00.000Z 2026-11-28T20:45:17.000Z");
	assert_int_equal(apply(f->db, "zaznamy", "z2", "create",
			       "{\"propertyId\": \"p2\", \"unitId\": \"u2\", \"title\": \"Okap\","
			       " \"date\": \"2026-05-14\", \"cost\": 7400, \"status\": \"complete\","
			       " \"flags\": 3, \"createdBy\": \"" TESTDB_JANA "\","
			       " \"tags\": [1, 2]}", NOW, &e), SYNC_APPLIED);
	assert_string_equal(column(f->db, "zaznamy", "unit_id || ' ' || title || ' ' || date"
				   " || ' ' || cost || ' ' || status || ' ' || flags", "z2"),
			    "u2 Okap 2026-05-14 7400 complete 3");
	assert_string_equal(column(f->db, "zaznamy", "created_by", "z2"), TESTDB_JANA);
	assert_int_equal(apply(f->db, "dokumenty", "d2", "create",
			       "{\"zaznamId\": \"z2\", \"type\": \"photo\","
			       " \"storageKey\": \"documents/p2/z2/d2.jpg\","
			       " \"originalFileName\": \"IMG_1.jpg\", \"mimeType\": \"image/jpeg\","
			       " \"sizeBytes\": 2843, \"description\": \"Okap\"}", NOW, &e),
			 SYNC_APPLIED);
	assert_string_equal(column(f->db, "zaznam_dokumenty", "type || ' ' || storage_key"
				   " || ' ' || original_file_name || ' ' || mime_type || ' '"
				   " || size_bytes || ' ' || description", "d2"),
			    "photo documents/p2/z2/d2.jpg IMG_1.jpg image/jpeg 2843 Okap");
}

static void test_sync_apply_create_of_an_existing_row_updates_it(void **state)
{
	struct testdb *f = *state;
	struct err e;

	assert_int_equal(apply(f->db, "zaznamy", RECORD, "create",
			       "{\"propertyId\": \"" TESTDB_PROPERTY "\", \"title\": \"Nový kotel\"}",
			       NOW, &e), SYNC_APPLIED);
	assert_string_equal(column(f->db, "zaznamy", "title", RECORD), "Nový kotel");
	assert_string_equal(column(f->db, "zaznamy", "created_at", RECORD),
			    "2026-11-18T20:45:17.000Z");
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM zaznamy"), 1);
}

static void test_sync_apply_update_changes_only_the_named_columns(void **state)
{
	struct testdb *f = *state;
	struct err e;

	assert_int_equal(apply(f->db, "zaznamy", RECORD, "update",
			       "{\"cost\": 1200, \"description\": null}", NOW, &e), SYNC_APPLIED);
	assert_string_equal(column(f->db, "zaznamy", "title || ' ' || cost || ' ' || status"
				   " || ' ' || updated_at", RECORD),
			    "Oprava kotle 1200 complete 2026-11-28T20:45:17.000Z");
	assert_string_equal(column(f->db, "zaznamy", "description", RECORD), "NULL");
}

static void test_sync_apply_delete_soft_deletes_and_is_idempotent(void **state)
{
	struct testdb *f = *state;
	struct err e;

	assert_int_equal(apply(f->db, "units", UNIT, "delete", NULL, NOW, &e), SYNC_APPLIED);
	assert_string_equal(column(f->db, "units", "is_deleted || ' ' || deleted_at", UNIT),
			    "1 2026-11-28T20:45:17.000Z");
	assert_int_equal(apply(f->db, "units", UNIT, "delete", NULL, NOW + 1000, &e),
			 SYNC_APPLIED);
	assert_string_equal(column(f->db, "units", "deleted_at", UNIT),
			    "2026-11-28T20:45:17.000Z");
	assert_int_equal(apply(f->db, "projects", NEW_ID, "delete", "{}", NOW, &e),
			 SYNC_APPLIED);
	assert_int_equal(testdb_int(f->db, "SELECT count(*) FROM projects"), 1);
}

/* The record was last updated a day before NOW. */
static void test_sync_apply_last_write_wins_both_ways(void **state)
{
	static const struct {
		const char *op;
		int64_t client_time;
		int result;
	} cases[] = {
		{"update", NOW - MS_PER_DAY - 1, SYNC_STALE},
		{"delete", NOW - 2 * MS_PER_DAY, SYNC_STALE},
		{"create", NOW - 3 * MS_PER_DAY, SYNC_STALE},
		{"update", NOW - MS_PER_DAY, SYNC_APPLIED}, /* equal: applies again */
		{"update", NOW, SYNC_APPLIED},
		{"update", NOW - MS_PER_HOUR, SYNC_STALE}, /* older than the last one */
	};
	struct testdb *f = *state;
	char payload[64];
	struct err e;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(payload, sizeof(payload), "{\"title\": \"v%zu\"}", i);
		if (apply(f->db, "zaznamy", RECORD, cases[i].op, payload, cases[i].client_time,
			  &e) != cases[i].result)
			fail_msg("case %zu: %s", i, e.msg);
	}
	assert_string_equal(column(f->db, "zaznamy", "title || ' ' || is_deleted", RECORD),
			    "v4 0");
	assert_string_equal(column(f->db, "zaznamy", "updated_at", RECORD),
			    "2026-11-28T20:45:17.000Z");
}

/* A row stored without milliseconds compares as the instant it names. */
static void test_sync_apply_compares_a_time_without_milliseconds_exactly(void **state)
{
	struct testdb *f = *state;
	struct err e;

	testdb_exec(f->db, "UPDATE units SET updated_at ="
			   " '2026-11-28T20:45:17Z'");
	assert_int_equal(apply(f->db, "units", UNIT, "update", "{\"name\": \"a\"}", NOW - 1, &e),
			 SYNC_STALE);
	assert_int_equal(apply(f->db, "units", UNIT, "update", "{\"name\": \"b\"}", NOW + 500,
			       &e), SYNC_APPLIED);
	assert_string_equal(column(f->db, "units", "name", UNIT), "b");
}

static void test_sync_apply_takes_the_payload_time_when_the_envelope_has_none(void **state)
{
	struct testdb *f = *state;
	struct err e;

	assert_int_equal(apply(f->db, "units", UNIT, "update",
			       "{\"name\": \"Sklep\", \"clientUpdatedAt\": \"2026-11-20T10:00:00Z\"}",
			       0, &e), SYNC_APPLIED);
	assert_string_equal(column(f->db, "units", "updated_at", UNIT),
			    "2026-11-20T10:00:00.000Z");
}

static void test_sync_apply_rolls_back_only_the_bad_envelope_in_a_transaction(void **state)
{
	struct testdb *f = *state;
	struct err e;

	testdb_exec(f->db, "BEGIN IMMEDIATE");
	assert_int_equal(apply(f->db, "units", UNIT, "update", "{\"name\": \"Spíž\"}", NOW, &e),
			 SYNC_APPLIED);
	assert_int_equal(apply(f->db, "zaznamy", RECORD, "update",
			       "{\"title\": \"x\", \"status\": \"bogus\"}", NOW, &e), ERR_INVALID);
	assert_int_equal(apply(f->db, "zaznamy", RECORD, "update", "{\"cost\": 5}", NOW, &e),
			 SYNC_APPLIED);
	testdb_exec(f->db, "COMMIT");
	assert_string_equal(column(f->db, "units", "name", UNIT), "Spíž");
	assert_string_equal(column(f->db, "zaznamy", "title || ' ' || cost", RECORD),
			    "Oprava kotle 5");
}

static void test_sync_apply_reports_a_locked_database_as_not_the_envelopes_fault(void **state)
{
	struct testdb *f = *state;
	sqlite3 *other = testdb_connect(f);
	struct err e;
	int rc;

	assert_non_null(other);
	testdb_exec(other, "BEGIN IMMEDIATE");
	rc = apply(f->db, "units", UNIT, "update", "{\"name\": \"a\"}", NOW, &e);
	assert_int_equal(rc, ERR_BUSY);
	assert_int_equal(sync_error_is_envelope(rc), 0);
	testdb_exec(other, "ROLLBACK");
	sqlite3_close(other);
	assert_int_equal(sqlite3_get_autocommit(f->db), 1);
	assert_string_equal(column(f->db, "units", "name", UNIT), "Kuchyň");
}

static void test_sync_error_is_envelope_sorts_the_codes(void **state)
{
	static const struct {
		int code, is_envelope;
	} cases[] = {
		{ERR_INVALID, 1}, {ERR_NOTFOUND, 1}, {ERR_BUSY, 0}, {ERR_DB, 0},
		{ERR_NOSPACE, 0}, {ERR_NOMEM, 0},    {ERR_IO, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(sync_error_is_envelope(cases[i].code), cases[i].is_envelope);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_sync_apply_reports_each_envelope_error_and_changes_nothing, setup,
			testdb_teardown),
		cmocka_unit_test_setup_teardown(test_sync_apply_refuses_an_unsafe_storage_key,
						setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_sync_apply_creates_each_entity_with_its_mapped_columns, setup,
			testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_sync_apply_create_of_an_existing_row_updates_it, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_sync_apply_update_changes_only_the_named_columns, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_sync_apply_delete_soft_deletes_and_is_idempotent, setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_sync_apply_last_write_wins_both_ways, setup,
						testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_sync_apply_compares_a_time_without_milliseconds_exactly, setup,
			testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_sync_apply_takes_the_payload_time_when_the_envelope_has_none, setup,
			testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_sync_apply_rolls_back_only_the_bad_envelope_in_a_transaction, setup,
			testdb_teardown),
		cmocka_unit_test_setup_teardown(
			test_sync_apply_reports_a_locked_database_as_not_the_envelopes_fault, setup,
			testdb_teardown),
		cmocka_unit_test(test_sync_error_is_envelope_sorts_the_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
