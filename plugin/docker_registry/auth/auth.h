/*
 * auth - how one registry client authenticates (registry-protocol.md §2):
 * the challenge remembered from GET /v2/, the account's credentials (from
 * the credentials callback, fetched lazily and renewed after a failure),
 * Basic headers, token-request URLs, and the per-scope token cache.
 *
 * Credential policy: registry credentials go to the registry itself, and to
 * a token realm only over https, or over http when the realm has the
 * registry's own origin (scheme, host and port: another port of the host may
 * be another user's server) and the registry itself is plain http (a
 * loopback or lab set-up). Never over plain http to another origin, never
 * https -> http.
 *
 * Secrets live only here and in request headers; both are wiped when freed;
 * no function writes one to an error buffer.
 */
#ifndef DRG_AUTH_H
#define DRG_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "auth/challenge.h"
#include "credentials/credentials_fn.h"
#include "util/strvec.h"
#include "auth/token.h"

/* How requests to the registry authenticate. */
#define DRG_AUTH_MODE_UNKNOWN 0 /* GET /v2/ not answered yet */
#define DRG_AUTH_MODE_NONE 1    /* /v2/ said 200 */
#define DRG_AUTH_MODE_BASIC 2
#define DRG_AUTH_MODE_BEARER 3

struct drg_auth;

/* `registry` is the base address (copied). NULL when out of memory. */
struct drg_auth *drg_auth_new(const char *registry, drg_credentials_fn fn,
			      void *ctx);
void drg_auth_free(struct drg_auth *auth);

int drg_auth_mode(const struct drg_auth *auth);
void drg_auth_set_mode(struct drg_auth *auth, int mode);

/*
 * Adopts `c` as the registry's challenge (mode Bearer or Basic); a relative
 * realm is resolved against `request_url`. 0, -1 when the realm is not a
 * usable URL (err says so), -2 when out of memory.
 */
int drg_auth_adopt(struct drg_auth *auth, const struct drg_challenge *c,
		   const char *request_url, char *err, size_t errlen);

/*
 * "Basic <base64(user:pass)>" into out. Returns 1 done, 0 anonymous (no
 * credentials: out is ""), -1 when the credentials callback failed or the
 * header does not fit (err says why).
 */
int drg_auth_basic(struct drg_auth *auth, char *out, size_t outlen, char *err,
		   size_t errlen);

/* Whether credentials may be sent to `url` (policy above). */
int drg_auth_may_send_credentials(const struct drg_auth *auth,
				  const char *url);

/* After a 401 that credentials caused: the next use asks the callback for
 * fresh ones (once per drg_auth_reset_renewals). */
void drg_auth_credentials_failed(struct drg_auth *auth);
/* The username last loaded ("" before any): not a secret, for messages. */
const char *drg_auth_user(const struct drg_auth *auth);
void drg_auth_reset_renewals(struct drg_auth *auth);

/*
 * The token request URL for `scopes` (one `scope=` each, as the spec says;
 * the realm's own query is kept), with service= when the challenge named
 * one. 0, or -1 when it does not fit or no Bearer challenge is known.
 */
int drg_auth_token_url(const struct drg_auth *auth,
		       const struct drg_strvec *scopes, char *url,
		       size_t urllen);

/* The token cache (owned by auth). */
struct drg_token_cache *drg_auth_tokens(struct drg_auth *auth);

#endif
