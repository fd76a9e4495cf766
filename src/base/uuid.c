/*
 * uuid.c - UUID version 4 text: made from bytes, made at random, checked.
 *
 * The one place ids are formatted; notifications, the demo household and
 * the export's user id check all go through it.
 */
#include "base/uuid.h"
#include "base/crypto.h"
#include "base/err.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

void uuid_from_bytes(const unsigned char bytes[16], char out[UUID_LEN])
{
	unsigned char b[16];
	char hex[33];

	memcpy(b, bytes, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	crypto_hex(b, sizeof(b), hex);
	snprintf(out, UUID_LEN, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8,
		 hex + 12, hex + 16, hex + 20);
}

int uuid_random(char out[UUID_LEN])
{
	unsigned char b[16];

	if (crypto_random(b, sizeof(b)))
		return ERR_IO;
	uuid_from_bytes(b, out);
	return 0;
}

int uuid_is_valid(const char *text)
{
	size_t i;

	for (i = 0; text[i]; i++) {
		int is_dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (i >= 36 || (is_dash ? text[i] != '-'
					: !isxdigit((unsigned char)text[i])))
			return 0;
	}
	return i == 36;
}
