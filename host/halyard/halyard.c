/*
 * halyard - the command tree of `cdhost config`, the session every command
 * shares (the document, the plugin), and the commands that need no flags:
 * enable, disable, account delete|get|list. add and edit are at the end.
 */
#include "halyard/halyard.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "config/config_view.h"
#include "halyard/halyard_internal.h"
#include "util/diag.h"

struct command {
	const char *name;
	const char *summary;
	const char *usage; /* what follows the name; NULL for a group */
	int (*run)(struct cdh_halyard_session *s, int argc, char **argv);
	const struct command *children; /* NULL-name terminated */
};

int cdh_halyard__fail(const struct cdh_halyard_session *s, int code,
		      const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "cdhost: %s: ", s->command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

/* ---- the session: the file, then the plugin when needed ---- */

static int session_open(struct cdh_halyard_session *s)
{
	char err[1024];

	if (s->doc)
		return 0;
	if (!s->path && !(s->path = cdh_config_default_path(s->env->config_arg)))
		return cdh_halyard__fail(s, HAL_EXIT_RUNTIME, "%s",
					 "out of memory");
	s->doc = cdh_config_edit_open(s->path, err, sizeof(err));
	if (!s->doc) {
		fprintf(stderr, "cdhost: %s\n", err);
		return HAL_EXIT_USAGE;
	}
	return 0;
}

/* The host section as `cdhost run` reads it (its errors stop everything,
 * unless `quiet`: --help shows what it can), for host.pluginDir. */
static int plugin_dir(struct cdh_halyard_session *s, int quiet)
{
	struct cdh_config *config = NULL;
	char err[1024];
	int existed = s->doc ? cdh_config_edit_existed(s->doc)
			     : access(s->path, F_OK) == 0;

	cdh_diag_set_quiet(quiet);
	if (existed)
		config = cdh_config_load(s->path, err, sizeof(err));
	cdh_diag_set_quiet(0);
	if (existed && !config && !quiet) {
		fprintf(stderr, "cdhost: %s\n", err);
		return HAL_EXIT_USAGE;
	}
	cdh_loader_choose_dir(s->env->plugin_dir_arg,
			      config ? config->plugin_dir : NULL, s->env->exe,
			      s->plugin_dir, sizeof(s->plugin_dir));
	cdh_config_free(config);
	return 0;
}

/* Every plugin of the plugin directory; the providers are among them. */
static int load_plugins(struct cdh_halyard_session *s, int quiet)
{
	char err[1024];
	int rc;

	if (!s->path && !(s->path = cdh_config_default_path(s->env->config_arg)))
		return cdh_halyard__fail(s, HAL_EXIT_RUNTIME, "%s",
					 "out of memory");
	if ((rc = plugin_dir(s, quiet)))
		return rc;
	s->loader = cdh_loader_new(s->env->exe, err, sizeof(err));
	if (!s->loader ||
	    (cdh_loader_scan(s->loader, s->plugin_dir, err, sizeof(err)) != 0 &&
	     !quiet))
		return cdh_halyard__fail(s, HAL_EXIT_RUNTIME, "%s", err);
	return 0;
}

/*
 * The ready plugin whose provider name is `cli` becomes the session's
 * provider: 0; -1 when there is none; HAL_EXIT_RUNTIME (said) when its
 * settings descriptor is malformed.
 */
static int find_provider(struct cdh_halyard_session *s, const char *cli)
{
	size_t i, n = s->loader ? cdh_loader_count(s->loader) : 0;
	char err[512];

	for (i = 0; i < n; i++) {
		const struct cdh_plugin_slot *slot =
		    cdh_loader_slot(s->loader, i);

		if (!slot->ready || !slot->desc.cli_name ||
		    strcmp(slot->desc.cli_name, cli) != 0)
			continue;
		if (cdh_halyard__provider_init(&s->provider, &slot->desc, err,
					       sizeof(err)) != 0)
			return cdh_halyard__fail(s, HAL_EXIT_RUNTIME, "%s", err);
		s->slot = slot;
		return 0;
	}
	return -1;
}

static void session_close(struct cdh_halyard_session *s)
{
	cdh_loader_free(s->loader);
	cdh_config_edit_free(s->doc);
	free(s->path);
}

static int session_save(const struct cdh_halyard_session *s)
{
	char err[1024];

	if (cdh_config_edit_save(s->doc, err, sizeof(err)) != 0)
		return cdh_halyard__fail(s, HAL_EXIT_RUNTIME, "%s", err);
	return 0;
}

/* Validates the changed document and writes it. */
static int session_commit(struct cdh_halyard_session *s, const char *target)
{
	int rc = cdh_halyard__check_section(s, target);

	return rc ? rc : session_save(s);
}

/* ---- the section and its accounts ---- */

static struct cdh_config_node *accounts_list(struct cdh_halyard_session *s,
					     int create)
{
	struct cdh_config_node *section =
	    cdh_config_edit_section(s->doc, s->provider.section, create);

	if (!section)
		return NULL;
	if (!create)
		return (struct cdh_config_node *)(void *)(uintptr_t)
		    cdh_cfg_member(section, "accounts");
	return cdh_config_edit_list(section, "accounts");
}

/* The index of account `name` in `list`, or -1. */
static long find_account(const struct cdh_config_node *list, const char *name)
{
	size_t i, count = cdh_cfg_type(list) == CDH_CFG_LIST
			      ? cdh_cfg_count(list)
			      : 0;

	for (i = 0; i < count; i++) {
		const char *value;

		if (cdh_cfg_string(cdh_cfg_member(cdh_cfg_at(list, i), "name"),
				   &value) == CDH_OK &&
		    strcmp(value, name) == 0)
			return (long)i;
	}
	return -1;
}

static int no_such_account(const struct cdh_halyard_session *s,
			   const char *name)
{
	return cdh_halyard__fail(s, HAL_EXIT_RUNTIME,
				 "No account with name \"%s\" was "
				 "found in %s (%s).",
				 name, s->provider.section, s->path);
}

/* Only --no-validate and --deployment (both without effect here) besides
 * `positional` positional arguments; fills pos[]. */
static int simple_args(const struct cdh_halyard_session *s, int argc,
		       char **argv, int positional, const char **pos)
{
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-validate") == 0)
			continue;
		if (strcmp(argv[i], "--deployment") == 0 && i + 1 < argc) {
			i++;
			continue;
		}
		if (strncmp(argv[i], "--deployment=", 13) == 0)
			continue;
		if (argv[i][0] == '-' || n == positional)
			return cdh_halyard__fail(s, HAL_EXIT_USAGE,
						 "unexpected argument %s",
						 argv[i]);
		pos[n++] = argv[i];
	}
	if (n < positional)
		return cdh_halyard__fail(s, HAL_EXIT_USAGE, "%s",
					 "an account name is required");
	return 0;
}

/* ---- enable | disable ---- */

static int set_enabled(struct cdh_halyard_session *s, int argc, char **argv,
		       int on)
{
	struct cdh_config_node *section;
	int rc;

	if ((rc = simple_args(s, argc, argv, 0, NULL)) ||
	    (rc = session_open(s)))
		return rc;
	section = cdh_config_edit_section(s->doc, s->provider.section, 1);
	if (!section || cdh_config_edit_set_bool(section, "enabled", on) != 0)
		return cdh_halyard__fail(s, HAL_EXIT_USAGE,
					 "%s: %s is not a group { ... }",
					 s->path, s->provider.section);
	if ((rc = session_commit(s, NULL)))
		return rc;
	printf("+ Successfully %s %s\n", on ? "enabled" : "disabled",
	       s->provider.section);
	return 0;
}

static int cmd_enable(struct cdh_halyard_session *s, int argc, char **argv)
{
	return set_enabled(s, argc, argv, 1);
}

static int cmd_disable(struct cdh_halyard_session *s, int argc, char **argv)
{
	return set_enabled(s, argc, argv, 0);
}

/* ---- account list | get | delete ---- */

static int cmd_list(struct cdh_halyard_session *s, int argc, char **argv)
{
	const struct cdh_config_node *list;
	size_t i, count;
	int rc;

	if ((rc = simple_args(s, argc, argv, 0, NULL)) ||
	    (rc = session_open(s)))
		return rc;
	list = accounts_list(s, 0);
	count = cdh_cfg_type(list) == CDH_CFG_LIST ? cdh_cfg_count(list) : 0;
	for (i = 0; i < count; i++) {
		const char *name;

		if (cdh_cfg_string(cdh_cfg_member(cdh_cfg_at(list, i), "name"),
				   &name) == CDH_OK)
			printf("%s\n", name);
	}
	return 0;
}

/* The top-level keys holding a secret setting ("a.B" hides all of a),
 * NULL-terminated, for cdh_config_edit_render. */
static void secret_keys(const struct cdh_halyard__provider *p,
			char keys[][64], const char **out)
{
	size_t i, n = 0;

	for (i = 0; i < p->setting_count; i++) {
		const char *name = p->settings[i].name;

		if (!(p->settings[i].flags & CDH_SETTING_SECRET))
			continue;
		snprintf(keys[n], 64, "%.*s", (int)strcspn(name, "."), name);
		out[n] = keys[n];
		n++;
	}
	out[n] = NULL;
}

/* The member `field` ("a.B": B of group a) of `account`, or NULL. */
static const struct cdh_config_node *
field_node(const struct cdh_config_node *account, const char *field)
{
	const char *dot = strchr(field, '.');
	char group[64];

	if (!dot)
		return cdh_cfg_member(account, field);
	snprintf(group, sizeof(group), "%.*s", (int)(dot - field), field);
	return cdh_cfg_member(cdh_cfg_member(account, group), dot + 1);
}

/* An integer written as 0 where the plugin does not take 0: Clouddriver's
 * reading (Groovy truthiness) makes it the default. */
static int zero_means_default(const struct cdh_setting *st,
			      const struct cdh_config_node *node)
{
	int64_t value;

	return st->type == CDH_SETTING_INT && st->min <= st->max &&
	       st->min > 0 && cdh_cfg_int(node, &value) == CDH_OK &&
	       value == 0;
}

/* What the service uses for the settings the file leaves out (or sets to
 * a 0 it replaces): the plugin's defaults (a placeholder is not one), as
 * comments. */
static void print_defaults(const struct cdh_halyard__provider *p,
			   const struct cdh_config_node *account,
			   const char *name)
{
	int header = 0;
	size_t i;

	for (i = 0; i < p->setting_count; i++) {
		const struct cdh_setting *st = &p->settings[i];
		int by_name = (st->flags & CDH_SETTING_DEFAULT_NAME) != 0;
		const char *value = by_name ? name : st->default_value;

		if (!value || (st->flags & CDH_SETTING_PLACEHOLDER))
			continue;
		if (field_node(account, st->name) &&
		    !zero_means_default(st, field_node(account, st->name)))
			continue;
		if (!header++)
			printf("# defaults in effect:\n");
		if (st->type == CDH_SETTING_STRING)
			printf("#   %s = \"%s\";\n", st->name, value);
		else
			printf("#   %s = %s;\n", st->name, value);
	}
}

static int cmd_get(struct cdh_halyard_session *s, int argc, char **argv)
{
	/* Secrets: their presence is shown, never their value. */
	char keys[HAL_SETTING_MAX][64];
	const char *hidden[HAL_SETTING_MAX + 1];
	const struct cdh_config_node *list, *account;
	const char *name;
	size_t i;
	long index;
	char *text;
	int rc;

	if ((rc = simple_args(s, argc, argv, 1, &name)) ||
	    (rc = session_open(s)))
		return rc;
	list = accounts_list(s, 0);
	if ((index = find_account(list, name)) < 0)
		return no_such_account(s, name);
	account = cdh_cfg_at(list, (size_t)index);
	secret_keys(&s->provider, keys, hidden);
	if (!(text = cdh_config_edit_render(account, hidden)))
		return cdh_halyard__fail(s, HAL_EXIT_RUNTIME, "%s",
					 "out of memory");
	fputs(text, stdout);
	free(text);
	for (i = 0; hidden[i]; i++)
		if (cdh_cfg_member(account, hidden[i]))
			printf("# %s is set (not shown)\n", hidden[i]);
	print_defaults(&s->provider, account, name);
	return 0;
}

/* The first account left, or none, becomes primary when the primary goes.
 * Returns 1 when it moved, with the new one's name in `now` ("" for none). */
static int fix_primary(struct cdh_config_node *section,
		       const struct cdh_config_node *list, const char *gone,
		       char *now, size_t nowlen)
{
	const char *primary = NULL, *first = NULL;

	if (cdh_cfg_string(cdh_cfg_member(section, "primaryAccount"),
			   &primary) != CDH_OK ||
	    strcmp(primary, gone) != 0)
		return 0;
	if (cdh_cfg_count(list) > 0 &&
	    cdh_cfg_string(cdh_cfg_member(cdh_cfg_at(list, 0), "name"),
			   &first) == CDH_OK) {
		snprintf(now, nowlen, "%s", first);
		cdh_config_edit_set_string(section, "primaryAccount", first);
	} else {
		snprintf(now, nowlen, "%s", "");
		cdh_config_edit_remove(section, "primaryAccount");
	}
	return 1;
}

/* Halyard moves the primary account silently; an operator wants to know. */
static void say_primary(const char *section, const char *now)
{
	if (*now)
		printf("+ %s.primaryAccount is now %s.\n", section, now);
	else
		printf("+ %s.primaryAccount removed: no account is left.\n",
		       section);
}

static int cmd_delete(struct cdh_halyard_session *s, int argc, char **argv)
{
	struct cdh_config_node *list;
	const char *name;
	char primary[256];
	long index;
	int rc, moved;

	if ((rc = simple_args(s, argc, argv, 1, &name)) ||
	    (rc = session_open(s)))
		return rc;
	list = accounts_list(s, 0);
	if ((index = find_account(list, name)) < 0)
		return no_such_account(s, name);
	/* `name` is argv's: it outlives the account's settings. */
	cdh_config_edit_remove_at(list, (size_t)index);
	moved = fix_primary(cdh_config_edit_section(s->doc, s->provider.section,
						     0),
			    list, name, primary, sizeof(primary));
	if ((rc = session_commit(s, NULL)))
		return rc;
	printf("+ Successfully deleted account %s for provider %s.\n", name,
	       s->provider.section);
	if (moved)
		say_primary(s->provider.section, primary);
	return 0;
}

/* ---- account add | edit ---- */

/* The account group to change: a new one (add) or the file's (edit). */
static struct cdh_config_node *target_account(struct cdh_halyard_session *s,
					      unsigned verb, const char *name,
					      int *rc)
{
	struct cdh_config_node *list = accounts_list(s, 1), *account;
	long index = list ? find_account(list, name) : -1;

	*rc = 0;
	if (!list) {
		*rc = cdh_halyard__fail(s, HAL_EXIT_USAGE,
					"%s: %s.accounts is not a list",
					s->path, s->provider.section);
		return NULL;
	}
	if (verb == HAL_VERB_EDIT && index < 0) {
		*rc = no_such_account(s, name);
		return NULL;
	}
	if (verb == HAL_VERB_ADD && index >= 0) {
		*rc = cdh_halyard__fail(s, HAL_EXIT_USAGE,
					"Account \"%s\" already exists in "
					"%s; use account edit",
					name, s->provider.section);
		return NULL;
	}
	if (index >= 0)
		return (struct cdh_config_node *)(void *)(uintptr_t)cdh_cfg_at(
		    list, (size_t)index);
	account = cdh_config_edit_append_group(list);
	if (!account || cdh_config_edit_set_string(account, "name", name) != 0)
		*rc = cdh_halyard__fail(s, HAL_EXIT_RUNTIME, "%s",
					"out of memory");
	return account;
}

/* Halyard's provider defaults: a new section starts disabled (until
 * `enable`), and its first account is the primary one. */
static int new_section(struct cdh_halyard_session *s, const char *name)
{
	struct cdh_config_node *section;

	if (cdh_config_edit_section(s->doc, s->provider.section, 0))
		return 0;
	section = cdh_config_edit_section(s->doc, s->provider.section, 1);
	if (!section || cdh_config_edit_set_bool(section, "enabled", 0) != 0)
		return -1;
	return cdh_config_edit_set_string(section, "primaryAccount", name);
}

/* A section without a primary account gets the first one. */
static int set_primary(struct cdh_halyard_session *s)
{
	struct cdh_config_node *section =
	    cdh_config_edit_section(s->doc, s->provider.section, 0);
	const struct cdh_config_node *list = cdh_cfg_member(section, "accounts");
	const char *primary = NULL, *name = NULL;

	if (cdh_cfg_string(cdh_cfg_member(section, "primaryAccount"),
			   &primary) == CDH_OK &&
	    *primary)
		return 0;
	if (cdh_cfg_string(cdh_cfg_member(cdh_cfg_at(list, 0), "name"),
			   &name) != CDH_OK)
		return 0;
	return cdh_config_edit_set_string(section, "primaryAccount", name);
}

static void warn_disabled(struct cdh_halyard_session *s)
{
	int32_t enabled = 1;

	cdh_cfg_bool(
	    cdh_cfg_member(cdh_config_edit_section(s->doc, s->provider.section, 0),
			   "enabled"),
	    &enabled);
	if (!enabled)
		fprintf(
		    stderr,
		    "- WARNING The %s provider is not enabled: its "
		    "accounts are not cached until `cdhost config provider %s "
		    "enable`.\n",
		    s->provider.cli, s->provider.cli);
}

static int change_account(struct cdh_halyard_session *s, unsigned verb,
			  struct cdh_halyard_flags *f)
{
	const char *name = cdh_halyard__flags_name(f);
	struct cdh_config_node *account;
	int rc;

	if ((rc = session_open(s)) ||
	    (rc = cdh_halyard__flags_read_stdin(s, f)))
		return rc;
	if (verb == HAL_VERB_ADD && new_section(s, name) != 0)
		return cdh_halyard__fail(s, HAL_EXIT_USAGE, "%s: %s is not a "
					 "group { ... }", s->path, s->provider.section);
	account = target_account(s, verb, name, &rc);
	if (!account)
		return rc;
	if (cdh_halyard__flags_apply(f, account) != 0 || set_primary(s) != 0)
		return cdh_halyard__fail(s, HAL_EXIT_RUNTIME, "%s",
					 "out of memory");
	if ((rc = cdh_halyard__check_section(s, name)))
		return rc;
	if (!cdh_halyard__flags_no_validate(f) &&
	    (rc = cdh_halyard__check_registry(s, account, name)))
		return rc;
	if ((rc = session_save(s)))
		return rc;
	warn_disabled(s);
	printf("+ Successfully %s account %s for provider %s.\n",
	       verb == HAL_VERB_ADD ? "added" : "edited", name, s->provider.section);
	return 0;
}

static int run_change(struct cdh_halyard_session *s, unsigned verb, int argc,
		      char **argv)
{
	struct cdh_halyard_flags *f = NULL;
	int rc = cdh_halyard__flags_parse(s, verb, argc, argv, &f);

	if (rc == 1)
		return 0; /* --help */
	if (rc == 0)
		rc = change_account(s, verb, f);
	cdh_halyard__flags_free(f);
	return rc;
}

static int cmd_add(struct cdh_halyard_session *s, int argc, char **argv)
{
	return run_change(s, HAL_VERB_ADD, argc, argv);
}

static int cmd_edit(struct cdh_halyard_session *s, int argc, char **argv)
{
	return run_change(s, HAL_VERB_EDIT, argc, argv);
}

/* ---- the tree ---- */

/* Summaries say PROVIDER where the provider's name goes. */
static const struct command account_commands[] = {
    {"add", "Add an account to the PROVIDER provider.",
     "ACCOUNT [parameters]", cmd_add, NULL},
    {"edit", "Edit an account in the PROVIDER provider.",
     "ACCOUNT [parameters]", cmd_edit, NULL},
    {"delete", "Delete a specific PROVIDER account by name.", "ACCOUNT",
     cmd_delete, NULL},
    {"get",
     "Get the specified account details for the PROVIDER "
     "provider (secrets are not shown).",
     "ACCOUNT", cmd_get, NULL},
    {"list", "List the account names for the PROVIDER provider.", "",
     cmd_list, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static const struct command provider_commands[] = {
    {"enable", "Set the PROVIDER provider as enabled", "", cmd_enable, NULL},
    {"disable", "Set the PROVIDER provider as disabled", "", cmd_disable,
     NULL},
    {"account",
     "Manage and view Spinnaker configuration for the "
     "PROVIDER provider's account",
     NULL, NULL, account_commands},
    {NULL, NULL, NULL, NULL, NULL},
};

/* Each provider's command, made from its plugin (see provider_command). */
static const struct command provider_template = {
    NULL,
    "Manage and view Spinnaker configuration for the PROVIDER provider",
    NULL,
    NULL,
    provider_commands,
};

static const struct command config_commands[] = {
    {"provider", "Configure, validate, and view the specified provider.", NULL,
     NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static const struct command root = {
    "config",
    "Configure, validate, and view your cdhost configuration "
    "(Halyard's `hal config`).",
    NULL,
    NULL,
    config_commands,
};

/* `text` with PROVIDER replaced by `cli`. */
static void put_text(FILE *out, const char *text, const char *cli)
{
	const char *at;

	while ((at = strstr(text, "PROVIDER"))) {
		fprintf(out, "%.*s%s", (int)(at - text), text, cli ? cli : "");
		text = at + strlen("PROVIDER");
	}
	fputs(text, out);
}

/* The providers (plugins with a provider name) as subcommands. */
static void print_providers(FILE *out, const struct cdh_halyard_session *s)
{
	size_t i, n = s->loader ? cdh_loader_count(s->loader) : 0;

	for (i = 0; i < n; i++) {
		const struct cdh_plugin_slot *slot =
		    cdh_loader_slot(s->loader, i);

		if (!slot->ready || !slot->desc.cli_name)
			continue;
		fprintf(out, "  %-16s ", slot->desc.cli_name);
		put_text(out, provider_template.summary, slot->desc.cli_name);
		fputc('\n', out);
	}
	if (!n)
		fprintf(out, "  (none: no plugin was found in %s)\n",
			s->plugin_dir);
}

static void print_help(FILE *out, const struct cdh_halyard_session *s,
		       const char *path, const struct command *c)
{
	const struct command *sub;
	const char *cli = s->slot ? s->provider.cli : NULL;

	fprintf(out, "cdhost %s\n\n  ", path);
	put_text(out, c->summary, cli);
	fprintf(out, "\n\nUSAGE\n  cdhost [--config FILE] %s %s\n", path,
		c->usage ? c->usage : "COMMAND");
	if (c == &config_commands[0]) {
		fprintf(out, "\nSUBCOMMANDS\n");
		print_providers(out, s);
	} else if (c->children) {
		fprintf(out, "\nSUBCOMMANDS\n");
		for (sub = c->children; sub->name; sub++) {
			fprintf(out, "  %-16s ", sub->name);
			put_text(out, sub->summary, cli);
			fputc('\n', out);
		}
	} else if (c->usage && *c->usage) {
		fprintf(
		    out,
		    "\nPARAMETERS\n  ACCOUNT\n      The name of the account "
		    "to operate on.\n");
	}
	fprintf(out, "\n--config defaults to $CDHOST_CONFIG, else "
		     "~/.cdhost/cdhost.cfg.\n");
}

static int is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

static int wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (is_help(argv[i]))
			return 1;
	return 0;
}

static int walk(struct cdh_halyard_session *s, const struct command *c,
		char *path, size_t pathlen, int argc, char **argv);

/*
 * `config provider NAME ...`: the plugins are loaded (the file first, so
 * that its errors come first; for --help whatever can be loaded), and NAME
 * is the provider name of one of them.
 */
static int run_provider(struct cdh_halyard_session *s,
			const struct command *c, char *path, size_t pathlen,
			int argc, char **argv)
{
	struct command provider = provider_template;
	int help = wants_help(argc, argv), rc;
	size_t len = strlen(path);

	if (!help && argc >= 2 && (rc = session_open(s)))
		return rc;
	if ((rc = load_plugins(s, help || argc < 2)))
		return rc;
	if (argc < 2 || is_help(argv[1])) {
		print_help(argc < 2 ? stderr : stdout, s, path, c);
		return argc < 2 ? HAL_EXIT_USAGE : 0;
	}
	if ((rc = find_provider(s, argv[1])) < 0) {
		fprintf(stderr,
			"cdhost: %s: unknown provider %s (no plugin in %s names "
			"it; see: cdhost plugins)\n\n",
			path, argv[1], s->plugin_dir);
		print_help(stderr, s, path, c);
		return HAL_EXIT_USAGE;
	}
	if (rc > 0)
		return rc;
	provider.name = s->provider.cli;
	snprintf(path + len, pathlen - len, " %s", provider.name);
	s->prefix_len = strlen(path) + 1;
	return walk(s, &provider, path, pathlen, argc - 1, argv + 1);
}

/* Walks argv down the tree; `path` accumulates "config provider ...". */
static int walk(struct cdh_halyard_session *s, const struct command *c,
		char *path, size_t pathlen, int argc, char **argv)
{
	const struct command *sub;
	size_t len = strlen(path);

	if (c == &config_commands[0])
		return run_provider(s, c, path, pathlen, argc, argv);
	if (c->run) {
		s->command = path + s->prefix_len;
		if (wants_help(argc, argv) && c->run != cmd_add &&
		    c->run != cmd_edit) {
			print_help(stdout, s, path, c);
			return 0;
		}
		return c->run(s, argc, argv);
	}
	if (argc < 2 || is_help(argv[1])) {
		print_help(argc < 2 ? stderr : stdout, s, path, c);
		return argc < 2 ? HAL_EXIT_USAGE : 0;
	}
	for (sub = c->children; sub->name; sub++)
		if (strcmp(sub->name, argv[1]) == 0)
			break;
	if (!sub->name) {
		fprintf(stderr, "cdhost: %s: unknown command %s\n\n", path,
			argv[1]);
		print_help(stderr, s, path, c);
		return HAL_EXIT_USAGE;
	}
	snprintf(path + len, pathlen - len, " %s", sub->name);
	return walk(s, sub, path, pathlen, argc - 1, argv + 1);
}

int cdh_halyard_main(const struct cdh_halyard_env *env, int argc, char **argv)
{
	struct cdh_halyard_session *s = calloc(1, sizeof(*s));
	char path[256] = "config";
	int rc;

	if (!s) {
		fprintf(stderr, "cdhost: config: out of memory\n");
		return HAL_EXIT_RUNTIME;
	}
	s->env = env;
	s->command = "config";
	rc = walk(s, &root, path, sizeof(path), argc, argv);
	session_close(s);
	free(s);
	return rc;
}
