/*
 * http_stream - see http_stream.h. The request's inputs are copied before
 * the handler returns: the connection's strings are not ours after that,
 * while the query may still be writing.
 *
 * The plugin's writes are gathered in a buffer of STREAM_BUF bytes: an
 * answer that ends within it is sent from memory (no pipe, one copy), a
 * bigger one goes through a pipe a buffer at a time. A write() per JSON
 * item made the kernel's pipe wake-ups most of /find's and /tags' time.
 * Queries run on a cache of worker threads, not a thread each: creating
 * one per request cost more than a small answer.
 *
 * A GET is first run on libmicrohttpd's own thread, into the buffer alone:
 * most answers (a repository's tags, one image) end within it, and handing
 * them to a worker and back cost two thread wake-ups, half of a small
 * answer's CPU. One that outgrows the buffer is stopped there (its write
 * answers "reader gone") and run again from the start on a worker,
 * streamed: a read run twice costs a buffer's worth, and the answer sent
 * is the second run's alone.
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
#include <time.h>
#include <unistd.h>

#include "util/fd_io.h"
#include "util/json_out.h"

/* Bytes gathered before the first flush into the pipe, and between two. */
#define STREAM_BUF (64 * 1024)
/* Idle workers kept for the next requests; an idle one leaves after this. */
#define IDLE_MAX 8
#define IDLE_SECONDS 30

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
	int settled; /* the handler can answer: failed, done, piped or broken */
	int done;    /* the whole answer is in buf */
	int piped;   /* the answer outgrew buf: it goes through fds */
	int broken;  /* no pipe could be made: drop the connection */
	int in_buf_only; /* run on libmicrohttpd's thread: no pipe */
	int outgrew;     /* ... and the answer did not fit in buf */
	int status;
	char content_type[128];
	char *error_body; /* a fail's JSON, or NULL */
	char *buf;        /* what the plugin wrote and nobody sent yet */
	size_t len;
	int fds[2];
	struct stream *next; /* in the workers' queue */
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
	free(s->buf);
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

static void settle(struct stream *s)
{
	s->settled = 1;
	pthread_cond_signal(&s->cond);
}

static void on_start(void *ctx, int status, const char *content_type)
{
	struct stream *s = ctx;

	pthread_mutex_lock(&s->lock);
	s->status = status;
	snprintf(s->content_type, sizeof(s->content_type), "%s", content_type);
	pthread_mutex_unlock(&s->lock);
}

static void on_fail(void *ctx, int status, const char *message)
{
	struct stream *s = ctx;
	char *body = cdh_json_error(status, cdh_query_reason(status), message);

	pthread_mutex_lock(&s->lock);
	s->status = status;
	s->error_body = body;
	if (!body)
		s->broken = 1;
	settle(s);
	pthread_mutex_unlock(&s->lock);
}

/* The answer outgrew the buffer: from now on it goes through a pipe,
 * which the handler hands to libmicrohttpd. -1 when none can be made. */
static int start_pipe(struct stream *s)
{
	int fds[2], rc = pipe2(fds, O_CLOEXEC);

	pthread_mutex_lock(&s->lock);
	if (rc == 0) {
		s->fds[0] = fds[0], s->fds[1] = fds[1];
		s->piped = 1;
	} else {
		s->broken = 1;
	}
	settle(s);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* Sends what buf holds into the pipe (made at the first flush). -1 when
 * the pipe is broken (EPIPE: the client went away). */
static int flush(struct stream *s)
{
	if (!s->piped && start_pipe(s) != 0)
		return -1;
	if (s->len && cdh_write_all(s->fds[1], s->buf, s->len) != 0)
		return -1;
	s->len = 0;
	return 0;
}

static int on_write(void *ctx, const char *bytes, size_t len)
{
	struct stream *s = ctx;

	if (!len)
		return 0;
	if (!s->buf && !(s->buf = malloc(STREAM_BUF)))
		return -1;
	if (s->in_buf_only && s->len + len > STREAM_BUF) {
		s->outgrew = 1;
		return -1;
	}
	if (s->len + len > STREAM_BUF && flush(s) != 0)
		return -1;
	if (len > STREAM_BUF)
		return cdh_write_all(s->fds[1], bytes, len);
	memcpy(s->buf + s->len, bytes, len);
	s->len += len;
	return 0;
}

/* The query ended: a small answer is whole in buf, a big one gets its
 * last bytes and the end of its pipe. */
static void finish(struct stream *s)
{
	if (s->piped) {
		flush(s); /* a reader gone by now changes nothing */
		close(s->fds[1]);
		return;
	}
	pthread_mutex_lock(&s->lock);
	s->done = 1;
	settle(s);
	pthread_mutex_unlock(&s->lock);
}

static void query(struct stream *s)
{
	struct cdh_query_request req = { s->method, s->path, s->user, 0, 0,
					 NULL, lookup, s, NULL, 0 };
	struct cdh_query_sink sink = { on_start, on_write, on_fail, s };

	cdh_query_run(&s->provider, s->store, s->dir, &req, &sink);
}

static void run_query(struct stream *s)
{
	query(s);
	finish(s);
	stream_unref(s);
	running_add(-1);
}

/* Runs `s` here into buf alone: 1 when its answer (or error) is whole,
 * 0 when it outgrew buf (then `s` is as new, for a worker to run). No
 * other thread knows `s` yet: no lock. */
static int run_in_buf(struct stream *s)
{
	running_add(1);
	s->in_buf_only = 1;
	query(s);
	s->in_buf_only = 0;
	running_add(-1);
	if (!s->outgrew) {
		s->done = s->settled = 1;
		return 1;
	}
	free(s->error_body);
	s->error_body = NULL;
	s->len = 0;
	s->status = 0;
	s->content_type[0] = '\0';
	s->outgrew = 0;
	return 0;
}

/* The workers' queue: streams waiting for a thread, oldest first. */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_work = PTHREAD_COND_INITIALIZER;
static struct stream *queue_head, *queue_tail;
static size_t queued, idle, threads;

/* The next stream to run, or NULL after IDLE_SECONDS without one. */
static struct stream *next_stream(void)
{
	struct timespec until;
	struct stream *s;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += IDLE_SECONDS;
	pthread_mutex_lock(&pool_lock);
	while (!queue_head) {
		int rc;

		idle++;
		rc = pthread_cond_timedwait(&pool_work, &pool_lock, &until);
		idle--;
		if (rc == ETIMEDOUT && !queue_head)
			break;
	}
	s = queue_head;
	if (s) {
		queue_head = s->next;
		if (!queue_head)
			queue_tail = NULL;
		queued--;
	}
	pthread_mutex_unlock(&pool_lock);
	return s;
}

static void *worker(void *arg)
{
	struct stream *s;
	sigset_t pipe_only;
	int leave = 0;

	(void)arg;
	/* A closed connection is EPIPE here, not a signal for the process. */
	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_only, NULL);
	while (!leave && (s = next_stream())) {
		run_query(s);
		pthread_mutex_lock(&pool_lock);
		leave = idle >= IDLE_MAX;
		pthread_mutex_unlock(&pool_lock);
	}
	pthread_mutex_lock(&pool_lock);
	threads--;
	pthread_mutex_unlock(&pool_lock);
	return NULL;
}

/* Takes `s` out of the queue (pool_lock held): 1 done, 0 a worker has it. */
static int unqueue(struct stream *s)
{
	struct stream **p = &queue_head, *last = NULL;

	while (*p && *p != s)
		last = *p, p = &(*p)->next;
	if (!*p)
		return 0;
	*p = s->next;
	if (queue_tail == s)
		queue_tail = last;
	queued--;
	return 1;
}

/* Queues `s` for a worker, starting one when none is free. 0, or -1
 * when no worker could be had (then `s` is not queued). */
static int submit(struct stream *s)
{
	pthread_t thread;
	int spawn, ok;

	pthread_mutex_lock(&pool_lock);
	s->next = NULL;
	if (queue_tail)
		queue_tail->next = s;
	else
		queue_head = s;
	queue_tail = s;
	queued++;
	spawn = queued > idle;
	if (spawn)
		threads++;
	pthread_cond_signal(&pool_work);
	pthread_mutex_unlock(&pool_lock);
	if (!spawn)
		return 0;
	ok = pthread_create(&thread, NULL, worker, NULL) == 0;
	if (ok)
		pthread_detach(thread);
	pthread_mutex_lock(&pool_lock);
	if (!ok && --threads == 0)
		ok = !unqueue(s); /* nobody left to run it */
	else
		ok = 1;
	pthread_mutex_unlock(&pool_lock);
	return ok ? 0 : -1;
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
	if (!s->method || !s->path || (user && !s->user) || s->nomem) {
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

/* Waits until the answer is whole, outgrew the buffer or failed, then
 * answers with it. */
static enum MHD_Result respond(struct MHD_Connection *conn, struct stream *s)
{
	struct MHD_Response *resp;
	char *body, *buf = NULL;
	size_t len = 0;
	int piped, broken;

	pthread_mutex_lock(&s->lock);
	while (!s->settled)
		pthread_cond_wait(&s->cond, &s->lock);
	body = s->error_body;
	s->error_body = NULL;
	piped = s->piped;
	broken = s->broken;
	if (s->done && !body && !broken) {
		buf = s->buf, len = s->len;
		s->buf = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	if (body) {
		resp = MHD_create_response_from_buffer(strlen(body), body,
						       MHD_RESPMEM_MUST_FREE);
		if (!resp)
			free(body);
		return queue(conn, resp, s->status, "application/json");
	}
	if (broken)
		return MHD_NO;
	if (!piped) {
		resp = MHD_create_response_from_buffer(len, buf,
						       MHD_RESPMEM_MUST_FREE);
		if (!resp)
			free(buf);
		return queue(conn, resp, s->status, s->content_type);
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

	if (!s) {
		cdh_directory_release(dir);
		return MHD_NO;
	}
	s->store = store;
	s->dir = dir;
	s->provider = *provider;
	if (strcmp(method, "GET") == 0 && run_in_buf(s)) {
		rc = respond(conn, s);
		stream_unref(s);
		return rc;
	}
	s->refs = 2;
	running_add(1);
	if (submit(s) != 0) {
		running_add(-1);
		s->refs = 1;
		stream_unref(s);
		return MHD_NO;
	}
	rc = respond(conn, s);
	stream_unref(s);
	return rc;
}
