/*
 * mail_enqueue.h - queue an email (a send_email job) from inside a job.
 */
#ifndef DOMECEK_MAIL_ENQUEUE_H
#define DOMECEK_MAIL_ENQUEUE_H

#include <sqlite3.h>

struct cJSON;
struct err;

/* Enqueues a send_email job for template to `to` in language ("cs" when
 * NULL or empty), inside the caller's transaction (queue_insert), so the
 * email commits with the change that caused it. data is the template's
 * data object and is taken over (freed here, also on error). With a
 * unique_key an unfinished email with that key is not duplicated:
 * *inserted (may be NULL) tells. */
int mail_enqueue(sqlite3 *db, const char *template, const char *to,
		 const char *language, struct cJSON *data,
		 const char *unique_key, int *inserted, struct err *e);

#endif
