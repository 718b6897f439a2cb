#include "util/log.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/progress.h"

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

/* The escape for one byte of `in` at `i`, or NULL to copy it; *used is
 * how many input bytes the escape stands for. */
static const char *escape_of(const unsigned char *in, size_t i, char *tmp,
			     size_t tmplen, size_t *used)
{
	*used = 1;
	switch (in[i]) {
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	default:
		break;
	}
	if (in[i] < 0x20 || in[i] == 0x7f) {
		snprintf(tmp, tmplen, "\\x%02x", in[i]);
		return tmp;
	}
	/* C1 controls in UTF-8 (U+0080..U+009F): CSI is U+009B. */
	if (in[i] == 0xc2 && in[i + 1] >= 0x80 && in[i + 1] <= 0x9f) {
		snprintf(tmp, tmplen, "\\u%04x", in[i + 1]);
		*used = 2;
		return tmp;
	}
	return NULL;
}

/*
 * Text logs carry what registries say (error messages): a newline there
 * would forge a log line, an escape sequence would drive the operator's
 * terminal. Control characters become \n, \r, \t, \xHH or \u00HH.
 */
static void escape_controls(const char *in, char *out, size_t outlen)
{
	const unsigned char *u = (const unsigned char *)in;
	size_t i = 0, o = 0, used, n;
	char tmp[8];
	const char *esc;

	while (u[i] && o + 1 < outlen) {
		esc = escape_of(u, i, tmp, sizeof(tmp), &used);
		if (!esc) {
			out[o++] = (char)u[i++];
			continue;
		}
		n = strlen(esc);
		if (o + n >= outlen)
			break;
		memcpy(out + o, esc, n);
		o += n;
		i += used;
	}
	out[o] = '\0';
}

static void write_text(const char *when, const char *level, const char *who,
		       const char *msg)
{
	char safe_msg[4 * 2048], safe_who[256];

	escape_controls(msg, safe_msg, sizeof(safe_msg));
	if (who) {
		escape_controls(who, safe_who, sizeof(safe_who));
		fprintf(stderr, "%s %-5s [%s] %s\n", when, level, safe_who,
			safe_msg);
	} else {
		fprintf(stderr, "%s %-5s %s\n", when, level, safe_msg);
	}
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
	cdh_progress_hold(); /* a terminal's progress line: redrawn after */
	if (as_json)
		write_json(when, name, who, msg);
	else
		write_text(when, name, who, msg);
	cdh_progress_release();
	pthread_mutex_unlock(&log_lock);
}

void cdh_log(int32_t level, const char *who, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cdh_vlog(level, who, fmt, ap);
	va_end(ap);
}
