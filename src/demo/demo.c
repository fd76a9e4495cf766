/*
 * demo.c - the demo household: who lives where (users, projects,
 * properties, units, members), and demo_fill(), which runs every stage in
 * one transaction.
 *
 * Determinism: every id and choice (which fixture file a document is a
 * copy of, too) comes from one splitmix64 stream seeded by the caller,
 * consumed in a fixed order, and every time is now minus a chosen age;
 * nothing reads the clock or the environment. One transaction: a
 * half-filled household is worse than none, and the refusal on existing
 * users is what makes a rerun safe. The files are stored inside that
 * transaction (with S3 that is one PUT each, about a hundred): it holds
 * the write lock longer than a job would, which is fine for a command
 * that only fills an empty database, and it is what lets a failure undo
 * both the rows and the files.
 *
 * The family: Jana Nováková (admin, weekly summary on) owns "Rodinný dům
 * Brno" (a house and a flat in Brno), Petr Novák (draft reminders off)
 * owns "Chalupa Šumava", Eva Dvořáková (English, no preferences row, so
 * all defaults) is a relative with a say in the flat and the cottage.
 */
#include "demo_internal.h"
#include "base/uuid.h"

#include "base/clock.h"
#include "base/err.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *first, *last, *email, *language, *theme, *phone;
	int is_admin;
} users[DEMO_USERS] = {
    {"Jana", "Nováková", "jana.novakova@example.cz", "cs", "light",
     "+420 602 123 456", 1},
    {"Petr", "Novák", "petr.novak@example.cz", "cs", NULL, "+420 603 654 321",
     0},
    {"Eva", "Dvořáková", "eva.dvorakova@example.com", "en", "dark", NULL, 0},
};

enum { JANA, PETR, EVA };

static const char *const user_names[DEMO_USERS] = {
    "Jana Nováková", "Petr Novák", "Eva Dvořáková"};

static const struct {
	const char *name, *description;
	int owner;
} projects[DEMO_PROJECTS] = {
    {"Rodinný dům Brno", "Dům v Žabovřeskách a byt na Veveří", 0},
    {"Chalupa Šumava", "Roubenka po dědovi na Kvildě", 1},
};

/* Role of users[u] in projects[p]. */
static const char *const project_roles[DEMO_PROJECTS][DEMO_USERS] = {
    {"owner", "editor", "viewer"},
    {"editor", "owner", "editor"},
};

static const struct {
	const char *name, *description;
	int project;
	double latitude, longitude;
	int geo_radius;
} properties[DEMO_PROPERTIES] = {
    {"Dům Žabovřesky", "Rodinný dům, Horova 12, Brno", 0, 49.211634, 16.572011,
     80},
    {"Byt Veveří", "Byt 3+1, Veveří 58, Brno", 0, 49.203012, 16.596024, 0},
    {"Chalupa Kvilda", "Kvilda 47, Šumava", 1, 49.019713, 13.579688, 150},
};

/* parent < 0: a top-level unit; otherwise the index of an earlier row. */
static const struct {
	int property, parent;
	const char *name, *type;
} units[] = {
    {0, -1, "Dům", "house"},	     {0, 0, "Kuchyň", "room"},
    {0, 0, "Obývací pokoj", "room"}, {0, 0, "Koupelna", "room"},
    {0, 0, "Dětský pokoj", "room"},  {0, 0, "Kotelna", "room"},
    {0, 0, "Schodiště", "stairs"},   {0, -1, "Garáž", "garage"},
    {0, -1, "Zahrada", "garden"},    {1, -1, "Byt 3+1", "flat"},
    {1, 9, "Kuchyň", "room"},	     {1, 9, "Koupelna", "room"},
    {2, -1, "Chalupa", "house"},     {2, 12, "Sednice", "room"},
    {2, 12, "Půda", "other"},	     {2, -1, "Zahrada", "garden"},
    {2, -1, "Kůlna", "other"},
};

void demo_rng_seed(struct demo_rng *rng, unsigned seed)
{
	rng->state = UINT64_C(0x9e3779b97f4a7c15) ^ (uint64_t)seed;
}

uint64_t demo_rng_next(struct demo_rng *rng)
{
	uint64_t z = (rng->state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

int64_t demo_rng_between(struct demo_rng *rng, int64_t low, int64_t high)
{
	uint64_t span = (uint64_t)(high - low) + 1;

	if (high <= low)
		return low;
	return low + (int64_t)(demo_rng_next(rng) % span);
}

void demo_hex(struct demo_rng *rng, char *out, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	uint64_t bits = 0;

	for (size_t i = 0; i < n; i++) {
		if (i % 16 == 0)
			bits = demo_rng_next(rng);
		out[i] = digits[bits & 0xf];
		bits >>= 4;
	}
	out[n] = '\0';
}

void demo_uuid(struct demo_rng *rng, char out[DEMO_ID_LEN])
{
	unsigned char bytes[16];

	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (unsigned char)(demo_rng_next(rng) & 0xff);
	uuid_from_bytes(bytes, out);
}

char *demo_json(cJSON *obj, struct err *e)
{
	char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;

	cJSON_Delete(obj);
	if (!text)
		err_set(e, ERR_NOMEM, "out of memory building demo JSON");
	return text;
}

const char *demo_user_name(int i)
{
	return i >= 0 && i < DEMO_USERS ? user_names[i] : "";
}

const char *demo_user_email(int i)
{
	return i >= 0 && i < DEMO_USERS ? users[i].email : "";
}

const char *demo_property_name(int i)
{
	return i >= 0 && i < DEMO_PROPERTIES ? properties[i].name : "";
}

const char *demo_project_name(int i)
{
	return i >= 0 && i < DEMO_PROJECTS ? projects[i].name : "";
}

void demo_date(int64_t ms, char out[11])
{
	char iso[CLOCK_ISO_LEN];

	clock_format(ms, iso);
	memcpy(out, iso, 10);
	out[10] = '\0';
}

int demo_pick_editor(struct demo_ctx *ctx, int property)
{
	int project = properties[property].project;
	int allowed[DEMO_USERS];
	int n = 0;

	for (int u = 0; u < DEMO_USERS; u++)
		if (strcmp(project_roles[project][u], "viewer") != 0)
			allowed[n++] = u;
	/* Eva is a viewer of the Brno project but an editor of the flat. */
	if (property == 1)
		allowed[n++] = 2;
	return allowed[demo_rng_between(&ctx->rng, 0, n - 1)];
}

const char *demo_pick_unit(struct demo_ctx *ctx, int property,
			   const char *unit_type)
{
	int found[DEMO_MAX_UNITS];
	int n = 0;

	for (int i = 0; i < ctx->unit_count; i++)
		if (ctx->unit_property[i] == property &&
		    strcmp(ctx->unit_type[i], unit_type) == 0)
			found[n++] = i;
	if (n == 0)
		return NULL;
	return ctx->units[found[demo_rng_between(&ctx->rng, 0, n - 1)]];
}

int demo_user_wants_draft_reminders(int user)
{
	return user != PETR;
}

static int64_t days_ago(const struct demo_ctx *ctx, int64_t days)
{
	return ctx->now - days * MS_PER_DAY;
}

static int fill_users(struct demo_ctx *ctx)
{
	struct demo_preferences jana =
	    DEMO_PREFERENCES_DEFAULTS(ctx->users[JANA]);
	struct demo_preferences petr =
	    DEMO_PREFERENCES_DEFAULTS(ctx->users[PETR]);
	int rc;

	for (int i = 0; i < DEMO_USERS; i++) {
		struct demo_user row = {
		    .id = ctx->users[i],
		    .email = users[i].email,
		    .first_name = users[i].first,
		    .last_name = users[i].last,
		    .phone = users[i].phone,
		    .preferred_language = users[i].language,
		    .theme_preference = users[i].theme,
		    .is_admin = users[i].is_admin,
		    .created_at = days_ago(ctx, 420 - 35 * i) + 9 * MS_PER_HOUR,
		    .last_login_at = ctx->now - (1 + 17 * i) * MS_PER_HOUR,
		};
		if ((rc = demo_insert_user(ctx->db, &row, ctx->e)))
			return rc;
		ctx->counts->users++;
	}
	jana.email_weekly_summary = 1;
	petr.push_draft_reminders = 0;
	petr.sync_on_mobile_data = 1;
	if ((rc = demo_insert_preferences(ctx->db, &jana, ctx->e)) ||
	    (rc = demo_insert_preferences(ctx->db, &petr, ctx->e)))
		return rc;
	ctx->counts->user_preferences += 2;
	return 0;
}

static int fill_projects(struct demo_ctx *ctx)
{
	static const char owner_permissions[] =
	    "{\"canInvite\":true,\"canDelete\":true,\"canEditAll\":true}";
	static const char viewer_permissions[] =
	    "{\"canInvite\":false,\"canDelete\":false,\"canEditAll\":false}";
	int rc;

	for (int p = 0; p < DEMO_PROJECTS; p++) {
		int64_t created =
		    days_ago(ctx, 400 - 20 * p) + 18 * MS_PER_HOUR;
		struct demo_project row = {
		    .id = ctx->projects[p],
		    .owner_id = ctx->users[projects[p].owner],
		    .name = projects[p].name,
		    .description = projects[p].description,
		    .created_at = created,
		    .updated_at = days_ago(ctx, 40 + 11 * p),
		};
		if ((rc = demo_insert_project(ctx->db, &row, ctx->e)))
			return rc;
		ctx->counts->projects++;
		for (int u = 0; u < DEMO_USERS; u++) {
			const char *role = project_roles[p][u];
			char id[DEMO_ID_LEN];
			struct demo_member member = {
			    .id = id,
			    .target_id = ctx->projects[p],
			    .user_id = ctx->users[u],
			    .role = role,
			    .permissions = strcmp(role, "owner") == 0
					       ? owner_permissions
					   : strcmp(role, "viewer") == 0
					       ? viewer_permissions
					       : NULL,
			    .created_at = created + (int64_t)u * 3 * MS_PER_DAY,
			};
			demo_uuid(&ctx->rng, id);
			if ((rc = demo_insert_project_member(ctx->db, &member,
							     ctx->e)))
				return rc;
			ctx->counts->project_members++;
		}
	}
	return 0;
}

static int fill_properties(struct demo_ctx *ctx)
{
	int rc;

	for (int i = 0; i < DEMO_PROPERTIES; i++) {
		struct demo_property row = {
		    .id = ctx->properties[i],
		    .project_id = ctx->projects[properties[i].project],
		    .name = properties[i].name,
		    .description = properties[i].description,
		    .has_location = 1,
		    .latitude = properties[i].latitude,
		    .longitude = properties[i].longitude,
		    .geo_radius = properties[i].geo_radius,
		    .created_at = days_ago(ctx, 395 - 20 * i),
		};
		ctx->property_project[i] = properties[i].project;
		if ((rc = demo_insert_property(ctx->db, &row, ctx->e)))
			return rc;
		ctx->counts->properties++;
	}
	return 0;
}

static int fill_property_members(struct demo_ctx *ctx)
{
	static const struct {
		int property, user;
		const char *role;
	} rows[] = {{1, EVA, "editor"}, {2, JANA, "viewer"}};
	int rc;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char id[DEMO_ID_LEN];
		struct demo_member row = {
		    .id = id,
		    .target_id = ctx->properties[rows[i].property],
		    .user_id = ctx->users[rows[i].user],
		    .role = rows[i].role,
		    .created_at = days_ago(ctx, 300 - 40 * (int64_t)i),
		};
		demo_uuid(&ctx->rng, id);
		if ((rc = demo_insert_property_member(ctx->db, &row, ctx->e)))
			return rc;
		ctx->counts->property_members++;
	}
	return 0;
}

static int fill_units(struct demo_ctx *ctx)
{
	int rc;

	_Static_assert(sizeof(units) / sizeof(units[0]) <= DEMO_MAX_UNITS,
		       "DEMO_MAX_UNITS is too small");
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		demo_uuid(&ctx->rng, ctx->units[i]);
		struct demo_unit row = {
		    .id = ctx->units[i],
		    .property_id = ctx->properties[units[i].property],
		    .parent_unit_id = units[i].parent >= 0
					  ? ctx->units[units[i].parent]
					  : NULL,
		    .name = units[i].name,
		    .unit_type = units[i].type,
		    .created_at = days_ago(ctx, 390 - 20 * units[i].property) +
				  (int64_t)i * MS_PER_MINUTE,
		};
		ctx->unit_property[i] = units[i].property;
		ctx->unit_type[i] = units[i].type;
		ctx->unit_count++;
		if ((rc = demo_insert_unit(ctx->db, &row, ctx->e)))
			return rc;
		ctx->counts->units++;
	}
	return 0;
}

static int fill_household(struct demo_ctx *ctx)
{
	int rc;

	for (int i = 0; i < DEMO_USERS; i++)
		demo_uuid(&ctx->rng, ctx->users[i]);
	for (int i = 0; i < DEMO_PROJECTS; i++)
		demo_uuid(&ctx->rng, ctx->projects[i]);
	for (int i = 0; i < DEMO_PROPERTIES; i++)
		demo_uuid(&ctx->rng, ctx->properties[i]);
	if ((rc = fill_users(ctx)) || (rc = fill_projects(ctx)) ||
	    (rc = fill_properties(ctx)) || (rc = fill_property_members(ctx)))
		return rc;
	return fill_units(ctx);
}

static int exec_sql(sqlite3 *db, const char *sql, struct err *e)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	if (rc == SQLITE_OK)
		return 0;
	return err_set(e, (rc & 0xff) == SQLITE_BUSY ? ERR_BUSY : ERR_DB,
		       "demo: %s failed: %s", sql, sqlite3_errmsg(db));
}

static int refuse_if_filled(sqlite3 *db, struct err *e)
{
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM users", -1, &stmt,
				    NULL);
	int64_t count = 0;

	if (rc != SQLITE_OK)
		return err_set(e, ERR_DB,
			       "demo: cannot read the users table (%s); run "
			       "`domecek-jobs migrate` first",
			       sqlite3_errmsg(db));
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		count = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW)
		return err_set(
		    e, (rc & 0xff) == SQLITE_BUSY ? ERR_BUSY : ERR_DB,
		    "demo: cannot count users: %s", sqlite3_errmsg(db));
	if (count > 0)
		return err_set(e, ERR_CONFLICT,
			       "demo: the database already has %lld users; the "
			       "demo household goes only into an empty "
			       "database (use a new database file)",
			       (long long)count);
	return 0;
}

typedef int (*demo_stage)(struct demo_ctx *ctx);

int demo_fill(sqlite3 *db, struct storage *st, int64_t now_ms, unsigned seed,
	      struct demo_counts *counts, struct err *e)
{
	static const demo_stage stages[] = {
	    fill_household,
	    demo_fill_records,
	    demo_fill_invitations,
	    demo_fill_activities,
	    demo_fill_notifications,
	    demo_fill_tokens,
	    demo_fill_sync_queue,
	    demo_fill_contacts,
	    demo_fill_settings_and_audit,
	};
	struct demo_counts scratch;
	struct demo_ctx *ctx = NULL;
	int in_transaction = 0;
	int rc;

	if (!db || !st)
		return err_set(e, ERR_INVALID,
			       "demo: a database and a storage are needed");
	if (!counts)
		counts = &scratch;
	memset(counts, 0, sizeof(*counts));
	if (!(ctx = calloc(1, sizeof(*ctx))))
		return err_set(e, ERR_NOMEM, "demo: out of memory");
	*ctx = (struct demo_ctx){
	    .db = db, .storage = st, .now = now_ms, .counts = counts, .e = e};
	demo_rng_seed(&ctx->rng, seed);
	if ((rc = exec_sql(db, "BEGIN IMMEDIATE", e)))
		goto done;
	in_transaction = 1;
	if ((rc = refuse_if_filled(db, e)))
		goto done;
	for (size_t i = 0; i < sizeof(stages) / sizeof(stages[0]); i++)
		if ((rc = stages[i](ctx)))
			goto done;
	if ((rc = exec_sql(db, "COMMIT", e)))
		goto done;
	in_transaction = 0;
done:
	if (in_transaction)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	if (rc) {
		demo_files_remove(ctx);
		memset(counts, 0, sizeof(*counts));
	}
	free(ctx);
	return rc;
}
