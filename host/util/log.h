/*
 * log - the host's log lines: one line per event on stderr, with time, level
 * and what it concerns ("who", usually an account).
 */
#ifndef CDH_LOG_H
#define CDH_LOG_H

#include <stdarg.h>
#include <stdint.h>

#include "cdh_plugin.h"

/* Lines above this level (CDH_LOG_*) are dropped. Default CDH_LOG_INFO. */
void cdh_log_set_level(int32_t level);
/* 1: one JSON object per line; 0: plain text (the default). */
void cdh_log_set_json(int json);
/* 1 when --log-format json is on: every stderr line must then be JSON. */
int cdh_log_is_json(void);

void cdh_log(int32_t level, const char *who, const char *fmt, ...)
	CDH_PRINTF(3, 4);
void cdh_vlog(int32_t level, const char *who, const char *fmt, va_list ap)
	CDH_PRINTF(3, 0);

#endif
