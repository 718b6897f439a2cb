/*
 * test_account_paths - the account's file paths (passwordFile, catalogFile,
 * dockerconfigFile, caCertFile) read from a real config file: relative to
 * that file's directory, "~/" under $HOME, absolute as written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account/account.h"
#include "config/config.h"
#include "config/config_view.h"
#include "plugins/host_table.h"
#include "testdir.h"

struct fixture {
	struct testdir dir;
	struct cdh_config *config;
	struct drg_account *account;
	char expect[1024];
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	*state = &f;
	return testdir_init(&f.dir);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	drg_account_free(f->account);
	cdh_config_free(f->config);
	testdir_release(&f->dir);
	return 0;
}

/* Loads `fields` as the only account of a config file and parses it. */
static void load_account(struct fixture *f, const char *fields)
{
	char text[1024], err[512];
	const struct cdh_config_node *accounts;

	snprintf(text, sizeof(text),
		 "dockerRegistry = { accounts = ( { name = \"a\"; address = "
		 "\"http://127.0.0.1:1\"; %s } ); };\n",
		 fields);
	f->config = cdh_config_load(testdir_write(&f->dir, "cdhost.cfg", text),
				    err, sizeof(err));
	assert_non_null(f->config);
	accounts = cdh_cfg_member(cdh_config_section(f->config, "dockerRegistry"),
				  "accounts");
	assert_int_equal(drg_account_parse(cdh_host_table_get(),
					   cdh_cfg_at(accounts, 0), &f->account),
			 CDH_OK);
}

static void a_relative_password_file_is_beside_the_config(void **state)
{
	struct fixture *f = *state;

	load_account(f, "passwordFile = \"secrets/pass\"; username = \"u\";");
	snprintf(f->expect, sizeof(f->expect), "%s/secrets/pass", f->config->dir);
	assert_string_equal(f->account->password_file, f->expect);
}

static void a_relative_catalog_file_is_beside_the_config(void **state)
{
	struct fixture *f = *state;

	load_account(f, "catalogFile = \"catalog.json\";");
	snprintf(f->expect, sizeof(f->expect), "%s/catalog.json", f->config->dir);
	assert_string_equal(f->account->catalog_file, f->expect);
}

static void an_absolute_path_is_kept(void **state)
{
	struct fixture *f = *state;

	load_account(f, "caCertFile = \"/etc/ssl/ca.pem\";");
	assert_string_equal(f->account->ca_cert_file, "/etc/ssl/ca.pem");
}

static void a_home_path_is_under_home(void **state)
{
	struct fixture *f = *state;

	setenv("HOME", "/home/spinnaker", 1);
	load_account(f, "dockerconfigFile = \"~/.docker/config.json\";");
	assert_string_equal(f->account->dockerconfig_file,
			    "/home/spinnaker/.docker/config.json");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(a_relative_password_file_is_beside_the_config),
		T(a_relative_catalog_file_is_beside_the_config),
		T(an_absolute_path_is_kept),
		T(a_home_path_is_under_home),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
