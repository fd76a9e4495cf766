/*
 * config_impl.h - the key table shared by config.c (loading, overrides,
 * show) and config_keys.c (the table itself). Internal to the config
 * module.
 */
#ifndef DOMECEK_CONFIG_IMPL_H
#define DOMECEK_CONFIG_IMPL_H

#include <stddef.h>
#include <stdint.h>

enum key_type { K_BOOL, K_INT, K_INT64, K_STR, K_CHOICE, K_INT_LIST };

struct config_key {
	const char *path;
	enum key_type type;
	size_t offset;
	size_t size; /* K_STR/K_CHOICE: buffer size */
	const char *def;
	int64_t min, max;
	const char *const *choices; /* K_CHOICE, canonical spelling */
	int is_secret;
};

extern const struct config_key config_keys[];
extern const size_t config_key_count;

#endif
