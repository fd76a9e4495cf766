/*
 * beneath.c - resolve paths under a directory fd with no symlinks at any
 * component (see beneath.h).
 *
 * Two ways, one rule. openat2() with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS
 * lets the kernel check every component, including ones a concurrent
 * rename swaps in. The fallback walk opens each directory with O_NOFOLLOW
 * relative to the one before, so a component that is a link fails with
 * ELOOP, and refuses "." and ".." itself; it is as strict, one syscall per
 * component. The first ENOSYS (or a seccomp EPERM) switches the process
 * to the walk for good.
 */
#include "beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(SYS_openat2) && __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define HAVE_OPENAT2 1
#else
#define HAVE_OPENAT2 0
#endif

#define SEGMENT_CAP 256 /* NAME_MAX + NUL */

static int is_forced_walk;
static int has_no_openat2 = !HAVE_OPENAT2;

void beneath_force_walk(int on)
{
	is_forced_walk = on;
}

int beneath_uses_walk(void)
{
	return is_forced_walk || has_no_openat2;
}

/* -1 with errno ENOSYS when openat2 cannot be used. */
static int open_kernel(int dirfd, const char *rel, int flags, mode_t mode)
{
#if HAVE_OPENAT2
	struct open_how how;
	long fd;

	memset(&how, 0, sizeof(how));
	/* RESOLVE_NO_SYMLINKS covers the last component too, with ELOOP;
	 * O_NOFOLLOW with O_DIRECTORY would turn that into ENOTDIR. */
	how.flags = (unsigned long long)(flags | O_CLOEXEC);
	how.mode = (flags & O_CREAT) ? mode : 0;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
	do
		fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
	while (fd < 0 && (errno == EINTR || errno == EAGAIN));
	if (fd < 0 && (errno == ENOSYS || errno == EPERM)) {
		has_no_openat2 = 1;
		errno = ENOSYS;
	}
	return (int)fd;
#else
	(void)dirfd, (void)rel, (void)flags, (void)mode;
	errno = ENOSYS;
	return -1;
#endif
}

/* Copies the component of rel at *pos into seg and moves *pos past it
 * and its '/'. Returns 1 when the component was the last one. */
static int next_segment(const char *rel, size_t *pos, char *seg)
{
	const char *start = rel + *pos;
	const char *slash = strchr(start, '/');
	size_t len = slash ? (size_t)(slash - start) : strlen(start);
	size_t n = len < SEGMENT_CAP ? len : SEGMENT_CAP - 1;

	/* A cut segment names nothing; the next openat says so. */
	memcpy(seg, start, n);
	seg[n] = '\0';
	*pos += len + (slash != NULL);
	return slash == NULL;
}

static int is_dot(const char *seg)
{
	return !strcmp(seg, "") || !strcmp(seg, ".") || !strcmp(seg, "..");
}

/* Opens directory seg inside dirfd, creating it first when asked. */
static int open_step(int dirfd, const char *seg, int create)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	int fd = openat(dirfd, seg, flags);

	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(dirfd, seg, 0750) != 0 && errno != EEXIST)
			return -1;
		fd = openat(dirfd, seg, flags);
	}
	if (fd < 0 && errno == ENOTDIR) {
		struct stat sb;

		if (fstatat(dirfd, seg, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(sb.st_mode))
			errno = ELOOP;
	}
	return fd;
}

/* The walk: opens every directory of rel's first `dirs` components. */
static int walk_dirs(int dirfd, const char *rel, size_t dirs, int create)
{
	char seg[SEGMENT_CAP];
	size_t pos = 0, i;
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	for (i = 0; fd >= 0 && i < dirs; i++) {
		int next;

		next_segment(rel, &pos, seg);
		if (is_dot(seg)) {
			close(fd);
			errno = EXDEV;
			return -1;
		}
		next = open_step(fd, seg, create);
		close(fd);
		fd = next;
	}
	return fd;
}

static size_t count_slashes(const char *rel)
{
	size_t n = 0;

	for (; *rel; rel++)
		n += *rel == '/';
	return n;
}

int beneath_open(int dirfd, const char *rel, int flags, mode_t mode)
{
	const char *name;
	int parent, fd, saved;

	if (!beneath_uses_walk()) {
		fd = open_kernel(dirfd, rel, flags, mode);
		if (fd >= 0 || errno != ENOSYS)
			return fd;
	}
	parent = beneath_parent(dirfd, rel, 0, &name);
	if (parent < 0)
		return -1;
	if (is_dot(name)) {
		close(parent);
		errno = EXDEV;
		return -1;
	}
	fd = openat(parent, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	saved = errno;
	close(parent);
	errno = saved;
	return fd;
}

/* The directory part of rel through openat2; ENOSYS when unavailable. */
static int parent_kernel(int dirfd, const char *rel, size_t dir_len)
{
	char dir[4096];

	if (dir_len == 0)
		return openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_len >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, rel, dir_len);
	dir[dir_len] = '\0';
	return open_kernel(dirfd, dir, O_RDONLY | O_DIRECTORY, 0);
}

int beneath_parent(int dirfd, const char *rel, int create, const char **name)
{
	const char *last = strrchr(rel, '/');
	size_t dir_len = last ? (size_t)(last - rel) : 0;
	int fd;

	*name = last ? last + 1 : rel;
	if (!beneath_uses_walk()) {
		fd = parent_kernel(dirfd, rel, dir_len);
		if (fd >= 0 ||
		    (errno != ENOSYS && !(errno == ENOENT && create)))
			return fd;
	}
	/* The walk, also for creating: mkdirat never follows a link and the
	 * next step opens what it made with O_NOFOLLOW. */
	return walk_dirs(dirfd, rel, count_slashes(rel), create);
}
