/*
 * request_internal - the fields of a drg_http_request, shared by request.c
 * (building and freeing it) and transport.c (running it: its easy handle,
 * header list, attempts and place in the transport's lists). No other file
 * includes this header.
 */
#ifndef DRG_REQUEST_INTERNAL_H
#define DRG_REQUEST_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "http/request.h"

struct drg_transport;

struct drg_http_request {
	char *url;
	int head;
	int compress;
	char *accept;
	char *authorization;
	size_t body_cap;
	uint32_t attempts;
	uint64_t not_before_ns;
	drg_http_done_fn done;
	void *ud;
	struct drg_transport *t;
	CURL *easy;
	struct curl_slist *headers;
	long header_status; /* from the status line, for the body cap rule */
	struct drg_http_response resp;
	struct drg_http_request *next;
};

#endif
