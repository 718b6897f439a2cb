#include "api/host_check.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

int cdh_host_check_init(struct cdh_host_check *hc,
			const struct cdh_names *allowed, int set,
			int loopback_listen)
{
	size_t i;

	memset(hc, 0, sizeof(*hc));
	/* Unset on a network address: clients reach it by names (a Kubernetes
	 * service, a load balancer) this process cannot know. */
	hc->any = !set && !loopback_listen;
	if (gethostname(hc->hostname, sizeof(hc->hostname) - 1) != 0)
		hc->hostname[0] = '\0';
	lower(hc->hostname);
	for (i = 0; set && allowed && i < allowed->count; i++) {
		char **grown;

		if (strcmp(allowed->items[i], "*") == 0)
			hc->any = 1;
		grown = realloc(hc->names.items, (i + 1) * sizeof(*grown));
		if (!grown)
			goto nomem;
		hc->names.items = grown;
		if (!(grown[i] = strdup(allowed->items[i])))
			goto nomem;
		lower(grown[i]);
		hc->names.count = i + 1;
	}
	return 0;
nomem:
	cdh_host_check_release(hc);
	return -1;
}

void cdh_host_check_release(struct cdh_host_check *hc)
{
	size_t i;

	for (i = 0; i < hc->names.count; i++)
		free(hc->names.items[i]);
	free(hc->names.items);
	hc->names.items = NULL;
	hc->names.count = 0;
}

/* `name` (len bytes, no port) equals `want`, ignoring case. */
static int equals(const char *name, size_t len, const char *want)
{
	return want[0] && strlen(want) == len && strncasecmp(name, want, len) == 0;
}

/* An IPv4 literal, or an IPv6 one in brackets: no DNS name, no rebinding. */
static int ip_literal(const char *name, size_t len)
{
	char buf[64];
	unsigned char addr[16];

	if (len >= 2 && name[0] == '[' && name[len - 1] == ']') {
		name++;
		len -= 2;
		if (len >= sizeof(buf))
			return 0;
		memcpy(buf, name, len);
		buf[len] = '\0';
		return inet_pton(AF_INET6, buf, addr) == 1;
	}
	if (len >= sizeof(buf))
		return 0;
	memcpy(buf, name, len);
	buf[len] = '\0';
	return inet_pton(AF_INET, buf, addr) == 1;
}

/* "localhost" or a name under it: browsers resolve them to loopback only. */
static int localhost_name(const char *name, size_t len)
{
	return equals(name, len, "localhost") ||
	       (len > 10 && strncasecmp(name + len - 10, ".localhost", 10) == 0);
}

/* This machine's name, whole or its first label. */
static int own_name(const struct cdh_host_check *hc, const char *name,
		    size_t len)
{
	size_t short_len = strcspn(hc->hostname, ".");

	return equals(name, len, hc->hostname) ||
	       (short_len && len == short_len &&
		strncasecmp(name, hc->hostname, len) == 0);
}

int cdh_host_check_allows(const struct cdh_host_check *hc, const char *host)
{
	size_t len, i;

	if (hc->any || !host)
		return 1;
	if (host[0] == '[')
		len = strcspn(host, "]") + (strchr(host, ']') ? 1 : 0);
	else
		len = strcspn(host, ":");
	if (len && host[len - 1] == '.') /* "localhost." is localhost */
		len--;
	if (!len)
		return 0;
	if (ip_literal(host, len) || localhost_name(host, len) ||
	    own_name(hc, host, len))
		return 1;
	for (i = 0; i < hc->names.count; i++)
		if (equals(host, len, hc->names.items[i]))
			return 1;
	return 0;
}
