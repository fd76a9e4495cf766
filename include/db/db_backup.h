/*
 * db_backup.h - a consistent copy of the live database while other
 * processes write to it (`backup` and the Backup job).
 *
 * SQLite's online backup restarts from the first page whenever another
 * connection writes, so under a steady writer it may never finish. Here
 * the copy reads through a connection of its own that holds one read
 * transaction (one WAL snapshot) from the first page to the last: writers
 * go on, the copy is never restarted, and it holds exactly what was
 * committed when it began. It is written to DEST.tmp and only renamed to
 * DEST when sealed (rollback-journal mode, fsync, rename, fsync of the
 * folder), so DEST is always a whole, self-contained file that opens
 * read-only. The snapshot keeps the WAL from being checkpointed past it
 * while the copy runs; the copy's time is bounded by the file's size.
 */
#ifndef DOMECEK_DB_BACKUP_H
#define DOMECEK_DB_BACKUP_H

#include <stdint.h>

struct err;
struct db_backup;

/* Opens the source read-only, begins its read transaction and creates
 * dest_tmp (an old file of that name is replaced). A lock another program
 * keeps is waited for up to wait_ms (<= 0: 5000) at each step; longer is
 * ERR_BUSY. */
int db_backup_begin(const char *source_path, const char *dest_tmp, int wait_ms,
		    struct db_backup **out, struct err *e);
/* Copies up to pages pages (-1: all). Returns 1 while pages remain, 0
 * when the copy is complete, or a negative error. *done and *total (may be
 * NULL) say how far it is. */
int db_backup_step(struct db_backup *b, int pages, int *done, int *total,
		   struct err *e);
/* Switches the copy to rollback-journal mode, closes, fsyncs it and
 * renames it to dest (fsyncing the folder). *bytes: its size. */
int db_backup_seal(struct db_backup *b, const char *dest, int64_t *bytes,
		   struct err *e);
/* Ends the read transaction; removes dest_tmp unless it was sealed.
 * NULL is a no-op. */
void db_backup_free(struct db_backup *b);

#endif
