/*
 * echo - delivery of events to Spinnaker's Echo (DESIGN 9.4): a bounded
 * queue and one worker thread that POSTs each event's JSON to
 * host.echo.baseUrl, retrying with backoff, so that a refresh never waits
 * for Echo. What happened is counted for /metrics.
 */
#ifndef CDH_ECHO_H
#define CDH_ECHO_H

#include <stddef.h>
#include <stdint.h>

#include "util/text.h"

/* Events waiting at most; more are dropped (counted). */
#define CDH_ECHO_QUEUE_MAX 10000

struct cdh_echo;

struct cdh_echo_stats {
	uint64_t sent;       /* answered 2xx */
	uint64_t failed;     /* given up after the retries, or refused (4xx) */
	uint64_t retries;    /* attempts that failed and were tried again */
	uint64_t dropped;    /* the queue was full, or cdhost stopped first */
	uint64_t suppressed; /* over a threshold (Igor's safeguard): not queued */
	size_t queued;       /* waiting now */
};

/* Starts the worker; nothing is sent until configured. NULL with err. */
struct cdh_echo *cdh_echo_new(char *err, size_t errlen);
/* Stops the worker (an attempt in flight is abandoned); what waits is
 * dropped and logged. NULL is fine. */
void cdh_echo_free(struct cdh_echo *echo);

/* host.echo: base_url NULL turns sending off. Any thread; a reload. */
int cdh_echo_configure(struct cdh_echo *echo, const char *base_url,
		       int64_t threshold);
/* Whether events are wanted now (a baseUrl is set). */
int cdh_echo_enabled(struct cdh_echo *echo);
/* host.echo.itemUpperThreshold. */
int64_t cdh_echo_threshold(struct cdh_echo *echo);

/* Queues a copy of `json`. 0 queued; -1 dropped (off, full, no memory). */
int cdh_echo_post(struct cdh_echo *echo, const char *json);
/* Counts `n` events the safeguard kept back. */
void cdh_echo_suppressed(struct cdh_echo *echo, uint64_t n);

void cdh_echo_get_stats(struct cdh_echo *echo, struct cdh_echo_stats *out);
/* Appends the counters in Prometheus' text format. */
void cdh_echo_metrics(struct cdh_echo *echo, struct cdh_text *out);

#endif
