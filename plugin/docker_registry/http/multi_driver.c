#include "http/multi_driver.h"

#include <poll.h>
#include <stdlib.h>
#include <time.h>

struct drg_multi_driver {
	CURLM *multi;
	struct pollfd *fds;   /* the sockets curl asked us to watch */
	struct pollfd *ready; /* poll()'s copy: curl edits fds as it acts */
	size_t count, alloc;
	int timer_set;        /* curl wants a call at timer_ns */
	long long timer_ns;   /* CLOCK_MONOTONIC */
	int lost;             /* a socket could not be recorded: perform */
};

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static size_t find(const struct drg_multi_driver *d, curl_socket_t s)
{
	size_t i;

	for (i = 0; i < d->count && d->fds[i].fd != s; i++)
		;
	return i;
}

static int grow(struct drg_multi_driver *d)
{
	size_t n = d->alloc ? d->alloc * 2 : 16;
	struct pollfd *fds = realloc(d->fds, n * sizeof(*fds)), *ready;

	if (!fds)
		return -1;
	d->fds = fds;
	ready = realloc(d->ready, n * sizeof(*ready));
	if (!ready)
		return -1;
	d->ready = ready;
	d->alloc = n;
	return 0;
}

static int watch(struct drg_multi_driver *d, curl_socket_t s, short events)
{
	size_t i = find(d, s);

	if (i == d->count) {
		if (d->count == d->alloc && grow(d) != 0)
			return -1;
		d->fds[d->count++].fd = s;
	}
	d->fds[i].events = events;
	d->fds[i].revents = 0;
	return 0;
}

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp,
		     void *socketp)
{
	struct drg_multi_driver *d = userp;
	size_t i;

	(void)easy, (void)socketp;
	if (what == CURL_POLL_REMOVE) {
		i = find(d, s);
		if (i < d->count)
			d->fds[i] = d->fds[--d->count];
		return 0;
	}
	if (watch(d, s, (short)(((what & CURL_POLL_IN) ? POLLIN : 0) |
				((what & CURL_POLL_OUT) ? POLLOUT : 0))) != 0)
		d->lost = 1; /* from now on, curl_multi_perform checks them all */
	return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct drg_multi_driver *d = userp;

	(void)multi;
	d->timer_set = timeout_ms >= 0;
	d->timer_ns = now_ns() + (long long)timeout_ms * 1000000ll;
	return 0;
}

struct drg_multi_driver *drg_multi_driver_new(CURLM *multi)
{
	struct drg_multi_driver *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->multi = multi;
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, d);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(multi, CURLMOPT_TIMERDATA, d);
	return d;
}

void drg_multi_driver_free(struct drg_multi_driver *d)
{
	if (!d)
		return;
	/* Handles removed later must not call back into freed memory. */
	curl_multi_setopt(d->multi, CURLMOPT_SOCKETFUNCTION, NULL);
	curl_multi_setopt(d->multi, CURLMOPT_TIMERFUNCTION, NULL);
	free(d->fds);
	free(d->ready);
	free(d);
}

void drg_multi_driver_act(struct drg_multi_driver *d)
{
	int running;

	if (d->timer_set && now_ns() >= d->timer_ns) {
		d->timer_set = 0;
		curl_multi_socket_action(d->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}
}

/* Hands curl the sockets poll() found ready. */
static void act_on_ready(struct drg_multi_driver *d, struct pollfd *ready,
			 size_t count)
{
	int running;
	size_t i;

	for (i = 0; i < count; i++) {
		int mask = 0;

		if (ready[i].revents & (POLLIN | POLLHUP))
			mask |= CURL_CSELECT_IN;
		if (ready[i].revents & POLLOUT)
			mask |= CURL_CSELECT_OUT;
		if (ready[i].revents & (POLLERR | POLLNVAL))
			mask |= CURL_CSELECT_ERR;
		if (mask)
			curl_multi_socket_action(d->multi, ready[i].fd, mask,
						 &running);
	}
}

void drg_multi_driver_wait(struct drg_multi_driver *d, int timeout_ms)
{
	long long left;
	int running;
	size_t i;

	if (d->timer_set) {
		left = (d->timer_ns - now_ns() + 999999) / 1000000;
		if (left < timeout_ms)
			timeout_ms = left < 0 ? 0 : (int)left;
	}
	if (d->lost) {
		/* Out of memory once: the slow way, but nothing is missed. */
		curl_multi_poll(d->multi, NULL, 0, timeout_ms, NULL);
		curl_multi_perform(d->multi, &running);
		return;
	}
	for (i = 0; i < d->count; i++)
		d->ready[i] = d->fds[i];
	if (poll(d->ready, d->count, timeout_ms) > 0)
		act_on_ready(d, d->ready, d->count);
	drg_multi_driver_act(d);
}
