/*
 * token - the token server's JSON answer (distribution docs/spec/auth/
 * token.md §"Token Response Fields") and a per-scope cache of the tokens.
 *
 * Answer rules (registry-protocol.md §2.5): take `token` when non-empty,
 * else `access_token`; neither is an error. `expires_in` defaults to 60 s
 * and is raised to 60 s ("a token should never be returned with less than
 * 60 seconds to live"). `issued_at` is ignored: expiry counts from local
 * receipt, which also sidesteps a token server's skewed clock. The token is
 * opaque: never decoded.
 *
 * The cache keys tokens by the scope string they were asked for; an entry
 * is good until `expires_in` minus a safety margin after it was stored.
 * Time is the caller's monotonic clock in ns, so tests control it.
 */
#ifndef DRG_TOKEN_H
#define DRG_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define DRG_TOKEN_MIN_LIFETIME_S 60
/* Renew this long before expiry, so a token never dies in flight. */
#define DRG_TOKEN_MARGIN_S 10

/*
 * Parses a token answer of `len` bytes. On 0, *token is a new string (caller
 * frees) and *expires_in_s >= 60. On -1, `err` says why (no token text).
 */
int drg_token_parse(const char *body, size_t len, char **token,
		    int64_t *expires_in_s, char *err, size_t errlen);

struct drg_token_cache;

/* NULL when out of memory. */
struct drg_token_cache *drg_token_cache_new(void);
void drg_token_cache_free(struct drg_token_cache *cache);

/* The token for `key` still good at `now_ns`, or NULL. Borrowed until the
 * next put/drop/free of that key. */
const char *drg_token_cache_get(struct drg_token_cache *cache, const char *key,
				uint64_t now_ns);

/* Stores a copy of `token` for `key`. 0, or -1 when out of memory. */
int drg_token_cache_put(struct drg_token_cache *cache, const char *key,
			const char *token, int64_t expires_in_s,
			uint64_t now_ns);

/* Forgets `key` (after a 401 said the token is no good: clouddriver#2888). */
void drg_token_cache_drop(struct drg_token_cache *cache, const char *key);

#endif
