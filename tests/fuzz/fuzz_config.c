// fuzz-sources: src/config/config.c src/config/config_keys.c src/config/config_check.c src/config/config_env.c
// fuzz-sources: src/config/config_show.c src/base/json_text.c src/base/crypto.c src/base/buf.c src/base/err.c
/*
 * fuzz_config.c - the config loader on arbitrary appsettings.json text:
 * it must report (any error is fine), never crash, leak or overrun.
 */
#include "base/buf.h"
#include "config/config.h"
#include "base/err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	struct buf warnings;
	struct err e = {0};
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	config_defaults(&c);
	buf_init(&warnings, 1 << 16);
	if (config_apply_text(&c, text, "fuzz.json", &warnings, &e) == 0)
		config_validate(&c, &e);
	buf_free(&warnings);
	free(text);
	return 0;
}
