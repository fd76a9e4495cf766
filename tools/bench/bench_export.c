/*
 * bench_export.c - export_data of a user with 1 GB of documents.
 *
 * Generates JPEG-like random files (fixed seed, 1-8 MB each, a JPEG
 * header then noise, which deflate cannot shrink) into a temp storage
 * root, runs the export_data job step by step as the daemon would, and
 * times it against `zip -0 -r` over the same files. Prints the figures
 * and the peak RSS of this process (getrusage ru_maxrss; goal <= 20 MB).
 * BENCH_EXPORT_MB sets the total size (default 1024) for quick runs.
 */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "base/clock.h"
#include "config/config.h"
#include "db/db.h"
#include "demo/demo.h"
#include "base/err.h"
#include "core/job.h"
#include "jobs/registry.h"
#include "core/services.h"
#include "storage/storage.h"

#define USER "11111111-1111-4111-8111-111111111111"
#define NOW INT64_C(1795898717000)
#define CHUNK (1024 * 1024)

static uint64_t rng_state = UINT64_C(0x9E3779B97F4A7C15);

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static int write_file(const char *path, int64_t size, char *chunk)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	for (int64_t done = 0; done < size;) {
		size_t n = size - done < CHUNK ? (size_t)(size - done) : CHUNK;

		for (size_t i = 0; i < n; i += 8) {
			uint64_t v = rng();

			memcpy(chunk + i, &v, n - i < 8 ? n - i : 8);
		}
		if (done == 0)
			memcpy(chunk, "\xff\xd8\xff\xe0\0\x10JFIF", 10);
		if (fwrite(chunk, 1, n, f) != n) {
			fclose(f);
			return -1;
		}
		done += (int64_t)n;
	}
	return fclose(f);
}

static int generate(sqlite3 *db, const char *root, int64_t total, int *files)
{
	struct err e;
	char path[512], key[256], id[64];
	char *chunk = malloc(CHUNK);
	int64_t done = 0;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/documents/p1/r1", root);
	if (!chunk || demo_insert_user(db, &(struct demo_user){.id = USER,
		.email = "bench@example.cz", .created_at = NOW}, &e) ||
	    demo_insert_project(db, &(struct demo_project){.id = "p0",
		.owner_id = USER, .name = "Bench", .created_at = NOW}, &e) ||
	    demo_insert_property(db, &(struct demo_property){.id = "p1",
		.project_id = "p0", .name = "Bench", .created_at = NOW}, &e) ||
	    demo_insert_record(db, &(struct demo_record){.id = "r1",
		.property_id = "p1", .created_at = NOW}, &e))
		rc = -1;
	snprintf(key, sizeof(key), "mkdir -p '%s'", path);
	if (!rc && system(key) != 0)
		rc = -1;
	db_exec(db, "BEGIN", NULL);
	for (*files = 0; !rc && done < total; (*files)++) {
		int64_t size = (int64_t)(1 + rng() % 8) * 1024 * 1024 -
			       (int64_t)(rng() % 4096);

		if (size > total - done)
			size = total - done;
		snprintf(key, sizeof(key), "documents/p1/r1/%05d.jpg", *files);
		snprintf(id, sizeof(id), "d%05d", *files);
		snprintf(path, sizeof(path), "%s/%s", root, key);
		if (write_file(path, size, chunk) ||
		    demo_insert_document(db, &(struct demo_document){.id = id,
			.zaznam_id = "r1", .storage_key = key, .type = "photo",
			.mime_type = "image/jpeg", .size_bytes = size,
			.created_at = NOW}, &e))
			rc = -1;
		done += size;
	}
	db_exec(db, "COMMIT", NULL);
	free(chunk);
	return rc;
}

static int run_export(sqlite3 *db, struct config *cfg, struct storage *st,
		      int64_t *steps, struct job_ctx *ctx)
{
	const struct job_type *jt = job_type_find(job_registry, "export_data");
	struct services sv = {.storage = st};
	cJSON *payload = cJSON_Parse("{\"userId\":\"" USER "\"}");
	struct err e = {0};
	int rc;

	memset(ctx, 0, sizeof(*ctx));
	ctx->db = db;
	ctx->cfg = cfg;
	ctx->services = &sv;
	ctx->payload = payload;
	ctx->now = NOW;
	ctx->attempt = 1;
	rc = jt->start(ctx, &e);
	for (*steps = 0; rc >= 0 && (rc == 0 || rc == JOB_AGAIN); ++*steps) {
		rc = jt->step(ctx, &e);
		if (rc == JOB_DONE)
			break;
	}
	jt->finish(ctx);
	cJSON_Delete(payload);
	if (rc < 0)
		fprintf(stderr, "export failed: %s\n", e.msg);
	return rc < 0 ? rc : 0;
}

static int rm_entry(const char *p, const struct stat *sb, int f, struct FTW *w)
{
	(void)sb;
	(void)f;
	(void)w;
	return remove(p);
}

int main(void)
{
	const char *env = getenv("BENCH_EXPORT_MB");
	int64_t mb = env ? atoll(env) : 1024, steps = 0, t0, t_export, t_zip;
	char dir[] = "/tmp/bench-export-XXXXXX", path[600], cmd[1400];
	struct config cfg;
	struct storage *st = NULL;
	struct job_ctx ctx;
	struct rusage ru;
	struct err e;
	sqlite3 *db = NULL;
	int files = 0, rc = 1;

	if (mb < 1 || !mkdtemp(dir))
		return 1;
	clock_fix(NOW);
	config_defaults(&cfg);
	cfg.jobs.export_data.max_size_bytes = INT64_C(1) << 40;
	snprintf(path, sizeof(path), "%s/app.db", dir);
	if (db_open(path, &(struct db_options){.create = 1}, &db, &e) ||
	    db_migrate(db, NULL, NULL, &e))
		goto done;
	snprintf(path, sizeof(path), "%s/storage", dir);
	mkdir(path, 0700);
	if (storage_open_local(path, &st, &e) ||
	    generate(db, path, mb * 1024 * 1024, &files))
		goto done;
	t0 = clock_mono();
	if (run_export(db, &cfg, st, &steps, &ctx))
		goto done;
	t_export = clock_mono() - t0;
	getrusage(RUSAGE_SELF, &ru);
	snprintf(cmd, sizeof(cmd), "cd '%s' && zip -q -0 -r '%s/plain.zip' "
		 "documents", path, dir);
	t0 = clock_mono();
	if (system(cmd) != 0)
		goto done;
	t_zip = clock_mono() - t0;
	printf("bench_export: %d files, %lld MB, %lld steps\n", files,
	       (long long)mb, (long long)steps);
	printf("  export_data (zip): %lld ms (%.0f MB/s), %lld bytes\n",
	       (long long)t_export, t_export ? mb * 1000.0 / t_export : 0.0,
	       (long long)job_count_get(&ctx, "bytes"));
	printf("  zip -0 -r:         %lld ms (%.0f MB/s)\n", (long long)t_zip,
	       t_zip ? mb * 1000.0 / t_zip : 0.0);
	/* Children's maxrss would show the forked shell's copy of ours. */
	printf("  peak RSS: %ld kB (goal <= 20480 kB)\n", ru.ru_maxrss);
	rc = 0;
done:
	if (rc)
		fprintf(stderr, "bench_export: setup failed: %s\n", e.msg);
	storage_close(st);
	db_close(db);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
