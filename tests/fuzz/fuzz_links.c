// fuzz-sources: src/app/links.c src/base/crypto.c src/base/buf.c src/base/err.c src/base/clock.c
/*
 * fuzz_links.c - libFuzzer target for links_verify: any byte string as a
 * token must be refused cleanly (ERR_PERM, ERR_EXPIRED or accepted only
 * when genuine), never crash, leak or read past the token.
 *
 * Input layout: the token is the input up to the first NUL; the signing
 * key is fixed, so the seed corpus holds genuine tokens made with it (see
 * corpus/links/) that mutations can damage.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "app/links.h"

#define FUZZ_SIGNING_KEY \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define FUZZ_NOW INT64_C(1795898717000) /* 2026-11-28T20:45:17Z */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *token = malloc(size + 1);
	struct buf key;
	struct err e;
	int rc;

	if (!token)
		return 0;
	memcpy(token, data, size);
	token[size] = '\0';
	buf_init(&key, LINKS_KEY_MAX);
	rc = links_verify(FUZZ_SIGNING_KEY, token, FUZZ_NOW, &key, &e);
	if (rc != 0 && rc != ERR_PERM && rc != ERR_EXPIRED)
		abort();
	if (rc != 0 && key.len != 0)
		abort();
	if (rc == 0 && (key.len == 0 || strlen(buf_str(&key)) != key.len))
		abort();
	buf_free(&key);
	free(token);
	return 0;
}
