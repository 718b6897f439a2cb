/*
 * halyard_internal - what the files of the halyard module share:
 * halyard.c (the command tree, the session, the commands without flags),
 * halyard_options.c (Halyard's account flags as data, and the --help text
 * made from them), halyard_flags.c (those flags parsed from argv and applied
 * to the document) and halyard_check.c (validation: the plugin's checks and
 * its registry check). secret_prompt.c has a header of its own. Not part of
 * the module's interface.
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

#define HAL_SECTION "dockerRegistry"   /* the plugin's config section */
#define HAL_PROVIDER "docker-registry" /* Halyard's name for it */

/* One `cdhost config ...` run: the document and, when needed, the plugin. */
struct cdh_halyard_session {
	const struct cdh_halyard_env *env;
	const char *command; /* "account add", for messages */
	char *path;	     /* the config file */
	struct cdh_config_edit *doc;
	struct cdh_loader *loader;
	const struct cdh_plugin_slot *slot; /* the dockerRegistry plugin */
	char plugin_dir[PATH_MAX];
};

/* "cdhost: <command>: <why>" on stderr; returns `code`. */
int cdh_halyard__fail(const struct cdh_halyard_session *s, int code,
		      const char *fmt, ...) CDH_PRINTF(3, 4);

/* ---- halyard_options.c: Halyard's account flags ---- */

#define HAL_VERB_ADD 1u
#define HAL_VERB_EDIT 2u

enum cdh_halyard__kind {
	HAL_OPT_STRING,	  /* a string field; "" removes it */
	HAL_OPT_PATH,	  /* a file path field, made absolute */
	HAL_OPT_INT,	  /* an integer field */
	HAL_OPT_BOOL,	  /* true|false (arity 1; alone: true) */
	HAL_OPT_LIST,	  /* variable arity, replaces the field */
	HAL_OPT_ADD,	  /* adds one item to a list field */
	HAL_OPT_REMOVE,	  /* removes one item from a list field */
	HAL_OPT_PASSWORD, /* no value: read from standard input */
	HAL_OPT_FLAG,	  /* no value */
	HAL_OPT_IGNORED,  /* takes a value that cdhost has no use for */
};

struct cdh_halyard__option {
	const char *flag;
	enum cdh_halyard__kind kind;
	const char *field;    /* "permissions.READ": READ in permissions */
	unsigned verbs;	      /* HAL_VERB_* it belongs to */
	const char *fallback; /* the default shown in --help, or NULL */
	const char *help;
};

/* Halyard's flags and help texts, in its order; at most HAL_OPTION_MAX. */
#define HAL_OPTION_MAX 48
extern const struct cdh_halyard__option cdh_halyard__options[];
extern const size_t cdh_halyard__option_count;

/* Prints the flags of `verb` (help text, default) to stdout. */
void cdh_halyard__options_help(unsigned verb);

/* ---- halyard_flags.c ---- */

struct cdh_halyard_flags; /* parsed account flags */

/*
 * Parses the arguments of `account add|edit` (argv[0] is the verb) for
 * `verb`. Returns 0 and *out (free with cdh_halyard__flags_free); 1 when --help
 * was printed; or HAL_EXIT_USAGE after printing why. The password is not read
 * here (see cdh_halyard__flags_read_password).
 */
int cdh_halyard__flags_parse(const struct cdh_halyard_session *s, unsigned verb,
			     int argc, char **argv,
			     struct cdh_halyard_flags **out);
void cdh_halyard__flags_free(struct cdh_halyard_flags *flags);

const char *cdh_halyard__flags_name(const struct cdh_halyard_flags *flags);
int cdh_halyard__flags_no_validate(const struct cdh_halyard_flags *flags);

/* Reads the password from standard input when --password was given.
 * 0, or HAL_EXIT_USAGE after printing why. */
int cdh_halyard__flags_read_password(const struct cdh_halyard_session *s,
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
