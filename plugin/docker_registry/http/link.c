#include "http/link.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/url.h"

#define URL_MAX 8192

static int is_ows(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* 1 when a relation-type list (already unquoted) names "next". */
static int rels_have_next(const char *v, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t start, len;

		while (i < n && is_ows(v[i]))
			i++;
		start = i;
		while (i < n && !is_ows(v[i]))
			i++;
		len = i - start;
		if (len == 4 && strncasecmp(v + start, "next", 4) == 0)
			return 1;
	}
	return 0;
}

/* Parameters of one link-value run from after '>' to `end`. */
static int params_have_next(const char *p, const char *end)
{
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *stop = semi ? semi : end;
		const char *v;
		size_t n;

		while (p < stop && is_ows(*p))
			p++;
		if ((size_t)(stop - p) > 3 && strncasecmp(p, "rel", 3) == 0) {
			v = p + 3;
			while (v < stop && is_ows(*v))
				v++;
			if (v < stop && *v == '=') {
				v++;
				while (v < stop && is_ows(*v))
					v++;
				n = (size_t)(stop - v);
				while (n && (is_ows(v[n - 1]) || v[n - 1] == ','))
					n--;
				if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
					v++, n -= 2;
				if (rels_have_next(v, n))
					return 1;
			}
		}
		p = stop + 1;
	}
	return 0;
}

int drg_link_next(const char *value, char *out, size_t outlen)
{
	const char *p = value;

	while (p && (p = strchr(p, '<')) != NULL) {
		const char *close = strchr(p + 1, '>');
		const char *next;
		size_t len;

		if (!close)
			return 0;
		/* The params run to the next '<' (the next link-value). */
		next = strchr(close + 1, '<');
		if (params_have_next(close + 1,
				     next ? next : close + strlen(close))) {
			len = (size_t)(close - p - 1);
			while (len && is_ows(p[1]))
				p++, len--;
			while (len && is_ows(p[len]))
				len--;
			if (len + 1 > outlen)
				return -1;
			memcpy(out, p + 1, len);
			out[len] = '\0';
			return 1;
		}
		p = next;
	}
	return 0;
}

/* Puts the registry's origin in front of url's path and query. */
static int rebase_origin(const char *registry, const char *url, char *out,
			 size_t outlen)
{
	struct drg_url_parts r, u;
	int n;

	if (drg_url_split(registry, &r) != 0 || drg_url_split(url, &u) != 0)
		return -1;
	n = snprintf(out, outlen, "%.*s%s", (int)(r.path - r.scheme),
		     r.scheme, u.path);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

/* Re-applies registry's base path when url's path starts at /v2/. */
static int reapply_base(const char *registry, const char *url, char *out,
			size_t outlen)
{
	struct drg_url_parts r, u;
	size_t base_len;
	int n;

	if (drg_url_split(registry, &r) != 0 || drg_url_split(url, &u) != 0)
		return -1;
	base_len = r.path_len;
	while (base_len && r.path[base_len - 1] == '/')
		base_len--;
	if (base_len == 0 || strncmp(u.path, "/v2/", 4) != 0 ||
	    (u.path_len >= base_len && strncmp(u.path, r.path, base_len) == 0))
		n = snprintf(out, outlen, "%s", url);
	else
		n = snprintf(out, outlen, "%.*s%.*s%s",
			     (int)(u.path - u.scheme), u.scheme, (int)base_len,
			     r.path, u.path);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

int drg_link_resolve(const char *request_url, const char *registry,
		     const char *target, char *out, size_t outlen)
{
	char resolved[URL_MAX], same[URL_MAX];

	if (drg_url_resolve(request_url, target, resolved, sizeof(resolved)))
		return -1;
	if (drg_url_same_origin(resolved, registry)) {
		if (snprintf(same, sizeof(same), "%s", resolved) >=
		    (int)sizeof(same))
			return -1;
	} else if (rebase_origin(registry, resolved, same, sizeof(same))) {
		return -1;
	}
	return reapply_base(registry, same, out, outlen);
}
