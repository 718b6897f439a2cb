/*
 * token_scope - token scope strings (distribution docs/spec/auth/scope.md):
 *   scope := resourcescope [ ' ' resourcescope ]*
 *   resourcescope := type ":" name ":" action [ "," action ]*
 * A name may hold "host:port/", so the type ends at the FIRST ':' and the
 * actions start after the LAST ':'.
 */
#ifndef DRG_TOKEN_SCOPE_H
#define DRG_TOKEN_SCOPE_H

#include <stddef.h>

#include "util/strvec.h"

/*
 * "repository:<name>:<actions>" into out. 0, or -1 (out "") when it does not
 * fit or the name could change the scope's structure: empty, or holding a
 * space, a control character or ':' (a catalog entry "x repository:y:push"
 * must not become a second scope; no repository name has any of them).
 */
int drg_token_scope_repository(const char *name, const char *actions, char *out,
			 size_t outlen);

/*
 * What a read-only client asks for when a challenge names `scopes`
 * (insufficient_scope): each "repository:<name>:<any actions>" becomes
 * "repository:<name>:pull", "registry:catalog:<any>" becomes
 * DRG_TOKEN_SCOPE_CATALOG, anything else (other types, invalid names) is
 * dropped: the account's credentials never ask for push or delete because
 * a registry said so. Space-separated into out, "" when nothing is left.
 * 0, or -1 (out "") when it does not fit.
 */
int drg_token_scope_read_only(const char *scopes, char *out, size_t outlen);

/* "registry:catalog:*", what _catalog needs (the action is a literal '*'). */
#define DRG_TOKEN_SCOPE_CATALOG "registry:catalog:*"

/* Views into one resource scope; nothing is copied. */
struct drg_token_scope_view {
	const char *type;
	size_t type_len;
	const char *name;
	size_t name_len;
	const char *actions;
	size_t actions_len;
};

/*
 * Splits one resource scope of `len` bytes. Returns 0, or -1 when it has
 * fewer than two ':' or an empty type.
 */
int drg_token_scope_parse(const char *s, size_t len, struct drg_token_scope_view *out);

/*
 * Adds each space-separated scope of `scopes` to `vec` unless already
 * there (exact match). 0, or -1 when out of memory.
 */
int drg_token_scope_add_unique(struct drg_strvec *vec, const char *scopes);

#endif
