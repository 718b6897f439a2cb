/*
 * request - one HTTP request of the registry client: what to ask (URL, GET
 * or HEAD, Accept, Authorization, whether a compressed body is welcome), the
 * cap on its body, and once run by a transport, its response and how many
 * attempts it took. The Authorization value is a secret: it is wiped from
 * memory when the request is freed.
 *
 * A request is built here and handed to drg_transport_submit(), which owns
 * it from then on; its fields are request_internal.h, for transport.c.
 */
#ifndef DRG_REQUEST_H
#define DRG_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "http/http_response.h"

struct drg_http_request;

/* Called once when a submitted request ends (drg_transport_submit). */
typedef void (*drg_http_done_fn)(struct drg_http_request *req, void *ud);

/*
 * A new request for `url` (copied), GET unless `head`. `accept` (copied,
 * may be NULL) is sent as Accept; `authorization` (copied, may be NULL) as
 * Authorization, and wiped from memory when the request is freed. The body
 * is capped at `body_cap` bytes. Returns NULL when out of memory.
 */
struct drg_http_request *drg_http_request_new(const char *url, int head,
					      const char *accept,
					      const char *authorization,
					      size_t body_cap);

/* Accept compressed bodies (listings only: never manifests or blobs, whose
 * digests are over the raw bytes; quay#1310). */
void drg_http_request_compress(struct drg_http_request *req);

const char *drg_http_request_url(const struct drg_http_request *req);
const struct drg_http_response *
drg_http_request_response(const struct drg_http_request *req);
/* Attempts made so far (1 after the first). */
uint32_t drg_http_request_attempts(const struct drg_http_request *req);

/* Frees a request that was never submitted. */
void drg_http_request_free(struct drg_http_request *req);

#endif
