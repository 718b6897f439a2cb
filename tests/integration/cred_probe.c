/*
 * cred_probe - drives one account's credentials end to end against a real
 * registry, the way the registry client will once it calls them: resolve
 * the credentials, GET <endpoint>/v2/ with Basic auth, and after a 401 ask
 * for renewed credentials once and retry.
 *
 *   cred_probe --config FILE --account NAME [--requests N]
 *              [--between SHELL-COMMAND] [--debug]
 *
 * For each request prints one line: "request I: 200", "request I: 401
 * renewed 200", "request I: 401 renewed 401" or "request I: credentials:
 * <error>". --between runs before every request but the first (to rotate a
 * password while the credentials are in use). Exit: 0 when every request
 * ended 200, 1 otherwise, 2 for usage or config errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "account/account.h"
#include "config/config.h"
#include "config/config_view.h"
#include "credentials/credentials.h"
#include "plugins/host_table.h"
#include "util/log.h"

struct probe {
	const char *config_path;
	const char *account;
	const char *between;
	long requests;
	int debug;
};

static size_t discard(char *ptr, size_t size, size_t nmemb, void *data)
{
	(void)ptr;
	(void)data;
	return size * nmemb;
}

/* GET <endpoint>/v2/; the HTTP status, or -1 with a curl error. */
static long http_get(const char *endpoint, const char *user, const char *pass)
{
	char url[2048];
	CURL *easy = curl_easy_init();
	long status = -1;
	CURLcode rc;

	if (!easy)
		return -1;
	snprintf(url, sizeof(url), "%s/v2/", endpoint);
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
	if (user[0]) {
		curl_easy_setopt(easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(easy, CURLOPT_USERNAME, user);
		curl_easy_setopt(easy, CURLOPT_PASSWORD, pass);
	}
	rc = curl_easy_perform(easy);
	if (rc == CURLE_OK)
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	else
		fprintf(stderr, "cred_probe: GET %s: %s\n", url,
			curl_easy_strerror(rc));
	curl_easy_cleanup(easy);
	return status;
}

/* One request with the renew-once-after-401 rule; 0 when it ended 200. */
static int one_request(struct drg_credentials *creds, const char *endpoint,
		       long index)
{
	static char user[1024], pass[65536];
	char err[1024];
	long status;
	int ok = 0;

	if (drg_credentials_get(creds, 0, user, sizeof(user), pass, sizeof(pass),
				err, sizeof(err)) != 0) {
		printf("request %ld: credentials: %s\n", index, err);
		return -1;
	}
	status = http_get(endpoint, user, pass);
	if (status == 401) {
		if (drg_credentials_get(creds, 1, user, sizeof(user), pass,
					sizeof(pass), err, sizeof(err)) != 0) {
			printf("request %ld: 401 renew failed: credentials: %s\n",
			       index, err);
			goto out;
		}
		status = http_get(endpoint, user, pass);
		ok = status == 200;
		printf("request %ld: 401 renewed %ld\n", index, status);
	} else {
		ok = status == 200;
		printf("request %ld: %ld\n", index, status);
	}
out:
	explicit_bzero(pass, sizeof(pass));
	fflush(stdout);
	return ok ? 0 : -1;
}

static const struct cdh_config_node *find_account(const struct cdh_config *config,
						  const char *name)
{
	const struct cdh_config_node *list = cdh_cfg_member(
		cdh_config_section(config, "dockerRegistry"), "accounts");
	size_t i;

	for (i = 0; i < cdh_cfg_count(list); i++) {
		const char *n = NULL;
		const struct cdh_config_node *acct = cdh_cfg_at(list, i);

		if (cdh_cfg_string(cdh_cfg_member(acct, "name"), &n) == CDH_OK &&
		    strcmp(n, name) == 0)
			return acct;
	}
	return NULL;
}

static int run(const struct probe *p)
{
	char err[1024];
	struct cdh_config *config = cdh_config_load(p->config_path, err, sizeof(err));
	const struct cdh_config_node *node;
	struct drg_account *account = NULL;
	struct drg_credentials *creds = NULL;
	int failures = 0;
	long i;

	if (!config) {
		fprintf(stderr, "cred_probe: %s\n", err);
		return 2;
	}
	node = find_account(config, p->account);
	if (!node || drg_account_parse(cdh_host_table_get(), node, &account) != CDH_OK ||
	    !(creds = drg_credentials_new(account, cdh_host_table_get()))) {
		fprintf(stderr, "cred_probe: no usable account %s\n", p->account);
		cdh_config_free(config);
		drg_account_free(account);
		return 2;
	}
	printf("source: %s\n", drg_credentials_source(creds));
	for (i = 1; i <= p->requests; i++) {
		if (i > 1 && p->between && system(p->between) != 0) {
			fprintf(stderr, "cred_probe: --between command failed\n");
			failures++;
			break;
		}
		failures += one_request(creds, account->endpoint, i) != 0;
	}
	drg_credentials_free(creds);
	drg_account_free(account);
	cdh_config_free(config);
	return failures ? 1 : 0;
}

static int parse_args(int argc, char **argv, struct probe *p)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--debug") == 0) {
			p->debug = 1;
			continue;
		}
		if (!value)
			return -1;
		if (strcmp(argv[i], "--config") == 0)
			p->config_path = value;
		else if (strcmp(argv[i], "--account") == 0)
			p->account = value;
		else if (strcmp(argv[i], "--between") == 0)
			p->between = value;
		else if (strcmp(argv[i], "--requests") == 0)
			p->requests = strtol(value, NULL, 10);
		else
			return -1;
		i++;
	}
	return p->config_path && p->account && p->requests > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct probe p = { NULL, NULL, NULL, 1, 0 };
	int rc;

	if (parse_args(argc, argv, &p) != 0) {
		fprintf(stderr, "usage: cred_probe --config FILE --account NAME "
				"[--requests N] [--between CMD] [--debug]\n");
		return 2;
	}
	if (p.debug)
		cdh_log_set_level(CDH_LOG_DEBUG);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = run(&p);
	curl_global_cleanup();
	return rc;
}
