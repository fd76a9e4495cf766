/*
 * test_zip_names.c - ZIP entries with non-ASCII names carry the UTF-8
 * name flag (general purpose bit 11), so Python, Windows and macOS show
 * "Faktura č. 12.pdf" and not mojibake (issue 17, item 11). The flag is
 * read from the local header and the central directory of the written
 * bytes; libarchive reads the name back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <ftw.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/err.h"
#include "storage/storage_blocking.h"
#include "storage/zipstream.h"

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void test_non_ascii_names_have_the_utf8_flag(void **state)
{
	static const char *const names[] = {"Faktura č. 12.pdf", "plain.txt",
					    "Чек.jpg"};
	static unsigned char zip[1 << 16];
	char dir[] = "/tmp/zip-names-XXXXXX", path[128];
	struct storage *st = NULL;
	struct storage_writer *w = NULL;
	struct zipstream *z = NULL;
	struct archive *a;
	struct archive_entry *entry;
	struct err e = {0};
	size_t len, n_local = 0, n_central = 0;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(storage_open_local(dir, &st, &e), 0);
	assert_int_equal(storage_writer_open(st, "x.zip", &w, &e), 0);
	assert_int_equal(zipstream_open(w, 0, &z, &e), 0);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(zipstream_entry_begin(z, names[i], NULL, 3, 0, &e), 0);
		assert_int_equal(zipstream_write(z, "abc", 3, &e), 0);
	}
	assert_int_equal(zipstream_finish(z, &e), 0);
	zipstream_free(z);
	assert_int_equal(storage_writer_commit(w, &e), 0);
	snprintf(path, sizeof(path), "%s/x.zip", dir);
	assert_non_null(fp = fopen(path, "rb"));
	len = fread(zip, 1, sizeof(zip), fp);
	fclose(fp);
	/* Every header's flags: bit 11 set exactly for the non-ASCII names. */
	for (size_t i = 0; i + 46 < len; i++) {
		if (!memcmp(zip + i, "PK\3\4", 4)) {
			int is_utf8 = (le16(zip + i + 6) & 0x800) != 0;
			size_t name_len = le16(zip + i + 26);
			int is_ascii = 1;

			for (size_t k = 0; k < name_len; k++)
				is_ascii &= zip[i + 30 + k] < 0x80;
			assert_int_equal(is_utf8, !is_ascii);
			n_local++;
		} else if (!memcmp(zip + i, "PK\1\2", 4)) {
			int is_utf8 = (le16(zip + i + 8) & 0x800) != 0;
			size_t name_len = le16(zip + i + 28);
			int is_ascii = 1;

			for (size_t k = 0; k < name_len; k++)
				is_ascii &= zip[i + 46 + k] < 0x80;
			assert_int_equal(is_utf8, !is_ascii);
			n_central++;
		}
	}
	assert_int_equal(n_local, 3);
	assert_int_equal(n_central, 3);
	/* And the names read back as written (in a UTF-8 locale, as a
	 * user's unzip runs). */
	setlocale(LC_CTYPE, "C.UTF-8");
	a = archive_read_new();
	archive_read_support_format_zip(a);
	assert_int_equal(archive_read_open_memory(a, zip, len), ARCHIVE_OK);
	for (size_t i = 0; i < 3; i++) {
		const char *name;

		assert_int_equal(archive_read_next_header(a, &entry), ARCHIVE_OK);
		name = archive_entry_pathname_utf8(entry);
		assert_non_null(name);
		assert_string_equal(name, names[i]);
	}
	archive_read_free(a);
	setlocale(LC_CTYPE, "C");
	storage_close(st);
	nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_non_ascii_names_have_the_utf8_flag),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
