/*
 * failalloc - makes strdup() fail on demand, to drive the out-of-memory
 * paths a real allocation failure would take. Works in a test executable
 * linked with -Wl,--wrap=strdup (cdh_unit_test_failalloc in CMakeLists.txt):
 * every strdup of the code under test then goes through failalloc.c.
 */
#ifndef CDH_FAILALLOC_H
#define CDH_FAILALLOC_H

/* From now on strdup(s) fails (NULL, errno ENOMEM) when s ends with
 * `suffix` (borrowed; NULL: never fail again). */
void failalloc_strdup_ending(const char *suffix);

#endif
