/*
 * engine.c - which job runs next, one step at a time (see engine.h).
 *
 * The held jobs form a stack of runner slots: order[0] is the job that
 * started first, order[depth - 1] the one in front, which alone steps.
 * Runner structs never move (a transfer's callback points into one); only
 * their slot numbers do. A job in front claims its successor in the
 * transaction that settles it, with a priority floor of the job held
 * behind it, so a chain of emails runs in front of a cleanup and the
 * cleanup continues when none is left.
 */
#include "core/engine.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "core/queue.h"

#include <string.h>

void engine_init(struct engine *g, sqlite3 *db, const struct config *cfg,
		 struct queue *queue, struct services *services,
		 runner_outcome_fn on_outcome, void *arg)
{
	memset(g, 0, sizeof(*g));
	g->queue = queue;
	g->claim_chain = 1;
	g->has_news = 1;
	for (int i = 0; i < ENGINE_DEPTH; i++) {
		runner_init(&g->runners[i], db, cfg, queue, services,
			    on_outcome, arg);
		g->order[i] = i;
	}
}

void engine_notice(struct engine *g)
{
	g->has_news = 1;
}

static struct runner *held(struct engine *g, int k)
{
	return &g->runners[g->order[k]];
}

struct runner *engine_front(struct engine *g)
{
	return g->depth ? held(g, g->depth - 1) : NULL;
}

int engine_is_active(const struct engine *g)
{
	return g->depth > 0;
}

/* Drops the slots whose job ended; a job that comes to the front again
 * looks before its next step (it may have been cancelled meanwhile), and
 * an engine that became idle reads the next due time. */
static void compact(struct engine *g)
{
	int order[ENGINE_DEPTH], kept = 0, n;

	for (int k = 0; k < g->depth; k++)
		if (held(g, k)->is_active)
			order[kept++] = g->order[k];
	n = kept;
	for (int k = 0; k < ENGINE_DEPTH; k++)
		if (k >= g->depth || !held(g, k)->is_active)
			order[n++] = g->order[k];
	memcpy(g->order, order, sizeof(order));
	if (kept < g->depth)
		g->has_news = 1;
	g->depth = kept;
}

static void set_policy(struct engine *g)
{
	for (int k = 0; k < ENGINE_DEPTH; k++) {
		struct runner *r = held(g, k);
		r->claim_next = g->claim_chain && !g->is_stopping;
		r->has_claim_floor = k > 0;
		r->claim_floor = k > 0 ? held(g, k - 1)->job.priority : 0;
	}
}

static void push(struct engine *g, struct queue_job *job)
{
	struct runner *r = held(g, g->depth++);

	set_policy(g);
	runner_begin(r, job);
}

static void claim_failed(struct engine *g, const struct err *e)
{
	if (g->on_claim_error)
		g->on_claim_error(e, g->claim_error_arg);
	else
		log_event(LOG_ERROR, "queue.claim_failed", "error", e->msg,
			  (char *)NULL);
}

static void claim_idle(struct engine *g, int64_t now)
{
	struct queue_job job;
	struct err e = {0};
	int rc;

	if (g->is_stopping || (!g->has_news && (!g->due_at || now < g->due_at)))
		return;
	g->has_news = 0;
	rc = queue_next_due(g->queue, &g->due_at, &e);
	if (rc == ERR_NOTFOUND)
		g->due_at = 0;
	if (rc || g->due_at > now) {
		if (rc && rc != ERR_NOTFOUND)
			g->has_news = 1; /* busy: look again next turn */
		return;
	}
	rc = queue_claim(g->queue, now, &job, &e);
	if (rc == 0) {
		g->due_at = 0; /* what is due now runs; a look reads the rest */
		push(g, &job);
	} else if (rc == ERR_BUSY)
		g->has_news = 1;
	else if (rc != ERR_NOTFOUND)
		claim_failed(g, &e);
}

/* Between two steps of the front job: cancelled? a more urgent job due? */
static void look(struct engine *g, struct runner *front, int64_t now)
{
	struct queue_job job;
	struct err e = {0};
	int is_ours = 1, has_higher = 0;

	g->has_news = 0;
	g->looks++;
	if (queue_look(g->queue, &front->job, now, &is_ours, &has_higher,
		       &g->due_at, &e)) {
		g->has_news = 1; /* busy: look again at the next boundary */
		return;
	}
	if (!is_ours) {
		runner_cancelled(front, "the job was cancelled while it ran");
		compact(g);
		return;
	}
	if (!has_higher || g->depth == ENGINE_DEPTH || g->is_stopping)
		return;
	if (queue_claim_above(g->queue, now, front->job.priority, &job, &e) ==
	    0) {
		g->preempted++;
		push(g, &job);
	}
}

void engine_turn(struct engine *g, int64_t now)
{
	struct runner *front;

	set_policy(g);
	for (int k = 0; k + 1 < g->depth; k++)
		runner_keepalive(held(g, k));
	compact(g);
	if (!g->depth)
		claim_idle(g, now);
	if (!(front = engine_front(g)))
		return;
	if (front->steps > 0 && front->pending == RUNNER_NONE &&
	    (g->has_news || (g->due_at && now >= g->due_at))) {
		look(g, front, now);
		front = engine_front(g);
		if (!front)
			return;
	}
	set_policy(g);
	runner_step(front);
	compact(g);
}

int64_t engine_deadline(const struct engine *g)
{
	int64_t deadline = -1;

	for (int k = 0; k < g->depth; k++) {
		const struct runner *r = &g->runners[g->order[k]];
		int64_t at =
		    k + 1 == g->depth ? runner_deadline(r) : r->next_renew_mono;
		if (at >= 0 && (deadline < 0 || at < deadline))
			deadline = at;
	}
	return deadline;
}

void engine_release(struct engine *g, const char *why)
{
	g->is_stopping = 1;
	for (int k = g->depth - 1; k >= 0; k--)
		runner_release(held(g, k), why);
	compact(g);
}

void engine_stop_after(struct engine *g, int steps)
{
	for (int i = 0; i < ENGINE_DEPTH; i++)
		g->runners[i].stop_after_steps = steps;
}
