/*
 * test_authz - Fiat's READ rules over host.authz's static table: a user
 * with the account's role, one without, anonymous, an admin, case, an
 * unknown user both ways, and how an account's roles are read from its
 * credentials JSON (permissions, legacy requiredGroupMembership).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "api/authz.h"

static char *admins[] = { "alice" };
static char *dev_roles[] = { "dev" };
static char *ops_roles[] = { "ops", "qa" };
static struct cdh_authz_user users[] = {
	{ "bob", { dev_roles, 1 } },
	{ "olga", { ops_roles, 2 } },
	{ "nora", { NULL, 0 } },
};

static struct cdh_authz_config table(int unknown_anonymous)
{
	struct cdh_authz_config authz = { 0 };

	authz.enabled = 1;
	authz.unknown_anonymous = unknown_anonymous;
	authz.admins.items = admins, authz.admins.count = 1;
	authz.users = users, authz.user_count = 3;
	return authz;
}

/* The account described by `json`, parsed as the directory does. */
static int reads(const struct cdh_authz_config *authz, const char *user,
		 int admin, const char *json)
{
	struct cdh_authz_account account;
	int allowed;

	assert_int_equal(cdh_authz_account_parse(json, &account), 0);
	allowed = cdh_authz_can_read(authz, user, admin, &account);
	cdh_authz_account_release(&account);
	return allowed;
}

#define DEV_READ "{\"name\":\"a\",\"permissions\":{\"READ\":[\"Dev\"],\"WRITE\":[\"dev\"]}," \
		 "\"requiredGroupMembership\":[]}"
#define OPEN "{\"name\":\"a\",\"permissions\":{},\"requiredGroupMembership\":[]}"
#define WRITE_ONLY "{\"name\":\"a\",\"permissions\":{\"WRITE\":[\"dev\"]}}"
#define LEGACY "{\"name\":\"a\",\"permissions\":{},\"requiredGroupMembership\":[\"QA\"]}"
#define BOTH "{\"name\":\"a\",\"permissions\":{\"READ\":[\"dev\"]}," \
	     "\"requiredGroupMembership\":[\"qa\"]}"

static void a_user_with_the_role_reads(void **state)
{
	struct cdh_authz_config authz = table(0);

	(void)state;
	assert_true(reads(&authz, "bob", 0, DEV_READ));
}

static void a_user_without_the_role_does_not(void **state)
{
	struct cdh_authz_config authz = table(0);

	(void)state;
	assert_false(reads(&authz, "olga", 0, DEV_READ));
	assert_false(reads(&authz, "nora", 0, DEV_READ));
}

static void anonymous_reads_only_open_accounts(void **state)
{
	struct cdh_authz_config authz = table(0);

	(void)state;
	assert_false(reads(&authz, NULL, 0, DEV_READ));
	assert_false(reads(&authz, "", 0, DEV_READ));
	assert_true(reads(&authz, NULL, 0, OPEN));
	assert_true(reads(&authz, "anonymous", 0, OPEN));
}

static void an_admin_reads_everything(void **state)
{
	struct cdh_authz_config authz = table(0);

	(void)state;
	assert_true(reads(&authz, "alice", 0, DEV_READ));
	assert_true(reads(&authz, "ALICE", 0, WRITE_ONLY));
	/* The command line reads as an admin. */
	assert_true(reads(&authz, NULL, 1, DEV_READ));
}

static void names_and_roles_compare_lower_case(void **state)
{
	struct cdh_authz_config authz = table(0);

	(void)state;
	assert_true(reads(&authz, "Bob", 0, DEV_READ));
	assert_true(reads(&authz, "OLGA", 0, LEGACY));
}

static void an_unknown_user_is_denied_or_anonymous(void **state)
{
	struct cdh_authz_config deny = table(0), anon = table(1);

	(void)state;
	assert_false(reads(&deny, "mallory", 0, OPEN));
	assert_false(reads(&deny, "mallory", 0, DEV_READ));
	assert_true(reads(&anon, "mallory", 0, OPEN));
	assert_false(reads(&anon, "mallory", 0, DEV_READ));
}

static void an_open_account_is_open_to_every_known_user(void **state)
{
	struct cdh_authz_config authz = table(0);

	(void)state;
	assert_true(reads(&authz, "nora", 0, OPEN));
	assert_true(reads(&authz, "bob", 0, "{\"name\":\"a\"}"));
	assert_true(reads(&authz, "bob", 0,
			  "{\"permissions\":{\"READ\":[],\"WRITE\":[]}}"));
}

static void write_does_not_give_read(void **state)
{
	struct cdh_authz_config authz = table(0);

	(void)state;
	assert_false(reads(&authz, "bob", 0, WRITE_ONLY));
}

static void legacy_groups_count_only_without_permissions(void **state)
{
	struct cdh_authz_config authz = table(0);

	(void)state;
	assert_true(reads(&authz, "olga", 0, LEGACY));
	assert_false(reads(&authz, "bob", 0, LEGACY));
	assert_false(reads(&authz, "olga", 0, BOTH));
	assert_true(reads(&authz, "bob", 0, BOTH));
}

static void off_or_missing_account(void **state)
{
	struct cdh_authz_config authz = table(0), off = table(0);

	(void)state;
	off.enabled = 0;
	assert_true(reads(&off, "mallory", 0, DEV_READ));
	assert_true(cdh_authz_can_read(NULL, "mallory", 0, NULL));
	/* An account not configured now is in no one's view but an admin's. */
	assert_false(cdh_authz_can_read(&authz, "bob", 0, NULL));
	assert_true(cdh_authz_can_read(&authz, "alice", 0, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_user_with_the_role_reads),
	    cmocka_unit_test(a_user_without_the_role_does_not),
	    cmocka_unit_test(anonymous_reads_only_open_accounts),
	    cmocka_unit_test(an_admin_reads_everything),
	    cmocka_unit_test(names_and_roles_compare_lower_case),
	    cmocka_unit_test(an_unknown_user_is_denied_or_anonymous),
	    cmocka_unit_test(an_open_account_is_open_to_every_known_user),
	    cmocka_unit_test(write_does_not_give_read),
	    cmocka_unit_test(legacy_groups_count_only_without_permissions),
	    cmocka_unit_test(off_or_missing_account),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
