/*
 * halyard - the flags of `account add` and `account edit` as data: Halyard's
 * names, help texts and defaults (DockerRegistryAddAccountCommand,
 * ...EditAccountCommand, DockerRegistryCommandProperties, the abstract
 * account commands), and the --help text made from them.
 */
#include <stdio.h>
#include <string.h>

#include "halyard/halyard_internal.h"

#define BOTH (HAL_VERB_ADD | HAL_VERB_EDIT)
#define EDIT HAL_VERB_EDIT

/* DockerRegistryCommandProperties and the abstract account commands. */
const struct cdh_halyard__option cdh_halyard__options[] = {
	{ "--address", HAL_OPT_STRING, "address", BOTH, NULL,
	  "The registry address you want to pull and deploy images from. For "
	  "example:\n  index.docker.io - DockerHub\n  quay.io - Quay\n  gcr.io - "
	  "Google Container Registry (GCR)\n  [us|eu|asia].gcr.io - Regional GCR\n"
	  "  localhost - Locally deployed registry" },
	{ "--repositories", HAL_OPT_LIST, "repositories", BOTH, "[]",
	  "An optional list of repositories to cache images from. If not provided, "
	  "Spinnaker will attempt to read accessible repositories from the "
	  "registries _catalog endpoint" },
	{ "--add-repository", HAL_OPT_ADD, "repositories", EDIT, NULL,
	  "Add this repository to the list of repositories to cache images from." },
	{ "--remove-repository", HAL_OPT_REMOVE, "repositories", EDIT, NULL,
	  "Remove this repository to the list of repositories to cache images from." },
	{ "--password", HAL_OPT_PASSWORD, "password", BOTH, NULL,
	  "(Sensitive data - user will be prompted on standard input) Your docker "
	  "registry password" },
	{ "--password-command", HAL_OPT_STRING, "passwordCommand", BOTH, NULL,
	  "Command to retrieve docker token/password, commands must be available "
	  "in environment" },
	{ "--password-file", HAL_OPT_PATH, "passwordFile", BOTH, NULL,
	  "The path to a file containing your docker password in plaintext (not a "
	  "docker/config.json file)" },
	{ "--username", HAL_OPT_STRING, "username", BOTH, NULL,
	  "Your docker registry username" },
	{ "--email", HAL_OPT_STRING, "email", BOTH, "fake.email@spinnaker.io",
	  "Your docker registry email (often this only needs to be well-formed, "
	  "rather than be a real address)" },
	{ "--cache-interval-seconds", HAL_OPT_INT, "cacheIntervalSeconds", BOTH, "30",
	  "How many seconds elapse between polling your docker registry. Certain "
	  "registries are sensitive to over-polling, and larger intervals (e.g. 10 "
	  "minutes = 600 seconds) are desirable if you're seeing rate limiting." },
	{ "--client-timeout-millis", HAL_OPT_INT, "clientTimeoutMillis", BOTH, "60000",
	  "Timeout time in milliseconds for this repository." },
	{ "--cache-threads", HAL_OPT_INT, "cacheThreads", BOTH, "1",
	  "How many threads to cache all provided repos on. Really only useful if "
	  "you have a ton of repos." },
	{ "--insecure-registry", HAL_OPT_BOOL, "insecureRegistry", BOTH, "false",
	  "Treat the docker registry as insecure (don't validate the ssl cert)." },
	{ "--paginate-size", HAL_OPT_INT, "paginateSize", BOTH, "100",
	  "Paginate size for the docker repository _catalog endpoint." },
	{ "--sort-tags-by-date", HAL_OPT_BOOL, "sortTagsByDate", BOTH, "false",
	  "Sort tags by creation date. Not recommended for use with large "
	  "registries; sorting performance scales poorly due to limitations of the "
	  "Docker V2 API." },
	{ "--track-digests", HAL_OPT_BOOL, "trackDigests", BOTH, "false",
	  "Track digest changes. This is not recommended as it consumes a high QPM, "
	  "and most registries are flaky." },
	{ "--repositories-regex", HAL_OPT_STRING, "repositoriesRegex", BOTH, NULL,
	  "Allows to specify a Regular Expression to filter the repositories." },
	{ "--required-group-membership", HAL_OPT_LIST, "requiredGroupMembership", BOTH,
	  "[]", "A user must be a member of at least one specified group in order "
	  "to make changes to this account's cloud resources. (deprecated: use "
	  "--read-permissions and --write-permissions)" },
	{ "--add-required-group-membership", HAL_OPT_ADD, "requiredGroupMembership", EDIT,
	  NULL, "Add this group to the list of required group memberships." },
	{ "--remove-required-group-membership", HAL_OPT_REMOVE, "requiredGroupMembership",
	  EDIT, NULL, "Remove this group from the list of required group memberships." },
	{ "--read-permissions", HAL_OPT_LIST, "permissions.READ", BOTH, "[]",
	  "A user must have at least one of these roles in order to view this "
	  "account's cloud resources." },
	{ "--add-read-permission", HAL_OPT_ADD, "permissions.READ", EDIT, NULL,
	  "Add this permission to the list of read permissions." },
	{ "--remove-read-permission", HAL_OPT_REMOVE, "permissions.READ", EDIT, NULL,
	  "Remove this permission from the list of read permissions." },
	{ "--write-permissions", HAL_OPT_LIST, "permissions.WRITE", BOTH, "[]",
	  "A user must have at least one of these roles in order to make changes "
	  "to this account's cloud resources." },
	{ "--add-write-permission", HAL_OPT_ADD, "permissions.WRITE", EDIT, NULL,
	  "Add this permission to the list of write permissions." },
	{ "--remove-write-permission", HAL_OPT_REMOVE, "permissions.WRITE", EDIT, NULL,
	  "Remove this permission from the list of write permissions." },
	{ "--environment", HAL_OPT_STRING, "environment", BOTH, NULL,
	  "The environment name for the account. Many accounts can share the same "
	  "environment (e.g. dev, test, prod)" },
	{ "--deployment", HAL_OPT_IGNORED, NULL, BOTH, NULL,
	  "If supplied, use this Halyard deployment. (Accepted for Halyard's sake; "
	  "cdhost has one configuration: --config.)" },
	{ "--no-validate", HAL_OPT_FLAG, NULL, BOTH, "false",
	  "Skip validation against the registry. (The account's settings are still "
	  "checked.)" },
};

#define COUNT (sizeof(cdh_halyard__options) / sizeof(cdh_halyard__options[0]))
_Static_assert(COUNT <= HAL_OPTION_MAX, "raise HAL_OPTION_MAX");
const size_t cdh_halyard__option_count = COUNT;

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

void cdh_halyard__options_help(unsigned verb)
{
	char line[1024];
	size_t k;

	printf("PARAMETERS\n  ACCOUNT\n");
	print_wrapped("The name of the account to operate on.", 6);
	for (k = 0; k < cdh_halyard__option_count; k++) {
		const struct cdh_halyard__option *o = &cdh_halyard__options[k];

		if (!(o->verbs & verb))
			continue;
		printf("  %s%s\n", o->flag,
		       verb == HAL_VERB_ADD && strcmp(o->flag, "--address") == 0
			       ? " (*)" : "");
		if (o->fallback && verb == HAL_VERB_ADD)
			snprintf(line, sizeof(line), "(Default: %s) %s", o->fallback,
				 o->help);
		else
			snprintf(line, sizeof(line), "%s", o->help);
		print_wrapped(line, 6);
	}
	printf("\n(*) required. Lists take several values (--repositories a b c) "
	       "or commas;\nan empty value (--username \"\") removes a field on edit.\n");
}
