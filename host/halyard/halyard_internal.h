/*
 * halyard_internal - what the files of the halyard module share:
 * halyard.c (the command tree, the file, the simple commands),
 * halyard_options.c (a provider's flags, made from its settings descriptor),
 * halyard_flags.c (the account flags: parsing, applying) and
 * halyard_check.c (validation: the plugin's checks and its registry check).
 * Not part of the module's interface.
 */
#ifndef CDH_HALYARD_INTERNAL_H
#define CDH_HALYARD_INTERNAL_H

#include <limits.h>
#include <stddef.h>

#include "config/config_edit.h"
#include "halyard/halyard.h"
#include "plugins/loader.h"

#define HAL_EXIT_OK 0
#define HAL_EXIT_RUNTIME 1
#define HAL_EXIT_USAGE 2

/* ---- halyard_options.c: a provider's account flags, made from its
 * settings descriptor (struct cdh_setting, ABI 1.1) ---- */

#define HAL_VERB_ADD 1u
#define HAL_VERB_EDIT 2u

enum cdh_halyard__kind {
	HAL_OPT_STRING, /* a string field; "" removes it */
	HAL_OPT_PATH,	/* a file path field, made absolute */
	HAL_OPT_INT,	/* an integer field */
	HAL_OPT_BOOL,	/* true|false (arity 1; alone: true) */
	HAL_OPT_LIST,	/* variable arity, replaces the field */
	HAL_OPT_ADD,	/* adds one item to a list field */
	HAL_OPT_REMOVE, /* removes one item from a list field */
	HAL_OPT_STDIN,	/* no value: read from standard input */
	HAL_OPT_FLAG,	/* no value */
	HAL_OPT_IGNORED, /* takes a value that cdhost has no use for */
};

struct cdh_halyard__option {
	char flag[80];
	enum cdh_halyard__kind kind;
	const char *field;    /* "permissions.READ": READ in permissions */
	unsigned verbs;	      /* HAL_VERB_* it belongs to */
	const char *fallback; /* the default shown in --help, or NULL */
	const char *help_prefix; /* printed before help ("" for none) */
	const char *help;
	const struct cdh_setting *setting; /* NULL: a generic flag */
};

#define HAL_SETTING_MAX 64
#define HAL_OPTION_MAX 160

/* One provider: a plugin's settings and the flags made from them. */
struct cdh_halyard__provider {
	const char *cli;     /* its name on the command line */
	const char *section; /* its config section */
	const char *plugin;  /* the plugin's name, for messages */
	struct cdh_setting settings[HAL_SETTING_MAX]; /* zero-filled copies */
	size_t setting_count;
	struct cdh_halyard__option options[HAL_OPTION_MAX];
	size_t option_count;
};

/*
 * Fills `p` from a plugin descriptor: its settings copied (the table's
 * stride is its first element's struct_size), checked, and turned into
 * flags in the table's order (a list with an item flag gets edit's --add-
 * and --remove- flags after it), then the generic --deployment and
 * --no-validate. 0, or -1 with `err` when the descriptor has no provider
 * name or a malformed setting.
 */
int cdh_halyard__provider_init(struct cdh_halyard__provider *p,
			       const struct cdh_plugin_desc *desc, char *err,
			       size_t errlen);

/* Prints the flags of `verb` (help text, default) to stdout. */
void cdh_halyard__options_help(const struct cdh_halyard__provider *p,
			       unsigned verb);

/* One `cdhost config ...` run: the document and, when needed, the plugin. */
struct cdh_halyard_session {
	const struct cdh_halyard_env *env;
	const char *command; /* "account add", for messages */
	size_t prefix_len;   /* of "config provider NAME " in the path */
	char *path;	     /* the config file */
	struct cdh_config_edit *doc;
	struct cdh_loader *loader;
	const struct cdh_plugin_slot *slot; /* the provider's plugin */
	struct cdh_halyard__provider provider;
	char plugin_dir[PATH_MAX];
};

/* "cdhost: <command>: <why>" on stderr; returns `code`. */
int cdh_halyard__fail(const struct cdh_halyard_session *s, int code,
		      const char *fmt, ...) CDH_PRINTF(3, 4);

/* ---- halyard_flags.c ---- */

struct cdh_halyard_flags; /* parsed account flags */

/*
 * Parses the arguments of `account add|edit` (argv[0] is the verb) for
 * `verb`. Returns 0 and *out (free with cdh_halyard__flags_free); 1 when --help
 * was printed; or HAL_EXIT_USAGE after printing why. The password is not read
 * here (see cdh_halyard__flags_read_stdin).
 */
int cdh_halyard__flags_parse(const struct cdh_halyard_session *s, unsigned verb,
			     int argc, char **argv,
			     struct cdh_halyard_flags **out);
void cdh_halyard__flags_free(struct cdh_halyard_flags *flags);

const char *cdh_halyard__flags_name(const struct cdh_halyard_flags *flags);
int cdh_halyard__flags_no_validate(const struct cdh_halyard_flags *flags);

/* Reads the value of a READ_FROM_STDIN setting (--password) from standard
 * input when its flag was given. 0, or HAL_EXIT_USAGE after printing why. */
int cdh_halyard__flags_read_stdin(const struct cdh_halyard_session *s,
				     struct cdh_halyard_flags *flags);

/* Applies the flags to the account group. 0, or -1 when out of memory. */
int cdh_halyard__flags_apply(const struct cdh_halyard_flags *flags,
			     struct cdh_config_node *account);

/* ---- halyard_check.c ---- */

/*
 * Validates the document's section as `cdhost run` will read it. The
 * account named `target` (NULL: none) has its diagnostics printed; the
 * others are only shown when they have errors. Returns 0 or
 * HAL_EXIT_USAGE (after saying why nothing was written).
 */
int cdh_halyard__check_section(const struct cdh_halyard_session *s,
			       const char *target);

/*
 * Runs the plugin's registry check on `account` (an account group of the
 * document), printing Halyard's findings. Returns 0 (warnings at most) or
 * HAL_EXIT_RUNTIME (after saying why nothing was written).
 */
int cdh_halyard__check_registry(const struct cdh_halyard_session *s,
				const struct cdh_config_node *account,
				const char *name);

#endif
