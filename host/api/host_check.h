/*
 * host_check - the API's answer to DNS rebinding (issue #19, item 12): a
 * web page on a foreign name that its DNS points at this machine makes the
 * browser send that name as the Host header, so a request is served only
 * for the names the operator allows (host.allowedHosts, config.h): IP
 * addresses, "localhost" (and *.localhost), this machine's name, and the
 * configured ones.
 */
#ifndef CDH_HOST_CHECK_H
#define CDH_HOST_CHECK_H

#include <stddef.h>

#include "config/config.h"

struct cdh_host_check {
	int any;               /* no check: every Host header is served */
	struct cdh_names names; /* allowed besides the built-ins, lower-case */
	char hostname[256];    /* this machine's name, lower-case */
};

/*
 * Fills `hc` from host.allowedHosts (`allowed`, `set` when the key was
 * given) and whether the API listens on a loopback address. 0, or -1 out of
 * memory. Release with cdh_host_check_release.
 */
int cdh_host_check_init(struct cdh_host_check *hc,
			const struct cdh_names *allowed, int set,
			int loopback_listen);
void cdh_host_check_release(struct cdh_host_check *hc);

/* 1 when a request with this Host header ("name[:port]", "[v6]:port";
 * NULL: none sent, as HTTP/1.0 may) is served. */
int cdh_host_check_allows(const struct cdh_host_check *hc, const char *host);

#endif
