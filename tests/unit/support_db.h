/*
 * support_db.h - shared by the unit tests: a temporary directory and a
 * database file in it with every migration applied.
 */
#ifndef DOMECEK_SUPPORT_DB_H
#define DOMECEK_SUPPORT_DB_H

#include <sqlite3.h>
#include <stddef.h>

/* Creates a fresh directory under $TMPDIR (or /tmp) and writes its path
 * into out[n]. Returns 0, or -1 with a message on stderr. */
int support_tempdir(char *out, size_t n);

/* Removes dir and everything below it; NULL or "" is a no-op. */
void support_rmrf(const char *dir);

/* Opens dir/app.db with foreign keys on and WAL, and runs every entry of
 * db_migrations[] in order, each in its own transaction, setting
 * PRAGMA user_version to its version. Caller closes with sqlite3_close.
 * NULL (and a message on stderr) on failure. */
sqlite3 *support_open_migrated(const char *dir);

/* Opens dir/app.db with foreign keys on and no migration. */
sqlite3 *support_open(const char *dir);

#endif
