/*
 * sigv4.h - AWS Signature Version 4 for S3 requests.
 *
 * Two ways to sign a request described by struct sigv4_request:
 *   - sigv4_presign_url(): a URL anyone can GET until it expires (the
 *     export download link), signed in the query string with
 *     UNSIGNED-PAYLOAD;
 *   - sigv4_authorization(): the Authorization header for a request the
 *     daemon sends itself (PUT, DELETE, HEAD), signing host,
 *     x-amz-content-sha256, x-amz-date and any extra headers.
 *
 * Keys and parameter values are given raw (unencoded); this module
 * encodes them exactly as AWS specifies: unreserved characters
 * (A-Z a-z 0-9 - _ . ~) stay, every other byte becomes %XX in upper case,
 * and in the path '/' stays (S3 paths are not encoded twice).
 *
 * The module does no I/O and keeps no state; the caller owns every
 * string in the request and every output buffer.
 */
#ifndef DOMECEK_SIGV4_H
#define DOMECEK_SIGV4_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct err;

#define SIGV4_DATE_LEN 17	 /* "20130524T000000Z" + NUL */
#define SIGV4_MAX_EXPIRES 604800 /* seven days: S3's limit for presigning */

struct sigv4_header {
	const char *name;  /* any case; signed lowercased */
	const char *value; /* trimmed and inner spaces collapsed when signed */
};

struct sigv4_param {
	const char *name;  /* raw; "lifecycle" with value "" for ?lifecycle */
	const char *value; /* raw; NULL is the same as "" */
};

/* The canonical request and string to sign of the last signature, for
 * tests and for logging next to S3's SignatureDoesNotMatch reply (which
 * carries S3's own version of both). */
struct sigv4_trace {
	struct buf *canonical_request; /* may be NULL */
	struct buf *string_to_sign;    /* may be NULL */
};

struct sigv4_request {
	const char *method; /* "GET", "PUT", "DELETE", "HEAD" */
	const char *scheme; /* "https" when NULL */
	/* Endpoint host with an optional port: "s3.eu-central-1.amazonaws.com",
	 * "127.0.0.1:9000". A port that is the scheme's default is dropped,
	 * as curl drops it from the Host header it sends. */
	const char *host;
	int is_path_style; /* 1: host/bucket/key (MinIO); 0: bucket.host/key */
	const char *bucket;
	const char *key;     /* object key without a leading '/'; NULL or "" for
				the bucket itself */
	const char *region;  /* "us-east-1" */
	const char *service; /* "s3" when NULL */
	const char *access_key;
	const char *secret_key;
	const struct sigv4_header *headers; /* extra headers to sign */
	size_t header_count;
	const struct sigv4_param *params; /* query parameters */
	size_t param_count;
	const struct sigv4_trace *trace; /* NULL unless wanted */
};

/* Appends s encoded the AWS way; with keep_slash, '/' stays as is (paths).
 * Returns 0, ERR_TOOBIG or ERR_NOMEM. */
int sigv4_uri_encode(const char *s, int keep_slash, struct buf *out);

/* "YYYYMMDDTHHMMSSZ" for ms since the epoch (UTC). */
void sigv4_format_date(int64_t ms, char out[SIGV4_DATE_LEN]);

/* kSigning = HMAC chain of "AWS4"+secret over date (YYYYMMDD), region,
 * service and "aws4_request". */
int sigv4_signing_key(const char *secret_key, const char *date8,
		      const char *region, const char *service,
		      unsigned char out[32]);

/* Appends the request URL without any signature:
 * scheme://host/path?query with the path and query in canonical form, so
 * that the URL curl sends is exactly the one that was signed. */
int sigv4_request_url(const struct sigv4_request *r, struct buf *url_out,
		      struct err *e);

/* Appends to url_out a presigned URL valid for expires_seconds
 * (1..SIGV4_MAX_EXPIRES) from now_ms. Errors: ERR_INVALID naming the
 * missing or bad field, ERR_TOOBIG/ERR_NOMEM. */
int sigv4_presign_url(const struct sigv4_request *r, int64_t now_ms,
		      int expires_seconds, struct buf *url_out, struct err *e);

/* Appends to authorization_out the value of the Authorization header
 * ("AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...")
 * and writes the x-amz-date that was signed into amz_date_out. The caller
 * sends Host (implied by the URL), x-amz-date = amz_date_out,
 * x-amz-content-sha256 = payload_sha256_hex (64 hex digits, or
 * "UNSIGNED-PAYLOAD") and every extra header exactly as given.
 * Errors: ERR_INVALID (missing field, a header given twice or one this
 * function adds itself), ERR_TOOBIG/ERR_NOMEM. */
int sigv4_authorization(const struct sigv4_request *r, int64_t now_ms,
			const char *payload_sha256_hex,
			struct buf *authorization_out,
			char amz_date_out[SIGV4_DATE_LEN], struct err *e);

#endif
