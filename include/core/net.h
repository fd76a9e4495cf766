/*
 * net.h - network transfers in the loop, through curl's multi interface.
 *
 * Jobs that talk to the network (SMTP, SendGrid/Mailgun, S3, the Slack
 * webhook) never wait for it. A step prepares a CURL easy handle, hands
 * it to net_add() and returns JOB_WAIT; curl's sockets are watched by the
 * loop, and when the transfer ends the done callback runs from the loop
 * (never from inside net_add) and typically calls job_wake().
 */
#ifndef DOMECEK_NET_H
#define DOMECEK_NET_H

#include <curl/curl.h>
#include <stdint.h>

struct err;
struct loop;
struct net;

/* Called once per finished transfer, from net_process(). The easy handle
 * is already removed from the multi; the callback owns it again. */
typedef void (*net_done_fn)(CURL *easy, CURLcode result, void *arg);

int net_new(struct loop *loop, struct net **out, struct err *e);
/* Removes and cleans up any transfer still running (callbacks not called). */
void net_free(struct net *n);

/* Tls.CaFile: every transfer added from now on trusts the CA
 * certificates in path (copied; "" or NULL = the system's store). */
void net_set_ca_file(struct net *n, const char *path);

/* Starts a transfer. The callback runs later from the loop. */
int net_add(struct net *n, CURL *easy, net_done_fn done, void *arg,
	    struct err *e);
/* Stops a transfer early (job cancelled); its callback is not called. */
void net_cancel(struct net *n, CURL *easy);
/* Transfers in flight. */
int net_active(const struct net *n);

/* Monotonic ms when curl wants to be called for its timeouts, or -1. */
int64_t net_deadline(const struct net *n);
/* Lets curl act on its timeouts and reports finished transfers. */
void net_process(struct net *n);

#endif
