/*
 * storage_open.c - the factory: opens the provider the config names. It
 * is the one file of src/storage that knows every provider and the
 * config, so that storage.c (the generic front) knows neither.
 */
#include "storage/storage.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "config/config.h"

#include <string.h>

int storage_open_configured(const struct config *cfg, struct storage **out,
			    struct err *e)
{
	int rc;

	*out = NULL;
	if (strcmp(cfg->storage.provider, "S3") == 0) {
		struct storage_s3_options s3 = {
		    .endpoint = cfg->storage.s3.endpoint,
		    .region = cfg->storage.s3.region,
		    .bucket = cfg->storage.s3.bucket,
		    .access_key = cfg->storage.s3.access_key,
		    .secret_key = cfg->storage.s3.secret_key,
		    .path_style = cfg->storage.s3.path_style,
		    .ca_file = cfg->tls.ca_file,
		};
		return storage_open_s3(&s3, out, e)
			   ? err_prefix(e, "Storage.S3")
			   : 0;
	}
	if ((rc = fs_mkdirs(cfg->storage.local.root, 0750, e)) ||
	    (rc = storage_open_local(cfg->storage.local.root, out, e)))
		return err_prefix(e, "Storage.Local.Root");
	if (cfg->storage.local.quota_bytes &&
	    (rc = storage_local_set_quota(*out, cfg->storage.local.quota_bytes,
					  e))) {
		storage_close(*out);
		*out = NULL;
		return err_prefix(e, "Storage.Local.QuotaBytes");
	}
	return 0;
}
