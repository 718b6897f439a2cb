/*
 * test_host_check - which Host headers the API serves (issue #19, item 12,
 * DNS rebinding): on loopback by default only IP addresses, localhost and
 * this machine's name; host.allowedHosts adds names ("*": any); a network
 * listener with the key unset serves any name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api/host_check.h"

static void loopback_defaults(void **state)
{
	struct cdh_host_check hc;
	char own[300], name[256] = "";

	(void)state;
	assert_int_equal(cdh_host_check_init(&hc, NULL, 0, 1), 0);
	assert_true(cdh_host_check_allows(&hc, "127.0.0.1:7002"));
	assert_true(cdh_host_check_allows(&hc, "[::1]:7002"));
	assert_true(cdh_host_check_allows(&hc, "10.1.2.3"));
	assert_true(cdh_host_check_allows(&hc, "localhost:7002"));
	assert_true(cdh_host_check_allows(&hc, "LocalHost."));
	assert_true(cdh_host_check_allows(&hc, "igor.localhost:7002"));
	assert_true(cdh_host_check_allows(&hc, NULL)); /* HTTP/1.0 */
	assert_false(cdh_host_check_allows(&hc, "attacker.example:7002"));
	assert_false(cdh_host_check_allows(&hc, "localhost.attacker.example"));
	assert_false(cdh_host_check_allows(&hc, "127.0.0.1.attacker.example"));
	assert_false(cdh_host_check_allows(&hc, ""));
	assert_false(cdh_host_check_allows(&hc, ":7002"));
	assert_int_equal(gethostname(name, sizeof(name) - 1), 0);
	snprintf(own, sizeof(own), "%s:7002", name);
	assert_true(cdh_host_check_allows(&hc, own));
	cdh_host_check_release(&hc);
}

static void configured_names_are_added(void **state)
{
	char *items[] = { "cdhost.internal", "Spin-Clouddriver" };
	struct cdh_names names = { items, 2 };
	struct cdh_host_check hc;

	(void)state;
	assert_int_equal(cdh_host_check_init(&hc, &names, 1, 1), 0);
	assert_true(cdh_host_check_allows(&hc, "cdhost.internal:7002"));
	assert_true(cdh_host_check_allows(&hc, "spin-clouddriver"));
	assert_true(cdh_host_check_allows(&hc, "127.0.0.1"));
	assert_false(cdh_host_check_allows(&hc, "attacker.example"));
	cdh_host_check_release(&hc);
	/* Set on a network listener: enforced there too. */
	assert_int_equal(cdh_host_check_init(&hc, &names, 1, 0), 0);
	assert_false(cdh_host_check_allows(&hc, "attacker.example"));
	cdh_host_check_release(&hc);
}

static void star_and_network_default_allow_any(void **state)
{
	char *items[] = { "*" };
	struct cdh_names star = { items, 1 }, empty = { NULL, 0 };
	struct cdh_host_check hc;

	(void)state;
	assert_int_equal(cdh_host_check_init(&hc, &star, 1, 1), 0);
	assert_true(cdh_host_check_allows(&hc, "attacker.example"));
	cdh_host_check_release(&hc);
	assert_int_equal(cdh_host_check_init(&hc, NULL, 0, 0), 0);
	assert_true(cdh_host_check_allows(&hc, "spin-clouddriver:7002"));
	cdh_host_check_release(&hc);
	/* An empty list set: only the built-ins, even on a network listener. */
	assert_int_equal(cdh_host_check_init(&hc, &empty, 1, 0), 0);
	assert_false(cdh_host_check_allows(&hc, "spin-clouddriver:7002"));
	assert_true(cdh_host_check_allows(&hc, "192.168.1.10:7002"));
	cdh_host_check_release(&hc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(loopback_defaults),
	    cmocka_unit_test(configured_names_are_added),
	    cmocka_unit_test(star_and_network_default_allow_any),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
