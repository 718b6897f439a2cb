/*
 * multi_driver - drives one curl multi handle through curl's socket
 * interface: curl says which sockets to watch and when its timer expires;
 * the driver poll()s those sockets and hands back only the ones that are
 * ready (curl_multi_socket_action). curl_multi_perform instead walks every
 * transfer and checks its socket with a poll() of its own: 13 poll() calls
 * per request at 16 in flight, the largest item of the client's CPU.
 *
 * The driver installs CURLMOPT_SOCKETFUNCTION and CURLMOPT_TIMERFUNCTION on
 * the multi handle it is given; nothing else may set them. Single-threaded,
 * like the transport that owns it.
 */
#ifndef DRG_MULTI_DRIVER_H
#define DRG_MULTI_DRIVER_H

#include <curl/curl.h>

struct drg_multi_driver;

/* A driver for `multi` (borrowed; it must outlive the driver), or NULL when
 * out of memory. Free it before the multi handle. */
struct drg_multi_driver *drg_multi_driver_new(CURLM *multi);
void drg_multi_driver_free(struct drg_multi_driver *d);

/* Lets curl act on its timer when it is due (as it is at once after a
 * handle was added). Never waits. */
void drg_multi_driver_act(struct drg_multi_driver *d);

/*
 * Waits until a watched socket is ready, curl's timer is due or
 * `timeout_ms` passed, whichever comes first, then lets curl act on what is
 * ready. Returns at once with timeout_ms 0.
 */
void drg_multi_driver_wait(struct drg_multi_driver *d, int timeout_ms);

#endif
