/*
 * halyard - the flags of `account add` and `account edit`, as the
 * provider's settings descriptor makes them (halyard_options.c), parsed from
 * argv and applied to an account group of the document.
 *
 * As JCommander has them: `--flag value` or `--flag=value`; list flags are
 * variable-arity (`--repositories a b c`, up to the next --flag) and split
 * on commas; the account NAME is the one positional argument.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config/config_view.h"
#include "halyard/halyard_internal.h"
#include "halyard/secret_prompt.h"

struct item_list {
	char **items;
	size_t count;
};

struct cdh_halyard_flags {
	const struct cdh_halyard__provider *p;
	unsigned verb;
	const char *name;
	/* by option index */
	int given[HAL_OPTION_MAX];
	const char *value[HAL_OPTION_MAX];     /* one-value options */
	struct item_list list[HAL_OPTION_MAX]; /* HAL_OPT_LIST */
	char *secret; /* the HAL_OPT_STDIN option's value, read from stdin */
};

static int usage(const struct cdh_halyard_session *s, const char *fmt, ...)
    CDH_PRINTF(2, 3);

static int usage(const struct cdh_halyard_session *s, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr,
		"cdhost: %s: %s\n(see: cdhost config provider %s %s --help)\n",
		s->command, msg, s->provider.cli, s->command);
	return HAL_EXIT_USAGE;
}

static const struct cdh_halyard__option *
find_option(const struct cdh_halyard__provider *p, const char *arg, size_t len,
	    unsigned verb)
{
	size_t i;

	for (i = 0; i < p->option_count; i++) {
		const struct cdh_halyard__option *o = &p->options[i];

		if ((o->verbs & verb) && strlen(o->flag) == len &&
		    strncmp(o->flag, arg, len) == 0)
			return o;
	}
	return NULL;
}

static int is_flag(const char *arg)
{
	return arg[0] == '-' && arg[1] == '-';
}

static int push_item(struct item_list *list, const char *item)
{
	char **grown = realloc(list->items, (list->count + 1) * sizeof(*grown));

	if (!grown)
		return -1;
	list->items = grown;
	if (!(list->items[list->count] = strdup(item)))
		return -1;
	list->count++;
	return 0;
}

/* Appends the comma-separated items of `value` (JCommander's splitter). */
static int add_items(struct item_list *list, const char *value)
{
	const char *p = value;
	char *item;
	int rc;

	while (*p) {
		size_t len = strcspn(p, ",");

		if (len) {
			if (!(item = strndup(p, len)))
				return -1;
			rc = push_item(list, item);
			free(item);
			if (rc != 0)
				return -1;
		}
		p += len + (p[len] == ',');
	}
	return 0;
}

static int parse_list(struct cdh_halyard_flags *f, size_t k, int argc,
		      char **argv, int *i, const char *inline_value)
{
	if (inline_value && add_items(&f->list[k], inline_value) != 0)
		return -1;
	while (*i + 1 < argc && !is_flag(argv[*i + 1]))
		if (add_items(&f->list[k], argv[++*i]) != 0)
			return -1;
	return 0;
}

/* An integer the plugin would use: within the setting's range (a value
 * it would replace by its default, such as 0, is refused). */
static int check_int(const struct cdh_halyard_session *s,
		     const struct cdh_halyard__option *o, const char *value)
{
	const struct cdh_setting *st = o->setting;
	long long v;
	char *end;

	errno = 0;
	v = strtoll(value, &end, 10);
	if (!*value || *end || errno)
		return usage(s, "%s takes an integer, not \"%s\"", o->flag,
			     value);
	if (st && st->min <= st->max && (v < st->min || v > st->max))
		return usage(s, "%s must be between %lld and %lld, not %lld",
			     o->flag, (long long)st->min, (long long)st->max, v);
	return 0;
}

static int check_bool(const struct cdh_halyard_session *s, const char *flag,
		      const char *value)
{
	if (strcasecmp(value, "true") && strcasecmp(value, "false"))
		return usage(s, "%s takes true or false, not \"%s\"", flag,
			     value);
	return 0;
}

/* The value of a one-value flag: inline, or the next argument. NULL when
 * there is none. */
static const char *take_value(const struct cdh_halyard__option *o, int argc,
			      char **argv, int *i, const char *inline_value)
{
	if (inline_value)
		return inline_value;
	const char *next = *i + 1 < argc ? argv[*i + 1] : NULL;

	/* A boolean takes true/false after it, else stands alone for true
	 * (so `--track-digests NAME` works); another flag is nobody's value. */
	if (o->kind == HAL_OPT_BOOL && next && strcasecmp(next, "true") &&
	    strcasecmp(next, "false"))
		return "true";
	if (next && !is_flag(next))
		return argv[++*i];
	return o->kind == HAL_OPT_BOOL ? "true" : NULL;
}

/* A flag read from standard input (--password) never takes a value: one
 * would sit in the shell's history and in `ps` for everyone to read. The
 * value is not repeated. */
static int parse_stdin(const struct cdh_halyard_session *s,
		       const struct cdh_halyard__option *o, int argc,
		       char **argv, int i, const char *inline_value)
{
	if (inline_value || (i + 1 < argc && !is_flag(argv[i + 1])))
		return usage(
		    s,
		    "%s takes no value: it is read from standard "
		    "input (a value on the command line would be seen by "
		    "every user of this machine)",
		    o->flag);
	return 0;
}

static int parse_value(const struct cdh_halyard_session *s,
		       struct cdh_halyard_flags *f,
		       const struct cdh_halyard__option *o, int argc,
		       char **argv, int *i, const char *inline_value)
{
	size_t k = (size_t)(o - f->p->options);
	const char *value;

	switch (o->kind) {
	case HAL_OPT_STDIN:
		return parse_stdin(s, o, argc, argv, *i, inline_value);
	case HAL_OPT_FLAG:
		return inline_value ? usage(s, "%s takes no value", o->flag)
				    : 0;
	case HAL_OPT_LIST:
		if (parse_list(f, k, argc, argv, i, inline_value) != 0)
			return usage(s, "%s", "out of memory");
		return 0;
	default:
		break;
	}
	value = take_value(o, argc, argv, i, inline_value);
	if (!value)
		return usage(s, "%s needs a value", o->flag);
	f->value[k] = value;
	if (o->kind == HAL_OPT_INT)
		return check_int(s, o, value);
	if (o->kind == HAL_OPT_BOOL)
		return check_bool(s, o->flag, value);
	return 0;
}

static int parse_arg(const struct cdh_halyard_session *s,
		     struct cdh_halyard_flags *f, int argc, char **argv, int *i)
{
	const char *arg = argv[*i], *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	const struct cdh_halyard__option *o;

	if (!is_flag(arg)) {
		if (f->name)
			return usage(
			    s, "unexpected argument \"%s\" (the account is %s)",
			    arg, f->name);
		f->name = arg;
		return 0;
	}
	o = find_option(f->p, arg, len, f->verb);
	if (!o)
		return usage(s, "unknown option %.*s", (int)len, arg);
	if (f->given[o - f->p->options]++)
		return usage(s, "%s given twice", o->flag);
	return parse_value(s, f, o, argc, argv, i, eq ? eq + 1 : NULL);
}

static int given(const struct cdh_halyard_flags *f, const char *flag)
{
	const struct cdh_halyard__option *o =
	    find_option(f->p, flag, strlen(flag), f->verb);

	return o && f->given[o - f->p->options];
}

/* The options given of exclusive group `group` (edit's --add-/--remove-
 * flags aside). */
static int given_in_group(const struct cdh_halyard_flags *f, uint32_t group)
{
	size_t k;
	int n = 0;

	for (k = 0; k < f->p->option_count; k++) {
		const struct cdh_halyard__option *o = &f->p->options[k];

		if (f->given[k] && o->setting &&
		    o->setting->exclusive == group && o->kind != HAL_OPT_ADD &&
		    o->kind != HAL_OPT_REMOVE)
			n++;
	}
	return n;
}

/* Halyard's edit message: "Set either --a or --b or --c", the flags of the
 * group in the settings' order. */
static int either(const struct cdh_halyard_session *s,
		  const struct cdh_halyard__provider *p, uint32_t group)
{
	char msg[512] = "Set either";
	size_t i, len = strlen(msg);
	int first = 1;

	for (i = 0; i < p->setting_count && len < sizeof(msg); i++) {
		const struct cdh_setting *st = &p->settings[i];

		if (st->exclusive != group || !st->flag ||
		    (st->flags & CDH_SETTING_NO_FLAG))
			continue;
		len += (size_t)snprintf(msg + len, sizeof(msg) - len, " %s%s",
					first ? "" : "or ", st->flag);
		first = 0;
	}
	return usage(s, "%s", msg);
}

/* The exclusive_message every given option of `group` carries, or NULL. */
static const char *group_message(const struct cdh_halyard_flags *f,
				 uint32_t group)
{
	const char *message = NULL;
	size_t k;

	for (k = 0; k < f->p->option_count; k++) {
		const struct cdh_setting *st = f->p->options[k].setting;

		if (!f->given[k] || !st || st->exclusive != group)
			continue;
		if (!st->exclusive_message ||
		    (message && strcmp(message, st->exclusive_message) != 0))
			return NULL;
		message = st->exclusive_message;
	}
	return message;
}

/* At most one setting of an exclusive group (the password sources). */
static int check_exclusive(const struct cdh_halyard_session *s,
			   const struct cdh_halyard_flags *f)
{
	const char *message;
	size_t k;

	for (k = 0; k < f->p->option_count; k++) {
		const struct cdh_setting *st = f->p->options[k].setting;

		if (!f->given[k] || !st || !st->exclusive ||
		    given_in_group(f, st->exclusive) < 2)
			continue;
		message = group_message(f, st->exclusive);
		if (f->verb == HAL_VERB_ADD && message)
			return usage(s, "%s", message);
		return either(s, f->p, st->exclusive);
	}
	return 0;
}

/* A list is either replaced or added to / removed from. */
static int check_lists(const struct cdh_halyard_session *s,
		       const struct cdh_halyard_flags *f)
{
	size_t k, j;

	for (k = 0; k < f->p->option_count; k++) {
		const struct cdh_halyard__option *o = &f->p->options[k];

		if (o->kind != HAL_OPT_LIST || !f->given[k] ||
		    !o->setting->item_flag)
			continue;
		for (j = 0; j < f->p->option_count; j++)
			if (f->given[j] && f->p->options[j].setting == o->setting &&
			    f->p->options[j].kind != HAL_OPT_LIST)
				return usage(s, "Set either %s or --[add/remove]-%s",
					     o->flag, o->setting->item_flag);
	}
	return 0;
}

static int check_conflicts(const struct cdh_halyard_session *s,
			   const struct cdh_halyard_flags *f)
{
	size_t k;
	int rc, stdin_flags = 0;

	if ((rc = check_exclusive(s, f)) || (rc = check_lists(s, f)))
		return rc;
	for (k = 0; k < f->p->option_count; k++) {
		const struct cdh_halyard__option *o = &f->p->options[k];

		stdin_flags += f->given[k] && o->kind == HAL_OPT_STDIN;
		if (f->verb == HAL_VERB_ADD && !f->given[k] && o->setting &&
		    (o->setting->flags & CDH_SETTING_REQUIRED))
			return usage(s, "The following option is required: %s",
				     o->flag);
	}
	if (stdin_flags > 1)
		return usage(s, "%s",
			     "only one value can be read from standard input");
	return 0;
}

static int wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

int cdh_halyard__flags_parse(const struct cdh_halyard_session *s, unsigned verb,
			     int argc, char **argv,
			     struct cdh_halyard_flags **out)
{
	struct cdh_halyard_flags *f;
	int i, rc = 0;

	*out = NULL;
	if (wants_help(argc, argv)) {
		const char *v = verb == HAL_VERB_ADD ? "add" : "edit";

		printf("cdhost config provider %s account %s\n\n  %s an account "
		       "%s the %s provider.\n\nUSAGE\n  cdhost [--config FILE] "
		       "config provider %s account %s ACCOUNT [parameters]\n\n",
		       s->provider.cli, v, verb == HAL_VERB_ADD ? "Add" : "Edit",
		       verb == HAL_VERB_ADD ? "to" : "in", s->provider.cli,
		       s->provider.cli, v);
		cdh_halyard__options_help(&s->provider, verb);
		return 1;
	}
	if (!(f = calloc(1, sizeof(*f))))
		return usage(s, "%s", "out of memory");
	f->p = &s->provider;
	f->verb = verb;
	for (i = 1; rc == 0 && i < argc; i++)
		rc = parse_arg(s, f, argc, argv, &i);
	if (rc == 0 && !f->name)
		rc = usage(s, "%s",
			   "an account name is required: ... account add NAME");
	if (rc == 0)
		rc = check_conflicts(s, f);
	if (rc != 0) {
		cdh_halyard__flags_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

void cdh_halyard__flags_free(struct cdh_halyard_flags *f)
{
	size_t k, i;

	if (!f)
		return;
	for (k = 0; k < f->p->option_count; k++) {
		for (i = 0; i < f->list[k].count; i++)
			free(f->list[k].items[i]);
		free(f->list[k].items);
	}
	cdh_secret_free(f->secret);
	free(f);
}

const char *cdh_halyard__flags_name(const struct cdh_halyard_flags *f)
{
	return f->name;
}

int cdh_halyard__flags_no_validate(const struct cdh_halyard_flags *f)
{
	return given(f, "--no-validate");
}

int cdh_halyard__flags_read_stdin(const struct cdh_halyard_session *s,
				  struct cdh_halyard_flags *f)
{
	char err[256], prompt[512];
	const struct cdh_halyard__option *o = NULL;
	size_t k;

	for (k = 0; k < f->p->option_count && !o; k++)
		if (f->given[k] && f->p->options[k].kind == HAL_OPT_STDIN)
			o = &f->p->options[k];
	if (!o)
		return 0;
	/* JCommander's prompt: the flag's description and ": ". */
	snprintf(prompt, sizeof(prompt), "%s: ", o->help);
	f->secret = cdh_secret_prompt_read(STDIN_FILENO, prompt, err,
					   sizeof(err));
	if (!f->secret)
		return usage(s, "%s: %s", o->flag, err);
	if (!*f->secret)
		return usage(s, "%s: the %s read from standard input is empty",
			     o->flag, o->field);
	return 0;
}

/* ---- applying the flags to an account group ---- */

/* The group holding `field`, and the key in it: "permissions.READ" is READ
 * in the permissions group (added when `create`). */
static struct cdh_config_node *field_parent(struct cdh_config_node *account,
					    const char *field, const char **key,
					    int create)
{
	const char *dot = strchr(field, '.');
	char group[64];

	*key = dot ? dot + 1 : field;
	if (!dot)
		return account;
	snprintf(group, sizeof(group), "%.*s", (int)(dot - field), field);
	if (create)
		return cdh_config_edit_group(account, group);
	return (struct cdh_config_node *)(void *)(uintptr_t)cdh_cfg_member(
	    account, group);
}

/* A permissions group left empty goes, as if never written. */
static void prune_parent(struct cdh_config_node *account, const char *field)
{
	const char *dot = strchr(field, '.');
	const struct cdh_config_node *parent;
	char group[64];

	if (!dot)
		return;
	snprintf(group, sizeof(group), "%.*s", (int)(dot - field), field);
	parent = cdh_cfg_member(account, group);
	if (parent && cdh_cfg_count(parent) == 0)
		cdh_config_edit_remove(account, group);
}

/* Where the user's shell was: a relative path means the same file to the
 * service, whatever its working directory (Halyard's PathExpandingConverter).
 */
static char *absolute_path(const char *path)
{
	const char *home = getenv("HOME"), *rest = path;
	char cwd[PATH_MAX], *out;
	const char *base;
	size_t len;

	if (path[0] == '/')
		return strdup(path);
	if (path[0] == '~' && (path[1] == '/' || !path[1]) && home && *home) {
		base = home;
		rest = path[1] ? path + 2 : "";
	} else if (getcwd(cwd, sizeof(cwd))) {
		base = cwd;
	} else {
		return strdup(path);
	}
	len = strlen(base) + strlen(rest) + 2;
	if ((out = malloc(len)))
		snprintf(out, len, "%s%s%s", base, *rest ? "/" : "", rest);
	return out;
}

static int set_list(struct cdh_config_node *account, const char *field,
		    const struct item_list *list)
{
	const char *key;
	struct cdh_config_node *parent;

	if (list->count == 0) {
		parent = field_parent(account, field, &key, 0);
		if (parent)
			cdh_config_edit_remove(parent, key);
		prune_parent(account, field);
		return 0;
	}
	parent = field_parent(account, field, &key, 1);
	return parent ? cdh_config_edit_set_strings(
			    parent, key, (const char *const *)list->items,
			    list->count)
		      : -1;
}

/* The list as it will be: the file's, plus `item` at its end when absent
 * (add), or without it (remove). */
static int change_list(struct cdh_config_node *account,
		       const struct cdh_halyard__option *o, const char *item)
{
	struct item_list list = {NULL, 0};
	const struct cdh_config_node *parent, *old;
	const char *key, *value;
	size_t i, n;
	int rc = 0, present = 0;

	parent = field_parent(account, o->field, &key, 0);
	old = parent ? cdh_cfg_member(parent, key) : NULL;
	n = cdh_cfg_count(old);
	for (i = 0; rc == 0 && i < n; i++) {
		if (cdh_cfg_string(cdh_cfg_at(old, i), &value) != CDH_OK)
			continue;
		present |= strcmp(value, item) == 0;
		if (!(o->kind == HAL_OPT_REMOVE && strcmp(value, item) == 0))
			rc = push_item(&list, value);
	}
	if (rc == 0 && o->kind == HAL_OPT_ADD && !present)
		rc = push_item(&list, item);
	if (o->kind == HAL_OPT_REMOVE && !present)
		/* Halyard says nothing: a typo looked like success (#20). */
		fprintf(stderr,
			"cdhost: warning: %s %s: not in %s; nothing "
			"removed\n",
			o->flag, item, o->field);
	else if (rc == 0)
		rc = set_list(account, o->field, &list);
	for (i = 0; i < list.count; i++)
		free(list.items[i]);
	free(list.items);
	return rc;
}

/* Removes a field, "a.B" from its group (which goes when left empty). */
static void remove_field(struct cdh_config_node *account, const char *field)
{
	const char *key;
	struct cdh_config_node *parent = field_parent(account, field, &key, 0);

	if (parent)
		cdh_config_edit_remove(parent, key);
	prune_parent(account, field);
}

static int set_scalar(struct cdh_config_node *account,
		      const struct cdh_halyard__option *o, const char *value)
{
	struct cdh_config_node *group;
	const char *key;
	char *path;
	int rc;

	/* An empty value clears the field (edit --username ""). */
	if (!*value) {
		remove_field(account, o->field);
		return 0;
	}
	if (!(group = field_parent(account, o->field, &key, 1)))
		return -1;
	switch (o->kind) {
	case HAL_OPT_INT:
		return cdh_config_edit_set_int(group, key,
					       strtoll(value, NULL, 10));
	case HAL_OPT_BOOL:
		return cdh_config_edit_set_bool(group, key,
						strcasecmp(value, "true") == 0);
	case HAL_OPT_PATH:
		if (!(path = absolute_path(value)))
			return -1;
		rc = cdh_config_edit_set_string(group, key, path);
		free(path);
		return rc;
	default:
		return cdh_config_edit_set_string(group, key, value);
	}
}

static int apply_option(const struct cdh_halyard_flags *f, size_t k,
			struct cdh_config_node *account)
{
	const struct cdh_halyard__option *o = &f->p->options[k];

	if (!f->given[k])
		return 0;
	switch (o->kind) {
	case HAL_OPT_LIST:
		return set_list(account, o->field, &f->list[k]);
	case HAL_OPT_ADD:
	case HAL_OPT_REMOVE:
		return change_list(account, o, f->value[k]);
	case HAL_OPT_STDIN:
		return set_scalar(account, o, f->secret);
	case HAL_OPT_FLAG:
	case HAL_OPT_IGNORED:
		return 0;
	default:
		return set_scalar(account, o, f->value[k]);
	}
}

/* Setting one of an exclusive group clears the others (Halyard's edit
 * does it for the password sources; the account allows one of them). */
static void clear_exclusive_peers(const struct cdh_halyard_flags *f,
				  struct cdh_config_node *account)
{
	size_t k, i;

	for (k = 0; k < f->p->option_count; k++) {
		const struct cdh_halyard__option *o = &f->p->options[k];
		const struct cdh_setting *st = o->setting;

		if (!f->given[k] || !st || !st->exclusive ||
		    o->kind == HAL_OPT_ADD || o->kind == HAL_OPT_REMOVE ||
		    (o->kind != HAL_OPT_STDIN && o->kind != HAL_OPT_LIST &&
		     !*f->value[k]))
			continue;
		for (i = 0; i < f->p->setting_count; i++)
			if (&f->p->settings[i] != st &&
			    f->p->settings[i].exclusive == st->exclusive)
				remove_field(account, f->p->settings[i].name);
	}
}

int cdh_halyard__flags_apply(const struct cdh_halyard_flags *f,
			     struct cdh_config_node *account)
{
	size_t k;

	clear_exclusive_peers(f, account);
	for (k = 0; k < f->p->option_count; k++)
		if (apply_option(f, k, account) != 0)
			return -1;
	return 0;
}
