/*
 * challenge - RFC 7235 WWW-Authenticate parsing (with RFC 6750's Bearer
 * parameters) and the choice of the challenge this client answers.
 *
 * Handles what registries really send (registry-protocol.md §2.1): scheme and
 * parameter names in any case; quoted-strings with backslash escapes holding
 * ',' ':' '/' (scope="repository:a/b:pull,push"); spaces after commas;
 * several challenges in one header value (`Negotiate, Basic realm="x"`) or in
 * several headers (parse each into the same set); token68 credentials
 * (skipped); a missing service; extra parameters (ECR's Basic service=).
 */
#ifndef DRG_CHALLENGE_H
#define DRG_CHALLENGE_H

#include <stddef.h>

#define DRG_CHALLENGE_MAX 8

/* Scheme kinds; only Basic and Bearer are answered. */
#define DRG_AUTH_NONE 0
#define DRG_AUTH_BASIC 1
#define DRG_AUTH_BEARER 2
#define DRG_AUTH_OTHER 3

/* One challenge; the strings are owned (NULL when the param was absent). */
struct drg_challenge {
	int scheme;
	char *realm;
	char *service;
	char *scope;
	char *error; /* RFC 6750 error=, e.g. invalid_token, insufficient_scope */
};

/* What the response's WWW-Authenticate headers offered, in order. */
struct drg_challenges {
	struct drg_challenge items[DRG_CHALLENGE_MAX];
	size_t count;
};

void drg_challenges_init(struct drg_challenges *set);
void drg_challenges_release(struct drg_challenges *set);

/*
 * Adds the challenges of one header value to `set`. Returns 0, -1 when the
 * value is malformed (challenges parsed before the fault are kept; more than
 * DRG_CHALLENGE_MAX are dropped silently), -2 when out of memory.
 */
int drg_challenges_parse(struct drg_challenges *set, const char *value);

/* The challenge to answer: the first Bearer, else the first Basic, else NULL.
 * Borrowed from `set`. */
const struct drg_challenge *
drg_challenges_pick(const struct drg_challenges *set);

/* Deep copy into *dst (released first). 0, or -1 when out of memory. */
int drg_challenge_copy(struct drg_challenge *dst,
		       const struct drg_challenge *src);
void drg_challenge_release(struct drg_challenge *c);

#endif
