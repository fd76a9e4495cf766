/*
 * storage_local_impl.h - the local provider's state, shared by
 * storage_local.c (blobs) and storage_local_list.c (listing, quota and
 * temp sweep). Private to src/storage.
 */
#ifndef DOMECEK_STORAGE_LOCAL_IMPL_H
#define DOMECEK_STORAGE_LOCAL_IMPL_H

#include "storage_impl.h"

#include <stdint.h>

#define LOCAL_PATH_CAP 8192
#define LOCAL_TEMP_DIR ".tmp"

struct local {
	struct storage base;
	char *root;	   /* for messages only: files are reached by fd */
	int root_fd;	   /* the root directory, opened once */
	int temp_fd;	   /* root/.tmp */
	int64_t max_bytes; /* 0: no quota */
	int64_t used;	   /* committed bytes, tracked while a quota is set */
	int64_t reserved;  /* bytes in open writers' temp files */
	unsigned temp_count;
};

extern const struct storage_ops storage_local_ops;

/* ERR_NOSPACE, ERR_NOTFOUND, ERR_PERM (a symlink or an escape on the
 * way: the key is refused) or ERR_IO for an errno. */
int local_errno_code(int error);

int local_list(struct storage *base, const char *prefix, storage_list_fn fn,
	       void *ctx, struct err *e);

#endif
