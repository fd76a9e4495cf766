// fuzz-sources: src/mail/template.c src/mail/template_parse.c src/base/buf.c src/base/err.c
/*
 * fuzz_template.c - libFuzzer target: the input is a template, rendered
 * against a fixed data object in text and in HTML mode. Looks for crashes,
 * leaks, unbounded recursion and output past the buffer cap.
 *
 * Only template_render() is exercised, so the compiled-in assets (and
 * template_email.c, the one user of asset_find) are not needed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "mail/template.h"

#define OUTPUT_CAP (256 * 1024)

static const char data_json[] =
    "{\"name\": \"Jana <b>&\", \"n\": 3, \"zero\": 0, \"half\": 1.5,"
    " \"yes\": true, \"no\": false, \"nothing\": null, \"empty\": \"\","
    " \"user\": {\"name\": \"Petr\", \"email\": \"p@example.cz\"},"
    " \"tags\": [\"a\", \"b\", \"c\"], \"matrix\": [[1, 2], [3]],"
    " \"items\": [{\"property\": \"Chalupa\", \"count\": 2},"
    "            {\"property\": \"Byt\", \"count\": 1, \"name\": \"Eva\"}],"
    " \"sharedActivity\": {\"newZaznamy\": [{\"property\": \"Dům\","
    " \"count\": 4}]}, \"alerts\": {\"pendingDrafts\": 2}}";

static cJSON *data;

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
	char *source = malloc(size + 1);
	struct buf out;
	struct err e;

	if (!source)
		return 0;
	if (!data)
		data = cJSON_Parse(data_json);
	memcpy(source, bytes, size);
	source[size] = '\0';
	for (int mode = 0; mode < 2; mode++) {
		buf_init(&out, OUTPUT_CAP);
		err_clear(&e);
		if (template_render(source, data,
				    mode ? TEMPLATE_HTML : TEMPLATE_TEXT, &out,
				    &e) == 0 &&
		    e.msg[0] != '\0')
			abort(); /* success must not leave an error behind */
		if (out.len > OUTPUT_CAP)
			abort();
		buf_free(&out);
	}
	free(source);
	return 0;
}
