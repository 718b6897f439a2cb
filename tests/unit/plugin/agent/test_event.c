/*
 * test_event - Igor's docker event for a stored change, byte for byte, and
 * Igor's rules: a new tag is an event; a seen tag only with trackDigests and
 * a digest changed from one value to another; other types never.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "account_fixture.h"
#include "agent/event.h"

#define ID "dockerRegistry:taggedImage:my-registry:library/nginx:1.25"
#define DIGEST_A "{\"name\":\"library/nginx:1.25\",\"digest\":\"sha256:aa\"}"
#define DIGEST_B "{\"name\":\"library/nginx:1.25\",\"digest\":\"sha256:bb\"}"
#define NO_DIGEST "{\"name\":\"library/nginx:1.25\",\"account\":\"my-registry\"}"

static struct drg_account *account(int track_digests)
{
	struct drg_account *acct = NULL;

	if (fixture_parse(track_digests
				  ? "name = \"my-registry\"; address = \"https://reg.example:5000\"; trackDigests = true;"
				  : "name = \"my-registry\"; address = \"https://reg.example:5000\";",
			  &acct) != CDH_OK)
		fixture_print_diags();
	assert_non_null(acct);
	return acct;
}

static void expect(int track, const char *type, const char *id,
		   const char *old, const char *now, const char *want)
{
	struct drg_account *acct = account(track);
	char *event = drg_event_describe(acct, type, id, old, now);

	if (want) {
		assert_non_null(event);
		assert_string_equal(event, want);
	} else {
		assert_null(event);
	}
	free(event);
	drg_account_free(acct);
}

static void a_new_tag_is_igor_s_docker_event(void **state)
{
	(void)state;
	expect(0, "taggedImage", ID, NULL, DIGEST_A,
	       "{\"details\":{\"type\":\"docker\",\"source\":\"igor\"},"
	       "\"content\":{\"account\":\"my-registry\","
	       "\"registry\":\"reg.example:5000\","
	       "\"repository\":\"library/nginx\",\"tag\":\"1.25\","
	       "\"digest\":\"sha256:aa\"},"
	       "\"artifact\":{\"fileName\":\"library/nginx:1.25\","
	       "\"reference\":\"reg.example:5000/library/nginx:1.25\","
	       "\"name\":\"library/nginx\",\"type\":\"docker\","
	       "\"version\":\"1.25\","
	       "\"metadata\":{\"registry\":\"reg.example:5000\"},"
	       "\"decorated\":false}}");
}

static void a_new_tag_without_digest_has_digest_null(void **state)
{
	(void)state;
	expect(0, "taggedImage", ID, NULL, NO_DIGEST,
	       "{\"details\":{\"type\":\"docker\",\"source\":\"igor\"},"
	       "\"content\":{\"account\":\"my-registry\","
	       "\"registry\":\"reg.example:5000\","
	       "\"repository\":\"library/nginx\",\"tag\":\"1.25\","
	       "\"digest\":null},"
	       "\"artifact\":{\"fileName\":\"library/nginx:1.25\","
	       "\"reference\":\"reg.example:5000/library/nginx:1.25\","
	       "\"name\":\"library/nginx\",\"type\":\"docker\","
	       "\"version\":\"1.25\","
	       "\"metadata\":{\"registry\":\"reg.example:5000\"},"
	       "\"decorated\":false}}");
}

static void a_changed_digest_is_an_event_only_with_track_digests(void **state)
{
	struct drg_account *acct = account(1);
	char *event = drg_event_describe(acct, "taggedImage", ID, DIGEST_A,
					 DIGEST_B);

	(void)state;
	assert_non_null(event);
	assert_non_null(strstr(event, "\"digest\":\"sha256:bb\""));
	free(event);
	drg_account_free(acct);
	expect(0, "taggedImage", ID, DIGEST_A, DIGEST_B, NULL);
}

static void a_digest_appearing_or_vanishing_is_no_event(void **state)
{
	(void)state;
	expect(1, "taggedImage", ID, NO_DIGEST, DIGEST_A, NULL);
	expect(1, "taggedImage", ID, DIGEST_A, NO_DIGEST, NULL);
	expect(1, "taggedImage", ID, DIGEST_A, DIGEST_A, NULL);
}

static void other_records_are_no_event(void **state)
{
	(void)state;
	expect(1, "imageId",
	       "dockerRegistry:imageId:reg.example:5000/library/nginx:1.25",
	       NULL, "{}", NULL);
	expect(1, "taggedImage", "not-a-key", NULL, "{}", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_new_tag_is_igor_s_docker_event),
		cmocka_unit_test(a_new_tag_without_digest_has_digest_null),
		cmocka_unit_test(a_changed_digest_is_an_event_only_with_track_digests),
		cmocka_unit_test(a_digest_appearing_or_vanishing_is_no_event),
		cmocka_unit_test(other_records_are_no_event),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
