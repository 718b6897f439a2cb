/*
 * test_webhook - which accounts a registry notification refreshes
 * (query/webhook.c): those whose registry address names the event's
 * target.url or request.host, host names compared case-insensitively and a
 * default port written or not being the same port.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "query/webhook.h"

/* The accounts of a test: name and registry address. */
static const char *const *addresses; /* name, address, name, address, NULL */
static char refreshed[1024];         /* "account:repository " per refresh */
static int32_t status;

static const char *account_name(const struct cdh_query *q, size_t index)
{
	size_t i;

	(void)q;
	for (i = 0; addresses[i] && i < 2 * index; i += 2)
		;
	return addresses[i];
}

static const char *account(const struct cdh_query *q, const char *name)
{
	static char described[512];

	(void)q;
	for (size_t i = 0; addresses[i]; i += 2)
		if (strcmp(addresses[i], name) == 0) {
			snprintf(described, sizeof(described),
				 "{\"name\":\"%s\",\"address\":\"%s\"}", name,
				 addresses[i + 1]);
			return described;
		}
	return NULL;
}

static int32_t request_refresh(struct cdh_query *q, const char *acct,
			       const char *scope)
{
	size_t len = strlen(refreshed);

	(void)q;
	snprintf(refreshed + len, sizeof(refreshed) - len, "%s:%s ", acct,
		 scope);
	return CDH_OK;
}

static void set_status(struct cdh_query *q, int32_t code)
{
	(void)q;
	status = code;
}

static int32_t write_out(struct cdh_query *q, const char *bytes, size_t len)
{
	(void)q, (void)bytes, (void)len;
	return CDH_OK;
}

static void fail_with(struct cdh_query *q, int32_t code, const char *message)
{
	(void)q, (void)message;
	status = code;
}

/*
 * Posts one push of team/app:1.0 whose target.url is `url` and whose
 * request.host is `host` (either NULL for none); returns the accounts
 * refreshed, e.g. "a:team/app ". Each event has an id of its own, as the
 * webhook forgets an id it has seen.
 */
static const char *push(const char *url, const char *host)
{
	static unsigned serial;
	char body[1024], url_field[300] = "", host_field[300] = "";
	struct cdh_query q = { .struct_size = sizeof(q),
			       .method = "POST",
			       .path = "/webhooks/docker-registry",
			       .account = account,
			       .account_name = account_name,
			       .request_refresh = request_refresh,
			       .set_status = set_status,
			       .write = write_out,
			       .fail = fail_with,
			       .body = body };

	if (url)
		snprintf(url_field, sizeof(url_field), ",\"url\":\"%s\"", url);
	if (host)
		snprintf(host_field, sizeof(host_field),
			 ",\"request\":{\"host\":\"%s\"}", host);
	snprintf(body, sizeof(body),
		 "{\"events\":[{\"id\":\"test-webhook-%u\",\"action\":\"push\","
		 "\"target\":{\"repository\":\"team/app\",\"tag\":\"1.0\"%s}%s}]}",
		 ++serial, url_field, host_field);
	q.body_len = strlen(body);
	refreshed[0] = '\0';
	status = 0;
	drg_webhook(&q);
	assert_int_equal(status, 202);
	return refreshed;
}

static void the_event_url_names_the_registry(void **state)
{
	static const char *const accts[] = { "a", "http://reg:5000", "b",
					     "http://other:5000", NULL };

	(void)state;
	addresses = accts;
	assert_string_equal(push("http://reg:5000/v2/team/app/manifests/x", NULL),
			    "a:team/app ");
	assert_string_equal(push("http://reg:5001/v2/team/app/manifests/x", NULL),
			    "");
	assert_string_equal(push("http://reg/v2/team/app/manifests/x", NULL), "");
	assert_string_equal(push("reg:5000/v2/team/app", NULL), "");
	assert_string_equal(push(NULL, NULL), "");
}

/* DNS names are case-insensitive (RFC 4343): so are the addresses. */
static void host_names_compare_case_insensitively(void **state)
{
	static const char *const accts[] = { "a", "https://Registry.Example.com",
					     "b", "http://127.0.0.1:5000", NULL };

	(void)state;
	addresses = accts;
	assert_string_equal(push("https://registry.example.COM/v2/team/app/"
				 "manifests/x", NULL),
			    "a:team/app ");
	assert_string_equal(push(NULL, "REGISTRY.example.com"), "a:team/app ");
	assert_string_equal(push(NULL, "registry.example.org"), "");
}

/* With `scheme`'s default `port` written or not, target.url names both
 * accounts; with `other` scheme (another default port) neither. */
static void expect_default_port(const char *scheme, const char *port,
				const char *other)
{
	char url[128];

	snprintf(url, sizeof(url), "%s://reg.example.com:%s/v2/t/manifests/x",
		 scheme, port);
	assert_string_equal(push(url, NULL), "a:team/app b:team/app ");
	snprintf(url, sizeof(url), "%s://reg.example.com/v2/t/manifests/x",
		 scheme);
	assert_string_equal(push(url, NULL), "a:team/app b:team/app ");
	snprintf(url, sizeof(url), "%s://reg.example.com/v2/t/manifests/x",
		 other);
	assert_string_equal(push(url, NULL), "");
}

/* https://h and https://h:443 are one registry, and so are http://h and
 * http://h:80; target.url's own scheme says which default it has. */
static void a_default_port_written_or_not_is_the_same(void **state)
{
	static const char *const tls[] = { "a", "https://reg.example.com", "b",
					   "https://reg.example.com:443", NULL };
	static const char *const plain[] = { "a", "http://reg.example.com", "b",
					     "http://reg.example.com:80", NULL };

	(void)state;
	addresses = tls;
	expect_default_port("https", "443", "http");
	/* 8443 is no default. */
	assert_string_equal(push("https://reg.example.com:8443/v2/x", NULL), "");
	addresses = plain;
	expect_default_port("http", "80", "https");
}

/* request.host has no scheme: a bare host is the account scheme's default
 * port (443 for an https account, 80 for an http one). */
static void a_bare_request_host_has_the_account_scheme_default_port(void **state)
{
	static const char *const accts[] = { "tls", "https://reg.example.com:443",
					     "plain", "http://reg.example.com",
					     "odd", "https://reg.example.com:5000",
					     NULL };

	(void)state;
	addresses = accts;
	assert_string_equal(push(NULL, "reg.example.com"),
			    "tls:team/app plain:team/app ");
	assert_string_equal(push(NULL, "reg.example.com:443"), "tls:team/app ");
	assert_string_equal(push(NULL, "reg.example.com:80"), "plain:team/app ");
	assert_string_equal(push(NULL, "reg.example.com:5000"), "odd:team/app ");
	/* Not a Host header: a path or userinfo matches nothing. */
	assert_string_equal(push(NULL, "reg.example.com/x"), "");
	assert_string_equal(push(NULL, "x@reg.example.com"), "");
	assert_string_equal(push(NULL, ""), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_event_url_names_the_registry),
		cmocka_unit_test(host_names_compare_case_insensitively),
		cmocka_unit_test(a_default_port_written_or_not_is_the_same),
		cmocka_unit_test(
			a_bare_request_host_has_the_account_scheme_default_port),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
