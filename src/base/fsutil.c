/*
 * fsutil.c - small file-system helpers.
 */
#include "base/fsutil.h"
#include "base/err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int fs_mkdirs(const char *path, mode_t mode, struct err *e)
{
	char partial[4096];
	struct stat st;
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(partial))
		return err_set(e, ERR_INVALID,
			       "directory path '%s' is empty or too long",
			       path);
	memcpy(partial, path, len + 1);
	for (char *p = partial + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(partial, mode) != 0 && errno != EEXIST)
			return err_set(e, ERR_IO,
				       "cannot create directory %s: %s",
				       partial, strerror(errno));
		*p = saved;
		if (saved == '\0')
			break;
	}
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return err_set(e, ERR_IO, "%s exists and is not a directory",
			       path);
	return 0;
}
