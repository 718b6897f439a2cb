/*
 * probe - loads a plugin in a child process before the host maps it, so a
 * bad .so (a crash in its constructor or entry, an abort, a sanitizer's
 * report) kills only the child and the plugin is refused with the reason.
 * The child is `cdhost __probe-plugin FILE`, which runs the loader's own
 * negotiation (cdh_loader_probe_main) and prints a refusal on stdout: what
 * the child accepts is exactly what the host would.
 */
#ifndef CDH_PROBE_H
#define CDH_PROBE_H

#include <stddef.h>

/*
 * Runs `exe __probe-plugin file` (exe: an absolute path to cdhost) and waits
 * for it. Returns 0 when the child accepted the plugin; -1 with the reason
 * in `why` (the child's refusal, how it crashed, or why it could not run).
 */
int cdh_probe_run(const char *exe, const char *file, char *why, size_t whylen);

#endif
