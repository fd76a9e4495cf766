/*
 * demo_files.c - the demo's document files: small, valid, deterministic
 * JPEG, PNG and PDF files, and the one place that writes them.
 *
 * The files are real enough for anything that opens them (a viewer, the
 * export ZIP's "already compressed?" check, a MIME sniffer): a grey
 * baseline JPEG with the caption in a comment segment, an RGB PNG stored
 * without compression (so no zlib is needed) with the caption in an iTXt
 * chunk, and a one-page PDF with a correct xref table. Padding makes each
 * a few KB; every byte comes from the caller's random stream.
 *
 * write_file() is plain stdio below storage_root on purpose: the storage
 * module will replace it, so it stays one small function.
 */
#include "demo_internal.h"

#include "base/err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define FILE_MAX (64 * 1024)

static int put_u16be(struct buf *b, unsigned v)
{
	unsigned char bytes[2] = {(unsigned char)(v >> 8), (unsigned char)v};

	return buf_append(b, bytes, 2);
}

static int put_u32be(struct buf *b, uint32_t v)
{
	unsigned char bytes[4] = {(unsigned char)(v >> 24),
				  (unsigned char)(v >> 16),
				  (unsigned char)(v >> 8), (unsigned char)v};

	return buf_append(b, bytes, 4);
}

/* Printable filler for comment segments and PDF padding. */
static void filler(struct demo_rng *rng, char *out, size_t n)
{
	static const char letters[] = "abcdefghijklmnopqrstuvwxyz0123456789 ";

	for (size_t i = 0; i < n; i++)
		out[i] = letters[demo_rng_next(rng) % (sizeof(letters) - 1)];
}

/* A 64x48 grey baseline JPEG: each 8x8 block is DC difference 0 then EOB,
 * coded with one-symbol Huffman tables as two 0 bits. */
static int make_jpeg(struct demo_rng *rng, const char *caption, struct buf *b)
{
	static const unsigned char head[] = {
	    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J',  'F',  'I',  'F',
	    0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00};
	static const unsigned char frame[] = {0xff, 0xc0, 0x00, 0x0b, 0x08,
					      0x00, 0x30, 0x00, 0x40, 0x01,
					      0x01, 0x11, 0x00};
	static const unsigned char scan[] = {0xff, 0xda, 0x00, 0x08, 0x01,
					     0x01, 0x00, 0x00, 0x3f, 0x00};
	static const unsigned char blocks[12] = {0};
	static const unsigned char end[] = {0xff, 0xd9};
	unsigned char table[2 + 2 + 1 + 16 + 1] = {0xff, 0xc4, 0x00, 0x14};
	char comment[8192];
	size_t pad = (size_t)demo_rng_between(rng, 1500, 5500);
	int n =
	    snprintf(comment, sizeof(comment), "MujDomecek demo: %s ", caption);
	int rc;

	if (n < 0 || (size_t)n >= sizeof(comment))
		n = 0;
	if ((size_t)n + pad > sizeof(comment))
		pad = sizeof(comment) - (size_t)n;
	filler(rng, comment + n, pad);
	rc = buf_append(b, head, sizeof(head));
	rc = rc ? rc : buf_append(b, "\xff\xfe", 2);
	rc = rc ? rc : put_u16be(b, (unsigned)(n + pad + 2));
	rc = rc ? rc : buf_append(b, comment, (size_t)n + pad);
	rc = rc ? rc : buf_append(b, "\xff\xdb\x00\x43\x00", 5);
	for (int i = 0; !rc && i < 64; i++)
		rc = buf_putc(b, 1);
	rc = rc ? rc : buf_append(b, frame, sizeof(frame));
	table[5] = 1; /* one code of length 1, for symbol 0 */
	for (int class = 0; !rc && class < 2; class ++) {
		table[4] = (unsigned char)(class << 4);
		rc = buf_append(b, table, sizeof(table));
	}
	rc = rc ? rc : buf_append(b, scan, sizeof(scan));
	rc = rc ? rc : buf_append(b, blocks, sizeof(blocks));
	return rc ? rc : buf_append(b, end, sizeof(end));
}

static uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
	crc = ~crc;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^
			      (UINT32_C(0xedb88320) & (0u - (crc & 1)));
	}
	return ~crc;
}

static int png_chunk(struct buf *b, const char type[4], const void *data,
		     size_t n)
{
	uint32_t crc = crc32_update(0, (const unsigned char *)type, 4);
	int rc;

	crc = crc32_update(crc, data, n);
	rc = put_u32be(b, (uint32_t)n);
	rc = rc ? rc : buf_append(b, type, 4);
	rc = rc ? rc : buf_append(b, data, n);
	return rc ? rc : put_u32be(b, crc);
}

/* zlib stream of one stored deflate block (raw is under 64 KB). */
static int zlib_stored(const unsigned char *raw, size_t n, struct buf *out)
{
	uint32_t a = 1, s = 0;
	unsigned char head[7] = {0x78,
				 0x01,
				 0x01,
				 (unsigned char)n,
				 (unsigned char)(n >> 8),
				 (unsigned char)~n,
				 (unsigned char)(~n >> 8)};
	int rc;

	for (size_t i = 0; i < n; i++) {
		a = (a + raw[i]) % 65521;
		s = (s + a) % 65521;
	}
	rc = buf_append(out, head, sizeof(head));
	rc = rc ? rc : buf_append(out, raw, n);
	return rc ? rc : put_u32be(out, (s << 16) | a);
}

/* An RGB gradient, width chosen for size, with the caption as iTXt. */
static int make_png(struct demo_rng *rng, const char *caption, struct buf *b)
{
	enum { HEIGHT = 24, MAX_WIDTH = 64 };
	unsigned char raw[HEIGHT * (1 + 3 * MAX_WIDTH)];
	unsigned width = (unsigned)demo_rng_between(rng, 24, MAX_WIDTH);
	unsigned base = (unsigned)(demo_rng_next(rng) & 0xffffff);
	unsigned char ihdr[13] = {0, 0, 0, 0, 0, 0, 0, HEIGHT, 8, 2, 0, 0, 0};
	char text[512];
	struct buf data;
	size_t n = 0;
	int rc, len;

	ihdr[2] = (unsigned char)(width >> 8);
	ihdr[3] = (unsigned char)width;
	for (unsigned y = 0; y < HEIGHT; y++) {
		raw[n++] = 0; /* filter: none */
		for (unsigned x = 0; x < width; x++) {
			raw[n++] = (unsigned char)((base >> 16) + 4 * x);
			raw[n++] = (unsigned char)((base >> 8) + 8 * y);
			raw[n++] = (unsigned char)(base + 2 * (x + y));
		}
	}
	len = snprintf(text, sizeof(text), "Description%c%c%ccs%c%c%s", 0, 0, 0,
		       0, 0, caption);
	if (len < 0 || (size_t)len >= sizeof(text))
		len = (int)sizeof(text) - 1;
	buf_init(&data, FILE_MAX);
	rc = zlib_stored(raw, n, &data);
	rc = rc ? rc : buf_append(b, "\x89PNG\r\n\x1a\n", 8);
	rc = rc ? rc : png_chunk(b, "IHDR", ihdr, sizeof(ihdr));
	rc = rc ? rc : png_chunk(b, "iTXt", text, (size_t)len);
	rc = rc ? rc : png_chunk(b, "IDAT", data.data, data.len);
	rc = rc ? rc : png_chunk(b, "IEND", "", 0);
	buf_free(&data);
	return rc;
}

/* PDF strings in the standard fonts are Latin; Czech letters lose their
 * accents, and the string delimiters are dropped. */
static void pdf_text(const char *in, char *out, size_t n)
{
	static const char *const from[] = {
	    "á", "č", "ď", "é", "ě", "í", "ň", "ó", "ř", "š",
	    "ť", "ú", "ů", "ý", "ž", "Á", "Č", "Ď", "É", "Ě",
	    "Í", "Ň", "Ó", "Ř", "Š", "Ť", "Ú", "Ů", "Ý", "Ž"};
	static const char to[] = "acdeeinorstuuyzACDEEINORSTUUYZ";
	size_t o = 0;

	while (*in && o + 1 < n) {
		size_t k = 0;

		while (k < sizeof(from) / sizeof(from[0]) &&
		       strncmp(in, from[k], strlen(from[k])) != 0)
			k++;
		if (k < sizeof(from) / sizeof(from[0])) {
			out[o++] = to[k];
			in += strlen(from[k]);
		} else {
			unsigned char c = (unsigned char)*in++;
			if (c >= 0x20 && c < 0x7f && !strchr("()\\", c))
				out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

static int make_pdf(struct demo_rng *rng, const char *caption, struct buf *b)
{
	static const char *const objects[] = {
	    "<< /Type /Catalog /Pages 2 0 R >>",
	    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
	    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
	    " /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
	    NULL, /* the content stream */
	    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"};
	size_t offsets[5];
	char title[256];
	struct buf content;
	int lines = (int)demo_rng_between(rng, 20, 60);
	int rc;

	pdf_text(caption, title, sizeof(title));
	buf_init(&content, FILE_MAX);
	rc = buf_printf(&content, "BT /F1 18 Tf 72 780 Td (%s) Tj ET\n", title);
	for (int i = 0; !rc && i < lines; i++) {
		char note[41];

		filler(rng, note, sizeof(note) - 1);
		note[sizeof(note) - 1] = '\0';
		rc = buf_printf(&content,
				"BT /F1 10 Tf 72 %d Td (Polozka %d: %s %lld Kc)"
				" Tj ET\n",
				750 - 12 * (i % 60), i + 1, note,
				(long long)demo_rng_between(rng, 50, 9999));
	}
	rc = rc ? rc : buf_puts(b, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
	for (int i = 0; !rc && i < 5; i++) {
		offsets[i] = b->len;
		if (objects[i])
			rc = buf_printf(b, "%d 0 obj\n%s\nendobj\n", i + 1,
					objects[i]);
		else
			rc = buf_printf(b,
					"%d 0 obj\n<< /Length %zu >>\nstream\n"
					"%sendstream\nendobj\n",
					i + 1, content.len, buf_str(&content));
	}
	{
		size_t xref = b->len;

		rc = rc ? rc : buf_puts(b, "xref\n0 6\n0000000000 65535 f \n");
		for (int i = 0; !rc && i < 5; i++)
			rc = buf_printf(b, "%010zu 00000 n \n", offsets[i]);
		rc = rc ? rc
			: buf_printf(b,
				     "trailer\n<< /Size 6 /Root 1 0 R >>\n"
				     "startxref\n%zu\n%%%%EOF\n",
				     xref);
	}
	buf_free(&content);
	return rc;
}

/* Creates the directories of storage_root/key one level at a time. */
static int make_parents(char *path, struct err *e)
{
	for (char *slash = strchr(path + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			err_set(e, ERR_IO,
				"demo: cannot create directory %s: %s", path,
				strerror(errno));
			*slash = '/';
			return ERR_IO;
		}
		*slash = '/';
	}
	return 0;
}

static int write_file(const char *storage_root, const char *key,
		      const struct buf *data, struct err *e)
{
	char path[4096];
	FILE *f;
	int n = snprintf(path, sizeof(path), "%s/%s", storage_root, key);
	int rc;

	if (n < 0 || (size_t)n >= sizeof(path))
		return err_set(e, ERR_INVALID,
			       "demo: storage path for %s is too long", key);
	if ((rc = make_parents(path, e)))
		return rc;
	if (!(f = fopen(path, "wb")))
		return err_set(e, ERR_IO, "demo: cannot create %s: %s", path,
			       strerror(errno));
	n = fwrite(data->data, 1, data->len, f) == data->len;
	if (fclose(f) != 0 || !n)
		return err_set(e, ERR_IO, "demo: cannot write %s: %s", path,
			       strerror(errno));
	return 0;
}

int demo_file_create(struct demo_rng *rng, const char *storage_root,
		     const char *key, const char *extension,
		     const char *caption, int64_t *size, struct err *e)
{
	struct buf data;
	int rc;

	buf_init(&data, FILE_MAX);
	if (strcmp(extension, "jpg") == 0)
		rc = make_jpeg(rng, caption, &data);
	else if (strcmp(extension, "png") == 0)
		rc = make_png(rng, caption, &data);
	else
		rc = make_pdf(rng, caption, &data);
	/* Only the cap or memory can fail here. */
	if (rc)
		err_set(e, rc, "demo: cannot build the file %s (%s)", key,
			err_name(rc));
	if (!rc)
		rc = write_file(storage_root, key, &data, e);
	if (!rc)
		*size = (int64_t)data.len;
	buf_free(&data);
	return rc;
}
