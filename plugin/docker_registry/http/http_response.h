/*
 * http_response - one HTTP answer as the registry client reads it: status,
 * the capped body, and the headers it acts on, matched case-insensitively
 * (HTTP/2 sends them lower-case: pitfall #2). Link and WWW-Authenticate may
 * come several times and are all kept; the rest keep the last value. A
 * header too long for its field is truncated (fixed fields) or dropped.
 */
#ifndef DRG_HTTP_RESPONSE_H
#define DRG_HTTP_RESPONSE_H

#include <stddef.h>

#include "util/buf.h"
#include "util/digest.h"
#include "util/strvec.h"

/* Response headers the registry client reads; all names case-insensitive. */
struct drg_http_response {
	long status;          /* 0 when no HTTP answer */
	int curl_code;        /* CURLcode of the last attempt */
	char curl_error[256]; /* curl's text for it, "" when none */
	int body_too_big;     /* a 2xx body passed the cap: the attempt failed */
	struct drg_buf body;  /* capped; an error body is silently truncated */
	char content_type[128];
	char digest[DRG_DIGEST_MAX + 8];     /* Docker-Content-Digest */
	char retry_after[64];
	char ratelimit_limit[64];
	char ratelimit_remaining[64];
	struct drg_buf location;             /* Location */
	struct drg_buf link;                 /* every Link value, ", "-joined */
	struct drg_strvec www_authenticate;  /* every WWW-Authenticate value */
};

/* An empty response whose body may hold up to `body_cap` bytes. */
void drg_http_response_init(struct drg_http_response *r, size_t body_cap);
void drg_http_response_release(struct drg_http_response *r);
/* Forgets the headers (a new status line: 1xx, or a retry). */
void drg_http_response_reset_headers(struct drg_http_response *r);
/* Records one raw header line (with its CRLF) if the client reads it.
 * 0, or -1 when a multi-valued header passed its cap. */
int drg_http_response_header(struct drg_http_response *r, const char *line,
			     size_t len);

#endif
