#include "auth/token_scope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int drg_token_scope_repository(const char *name, const char *actions, char *out,
			 size_t outlen)
{
	int n = snprintf(out, outlen, "repository:%s:%s", name, actions);

	return n > 0 && (size_t)n < outlen ? 0 : -1;
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
