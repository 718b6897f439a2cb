/*
 * settings - the account settings table handed to hosts through the
 * descriptor (see settings.h). Halyard's settings first, in its order and
 * with its words; then Clouddriver's fields Halyard has no flag for, and
 * ours.
 */
#include "account/settings.h"

#include "account/account.h"

#define STR(x) STR_(x)
#define STR_(x) #x

/* One entry; the designated fields a table row sets. */
#define SETTING(...) { .struct_size = sizeof(struct cdh_setting), __VA_ARGS__ }
#define RANGE(lo, hi) .min = (lo), .max = (hi)
#define ANY .min = 1, .max = 0

/* The password sources: one of them per account. */
#define PASSWORDS 1
#define PASSWORDS_MESSAGE                                                      \
	"You have provided more than one of password, password command, or "  \
	"password file for your docker registry. You can specify at most one."

const struct cdh_setting drg_account_settings[DRG_ACCOUNT_SETTING_COUNT] = {
	SETTING(.type = CDH_SETTING_STRING, .name = "name", ANY,
		.flags = CDH_SETTING_REQUIRED | CDH_SETTING_NO_FLAG,
		.help = "The account's name: lower-case letters, digits and "
			"dashes."),
	SETTING(.type = CDH_SETTING_STRING, .name = "address",
		.flag = "--address", ANY, .flags = CDH_SETTING_REQUIRED,
		.help = "The registry address you want to pull and deploy "
			"images from. For example:\n  index.docker.io - "
			"DockerHub\n  quay.io - Quay\n  gcr.io - Google Container "
			"Registry (GCR)\n  [us|eu|asia].gcr.io - Regional GCR\n"
			"  localhost - Locally deployed registry"),
	SETTING(.type = CDH_SETTING_LIST, .name = "repositories",
		.flag = "--repositories", .default_value = "[]", ANY,
		.help = "An optional list of repositories to cache images from. "
			"If not provided, Spinnaker will attempt to read "
			"accessible repositories from the registries _catalog "
			"endpoint",
		.item_flag = "repository",
		.add_help = "Add this repository to the list of repositories to "
			    "cache images from.",
		.remove_help = "Remove this repository to the list of "
			       "repositories to cache images from."),
	SETTING(.type = CDH_SETTING_STRING, .name = "password",
		.flag = "--password", ANY,
		.flags = CDH_SETTING_SECRET | CDH_SETTING_READ_FROM_STDIN,
		.help = "Your docker registry password",
		.exclusive = PASSWORDS, .exclusive_message = PASSWORDS_MESSAGE),
	/* Shown by `account get` as Clouddriver's /credentials/{name} shows
	 * it (the plugin's own describe and logs still leave it out: it may
	 * embed a token). */
	SETTING(.type = CDH_SETTING_STRING, .name = "passwordCommand",
		.flag = "--password-command", ANY,
		.help = "Command to retrieve docker token/password, commands must "
			"be available in environment",
		.exclusive = PASSWORDS, .exclusive_message = PASSWORDS_MESSAGE),
	SETTING(.type = CDH_SETTING_STRING, .name = "passwordFile",
		.flag = "--password-file", ANY, .flags = CDH_SETTING_PATH,
		.help = "The path to a file containing your docker password in "
			"plaintext (not a docker/config.json file)",
		.exclusive = PASSWORDS, .exclusive_message = PASSWORDS_MESSAGE),
	SETTING(.type = CDH_SETTING_STRING, .name = "username",
		.flag = "--username", ANY,
		.help = "Your docker registry username"),
	/* Halyard writes its placeholder; Clouddriver only stores it. */
	SETTING(.type = CDH_SETTING_STRING, .name = "email", .flag = "--email",
		.default_value = "fake.email@spinnaker.io", ANY,
		.flags = CDH_SETTING_PLACEHOLDER,
		.help = "Your docker registry email (often this only needs to be "
			"well-formed, rather than be a real address)"),
	SETTING(.type = CDH_SETTING_INT, .name = "cacheIntervalSeconds",
		.flag = "--cache-interval-seconds",
		.default_value = STR(DRG_DEFAULT_CACHE_INTERVAL_S),
		RANGE(1, 31536000),
		.help = "How many seconds elapse between polling your docker "
			"registry. Certain registries are sensitive to "
			"over-polling, and larger intervals (e.g. 10 minutes = "
			"600 seconds) are desirable if you're seeing rate "
			"limiting."),
	SETTING(.type = CDH_SETTING_INT, .name = "clientTimeoutMillis",
		.flag = "--client-timeout-millis",
		.default_value = STR(DRG_DEFAULT_CLIENT_TIMEOUT_MS),
		RANGE(1, 3600000),
		.help = "Timeout time in milliseconds for this repository."),
	SETTING(.type = CDH_SETTING_INT, .name = "cacheThreads",
		.flag = "--cache-threads",
		.default_value = STR(DRG_DEFAULT_CACHE_THREADS), RANGE(1, 1024),
		.help = "How many threads to cache all provided repos on. Really "
			"only useful if you have a ton of repos."),
	SETTING(.type = CDH_SETTING_BOOL, .name = "insecureRegistry",
		.flag = "--insecure-registry", .default_value = "false", ANY,
		.help = "Treat the docker registry as insecure (don't validate "
			"the ssl cert)."),
	SETTING(.type = CDH_SETTING_INT, .name = "paginateSize",
		.flag = "--paginate-size",
		.default_value = STR(DRG_DEFAULT_PAGINATE_SIZE),
		RANGE(1, 100000),
		.help = "Paginate size for the docker repository _catalog "
			"endpoint."),
	SETTING(.type = CDH_SETTING_BOOL, .name = "sortTagsByDate",
		.flag = "--sort-tags-by-date", .default_value = "false", ANY,
		.help = "Sort tags by creation date. Not recommended for use with "
			"large registries; sorting performance scales poorly due "
			"to limitations of the Docker V2 API."),
	SETTING(.type = CDH_SETTING_BOOL, .name = "trackDigests",
		.flag = "--track-digests", .default_value = "false", ANY,
		.help = "Track digest changes. This is not recommended as it "
			"consumes a high QPM, and most registries are flaky."),
	SETTING(.type = CDH_SETTING_STRING, .name = "repositoriesRegex",
		.flag = "--repositories-regex", ANY,
		.help = "Allows to specify a Regular Expression to filter the "
			"repositories."),
	SETTING(.type = CDH_SETTING_LIST, .name = "requiredGroupMembership",
		.flag = "--required-group-membership", .default_value = "[]",
		ANY,
		.help = "A user must be a member of at least one specified group "
			"in order to make changes to this account's cloud "
			"resources. (deprecated: use --read-permissions and "
			"--write-permissions)",
		.item_flag = "required-group-membership",
		.add_help = "Add this group to the list of required group "
			    "memberships.",
		.remove_help = "Remove this group from the list of required "
			       "group memberships."),
	SETTING(.type = CDH_SETTING_LIST, .name = "permissions.READ",
		.flag = "--read-permissions", .default_value = "[]", ANY,
		.help = "A user must have at least one of these roles in order to "
			"view this account's cloud resources.",
		.item_flag = "read-permission",
		.add_help = "Add this permission to the list of read "
			    "permissions.",
		.remove_help = "Remove this permission from the list of read "
			       "permissions."),
	SETTING(.type = CDH_SETTING_LIST, .name = "permissions.WRITE",
		.flag = "--write-permissions", .default_value = "[]", ANY,
		.help = "A user must have at least one of these roles in order to "
			"make changes to this account's cloud resources.",
		.item_flag = "write-permission",
		.add_help = "Add this permission to the list of write "
			    "permissions.",
		.remove_help = "Remove this permission from the list of write "
			       "permissions."),
	SETTING(.type = CDH_SETTING_STRING, .name = "environment",
		.flag = "--environment", ANY, .flags = CDH_SETTING_DEFAULT_NAME,
		.help = "The environment name for the account. Many accounts can "
			"share the same environment (e.g. dev, test, prod)"),

	/* Clouddriver's fields without a Halyard flag, then ours. */
	SETTING(.type = CDH_SETTING_LIST, .name = "permissions.EXECUTE",
		.flag = "--execute-permissions", .default_value = "[]", ANY,
		.help = "A user must have at least one of these roles in order to "
			"execute pipelines with this account (fiat's EXECUTE).",
		.item_flag = "execute-permission",
		.add_help = "Add this permission to the list of execute "
			    "permissions.",
		.remove_help = "Remove this permission from the list of execute "
			       "permissions."),
	SETTING(.type = CDH_SETTING_STRING, .name = "accountType",
		.flag = "--account-type", ANY, .flags = CDH_SETTING_DEFAULT_NAME,
		.help = "The account type Clouddriver reports (defaults to the "
			"account's name)."),
	SETTING(.type = CDH_SETTING_BOOL, .name = "inspectDigests",
		.flag = "--inspect-digests", .default_value = "false", ANY,
		.help = "Fetch each image's config for its labels (one more "
			"request per new digest)."),
	SETTING(.type = CDH_SETTING_STRING, .name = "catalogFile",
		.flag = "--catalog-file", ANY, .flags = CDH_SETTING_PATH,
		.help = "A JSON file listing the repositories to cache "
			"({\"repositories\": [\"a\", \"b\"]}), read each cycle "
			"in place of the registry's _catalog endpoint. Not with "
			"--repositories."),
	SETTING(.type = CDH_SETTING_LIST, .name = "skip", .flag = "--skip",
		.default_value = "[]", ANY,
		.help = "Repositories never cached, by exact name, even when the "
			"catalog lists them."),
	SETTING(.type = CDH_SETTING_STRING, .name = "dockerconfigFile",
		.flag = "--dockerconfig-file", ANY, .flags = CDH_SETTING_PATH,
		.help = "A docker config.json (e.g. ~/.docker/config.json) whose "
			"entry for this registry gives the credentials "
			"(credHelpers, credsStore or auths), in place of a "
			"password option.",
		.exclusive = PASSWORDS),
	SETTING(.type = CDH_SETTING_STRING, .name = "caCertFile",
		.flag = "--ca-cert-file", ANY, .flags = CDH_SETTING_PATH,
		.help = "A PEM file of the certificate authorities to trust for "
			"this registry (a private CA), in place of the system's."),
	SETTING(.type = CDH_SETTING_INT, .name = "maxConcurrentRequests",
		.flag = "--max-concurrent-requests",
		.default_value = STR(DRG_DEFAULT_MAX_CONCURRENT_REQUESTS),
		RANGE(1, 1024),
		.help = "How many requests to this registry may be in flight at "
			"once."),
	SETTING(.type = CDH_SETTING_INT, .name = "requestsPerSecond",
		.flag = "--requests-per-second",
		.default_value = STR(DRG_DEFAULT_REQUESTS_PER_SECOND),
		RANGE(0, 1000000),
		.help = "At most this many requests per second to this registry "
			"(0: no limit)."),
	SETTING(.type = CDH_SETTING_INT, .name = "passwordCommandTimeoutSeconds",
		.flag = "--password-command-timeout-seconds",
		.default_value = STR(DRG_DEFAULT_PASSWORD_COMMAND_TIMEOUT_S),
		RANGE(1, 3600),
		.help = "How many seconds the password command may run before it "
			"is killed."),
	SETTING(.type = CDH_SETTING_INT, .name = "itemUpperThreshold",
		RANGE(1, 1000000000), .flags = CDH_SETTING_NO_FLAG,
		.help = "At most this many events to Echo for one refresh of the "
			"account (Igor's safeguard); more are not sent. Unset: "
			"host.echo.itemUpperThreshold."),
	SETTING(.type = CDH_SETTING_INT, .name = "maxTagsPerRepository",
		.flag = "--max-tags-per-repository",
		.default_value = STR(DRG_DEFAULT_MAX_TAGS_PER_REPOSITORY),
		RANGE(1, 100000000),
		.help = "At most this many tags of one repository are cached (the "
			"first ones listed); a warning names the repository when "
			"it has more."),
	SETTING(.type = CDH_SETTING_INT, .name = "maxRecordsPerAccount",
		.flag = "--max-records-per-account",
		.default_value = STR(DRG_DEFAULT_MAX_RECORDS_PER_ACCOUNT),
		RANGE(2, 1000000000),
		.help = "At most this many records (two per tag) are cached for "
			"the account, shared among its cacheThreads agents; a "
			"warning says when the cap is hit."),
};

/* A row added without raising DRG_ACCOUNT_SETTING_COUNT fails to compile
 * (excess elements); one removed leaves a nameless row, which
 * test_settings refuses. */
