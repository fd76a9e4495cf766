/*
 * engine.h - which job runs next, one step at a time.
 *
 * The engine owns the runners. One job steps at a time, and one write
 * transaction is open at a time, but a long job is not a wall: between
 * two of its steps, when a job of higher priority is due (an email, a
 * user's export), that job is claimed and run in front of it, and the long
 * job then continues where it stopped (its lease is kept meanwhile). A job
 * that runs in front may itself be passed by a still more urgent one, up
 * to ENGINE_DEPTH jobs held at once.
 *
 * The same look between steps finds a running job that was cancelled
 * (`jobs delete`, the dashboard), so it stops at its next step boundary
 * rather than at its next lease renewal. The look is one read, taken only
 * when something may have changed: another write was noticed
 * (engine_notice), or a waiting job's run_at came.
 */
#ifndef DOMECEK_ENGINE_H
#define DOMECEK_ENGINE_H

#include <sqlite3.h>
#include <stdint.h>

#include "core/runner.h"

struct err;
struct config;
struct queue;
struct services;

#define ENGINE_DEPTH 4

struct engine {
	struct queue *queue;
	struct runner runners[ENGINE_DEPTH];
	int order[ENGINE_DEPTH]; /* runner slots, the held ones first */
	int depth;		 /* runners holding a job; the last one steps */
	int has_news;		 /* a write was noticed since the last look */
	int is_stopping;	 /* claim nothing more */
	int claim_chain;	 /* 0: one job at a time (run --once, tests) */
	int64_t due_at;		 /* wall ms of the next waiting job, 0: none */
	int64_t looks;		 /* reads taken between steps (benchmarks) */
	int64_t preempted;	 /* jobs run in front of another */
	/* Called when a claim fails (not busy, not "nothing due"); NULL: the
	 * engine logs it. */
	void (*on_claim_error)(const struct err *e, void *arg);
	void *claim_error_arg;
};

void engine_init(struct engine *g, sqlite3 *db, const struct config *cfg,
		 struct queue *queue, struct services *services,
		 runner_outcome_fn on_outcome, void *arg);

/* Another write may have enqueued or cancelled a job (inotify on the WAL,
 * a fire of the scheduler, an HTTP action): look before the next step. */
void engine_notice(struct engine *g);

/* One turn: claim a due job when none runs, or one of higher priority in
 * front of the running one; then one step of the front job. */
void engine_turn(struct engine *g, int64_t now);

/* 1 while any job is held. */
int engine_is_active(const struct engine *g);
/* The front runner, or NULL when idle. */
struct runner *engine_front(struct engine *g);
/* Monotonic ms of the next thing to do for the held jobs, -1: none. */
int64_t engine_deadline(const struct engine *g);
/* Puts every held job back in the queue (SIGTERM). */
void engine_release(struct engine *g, const char *why);
/* Sets stop_after_steps on every runner (tests). */
void engine_stop_after(struct engine *g, int steps);

#endif
