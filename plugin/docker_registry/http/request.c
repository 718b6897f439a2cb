#include "http/request_internal.h"

#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s, int *failed)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*failed = 1;
	return d;
}

struct drg_http_request *drg_http_request_new(const char *url, int head,
					      const char *accept,
					      const char *authorization,
					      size_t body_cap)
{
	struct drg_http_request *req = calloc(1, sizeof(*req));
	int failed = 0;

	if (!req)
		return NULL;
	req->url = dup_or_null(url, &failed);
	req->accept = dup_or_null(accept, &failed);
	req->authorization = dup_or_null(authorization, &failed);
	req->head = head;
	req->body_cap = body_cap;
	drg_http_response_init(&req->resp, body_cap);
	if (failed || !req->url) {
		drg_http_request_free(req);
		return NULL;
	}
	return req;
}

void drg_http_request_compress(struct drg_http_request *req)
{
	req->compress = 1;
}

void drg_http_request_free(struct drg_http_request *req)
{
	if (!req)
		return;
	if (req->easy)
		curl_easy_cleanup(req->easy);
	curl_slist_free_all(req->headers); /* holds a copy of the secret too */
	if (req->authorization) /* a secret: do not leave it in the heap */
		memset(req->authorization, 0, strlen(req->authorization));
	free(req->authorization);
	free(req->accept);
	free(req->url);
	drg_http_response_release(&req->resp);
	free(req);
}

const char *drg_http_request_url(const struct drg_http_request *req)
{
	return req->url;
}

const struct drg_http_response *
drg_http_request_response(const struct drg_http_request *req)
{
	return &req->resp;
}

uint32_t drg_http_request_attempts(const struct drg_http_request *req)
{
	return req->attempts;
}
