/*
 * retry_after - HTTP headers that tell a client when to come back:
 * Retry-After (RFC 9110 §10.2.3: delay-seconds or an HTTP-date in any of
 * the three formats) and the RateLimit-* headers Docker Hub sends
 * (`ratelimit-remaining: 76;w=21600`, possibly empty: `;w=21600`).
 */
#ifndef DRG_RETRY_AFTER_H
#define DRG_RETRY_AFTER_H

#include <stdint.h>
#include <time.h>

/*
 * Seconds to wait according to a Retry-After value, given the wall clock
 * `now`. A date in the past gives 0. Returns 0, or -1 when unparseable.
 */
int drg_retry_after_parse(const char *value, time_t now, int64_t *seconds);

/*
 * Parses an HTTP-date (IMF-fixdate, RFC 850 or asctime) into *out (UTC),
 * with curl_getdate(); a date with a comma must be in GMT. Returns 0 or -1.
 */
int drg_http_date_parse(const char *value, time_t *out);

/*
 * Parses a RateLimit-Limit/-Remaining value: the first policy's count and
 * its `w=` window. An empty count gives *count = -1; no window gives
 * *window_s = -1. Returns 0, or -1 when the value is not of that form.
 */
int drg_ratelimit_parse(const char *value, int64_t *count, int64_t *window_s);

#endif
