/*
 * progress - one status line on a terminal's stderr for long work (#20):
 * `run --once` draws what its refreshes have done ("3/10 repositories, 42
 * requests (12.0/s), 1 error"), redrawn at most 4 times a second by a
 * thread of its own; a check waiting on a registry, or a refresh before
 * any total is known (a catalog being listed), says what it waits for
 * once the wait lasts 2 s. Off a terminal, or with JSON logs, nothing is
 * drawn and every call is cheap. Log lines erase the line first (log.c),
 * the next tick redraws it. Any thread.
 */
#ifndef CDH_PROGRESS_H
#define CDH_PROGRESS_H

#include <stdint.h>

#define CDH_PROGRESS_REFRESH 1 /* counts: units done of total, requests */
#define CDH_PROGRESS_WAIT 2    /* what a plugin waits for, after 2 s */

/* Starts drawing when stderr is a terminal and logs are text; returns 1
 * when it does, 0 when not (nothing drawn), -1 when the thread failed. */
int cdh_progress_start(int mode);
/* Stops the thread and erases the line. Safe when not started. */
void cdh_progress_stop(void);

/* A refresh's units: `done` and `total` added (deltas), `unit` the plugin's
 * name for them ("repositories"; borrowed, copied). */
void cdh_progress_units(int64_t done, int64_t total, const char *unit);
/* One request ended with `status` (0: no answer). */
void cdh_progress_request(int32_t status);
/* What is waited for now ("https://r: GET /v2/"; copied), NULL: nothing. */
void cdh_progress_waiting(const char *what);

/* For whoever writes a line to stderr: cdh_progress_hold erases the line
 * if drawn and keeps it from being drawn again until cdh_progress_release
 * (the line written between them is never cut by a redraw). */
void cdh_progress_hold(void);
void cdh_progress_release(void);

#endif
