/*
 * demo_records.c - the household's records (zaznamy) with tags, documents
 * and their files, comments and mentions.
 *
 * Drafts come at the ages the draft jobs turn on: exactly 1, 3, 7, 23 and
 * 30 days old (the reminder, the expiry warning and the cleanup
 * boundaries with the seed's defaults), ages in between up to 40 days, two
 * with created_by NULL (their creator is the actor of their zaznam_created
 * activity, written by demo_history.c), one untitled and one already
 * soft-deleted. Completed records go back two years.
 */
#include "demo_internal.h"

#include "base/clock.h"
#include "base/err.h"

#include <stdio.h>
#include <string.h>

enum {
	TAG_OPRAVA = 1,
	TAG_UDRZBA,
	TAG_VYLEPSENI,
	TAG_NAKUP,
	TAG_REVIZE,
	TAG_HAVARIE,
	TAG_POJISTENI,
	TAG_SMLOUVA,
	TAG_PLATBA,
	TAG_ZARUKA
};

/* property < 0: any; docs: p photo, d document (PDF), r receipt (see
 * fixture_for). */
/* clang-format off */
static const struct record_template {
	const char *title, *description, *unit_type, *docs;
	int property;
	int cost_low, cost_high; /* CZK; 0, 0: no cost */
	int tags[3];
} templates[] = {
	{"Výměna kotle", "Nový kondenzační kotel, montáž a zaregulování.",
	 "room", "rdp", 0, 85000, 120000, {TAG_VYLEPSENI, TAG_NAKUP}},
	{"Revize komínu", "Roční revize spalinové cesty, bez závad.", "house",
	 "d", -1, 1200, 1800, {TAG_REVIZE}},
	{"Oprava střechy", "Výměna prasklých tašek a oplechování po vichřici.",
	 "house", "pp", -1, 18000, 35000, {TAG_OPRAVA, TAG_HAVARIE}},
	{"Revize elektroinstalace", "Pravidelná revize, zpráva v příloze.",
	 NULL, "d", -1, 3500, 6000, {TAG_REVIZE}},
	{"Výměna oken v obýváku", "Plastová okna s trojsklem.", "room", "rp", 0,
	 45000, 70000, {TAG_VYLEPSENI}},
	{"Malování kuchyně", "Dvě vrstvy, bílá s nádechem šedé.", "room", "p",
	 -1, 6000, 9000, {TAG_UDRZBA}},
	{"Servis plynového kotle", "Čištění hořáku, kontrola spalin.", "room",
	 "d", -1, 2200, 3200, {TAG_UDRZBA, TAG_REVIZE}},
	{"Oprava kapajícího kohoutku", "Nové těsnění a kartuše.", "room", "",
	 -1, 450, 900, {TAG_OPRAVA}},
	{"Nová myčka nádobí", "Vestavná myčka 60 cm, záruka 5 let.", "room",
	 "rd", 1, 12000, 16000, {TAG_NAKUP, TAG_ZARUKA}},
	{"Čištění okapů", "Vyčištění okapů a svodů od listí.", "house", "p", -1,
	 1500, 2500, {TAG_UDRZBA}},
	{"Pojištění domácnosti", "Roční pojistné, nová smlouva.", NULL, "d", -1,
	 4800, 6200, {TAG_POJISTENI, TAG_SMLOUVA, TAG_PLATBA}},
	{"Výměna baterie v koupelně", "Stojánková baterie, montáž svépomocí.",
	 "room", "r", -1, 2500, 4500, {TAG_OPRAVA, TAG_NAKUP}},
	{"Prasklé potrubí ve sklepě", "Havárie vody, výměna úseku potrubí.",
	 "house", "ppd", 0, 9000, 15000, {TAG_HAVARIE, TAG_OPRAVA, TAG_POJISTENI}},
	{"Robotická sekačka", "Sekačka s obvodovým drátem.", "garden", "rp", -1,
	 25000, 32000, {TAG_NAKUP, TAG_ZARUKA}},
	{"Ořez ovocných stromů", "Jarní řez jabloní a švestek.", "garden", "p",
	 -1, 2000, 3500, {TAG_UDRZBA}},
	{"Oprava garážových vrat", "Nová pružina a seřízení pohonu.", "garage",
	 "r", 0, 4000, 8000, {TAG_OPRAVA}},
	{"Výměna zámku vchodových dveří", "Bezpečnostní vložka třídy 4.", NULL,
	 "r", -1, 1800, 3200, {TAG_OPRAVA}},
	{"Nátěr plotu", "Lazura na dřevěný plot, dvě vrstvy.", "garden", "p",
	 -1, 3000, 5000, {TAG_UDRZBA}},
	{"Smlouva o dodávce elektřiny", "Fixace ceny na dva roky.", NULL, "d",
	 -1, 0, 0, {TAG_SMLOUVA}},
	{"Platba za svoz odpadu", "Poplatek obci na celý rok.", NULL, "r", -1,
	 1200, 1500, {TAG_PLATBA}},
	{"Výměna pojistkové skříně", "Nové jističe a proudový chránič.", "room",
	 "rd", -1, 7000, 11000, {TAG_VYLEPSENI, TAG_REVIZE}},
	{"Oprava podlahy na půdě", "Výměna shnilých prken.", "other", "p", 2,
	 6000, 12000, {TAG_OPRAVA}},
	{"Vyčištění studny", "Odčerpání, vyčištění a rozbor vody.", "garden",
	 "d", 2, 3000, 6000, {TAG_UDRZBA}},
	{"Nová kamna do sednice", "Litinová kamna s výhledem na oheň.", "room",
	 "rp", 2, 25000, 40000, {TAG_NAKUP, TAG_VYLEPSENI}},
	{"Revize hasicích přístrojů", "Kontrola dvou práškových přístrojů.",
	 NULL, "d", -1, 600, 900, {TAG_REVIZE}},
	{"Výměna těsnění u oken", "Silikonová těsnění, všechna okna.", "room",
	 "", -1, 1500, 2800, {TAG_UDRZBA}},
	{"Oprava septiku", "Vývoz a oprava přepadu.", "garden", "pr", 2, 8000,
	 14000, {TAG_OPRAVA}},
	{"Zateplení půdy", "Minerální vata 30 cm.", "other", "rp", -1, 35000,
	 50000, {TAG_VYLEPSENI}},
	{"Záruční oprava pračky", "Výměna ložisek v záruce, zdarma.", "room",
	 "d", 1, 0, 0, {TAG_ZARUKA, TAG_OPRAVA}},
};
/* clang-format on */

#define TEMPLATE_COUNT ((int)(sizeof(templates) / sizeof(templates[0])))

/* Draft ages in minutes; the exact-day ones are the boundaries. */
/* clang-format off */
#define DAY_MINUTES (24 * 60)
static const struct {
	int64_t age_minutes;
	int has_creator;
	int is_deleted;
	int is_untitled;
} drafts[] = {
	{1 * DAY_MINUTES, 1, 0, 0},        {2 * DAY_MINUTES + 300, 1, 0, 0},
	{3 * DAY_MINUTES, 1, 0, 0},        {5 * DAY_MINUTES + 120, 0, 0, 0},
	{7 * DAY_MINUTES, 1, 0, 1},        {10 * DAY_MINUTES + 420, 1, 0, 0},
	{14 * DAY_MINUTES + 60, 1, 0, 0},  {18 * DAY_MINUTES + 540, 1, 0, 0},
	{23 * DAY_MINUTES, 1, 0, 0},       {25 * DAY_MINUTES + 180, 0, 0, 0},
	{27 * DAY_MINUTES + 660, 1, 0, 0}, {29 * DAY_MINUTES + 1200, 1, 0, 0},
	{30 * DAY_MINUTES, 1, 0, 0},       {31 * DAY_MINUTES + 240, 1, 0, 0},
	{34 * DAY_MINUTES + 360, 1, 0, 0}, {38 * DAY_MINUTES + 120, 1, 0, 0},
	{40 * DAY_MINUTES, 1, 0, 0},       {45 * DAY_MINUTES, 1, 1, 0},
};
/* clang-format on */

#define DRAFT_COUNT ((int)(sizeof(drafts) / sizeof(drafts[0])))

static const char *const comment_texts[] = {
    "Faktura je v příloze, zaplaceno převodem.",
    "Řemeslník přijde ve čtvrtek kolem deváté.",
    "Díky, vypadá to dobře!",
    "Nezapomeňte schovat záruční list.",
    "Příště bych zkusil jinou firmu, bylo to drahé.",
    "Fotky jsou z dnešního rána.",
    "Looks great, thanks for sorting this out.",
    "Je potřeba to zkontrolovat znovu na jaře.",
    "Objednáno, doručení do týdne.",
    "Pojišťovna chce ještě fotku poškození.",
};

static int pick_template(struct demo_ctx *ctx, int property)
{
	for (;;) {
		int t = (int)demo_rng_between(&ctx->rng, 0, TEMPLATE_COUNT - 1);

		if (templates[t].property < 0 ||
		    templates[t].property == property)
			return t;
	}
}

static int pick_property(struct demo_ctx *ctx)
{
	int64_t roll = demo_rng_between(&ctx->rng, 0, 9);

	return roll < 5 ? 0 : roll < 7 ? 1 : 2;
}

static int insert_tags(struct demo_ctx *ctx, const char *record_id,
		       const struct record_template *t)
{
	int rc;

	for (int i = 0; i < 3 && t->tags[i]; i++) {
		if ((rc = demo_insert_record_tag(ctx->db, record_id, t->tags[i],
						 ctx->e)))
			return rc;
		ctx->counts->zaznam_tags++;
	}
	return 0;
}

static int has_tag(const struct record_template *t, int tag)
{
	for (int i = 0; i < 3; i++)
		if (t->tags[i] == tag)
			return 1;
	return 0;
}

/* A photo is one of the four pictures; a document is the revision report
 * for an inspection, else the invoice; a receipt is the till receipt's
 * scan or, for one in three, the invoice. */
static const struct asset *fixture_for(struct demo_ctx *ctx, char kind,
				       const struct record_template *t)
{
	static const char *const photos[] = {
	    "demo/photo-1.jpg", "demo/photo-2.jpg", "demo/photo-3.jpg",
	    "demo/photo-4.jpg"};
	const char *name;

	if (kind == 'p')
		name = photos[demo_rng_between(&ctx->rng, 0, 3)];
	else if (kind == 'd')
		name = has_tag(t, TAG_REVIZE) ? "demo/revize.pdf"
					      : "demo/faktura.pdf";
	else
		name = demo_rng_between(&ctx->rng, 0, 2) == 0
			   ? "demo/faktura.pdf"
			   : "demo/uctenka.png";
	return demo_fixture(name);
}

static void file_name_for(struct demo_ctx *ctx, char kind, const char *ext,
			  int64_t at, char *out, size_t n)
{
	char iso[CLOCK_ISO_LEN];
	int number = (int)demo_rng_between(&ctx->rng, 1000, 9999);

	clock_format(at, iso);
	if (kind == 'p')
		snprintf(out, n, "IMG_%.4s%.2s%.2s_%.2s%.2s%.2s.%s", iso,
			 iso + 5, iso + 8, iso + 11, iso + 14, iso + 17, ext);
	else if (kind == 'r')
		snprintf(out, n, "uctenka_%d.%s", number, ext);
	else
		snprintf(out, n, "dokument_%.4s_%d.%s", iso, number, ext);
}

static int insert_document(struct demo_ctx *ctx, int record, char kind,
			   const struct record_template *t)
{
	static const char *const types[] = {"photo", "document", "receipt"};
	const struct demo_record_info *r = &ctx->records[record];
	struct demo_document_info *d = &ctx->documents[ctx->document_count];
	const struct asset *fixture;
	char key[sizeof(d->storage_key)];
	const char *ext;
	int rc;

	if (ctx->document_count >= DEMO_MAX_DOCUMENTS)
		return 0;
	if (!(fixture = fixture_for(ctx, kind, t)))
		return err_set(ctx->e, ERR_NOTFOUND,
			       "demo: a fixture file is missing from the build"
			       " (assets/demo/)");
	ext = demo_fixture_extension(fixture);
	demo_uuid(&ctx->rng, d->id);
	d->record = record;
	d->type = types[kind == 'p' ? 0 : kind == 'd' ? 1 : 2];
	d->created_at =
	    r->created_at + demo_rng_between(&ctx->rng, 1, 90) * MS_PER_MINUTE;
	if (d->created_at > ctx->now)
		d->created_at = ctx->now;
	file_name_for(ctx, kind, ext, d->created_at, d->file_name,
		      sizeof(d->file_name));
	/* Through key: gcc sees the arguments and the target share ctx. */
	snprintf(key, sizeof(key), "documents/%s/%s/%s.%s",
		 ctx->properties[r->property], r->id, d->id, ext);
	memcpy(d->storage_key, key, sizeof(key));
	if ((rc = demo_file_put(ctx->storage, d->storage_key, fixture, ctx->e)))
		return rc;
	ctx->written[ctx->files_written++] = d->storage_key;
	{
		struct demo_document row = {
		    .id = d->id,
		    .zaznam_id = r->id,
		    .type = d->type,
		    .storage_key = d->storage_key,
		    .original_file_name = d->file_name,
		    .mime_type = demo_fixture_mime(fixture),
		    .size_bytes = (int64_t)fixture->size,
		    .created_at = d->created_at,
		    .is_deleted = r->is_deleted,
		    .deleted_at = r->is_deleted ? r->updated_at : 0,
		};
		if ((rc = demo_insert_document(ctx->db, &row, ctx->e)))
			return rc;
	}
	ctx->counts->files++;
	ctx->counts->file_bytes += (int64_t)fixture->size;
	ctx->counts->zaznam_dokumenty++;
	ctx->document_count++;
	return 0;
}

static int insert_record(struct demo_ctx *ctx, struct demo_record_info *r,
			 const struct record_template *t, const char *status)
{
	char date[11];
	const char *unit = t->unit_type
			       ? demo_pick_unit(ctx, r->property, t->unit_type)
			       : NULL;
	int has_cost = t->cost_high > 0 &&
		       (!r->is_draft || demo_rng_between(&ctx->rng, 0, 1));
	/* Drawn one by one: initializers are evaluated in no fixed order. */
	int64_t cost = has_cost ? demo_rng_between(&ctx->rng, t->cost_low / 10,
						   t->cost_high / 10) *
				      10
				: 0;
	int64_t flags = demo_rng_between(&ctx->rng, 0, 7) == 0 ? 1 : 0;
	struct demo_record row = {
	    .id = r->id,
	    .property_id = ctx->properties[r->property],
	    .unit_id = unit,
	    .title = r->title,
	    .description = t->description,
	    .date = date,
	    .has_cost = has_cost,
	    .cost = cost,
	    .status = status,
	    .flags = flags,
	    .created_by = r->creator >= 0 ? ctx->users[r->creator] : NULL,
	    .created_at = r->created_at,
	    .updated_at = r->updated_at,
	    .is_deleted = r->is_deleted,
	    .deleted_at = r->is_deleted ? r->updated_at : 0,
	};
	int rc;

	demo_date(r->created_at -
		      demo_rng_between(&ctx->rng, 0, 3) * MS_PER_DAY,
		  date);
	if ((rc = demo_insert_record(ctx->db, &row, ctx->e)))
		return rc;
	ctx->counts->zaznamy++;
	if (r->is_draft)
		ctx->counts->drafts++;
	return insert_tags(ctx, r->id, t);
}

/* Documents: every template kind for a completed record; a photo or
 * nothing for a draft. */
static int insert_documents(struct demo_ctx *ctx, int record,
			    const struct record_template *t, int is_draft)
{
	int rc;

	if (is_draft)
		return demo_rng_between(&ctx->rng, 0, 3)
			   ? insert_document(ctx, record, 'p', t)
			   : 0;
	for (const char *kind = t->docs; *kind; kind++)
		if ((rc = insert_document(ctx, record, *kind, t)))
			return rc;
	return 0;
}

static int fill_one(struct demo_ctx *ctx, int64_t created_at, int is_draft,
		    int has_creator, int is_deleted, int is_untitled)
{
	struct demo_record_info *r = &ctx->records[ctx->record_count];
	int index = ctx->record_count;
	int t, rc;

	demo_uuid(&ctx->rng, r->id);
	r->property = pick_property(ctx);
	t = pick_template(ctx, r->property);
	r->title = is_untitled ? NULL : templates[t].title;
	r->actor = demo_pick_editor(ctx, r->property);
	r->creator = has_creator ? r->actor : -1;
	r->is_draft = is_draft && !is_deleted;
	r->is_deleted = is_deleted;
	r->created_at = created_at;
	r->updated_at = created_at;
	if (!is_draft || is_deleted)
		r->updated_at =
		    created_at +
		    demo_rng_between(&ctx->rng, 0, 96) * MS_PER_HOUR;
	if (r->updated_at > ctx->now)
		r->updated_at = ctx->now;
	ctx->record_count++;
	if ((rc = insert_record(ctx, r, &templates[t],
				is_draft ? "draft" : "complete")))
		return rc;
	return insert_documents(ctx, index, &templates[t], is_draft);
}

static int fill_comment(struct demo_ctx *ctx, int record)
{
	const struct demo_record_info *r = &ctx->records[record];
	struct demo_comment_info *c = &ctx->comments[ctx->comment_count];
	int text = (int)demo_rng_between(&ctx->rng, 0, 9);
	int mentioned = (int)demo_rng_between(&ctx->rng, -2, DEMO_USERS - 1);
	char content[256];
	int rc;

	demo_uuid(&ctx->rng, c->id);
	c->record = record;
	c->author = demo_pick_editor(ctx, r->property);
	c->created_at =
	    r->created_at + demo_rng_between(&ctx->rng, 1, 72) * MS_PER_HOUR;
	if (c->created_at > ctx->now)
		c->created_at = ctx->now - MS_PER_MINUTE;
	if (mentioned == c->author)
		mentioned = -1;
	if (mentioned >= 0)
		snprintf(content, sizeof(content), "@%s %s",
			 demo_user_name(mentioned), comment_texts[text]);
	else
		snprintf(content, sizeof(content), "%s", comment_texts[text]);
	{
		struct demo_comment row = {.id = c->id,
					   .zaznam_id = r->id,
					   .author_user_id =
					       ctx->users[c->author],
					   .content = content,
					   .created_at = c->created_at};
		if ((rc = demo_insert_comment(ctx->db, &row, ctx->e)))
			return rc;
	}
	ctx->comment_count++;
	ctx->counts->comments++;
	if (mentioned < 0)
		return 0;
	if ((rc = demo_insert_mention(ctx->db, c->id, ctx->users[mentioned],
				      ctx->e)))
		return rc;
	ctx->counts->comment_mentions++;
	return 0;
}

_Static_assert(DRAFT_COUNT < DEMO_RECORDS, "more drafts than records");

int demo_fill_records(struct demo_ctx *ctx)
{
	int completed = DEMO_RECORDS - DRAFT_COUNT;
	int rc;

	for (int i = 0; i < DRAFT_COUNT; i++)
		if ((rc = fill_one(
			 ctx, ctx->now - drafts[i].age_minutes * MS_PER_MINUTE,
			 1, drafts[i].has_creator, drafts[i].is_deleted,
			 drafts[i].is_untitled)))
			return rc;
	for (int i = 0; i < completed; i++) {
		/* Two recent ones without created_by, like the drafts above. */
		int64_t age =
		    i < 2 ? 12 + 50 * i : demo_rng_between(&ctx->rng, 1, 730);
		int64_t at =
		    ctx->now - age * MS_PER_DAY -
		    demo_rng_between(&ctx->rng, 0, 600) * MS_PER_MINUTE;

		if ((rc = fill_one(ctx, at, 0, i >= 2, i == completed - 1, 0)))
			return rc;
	}
	for (int i = 0; i < DEMO_MAX_COMMENTS * 3 / 4; i++)
		if ((rc = fill_comment(
			 ctx, (int)demo_rng_between(&ctx->rng, 0,
						    ctx->record_count - 1))))
			return rc;
	return 0;
}
