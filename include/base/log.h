/*
 * log.h - one line per event, to stderr.
 *
 * A line is: time, level, event name, then key=value fields:
 *   2026-11-29T03:00:00.412Z INFO job.done job=draft_cleanup deleted=12
 * Values that contain spaces or quotes are written in double quotes with
 * escapes. Secrets are never passed here: callers log key names, not
 * values, for anything from the config's secret keys.
 */
#ifndef DOMECEK_LOG_H
#define DOMECEK_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_TEXT, LOG_JSON };

/* Minimum level printed; format; journald "<N>" priority prefixes. */
void log_setup(enum log_level min, enum log_format format, int journald);
/* Parses "Debug"/"Information"/"Warning"/"Error" (the .NET names) or
 * "debug"/"info"/"warn"/"error"; returns -1 if unknown. */
int log_level_parse(const char *name);

/* 1 when a line of this level would be printed (skip building it if 0). */
int log_enabled(enum log_level level);

/* Logs event with fields given as alternating key, value strings and a
 * terminating NULL: log_event(LOG_INFO, "job.done", "job", name, NULL). */
void log_event(enum log_level level, const char *event, ...)
    __attribute__((sentinel));

/* Like log_event, but the fields are one printf-formatted string of
 * key=value pairs whose values need no quoting (numbers, names). */
void log_fmt(enum log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
