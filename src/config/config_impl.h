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

struct config;
struct err;

/* Shared by config.c (the file), config_env.c and config_check.c. */
const struct config_key *config_key_find(const char *path);
int config_set_text(struct config *c, const struct config_key *k,
		    const char *text, struct err *e);
void config_mark_set(struct config *c, const struct config_key *k);
int config_parse_int64(const char *text, int64_t *out);
struct buf;
void config_warn_unknown(const char *path, const char *origin,
			 struct buf *warnings);
int config_apply_env(struct config *c, char *const *envp, struct buf *warnings,
		     struct err *e);

/* Settles keys with two names after loading (config_check.c). */
int config_resolve(struct config *c, struct err *e);

#endif
