/*
 * fiat - Fiat's answers over HTTP, cached (see fiat.h).
 */
#include "api/fiat.h"
#include "api/fiat_view.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"

#define TTL_NS (20ull * 1000000000ull) /* Fiat's expires-after-write */
#define MAX_ENTRIES 1000               /* Fiat's max-entries */
#define CONNECT_TIMEOUT_MS 1000L
#define TOTAL_TIMEOUT_MS 2000L
#define MAX_VIEW_BYTES (8u << 20)
#define ANONYMOUS "anonymous"

enum answer { VIEW, UNKNOWN, FAILED };

struct entry {
	char *key;            /* "<base>\n<user>" */
	uint64_t fetched;     /* monotonic ns */
	enum answer answer;
	json_object *view;    /* VIEW only */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry entries[MAX_ENTRIES];
static size_t entry_count;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct body {
	char *bytes;
	size_t len;
	int too_big;
};

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct body *b = ctx;
	size_t len = size * n;
	char *grown;

	if (b->len + len > MAX_VIEW_BYTES) {
		b->too_big = 1;
		return 0;
	}
	grown = realloc(b->bytes, b->len + len + 1);
	if (!grown)
		return 0;
	memcpy(grown + b->len, data, len);
	b->bytes = grown, b->len += len;
	grown[b->len] = '\0';
	return len;
}

static void set_url(CURL *curl, const char *base, const char *user)
{
	char *escaped = curl_easy_escape(curl, user, 0);
	size_t blen = strlen(base), len;
	char *url;

	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	len = blen + sizeof("/authorize/") + strlen(escaped ? escaped : "");
	url = malloc(len);
	if (url) {
		snprintf(url, len, "%.*s/authorize/%s", (int)blen, base,
			 escaped ? escaped : "");
		curl_easy_setopt(curl, CURLOPT_URL, url);
	}
	curl_free(escaped);
	free(url);
}

/* One GET /authorize/<user>; *view set on 200 with a JSON object. */
static enum answer fetch(const char *base, const char *user, json_object **view)
{
	CURL *curl = curl_easy_init();
	struct body b = { 0 };
	long status = 0;
	CURLcode rc;
	enum answer answer = FAILED;

	*view = NULL;
	if (!curl)
		return FAILED;
	set_url(curl, base, user);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, TOTAL_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK)
		cdh_log(CDH_LOG_WARN, NULL, "fiat: user %s: %s: denied", user,
			curl_easy_strerror(rc));
	else if (status == 404)
		answer = UNKNOWN;
	else if (status != 200 || !b.bytes ||
		 !(*view = json_tokener_parse(b.bytes)) ||
		 !json_object_is_type(*view, json_type_object))
		cdh_log(CDH_LOG_WARN, NULL,
			"fiat: user %s: HTTP %ld or not a permission view: denied",
			user, status);
	else
		answer = VIEW;
	if (answer != VIEW && *view) {
		json_object_put(*view);
		*view = NULL;
	}
	if (answer == UNKNOWN)
		cdh_log(CDH_LOG_INFO, NULL, "fiat: user %s unknown (404)", user);
	free(b.bytes);
	curl_easy_cleanup(curl);
	return answer;
}

static void entry_clear(struct entry *e)
{
	free(e->key);
	json_object_put(e->view);
	memset(e, 0, sizeof(*e));
}

/* The entry for `key`, fresh, or NULL. Under the lock. */
static struct entry *lookup(const char *key, uint64_t now)
{
	size_t i;

	for (i = 0; i < entry_count; i++)
		if (strcmp(entries[i].key, key) == 0)
			return now - entries[i].fetched < TTL_NS ? &entries[i]
								  : NULL;
	return NULL;
}

/* Stores an answer, replacing `key`'s or the oldest. Under the lock. */
static void store(char *key, uint64_t now, enum answer answer,
		  json_object *view)
{
	size_t i, slot = entry_count, oldest = 0;

	for (i = 0; i < entry_count; i++) {
		if (strcmp(entries[i].key, key) == 0)
			slot = i;
		if (entries[i].fetched < entries[oldest].fetched)
			oldest = i;
	}
	if (slot == entry_count && entry_count == MAX_ENTRIES)
		slot = oldest;
	if (slot == entry_count)
		entry_count++;
	else
		entry_clear(&entries[slot]);
	entries[slot].key = key;
	entries[slot].fetched = now;
	entries[slot].answer = answer;
	entries[slot].view = view;
}

/* The answer for `user`: cached, else fetched. -1 when denied outright. */
static int user_reads(const char *base, const char *user, const char *account,
		      enum answer *answer)
{
	size_t len = strlen(base) + strlen(user) + 2;
	char *key = malloc(len);
	struct entry *e;
	json_object *view;
	uint64_t now = now_ns();
	int allowed;

	if (!key)
		return *answer = FAILED, 0;
	snprintf(key, len, "%s\n%s", base, user);
	pthread_mutex_lock(&lock);
	if ((e = lookup(key, now))) {
		*answer = e->answer;
		allowed = e->answer == VIEW &&
			  cdh_fiat_view_reads(e->view, account);
		pthread_mutex_unlock(&lock);
		free(key);
		return allowed;
	}
	pthread_mutex_unlock(&lock);
	/* Outside the lock: a slow Fiat holds up only its own requests. */
	*answer = fetch(base, user, &view);
	allowed = *answer == VIEW && cdh_fiat_view_reads(view, account);
	pthread_mutex_lock(&lock);
	store(key, now_ns(), *answer, view);
	pthread_mutex_unlock(&lock);
	return allowed;
}

int cdh_fiat_can_read(const char *base_url, const char *user,
		      int unknown_anonymous, const char *account)
{
	enum answer answer;
	int allowed;

	if (!user || !*user)
		user = ANONYMOUS;
	if (!account)
		return 0;
	allowed = user_reads(base_url, user, account, &answer);
	if (!allowed && answer == UNKNOWN && unknown_anonymous &&
	    strcmp(user, ANONYMOUS) != 0)
		allowed = user_reads(base_url, ANONYMOUS, account, &answer);
	return allowed;
}

void cdh_fiat_forget(void)
{
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < entry_count; i++)
		entry_clear(&entries[i]);
	entry_count = 0;
	pthread_mutex_unlock(&lock);
}
