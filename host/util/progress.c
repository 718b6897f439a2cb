#include "util/progress.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"

#define TICK_NS 250000000L  /* redraws: at most 4 a second */
#define WAIT_SHOWN_AFTER 2  /* seconds of waiting before it is said */

struct progress {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	int mode;    /* 0: not drawing */
	int stopping;
	int drawn;   /* the line is on the screen */
	int changed; /* counts moved since the last draw */
	struct timespec started, waiting_since;
	int64_t done, total;
	uint64_t requests, errors;
	char unit[32];
	char waiting[256];
	long waited_shown; /* the seconds last drawn, -1: none */
};

static struct progress P = { .lock = PTHREAD_MUTEX_INITIALIZER,
			     .wake = PTHREAD_COND_INITIALIZER };

static double seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	       (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* Erases the drawn line; the caller holds P.lock. */
static void erase_locked(void)
{
	if (!P.drawn)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	P.drawn = 0;
}

static void draw_counts(void)
{
	double secs = seconds_since(&P.started);

	fprintf(stderr, "\rcdhost: %lld/%lld %s, %llu requests (%.1f/s), %llu %s\033[K",
		(long long)P.done, (long long)P.total,
		P.unit[0] ? P.unit : "done", (unsigned long long)P.requests,
		secs > 0 ? (double)P.requests / secs : 0.0,
		(unsigned long long)P.errors, P.errors == 1 ? "error" : "errors");
}

/* The wait, once it has lasted, redrawn as its seconds change; 1 when
 * drawn. The caller holds P.lock. */
static int draw_wait(void)
{
	double waited = seconds_since(&P.waiting_since);

	if (waited < WAIT_SHOWN_AFTER || (long)waited == P.waited_shown)
		return 0;
	P.waited_shown = (long)waited;
	fprintf(stderr, "\rcdhost: waiting for %s (%ld s)\033[K", P.waiting,
		P.waited_shown);
	return 1;
}

/*
 * One tick. A refresh shows its counts when they moved (or the line was
 * erased); while its total is still unknown (a catalog being listed) and
 * the plugin said what it waits for, that wait instead: a registry that
 * never answers is not silence (#20). A check shows its wait. The caller
 * holds P.lock.
 */
static void tick_locked(void)
{
	int drew = 0;

	if (P.mode == CDH_PROGRESS_WAIT ||
	    (P.mode == CDH_PROGRESS_REFRESH && !P.total && P.waiting[0])) {
		drew = P.waiting[0] && draw_wait();
	} else if (P.mode == CDH_PROGRESS_REFRESH && (P.changed || !P.drawn) &&
		   (P.total || P.requests)) {
		draw_counts();
		P.changed = 0;
		drew = 1;
	}
	if (!drew)
		return;
	P.drawn = 1;
	fflush(stderr);
}

static void *run(void *arg)
{
	struct timespec at;

	(void)arg;
	pthread_mutex_lock(&P.lock);
	while (!P.stopping) {
		clock_gettime(CLOCK_REALTIME, &at);
		at.tv_nsec += TICK_NS;
		if (at.tv_nsec >= 1000000000L) {
			at.tv_sec++;
			at.tv_nsec -= 1000000000L;
		}
		if (pthread_cond_timedwait(&P.wake, &P.lock, &at) == ETIMEDOUT &&
		    !P.stopping)
			tick_locked();
	}
	pthread_mutex_unlock(&P.lock);
	return NULL;
}

int cdh_progress_start(int mode)
{
	int rc;

	if (!isatty(STDERR_FILENO) || cdh_log_is_json())
		return 0;
	pthread_mutex_lock(&P.lock);
	P.stopping = 0;
	P.done = P.total = 0;
	P.requests = P.errors = 0;
	P.unit[0] = P.waiting[0] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &P.started);
	P.mode = mode;
	pthread_mutex_unlock(&P.lock);
	rc = pthread_create(&P.thread, NULL, run, NULL);
	if (rc != 0) {
		P.mode = 0;
		return -1;
	}
	return 1;
}

void cdh_progress_stop(void)
{
	pthread_mutex_lock(&P.lock);
	if (!P.mode) {
		pthread_mutex_unlock(&P.lock);
		return;
	}
	P.stopping = 1;
	pthread_cond_signal(&P.wake);
	pthread_mutex_unlock(&P.lock);
	pthread_join(P.thread, NULL);
	pthread_mutex_lock(&P.lock);
	erase_locked();
	P.mode = 0;
	pthread_mutex_unlock(&P.lock);
}

void cdh_progress_units(int64_t done, int64_t total, const char *unit)
{
	pthread_mutex_lock(&P.lock);
	if (P.mode) {
		P.done += done;
		P.total += total;
		if (unit)
			snprintf(P.unit, sizeof(P.unit), "%s", unit);
		P.changed = 1;
	}
	pthread_mutex_unlock(&P.lock);
}

void cdh_progress_request(int32_t status)
{
	pthread_mutex_lock(&P.lock);
	if (P.mode) {
		P.requests++;
		/* A 401 is how a registry asks for credentials: no error. */
		if (status == 0 || (status >= 400 && status != 401))
			P.errors++;
		P.changed = 1;
	}
	pthread_mutex_unlock(&P.lock);
}

void cdh_progress_waiting(const char *what)
{
	pthread_mutex_lock(&P.lock);
	if (P.mode) {
		if (!what || strcmp(what, P.waiting) != 0) {
			erase_locked();
			P.waited_shown = -1;
			clock_gettime(CLOCK_MONOTONIC, &P.waiting_since);
		}
		snprintf(P.waiting, sizeof(P.waiting), "%s", what ? what : "");
	}
	pthread_mutex_unlock(&P.lock);
}

void cdh_progress_hold(void)
{
	pthread_mutex_lock(&P.lock);
	erase_locked();
}

void cdh_progress_release(void)
{
	pthread_mutex_unlock(&P.lock);
}
