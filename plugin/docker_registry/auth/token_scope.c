#include "auth/token_scope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int name_ok(const char *name, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (ch <= ' ' || ch == 0x7f || ch == ':')
			return 0;
	}
	return 1;
}

int drg_token_scope_repository(const char *name, const char *actions, char *out,
			 size_t outlen)
{
	int n = -1;

	if (name_ok(name, strlen(name)))
		n = snprintf(out, outlen, "repository:%s:%s", name, actions);
	if (n > 0 && (size_t)n < outlen)
		return 0;
	if (outlen)
		out[0] = '\0';
	return -1;
}

/* Appends the read-only form of one resource scope (or nothing). */
static int append_read_only(const struct drg_token_scope_view *v, char *out,
			    size_t outlen, size_t *used)
{
	int n = 0;
	const char *sep = *used ? " " : "";

	if (v->type_len == 10 && memcmp(v->type, "repository", 10) == 0 &&
	    name_ok(v->name, v->name_len))
		n = snprintf(out + *used, outlen - *used, "%srepository:%.*s:pull",
			     sep, (int)v->name_len, v->name);
	else if (v->type_len == 8 && memcmp(v->type, "registry", 8) == 0 &&
		 v->name_len == 7 && memcmp(v->name, "catalog", 7) == 0)
		n = snprintf(out + *used, outlen - *used, "%s%s", sep,
			     DRG_TOKEN_SCOPE_CATALOG);
	if (n < 0 || (size_t)n >= outlen - *used)
		return -1;
	*used += (size_t)n;
	return 0;
}

int drg_token_scope_read_only(const char *scopes, char *out, size_t outlen)
{
	struct drg_token_scope_view v;
	const char *p = scopes;
	size_t used = 0, len;

	if (outlen == 0)
		return -1;
	out[0] = '\0';
	while (*p) {
		p += strspn(p, " ");
		len = strcspn(p, " ");
		if (len && drg_token_scope_parse(p, len, &v) == 0 &&
		    append_read_only(&v, out, outlen, &used) != 0) {
			out[0] = '\0';
			return -1;
		}
		p += len;
	}
	return 0;
}

int drg_token_scope_parse(const char *s, size_t len, struct drg_token_scope_view *out)
{
	const char *first = memchr(s, ':', len);
	const char *last = NULL;

	memset(out, 0, sizeof(*out));
	for (size_t i = len; i > 0; i--) {
		if (s[i - 1] == ':') {
			last = s + i - 1;
			break;
		}
	}
	if (!first || first == s || last == first)
		return -1;
	out->type = s;
	out->type_len = (size_t)(first - s);
	out->name = first + 1;
	out->name_len = (size_t)(last - first - 1);
	out->actions = last + 1;
	out->actions_len = len - (size_t)(last + 1 - s);
	return 0;
}

static int has(const struct drg_strvec *vec, const char *s, size_t len)
{
	for (size_t i = 0; i < vec->count; i++)
		if (strlen(vec->items[i]) == len &&
		    memcmp(vec->items[i], s, len) == 0)
			return 1;
	return 0;
}

int drg_token_scope_add_unique(struct drg_strvec *vec, const char *scopes)
{
	const char *p = scopes;

	while (*p) {
		size_t len;
		char *one;
		int rc;

		p += strspn(p, " ");
		len = strcspn(p, " ");
		if (len == 0)
			break;
		if (!has(vec, p, len)) {
			one = strndup(p, len);
			rc = one ? drg_strvec_push(vec, one) : -1;
			free(one);
			if (rc != 0)
				return -1;
		}
		p += len;
	}
	return 0;
}
