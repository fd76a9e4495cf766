/*
 * sync.h - applies one sync envelope to the app tables.
 *
 * The mobile app queues the changes it makes offline in sync_queue; an
 * envelope is one row there: a create, update or delete of one entity,
 * with the entity's fields as a JSON object in camelCase and the time the
 * client made the change (client_updated_at). sync_apply() writes it into
 * the app tables; the sync_retry job calls it for envelopes that failed
 * before.
 *
 * Entities and their payload fields (JSON key -> column; * = required on
 * create; -> T: must name an existing, not deleted row of T):
 *
 *   projects   (projects)          ownerId -> owner_id (-> users; default:
 *              the envelope's user), name*, description
 *   properties (properties)        projectId* (-> projects), name*,
 *              description, latitude, longitude, geoRadius -> geo_radius
 *   units      (units)             propertyId* (-> properties),
 *              parentUnitId -> parent_unit_id (-> units), name*,
 *              description, unitType -> unit_type
 *   zaznamy    (zaznamy)           propertyId* (-> properties),
 *              unitId (-> units), title, description, date (YYYY-MM-DD),
 *              cost (whole CZK), status, flags, createdBy -> created_by
 *              (-> users)
 *   dokumenty  (zaznam_dokumenty)  zaznamId* (-> zaznamy), type,
 *              storageKey* (a safe storage key, storage_key_valid()),
 *              originalFileName, mimeType, sizeBytes, description
 *
 * Every entity also takes "id" (when present it must equal the envelope's
 * entity_id), "createdAt" (create only; default client_updated_at) and
 * "clientUpdatedAt" (used when the envelope has no client_updated_at).
 * Other keys are ignored, so an app version that sends more still syncs.
 * A JSON null clears a nullable column; text columns take strings,
 * whole-number columns integral numbers, latitude/longitude any number.
 *
 * Operations:
 *   create  inserts the row; when the id exists already (a create that did
 *           reach the server before) it is applied as an update.
 *   update  sets the columns named in the payload; the row must exist.
 *   delete  soft-deletes the row (is_deleted=1, deleted_at); a missing or
 *           already deleted row is success. Children are not touched.
 * Last write wins: the row's updated_at becomes client_updated_at, and an
 * envelope older than the row's updated_at changes nothing and reports
 * SYNC_STALE (times compare as instants, so a stored time without
 * milliseconds is read exactly). An equal time applies again (idempotent).
 *
 * The envelope is applied inside its own SAVEPOINT: all of it or nothing,
 * also when the caller's transaction goes on with other envelopes.
 */
#ifndef DOMECEK_SYNC_H
#define DOMECEK_SYNC_H

#include <sqlite3.h>
#include <stdint.h>

struct err;

struct sync_envelope {
	const char *sync_id; /* sync_queue.id, for messages; may be NULL */
	const char *user_id; /* whose change */
	const char
	    *entity_type; /* projects|properties|units|zaznamy|dokumenty */
	const char *entity_id;
	const char *operation;	   /* create|update|delete */
	const char *payload;	   /* JSON object text; NULL for a delete */
	int64_t client_updated_at; /* ms; 0: the payload's clientUpdatedAt */
};

enum sync_result {
	SYNC_APPLIED = 0, /* the change is in the app tables */
	SYNC_STALE = 1,	  /* the row is newer: nothing changed (a success) */
};

/*
 * Applies env to db (foreign keys on; inside the caller's transaction or
 * not). Returns SYNC_APPLIED or SYNC_STALE, or a negative error code:
 * - envelope errors, see sync_error_is_envelope(): ERR_INVALID for an
 *   envelope that can never apply as it is ("unknown entity type 'x'",
 *   "payload is not valid JSON at offset 12 (near ...)", "missing field
 *   'name'", "field 'cost' must be a whole number", a CHECK constraint);
 *   ERR_NOTFOUND for one that may apply later ("missing parent property
 *   <id>", an update of a row that does not exist yet);
 * - database errors (ERR_BUSY, ERR_DB, ERR_NOSPACE, ERR_NOMEM): not the
 *   envelope's fault; the caller rolls back and tries again later.
 * Nothing of the envelope is left in the database after an error.
 */
int sync_apply(sqlite3 *db, const struct sync_envelope *env, struct err *e);

/* 1 when an error of sync_apply() is the envelope's own (it counts as a
 * failed attempt of that envelope), 0 for a database error. */
int sync_error_is_envelope(int code);

#endif
