/*
 * queries - runs a plugin's query op (ABI 1.1): fills the request context
 * (struct cdh_query) for one HTTP request or one command line, and hands
 * what the plugin answers to a sink, byte by byte as it comes, so a big
 * answer is never built whole. The host knows no provider's routes: it
 * only picks the plugin by config section.
 */
#ifndef CDH_QUERIES_H
#define CDH_QUERIES_H

#include <stddef.h>
#include <stdint.h>

#include "api/directory.h"
#include "store/store.h"

/* Looks an HTTP query parameter up; NULL when absent. */
typedef const char *(*cdh_query_param_fn)(void *ctx, const char *name);

/* What is asked; every pointer borrowed for cdh_query_run. */
struct cdh_query_request {
	const char *method;  /* "GET", or "CLI" */
	const char *path;    /* HTTP path, or NULL */
	const char *user;    /* X-SPINNAKER-USER, or NULL */
	int admin;           /* the CLI reads everything */
	int argc;            /* CLI words, else 0 */
	const char *const *argv;
	cdh_query_param_fn param; /* may be NULL */
	void *param_ctx;
	const char *body;         /* POST body, or NULL */
	size_t body_len;
};

/*
 * Where the answer goes. `start` comes once, before the first byte (or at
 * the end for an empty answer); `fail` instead of it for an error. `write`
 * returns 0, or -1 when the reader went away.
 */
struct cdh_query_sink {
	void (*start)(void *ctx, int status, const char *content_type);
	int (*write)(void *ctx, const char *bytes, size_t len);
	void (*fail)(void *ctx, int status, const char *message);
	void *ctx;
};

/*
 * Runs `provider`'s query op (it must have one) over `store` with the
 * accounts of `dir`. Returns the plugin's CDH_* result; the sink has got a
 * start or a fail in every case (500/503 when the plugin failed silently).
 */
int32_t cdh_query_run(const struct cdh_directory_provider *provider,
		      struct cdh_store *store, const struct cdh_directory *dir,
		      const struct cdh_query_request *request,
		      const struct cdh_query_sink *sink);

/*
 * Where a query's request_refresh goes (the scheduler; any thread): 0
 * queued or already waiting, -1 full. Unset, request_refresh answers
 * CDH_E_TRANSIENT. Set once before the HTTP API starts.
 */
typedef int (*cdh_query_refresh_fn)(void *ctx, const char *account,
				    const char *scope);
void cdh_query_set_refresh(cdh_query_refresh_fn fn, void *ctx);
/* What wait_refresh calls (same ctx): the scheduler's wait_scope. */
typedef int32_t (*cdh_query_wait_fn)(void *ctx, const char *account,
				     const char *scope, uint64_t since_ns,
				     unsigned timeout_ms);
void cdh_query_set_wait(cdh_query_wait_fn fn);

/* Spring's reason phrase of an HTTP status ("Bad Request"...). */
const char *cdh_query_reason(int status);

#endif
