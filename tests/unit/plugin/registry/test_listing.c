/* listing: tags/list and _catalog pages read tolerantly (pitfall #21). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <stdio.h>

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

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static char mseen[1024];

static int collect_manifest(const struct drg_listing_manifest *m, void *data)
{
	char line[256];

	(void)data;
	snprintf(line, sizeof(line), "%s=%.15s/%s/%lld,", m->tag, m->digest,
		 m->media_type, (long long)m->created_ms);
	strncat(mseen, line, sizeof(mseen) - strlen(mseen) - 1);
	return --stop_after == 0;
}

static int parse_gcr(const char *body)
{
	char err[64];

	seen[0] = mseen[0] = '\0';
	stop_after = -1;
	return drg_listing_parse_tags(body, strlen(body), collect,
				      collect_manifest, NULL, err, sizeof(err));
}

/* GCR's map: every tag of every digest, dates as strings or numbers. */
static void gcr_manifest_map(void **state)
{
	(void)state;
	assert_int_equal(parse_gcr("{\"child\":[],\"manifest\":{"
		"\"" D1 "\":{\"imageSizeBytes\":\"1\",\"layerId\":\"\","
		"\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
		"\"tag\":[\"v1\",\"latest\"],\"timeCreatedMs\":\"1700000000123\","
		"\"timeUploadedMs\":\"1700000001000\"},"
		"\"" D2 "\":{\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
		"\"tag\":[\"multi\"],\"timeCreatedMs\":0}},"
		"\"name\":\"p/i\",\"tags\":[\"latest\",\"multi\",\"v1\"]}"), 0);
	assert_string_equal(seen, "latest,multi,v1,");
	assert_non_null(strstr(mseen, "v1=sha256:11111111/application/vnd.docker.distribution.manifest.v2+json/1700000000123,"));
	assert_non_null(strstr(mseen, "latest=sha256:11111111/application/vnd.docker.distribution.manifest.v2+json/1700000000123,"));
	assert_non_null(strstr(mseen, "multi=sha256:22222222/application/vnd.oci.image.index.v1+json/0,"));
}

/* Untagged digests, odd keys and odd values are skipped or read as 0. */
static void gcr_odd_entries(void **state)
{
	(void)state;
	assert_int_equal(parse_gcr("{\"manifest\":{\"sha256:x\":{\"tag\":[\"bad\"]},"
		"\"" D1 "\":{\"tag\":[],\"timeCreatedMs\":\"5\"},"
		"\"" D2 "\":{\"tag\":[null,\"a\"],\"timeCreatedMs\":\"12x\"}},"
		"\"tags\":[\"a\"]}"), 0);
	assert_string_equal(mseen, "a=sha256:22222222//0,");
	assert_int_equal(parse_gcr("{\"manifest\":[],\"tags\":[\"a\"]}"), 0);
	assert_string_equal(mseen, "");
	assert_int_equal(parse_gcr("{\"manifest\":{\"" D1 "\":\"x\",\"" D2 "\":"
		"{\"tag\":\"a\",\"timeCreatedMs\":-4}}}"), 0);
	assert_string_equal(mseen, "");
	assert_int_equal(parse_gcr("{\"manifest\":{\"" D2 "\":"
		"{\"tag\":[\"a\"],\"timeCreatedMs\":-4,\"mediaType\":3}}}"), 0);
	assert_string_equal(mseen, "a=sha256:22222222//0,");
	/* Plain drg_listing_parse never reads the map. */
	assert_int_equal(parse("{\"manifest\":{\"" D1 "\":{\"tag\":[\"a\"]}}}",
			       DRG_LISTING_TAGS), 0);
}

static void gcr_stop(void **state)
{
	char err[64];

	(void)state;
	seen[0] = mseen[0] = '\0';
	stop_after = 2; /* one name, then the first tag of the map */
	assert_int_equal(drg_listing_parse_tags(S("{\"tags\":[\"a\"],\"manifest\":{\"" D1
		"\":{\"tag\":[\"a\",\"b\"]}}}"), collect, collect_manifest, NULL, err,
		sizeof(err)), 1);
	assert_string_equal(mseen, "a=sha256:11111111//0,");
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
		cmocka_unit_test(gcr_manifest_map),
		cmocka_unit_test(gcr_odd_entries),
		cmocka_unit_test(gcr_stop),
		cmocka_unit_test(not_json_and_stop),
		cmocka_unit_test(digests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
