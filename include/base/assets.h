/*
 * assets.h - files from assets/ compiled into the binary (templates,
 * dashboard CSS), so an installed daemon needs nothing beside itself.
 */
#ifndef DOMECEK_ASSETS_H
#define DOMECEK_ASSETS_H

#include <stddef.h>

struct asset {
	const char
	    *name; /* path below assets/, e.g. "templates/invitation.cs.txt" */
	const char *data; /* NUL-terminated */
	size_t size;
};

/* Terminated by an entry whose name is NULL. */
extern const struct asset assets[];

/* The asset with that name, or NULL. */
const struct asset *asset_find(const char *name);

#endif
