/*
 * test_find_row - /find's text rendering of a plain record (find_row.h):
 * the bytes images.c's json-c rendering gives, and a refusal (0, so json-c
 * renders it) for every record json-c might read or print differently.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "query/find_row.h"

#define HEAD(digest)                                                           \
	"{\"repository\":\"team/app\",\"tag\":\"1.0\",\"account\":\"a\","        \
	"\"registry\":\"r:5000\"" digest
#define ARTIFACT(labels)                                                       \
	",\"artifact\":{\"name\":\"team/app\",\"type\":\"docker\",\"version\":"  \
	"\"1.0\",\"reference\":\"r:5000/team/app:1.0\",\"metadata\":{"           \
	"\"registry\":\"r:5000\"" labels "}}}"

static char out[16384];

static size_t row(const char *attributes, int details)
{
	return drg_find_row("a", "r:5000", "team/app", "1.0", attributes,
			    details, out, sizeof(out));
}

static void renders_plain_records(void **state)
{
	(void)state;
	assert_true(row("{\"name\":\"team/app:1.0\",\"account\":\"a\","
			"\"digest\":\"sha256:1\"}", 0) > 0);
	assert_string_equal(out, HEAD(",\"digest\":\"sha256:1\"")
				 ARTIFACT(",\"labels\":{}"));
	/* Details: the three labels by name, and the labels as stored. */
	assert_true(row("{\"digest\":\"d\",\"labels\":{\"branch\":\"main\","
			"\"x\":\"1\",\"commitId\":\"c0\"}}", 1) > 0);
	assert_string_equal(out, HEAD(",\"digest\":\"d\",\"commitId\":\"c0\","
				      "\"branch\":\"main\"")
				 ARTIFACT(",\"labels\":{\"branch\":\"main\","
					  "\"x\":\"1\",\"commitId\":\"c0\"}"));
	/* Labels null (an image without labels), or absent: no labels key. */
	assert_true(row("{\"labels\":null}", 1) > 0);
	assert_string_equal(out, HEAD("") ARTIFACT(""));
	assert_true(row("{}", 1) > 0);
	assert_string_equal(out, HEAD("") ARTIFACT(""));
	/* Spaces between the record's tokens do not matter; the last of a
	 * key twice is the one json-c keeps; a digest not a string is none. */
	assert_true(row(" { \"digest\" : \"a\" , \"digest\" : 12.5e3 } ", 0) > 0);
	assert_string_equal(out, HEAD("") ARTIFACT(",\"labels\":{}"));
	assert_true(row("{\"labels\":[1,{\"a\":[true,false,null]}]}", 1) > 0);
	assert_string_equal(out, HEAD("") ARTIFACT(""));
}

static void leaves_the_rest_to_json_c(void **state)
{
	static const char *const refused[] = {
		"{\"digest\":\"a\\u0041\"}",            /* an escape */
		"{\"labels\":{\"a\": \"b\"}}",          /* a space in the labels */
		"{\"labels\":{\"a\":\"b\",\"a\":\"c\"}}", /* a label twice */
		"{\"labels\":{\"a\":1}}",               /* a label not a string */
		"{\"labels\":{\"a\":\"b\",}}",          /* trailing commas */
		"{\"digest\":\"a\",}",
		"{\"digest\":\"a\" \"x\":1}",           /* a missing comma */
		"{\"digest\":\"a\"} x",                 /* trailing text */
		"{\"digest\":tru}",                     /* not JSON */
		"{\"digest\":01}",
		"{\"digest\":\"a\tb\"}",                /* a raw control byte */
		"[]",
		"",
	};
	char deep[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(refused) / sizeof(*refused); i++)
		assert_int_equal(row(refused[i], 1), 0);
	/* Deeper than json-c's 32 levels. */
	memset(deep, 0, sizeof(deep));
	memcpy(deep, "{\"x\":", 5);
	memset(deep + 5, '[', 40);
	memset(deep + 45, ']', 40);
	deep[85] = '}';
	assert_int_equal(row(deep, 1), 0);
	/* A name json-c would escape; an answer over the buffer. */
	assert_int_equal(drg_find_row("a", "r", "team/app", "1\"0", "{}", 0, out,
				      sizeof(out)), 0);
	assert_int_equal(drg_find_row("a", "r", "team/app", "1.0", "{}", 0, out,
				      64), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(renders_plain_records),
		cmocka_unit_test(leaves_the_rest_to_json_c),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
