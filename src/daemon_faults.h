/*
 * daemon_faults.h - what the daemon does about the faults of a home
 * server (issue 14), kept out of daemon.c's loop: a full or failing disk
 * under the database, Maildir files a killed delivery left, and fires a
 * `run --now` recorded in the future. Private to the daemon.
 */
#ifndef DOMECEK_DAEMON_FAULTS_H
#define DOMECEK_DAEMON_FAULTS_H

#include <sqlite3.h>
#include <stdint.h>

struct alerts;
struct config;
struct db_full;
struct err;
struct queue;
struct scheduler;

/* At start, with the Maildir transport: removes the tmp/ files of this
 * database's deliveries (stale: only this daemon delivers them) and any
 * older than 36 hours. */
void daemon_sweep_maildir(const struct config *cfg, sqlite3 *db);

/* A write failed: a full disk or an I/O error enters the backoff
 * (db_full.h) and tells the webhook once. Returns 1 when it was such an
 * error (the caller logs anything else). */
int daemon_write_failed(struct db_full *full, struct alerts *alerts,
			const struct err *e);

/* 1 while the database cannot be written (nothing is claimed or fired).
 * When a probe write succeeds: the webhook hears it, and jobs whose lease
 * ran out meanwhile return to the queue, uncounted; then 0. */
int daemon_is_waiting_for_space(struct db_full *full, sqlite3 *db,
				struct alerts *alerts, struct queue *queue,
				int64_t now);

/* On stop, when the clock was not the real one (`run --now` ahead of
 * it): forgets the fires recorded in the future, so the real clock's
 * daemon does not wait for them. is_leader: only the leader fired. */
void daemon_forget_future_fires(struct scheduler *scheduler, int is_leader);

#endif
