/*
 * transport - HTTP GET/HEAD requests of one registry client on one curl
 * multi handle: up to max_concurrent in flight (connection reuse, HTTP/2
 * multiplexing where offered), an optional request rate, a size cap on
 * every body, cancellation through a caller's check, and bounded retries
 * with backoff for what a retry can cure (connection resets, 408/429/5xx),
 * honouring Retry-After by pausing every request of this transport.
 *
 * Redirects are NOT followed here: the caller decides, because whether the
 * Authorization header may follow depends on the target (§4.5).
 *
 * Single-threaded: submit and run from one thread; `done` callbacks run
 * inside drg_transport_run and may submit more requests.
 */
#ifndef DRG_TRANSPORT_H
#define DRG_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "http/http_response.h"
#include "http/request.h"

struct drg_transport;

struct drg_transport_options {
	uint32_t max_concurrent;   /* in flight at once; 0 = 16 */
	int64_t timeout_ms;        /* per attempt; 0 = 60000 */
	int64_t connect_timeout_ms; /* 0 = min(10000, timeout_ms) */
	int insecure;              /* skip TLS verification (this client only) */
	/* PEM bundle to trust, or NULL (copied). Without it the transport
	 * honours CURL_CA_BUNDLE, SSL_CERT_FILE and SSL_CERT_DIR as curl's
	 * tool does (libcurl does not); with it, it replaces their bundle. */
	const char *ca_cert_file;
	/* insecure and ca_cert_file apply to URLs of this origin only (the
	 * registry's; copied): a token server or a redirect elsewhere keeps
	 * full verification with the system CAs. NULL: to every URL. */
	const char *tls_origin;
	double requests_per_second; /* 0 = unlimited */
	uint32_t max_retries;      /* retries after the first attempt; 0 = 3 */
	int64_t backoff_ms;        /* first backoff, doubled each retry; 0 = 250 */
	int64_t retry_after_cap_s; /* longest Retry-After honoured; 0 = 60 */
};

/* A transport, or NULL when out of memory / curl failed. */
struct drg_transport *drg_transport_new(const struct drg_transport_options *o);
/* Frees it; requests still queued are freed without their callbacks. */
void drg_transport_free(struct drg_transport *t);

/* Non-zero when the caller wants everything stopped. */
typedef int (*drg_cancel_fn)(void *ud);
/* Called once per finished attempt with its status (0 = no answer). */
typedef void (*drg_attempt_fn)(void *ud, long status);

void drg_transport_set_hooks(struct drg_transport *t, drg_cancel_fn cancel,
			     drg_attempt_fn attempt, void *ud);

/*
 * Queues `req`; the transport owns it from now on. `done` is called exactly
 * once, from drg_transport_run, with the final response (after retries);
 * the request is freed when `done` returns.
 */
void drg_transport_submit(struct drg_transport *t, struct drg_http_request *req,
			  drg_http_done_fn done, void *ud);

/*
 * Runs until no request is queued or in flight. Returns 0, or 1 when the
 * cancel hook fired (every unfinished request then completed with
 * curl_code CURLE_ABORTED_BY_CALLBACK and status 0).
 */
int drg_transport_run(struct drg_transport *t);

/* Whether a finished request was stopped by cancellation. */
int drg_http_response_cancelled(const struct drg_http_response *resp);
/* Whether it failed on the server's certificate (its error names what
 * trusts a private CA). */
int drg_http_response_tls_unverified(const struct drg_http_response *resp);

/* Monotonic clock in ns (CLOCK_MONOTONIC). */
uint64_t drg_transport_now_ns(void);

#endif
