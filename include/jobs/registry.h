/*
 * registry.h - every job type built into this binary, in one table.
 */
#ifndef DOMECEK_JOBS_REGISTRY_H
#define DOMECEK_JOBS_REGISTRY_H

struct job_type;

/* Terminated by NULL. Handed to queue_open() and the scheduler's
 * config-level functions; nothing below src/jobs/ refers to it by name. */
extern const struct job_type *const job_registry[];

#endif
