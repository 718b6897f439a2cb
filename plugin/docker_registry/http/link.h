/*
 * link - the RFC 8288 Link header as registries use it for pagination
 * (`Link: </v2/x/tags/list?last=a&n=100>; rel="next"`), and where to go next.
 *
 * Robustness rules from registry-protocol.md §3.2: the URI is whatever sits
 * between '<' and the next '>' (it may hold ',' ';' '=' '%'); rel may be
 * quoted or not, any case, or a space-separated list; several link-values
 * per header and several headers; trailing commas. The target is followed
 * verbatim: never decoded or re-encoded (ECR/Quay tokens are opaque).
 */
#ifndef DRG_LINK_H
#define DRG_LINK_H

#include <stddef.h>

/*
 * Finds the rel="next" target in `value`: one Link header value, or several
 * joined with ", ". Copies the target (between < and >) into `out`.
 * Returns 1 found, 0 none, -1 when the target does not fit in `out`.
 */
int drg_link_next(const char *value, char *out, size_t outlen);

/*
 * The absolute URL of the next page: `target` resolved against the URL of
 * the request that returned it, `request_url`. `registry` is the client's
 * base address (scheme://host[:port][/base-path]). Policy:
 *  - a target on another origin keeps only its path and query, applied to
 *    the registry's origin (as containers/image does): we never follow a
 *    Link to a host we were not configured for, so no request or credential
 *    leaves for it;
 *  - a target whose path starts with /v2/ but lost the registry's base path
 *    (Artifactory, renovate#20745) gets the base path back.
 * Returns 0, or -1 when a URL is not absolute http(s) or `out` is too small.
 */
int drg_link_resolve(const char *request_url, const char *registry,
		     const char *target, char *out, size_t outlen);

#endif
