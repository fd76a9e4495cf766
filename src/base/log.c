/*
 * log.c - one line per event, to stderr.
 *
 * Each line is assembled in a bounded buffer and written with one write(),
 * so lines from the daemon and a CLI command never interleave mid-line.
 * Control characters in values are escaped: a value can never start a new
 * line and forge an entry.
 */
#include "base/log.h"
#include "base/buf.h"
#include "base/clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096

static enum log_level min_level = LOG_INFO;
static enum log_format line_format = LOG_TEXT;
static int use_journald_prefix;

static const char *level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
static const char *json_level_names[] = {"debug", "info", "warn", "error"};
static const int journald_priority[] = {7, 6, 4, 3};

void log_setup(enum log_level min, enum log_format format, int journald)
{
	min_level = min;
	line_format = format;
	use_journald_prefix = journald;
}

int log_level_parse(const char *name)
{
	static const struct {
		const char *name;
		enum log_level level;
	} names[] = {
	    {"debug", LOG_DEBUG},      {"trace", LOG_DEBUG},
	    {"information", LOG_INFO}, {"info", LOG_INFO},
	    {"warning", LOG_WARN},     {"warn", LOG_WARN},
	    {"error", LOG_ERROR},      {"critical", LOG_ERROR},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(name, names[i].name) == 0)
			return (int)names[i].level;
	return -1;
}

static int needs_quotes(const char *value)
{
	if (!*value)
		return 1;
	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' ||
		    *p == 0x7f)
			return 1;
	return 0;
}

/* Appends value quoted and escaped (JSON-compatible escapes). */
static void put_quoted(struct buf *line, const char *value)
{
	buf_putc(line, '"');
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(line, "\\%c", *p);
		else if (*p == '\n')
			buf_puts(line, "\\n");
		else if (*p < ' ' || *p == 0x7f)
			buf_printf(line, "\\u%04x", *p);
		else
			buf_putc(line, (char)*p);
	}
	buf_putc(line, '"');
}

static void line_start(struct buf *line, enum log_level level,
		       const char *event)
{
	char now[CLOCK_ISO_LEN];

	clock_format(clock_now(), now);
	if (use_journald_prefix)
		buf_printf(line, "<%d>", journald_priority[level]);
	if (line_format == LOG_JSON) {
		buf_printf(line,
			   "{\"time\":\"%s\",\"level\":\"%s\",\"event\":", now,
			   json_level_names[level]);
		put_quoted(line, event);
	} else {
		buf_printf(line, "%s %s %s", now, level_names[level], event);
	}
}

static void line_field(struct buf *line, const char *key, const char *value)
{
	if (!value)
		value = "";
	if (line_format == LOG_JSON) {
		buf_putc(line, ',');
		put_quoted(line, key);
		buf_putc(line, ':');
		put_quoted(line, value);
	} else {
		buf_printf(line, " %s=", key);
		if (needs_quotes(value))
			put_quoted(line, value);
		else
			buf_puts(line, value);
	}
}

static void line_end(struct buf *line)
{
	ssize_t written;

	if (line_format == LOG_JSON)
		buf_putc(line, '}');
	/* The cap leaves room: a truncated line still ends with a newline. */
	line->max = LOG_LINE_MAX + 2;
	buf_putc(line, '\n');
	written = write(STDERR_FILENO, buf_str(line), line->len);
	(void)written;
	buf_free(line);
}

void log_event(enum log_level level, const char *event, ...)
{
	struct buf line;
	va_list ap;
	const char *key;

	if (level < min_level)
		return;
	buf_init(&line, LOG_LINE_MAX);
	line_start(&line, level, event);
	va_start(ap, event);
	while ((key = va_arg(ap, const char *)) != NULL)
		line_field(&line, key, va_arg(ap, const char *));
	va_end(ap);
	line_end(&line);
}

/* Splits "k=v k2=v2" into fields so that JSON output stays structured. */
static void put_formatted_fields(struct buf *line, char *fields)
{
	char *save = NULL;

	for (char *pair = strtok_r(fields, " ", &save); pair;
	     pair = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(pair, '=');
		if (!eq) {
			line_field(line, pair, "");
			continue;
		}
		*eq = '\0';
		line_field(line, pair, eq + 1);
	}
}

int log_enabled(enum log_level level)
{
	return level >= min_level;
}

void log_fmt(enum log_level level, const char *event, const char *fmt, ...)
{
	char fields[LOG_LINE_MAX];
	struct buf line;
	va_list ap;

	if (level < min_level)
		return;
	va_start(ap, fmt);
	vsnprintf(fields, sizeof(fields), fmt, ap);
	va_end(ap);
	buf_init(&line, LOG_LINE_MAX);
	line_start(&line, level, event);
	put_formatted_fields(&line, fields);
	line_end(&line);
}
