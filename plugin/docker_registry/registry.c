#include "registry.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "buf.h"
#include "link.h"

/* A tags/list or _catalog page is names only; 32 MiB is far beyond any real one. */
#define BODY_CAP (32u * 1024u * 1024u)
#define LINK_CAP (64u * 1024u)
/* A registry whose Link chain goes on this long is looping. */
#define MAX_PAGES 100000
#define URL_MAX 8192
#define CONNECT_TIMEOUT_MS 10000L

struct drg_registry {
	CURL *easy;
	char *address;
	char *origin; /* scheme://host[:port], for origin-relative Links */
	char *account;
	int64_t timeout_ms;
	int64_t paginate_size;
	const struct cdh_host_api *api;
	struct cdh_refresh *refresh;
	struct drg_buf body;
	struct drg_buf link; /* every Link value of the last response, ", "-joined */
	int body_too_big;
};

static char *origin_of(const char *address)
{
	const char *host = strstr(address, "://");
	const char *slash;
	char *origin;

	host = host ? host + 3 : address;
	slash = strchr(host, '/');
	if (!slash)
		return strdup(address);
	origin = malloc((size_t)(slash - address) + 1);
	if (origin) {
		memcpy(origin, address, (size_t)(slash - address));
		origin[slash - address] = '\0';
	}
	return origin;
}

struct drg_registry *drg_registry_new(const struct drg_registry_options *opts)
{
	struct drg_registry *reg = calloc(1, sizeof(*reg));

	if (!reg)
		return NULL;
	reg->easy = curl_easy_init();
	reg->address = strdup(opts->address);
	reg->origin = origin_of(opts->address);
	reg->account = strdup(opts->account ? opts->account : "");
	reg->timeout_ms = opts->timeout_ms;
	reg->paginate_size = opts->paginate_size;
	drg_buf_init(&reg->body, BODY_CAP);
	drg_buf_init(&reg->link, LINK_CAP);
	if (!reg->easy || !reg->address || !reg->origin || !reg->account) {
		drg_registry_free(reg);
		return NULL;
	}
	return reg;
}

void drg_registry_free(struct drg_registry *reg)
{
	if (!reg)
		return;
	if (reg->easy)
		curl_easy_cleanup(reg->easy);
	drg_buf_release(&reg->body);
	drg_buf_release(&reg->link);
	free(reg->address);
	free(reg->origin);
	free(reg->account);
	free(reg);
}

void drg_registry_bind(struct drg_registry *reg, const struct cdh_host_api *api,
		       struct cdh_refresh *refresh)
{
	reg->api = api;
	reg->refresh = refresh;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *data)
{
	struct drg_registry *reg = data;

	if (drg_buf_append(&reg->body, ptr, size * nmemb) != 0) {
		reg->body_too_big = 1;
		return 0; /* makes curl fail the transfer with CURLE_WRITE_ERROR */
	}
	return size * nmemb;
}

static void trim_crlf(const char **start, size_t *len)
{
	while (*len && isspace((unsigned char)(*start)[*len - 1]))
		(*len)--;
	while (*len && isspace((unsigned char)**start)) {
		(*start)++;
		(*len)--;
	}
}

/* curl hands us the headers of every response (redirects too): keep the last. */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *data)
{
	struct drg_registry *reg = data;
	size_t len = size * nmemb;
	const char *value;

	if (len >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		drg_buf_reset(&reg->link);
		return len;
	}
	if (len < 5 || strncasecmp(ptr, "link:", 5) != 0)
		return len;
	value = ptr + 5;
	len -= 5;
	trim_crlf(&value, &len);
	if (reg->link.len && drg_buf_append_str(&reg->link, ", ") != 0)
		return 0;
	return drg_buf_append(&reg->link, value, len) == 0 ? size * nmemb : 0;
}

static int on_progress(void *data, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct drg_registry *reg = data;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return reg->refresh && reg->api->is_cancelled(reg->refresh) ? 1 : 0;
}

static void setup_get(struct drg_registry *reg, const char *url)
{
	CURL *easy = reg->easy;

	curl_easy_reset(easy);
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "cdhost-docker-registry/0.1");
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)reg->timeout_ms);
	curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, reg);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, reg);
	curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(easy, CURLOPT_XFERINFODATA, reg);
}

static int32_t status_error(long status, const char *what, char *err,
			    size_t errlen)
{
	snprintf(err, errlen, "%s: HTTP %ld", what, status);
	if (status == 404)
		return CDH_E_FATAL;
	return CDH_E_TRANSIENT;
}

/* GET `url` into reg->body and reg->link; returns a CDH code. */
static int32_t http_get(struct drg_registry *reg, const char *url,
			const char *what, char *err, size_t errlen)
{
	CURLcode rc;
	long status = 0;

	drg_buf_reset(&reg->body);
	drg_buf_reset(&reg->link);
	reg->body_too_big = 0;
	setup_get(reg, url);
	rc = curl_easy_perform(reg->easy);
	curl_easy_getinfo(reg->easy, CURLINFO_RESPONSE_CODE, &status);
	if (reg->refresh)
		reg->api->count_request(reg->refresh, (int32_t)status);
	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		snprintf(err, errlen, "%s: cancelled", what);
		return CDH_E_CANCELLED;
	}
	if (reg->body_too_big) {
		snprintf(err, errlen, "%s: response larger than %u bytes", what,
			 BODY_CAP);
		return CDH_E_TRANSIENT;
	}
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", what, curl_easy_strerror(rc));
		return CDH_E_TRANSIENT;
	}
	if (status != 200)
		return status_error(status, what, err, errlen);
	return CDH_OK;
}

/* Calls fn for each string in body[key]; null and non-strings are skipped. */
static int32_t each_name(const struct drg_buf *body, const char *key,
			 drg_name_fn fn, void *data, const char *what,
			 char *err, size_t errlen)
{
	json_object *root = json_tokener_parse(drg_buf_str(body));
	json_object *names = NULL;
	size_t i, count;
	int32_t rc = CDH_OK;

	if (!root || !json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "%s: response is not a JSON object", what);
		json_object_put(root);
		return CDH_E_TRANSIENT;
	}
	/* "tags": null is what 2.8 says for a repository with no tags left. */
	if (!json_object_object_get_ex(root, key, &names) ||
	    !json_object_is_type(names, json_type_array)) {
		json_object_put(root);
		return CDH_OK;
	}
	count = json_object_array_length(names);
	for (i = 0; i < count && rc == CDH_OK; i++) {
		json_object *item = json_object_array_get_idx(names, i);

		if (json_object_is_type(item, json_type_string) &&
		    fn(json_object_get_string(item), data) != 0)
			rc = CDH_E_CANCELLED;
	}
	json_object_put(root);
	return rc;
}

static int32_t list_paginated(struct drg_registry *reg, const char *first_url,
			      const char *key, drg_name_fn fn, void *data,
			      const char *what, char *err, size_t errlen)
{
	char url[URL_MAX], target[URL_MAX], next_url[URL_MAX];
	int32_t rc;
	int pages = 0, found;

	if (snprintf(url, sizeof(url), "%s", first_url) >= (int)sizeof(url))
		return CDH_E_FATAL;
	for (;;) {
		rc = http_get(reg, url, what, err, errlen);
		if (rc == CDH_OK)
			rc = each_name(&reg->body, key, fn, data, what, err, errlen);
		if (rc != CDH_OK)
			return rc;
		found = drg_link_next(drg_buf_str(&reg->link), target,
				      sizeof(target));
		if (found == 0)
			return CDH_OK;
		if (found < 0 ||
		    drg_link_resolve(url, reg->address, target, next_url,
				     sizeof(next_url)) != 0 ||
		    strcmp(next_url, url) == 0 || ++pages >= MAX_PAGES) {
			snprintf(err, errlen, "%s: unusable or looping Link header",
				 what);
			return CDH_E_TRANSIENT;
		}
		memcpy(url, next_url, sizeof(url));
	}
}

int32_t drg_registry_list_tags(struct drg_registry *reg, const char *repository,
			       drg_name_fn fn, void *data, char *err,
			       size_t errlen)
{
	char url[URL_MAX], what[512];

	snprintf(what, sizeof(what), "tags of %s", repository);
	if (snprintf(url, sizeof(url), "%s/v2/%s/tags/list?n=%lld", reg->address,
		     repository, (long long)reg->paginate_size) >= (int)sizeof(url)) {
		snprintf(err, errlen, "%s: URL too long", what);
		return CDH_E_FATAL;
	}
	return list_paginated(reg, url, "tags", fn, data, what, err, errlen);
}

int32_t drg_registry_list_catalog(struct drg_registry *reg, drg_name_fn fn,
				  void *data, char *err, size_t errlen)
{
	char url[URL_MAX];

	if (snprintf(url, sizeof(url), "%s/v2/_catalog?n=%lld", reg->address,
		     (long long)reg->paginate_size) >= (int)sizeof(url)) {
		snprintf(err, errlen, "catalog: URL too long");
		return CDH_E_FATAL;
	}
	return list_paginated(reg, url, "repositories", fn, data, "catalog", err,
			      errlen);
}
