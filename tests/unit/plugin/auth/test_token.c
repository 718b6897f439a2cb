/* token: token server answers and the per-scope cache (§2.5, pitfall #8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/token_scope.h"
#include "auth/token.h"

#define S(x) x, strlen(x)
#define SEC 1000000000ull

static void parse_ok(const char *body, const char *want, int64_t want_exp)
{
	char *token = NULL, err[128] = "";
	int64_t exp = 0;

	assert_int_equal(drg_token_parse(S(body), &token, &exp, err, sizeof(err)), 0);
	assert_string_equal(token, want);
	assert_int_equal(exp, want_exp);
	free(token);
}

static void token_and_access_token(void **state)
{
	(void)state;
	parse_ok("{\"token\":\"T\",\"access_token\":\"A\",\"expires_in\":300}", "T", 300);
	parse_ok("{\"access_token\":\"A\",\"expires_in\":3600}", "A", 3600);
	parse_ok("{\"token\":\"\",\"access_token\":\"A\"}", "A", 60);
	parse_ok("{\"token\":null,\"access_token\":\"A\",\"expires_in\":\"x\"}", "A", 60);
}

static void expires_in_default_and_minimum(void **state)
{
	(void)state;
	parse_ok("{\"token\":\"T\"}", "T", 60);
	parse_ok("{\"token\":\"T\",\"expires_in\":10}", "T", 60);
	parse_ok("{\"token\":\"T\",\"expires_in\":-5}", "T", 60);
	parse_ok("{\"token\":\"T\",\"expires_in\":61,\"issued_at\":\"2999-01-01T00:00:00Z\"}",
		 "T", 61);
}

static void errors_name_no_secret(void **state)
{
	char *token = (char *)1, err[128];
	int64_t exp;

	(void)state;
	assert_int_equal(drg_token_parse(S("{}"), &token, &exp, err, sizeof(err)), -1);
	assert_null(token);
	assert_string_equal(err, "token response has no token");
	assert_int_equal(drg_token_parse(S("<html>"), &token, &exp, err, sizeof(err)), -1);
	assert_string_equal(err, "token response is not a JSON object");
	assert_int_equal(drg_token_parse(S("[\"token\"]"), &token, &exp, err, sizeof(err)), -1);
}

static void cache_per_scope_with_expiry(void **state)
{
	struct drg_token_cache *c = drg_token_cache_new();
	uint64_t t0 = 1000 * SEC;

	(void)state;
	assert_non_null(c);
	assert_null(drg_token_cache_get(c, "repository:a:pull", t0));
	assert_int_equal(drg_token_cache_put(c, "repository:a:pull", "TA", 60, t0), 0);
	assert_int_equal(drg_token_cache_put(c, "repository:b:pull", "TB", 300, t0), 0);
	assert_string_equal(drg_token_cache_get(c, "repository:a:pull", t0), "TA");
	assert_string_equal(drg_token_cache_get(c, "repository:b:pull", t0), "TB");
	/* Renewed DRG_TOKEN_MARGIN_S before it expires. */
	assert_non_null(drg_token_cache_get(c, "repository:a:pull", t0 + 49 * SEC));
	assert_null(drg_token_cache_get(c, "repository:a:pull", t0 + 50 * SEC));
	assert_string_equal(drg_token_cache_get(c, "repository:b:pull", t0 + 50 * SEC), "TB");
	/* Replacing and dropping. */
	assert_int_equal(drg_token_cache_put(c, "repository:b:pull", "TB2", 10, t0), 0);
	assert_string_equal(drg_token_cache_get(c, "repository:b:pull", t0), "TB2");
	drg_token_cache_drop(c, "repository:b:pull");
	assert_null(drg_token_cache_get(c, "repository:b:pull", t0));
	drg_token_cache_drop(c, "nothing");
	assert_int_equal(drg_token_cache_put(c, "k", "huge", INT64_MAX, t0), 0);
	assert_non_null(drg_token_cache_get(c, "k", t0 + 86400 * SEC));
	drg_token_cache_free(c);
}

static void scopes(void **state)
{
	struct drg_token_scope_view v;
	struct drg_strvec vec = DRG_STRVEC_INIT;
	char buf[64];

	(void)state;
	assert_int_equal(drg_token_scope_repository("team/app", "pull", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "repository:team/app:pull");
	assert_int_equal(drg_token_scope_repository("x", "pull", buf, 8), -1);
	assert_string_equal(DRG_TOKEN_SCOPE_CATALOG, "registry:catalog:*");
	assert_int_equal(drg_token_scope_parse(S("repository:host:5000/a/b:pull,push"), &v), 0);
	assert_int_equal(v.type_len, 10);
	assert_memory_equal(v.name, "host:5000/a/b", v.name_len);
	assert_int_equal(v.name_len, strlen("host:5000/a/b"));
	assert_memory_equal(v.actions, "pull,push", v.actions_len);
	assert_int_equal(drg_token_scope_parse(S("repository::pull"), &v), 0);
	assert_int_equal(v.name_len, 0);
	assert_int_equal(drg_token_scope_parse(S("registry:catalog"), &v), -1);
	assert_int_equal(drg_token_scope_parse(S(":a:b"), &v), -1);
	assert_int_equal(drg_token_scope_add_unique(&vec, "repository:a:pull  repository:b:pull"), 0);
	assert_int_equal(drg_token_scope_add_unique(&vec, "repository:b:pull registry:catalog:*"), 0);
	assert_int_equal(vec.count, 3);
	assert_string_equal(vec.items[2], "registry:catalog:*");
	drg_strvec_release(&vec);
}

/* A repository name never adds a scope or changes a scope's actions. */
static void scope_names_refused(void **state)
{
	char buf[128] = "x";

	(void)state;
	assert_int_equal(drg_token_scope_repository("evil repository:victim/app:push",
						    "pull", buf, sizeof(buf)), -1);
	assert_string_equal(buf, "");
	assert_int_equal(drg_token_scope_repository("victim/app:push", "pull", buf,
						    sizeof(buf)), -1);
	assert_int_equal(drg_token_scope_repository("a\tb", "pull", buf, sizeof(buf)), -1);
	assert_int_equal(drg_token_scope_repository("", "pull", buf, sizeof(buf)), -1);
	assert_int_equal(drg_token_scope_repository("a.b_c-d/e", "pull", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "repository:a.b_c-d/e:pull");
}

/* An insufficient_scope challenge is asked for read-only. */
static void scope_read_only(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(drg_token_scope_read_only(
		"repository:team/app:pull repository:victim/app:push,delete "
		"registry:catalog:* registry:catalog:push "
		"repository(plugin):p:pull admin:x:* repository:a b:push",
		buf, sizeof(buf)), 0);
	assert_string_equal(buf, "repository:team/app:pull repository:victim/app:pull "
				 "registry:catalog:* registry:catalog:*");
	assert_int_equal(drg_token_scope_read_only("repository:x:*", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "repository:x:pull");
	assert_int_equal(drg_token_scope_read_only("weird nothing:here", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(drg_token_scope_read_only("repository:team/app:push", buf, 10), -1);
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(token_and_access_token),
		cmocka_unit_test(expires_in_default_and_minimum),
		cmocka_unit_test(errors_name_no_secret),
		cmocka_unit_test(cache_per_scope_with_expiry),
		cmocka_unit_test(scopes),
		cmocka_unit_test(scope_names_refused),
		cmocka_unit_test(scope_read_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
