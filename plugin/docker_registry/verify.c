#include "verify.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/transport.h"

#define FINDING_MAX 2048
#define PING_BODY_CAP (64u * 1024u)
#define USER_MAX 1024

struct verify {
	const struct cdh_host_api *api;
	const struct drg_account *acct;
	struct drg_credentials *creds;
	struct drg_registry *reg;
	cdh_report_fn report;
	void *report_ctx;
	int errors;
	int unreachable;
	int auth_failed;
	int nomem;
	int no_credentials; /* the password could not be resolved */
};

/* What to check when the registry refused the credentials we sent. */
#define CREDENTIALS_HINT                                                     \
	"Check the username and the password (--username, and --password, "  \
	"--password-file or --password-command)."

/* One listing's outcome, kept so findings come out in the config's order. */
struct listing {
	struct verify *v;
	const char *repository; /* NULL: the catalog */
	int done;
	int32_t code;
	int error_class;
	char *error;
	size_t count;	 /* names listed */
	size_t matching; /* catalog: names the account would cache */
};

static void finding(struct verify *v, int32_t level, const char *remedy,
		    const char *fmt, ...) CDH_PRINTF(4, 5);

/* Reports one finding: Halyard's message, then "? remedy" on its own line. */
static void finding(struct verify *v, int32_t level, const char *remedy,
		    const char *fmt, ...)
{
	char msg[FINDING_MAX];
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	len = strlen(msg);
	if (remedy)
		snprintf(msg + len, sizeof(msg) - len, "\n? %s", remedy);
	v->report(v->report_ctx, level, msg);
	if (level <= CDH_LOG_ERROR)
		v->errors++;
}

/* Tells the host what the check now waits for (NULL: nothing), which a
 * terminal shows when the wait lasts (ABI 1.1; #20). */
static void waiting(const struct verify *v, const char *what)
{
	char text[512];

	if (!CDH_HOST_HAS(v->api, progress))
		return;
	if (what)
		snprintf(text, sizeof(text), "%s: %s", v->acct->address, what);
	v->api->progress(NULL, what ? text : NULL, 0, 0);
}

/* ---- 1. GET /v2/ ---- */

struct ping {
	long status;
	int tls_unverified;
	char error[256];
};

static void on_ping(struct drg_http_request *req, void *ud)
{
	const struct drg_http_response *r = drg_http_request_response(req);
	struct ping *p = ud;

	p->status = r->status;
	p->tls_unverified = drg_http_response_tls_unverified(r);
	snprintf(p->error, sizeof(p->error), "%s",
		 r->curl_error[0] ? r->curl_error : "no answer");
}

/* 0 when the endpoint answers as a v2 registry (200, or 401 to be asked
 * for credentials: distribution's spec, registry-protocol.md §2.1). */
static int check_v2(struct verify *v)
{
	struct drg_transport_options opts = {0};
	struct ping p = {0, 0, ""};
	struct drg_http_request *req;
	struct drg_transport *t;
	char url[4096];

	opts.max_concurrent = 1;
	opts.timeout_ms = v->acct->client_timeout_ms;
	opts.insecure = v->acct->insecure_registry;
	opts.ca_cert_file = v->acct->ca_cert_file;
	snprintf(url, sizeof(url), "%s/v2/", v->acct->endpoint);
	t = drg_transport_new(&opts);
	req =
	    t ? drg_http_request_new(url, 0, NULL, NULL, PING_BODY_CAP) : NULL;
	if (!req) {
		drg_transport_free(t);
		v->nomem = 1;
		return -1;
	}
	drg_transport_submit(t, req, on_ping, &p);
	waiting(v, "GET /v2/");
	drg_transport_run(t);
	waiting(v, NULL);
	drg_transport_free(t);
	if (p.status == 0) {
		v->unreachable = 1;
		finding(v, CDH_LOG_ERROR,
			p.tls_unverified /* the error names what trusts a CA */
			    ? "Or, to skip verification for this registry "
			      "only: --insecure-registry."
			    : "Check the address, and that this host can "
			      "reach it (proxy variables, firewall, TLS).",
			"Unable to reach the docker registry at %s: %s.", url,
			p.error);
		return -1;
	}
	if (p.status != 200 && p.status != 401) {
		finding(
		    v, CDH_LOG_ERROR,
		    "Check the address: a Docker Registry "
		    "serves its HTTP API v2 under /v2/.",
		    "The address %s does not answer as a Docker Registry v2 "
		    "(GET %s returned HTTP %ld).",
		    v->acct->address, url, p.status);
		return -1;
	}
	return 0;
}

/* ---- 2. the password ---- */

/* Which whitespace the resolved password has around it: bit 1 leading,
 * bit 2 trailing, bit 4 a trailing newline. The secret is wiped at once. */
static int password_whitespace(struct verify *v)
{
	char user[USER_MAX], err[512], *pass;
	size_t cap = DRG_CREDENTIALS_SECRET_MAX + 1, len;
	int flags = 0, rc;

	pass = calloc(1, cap);
	if (!pass) {
		v->nomem = 1;
		return 0;
	}
	waiting(v, v->acct->password_command ? "the password command"
					     : "the password");
	rc = drg_credentials_get(v->creds, 0, user, sizeof(user), pass, cap,
				 err, sizeof(err));
	waiting(v, NULL);
	if (rc != 0) {
		/* Halyard warns and goes on, and then every listing failed
		 * with this same reason: said once, as the error it is. */
		finding(v, CDH_LOG_ERROR, CREDENTIALS_HINT, "%s", err);
		v->no_credentials = 1;
	} else if ((len = strlen(pass)) > 0) {
		flags |= isspace((unsigned char)pass[0]) ? 1 : 0;
		flags |= isspace((unsigned char)pass[len - 1]) ? 2 : 0;
		flags |= pass[len - 1] == '\n' ? 4 : 0;
	}
	explicit_bzero(pass, cap);
	explicit_bzero(user, sizeof(user));
	free(pass);
	return flags;
}

/* Halyard's remediation after an authentication failure (step 9). Only a
 * password file needs it here: a `password` with whitespace was warned
 * about by the account check, and command output is trimmed. */
static void whitespace_hints(struct verify *v, int flags)
{
	char remedy[1024];

	if (!v->auth_failed || !v->acct->password_file || !flags)
		return;
	if (flags & 4) {
		/* We strip one trailing newline already: this one is extra. */
		snprintf(
		    remedy, sizeof(remedy),
		    "Your password file has a trailing newline; many text "
		    "editors append a newline to files they open. If you think "
		    "this is causing authentication issues, you can strip the "
		    "newline with the command:\n\n  truncate -s -1 %s",
		    v->acct->password_file);
		finding(v, CDH_LOG_WARN, remedy, "%s",
			"Authentication failed with the password from the "
			"password file.");
		return;
	}
	finding(
	    v, CDH_LOG_WARN,
	    (flags & 1)
		? "Your registry password has leading whitespace; if this is "
		  "unintentional, this may be the cause of failed "
		  "authentication."
		: "Your registry password has trailing whitespace; if this is "
		  "unintentional, this may be the cause of failed "
		  "authentication.",
	    "%s",
	    "Authentication failed with the password from the password file.");
}

/* ---- 3. listings ---- */

static void on_listing(void *ud, const char *repository,
		       const struct drg_strvec *names,
		       const struct drg_result *res)
{
	struct listing *l = ud;
	size_t i;

	(void)repository;
	l->done = 1;
	l->code = res->code;
	l->error_class = res->error_class;
	l->count = names->count;
	for (i = 0; i < names->count; i++)
		if (drg_account_wants_repository(l->v->acct, names->items[i]))
			l->matching++;
	if (res->code != CDH_OK && !(l->error = strdup(res->error)))
		l->v->nomem = 1;
}

/* Notes what a failed listing says about the registry as a whole. */
static void note_failure(struct verify *v, const struct listing *l)
{
	if (l->error_class == DRG_ERR_AUTH ||
	    l->error_class == DRG_ERR_CREDENTIALS)
		v->auth_failed = 1;
	/* Network trouble, 5xx, 429: it may work later; not the config's fault.
	 */
	if (l->error_class == DRG_ERR_TRANSIENT ||
	    l->error_class == DRG_ERR_RATE_LIMITED)
		v->unreachable = 1;
	if (l->code == CDH_E_NOMEM)
		v->nomem = 1;
}

static const char *error_of(const struct listing *l)
{
	return l->error ? l->error : (l->done ? "unknown error" : "not run");
}

static void check_repositories(struct verify *v)
{
	const struct drg_account *acct = v->acct;
	struct listing *ls = calloc(acct->repository_count, sizeof(*ls));
	size_t i, total = 0, listed = 0;
	char err[256];

	if (!ls) {
		v->nomem = 1;
		return;
	}
	for (i = 0; i < acct->repository_count; i++) {
		ls[i].v = v;
		ls[i].repository = acct->repositories[i];
		if (drg_registry_submit_tags(v->reg, ls[i].repository,
					     on_listing, &ls[i]) != CDH_OK)
			v->nomem = 1;
	}
	if (acct->repository_count == 1)
		snprintf(err, sizeof(err), "the tags of %s",
			 acct->repositories[0]);
	else
		snprintf(err, sizeof(err), "the tags of %zu repositories",
			 acct->repository_count);
	waiting(v, err);
	drg_registry_run(v->reg, err, sizeof(err));
	waiting(v, NULL);
	for (i = 0; i < acct->repository_count; i++) {
		if (ls[i].done && ls[i].code == CDH_OK) {
			total += ls[i].count;
			listed++;
			continue;
		}
		note_failure(v, &ls[i]);
		finding(
		    v, CDH_LOG_ERROR,
		    ls[i].error_class == DRG_ERR_CREDENTIALS
			? "Can the provided user access this repository? "
			  CREDENTIALS_HINT
			: "Can the provided user access this repository?",
		    "Unable to fetch tags from the docker repository: %s, %s",
		    ls[i].repository, error_of(&ls[i]));
	}
	if (listed && total == 0)
		finding(
		    v, CDH_LOG_WARN, "Push some images to your registry.", "%s",
		    "None of your supplied repositories contain any tags. "
		    "Spinnaker will not be able to deploy any docker images.");
	for (i = 0; i < acct->repository_count; i++)
		free(ls[i].error);
	free(ls);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void catalog_findings(struct verify *v, const struct listing *l)
{
	if (l->count == 0)
		finding(v, CDH_LOG_WARN,
			"Manually specify some repositories for this docker "
			"registry to index.",
			"%s",
			"Your docker registry has no repositories specified, "
			"and the "
			"registry's catalog is empty. Spinnaker will not be "
			"able to "
			"deploy any images until some are pushed to this "
			"registry.");
	else if (l->matching == 0)
		finding(v, CDH_LOG_WARN,
			"Check repositoriesRegex (it must match "
			"a whole repository name) and skip.",
			"None of the %zu repositories in the registry's "
			"catalog is one "
			"this account would cache.",
			l->count);
}

static void check_catalog(struct verify *v)
{
	struct listing l = {0};
	char err[256];

	l.v = v;
	if (drg_registry_submit_catalog(v->reg, on_listing, &l) != CDH_OK) {
		v->nomem = 1;
		return;
	}
	waiting(v, "the catalog");
	drg_registry_run(v->reg, err, sizeof(err));
	waiting(v, NULL);
	if (l.done && l.code == CDH_OK) {
		catalog_findings(v, &l);
		return;
	}
	note_failure(v, &l);
	if (ends_with(v->acct->host, "gcr.io"))
		finding(
		    v, CDH_LOG_ERROR,
		    "Visit https://console.developers.google.com/apis/api/"
		    "cloudresourcemanager.googleapis.com/overview to enable "
		    "the API.",
		    "%s",
		    "The GCR service requires the Resource Manager API to be "
		    "enabled for the catalog endpoint to work.");
	finding(v, CDH_LOG_ERROR,
		l.error_class == DRG_ERR_CREDENTIALS ? CREDENTIALS_HINT : NULL,
		"Unable to connect the registries catalog endpoint: %s.",
		error_of(&l));
	free(l.error);
}

int32_t drg_verify_account(const struct cdh_host_api *api,
			   const struct drg_account *account,
			   struct drg_credentials *creds,
			   struct drg_registry *reg, cdh_report_fn report,
			   void *report_ctx)
{
	struct verify v = {api, account, creds, reg, report, report_ctx,
			   0, 0, 0, 0, 0};
	int whitespace;

	drg_registry_bind(reg, api, NULL);
	if (check_v2(&v) != 0)
		return v.nomem	       ? CDH_E_NOMEM
		       : v.unreachable ? CDH_E_TRANSIENT
				       : CDH_E_CONFIG;
	whitespace = password_whitespace(&v);
	/* Without a password every listing fails with the same reason. */
	if (!v.no_credentials && account->repository_count)
		check_repositories(&v);
	else if (!v.no_credentials && !account->catalog_file)
		check_catalog(&v);
	whitespace_hints(&v, whitespace);
	if (v.nomem)
		return CDH_E_NOMEM;
	if (v.errors)
		return v.unreachable ? CDH_E_TRANSIENT : CDH_E_CONFIG;
	return CDH_OK;
}
