/*
 * fsutil.h - small file-system helpers the daemon needs in several places
 * (storage root, Maildir, backup folder).
 */
#ifndef DOMECEK_FSUTIL_H
#define DOMECEK_FSUTIL_H

#include <sys/types.h>

struct err;

/* Creates path and its missing parents (like mkdir -p). An existing
 * directory is fine; an existing non-directory is ERR_IO naming it. */
int fs_mkdirs(const char *path, mode_t mode, struct err *e);

#endif
