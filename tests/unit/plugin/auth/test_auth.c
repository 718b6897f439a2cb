/* auth: credential policy, Basic headers, token URLs, renewals (§2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "auth/auth.h"
#include "util/strvec.h"

static int calls, renews;
static const char *password = "s3cret";

static int creds(void *ctx, int renew, char *user, size_t userlen, char *pass,
		 size_t passlen, char *err, size_t errlen)
{
	(void)ctx;
	calls++;
	renews += renew != 0;
	if (!password) {
		snprintf(err, errlen, "password file unreadable");
		return -1;
	}
	snprintf(user, userlen, "%s", "alice");
	snprintf(pass, passlen, "%s", renew ? "fresh" : password);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	calls = renews = 0;
	password = "s3cret";
	return 0;
}

static void credential_policy(void **state)
{
	struct drg_auth *plain = drg_auth_new("http://127.0.0.1:5000", creds, NULL);
	struct drg_auth *tls = drg_auth_new("https://reg.example", creds, NULL);

	(void)state;
	/* https anywhere is fine; plain http only to the registry's own
	 * origin: another port of its host is not it (#19 item 12). */
	assert_true(drg_auth_may_send_credentials(plain, "https://auth.example/token"));
	assert_true(drg_auth_may_send_credentials(plain, "http://127.0.0.1:5000/token"));
	assert_false(drg_auth_may_send_credentials(plain, "http://127.0.0.1:5001/token"));
	assert_false(drg_auth_may_send_credentials(plain, "http://127.0.0.1/token"));
	assert_false(drg_auth_may_send_credentials(plain, "http://auth.example/token"));
	assert_true(drg_auth_may_send_credentials(tls, "https://auth.example/token"));
	/* Never downgrade an https registry's credentials to http. */
	assert_false(drg_auth_may_send_credentials(tls, "http://reg.example/token"));
	drg_auth_free(plain);
	drg_auth_free(tls);
}

static void basic_header_and_renewal(void **state)
{
	struct drg_auth *auth = drg_auth_new("https://r", creds, NULL);
	char out[128], err[128];

	(void)state;
	assert_int_equal(drg_auth_basic(auth, out, sizeof(out), err, sizeof(err)), 1);
	assert_string_equal(out, "Basic YWxpY2U6czNjcmV0"); /* alice:s3cret */
	assert_int_equal(drg_auth_basic(auth, out, sizeof(out), err, sizeof(err)), 1);
	assert_int_equal(calls, 1); /* fetched once, then kept */
	drg_auth_credentials_failed(auth);
	assert_int_equal(drg_auth_basic(auth, out, sizeof(out), err, sizeof(err)), 1);
	assert_string_equal(out, "Basic YWxpY2U6ZnJlc2g="); /* alice:fresh */
	assert_int_equal(renews, 1);
	/* Only one renewal per run: a second failure does not ask again. */
	drg_auth_credentials_failed(auth);
	drg_auth_basic(auth, out, sizeof(out), err, sizeof(err));
	assert_int_equal(renews, 1);
	drg_auth_reset_renewals(auth);
	drg_auth_credentials_failed(auth);
	drg_auth_basic(auth, out, sizeof(out), err, sizeof(err));
	assert_int_equal(renews, 2);
	assert_int_equal(drg_auth_basic(auth, out, 10, err, sizeof(err)), -1);
	assert_string_equal(err, "credentials too long");
	drg_auth_free(auth);
}

static void anonymous_and_failing_credentials(void **state)
{
	struct drg_auth *anon = drg_auth_new("https://r", NULL, NULL);
	struct drg_auth *bad;
	char out[128], err[128] = "";

	(void)state;
	assert_int_equal(drg_auth_basic(anon, out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "");
	drg_auth_free(anon);
	password = NULL;
	bad = drg_auth_new("https://r", creds, NULL);
	assert_int_equal(drg_auth_basic(bad, out, sizeof(out), err, sizeof(err)), -1);
	assert_string_equal(err, "password file unreadable");
	drg_auth_free(bad);
}

static void token_urls(void **state)
{
	struct drg_auth *auth = drg_auth_new("http://127.0.0.1:5000", creds, NULL);
	struct drg_challenge c = { DRG_AUTH_BEARER, (char *)"/auth/token?tenant=a%2Fb",
				   NULL, NULL, NULL };
	struct drg_strvec scopes = DRG_STRVEC_INIT;
	char url[512], err[128];

	(void)state;
	drg_strvec_push(&scopes, "repository:a/b:pull");
	drg_strvec_push(&scopes, "registry:catalog:*");
	assert_int_equal(drg_auth_token_url(auth, &scopes, url, sizeof(url)), -1);
	assert_int_equal(drg_auth_adopt(auth, &c, "http://127.0.0.1:5000/v2/", err, sizeof(err)), 0);
	assert_int_equal(drg_auth_mode(auth), DRG_AUTH_MODE_BEARER);
	assert_int_equal(drg_auth_token_url(auth, &scopes, url, sizeof(url)), 0);
	assert_string_equal(url, "http://127.0.0.1:5000/auth/token?tenant=a%2Fb"
				 "&scope=repository%3Aa%2Fb%3Apull&scope=registry%3Acatalog%3A%2A");
	c.realm = (char *)"https://auth.example/token";
	c.service = (char *)"reg \"x\"";
	assert_int_equal(drg_auth_adopt(auth, &c, "http://127.0.0.1:5000/v2/", err, sizeof(err)), 0);
	assert_int_equal(drg_auth_token_url(auth, &scopes, url, sizeof(url)), 0);
	assert_string_equal(url, "https://auth.example/token?service=reg%20%22x%22"
				 "&scope=repository%3Aa%2Fb%3Apull&scope=registry%3Acatalog%3A%2A");
	assert_int_equal(drg_auth_token_url(auth, &scopes, url, 40), -1);
	c.realm = NULL;
	assert_int_equal(drg_auth_adopt(auth, &c, "http://127.0.0.1:5000/v2/", err, sizeof(err)), -1);
	c.scheme = DRG_AUTH_BASIC;
	assert_int_equal(drg_auth_adopt(auth, &c, "http://127.0.0.1:5000/v2/", err, sizeof(err)), 0);
	assert_int_equal(drg_auth_mode(auth), DRG_AUTH_MODE_BASIC);
	drg_strvec_release(&scopes);
	drg_auth_free(auth);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(credential_policy, setup),
		cmocka_unit_test_setup(basic_header_and_renewal, setup),
		cmocka_unit_test_setup(anonymous_and_failing_credentials, setup),
		cmocka_unit_test_setup(token_urls, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
