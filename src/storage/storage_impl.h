/*
 * storage_impl.h - what a storage provider is made of: the ops vtable and
 * the base structs a provider's own structs start with, so that storage.c
 * can dispatch. Private to src/storage (the providers and storage.c);
 * callers see only the opaque handles of include/storage/storage.h.
 */
#ifndef DOMECEK_STORAGE_IMPL_H
#define DOMECEK_STORAGE_IMPL_H

#include "storage/storage_blocking.h"

#include <stddef.h>
#include <stdint.h>

/* A provider's state structs start with the base struct below, so that
 * storage.c can dispatch. storage.c validates keys before calling an op;
 * ops receive valid keys only. Optional ops may be NULL. */
struct storage_ops {
	const char *name;
	int (*writer_open)(struct storage *st, const char *key,
			   struct storage_writer **out, struct err *e);
	int (*writer_write)(struct storage_writer *w, const void *data,
			    size_t n, struct err *e);
	int (*writer_commit)(struct storage_writer *w, struct err *e);
	void (*writer_abort)(struct storage_writer *w);
	int (*read_open)(struct storage *st, const char *key,
			 struct storage_reader **out, struct err *e);
	int (*read)(struct storage_reader *r, void *data, size_t cap,
		    size_t *n_out, struct err *e);
	void (*read_close)(struct storage_reader *r);
	int (*remove)(struct storage *st, const char *key, struct err *e);
	int (*stat)(struct storage *st, const char *key, int64_t *size_out,
		    int64_t *mtime_ms_out, struct err *e);
	int (*list)(struct storage *st, const char *prefix, storage_list_fn fn,
		    void *ctx, struct err *e);
	/* Optional: NULL means "not a local provider". */
	int (*path)(struct storage *st, const char *key, struct buf *out,
		    struct err *e);
	/* Optional: NULL means storage.c runs put_file through the writer
	 * ops, or remove, synchronously and returns no pending operation. */
	int (*put_file_start)(struct storage *st, const char *key,
			      const char *src_path,
			      struct storage_pending **pending, struct err *e);
	int (*delete_start)(struct storage *st, const char *key,
			    struct storage_pending **pending, struct err *e);
	int (*writer_commit_start)(struct storage_writer *w,
				   struct storage_pending **pending,
				   struct err *e);
	int (*get_file_start)(struct storage *st, const char *key,
			      const char *dst_path,
			      struct storage_pending **pending, struct err *e);
	/* Optional: NULL means the provider cannot presign. */
	int (*presign_get)(struct storage *st, const char *key, int64_t now_ms,
			   int expires_seconds, struct buf *url_out,
			   struct err *e);
	void (*close)(struct storage *st);
};

struct storage {
	const struct storage_ops *ops;
};

struct storage_writer {
	struct storage *st;
};

struct storage_reader {
	struct storage *st;
};

struct storage_pending {
	struct storage *st;
	void *handle; /* CURL easy handle */
	int (*finish)(struct storage_pending *p, int transfer_result,
		      struct err *e); /* consumes p */
	void (*free)(struct storage_pending *p);
};

#endif
