#include "config/config_edit.h"

#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct cdh_config_edit {
	char *path;
	char *target;  /* the file a save replaces: path with symlinks resolved */
	int existed;
	struct stat opened; /* the file as read, when it existed */
	int lock_fd;   /* the locked directory, or -1 */
	config_t cfg;
};

/* The nodes are libconfig settings; the ABI only sees an opaque type. */
static config_setting_t *setting(const struct cdh_config_node *node)
{
	union {
		const struct cdh_config_node *node;
		config_setting_t *setting;
	} u = {node};

	return u.setting;
}

static struct cdh_config_node *node_of(config_setting_t *s)
{
	return (struct cdh_config_node *)(void *)s;
}

/* dirname and basename of `path`, into bounded buffers. */
static int split_path(const char *path, char *dir, size_t dirlen, char *base,
		      size_t baselen)
{
	char *a = strdup(path), *b = strdup(path);
	int rc = -1;

	if (a && b) {
		snprintf(dir, dirlen, "%s", dirname(a));
		snprintf(base, baselen, "%s", basename(b));
		rc = 0;
	}
	free(a);
	free(b);
	return rc;
}

/*
 * Serialises `cdhost config` commands on one file: each holds an exclusive
 * flock on the file's directory from open to free, so that two
 * read-modify-renames never interleave (the second one would drop the
 * first one's change). The directory rather than a lock file: nothing is
 * left beside the config, and a user who may only read it still can.
 * 0 when locked; -1 with errno when the directory cannot be opened.
 */
static int lock_directory(struct cdh_config_edit *edit)
{
	char dir[PATH_MAX], base[NAME_MAX + 1];
	int fd;

	if (split_path(edit->target, dir, sizeof(dir), base, sizeof(base)) != 0)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	edit->lock_fd = fd;
	return 0;
}

static int read_existing(struct cdh_config_edit *edit, char *err, size_t errlen)
{
	struct stat st;

	/* A directory not there yet is locked when save creates it. */
	if (lock_directory(edit) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: cannot lock its directory: %s",
			 edit->path, strerror(errno));
		return -1;
	}
	if (stat(edit->target, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", edit->path, strerror(errno));
		return -1;
	}
	edit->existed = 1;
	edit->opened = st;
	if (config_read_file(&edit->cfg, edit->path) == CONFIG_TRUE)
		return 0;
	if (config_error_type(&edit->cfg) == CONFIG_ERR_FILE_IO)
		snprintf(err, errlen, "%s: cannot read: %s", edit->path,
			 strerror(errno));
	else
		snprintf(err, errlen, "%s:%d: %s",
			 config_error_file(&edit->cfg)
			     ? config_error_file(&edit->cfg)
			     : edit->path,
			 config_error_line(&edit->cfg),
			 config_error_text(&edit->cfg));
	return -1;
}

struct cdh_config_edit *cdh_config_edit_open(const char *path, char *err,
					     size_t errlen)
{
	struct cdh_config_edit *edit = calloc(1, sizeof(*edit));
	char *dir = strdup(path);

	if (!edit || !dir || !(edit->path = strdup(path))) {
		snprintf(err, errlen, "out of memory");
		free(edit);
		free(dir);
		return NULL;
	}
	edit->lock_fd = -1;
	config_init(&edit->cfg);
	/* A symlinked config stays a symlink: its target is what is
	 * replaced (config management and Kubernetes link configs). */
	edit->target = realpath(path, NULL);
	if (!edit->target && !(edit->target = strdup(path))) {
		snprintf(err, errlen, "out of memory");
		free(dir);
		cdh_config_edit_free(edit);
		return NULL;
	}
	/* @include is read relative to the file, as cdh_config_load does. */
	config_set_include_dir(&edit->cfg, dirname(dir));
	free(dir);
	if (read_existing(edit, err, errlen) != 0) {
		cdh_config_edit_free(edit);
		return NULL;
	}
	return edit;
}

void cdh_config_edit_free(struct cdh_config_edit *edit)
{
	if (!edit)
		return;
	config_destroy(&edit->cfg);
	if (edit->lock_fd >= 0)
		close(edit->lock_fd); /* releases the flock */
	free(edit->target);
	free(edit->path);
	free(edit);
}

int cdh_config_edit_existed(const struct cdh_config_edit *edit)
{
	return edit->existed;
}

/* Member `name` of `group` of type `type`: the one there, else a new one
 * (one of another type is replaced). NULL when `group` is not a group. */
static config_setting_t *member(struct cdh_config_node *group, const char *name,
				int type)
{
	config_setting_t *g = setting(group), *m;

	if (!g || !config_setting_is_group(g))
		return NULL;
	m = config_setting_get_member(g, name);
	if (m && config_setting_type(m) == type)
		return m;
	if (m)
		config_setting_remove(g, name);
	return config_setting_add(g, name, type);
}

struct cdh_config_node *cdh_config_edit_section(struct cdh_config_edit *edit,
						const char *name, int create)
{
	config_setting_t *root = config_root_setting(&edit->cfg);
	config_setting_t *s = config_setting_get_member(root, name);

	if (s)
		return config_setting_is_group(s) ? node_of(s) : NULL;
	if (!create)
		return NULL;
	return node_of(config_setting_add(root, name, CONFIG_TYPE_GROUP));
}

int cdh_config_edit_set_string(struct cdh_config_node *group, const char *name,
			       const char *value)
{
	config_setting_t *m = member(group, name, CONFIG_TYPE_STRING);

	return m && config_setting_set_string(m, value) == CONFIG_TRUE ? 0 : -1;
}

int cdh_config_edit_set_int(struct cdh_config_node *group, const char *name,
			    int64_t value)
{
	config_setting_t *m;

	/* Plain ints where they fit: libconfig writes int64 with an L. */
	if (value >= INT_MIN && value <= INT_MAX) {
		m = member(group, name, CONFIG_TYPE_INT);
		return m && config_setting_set_int(m, (int)value) == CONFIG_TRUE
			   ? 0
			   : -1;
	}
	m = member(group, name, CONFIG_TYPE_INT64);
	return m && config_setting_set_int64(m, (long long)value) == CONFIG_TRUE
		   ? 0
		   : -1;
}

int cdh_config_edit_set_bool(struct cdh_config_node *group, const char *name,
			     int value)
{
	config_setting_t *m = member(group, name, CONFIG_TYPE_BOOL);

	return m && config_setting_set_bool(m, value != 0) == CONFIG_TRUE ? 0
									  : -1;
}

int cdh_config_edit_set_strings(struct cdh_config_node *group, const char *name,
				const char *const *values, size_t count)
{
	config_setting_t *m;
	size_t i;

	/* A fresh array: the old elements go, whatever their types. */
	cdh_config_edit_remove(group, name);
	m = member(group, name, CONFIG_TYPE_ARRAY);
	for (i = 0; m && i < count; i++)
		if (!config_setting_set_string_elem(m, -1, values[i]))
			return -1;
	return m ? 0 : -1;
}

struct cdh_config_node *cdh_config_edit_group(struct cdh_config_node *group,
					      const char *name)
{
	config_setting_t *m = config_setting_get_member(setting(group), name);

	if (m)
		return config_setting_is_group(m) ? node_of(m) : NULL;
	return node_of(member(group, name, CONFIG_TYPE_GROUP));
}

struct cdh_config_node *cdh_config_edit_list(struct cdh_config_node *group,
					     const char *name)
{
	config_setting_t *m = config_setting_get_member(setting(group), name);

	if (m)
		return config_setting_is_list(m) ? node_of(m) : NULL;
	return node_of(member(group, name, CONFIG_TYPE_LIST));
}

void cdh_config_edit_remove(struct cdh_config_node *group, const char *name)
{
	config_setting_t *g = setting(group);

	if (g && config_setting_is_group(g) &&
	    config_setting_get_member(g, name))
		config_setting_remove(g, name);
}

struct cdh_config_node *
cdh_config_edit_append_group(struct cdh_config_node *list)
{
	config_setting_t *l = setting(list);

	if (!l || !config_setting_is_list(l))
		return NULL;
	return node_of(config_setting_add(l, NULL, CONFIG_TYPE_GROUP));
}

void cdh_config_edit_remove_at(struct cdh_config_node *list, size_t index)
{
	config_setting_t *l = setting(list);

	if (l && config_setting_is_aggregate(l) &&
	    index < (size_t)config_setting_length(l))
		config_setting_remove_elem(l, (unsigned)index);
}

static int copy_setting(config_setting_t *dst_parent,
			const config_setting_t *src);

static int copy_children(config_setting_t *dst, const config_setting_t *src)
{
	int i, n = config_setting_length(src);

	for (i = 0; i < n; i++)
		if (copy_setting(
			dst, config_setting_get_elem(src, (unsigned)i)) != 0)
			return -1;
	return 0;
}

/* Deep copy of `src` as a new child of `dst_parent`. */
static int copy_setting(config_setting_t *dst_parent,
			const config_setting_t *src)
{
	int type = config_setting_type(src);
	const char *name = config_setting_is_group(dst_parent)
			       ? config_setting_name(src)
			       : NULL;
	config_setting_t *dst = config_setting_add(dst_parent, name, type);

	if (!dst)
		return -1;
	switch (type) {
	case CONFIG_TYPE_GROUP:
	case CONFIG_TYPE_LIST:
	case CONFIG_TYPE_ARRAY:
		return copy_children(dst, src);
	case CONFIG_TYPE_INT:
		return config_setting_set_int(dst, config_setting_get_int(src))
			   ? 0
			   : -1;
	case CONFIG_TYPE_INT64:
		return config_setting_set_int64(dst,
						config_setting_get_int64(src))
			   ? 0
			   : -1;
	case CONFIG_TYPE_FLOAT:
		return config_setting_set_float(dst,
						config_setting_get_float(src))
			   ? 0
			   : -1;
	case CONFIG_TYPE_BOOL:
		return config_setting_set_bool(dst,
					       config_setting_get_bool(src))
			   ? 0
			   : -1;
	case CONFIG_TYPE_STRING:
		return config_setting_set_string(dst,
						 config_setting_get_string(src))
			   ? 0
			   : -1;
	default:
		return 0;
	}
}

static int omitted(const char *name, const char *const *omit)
{
	for (; omit && *omit; omit++)
		if (name && strcmp(name, *omit) == 0)
			return 1;
	return 0;
}

/* The readable layout: "name = { ... };", two-space indents. */
static void set_write_style(config_t *cfg)
{
	config_set_options(cfg, CONFIG_OPTION_SEMICOLON_SEPARATORS);
	config_set_tab_width(cfg, 2);
}

static char *write_to_string(config_t *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	set_write_style(cfg);
	config_write(cfg, f);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

char *cdh_config_edit_render(const struct cdh_config_node *group,
			     const char *const *omit)
{
	config_setting_t *src = setting(group);
	config_t tmp;
	char *text = NULL;
	int i, n, rc = 0;

	if (!src || !config_setting_is_group(src))
		return NULL;
	config_init(&tmp);
	n = config_setting_length(src);
	for (i = 0; rc == 0 && i < n; i++) {
		config_setting_t *m = config_setting_get_elem(src, (unsigned)i);

		if (!omitted(config_setting_name(m), omit))
			rc = copy_setting(config_root_setting(&tmp), m);
	}
	if (rc == 0)
		text = write_to_string(&tmp);
	config_destroy(&tmp);
	return text;
}

/* mkdir -p for the config's directory; new directories are 0700 (they
 * will hold a file with secrets). */
static int make_directory(const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	size_t i, len;

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	len = strlen(path);
	for (i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s: %s", path,
				 strerror(errno));
			return -1;
		}
		path[i] = i < len ? '/' : '\0';
	}
	return 0;
}

/* Writes the document to the open temporary file `fd` and syncs it. */
static int write_fd(struct cdh_config_edit *edit, int fd)
{
	FILE *f = fdopen(fd, "w");
	int rc;

	if (!f) {
		close(fd);
		return -1;
	}
	set_write_style(&edit->cfg);
	config_write(&edit->cfg, f);
	rc = fflush(f) == 0 && !ferror(f) && fsync(fileno(f)) == 0 ? 0 : -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

/* Makes the rename durable: fsync the directory (best effort). */
static void sync_directory(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* 1 when the file is not the one read at open (created, replaced, changed). */
static int changed_since_open(const struct cdh_config_edit *edit)
{
	struct stat st;
	int exists = stat(edit->target, &st) == 0;

	if (exists != edit->existed)
		return 1;
	return exists && (st.st_ino != edit->opened.st_ino ||
			  st.st_dev != edit->opened.st_dev ||
			  st.st_size != edit->opened.st_size ||
			  st.st_mtim.tv_sec != edit->opened.st_mtim.tv_sec ||
			  st.st_mtim.tv_nsec != edit->opened.st_mtim.tv_nsec);
}

/* The lock, when open could not take it (the directory was missing):
 * then nothing may have changed in between. */
static int lock_late(struct cdh_config_edit *edit, char *err, size_t errlen)
{
	if (edit->lock_fd >= 0)
		return 0;
	if (lock_directory(edit) != 0) {
		snprintf(err, errlen, "%s: cannot lock its directory: %s",
			 edit->path, strerror(errno));
		return -1;
	}
	if (changed_since_open(edit)) {
		snprintf(err, errlen, "%s: changed by another command meanwhile; "
			 "run this one again", edit->path);
		return -1;
	}
	return 0;
}

/*
 * The new file gets the old one's owner and group (a service reads the
 * config through its group) and its mode when no more open than 0640;
 * else, and for a first file, 0600. A group that cannot be kept (only
 * root gives files away) closes the group bits: another group must not
 * read secrets meant for the old one.
 */
static int keep_owner_and_mode(int fd, const struct stat *old)
{
	mode_t mode = 0600;
	int group_kept = 0;

	if (old) {
		if (fchown(fd, old->st_uid, old->st_gid) == 0 ||
		    fchown(fd, (uid_t)-1, old->st_gid) == 0)
			group_kept = 1;
		if ((old->st_mode & 0137) == 0)
			mode = (old->st_mode & 0640) | 0600;
		if (!group_kept)
			mode &= 0700;
	}
	return fchmod(fd, mode);
}

int cdh_config_edit_save(struct cdh_config_edit *edit, char *err, size_t errlen)
{
	char dir[PATH_MAX], base[NAME_MAX + 1], tmp[PATH_MAX + NAME_MAX + 16];
	struct stat old;
	int fd, have_old;

	if (split_path(edit->target, dir, sizeof(dir), base, sizeof(base)) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (make_directory(dir, err, errlen) != 0 ||
	    lock_late(edit, err, errlen) != 0)
		return -1;
	have_old = stat(edit->target, &old) == 0;
	/* Same directory, so the rename is atomic; a dot name the service's
	 * watcher ignores (it reloads on renames to the config's name). */
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, base);
	fd = mkstemp(tmp); /* mode 0600 */
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a file in %s: %s", dir,
			 strerror(errno));
		return -1;
	}
	if (keep_owner_and_mode(fd, have_old ? &old : NULL) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", edit->path,
			 strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (write_fd(edit, fd) != 0 || rename(tmp, edit->target) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", edit->path,
			 strerror(errno));
		unlink(tmp);
		return -1;
	}
	sync_directory(dir);
	return 0;
}
