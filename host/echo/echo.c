/*
 * echo - the queue and worker that POST events to Echo (see echo.h).
 * Events are kept in arrival order; one worker sends them one at a time,
 * as Igor does. A failed attempt (no answer, 5xx, 429) is retried after
 * 0.5, 1, 2, 4 s; a 4xx refusal is not retried. Stopping wakes the worker
 * from a backoff and aborts a transfer in flight: that event is neither
 * sent nor failed, Echo did not fail it (said at info; the events still
 * queued are said in one warning). A full queue drops events, counted,
 * and said at most once a minute.
 */
#include "echo/echo.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"

#define ATTEMPTS 5
#define FIRST_BACKOFF_MS 500
#define CONNECT_TIMEOUT_MS 3000
#define TOTAL_TIMEOUT_MS 10000
#define DROPS_SAID_EVERY_S 60

struct item {
	struct item *next;
	char body[];
};

struct cdh_echo {
	pthread_mutex_t lock;
	pthread_cond_t wake; /* CLOCK_MONOTONIC: backoffs ignore clock steps */
	pthread_t worker;
	struct item *head, *tail;
	size_t queued;
	char *base_url; /* NULL: off */
	int64_t threshold;
	atomic_int stopping;
	uint64_t sent, failed, retries, dropped, suppressed;
	uint64_t drops_unsaid;  /* dropped since the last log line of them */
	struct timespec drops_said; /* when that line was written; 0: never */
};

/* A copy of the URL to post to: base_url, one '/' after it (Igor posts to
 * Echo's "/"). NULL: off or no memory. Under the lock. */
static char *post_url(const struct cdh_echo *e)
{
	size_t len;
	char *url;

	if (!e->base_url)
		return NULL;
	len = strlen(e->base_url);
	url = malloc(len + 2);
	if (url)
		snprintf(url, len + 2, "%s%s", e->base_url,
			 len && e->base_url[len - 1] == '/' ? "" : "/");
	return url;
}

static size_t discard(char *data, size_t size, size_t n, void *ctx)
{
	(void)data, (void)ctx;
	return size * n;
}

static int abort_if_stopping(void *ctx, curl_off_t a, curl_off_t b,
			     curl_off_t c, curl_off_t d)
{
	struct cdh_echo *e = ctx;

	(void)a, (void)b, (void)c, (void)d;
	return atomic_load(&e->stopping);
}

/* One POST: the HTTP status, or 0 when there was no answer. */
static long post_once(struct cdh_echo *e, const char *url, const char *body,
		      char *why, size_t whylen)
{
	CURL *curl = curl_easy_init();
	struct curl_slist *headers;
	long status = 0;
	CURLcode rc;

	if (!curl) {
		snprintf(why, whylen, "out of memory");
		return 0;
	}
	headers = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)CONNECT_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)TOTAL_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, abort_if_stopping);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, e);
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(why, whylen, "%s", curl_easy_strerror(rc));
	if (status)
		snprintf(why, whylen, "HTTP %ld", status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return status;
}

/* Waits `ms` unless stopping; 1 when stopping. Under the lock. */
static int backoff(struct cdh_echo *e, long ms)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L)
		until.tv_sec++, until.tv_nsec -= 1000000000L;
	while (!atomic_load(&e->stopping) &&
	       pthread_cond_timedwait(&e->wake, &e->lock, &until) == 0)
		;
	return atomic_load(&e->stopping);
}

/* Counts and says how a delivery ended. Unlocked. */
static void finish_delivery(struct cdh_echo *e, int sent, const char *why)
{
	/* cdhost stopping cut it short: no failure of Echo's. */
	int stopped = !sent && atomic_load(&e->stopping);

	pthread_mutex_lock(&e->lock);
	e->sent += sent;
	e->failed += !sent && !stopped;
	pthread_mutex_unlock(&e->lock);
	if (stopped)
		cdh_log(CDH_LOG_INFO, NULL,
			"echo: an event being sent at stop was not sent");
	else if (!sent)
		cdh_log(CDH_LOG_ERROR, NULL, "echo: an event was not sent: %s",
			why[0] ? why : "sending turned off");
}

/* Sends one event with its retries; counts the outcome. Unlocked. */
static void deliver(struct cdh_echo *e, const char *body)
{
	char why[256] = "", *url;
	long status = 0, delay = FIRST_BACKOFF_MS;
	int attempt;

	for (attempt = 1; attempt <= ATTEMPTS; attempt++, delay *= 2) {
		pthread_mutex_lock(&e->lock);
		url = post_url(e);
		pthread_mutex_unlock(&e->lock);
		if (!url)
			break; /* sending was turned off */
		status = post_once(e, url, body, why, sizeof(why));
		free(url);
		if ((status >= 200 && status < 300) ||
		    (status >= 400 && status < 500 && status != 429))
			break;
		pthread_mutex_lock(&e->lock);
		e->retries += attempt < ATTEMPTS;
		if (attempt == ATTEMPTS || backoff(e, delay)) {
			pthread_mutex_unlock(&e->lock);
			break;
		}
		pthread_mutex_unlock(&e->lock);
	}
	finish_delivery(e, status >= 200 && status < 300, why);
}

static void *worker(void *arg)
{
	struct cdh_echo *e = arg;
	struct item *it;

	for (;;) {
		pthread_mutex_lock(&e->lock);
		while (!atomic_load(&e->stopping) && !e->head)
			pthread_cond_wait(&e->wake, &e->lock);
		if (atomic_load(&e->stopping)) {
			pthread_mutex_unlock(&e->lock);
			return NULL;
		}
		it = e->head;
		e->head = it->next;
		if (!e->head)
			e->tail = NULL;
		pthread_mutex_unlock(&e->lock);
		deliver(e, it->body);
		/* Counted out of the queue only once handled: the depth
		 * includes the event being sent. */
		pthread_mutex_lock(&e->lock);
		e->queued--;
		pthread_mutex_unlock(&e->lock);
		free(it);
	}
}

struct cdh_echo *cdh_echo_new(char *err, size_t errlen)
{
	struct cdh_echo *e = calloc(1, sizeof(*e));
	pthread_condattr_t attr;

	if (!e) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&e->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&e->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&e->worker, NULL, worker, e) != 0) {
		snprintf(err, errlen, "echo: cannot start its thread");
		pthread_cond_destroy(&e->wake);
		pthread_mutex_destroy(&e->lock);
		free(e);
		return NULL;
	}
	return e;
}

void cdh_echo_free(struct cdh_echo *e)
{
	struct item *it;
	size_t left = 0;

	if (!e)
		return;
	pthread_mutex_lock(&e->lock);
	atomic_store(&e->stopping, 1);
	pthread_cond_broadcast(&e->wake);
	pthread_mutex_unlock(&e->lock);
	pthread_join(e->worker, NULL);
	while ((it = e->head)) {
		e->head = it->next;
		free(it);
		left++;
	}
	if (left)
		cdh_log(CDH_LOG_WARN, NULL, "echo: %zu events not sent at stop",
			left);
	free(e->base_url);
	pthread_cond_destroy(&e->wake);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

int cdh_echo_configure(struct cdh_echo *e, const char *base_url,
		       int64_t threshold)
{
	char *copy = base_url ? strdup(base_url) : NULL;

	if (base_url && !copy)
		return -1;
	pthread_mutex_lock(&e->lock);
	free(e->base_url);
	e->base_url = copy;
	e->threshold = threshold;
	pthread_mutex_unlock(&e->lock);
	return 0;
}

int cdh_echo_enabled(struct cdh_echo *e)
{
	int on;

	pthread_mutex_lock(&e->lock);
	on = e->base_url != NULL;
	pthread_mutex_unlock(&e->lock);
	return on;
}

int64_t cdh_echo_threshold(struct cdh_echo *e)
{
	int64_t n;

	pthread_mutex_lock(&e->lock);
	n = e->threshold;
	pthread_mutex_unlock(&e->lock);
	return n;
}

/* A drop while sending is on: the number to say now (the drops since the
 * last line, once a minute at most), else 0. Under the lock. */
static uint64_t drops_to_say(struct cdh_echo *e)
{
	struct timespec now;
	uint64_t n;

	e->drops_unsaid++;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (e->drops_said.tv_sec &&
	    now.tv_sec - e->drops_said.tv_sec < DROPS_SAID_EVERY_S)
		return 0;
	e->drops_said = now;
	n = e->drops_unsaid;
	e->drops_unsaid = 0;
	return n;
}

int cdh_echo_post(struct cdh_echo *e, const char *json)
{
	size_t len = strlen(json) + 1;
	struct item *it = malloc(sizeof(*it) + len);
	uint64_t say = 0;
	int rc = -1;

	pthread_mutex_lock(&e->lock);
	if (it && e->base_url && e->queued < CDH_ECHO_QUEUE_MAX) {
		memcpy(it->body, json, len);
		it->next = NULL;
		if (e->tail)
			e->tail->next = it;
		else
			e->head = it;
		e->tail = it;
		e->queued++;
		it = NULL;
		rc = 0;
		pthread_cond_signal(&e->wake);
	} else {
		e->dropped++;
		if (e->base_url) /* off is no loss: nothing is to be sent */
			say = drops_to_say(e);
	}
	pthread_mutex_unlock(&e->lock);
	free(it);
	if (say)
		cdh_log(CDH_LOG_WARN, NULL,
			"echo: %llu event(s) dropped: the queue is full (%d "
			"events; said at most once a minute)",
			(unsigned long long)say, CDH_ECHO_QUEUE_MAX);
	return rc;
}

void cdh_echo_suppressed(struct cdh_echo *e, uint64_t n)
{
	pthread_mutex_lock(&e->lock);
	e->suppressed += n;
	pthread_mutex_unlock(&e->lock);
}

void cdh_echo_get_stats(struct cdh_echo *e, struct cdh_echo_stats *out)
{
	pthread_mutex_lock(&e->lock);
	out->sent = e->sent;
	out->failed = e->failed;
	out->retries = e->retries;
	out->dropped = e->dropped;
	out->suppressed = e->suppressed;
	out->queued = e->queued;
	pthread_mutex_unlock(&e->lock);
}

void cdh_echo_metrics(struct cdh_echo *e, struct cdh_text *out)
{
	static const char *const names[] = { "sent", "failed", "retries",
					      "dropped", "suppressed" };
	struct cdh_echo_stats s;
	uint64_t values[5];
	size_t i;

	cdh_echo_get_stats(e, &s);
	values[0] = s.sent, values[1] = s.failed, values[2] = s.retries;
	values[3] = s.dropped, values[4] = s.suppressed;
	for (i = 0; i < 5; i++)
		cdh_text_printf(out,
				"# TYPE cdhost_echo_events_%s_total counter\n"
				"cdhost_echo_events_%s_total %llu\n",
				names[i], names[i],
				(unsigned long long)values[i]);
	cdh_text_printf(out,
			"# TYPE cdhost_echo_queue_depth gauge\n"
			"cdhost_echo_queue_depth %zu\n",
			s.queued);
}
