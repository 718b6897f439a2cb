#include "agent/repositories.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/partition.h"
#include "util/buf.h"
#include "util/map.h"
#include "util/names.h"
#include "registry/listing.h"
#include "util/regular_file.h"

/* A catalog file is a list of names; 64 MiB is far past any real one. */
#define CATALOG_FILE_CAP (64u * 1024u * 1024u)

static int collect(const char *name, void *data)
{
	return drg_strvec_push(data, name);
}

static int read_file(const char *path, struct drg_buf *buf, char *err,
		     size_t errlen)
{
	struct stat sb;
	int fd = drg_regular_file_open(path, "catalogFile", &sb, err, errlen);
	char chunk[65536];
	ssize_t n = 0;
	int rc = 0;

	if (fd < 0)
		return -1;
	while (rc == 0 && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		rc = n < 0 ? -1 : drg_buf_append(buf, chunk, (size_t)n);
	}
	if (rc != 0) {
		snprintf(err, errlen, "catalogFile %s: %s", path,
			 n < 0 ? strerror(errno) : "too large");
		rc = -1;
	}
	close(fd);
	return rc;
}

int drg_repositories_read_catalog_file(const char *path, struct drg_strvec *out,
				       char *err, size_t errlen)
{
	struct drg_buf buf;
	char why[256];
	int rc;

	drg_buf_init(&buf, CATALOG_FILE_CAP);
	rc = read_file(path, &buf, err, errlen);
	if (rc == 0 && drg_listing_parse(drg_buf_str(&buf), buf.len,
					 DRG_LISTING_REPOSITORIES, collect, out,
					 why, sizeof(why)) != 0) {
		snprintf(err, errlen, "Unable to read catalog file %s: %s", path, why);
		rc = -1;
	}
	drg_buf_release(&buf);
	return rc;
}

/* Every repository the account names, before filtering and partition. */
static int32_t all_repositories(const struct drg_account *acct,
				struct drg_registry *reg, struct drg_strvec *all,
				char *err, size_t errlen)
{
	size_t i;

	if (acct->repository_count) {
		for (i = 0; i < acct->repository_count; i++)
			if (drg_strvec_push(all, acct->repositories[i]) != 0)
				return CDH_E_NOMEM;
		return CDH_OK;
	}
	/* The file is read again every cycle, so fixing it heals the agent:
	 * transient (backoff), not a config error that waits for a reload. */
	if (acct->catalog_file)
		return drg_repositories_read_catalog_file(acct->catalog_file, all,
							  err, errlen) == 0
			       ? CDH_OK
			       : CDH_E_TRANSIENT;
	return drg_registry_list_catalog(reg, collect, all, err, errlen);
}

int32_t drg_repositories_owned(const struct drg_account *acct,
			       struct drg_registry *reg, uint32_t index,
			       struct drg_strvec *out, struct drg_strvec *invalid,
			       char *err, size_t errlen)
{
	struct drg_strvec all = { 0 };
	int32_t rc = all_repositories(acct, reg, &all, err, errlen);
	/* The names seen, for de-duplication in one probe each: a scan of
	 * `out` per name was quadratic in the catalog's size. */
	struct drg_map *seen = rc == CDH_OK ? drg_map_new() : NULL;
	size_t i;

	if (rc == CDH_OK && !seen)
		rc = CDH_E_NOMEM;
	for (i = 0; rc == CDH_OK && i < all.count; i++) {
		const char *repo = all.items[i];

		if (!drg_account_wants_repository(acct, repo) ||
		    !drg_partition_owns(repo, index, acct->cache_threads))
			continue;
		if (!drg_name_valid_repository(repo)) {
			if (drg_strvec_push(invalid, repo) != 0)
				rc = CDH_E_NOMEM;
			continue;
		}
		if (drg_map_get(seen, repo))
			continue;
		/* The key is borrowed from `all`, which outlives the map. */
		if (drg_map_put(seen, repo, (void *)repo, NULL) != 0 ||
		    drg_strvec_push(out, repo) != 0)
			rc = CDH_E_NOMEM;
	}
	drg_map_free(seen);
	if (rc == CDH_E_NOMEM)
		snprintf(err, errlen, "out of memory");
	drg_strvec_release(&all);
	return rc;
}
