/*
 * images - Clouddriver's DockerRegistryImageLookupController over the host's
 * cache (ABI 1.1 read API): /dockerRegistry/images/tags and /find, byte for
 * byte as Clouddriver answers them (reference §5), written to the query's
 * stream as they are read, never built whole.
 */
#ifndef DRG_IMAGES_H
#define DRG_IMAGES_H

#include "cdh_plugin.h"

/* /find parameters; NULL/0 = not given. */
struct drg_find_params {
	const char *q;          /* glob (*, ?, [..]) inside <registry>/<repo>:<tag> */
	const char *account;
	const char *repository; /* exact */
	const char *tag;        /* exact */
	long count;             /* at most this many, after filtering; <= 0: all */
	int include_details;    /* commitId, buildNumber, branch, labels */
};

/*
 * The JSON array of one repository's tags: newest first when the records
 * carry dates (undated last), else by tag. Answers through `q`; returns
 * CDH_OK, or an error when the cache could not be read (nothing written).
 */
int32_t drg_images_tags(const struct cdh_host_api *host, struct cdh_query *q,
			const char *account, const char *repository);

/*
 * Clouddriver's image objects as a JSON array, in key order. Only accounts
 * the host says are configured now (q->account) are answered, with their
 * registry; rows the user may not read (q->can_read) are left out. Unlike
 * Clouddriver, repository and tag always filter, digest is returned
 * whenever known, and count applies after filtering.
 */
int32_t drg_images_find(const struct cdh_host_api *host, struct cdh_query *q,
			const struct drg_find_params *params);

/* `text` with the glob metacharacters escaped, into out. -1 when too long. */
int drg_glob_escape(const char *text, char *out, size_t outlen);

#endif
