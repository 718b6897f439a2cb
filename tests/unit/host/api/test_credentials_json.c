/*
 * test_credentials_json - the account directory built from accounts and
 * Clouddriver's /credentials views of it: the summary gains primaryAccount
 * from the host's config, registry and tracking flags come from the expanded
 * JSON, accounts that cannot describe themselves are listed nowhere, and an
 * unknown name gets Clouddriver's 404 message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "api/credentials_json.h"
#include "failalloc.h"

#define HUB_SUMMARY                                                            \
	"{\"name\":\"hub\",\"cloudProvider\":\"dockerRegistry\","              \
	"\"primaryAccount\":false,\"type\":\"dockerRegistry\"}"
#define HUB_EXPANDED                                                           \
	"{\"name\":\"hub\",\"registry\":\"index.docker.io\","                  \
	"\"trackDigests\":true,\"sortTagsByDate\":true}"
#define QUAY_SUMMARY "{\"name\":\"quay\",\"cloudProvider\":\"dockerRegistry\"}"
#define QUAY_EXPANDED "{\"name\":\"quay\",\"registry\":\"quay.io\"}"
/* The expanded views as served: the host adds primaryAccount (false). */
#define HUB_EXPANDED_SERVED                                                    \
	"{\"name\":\"hub\",\"registry\":\"index.docker.io\","                  \
	"\"trackDigests\":true,\"sortTagsByDate\":true,\"primaryAccount\":"    \
	"false}"
#define QUAY_EXPANDED_SERVED                                                   \
	"{\"name\":\"quay\",\"registry\":\"quay.io\",\"primaryAccount\":"      \
	"false}"

struct fixture {
	struct cdh_accounts accounts;
	struct cdh_directory *dir;
	char *json;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->json);
	cdh_directory_release(f->dir);
	/* Hand-made accounts have no plugin nor instance: only memory to free.
	 */
	cdh_accounts_release(&f->accounts);
	return 0;
}

static char *copy(const char *s)
{
	char *out = s ? strdup(s) : NULL;

	if (s && !out)
		fail_msg("out of memory");
	return out;
}

/* An account as cdh_accounts_create leaves it after describe(). */
static void account(struct fixture *f, const char *name, const char *summary,
		    const char *expanded, int primary)
{
	struct cdh_account **grown, *acct = calloc(1, sizeof(*acct));

	grown = realloc(f->accounts.items,
			(f->accounts.count + 1) * sizeof(*grown));
	assert_non_null(acct);
	assert_non_null(grown);
	f->accounts.items = grown;
	f->accounts.items[f->accounts.count++] = acct;
	acct->name = copy(name);
	acct->summary_json = copy(summary);
	acct->expanded_json = copy(expanded);
	acct->primary = primary;
	acct->agent_count = 1;
}

static struct cdh_directory *build(struct fixture *f)
{
	f->dir = cdh_directory_build(&f->accounts);
	assert_non_null(f->dir);
	return f->dir;
}

static const char *keep(struct fixture *f, char *json)
{
	free(f->json);
	f->json = json;
	return json;
}

static const struct cdh_directory_entry *entry(struct fixture *f,
					       const char *name)
{
	const struct cdh_directory_entry *e = cdh_directory_find(f->dir, name);

	if (!e)
		fail_msg("no directory entry %s", name);
	return e;
}

/* ---- cdh_directory_build ---- */

static void the_primary_account_is_written_into_the_summary(void **state)
{
	struct fixture *f = *state;

	account(f, "hub", HUB_SUMMARY, HUB_EXPANDED, 1);
	account(f, "quay", QUAY_SUMMARY, QUAY_EXPANDED, 0);
	build(f);
	/* An existing key keeps its place; a missing one goes last. */
	assert_string_equal(
	    entry(f, "hub")->summary_json,
	    "{\"name\":\"hub\",\"cloudProvider\":\"dockerRegistry\","
	    "\"primaryAccount\":true,\"type\":\"dockerRegistry\"}");
	assert_string_equal(
	    entry(f, "quay")->summary_json,
	    "{\"name\":\"quay\",\"cloudProvider\":\"dockerRegistry\","
	    "\"primaryAccount\":false}");
}

/*
 * Clouddriver's CredentialsController.render() sets primaryAccount on every
 * view, expanded included (reference §5.3: /credentials/{name} "additionally
 * exposes" fields beyond the summary's). Only the host knows the setting.
 */
static void the_primary_account_is_written_into_the_expanded_too(void **state)
{
	struct fixture *f = *state;

	account(f, "hub", HUB_SUMMARY, HUB_EXPANDED, 1);
	account(f, "quay", QUAY_SUMMARY, QUAY_EXPANDED, 0);
	build(f);
	assert_string_equal(
	    entry(f, "hub")->expanded_json,
	    "{\"name\":\"hub\",\"registry\":\"index.docker.io\","
	    "\"trackDigests\":true,\"sortTagsByDate\":true,"
	    "\"primaryAccount\":true}");
	assert_string_equal(entry(f, "quay")->expanded_json,
			    QUAY_EXPANDED_SERVED);
}

static void registry_and_flags_come_from_the_expanded_json(void **state)
{
	struct fixture *f = *state;

	account(f, "hub", HUB_SUMMARY, HUB_EXPANDED, 0);
	account(f, "quay", QUAY_SUMMARY,
		"{\"name\":\"quay\",\"trackDigests\":false}", 0);
	build(f);
	assert_string_equal(entry(f, "hub")->registry, "index.docker.io");
	assert_int_equal(entry(f, "hub")->track_digests, 1);
	assert_int_equal(entry(f, "hub")->sort_tags_by_date, 1);
	assert_null(entry(f, "quay")->registry);
	assert_int_equal(entry(f, "quay")->track_digests, 0);
	assert_int_equal(entry(f, "quay")->sort_tags_by_date, 0);
}

static void a_null_registry_is_no_registry(void **state)
{
	struct fixture *f = *state;

	/* A plugin's describe may write null for an unset field. */
	account(f, "hub", HUB_SUMMARY,
		"{\"name\":\"hub\",\"registry\":null,\"trackDigests\":null}",
		0);
	build(f);
	assert_null(entry(f, "hub")->registry);
	assert_int_equal(entry(f, "hub")->track_digests, 0);
}

static void no_memory_for_the_registry_fails_the_build(void **state)
{
	struct fixture *f = *state;

	account(f, "hub", HUB_SUMMARY, HUB_EXPANDED, 0);
	account(f, "oom", QUAY_SUMMARY,
		"{\"name\":\"oom\",\"registry\":\"oom.example\"}", 0);
	/* Only the registry's own copy ends with it: the JSON texts end in '}'. */
	failalloc_strdup_ending("oom.example");
	f->dir = cdh_directory_build(&f->accounts);
	failalloc_strdup_ending(NULL);
	/* Not a directory that says "no registry" for oom. */
	assert_null(f->dir);
}

static void an_account_without_describe_has_a_bare_entry(void **state)
{
	struct fixture *f = *state;

	account(f, "bare", NULL, NULL, 1);
	build(f);
	assert_int_equal(f->dir->count, 1);
	assert_null(entry(f, "bare")->summary_json);
	assert_null(entry(f, "bare")->expanded_json);
	assert_null(entry(f, "bare")->registry);
}

static void empty_account_slots_are_skipped(void **state)
{
	struct fixture *f = *state;

	account(f, "hub", HUB_SUMMARY, HUB_EXPANDED, 0);
	account(f, "moved", QUAY_SUMMARY, QUAY_EXPANDED, 0);
	/* cdh_accounts_create leaves NULL where an account moved away. */
	free(f->accounts.items[1]->name);
	free(f->accounts.items[1]->summary_json);
	free(f->accounts.items[1]->expanded_json);
	free(f->accounts.items[1]);
	f->accounts.items[1] = NULL;
	build(f);
	assert_int_equal(f->dir->count, 1);
	assert_string_equal(f->dir->entries[0].name, "hub");
}

/* ---- the JSON views ---- */

static void the_list_has_every_summary_in_order(void **state)
{
	struct fixture *f = *state;

	account(f, "quay", QUAY_SUMMARY, QUAY_EXPANDED, 0);
	account(f, "bare", NULL, NULL, 0);
	account(f, "hub", HUB_SUMMARY, HUB_EXPANDED, 0);
	build(f);
	assert_string_equal(
	    keep(f, cdh_credentials_list_json(f->dir, 0)),
	    "[{\"name\":\"quay\",\"cloudProvider\":\"dockerRegistry\","
	    "\"primaryAccount\":false},"
	    "{\"name\":\"hub\",\"cloudProvider\":\"dockerRegistry\","
	    "\"primaryAccount\":false,\"type\":\"dockerRegistry\"}]");
}

static void the_expanded_list_has_every_expanded_entry(void **state)
{
	struct fixture *f = *state;

	account(f, "quay", QUAY_SUMMARY, QUAY_EXPANDED, 0);
	account(f, "bare", NULL, NULL, 0);
	account(f, "hub", HUB_SUMMARY, HUB_EXPANDED, 0);
	build(f);
	assert_string_equal(keep(f, cdh_credentials_list_json(f->dir, 1)),
			    "[" QUAY_EXPANDED_SERVED "," HUB_EXPANDED_SERVED
			    "]");
}

static void no_accounts_is_an_empty_list(void **state)
{
	struct fixture *f = *state;

	build(f);
	assert_string_equal(keep(f, cdh_credentials_list_json(f->dir, 0)),
			    "[]");
	assert_string_equal(keep(f, cdh_credentials_list_json(f->dir, 1)),
			    "[]");
}

static void get_is_the_expanded_entry(void **state)
{
	struct fixture *f = *state;

	account(f, "hub", HUB_SUMMARY, HUB_EXPANDED, 0);
	account(f, "bare", NULL, NULL, 0);
	build(f);
	assert_string_equal(keep(f, cdh_credentials_get_json(f->dir, "hub")),
			    HUB_EXPANDED_SERVED);
	assert_null(keep(f, cdh_credentials_get_json(f->dir, "bare")));
	assert_null(keep(f, cdh_credentials_get_json(f->dir, "nobody")));
	assert_null(keep(f, cdh_credentials_get_json(f->dir, "hu")));
}

static void not_found_is_clouddrivers_404_body(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(
	    keep(f, cdh_credentials_not_found_json("x")),
	    "{\"status\":404,\"error\":\"Not Found\","
	    "\"message\":\"Account does not exist (name: x)\"}");
	assert_string_equal(
	    keep(f, cdh_credentials_not_found_json("a/\"b\"")),
	    "{\"status\":404,\"error\":\"Not Found\","
	    "\"message\":\"Account does not exist (name: a/\\\"b\\\")\"}");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(the_primary_account_is_written_into_the_summary),
	    T(the_primary_account_is_written_into_the_expanded_too),
	    T(registry_and_flags_come_from_the_expanded_json),
	    T(no_memory_for_the_registry_fails_the_build),
	    T(an_account_without_describe_has_a_bare_entry),
	    T(empty_account_slots_are_skipped),
	    T(the_list_has_every_summary_in_order),
	    T(the_expanded_list_has_every_expanded_entry),
	    T(no_accounts_is_an_empty_list),
	    T(get_is_the_expanded_entry),
	    T(not_found_is_clouddrivers_404_body),
	    /* Last: before its fix it ends the process (strdup(NULL)). */
	    T(a_null_registry_is_no_registry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
