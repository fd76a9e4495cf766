/*
 * support_appdb.h - a migrated app database with a storage root and a
 * small household, for the unit tests of the data jobs.
 *
 * The household: users APPDB_JANA (cs, first name Jana) and APPDB_TOM
 * (en, Tom), project APPDB_PROJECT "Rodina" owned by Jana, property
 * APPDB_PROPERTY "Chalupa" in it. Everything created at APPDB_EPOCH.
 */
#ifndef DOMECEK_SUPPORT_APPDB_H
#define DOMECEK_SUPPORT_APPDB_H

#include <sqlite3.h>
#include <stdint.h>

#include "config/config.h"
#include "core/services.h"

#define APPDB_JANA "00000000-0000-4000-8000-00000000000a"
#define APPDB_TOM "00000000-0000-4000-8000-00000000000b"
#define APPDB_PROJECT "00000000-0000-4000-8000-0000000000c1"
#define APPDB_PROPERTY "00000000-0000-4000-8000-0000000000d1"
#define APPDB_EPOCH INT64_C(1767225600000) /* 2026-01-01T00:00:00.000Z */

struct appdb {
	char dir[256];
	char root[300]; /* dir/storage: the local storage root */
	sqlite3 *db;
	struct storage *storage;
	struct services services;
	struct config cfg; /* config_defaults() */
};

/* Creates the temp dir, database, storage and household; fails the test
 * on any error. Caller frees with appdb_close. */
struct appdb *appdb_open(void);
void appdb_close(struct appdb *f); /* removes the temp dir; NULL no-op */

/* The first column of the first row of sql as an integer; -1 without rows. */
int64_t appdb_int(sqlite3 *db, const char *sql);
/* Every row of sql, columns joined by '|', rows by '\n'; caller frees. */
char *appdb_rows(sqlite3 *db, const char *sql);

/* Writes text into root/key, creating directories. */
void appdb_put_file(const struct appdb *f, const char *key, const char *text);
/* 1 when root/key exists. */
int appdb_has_file(const struct appdb *f, const char *key);

#endif
