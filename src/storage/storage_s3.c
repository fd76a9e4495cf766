/*
 * storage_s3.c - the S3 provider: blobs as objects in one bucket of any
 * S3-compatible server (AWS, MinIO, s3rver).
 *
 * Signing: every request carries an Authorization header from our own
 * sigv4_authorization() (sigv4.h), not curl's CURLOPT_AWS_SIGV4. One
 * signer serves both the headers and the presigned export links, it is
 * tested against AWS's published examples, it takes the time from
 * clock_real() (the server compares it with its own clock, so --now,
 * which moves only the jobs' logic, must not skew it), and the URL curl sends
 * is the very one it signed (sigv4_request_url); curl 7.88's own signer adds no
 * x-amz-content-sha256 for S3 and reads the system clock. Uploads stream
 * from a file and are signed with UNSIGNED-PAYLOAD; other requests sign
 * the SHA-256 of the empty body.
 *
 * Every operation is a struct s3_pending holding a curl easy handle: the
 * *_start forms give it to the caller (the daemon's curl multi); the
 * synchronous forms run it here with curl_easy_perform, which blocks and
 * is therefore only for the CLI, tests and tools. Writers spool to a temp
 * file and upload on commit; readers download to a temp file (unlinked at
 * once, kept open) and read from it: simple and correct, at the price of
 * local disk for one object at a time.
 *
 * S3 answers DELETE of a missing object with success, so storage_delete
 * never reports ERR_NOTFOUND here; callers already treat both as "gone".
 */
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "storage/sigv4.h"
#include "storage/storage.h"
#include "storage_impl.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH_CAP 4096
#define RESPONSE_MAX (8 * 1024 * 1024) /* a ListObjectsV2 page is ~300 KB */
#define EMPTY_SHA256                                                           \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct s3 {
	struct storage base;
	char scheme[8];
	char host[512];
	char region[64];
	char bucket[256];
	char access_key[256];
	char secret_key[256];
	int path_style;
	char temp_dir[PATH_CAP];
	char ca_file[PATH_CAP]; /* "" = curl's default store */
};

struct s3_pending {
	struct storage_pending base;
	struct curl_slist *headers;
	FILE *body;		    /* upload source */
	FILE *out;		    /* download target */
	char unlink_path[PATH_CAP]; /* upload spool or failed download */
	int unlink_on_success;	    /* spool: always; download: on failure */
	char key[STORAGE_KEY_MAX + 1];
	char what[16];		/* "GET", "PUT", ... for messages */
	struct buf response;	/* error bodies, listings */
	int64_t size, mtime_ms; /* HEAD */
};

struct s3_writer {
	struct storage_writer base;
	FILE *f;
	char path[PATH_CAP];
	char key[STORAGE_KEY_MAX + 1];
};

struct s3_reader {
	struct storage_reader base;
	int fd;
};

static const struct storage_ops s3_ops;

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct s3_pending *p = arg;

	if (p->out)
		return fwrite(data, size, n, p->out) == n ? size * n : 0;
	return buf_append(&p->response, data, size * n) ? 0 : size * n;
}

static void pending_free(struct storage_pending *base)
{
	struct s3_pending *p = (struct s3_pending *)base;

	if (!p)
		return;
	curl_easy_cleanup(p->base.handle);
	curl_slist_free_all(p->headers);
	if (p->body)
		fclose(p->body);
	if (p->out)
		fclose(p->out);
	if (p->unlink_path[0])
		unlink(p->unlink_path);
	buf_free(&p->response);
	free(p);
}

/* S3's error code from an XML error body, or "" */
static void xml_value(const char *xml, const char *tag, char *out, size_t size)
{
	char open[64], close[64];
	const char *a, *b;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	out[0] = '\0';
	if (!xml || !(a = strstr(xml, open)) ||
	    !(b = strstr(a += strlen(open), close)))
		return;
	snprintf(out, size, "%.*s", (int)(b - a), a);
}

static int status_code(long status)
{
	if (status == 404)
		return ERR_NOTFOUND;
	if (status == 401 || status == 403)
		return ERR_PERM;
	if (status >= 500 || status == 408 || status == 429)
		return ERR_TEMP;
	return ERR_FATAL;
}

static int pending_finish(struct storage_pending *base, int result,
			  struct err *e)
{
	struct s3_pending *p = (struct s3_pending *)base;
	long status = 0;
	char code[128];
	int rc = 0;

	if (p->out && fflush(p->out) != 0 && result == CURLE_OK)
		result = CURLE_WRITE_ERROR;
	curl_easy_getinfo(p->base.handle, CURLINFO_RESPONSE_CODE, &status);
	if (result != CURLE_OK) {
		rc = err_set(e, result == CURLE_WRITE_ERROR ? ERR_IO : ERR_TEMP,
			     "S3 %s \"%s\": %s", p->what, p->key,
			     curl_easy_strerror((CURLcode)result));
	} else if (status < 200 || status > 299) {
		xml_value(buf_str(&p->response), "Code", code, sizeof(code));
		rc = err_set(e, status_code(status),
			     "S3 %s \"%s\": HTTP %ld%s%s", p->what, p->key,
			     status, code[0] ? " " : "", code);
	}
	if (rc == 0 && !p->unlink_on_success)
		p->unlink_path[0] = '\0'; /* a finished download stays */
	pending_free(base);
	return rc;
}

static int s3_url_and_auth(struct s3 *st, const char *method, const char *key,
			   const struct sigv4_param *params, size_t n_params,
			   const char *payload_hash, struct buf *url,
			   struct curl_slist **headers, struct err *e)
{
	struct sigv4_request r = {.method = method,
				  .scheme = st->scheme,
				  .host = st->host,
				  .is_path_style = st->path_style,
				  .bucket = st->bucket,
				  .key = key,
				  .region = st->region,
				  .service = "s3",
				  .access_key = st->access_key,
				  .secret_key = st->secret_key,
				  .params = params,
				  .param_count = n_params};
	char date[SIGV4_DATE_LEN];
	struct buf auth, line;
	int rc;

	buf_init(&auth, 4096);
	buf_init(&line, 4096);
	if ((rc = sigv4_request_url(&r, url, e)) ||
	    (rc = sigv4_authorization(&r, clock_real(), payload_hash, &auth,
				      date, e)))
		goto done;
	/* "Expect:" stops curl's 100-continue wait before uploads. */
	const char *names[] = {"Authorization: ", "x-amz-date: ",
			       "x-amz-content-sha256: ", "Expect:"};
	const char *values[] = {buf_str(&auth), date, payload_hash, ""};

	for (int i = 0; i < 4 && !rc; i++) {
		struct curl_slist *next;

		buf_reset(&line);
		buf_printf(&line, "%s%s", names[i], values[i]);
		next = curl_slist_append(*headers, buf_str(&line));
		if (!next)
			rc = err_set(e, ERR_NOMEM, "no memory for S3 headers");
		else
			*headers = next;
	}
done:
	buf_free(&auth);
	buf_free(&line);
	return rc;
}

static int s3_new_pending(struct s3 *st, const char *method, const char *key,
			  const struct sigv4_param *params, size_t n_params,
			  struct s3_pending **out, struct err *e)
{
	const char *hash =
	    strcmp(method, "PUT") == 0 ? "UNSIGNED-PAYLOAD" : EMPTY_SHA256;
	struct s3_pending *p = calloc(1, sizeof(*p));
	struct buf url;
	CURL *c;
	int rc;

	*out = NULL;
	if (!p || !(c = curl_easy_init())) {
		free(p);
		return err_set(e, ERR_NOMEM, "no memory for an S3 request");
	}
	p->base.st = &st->base;
	p->base.handle = c;
	p->base.finish = pending_finish;
	p->base.free = pending_free;
	snprintf(p->key, sizeof(p->key), "%s", key ? key : "");
	snprintf(p->what, sizeof(p->what), "%s", method);
	buf_init(&p->response, RESPONSE_MAX);
	buf_init(&url, 8192);
	rc = s3_url_and_auth(st, method, key, params, n_params, hash, &url,
			     &p->headers, e);
	if (!rc) {
		curl_easy_setopt(c, CURLOPT_URL, buf_str(&url));
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, p->headers);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, p);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
		if (st->ca_file[0])
			curl_easy_setopt(c, CURLOPT_CAINFO, st->ca_file);
		/* A stalled transfer fails instead of holding the job. */
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 120L);
		if (strcmp(method, "DELETE") == 0)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
		if (strcmp(method, "HEAD") == 0) {
			curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
			curl_easy_setopt(c, CURLOPT_FILETIME, 1L);
		}
	}
	buf_free(&url);
	if (rc) {
		pending_free(&p->base);
		return rc;
	}
	*out = p;
	return 0;
}

/* A PUT of the file at path; with is_spool the file is removed after. */
static int put_start(struct s3 *st, const char *key, const char *path,
		     int is_spool, struct storage_pending **pending,
		     struct err *e)
{
	struct s3_pending *p;
	struct stat sb;
	FILE *f = fopen(path, "rb");
	int rc;

	if (!f || fstat(fileno(f), &sb) != 0) {
		rc = err_set(e, errno == ENOENT ? ERR_NOTFOUND : ERR_IO,
			     "cannot open %s to upload as \"%s\": %s", path,
			     key, strerror(errno));
		if (f)
			fclose(f);
		if (is_spool)
			unlink(path);
		return rc;
	}
	if ((rc = s3_new_pending(st, "PUT", key, NULL, 0, &p, e))) {
		fclose(f);
		if (is_spool)
			unlink(path);
		return rc;
	}
	p->body = f;
	if (is_spool) {
		snprintf(p->unlink_path, sizeof(p->unlink_path), "%s", path);
		p->unlink_on_success = 1;
	}
	curl_easy_setopt(p->base.handle, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(p->base.handle, CURLOPT_READDATA, f);
	curl_easy_setopt(p->base.handle, CURLOPT_INFILESIZE_LARGE,
			 (curl_off_t)sb.st_size);
	*pending = &p->base;
	return 0;
}

static int run_sync(struct storage_pending *p, struct err *e)
{
	CURLcode result = curl_easy_perform(p->handle);

	return storage_pending_finish(p, (int)result, e);
}

static int s3_put_file_start(struct storage *base, const char *key,
			     const char *src_path,
			     struct storage_pending **pending, struct err *e)
{
	return put_start((struct s3 *)base, key, src_path, 0, pending, e);
}

static int s3_get_file_start(struct storage *base, const char *key,
			     const char *dst_path,
			     struct storage_pending **pending, struct err *e)
{
	struct s3_pending *p;
	int rc = s3_new_pending((struct s3 *)base, "GET", key, NULL, 0, &p, e);

	if (rc)
		return rc;
	p->out = fopen(dst_path, "wb");
	if (!p->out) {
		rc = err_set(e, ERR_IO, "cannot create %s for \"%s\": %s",
			     dst_path, key, strerror(errno));
		pending_free(&p->base);
		return rc;
	}
	snprintf(p->unlink_path, sizeof(p->unlink_path), "%s", dst_path);
	*pending = &p->base;
	return 0;
}

static int s3_delete_start(struct storage *base, const char *key,
			   struct storage_pending **pending, struct err *e)
{
	struct s3_pending *p;
	int rc =
	    s3_new_pending((struct s3 *)base, "DELETE", key, NULL, 0, &p, e);

	*pending = rc ? NULL : &p->base;
	return rc;
}

static int s3_remove(struct storage *base, const char *key, struct err *e)
{
	struct storage_pending *p;
	int rc = s3_delete_start(base, key, &p, e);

	return rc ? rc : run_sync(p, e);
}

/* A spool file in temp_dir; path receives its name. */
static int spool_file(struct s3 *st, const char *key, char *path, size_t size,
		      int *fd_out, struct err *e)
{
	snprintf(path, size, "%s/domecek-s3-XXXXXX", st->temp_dir);
	*fd_out = mkstemp(path);
	if (*fd_out < 0)
		return err_set(e, errno == ENOSPC ? ERR_NOSPACE : ERR_IO,
			       "cannot create a temp file in %s for \"%s\": %s",
			       st->temp_dir, key, strerror(errno));
	return 0;
}

static int s3_writer_open(struct storage *base, const char *key,
			  struct storage_writer **out, struct err *e)
{
	struct s3_writer *w = calloc(1, sizeof(*w));
	int fd, rc;

	if (!w)
		return err_set(e, ERR_NOMEM, "no memory to write \"%s\"", key);
	w->base.st = base;
	snprintf(w->key, sizeof(w->key), "%s", key);
	if ((rc = spool_file((struct s3 *)base, key, w->path, sizeof(w->path),
			     &fd, e))) {
		free(w);
		return rc;
	}
	w->f = fdopen(fd, "wb");
	if (!w->f) {
		close(fd);
		unlink(w->path);
		free(w);
		return err_set(e, ERR_NOMEM, "no memory to write \"%s\"", key);
	}
	*out = &w->base;
	return 0;
}

static int s3_writer_write(struct storage_writer *base, const void *data,
			   size_t n, struct err *e)
{
	struct s3_writer *w = (struct s3_writer *)base;

	if (fwrite(data, 1, n, w->f) != n)
		return err_set(e, errno == ENOSPC ? ERR_NOSPACE : ERR_IO,
			       "cannot spool \"%s\" to %s: %s", w->key, w->path,
			       strerror(errno));
	return 0;
}

static void s3_writer_abort(struct storage_writer *base)
{
	struct s3_writer *w = (struct s3_writer *)base;

	if (w->f)
		fclose(w->f);
	if (w->path[0])
		unlink(w->path);
	free(w);
}

static int s3_writer_commit_start(struct storage_writer *base,
				  struct storage_pending **pending,
				  struct err *e)
{
	struct s3_writer *w = (struct s3_writer *)base;
	int closed = fclose(w->f);
	int rc;

	w->f = NULL;
	if (closed != 0) {
		rc = err_set(e, ERR_IO, "cannot spool \"%s\" to %s: %s", w->key,
			     w->path, strerror(errno));
		s3_writer_abort(base);
		return rc;
	}
	rc = put_start((struct s3 *)base->st, w->key, w->path, 1, pending, e);
	w->path[0] = '\0'; /* the spool file is the pending PUT's now */
	s3_writer_abort(base);
	return rc;
}

static int s3_writer_commit(struct storage_writer *base, struct err *e)
{
	struct storage_pending *p;
	int rc = s3_writer_commit_start(base, &p, e);

	return rc ? rc : run_sync(p, e);
}

static int s3_read_open(struct storage *base, const char *key,
			struct storage_reader **out, struct err *e)
{
	struct s3 *st = (struct s3 *)base;
	struct storage_pending *p;
	struct s3_reader *r;
	char path[PATH_CAP];
	int fd, rc;

	if ((rc = spool_file(st, key, path, sizeof(path), &fd, e)))
		return rc;
	close(fd);
	if ((rc = s3_get_file_start(base, key, path, &p, e)) ||
	    (rc = run_sync(p, e))) {
		unlink(path);
		return rc;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	unlink(path); /* the open descriptor keeps the data */
	if (fd < 0)
		return err_set(e, ERR_IO,
			       "cannot read the download of \"%s\": %s", key,
			       strerror(errno));
	if (!(r = calloc(1, sizeof(*r)))) {
		close(fd);
		return err_set(e, ERR_NOMEM, "no memory to read \"%s\"", key);
	}
	r->base.st = base;
	r->fd = fd;
	*out = &r->base;
	return 0;
}

static int s3_read(struct storage_reader *base, void *data, size_t cap,
		   size_t *n_out, struct err *e)
{
	struct s3_reader *r = (struct s3_reader *)base;
	ssize_t n;

	do
		n = read(r->fd, data, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_set(e, ERR_IO, "cannot read a downloaded object: %s",
			       strerror(errno));
	*n_out = (size_t)n;
	return 0;
}

static void s3_read_close(struct storage_reader *base)
{
	struct s3_reader *r = (struct s3_reader *)base;

	close(r->fd);
	free(r);
}

static int s3_stat(struct storage *base, const char *key, int64_t *size_out,
		   int64_t *mtime_ms_out, struct err *e)
{
	struct s3_pending *p;
	curl_off_t size = -1, filetime = -1;
	CURLcode result;
	int rc = s3_new_pending((struct s3 *)base, "HEAD", key, NULL, 0, &p, e);

	if (rc)
		return rc;
	result = curl_easy_perform(p->base.handle);
	curl_easy_getinfo(p->base.handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
			  &size);
	curl_easy_getinfo(p->base.handle, CURLINFO_FILETIME_T, &filetime);
	if ((rc = pending_finish(&p->base, (int)result, e)))
		return rc;
	if (size_out)
		*size_out = size < 0 ? 0 : (int64_t)size;
	if (mtime_ms_out)
		*mtime_ms_out = filetime < 0 ? 0 : (int64_t)filetime * 1000;
	return 0;
}

/* Decodes the five XML entities S3 uses in keys, in place. */
static void xml_unescape(char *s)
{
	static const struct {
		const char *ent;
		char c;
	} ents[] = {{"&amp;", '&'},
		    {"&lt;", '<'},
		    {"&gt;", '>'},
		    {"&quot;", '"'},
		    {"&apos;", '\''}};
	char *out = s;

	while (*s) {
		size_t i, n = 0;

		for (i = 0; *s == '&' && i < 5; i++)
			if (!strncmp(s, ents[i].ent, n = strlen(ents[i].ent)))
				break;
		if (*s == '&' && i < 5) {
			*out++ = ents[i].c;
			s += n;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

/* Calls fn for each <Contents> of one ListObjectsV2 page. */
static int list_page(const char *xml, storage_list_fn fn, void *ctx,
		     struct err *e)
{
	const char *at = xml;

	while ((at = strstr(at, "<Contents>")) != NULL) {
		const char *end = strstr(at, "</Contents>");
		char key[STORAGE_KEY_MAX * 6 + 1], size[32], when[64];
		char *item;
		int64_t ms = 0;
		int rc;

		if (!end)
			return err_set(e, ERR_FATAL,
				       "S3 list: truncated reply");
		item = strndup(at, (size_t)(end - at));
		if (!item)
			return err_set(e, ERR_NOMEM, "no memory to list S3");
		xml_value(item, "Key", key, sizeof(key));
		xml_value(item, "Size", size, sizeof(size));
		xml_value(item, "LastModified", when, sizeof(when));
		free(item);
		xml_unescape(key);
		if (clock_parse(when, &ms, NULL) != 0)
			ms = 0;
		if ((rc = fn(key, strtoll(size, NULL, 10), ms, ctx)))
			return rc;
		at = end;
	}
	return 0;
}

static int s3_list(struct storage *base, const char *prefix, storage_list_fn fn,
		   void *ctx, struct err *e)
{
	char token[2048] = "", truncated[16];
	int rc;

	do {
		struct sigv4_param params[] = {{"list-type", "2"},
					       {"prefix", prefix},
					       {"continuation-token", token}};
		struct s3_pending *p;
		CURLcode result;
		char *xml;

		rc = s3_new_pending((struct s3 *)base, "GET", NULL, params,
				    token[0] ? 3 : 2, &p, e);
		if (rc)
			return rc;
		snprintf(p->key, sizeof(p->key), "%s*", prefix);
		result = curl_easy_perform(p->base.handle);
		xml = buf_steal(&p->response);
		if ((rc = pending_finish(&p->base, (int)result, e)) == 0)
			rc = list_page(xml, fn, ctx, e);
		xml_value(xml, "IsTruncated", truncated, sizeof(truncated));
		xml_value(xml, "NextContinuationToken", token, sizeof(token));
		free(xml);
	} while (!rc && !strcmp(truncated, "true") && token[0]);
	return rc;
}

static int s3_presign_get(struct storage *base, const char *key, int64_t now_ms,
			  int expires_seconds, struct buf *url_out,
			  struct err *e)
{
	struct s3 *st = (struct s3 *)base;
	struct sigv4_request r = {.method = "GET",
				  .scheme = st->scheme,
				  .host = st->host,
				  .is_path_style = st->path_style,
				  .bucket = st->bucket,
				  .key = key,
				  .region = st->region,
				  .service = "s3",
				  .access_key = st->access_key,
				  .secret_key = st->secret_key};

	return sigv4_presign_url(&r, now_ms, expires_seconds, url_out, e);
}

static void s3_close(struct storage *base)
{
	free(base);
}

static const struct storage_ops s3_ops = {
    .name = "s3",
    .writer_open = s3_writer_open,
    .writer_write = s3_writer_write,
    .writer_commit = s3_writer_commit,
    .writer_abort = s3_writer_abort,
    .read_open = s3_read_open,
    .read = s3_read,
    .read_close = s3_read_close,
    .remove = s3_remove,
    .stat = s3_stat,
    .list = s3_list,
    .put_file_start = s3_put_file_start,
    .delete_start = s3_delete_start,
    .writer_commit_start = s3_writer_commit_start,
    .get_file_start = s3_get_file_start,
    .presign_get = s3_presign_get,
    .close = s3_close,
};

static int copy_field(char *out, size_t size, const char *value,
		      const char *name, struct err *e)
{
	if (!value || !*value)
		return err_set(e, ERR_INVALID, "Storage.S3.%s is required",
			       name);
	if (strlen(value) >= size)
		return err_set(e, ERR_INVALID, "Storage.S3.%s is too long",
			       name);
	memcpy(out, value, strlen(value) + 1);
	return 0;
}

/* "http://host:port" -> scheme and host; no path, query or user info. */
static int parse_endpoint(struct s3 *st, const char *endpoint, struct err *e)
{
	const char *sep = endpoint ? strstr(endpoint, "://") : NULL;
	size_t len;

	if (!sep || (strncmp(endpoint, "http://", 7) &&
		     strncmp(endpoint, "https://", 8)))
		return err_set(e, ERR_INVALID,
			       "Storage.S3.Endpoint \"%s\": "
			       "expected http://host[:port] or "
			       "https://host[:port]",
			       endpoint ? endpoint : "");
	snprintf(st->scheme, sizeof(st->scheme), "%.*s", (int)(sep - endpoint),
		 endpoint);
	sep += 3;
	len = strlen(sep);
	while (len > 0 && sep[len - 1] == '/')
		len--;
	if (len == 0 || len >= sizeof(st->host) || strcspn(sep, "/?#@") < len)
		return err_set(e, ERR_INVALID,
			       "Storage.S3.Endpoint \"%s\": "
			       "expected a host and port only",
			       endpoint);
	snprintf(st->host, sizeof(st->host), "%.*s", (int)len, sep);
	return 0;
}

int storage_open_s3(const struct storage_s3_options *opt, struct storage **out,
		    struct err *e)
{
	struct s3 *st = calloc(1, sizeof(*st));
	const char *tmp = opt->temp_dir ? opt->temp_dir : getenv("TMPDIR");
	int rc;

	*out = NULL;
	if (!st)
		return err_set(e, ERR_NOMEM, "no memory for the S3 storage");
	st->base.ops = &s3_ops;
	st->path_style = opt->path_style;
	snprintf(st->temp_dir, sizeof(st->temp_dir), "%s",
		 tmp && *tmp ? tmp : "/tmp");
	snprintf(st->ca_file, sizeof(st->ca_file), "%s",
		 opt->ca_file ? opt->ca_file : "");
	if ((rc = parse_endpoint(st, opt->endpoint, e)) ||
	    (rc = copy_field(st->region, sizeof(st->region), opt->region,
			     "Region", e)) ||
	    (rc = copy_field(st->bucket, sizeof(st->bucket), opt->bucket,
			     "Bucket", e)) ||
	    (rc = copy_field(st->access_key, sizeof(st->access_key),
			     opt->access_key, "AccessKey", e)) ||
	    (rc = copy_field(st->secret_key, sizeof(st->secret_key),
			     opt->secret_key, "SecretKey", e))) {
		free(st);
		return rc;
	}
	*out = &st->base;
	return 0;
}
