/*
 * test_dockerconfig - docker config.json lookups in docker's order, base64,
 * and docker-credential-<name> helpers (a fake one on PATH).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "credentials/dockerconfig.h"

/* base64("alice:s3cret") and base64("bob:pa:ss") */
#define ALICE "YWxpY2U6czNjcmV0"
#define BOB "Ym9iOnBhOnNz"

static char helper_dir[64];

static void base64_decodes(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(drg_dockerconfig_base64_decode(ALICE, out, sizeof(out)), 12);
	assert_string_equal(out, "alice:s3cret");
	assert_int_equal(drg_dockerconfig_base64_decode("YQ==", out, sizeof(out)), 1);
	assert_string_equal(out, "a");
	assert_int_equal(drg_dockerconfig_base64_decode("YQ", out, sizeof(out)), 1);
	assert_int_equal(drg_dockerconfig_base64_decode("YWI=", out, sizeof(out)), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(drg_dockerconfig_base64_decode("", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(drg_dockerconfig_base64_decode("Y", out, sizeof(out)), -1);
	assert_int_equal(drg_dockerconfig_base64_decode("YW*i", out, sizeof(out)), -1);
	assert_int_equal(drg_dockerconfig_base64_decode(ALICE, out, 5), -1);
}

static void base64_takes_only_the_alphabet_and_trailing_padding(void **state)
{
	char out[64];

	(void)state;
	/* EVP_DecodeBlock alone would take all of these. */
	assert_int_equal(drg_dockerconfig_base64_decode("YQ==YQ==", out, sizeof(out)), -1);
	assert_int_equal(drg_dockerconfig_base64_decode(" YWI=", out, sizeof(out)), -1);
	assert_int_equal(drg_dockerconfig_base64_decode("YWI=\n", out, sizeof(out)), -1);
	assert_int_equal(drg_dockerconfig_base64_decode("YW I=", out, sizeof(out)), -1);
	assert_int_equal(drg_dockerconfig_base64_decode("YWJj-_==", out, sizeof(out)), -1);
	/* Padding zeros never count: 3 characters are 2 bytes, 6 are 4. */
	assert_int_equal(drg_dockerconfig_base64_decode("YWJ", out, sizeof(out)), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(drg_dockerconfig_base64_decode("YWJjZA", out, sizeof(out)), 4);
	assert_string_equal(out, "abcd");
	assert_int_equal(drg_dockerconfig_base64_decode("YWJjZA===", out, sizeof(out)), 4);
	/* Leftover bits are ignored, as docker's decoder does. */
	assert_int_equal(drg_dockerconfig_base64_decode("YR==", out, sizeof(out)), 1);
	assert_string_equal(out, "a");
}

static void base64_needs_room_for_the_nul(void **state)
{
	char out[16];

	(void)state;
	/* "alice:s3cret" is 12 bytes: 13 with its NUL. */
	assert_int_equal(drg_dockerconfig_base64_decode(ALICE, out, 13), 12);
	assert_string_equal(out, "alice:s3cret");
	assert_int_equal(drg_dockerconfig_base64_decode(ALICE, out, 12), -1);
	assert_int_equal(drg_dockerconfig_base64_decode("YWJ", out, 3), 2);
	assert_int_equal(drg_dockerconfig_base64_decode("YWJ", out, 2), -1);
	assert_int_equal(drg_dockerconfig_base64_decode("", out, 0), -1);
}

static void find(const char *json, const char *host, int hub,
		 struct drg_dockerconfig_entry *e)
{
	char err[256] = "";
	int rc = drg_dockerconfig_find(json, host, hub, e, err, sizeof(err));

	if (rc != 0)
		fprintf(stderr, "find: %s\n", err);
	assert_int_equal(rc, 0);
}

static void auths_entry_by_host(void **state)
{
	struct drg_dockerconfig_entry e;

	(void)state;
	find("{\"auths\":{\"other.io\":{\"auth\":\"" BOB "\"},"
	     "\"r.example:5000\":{\"auth\":\"" ALICE "\"}}}",
	     "r.example:5000", 0, &e);
	assert_int_equal(e.kind, DRG_DOCKERCONFIG_BASIC);
	assert_string_equal(e.username, "alice");
	assert_string_equal(e.secret, "s3cret");
	drg_dockerconfig_entry_release(&e);
	assert_int_equal(e.kind, DRG_DOCKERCONFIG_NONE);
	assert_null(e.secret);
}

static void keys_are_compared_as_hostnames(void **state)
{
	struct drg_dockerconfig_entry e;

	(void)state;
	/* docker's ConvertToHostname: scheme and path dropped, any case. */
	find("{\"auths\":{\"https://R.Example:5000/v1/\":{\"auth\":\"" BOB "\"}}}",
	     "r.example:5000", 0, &e);
	assert_int_equal(e.kind, DRG_DOCKERCONFIG_BASIC);
	assert_string_equal(e.username, "bob");
	assert_string_equal(e.secret, "pa:ss");
	drg_dockerconfig_entry_release(&e);
	/* Another port is another registry. */
	find("{\"auths\":{\"r.example:5001\":{\"auth\":\"" BOB "\"}}}",
	     "r.example:5000", 0, &e);
	assert_int_equal(e.kind, DRG_DOCKERCONFIG_NONE);
	drg_dockerconfig_entry_release(&e);
}

static void identity_token_and_plain_fields(void **state)
{
	struct drg_dockerconfig_entry e;

	(void)state;
	find("{\"auths\":{\"r.io\":{\"auth\":\"" ALICE "\",\"identitytoken\":\"tok-1\"}}}",
	     "r.io", 0, &e);
	assert_int_equal(e.kind, DRG_DOCKERCONFIG_TOKEN);
	assert_string_equal(e.username, DRG_IDENTITY_TOKEN_USER);
	assert_string_equal(e.secret, "tok-1");
	drg_dockerconfig_entry_release(&e);
	find("{\"auths\":{\"r.io\":{\"username\":\"u\",\"password\":\"p\"}}}",
	     "r.io", 0, &e);
	assert_int_equal(e.kind, DRG_DOCKERCONFIG_BASIC);
	assert_string_equal(e.username, "u");
	assert_string_equal(e.secret, "p");
	drg_dockerconfig_entry_release(&e);
	find("{\"auths\":{\"r.io\":{}}}", "r.io", 0, &e);
	assert_int_equal(e.kind, DRG_DOCKERCONFIG_NONE);
	drg_dockerconfig_entry_release(&e);
	find("{}", "r.io", 0, &e);
	assert_int_equal(e.kind, DRG_DOCKERCONFIG_NONE);
	drg_dockerconfig_entry_release(&e);
}

static void helpers_come_first_like_docker(void **state)
{
	struct drg_dockerconfig_entry e;
	static const char json[] =
		"{\"auths\":{\"r.io\":{\"auth\":\"" ALICE "\"},"
		"\"q.io\":{\"auth\":\"" ALICE "\"}},"
		"\"credsStore\":\"desktop\",\"credHelpers\":{\"r.io\":\"ecr-login\"}}";

	(void)state;
	find(json, "r.io", 0, &e);
	assert_int_equal(e.kind, DRG_DOCKERCONFIG_HELPER);
	assert_string_equal(e.helper, "ecr-login");
	assert_string_equal(e.server_url, "r.io");
	assert_null(e.secret);
	drg_dockerconfig_entry_release(&e);
	find(json, "q.io", 0, &e);
	assert_int_equal(e.kind, DRG_DOCKERCONFIG_HELPER);
	assert_string_equal(e.helper, "desktop");
	drg_dockerconfig_entry_release(&e);
}

static void docker_hub_names_all_match(void **state)
{
	struct drg_dockerconfig_entry e;

	(void)state;
	find("{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"" ALICE "\"}}}",
	     "docker.io", 1, &e);
	assert_int_equal(e.kind, DRG_DOCKERCONFIG_BASIC);
	assert_string_equal(e.username, "alice");
	drg_dockerconfig_entry_release(&e);
	find("{\"credsStore\":\"pass\"}", "registry-1.docker.io", 1, &e);
	assert_string_equal(e.server_url, "https://index.docker.io/v1/");
	drg_dockerconfig_entry_release(&e);
}

static void malformed_input_is_reported_without_secrets(void **state)
{
	struct drg_dockerconfig_entry e;
	char err[256] = "";

	(void)state;
	assert_int_equal(drg_dockerconfig_find("{\"auths\":{\"r.io\":{\"auth\":"
					       "\"c2VjcmV0LW5vLWNvbG9u\"}}}",
					       "r.io", 0, &e, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "the auths entry for r.io has an \"auth\" that "
				 "is not base64 of user:password");
	assert_null(strstr(err, "c2VjcmV0"));
	assert_int_equal(drg_dockerconfig_find("{\"auths\": [", "r.io", 0, &e, err,
					       sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "not a JSON object"));
	assert_int_equal(drg_dockerconfig_find("[1]", "r.io", 0, &e, err,
					       sizeof(err)),
			 -1);
}

static int make_helper(void **state)
{
	char path[128];
	FILE *f;

	(void)state;
	snprintf(helper_dir, sizeof(helper_dir), "/tmp/test_dockerconfig.XXXXXX");
	if (!mkdtemp(helper_dir))
		return -1;
	snprintf(path, sizeof(path), "%s/docker-credential-fake", helper_dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	/* The docker-credential-helpers protocol, as `get` speaks it. */
	fputs("#!/bin/sh\n"
	      "[ \"$1\" = get ] || exit 9\n"
	      "read -r server || true\n"
	      "case \"$server\" in\n"
	      "r.io) printf '{\"ServerURL\":\"r.io\",\"Username\":\"hu\","
	      "\"Secret\":\"hs3cret\"}\\n' ;;\n"
	      "missing) echo 'credentials not found in native keychain'; exit 1 ;;\n"
	      "garbage) echo 'not json' ;;\n"
	      "echoing) echo 'hs3cret-echo'; echo 'bad hs3cret-echo' >&2; exit 1 ;;\n"
	      "*) echo \"kaboom for $server\" >&2; exit 2 ;;\n"
	      "esac\n",
	      f);
	fclose(f);
	chmod(path, 0755);
	{
		const char *old = getenv("PATH");
		char newpath[4096];

		snprintf(newpath, sizeof(newpath), "%s:%s", helper_dir,
			 old ? old : "/usr/bin:/bin");
		setenv("PATH", newpath, 1);
	}
	return 0;
}

static int remove_helper(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/docker-credential-fake", helper_dir);
	unlink(path);
	rmdir(helper_dir);
	return 0;
}

static void helper_answers(void **state)
{
	char *user = NULL, *secret = NULL, err[256] = "";

	(void)state;
	assert_int_equal(drg_dockerconfig_helper_get("fake", "r.io", 5000, &user,
						     &secret, err, sizeof(err)),
			 0);
	assert_string_equal(user, "hu");
	assert_string_equal(secret, "hs3cret");
	free(user);
	free(secret);
	/* Not stored: anonymous, like docker. */
	assert_int_equal(drg_dockerconfig_helper_get("fake", "missing", 5000, &user,
						     &secret, err, sizeof(err)),
			 0);
	assert_string_equal(user, "");
	assert_string_equal(secret, "");
	free(user);
	free(secret);
}

static void helper_failures(void **state)
{
	char *user = NULL, *secret = NULL, err[256] = "";

	(void)state;
	assert_int_equal(drg_dockerconfig_helper_get("fake", "boom.io", 5000, &user,
						     &secret, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "docker-credential-fake exited with status 2: "
				 "kaboom for boom.io");
	assert_null(user);
	assert_null(secret);
	assert_int_equal(drg_dockerconfig_helper_get("fake", "garbage", 5000, &user,
						     &secret, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "docker-credential-fake printed no Username and Secret");
	assert_int_equal(drg_dockerconfig_helper_get("fake", "echoing", 5000, &user,
						     &secret, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "docker-credential-fake exited with status 1: bad ***");
	assert_int_equal(drg_dockerconfig_helper_get("nosuch", "r.io", 5000, &user,
						     &secret, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "cannot run docker-credential-nosuch"));
	assert_int_equal(drg_dockerconfig_helper_get("../../bin/sh", "r.io", 5000,
						     &user, &secret, err,
						     sizeof(err)),
			 -1);
	assert_string_equal(err, "credential helper name '../../bin/sh' is not valid");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(base64_decodes),
		cmocka_unit_test(base64_takes_only_the_alphabet_and_trailing_padding),
		cmocka_unit_test(base64_needs_room_for_the_nul),
		cmocka_unit_test(auths_entry_by_host),
		cmocka_unit_test(keys_are_compared_as_hostnames),
		cmocka_unit_test(identity_token_and_plain_fields),
		cmocka_unit_test(helpers_come_first_like_docker),
		cmocka_unit_test(docker_hub_names_all_match),
		cmocka_unit_test(malformed_input_is_reported_without_secrets),
		cmocka_unit_test_setup_teardown(helper_answers, make_helper,
						remove_helper),
		cmocka_unit_test_setup_teardown(helper_failures, make_helper,
						remove_helper),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
