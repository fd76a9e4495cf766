/*
 * transfer.h - drives one pending storage operation for a job step.
 *
 * Inside the daemon (ctx->services->net set) the curl handle goes to the
 * loop and the step returns JOB_WAIT; the done callback wakes the job and
 * the next step calls transfer_finish(). Without net (unit tests, tools)
 * the handle is run at once with curl_easy_perform: that blocks, which is
 * only acceptable outside the daemon loop, and is why net decides.
 *
 * A struct transfer is zeroed by the caller and holds at most one
 * operation; transfer_cancel() is safe on an idle one.
 */
#ifndef DOMECEK_TRANSFER_H
#define DOMECEK_TRANSFER_H

struct err;
struct job_ctx;
struct storage_pending;

struct transfer {
	struct storage_pending *p;
	struct job_ctx *ctx;
	int is_done; /* the transfer ended; transfer_finish() is due */
	int result;  /* CURLcode */
};

/* Takes p (NULL: nothing to do, returns 0). Returns JOB_WAIT when the
 * loop runs it, 0 when it already ran (call transfer_finish now), or an
 * error (p freed). */
int transfer_begin(struct transfer *t, struct job_ctx *ctx,
		   struct storage_pending *p, struct err *e);
/* 1 while an operation is held. */
int transfer_active(const struct transfer *t);
/* The operation's result (storage_pending_finish); frees it. */
int transfer_finish(struct transfer *t, struct err *e);
/* Stops and frees an operation still held (job cancelled or failed). */
void transfer_cancel(struct transfer *t);

#endif
