/*
 * queue.c - the durable job queue in the jobs table.
 *
 * Every transition is one short transaction, so the app's API, which
 * writes to the same file, never waits long for the lock. The hot
 * statements (enqueue, claim, renew, complete) are prepared once with
 * SQLITE_PREPARE_PERSISTENT and reset after each use.
 *
 * Invariant: a job in 'processing' has an owner and a lease_until; every
 * claim inserts one job_attempts row and every way out of 'processing'
 * (complete, fail, recover, cancel) finishes that row.
 */
#include "core/queue.h"
#include "queue_impl.h"
#include "base/clock.h"
#include "config/config.h"
#include "db/db.h"
#include "base/err.h"
#include "core/job.h"
#include "base/log.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char sql_enqueue[] =
    "INSERT INTO jobs (type, payload, state, priority, run_at, unique_key,\n"
    "                  max_attempts, recurring_name, created_at)\n"
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)\n"
    "ON CONFLICT DO NOTHING";

static const char sql_find_unique[] =
    "SELECT id FROM jobs INDEXED BY jobs_unique_active\n"
    "WHERE unique_key = ?1 AND " UNFINISHED;

static const char sql_renew[] =
    "UPDATE jobs SET lease_until = ?3, progress = COALESCE(?4, progress)\n"
    "WHERE id = ?1 AND owner = ?2 AND state = 'processing'";

// clang-format off
/* The earliest run_at among waiting jobs: a skip-scan of the claim index,
 * one seek per distinct priority, so thousands of waiting jobs cost no
 * more than a handful. */
static const char sql_next_due[] =
    "WITH RECURSIVE levels(p) AS (\n"
    "    SELECT max(" EFFECTIVE_PRIORITY ") FROM jobs WHERE " UNFINISHED "\n"
    "    UNION ALL\n"
    "    SELECT (SELECT max(" EFFECTIVE_PRIORITY ") FROM jobs\n"
    "            WHERE " UNFINISHED " AND " EFFECTIVE_PRIORITY " < levels.p)\n"
    "    FROM levels WHERE levels.p IS NOT NULL)\n"
    "SELECT min((SELECT run_at FROM jobs\n"
    "            WHERE " UNFINISHED " AND state <> 'processing'\n"
    "              AND " EFFECTIVE_PRIORITY " = levels.p\n"
    "            ORDER BY run_at LIMIT 1))\n"
    "FROM levels WHERE levels.p IS NOT NULL";

static const char sql_pending[] =
    "SELECT EXISTS (SELECT 1 FROM jobs INDEXED BY jobs_claim\n"
    "               WHERE " UNFINISHED "\n"
    "                 AND (state IN ('processing', 'failed') OR run_at <= ?1))";

static const char sql_look[] =
    "SELECT (SELECT state = 'processing' AND owner = ?2 FROM jobs WHERE id = ?1),\n"
    "       EXISTS (SELECT 1 FROM jobs INDEXED BY jobs_claim\n"
    "               WHERE " UNFINISHED " AND state <> 'processing'\n"
    "                 AND run_at <= ?3 AND " EFFECTIVE_PRIORITY " > ?4),\n"
    "       (SELECT min(run_at) FROM jobs INDEXED BY jobs_claim\n"
    "        WHERE " UNFINISHED " AND state <> 'processing'\n"
    "          AND run_at > ?3 AND " EFFECTIVE_PRIORITY " > ?4)";
/* The claim reads the best due job through the claim index, then takes
 * it by id: no RETURNING, whose buffer table is a page cache opened and
 * freed (and the heap grown and shrunk) on every claim. */
static const char sql_pick[] =
    "SELECT id, type, payload, attempts, max_attempts, recurring_name, run_at,\n"
    "       " EFFECTIVE_PRIORITY "\n"
    "FROM jobs INDEXED BY jobs_claim\n"
    "WHERE " UNFINISHED " AND state <> 'processing' AND run_at <= ?1\n"
    "  AND " EFFECTIVE_PRIORITY " > ?2\n"
    "ORDER BY " EFFECTIVE_PRIORITY " DESC, run_at, id LIMIT 1";

static const char sql_pick_id[] =
    "SELECT id, type, payload, attempts, max_attempts, recurring_name, run_at,\n"
    "       " EFFECTIVE_PRIORITY "\n"
    "FROM jobs WHERE id = ?3 AND state IN " WAITING_STATES;

static const char sql_take[] =
    "UPDATE jobs SET state = 'processing', owner = ?2, lease_until = ?3,\n"
    "       attempts = attempts + 1, started_at = ?4, progress = NULL,\n"
    "       max_attempts = COALESCE(max_attempts, ?5)\n"
    "WHERE id = ?1";

static const char sql_attempt_next[] =
    "SELECT COALESCE(MAX(attempt), 0) + 1 FROM job_attempts WHERE job_id = ?1";

static const char sql_attempt_start[] =
    "INSERT INTO job_attempts (job_id, attempt, owner, started_at)\n"
    "VALUES (?1, ?2, ?3, ?4)";

static const char sql_attempt_finish[] =
    "UPDATE job_attempts SET finished_at = ?3, outcome = ?4, error = ?5,\n"
    "       duration_ms = ?6\n"
    "WHERE job_id = ?1 AND attempt = ?2";

static const char sql_complete[] =
    "UPDATE jobs SET state = 'succeeded', finished_at = ?3, result = ?4,\n"
    "       owner = NULL, lease_until = NULL, progress = NULL, last_error = NULL\n"
    "WHERE id = ?1 AND owner = ?2 AND state = 'processing'";

/* ?4: 'failed' (retry at ?5) or 'dead' (finished at ?3). */
static const char sql_fail[] =
    "UPDATE jobs SET state = ?4,\n"
    "       run_at = CASE ?4 WHEN 'dead' THEN run_at ELSE ?5 END,\n"
    "       finished_at = CASE ?4 WHEN 'dead' THEN ?3 END,\n"
    "       last_error = ?6, owner = NULL, lease_until = NULL, progress = NULL\n"
    "WHERE id = ?1 AND owner = ?2 AND state = 'processing'";
// clang-format on

const char *const queue_statement_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ENQUEUE] = sql_enqueue,
    [ST_FIND_UNIQUE] = sql_find_unique,
    [ST_PICK] = sql_pick,
    [ST_PICK_ID] = sql_pick_id,
    [ST_TAKE] = sql_take,
    [ST_ATTEMPT_NEXT] = sql_attempt_next,
    [ST_ATTEMPT_START] = sql_attempt_start,
    [ST_ATTEMPT_FINISH] = sql_attempt_finish,
    [ST_RENEW] = sql_renew,
    [ST_COMPLETE] = sql_complete,
    [ST_FAIL] = sql_fail,
    [ST_NEXT_DUE] = sql_next_due,
    [ST_PENDING] = sql_pending,
    [ST_LOOK] = sql_look,
};

int queue_step_done(sqlite3_stmt *stmt)
{
	int rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		;
	sqlite3_reset(stmt);
	return rc;
}

sqlite3_stmt *queue_use(struct queue *q, int which)
{
	sqlite3_stmt *stmt = q->stmt[which];

	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return stmt;
}

/* db_begin/db_commit with statements prepared once: the claim and the
 * completion are the hot path of every job. */
int queue_begin(struct queue *q, struct err *e)
{
	int rc = queue_step_done(queue_use(q, ST_BEGIN));

	return rc == SQLITE_DONE ? 0
				 : db_error(q->db, rc, e, "BEGIN IMMEDIATE");
}

int queue_commit(struct queue *q, struct err *e)
{
	int rc = queue_step_done(queue_use(q, ST_COMMIT));

	if (rc == SQLITE_DONE)
		return 0;
	db_rollback(q->db);
	return db_error(q->db, rc, e, "COMMIT");
}

/* 1 when job_types already holds name with these defaults. */
static int type_is_current(sqlite3_stmt *read, const char *name, int priority,
			   int max_attempts)
{
	int is_current;

	sqlite3_reset(read);
	sqlite3_bind_text(read, 1, name, -1, SQLITE_STATIC);
	is_current = sqlite3_step(read) == SQLITE_ROW &&
		     sqlite3_column_int(read, 0) == priority &&
		     sqlite3_column_int(read, 1) == max_attempts;
	sqlite3_reset(read);
	return is_current;
}

/* Keeps job_types (the public list of the types this binary runs, with
 * their defaults) in step with the compiled-in registry; a row that is
 * current is not written, so a start writes nothing here. */
static int sync_job_types(struct queue *q, struct err *e)
{
	static const char sql[] =
	    "INSERT INTO job_types (name, priority, max_attempts, updated_at)\n"
	    "VALUES (?1, ?2, ?3, ?4)\n"
	    "ON CONFLICT (name) DO UPDATE SET priority = ?2, max_attempts = ?3,\n"
	    "                                 updated_at = ?4";
	static const char sql_read[] =
	    "SELECT priority, max_attempts FROM job_types WHERE name = ?1";
	sqlite3_stmt *stmt, *read;
	int rc;

	if ((rc = db_prepare(q->db, sql_read, &read, e)))
		return rc;
	if ((rc = db_prepare(q->db, sql, &stmt, e))) {
		sqlite3_finalize(read);
		return rc;
	}
	for (int i = 0; q->types[i]; i++) {
		int max = job_type_max_attempts(q->types[i], q->cfg);
		if (type_is_current(read, q->types[i]->name,
				    q->types[i]->priority, max))
			continue;
		sqlite3_reset(stmt);
		sqlite3_bind_text(stmt, 1, q->types[i]->name, -1,
				  SQLITE_STATIC);
		sqlite3_bind_int(stmt, 2, q->types[i]->priority);
		sqlite3_bind_int(stmt, 3, max);
		db_bind_time(stmt, 4, clock_now());
		if ((rc = queue_step_done(stmt)) != SQLITE_DONE) {
			rc = db_error(q->db, rc, e, "updating job_types");
			break;
		}
		rc = 0;
	}
	sqlite3_finalize(stmt);
	sqlite3_finalize(read);
	return rc;
}

int queue_open(sqlite3 *db, const struct config *cfg,
	       const struct job_type *const *types, const char *owner,
	       struct queue **out, struct err *e)
{
	struct queue *q = calloc(1, sizeof(*q));
	int rc;

	*out = NULL;
	if (!q)
		return err_set(e, ERR_NOMEM, "out of memory");
	q->db = db;
	q->cfg = cfg;
	q->types = types;
	snprintf(q->owner, sizeof(q->owner), "%s", owner);
	for (int i = 0; i < ST_COUNT; i++) {
		rc = sqlite3_prepare_v3(db, queue_statement_sql[i], -1,
					SQLITE_PREPARE_PERSISTENT, &q->stmt[i],
					NULL);
		if (rc != SQLITE_OK) {
			rc = db_error(db, rc, e,
				      "preparing the queue's statements");
			goto fail;
		}
	}
	if ((rc = sync_job_types(q, e)))
		goto fail;
	*out = q;
	return 0;
fail:
	queue_free(q);
	return rc;
}

void queue_free(struct queue *q)
{
	if (!q)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(q->stmt[i]);
	for (int i = 0; i < QUEUE_EXTRA_STATEMENTS; i++)
		sqlite3_finalize(q->extra[i]);
	free(q);
}

int queue_prepared(struct queue *q, int slot, const char *sql,
		   sqlite3_stmt **out, struct err *e)
{
	int rc;

	if (!q->extra[slot] &&
	    (rc = sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
				     &q->extra[slot], NULL)) != SQLITE_OK) {
		q->extra[slot] = NULL;
		return db_error(q->db, rc, e, "preparing a statement");
	}
	*out = q->extra[slot];
	return 0;
}

const struct job_type *queue_type(const struct queue *q, const char *name)
{
	return job_type_find(q->types, name);
}

const struct job_type *const *queue_types(const struct queue *q)
{
	return q->types;
}

const char *queue_owner(const struct queue *q)
{
	return q->owner;
}

static int validate_payload(const char *payload, struct err *e)
{
	cJSON *parsed = cJSON_Parse(payload);
	int is_object = cJSON_IsObject(parsed);

	cJSON_Delete(parsed);
	if (!parsed)
		return err_set(e, ERR_INVALID,
			       "payload is not valid JSON: %.80s", payload);
	if (!is_object)
		return err_set(e, ERR_INVALID,
			       "payload must be a JSON object: %.80s", payload);
	return 0;
}

static int find_unique(struct queue *q, const char *key, int64_t *id,
		       struct err *e)
{
	sqlite3_stmt *stmt = queue_use(q, ST_FIND_UNIQUE);
	int rc;

	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (rc == SQLITE_ROW)
		return 0;
	/* The holder finished between our insert and this look-up. */
	return rc == SQLITE_DONE
		   ? err_set(e, ERR_BUSY,
			     "unique key %s: holder "
			     "just finished; enqueue again",
			     key)
		   : db_error(q->db, rc, e, "looking up a unique key");
}

int queue_enqueue(struct queue *q, const char *type,
		  const struct queue_enqueue_options *opt, int64_t *id,
		  int *existed, struct err *e)
{
	static const struct queue_enqueue_options none;
	const struct job_type *jt = queue_type(q, type);
	const char *payload;
	int64_t now = clock_now(), run_at;
	sqlite3_stmt *stmt;
	int rc, inserted;

	if (!opt)
		opt = &none;
	if (!jt)
		return err_set(e, ERR_INVALID,
			       "unknown job type '%s' (see `domecek-jobs "
			       "enqueue --help` for the list)",
			       type);
	payload = opt->payload ? opt->payload : "{}";
	if ((rc = validate_payload(payload, e)))
		return rc;
	run_at = opt->run_at ? opt->run_at : now;
	stmt = queue_use(q, ST_ENQUEUE);
	sqlite3_bind_text(stmt, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, payload, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, run_at > now ? "scheduled" : "enqueued", -1,
			  SQLITE_STATIC);
	sqlite3_bind_int(stmt, 4,
			 opt->has_priority ? opt->priority : jt->priority);
	db_bind_time(stmt, 5, run_at);
	if (opt->unique_key)
		sqlite3_bind_text(stmt, 6, opt->unique_key, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 7,
			 opt->max_attempts > 0
			     ? opt->max_attempts
			     : job_type_max_attempts(jt, q->cfg));
	if (opt->recurring_name)
		sqlite3_bind_text(stmt, 8, opt->recurring_name, -1,
				  SQLITE_STATIC);
	db_bind_time(stmt, 9, now);
	rc = queue_step_done(stmt);
	if (rc != SQLITE_DONE)
		return db_error(q->db, rc, e, "enqueueing a job");
	inserted = sqlite3_changes(q->db) > 0;
	if (existed)
		*existed = !inserted;
	if (inserted) {
		*id = sqlite3_last_insert_rowid(q->db);
		return 0;
	}
	if (opt->unique_key)
		return find_unique(q, opt->unique_key, id, e);
	return db_error(q->db, rc, e, "enqueueing a job");
}

int queue_insert(sqlite3 *db, const char *type, const char *payload,
		 const char *unique_key, int64_t run_at, int *inserted,
		 struct err *e)
{
	static const char sql[] =
	    "INSERT INTO jobs (type, payload, state, run_at, unique_key, created_at)\n"
	    "VALUES (?1, ?2, CASE WHEN ?3 > ?5 THEN 'scheduled' ELSE 'enqueued' END,\n"
	    "        ?3, ?4, ?5)\n"
	    "ON CONFLICT DO NOTHING";
	int64_t now = clock_now();
	sqlite3_stmt *stmt;
	int rc;

	if (inserted)
		*inserted = 0;
	if ((rc = validate_payload(payload, e)))
		return rc;
	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_text(stmt, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, payload, -1, SQLITE_STATIC);
	db_bind_time(stmt, 3, run_at ? run_at : now);
	if (unique_key)
		sqlite3_bind_text(stmt, 4, unique_key, -1, SQLITE_STATIC);
	db_bind_time(stmt, 5, now);
	rc = queue_step_done(stmt);
	if (rc == SQLITE_DONE && inserted)
		*inserted = sqlite3_changes(db) > 0;
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : db_error(db, rc, e, "enqueueing a job");
}

int queue_renew(struct queue *q, const struct queue_job *job, int64_t now,
		const char *progress, struct err *e)
{
	sqlite3_stmt *stmt = queue_use(q, ST_RENEW);
	int rc;

	sqlite3_bind_int64(stmt, 1, job->id);
	sqlite3_bind_text(stmt, 2, q->owner, -1, SQLITE_STATIC);
	db_bind_time(stmt, 3,
		     now + (int64_t)q->cfg->queue.lease_seconds * 1000);
	if (progress)
		sqlite3_bind_text(stmt, 4, progress, -1, SQLITE_STATIC);
	rc = queue_step_done(stmt);
	if (rc != SQLITE_DONE)
		return db_error(q->db, rc, e, "renewing a lease");
	if (sqlite3_changes(q->db) == 0)
		return err_set(e, ERR_CONFLICT,
			       "job %lld is no longer ours "
			       "(cancelled, or its lease was taken over)",
			       (long long)job->id);
	return 0;
}

int queue_release(struct queue *q, const struct queue_job *job, int64_t now,
		  const char *why, struct err *e)
{
	static const char sql[] =
	    "UPDATE jobs SET state = 'enqueued', attempts = MAX(attempts - 1, 0),\n"
	    "       owner = NULL, lease_until = NULL\n"
	    "WHERE id = ?1 AND owner = ?2 AND state = 'processing'";
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = db_begin(q->db, e)))
		return rc;
	if ((rc = db_prepare(q->db, sql, &stmt, e)))
		goto fail;
	sqlite3_bind_int64(stmt, 1, job->id);
	sqlite3_bind_text(stmt, 2, q->owner, -1, SQLITE_STATIC);
	rc = queue_step_done(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		rc = db_error(q->db, rc, e, "releasing a job");
		goto fail;
	}
	if ((rc = queue_finish_attempt(q, job, now, "lost", why, e)))
		goto fail;
	return db_commit(q->db, e);
fail:
	db_rollback(q->db);
	return rc;
}

int queue_next_due(struct queue *q, int64_t *when, struct err *e)
{
	sqlite3_stmt *stmt = queue_use(q, ST_NEXT_DUE);
	int rc = sqlite3_step(stmt);

	if (rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) == SQLITE_NULL)
		rc = SQLITE_DONE; /* no priority level has a waiting job */
	else if (rc == SQLITE_ROW && db_column_time(stmt, 0, when) != 0)
		*when = 0; /* an unreadable run_at: due now, the claim sorts it
			      out */
	sqlite3_reset(stmt);
	if (rc == SQLITE_DONE)
		return ERR_NOTFOUND;
	return rc == SQLITE_ROW
		   ? 0
		   : db_error(q->db, rc, e, "reading the next due job");
}

int queue_has_pending(struct queue *q, int64_t now, int *pending, struct err *e)
{
	sqlite3_stmt *stmt = queue_use(q, ST_PENDING);
	int rc;

	db_bind_time(stmt, 1, now);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*pending = sqlite3_column_int(stmt, 0);
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW ? 0
				: db_error(q->db, rc, e, "checking the queue");
}

int queue_look(struct queue *q, const struct queue_job *job, int64_t now,
	       int *is_ours, int *has_higher, int64_t *due_at, struct err *e)
{
	sqlite3_stmt *stmt = queue_use(q, ST_LOOK);
	int rc;

	sqlite3_bind_int64(stmt, 1, job->id);
	sqlite3_bind_text(stmt, 2, q->owner, -1, SQLITE_STATIC);
	db_bind_time(stmt, 3, now);
	sqlite3_bind_int(stmt, 4, job->priority);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*is_ours = sqlite3_column_int(stmt, 0);
		*has_higher = sqlite3_column_int(stmt, 1);
		if (db_column_time(stmt, 2, due_at))
			*due_at = 0;
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW
		   ? 0
		   : db_error(q->db, rc, e, "looking at the running job");
}
