/*
 * loader - finds plugins in a directory, loads each from a private copy
 * (RTLD_NOW | RTLD_LOCAL), negotiates the ABI and keeps the result as a slot:
 * ready, or refused with the reason. A bad .so never takes the host down:
 * before the host maps a file, a child process (probe.h: `cdhost` itself,
 * running cdh_loader_probe_main) loads and negotiates it, so a crash in a plugin's
 * constructor or entry kills only the child.
 *
 * Loaded code stays resident until exit (like GStreamer, OBS, collectd):
 * dlclose is never called on a plugin that was initialised.
 */
#ifndef CDH_LOADER_H
#define CDH_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "cdh_plugin.h"

/* Where plugins are installed (the build sets both; these are fallbacks):
 * absolute, and relative to the installed binary's directory. */
#ifndef CDH_INSTALL_PLUGIN_DIR
#define CDH_INSTALL_PLUGIN_DIR "/usr/local/lib/cdhost/plugins"
#endif
#ifndef CDH_INSTALL_PLUGIN_DIR_FROM_BIN
#define CDH_INSTALL_PLUGIN_DIR_FROM_BIN "../lib/cdhost/plugins"
#endif

struct cdh_plugin_slot {
	char *path;       /* the file in the plugin directory */
	int ready;        /* 1: negotiated and initialised */
	char error[512];  /* why it was refused, when !ready */
	uint32_t abi_major, abi_minor; /* spoken: min(plugin's minor, host's) */
	struct cdh_plugin_desc desc; /* copied; strings point into the plugin */
	struct cdh_plugin_ops ops;   /* copied, zero-filled past struct_size and
				      * past what abi_minor defines */
	void *handle;
	char *copy_path;  /* the private copy that was mapped */
	int superseded;   /* a newer load of the same file serves; still initialised */
	int users;        /* accounts created from it that still exist */
	int unsafe;       /* refused by the file or directory checks (logged) */
};

struct cdh_loader;

/*
 * A loader that will probe plugins by running `probe_exe` (an absolute path
 * to cdhost) in a child; NULL probe_exe loads without probing (tests only).
 * Returns NULL with err on failure.
 */
struct cdh_loader *cdh_loader_new(const char *probe_exe, char *err,
				  size_t errlen);
/* Shuts every ready plugin down and removes the private copies. */
void cdh_loader_free(struct cdh_loader *loader);

/*
 * Loads every "*.so" of `dir` in name order. Each file becomes a slot, ready
 * or refused. Returns 0, or -1 with err when the directory cannot be read.
 */
int cdh_loader_scan(struct cdh_loader *loader, const char *dir, char *err,
		    size_t errlen);

/*
 * Loads `path` again (it was replaced in the directory) into a new slot.
 * When it is ready, the slot that served from the same path becomes
 * superseded (not ready; still initialised, its instances still valid) and
 * is returned in *replaced. Returns the new slot, or NULL with err (the old
 * one keeps serving). Slots stay valid until cdh_loader_free.
 */
struct cdh_plugin_slot *cdh_loader_reload_file(struct cdh_loader *loader,
					       const char *path,
					       struct cdh_plugin_slot **replaced,
					       char *err, size_t errlen);
/* Undoes a reload: `slot` is shut down and refused with `why`; `replaced`
 * (may be NULL) serves again. */
void cdh_loader_revert(struct cdh_plugin_slot *slot,
		       struct cdh_plugin_slot *replaced, const char *why);
/* Shuts a superseded slot down once none of its instances is left. */
void cdh_loader_retire(struct cdh_plugin_slot *slot);

/*
 * The plugin directory to use: `given` (--plugin-dir), else `configured`
 * (host.pluginDir), else plugins/ beside the binary `exe` when it exists (a
 * build tree), else the install's plugin directory relative to `exe` (e.g.
 * ../lib/cdhost/plugins) when it exists, else the one the build was
 * configured for. Either may be NULL.
 */
void cdh_loader_choose_dir(const char *given, const char *configured,
			   const char *exe, char *out, size_t len);

size_t cdh_loader_count(const struct cdh_loader *loader);
struct cdh_plugin_slot *cdh_loader_slot(const struct cdh_loader *loader,
					      size_t index);
/* The ready plugin owning config section `section`, or NULL. */
const struct cdh_plugin_slot *cdh_loader_find_section(
	const struct cdh_loader *loader, const char *section);

/*
 * The child side of the probe: loads `path`, negotiates, prints the refusal
 * reason (if any) on stdout, and returns the process exit code (0 accepted).
 */
int cdh_loader_probe_main(const char *path);

#endif
