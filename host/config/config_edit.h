/*
 * config_edit - the config file as a document to change and write back, for
 * the `cdhost config ...` commands: open (parsed, or empty when the file does
 * not exist yet), change settings, save.
 *
 * Nodes are the same opaque struct cdh_config_node the read-only view
 * (config_view.h) and the plugins see, so a changed account can be handed
 * to a plugin's validate_config before anything is written. A node stays
 * valid until it or its parent is removed or the document is freed.
 *
 * Saving rewrites the whole file from the parsed tree: every setting is kept
 * (other sections included), but comments, layout and @include directives
 * are not (Halyard rewrites its halconfig the same way). The write is
 * atomic: a temporary file in the same directory, flushed and fsync'ed,
 * then renamed over the file, so a reader (the running service's hot
 * reload, which watches renames into the directory) sees the old file or
 * the new one, never a mix. The directory is created (0700) if missing.
 *
 * A symlinked config stays a symlink: its resolved target is replaced. The
 * new file keeps the old one's owner and group, and its mode when no more
 * open than 0640 (else, and for a new file, 0600). From open to free the
 * document holds an exclusive flock on the file's directory, so concurrent
 * commands edit one after the other and none loses another's change.
 */
#ifndef CDH_CONFIG_EDIT_H
#define CDH_CONFIG_EDIT_H

#include <stddef.h>
#include <stdint.h>

#include "cdh_plugin.h"

struct cdh_config_edit;

/*
 * Opens `path` (copied): parsed when it exists, an empty document when it
 * does not. Returns NULL with `err` set ("file:line: why" for a syntax
 * error, or why the file cannot be read).
 */
struct cdh_config_edit *cdh_config_edit_open(const char *path, char *err,
					     size_t errlen);
void cdh_config_edit_free(struct cdh_config_edit *edit);

/* 1 when the file existed at open. */
int cdh_config_edit_existed(const struct cdh_config_edit *edit);

/*
 * The top-level group `name`, or NULL when there is none (or it is not a
 * group). With `create`, an absent one is added empty (NULL only when out of
 * memory or a non-group setting of that name is in the way).
 */
struct cdh_config_node *cdh_config_edit_section(struct cdh_config_edit *edit,
						const char *name, int create);

/*
 * Members of a group: set (added when absent, replaced when of another
 * type), all returning 0, or -1 when `group` is not a group or out of memory.
 */
int cdh_config_edit_set_string(struct cdh_config_node *group, const char *name,
			       const char *value);
int cdh_config_edit_set_int(struct cdh_config_node *group, const char *name,
			    int64_t value);
int cdh_config_edit_set_bool(struct cdh_config_node *group, const char *name,
			     int value);
/* An array of strings, ["a", "b"] (an empty one when count is 0). */
int cdh_config_edit_set_strings(struct cdh_config_node *group, const char *name,
				const char *const *values, size_t count);

/* The group (resp. list) member `name`, added empty when absent; NULL when
 * a member of another type is in the way or out of memory. */
struct cdh_config_node *cdh_config_edit_group(struct cdh_config_node *group,
					      const char *name);
struct cdh_config_node *cdh_config_edit_list(struct cdh_config_node *group,
					     const char *name);

/* Removes member `name` (nothing when absent). Nodes under it die. */
void cdh_config_edit_remove(struct cdh_config_node *group, const char *name);

/* Appends an empty group to a list; NULL when `list` is not a list. */
struct cdh_config_node *
cdh_config_edit_append_group(struct cdh_config_node *list);
/* Removes element `index` of a list (nothing when out of range). */
void cdh_config_edit_remove_at(struct cdh_config_node *list, size_t index);

/*
 * The members of `group` as config text ("name = value;" lines), leaving out
 * the members named in `omit` (a NULL-terminated array, may be NULL).
 * Returns a new string (caller frees) or NULL when out of memory.
 */
char *cdh_config_edit_render(const struct cdh_config_node *group,
			     const char *const *omit);

/*
 * Writes the document to its path as described above. Returns 0, or -1
 * with `err` set; on failure the file is as it was.
 */
int cdh_config_edit_save(struct cdh_config_edit *edit, char *err,
			 size_t errlen);

#endif
