#include "util/url.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int scheme_is(const char *s, size_t len, const char *want)
{
	return len == strlen(want) && strncasecmp(s, want, len) == 0;
}

static void split_host_port(const char *auth, size_t len,
			    struct drg_url_parts *out)
{
	const char *colon = NULL;
	size_t i = 0;

	/* userinfo is never ours to use; skip it. */
	for (size_t j = 0; j < len; j++)
		if (auth[j] == '@')
			i = j + 1;
	auth += i;
	len -= i;
	if (len && auth[0] == '[') {
		const char *close = memchr(auth, ']', len);

		if (close && (size_t)(close - auth) + 1 < len &&
		    close[1] == ':')
			colon = close + 1;
	} else {
		colon = memchr(auth, ':', len);
	}
	out->host = auth;
	out->host_len = colon ? (size_t)(colon - auth) : len;
	out->port = colon ? colon + 1 : NULL;
	out->port_len = colon ? len - (size_t)(colon + 1 - auth) : 0;
}

int drg_url_split(const char *url, struct drg_url_parts *out)
{
	const char *sep = strstr(url, "://");
	const char *auth, *p;
	size_t auth_len;

	memset(out, 0, sizeof(*out));
	if (!sep)
		return -1;
	out->scheme = url;
	out->scheme_len = (size_t)(sep - url);
	if (!scheme_is(url, out->scheme_len, "http") &&
	    !scheme_is(url, out->scheme_len, "https"))
		return -1;
	auth = sep + 3;
	auth_len = strcspn(auth, "/?#");
	if (auth_len == 0)
		return -1;
	split_host_port(auth, auth_len, out);
	if (out->host_len == 0)
		return -1;
	p = auth + auth_len;
	out->path = p;
	out->path_len = strcspn(p, "?#");
	if (p[out->path_len] == '?') {
		out->query = p + out->path_len + 1;
		out->query_len = strcspn(out->query, "#");
	}
	return 0;
}

/* Appends n bytes of s to out at *pos; -1 when they do not fit. */
static int put(char *out, size_t outlen, size_t *pos, const char *s, size_t n)
{
	if (*pos + n + 1 > outlen)
		return -1;
	memcpy(out + *pos, s, n);
	*pos += n;
	out[*pos] = '\0';
	return 0;
}

/* Length of base's "scheme://authority". */
static size_t origin_len(const struct drg_url_parts *b)
{
	return (size_t)(b->path - b->scheme);
}

/* RFC 3986 §5.2.3 merge: base path up to and including its last '/'. */
static size_t merge_dir_len(const struct drg_url_parts *b)
{
	size_t n = b->path_len;

	while (n && b->path[n - 1] != '/')
		n--;
	return n;
}

int drg_url_resolve(const char *base, const char *ref, char *out,
		    size_t outlen)
{
	struct drg_url_parts b, r;
	size_t pos = 0;

	if (outlen == 0 || drg_url_split(base, &b) != 0)
		return -1;
	out[0] = '\0';
	if (strstr(ref, "://") && strcspn(ref, "/?#") > strcspn(ref, ":"))
		return drg_url_split(ref, &r) == 0 ?
			       put(out, outlen, &pos, ref, strlen(ref)) :
			       -1;
	if (ref[0] == '/' && ref[1] == '/')
		return put(out, outlen, &pos, base, b.scheme_len + 1) ||
		       put(out, outlen, &pos, ref, strlen(ref));
	if (put(out, outlen, &pos, base, origin_len(&b)) != 0)
		return -1;
	if (ref[0] == '/')
		return put(out, outlen, &pos, ref, strlen(ref));
	if (ref[0] == '?' || ref[0] == '\0') {
		if (put(out, outlen, &pos, b.path, b.path_len) != 0)
			return -1;
		if (ref[0] == '\0' && b.query)
			return put(out, outlen, &pos, b.query - 1,
				   b.query_len + 1);
		return put(out, outlen, &pos, ref, strlen(ref));
	}
	if (b.path_len == 0 && put(out, outlen, &pos, "/", 1) != 0)
		return -1;
	return put(out, outlen, &pos, b.path, merge_dir_len(&b)) ||
	       put(out, outlen, &pos, ref, strlen(ref));
}

static size_t effective_port(const struct drg_url_parts *p, char *buf,
			     size_t buflen)
{
	const char *def = scheme_is(p->scheme, p->scheme_len, "https") ? "443"
								      : "80";

	if (p->port && p->port_len)
		return (size_t)snprintf(buf, buflen, "%.*s", (int)p->port_len,
					p->port);
	return (size_t)snprintf(buf, buflen, "%s", def);
}

int drg_url_same_host(const char *a, const char *b)
{
	struct drg_url_parts pa, pb;

	if (drg_url_split(a, &pa) != 0 || drg_url_split(b, &pb) != 0)
		return 0;
	return pa.host_len == pb.host_len &&
	       strncasecmp(pa.host, pb.host, pa.host_len) == 0;
}

int drg_url_same_host_port(const char *a, const char *b)
{
	struct drg_url_parts pa, pb;
	char porta[16], portb[16];

	if (drg_url_split(a, &pa) != 0 || drg_url_split(b, &pb) != 0)
		return 0;
	effective_port(&pa, porta, sizeof(porta));
	effective_port(&pb, portb, sizeof(portb));
	return drg_url_same_host(a, b) && strcmp(porta, portb) == 0;
}

int drg_url_same_origin(const char *a, const char *b)
{
	struct drg_url_parts pa, pb;

	if (drg_url_split(a, &pa) != 0 || drg_url_split(b, &pb) != 0)
		return 0;
	return pa.scheme_len == pb.scheme_len &&
	       strncasecmp(pa.scheme, pb.scheme, pa.scheme_len) == 0 &&
	       drg_url_same_host_port(a, b);
}

int drg_url_is_https(const char *url)
{
	return strncasecmp(url, "https://", 8) == 0;
}

static int unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

int drg_url_add_param(char *url, size_t urllen, const char *name,
		      const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t orig = strlen(url), pos = orig;
	char enc[3] = { '%', 0, 0 };
	const char *sep = strchr(url, '?') ? "&" : "?";
	int bad = put(url, urllen, &pos, sep, 1) ||
		  put(url, urllen, &pos, name, strlen(name)) ||
		  put(url, urllen, &pos, "=", 1);

	for (const unsigned char *v = (const unsigned char *)value; *v && !bad;
	     v++) {
		if (unreserved(*v)) {
			bad = put(url, urllen, &pos, (const char *)v, 1);
			continue;
		}
		enc[1] = hex[*v >> 4];
		enc[2] = hex[*v & 15];
		bad = put(url, urllen, &pos, enc, 3);
	}
	if (bad && orig < urllen)
		url[orig] = '\0'; /* leave the URL as it was */
	return bad ? -1 : 0;
}
