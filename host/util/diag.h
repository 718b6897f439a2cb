/*
 * diag - configuration diagnostics: "file:line: why" lines on stderr, counted
 * so that a config with any error changes nothing. Used on the control thread
 * only; one collection at a time.
 */
#ifndef CDH_DIAG_H
#define CDH_DIAG_H

#include <stdarg.h>
#include <stdint.h>

#include "cdh_plugin.h"

struct cdh_diag {
	int errors;
	int warnings;
	char first_error[1024]; /* "file:line: why" of the first error */
};

/* Starts counting into `diag` (zeroed here); reports print as they come. */
void cdh_diag_begin(struct cdh_diag *diag);
/* Stops counting; reports after this only print. */
void cdh_diag_end(void);

/*
 * 1: reports are counted but not printed (a config validated once already is
 * being read again, e.g. by create); 0: printed (the default).
 */
void cdh_diag_set_quiet(int quiet);

/* Reports one problem at file:line (line 0: no line). */
void cdh_diag_report(const char *file, int line, int32_t level,
		     const char *fmt, ...) CDH_PRINTF(4, 5);
void cdh_diag_vreport(const char *file, int line, int32_t level,
		      const char *fmt, va_list ap) CDH_PRINTF(4, 0);

#endif
