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

/* "repository:<name>:<actions>" into out. 0, or -1 when it does not fit. */
int drg_token_scope_repository(const char *name, const char *actions, char *out,
			 size_t outlen);

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
