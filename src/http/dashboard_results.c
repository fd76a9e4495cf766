/*
 * dashboard_results.c - a job's result in words: "Smazáno 6 konceptů a 4
 * soubory" instead of {"deleted":6,"blobs_deleted":4,...}.
 *
 * A job's result is its counters (job_counts_json_into in core/job.h); each
 * type lists here which counters it reports, in what order, and with which
 * counted text from the catalogue. Counters at zero are left out; a run
 * where all are zero did nothing to do. A type not listed here (or a
 * counter a newer job adds) is shown by name and number, never as JSON.
 */
#include "base/buf.h"
#include "base/err.h"
#include "dashboard_impl.h"
#include "http/html.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

enum part_kind { PART_COUNT, PART_BYTES };

struct part {
	const char *field; /* the counter's name in the result JSON */
	enum part_kind kind;
	const char *key; /* counted text, or "%s" text for PART_BYTES */
};

#define MAX_PARTS 6

struct wording {
	const char *type;
	const char *prefix; /* catalogue key before the list, or NULL */
	struct part parts[MAX_PARTS];
};

static const struct wording wordings[] = {
    {"activity_cleanup",
     "Deleted",
     {{"deleted", PART_COUNT, "%lld activity record|%lld activity records"}}},
    {"backup",
     NULL,
     {{"bytes", PART_BYTES, "Backed up %s"},
      {"removed", PART_COUNT,
       "%lld old copy removed|%lld old copies removed"}}},
    {"draft_cleanup",
     "Deleted",
     {{"deleted", PART_COUNT, "%lld draft|%lld drafts"},
      {"documents", PART_COUNT, "%lld document|%lld documents"},
      {"blobs_deleted", PART_COUNT, "%lld file|%lld files"},
      {"blobs_missing", PART_COUNT,
       "%lld file already gone|%lld files already gone"},
      {"keys_refused", PART_COUNT,
       "%lld storage key refused|%lld storage keys refused"}}},
    {"draft_reminder",
     NULL,
     {{"reminded", PART_COUNT, "%lld reminder|%lld reminders"},
      {"expiring", PART_COUNT, "%lld expiry warning|%lld expiry warnings"},
      {"emails", PART_COUNT, "%lld email queued|%lld emails queued"}}},
    {"export_cleanup",
     "Deleted",
     {{"deleted", PART_COUNT, "%lld expired export|%lld expired exports"}}},
    {"export_data",
     "Exported",
     {{"records", PART_COUNT, "%lld record|%lld records"},
      {"documents", PART_COUNT, "%lld document|%lld documents"},
      {"files", PART_COUNT, "%lld file|%lld files"},
      {"bytes", PART_BYTES, "%s in total"},
      {"missing", PART_COUNT, "%lld file missing|%lld files missing"}}},
    {"invitation_expiration",
     NULL,
     {{"expired", PART_COUNT,
       "%lld invitation expired|%lld invitations expired"},
      {"notified", PART_COUNT,
       "%lld inviter notified|%lld inviters notified"}}},
    {"noop", NULL, {{"steps", PART_COUNT, "%lld step done|%lld steps done"}}},
    {"notification_cleanup",
     "Deleted",
     {{"deleted_read", PART_COUNT,
       "%lld read notification|%lld read notifications"},
      {"deleted_unread", PART_COUNT,
       "%lld unread notification|%lld unread notifications"}}},
    {"refresh_token_cleanup",
     "Deleted",
     {{"deleted_expired", PART_COUNT,
       "%lld expired sign-in token|%lld expired sign-in tokens"},
      {"deleted_revoked", PART_COUNT,
       "%lld revoked sign-in token|%lld revoked sign-in tokens"}}},
    {"send_email",
     NULL,
     {{"sent", PART_COUNT, "%lld email sent|%lld emails sent"}}},
    {"sync_retry",
     NULL,
     {{"applied", PART_COUNT, "%lld change applied|%lld changes applied"},
      {"stale", PART_COUNT,
       "%lld stale change dropped|%lld stale changes dropped"},
      {"retried", PART_COUNT, "%lld change to retry|%lld changes to retry"},
      {"failed_permanently", PART_COUNT,
       "%lld change failed for good|%lld changes failed for good"}}},
    {"weekly_summary_email",
     "Sent",
     {{"emails", PART_COUNT, "%lld summary|%lld summaries"},
      {"quiet", PART_COUNT,
       "%lld user without activity|%lld users without activity"},
      {"already", PART_COUNT,
       "%lld user already had it|%lld users already had it"}}},
};

static const struct wording *wording_find(const char *type)
{
	size_t i;

	for (i = 0; type && i < sizeof(wordings) / sizeof(wordings[0]); i++)
		if (!strcmp(wordings[i].type, type))
			return &wordings[i];
	return NULL;
}

/* Appends "a", "a and b", "a, b and c" as items come. */
static void list_add(struct buf *out, const char *lang, const char *item,
		     int index, int is_last)
{
	if (index > 0 && is_last) {
		buf_puts(out, " ");
		html_text(out, dash_tl(lang, "and"));
		buf_puts(out, " ");
	} else if (index > 0) {
		buf_puts(out, ", ");
	}
	html_text(out, item);
}

static void part_text(const char *lang, const struct part *part,
		      long long value, char *out, size_t size)
{
	char amount[32];

	if (part->kind == PART_COUNT) {
		dash_plural(lang, part->key, value, out, size);
		return;
	}
	dash_format_bytes(lang, value, amount, sizeof(amount));
	dash_subst(dash_tl(lang, part->key), amount, out, size);
}

static void describe_known(const char *lang, const struct wording *w,
			   const cJSON *json, struct buf *out)
{
	char items[MAX_PARTS][96];
	int n = 0, i;

	for (i = 0; i < MAX_PARTS && w->parts[i].field; i++) {
		const cJSON *v =
		    cJSON_GetObjectItemCaseSensitive(json, w->parts[i].field);
		if (!cJSON_IsNumber(v) || v->valuedouble == 0)
			continue;
		part_text(lang, &w->parts[i], (long long)v->valuedouble,
			  items[n], sizeof(items[n]));
		n++;
	}
	if (n == 0) {
		html_text(out, dash_tl(lang, "Nothing to do."));
		return;
	}
	if (w->prefix) {
		html_text(out, dash_tl(lang, w->prefix));
		buf_puts(out, " ");
	}
	for (i = 0; i < n; i++)
		list_add(out, lang, items[i], i, i == n - 1);
	buf_puts(out, ".");
}

/* Counters no wording knows: "name 3, other 1". */
static void describe_generic(const cJSON *json, struct buf *out)
{
	const cJSON *item;
	int n = 0;

	cJSON_ArrayForEach(item, json)
	{
		buf_puts(out, n++ ? ", " : "");
		html_text(out, item->string);
		if (cJSON_IsNumber(item))
			buf_printf(out, " %lld", (long long)item->valuedouble);
		else if (cJSON_IsString(item)) {
			buf_puts(out, " ");
			html_text(out, item->valuestring);
		}
	}
	if (!n)
		buf_puts(out, "—");
}

int dash_describe_result(const char *lang, const char *type, const char *json,
			 struct buf *out)
{
	cJSON *root = json ? cJSON_Parse(json) : NULL;
	const struct wording *w = wording_find(type);

	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return ERR_NOTFOUND;
	}
	if (w)
		describe_known(lang, w, root, out);
	else
		describe_generic(root, out);
	cJSON_Delete(root);
	return 0;
}
