/*
 * template_email.c - an email's three parts from the compiled-in
 * templates (template.h: template_render_email).
 *
 * An email template is three assets, templates/NAME.LANG.subject, .txt and
 * .html, all required, so a half-translated template fails loudly instead
 * of sending a mix. The subject becomes one trimmed line whatever the data
 * holds: control characters, CR and LF included, fold into single spaces,
 * so a value can never add a header.
 */
#include "base/assets.h"
#include "base/buf.h"
#include "base/err.h"
#include "mail/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 64
#define FALLBACK_LANGUAGE "cs"

static int name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > NAME_MAX_LEN)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

static const struct asset *part_find(const char *name, const char *language,
				     const char *part, char *path, size_t size)
{
	snprintf(path, size, "templates/%s.%s.%s", name, language, part);
	return asset_find(path);
}

/* Runs of blanks and control characters become one space; no edges. */
static void subject_flatten(char *s)
{
	size_t out = 0;
	int pending_space = 0;

	for (size_t i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c == 0x7f) {
			pending_space = out > 0;
			continue;
		}
		if (pending_space)
			s[out++] = ' ';
		pending_space = 0;
		s[out++] = (char)c;
	}
	s[out] = '\0';
}

static int part_render(const char *name, const char *language, const char *part,
		       enum template_escape escape, const cJSON *data,
		       char **out, struct err *e)
{
	char path[160];
	const struct asset *asset =
	    part_find(name, language, part, path, sizeof(path));
	struct buf b;
	int rc;

	if (!asset)
		return err_set(e, ERR_NOTFOUND,
			       "email template part %s is "
			       "missing",
			       path);
	buf_init(&b, TEMPLATE_EMAIL_MAX);
	rc = template_render(asset->data, data, escape, &b, e);
	if (rc) {
		err_prefix(e, "%s", path);
		buf_free(&b);
		return rc;
	}
	*out = buf_steal(&b);
	if (!*out)
		return err_set(e, ERR_NOMEM, "out of memory rendering %s",
			       path);
	return 0;
}

int template_render_email(const char *name, const char *language,
			  const cJSON *data, struct rendered_email *out,
			  struct err *e)
{
	char path[160];
	int rc;

	memset(out, 0, sizeof(*out));
	if (!name || !name_valid(name))
		return err_set(e, ERR_INVALID,
			       "email template name '%s' is not "
			       "valid (letters, digits and _ only)",
			       name ? name : "(null)");
	if (!language || !name_valid(language) ||
	    !part_find(name, language, "subject", path, sizeof(path)))
		language = FALLBACK_LANGUAGE;
	if (!part_find(name, language, "subject", path, sizeof(path)))
		return err_set(e, ERR_NOTFOUND,
			       "email template '%s' not found "
			       "(no %s)",
			       name, path);
	out->language = strdup(language);
	if (!out->language) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto done;
	}
	rc = part_render(name, language, "subject", TEMPLATE_TEXT, data,
			 &out->subject, e);
	if (!rc)
		rc = part_render(name, language, "txt", TEMPLATE_TEXT, data,
				 &out->text, e);
	if (!rc)
		rc = part_render(name, language, "html", TEMPLATE_HTML, data,
				 &out->html, e);
	if (!rc)
		subject_flatten(out->subject);
done:
	if (rc)
		rendered_email_free(out);
	return rc;
}

void rendered_email_free(struct rendered_email *email)
{
	if (!email)
		return;
	free(email->language);
	free(email->subject);
	free(email->text);
	free(email->html);
	memset(email, 0, sizeof(*email));
}
