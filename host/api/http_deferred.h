/*
 * http_deferred - answers a request from a thread of its own while its
 * connection is suspended, so work that may wait (on-demand's bounded
 * wait for a refresh, up to 5 s) never holds one of libmicrohttpd's pool
 * threads: each of those serves many connections (webhooks, /find,
 * /health), and two waits used to stall the whole API. The daemon must
 * run with MHD_ALLOW_SUSPEND_RESUME; libmicrohttpd must find no
 * connection suspended when it stops: cdh_deferred_stop before
 * MHD_stop_daemon, cdh_deferred_free after it (the daemon may still hand
 * a request to cdh_deferred_start until it has stopped).
 */
#ifndef CDH_HTTP_DEFERRED_H
#define CDH_HTTP_DEFERRED_H

#include <microhttpd.h>

/* Requests answered from their own thread at most at once. */
#define CDH_DEFERRED_MAX 64

struct cdh_deferred;

/* The work: returns the HTTP status and sets *body to a JSON answer
 * (malloc'd, taken; NULL, out of memory, drops the connection). */
typedef int (*cdh_deferred_fn)(void *ctx, char **body);

/* A new set of deferred requests; NULL when out of memory. */
struct cdh_deferred *cdh_deferred_new(void);

/*
 * Suspends `conn` (call from its access handler, for a request whose
 * body is whole) and runs fn(ctx) on a new thread; its answer is queued,
 * free_ctx(ctx) called, then the connection resumed (without a thread:
 * a 503 at once). Returns 0; -1 when CDH_DEFERRED_MAX are in flight or
 * `d` is stopping: then nothing is done and ctx is still the caller's.
 */
int cdh_deferred_start(struct cdh_deferred *d, struct MHD_Connection *conn,
		       cdh_deferred_fn fn, void (*free_ctx)(void *ctx),
		       void *ctx);

/* Refuses new requests and waits until those in flight are answered
 * (each within its own bound). NULL is fine. */
void cdh_deferred_stop(struct cdh_deferred *d);

/* Frees `d`, stopped, once nothing can call cdh_deferred_start on it.
 * NULL is fine. */
void cdh_deferred_free(struct cdh_deferred *d);

#endif
