/*
 * daemon_http.c - the daemon's HTTP side and what it reports: the server
 * with the dashboard among its routes, the metrics and alerts that each
 * job's outcome feeds, and the stalls that /health/jobs shows.
 */
#include "daemon_impl.h"
#include "app/alerts.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "config/config.h"
#include "core/leader.h"
#include "core/metrics.h"
#include "core/runner.h"
#include "http/dashboard.h"
#include "http/http.h"
#include "jobs/registry.h"

#include <stdio.h>
#include <string.h>

/* ---- outcomes -------------------------------------------------------- */

void daemon_on_outcome(const struct runner_outcome *o, void *arg)
{
	struct daemon *d = arg;

	d->jobs_run++;
	runner_record_outcome(d->db, o);
	if (strcmp(o->state, "released") != 0) {
		metrics_observe(d->metrics,
				metrics_job_label(job_registry, o->job->type),
				o->duration_ms);
		alerts_job_finished(d->alerts, o->job->type, o->state, o->error,
				    clock_now());
	}
	/* Who leads is in the flock; the row's heartbeat is for people, so it
	 * is written once a minute at most, not once per job. */
	if (d->lock_fd >= 0 && clock_mono() >= d->next_heartbeat) {
		leader_heartbeat(d->db, d->owner, clock_now(), NULL);
		d->next_heartbeat = clock_mono() + HEARTBEAT_MS;
	}
}

/* A step that ran longer than Alerts.LoopStallSeconds, or a wake-up that
 * much later than planned (the process was stopped or starved), is a
 * stall: recorded for /health/jobs, which could not answer meanwhile. */
void daemon_note_stall(struct daemon *d, const char *what, int64_t ms)
{
	char text[32];

	if (ms <= (int64_t)d->cfg->alerts.loop_stall_seconds * 1000)
		return;
	d->status.stall_ms = ms;
	d->status.stall_ended_mono = clock_mono();
	snprintf(text, sizeof(text), "%lld", (long long)ms);
	log_event(LOG_WARN, "loop.stalled", "what", what, "ms", text,
		  (char *)NULL);
}

/* The dashboard is one of the server's routes; the server does not know
 * it (dependencies point down: both are http/, neither needs the other). */
static void serve_dashboard(void *arg, const struct http_request *req,
			    struct http_response *res)
{
	dashboard_handle(arg, req, res);
}

/* The HTTP server, metrics and alerts. A port that cannot be bound stops
 * the start: a daemon whose health endpoint is missing looks dead. */
int daemon_open_http(struct daemon *d, struct err *e)
{
	int rc;

	d->status.started_at = clock_now();
	d->status.heartbeat_mono = clock_mono();
	if ((rc = metrics_new(&d->metrics, e)) ||
	    (rc = alerts_new(d->db, d->cfg, d->queue, &d->alerts, e)))
		return rc;
	alerts_set_post(d->alerts, alerts_post, d->services.net);
	d->http_deps = (struct http_deps){
	    .loop = d->loop,
	    .cfg = d->cfg,
	    .db = d->db,
	    .queue = d->queue,
	    .status = &d->status,
	    .metrics = d->metrics,
	};
	if (!d->cfg->http.enabled)
		return 0;
	if ((rc = dashboard_new(&d->http_deps, &d->dashboard, e)) ||
	    (rc = http_start(&d->http_deps, &d->http, e)))
		return rc;
	if ((rc = http_route(d->http, d->cfg->dashboard.path, HTTP_ROUTE_PREFIX,
			     serve_dashboard, d->dashboard)))
		return err_set(e, rc, "HTTP server: too many routes");
	return 0;
}
