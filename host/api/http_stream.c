/*
 * http_stream - see http_stream.h. The request's inputs are copied before
 * the handler returns: the connection's strings are not ours after that,
 * while the query may still be writing.
 */
#define _GNU_SOURCE /* pipe2 */
#include "api/http_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/json_out.h"

struct arg {
	char *name, *value;
};

/* Query threads still running: cdh_http_stream_drain waits for them. */
static pthread_mutex_t running_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t running_done = PTHREAD_COND_INITIALIZER;
static int running;

static void running_add(int delta)
{
	pthread_mutex_lock(&running_lock);
	running += delta;
	if (running == 0)
		pthread_cond_broadcast(&running_done);
	pthread_mutex_unlock(&running_lock);
}

void cdh_http_stream_drain(void)
{
	pthread_mutex_lock(&running_lock);
	while (running > 0)
		pthread_cond_wait(&running_done, &running_lock);
	pthread_mutex_unlock(&running_lock);
}

struct stream {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int refs;   /* the handler's and the thread's */
	int ready;  /* the plugin started its answer, or failed */
	int status;
	char content_type[128];
	char *error_body; /* a fail's JSON, or NULL */
	int fds[2];
	char *method, *path, *user;
	struct arg *args;
	size_t arg_count, arg_alloc;
	int nomem;
	struct cdh_store *store;
	struct cdh_directory *dir;
	struct cdh_directory_provider provider;
};

static void stream_unref(struct stream *s)
{
	size_t i;
	int last;

	pthread_mutex_lock(&s->lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&s->lock);
	if (!last)
		return;
	for (i = 0; i < s->arg_count; i++) {
		free(s->args[i].name);
		free(s->args[i].value);
	}
	free(s->args);
	free(s->method), free(s->path), free(s->user);
	free(s->error_body);
	cdh_directory_release(s->dir);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static enum MHD_Result copy_arg(void *cls, enum MHD_ValueKind kind,
				const char *key, const char *value)
{
	struct stream *s = cls;
	struct arg *grown;

	(void)kind;
	if (s->arg_count == s->arg_alloc) {
		s->arg_alloc = s->arg_alloc ? 2 * s->arg_alloc : 8;
		grown = realloc(s->args, s->arg_alloc * sizeof(*grown));
		if (!grown) {
			s->nomem = 1;
			return MHD_NO;
		}
		s->args = grown;
	}
	s->args[s->arg_count].name = strdup(key);
	s->args[s->arg_count].value = value ? strdup(value) : NULL;
	if (!s->args[s->arg_count].name) {
		free(s->args[s->arg_count].value);
		s->nomem = 1;
		return MHD_NO;
	}
	s->arg_count++;
	return MHD_YES;
}

/* First value of `name`, as MHD_lookup_connection_value answers. */
static const char *lookup(void *ctx, const char *name)
{
	const struct stream *s = ctx;
	size_t i;

	for (i = 0; i < s->arg_count; i++)
		if (strcmp(s->args[i].name, name) == 0)
			return s->args[i].value ? s->args[i].value : "";
	return NULL;
}

static void on_start(void *ctx, int status, const char *content_type)
{
	struct stream *s = ctx;

	pthread_mutex_lock(&s->lock);
	s->status = status;
	snprintf(s->content_type, sizeof(s->content_type), "%s", content_type);
	s->ready = 1;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

static void on_fail(void *ctx, int status, const char *message)
{
	struct stream *s = ctx;
	char *body = cdh_json_error(status, cdh_query_reason(status), message);

	pthread_mutex_lock(&s->lock);
	s->status = status;
	s->error_body = body;
	s->ready = 1;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

static int on_write(void *ctx, const char *bytes, size_t len)
{
	struct stream *s = ctx;

	while (len) {
		ssize_t n = write(s->fds[1], bytes, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1; /* EPIPE: the client went away */
		bytes += n;
		len -= (size_t)n;
	}
	return 0;
}

static void *run_query(void *arg)
{
	struct stream *s = arg;
	struct cdh_query_request req = { s->method, s->path, s->user, 0, 0,
					 NULL, lookup, s, NULL, 0 };
	struct cdh_query_sink sink = { on_start, on_write, on_fail, s };
	sigset_t pipe_only;

	/* A closed connection is EPIPE here, not a signal for the process. */
	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_only, NULL);
	cdh_query_run(&s->provider, s->store, s->dir, &req, &sink);
	close(s->fds[1]);
	stream_unref(s);
	running_add(-1);
	return NULL;
}

static struct stream *stream_new(struct MHD_Connection *conn,
				 const char *method, const char *path)
{
	struct stream *s = calloc(1, sizeof(*s));
	const char *user;

	if (!s)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->refs = 1;
	s->fds[0] = s->fds[1] = -1;
	user = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					   "X-SPINNAKER-USER");
	s->method = strdup(method);
	s->path = strdup(path);
	s->user = user ? strdup(user) : NULL;
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, copy_arg, s);
	if (!s->method || !s->path || (user && !s->user) || s->nomem ||
	    pipe2(s->fds, O_CLOEXEC) != 0) {
		stream_unref(s);
		return NULL;
	}
	return s;
}

static enum MHD_Result queue(struct MHD_Connection *conn,
			     struct MHD_Response *resp, int status,
			     const char *type)
{
	enum MHD_Result rc;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", type);
	rc = MHD_queue_response(conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* Waits for the plugin's first word, then answers with it. */
static enum MHD_Result respond(struct MHD_Connection *conn, struct stream *s)
{
	struct MHD_Response *resp;
	char *body;

	pthread_mutex_lock(&s->lock);
	while (!s->ready)
		pthread_cond_wait(&s->cond, &s->lock);
	body = s->error_body;
	s->error_body = NULL;
	pthread_mutex_unlock(&s->lock);
	if (body || s->status < 0) {
		close(s->fds[0]); /* anything written after a fail goes nowhere */
		if (!body)
			return MHD_NO;
		resp = MHD_create_response_from_buffer(strlen(body), body,
						       MHD_RESPMEM_MUST_FREE);
		if (!resp)
			free(body);
		return queue(conn, resp, s->status, "application/json");
	}
	resp = MHD_create_response_from_pipe(s->fds[0]); /* MHD closes it */
	if (!resp)
		close(s->fds[0]);
	return queue(conn, resp, s->status, s->content_type);
}

enum MHD_Result cdh_http_stream(struct MHD_Connection *conn,
				const char *method, const char *path,
				struct cdh_store *store,
				struct cdh_directory *dir,
				const struct cdh_directory_provider *provider)
{
	struct stream *s = stream_new(conn, method, path);
	enum MHD_Result rc;
	pthread_t thread;

	if (!s) {
		cdh_directory_release(dir);
		return MHD_NO;
	}
	s->store = store;
	s->dir = dir;
	s->provider = *provider;
	s->refs = 2;
	running_add(1);
	if (pthread_create(&thread, NULL, run_query, s) != 0) {
		running_add(-1);
		close(s->fds[0]);
		close(s->fds[1]);
		s->refs = 1;
		stream_unref(s);
		return MHD_NO;
	}
	pthread_detach(thread);
	rc = respond(conn, s);
	stream_unref(s);
	return rc;
}
