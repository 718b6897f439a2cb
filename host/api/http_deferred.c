/*
 * http_deferred - see http_deferred.h. A thread per request, not a pool:
 * these are POSTs (webhooks, on-demand), far fewer than GETs, and a
 * thread that waits 5 s for a refresh would hold a pool's worker as long.
 */
#include "api/http_deferred.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/json_out.h"

struct cdh_deferred {
	pthread_mutex_t lock;
	pthread_cond_t idle; /* running reached 0 */
	unsigned running;
	int stopping;
};

struct job {
	struct cdh_deferred *d;
	struct MHD_Connection *conn;
	cdh_deferred_fn fn;
	void (*free_ctx)(void *ctx);
	void *ctx;
};

struct cdh_deferred *cdh_deferred_new(void)
{
	struct cdh_deferred *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->idle, NULL);
	return d;
}

/* 1 when a request more may start (and counts it). */
static int take_slot(struct cdh_deferred *d)
{
	int ok;

	pthread_mutex_lock(&d->lock);
	ok = !d->stopping && d->running < CDH_DEFERRED_MAX;
	if (ok)
		d->running++;
	pthread_mutex_unlock(&d->lock);
	return ok;
}

static void give_slot(struct cdh_deferred *d)
{
	pthread_mutex_lock(&d->lock);
	if (--d->running == 0)
		pthread_cond_broadcast(&d->idle);
	pthread_mutex_unlock(&d->lock);
}

/* Queues the answer on the suspended connection (libmicrohttpd allows it
 * from any thread then); without one, resuming drops the request. */
static void answer(struct MHD_Connection *conn, int status, char *body)
{
	struct MHD_Response *resp = NULL;

	if (body)
		resp = MHD_create_response_from_buffer(strlen(body), body,
						       MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_queue_response(conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
}

static void *run(void *arg)
{
	struct job *j = arg;
	char *body = NULL;
	int status = j->fn(j->ctx, &body);

	answer(j->conn, status, body);
	j->free_ctx(j->ctx);
	/* Last: once resumed, the connection (and what ctx borrowed from
	 * it) may be gone at any time. */
	MHD_resume_connection(j->conn);
	give_slot(j->d);
	free(j);
	return NULL;
}

/* The thread inherits the handler's signal mask (libmicrohttpd's
 * thread, which inherits the service's). */
static int spawn(struct job *j)
{
	pthread_t thread;

	if (pthread_create(&thread, NULL, run, j) != 0)
		return -1;
	pthread_detach(thread);
	return 0;
}

int cdh_deferred_start(struct cdh_deferred *d, struct MHD_Connection *conn,
		       cdh_deferred_fn fn, void (*free_ctx)(void *ctx),
		       void *ctx)
{
	struct job *j;

	if (!take_slot(d))
		return -1;
	if (!(j = malloc(sizeof(*j)))) {
		give_slot(d);
		return -1;
	}
	*j = (struct job){d, conn, fn, free_ctx, ctx};
	/* Before the thread starts: it may resume at once. */
	MHD_suspend_connection(conn);
	if (spawn(j) != 0) {
		answer(conn, 503,
		       cdh_json_error(503, "Service Unavailable",
				      "no thread to answer with"));
		free_ctx(ctx);
		MHD_resume_connection(conn);
		give_slot(d);
		free(j);
	}
	return 0;
}

void cdh_deferred_stop(struct cdh_deferred *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	d->stopping = 1;
	while (d->running)
		pthread_cond_wait(&d->idle, &d->lock);
	pthread_mutex_unlock(&d->lock);
}

void cdh_deferred_free(struct cdh_deferred *d)
{
	if (!d)
		return;
	pthread_cond_destroy(&d->idle);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
