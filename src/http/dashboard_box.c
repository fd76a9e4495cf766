/*
 * dashboard_box.c - the server page: is the box itself all right? The
 * daemon (pid, version, leader or standby, uptime, how long ago the loop
 * last turned), the database and its WAL on disk, free space on the data
 * volume, the newest backup (red when older than two days), the next
 * fires, and the mail transport with how its last delivery went.
 *
 * Everything is read when the page is built: stat() and statvfs() on the
 * database's own path, the backup folder's file names (the backups
 * themselves, not a job row that pruning may have removed), and a few
 * indexed queries. The page refreshes itself like the overview.
 */
#include "base/buf.h"
#include "base/clock.h"
#include "base/version.h"
#include "config/config.h"
#include "core/status.h"
#include "dashboard_impl.h"
#include "db/db.h"
#include "http/health.h"
#include "http/html.h"

#include <dirent.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define BOX_LIVE_SECONDS 5
#define BACKUP_STALE_MS (2 * MS_PER_DAY)

static void row(struct dash_page *p, const char *label, const char *id)
{
	buf_printf(p->out, "<dt>");
	html_text(p->out, dash_t(p, label));
	buf_printf(p->out, "</dt><dd id=\"%s\">", id);
}

static void text_row(struct dash_page *p, const char *label, const char *id,
		     const char *text)
{
	row(p, label, id);
	html_text(p->out, text);
	buf_puts(p->out, "</dd>");
}

static void size_text(struct dash_page *p, int64_t bytes)
{
	char text[32];

	dash_format_bytes(p->lang, bytes, text, sizeof(text));
	html_text(p->out, text);
}

/* How long ago the loop began its latest turn; red past the limit the
 * health check uses for a stall (Alerts.LoopStallSeconds). */
static void heartbeat_row(struct dash_page *p, int64_t ago)
{
	char text[64], words[96];

	row(p, "Loop heartbeat", "heartbeat");
	dash_format_duration(p->lang, ago < 0 ? 0 : ago, text, sizeof(text));
	dash_subst(dash_t(p, "%s ago"), text, words, sizeof(words));
	buf_printf(p->out, "<span class=\"%s\">",
		   ago > (int64_t)p->d->deps.cfg->alerts.loop_stall_seconds *
			       1000
		       ? "error"
		       : "ok");
	html_text(p->out, words);
	buf_puts(p->out, "</span></dd>");
}

static void daemon_rows(struct dash_page *p)
{
	const struct daemon_status *st = p->d->deps.status;
	char pid[32];

	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	text_row(p, "Process", "pid", pid);
	text_row(p, "Version", "version", DOMECEK_VERSION);
	if (!st)
		return;
	row(p, "Role", "role");
	buf_printf(p->out, "<span class=\"badge state-%s\">",
		   st->is_leader ? "succeeded" : "scheduled");
	html_text(p->out,
		  dash_t(p, st->is_leader
				? "leader: runs the schedules and the queue"
				: "standby: another daemon leads"));
	buf_puts(p->out, "</span></dd>");
	row(p, "Running since", "uptime");
	dash_time(p, st->started_at);
	buf_puts(p->out, "</dd>");
	heartbeat_row(p, clock_mono() - st->heartbeat_mono);
}

/* dir: the folder the database is in (the data volume). */
static void database_rows(struct dash_page *p, char *dir, size_t dir_size)
{
	const char *path = sqlite3_db_filename(p->d->deps.db, "main");
	char wal[4096];
	struct stat info;
	struct statvfs fs;

	dir[0] = '\0';
	if (!path || !path[0])
		return;
	text_row(p, "Database", "db-path", path);
	row(p, "Database size", "db-size");
	if (stat(path, &info) == 0)
		size_text(p, (int64_t)info.st_size);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	buf_puts(p->out, " · WAL ");
	size_text(p, stat(wal, &info) == 0 ? (int64_t)info.st_size : 0);
	buf_puts(p->out, "</dd>");
	snprintf(wal, sizeof(wal), "%s", path);
	snprintf(dir, dir_size, "%s", dirname(wal));
	row(p, "Free disk", "disk");
	if (statvfs(dir, &fs) == 0) {
		int64_t free_bytes =
		    (int64_t)fs.f_bavail * (int64_t)fs.f_frsize;
		int64_t all = (int64_t)fs.f_blocks * (int64_t)fs.f_frsize;
		size_text(p, free_bytes);
		buf_puts(p->out, " / ");
		size_text(p, all);
	}
	buf_puts(p->out, "</dd>");
}

/* The newest sealed backup in the folder: domecek-YYYYMMDDTHHMMSSZ.db. */
static int newest_backup(const char *folder, char *name, size_t size)
{
	DIR *dir = opendir(folder);
	struct dirent *entry;

	name[0] = '\0';
	if (!dir)
		return -1;
	while ((entry = readdir(dir)))
		if (strlen(entry->d_name) == 27 &&
		    !strncmp(entry->d_name, "domecek-", 8) &&
		    !strcmp(entry->d_name + 24, ".db") &&
		    strcmp(entry->d_name, name) > 0)
			snprintf(name, size, "%s", entry->d_name);
	closedir(dir);
	return name[0] ? 0 : -1;
}

static void backup_row(struct dash_page *p)
{
	const struct config *cfg = p->d->deps.cfg;
	char name[64], path[4096], iso[32];
	struct stat info;
	int64_t at = 0;

	row(p, "Last backup", "backup");
	if (!cfg->jobs.backup.r.enabled) {
		html_text(p->out,
			  dash_t(p, "backups are off (Jobs.Backup.Enabled)"));
	} else if (newest_backup(cfg->jobs.backup.path, name, sizeof(name)) ||
		   snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ",
			    name + 8, name + 12, name + 14, name + 17,
			    name + 19, name + 21) < 0 ||
		   clock_parse(iso, &at, NULL)) {
		buf_puts(p->out, "<span class=\"error\">");
		html_text(p->out, dash_t(p, "no backup yet"));
		buf_puts(p->out, "</span>");
	} else {
		snprintf(path, sizeof(path), "%s/%s", cfg->jobs.backup.path,
			 name);
		buf_printf(p->out, "<span class=\"%s\">",
			   p->now - at > BACKUP_STALE_MS ? "error" : "ok");
		dash_time(p, at);
		buf_puts(p->out, "</span> · ");
		size_text(p,
			  stat(path, &info) == 0 ? (int64_t)info.st_size : 0);
		buf_puts(p->out, " · <code>");
		html_text(p->out, name);
		buf_puts(p->out, "</code>");
	}
	buf_puts(p->out, "</dd>");
}

static void mail_row(struct dash_page *p)
{
	static const char sql[] =
	    "SELECT state, coalesce(finished_at, run_at), last_error FROM jobs\n"
	    "WHERE type = 'send_email' AND state IN ('succeeded', 'failed', 'dead')\n"
	    "ORDER BY coalesce(finished_at, run_at) DESC LIMIT 1";
	const struct config *cfg = p->d->deps.cfg;
	sqlite3_stmt *stmt;

	row(p, "Mail", "mail");
	html_text(p->out, cfg->email.provider);
	if (!strcmp(cfg->email.provider, "SMTP"))
		html_textf(p->out, " %s:%d", cfg->email.smtp.host,
			   cfg->email.smtp.port);
	else if (!strcmp(cfg->email.provider, "Maildir"))
		html_textf(p->out, " %s", cfg->email.maildir.path);
	buf_puts(p->out, " · ");
	if (db_prepare(p->d->deps.db, sql, &stmt, NULL) == 0 &&
	    sqlite3_step(stmt) == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(stmt, 0);
		int is_ok = !strcmp(state, "succeeded");
		buf_printf(p->out, "<span class=\"%s\">",
			   is_ok ? "ok" : "error");
		html_text(p->out, dash_t(p, is_ok ? "last delivery worked"
						  : "last delivery failed"));
		buf_puts(p->out, "</span> ");
		dash_time_column(p, stmt, 1);
		if (!is_ok && sqlite3_column_type(stmt, 2) != SQLITE_NULL) {
			buf_puts(p->out, "<br><span class=\"error-text\">");
			html_text(p->out,
				  (const char *)sqlite3_column_text(stmt, 2));
			buf_puts(p->out, "</span>");
		}
	} else {
		html_text(p->out, dash_t(p, "nothing sent yet"));
	}
	sqlite3_finalize(stmt);
	buf_puts(p->out, "</dd>");
}

static void next_fires(struct dash_page *p)
{
	static const char sql[] =
	    "SELECT name, next_fire_at FROM recurring_jobs\n"
	    "WHERE enabled = 1 AND paused = 0 AND next_fire_at IS NOT NULL\n"
	    "ORDER BY next_fire_at LIMIT 5";
	sqlite3_stmt *stmt;
	int rows = 0;

	dash_h2(p, "Next fires");
	buf_puts(p->out, "<ul class=\"fires\" id=\"fires\">");
	if (db_prepare(p->d->deps.db, sql, &stmt, NULL) == 0) {
		for (; sqlite3_step(stmt) == SQLITE_ROW; rows++) {
			buf_puts(p->out, "<li>");
			dash_time_column(p, stmt, 1);
			buf_puts(p->out, " <strong>");
			html_text(p->out,
				  (const char *)sqlite3_column_text(stmt, 0));
			buf_puts(p->out, "</strong></li>");
		}
		sqlite3_finalize(stmt);
	}
	buf_puts(p->out, "</ul>");
	if (!rows)
		dash_muted(p, "No schedule is planned.");
}

void dash_box(struct dash_page *p)
{
	char dir[4096];

	p->live_seconds = BOX_LIVE_SECONDS;
	dash_begin(p, "Server", "/box");
	buf_puts(p->out, "<dl class=\"fields box\">");
	daemon_rows(p);
	database_rows(p, dir, sizeof(dir));
	backup_row(p);
	mail_row(p);
	buf_puts(p->out, "</dl>");
	next_fires(p);
	dash_end(p);
}
