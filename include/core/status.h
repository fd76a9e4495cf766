/*
 * status.h - what a running daemon tells about itself.
 *
 * The daemon fills it; the HTTP side (health, metrics, dashboard) reads it
 * through a const pointer. It lives here, below both, so that neither has
 * to know the other.
 */
#ifndef DOMECEK_STATUS_H
#define DOMECEK_STATUS_H

#include <stdint.h>

/* What the running daemon shows its HTTP server (health checks, process
 * metrics). Owned and updated by the daemon; readers hold a const
 * pointer that stays valid while the daemon runs. */
struct daemon_status {
	int64_t started_at;	/* wall ms when the daemon started */
	int64_t heartbeat_mono; /* monotonic ms: start of the latest loop
				   iteration */
	int is_leader; /* holds the leader lease on the database file */
	/* The database could not be written (SQLITE_FULL or SQLITE_IOERR):
	 * the daemon backs off until a probe write succeeds. */
	int is_database_full;
	int64_t database_full_since; /* wall ms */
	char database_full_error[200];
	/* The loop's stalls (see health.c): the deadline of the timed wait
	 * the loop is in (0: none), and the latest stall: its length and when
	 * it ended, monotonic ms. All 0 until the loop runs. */
	int64_t wait_deadline_mono;
	int64_t stall_ms;
	int64_t stall_ended_mono;
};

#endif
