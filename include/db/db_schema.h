/*
 * db_schema.h - the numbered migrations from schema/, compiled in by
 * tools/embed. Internal to the db module and its tests.
 */
#ifndef DOMECEK_DB_SCHEMA_H
#define DOMECEK_DB_SCHEMA_H

#include <stddef.h>

struct migration {
	int version;	  /* from the file name: 001_app.sql -> 1 */
	const char *name; /* file name */
	const char *sql;
	size_t size;
};

/* In version order, terminated by an entry with version 0. */
extern const struct migration db_migrations[];

#endif
