/*
 * query - routes a query (query.h): HTTP paths and CLI words to images.c,
 * with the parameters and messages the host's own routes had before 1.1.
 */
#include "query/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/images.h"
#include "query/webhook.h"

#define ROUTE_TAGS "/dockerRegistry/images/tags"
#define ROUTE_FIND "/dockerRegistry/images/find"
/* Clouddriver's DockerRegistryImageLookupController maps /titus/images
 * too (the descriptor's route_aliases brings them here). */
#define ROUTE_TITUS_TAGS "/titus/images/tags"
#define ROUTE_TITUS_FIND "/titus/images/find"
/* The host routes POST /webhooks/<cli_name> here (DRG_CLI_NAME). */
#define ROUTE_WEBHOOK "/webhooks/docker-registry"
#define ROUTE_ON_DEMAND "/cache/dockerRegistry/taggedImage"

static int is_true(const char *v)
{
	return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

static int32_t http_tags(const struct cdh_host_api *host, struct cdh_query *q)
{
	const char *account = q->param(q, "account");
	const char *repository = q->param(q, "repository");

	if (!account || !repository) {
		q->fail(q, 400, "account and repository are required");
		return CDH_OK;
	}
	return drg_images_tags(host, q, account, repository);
}

static int32_t http_find(const struct cdh_host_api *host, struct cdh_query *q)
{
	struct drg_find_params p = { q->param(q, "q"), q->param(q, "account"),
				     q->param(q, "repository"),
				     q->param(q, "tag"), 0,
				     is_true(q->param(q, "includeDetails")) };
	const char *count = q->param(q, "count");
	char *end;

	if (count && *count) {
		p.count = strtol(count, &end, 10);
		if (*end != '\0') {
			q->fail(q, 400, "count must be a number");
			return CDH_OK;
		}
	}
	return drg_images_find(host, q, &p);
}

/* A usage error of the CLI: the host prints it with its usage, exit 2. */
static int32_t usage(struct cdh_query *q, const char *before, const char *arg,
		     const char *after)
{
	char message[512];

	snprintf(message, sizeof(message), "%s%s%s", before, arg, after);
	q->fail(q, 400, message);
	return CDH_OK;
}

/* Reads "--name VALUE" or "--name=VALUE" at argv[*i]; 1 matched, -1 missing. */
static int take_option(const struct cdh_query *q, int *i, const char *name,
		       const char **value)
{
	const char *arg = q->argv[*i];
	size_t len = strlen(name);

	if (strncmp(arg, name, len) != 0)
		return 0;
	if (arg[len] == '=') {
		*value = arg + len + 1;
		return 1;
	}
	if (arg[len] != '\0')
		return 0;
	if (*i + 1 >= q->argc)
		return -1;
	*value = q->argv[++*i];
	return 1;
}

/* argv: "images" "tags" options... */
static int32_t cli_tags(const struct cdh_host_api *host, struct cdh_query *q)
{
	const char *account = NULL, *repository = NULL;
	int i, rc;

	for (i = 2; i < q->argc; i++) {
		if ((rc = take_option(q, &i, "--account", &account)) ||
		    (rc = take_option(q, &i, "--repository", &repository))) {
			if (rc < 0)
				return usage(q, "", q->argv[i], " needs a value");
			continue;
		}
		return usage(q, "images tags: unknown option ", q->argv[i], "");
	}
	if (!account || !repository)
		return usage(q, "images tags", "",
			     ": --account and --repository are required");
	return drg_images_tags(host, q, account, repository);
}

static int32_t cli_find(const struct cdh_host_api *host, struct cdh_query *q)
{
	struct drg_find_params p = { 0 };
	const char *count = NULL;
	char *end;
	int i, rc;

	for (i = 2; i < q->argc; i++) {
		if (strcmp(q->argv[i], "--include-details") == 0) {
			p.include_details = 1;
			continue;
		}
		if ((rc = take_option(q, &i, "--account", &p.account)) ||
		    (rc = take_option(q, &i, "--q", &p.q)) ||
		    (rc = take_option(q, &i, "--repository", &p.repository)) ||
		    (rc = take_option(q, &i, "--tag", &p.tag)) ||
		    (rc = take_option(q, &i, "--count", &count))) {
			if (rc < 0)
				return usage(q, "", q->argv[i], " needs a value");
			continue;
		}
		return usage(q, "images find: unknown option ", q->argv[i], "");
	}
	if (count) {
		p.count = strtol(count, &end, 10);
		if (*count == '\0' || *end != '\0')
			return usage(q, "--count takes a number, not ", count, "");
	}
	return drg_images_find(host, q, &p);
}

static int32_t cli(const struct cdh_host_api *host, struct cdh_query *q)
{
	if (q->argc < 1 || strcmp(q->argv[0], "images") != 0) {
		q->set_status(q, 404); /* not a command of ours */
		return CDH_OK;
	}
	if (q->argc >= 2 && strcmp(q->argv[1], "tags") == 0)
		return cli_tags(host, q);
	if (q->argc >= 2 && strcmp(q->argv[1], "find") == 0)
		return cli_find(host, q);
	return usage(q, "images: unknown subcommand ",
		     q->argc >= 2 ? q->argv[1] : "(none)", "");
}

int32_t drg_query(const struct cdh_host_api *host, struct cdh_query *q)
{
	if (!CDH_HOST_HAS(host, cache_get) || !q ||
	    q->struct_size < offsetof(struct cdh_query, fail) + sizeof(q->fail))
		return CDH_E_FATAL;
	if (q->method && strcmp(q->method, "CLI") == 0)
		return cli(host, q);
	if (q->path && (strcmp(q->path, ROUTE_TAGS) == 0 ||
			strcmp(q->path, ROUTE_TITUS_TAGS) == 0))
		return http_tags(host, q);
	if (q->path && (strcmp(q->path, ROUTE_FIND) == 0 ||
			strcmp(q->path, ROUTE_TITUS_FIND) == 0))
		return http_find(host, q);
	if (q->path && q->method && strcmp(q->method, "POST") == 0 &&
	    strcmp(q->path, ROUTE_WEBHOOK) == 0)
		return drg_webhook(q);
	if (q->path && q->method && strcmp(q->method, "POST") == 0 &&
	    strcmp(q->path, ROUTE_ON_DEMAND) == 0)
		return drg_on_demand(host, q);
	q->fail(q, 404, "no such endpoint");
	return CDH_OK;
}
