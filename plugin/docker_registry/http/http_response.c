#include "http/http_response.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LINK_CAP (64u * 1024u)
#define LOCATION_CAP (16u * 1024u)
#define AUTH_HEADERS_MAX 16 /* a response offering more is not a registry */

void drg_http_response_init(struct drg_http_response *r, size_t cap)
{
	memset(r, 0, sizeof(*r));
	drg_buf_init(&r->body, cap);
	drg_buf_init(&r->location, LOCATION_CAP);
	drg_buf_init(&r->link, LINK_CAP);
}

void drg_http_response_release(struct drg_http_response *r)
{
	drg_buf_release(&r->body);
	drg_buf_release(&r->location);
	drg_buf_release(&r->link);
	drg_strvec_release(&r->www_authenticate);
}

/* Headers of a new status line replace those of an earlier one (1xx). */
void drg_http_response_reset_headers(struct drg_http_response *r)
{
	r->content_type[0] = r->digest[0] = r->retry_after[0] = '\0';
	r->ratelimit_limit[0] = r->ratelimit_remaining[0] = '\0';
	drg_buf_reset(&r->location);
	drg_buf_reset(&r->link);
	drg_strvec_release(&r->www_authenticate);
}

/* Copies a header value (trimmed) into a fixed field. */
static void set_field(char *field, size_t size, const char *v, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(field, v, len);
	field[len] = '\0';
}

static int name_is(const char *name, size_t len, const char *want)
{
	return len == strlen(want) && strncasecmp(name, want, len) == 0;
}

static int append_link(struct drg_buf *link, const char *v, size_t n)
{
	if (link->len && drg_buf_append_str(link, ", ") != 0)
		return -1;
	return drg_buf_append(link, v, n);
}

static int push_challenge(struct drg_strvec *vec, const char *v, size_t n)
{
	char *value;
	int rc;

	if (vec->count >= AUTH_HEADERS_MAX)
		return 0;
	value = strndup(v, n);
	rc = value ? drg_strvec_push(vec, value) : -1;
	free(value);
	return rc;
}

int drg_http_response_header(struct drg_http_response *r, const char *line,
		       size_t len)
{
	const char *colon, *v;
	size_t nlen, vlen;

	while (len && strchr("\r\n \t", line[len - 1]))
		len--;
	colon = memchr(line, ':', len);
	if (!colon)
		return 0;
	nlen = (size_t)(colon - line);
	v = colon + 1;
	while (v < line + len && (*v == ' ' || *v == '\t'))
		v++;
	vlen = len - (size_t)(v - line);
	if (name_is(line, nlen, "content-type"))
		set_field(r->content_type, sizeof(r->content_type), v, vlen);
	else if (name_is(line, nlen, "docker-content-digest"))
		set_field(r->digest, sizeof(r->digest), v, vlen);
	else if (name_is(line, nlen, "retry-after"))
		set_field(r->retry_after, sizeof(r->retry_after), v, vlen);
	else if (name_is(line, nlen, "ratelimit-limit"))
		set_field(r->ratelimit_limit, sizeof(r->ratelimit_limit), v, vlen);
	else if (name_is(line, nlen, "ratelimit-remaining"))
		set_field(r->ratelimit_remaining,
			  sizeof(r->ratelimit_remaining), v, vlen);
	else if (name_is(line, nlen, "location")) {
		drg_buf_reset(&r->location);
		return drg_buf_append(&r->location, v, vlen);
	} else if (name_is(line, nlen, "link"))
		return append_link(&r->link, v, vlen);
	else if (name_is(line, nlen, "www-authenticate"))
		return push_challenge(&r->www_authenticate, v, vlen);
	return 0;
}

