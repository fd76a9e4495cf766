/*
 * beneath.h - open files under a directory without ever leaving it
 * (private to the local storage provider).
 *
 * Every path given here is relative to a directory fd (the storage root)
 * and is resolved one way: no component may be a symbolic link, and no
 * component may climb above the directory. Linux 5.6+ does this in one
 * openat2() call with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS; where that
 * call is missing (older kernels, seccomp filters that refuse it) the same
 * rule is kept by walking the path one component at a time with
 * openat(O_NOFOLLOW | O_DIRECTORY). A symlink anywhere fails with ELOOP,
 * an escape with EXDEV; callers report both as a refused key.
 *
 * Functions return a new fd (the caller closes it) or -1 with errno set.
 */
#ifndef DOMECEK_STORAGE_BENEATH_H
#define DOMECEK_STORAGE_BENEATH_H

#include <sys/types.h>

/* Opens rel under dirfd with flags (O_NOFOLLOW and O_CLOEXEC are added).
 * With O_CREAT only the last component is created; its parents must
 * exist. */
int beneath_open(int dirfd, const char *rel, int flags, mode_t mode);

/* Opens the directory that holds rel's last component (dirfd itself,
 * reopened, when rel has no '/') and points *name at that component
 * inside rel. When create is set, missing directories are made (0750). */
int beneath_parent(int dirfd, const char *rel, int create, const char **name);

/* 1 when the walk is used instead of openat2 (no openat2, or forced). */
int beneath_uses_walk(void);
/* For tests: 1 makes every call take the component walk. */
void beneath_force_walk(int on);

#endif
