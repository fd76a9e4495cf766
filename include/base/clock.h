/*
 * clock.h - the only source of "now".
 *
 * All code asks this module for the time; nothing else calls time(),
 * gettimeofday() or clock_gettime(CLOCK_REALTIME). Tests and `--now` fix
 * the clock (frozen), or start it at a given instant and let it advance;
 * clock_real() stays the system's, for what other machines check.
 *
 * Times are int64 milliseconds since the Unix epoch, UTC. Text times are
 * ISO-8601 in the data model's fixed width: YYYY-MM-DDTHH:MM:SS.sssZ.
 */
#ifndef DOMECEK_CLOCK_H
#define DOMECEK_CLOCK_H

#include <stdint.h>

struct err;

#define CLOCK_ISO_LEN 25 /* "2026-11-28T20:45:17.000Z" + NUL */
#define MS_PER_SECOND INT64_C(1000)
#define MS_PER_MINUTE (60 * MS_PER_SECOND)
#define MS_PER_HOUR (60 * MS_PER_MINUTE)
#define MS_PER_DAY (24 * MS_PER_HOUR)

/* Wall-clock now (UTC ms), real or as set below. */
int64_t clock_now(void);
/* The system's wall clock, whatever clock_fix/--now say: for what leaves
 * the process and is checked by others against their own clocks (S3
 * signatures and presigned links, an email's Date header). --now moves
 * only the jobs' logic. */
int64_t clock_real(void);
/* For tests: clock_real() returns ms from now on (0: the system's again). */
void clock_fix_real(int64_t ms);
/* Monotonic milliseconds for timeouts and sleeping; never jumps. */
int64_t clock_mono(void);

/* Freeze the clock at ms: every clock_now() returns it until changed. */
void clock_fix(int64_t ms);
/* Start the clock at ms and let it advance with real time. */
void clock_start_at(int64_t ms);
/* Move a fixed or started clock forward (or back) by delta ms. */
void clock_advance(int64_t delta);
/* Back to the real wall clock. */
void clock_use_real(void);
/* 1 when the clock is frozen (run-job --now, tests). */
int clock_is_fixed(void);

/* A descriptor that becomes readable when the system's wall clock is set
 * (NTP at boot on a Raspberry Pi, suspend and resume): a timerfd with
 * TFD_TIMER_CANCEL_ON_SET. -1 on error (errno set). */
int clock_changes_open(void);
/* Reads a ready clock_changes_open() descriptor and arms it again.
 * Returns 1 when the wall clock was set, 0 otherwise. */
int clock_changes_read(int fd);

/* Formats ms as YYYY-MM-DDTHH:MM:SS.sssZ into out[CLOCK_ISO_LEN]. */
char *clock_format(int64_t ms, char out[CLOCK_ISO_LEN]);
/* Parses ISO-8601: a date (midnight UTC), or date and time with optional
 * seconds and fraction, and "Z", "+HH:MM", "+HHMM" or nothing (UTC). */
int clock_parse(const char *text, int64_t *out, struct err *e);

#endif
