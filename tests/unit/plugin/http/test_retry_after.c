/* retry_after: Retry-After and RateLimit-* headers (pitfalls #32, #33). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "http/retry_after.h"

/* Sun, 06 Nov 1994 08:49:37 GMT */
#define T1994 784111777

static void delay_seconds(void **state)
{
	int64_t s = -1;

	(void)state;
	assert_int_equal(drg_retry_after_parse("7", 0, &s), 0);
	assert_int_equal(s, 7);
	assert_int_equal(drg_retry_after_parse("  120 \r\n", 0, &s), 0);
	assert_int_equal(s, 120);
	assert_int_equal(drg_retry_after_parse("0", 0, &s), 0);
	assert_int_equal(s, 0);
	assert_int_equal(drg_retry_after_parse("-1", 0, &s), -1);
	assert_int_equal(drg_retry_after_parse("7s", 0, &s), -1);
	assert_int_equal(drg_retry_after_parse("", 0, &s), -1);
	assert_int_equal(drg_retry_after_parse("99999999999999999999", 0, &s), -1);
}

static void http_dates_all_three_formats(void **state)
{
	time_t t = 0;
	int64_t s = -1;

	(void)state;
	assert_int_equal(drg_http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", &t), 0);
	assert_int_equal((int64_t)t, T1994);
	assert_int_equal(drg_http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT", &t), 0);
	assert_int_equal((int64_t)t, T1994);
	assert_int_equal(drg_http_date_parse("Sun Nov  6 08:49:37 1994", &t), 0);
	assert_int_equal((int64_t)t, T1994);
	assert_int_equal(drg_retry_after_parse("Sun, 06 Nov 1994 08:49:47 GMT", T1994, &s), 0);
	assert_int_equal(s, 10);
	/* In the past: no wait. */
	assert_int_equal(drg_retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", T1994 + 5, &s), 0);
	assert_int_equal(s, 0);
	assert_int_equal(drg_http_date_parse("Sun, 06 Foo 1994 08:49:37 GMT", &t), -1);
	assert_int_equal(drg_http_date_parse("Sun, 06 Nov 1994 25:49:37 GMT", &t), -1);
	assert_int_equal(drg_http_date_parse("Sun, 06 Nov 1994 08:49:37", &t), -1);
	assert_int_equal(drg_http_date_parse("garbage", &t), -1);
}

static void an_http_date_is_in_gmt(void **state)
{
	time_t t = 0;
	int64_t s = -1;

	(void)state;
	/* As a header line ends; the zone in any case. */
	assert_int_equal(drg_http_date_parse("Sun, 06 Nov 1994 08:49:37 gmt\r\n", &t), 0);
	assert_int_equal((int64_t)t, T1994);
	/* curl_getdate would take these; no HTTP server sends them. */
	assert_int_equal(drg_http_date_parse("Sun, 06 Nov 1994 08:49:37 +0100", &t), -1);
	assert_int_equal(drg_http_date_parse("Sun, 06 Nov 1994 08:49:37 PST", &t), -1);
	assert_int_equal(drg_http_date_parse("Sun, 06 Nov 1994 08:49:37 GMTX", &t), -1);
	/* Garbage gives no delay at all, never a wait. */
	assert_int_equal(drg_retry_after_parse("soon, GMT", T1994, &s), -1);
}

static void ratelimit_headers(void **state)
{
	int64_t n, w;

	(void)state;
	assert_int_equal(drg_ratelimit_parse("76;w=21600", &n, &w), 0);
	assert_int_equal(n, 76);
	assert_int_equal(w, 21600);
	assert_int_equal(drg_ratelimit_parse(";w=21600", &n, &w), 0);
	assert_int_equal(n, -1);
	assert_int_equal(w, 21600);
	assert_int_equal(drg_ratelimit_parse(" 100 ", &n, &w), 0);
	assert_int_equal(n, 100);
	assert_int_equal(w, -1);
	assert_int_equal(drg_ratelimit_parse("5 ; W = 60;burst=2, 100;w=3600", &n, &w), 0);
	assert_int_equal(n, 5);
	assert_int_equal(w, 60);
	assert_int_equal(drg_ratelimit_parse("", &n, &w), 0);
	assert_int_equal(n, -1);
	assert_int_equal(drg_ratelimit_parse("lots", &n, &w), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(delay_seconds),
		cmocka_unit_test(http_dates_all_three_formats),
		cmocka_unit_test(an_http_date_is_in_gmt),
		cmocka_unit_test(ratelimit_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
