/* link and url: Link pagination targets (§3.2, pitfalls #15-#17). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/link.h"
#include "util/url.h"

static char out[1024];

static void relative_link_quoted_rel(void **state)
{
	(void)state;
	assert_int_equal(drg_link_next("</v2/_catalog?last=beta&n=2>; rel=\"next\"",
				       out, sizeof(out)), 1);
	assert_string_equal(out, "/v2/_catalog?last=beta&n=2");
}

static void unquoted_rel_any_case_and_rel_lists(void **state)
{
	(void)state;
	assert_int_equal(drg_link_next("</a>;rel=NEXT", out, sizeof(out)), 1);
	assert_string_equal(out, "/a");
	assert_int_equal(drg_link_next("</b>; rel=\"prefetch next\"", out, sizeof(out)), 1);
	assert_string_equal(out, "/b");
	assert_int_equal(drg_link_next("</c>; REL = \"next\" ; title=x", out, sizeof(out)), 1);
	assert_string_equal(out, "/c");
}

static void picks_next_among_several_links(void **state)
{
	(void)state;
	assert_int_equal(drg_link_next("</first>; rel=\"first\", </p?x=a,b;c>; rel=\"next\", ",
				       out, sizeof(out)), 1);
	assert_string_equal(out, "/p?x=a,b;c");
	assert_int_equal(drg_link_next("</prev>; rel=prev", out, sizeof(out)), 0);
	assert_int_equal(drg_link_next("", out, sizeof(out)), 0);
	assert_int_equal(drg_link_next("<unterminated; rel=next", out, sizeof(out)), 0);
	assert_int_equal(drg_link_next("rel=next", out, sizeof(out)), 0);
}

static void opaque_tokens_are_verbatim(void **state)
{
	(void)state;
	assert_int_equal(drg_link_next("</v2/coreos/etcd/tags/list?next_page=gAAAA%2Fc%3D&n=50>; rel=\"next\"",
				       out, sizeof(out)), 1);
	assert_string_equal(out, "/v2/coreos/etcd/tags/list?next_page=gAAAA%2Fc%3D&n=50");
	assert_int_equal(drg_link_resolve("https://r.example/v2/coreos/etcd/tags/list?n=50",
					  "https://r.example", out, out, sizeof(out)), 0);
	assert_string_equal(out, "https://r.example/v2/coreos/etcd/tags/list?next_page=gAAAA%2Fc%3D&n=50");
}

static void too_small_output(void **state)
{
	char tiny[4];

	(void)state;
	assert_int_equal(drg_link_next("</long/path>; rel=next", tiny, sizeof(tiny)), -1);
}

static void resolves_relative_forms(void **state)
{
	(void)state;
	assert_int_equal(drg_url_resolve("http://h:5000/v2/a/tags/list?n=1",
					 "/v2/a/tags/list?last=x", out, sizeof(out)), 0);
	assert_string_equal(out, "http://h:5000/v2/a/tags/list?last=x");
	assert_int_equal(drg_url_resolve("http://h/v2/a/tags/list?n=1", "?last=y",
					 out, sizeof(out)), 0);
	assert_string_equal(out, "http://h/v2/a/tags/list?last=y");
	assert_int_equal(drg_url_resolve("http://h/v2/a/tags/list", "list2?z",
					 out, sizeof(out)), 0);
	assert_string_equal(out, "http://h/v2/a/tags/list2?z");
	assert_int_equal(drg_url_resolve("https://h/v2/", "//other:1/x", out, sizeof(out)), 0);
	assert_string_equal(out, "https://other:1/x");
	assert_int_equal(drg_url_resolve("https://h/v2/", "HTTP://abs/x", out, sizeof(out)), 0);
	assert_string_equal(out, "HTTP://abs/x");
	assert_int_equal(drg_url_resolve("https://h", "token", out, sizeof(out)), 0);
	assert_string_equal(out, "https://h/token");
	assert_int_equal(drg_url_resolve("not a url", "/x", out, sizeof(out)), -1);
	assert_int_equal(drg_url_resolve("https://h/", "ftp://x/y", out, sizeof(out)), -1);
}

static void absolute_same_origin_link(void **state)
{
	(void)state;
	/* ECR: absolute Link on the same host with an opaque token. */
	assert_int_equal(drg_link_resolve("https://1.dkr.ecr.aws/v2/img/tags/list?n=100",
					  "https://1.dkr.ecr.aws",
					  "https://1.dkr.ecr.aws/v2/img/tags/list?last=OPAQUE%2B%3D",
					  out, sizeof(out)), 0);
	assert_string_equal(out, "https://1.dkr.ecr.aws/v2/img/tags/list?last=OPAQUE%2B%3D");
}

static void other_host_link_is_rebased(void **state)
{
	(void)state;
	assert_int_equal(drg_link_resolve("http://127.0.0.1:5000/v2/a/tags/list",
					  "http://127.0.0.1:5000",
					  "http://evil.example:80/v2/a/tags/list?last=t",
					  out, sizeof(out)), 0);
	assert_string_equal(out, "http://127.0.0.1:5000/v2/a/tags/list?last=t");
}

static void base_path_is_reapplied(void **state)
{
	const char *reg = "https://art.example/artifactory/api/docker/repo";

	(void)state;
	/* JFrog RTFACT-18971: the Link drops /artifactory/api/docker/repo. */
	assert_int_equal(drg_link_resolve(
		"https://art.example/artifactory/api/docker/repo/v2/x/tags/list?n=10",
		reg, "/v2/x/tags/list?last=10&n=10", out, sizeof(out)), 0);
	assert_string_equal(out,
		"https://art.example/artifactory/api/docker/repo/v2/x/tags/list?last=10&n=10");
	/* A Link that kept the prefix is left alone. */
	assert_int_equal(drg_link_resolve(
		"https://art.example/artifactory/api/docker/repo/v2/x/tags/list?n=10",
		reg, "/artifactory/api/docker/repo/v2/x/tags/list?last=b", out, sizeof(out)), 0);
	assert_string_equal(out,
		"https://art.example/artifactory/api/docker/repo/v2/x/tags/list?last=b");
}

static void origins_and_params(void **state)
{
	char url[64] = "http://h/token";

	(void)state;
	assert_true(drg_url_same_origin("https://H:443/a", "https://h/b"));
	assert_false(drg_url_same_origin("http://h/a", "https://h/a"));
	assert_false(drg_url_same_origin("http://h:1/a", "http://h:2/a"));
	assert_true(drg_url_same_host("http://h:1/a", "https://H:2/a"));
	assert_true(drg_url_same_origin("http://[::1]:5/a", "http://[::1]:5"));
	assert_true(drg_url_is_https("HTTPS://x"));
	assert_int_equal(drg_url_add_param(url, sizeof(url), "scope",
					   "repository:a/b:pull,push"), 0);
	assert_string_equal(url, "http://h/token?scope=repository%3Aa%2Fb%3Apull%2Cpush");
	assert_int_equal(drg_url_add_param(url, 60, "service", "s"), -1);
	assert_string_equal(url, "http://h/token?scope=repository%3Aa%2Fb%3Apull%2Cpush");
	assert_int_equal(drg_url_add_param(url, 64, "n", "1"), 0);
	assert_string_equal(url, "http://h/token?scope=repository%3Aa%2Fb%3Apull%2Cpush&n=1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(relative_link_quoted_rel),
		cmocka_unit_test(unquoted_rel_any_case_and_rel_lists),
		cmocka_unit_test(picks_next_among_several_links),
		cmocka_unit_test(opaque_tokens_are_verbatim),
		cmocka_unit_test(too_small_output),
		cmocka_unit_test(resolves_relative_forms),
		cmocka_unit_test(absolute_same_origin_link),
		cmocka_unit_test(other_host_link_is_rebased),
		cmocka_unit_test(base_path_is_reapplied),
		cmocka_unit_test(origins_and_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
