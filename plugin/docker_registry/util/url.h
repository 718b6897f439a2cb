/*
 * url - the little URL arithmetic a registry client needs: splitting an
 * absolute http(s) URL, resolving a reference against it (RFC 3986 §5.2,
 * as Link targets and token realms must be), and comparing origins.
 *
 * Pure functions over caller buffers; nothing is decoded or re-encoded, so a
 * registry's opaque query tokens survive verbatim (spinnaker#7015 broke on
 * exactly that).
 */
#ifndef DRG_URL_H
#define DRG_URL_H

#include <stddef.h>

/* Views into an absolute URL; nothing is copied. */
struct drg_url_parts {
	const char *scheme; /* "http" or "https" (lower-case compared) */
	size_t scheme_len;
	const char *host; /* host without port; IPv6 keeps its brackets */
	size_t host_len;
	const char *port; /* digits after ':', or NULL */
	size_t port_len;
	const char *path; /* from the first '/' to before '?' ("" when none) */
	size_t path_len;
	const char *query; /* after '?', without it (NULL when none) */
	size_t query_len;
};

/* 0 when `url` is an absolute http:// or https:// URL with a host, else -1. */
int drg_url_split(const char *url, struct drg_url_parts *out);

/*
 * Resolves `ref` (absolute, "//authority...", "/path", "?query" or a
 * relative path) against the absolute `base` into `out`. Returns 0, or -1
 * when base is not absolute, ref is not http(s), or the result does not fit.
 */
int drg_url_resolve(const char *base, const char *ref, char *out,
		    size_t outlen);

/* 1 when scheme, host (case-insensitive) and effective port are equal. */
int drg_url_same_origin(const char *a, const char *b);

/*
 * 1 when host (case-insensitive) and effective port (the scheme's default
 * when none is written: 443 for https, 80 for http) are equal; the schemes
 * themselves are not compared.
 */
int drg_url_same_host_port(const char *a, const char *b);

/* 1 when both URLs name the same host (case-insensitive), ports ignored. */
int drg_url_same_host(const char *a, const char *b);

/* 1 when `url` starts with https:// (case-insensitive). */
int drg_url_is_https(const char *url);

/*
 * Appends "name=value" to `url` (a buffer of `urllen` bytes) with '?' or '&' as the URL already
 * has a query; `value` is percent-encoded (unreserved characters kept).
 * Returns 0, or -1 when it does not fit (url is then unchanged).
 */
int drg_url_add_param(char *url, size_t urllen, const char *name,
		      const char *value);

#endif
