/*
 * test_halyard - the account flags as JCommander reads Halyard's: `--flag
 * value` and `--flag=value`, variable-arity lists split on commas, arity-1
 * booleans (alone: true), the one positional NAME; Halyard's conflicts; and
 * what applying them does to an account group: lists replaced or changed
 * item by item, one password option clearing the others, permissions in
 * fiat's group, an empty value clearing a field, paths made absolute.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account/settings.h"
#include "config/config_edit.h"
#include "config/config_view.h"
#include "halyard/halyard_internal.h"

struct fixture {
	struct cdh_halyard_session session;
	struct cdh_config_edit *doc;
	struct cdh_config_node *account;
	struct cdh_halyard_flags *flags;
	char err[256];
};

/* The docker_registry plugin's descriptor, as the host sees it. */
static const struct cdh_plugin_desc docker_desc = {
	.struct_size = sizeof(struct cdh_plugin_desc),
	.magic = CDH_PLUGIN_MAGIC,
	.name = "docker_registry",
	.config_section = "dockerRegistry",
	.cli_name = DRG_CLI_NAME,
	.settings = drg_account_settings,
	.setting_count = DRG_ACCOUNT_SETTING_COUNT,
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	f.session.command = "account edit";
	if (cdh_halyard__provider_init(&f.session.provider, &docker_desc, f.err,
				       sizeof(f.err)) != 0)
		return -1;
	f.doc = cdh_config_edit_open("/nonexistent-dir/cdhost.cfg", f.err,
				     sizeof(f.err));
	f.account = cdh_config_edit_append_group(cdh_config_edit_list(
		cdh_config_edit_section(f.doc, "dockerRegistry", 1), "accounts"));
	cdh_config_edit_set_string(f.account, "name", "acct");
	*state = &f;
	return f.account ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	cdh_halyard__flags_free(f->flags);
	cdh_config_edit_free(f->doc);
	return 0;
}

/* Parses `args` (space-separated, no quoting) for `verb`; the result code. */
static int parse(struct fixture *f, unsigned verb, const char *args)
{
	static char buf[1024];
	char *argv[64], *p = buf;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s %s", verb == HAL_VERB_ADD ? "add" : "edit",
		 args);
	while (*p && argc < 63) {
		argv[argc++] = p;
		p += strcspn(p, " ");
		if (*p)
			*p++ = '\0';
	}
	argv[argc] = NULL;
	cdh_halyard__flags_free(f->flags);
	f->flags = NULL;
	return cdh_halyard__flags_parse(&f->session, verb, argc, argv, &f->flags);
}

static void apply(struct fixture *f, const char *args)
{
	assert_int_equal(parse(f, HAL_VERB_EDIT, args), 0);
	assert_int_equal(cdh_halyard__flags_apply(f->flags, f->account), 0);
}

/* The account rendered, for comparing whole results. */
static const char *rendered(struct fixture *f)
{
	static char out[2048];
	char *text = cdh_config_edit_render(f->account, NULL);

	assert_non_null(text);
	snprintf(out, sizeof(out), "%s", text);
	free(text);
	return out;
}

static void values_lists_and_booleans(void **state)
{
	struct fixture *f = *state;

	apply(f, "acct --address=http://r:5000 --repositories a b,c "
		 "--track-digests --sort-tags-by-date false --cache-threads 2");
	assert_string_equal(rendered(f),
			    "name = \"acct\";\naddress = \"http://r:5000\";\n"
			    "repositories = [ \"a\", \"b\", \"c\" ];\n"
			    "cacheThreads = 2;\nsortTagsByDate = false;\n"
			    "trackDigests = true;\n");
	assert_string_equal(cdh_halyard__flags_name(f->flags), "acct");
}

static void lists_change_item_by_item(void **state)
{
	struct fixture *f = *state;

	apply(f, "acct --repositories a b");
	apply(f, "acct --add-repository c");
	apply(f, "acct --add-repository a --remove-repository b");
	assert_string_equal(rendered(f), "name = \"acct\";\n"
					 "repositories = [ \"a\", \"c\" ];\n");
	apply(f, "acct --repositories");
	assert_string_equal(rendered(f), "name = \"acct\";\n");
}

static void permissions_go_in_their_group(void **state)
{
	struct fixture *f = *state;

	apply(f, "acct --read-permissions dev ops --write-permissions ops");
	assert_string_equal(rendered(f),
			    "name = \"acct\";\npermissions = {\n"
			    "  READ = [ \"dev\", \"ops\" ];\n"
			    "  WRITE = [ \"ops\" ];\n};\n");
	apply(f, "acct --read-permissions --remove-write-permission ops");
	assert_string_equal(rendered(f), "name = \"acct\";\n");
}

static void one_password_option_clears_the_others(void **state)
{
	struct fixture *f = *state;

	cdh_config_edit_set_string(f->account, "password", "old");
	cdh_config_edit_set_string(f->account, "dockerconfigFile", "/d");
	apply(f, "acct --password-command echo");
	assert_string_equal(rendered(f), "name = \"acct\";\n"
					 "passwordCommand = \"echo\";\n");
}

static void an_empty_value_clears_and_paths_become_absolute(void **state)
{
	struct fixture *f = *state;
	char cwd[512], expect[1024];

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	apply(f, "acct --username=u --password-file=pw.txt");
	snprintf(expect, sizeof(expect),
		 "name = \"acct\";\npasswordFile = \"%s/pw.txt\";\n"
		 "username = \"u\";\n",
		 cwd);
	assert_string_equal(rendered(f), expect);
	apply(f, "acct --username=");
	assert_null(cdh_cfg_member(f->account, "username"));
}

static void halyards_conflicts_and_usage_errors(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, HAL_VERB_EDIT, "acct --repositories a "
						 "--add-repository b"),
			 HAL_EXIT_USAGE);
	assert_int_equal(parse(f, HAL_VERB_EDIT, "acct --password "
						 "--password-file f"),
			 HAL_EXIT_USAGE);
	assert_int_equal(parse(f, HAL_VERB_ADD, "acct --username u"),
			 HAL_EXIT_USAGE); /* --address is required */
	assert_int_equal(parse(f, HAL_VERB_ADD, "--address a"), HAL_EXIT_USAGE);
	assert_int_equal(parse(f, HAL_VERB_ADD, "acct other --address a"),
			 HAL_EXIT_USAGE);
	assert_int_equal(parse(f, HAL_VERB_ADD, "acct --address a --password x"),
			 HAL_EXIT_USAGE);
	assert_int_equal(parse(f, HAL_VERB_ADD, "acct --address a --password=x"),
			 HAL_EXIT_USAGE);
	assert_int_equal(parse(f, HAL_VERB_ADD, "acct --address a "
						"--add-repository r"),
			 HAL_EXIT_USAGE); /* edit only */
	assert_int_equal(parse(f, HAL_VERB_ADD, "acct --address --track-digests"),
			 HAL_EXIT_USAGE); /* --address lacks its value */
	assert_int_equal(parse(f, HAL_VERB_ADD, "--track-digests acct "
						"--address a"),
			 0); /* a boolean alone, then the name */
	assert_string_equal(cdh_halyard__flags_name(f->flags), "acct");
	assert_int_equal(parse(f, HAL_VERB_ADD, "acct --address a "
						"--track-digests=maybe"),
			 HAL_EXIT_USAGE);
	assert_int_equal(parse(f, HAL_VERB_ADD, "acct --address a "
						"--address b"),
			 HAL_EXIT_USAGE);
	assert_int_equal(parse(f, HAL_VERB_ADD, "acct --address a --password "
						"--no-validate --deployment d"),
			 0);
	assert_int_equal(cdh_halyard__flags_no_validate(f->flags), 1);
}

/* ---- any provider: the host knows none ---- */

/* A made-up provider, its table built with a newer header: each element
 * is bigger than the host's struct cdh_setting. */
struct newer_setting {
	struct cdh_setting s;
	const char *since_1_9;
};

#define NEWER(...)                                                             \
	{ { .struct_size = sizeof(struct newer_setting), __VA_ARGS__ },        \
	  "unknown to this host" }

static const struct newer_setting other_settings[] = {
	NEWER(.type = CDH_SETTING_STRING, .name = "endpoint",
	      .flag = "--endpoint", .flags = CDH_SETTING_REQUIRED,
	      .help = "Where it is."),
	NEWER(.type = CDH_SETTING_LIST, .name = "scope.tags", .flag = "--tags",
	      .default_value = "[]", .help = "Tags.", .item_flag = "tag",
	      .add_help = "Add a tag.", .remove_help = "Remove a tag."),
	NEWER(.type = CDH_SETTING_STRING, .name = "token", .flag = "--token",
	      .flags = CDH_SETTING_SECRET | CDH_SETTING_READ_FROM_STDIN,
	      .help = "Your token", .exclusive = 7),
	NEWER(.type = CDH_SETTING_STRING, .name = "tokenFile",
	      .flag = "--token-file", .flags = CDH_SETTING_PATH,
	      .help = "A file.", .exclusive = 7),
	NEWER(.type = CDH_SETTING_INT, .name = "retries", .flag = "--retries",
	      .min = 2, .max = 5, .help = "Retries."),
};

static struct cdh_plugin_desc other_desc(void)
{
	struct cdh_plugin_desc d = {
		.struct_size = sizeof(struct cdh_plugin_desc),
		.magic = CDH_PLUGIN_MAGIC,
		.name = "other_plugin",
		.config_section = "otherProvider",
		.cli_name = "other",
		.settings = &other_settings[0].s,
		.setting_count = sizeof(other_settings) / sizeof(other_settings[0]),
	};
	return d;
}

static int setup_other(void **state)
{
	struct cdh_plugin_desc d = other_desc();
	struct fixture *f;

	if (setup(state) != 0)
		return -1;
	f = *state;
	return cdh_halyard__provider_init(&f->session.provider, &d, f->err,
					  sizeof(f->err));
}

static void flags_come_from_any_descriptor(void **state)
{
	struct fixture *f = *state;
	const struct cdh_halyard__provider *p = &f->session.provider;
	static const char *const flags[] = {
		"--endpoint", "--tags", "--add-tag", "--remove-tag", "--token",
		"--token-file", "--retries", "--deployment", "--no-validate",
	};
	size_t i;

	assert_string_equal(p->cli, "other");
	assert_string_equal(p->section, "otherProvider");
	assert_int_equal(p->option_count, sizeof(flags) / sizeof(flags[0]));
	for (i = 0; i < p->option_count; i++)
		assert_string_equal(p->options[i].flag, flags[i]);
	assert_string_equal(p->settings[4].name, "retries"); /* walked by stride */
	assert_int_equal(p->settings[4].max, 5);

	apply(f, "acct --endpoint e --tags a,b --retries 3 --token-file=t");
	assert_string_equal(cdh_halyard__flags_name(f->flags), "acct");
	assert_non_null(strstr(rendered(f), "endpoint = \"e\";\n"));
	assert_non_null(strstr(rendered(f), "retries = 3;\n"));
	assert_non_null(strstr(rendered(f), "scope = {\n  tags = [ \"a\", \"b\" ];\n};\n"));
	apply(f, "acct --remove-tag a --add-tag c");
	assert_non_null(strstr(rendered(f), "tags = [ \"b\", \"c\" ];"));
}

static void checks_come_from_any_descriptor(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, HAL_VERB_ADD, "acct --tags a"),
			 HAL_EXIT_USAGE); /* --endpoint is required */
	assert_int_equal(parse(f, HAL_VERB_ADD, "acct --endpoint e --retries 1"),
			 HAL_EXIT_USAGE); /* below the plugin's range */
	assert_int_equal(parse(f, HAL_VERB_ADD, "acct --endpoint e --retries 6"),
			 HAL_EXIT_USAGE);
	assert_int_equal(parse(f, HAL_VERB_ADD, "acct --endpoint e --token x"),
			 HAL_EXIT_USAGE); /* read from stdin only */
	assert_int_equal(parse(f, HAL_VERB_ADD, "acct --endpoint e --token "
						"--token-file t"),
			 HAL_EXIT_USAGE); /* one of the group */
	assert_int_equal(parse(f, HAL_VERB_EDIT, "acct --tags a --add-tag b"),
			 HAL_EXIT_USAGE);
	assert_int_equal(parse(f, HAL_VERB_ADD, "acct --endpoint e --repositories a"),
			 HAL_EXIT_USAGE); /* not this provider's */
	assert_int_equal(parse(f, HAL_VERB_ADD, "acct --endpoint e --token"), 0);
}

static void a_malformed_descriptor_is_refused(void **state)
{
	struct fixture *f = *state;
	struct cdh_halyard__provider p;
	struct cdh_plugin_desc d = other_desc();
	struct cdh_setting bad[1] = {
		{ .struct_size = sizeof(struct cdh_setting),
		  .type = CDH_SETTING_STRING, .flag = "--x" } /* no name */
	};

	d.cli_name = NULL;
	assert_int_equal(cdh_halyard__provider_init(&p, &d, f->err,
						    sizeof(f->err)), -1);
	d = other_desc();
	d.settings = bad;
	d.setting_count = 1;
	assert_int_equal(cdh_halyard__provider_init(&p, &d, f->err,
						    sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "plugin other_plugin: account setting #0"));
	bad[0].name = "x";
	bad[0].type = 99;
	assert_int_equal(cdh_halyard__provider_init(&p, &d, f->err,
						    sizeof(f->err)), -1);
	bad[0].type = CDH_SETTING_STRING;
	bad[0].struct_size = 8; /* smaller than any version of the struct */
	assert_int_equal(cdh_halyard__provider_init(&p, &d, f->err,
						    sizeof(f->err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(values_lists_and_booleans, setup,
						teardown),
		cmocka_unit_test_setup_teardown(lists_change_item_by_item, setup,
						teardown),
		cmocka_unit_test_setup_teardown(permissions_go_in_their_group,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			one_password_option_clears_the_others, setup, teardown),
		cmocka_unit_test_setup_teardown(
			an_empty_value_clears_and_paths_become_absolute, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			halyards_conflicts_and_usage_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(flags_come_from_any_descriptor,
						setup_other, teardown),
		cmocka_unit_test_setup_teardown(checks_come_from_any_descriptor,
						setup_other, teardown),
		cmocka_unit_test_setup_teardown(
			a_malformed_descriptor_is_refused, setup_other, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
