/* listing: tags/list and _catalog pages read tolerantly (pitfall #21). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "registry/listing.h"

#define S(x) x, strlen(x)

static char seen[512];
static int stop_after;

static int collect(const char *name, void *data)
{
	(void)data;
	strncat(seen, name, sizeof(seen) - strlen(seen) - 2);
	strncat(seen, ",", sizeof(seen) - strlen(seen) - 1);
	return --stop_after == 0;
}

static int parse(const char *body, int kind)
{
	char err[64];

	seen[0] = '\0';
	stop_after = -1;
	return drg_listing_parse(body, strlen(body), kind, collect, NULL, err,
				 sizeof(err));
}

static void plain_pages(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"name\":\"a\",\"tags\":[\"v1\",\"latest\"]}", DRG_LISTING_TAGS), 0);
	assert_string_equal(seen, "v1,latest,");
	assert_int_equal(parse("{\"repositories\":[\"a\",\"b/c\"]}", DRG_LISTING_REPOSITORIES), 0);
	assert_string_equal(seen, "a,b/c,");
}

static void null_missing_and_odd_entries(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"name\":\"delta\",\"tags\":null}", DRG_LISTING_TAGS), 0);
	assert_string_equal(seen, "");
	assert_int_equal(parse("{\"name\":\"delta\"}", DRG_LISTING_TAGS), 0);
	assert_string_equal(seen, "");
	assert_int_equal(parse("{\"tags\":[null,\"a\",1,{},\"sha256:"
			       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\",\"b\"]}",
			       DRG_LISTING_TAGS), 0);
	assert_string_equal(seen, "a,b,");
	assert_int_equal(parse("{\"tags\":\"v1\",\"manifest\":{\"sha256:x\":{}}}", DRG_LISTING_TAGS), 0);
	assert_string_equal(seen, "");
}

static void gcr_extra_fields_ignored(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"child\":[],\"manifest\":{\"sha256:1\":{\"tag\":[\"x\"],"
			       "\"timeCreatedMs\":\"1\"}},\"name\":\"p/i\",\"tags\":[\"x\"]}",
			       DRG_LISTING_TAGS), 0);
	assert_string_equal(seen, "x,");
}

static void not_json_and_stop(void **state)
{
	char err[64] = "";

	(void)state;
	assert_int_equal(drg_listing_parse(S("404 page not found"), DRG_LISTING_TAGS, collect,
					   NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "response is not a JSON object");
	assert_int_equal(parse("[\"a\"]", DRG_LISTING_TAGS), -1);
	seen[0] = '\0';
	stop_after = 1;
	assert_int_equal(drg_listing_parse(S("{\"tags\":[\"a\",\"b\"]}"), DRG_LISTING_TAGS,
					   collect, NULL, err, sizeof(err)), 1);
	assert_string_equal(seen, "a,");
}

static void digests(void **state)
{
	(void)state;
	assert_true(drg_listing_is_digest("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
	assert_true(drg_listing_is_digest("sha512:0123456789abcdef0123456789abcdef"));
	assert_false(drg_listing_is_digest("v1.0"));
	assert_false(drg_listing_is_digest("sha256:short"));
	assert_false(drg_listing_is_digest("sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef"));
	assert_false(drg_listing_is_digest(":0123456789abcdef0123456789abcdef"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_pages),
		cmocka_unit_test(null_missing_and_odd_entries),
		cmocka_unit_test(gcr_extra_fields_ignored),
		cmocka_unit_test(not_json_and_stop),
		cmocka_unit_test(digests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
