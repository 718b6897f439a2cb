/*
 * records - Clouddriver's cache records for one tag, exactly as its
 * DockerRegistryImageCachingAgent writes them (Keys.groovy):
 *   dockerRegistry:taggedImage:<account>:<repository>:<tag>
 *     name, account, digest (manifest digest, when known), date
 *     {"epochSecond","nano"} (sortTagsByDate), labels and our configDigest
 *     (inspectDigests)
 *   dockerRegistry:imageId:<registry>/<repository>:<tag>
 *     tagKey, account
 */
#ifndef DRG_RECORDS_H
#define DRG_RECORDS_H

#include <stdint.h>

#include "account/account.h"
#include "cdh_plugin.h"
#include "agent/memo.h"

/*
 * Emits both records of `repository:tag` for `account` with what the memo
 * entry knows (may be NULL). Returns CDH_OK or the host's error.
 */
int32_t drg_records_emit_tag(const struct cdh_host_api *api,
			     struct cdh_refresh *refresh,
			     const struct drg_account *account,
			     const char *repository, const char *tag,
			     const struct drg_memo_entry *facts);

/*
 * Parses an RFC 3339 time ("2021-03-04T05:06:07.123Z", "+02:00" offsets)
 * into epoch seconds and nanoseconds. 0 ok, -1 not a time.
 */
int drg_records_parse_time(const char *text, int64_t *epoch_second,
			   int32_t *nano);

#endif
