/*
 * queue_admin.c - the queue's less frequent operations: recovering jobs
 * whose daemon died, retry and delete by hand, pruning finished jobs, and
 * counts by state. The hot path (enqueue, claim, renew, complete, fail)
 * is in queue.c.
 */
#include "base/clock.h"
#include "config/config.h"
#include "db/db.h"
#include "base/err.h"
#include "core/job.h"
#include "core/leader.h"
#include "base/log.h"
#include "core/queue.h"
#include "queue_impl.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The jobs one prune batch deletes (?1 succeeded before, ?2 dead or
 * cancelled before, ?3 at most): a scan in rowid order, oldest first. */
#define PRUNE_SET                                                              \
	"SELECT id FROM jobs\n"                                                \
	"    WHERE (state = 'succeeded' AND finished_at < ?1)\n"               \
	"       OR (state IN ('dead', 'cancelled') AND finished_at < ?2)\n"    \
	"    LIMIT ?3"

// clang-format off
/* Before their rows go, the attempts of the jobs in `set` are added to
 * metrics_archive, so the metrics_hourly view counts them still. */
#define FOLD_ATTEMPTS(set)                                                     \
	"INSERT INTO metrics_archive (hour, job, succeeded, failed, duration_ms)\n" \
	"SELECT substr(a.finished_at, 1, 13), j.type, sum(a.outcome = 'succeeded'),\n" \
	"       sum(a.outcome <> 'succeeded'), COALESCE(sum(a.duration_ms), 0)\n" \
	"FROM job_attempts a JOIN jobs j ON j.id = a.job_id\n"                \
	"WHERE a.outcome IN ('succeeded', 'failed', 'cancelled') AND j.id IN (" set ")\n" \
	"GROUP BY 1, 2\n"                                                      \
	"ON CONFLICT (hour, job) DO UPDATE SET\n"                              \
	"    succeeded = succeeded + excluded.succeeded,\n"                    \
	"    failed = failed + excluded.failed,\n"                             \
	"    duration_ms = duration_ms + excluded.duration_ms"
// clang-format on

static int exec_on_job(sqlite3 *db, const char *sql, int64_t id, int64_t now,
		       struct err *e);

static int update_recovered(struct queue *q, const char *sql, int64_t id,
			    int64_t now, int is_dead, const char *why,
			    struct err *e)
{
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = db_prepare(q->db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	db_bind_time(stmt, 2, now);
	sqlite3_bind_int(stmt, 3, is_dead);
	sqlite3_bind_text(stmt, 4, why, -1, SQLITE_STATIC);
	rc = queue_step_done(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0
				 : db_error(q->db, rc, e, "recovering a job");
}

/* Attempts of one job that ended with outcome ('interrupted',
 * 'deferred') in a row: since its last attempt that succeeded or failed
 * on its own. */
static int attempts_in_a_row(struct queue *q, int64_t id, const char *outcome,
			     int *count, struct err *e)
{
	// clang-format off
	static const char sql[] =
	    "SELECT count(*) FROM job_attempts\n"
	    "WHERE job_id = ?1 AND outcome = ?2\n"
	    "  AND attempt > COALESCE((SELECT MAX(attempt) FROM job_attempts\n"
	    "                          WHERE job_id = ?1 AND outcome IN ('succeeded', 'failed')), 0)";
	// clang-format on
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = db_prepare(q->db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_text(stmt, 2, outcome, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	*count = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW
		   ? 0
		   : db_error(q->db, rc, e, "counting attempts in a row");
}

/* A job dead of interruptions tells whoever waits for it (an export's
 * user), like any dead job (job_tell_dead). */
static void tell_dead(struct queue *q, int64_t id, const char *type,
		      const char *payload, const char *reason)
{
	cJSON *parsed = cJSON_Parse(payload ? payload : "{}");

	job_tell_dead(queue_type(q, type), q->db, q->cfg, id, parsed,
		      ERR_EXPIRED, reason);
	cJSON_Delete(parsed);
}

/* One job whose process died: the attempt is 'interrupted' and not
 * counted; past QUEUE_MAX_INTERRUPTIONS in a row the job is dead. */
static int recover_job(struct queue *q, int64_t id, const char *type,
		       const char *payload, int64_t now, struct err *e)
{
	// clang-format off
	static const char sql_attempt[] =
	    "UPDATE job_attempts SET finished_at = ?2, outcome = 'interrupted',\n"
	    "       error = 'the process running it died (killed, crashed or a power cut)'\n"
	    "WHERE job_id = ?1 AND outcome IS NULL";
	static const char sql_job[] =
	    "UPDATE jobs SET\n"
	    "    state = CASE WHEN ?3 THEN 'dead' ELSE 'enqueued' END,\n"
	    "    attempts = MAX(attempts - 1, 0),\n"
	    "    finished_at = CASE WHEN ?3 THEN ?2 END,\n"
	    "    last_error = ?4, owner = NULL, lease_until = NULL\n"
	    "WHERE id = ?1 AND state = 'processing'";
	// clang-format on
	char why[200];
	int rc, count, is_dead;

	if ((rc = exec_on_job(q->db, sql_attempt, id, now, e)) ||
	    (rc = attempts_in_a_row(q, id, "interrupted", &count, e)))
		return rc;
	is_dead = count > QUEUE_MAX_INTERRUPTIONS;
	snprintf(why, sizeof(why),
		 is_dead ? "interrupted %d times in a row: the process running "
			   "it died each time (a job that crashes the daemon?)"
			 : "interrupted (%d in a row): the process running it "
			   "died; not counted as an attempt",
		 count);
	if ((rc = update_recovered(q, sql_job, id, now, is_dead, why, e)))
		return rc;
	if (!is_dead)
		return 0;
	log_fmt(LOG_ERROR, "queue.interrupted_dead",
		"id=%lld type=%s interruptions=%d", (long long)id, type, count);
	tell_dead(q, id, type, payload, why);
	return 0;
}

static int recover_where(struct queue *q, int64_t now, const char *owner,
			 int *count, struct err *e)
{
	// clang-format off
	static const char sql[] =
	    "SELECT id, type, payload FROM jobs\n"
	    "WHERE state = 'processing' AND (lease_until < ?2 OR owner = ?1)";
	// clang-format on
	struct recovered {
		int64_t id;
		char type[65];
		char *payload;
	} *list = NULL;
	int n = 0, size = 0, rc = 0;
	sqlite3_stmt *stmt;

	if ((rc = db_prepare(q->db, sql, &stmt, e)))
		return rc;
	if (owner)
		sqlite3_bind_text(stmt, 1, owner, -1, SQLITE_STATIC);
	db_bind_time(stmt, 2, now);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *payload =
		    (const char *)sqlite3_column_text(stmt, 2);
		if (n == size) {
			void *grown =
			    realloc(list, (size_t)(size = size * 2 + 4) *
					      sizeof(*list));
			if (!grown)
				break;
			list = grown;
		}
		list[n].id = sqlite3_column_int64(stmt, 0);
		snprintf(list[n].type, sizeof(list[n].type), "%s",
			 (const char *)sqlite3_column_text(stmt, 1));
		list[n++].payload = payload ? strdup(payload) : NULL;
	}
	sqlite3_finalize(stmt);
	rc = rc == SQLITE_DONE ? 0
	     : rc == SQLITE_ROW
		 ? err_set(e, ERR_NOMEM, "out of memory recovering jobs")
		 : db_error(q->db, rc, e, "recovering jobs");
	for (int i = 0; i < n && !rc; i++)
		rc = recover_job(q, list[i].id, list[i].type, list[i].payload,
				 now, e);
	if (!rc)
		*count += n;
	for (int i = 0; i < n; i++)
		free(list[i].payload);
	free(list);
	return rc;
}

int queue_defer(struct queue *q, const struct queue_job *job, int64_t now,
		const char *why, int64_t *run_at, struct err *e)
{
	// clang-format off
	static const char sql_job[] =
	    "UPDATE jobs SET state = 'failed', attempts = MAX(attempts - 1, 0), run_at = ?3,\n"
	    "       last_error = ?4, owner = NULL, lease_until = NULL, progress = NULL\n"
	    "WHERE id = ?1 AND owner = ?2 AND state = 'processing'";
	static const char sql_attempt[] =
	    "UPDATE job_attempts SET finished_at = ?3, outcome = 'deferred', error = ?4,\n"
	    "       duration_ms = ?5\n"
	    "WHERE job_id = ?1 AND attempt = ?2";
	// clang-format on
	sqlite3_stmt *stmt = NULL;
	int rc, changed, deferrals = 0;

	if ((rc = db_begin(q->db, e)))
		return rc;
	if ((rc = attempts_in_a_row(q, job->id, "deferred", &deferrals, e)))
		goto fail;
	*run_at = now + job_nospace_delay(deferrals + 1); /* this one too */
	if ((rc = db_prepare(q->db, sql_job, &stmt, e)))
		goto fail;
	sqlite3_bind_int64(stmt, 1, job->id);
	sqlite3_bind_text(stmt, 2, q->owner, -1, SQLITE_STATIC);
	db_bind_time(stmt, 3, *run_at);
	sqlite3_bind_text(stmt, 4, why, -1, SQLITE_STATIC);
	rc = queue_step_done(stmt);
	changed = sqlite3_changes(q->db);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE || !changed) {
		rc = rc != SQLITE_DONE
			 ? db_error(q->db, rc, e, "deferring a job")
			 : err_set(e, ERR_CONFLICT,
				   "job %lld was cancelled while it ran",
				   (long long)job->id);
		goto fail;
	}
	if ((rc = db_prepare(q->db, sql_attempt, &stmt, e)))
		goto fail;
	sqlite3_bind_int64(stmt, 1, job->id);
	sqlite3_bind_int(stmt, 2, job->history_attempt);
	db_bind_time(stmt, 3, now);
	sqlite3_bind_text(stmt, 4, why, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, now - job->started_at);
	rc = queue_step_done(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		rc = db_error(q->db, rc, e, "deferring a job");
		goto fail;
	}
	return db_commit(q->db, e);
fail:
	db_rollback(q->db);
	return rc;
}

static int gone_owners(struct queue *q, char owners[][128], int max, int *n,
		       struct err *e)
{
	static const char sql[] =
	    "SELECT DISTINCT owner FROM jobs WHERE state = 'processing'";
	sqlite3_stmt *stmt;
	int rc;

	*n = 0;
	if ((rc = db_prepare(q->db, sql, &stmt, e)))
		return rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && *n < max) {
		const char *owner = (const char *)sqlite3_column_text(stmt, 0);
		if (owner && leader_owner_is_gone(owner, q->owner))
			snprintf(owners[(*n)++], 128, "%s", owner);
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE || rc == SQLITE_ROW
		   ? 0
		   : db_error(q->db, rc, e, "listing job owners");
}

int queue_recover(struct queue *q, int64_t now, int *count, struct err *e)
{
	char owners[8][128];
	int n, rc;

	*count = 0;
	if ((rc = gone_owners(q, owners, 8, &n, e)))
		return rc;
	if ((rc = db_begin(q->db, e)))
		return rc;
	rc = recover_where(q, now, NULL, count, e);
	for (int i = 0; i < n && !rc; i++)
		rc = recover_where(q, now, owners[i], count, e);
	if (rc) {
		db_rollback(q->db);
		return rc;
	}
	return db_commit(q->db, e);
}

static int job_state(sqlite3 *db, int64_t id, char *state, size_t size,
		     struct err *e)
{
	static const char sql[] = "SELECT state FROM jobs WHERE id = ?";
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		snprintf(state, size, "%s",
			 (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	if (rc == SQLITE_DONE)
		return err_set(e, ERR_NOTFOUND, "job %lld does not exist",
			       (long long)id);
	return rc == SQLITE_ROW ? 0 : db_error(db, rc, e, "reading a job");
}

static int exec_on_job(sqlite3 *db, const char *sql, int64_t id, int64_t now,
		       struct err *e)
{
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	db_bind_time(stmt, 2, now);
	rc = queue_step_done(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : db_error(db, rc, e, "updating a job");
}

int queue_retry(struct queue *q, int64_t id, int64_t now, struct err *e)
{
	static const char sql[] =
	    "UPDATE jobs SET state = 'enqueued', run_at = ?2, attempts = 0,\n"
	    "       finished_at = NULL, owner = NULL, lease_until = NULL\n"
	    "WHERE id = ?1 AND state IN ('dead', 'failed', 'cancelled')";
	char state[16];
	int rc;

	if ((rc = db_begin(q->db, e)))
		return rc;
	if ((rc = job_state(q->db, id, state, sizeof(state), e)))
		goto fail;
	if (strcmp(state, "dead") && strcmp(state, "failed") &&
	    strcmp(state, "cancelled")) {
		rc = err_set(e, ERR_CONFLICT,
			     "job %lld is %s: only dead, failed or "
			     "cancelled jobs can be retried",
			     (long long)id, state);
		goto fail;
	}
	if ((rc = exec_on_job(q->db, sql, id, now, e)))
		goto fail;
	return db_commit(q->db, e);
fail:
	db_rollback(q->db);
	return rc;
}

int queue_delete(struct queue *q, int64_t id, int64_t now, int *deleted,
		 struct err *e)
{
	static const char sql_cancel[] =
	    "UPDATE jobs SET state = 'cancelled', finished_at = ?2, owner = NULL,\n"
	    "       lease_until = NULL\n"
	    "WHERE id = ?1 AND " UNFINISHED;
	static const char sql_cancel_attempt[] =
	    "UPDATE job_attempts SET outcome = 'cancelled', finished_at = ?2\n"
	    "WHERE job_id = ?1 AND outcome IS NULL";
	static const char sql_fold[] = FOLD_ATTEMPTS("?1");
	static const char sql_remove[] =
	    "DELETE FROM jobs WHERE id = ?1 AND ?2 IS NOT NULL";
	char state[16];
	int rc, is_finished;

	*deleted = 0;
	if ((rc = db_begin(q->db, e)))
		return rc;
	if ((rc = job_state(q->db, id, state, sizeof(state), e)))
		goto fail;
	is_finished = !strcmp(state, "succeeded") || !strcmp(state, "dead") ||
		      !strcmp(state, "cancelled");
	if (is_finished && !(rc = exec_on_job(q->db, sql_fold, id, now, e)))
		rc = exec_on_job(q->db, sql_remove, id, now, e);
	else if (!(rc = exec_on_job(q->db, sql_cancel, id, now, e)))
		rc = exec_on_job(q->db, sql_cancel_attempt, id, now, e);
	if (rc)
		goto fail;
	*deleted = is_finished;
	return db_commit(q->db, e);
fail:
	db_rollback(q->db);
	return rc;
}

static int run_prune(sqlite3 *db, const char *sql, int64_t succeeded_before,
		     int64_t dead_before, int limit, int *changes,
		     struct err *e)
{
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	db_bind_time(stmt, 1, succeeded_before);
	db_bind_time(stmt, 2, dead_before);
	sqlite3_bind_int(stmt, 3, limit);
	rc = queue_step_done(stmt);
	if (rc == SQLITE_DONE && changes)
		*changes = sqlite3_changes(db);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0
				 : db_error(db, rc, e, "pruning finished jobs");
}

int queue_prune(struct queue *q, int64_t now, int limit, int *deleted,
		struct err *e)
{
	static const char sql_fold[] = FOLD_ATTEMPTS(PRUNE_SET);
	static const char sql_delete[] =
	    "DELETE FROM jobs WHERE id IN (" PRUNE_SET ")";
	int64_t succeeded_before =
		    now - (int64_t)q->cfg->queue.succeeded_retention_days *
			      MS_PER_DAY,
		dead_before = now - (int64_t)q->cfg->queue.dead_retention_days *
					MS_PER_DAY;
	int rc;

	*deleted = 0;
	if ((rc = db_begin(q->db, e)))
		return rc;
	if ((rc = run_prune(q->db, sql_fold, succeeded_before, dead_before,
			    limit, NULL, e)) ||
	    (rc = run_prune(q->db, sql_delete, succeeded_before, dead_before,
			    limit, deleted, e))) {
		db_rollback(q->db);
		*deleted = 0;
		return rc;
	}
	return db_commit(q->db, e);
}

int queue_counts(sqlite3 *db, struct queue_counts *out, struct err *e)
{
	static const char sql[] =
	    "SELECT state, COUNT(*) FROM jobs GROUP BY state";
	sqlite3_stmt *stmt;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_prepare(db, sql, &stmt, e)))
		return rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(stmt, 0);
		int64_t n = sqlite3_column_int64(stmt, 1);
		if (!strcmp(state, "scheduled"))
			out->scheduled = n;
		else if (!strcmp(state, "enqueued"))
			out->enqueued = n;
		else if (!strcmp(state, "processing"))
			out->processing = n;
		else if (!strcmp(state, "succeeded"))
			out->succeeded = n;
		else if (!strcmp(state, "failed"))
			out->failed = n;
		else if (!strcmp(state, "dead"))
			out->dead = n;
		else if (!strcmp(state, "cancelled"))
			out->cancelled = n;
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : db_error(db, rc, e, "counting jobs");
}
