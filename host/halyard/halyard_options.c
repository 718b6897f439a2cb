/*
 * halyard - the flags of `account add` and `account edit` as data, made
 * from the provider plugin's settings descriptor (struct cdh_setting, ABI
 * 1.1): one flag per setting, edit's --add-/--remove- flags for lists that
 * have an item flag, then Halyard's generic --deployment and --no-validate;
 * and the --help text made from them. The host knows no provider: names,
 * help texts, defaults and the settings' behaviour (secret, path, read from
 * standard input, exclusive groups) all come from the plugin.
 */
#include <stdio.h>
#include <string.h>

#include "halyard/halyard_internal.h"

#define BOTH (HAL_VERB_ADD | HAL_VERB_EDIT)

/* JCommander's words before a prompted option's description. */
#define STDIN_PREFIX                                                           \
	"(Sensitive data - user will be prompted on standard input) "

/* The settings' smallest acceptable element: through `help`. */
#define SETTING_MIN_SIZE                                                       \
	(offsetof(struct cdh_setting, help) + sizeof(const char *))

static int setting_error(char *err, size_t errlen,
			 const struct cdh_plugin_desc *desc, size_t i,
			 const char *why)
{
	snprintf(err, errlen, "plugin %s: account setting #%zu: %s", desc->name,
		 i, why);
	return -1;
}

static int check_setting(const struct cdh_setting *st)
{
	int has_flag = st->flag && !(st->flags & CDH_SETTING_NO_FLAG);

	if (!st->name || !*st->name)
		return -1;
	if (st->type < CDH_SETTING_STRING || st->type > CDH_SETTING_LIST)
		return -1;
	if (has_flag && (strncmp(st->flag, "--", 2) != 0 ||
			 strlen(st->flag) >= sizeof(((struct cdh_halyard__option *)0)->flag)))
		return -1;
	if (st->item_flag && (st->type != CDH_SETTING_LIST ||
			      strlen(st->item_flag) > 60))
		return -1;
	if ((st->flags & CDH_SETTING_READ_FROM_STDIN) &&
	    st->type != CDH_SETTING_STRING)
		return -1;
	return 0;
}

/* Copies the plugin's table, walking it by its own element size. */
static int copy_settings(struct cdh_halyard__provider *p,
			 const struct cdh_plugin_desc *desc, char *err,
			 size_t errlen)
{
	const char *base = (const char *)desc->settings;
	size_t i, stride;

	if (!desc->settings || desc->setting_count == 0)
		return 0;
	stride = desc->settings->struct_size;
	if (stride < SETTING_MIN_SIZE)
		return setting_error(err, errlen, desc, 0, "struct_size too small");
	if (desc->setting_count > HAL_SETTING_MAX)
		return setting_error(err, errlen, desc, HAL_SETTING_MAX,
				     "too many settings");
	for (i = 0; i < desc->setting_count; i++) {
		struct cdh_setting *st = &p->settings[i];

		memset(st, 0, sizeof(*st));
		memcpy(st, base + i * stride,
		       stride < sizeof(*st) ? stride : sizeof(*st));
		if (check_setting(st) != 0)
			return setting_error(err, errlen, desc, i,
					     "no name, an unknown type, or a "
					     "malformed flag");
	}
	p->setting_count = desc->setting_count;
	return 0;
}

static struct cdh_halyard__option *add_option(struct cdh_halyard__provider *p)
{
	struct cdh_halyard__option *o;

	if (p->option_count == HAL_OPTION_MAX)
		return NULL;
	o = &p->options[p->option_count++];
	memset(o, 0, sizeof(*o));
	o->help_prefix = "";
	return o;
}

static enum cdh_halyard__kind kind_of(const struct cdh_setting *st)
{
	switch (st->type) {
	case CDH_SETTING_INT:
		return HAL_OPT_INT;
	case CDH_SETTING_BOOL:
		return HAL_OPT_BOOL;
	case CDH_SETTING_LIST:
		return HAL_OPT_LIST;
	default:
		if (st->flags & CDH_SETTING_READ_FROM_STDIN)
			return HAL_OPT_STDIN;
		return st->flags & CDH_SETTING_PATH ? HAL_OPT_PATH
						    : HAL_OPT_STRING;
	}
}

/* edit's --add-<item> and --remove-<item> of a list setting. */
static int add_item_options(struct cdh_halyard__provider *p,
			    const struct cdh_setting *st)
{
	struct cdh_halyard__option *o;
	int remove;

	for (remove = 0; remove <= 1; remove++) {
		if (!(o = add_option(p)))
			return -1;
		snprintf(o->flag, sizeof(o->flag), "--%s-%s",
			 remove ? "remove" : "add", st->item_flag);
		o->kind = remove ? HAL_OPT_REMOVE : HAL_OPT_ADD;
		o->field = st->name;
		o->verbs = HAL_VERB_EDIT;
		o->help = (remove ? st->remove_help : st->add_help);
		o->help = o->help ? o->help : "";
		o->setting = st;
	}
	return 0;
}

static int add_setting_options(struct cdh_halyard__provider *p,
			       const struct cdh_setting *st)
{
	struct cdh_halyard__option *o;

	if (!st->flag || (st->flags & CDH_SETTING_NO_FLAG))
		return 0;
	if (!(o = add_option(p)))
		return -1;
	snprintf(o->flag, sizeof(o->flag), "%s", st->flag);
	o->kind = kind_of(st);
	o->field = st->name;
	o->verbs = BOTH;
	o->fallback = st->default_value;
	o->help = st->help ? st->help : "";
	if (o->kind == HAL_OPT_STDIN)
		o->help_prefix = STDIN_PREFIX;
	o->setting = st;
	return st->item_flag ? add_item_options(p, st) : 0;
}

/* Halyard's flags of every account command, whatever the provider. */
static int add_generic_options(struct cdh_halyard__provider *p)
{
	struct cdh_halyard__option *o;

	if (!(o = add_option(p)))
		return -1;
	snprintf(o->flag, sizeof(o->flag), "%s", "--deployment");
	o->kind = HAL_OPT_IGNORED;
	o->verbs = BOTH;
	o->help = "If supplied, use this Halyard deployment. (Accepted for "
		  "Halyard's sake; cdhost has one configuration: --config.)";
	if (!(o = add_option(p)))
		return -1;
	snprintf(o->flag, sizeof(o->flag), "%s", "--no-validate");
	o->kind = HAL_OPT_FLAG;
	o->verbs = BOTH;
	o->fallback = "false";
	o->help = "Skip validation against the registry. (The account's "
		  "settings are still checked.)";
	return 0;
}

int cdh_halyard__provider_init(struct cdh_halyard__provider *p,
			       const struct cdh_plugin_desc *desc, char *err,
			       size_t errlen)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	p->cli = desc->cli_name;
	p->section = desc->config_section;
	p->plugin = desc->name;
	if (!p->cli || !*p->cli) {
		snprintf(err, errlen, "plugin %s has no provider name",
			 desc->name);
		return -1;
	}
	if (copy_settings(p, desc, err, errlen) != 0)
		return -1;
	for (i = 0; i < p->setting_count; i++)
		if (add_setting_options(p, &p->settings[i]) != 0)
			goto too_many;
	if (add_generic_options(p) == 0)
		return 0;
too_many:
	snprintf(err, errlen, "plugin %s: too many account flags", desc->name);
	return -1;
}

/* ---- help ---- */

/* Prints `text` wrapped at 78 columns, each line indented by `indent`;
 * the text's own newlines are kept. */
static void print_wrapped(const char *text, int indent)
{
	const int width = 78 - indent;
	const char *p = text;

	while (*p) {
		int len = (int)strcspn(p, "\n"), cut = len;

		if (len > width) {
			for (cut = width; cut > 0 && p[cut] != ' '; cut--)
				;
			if (cut == 0)
				cut = width;
		}
		printf("%*s%.*s\n", indent, "", cut, p);
		p += cut;
		if (*p == ' ' || *p == '\n')
			p++;
	}
}

static int required(const struct cdh_halyard__option *o)
{
	return o->setting && (o->setting->flags & CDH_SETTING_REQUIRED);
}

void cdh_halyard__options_help(const struct cdh_halyard__provider *p,
			       unsigned verb)
{
	char line[2048];
	size_t k;

	printf("PARAMETERS\n  ACCOUNT\n");
	print_wrapped("The name of the account to operate on.", 6);
	for (k = 0; k < p->option_count; k++) {
		const struct cdh_halyard__option *o = &p->options[k];

		if (!(o->verbs & verb))
			continue;
		printf("  %s%s\n", o->flag,
		       verb == HAL_VERB_ADD && required(o) ? " (*)" : "");
		if (o->fallback && verb == HAL_VERB_ADD)
			snprintf(line, sizeof(line), "(Default: %s) %s%s",
				 o->fallback, o->help_prefix, o->help);
		else
			snprintf(line, sizeof(line), "%s%s", o->help_prefix,
				 o->help);
		print_wrapped(line, 6);
	}
	printf("\n(*) required. Lists take several values (--flag a b c) or "
	       "commas;\nan empty value (--flag \"\") removes a field on edit.\n");
}
