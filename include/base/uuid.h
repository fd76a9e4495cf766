/*
 * uuid.h - UUID version 4 text, the form of every id in the data model.
 *
 * Lowercase, 36 characters: "xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx" where
 * V is 8, 9, a or b (RFC 4122 variant).
 */
#ifndef DOMECEK_UUID_H
#define DOMECEK_UUID_H

#define UUID_LEN 37 /* 36 characters and the NUL */

/* Formats 16 bytes as a version 4 UUID (the version and variant bits are
 * set here, so any 16 bytes will do: random ones, or a seeded generator's
 * for reproducible demo data). */
void uuid_from_bytes(const unsigned char bytes[16], char out[UUID_LEN]);

/* A random version 4 UUID from the system's random source. 0, or ERR_IO
 * when no random bytes could be had. */
int uuid_random(char out[UUID_LEN]);

/* 1 when text has the shape of a UUID (8-4-4-4-12 hex digits, either
 * case), else 0. */
int uuid_is_valid(const char *text);

#endif
