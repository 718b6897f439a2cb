/*
 * test_settings - the settings descriptor hosts build their commands from
 * agrees with what the account reader accepts: every row is complete, every
 * setting is a field the reader knows, and every integer's range is the
 * reader's (its bounds accepted, one past them refused; 0 is the reader's
 * "use the default", which the range leaves out so that hosts refuse it).
 * And the README's "Every account setting" table has a row for each, so a
 * setting added later without its row fails here (#20).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "account/settings.h"
#include "account_fixture.h"

#define MINIMAL "name = \"acct\"; address = \"registry.example.com\";\n"

/* "field = value;" for `st`, dotted names as a group. */
static void member_text(const struct cdh_setting *st, const char *value,
			char *out, size_t len)
{
	const char *dot = strchr(st->name, '.');

	if (dot)
		snprintf(out, len, MINIMAL "%.*s = { %s = %s; };",
			 (int)(dot - st->name), st->name, dot + 1, value);
	else
		snprintf(out, len, MINIMAL "%s = %s;", st->name, value);
}

static int fixture_ndiags_matching(const char *needle)
{
	int i, n = 0;

	for (i = 0; i < fixture_ndiags; i++)
		n += strstr(fixture_diags[i], needle) != NULL;
	return n;
}

static int32_t parse_with(const struct cdh_setting *st, const char *value)
{
	struct drg_account *acct = NULL;
	char body[1024];
	int32_t rc;

	member_text(st, value, body, sizeof(body));
	rc = fixture_parse(body, &acct);
	drg_account_free(acct);
	return rc;
}

static void every_row_is_complete(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < DRG_ACCOUNT_SETTING_COUNT; i++) {
		const struct cdh_setting *st = &drg_account_settings[i];

		assert_int_equal(st->struct_size, sizeof(*st));
		assert_non_null(st->name);
		assert_non_null(st->help);
		assert_in_range(st->type, CDH_SETTING_STRING, CDH_SETTING_LIST);
		if (!(st->flags & CDH_SETTING_NO_FLAG))
			assert_memory_equal(st->flag, "--", 2);
		if (st->item_flag)
			assert_true(st->add_help && st->remove_help);
	}
}

static void every_setting_is_a_field_the_reader_knows(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < DRG_ACCOUNT_SETTING_COUNT; i++) {
		const struct cdh_setting *st = &drg_account_settings[i];
		const char *value = "\"/etc/hostname\"";
		char number[32];
		int32_t rc;

		if (!strcmp(st->name, "name") || !strcmp(st->name, "address"))
			continue;
		if (st->type == CDH_SETTING_INT) {
			snprintf(number, sizeof(number), "%lld",
				 (long long)st->max);
			value = number;
		} else if (st->type == CDH_SETTING_BOOL) {
			value = "true";
		} else if (st->type == CDH_SETTING_LIST) {
			value = "[ \"team-x\" ]";
		}
		rc = parse_with(st, value);
		if (rc != CDH_OK || fixture_ndiags_matching("unknown field"))
			fail_msg("setting %s = %s: rc %d", st->name, value, rc);
	}
}

static void integer_ranges_are_the_readers(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < DRG_ACCOUNT_SETTING_COUNT; i++) {
		const struct cdh_setting *st = &drg_account_settings[i];
		char value[32];

		if (st->type != CDH_SETTING_INT)
			continue;
		assert_true(st->min <= st->max);
		snprintf(value, sizeof(value), "%lld", (long long)st->min);
		assert_int_equal(parse_with(st, value), CDH_OK);
		snprintf(value, sizeof(value), "%lld", (long long)st->max);
		assert_int_equal(parse_with(st, value), CDH_OK);
		snprintf(value, sizeof(value), "%lld", (long long)st->max + 1);
		assert_int_equal(parse_with(st, value), CDH_E_CONFIG);
		if (st->min - 1 != 0) {
			snprintf(value, sizeof(value), "%lld",
				 (long long)st->min - 1);
			assert_int_equal(parse_with(st, value), CDH_E_CONFIG);
		}
	}
}

/* The README (CDH_README, the source tree's), whole; the caller frees. */
static char *read_readme(void)
{
	FILE *file = fopen(CDH_README, "r");
	char *text = NULL;
	long len;

	if (!file)
		fail_msg("cannot open %s", CDH_README);
	if (fseek(file, 0, SEEK_END) == 0 && (len = ftell(file)) > 0 &&
	    fseek(file, 0, SEEK_SET) == 0 &&
	    (text = calloc(1, (size_t)len + 1)) != NULL &&
	    fread(text, 1, (size_t)len, file) != (size_t)len) {
		free(text);
		text = NULL;
	}
	fclose(file);
	if (!text)
		fail_msg("cannot read %s", CDH_README);
	return text;
}

/* Every setting has a row whose first cell is its name: "| `name` |". */
static void the_readme_table_has_every_setting(void **state)
{
	char *readme = read_readme(), *table, *end, row[128];
	char missing[1024] = "";
	size_t i, used = 0;

	(void)state;
	table = strstr(readme, "#### Every account setting");
	assert_non_null(table);
	table = strstr(table, "\n| setting | flag | default |");
	assert_non_null(table);
	end = strstr(table + 1, "\n\n"); /* the table ends at a blank line */
	if (end)
		*end = '\0';
	for (i = 0; i < DRG_ACCOUNT_SETTING_COUNT; i++) {
		const char *name = drg_account_settings[i].name;

		snprintf(row, sizeof(row), "\n| `%s` |", name);
		if (!strstr(table, row) && used < sizeof(missing))
			used += (size_t)snprintf(missing + used,
						 sizeof(missing) - used, " %s",
						 name);
	}
	free(readme);
	if (missing[0])
		fail_msg("README.md's settings table has no row for:%s",
			 missing);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_row_is_complete),
		cmocka_unit_test(every_setting_is_a_field_the_reader_knows),
		cmocka_unit_test(integer_ranges_are_the_readers),
		cmocka_unit_test(the_readme_table_has_every_setting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
