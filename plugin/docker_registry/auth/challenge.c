#include "auth/challenge.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* RFC 7230 tchar. */
static int is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* token68 adds '/' and trailing '='. */
static int is_t68char(unsigned char c)
{
	return is_tchar(c) || c == '/';
}

static const char *skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static const char *skip_ows_commas(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	return p;
}

void drg_challenges_init(struct drg_challenges *set)
{
	memset(set, 0, sizeof(*set));
}

void drg_challenge_release(struct drg_challenge *c)
{
	free(c->realm);
	free(c->service);
	free(c->scope);
	free(c->error);
	memset(c, 0, sizeof(*c));
}

void drg_challenges_release(struct drg_challenges *set)
{
	for (size_t i = 0; i < set->count; i++)
		drg_challenge_release(&set->items[i]);
	set->count = 0;
}

/*
 * Reads a quoted-string at *pp (on the '"') into a new unescaped string.
 * 0, -1 when unterminated, -2 when out of memory.
 */
static int read_quoted(const char **pp, char **out)
{
	const char *p = *pp + 1;
	size_t n = 0;
	char *s = malloc(strlen(p) + 1);

	*out = NULL;
	if (!s)
		return -2;
	while (*p && *p != '"') {
		if (*p == '\\' && p[1])
			p++;
		s[n++] = *p++;
	}
	s[n] = '\0';
	if (*p != '"') {
		free(s);
		return -1;
	}
	*pp = p + 1;
	*out = s;
	return 0;
}

/*
 * An unquoted value. RFC 7235 says token, but be lenient and take all up to
 * the next ',' or blank: an unquoted URL is invalid yet harmless to accept.
 */
static int read_bare(const char **pp, char **out)
{
	size_t len = strcspn(*pp, ", \t");

	*out = strndup(*pp, len);
	*pp += len;
	return *out ? 0 : -2;
}

static int scheme_of(const char *name, size_t len)
{
	if (len == 5 && strncasecmp(name, "basic", 5) == 0)
		return DRG_AUTH_BASIC;
	if (len == 6 && strncasecmp(name, "bearer", 6) == 0)
		return DRG_AUTH_BEARER;
	return DRG_AUTH_OTHER;
}

/* Stores a param value, the first occurrence winning. Takes `value`. */
static void store_param(struct drg_challenge *c, const char *name, size_t len,
			char *value)
{
	static const char *const names[] = { "realm", "service", "scope",
					     "error" };
	char **slots[] = { &c->realm, &c->service, &c->scope, &c->error };

	for (size_t i = 0; i < 4; i++) {
		if (len == strlen(names[i]) &&
		    strncasecmp(name, names[i], len) == 0 && !*slots[i]) {
			*slots[i] = value;
			return;
		}
	}
	free(value);
}

/*
 * At p: `name = value`? A token followed by '=' and then a value; a token
 * followed by '='s and then ',' or the end is token68 instead.
 */
static int at_param(const char *p)
{
	const char *q = p;

	while (is_tchar((unsigned char)*q))
		q++;
	if (q == p)
		return 0;
	q = skip_ows(q);
	if (*q != '=')
		return 0;
	q = skip_ows(q + 1);
	return *q != '\0' && *q != ',' && *q != '=';
}

/* Parses `name=value` at *pp into c. 0, -1 malformed, -2 nomem. */
static int parse_param(const char **pp, struct drg_challenge *c)
{
	const char *p = *pp, *name = p;
	size_t len;
	char *value;
	int rc;

	while (is_tchar((unsigned char)*p))
		p++;
	len = (size_t)(p - name);
	p = skip_ows(skip_ows(p) + 1); /* past '=' */
	rc = *p == '"' ? read_quoted(&p, &value) : read_bare(&p, &value);
	if (rc != 0)
		return rc;
	if (c)
		store_param(c, name, len, value);
	else
		free(value);
	*pp = p;
	return 0;
}

/* Skips a token68 credential after a scheme name. */
static const char *skip_token68(const char *p)
{
	while (is_t68char((unsigned char)*p))
		p++;
	while (*p == '=')
		p++;
	return p;
}

int drg_challenges_parse(struct drg_challenges *set, const char *value)
{
	const char *p = value;
	struct drg_challenge *cur = NULL;
	int rc;

	for (p = skip_ows_commas(p); *p; p = skip_ows_commas(p)) {
		if (!is_tchar((unsigned char)*p))
			return -1;
		if (at_param(p)) {
			if (!cur && set->count == 0)
				return -1; /* a parameter before any scheme */
			rc = parse_param(&p, cur);
			if (rc != 0)
				return rc;
			continue;
		}
		{
			const char *name = p;

			while (is_tchar((unsigned char)*p))
				p++;
			cur = NULL;
			if (set->count < DRG_CHALLENGE_MAX) {
				cur = &set->items[set->count++];
				memset(cur, 0, sizeof(*cur));
				cur->scheme = scheme_of(name, (size_t)(p - name));
			}
			p = skip_ows(p);
			if (*p && *p != ',' && !at_param(p))
				p = skip_token68(p);
		}
		if (*p && *p != ',' && *p != ' ' && *p != '\t' &&
		    !is_tchar((unsigned char)*p))
			return -1;
	}
	return 0;
}

const struct drg_challenge *drg_challenges_pick(const struct drg_challenges *set)
{
	for (size_t i = 0; i < set->count; i++)
		if (set->items[i].scheme == DRG_AUTH_BEARER)
			return &set->items[i];
	for (size_t i = 0; i < set->count; i++)
		if (set->items[i].scheme == DRG_AUTH_BASIC)
			return &set->items[i];
	return NULL;
}

static int dup_or_null(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return src && !*dst ? -1 : 0;
}

int drg_challenge_copy(struct drg_challenge *dst,
		       const struct drg_challenge *src)
{
	drg_challenge_release(dst);
	dst->scheme = src->scheme;
	if (dup_or_null(&dst->realm, src->realm) ||
	    dup_or_null(&dst->service, src->service) ||
	    dup_or_null(&dst->scope, src->scope) ||
	    dup_or_null(&dst->error, src->error)) {
		drg_challenge_release(dst);
		return -1;
	}
	return 0;
}
