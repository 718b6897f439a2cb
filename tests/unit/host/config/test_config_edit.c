/*
 * test_config_edit - the config file as a document: a missing file opens
 * empty, a broken one is refused with file:line; settings are set, replaced
 * (whatever their type), removed; a group renders without the members
 * left out; saving creates the directory, writes mode 0600 through a
 * temporary file that does not stay, keeps every other setting, and the
 * result reads back as cdhost reads it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "config/config_edit.h"
#include "config/config_view.h"
#include "testdir.h"

struct fixture {
	struct testdir dir;
	struct cdh_config_edit *edit;
	char path[512];
	char err[1024];
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

	cdh_config_edit_free(f->edit);
	testdir_release(&f->dir);
	return 0;
}

static struct cdh_config_edit *open_text(struct fixture *f, const char *text)
{
	const char *path = text ? testdir_write(&f->dir, "cdhost.cfg", text)
				: testdir_file(&f->dir, "cdhost.cfg");

	assert_non_null(path);
	snprintf(f->path, sizeof(f->path), "%s", path);
	cdh_config_edit_free(f->edit);
	f->edit = cdh_config_edit_open(f->path, f->err, sizeof(f->err));
	return f->edit;
}

static char *read_all(const char *path)
{
	static char buf[8192];
	FILE *file = fopen(path, "r");
	size_t n;

	assert_non_null(file);
	n = fread(buf, 1, sizeof(buf) - 1, file);
	buf[n] = '\0';
	fclose(file);
	return buf;
}

static void a_missing_file_opens_empty(void **state)
{
	struct fixture *f = *state;

	assert_non_null(open_text(f, NULL));
	assert_int_equal(cdh_config_edit_existed(f->edit), 0);
	assert_null(cdh_config_edit_section(f->edit, "dockerRegistry", 0));
}

static void a_syntax_error_names_file_and_line(void **state)
{
	struct fixture *f = *state;
	char expect[1100];

	assert_null(open_text(f, "a = 1;\nb = ;\n"));
	snprintf(expect, sizeof(expect), "%s:2: syntax error", f->path);
	assert_string_equal(f->err, expect);
}

static void settings_are_set_replaced_and_removed(void **state)
{
	struct fixture *f = *state;
	const char *const repos[] = { "library/nginx", "team/app" };
	struct cdh_config_node *section, *list, *account;
	const char *text;
	int32_t flag;
	int64_t num;

	assert_non_null(open_text(f, "dockerRegistry = { enabled = \"yes\"; };\n"));
	section = cdh_config_edit_section(f->edit, "dockerRegistry", 0);
	assert_non_null(section);
	/* A string replaced by a boolean. */
	assert_int_equal(cdh_config_edit_set_bool(section, "enabled", 1), 0);
	assert_int_equal(cdh_cfg_bool(cdh_cfg_member(section, "enabled"), &flag),
			 CDH_OK);
	assert_int_equal(flag, 1);
	list = cdh_config_edit_list(section, "accounts");
	account = cdh_config_edit_append_group(list);
	assert_non_null(account);
	assert_int_equal(cdh_config_edit_set_string(account, "name", "a"), 0);
	assert_int_equal(cdh_config_edit_set_int(account, "paginateSize", 50), 0);
	assert_int_equal(cdh_config_edit_set_int(account, "big", 5000000000LL), 0);
	assert_int_equal(cdh_config_edit_set_strings(account, "repositories",
						     repos, 2), 0);
	assert_int_equal(cdh_cfg_count(cdh_cfg_member(account, "repositories")), 2);
	assert_int_equal(cdh_cfg_int(cdh_cfg_member(account, "big"), &num), CDH_OK);
	assert_true(num == 5000000000LL);
	assert_int_equal(cdh_config_edit_set_string(account, "name", "b"), 0);
	assert_int_equal(cdh_cfg_string(cdh_cfg_member(account, "name"), &text),
			 CDH_OK);
	assert_string_equal(text, "b");
	cdh_config_edit_remove(account, "paginateSize");
	cdh_config_edit_remove(account, "absent");
	assert_null(cdh_cfg_member(account, "paginateSize"));
	cdh_config_edit_remove_at(list, 0);
	assert_int_equal(cdh_cfg_count(list), 0);
}

static void render_leaves_out_what_it_is_told(void **state)
{
	struct fixture *f = *state;
	static const char *const hidden[] = { "password", NULL };
	const struct cdh_config_node *account;
	char *text;

	assert_non_null(open_text(f, "a = { name = \"x\"; password = \"hunter2\"; "
				     "repositories = [\"r\"]; };\n"));
	account = cdh_config_edit_section(f->edit, "a", 0);
	text = cdh_config_edit_render(account, hidden);
	assert_non_null(text);
	assert_string_equal(text, "name = \"x\";\nrepositories = [ \"r\" ];\n");
	free(text);
}

static void save_creates_the_directory_and_writes_0600(void **state)
{
	struct fixture *f = *state;
	char dir[600], path[700];
	struct cdh_config_node *section;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/sub", f->dir.path);
	snprintf(path, sizeof(path), "%s/cdhost.cfg", dir);
	f->edit = cdh_config_edit_open(path, f->err, sizeof(f->err));
	assert_non_null(f->edit);
	section = cdh_config_edit_section(f->edit, "dockerRegistry", 1);
	assert_int_equal(cdh_config_edit_set_bool(section, "enabled", 1), 0);
	assert_int_equal(cdh_config_edit_save(f->edit, f->err, sizeof(f->err)), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_string_equal(read_all(path), "dockerRegistry = {\n  enabled = true;\n};\n");
	unlink(path);
	rmdir(dir);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.' || strlen(e->d_name) > 2;
	closedir(d);
	return n;
}

static void save_keeps_other_sections_and_reads_back(void **state)
{
	struct fixture *f = *state;
	struct cdh_config_node *section;
	struct cdh_config *config;
	const char *text = NULL;
	struct stat st;

	assert_non_null(open_text(f, "# gone\nhost = { listen = \"127.0.0.1:1\"; };\n"
				     "other = { x = 1.5; y = [1, 2]; };\n"));
	chmod(f->path, 0644);
	section = cdh_config_edit_section(f->edit, "dockerRegistry", 1);
	assert_int_equal(cdh_config_edit_set_string(section, "primaryAccount",
						    "q\"uote\\"), 0);
	assert_int_equal(cdh_config_edit_save(f->edit, f->err, sizeof(f->err)), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(count_entries(f->dir.path), 1); /* no temporary file */
	config = cdh_config_load(f->path, f->err, sizeof(f->err));
	assert_non_null(config);
	assert_string_equal(config->listen, "127.0.0.1:1");
	assert_non_null(cdh_config_section(config, "other"));
	assert_int_equal(cdh_cfg_string(cdh_cfg_member(cdh_config_section(
						config, "dockerRegistry"),
					       "primaryAccount"),
				&text),
			 CDH_OK);
	assert_string_equal(text, "q\"uote\\");
	cdh_config_free(config);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_missing_file_opens_empty, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_syntax_error_names_file_and_line,
						setup, teardown),
		cmocka_unit_test_setup_teardown(settings_are_set_replaced_and_removed,
						setup, teardown),
		cmocka_unit_test_setup_teardown(render_leaves_out_what_it_is_told,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			save_creates_the_directory_and_writes_0600, setup, teardown),
		cmocka_unit_test_setup_teardown(
			save_keeps_other_sections_and_reads_back, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
