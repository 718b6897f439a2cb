/*
 * test_fiat_view - reading Fiat's permission view: READ on a named account
 * (any case), admin, other authorizations, and views of the wrong shape
 * (a JSON null where a name or an authorization belongs, issue #19: it
 * crashed the service) give no permission.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>

#include "api/fiat_view.h"

/* cdh_fiat_view_reads on the parsed `body`. */
static int reads(const char *body, const char *account)
{
	json_object *view = json_tokener_parse(body);
	int allowed;

	assert_non_null(view);
	allowed = cdh_fiat_view_reads(view, account);
	json_object_put(view);
	return allowed;
}

static void read_on_a_named_account(void **state)
{
	const char *view =
		"{\"name\":\"bob\",\"admin\":false,\"accounts\":["
		"{\"name\":\"other\",\"authorizations\":[\"READ\"]},"
		"{\"name\":\"Docker-Hub\",\"authorizations\":[\"WRITE\",\"READ\"]},"
		"{\"name\":\"write-only\",\"authorizations\":[\"WRITE\"]}]}";

	(void)state;
	assert_int_equal(reads(view, "docker-hub"), 1);
	assert_int_equal(reads(view, "other"), 1);
	assert_int_equal(reads(view, "write-only"), 0);
	assert_int_equal(reads(view, "absent"), 0);
	assert_int_equal(reads("{\"admin\":true}", "anything"), 1);
	assert_int_equal(reads("{\"admin\":false}", "anything"), 0);
}

/* reads() on a view of one account: {"name": <name>, "authorizations":
 * <auths>}, both JSON texts. */
static int one_account_reads(const char *name, const char *auths,
			     const char *account)
{
	char body[256];

	snprintf(body, sizeof(body),
		 "{\"accounts\":[{\"name\":%s,\"authorizations\":%s}]}", name,
		 auths);
	return reads(body, account);
}

static void null_members_give_nothing(void **state)
{
	(void)state;
	assert_int_equal(reads("{\"accounts\":[{\"name\":null}]}", "a"), 0);
	assert_int_equal(one_account_reads("null", "[\"READ\"]", "a"), 0);
	assert_int_equal(one_account_reads("\"a\"", "[null,\"READ\"]", "a"), 1);
	assert_int_equal(one_account_reads("\"a\"", "[null]", "a"), 0);
	assert_int_equal(one_account_reads("\"a\"", "null", "a"), 0);
	assert_int_equal(reads("{\"accounts\":[null,{}],\"admin\":null}", "a"),
			 0);
}

static void other_types_give_nothing(void **state)
{
	(void)state;
	/* json-c would read 5 as "5" and "false" as true: not Fiat's types. */
	assert_int_equal(one_account_reads("5", "[\"READ\"]", "5"), 0);
	assert_int_equal(one_account_reads("[\"a\"]", "[[\"READ\"]]", "[ \"a\" ]"),
			 0);
	assert_int_equal(reads("{\"admin\":\"false\"}", "a"), 0);
	assert_int_equal(reads("{\"admin\":1}", "a"), 0);
	assert_int_equal(reads("{\"accounts\":{\"name\":\"a\"}}", "a"), 0);
	assert_int_equal(reads("[{\"admin\":true}]", "a"), 0);
	assert_int_equal(cdh_fiat_view_reads(NULL, "a"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(read_on_a_named_account),
		cmocka_unit_test(null_members_give_nothing),
		cmocka_unit_test(other_types_give_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
