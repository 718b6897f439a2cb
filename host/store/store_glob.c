/*
 * store_glob - Redis' glob (KEYS/SCAN MATCH, which CATS' Cache.filterIdentifiers
 * passes through): `*` any run, `?` any byte, `[abc]`, `[^a-z]`, `\x` a
 * literal x. Matching is byte-wise. Star matching keeps one backtrack point
 * (every other element consumes exactly one byte), so it is linear-ish and a
 * hostile pattern cannot make it explode as naive recursion would.
 */
#include <string.h>

#include "store/store.h"

/* Does the class starting after '[' at *pp take byte c? Leaves *pp after ']'. */
static int match_class(const char **pp, unsigned char c)
{
	const char *p = *pp;
	int negate = 0, hit = 0;

	if (*p == '^') {
		negate = 1;
		p++;
	}
	while (*p && *p != ']') {
		unsigned char lo, hi;

		if (*p == '\\' && p[1])
			p++;
		lo = hi = (unsigned char)*p;
		if (p[1] == '-' && p[2] && p[2] != ']') {
			p += 2;
			if (*p == '\\' && p[1])
				p++;
			hi = (unsigned char)*p;
			if (lo > hi) {
				unsigned char t = lo;

				lo = hi, hi = t;
			}
		}
		if (c >= lo && c <= hi)
			hit = 1;
		p++;
	}
	*pp = *p ? p + 1 : p; /* an unterminated class ends the pattern */
	return negate ? !hit : hit;
}

/* Matches the one-byte element at *pp against c, moving *pp past it. */
static int match_element(const char **pp, unsigned char c)
{
	const char *p = *pp;

	switch (*p) {
	case '?':
		*pp = p + 1;
		return 1;
	case '[':
		*pp = p + 1;
		return match_class(pp, c);
	case '\\':
		if (p[1])
			p++;
		/* fall through */
	default:
		*pp = p + 1;
		return (unsigned char)*p == c;
	}
}

int cdh_store_glob_match(const char *glob, const char *text)
{
	const char *p = glob, *t = text;
	const char *star_p = NULL, *star_t = NULL;

	while (*t) {
		const char *next = p;

		if (*p == '*') {
			while (*p == '*')
				p++;
			star_p = p, star_t = t;
			continue;
		}
		if (*p && match_element(&next, (unsigned char)*t)) {
			p = next, t++;
			continue;
		}
		if (!star_p)
			return 0;
		p = star_p, t = ++star_t; /* the star takes one byte more */
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}
