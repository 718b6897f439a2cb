/*
 * test_sha1_utf16 - the hash Clouddriver keeps in P:T:hashes: SHA-1 over
 * the UTF-16LE encoding of the JSON (Guava putUnencodedChars). Expected
 * values from python3: hashlib.sha1(s.encode("utf-16-le")).hexdigest().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "store/sha1_utf16.h"

static const char *hash(const char *s, size_t len)
{
	static char hex[CDH_SHA1_HEX_LEN + 1];

	assert_int_equal(cdh_sha1_utf16_hex(s, len, hex), 0);
	return hex;
}

static void ascii_json_is_hashed_as_utf16le(void **state)
{
	(void)state;
	assert_string_equal(hash("{\"id\":\"_ALL_\"}", 14),
			    "cd01c9ce0a3931797637eb633855c12f0fa04b29");
	assert_string_equal(hash("", 0), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

static void a_two_byte_character_is_one_utf16_unit(void **state)
{
	const char *s = "{\"name\":\"caf\xc3\xa9:1\"}";

	(void)state;
	assert_string_equal(hash(s, strlen(s)),
			    "49427c432ed7b2fb9e562b680cfaff6537f9c93f");
}

static void a_character_beyond_the_bmp_is_a_surrogate_pair(void **state)
{
	const char *s = "x\xf0\x9f\x98\x80y";

	(void)state;
	assert_string_equal(hash(s, strlen(s)),
			    "cd946c2152471117ea94f3a3d37927f54b94f2d2");
}

static void an_invalid_byte_counts_as_the_replacement_character(void **state)
{
	(void)state;
	assert_string_equal(hash("a\xff" "b", 3),
			    "c78f0b0a4f47d9eeac803d38c8bbf0ddce3b3db0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ascii_json_is_hashed_as_utf16le),
	    cmocka_unit_test(a_two_byte_character_is_one_utf16_unit),
	    cmocka_unit_test(a_character_beyond_the_bmp_is_a_surrogate_pair),
	    cmocka_unit_test(an_invalid_byte_counts_as_the_replacement_character),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
