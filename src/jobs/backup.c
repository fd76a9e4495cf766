/*
 * backup.c - the recurring `backup` job: a consistent copy of the database
 * into Jobs.Backup.Path, keeping the newest Jobs.Backup.Keep copies.
 *
 * The copy is made by db_backup (db/db_backup.h), BatchSize pages per
 * step, so the loop serves HTTP and signals between steps however big the
 * file is. It reads through a connection of its own inside one read
 * transaction, so neither the daemon's own writes between steps nor
 * another process writing at hundreds of transactions a second restart
 * it: it ends in bounded time with the state committed when it began.
 *
 * Phases, one per step or more: open the destination
 * <Path>/domecek-YYYYMMDDTHHMMSSZ.db.tmp (UTC time of the run), copy pages,
 * seal (switch the copy to a self-contained rollback-journal file, close,
 * fsync, rename to .db, fsync the folder), prune. Only a sealed file ever
 * has the .db name, so a power cut leaves either a complete copy or a .tmp
 * that the next run removes. A failed, cancelled or released run removes
 * its own .tmp in finish().
 *
 * Pruning looks only at names of exactly this pattern (nothing else in the
 * folder is touched, and never the live database file, even if someone
 * points Path at its folder). The copy just made is always kept, plus the
 * Keep - 1 newest others; the fixed-width UTC name sorts by time.
 *
 * Counts: pages, bytes (of the sealed copy), removed (old copies deleted).
 */
#include "base/clock.h"
#include "config/config.h"
#include "db/db.h"
#include "db/db_backup.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "core/job.h"
#include "base/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BACKUP_PREFIX "domecek-"
#define BACKUP_STAMP_LEN 16 /* YYYYMMDDTHHMMSSZ */
#define STAMPED_LEN (sizeof(BACKUP_PREFIX) - 1 + BACKUP_STAMP_LEN)
#define BACKUP_MAX_FILES 1024

enum backup_phase { PHASE_OPEN, PHASE_COPY, PHASE_SEAL, PHASE_PRUNE };

struct backup_state {
	enum backup_phase phase;
	int pages_per_step;
	int keep;
	const char *dir;
	char name[64]; /* domecek-YYYYMMDDTHHMMSSZ.db */
	char final_path[PATH_MAX];
	char tmp_path[PATH_MAX];
	char live_path[PATH_MAX]; /* the database itself, never pruned */
	struct db_backup *copy;
};

/* "2026-11-28T20:45:17.000Z" -> "20261128T204517Z". */
static void stamp_from(int64_t now, char out[BACKUP_STAMP_LEN + 1])
{
	char iso[CLOCK_ISO_LEN];
	size_t n = 0;

	clock_format(now, iso);
	for (const char *p = iso; *p && *p != '.' && n < BACKUP_STAMP_LEN; p++)
		if (*p != '-' && *p != ':')
			out[n++] = *p;
	out[n++] = 'Z';
	out[n] = '\0';
}

/* Is name domecek-YYYYMMDDTHHMMSSZ followed by exactly suffix? */
static int is_backup_name(const char *name, const char *suffix)
{
	static const char shape[] = "DDDDDDDDTDDDDDDZ";
	size_t prefix = sizeof(BACKUP_PREFIX) - 1;

	if (strncmp(name, BACKUP_PREFIX, prefix) != 0)
		return 0;
	for (size_t i = 0; i < BACKUP_STAMP_LEN; i++) {
		char c = name[prefix + i];
		if (shape[i] == 'D' ? (c < '0' || c > '9') : c != shape[i])
			return 0;
	}
	return strcmp(name + prefix + BACKUP_STAMP_LEN, suffix) == 0;
}

static int backup_start(struct job_ctx *ctx, struct err *e)
{
	struct backup_state *s = calloc(1, sizeof(*s));
	const char *live = sqlite3_db_filename(ctx->db, "main");
	char stamp[BACKUP_STAMP_LEN + 1];

	if (!s)
		return err_set(e, ERR_NOMEM, "out of memory");
	ctx->state = s;
	if (!live || !*live)
		return err_set(
		    e, ERR_INVALID,
		    "the database is not a file; nothing to back up");
	s->dir = ctx->cfg->jobs.backup.path;
	s->keep = ctx->cfg->jobs.backup.keep;
	s->pages_per_step = ctx->cfg->jobs.backup.r.batch_size;
	stamp_from(ctx->now, stamp);
	snprintf(s->name, sizeof(s->name), BACKUP_PREFIX "%s.db", stamp);
	if (!realpath(live, s->live_path))
		snprintf(s->live_path, sizeof(s->live_path), "%s", live);
	/* Path is at most CONFIG_STR long: both names fit PATH_MAX. */
	snprintf(s->final_path, sizeof(s->final_path), "%s/%s", s->dir,
		 s->name);
	snprintf(s->tmp_path, sizeof(s->tmp_path), "%s.tmp", s->final_path);
	return 0;
}

/* Removes path and the rollback journal SQLite may have left beside it. */
static void remove_with_journal(const char *path)
{
	char journal[PATH_MAX + 16];

	unlink(path);
	snprintf(journal, sizeof(journal), "%s-journal", path);
	unlink(journal);
}

static int open_destination(struct job_ctx *ctx, struct backup_state *s,
			    struct err *e)
{
	int rc;

	(void)ctx;
	if ((rc = fs_mkdirs(s->dir, 0750, e)))
		return err_prefix(e, "Jobs.Backup.Path");
	if ((rc = db_backup_begin(s->live_path, s->tmp_path,
				  ctx->cfg->database.busy_timeout_ms, &s->copy,
				  e)))
		return err_prefix(e, "backup");
	s->phase = PHASE_COPY;
	return JOB_AGAIN;
}

static int copy_pages(struct job_ctx *ctx, struct backup_state *s,
		      struct err *e)
{
	int done = 0, total = 0;
	int rc = db_backup_step(s->copy, s->pages_per_step, &done, &total, e);

	if (rc < 0)
		return rc;
	snprintf(ctx->progress, sizeof(ctx->progress), "%d of %d pages", done,
		 total);
	if (rc == 1)
		return JOB_AGAIN;
	job_count(ctx, "pages", total);
	s->phase = PHASE_SEAL;
	return JOB_AGAIN;
}

static int seal(struct job_ctx *ctx, struct backup_state *s, struct err *e)
{
	int64_t bytes = 0;
	int rc = db_backup_seal(s->copy, s->final_path, &bytes, e);

	if (rc)
		return rc;
	job_count(ctx, "bytes", bytes);
	s->phase = PHASE_PRUNE;
	return JOB_AGAIN;
}

static int compare_names_newest_first(const void *a, const void *b)
{
	return strcmp(*(char *const *)b, *(char *const *)a);
}

/* Is dir/name the live database (Path pointed at its own folder)? */
static int is_live_database(const struct backup_state *s, const char *name)
{
	char path[PATH_MAX + 256], real[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	return realpath(path, real) && strcmp(real, s->live_path) == 0;
}

/* Deletes old copies beyond Keep and .tmp files of runs older than this
 * one (a crash or power cut mid-copy). */
static int remove_old(struct job_ctx *ctx, struct backup_state *s, char **names,
		      int count, struct err *e)
{
	int kept = 1; /* this run's copy */

	job_count(ctx, "removed", 0);

	qsort(names, (size_t)count, sizeof(*names), compare_names_newest_first);
	for (int i = 0; i < count; i++) {
		char path[PATH_MAX + 256];
		int is_tmp = is_backup_name(names[i], ".db.tmp");

		if (!strcmp(names[i], s->name) || is_live_database(s, names[i]))
			continue;
		if (is_tmp ? strncmp(names[i], s->name, STAMPED_LEN) >= 0
			   : kept++ < s->keep)
			continue;
		snprintf(path, sizeof(path), "%s/%s", s->dir, names[i]);
		if (is_tmp) {
			remove_with_journal(path);
			continue;
		}
		if (unlink(path) != 0 && errno != ENOENT)
			return err_set(e, ERR_IO, "removing old backup %s: %s",
				       path, strerror(errno));
		job_count(ctx, "removed", 1);
	}
	return 0;
}

static int prune(struct job_ctx *ctx, struct backup_state *s, struct err *e)
{
	char *names[BACKUP_MAX_FILES];
	int count = 0, rc = 0;
	struct dirent *entry;
	DIR *dir = opendir(s->dir);

	if (!dir)
		return err_set(e, ERR_IO,
			       "Jobs.Backup.Path: cannot read %s: %s", s->dir,
			       strerror(errno));
	while ((entry = readdir(dir)) != NULL) {
		if (!is_backup_name(entry->d_name, ".db") &&
		    !is_backup_name(entry->d_name, ".db.tmp"))
			continue;
		if (count == BACKUP_MAX_FILES) {
			rc = err_set(e, ERR_TOOBIG,
				     "more than %d backups in %s; remove some "
				     "by hand",
				     BACKUP_MAX_FILES, s->dir);
			goto done;
		}
		if (!(names[count] = strdup(entry->d_name))) {
			rc = err_set(e, ERR_NOMEM, "out of memory");
			goto done;
		}
		count++;
	}
	rc = remove_old(ctx, s, names, count, e);
done:
	for (int i = 0; i < count; i++)
		free(names[i]);
	closedir(dir);
	return rc ? rc : JOB_DONE;
}

static int backup_step(struct job_ctx *ctx, struct err *e)
{
	struct backup_state *s = ctx->state;

	switch (s->phase) {
	case PHASE_OPEN:
		return open_destination(ctx, s, e);
	case PHASE_COPY:
		return copy_pages(ctx, s, e);
	case PHASE_SEAL:
		return seal(ctx, s, e);
	case PHASE_PRUNE:
		break;
	}
	return prune(ctx, s, e);
}

static void backup_finish(struct job_ctx *ctx)
{
	struct backup_state *s = ctx->state;

	if (!s)
		return;
	db_backup_free(s->copy); /* removes the .tmp unless it was sealed */
	free(s);
	ctx->state = NULL;
}

const struct job_type job_backup = {
    .name = "backup",
    .priority = -5,
    .max_attempts = 3,
    .retry_delay_ms = 60000,
    .retry_cap_ms = 3600000,
    .start = backup_start,
    .step = backup_step,
    .finish = backup_finish,
};
