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
};

#endif
