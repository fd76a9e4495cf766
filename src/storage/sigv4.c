/*
 * sigv4.c - AWS Signature Version 4 for S3 requests.
 *
 * A signature is four steps, each one a pure function of the previous:
 *   canonical request  method \n path \n query \n headers \n signed \n hash
 *   string to sign     AWS4-HMAC-SHA256 \n date \n scope \n hex(sha256(CR))
 *   signing key        HMAC chain: "AWS4"+secret, date, region, service
 *   signature          hex(HMAC(signing key, string to sign))
 * Presigning and header signing differ only in where the X-Amz-* values go
 * (query or headers) and in the payload hash, so both fill one struct canon
 * and share sign().
 *
 * The URL handed to curl is built from the same canonical path and query,
 * which is what guarantees that the bytes S3 sees are the bytes we signed.
 * Header names are held in fixed arrays: a request has a handful of
 * headers, and a bound keeps the module free of per-header allocations.
 */
#include "storage/sigv4.h"
#include "base/buf.h"
#include "base/crypto.h"
#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ALGORITHM "AWS4-HMAC-SHA256"
#define MAX_HEADERS 32
#define MAX_PARAMS 32
#define HEADER_NAME_MAX 128
#define PART_MAX (64 * 1024)

struct canon_header {
	char name[HEADER_NAME_MAX]; /* lowercase */
	const char *value;
};

struct canon_param {
	struct buf name;  /* encoded */
	struct buf value; /* encoded */
};

struct canon {
	const struct sigv4_request *r;
	const char *service;
	char date8[9];
	struct buf host;
	struct buf path;
	struct canon_param params[MAX_PARAMS];
	size_t param_count;
	struct canon_header headers[MAX_HEADERS];
	size_t header_count;
	struct buf scope; /* date/region/service/aws4_request */
};

static int is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	       c == '~';
}

int sigv4_uri_encode(const char *s, int keep_slash, struct buf *out)
{
	int rc = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p && !rc;
	     p++) {
		if (is_unreserved(*p) || (keep_slash && *p == '/'))
			rc = buf_putc(out, (char)*p);
		else
			rc = buf_printf(out, "%%%02X", *p);
	}
	return rc;
}

void sigv4_format_date(int64_t ms, char out[SIGV4_DATE_LEN])
{
	time_t seconds = (time_t)(ms / 1000);
	struct tm tm;

	/* A year past 9999 does not fit the format; such a date can only
	 * come from a broken clock, and S3 will refuse the signature. */
	if (!gmtime_r(&seconds, &tm) ||
	    strftime(out, SIGV4_DATE_LEN, "%Y%m%dT%H%M%SZ", &tm) == 0)
		snprintf(out, SIGV4_DATE_LEN, "00000000T000000Z");
}

int sigv4_signing_key(const char *secret_key, const char *date8,
		      const char *region, const char *service,
		      unsigned char out[32])
{
	const char *steps[] = {date8, region, service, "aws4_request"};
	unsigned char key[CRYPTO_SHA256_LEN];
	char first[256];
	int n;

	n = snprintf(first, sizeof(first), "AWS4%s", secret_key);
	if (n < 0 || (size_t)n >= sizeof(first))
		return ERR_INVALID;
	if (crypto_hmac_sha256(first, (size_t)n, steps[0], strlen(steps[0]),
			       key))
		return ERR_INVALID;
	for (size_t i = 1; i < 4; i++)
		if (crypto_hmac_sha256(key, sizeof(key), steps[i],
				       strlen(steps[i]), key))
			return ERR_INVALID;
	memcpy(out, key, sizeof(key));
	return 0;
}

static const char *scheme_of(const struct sigv4_request *r)
{
	return r->scheme && *r->scheme ? r->scheme : "https";
}

static int check_request(const struct sigv4_request *r, struct err *e)
{
	const struct {
		const char *value, *what;
	} required[] = {
	    {r->method, "method"},	   {r->host, "host (S3 endpoint)"},
	    {r->bucket, "bucket"},	   {r->region, "region"},
	    {r->access_key, "access key"}, {r->secret_key, "secret key"},
	};

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!required[i].value || !*required[i].value)
			return err_set(e, ERR_INVALID,
				       "S3 request: %s is missing",
				       required[i].what);
	if (strcmp(scheme_of(r), "https") != 0 &&
	    strcmp(scheme_of(r), "http") != 0)
		return err_set(e, ERR_INVALID,
			       "S3 request: scheme \"%s\" is not http or https",
			       r->scheme);
	return 0;
}

/* Host as sent: bucket prefix for virtual-host style, default port dropped. */
static int build_host(const struct sigv4_request *r, struct buf *out)
{
	const char *host = r->host;
	const char *colon = strrchr(host, ':');
	size_t len = strlen(host);
	const char *default_port =
	    strcmp(scheme_of(r), "https") == 0 ? "443" : "80";
	int rc = 0;

	if (colon && strcmp(colon + 1, default_port) == 0)
		len = (size_t)(colon - host);
	if (!r->is_path_style) {
		rc = buf_puts(out, r->bucket);
		if (!rc)
			rc = buf_putc(out, '.');
	}
	if (!rc)
		rc = buf_append(out, host, len);
	return rc;
}

static int build_path(const struct sigv4_request *r, struct buf *out)
{
	const char *key = r->key ? r->key : "";
	int rc = buf_putc(out, '/');

	if (!rc && r->is_path_style) {
		rc = sigv4_uri_encode(r->bucket, 0, out);
		if (!rc && *key)
			rc = buf_putc(out, '/');
	}
	if (!rc)
		rc = sigv4_uri_encode(key, 1, out);
	return rc;
}

static int add_param(struct canon *c, const char *name, const char *value,
		     struct err *e)
{
	struct canon_param *p;
	int rc;

	if (c->param_count == MAX_PARAMS)
		return err_set(e, ERR_INVALID,
			       "S3 request: more than %d query parameters",
			       MAX_PARAMS);
	p = &c->params[c->param_count++];
	buf_init(&p->name, PART_MAX);
	buf_init(&p->value, PART_MAX);
	rc = sigv4_uri_encode(name, 0, &p->name);
	if (!rc)
		rc = sigv4_uri_encode(value ? value : "", 0, &p->value);
	if (rc)
		return err_set(e, rc,
			       "S3 request: query parameter \"%.64s\" "
			       "too long",
			       name);
	return 0;
}

static int add_header(struct canon *c, const char *name, const char *value,
		      struct err *e)
{
	struct canon_header *h;
	size_t len = strlen(name);

	if (c->header_count == MAX_HEADERS)
		return err_set(e, ERR_INVALID,
			       "S3 request: more than %d headers", MAX_HEADERS);
	if (len == 0 || len >= HEADER_NAME_MAX)
		return err_set(e, ERR_INVALID,
			       "S3 request: header name \"%.64s\" is empty or "
			       "too long",
			       name);
	h = &c->headers[c->header_count];
	for (size_t i = 0; i <= len; i++)
		h->name[i] = (char)((name[i] >= 'A' && name[i] <= 'Z')
					? name[i] - 'A' + 'a'
					: name[i]);
	for (size_t i = 0; i < c->header_count; i++)
		if (strcmp(c->headers[i].name, h->name) == 0)
			return err_set(e, ERR_INVALID,
				       "S3 request: header \"%s\" given twice "
				       "(or it is one the signer sets itself)",
				       h->name);
	h->value = value ? value : "";
	c->header_count++;
	return 0;
}

static void canon_free(struct canon *c)
{
	for (size_t i = 0; i < c->param_count; i++) {
		buf_free(&c->params[i].name);
		buf_free(&c->params[i].value);
	}
	buf_free(&c->host);
	buf_free(&c->path);
	buf_free(&c->scope);
}

/* Fills host, path, the caller's query parameters and the scope. */
static int canon_init(struct canon *c, const struct sigv4_request *r,
		      const char *amz_date, struct err *e)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->r = r;
	c->service = r->service && *r->service ? r->service : "s3";
	buf_init(&c->host, PART_MAX);
	buf_init(&c->path, PART_MAX);
	buf_init(&c->scope, PART_MAX);
	rc = check_request(r, e);
	if (rc)
		return rc;
	memcpy(c->date8, amz_date, 8);
	c->date8[8] = '\0';
	if (build_host(r, &c->host) || build_path(r, &c->path) ||
	    buf_printf(&c->scope, "%s/%s/%s/aws4_request", c->date8, r->region,
		       c->service))
		return err_set(e, ERR_TOOBIG,
			       "S3 request: host, key or region "
			       "too long");
	for (size_t i = 0; i < r->param_count; i++) {
		rc = add_param(c, r->params[i].name, r->params[i].value, e);
		if (rc)
			return rc;
	}
	return 0;
}

static int param_cmp(const void *a, const void *b)
{
	const struct canon_param *x = a, *y = b;
	int by_name = strcmp(buf_str(&x->name), buf_str(&y->name));

	return by_name ? by_name
		       : strcmp(buf_str(&x->value), buf_str(&y->value));
}

static int header_cmp(const void *a, const void *b)
{
	const struct canon_header *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static int append_query(struct canon *c, struct buf *out)
{
	int rc = 0;

	qsort(c->params, c->param_count, sizeof(c->params[0]), param_cmp);
	for (size_t i = 0; i < c->param_count && !rc; i++)
		rc = buf_printf(out, "%s%s=%s", i ? "&" : "",
				buf_str(&c->params[i].name),
				buf_str(&c->params[i].value));
	return rc;
}

/* Value with leading/trailing spaces trimmed and runs of spaces collapsed. */
static int append_header_value(const char *value, struct buf *out)
{
	const char *end = value + strlen(value);
	int rc = 0, in_space = 0;

	while (*value == ' ' || *value == '\t')
		value++;
	while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (; value < end && !rc; value++) {
		int is_space = *value == ' ' || *value == '\t';

		if (!is_space || !in_space)
			rc = buf_putc(out, is_space ? ' ' : *value);
		in_space = is_space;
	}
	return rc;
}

static int append_signed_headers(const struct canon *c, struct buf *out)
{
	int rc = 0;

	for (size_t i = 0; i < c->header_count && !rc; i++)
		rc = buf_printf(out, "%s%s", i ? ";" : "", c->headers[i].name);
	return rc;
}

static int canonical_request(struct canon *c, const char *payload_hash,
			     struct buf *out)
{
	int rc;

	qsort(c->headers, c->header_count, sizeof(c->headers[0]), header_cmp);
	rc = buf_printf(out, "%s\n%s\n", c->r->method, buf_str(&c->path));
	if (!rc)
		rc = append_query(c, out);
	if (!rc)
		rc = buf_putc(out, '\n');
	for (size_t i = 0; i < c->header_count && !rc; i++) {
		rc = buf_printf(out, "%s:", c->headers[i].name);
		if (!rc)
			rc = append_header_value(c->headers[i].value, out);
		if (!rc)
			rc = buf_putc(out, '\n');
	}
	if (!rc)
		rc = buf_putc(out, '\n');
	if (!rc)
		rc = append_signed_headers(c, out);
	if (!rc)
		rc = buf_printf(out, "\n%s", payload_hash);
	return rc;
}

static void trace_copy(struct buf *to, const struct buf *from)
{
	if (!to)
		return;
	buf_reset(to);
	buf_append(to, buf_str(from), from->len);
}

/* Canonical request -> string to sign -> signature (hex). */
static int sign(struct canon *c, const char *amz_date, const char *payload_hash,
		char signature[65], struct err *e)
{
	unsigned char key[CRYPTO_SHA256_LEN], mac[CRYPTO_SHA256_LEN];
	char request_hash[CRYPTO_SHA256_HEX_LEN];
	struct buf request, to_sign;
	int rc;

	buf_init(&request, 16 * PART_MAX);
	buf_init(&to_sign, PART_MAX);
	rc = canonical_request(c, payload_hash, &request);
	if (!rc)
		rc = sha256_hex(request.data, request.len, request_hash);
	if (!rc)
		rc = buf_printf(&to_sign, ALGORITHM "\n%s\n%s\n%s", amz_date,
				buf_str(&c->scope), request_hash);
	if (rc) {
		err_set(e, rc, "S3 request: canonical request too long");
		goto done;
	}
	if (sigv4_signing_key(c->r->secret_key, c->date8, c->r->region,
			      c->service, key) ||
	    crypto_hmac_sha256(key, sizeof(key), to_sign.data, to_sign.len,
			       mac)) {
		rc = err_set(e, ERR_INVALID, "S3 request: secret key too long");
		goto done;
	}
	crypto_hex(mac, sizeof(mac), signature);
	if (c->r->trace) {
		trace_copy(c->r->trace->canonical_request, &request);
		trace_copy(c->r->trace->string_to_sign, &to_sign);
	}
done:
	buf_free(&request);
	buf_free(&to_sign);
	return rc;
}

static int add_extra_headers(struct canon *c, struct err *e)
{
	int rc = 0;

	for (size_t i = 0; i < c->r->header_count && !rc; i++)
		rc = add_header(c, c->r->headers[i].name,
				c->r->headers[i].value, e);
	return rc;
}

int sigv4_request_url(const struct sigv4_request *r, struct buf *url_out,
		      struct err *e)
{
	struct canon c;
	int rc;

	rc = canon_init(&c, r, "00000000T000000Z", e);
	if (rc)
		goto done;
	rc = buf_printf(url_out, "%s://%s%s", scheme_of(r), buf_str(&c.host),
			buf_str(&c.path));
	if (!rc && c.param_count)
		rc = buf_putc(url_out, '?');
	if (!rc)
		rc = append_query(&c, url_out);
	if (rc)
		err_set(e, rc, "S3 request: URL does not fit its buffer");
done:
	canon_free(&c);
	return rc;
}

static int presign_params(struct canon *c, const char *amz_date,
			  int expires_seconds, struct err *e)
{
	char expires[16];
	struct buf credential, signed_headers;
	int rc;

	buf_init(&credential, PART_MAX);
	buf_init(&signed_headers, PART_MAX);
	snprintf(expires, sizeof(expires), "%d", expires_seconds);
	rc = add_header(c, "host", buf_str(&c->host), e);
	if (!rc)
		rc = add_extra_headers(c, e);
	if (rc)
		goto done;
	qsort(c->headers, c->header_count, sizeof(c->headers[0]), header_cmp);
	if (buf_printf(&credential, "%s/%s", c->r->access_key,
		       buf_str(&c->scope)) ||
	    append_signed_headers(c, &signed_headers)) {
		rc = err_set(e, ERR_TOOBIG, "S3 request: access key too long");
		goto done;
	}
	rc = add_param(c, "X-Amz-Algorithm", ALGORITHM, e);
	if (!rc)
		rc = add_param(c, "X-Amz-Credential", buf_str(&credential), e);
	if (!rc)
		rc = add_param(c, "X-Amz-Date", amz_date, e);
	if (!rc)
		rc = add_param(c, "X-Amz-Expires", expires, e);
	if (!rc)
		rc = add_param(c, "X-Amz-SignedHeaders",
			       buf_str(&signed_headers), e);
done:
	buf_free(&credential);
	buf_free(&signed_headers);
	return rc;
}

int sigv4_presign_url(const struct sigv4_request *r, int64_t now_ms,
		      int expires_seconds, struct buf *url_out, struct err *e)
{
	char amz_date[SIGV4_DATE_LEN], signature[CRYPTO_SHA256_HEX_LEN];
	struct canon c;
	int rc;

	sigv4_format_date(now_ms, amz_date);
	rc = canon_init(&c, r, amz_date, e);
	if (rc)
		goto done;
	if (expires_seconds < 1 || expires_seconds > SIGV4_MAX_EXPIRES) {
		rc = err_set(e, ERR_INVALID,
			     "presigned URL: expiry %d s is outside 1..%d s",
			     expires_seconds, SIGV4_MAX_EXPIRES);
		goto done;
	}
	rc = presign_params(&c, amz_date, expires_seconds, e);
	if (!rc)
		rc = sign(&c, amz_date, "UNSIGNED-PAYLOAD", signature, e);
	if (rc)
		goto done;
	rc = buf_printf(url_out, "%s://%s%s?", scheme_of(r), buf_str(&c.host),
			buf_str(&c.path));
	if (!rc)
		rc = append_query(&c, url_out);
	if (!rc)
		rc = buf_printf(url_out, "&X-Amz-Signature=%s", signature);
	if (rc)
		err_set(e, rc, "presigned URL does not fit its buffer");
done:
	canon_free(&c);
	return rc;
}

static int is_payload_hash(const char *s)
{
	unsigned char bytes[CRYPTO_SHA256_LEN];

	if (!s)
		return 0;
	return strcmp(s, "UNSIGNED-PAYLOAD") == 0 ||
	       (strlen(s) == 64 && crypto_unhex(s, bytes, sizeof(bytes)) == 0);
}

int sigv4_authorization(const struct sigv4_request *r, int64_t now_ms,
			const char *payload_sha256_hex,
			struct buf *authorization_out,
			char amz_date_out[SIGV4_DATE_LEN], struct err *e)
{
	char signature[CRYPTO_SHA256_HEX_LEN];
	struct buf signed_headers;
	struct canon c;
	int rc;

	buf_init(&signed_headers, PART_MAX);
	sigv4_format_date(now_ms, amz_date_out);
	rc = canon_init(&c, r, amz_date_out, e);
	if (rc)
		goto done;
	if (!is_payload_hash(payload_sha256_hex)) {
		rc = err_set(e, ERR_INVALID,
			     "S3 request: payload hash is not 64 hex digits "
			     "or UNSIGNED-PAYLOAD");
		goto done;
	}
	rc = add_header(&c, "host", buf_str(&c.host), e);
	if (!rc)
		rc = add_header(&c, "x-amz-content-sha256", payload_sha256_hex,
				e);
	if (!rc)
		rc = add_header(&c, "x-amz-date", amz_date_out, e);
	if (!rc)
		rc = add_extra_headers(&c, e);
	if (!rc)
		rc = sign(&c, amz_date_out, payload_sha256_hex, signature, e);
	if (rc)
		goto done;
	rc = append_signed_headers(&c, &signed_headers);
	if (!rc)
		rc = buf_printf(authorization_out,
				ALGORITHM " Credential=%s/%s,SignedHeaders=%s,"
					  "Signature=%s",
				r->access_key, buf_str(&c.scope),
				buf_str(&signed_headers), signature);
	if (rc)
		err_set(e, rc, "Authorization header does not fit its buffer");
done:
	buf_free(&signed_headers);
	canon_free(&c);
	return rc;
}
