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
    "ON CONFLICT DO NOTHING\n"
    "RETURNING id";

static const char sql_find_unique[] =
    "SELECT id FROM jobs\n"
    "WHERE unique_key = ?1 AND state IN " UNFINISHED_STATES;

static const char sql_claim[] =
    "UPDATE jobs SET state = 'processing', owner = ?1, lease_until = ?2,\n"
    "                attempts = attempts + 1, started_at = ?3, progress = "
    "NULL\n"
    "WHERE id = (SELECT id FROM jobs INDEXED BY jobs_claim\n"
    "            WHERE state IN " WAITING_STATES " AND run_at <= ?3\n"
    "            ORDER BY priority DESC, run_at, id LIMIT 1)\n"
    "RETURNING id, type, payload, attempts, max_attempts, recurring_name, "
    "run_at";

static const char sql_claim_id[] =
    "UPDATE jobs SET state = 'processing', owner = ?1, lease_until = ?2,\n"
    "                attempts = attempts + 1, started_at = ?3, progress = "
    "NULL\n"
    "WHERE id = ?4 AND state IN " WAITING_STATES "\n"
    "RETURNING id, type, payload, attempts, max_attempts, recurring_name, "
    "run_at";

static const char sql_attempt_start[] =
    "INSERT INTO job_attempts (job_id, attempt, owner, started_at)\n"
    "VALUES (?1, (SELECT COALESCE(MAX(attempt), 0) + 1 FROM job_attempts\n"
    "             WHERE job_id = ?1), ?2, ?3)\n"
    "RETURNING attempt";

static const char sql_attempt_finish[] =
    "UPDATE job_attempts SET finished_at = ?3, outcome = ?4, error = ?5,\n"
    "       duration_ms = ?6\n"
    "WHERE job_id = ?1 AND attempt = ?2";

static const char sql_renew[] =
    "UPDATE jobs SET lease_until = ?3, progress = COALESCE(?4, progress)\n"
    "WHERE id = ?1 AND owner = ?2 AND state = 'processing'";

static const char sql_complete[] =
    "UPDATE jobs SET state = 'succeeded', finished_at = ?3, result = ?4,\n"
    "       lease_until = NULL, progress = NULL, last_error = NULL\n"
    "WHERE id = ?1 AND owner = ?2 AND state = 'processing'";

static const char sql_fail[] =
    "UPDATE jobs SET\n"
    "    state = CASE WHEN ?4 OR attempts >= max_attempts THEN 'dead' ELSE "
    "'failed' END,\n"
    "    run_at = CASE WHEN ?4 OR attempts >= max_attempts THEN run_at ELSE ?5 "
    "END,\n"
    "    finished_at = CASE WHEN ?4 OR attempts >= max_attempts THEN ?3 END,\n"
    "    last_error = ?6, lease_until = NULL, progress = NULL\n"
    "WHERE id = ?1 AND owner = ?2 AND state = 'processing'\n"
    "RETURNING state";

static const char sql_next_due[] =
    "SELECT run_at FROM jobs INDEXED BY jobs_due\n"
    "WHERE state IN " WAITING_STATES "\n"
    "ORDER BY run_at LIMIT 1";

static const char sql_pending[] =
    "SELECT EXISTS (SELECT 1 FROM jobs\n"
    "               WHERE state = 'processing'\n"
    "                  OR (state IN " WAITING_STATES " AND run_at <= ?1)\n"
    "                  OR (state = 'failed'))";

static const char *const statement_sql[ST_COUNT] = {
    "BEGIN IMMEDIATE", "COMMIT",     sql_enqueue,	sql_find_unique,
    sql_claim,	       sql_claim_id, sql_attempt_start, sql_attempt_finish,
    sql_renew,	       sql_complete, sql_fail,		sql_next_due,
    sql_pending,
};

int queue_step_done(sqlite3_stmt *stmt)
{
	int rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		;
	sqlite3_reset(stmt);
	return rc;
}

static sqlite3_stmt *use(struct queue *q, int which)
{
	sqlite3_stmt *stmt = q->stmt[which];

	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return stmt;
}

/* db_begin/db_commit with statements prepared once: the claim and the
 * completion are the hot path of every job. */
static int begin(struct queue *q, struct err *e)
{
	int rc = queue_step_done(use(q, ST_BEGIN));

	return rc == SQLITE_DONE ? 0
				 : db_error(q->db, rc, e, "BEGIN IMMEDIATE");
}

static int commit(struct queue *q, struct err *e)
{
	int rc = queue_step_done(use(q, ST_COMMIT));

	if (rc == SQLITE_DONE)
		return 0;
	db_rollback(q->db);
	return db_error(q->db, rc, e, "COMMIT");
}

/* Keeps job_types in step with the compiled-in registry, so rows that
 * another program inserts get the right priority and attempt limit. */
static int sync_job_types(struct queue *q, struct err *e)
{
	static const char sql[] =
	    "INSERT INTO job_types (name, priority, max_attempts, updated_at)\n"
	    "VALUES (?1, ?2, ?3, ?4)\n"
	    "ON CONFLICT (name) DO UPDATE SET priority = ?2, max_attempts = "
	    "?3,\n"
	    "                                 updated_at = ?4\n"
	    "WHERE priority <> ?2 OR max_attempts <> ?3";
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = db_prepare(q->db, sql, &stmt, e)))
		return rc;
	for (int i = 0; q->types[i]; i++) {
		sqlite3_reset(stmt);
		sqlite3_bind_text(stmt, 1, q->types[i]->name, -1,
				  SQLITE_STATIC);
		sqlite3_bind_int(stmt, 2, q->types[i]->priority);
		sqlite3_bind_int(stmt, 3,
				 job_type_max_attempts(q->types[i], q->cfg));
		db_bind_time(stmt, 4, clock_now());
		if ((rc = queue_step_done(stmt)) != SQLITE_DONE) {
			rc = db_error(q->db, rc, e, "updating job_types");
			break;
		}
		rc = 0;
	}
	sqlite3_finalize(stmt);
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
		rc = sqlite3_prepare_v3(db, statement_sql[i], -1,
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
	free(q);
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
	sqlite3_stmt *stmt = use(q, ST_FIND_UNIQUE);
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
	int rc;

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
	stmt = use(q, ST_ENQUEUE);
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
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (existed)
		*existed = rc == SQLITE_DONE;
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE && opt->unique_key)
		return find_unique(q, opt->unique_key, id, e);
	return db_error(q->db, rc, e, "enqueueing a job");
}

int queue_insert(sqlite3 *db, const char *type, const char *payload,
		 const char *unique_key, int64_t run_at, int *inserted,
		 struct err *e)
{
	static const char sql[] = "INSERT INTO jobs (type, payload, state, "
				  "run_at, unique_key, created_at)\n"
				  "VALUES (?1, ?2, CASE WHEN ?3 > ?5 THEN "
				  "'scheduled' ELSE 'enqueued' END,\n"
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

static char *dup_column(sqlite3_stmt *stmt, int column)
{
	const char *text = (const char *)sqlite3_column_text(stmt, column);

	return text ? strdup(text) : NULL;
}

/* id 0: the best due job; otherwise that job if it waits. */
static int claim_row(struct queue *q, int64_t now, int64_t id,
		     struct queue_job *job, struct err *e)
{
	sqlite3_stmt *stmt = use(q, id ? ST_CLAIM_ID : ST_CLAIM);
	int rc;

	sqlite3_bind_text(stmt, 1, q->owner, -1, SQLITE_STATIC);
	db_bind_time(stmt, 2,
		     now + (int64_t)q->cfg->queue.lease_seconds * 1000);
	db_bind_time(stmt, 3, now);
	if (id)
		sqlite3_bind_int64(stmt, 4, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		job->id = sqlite3_column_int64(stmt, 0);
		snprintf(job->type, sizeof(job->type), "%s",
			 (const char *)sqlite3_column_text(stmt, 1));
		job->payload = dup_column(stmt, 2);
		job->attempt = sqlite3_column_int(stmt, 3);
		job->max_attempts = sqlite3_column_int(stmt, 4);
		job->recurring_name = dup_column(stmt, 5);
		if (db_column_time(stmt, 6, &job->run_at))
			job->run_at = now;
		job->started_at = now;
	}
	queue_step_done(stmt);
	if (rc == SQLITE_DONE && id)
		return err_set(e, ERR_CONFLICT,
			       "job %lld is not waiting to run "
			       "(it runs, finished, or does not exist)",
			       (long long)id);
	if (rc == SQLITE_DONE)
		return err_set(e, ERR_NOTFOUND, "no job is due");
	return rc == SQLITE_ROW ? 0 : db_error(q->db, rc, e, "claiming a job");
}

static int start_attempt(struct queue *q, struct queue_job *job, int64_t now,
			 struct err *e)
{
	sqlite3_stmt *stmt = use(q, ST_ATTEMPT_START);
	int rc;

	sqlite3_bind_int64(stmt, 1, job->id);
	sqlite3_bind_text(stmt, 2, q->owner, -1, SQLITE_STATIC);
	db_bind_time(stmt, 3, now);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		job->history_attempt = sqlite3_column_int(stmt, 0);
	queue_step_done(stmt);
	return rc == SQLITE_ROW
		   ? 0
		   : db_error(q->db, rc, e, "recording an attempt");
}

static int claim(struct queue *q, int64_t now, int64_t id,
		 struct queue_job *job, struct err *e)
{
	int rc;

	memset(job, 0, sizeof(*job));
	if ((rc = begin(q, e)))
		return rc;
	if ((rc = claim_row(q, now, id, job, e)) ||
	    (rc = start_attempt(q, job, now, e)))
		goto fail;
	if ((rc = commit(q, e)))
		goto fail;
	return 0;
fail:
	db_rollback(q->db);
	queue_job_clear(job);
	return rc;
}

int queue_claim(struct queue *q, int64_t now, struct queue_job *job,
		struct err *e)
{
	return claim(q, now, 0, job, e);
}

int queue_claim_id(struct queue *q, int64_t id, int64_t now,
		   struct queue_job *job, struct err *e)
{
	return claim(q, now, id, job, e);
}

void queue_job_clear(struct queue_job *job)
{
	free(job->payload);
	free(job->recurring_name);
	job->payload = NULL;
	job->recurring_name = NULL;
}

int queue_renew(struct queue *q, const struct queue_job *job, int64_t now,
		const char *progress, struct err *e)
{
	sqlite3_stmt *stmt = use(q, ST_RENEW);
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

static int finish_attempt(struct queue *q, const struct queue_job *job,
			  int64_t now, const char *outcome, const char *error,
			  struct err *e)
{
	sqlite3_stmt *stmt = use(q, ST_ATTEMPT_FINISH);
	int rc;

	sqlite3_bind_int64(stmt, 1, job->id);
	sqlite3_bind_int(stmt, 2, job->history_attempt);
	db_bind_time(stmt, 3, now);
	sqlite3_bind_text(stmt, 4, outcome, -1, SQLITE_STATIC);
	if (error)
		sqlite3_bind_text(stmt, 5, error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 6, now - job->started_at);
	rc = queue_step_done(stmt);
	return rc == SQLITE_DONE
		   ? 0
		   : db_error(q->db, rc, e, "finishing an attempt");
}

int queue_complete(struct queue *q, const struct queue_job *job, int64_t now,
		   const char *result, struct err *e)
{
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = begin(q, e)))
		return rc;
	stmt = use(q, ST_COMPLETE);
	sqlite3_bind_int64(stmt, 1, job->id);
	sqlite3_bind_text(stmt, 2, q->owner, -1, SQLITE_STATIC);
	db_bind_time(stmt, 3, now);
	if (result)
		sqlite3_bind_text(stmt, 4, result, -1, SQLITE_STATIC);
	if ((rc = queue_step_done(stmt)) != SQLITE_DONE) {
		rc = db_error(q->db, rc, e, "completing a job");
		goto fail;
	}
	if (sqlite3_changes(q->db) == 0) {
		rc = err_set(e, ERR_CONFLICT,
			     "job %lld was cancelled while it ran",
			     (long long)job->id);
		goto fail;
	}
	if ((rc = finish_attempt(q, job, now, "succeeded", NULL, e)))
		goto fail;
	return commit(q, e);
fail:
	db_rollback(q->db);
	return rc;
}

int queue_fail(struct queue *q, const struct queue_job *job, int64_t now,
	       const char *error, int is_final, int64_t retry_delay_ms,
	       const char **state_out, struct err *e)
{
	sqlite3_stmt *stmt;
	int rc;

	*state_out = "failed";
	if ((rc = begin(q, e)))
		return rc;
	stmt = use(q, ST_FAIL);
	sqlite3_bind_int64(stmt, 1, job->id);
	sqlite3_bind_text(stmt, 2, q->owner, -1, SQLITE_STATIC);
	db_bind_time(stmt, 3, now);
	sqlite3_bind_int(stmt, 4, is_final);
	db_bind_time(stmt, 5, now + retry_delay_ms);
	sqlite3_bind_text(stmt, 6, error, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*state_out = strcmp((const char *)sqlite3_column_text(stmt, 0),
				    "dead") == 0
				 ? "dead"
				 : "failed";
	queue_step_done(stmt);
	if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_CONFLICT,
			     "job %lld was cancelled while it ran",
			     (long long)job->id);
		goto fail;
	}
	if (rc != SQLITE_ROW) {
		rc = db_error(q->db, rc, e, "recording a failure");
		goto fail;
	}
	if ((rc = finish_attempt(q, job, now, "failed", error, e)))
		goto fail;
	return commit(q, e);
fail:
	db_rollback(q->db);
	return rc;
}

int queue_release(struct queue *q, const struct queue_job *job, int64_t now,
		  const char *why, struct err *e)
{
	static const char sql[] =
	    "UPDATE jobs SET state = 'enqueued', attempts = MAX(attempts - 1, "
	    "0),\n"
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
	if ((rc = finish_attempt(q, job, now, "lost", why, e)))
		goto fail;
	return db_commit(q->db, e);
fail:
	db_rollback(q->db);
	return rc;
}

int queue_next_due(struct queue *q, int64_t *when, struct err *e)
{
	sqlite3_stmt *stmt = use(q, ST_NEXT_DUE);
	int rc = sqlite3_step(stmt);

	if (rc == SQLITE_ROW && db_column_time(stmt, 0, when) != 0)
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
	sqlite3_stmt *stmt = use(q, ST_PENDING);
	int rc;

	db_bind_time(stmt, 1, now);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*pending = sqlite3_column_int(stmt, 0);
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW ? 0
				: db_error(q->db, rc, e, "checking the queue");
}
