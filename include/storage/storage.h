/*
 * storage.h - blob storage for documents and exports, behind one interface.
 *
 * A blob is named by a storage key, a relative path such as
 *   documents/{propertyId}/{zaznamId}/{guid}.jpg
 *   exports/{userId}/export_20261128T204517Z.zip
 * Every function checks the key with storage_key_valid() before a provider
 * sees it, so no provider ever follows an absolute path, a "..", a
 * backslash or a control character.
 *
 * Providers: "local" (a directory) and "s3" (an S3-compatible server). A
 * provider is a struct storage_ops vtable plus its own state; both are
 * private to src/storage (storage_impl.h).
 *
 * Ownership: storage_open_*() gives the caller a struct storage to
 * storage_close(). A writer is consumed by exactly one of
 * storage_writer_commit_start() (storage_writer_commit() in
 * storage_blocking.h) or storage_writer_abort(). Errors come with a
 * message naming the key.
 *
 * Errors common to all calls: ERR_INVALID (bad key, with the reason),
 * ERR_NOTFOUND (no blob under the key), ERR_NOSPACE (quota, disk full,
 * EDQUOT), ERR_IO (anything else the system refused), ERR_NOMEM.
 *
 * Nothing declared here waits on the network. Opening a store, the local
 * provider's own calls (storage_local_*) and a writer's open/write/abort
 * are file system calls (an S3 writer spools to a temp file); keys,
 * paths and presigned URLs are computed. An S3 provider transfers over
 * the network, and the daemon must not block its loop on that, so the
 * operations jobs run against a remote store have *_start() forms:
 *
 *   struct storage_pending *p;
 *   rc = storage_put_file_start(st, key, path, &p, e);
 *   if (rc) fail;
 *   if (!p) done;                       // completed now (local provider)
 *   CURL *easy = storage_pending_handle(p);
 *   ... the loop adds easy to its curl multi handle, keeps p in
 *   CURLOPT_PRIVATE, and when curl_multi_info_read reports it done:
 *   rc = storage_pending_finish(p, msg->data.result, e);   // frees p
 *
 * The S3 provider (storage_s3.c) implements put_file_start,
 * get_file_start, writer_commit_start and delete_start with curl easy
 * handles signed with sigv4.h (sigv4_request_url + sigv4_authorization);
 * finish() maps the HTTP status to our codes (404 -> ERR_NOTFOUND,
 * 5xx/timeouts -> ERR_TEMP, 403 -> ERR_PERM, other 4xx -> ERR_FATAL).
 * Its writer spools to a temp file and uploads on commit; its path() is
 * NULL (storage_path() then says "not local") and it presigns GET URLs.
 *
 * The synchronous forms (put_file, writer_commit, read, delete, stat,
 * list) run curl_easy_perform for S3 and so block: they are declared in
 * storage_blocking.h, for the CLI, the demo, src/storage and tests only.
 * tools/deps (make deps) refuses that header, and a call of its
 * functions, in src/core, src/app, src/jobs, src/http and the wiring.
 */
#ifndef DOMECEK_STORAGE_H
#define DOMECEK_STORAGE_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct err;

#define STORAGE_KEY_MAX 1024	/* bytes; S3's limit for object keys */
#define STORAGE_SEGMENT_MAX 255 /* bytes in one path segment (NAME_MAX) */

struct storage;
struct storage_writer;
struct storage_pending;

/* 0 when key is a safe relative key; ERR_INVALID with a message naming the
 * key and the rule it breaks: empty, longer than STORAGE_KEY_MAX, absolute,
 * backslash, control character, empty segment (// or a trailing /), "." or
 * "..", a segment starting with '.' (reserved: temporary files live under
 * ".tmp"), or a segment longer than STORAGE_SEGMENT_MAX. A key cannot hold
 * NUL; callers that decode keys from bytes refuse NUL first (links.c). */
int storage_key_valid(const char *key, struct err *e);

/* --- Local provider ---------------------------------------------------
 * Blobs are files under root at their key's path, reached through the
 * root's directory fd with no symbolic link followed at any component
 * (ERR_PERM names the key). Writes go to a temp file
 * in root/.tmp and are renamed into place on commit, so a key shows either
 * the old blob or the whole new one, never a part; a crash leaves at most
 * an orphan in root/.tmp, which no key can name. root must exist. */
int storage_open_local(const char *root, struct storage **out, struct err *e);
/* Caps the bytes of all blobs under root at max_bytes (0 = no cap). The
 * current usage is measured now, then tracked by this process's writes and
 * deletes; a write that would pass the cap fails with ERR_NOSPACE. Files
 * changed behind our back are not seen until the next call. ERR_INVALID
 * for a provider without quotas or a negative cap. */
int storage_local_set_quota(struct storage *st, int64_t max_bytes,
			    struct err *e);

/* Opens key's blob for the HTTP server to send: *fd (the caller closes
 * it) is a regular file reached with no symbolic link at any component,
 * *size its length. Errors: ERR_INVALID (bad key, or a provider that is
 * not local), ERR_NOTFOUND (no blob, or not a regular file), ERR_PERM (a
 * link or an escape on the key's way), ERR_IO. */
int storage_local_open_blob(struct storage *st, const char *key, int *fd,
			    int64_t *size, struct err *e);

/* Removes the temp files a killed writer left in root/.tmp: every
 * "<pid>-<n>-<random>.part" whose process is gone, or is this process
 * while this storage has opened no writer yet (a container restarts the
 * daemon with the same pid). Call it at start, before writing. *removed
 * (may be NULL) gets the count. ERR_INVALID for a provider that is not
 * local, ERR_IO when .tmp cannot be read. */
int storage_local_sweep_temp(struct storage *st, int *removed, struct err *e);

/* --- S3 provider -------------------------------------------------------
 * Any S3-compatible server. endpoint is "https://host[:port]" or
 * "http://host:port"; path_style 1 puts the bucket in the path (MinIO,
 * s3rver), 0 in the host name (AWS). temp_dir (NULL: $TMPDIR or /tmp)
 * holds writers' spool files and downloads. The strings are copied.
 * Errors: ERR_INVALID naming the missing or malformed field. */
struct storage_s3_options {
	const char *endpoint, *region, *bucket, *access_key, *secret_key;
	int path_style;
	const char *temp_dir;
	const char *ca_file; /* Tls.CaFile; NULL or "" = the system's CAs */
};
int storage_open_s3(const struct storage_s3_options *opt, struct storage **out,
		    struct err *e);

/* Opens the provider the config names (Storage.Provider): S3 with its
 * keys, or Local with its root created if missing and its quota set.
 * Errors name the config key. */
struct config;
int storage_open_configured(const struct config *cfg, struct storage **out,
			    struct err *e);

void storage_close(struct storage *st); /* NULL is a no-op */
const char *storage_provider_name(const struct storage *st);

/* --- Blobs --------------------------------------------------------- */

/* Starts a new blob for key; nothing is visible under key until commit. */
int storage_writer_open(struct storage *st, const char *key,
			struct storage_writer **out, struct err *e);
int storage_writer_write(struct storage_writer *w, const void *data, size_t n,
			 struct err *e);
/* Drops the blob being written and consumes w. NULL is a no-op. */
void storage_writer_abort(struct storage_writer *w);

/* Appends the file system path of key's blob, for the HTTP server to
 * serve. ERR_INVALID for providers that are not local. The blob need not
 * exist. */
int storage_path(struct storage *st, const char *key, struct buf *out,
		 struct err *e);

/* Appends a URL that lets anyone GET key until now_ms + expires_seconds
 * (S3: query-string SigV4). ERR_INVALID for providers that cannot presign
 * (local: use a signed /exports/ link, links.h). */
int storage_presign_get(struct storage *st, const char *key, int64_t now_ms,
			int expires_seconds, struct buf *url_out,
			struct err *e);

/* --- Asynchronous forms (see the top of this file) ------------------- */

/* Makes the blob durable (fsync) and visible under the key, replacing any
 * old blob, creating parent directories; always consumes w, and on
 * failure nothing changes under the key. Like storage_writer_commit
 * (storage_blocking.h), but a remote provider returns the upload as a
 * pending operation; the blob is visible once storage_pending_finish()
 * returns 0. */
int storage_writer_commit_start(struct storage_writer *w,
				struct storage_pending **pending,
				struct err *e);
/* Copies key's blob into a new file at dst_path (created 0600, replaced
 * if it exists). Without a provider op it is done now through a reader.
 * On failure dst_path is removed. */
int storage_get_file_start(struct storage *st, const char *key,
			   const char *dst_path,
			   struct storage_pending **pending, struct err *e);

/* *pending is NULL when the operation already completed (rc says how);
 * otherwise the caller drives storage_pending_handle(*pending) and then
 * calls storage_pending_finish(). */
int storage_put_file_start(struct storage *st, const char *key,
			   const char *src_path,
			   struct storage_pending **pending, struct err *e);
int storage_delete_start(struct storage *st, const char *key,
			 struct storage_pending **pending, struct err *e);
/* The CURL easy handle to add to the loop's multi handle (as void *, so
 * this header does not pull in curl.h). Owned by p. */
void *storage_pending_handle(struct storage_pending *p);
/* transfer_result is the CURLcode curl reported. Consumes p. */
int storage_pending_finish(struct storage_pending *p, int transfer_result,
			   struct err *e);
/* Cancels (after the caller removed the handle from its multi). */
void storage_pending_free(struct storage_pending *p);

#endif
