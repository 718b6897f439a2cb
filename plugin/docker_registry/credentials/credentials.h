/*
 * credentials - the username and password an account presents, from
 * whichever source it names: `password`, `passwordFile`, `passwordCommand`
 * or `dockerconfigFile` (or none: anonymous).
 *
 * What is cached, and when it is fetched again:
 *   password         the configured value; nothing to renew.
 *   passwordFile     read when first needed, again whenever the file changes
 *                    (inode, size or mtime) and on renew. One trailing
 *                    newline is stripped (editors add one; Clouddriver keeps
 *                    it and fails). A file group or others can read is
 *                    warned about.
 *   passwordCommand  fed to `/bin/sh -s` on its stdin (not `sh -c`: `ps` shows
 *                    every process's arguments to every local user), in its
 *                    own process group, killed after
 *                    passwordCommandTimeoutSeconds (30). Output trimmed
 *                    of surrounding whitespace and cached for 5 minutes or
 *                    until a renew. Non-zero exit, a timeout or empty output
 *                    is an error carrying a stderr excerpt (never stdout);
 *                    a failure is remembered for 10 s so that parallel
 *                    workers do not each wait for a hanging command.
 *   dockerconfigFile see dockerconfig.h; the file is re-read when it changes,
 *                    helper answers are cached like a passwordCommand's.
 * Renews close together (several workers hitting 401 at once) share one
 * re-fetch: a renew within 1 s of the last renew reuses its result.
 *
 * Thread-safe: one mutex per account; a slow command blocks only callers of
 * the same account, who then share its result.
 *
 * SECRETS: never logged, never in `err`. Stored secrets are wiped when
 * replaced or freed.
 */
#ifndef DRG_CREDENTIALS_H
#define DRG_CREDENTIALS_H

#include <stddef.h>
#include <stdint.h>

#include "account/account.h"
#include "cdh_plugin.h"
#include "credentials/credentials_fn.h"

/* Cached passwordCommand / credential helper results live this long. */
#define DRG_CREDENTIALS_TTL_NS (300ull * 1000000000ull)
/* A failed fetch is answered from memory this long. */
#define DRG_CREDENTIALS_FAILURE_HOLD_NS (10ull * 1000000000ull)
/* Renews closer than this to the last one share its result. */
#define DRG_CREDENTIALS_RENEW_DEBOUNCE_NS (1000000000ull)
/* Longest password accepted from a file or command. */
#define DRG_CREDENTIALS_SECRET_MAX (64u * 1024u)

struct drg_credentials;

/*
 * The credentials of `account` (which it copies what it needs from; the
 * account may be freed first). `api` is borrowed until free (clock, log).
 * Nothing is read or run until the first get. NULL when out of memory.
 */
struct drg_credentials *drg_credentials_new(const struct drg_account *account,
					    const struct cdh_host_api *api);

void drg_credentials_free(struct drg_credentials *creds);

/* A drg_credentials_fn; `creds` is a struct drg_credentials *. */
int drg_credentials_get(void *creds, int renew, char *user, size_t userlen,
			char *pass, size_t passlen, char *err, size_t errlen);

/*
 * "none", "password", "passwordFile", "passwordCommand" or
 * "dockerconfigFile": where the account's credentials come from.
 */
const char *drg_credentials_source(const struct drg_credentials *creds);

#endif
