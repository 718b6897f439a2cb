/*
 * account - checks across fields and derived values: the name pattern, the
 * address forms, the credential options, the repository sources, and the
 * files an account names. Messages are Clouddriver's and Halyard's where
 * they have one.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account/account.h"
#include "account/account_internal.h"
#include "util/names.h"

/* Halyard's DockerRegistryAccountValidator pattern. */
#define NAME_PATTERN "^[a-z0-9]+([-a-z0-9]*[a-z0-9])?$"

static const struct cdh_config_node *member(struct drg_account__parse *st,
					    const char *field)
{
	return st->api->cfg_member(st->node, field);
}

char *drg_account_normalize_address(const char *address)
{
	const char *rest = address, *sep;
	const char *scheme = "https";
	size_t len;
	char *out;

	if (!address || !*address)
		return NULL;
	sep = strstr(address, "://");
	if (sep && (size_t)(sep - address) == 4 &&
	    strncasecmp(address, "http", 4) == 0) {
		scheme = "http";
		rest = sep + 3;
	} else if (sep && (size_t)(sep - address) == 5 &&
		   strncasecmp(address, "https", 5) == 0) {
		rest = sep + 3;
	}
	/* Clouddriver strips a trailing '/' and then a '/v2' suffix. */
	len = strlen(rest);
	while (len > 0 && rest[len - 1] == '/')
		len--;
	if (len >= 3 && strncmp(rest + len - 3, "/v2", 3) == 0)
		len -= 3;
	while (len > 0 && rest[len - 1] == '/')
		len--;
	/* Halyard prefixes https:// to a scheme-less address. */
	len += strlen(scheme) + sizeof("://");
	out = malloc(len);
	if (out)
		snprintf(out, len, "%s://%.*s", scheme,
			 (int)(len - strlen(scheme) - sizeof("://")), rest);
	return out;
}

int drg_account_is_docker_hub(const char *host)
{
	static const char *const hub[] = { "index.docker.io", "docker.io",
					   DRG_DOCKER_HUB_API_HOST, NULL };
	size_t len = strcspn(host, ":/");
	int i;

	for (i = 0; hub[i]; i++)
		if (strlen(hub[i]) == len && strncasecmp(host, hub[i], len) == 0)
			return 1;
	return 0;
}

static int name_ok(const char *name)
{
	size_t len = strlen(name), i;

	if (!len || !isalnum((unsigned char)name[0]) ||
	    !isalnum((unsigned char)name[len - 1]))
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!(islower(c) || isdigit(c) || c == '-'))
			return 0;
	}
	return 1;
}

static int check_name(struct drg_account__parse *st)
{
	struct drg_account *acct = st->account;

	if (!acct->name) {
		drg_account__diag(st, NULL, CDH_LOG_ERROR, "name", "%s",
				  "Docker Registry account must be provided with a name.");
		return 0;
	}
	if (!name_ok(acct->name))
		drg_account__diag(st, member(st, "name"), CDH_LOG_ERROR, "name",
				  "Account name must match pattern %s (it must start and end "
				  "with a lower-case character or number, and only contain "
				  "lower-case characters, numbers, or dashes)",
				  NAME_PATTERN);
	/* Clouddriver's DockerRegistryConfiguration maps both to the name. */
	if (!acct->environment && !(acct->environment = strdup(acct->name)))
		return -1;
	if (!acct->account_type && !(acct->account_type = strdup(acct->name)))
		return -1;
	return 0;
}

/* Problems with the address as written; NULL when it can be used. */
static const char *address_problem(const char *raw)
{
	const char *sep = strstr(raw, "://"), *host, *end;
	size_t i;

	for (i = 0; raw[i]; i++)
		if (isspace((unsigned char)raw[i]) || iscntrl((unsigned char)raw[i]))
			return "must not contain spaces or control characters";
	if (sep && !((sep - raw == 4 && strncasecmp(raw, "http", 4) == 0) ||
		     (sep - raw == 5 && strncasecmp(raw, "https", 5) == 0)))
		return "unsupported scheme (use https:// or http://)";
	host = sep ? sep + 3 : raw;
	end = host + strcspn(host, "/");
	if (end == host)
		return "has no host";
	/* user:password@host would put a secret where everyone can see it. */
	if (memchr(host, '@', (size_t)(end - host)))
		return "must not carry credentials (user@host): use username and "
		       "a password option";
	if (strpbrk(raw, "?#"))
		return "must not contain '?' or '#'";
	return NULL;
}

static int derive_address_forms(struct drg_account *acct)
{
	const char *host = strstr(acct->address, "://") + 3;
	size_t hostlen = strcspn(host, "/"), i;

	acct->registry = strdup(host);
	acct->host = strndup(host, hostlen);
	if (!acct->registry || !acct->host)
		return -1;
	for (i = 0; acct->host[i]; i++)
		acct->host[i] = (char)tolower((unsigned char)acct->host[i]);
	acct->docker_hub = drg_account_is_docker_hub(acct->host);
	/* Hub serves the API on registry-1 only; keys keep what was written. */
	acct->endpoint = acct->docker_hub
				 ? strdup("https://" DRG_DOCKER_HUB_API_HOST)
				 : strdup(acct->address);
	return acct->endpoint ? 0 : -1;
}

static int check_address(struct drg_account__parse *st)
{
	struct drg_account *acct = st->account;
	const char *problem;
	char *raw = acct->address;

	if (!raw) {
		drg_account__diag(st, NULL, CDH_LOG_ERROR, "address",
				  "Docker Registry account %s must provide an endpoint address.",
				  drg_account__label(st));
		return 0;
	}
	problem = address_problem(raw);
	if (problem) {
		drg_account__diag(st, member(st, "address"), CDH_LOG_ERROR,
				  "address", "%s", problem);
		return 0;
	}
	acct->address = drg_account_normalize_address(raw);
	free(raw);
	if (!acct->address)
		return -1;
	return derive_address_forms(acct);
}

/* A file the account names: warn early about what will fail later. */
static void check_file(struct drg_account__parse *st, const char *field,
		       const char *path, int secret)
{
	const struct cdh_config_node *node = member(st, field);
	struct stat sb;

	if (stat(path, &sb) != 0 || access(path, R_OK) != 0) {
		/* A secret file is read at each use, and each use that fails
		 * says why (the registry check, the agent's failure): warning
		 * here too made `run --once` say it twice (#20 item 6). */
		if (!secret)
			drg_account__diag(st, node, CDH_LOG_WARN, field,
					  "cannot read %s: %s", path,
					  strerror(errno));
		return;
	}
	if (!S_ISREG(sb.st_mode)) {
		drg_account__diag(st, node, CDH_LOG_WARN, field,
				  "%s is not a regular file", path);
		return;
	}
	if (secret && (sb.st_mode & (S_IRGRP | S_IROTH)))
		drg_account__diag(st, node, CDH_LOG_WARN, field,
				  "%s can be read by group or others (mode %04o); "
				  "chmod 600 it", path, (unsigned)(sb.st_mode & 07777));
	if (secret && sb.st_size == 0 && strcmp(field, "passwordFile") == 0)
		drg_account__diag(st, node, CDH_LOG_WARN, field, "%s",
				  "The supplied password file is empty.");
}

static void check_password_text(struct drg_account__parse *st)
{
	const char *pw = st->account->password;
	size_t len = pw ? strlen(pw) : 0;

	if (!len)
		return;
	if (isspace((unsigned char)pw[0]))
		drg_account__diag(st, member(st, "password"), CDH_LOG_WARN,
				  "password", "%s",
				  "Your registry password has leading whitespace, if this "
				  "is unintentional authentication will fail.");
	if (isspace((unsigned char)pw[len - 1]))
		drg_account__diag(st, member(st, "password"), CDH_LOG_WARN,
				  "password", "%s",
				  "Your registry password has trailing whitespace, if this "
				  "is unintentional authentication will fail.");
}

static void check_username(struct drg_account__parse *st, const char *source)
{
	struct drg_account *acct = st->account;

	if (acct->dockerconfig_file && acct->username)
		drg_account__diag(st, member(st, "username"), CDH_LOG_WARN,
				  "username", "%s",
				  "ignored: dockerconfigFile supplies the username");
	else if (source && !acct->dockerconfig_file && !acct->username)
		drg_account__diag(st, member(st, source), CDH_LOG_WARN, source,
				  "%s", "You have supplied a password but no username.");
	else if (!source && acct->username)
		drg_account__diag(st, member(st, "username"), CDH_LOG_WARN,
				  "username", "%s",
				  "You have a supplied a username but no password.");
}

/* Whether host[:port] names this machine: plain http to it never crosses a
 * network, so credentials sent there are not worth a warning. An address
 * literal is parsed, not matched by prefix: "127.attacker.example" is a DNS
 * name that may point anywhere. */
static int loopback_host(const char *host)
{
	char name[64];
	size_t len = host[0] == '[' ? strcspn(host + 1, "]")
				    : strcspn(host, ":");
	struct in6_addr v6;
	struct in_addr v4;

	if (len >= sizeof(name))
		return 0;
	memcpy(name, host + (host[0] == '['), len);
	name[len] = '\0';
	if (host[0] == '[')
		return host[len + 1] == ']' &&
		       inet_pton(AF_INET6, name, &v6) == 1 &&
		       IN6_IS_ADDR_LOOPBACK(&v6);
	if (inet_pton(AF_INET, name, &v4) == 1)
		return ntohl(v4.s_addr) >> 24 == 127;
	return strcasecmp(name, "localhost") == 0;
}

/* Credentials for an http:// registry elsewhere travel in clear (Basic
 * headers, token requests): said once per config check, not per request. */
static void warn_plain_http(struct drg_account__parse *st, const char *source)
{
	const struct drg_account *acct = st->account;

	if (!source || strncmp(acct->address, "http://", 7) != 0 ||
	    loopback_host(acct->host))
		return;
	drg_account__diag(st, member(st, "address"), CDH_LOG_WARN, "address",
			  "credentials (%s) are sent to http://%s in clear text: "
			  "anyone on the network path can read them; use https://",
			  source, acct->host);
}

static void check_credentials(struct drg_account__parse *st)
{
	struct drg_account *acct = st->account;
	const char *const names[] = { "password", "passwordCommand",
				      "passwordFile", "dockerconfigFile" };
	const char *const values[] = { acct->password, acct->password_command,
				       acct->password_file,
				       acct->dockerconfig_file };
	const char *source = NULL;
	int i, count = 0;

	for (i = 0; i < 4; i++) {
		if (!values[i])
			continue;
		if (++count == 2)
			drg_account__diag(st, member(st, names[i]), CDH_LOG_ERROR,
					  names[i], "%s",
					  "Error, at most one of \"password\", \"passwordFile\", "
					  "\"passwordCommand\" or \"dockerconfigFile\" can be "
					  "specified");
		source = source ? source : names[i];
	}
	check_username(st, source);
	warn_plain_http(st, source);
	check_password_text(st);
	if (acct->password_file)
		check_file(st, "passwordFile", acct->password_file, 1);
	if (acct->dockerconfig_file)
		check_file(st, "dockerconfigFile", acct->dockerconfig_file, 1);
}

/* Clouddriver filters with Java's Pattern.matches(): Java syntax (lookahead,
 * \\d, possessive quantifiers) and a whole-name match, hence PCRE2 anchored at
 * both ends rather than POSIX ERE. */
static void compile_regex(struct drg_account__parse *st)
{
	struct drg_account *acct = st->account;
	PCRE2_UCHAR why[256];
	PCRE2_SIZE offset = 0;
	int rc = 0;

	acct->repositories_re = pcre2_compile(
		(PCRE2_SPTR)acct->repositories_regex, PCRE2_ZERO_TERMINATED,
		PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
		&rc, &offset, NULL);
	if (acct->repositories_re)
		return;
	if (pcre2_get_error_message(rc, why, sizeof(why)) < 0)
		snprintf((char *)why, sizeof(why), "error %d", rc);
	drg_account__diag(st, member(st, "repositoriesRegex"), CDH_LOG_ERROR,
			  "repositoriesRegex",
			  "The string provided in repositoriesRegex for account \"%s\" "
			  "could not compile (%s at offset %zu). The repositoriesRegex "
			  "must be a valid Regular Expression.",
			  drg_account__label(st), (const char *)why, (size_t)offset);
}

/* Docker Hub's official images live under library/ ("nginx"). */
static int hub_library(char **name)
{
	size_t len;
	char *full;

	if (strchr(*name, '/'))
		return 0;
	len = strlen(*name) + sizeof("library/");
	full = malloc(len);
	if (!full)
		return -1;
	snprintf(full, len, "library/%s", *name);
	free(*name);
	*name = full;
	return 0;
}

/* Each listed repository in distribution's grammar, before any request:
 * "a b" or "Team/App" would otherwise fail in curl or as a bare 404. */
static void check_repository_names(struct drg_account__parse *st)
{
	struct drg_account *acct = st->account;
	char shown[96];
	size_t i;

	for (i = 0; i < acct->repository_count; i++) {
		if (drg_name_valid_repository(acct->repositories[i]))
			continue;
		drg_name_quote(acct->repositories[i], shown, sizeof(shown));
		drg_account__diag(st, member(st, "repositories"), CDH_LOG_ERROR,
				  "repositories",
				  "\"%s\" is not a valid repository name: lower-case "
				  "letters, digits and separators (. _ __ -) between them, "
				  "path components joined by /, at most %d characters",
				  shown, DRG_NAME_MAX);
	}
}

static int check_sources(struct drg_account__parse *st)
{
	struct drg_account *acct = st->account;
	size_t i;

	if (acct->repository_count && acct->catalog_file)
		drg_account__diag(st, member(st, "catalogFile"), CDH_LOG_ERROR,
				  "catalogFile", "%s",
				  "repositories and catalogFile may not be specified together.");
	if (acct->repositories_regex && (acct->repository_count || acct->catalog_file))
		drg_account__diag(st, member(st, "repositoriesRegex"), CDH_LOG_ERROR,
				  "repositoriesRegex", "%s",
				  "repositoriesRegex may not be specified at the same time "
				  "than repositories or catalogFile.");
	else if (acct->repositories_regex)
		compile_regex(st);
	check_repository_names(st);
	if (acct->catalog_file)
		check_file(st, "catalogFile", acct->catalog_file, 0);
	if (!acct->docker_hub)
		return 0;
	if (!acct->repository_count && !acct->catalog_file)
		drg_account__diag(st, member(st, "address"), CDH_LOG_WARN,
				  "repositories", "%s",
				  "Docker Hub has no catalog endpoint: list the repositories "
				  "to cache, e.g. [\"library/nginx\", \"yourusername/app\"]");
	for (i = 0; i < acct->repository_count; i++)
		if (hub_library(&acct->repositories[i]) != 0)
			return -1;
	for (i = 0; i < acct->skip.count; i++)
		if (hub_library(&acct->skip.items[i]) != 0)
			return -1;
	return 0;
}

int drg_account__check(struct drg_account__parse *st)
{
	if (check_name(st) != 0 || check_address(st) != 0)
		return -1;
	check_credentials(st);
	if (st->account->ca_cert_file)
		check_file(st, "caCertFile", st->account->ca_cert_file, 0);
	return check_sources(st);
}
