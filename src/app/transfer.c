/*
 * transfer.c - drives one pending storage operation for a job step.
 *
 * Invariant: t->p is non-NULL exactly while an operation is held; it is
 * in the loop's curl multi while is_done is 0 and net was used.
 */
#include "app/transfer.h"
#include "base/err.h"
#include "core/job.h"
#include "core/net.h"
#include "core/services.h"
#include "storage/storage.h"

#include <string.h>

static void on_done(CURL *easy, CURLcode result, void *arg)
{
	struct transfer *t = arg;

	(void)easy; /* owned by t->p */
	t->is_done = 1;
	t->result = (int)result;
	job_wake(t->ctx);
}

int transfer_begin(struct transfer *t, struct job_ctx *ctx,
		   struct storage_pending *p, struct err *e)
{
	struct net *net = ctx->services ? ctx->services->net : NULL;
	int rc;

	memset(t, 0, sizeof(*t));
	if (!p)
		return 0;
	t->p = p;
	t->ctx = ctx;
	if (!net) {
		t->result = (int)curl_easy_perform(storage_pending_handle(p));
		t->is_done = 1;
		return 0;
	}
	rc = net_add(net, storage_pending_handle(p), on_done, t, e);
	if (rc) {
		storage_pending_free(p);
		t->p = NULL;
		return rc;
	}
	return JOB_WAIT;
}

int transfer_active(const struct transfer *t)
{
	return t->p != NULL;
}

int transfer_finish(struct transfer *t, struct err *e)
{
	struct storage_pending *p = t->p;

	t->p = NULL;
	if (!p)
		return 0;
	return storage_pending_finish(p, t->result, e);
}

void transfer_cancel(struct transfer *t)
{
	struct net *net;

	if (!t->p)
		return;
	net = t->ctx->services ? t->ctx->services->net : NULL;
	if (net && !t->is_done)
		net_cancel(net, storage_pending_handle(t->p));
	storage_pending_free(t->p);
	t->p = NULL;
}
