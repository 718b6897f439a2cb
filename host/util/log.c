#include "util/log.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static int32_t max_level = CDH_LOG_INFO;
static int as_json;
/* Worker threads log too: one line must never interleave with another. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void cdh_log_set_level(int32_t level)
{
	max_level = level;
}

void cdh_log_set_json(int json)
{
	as_json = json;
}

int cdh_log_is_json(void)
{
	return as_json;
}

static void format_time(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

static void write_json(const char *when, const char *level, const char *who,
		       const char *msg)
{
	json_object *line = json_object_new_object();

	json_object_object_add(line, "time", json_object_new_string(when));
	json_object_object_add(line, "level", json_object_new_string(level));
	if (who)
		json_object_object_add(line, "account", json_object_new_string(who));
	json_object_object_add(line, "message", json_object_new_string(msg));
	fprintf(stderr, "%s\n",
		json_object_to_json_string_ext(line, JSON_C_TO_STRING_PLAIN));
	json_object_put(line);
}

void cdh_vlog(int32_t level, const char *who, const char *fmt, va_list ap)
{
	char when[40], msg[2048];
	const char *name;

	if (level > max_level)
		return;
	if (level < CDH_LOG_ERROR)
		level = CDH_LOG_ERROR;
	name = level_names[level];
	format_time(when, sizeof(when));
	vsnprintf(msg, sizeof(msg), fmt, ap);
	pthread_mutex_lock(&log_lock);
	if (as_json)
		write_json(when, name, who, msg);
	else if (who)
		fprintf(stderr, "%s %-5s [%s] %s\n", when, name, who, msg);
	else
		fprintf(stderr, "%s %-5s %s\n", when, name, msg);
	pthread_mutex_unlock(&log_lock);
}

void cdh_log(int32_t level, const char *who, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cdh_vlog(level, who, fmt, ap);
	va_end(ap);
}
