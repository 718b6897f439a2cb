#include "util/diag.h"

#include <stdio.h>
#include <string.h>

#include "util/log.h"

static struct cdh_diag *current;
static int quiet;

void cdh_diag_set_quiet(int on)
{
	quiet = on;
}

void cdh_diag_begin(struct cdh_diag *diag)
{
	memset(diag, 0, sizeof(*diag));
	current = diag;
}

void cdh_diag_end(void)
{
	current = NULL;
}

void cdh_diag_vreport(const char *file, int line, int32_t level,
		      const char *fmt, va_list ap)
{
	char where[1024], msg[1024];

	/* A setting made in memory (`cdhost config ... account add`) has no
	 * file and no line: it is named by what it concerns alone. */
	if (line > 0)
		snprintf(where, sizeof(where), "%s:%d: ", file ? file : "-", line);
	else if (file)
		snprintf(where, sizeof(where), "%s: ", file);
	else
		where[0] = '\0';
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* In JSON mode a diagnostic (a refused reload's) is a log line too. */
	if (!quiet && cdh_log_is_json())
		cdh_log(level <= CDH_LOG_ERROR ? CDH_LOG_ERROR : CDH_LOG_WARN,
			NULL, "%s%s", where, msg);
	if (level <= CDH_LOG_ERROR) {
		if (!quiet && !cdh_log_is_json())
			fprintf(stderr, "cdhost: %s%s\n", where, msg);
		if (current && current->errors++ == 0)
			snprintf(current->first_error,
				 sizeof(current->first_error), "%s%s", where,
				 msg);
	} else {
		if (!quiet && !cdh_log_is_json())
			fprintf(stderr, "cdhost: warning: %s%s\n", where, msg);
		if (current)
			current->warnings++;
	}
}

void cdh_diag_report(const char *file, int line, int32_t level,
		     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cdh_diag_vreport(file, line, level, fmt, ap);
	va_end(ap);
}
