/*
 * fake_registry - a fast, synthetic Docker registry for the API and memory
 * benchmarks (bench/api.sh): REPOS repositories bench/rNNNNN, each with TAGS
 * tags tNNNN, every manifest a distinct digest, nothing stored. It answers
 * what a refresh asks (the /v2/ ping, catalog pages with Link, tag lists,
 * manifest HEAD/GET) from arithmetic, so a million tags cost no seeding
 * and the registry's CPU stays small beside cdhost's. Loopback only; no
 * auth. Numbers, not a test: never built by default.
 *
 * Usage: fake_registry PORT REPOS TAGS
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MANIFEST_TYPE "application/vnd.docker.distribution.manifest.v2+json"
#define MANIFEST_BODY "{\"schemaVersion\":2}"

static long repos, tags;

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status,
			     char *body, const char *type, const char *link,
			     const char *digest)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		strlen(body), body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result rc;

	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Docker-Distribution-Api-Version",
				"registry/2.0");
	if (link)
		MHD_add_response_header(resp, "Link", link);
	if (digest)
		MHD_add_response_header(resp, "Docker-Content-Digest", digest);
	rc = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static char *dup_or_die(const char *s)
{
	char *copy = strdup(s);

	if (!copy)
		abort();
	return copy;
}

/* /v2/_catalog?n=N&last=bench/rNNNNN */
static enum MHD_Result catalog(struct MHD_Connection *conn)
{
	const char *n_arg = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "n");
	const char *last = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "last");
	long n = n_arg ? strtol(n_arg, NULL, 10) : 100, first = 0, i;
	size_t cap, len;
	char *body, link[128];

	if (n <= 0 || n > 100000)
		n = 100;
	if (last && strncmp(last, "bench/r", 7) == 0)
		first = strtol(last + 7, NULL, 10) + 1;
	cap = 64 + (size_t)n * 24;
	body = malloc(cap);
	if (!body)
		abort();
	len = (size_t)snprintf(body, cap, "{\"repositories\":[");
	for (i = first; i < repos && i < first + n; i++)
		len += (size_t)snprintf(body + len, cap - len, "%s\"bench/r%05ld\"",
					i > first ? "," : "", i);
	snprintf(body + len, cap - len, "]}");
	snprintf(link, sizeof(link),
		 "</v2/_catalog?last=bench%%2Fr%05ld&n=%ld>; rel=\"next\"",
		 first + n - 1, n);
	return reply(conn, 200, body, "application/json",
		     first + n < repos ? link : NULL, NULL);
}

static enum MHD_Result tag_list(struct MHD_Connection *conn, const char *repo)
{
	size_t cap = 64 + strlen(repo) + (size_t)tags * 10, len;
	char *body = malloc(cap);
	long t;

	if (!body)
		abort();
	len = (size_t)snprintf(body, cap, "{\"name\":\"%s\",\"tags\":[", repo);
	for (t = 0; t < tags; t++)
		len += (size_t)snprintf(body + len, cap - len, "%s\"t%04ld\"",
					t ? "," : "", t);
	snprintf(body + len, cap - len, "]}");
	return reply(conn, 200, body, "application/json", NULL, NULL);
}

static enum MHD_Result manifest(struct MHD_Connection *conn, const char *repo,
				const char *tag)
{
	long r = strncmp(repo, "bench/r", 7) == 0 ? strtol(repo + 7, NULL, 10) : -1;
	long t = tag[0] == 't' ? strtol(tag + 1, NULL, 10) : -1;
	char digest[80];

	if (r < 0 || r >= repos || t < 0 || t >= tags)
		return reply(conn, 404, dup_or_die("{\"errors\":[{\"code\":"
						   "\"MANIFEST_UNKNOWN\"}]}"),
			     "application/json", NULL, NULL);
	snprintf(digest, sizeof(digest), "sha256:%032lx%032lx", r, t);
	return reply(conn, 200, dup_or_die(MANIFEST_BODY), MANIFEST_TYPE, NULL,
		     digest);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_len, void **state)
{
	char repo[256];
	const char *slash;

	(void)cls, (void)method, (void)version, (void)upload, (void)upload_len;
	/* Answering on the first call makes libmicrohttpd close the
	 * connection: answer on the second, as keep-alive needs. */
	if (!*state) {
		*state = (void *)1;
		return MHD_YES;
	}
	if (strcmp(url, "/v2/") == 0)
		return reply(conn, 200, dup_or_die("{}"), "application/json", NULL, NULL);
	if (strcmp(url, "/v2/_catalog") == 0)
		return catalog(conn);
	if (strncmp(url, "/v2/", 4) == 0 && (slash = strstr(url + 4, "/tags/list")) &&
	    slash[10] == '\0') {
		snprintf(repo, sizeof(repo), "%.*s", (int)(slash - url - 4), url + 4);
		return tag_list(conn, repo);
	}
	if (strncmp(url, "/v2/", 4) == 0 && (slash = strstr(url + 4, "/manifests/"))) {
		snprintf(repo, sizeof(repo), "%.*s", (int)(slash - url - 4), url + 4);
		return manifest(conn, repo, slash + 11);
	}
	return reply(conn, 404, dup_or_die("{}"), "application/json", NULL, NULL);
}

int main(int argc, char **argv)
{
	struct MHD_Daemon *d;
	struct sockaddr_in addr = { 0 };
	sigset_t set;
	int sig;

	if (argc != 4) {
		fprintf(stderr, "usage: fake_registry PORT REPOS TAGS\n");
		return 2;
	}
	repos = strtol(argv[2], NULL, 10);
	tags = strtol(argv[3], NULL, 10);
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)strtol(argv[1], NULL, 10));
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO,
			     0, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR,
			     &addr, MHD_OPTION_THREAD_POOL_SIZE, 2,
			     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "fake_registry: cannot listen on port %s\n", argv[1]);
		return 1;
	}
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	return 0;
}
