#include "http/transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "http/multi_driver.h"
#include "http/request_internal.h"
#include "http/registry_errors.h"
#include "http/retry_after.h"
#include "util/url.h"

#define POLL_MAX_MS 200

/* Clouddriver sends "Spinnaker/<version>" and some registries and proxies
 * key on that prefix; ours also names cdhost (issue #22). CDH_VERSION is
 * CMake's PROJECT_VERSION. */
#ifndef CDH_VERSION
#define CDH_VERSION "0.0.0"
#endif
#define DRG_USER_AGENT "Spinnaker-cdhost/" CDH_VERSION
#define NS_PER_MS 1000000ull

struct drg_transport {
	CURLM *multi;
	struct drg_multi_driver *driver;
	struct drg_transport_options o;
	char *ca_cert_file;
	char *tls_origin;
	char *env_ca_file; /* CURL_CA_BUNDLE or SSL_CERT_FILE, as curl's tool */
	char *env_ca_path; /* SSL_CERT_DIR */
	struct drg_http_request *queue_head, *queue_tail;
	struct drg_http_request *running; /* in flight */
	struct drg_http_request *delayed; /* waiting out a backoff */
	uint32_t in_flight;
	/* Easy handles of finished requests, reset, for the next ones: a new
	 * handle per request was a third of the client's CPU (its allocation,
	 * zeroing and 16 KiB download buffer). At most max_concurrent. */
	CURL **idle;
	uint32_t idle_count;
	uint64_t paused_until_ns; /* Retry-After: nothing starts before this */
	uint64_t next_slot_ns;    /* requests_per_second spacing */
	int cancelled;
	drg_cancel_fn cancel;
	drg_attempt_fn attempt;
	void *hook_ud;
};

uint64_t drg_transport_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int drg_http_response_cancelled(const struct drg_http_response *resp)
{
	return resp->curl_code == CURLE_ABORTED_BY_CALLBACK;
}

int drg_http_response_tls_unverified(const struct drg_http_response *resp)
{
	return resp->curl_code == CURLE_PEER_FAILED_VERIFICATION;
}

/* A copy of the variable's value; NULL when unset or empty, or *failed = 1
 * when out of memory. */
static char *env_copy(const char *name, int *failed)
{
	const char *v = getenv(name);
	char *copy;

	if (!v || !*v)
		return NULL;
	copy = strdup(v);
	*failed |= !copy;
	return copy;
}

/*
 * libcurl reads no CA variable; curl's tool does (tool_operate.c), and
 * operators expect it of anything curl-based: CURL_CA_BUNDLE wins, else
 * SSL_CERT_DIR and SSL_CERT_FILE. They are the process's trust, so they
 * apply to every URL, the token server's too, unlike caCertFile.
 */
static int read_ca_env(struct drg_transport *t)
{
	int failed = 0;

	t->env_ca_file = env_copy("CURL_CA_BUNDLE", &failed);
	if (!t->env_ca_file && !failed) {
		t->env_ca_path = env_copy("SSL_CERT_DIR", &failed);
		t->env_ca_file = env_copy("SSL_CERT_FILE", &failed);
	}
	return failed ? -1 : 0;
}

struct drg_transport *drg_transport_new(const struct drg_transport_options *o)
{
	struct drg_transport *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->o = *o;
	if (!t->o.max_concurrent)
		t->o.max_concurrent = 16;
	if (t->o.timeout_ms <= 0)
		t->o.timeout_ms = 60000;
	if (t->o.connect_timeout_ms <= 0)
		t->o.connect_timeout_ms =
			t->o.timeout_ms < 10000 ? t->o.timeout_ms : 10000;
	if (!t->o.max_retries)
		t->o.max_retries = 3;
	if (t->o.backoff_ms <= 0)
		t->o.backoff_ms = 250;
	if (t->o.retry_after_cap_s <= 0)
		t->o.retry_after_cap_s = 60;
	t->ca_cert_file = o->ca_cert_file ? strdup(o->ca_cert_file) : NULL;
	t->o.ca_cert_file = t->ca_cert_file;
	t->tls_origin = o->tls_origin ? strdup(o->tls_origin) : NULL;
	t->o.tls_origin = t->tls_origin;
	t->multi = curl_multi_init();
	t->driver = t->multi ? drg_multi_driver_new(t->multi) : NULL;
	t->idle = calloc(t->o.max_concurrent, sizeof(*t->idle));
	if (!t->driver || !t->idle || (o->ca_cert_file && !t->ca_cert_file) ||
	    (o->tls_origin && !t->tls_origin) || read_ca_env(t) != 0) {
		drg_transport_free(t);
		return NULL;
	}
	curl_multi_setopt(t->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	/* Keep a connection per request slot for reuse across requests. */
	curl_multi_setopt(t->multi, CURLMOPT_MAXCONNECTS,
			  (long)t->o.max_concurrent);
	return t;
}

void drg_transport_free(struct drg_transport *t)
{
	struct drg_http_request *r, *next;

	if (!t)
		return;
	for (r = t->running; r; r = next) {
		next = r->next;
		curl_multi_remove_handle(t->multi, r->easy);
		drg_http_request_free(r);
	}
	for (r = t->queue_head; r; r = next) {
		next = r->next;
		drg_http_request_free(r);
	}
	for (r = t->delayed; r; r = next) {
		next = r->next;
		drg_http_request_free(r);
	}
	while (t->idle_count)
		curl_easy_cleanup(t->idle[--t->idle_count]);
	free(t->idle);
	drg_multi_driver_free(t->driver);
	if (t->multi)
		curl_multi_cleanup(t->multi);
	free(t->ca_cert_file);
	free(t->tls_origin);
	free(t->env_ca_file);
	free(t->env_ca_path);
	free(t);
}

void drg_transport_set_hooks(struct drg_transport *t, drg_cancel_fn cancel,
			     drg_attempt_fn attempt, void *ud)
{
	t->cancel = cancel;
	t->attempt = attempt;
	t->hook_ud = ud;
}

static void enqueue(struct drg_transport *t, struct drg_http_request *req)
{
	req->next = NULL;
	if (t->queue_tail)
		t->queue_tail->next = req;
	else
		t->queue_head = req;
	t->queue_tail = req;
}

void drg_transport_submit(struct drg_transport *t, struct drg_http_request *req,
			  drg_http_done_fn done, void *ud)
{
	req->done = done;
	req->ud = ud;
	req->t = t;
	req->not_before_ns = 0;
	enqueue(t, req);
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *data)
{
	struct drg_http_request *req = data;
	size_t len = size * nmemb;

	if (drg_buf_append(&req->resp.body, ptr, len) == 0)
		return len;
	/* An error body only explains the error: keep its start, go on. */
	if (req->header_status >= 300)
		return len;
	req->resp.body_too_big = 1;
	return 0; /* curl fails the transfer with CURLE_WRITE_ERROR */
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *data)
{
	struct drg_http_request *req = data;
	size_t len = size * nmemb;

	if (len >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		const char *sp = memchr(ptr, ' ', len);

		drg_http_response_reset_headers(&req->resp);
		req->header_status = sp ? strtol(sp + 1, NULL, 10) : 0;
		return len;
	}
	/* A header too long for its cap is dropped, not fatal. */
	drg_http_response_header(&req->resp, ptr, len);
	return len;
}

static int on_progress(void *data, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct drg_http_request *req = data;
	struct drg_transport *t = req->t;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	if (!t->cancelled && t->cancel && t->cancel(t->hook_ud))
		t->cancelled = 1;
	return t->cancelled;
}

static int add_header(struct curl_slist **list, const char *name,
		      const char *value)
{
	char line[8192];
	struct curl_slist *grown;

	if (snprintf(line, sizeof(line), "%s: %s", name, value) >=
	    (int)sizeof(line))
		return -1;
	grown = curl_slist_append(*list, line);
	memset(line, 0, sizeof(line)); /* may hold a secret */
	if (!grown)
		return -1;
	*list = grown;
	return 0;
}

/*
 * Like Docker's insecure-registries, the account's TLS exceptions are for
 * the registry's own origin: a token realm elsewhere with a bad
 * certificate would otherwise receive the account's Basic credentials.
 */
static void setup_tls(struct drg_transport *t, CURL *e, const char *url)
{
	if (t->env_ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, t->env_ca_file);
	if (t->env_ca_path)
		curl_easy_setopt(e, CURLOPT_CAPATH, t->env_ca_path);
	if (t->o.tls_origin && !drg_url_same_origin(url, t->o.tls_origin)) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
		return;
	}
	if (t->o.insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	}
	/* In place of the bundle (the system's or the variable's); the CA
	 * directory (/etc/ssl/certs, or SSL_CERT_DIR) is still trusted. */
	if (t->o.ca_cert_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, t->o.ca_cert_file);
}

/* Keeps a finished request's easy handle for the next request, or frees it. */
static void release_easy(struct drg_transport *t, struct drg_http_request *req)
{
	if (!req->easy)
		return;
	if (t->idle_count < t->o.max_concurrent) {
		/* Every option back to its default: nothing of this request
		 * (headers, callbacks' data, error buffer) stays referenced. */
		curl_easy_reset(req->easy);
		t->idle[t->idle_count++] = req->easy;
	} else {
		curl_easy_cleanup(req->easy);
	}
	req->easy = NULL;
}

static int setup_easy(struct drg_transport *t, struct drg_http_request *req)
{
	CURL *e = t->idle_count ? t->idle[--t->idle_count] : curl_easy_init();

	req->easy = e;
	if (!e || (req->accept && add_header(&req->headers, "Accept",
					     req->accept)) ||
	    (req->authorization &&
	     add_header(&req->headers, "Authorization", req->authorization)))
		return -1;
	curl_easy_setopt(e, CURLOPT_URL, req->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, req);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, DRG_USER_AGENT);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)t->o.connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)t->o.timeout_ms);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	if (req->head)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	if (req->compress)
		curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, req->headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, req);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, req);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(e, CURLOPT_XFERINFODATA, req);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, req->resp.curl_error);
	setup_tls(t, e, req->url);
	return 0;
}

/* Completes a request: the callback, then the request is freed. */
static void complete(struct drg_http_request *req)
{
	release_easy(req->t, req);
	req->done(req, req->ud);
	drg_http_request_free(req);
}

static void fail_now(struct drg_http_request *req, int curl_code,
		     const char *why)
{
	req->resp.status = 0;
	req->resp.curl_code = curl_code;
	snprintf(req->resp.curl_error, sizeof(req->resp.curl_error), "%s", why);
	complete(req);
}

static void start(struct drg_transport *t, struct drg_http_request *req)
{
	req->attempts++;
	req->header_status = 0;
	if (setup_easy(t, req) != 0 ||
	    curl_multi_add_handle(t->multi, req->easy) != CURLM_OK) {
		fail_now(req, CURLE_OUT_OF_MEMORY, "out of memory");
		return;
	}
	req->next = t->running;
	t->running = req;
	t->in_flight++;
}

/* Whether the head of the queue may start now; also the ns until it may. */
static int may_start(const struct drg_transport *t, uint64_t now,
		     uint64_t *wait_ns)
{
	uint64_t at = t->paused_until_ns;

	if (t->next_slot_ns > at)
		at = t->next_slot_ns;
	if (t->queue_head && t->queue_head->not_before_ns > at)
		at = t->queue_head->not_before_ns;
	*wait_ns = at > now ? at - now : 0;
	return at <= now;
}

static void start_ready(struct drg_transport *t, uint64_t now,
			uint64_t *wait_ns)
{
	*wait_ns = (uint64_t)POLL_MAX_MS * NS_PER_MS;
	while (t->queue_head && t->in_flight < t->o.max_concurrent) {
		struct drg_http_request *req = t->queue_head;
		uint64_t w;

		if (!may_start(t, now, &w)) {
			*wait_ns = w;
			return;
		}
		t->queue_head = req->next;
		if (!t->queue_head)
			t->queue_tail = NULL;
		if (t->o.requests_per_second > 0)
			t->next_slot_ns =
				now + (uint64_t)(1e9 / t->o.requests_per_second);
		start(t, req);
	}
}

static void unlink_running(struct drg_transport *t,
			   struct drg_http_request *req)
{
	struct drg_http_request **pr = &t->running;

	while (*pr && *pr != req)
		pr = &(*pr)->next;
	if (*pr) {
		*pr = req->next;
		t->in_flight--;
	}
	req->next = NULL;
	curl_multi_remove_handle(t->multi, req->easy);
}

static int curl_code_retryable(int code)
{
	switch (code) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1; /* resets, GOAWAY, a registry restarting (#36) */
	default:
		return 0;
	}
}

/* ns to wait before retrying this answer, or 0 when it is final. */
static uint64_t retry_delay(struct drg_transport *t,
			    const struct drg_http_request *req, uint64_t now)
{
	const struct drg_http_response *r = &req->resp;
	int64_t after = -1;
	uint64_t delay;

	if (t->cancelled || req->attempts > t->o.max_retries ||
	    r->body_too_big)
		return 0;
	if (r->status == 0 ? !curl_code_retryable(r->curl_code)
			   : !drg_error_status_retryable(r->status))
		return 0;
	if ((r->status == 429 || r->status == 503) && r->retry_after[0] &&
	    drg_retry_after_parse(r->retry_after, time(NULL), &after) == 0) {
		if (after > t->o.retry_after_cap_s)
			return 0; /* longer than we wait: report rate limited */
		delay = (uint64_t)after * 1000000000ull + 1;
		/* The registry asked this client to wait: pause all of it. */
		if (now + delay > t->paused_until_ns)
			t->paused_until_ns = now + delay;
		return delay;
	}
	delay = (uint64_t)t->o.backoff_ms * NS_PER_MS
		<< (req->attempts > 6 ? 5 : req->attempts - 1);
	return delay;
}

static void reset_for_retry(struct drg_http_request *req)
{
	struct drg_http_response *r = &req->resp;

	release_easy(req->t, req);
	curl_slist_free_all(req->headers);
	req->headers = NULL;
	drg_http_response_reset_headers(r);
	drg_buf_reset(&r->body);
	r->status = 0;
	r->curl_code = 0;
	r->curl_error[0] = '\0';
	r->body_too_big = 0;
}

/*
 * curl's "unable to get local issuer certificate" leaves an operator with a
 * private CA nowhere to go: name what trusts one. caCertFile only where it
 * applies (the registry's own origin, #19).
 */
static void tls_hint(const struct drg_transport *t, struct drg_http_request *req)
{
	char *msg = req->resp.curl_error;
	size_t len = strlen(msg);
	int own = !t->o.tls_origin ||
		  drg_url_same_origin(req->url, t->o.tls_origin);

	snprintf(msg + len, sizeof(req->resp.curl_error) - len, "%s",
		 own ? " (a private CA? trust it with caCertFile "
		       "(--ca-cert-file), or SSL_CERT_FILE, CURL_CA_BUNDLE or "
		       "SSL_CERT_DIR)"
		     : " (a private CA? trust it with SSL_CERT_FILE, "
		       "CURL_CA_BUNDLE or SSL_CERT_DIR: caCertFile is for the "
		       "registry's own address)");
}

static void finish(struct drg_transport *t, struct drg_http_request *req,
		   CURLcode code, uint64_t now)
{
	long status = 0;
	uint64_t delay;

	curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status);
	req->resp.curl_code = (int)code;
	req->resp.status = code == CURLE_OK ? status : 0;
	if (code == CURLE_OK)
		req->resp.curl_error[0] = '\0';
	else if (!req->resp.curl_error[0])
		snprintf(req->resp.curl_error, sizeof(req->resp.curl_error),
			 "%s", curl_easy_strerror(code));
	if (code == CURLE_PEER_FAILED_VERIFICATION)
		tls_hint(t, req);
	if (t->attempt && code != CURLE_ABORTED_BY_CALLBACK)
		t->attempt(t->hook_ud, req->resp.status);
	delay = retry_delay(t, req, now);
	if (delay == 0) {
		complete(req);
		return;
	}
	reset_for_retry(req);
	req->not_before_ns = now + delay;
	req->next = t->delayed;
	t->delayed = req;
}

static void drain(struct drg_transport *t)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(t->multi, &left)) != NULL) {
		struct drg_http_request *req = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&req);
		/* m dies with the handle's removal: read it first. */
		CURLcode code = m->data.result;

		unlink_running(t, req);
		finish(t, req, code, drg_transport_now_ns());
	}
}

/* Moves delayed requests that are due to the front of the queue. */
static uint64_t promote_due(struct drg_transport *t, uint64_t now)
{
	struct drg_http_request **pr = &t->delayed;
	uint64_t wait = UINT64_MAX;

	while (*pr) {
		struct drg_http_request *req = *pr;

		if (req->not_before_ns > now) {
			if (req->not_before_ns - now < wait)
				wait = req->not_before_ns - now;
			pr = &req->next;
			continue;
		}
		*pr = req->next;
		req->next = t->queue_head;
		t->queue_head = req;
		if (!t->queue_tail)
			t->queue_tail = req;
	}
	return wait;
}

static struct drg_http_request *pop_all(struct drg_http_request **list)
{
	struct drg_http_request *r = *list;

	*list = NULL;
	return r;
}

/* Completes everything unfinished as cancelled. */
static void abort_all(struct drg_transport *t)
{
	struct drg_http_request *r, *next;

	while (t->running) {
		r = t->running;
		unlink_running(t, r);
		fail_now(r, CURLE_ABORTED_BY_CALLBACK, "cancelled");
	}
	t->queue_tail = NULL;
	for (r = pop_all(&t->queue_head); r; r = next) {
		next = r->next;
		fail_now(r, CURLE_ABORTED_BY_CALLBACK, "cancelled");
	}
	for (r = pop_all(&t->delayed); r; r = next) {
		next = r->next;
		fail_now(r, CURLE_ABORTED_BY_CALLBACK, "cancelled");
	}
}

static int check_cancel(struct drg_transport *t)
{
	if (!t->cancelled && t->cancel && t->cancel(t->hook_ud))
		t->cancelled = 1;
	return t->cancelled;
}

int drg_transport_run(struct drg_transport *t)
{
	t->cancelled = 0;
	while (t->queue_head || t->running || t->delayed) {
		uint64_t now = drg_transport_now_ns(), wait, wait_delayed;

		if (check_cancel(t)) {
			abort_all(t);
			continue;
		}
		wait_delayed = promote_due(t, now);
		start_ready(t, now, &wait);
		drg_multi_driver_act(t->driver);
		drain(t);
		if (!t->queue_head && !t->running && !t->delayed)
			break; /* done: do not sit out a poll timeout first */
		if (wait_delayed < wait)
			wait = wait_delayed;
		if (wait > (uint64_t)POLL_MAX_MS * NS_PER_MS)
			wait = (uint64_t)POLL_MAX_MS * NS_PER_MS; /* cancel checks */
		if (t->queue_head && t->in_flight < t->o.max_concurrent &&
		    may_start(t, drg_transport_now_ns(), &wait_delayed))
			wait = 0; /* callbacks queued work that can start now */
		if (t->running || wait > 0)
			drg_multi_driver_wait(t->driver,
					      (int)(wait / NS_PER_MS) + (wait > 0));
	}
	return t->cancelled;
}
